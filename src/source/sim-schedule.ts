// When intermittent emitters of the simulator sound: seeded on-interval schedules (periodic with jitter, or renewal:
// alternating random on and off times) and the generator gated by one.
import type { SampleGenerator } from './sim-core.js';
import { hash32, Prng } from './sim-random.js';

/**
 * When a {@link Schedule} is on. `periodic`: interval k starts at `firstS + k·periodS + jitter`, jitter uniform in
 * ±`jitterS`, and lasts `onS` (a sensor's packet, a TDMA slot). `renewal`: alternating on and off times, on uniform in
 * `onS`, off uniform in `offS` or, with `meanOffS`, exponential of that mean (Poisson arrivals: clicks, talk spurts);
 * the first on-interval starts at `firstS` (default: after one off time).
 */
export type ScheduleSpec =
  | { kind: 'periodic'; periodS: number; onS: number; firstS?: number; jitterS?: number }
  | { kind: 'renewal'; onS: [number, number]; offS?: [number, number]; meanOffS?: number; firstS?: number };

/**
 * A seeded stream of on-intervals `[start, end)` in sample indices, in order, produced one at a time (constant memory
 * for any length). `clone()` gives an independent copy at the start (to enumerate the truth alongside a rendering).
 */
export class Schedule {
  /** Current interval (samples); `index` counts intervals from 0. */
  start = 0;
  end = 0;
  index = -1;
  private readonly prng = new Prng(0);
  private seed = 0;
  constructor(
    readonly spec: ScheduleSpec,
    readonly rateSps: number,
    seed: number,
  ) {
    if (spec.kind === 'periodic' && !(spec.periodS > spec.onS + 2 * (spec.jitterS ?? 0))) {
      throw new RangeError(`Schedule: periodS ${spec.periodS} must exceed onS ${spec.onS} + 2·jitterS`);
    }
    if (spec.kind === 'renewal' && spec.offS === undefined && !(spec.meanOffS !== undefined && spec.meanOffS > 0)) {
      throw new RangeError('Schedule: a renewal schedule needs offS [min, max] or meanOffS > 0');
    }
    this.reset(seed);
  }
  /** Restarts at the first interval with new randomness. */
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.prng.reset(hash32(this.seed, 0x5c4ed));
    this.index = -1;
    this.start = 0;
    this.end = 0;
    this.next();
  }
  /** A fresh schedule with the same spec and seed, at its first interval. */
  clone(): Schedule {
    return new Schedule(this.spec, this.rateSps, this.seed);
  }
  private offS(): number {
    const sp = this.spec as Extract<ScheduleSpec, { kind: 'renewal' }>;
    if (sp.meanOffS !== undefined) return -sp.meanOffS * Math.log(1 - this.prng.uniform());
    const [a, b] = sp.offS as [number, number];
    return a + (b - a) * this.prng.uniform();
  }
  /** Moves to the next interval. */
  next(): void {
    const sp = this.spec;
    const r = this.rateSps;
    this.index++;
    if (sp.kind === 'periodic') {
      const j = sp.jitterS ?? 0;
      const t = (sp.firstS ?? 0) + this.index * sp.periodS + j * (2 * this.prng.uniform() - 1);
      this.start = Math.max(this.end, Math.round(Math.max(0, t) * r));
      this.end = this.start + Math.max(1, Math.round(sp.onS * r));
    } else {
      const t = this.index === 0 && sp.firstS !== undefined ? sp.firstS : this.end / r + this.offS();
      const on = sp.onS[0] + (sp.onS[1] - sp.onS[0]) * this.prng.uniform();
      this.start = Math.max(this.end, Math.round(t * r));
      this.end = this.start + Math.max(1, Math.round(on * r));
    }
  }
  /** Skips the intervals that end at or before sample `n`. */
  advanceTo(n: number): void {
    while (this.end <= n) this.next();
  }
}

/**
 * Gates a generator by a {@link Schedule}: the inner generator sounds only during on-intervals and sees time from the
 * start of each interval (sample 0 = the interval's first sample), so a packet or slot pattern restarts with every
 * interval. At each interval start it is reset: with `samePerInterval` to the same seed every time (identical packets
 * of one device), otherwise to `hash32(seed, intervalIndex)` (new audio, bits, noise per interval).
 */
export class ScheduledGenerator implements SampleGenerator {
  private seed = 0;
  private readyIndex = -1;
  constructor(
    readonly inner: SampleGenerator,
    readonly schedule: Schedule,
    readonly samePerInterval = false,
  ) {}
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.schedule.reset(hash32(this.seed, 1));
    this.readyIndex = -1;
  }
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const sch = this.schedule;
    const n1 = n0 + count;
    sch.advanceTo(n0);
    while (sch.start < n1) {
      if (this.readyIndex !== sch.index) {
        this.inner.reset(this.samePerInterval ? hash32(this.seed, 2) : hash32(this.seed, 0x10000 + sch.index));
        this.readyIndex = sch.index;
      }
      const a = Math.max(n0, sch.start);
      const b = Math.min(n1, sch.end);
      if (a < b) this.inner.add(out, outOffset + (a - n0), a - sch.start, b - a);
      if (sch.end > n1) break;
      sch.next();
    }
  }
}
