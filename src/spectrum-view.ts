// The spectrum and the baseline as the browser is sent them: max-decimation to at most 1024 points, and the slow
// path's level and open-threshold traces of a baseline. Pure; used by the fixed-tuning sensor and the scan stitcher.
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from './detector/options.js';
import type { Baseline } from './baseline/baseline.js';

/** Most points per spectrum message (protocol: ≤ 1024). */
export const SPECTRUM_MAX_POINTS = 1024;

/** Bins merged per point for an FFT size: ceil(n / 1024). */
export function decimationFactor(n: number, maxPoints = SPECTRUM_MAX_POINTS): number {
  return Math.max(1, Math.ceil(n / maxPoints));
}

/**
 * Max-decimates `src` (n values) by `factor` into `out` (length ceil(n / factor)): point k = max of bins
 * [k·factor, (k+1)·factor) — the same rule as server/spectrum-decimate.ts, so a narrow burst stays visible.
 * With `toDb`, values are linear power and are written as 10·log10(max) (dBFS). NaN bins are skipped (NaN if all are).
 */
export function maxDecimate(src: ArrayLike<number>, factor: number, out: Float32Array, toDb = false): void {
  const n = src.length;
  for (let k = 0, from = 0; k < out.length; k++, from += factor) {
    const to = Math.min(n, from + factor);
    let m = -Infinity;
    let any = false;
    for (let i = from; i < to; i++) {
      const v = src[i]!;
      if (v === v) {
        any = true;
        if (v > m) m = v;
      }
    }
    out[k] = !any ? NaN : toDb ? 10 * Math.log10(m > 0 ? m : 1e-30) : m;
  }
}

/**
 * The slow path's per-bin level and open threshold (dBFS, fftshifted, fftSize values) for the UI:
 * threshold = level + max(kSigma · spread, slowThresholdDb) — the detector's rule (DESIGN "Detection": threshold per bin
 * = max(k · spread, minExcessDb); detector/path-state.ts PathState.thresholds with the slow path's minimum). NaN where unusable.
 */
export function baselineTraces(baseline: Pick<Baseline, 'slow'>, detector: Partial<DetectorOptions>): { levelDb: Float32Array; thresholdDb: Float32Array } {
  const o = { ...DEFAULT_DETECTOR_OPTIONS, ...detector };
  const p = baseline.slow;
  const n = p.levelDb.length;
  const levelDb = new Float32Array(n);
  const thresholdDb = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    const level = p.levelDb[b]!;
    const spread = p.spreadDb[b]!;
    levelDb[b] = level;
    thresholdDb[b] = Number.isFinite(level) && Number.isFinite(spread) ? level + Math.max(o.kSigma * spread, o.slowThresholdDb) : NaN;
  }
  return { levelDb, thresholdDb };
}
