// AlertBus grouping: one transmission seen by several located sensors → per-sensor alerts sharing groupId, ranked rooms and position, updated as sensors join.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertBus, type AlertBusOptions } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { ListenHub, type ClientSocket } from '../../src/server/listen.js';
import { alertMessageIn, codedReason } from '../../src/server/message-text.js';
import type { Alert, AlertSignal } from '../../src/server/protocol.js';
import { det, tempDir } from '../server/helpers.js';
import { pino } from 'pino';

const LOCATIONS = {
  'sens-a': { room: 'Hall A', xM: 0, yM: 0 },
  'sens-b': { room: 'Hall B', xM: 20, yM: 0 },
  'sens-c': { room: 'Hall C', xM: 10, yM: 15 },
};
const ORIGIN = Date.parse('2025-06-01T08:00:00.000Z');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(busOpts: Partial<AlertBusOptions> = {}): Promise<{ store: AlertStore; bus: AlertBus; emitted: Alert[]; clock: { ms: number } }> {
  const t = tempDir('qb-group-');
  const store = await AlertStore.open({ dataDir: t.dir, site: 'exam' });
  const clock = { ms: ORIGIN + 2000 };
  const bus = new AlertBus({ store, locations: LOCATIONS, updateIntervalMs: 0, now: () => clock.ms, ...busOpts });
  const emitted: Alert[] = [];
  bus.on('alert', (a) => emitted.push(a));
  cleanups.push(async () => {
    await bus.close();
    await store.close();
    t.cleanup();
  });
  return { store, bus, emitted, clock };
}

/** One detection at 433.92 MHz (track id 1 → centre 433.921 MHz, ±6.25 kHz) with the given excess. */
const tx = (kind: 'open' | 'update' | 'close', excessDb: number, extra: Parameters<typeof det>[2] = {}) => det(1, kind, { peakExcessDb: excessDb, startS: 1.5, ...extra });

describe('AlertBus grouping across located sensors', () => {
  it('keeps one alert per sensor, shares groupId and ranked rooms, updates the others as sensors join, persists it all', async () => {
    const { store, bus, emitted, clock } = await setup();
    const ctx = { originMs: ORIGIN };
    const b = await bus.handleDetection('sens-b', tx('open', 14), ctx)!;
    expect(b.rooms).toBeUndefined(); // one sensor so far
    clock.ms += 80;
    const a = await bus.handleDetection('sens-a', tx('open', 24, { startS: 1.52 }), ctx)!;
    expect(a.alertId).not.toBe(b.alertId);
    expect(a.groupId).toBe(b.alertId); // the group is named after its first alert
    expect(a.rooms).toEqual([
      { room: 'Hall A', sensor: 'sens-a', excessDb: 24, xM: 0, yM: 0 },
      { room: 'Hall B', sensor: 'sens-b', excessDb: 14, xM: 20, yM: 0 },
    ]);
    // weights 10^2.4 : 10^1.4 = 1 : 0.1 → x = 20 · 0.1 / 1.1
    expect(a.positionM!.xM).toBeCloseTo(20 / 11, 9);
    expect(a.positionM!.yM).toBeCloseTo(0, 9);
    await bus.flush();
    // sens-b's alert got an update with the grouping
    const bUpd = emitted.filter((r) => r.alertId === b.alertId && r.event === 'update');
    expect(bUpd).toHaveLength(1);
    expect(bUpd[0]!.rooms!.map((r) => r.room)).toEqual(['Hall A', 'Hall B']);
    expect(bUpd[0]!.groupId).toBe(b.alertId);
    // a third sensor joins
    clock.ms += 50;
    const c = await bus.handleDetection('sens-c', tx('open', 18), ctx)!;
    expect(c.rooms!.map((r) => `${r.room} ${r.excessDb}`)).toEqual(['Hall A 24', 'Hall C 18', 'Hall B 14']);
    const wA = 1;
    const wC = 10 ** -0.6;
    const wB = 10 ** -1;
    expect(c.positionM!.xM).toBeCloseTo((20 * wB + 10 * wC) / (wA + wB + wC), 9);
    expect(c.positionM!.yM).toBeCloseTo((15 * wC) / (wA + wB + wC), 9);
    await bus.flush();
    for (const id of [a.alertId, b.alertId]) {
      const last = emitted.filter((r) => r.alertId === id).at(-1)!;
      expect(last.event).toBe('update');
      expect(last.rooms!.map((r) => r.room)).toEqual(['Hall A', 'Hall C', 'Hall B']);
    }
    // ends: every close carries the final grouping; three separate alerts, none dropped
    clock.ms += 500;
    for (const s of ['sens-a', 'sens-b', 'sens-c']) await bus.handleDetection(s, tx('close', s === 'sens-a' ? 24 : s === 'sens-b' ? 14 : 18, { endS: 2.1 }), ctx);
    await bus.flush();
    const closes = emitted.filter((r) => r.event === 'close');
    expect(closes.map((r) => r.sensor).sort()).toEqual(['sens-a', 'sens-b', 'sens-c']);
    for (const r of closes) {
      expect(r.groupId).toBe(b.alertId);
      expect(r.rooms![0]!.room).toBe('Hall A');
    }
    expect(new Set(emitted.map((r) => r.alertId)).size).toBe(3);
    // persisted: the file holds exactly the emitted records, grouping included
    const lines = readFileSync(store.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
    expect(lines).toEqual(emitted);
    expect(store.stateOf(b.alertId)!.closed).toBe(true);
  });

  it('a sensor reporting after another sensor\'s alert already closed still joins: the closed alert gets an update, stays closed', async () => {
    const { store, bus, emitted, clock } = await setup();
    const ctx = { originMs: ORIGIN };
    // a 60 ms burst: sens-a opens and closes before sens-b's worker reports it
    const aOpen = await bus.handleDetection('sens-a', tx('open', 22), ctx)!;
    await bus.handleDetection('sens-a', tx('close', 22, { endS: 1.56 }), ctx);
    clock.ms += 300;
    const bOpen = await bus.handleDetection('sens-b', tx('open', 12, { startS: 1.51 }), ctx)!;
    expect(bOpen.groupId).toBe(aOpen.alertId);
    expect(bOpen.rooms!.map((r) => r.sensor)).toEqual(['sens-a', 'sens-b']);
    await bus.flush();
    const aRecs = emitted.filter((r) => r.alertId === aOpen.alertId).map((r) => r.event);
    expect(aRecs).toEqual(['open', 'close', 'update']);
    const aLast = emitted.filter((r) => r.alertId === aOpen.alertId).at(-1)!;
    expect(aLast.rooms!.map((r) => r.room)).toEqual(['Hall A', 'Hall B']);
    expect(aLast.endTime).toBe('2025-06-01T08:00:01.560Z'); // the final values are repeated, not changed
    expect(store.stateOf(aOpen.alertId)!.closed).toBe(true);
    expect(store.openAlerts().map((e) => e.alertId)).toEqual([bOpen.alertId]);
  });

  it('does not group other frequencies, times beyond the slack, or sensors without a location', async () => {
    const { bus, emitted, clock } = await setup();
    const ctx = { originMs: ORIGIN };
    await bus.handleDetection('sens-a', tx('open', 20), ctx);
    await bus.handleDetection('sens-b', det(300, 'open', { peakExcessDb: 15 }), ctx); // 433.92 + 0.3 MHz
    await bus.handleDetection('unlocated', tx('open', 30), ctx);
    clock.ms += 10_000;
    await bus.handleDetection('sens-a', tx('close', 20, { endS: 1.6 }), ctx);
    await bus.handleDetection('sens-c', det(2, 'open', { peakExcessDb: 15, startS: 4 }), ctx); // 2.4 s after sens-a ended
    await bus.flush();
    expect(emitted.filter((r) => r.rooms !== undefined || r.groupId !== undefined)).toEqual([]);
  });

  it('throttles group updates like detector updates (one record per interval per alert)', async () => {
    const { bus, emitted, clock } = await setup({ updateIntervalMs: 1000 });
    const ctx = { originMs: ORIGIN };
    const a = await bus.handleDetection('sens-a', tx('open', 24), ctx)!;
    clock.ms += 100;
    await bus.handleDetection('sens-b', tx('open', 14), ctx);
    clock.ms += 100;
    await bus.handleDetection('sens-c', tx('open', 18), ctx);
    // sens-a's alert was written 200 ms ago: its group update waits for the interval, one record for both joins
    expect(emitted.filter((r) => r.alertId === a.alertId)).toHaveLength(1);
    await bus.flush();
    const aRecs = emitted.filter((r) => r.alertId === a.alertId);
    expect(aRecs.map((r) => r.event)).toEqual(['open', 'update']);
    expect(aRecs[1]!.rooms!.map((r) => r.room)).toEqual(['Hall A', 'Hall C', 'Hall B']);
  });

  it('forgets closed alerts after retainMs (no group updates for them any more)', async () => {
    const { bus, emitted, clock } = await setup({ grouping: { retainMs: 2000 } });
    const ctx = { originMs: ORIGIN };
    const a = await bus.handleDetection('sens-a', tx('open', 24), ctx)!;
    await bus.handleDetection('sens-a', tx('close', 24, { endS: 1.7 }), ctx);
    clock.ms = ORIGIN + 1700 + 2500; // > retainMs after its end
    await bus.handleDetection('sens-b', tx('open', 14, { startS: 1.6 }), ctx);
    await bus.flush();
    expect(emitted.filter((r) => r.alertId === a.alertId).map((r) => r.event)).toEqual(['open', 'close']);
    expect(emitted.at(-1)!.rooms).toBeUndefined();
    expect(() => new AlertBus({ store: {} as AlertStore, locations: LOCATIONS, grouping: { timeSlackMs: Number.NaN } })).toThrow(/timeSlackMs/);
  });

  it('shows the identification of the member with the highest in-band SNR on every row of the group; each keeps its own features', async () => {
    const { bus, emitted } = await setup();
    const ctx = { originMs: ORIGIN };
    // the demo's 433.86 MHz NFM link: nfm in the near room, fsk in the far room where the FM noise fills the spectrum
    const nfm: AlertSignal = { class: 'nfm', confidence: 0.93, reason: 'narrow FM: constant envelope', snrDb: 24.6, bandwidthHz: 11_200, deviationHz: 2900 };
    const fsk: AlertSignal = { class: 'fsk', confidence: 0.41, reason: 'continuous, constant envelope, frequency takes 2 values', snrDb: 8.3, bandwidthHz: 9_800, tones: 2 };
    const a = await bus.handleDetection('sens-a', tx('open', 24), ctx)!;
    const b = await bus.handleDetection('sens-b', tx('open', 12), ctx)!;
    // the far room identifies first: the group shows its fsk until the near room's identification comes
    await bus.handleDetection('sens-b', tx('update', 12), { ...ctx, signal: fsk });
    await bus.flush();
    const aFirst = emitted.filter((r) => r.alertId === a.alertId).at(-1)!;
    expect(aFirst.signal?.class).toBe('fsk');
    expect(aFirst.signal?.groupFrom).toEqual({ sensor: 'sens-b', room: 'Hall B', alertId: b.alertId, snrDb: 8.3, strongest: true });
    expect(aFirst.signal?.own).toBeUndefined(); // sens-a has no reading of its own yet
    await bus.handleDetection('sens-a', tx('update', 24), { ...ctx, signal: nfm });
    await bus.flush();
    const aLast = emitted.filter((r) => r.alertId === a.alertId).at(-1)!;
    const bLast = emitted.filter((r) => r.alertId === b.alertId).at(-1)!;
    // the decider's row: its own identification, unchanged
    expect(aLast.signal).toEqual(nfm);
    // the weaker row: the group's class, confidence and reason; its own features and its own reading kept
    expect(bLast.event).toBe('update');
    expect(bLast.signal?.class).toBe('nfm');
    expect(bLast.signal?.confidence).toBe(0.93);
    expect(bLast.signal?.reason).toBe('as identified in Hall A (sens-a), the group\'s strongest (in-band SNR 24.6 dB): narrow FM: constant envelope');
    expect(bLast.signal?.bandwidthHz).toBe(9_800);
    expect(bLast.signal?.snrDb).toBe(8.3);
    expect(bLast.signal?.tones).toBe(2);
    expect(bLast.signal?.groupFrom).toEqual({ sensor: 'sens-a', room: 'Hall A', alertId: a.alertId, snrDb: 24.6, strongest: true });
    expect(bLast.signal?.own).toEqual({ class: 'fsk', confidence: 0.41, reason: fsk.reason });
    // its later records keep the group's class (a throttled detector update, and the close)
    await bus.handleDetection('sens-b', tx('update', 13), { ...ctx, signal: fsk });
    await bus.handleDetection('sens-b', tx('close', 13, { endS: 3 }), { ...ctx, signal: fsk });
    await bus.flush();
    expect(emitted.filter((r) => r.alertId === b.alertId).at(-1)!.signal?.class).toBe('nfm');
  });

  it('the weaker row shown the group\'s nfm at 433.92 MHz is judged by it: unexpected in ISM 433, and raised', async () => {
    const { bus, emitted } = await setup();
    const ctx = { originMs: ORIGIN };
    const band: Pick<AlertSignal, 'band' | 'expected'> = { band: 'ISM 433 MHz', expected: ['ook', 'fsk', 'carrier'] };
    const nfm: AlertSignal = { class: 'nfm', confidence: 0.93, reason: 'narrow FM', snrDb: 24.6, ...band, unexpected: true };
    const fsk: AlertSignal = { class: 'fsk', confidence: 0.41, reason: 'two tones', snrDb: 8.3, ...band, unexpected: false };
    const a = await bus.handleDetection('sens-a', tx('open', 24), ctx)!;
    const b = await bus.handleDetection('sens-b', tx('open', 12), ctx)!;
    await bus.handleDetection('sens-b', tx('update', 12), { ...ctx, signal: fsk });
    await bus.flush();
    // fsk at 41 % (a guess, and a class ISM 433 carries): not raised
    expect(emitted.filter((r) => r.alertId === b.alertId).at(-1)!.severityRaise).toBeUndefined();
    await bus.handleDetection('sens-a', tx('update', 24), { ...ctx, signal: nfm });
    await bus.flush();
    const aLast = emitted.filter((r) => r.alertId === a.alertId).at(-1)!;
    const bLast = emitted.filter((r) => r.alertId === b.alertId).at(-1)!;
    expect(aLast.severityRaise?.reasonCode.id).toBe('raise.unexpected');
    expect(bLast.signal).toMatchObject({ class: 'nfm', unexpected: true, own: { class: 'fsk' } });
    expect(bLast.severityRaise?.reasonCode).toEqual({ id: 'raise.unexpected', params: { class: 'nfm', band: 'ISM 433 MHz', expected: 'ook, fsk, carrier' } });
  });

  /** Two rooms hear one transmission, sens-a 30 dB over its baseline and sens-b 4 dB, identified as `strong` and `weak`: their last signals. */
  async function twoRooms(strong: AlertSignal, weak: AlertSignal): Promise<{ a: Alert; aLast: AlertSignal; bLast: AlertSignal }> {
    const { bus, emitted } = await setup();
    const ctx = { originMs: ORIGIN };
    const a = await bus.handleDetection('sens-a', tx('open', 30), ctx)!;
    const b = await bus.handleDetection('sens-b', tx('open', 4), ctx)!;
    await bus.handleDetection('sens-a', tx('update', 30), { ...ctx, signal: strong });
    await bus.handleDetection('sens-b', tx('update', 4), { ...ctx, signal: weak });
    await bus.flush();
    const last = (id: string): AlertSignal => emitted.filter((r) => r.alertId === id).at(-1)!.signal!;
    return { a: a!, aLast: last(a!.alertId), bLast: last(b!.alertId) };
  }

  it('a strong row reading unknown does not take a weak row\'s guess (ook at 12 %, −1.5 dB): the group shows its strongest, worded so', async () => {
    const unknown: AlertSignal = { class: 'unknown', confidence: 0, snrDb: 31, ...codedReason('ident.notHeld') };
    const guess: AlertSignal = { class: 'ook', confidence: 0.12, snrDb: -1.5, reason: 'on-off keyed (pulses not resolved at this SNR)' };
    const { a, aLast, bLast } = await twoRooms(unknown, guess);
    // the 31 dB row keeps its own reading; it does not show "ook, the group's strongest" taken from the −1.5 dB row
    expect(aLast.class).toBe('unknown');
    expect(aLast.groupFrom).toBeUndefined();
    expect(aLast.reason).not.toMatch(/strongest/);
    // the weak row shows the group's strongest, and says so truthfully
    expect(bLast.class).toBe('unknown');
    expect(bLast.groupFrom).toEqual({ sensor: 'sens-a', room: 'Hall A', alertId: a.alertId, snrDb: 31, strongest: true });
    expect(bLast.own).toEqual({ class: 'ook', confidence: 0.12, reason: guess.reason });
    expect(bLast.reason).toBe("as identified in Hall A (sens-a), the group's strongest (in-band SNR 31.0 dB): the transmission's IQ is no longer held by the sensor's ring");
  });

  it('a decider below the class floor gives the other rows its unknown with its closest class, never their own (kept in own)', async () => {
    const strong: AlertSignal = { class: 'unknown', closestClass: 'nfm', confidence: 0.05, snrDb: 21, reason: 'narrow FM: envelope not constant' };
    const weak: AlertSignal = { class: 'unknown', closestClass: 'fsk', confidence: 0.1, snrDb: 4, reason: 'continuous, constant envelope' };
    const { aLast, bLast } = await twoRooms(strong, weak);
    expect([aLast.class, aLast.closestClass, aLast.groupFrom]).toEqual(['unknown', 'nfm', undefined]);
    expect([bLast.class, bLast.closestClass, bLast.confidence]).toEqual(['unknown', 'nfm', 0.05]);
    expect(bLast.own).toEqual({ class: 'unknown', closestClass: 'fsk', confidence: 0.1, reason: weak.reason });
    // a weaker room's confident class decides over it; the reason names what the stronger room came closest to
    const ook: AlertSignal = { class: 'ook', confidence: 0.9, snrDb: 4, reason: 'on-off keyed' };
    const { aLast: fromWeak } = await twoRooms(strong, ook);
    expect(fromWeak.reason).toBe("as identified in Hall B (sens-b) (in-band SNR 4.0 dB), the group's strongest with a class of at least 50 % confidence; Hall A (sens-a) hears it stronger (in-band SNR 21.0 dB) but reads unknown, closest nfm (5 %): on-off keyed");
  });

  it('a confident class from a weaker row decides over a stronger row\'s unknown, and the reason names the stronger row (en, zh-CN)', async () => {
    const { bus, emitted } = await setup();
    const ctx = { originMs: ORIGIN };
    const unknown: AlertSignal = { class: 'unknown', confidence: 0, snrDb: 31, ...codedReason('ident.notHeld') };
    const ook: AlertSignal = { class: 'ook', confidence: 0.8, snrDb: 12.4, ...codedReason('ident.ookBursts', { n: 40, duty: '48 %', line: '52 %', element: '488 µs', bd: 2049 }) };
    const a = await bus.handleDetection('sens-a', tx('open', 30), ctx)!;
    const b = await bus.handleDetection('sens-b', tx('open', 12), ctx)!;
    await bus.handleDetection('sens-a', tx('update', 30), { ...ctx, signal: unknown });
    await bus.handleDetection('sens-b', tx('update', 12), { ...ctx, signal: ook });
    await bus.flush();
    const aLast = emitted.filter((r) => r.alertId === a.alertId).at(-1)!.signal!;
    expect(emitted.filter((r) => r.alertId === b.alertId).at(-1)!.signal).toEqual(ook);
    expect(aLast.class).toBe('ook');
    expect(aLast.confidence).toBe(0.8);
    expect(aLast.groupFrom).toEqual({ sensor: 'sens-b', room: 'Hall B', alertId: b.alertId, snrDb: 12.4, strongest: false });
    expect(aLast.reasonCode?.id).toBe('ident.groupConfident');
    expect(aLast.reason).toBe("as identified in Hall B (sens-b) (in-band SNR 12.4 dB), the group's strongest with a class of at least 50 % confidence; Hall A (sens-a) hears it stronger (in-band SNR 31.0 dB) but reads unknown (0 %): on-off keyed: 40 pulses, duty 48 %, one frequency, carrier line 52 % of the power, shortest element 488 µs (2049 Bd)");
    expect(aLast.reason).not.toMatch(/group's strongest \(/);
    expect(alertMessageIn('en', undefined, aLast.reasonCode)).toBe(aLast.reason);
    expect(alertMessageIn('zh-CN', undefined, aLast.reasonCode)).toBe('由 Hall B (sens-b) 识别（带内信噪比 12.4 dB），它是本组中分类置信度不低于 50 % 的最强传感器；Hall A (sens-a) 信号更强（带内信噪比 31.0 dB），但其分类置信度仅 0 %：通断键控：40 个脉冲，占空比 48 %，单一频率，载波谱线占功率 52 %，最短码元 488 微秒（2049 波特）');
  });

  /** The NFM reason's params of the two tests below. */
  const NFM_PARAMS = { k: '0.01', limit: 0.55, bw: '11.2 kHz', dev: '2.9 kHz' };

  /** Sensor A (24 dB) and B (12 dB) open one group; A's update carries `signal`: the signal B's row gets from it. */
  async function weakerRowSignal(signal: AlertSignal): Promise<AlertSignal> {
    const { bus, emitted } = await setup();
    const ctx = { originMs: ORIGIN };
    await bus.handleDetection('sens-a', tx('open', 24), ctx);
    const b = await bus.handleDetection('sens-b', tx('open', 12), ctx)!;
    await bus.handleDetection('sens-a', tx('update', 24), { ...ctx, signal });
    await bus.flush();
    return emitted.filter((r) => r.alertId === b.alertId).at(-1)!.signal!;
  }

  it('the weaker row\'s reason carries the decider\'s code inside ident.group, so a page words it in its language', async () => {
    const s = await weakerRowSignal({ class: 'nfm', confidence: 0.9, snrDb: 22, ...codedReason('ident.nfm', NFM_PARAMS) });
    expect(s.reason).toBe('as identified in Hall A (sens-a), the group\'s strongest (in-band SNR 22.0 dB): narrow FM: constant envelope (kurtosis 0.01), 99 % bandwidth 11.2 kHz, deviation ≈ 2.9 kHz');
    expect(s.reasonCode?.id).toBe('ident.group');
    expect(alertMessageIn('en', undefined, s.reasonCode)).toBe(s.reason);
    expect(alertMessageIn('zh-CN', undefined, s.reasonCode)).toBe('由本组最强的 Hall A (sens-a) 识别（带内信噪比 22.0 dB）：窄带调频：包络恒定（峭度 0.01），99 % 带宽 11.2 kHz，频偏约 2.9 kHz');
  });

  it('a decider whose first identification stood (ident.firstStands nests its own code) is worded by that code, no raw placeholder', async () => {
    const s = await weakerRowSignal({ class: 'nfm', confidence: 0.9, snrDb: 22, ...codedReason('ident.firstStands', { ...NFM_PARAMS, inner: 'ident.nfm', last: 'no emission' }) });
    expect(s.reason).toBe('as identified in Hall A (sens-a), the group\'s strongest (in-band SNR 22.0 dB): narrow FM: constant envelope (kurtosis 0.01), 99 % bandwidth 11.2 kHz, deviation ≈ 2.9 kHz');
    for (const lang of ['en', 'zh-CN'] as const) expect(alertMessageIn(lang, undefined, s.reasonCode)).not.toContain('{=');
  });

  it('offers listening on the weaker room\'s alert once the group reads an analog class', async () => {
    const { bus } = await setup();
    const hub = new ListenHub({ site: 'group-listen-test', sensors: [{ name: 'sens-a', hopping: false }, { name: 'sens-b', hopping: false }], alerts: bus, log: pino({ level: 'silent' }) });
    const sent: unknown[] = [];
    const ws: ClientSocket = { readyState: 1, send: (m) => void sent.push(JSON.parse(String(m))), bufferedAmount: 0 };
    try {
      const ctx = { originMs: ORIGIN };
      const a = await bus.handleDetection('sens-a', tx('open', 24), ctx)!;
      const b = await bus.handleDetection('sens-b', tx('open', 12), ctx)!;
      await bus.handleDetection('sens-b', tx('update', 12), { ...ctx, signal: { class: 'fsk', confidence: 0.4, reason: 'fsk', snrDb: 8 } });
      await bus.flush();
      hub.onMessage(ws, { v: 1, type: 'listen', alertId: b.alertId });
      expect(sent.at(-1)).toMatchObject({ type: 'listen-state', state: 'refused' });
      await bus.handleDetection('sens-a', tx('update', 24), { ...ctx, signal: { class: 'nfm', confidence: 0.9, reason: 'nfm', snrDb: 25 } });
      await bus.flush();
      hub.onMessage(ws, { v: 1, type: 'listen', alertId: b.alertId });
      expect(sent.at(-1)).toMatchObject({ type: 'listen-state', alertId: b.alertId, state: 'started' });
      expect(a.alertId).not.toBe(b.alertId);
    } finally {
      hub.close();
    }
  });
});
