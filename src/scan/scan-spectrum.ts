// One spectrum over a whole scan for the UI: the latest slow frame of each hop stitched on a fixed grid (≤ 1024 points).
import type { Baseline } from '../baseline/baseline.js';
import type { DetectorOptions } from '../detector/options.js';
import { baselineTraces } from '../spectrum-view.js';
import type { Hop } from './scan-plan.js';

/**
 * A fixed frequency grid over every hop's usable band (from the lowest `usableLowHz` to the highest `usableHighHz`),
 * `points` = min(maxPoints, span / RBW) points `stepHz` apart, point k centred at `startHz + k·stepHz`. Each point is
 * filled from exactly one hop: among the hops whose usable band holds it, the one whose centre is nearest while
 * staying outside its DC guard (docs/field-notes.md §1: the DC spike of a hop is shown from its neighbour), as the max of
 * that hop's bins inside the point (max-decimation, so a narrow carrier stays visible; spectrum-decimate.ts rule).
 * The grid is the same for every message, so the UI's plot and waterfall keep their axis while the sensor hops.
 * Tables are built once; {@link update} allocates nothing.
 */
export class ScanSpectrum {
  /** Centre (Hz) of point 0 and spacing (Hz) of the points. */
  readonly startHz: number;
  readonly stepHz: number;
  readonly points: number;
  /** Centre (Hz) and width (Hz) of the whole grid. */
  readonly centerHz: number;
  readonly spanHz: number;
  private readonly fftSize: number;
  /** Per hop: the points it fills, and for each point the first and last FFT bin (inclusive). */
  private readonly hopPoints: Int32Array[];
  private readonly hopBin0: Int32Array[];
  private readonly hopBin1: Int32Array[];
  /** Latest linear power per point (NaN until its hop was seen). */
  private readonly power: Float64Array;
  /** Latest frame end (s from sample 0) seen. */
  timeS = 0;

  /**
   * @param hops the plan (planHops) at `rateSps`; `fftSize` the slow path's FFT size; `dcGuardHz` the detector's guard.
   * @throws RangeError for an empty plan.
   */
  constructor(readonly hops: readonly Hop[], readonly rateSps: number, fftSize: number, dcGuardHz: number, maxPoints = 1024) {
    if (hops.length === 0) throw new RangeError('ScanSpectrum: no hops');
    this.fftSize = fftSize;
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hops) {
      lo = Math.min(lo, h.usableLowHz);
      hi = Math.max(hi, h.usableHighHz);
    }
    const rbw = rateSps / fftSize;
    const n = Math.max(1, Math.min(maxPoints, Math.ceil((hi - lo) / rbw)));
    const step = (hi - lo) / n;
    this.points = n;
    this.stepHz = step;
    this.startHz = lo + step / 2;
    this.centerHz = (lo + hi) / 2;
    this.spanHz = hi - lo;
    const guard = dcGuardHz + step / 2 + rbw;
    const lists: { p: number[]; b0: number[]; b1: number[] }[] = hops.map(() => ({ p: [], b0: [], b1: [] }));
    const binOf = (f: number, c: number): number => (f - c) / rbw + fftSize / 2;
    for (let k = 0; k < n; k++) {
      const f = lo + (k + 0.5) * step;
      let best = -1;
      let bestD = Infinity;
      let near = -1;
      let nearD = Infinity;
      hops.forEach((h, i) => {
        if (f < h.usableLowHz || f > h.usableHighHz) return;
        const d = Math.abs(f - h.centerHz);
        if (d < nearD) {
          nearD = d;
          near = i;
        }
        if (d > guard && d < bestD) {
          bestD = d;
          best = i;
        }
      });
      const hi2 = best >= 0 ? best : near;
      if (hi2 < 0) continue;
      const c = hops[hi2]!.centerHz;
      let b0 = Math.ceil(binOf(lo + k * step, c));
      let b1 = Math.ceil(binOf(lo + (k + 1) * step, c)) - 1;
      if (b1 < b0) b0 = b1 = Math.round(binOf(f, c));
      b0 = Math.max(0, Math.min(fftSize - 1, b0));
      b1 = Math.max(b0, Math.min(fftSize - 1, b1));
      lists[hi2]!.p.push(k);
      lists[hi2]!.b0.push(b0);
      lists[hi2]!.b1.push(b1);
    }
    this.hopPoints = lists.map((l) => Int32Array.from(l.p));
    this.hopBin0 = lists.map((l) => Int32Array.from(l.b0));
    this.hopBin1 = lists.map((l) => Int32Array.from(l.b1));
    this.power = new Float64Array(n).fill(NaN);
  }

  /** Points hop `hopIndex` fills (for tests). */
  pointsOf(hopIndex: number): Int32Array {
    return this.hopPoints[hopIndex]!;
  }

  /**
   * Takes hop `hopIndex`'s latest slow frame: `power` = fftshifted linear power, `fftSize` values.
   * @param endS end of the frame (s from sample 0), kept as {@link timeS} when later.
   */
  update(hopIndex: number, power: ArrayLike<number>, endS: number): void {
    const pts = this.hopPoints[hopIndex]!;
    const b0 = this.hopBin0[hopIndex]!;
    const b1 = this.hopBin1[hopIndex]!;
    const out = this.power;
    for (let j = 0; j < pts.length; j++) {
      let m = -Infinity;
      const z = b1[j]!;
      for (let i = b0[j]!; i <= z; i++) {
        const v = power[i]!;
        if (v > m) m = v;
      }
      out[pts[j]!] = m;
    }
    if (endS > this.timeS) this.timeS = endS;
  }

  /** The stitched spectrum in dBFS (a new array: it is transferred to the main thread); NaN where no hop was seen yet. */
  snapshotDb(): Float32Array {
    const out = new Float32Array(this.points);
    const p = this.power;
    for (let k = 0; k < out.length; k++) {
      const v = p[k]!;
      out[k] = v === v ? 10 * Math.log10(v > 0 ? v : 1e-30) : NaN;
    }
    return out;
  }

  /**
   * Stitched slow-path level and open threshold (dBFS) of per-hop baselines (baselineTraces of each hop, max over the
   * bins of a point; NaN where a hop has no baseline or its bins are unusable).
   * @param baselineOfHop the baseline of each hop index, or undefined.
   */
  traces(baselineOfHop: (hopIndex: number) => Baseline | undefined, detector: Partial<DetectorOptions>): { levelDb: Float32Array; thresholdDb: Float32Array } {
    const levelDb = new Float32Array(this.points).fill(NaN);
    const thresholdDb = new Float32Array(this.points).fill(NaN);
    for (let h = 0; h < this.hops.length; h++) {
      const b = baselineOfHop(h);
      if (b === undefined || b.slow.levelDb.length !== this.fftSize) continue;
      const t = baselineTraces(b, detector);
      const pts = this.hopPoints[h]!;
      for (let j = 0; j < pts.length; j++) {
        levelDb[pts[j]!] = maxOf(t.levelDb, this.hopBin0[h]![j]!, this.hopBin1[h]![j]!);
        thresholdDb[pts[j]!] = maxOf(t.thresholdDb, this.hopBin0[h]![j]!, this.hopBin1[h]![j]!);
      }
    }
    return { levelDb, thresholdDb };
  }
}

/** Max of `a[i0..i1]` skipping NaN (NaN when all are). */
function maxOf(a: Float32Array, i0: number, i1: number): number {
  let m = -Infinity;
  let any = false;
  for (let i = i0; i <= i1; i++) {
    const v = a[i]!;
    if (v === v) {
      any = true;
      if (v > m) m = v;
    }
  }
  return any ? m : NaN;
}
