// Window functions for the Welch spectrum, with their coherent gain and equivalent noise bandwidth.

/** Window names accepted by `--window`. */
export type WindowName = 'hann' | 'blackman-harris';
export const WINDOW_NAMES = ['hann', 'blackman-harris'] as const satisfies readonly WindowName[];

/**
 * Periodic (DFT-even) window of length `n` as a Float64Array.
 * - hann: w[i] = 0.5 − 0.5·cos(2πi/n)
 * - blackman-harris: 4-term, a = 0.35875, 0.48829, 0.14128, 0.01168 (Harris 1978, "On the use of windows for harmonic
 *   analysis with the DFT", Proc. IEEE 66(1), table 1: −92 dB sidelobes).
 * @throws RangeError for an unknown name or n < 2.
 */
export function makeWindow(name: WindowName, n: number): Float64Array {
  if (!(n >= 2)) throw new RangeError(`window length must be ≥ 2, got ${n}`);
  const w = new Float64Array(n);
  const k = (2 * Math.PI) / n;
  if (name === 'hann') {
    for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos(k * i);
  } else if (name === 'blackman-harris') {
    for (let i = 0; i < n; i++) {
      w[i] = 0.35875 - 0.48829 * Math.cos(k * i) + 0.14128 * Math.cos(2 * k * i) - 0.01168 * Math.cos(3 * k * i);
    }
  } else {
    throw new RangeError(`unknown window '${String(name)}'; expected one of ${WINDOW_NAMES.join(', ')}`);
  }
  return w;
}

/** Σw: the coherent gain ×n. A complex tone of amplitude A on a bin centre gives |X_k| = A·Σw. */
export function windowSum(w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  return s;
}

/** Equivalent noise bandwidth in bins: n·Σw² / (Σw)² (1.5 for Hann, ≈2.0 for 4-term Blackman-Harris; Harris 1978). */
export function enbwBins(w: Float64Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i];
    s2 += w[i] * w[i];
  }
  return (w.length * s2) / (s * s);
}
