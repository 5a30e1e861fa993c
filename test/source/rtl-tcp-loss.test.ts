// UpstreamLossTracker on synthetic rtl_tcp arrivals: whole transfers at 2.4 MS/s with socket jitter, a ±50 ppm crystal,
// stalls that drain, and transfers freed upstream (the count, the position bracket, the delay).
import { describe, expect, it } from 'vitest';
import { UpstreamLossTracker, type UpstreamLoss, type UpstreamLossOptions } from '../../src/source/rtl-tcp-loss.js';

const RATE = 2_400_000;
const T = 131072; // samples per transfer (262144 bytes)

interface Scenario {
  /** Seconds of stream. */
  durationS: number;
  /** Crystal error (ppm): positive = the dongle produces slower than nominal. */
  ppm: number;
  /** Transfers (by production index) rtl_tcp freed before sending. */
  lost?: Set<number>;
  /** Consumer stalls [fromMs, toMs): nothing is read meanwhile, then the backlog is read at `drainSps`. */
  stalls?: [number, number][];
  drainSps?: number;
  /** Seed of the jitter. */
  seed?: number;
  /** Extra delay (ms) added to every arrival from this time on (a slower path that stays), until the third time if given. */
  latencyStepAt?: [number, number] | [number, number, number];
  /** Tracker options other than the rate (defaults otherwise). */
  tracker?: Omit<UpstreamLossOptions, 'rateSps'>;
}

interface Run {
  losses: UpstreamLoss[];
  /** Received-sample position of each freed transfer's gap (samples received before the gap). */
  gapAt: number[];
  tracker: UpstreamLossTracker;
}

/**
 * rtl_tcp over loopback: transfer k (131072 samples) is complete at (k+1) × period × (1 + ppm), leaves in 4 socket
 * reads 0.3 ms apart after 1.5 ms + jitter (exponential, mean 2 ms, and 3 % of the transfers 20–80 ms late: a loaded
 * machine's scheduling). Reads never overtake earlier ones; a stall holds every read until it ends, then the backlog
 * drains at `drainSps`.
 */
function simulate(s: Scenario): Run {
  const tracker = new UpstreamLossTracker({ rateSps: RATE, ...s.tracker });
  let seed = s.seed ?? 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const periodMs = (T / RATE) * 1000 * (1 + s.ppm * 1e-6);
  const drainSps = s.drainSps ?? 100e6;
  tracker.start(0);
  const losses: UpstreamLoss[] = [];
  const gapAt: number[] = [];
  let received = 0;
  let lastRead = 0;
  const n = Math.floor((s.durationS * 1000) / periodMs);
  for (let k = 0; k < n; k++) {
    if (s.lost?.has(k)) {
      gapAt.push(received);
      continue;
    }
    const late = rnd() < 0.03 ? 20 + rnd() * 60 : -Math.log(1 - rnd()) * 2;
    let at = (k + 1) * periodMs + 1.5 + late;
    if (s.latencyStepAt && at >= s.latencyStepAt[0] && at < (s.latencyStepAt[2] ?? Infinity)) at += s.latencyStepAt[1];
    for (let part = 0; part < 4; part++) {
      let t = Math.max(at + part * 0.3, lastRead + 0.01);
      for (const [from, to] of s.stalls ?? []) {
        if (t >= from && t < to) t = to;
      }
      // after a stall the backlog is read no faster than drainSps
      t = Math.max(t, lastRead + ((T / 4) / drainSps) * 1000);
      lastRead = t;
      received += T / 4;
      const loss = tracker.record(t, received);
      if (loss) losses.push(loss);
    }
  }
  return { losses, gapAt, tracker };
}

/** A started tracker at 2.4 MS/s whose backlog bound is `transfers` transfers; the transfer period (ms). */
function boundedTracker(transfers: number): { tracker: UpstreamLossTracker; bound: number; periodMs: number } {
  const bound = transfers * T;
  const tracker = new UpstreamLossTracker({ rateSps: RATE, maxBacklogSamples: bound });
  tracker.start(0);
  return { tracker, bound, periodMs: (T / RATE) * 1000 };
}

describe('UpstreamLossTracker', () => {
  it('reports no loss in 30 s of clean 2.4 MS/s arrivals with jitter and late transfers, at +50, -50 and 0 ppm', () => {
    let largest = 0;
    for (const ppm of [50, -50, 0]) {
      for (const seed of [1, 2, 3]) {
        const r = simulate({ durationS: 30, ppm, seed });
        expect(r.losses, `ppm ${ppm} seed ${seed}`).toEqual([]);
        expect(r.tracker.steadyJudgements).toBeGreaterThan(200); // judged at almost every 125 ms bin end
        largest = Math.max(largest, r.tracker.largestResidualSamples);
      }
    }
    // the floor stays well inside the 1/8-transfer tolerance: jitter only delays, the minimum finds the undelayed reads
    expect(largest).toBeLessThan(T / 16);
    console.log(`largest steady residual ${(largest / RATE * 1000).toFixed(2)} ms (tolerance ${(T / 8 / RATE * 1000).toFixed(2)} ms)`);
  });

  it('reports no loss over 20 min at 50 ppm (drift 120 S/s, 2.6 transfers over the run) with a 2-minute stretch of backlog', () => {
    // The consumer stalls 3 s every 6 s for two minutes: the floor is not judged then, the drift learnt before carries it.
    const stalls: [number, number][] = [];
    for (let t = 300_000; t < 420_000; t += 6000) stalls.push([t, t + 3000]);
    const r = simulate({ durationS: 1200, ppm: 50, stalls, drainSps: 3e6 });
    expect(r.losses).toEqual([]);
  });

  it('counts single lost transfers at 2.4 MS/s exactly, brackets each and confirms it within 2.5 s', () => {
    const lost = new Set([100, 300, 301, 600]); // 5.5 s, 16.4 s (two in a row), 32.8 s
    const r = simulate({ durationS: 45, ppm: 50, lost });
    expect(r.losses.map((l) => l.transfers)).toEqual([1, 2, 1]);
    expect(r.tracker.lostTransfers).toBe(4);
    expect(r.tracker.lostSamples).toBe(4 * T);
    const gaps = [r.gapAt[0]!, r.gapAt[1]!, r.gapAt[3]!];
    r.losses.forEach((l, i) => {
      expect(l.lostSamples).toBe(l.transfers * T);
      expect(l.afterReceived).toBeLessThanOrEqual(gaps[i]!);
      expect(l.beforeReceived).toBeGreaterThanOrEqual(gaps[i]!);
      // the bracket is one transfer wide here (caught up on both sides of the gap)
      expect(l.beforeReceived - l.afterReceived).toBeLessThanOrEqual(2 * T);
      expect(l.delayMs).toBeLessThan(2500);
      expect(l.delayMs).toBeGreaterThan(2000); // both half windows (1 s each) must hold the new floor
    });
    console.log(`loss delays ${r.losses.map((l) => l.delayMs.toFixed(0)).join(', ')} ms`);
  });

  it('counts transfers freed during a 3 s stall once the backlog has drained, and none for a stall without loss', () => {
    const stalls: [number, number][] = [[10_000, 13_000], [25_000, 28_000]];
    // rtl_tcp dropped 7 transfers during the first stall (its list hit -n), none in the second
    const lost = new Set([200, 201, 202, 203, 204, 205, 206]); // 10.9–11.3 s
    const r = simulate({ durationS: 40, ppm: -50, lost, stalls, drainSps: 20e6 });
    expect(r.losses.map((l) => l.transfers)).toEqual([7]);
    expect(r.losses[0]!.afterReceived).toBeLessThanOrEqual(r.gapAt[0]!);
    expect(r.losses[0]!.beforeReceived).toBeGreaterThanOrEqual(r.gapAt[0]!);
  });

  it('takes a lasting rise that is not whole transfers as a loss only after it held 8 s; a 5 ms slower path is not one', () => {
    const step = simulate({ durationS: 30, ppm: 0, latencyStepAt: [10_000, 30] }); // 30 ms = 72000 samples ≈ 0.55 transfer
    expect(step.losses).toHaveLength(1);
    expect(step.losses[0]!.transfers).toBe(0);
    expect(Math.abs(step.losses[0]!.lostSamples - 0.03 * RATE)).toBeLessThan(0.002 * RATE);
    expect(step.losses[0]!.delayMs).toBeGreaterThan(8000);
    const small = simulate({ durationS: 30, ppm: 0, latencyStepAt: [10_000, 5] }); // within the tolerance
    expect(small.losses).toEqual([]);
    console.log(`a lasting 30 ms step counted ${step.losses[0]!.delayMs.toFixed(0)} ms after the last read at the old floor`);
  });

  it('does not count a path 30 ms slower for 6 s and then back (a standing queue), which a hold as short as a whole transfer\'s would', () => {
    // the bytes against the clock of a standing queue are those of a loss until the queue goes: only the hold tells them apart
    const standing = { durationS: 25, ppm: 0, latencyStepAt: [8000, 30, 14_000] as [number, number, number] };
    expect(simulate(standing).losses).toEqual([]);
    const hasty = simulate({ ...standing, tracker: { oddLossConfirmMs: 2000 } });
    expect(hasty.losses).toHaveLength(1);
    expect(Math.abs(hasty.losses[0]!.lostSamples - 0.03 * RATE)).toBeLessThan(0.002 * RATE); // 72000 samples never lost
    console.log(`a 30 ms standing queue for 6 s: 0 counted with the 8 s hold; with a 2 s hold ${hasty.losses[0]!.lostSamples} samples counted ${hasty.losses[0]!.delayMs.toFixed(0)} ms after it began`);
  });

  it('counts transfers lost in the first two half windows (before any steady floor) exactly, and none in clean starts', () => {
    // transfer 3 at 0.16 s, 12–13 at 0.7 s, 30 at 1.7 s: before the first judgement at 2 s
    const r = simulate({ durationS: 8, ppm: 50, lost: new Set([3, 12, 13, 30]) });
    expect(r.losses.map((l) => l.transfers)).toEqual([4]); // one rise of 4 transfers, judged with the first floor
    expect(r.tracker.lostSamples).toBe(4 * T);
    expect(r.losses[0]!.afterReceived).toBeLessThanOrEqual(r.gapAt[0]!);
    expect(r.losses[0]!.beforeReceived).toBeGreaterThanOrEqual(r.gapAt[3]!);
    // one lost at 0.5 s, then one at 3 s (after the first floor): each counted on its own
    const two = simulate({ durationS: 8, ppm: -50, lost: new Set([9, 55]) });
    expect(two.losses.map((l) => l.transfers)).toEqual([1, 1]);
    for (const seed of [4, 5, 6]) expect(simulate({ durationS: 8, ppm: 0, seed }).losses, `seed ${seed}`).toEqual([]);
    // before the first floor nothing is known: not 0
    const fresh = new UpstreamLossTracker({ rateSps: RATE });
    fresh.start(0);
    fresh.record(100, T);
    expect(fresh.backlogOrLostSamples()).toBeNull();
  });

  it('counts, while the client stays behind, the whole transfers beyond maxBacklogSamples at once; the rest exactly once it catches up', () => {
    const { tracker, bound, periodMs } = boundedTracker(20);
    let received = 0;
    const losses: UpstreamLoss[] = [];
    const at = (t: number): void => {
      const l = tracker.record(t, received);
      if (l) losses.push(l);
    };
    // 3 s caught up (each transfer in one read 2 ms after it is complete)
    let k = 0;
    for (; (k + 1) * periodMs + 2 < 3000; k++) {
      received += T;
      at((k + 1) * periodMs + 2);
    }
    expect(tracker.backlogOrLostSamples()).toBeLessThan(T / 8);
    // then nothing is read for 5 s (only the health tick, every 100 ms): 92 transfers produced, 77 of them freed upstream
    const stallEnd = 8000;
    let boundedAt = -1;
    for (let t = 3000; t < stallEnd; t += 100) {
      at(t);
      if (boundedAt < 0 && tracker.lostTransfers > 0) boundedAt = t;
    }
    const produced = Math.floor(stallEnd / periodMs);
    const lost = produced - k - 15; // 15 transfers waited upstream (within the bound of 20)
    // the deficit passed the bound + 1 transfer when the stall had lasted (bound + T) / rate: counted within 0.1 s of that
    expect(boundedAt - 3000).toBeGreaterThanOrEqual(((bound + T) / RATE) * 1000 - 60);
    expect(boundedAt - 3000).toBeLessThan(((bound + T) / RATE) * 1000 + 160);
    expect(losses.every((l) => l.bounded)).toBe(true);
    const duringStall = tracker.lostTransfers;
    expect(duringStall).toBeGreaterThan(65);
    expect(duringStall).toBeLessThanOrEqual(lost);
    // the drain (15 transfers at 10× the rate), then caught up again for 4 s
    for (let i = 0; i < 15; i++) {
      received += T;
      at(stallEnd + (i + 1) * periodMs * 0.1);
    }
    for (let j = produced; j * periodMs < 12_000; j++) {
      received += T;
      at((j + 1) * periodMs + 2);
    }
    expect(tracker.lostTransfers).toBe(lost);
    expect(tracker.lostSamples).toBe(lost * T);
    expect(losses.at(-1)!.bounded).toBe(false);
  });

  it('counts from the bound for a client that is behind from the start (no steady floor ever): a lower bound of the truth', () => {
    const { tracker, periodMs } = boundedTracker(20);
    // the link carries half the rate: one transfer every 2 periods; 15 wait upstream once full, the rest are freed
    let received = 0;
    for (let k = 0; (2 * k + 1) * periodMs < 8000; k++) {
      const t = (2 * k + 1) * periodMs + 2;
      tracker.record(t, (received += T));
      const truth = Math.max(0, Math.floor(t / periodMs) - received / T - 15);
      expect(tracker.lostTransfers, `at ${t.toFixed(0)} ms`).toBeLessThanOrEqual(truth);
      if (t > 6000) expect(tracker.lostTransfers, `at ${t.toFixed(0)} ms`).toBeGreaterThanOrEqual(truth - 7);
    }
    // by 8 s: 146 produced, 73 received, 15 waiting, 58 lost; counted within the bound's margin over what waits (5) + 2
    expect(tracker.lostTransfers).toBeGreaterThanOrEqual(58 - 7);
    expect(tracker.backlogOrLostSamples()).not.toBeNull(); // the counts gave it a floor
  });

  it('reports the transfers counted from a bound that was too small as overcounted once the floor returns', () => {
    const { tracker, periodMs } = boundedTracker(5);
    let received = 0;
    let k = 0;
    for (; (k + 1) * periodMs + 2 < 3000; k++) tracker.record((k + 1) * periodMs + 2, (received += T));
    // 1.5 s without a read: 27 transfers produced, none lost; all of them wait (more than the bound of 5)
    for (let t = 3000; t < 4500; t += 100) tracker.record(t, received);
    const counted = tracker.lostTransfers;
    expect(counted).toBeGreaterThan(15);
    // the drain, then caught up for 3 s: the floor is back where it was
    const produced = Math.floor(4500 / periodMs);
    for (let i = k; i < produced; i++) tracker.record(4500 + (i - k + 1) * periodMs * 0.1, (received += T));
    for (let j = produced; j * periodMs < 8000; j++) tracker.record((j + 1) * periodMs + 2, (received += T));
    // every transfer counted (during the stall and at the drain's first reads) was overcounted; totals only grow
    expect(tracker.lostTransfers).toBeGreaterThanOrEqual(counted);
    expect(tracker.overcountSamples).toBe(tracker.lostSamples);
  });

  it('refuses a non-positive option, naming it', () => {
    expect(() => new UpstreamLossTracker({ rateSps: 0 })).toThrow(/rateSps/);
    expect(() => new UpstreamLossTracker({ rateSps: RATE, halfWindowMs: -1 })).toThrow(/halfWindowMs/);
  });
});
