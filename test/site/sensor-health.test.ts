// Sensor health bookkeeping: achieved rate from block arrivals, overload hysteresis (one episode, not a flood), offline rule.
import { describe, expect, it } from 'vitest';
import { isOffline, offlineCause, OverloadTracker, RateMeter, RateShortfallJudge, SHORTFALL_HOLD_MS, WAIT_EXTRAPOLATION_MS } from '../../src/site/sensor-health.js';

describe('RateMeter', () => {
  it('measures samples per second over the window from block arrivals', () => {
    const m = new RateMeter(5000);
    expect(m.rateSps()).toBeNull();
    // 16384-sample blocks every 65.536 ms = 250 kS/s, for 10 s
    for (let k = 0; k <= 152; k++) m.add(1000 + k * 65.536, (k + 1) * 16384);
    expect(m.rateSps()).toBeCloseTo(250_000, 0);
    // the source then delivers at half rate for 6 s: the 5 s window sees only that
    const t1 = 1000 + 152 * 65.536;
    for (let k = 1; k <= 46; k++) m.add(t1 + k * 131.072, 153 * 16384 + k * 16384);
    expect(m.rateSps()).toBeCloseTo(125_000, 0);
    m.reset();
    expect(m.rateSps()).toBeNull();
  });
});

describe('RateMeter after a stall', () => {
  /**
   * A 1 MS/s receiver (16384-sample blocks, one every 16.384 ms) whose pipeline stalls for 8 s at t = 10 s: the
   * receiver keeps producing, 2 s of blocks wait in the queue (the rest are lost), then the queue drains `speed` times
   * faster than real time and delivery is steady again. Returns the rate after every block from 1 s on (S/s).
   */
  function stallRun(speed: number): { t: number; rate: number }[] {
    const m = new RateMeter(5000);
    const blockMs = 16.384;
    const out: { t: number; rate: number }[] = [];
    let total = 0;
    const deliver = (t: number): void => {
      total += 16384;
      m.add(t, total);
      const r = m.rateSps();
      if (t >= 1000 && r !== null) out.push({ t, rate: r });
    };
    let t = 0;
    for (; t < 10_000; t += blockMs) deliver(t);
    const stallEnd = t + 8000;
    let queued = Math.round(2000 / blockMs); // 122 blocks wait
    t = stallEnd;
    // draining: `speed` blocks per block period, while new ones keep arriving at one per period
    while (queued > 0) {
      deliver(t);
      queued -= 1 - 1 / speed;
      t += blockMs / speed;
    }
    for (; t < stallEnd + 40_000; t += blockMs) deliver(t);
    return out;
  }

  it.each([3, 1000])('never reads above the 1 MS/s production rate when the queue drains %i× faster than real time', (speed) => {
    const run = stallRun(speed);
    const max = Math.max(...run.map((r) => r.rate));
    // at most one block (16384 samples) over a 5 s span above 1 MS/s: 0.33 %; an estimate over the marks of the window
    // alone read 1.39 MS/s here (2 s of queued samples counted against 5 s of wall time)
    expect(max).toBeLessThanOrEqual(1_000_000 * (1 + 16384 / 5e6));
    // steady before the stall and again 25 s after it (the stall has left the four windows): 1 MS/s within 0.1 %
    const before = run.filter((r) => r.t > 6000 && r.t < 10_000);
    const after = run.filter((r) => r.t > 18_000 + 25_000);
    for (const r of [...before, ...after]) expect(Math.abs(r.rate - 1e6) / 1e6).toBeLessThan(0.001);
    expect(after.length).toBeGreaterThan(500);
    // the first block after the stall: one block over the 8 s since the last one before it (16384 / 8.016 s)
    const justAfter = run.find((r) => r.t >= 18_000)!;
    expect(justAfter.rate).toBeCloseTo(16384 / 8.016384, 0);
  });
});

describe('RateShortfallJudge', () => {
  const RATE = 250_000;
  const BLOCK = 16384;
  const BLOCK_MS = (BLOCK / RATE) * 1000;

  /**
   * A sensor's worker as the health reports see it: blocks produced at `rateSps` (of the configured 250 kS/s) reach
   * the pipeline `lateMs(t)` ms after they are produced (a thread waiting for a busy CPU; queued blocks come out at
   * once when it runs again), and every 250 ms the meter's reading goes to the judge. Returns the judgement and
   * reading at each report from 1 s on.
   */
  function run(rateSps: (tMs: number) => number, lateMs: (tMs: number) => number, untilMs: number): { t: number; short: boolean; ratio: number }[] {
    const meter = new RateMeter(5000);
    const judge = new RateShortfallJudge();
    const out: { t: number; short: boolean; ratio: number }[] = [];
    let produced = 0; // samples produced so far (fractional)
    let queued: number[] = []; // production times of blocks not yet handed to the pipeline
    let total = 0;
    let nextBlockAt = 0;
    for (let t = 0; t <= untilMs; t += 1) {
      produced += rateSps(t) / 1000;
      while (produced >= BLOCK) {
        produced -= BLOCK;
        queued.push(t);
      }
      // the pipeline runs at wall time t when it is not stalled: every block produced lateMs(t) ago or earlier arrives
      const ready = queued.filter((p) => p <= t - lateMs(t));
      if (ready.length > 0 && t >= nextBlockAt) {
        queued = queued.slice(ready.length);
        for (let k = 0; k < ready.length; k++) meter.add(t, (total += BLOCK));
        nextBlockAt = t + 1;
      }
      if (t % 250 === 0 && t >= 1000) out.push({ t, short: judge.note(meter.rateSps(), RATE, t), ratio: (meter.rateSps() ?? 0) / RATE });
    }
    return out;
  }

  /** Lateness (ms) of the loaded demo (docs/sensor-offline.md "Rate shortfall"): stalls of 1.7 s and 1 s, then catch-up, and 0.2–0.5 s of jitter. */
  const LOADED_LATE = (t: number): number => {
    const stall = (startMs: number, lenMs: number): number => (t >= startMs && t < startMs + lenMs ? t - startMs : 0);
    return Math.max(stall(8000, 1700), stall(14_000, 1000), stall(21_000, 1700), 200 + 300 * Math.abs(Math.sin(t / 1300)));
  };

  it('a sensor that delivers its full rate through CPU stalls of up to 1.7 s is never judged short, though single readings dip under 0.95', () => {
    const out = run(() => RATE, LOADED_LATE, 40_000);
    // the rate reading itself dips as measured on the loaded demo (0.74–0.95), the old 98 % test flagged it
    const dips = out.filter((r) => r.ratio < 0.98);
    expect(dips.length).toBeGreaterThan(4);
    expect(Math.min(...out.map((r) => r.ratio))).toBeLessThan(0.9);
    expect(out.filter((r) => r.short)).toEqual([]);
  });

  it('a source that delivers 90 % is judged short within a few seconds, through the same CPU stalls, and stays short', () => {
    // full rate for 20 s, then 90 %
    const out = run((t) => (t < 20_000 ? RATE : 0.9 * RATE), LOADED_LATE, 60_000);
    expect(out.filter((r) => r.t < 20_000 && r.short)).toEqual([]);
    const first = out.find((r) => r.short)!;
    // the 5 s meter reads under 0.95 from 2.5 s after the drop; the judgement follows SHORTFALL_HOLD_MS later
    expect(first.t - 20_000).toBeGreaterThanOrEqual(2500 + SHORTFALL_HOLD_MS - 500);
    expect(first.t - 20_000).toBeLessThanOrEqual(2500 + SHORTFALL_HOLD_MS + 1000);
    expect(out.filter((r) => r.t >= first.t && !r.short)).toEqual([]);
  });

  it('returns to not short once the rate is back at 98 % for the hold time; no reading (null) changes nothing', () => {
    const j = new RateShortfallJudge();
    for (let t = 0; t <= 6000; t += 250) j.note(0.9 * RATE, RATE, t);
    expect(j.short).toBe(true);
    expect(j.note(null, RATE, 20_000)).toBe(true);
    // 0.97 is not yet back (under the 98 % leave level): stays short
    for (let t = 20_000; t <= 30_000; t += 250) j.note(0.97 * RATE, RATE, t);
    expect(j.short).toBe(true);
    for (let t = 30_000; t < 30_000 + SHORTFALL_HOLD_MS; t += 250) expect(j.note(RATE, RATE, t)).toBe(true);
    expect(j.note(RATE, RATE, 30_000 + SHORTFALL_HOLD_MS)).toBe(false);
    j.note(0.5 * RATE, RATE, 40_000);
    j.reset();
    expect(j.short).toBe(false);
  });
});

describe('OverloadTracker', () => {
  it('enters after onAfterMs of clipping, leaves after offAfterMs clean, one episode despite flapping', () => {
    const t = new OverloadTracker({ clipFraction: 0.05, onAfterMs: 1000, offAfterMs: 5000 });
    const changes: [number, string][] = [];
    const feed = (ms: number, clip: number) => {
      const c = t.report(clip, ms);
      if (c) changes.push([ms, c]);
    };
    // 750 ms of clipping then a clean report: not long enough
    for (let ms = 0; ms <= 750; ms += 250) feed(ms, 0.2);
    feed(1000, 0.01);
    expect(t.overload).toBe(false);
    // clipping from 1250 ms: on at 2250 ms (1000 ms later)
    for (let ms = 1250; ms <= 3000; ms += 250) feed(ms, 0.2);
    // flapping: clean for 2 s, clipping again, clean for 4.75 s: still one episode
    for (let ms = 3250; ms <= 5250; ms += 250) feed(ms, 0);
    for (let ms = 5500; ms <= 6000; ms += 250) feed(ms, 0.3);
    for (let ms = 6250; ms <= 11_000; ms += 250) feed(ms, 0);
    expect(t.overload).toBe(true);
    feed(11_250, 0); // 5000 ms clean since 6250
    expect(changes).toEqual([[2250, 'on'], [11_250, 'off']]);
    expect(t.overload).toBe(false);
  });

  it('treats the threshold itself as clean (strictly above counts)', () => {
    const t = new OverloadTracker({ clipFraction: 0.05, onAfterMs: 0, offAfterMs: 0 });
    expect(t.report(0.05, 0)).toBeNull();
    expect(t.report(0.0501, 1)).toBe('on');
  });
});

describe('isOffline', () => {
  const base = { state: 'armed', sourceWaitMs: 0, streaming: true, lastReportAtMs: 10_000, reported: true, nowMs: 10_100, offlineAfterMs: 1000, startGraceMs: 5000, workerStartMs: 30_000 };
  it('is offline once the worker has waited offlineAfterMs for its source, extrapolating since its last report', () => {
    expect(isOffline(base)).toBe(false);
    expect(isOffline({ ...base, sourceWaitMs: 900 })).toBe(false); // 900 + 100 = 1000: not yet
    expect(isOffline({ ...base, sourceWaitMs: 901 })).toBe(true);
    expect(offlineCause({ ...base, sourceWaitMs: 600, nowMs: 10_450 })).toBe('noData'); // waiting 600 ms at the report, 450 ms since
  });
  it('extrapolates a wait over two report periods at most: a worker that stops reporting is busy or stalled, not waiting', () => {
    expect(WAIT_EXTRAPOLATION_MS).toBe(500);
    // waiting 300 ms at its last report, then 1.3 s without a report (generating a block on a loaded machine)
    expect(isOffline({ ...base, sourceWaitMs: 300, nowMs: 11_300 })).toBe(false); // 300 + min(1300, 500) = 800
    expect(isOffline({ ...base, sourceWaitMs: 501, nowMs: 11_300 })).toBe(true); // 501 + 500
  });
  it('gives a worker workerStartMs of silence until its first block (loading, set-up under load), startGraceMs once streaming', () => {
    const starting = { ...base, state: 'starting', reported: false, streaming: false, lastReportAtMs: 0, workerStartMs: 60_000 };
    expect(isOffline({ ...starting, nowMs: 28_000 })).toBe(false); // 28 s: what a start-up took at load 17–20
    expect(offlineCause({ ...starting, nowMs: 60_001 })).toBe('silentWorker');
    // it said 'learning', then opened its source for 5 s without a report
    expect(isOffline({ ...starting, state: 'learning', reported: true, nowMs: 5100 })).toBe(false);
    expect(offlineCause({ ...base, reported: true, streaming: true, lastReportAtMs: 0, nowMs: 5001 })).toBe('silentWorker');
  });
  it('does not count a busy worker (not waiting) as a silent source, but does count one that stops reporting', () => {
    expect(isOffline({ ...base, sourceWaitMs: 0, nowMs: 14_900 })).toBe(false);
    expect(isOffline({ ...base, sourceWaitMs: 0, nowMs: 15_001 })).toBe(true);
  });
  it('gives a run startGraceMs before its first block (open, connect, settle)', () => {
    expect(isOffline({ ...base, streaming: false, sourceWaitMs: 4000 })).toBe(false);
    expect(isOffline({ ...base, streaming: false, sourceWaitMs: 4901 })).toBe(true);
  });
  it('follows the worker: offline/stopped at once, never for a refused sensor', () => {
    expect(isOffline({ ...base, state: 'offline' })).toBe(true);
    expect(isOffline({ ...base, state: 'stopped' })).toBe(true);
    expect(isOffline({ ...base, state: 'error', nowMs: 60_000, sourceWaitMs: 9999 })).toBe(false);
  });
});
