// AlertBus: lifecycle records, update throttle, hooks, ack/known transitions, sensor alerts, restart recovery, emit-after-fsync.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertBus, type AlertBusOptions } from '../../src/alerts/alert-bus.js';
import { LATE_SIGNAL_MS } from '../../src/alerts/alert-lifecycle.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { det, memoryLogger, sleep, tempDir } from '../server/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(busOpts: Partial<AlertBusOptions> = {}, dataDir?: string): Promise<{ store: AlertStore; bus: AlertBus; emitted: Alert[]; dir: string }> {
  const t = dataDir === undefined ? tempDir('qb-bus-') : { dir: dataDir, cleanup: () => undefined };
  const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
  const bus = new AlertBus({ store, ...busOpts });
  const emitted: Alert[] = [];
  bus.on('alert', (a) => emitted.push(a));
  cleanups.push(async () => {
    await bus.close();
    await store.close();
    t.cleanup();
  });
  return { store, bus, emitted, dir: t.dir };
}

describe('AlertBus', () => {
  it('stores an open with detection fields and emits it only after it is on disk', async () => {
    const { store, bus } = await setup();
    const onDisk: boolean[] = [];
    bus.on('alert', (a) => {
      onDisk.push(readFileSync(store.file, 'utf8').includes(`"seq":${a.seq},`));
    });
    const origin = Date.parse('2025-06-01T08:00:00.000Z');
    const rec = await bus.handleDetection('s1', det(7, 'open', { startS: 2.5 }), { originMs: origin, bandLabel: 'ISM 433', session: 'maths' })!;
    expect(rec).toMatchObject({
      seq: 1,
      alertId: 'hall-a-1',
      site: 'hall-a',
      sensor: 's1',
      kind: 'transmission',
      event: 'open',
      state: 'new',
      severity: 'high',
      centerHz: 433_927_000,
      bandwidthHz: 12_500,
      peakExcessDb: 18.5,
      peakPowerDbfs: -42.25,
      startTime: '2025-06-01T08:00:02.500Z',
      bandLabel: 'ISM 433',
      session: 'maths',
    });
    expect(rec.detection?.id).toBe(7);
    expect(onDisk).toEqual([true]);
  });

  it('applies severityFor and knownEmitterCheck (known emitters are stored and emitted as known/info)', async () => {
    const { bus, emitted } = await setup({
      severityFor: ({ detection }) => (detection !== undefined && detection.centerHz < 433_925_000 ? 'low' : 'high'),
      knownEmitterCheck: ({ detection }) => detection.id === 9,
    });
    await bus.handleDetection('s1', det(1));
    await bus.handleDetection('s1', det(9));
    await bus.handleDetection('s1', det(8));
    expect(emitted.map((a) => [a.seq, a.state, a.severity])).toEqual([
      [1, 'new', 'low'],
      [2, 'known', 'info'],
      [3, 'new', 'high'],
    ]);
  });

  it('throttles updates: within one interval only the latest update is stored, at the end of the interval', async () => {
    const { bus, emitted } = await setup({ updateIntervalMs: 200 });
    await bus.handleDetection('s1', det(1));
    for (let i = 0; i < 10; i++) {
      expect(bus.handleDetection('s1', det(1, 'update', { peakExcessDb: 20 + i, endS: 2 + i }))).toBeUndefined();
      await sleep(5);
    }
    expect(emitted.map((a) => a.event)).toEqual(['open']);
    await sleep(300);
    expect(emitted.map((a) => a.event)).toEqual(['open', 'update']);
    expect(emitted[1]!.peakExcessDb).toBe(29);
    const openMs = Date.parse(emitted[0]!.time);
    const updMs = Date.parse(emitted[1]!.time);
    expect(updMs - openMs).toBeGreaterThanOrEqual(195);
    await bus.handleDetection('s1', det(1, 'close', { peakExcessDb: 31, endS: 14 }));
    expect(emitted.map((a) => a.event)).toEqual(['open', 'update', 'close']);
    expect(emitted[2]!.peakExcessDb).toBe(31);
    expect(new Set(emitted.map((a) => a.alertId)).size).toBe(1);
  });

  it('an update bringing a new signal is stored at once (not throttled), replacing the pending one; later records carry it', async () => {
    const { bus, emitted } = await setup({ updateIntervalMs: 1000 });
    await bus.handleDetection('s1', det(4));
    expect(bus.handleDetection('s1', det(4, 'update', { peakExcessDb: 21 }))).toBeUndefined(); // throttled: pending
    const signal = { class: 'ook' as const, confidence: 0.9, reason: 'on-off keyed', final: false };
    const t0 = Date.now();
    const upd = await bus.handleDetection('s1', det(4, 'update', { peakExcessDb: 22 }), { signal })!;
    expect(Date.now() - t0).toBeLessThan(500);
    expect(upd).toMatchObject({ event: 'update', peakExcessDb: 22, signal });
    // the same signal again is an ordinary (throttled) update
    expect(bus.handleDetection('s1', det(4, 'update', { peakExcessDb: 23 }), { signal })).toBeUndefined();
    await bus.handleDetection('s1', det(4, 'close', { peakExcessDb: 24, endS: 3 }), { signal: { ...signal, final: true } });
    await sleep(50);
    expect(emitted.map((a) => [a.event, a.peakExcessDb, a.signal?.final])).toEqual([['open', 18.5, undefined], ['update', 22, false], ['close', 24, true]]);
  });

  it('an identification after the close: an update of the closed alert within LATE_SIGNAL_MS (raise, clip facts not repeated), dropped later', async () => {
    let nowMs = Date.parse('2025-06-01T08:00:10.000Z');
    const { logger, lines } = memoryLogger();
    const { bus, emitted, store } = await setup({ now: () => nowMs, logger });
    const origin = Date.parse('2025-06-01T08:00:00.000Z');
    // 230.0125 MHz: the data-only 223–235 MHz allocation, where an nfm is raised (severity-raise.ts)
    const at = { centerHz: 230_012_500, lowHz: 230_006_250, highHz: 230_018_750 };
    await bus.handleDetection('s1', det(4, 'open', at), { originMs: origin });
    await bus.handleDetection('s1', det(4, 'close', { ...at, endS: 3 }), { originMs: origin, clipNotKept: 'late' });
    nowMs += LATE_SIGNAL_MS; // at the bound: still taken
    const signal = { class: 'nfm' as const, confidence: 0.9, reason: 'narrow FM', final: true, band: '223–235 MHz' };
    const late = await bus.lateSignal('s1', 4, signal)!;
    expect(late).toMatchObject({ event: 'update', state: 'new', centerHz: 230_012_500, endTime: '2025-06-01T08:00:03.000Z', signal });
    expect(late.severityRaise?.reasonCode.id).toBe('raise.unexpected');
    // the terminal marks the raise on the late identification's line and on the record's alert line (src/log.ts)
    expect(lines.filter((l) => l.msg === 'identification added to its closed alert').map((l) => [l.alertId, l.raise, l.class, l.confidence])).toEqual([[late.alertId, 'raise.unexpected', 'nfm', 0.9]]);
    expect(lines.filter((l) => l.msg === 'alert').map((l) => [l.event, l.raise])).toEqual([['open', undefined], ['close', undefined], ['update', 'raise.unexpected']]);
    expect(late.clipNotKept).toBeUndefined();
    expect(bus.stateOf(late.alertId)).toMatchObject({ closed: true });
    expect(store.stateOf(late.alertId)?.closed).toBe(true);
    // another alert closed now; the first one's bound is over 1 ms later; an unknown track is not opened
    await bus.handleDetection('s1', det(5, 'close', { endS: 4 }), { originMs: origin });
    nowMs += 1;
    expect(bus.lateSignal('s1', 4, { ...signal, class: 'fsk' })).toBeUndefined();
    expect(bus.lateSignal('s1', 99, signal)).toBeUndefined();
    expect(await bus.lateSignal('s1', 5, signal)).toMatchObject({ event: 'update', signal });
    await sleep(20);
    expect(emitted.map((a) => [a.alertId === late.alertId, a.event, a.signal?.class])).toEqual([
      [true, 'open', undefined], [true, 'close', undefined], [true, 'update', 'nfm'], [false, 'open', undefined], [false, 'close', undefined], [false, 'update', 'nfm'],
    ]);
  });

  it('a close drops the pending update and carries the final values', async () => {
    const { bus, emitted } = await setup({ updateIntervalMs: 1000 });
    const origin = Date.parse('2025-06-01T08:00:00.000Z');
    await bus.handleDetection('s1', det(3), { originMs: origin });
    bus.handleDetection('s1', det(3, 'update', { peakExcessDb: 25 }), { originMs: origin });
    await bus.handleDetection('s1', det(3, 'close', { peakExcessDb: 26, endS: 4.25 }), { originMs: origin });
    await sleep(50);
    expect(emitted.map((a) => a.event)).toEqual(['open', 'close']);
    expect(emitted[1]).toMatchObject({ peakExcessDb: 26, startTime: '2025-06-01T08:00:01.500Z', endTime: '2025-06-01T08:00:04.250Z' });
  });

  it('stores at most one update per interval under a steady stream (interval 100 ms, updates every 20 ms for 600 ms)', async () => {
    const { bus, emitted } = await setup({ updateIntervalMs: 100 });
    await bus.handleDetection('s1', det(1));
    const t0 = Date.now();
    while (Date.now() - t0 < 600) {
      bus.handleDetection('s1', det(1, 'update'));
      await sleep(20);
    }
    await bus.flush();
    const times = emitted.map((a) => Date.parse(a.time));
    const updates = emitted.filter((a) => a.event === 'update').length;
    expect(updates).toBeGreaterThanOrEqual(3);
    expect(updates).toBeLessThanOrEqual(7);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(98);
  });

  it('opens on an update or close for an unknown track; a second open of a live id supersedes it', async () => {
    const { bus, emitted } = await setup({ updateIntervalMs: 0 });
    await bus.handleDetection('s1', det(5, 'update'));
    await bus.handleDetection('s2', det(6, 'close'));
    await bus.handleDetection('s1', det(5, 'open'));
    expect(emitted.map((a) => [a.seq, a.sensor, a.event, a.alertId])).toEqual([
      [1, 's1', 'open', 'hall-a-1'],
      [2, 's2', 'open', 'hall-a-2'],
      [3, 's2', 'close', 'hall-a-2'],
      [4, 's1', 'close', 'hall-a-1'],
      [5, 's1', 'open', 'hall-a-5'],
    ]);
    expect(emitted[3]!.message).toMatch(/superseded/);
  });

  it('ack/known transitions: new → acknowledged → known; repeats are no-ops; unknown id rejects', async () => {
    const { bus, emitted, store } = await setup({ updateIntervalMs: 0 });
    const open = (await bus.handleDetection('s1', det(1)))!;
    const ack = await bus.ack(open.alertId, 'amy');
    expect(ack).toMatchObject({ seq: 2, event: 'ack', state: 'acknowledged', severity: 'high', ackBy: 'amy', alertId: open.alertId, sensor: 's1' });
    expect(await bus.ack(open.alertId, 'bob')).toBeUndefined();
    const upd = await bus.handleDetection('s1', det(1, 'update'));
    expect(upd).toMatchObject({ event: 'update', state: 'acknowledged' });
    const known = await bus.known(open.alertId, 'bob');
    expect(known).toMatchObject({ event: 'known', state: 'known', severity: 'info', ackBy: 'bob' });
    expect(await bus.known(open.alertId, 'bob')).toBeUndefined();
    expect(await bus.ack(open.alertId, 'amy')).toBeUndefined();
    await expect(bus.ack('nope', 'amy')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(emitted.map((a) => a.event)).toEqual(['open', 'ack', 'update', 'known']);
    expect(store.stateOf(open.alertId)).toMatchObject({ state: 'known', severity: 'info', ackBy: 'bob' });
  });

  it('a record queued right after an ack (before it is stored) carries the acknowledged state', async () => {
    const { bus } = await setup({ updateIntervalMs: 0 });
    const open = (await bus.handleDetection('s1', det(1)))!;
    const pAck = bus.ack(open.alertId, 'amy');
    const pUpd = bus.handleDetection('s1', det(1, 'update'))!;
    const pClose = bus.handleDetection('s1', det(1, 'close'))!;
    const [a, u, c] = await Promise.all([pAck, pUpd, pClose]);
    expect([a!.seq, u.seq, c.seq]).toEqual([2, 3, 4]);
    expect([u.state, c.state]).toEqual(['acknowledged', 'acknowledged']);
  });

  it('raises and clears sensor alerts once per sensor+kind', async () => {
    const { bus, emitted } = await setup({ severityFor: ({ kind }) => (kind === 'overload' ? 'low' : 'high') });
    const r = await bus.raiseSensorAlert('s1', 'sensor-offline', 'no samples for 5 s');
    expect(r).toMatchObject({ kind: 'sensor-offline', event: 'open', state: 'new', severity: 'high', message: 'no samples for 5 s' });
    expect(await bus.raiseSensorAlert('s1', 'sensor-offline', 'still none')).toBeUndefined();
    const o = await bus.raiseSensorAlert('s1', 'overload', 'clipping 3.2 %');
    expect(o?.severity).toBe('low');
    const c = await bus.clearSensorAlert('s1', 'sensor-offline', 'samples again');
    expect(c).toMatchObject({ alertId: r!.alertId, event: 'close', kind: 'sensor-offline', message: 'samples again' });
    expect(await bus.clearSensorAlert('s1', 'sensor-offline')).toBeUndefined();
    expect(emitted.map((a) => `${a.kind}:${a.event}`)).toEqual(['sensor-offline:open', 'overload:open', 'sensor-offline:close']);
  });

  it('emits in seq order when many events are fed without awaiting', async () => {
    const { bus, emitted } = await setup({ updateIntervalMs: 0 });
    const ps: Promise<unknown>[] = [];
    for (let i = 1; i <= 200; i++) ps.push(bus.handleDetection(`s${i % 3}`, det(i))!);
    await Promise.all(ps);
    expect(emitted.map((a) => a.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('recoverOpenAlerts closes what the previous run left open, once', async () => {
    const t = tempDir('qb-bus-');
    cleanups.push(t.cleanup);
    const store1 = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
    const bus1 = new AlertBus({ store: store1 });
    await bus1.handleDetection('s1', det(1));
    await bus1.handleDetection('s1', det(2));
    await bus1.handleDetection('s1', det(2, 'close'));
    await bus1.raiseSensorAlert('s2', 'sensor-offline', 'gone');
    await bus1.close();
    await store1.close();
    const { bus, emitted, store } = await setup({}, t.dir);
    expect(await bus.recoverOpenAlerts()).toBe(2);
    expect(emitted.map((a) => [a.seq, a.alertId, a.event])).toEqual([
      [5, 'hall-a-1', 'close'],
      [6, 'hall-a-4', 'close'],
    ]);
    expect(store.openAlerts()).toEqual([]);
    expect(await bus.recoverOpenAlerts()).toBe(0);
  });
});
