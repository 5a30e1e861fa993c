// AlertBus present-during-calibration alerts: once per baseline + emitter (also across a store reopen), already-known ones, escalate; KnownEmitters marks their band.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { KnownEmitters } from '../../src/field/known-emitters.js';
import type { Alert, CalibrationAlertInfo } from '../../src/server/protocol.js';
import { tempDir } from '../server/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(dir: string): Promise<{ store: AlertStore; bus: AlertBus; emitted: Alert[]; close: () => Promise<void> }> {
  const store = await AlertStore.open({ dataDir: dir, site: 'hall-a' });
  const bus = new AlertBus({ store, now: () => Date.parse('2026-05-14T01:00:00.000Z') });
  const emitted: Alert[] = [];
  bus.on('alert', (a) => emitted.push(a));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await bus.close();
    await store.close();
  };
  cleanups.push(close);
  return { store, bus, emitted, close };
}

function info(centerHz: number, createdAt = '2026-05-14T00:30:00.000Z'): CalibrationAlertInfo {
  return {
    emitter: { centerHz, lowHz: centerHz - 600, highHz: centerHz + 600, bandwidthHz: 1200, peakPowerDbfs: -37, peakExcessDb: 26.2, dutyCycle: 0.2, bursts: 6, periodS: 1, maxBurstS: 0.31, continuous: false },
    baselineCreatedAt: createdAt,
    baselineMethod: 'calibrate',
    baselineDurationS: 60,
  };
}

describe('present-during-calibration alerts', () => {
  it('stores open + close once per baseline and emitter, low/new, with the emitter and the learning span; not again after a reopen', async () => {
    const t = tempDir('qb-heard-');
    cleanups.push(t.cleanup);
    const a = await open(t.dir);
    const rec = (await a.bus.raiseCalibrationEmitter('s1', info(433_980_100)))!;
    expect(rec).toMatchObject({
      kind: 'present-during-calibration', event: 'open', state: 'new', severity: 'low', sensor: 's1',
      centerHz: 433_980_100, bandwidthHz: 1200, peakExcessDb: 26.2, peakPowerDbfs: -37,
      startTime: '2026-05-14T00:29:00.000Z', endTime: '2026-05-14T00:30:00.000Z',
    });
    expect(rec.alertId).toMatch(/^hall-a-cal-[0-9a-f]{16}$/);
    expect(rec.calibration!.emitter.dutyCycle).toBe(0.2);
    expect(a.emitted.map((x) => x.event)).toEqual(['open', 'close']);
    // the same emitter of the same baseline (concurrently and later): nothing; another baseline or another centre: new
    const again = await Promise.all([a.bus.raiseCalibrationEmitter('s1', info(433_980_100)), a.bus.raiseCalibrationEmitter('s1', info(433_980_100))]);
    expect(again).toEqual([undefined, undefined]);
    const opened = { kind: 'present-during-calibration', event: 'open' };
    expect(await a.bus.raiseCalibrationEmitter('s1', info(433_980_100, '2026-05-14T06:00:00.000Z'))).toMatchObject({ ...opened, sensor: 's1', centerHz: 433_980_100, endTime: '2026-05-14T06:00:00.000Z' });
    expect(await a.bus.raiseCalibrationEmitter('s1', info(433_875_100))).toMatchObject({ ...opened, sensor: 's1', centerHz: 433_875_100 });
    expect(await a.bus.raiseCalibrationEmitter('s2', info(433_980_100))).toMatchObject({ ...opened, sensor: 's2', centerHz: 433_980_100 }); // another sensor
    expect(a.emitted).toHaveLength(8);
    await a.close();
    const b = await open(t.dir); // daemon restart: the store remembers every alertId
    expect(await b.bus.raiseCalibrationEmitter('s1', info(433_980_100))).toBeUndefined();
    expect(b.store.size).toBe(8);
  });

  it('an emitter already on the known list is stored known/info with its label; escalate raises a low one to high once', async () => {
    const t = tempDir('qb-heard-');
    cleanups.push(t.cleanup);
    const { bus } = await open(t.dir);
    const known = (await bus.raiseCalibrationEmitter('s1', info(433_920_500), 'weather station'))!;
    expect(known).toMatchObject({ state: 'known', severity: 'info', knownLabel: 'weather station' });
    expect(await bus.escalate(known.alertId, 'tech')).toBeUndefined(); // known is final
    const low = (await bus.raiseCalibrationEmitter('s1', info(433_980_100)))!;
    await bus.ack(low.alertId, 'tech');
    expect(await bus.escalate(low.alertId, 'tech')).toMatchObject({ event: 'escalate', state: 'new', severity: 'high', ackBy: 'tech' });
    expect(await bus.escalate(low.alertId, 'tech')).toBeUndefined(); // already high
    await expect(bus.escalate('nope', 'tech')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('marking one known adds its emitter band (± max(2 RBW, 5 ppm)) for its sensor, also when the alert is from a previous run', async () => {
    const t = tempDir('qb-heard-');
    cleanups.push(t.cleanup);
    const a = await open(t.dir);
    const rec = (await a.bus.raiseCalibrationEmitter('s1', info(433_980_100)))!;
    const mark = (await a.bus.known(rec.alertId, 'tech'))!;
    await a.close();
    const b = await open(t.dir);
    const known = await KnownEmitters.open({ dataDir: t.dir, configured: [], rbwHzOf: () => 250_000 / 1024, log: pino({ level: 'silent' }) });
    const e = (await known.markFromAlert(mark, b.store))!; // band read back from the store (not observed in this run)
    const margin = 5e-6 * 433_980_100; // 2.17 kHz > 2 RBW (488 Hz)
    expect(e).toMatchObject({ sensor: 's1', alertId: rec.alertId, origin: 'marked' });
    expect(e.lowHz).toBe(Math.round(433_979_500 - margin));
    expect(e.highHz).toBe(Math.round(433_980_700 + margin));
    expect(e.label).toBe(`confirmed known after calibration by tech (alert ${rec.alertId})`);
    expect(known.match('s1', 433_981_000, Date.parse(mark.time) + 1000)?.alertId).toBe(rec.alertId);
    expect(known.match('s2', 433_981_000, Date.parse(mark.time) + 1000)).toBeUndefined();
  });
});
