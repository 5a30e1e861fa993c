// The detection statistic shared by baseline learning and detection: linear PSD smoothed across frequency.

/**
 * Boxcar average over `width` adjacent bins (odd, ≥ 1); at the edges the mean is over the bins that exist.
 * Smoothing raises the degrees of freedom of the per-bin noise statistic (fewer false crossings on single frames);
 * a wide kernel (tens of bins) makes short wideband bursts (Mode S, GSM slots) stand out even when each bin holds
 * little of their energy. Uses a Float64 prefix sum, so the cost is O(N) whatever the width. Allocation-free.
 */
export class FrequencySmoother {
  readonly half: number;
  private readonly prefix: Float64Array;
  constructor(readonly bins: number, readonly width: number) {
    if (!(width >= 1 && width % 2 === 1)) throw new RangeError(`smoothing width must be an odd number ≥ 1, got ${width}`);
    this.half = (width - 1) >> 1;
    this.prefix = new Float64Array(bins + 1);
  }
  /** out[b] = mean(p[b−h .. b+h]); `out` must not be `p`. */
  apply(p: Float32Array, out: Float32Array): void {
    const n = this.bins;
    const h = this.half;
    if (h === 0) {
      for (let b = 0; b < n; b++) out[b] = p[b];
      return;
    }
    prefixSum(p, n, this.prefix);
    smoothFromPrefix(this.prefix, n, h, out);
  }
  /**
   * Both kernels of one frame from one prefix sum: `out` = this kernel, `outOther` = `other`'s (same bin count).
   * The same values as two {@link apply} calls.
   */
  applyPair(p: Float32Array, out: Float32Array, other: FrequencySmoother, outOther: Float32Array): void {
    const n = this.bins;
    if (other.bins !== n) throw new RangeError(`applyPair: ${n} vs ${other.bins} bins`);
    if (this.half === 0 || other.half === 0) {
      this.apply(p, out);
      other.apply(p, outOther);
      return;
    }
    prefixSum(p, n, this.prefix);
    smoothFromPrefix(this.prefix, n, this.half, out);
    smoothFromPrefix(this.prefix, n, other.half, outOther);
  }
}

/** pre[0] = 0, pre[b + 1] = Σ p[0..b] (float64): the prefix sum every kernel of a frame is computed from. */
export function prefixSum(p: Float32Array, n: number, pre: Float64Array): void {
  let acc = 0;
  pre[0] = 0;
  for (let b = 0; b < n; b++) {
    acc += p[b];
    pre[b + 1] = acc;
  }
}

/**
 * The kernel mean at bin b from a {@link prefixSum}, as float64 before the float32 store: (pre[hi+1] − pre[lo]) /
 * (hi − lo + 1) over [b−h, b+h] ∩ [0, n), clamped at 0 (rounding of the sums). For edge bins; h ≥ 1.
 */
export function smoothedAt(pre: Float64Array, n: number, h: number, b: number): number {
  const lo = b - h < 0 ? 0 : b - h;
  const hi = b + h >= n ? n - 1 : b + h;
  const v = (pre[hi + 1] - pre[lo]) / (hi - lo + 1);
  return v > 0 ? v : 0;
}

/** out[b] = (pre[hi + 1] − pre[lo]) / (hi − lo + 1) over [b−h, b+h] ∩ [0, n), clamped at 0 (rounding of the sums). */
function smoothFromPrefix(pre: Float64Array, n: number, h: number, out: Float32Array): void {
  const width = 2 * h + 1;
  const edge = h < n ? h : n;
  for (let b = 0; b < edge; b++) {
    const hi = b + h >= n ? n - 1 : b + h;
    const v = (pre[hi + 1] - pre[0]) / (hi + 1);
    out[b] = v > 0 ? v : 0;
  }
  // interior: the whole kernel exists, no edge tests
  for (let b = h; b < n - h; b++) {
    const v = (pre[b + h + 1] - pre[b - h]) / width;
    out[b] = v > 0 ? v : 0;
  }
  for (let b = Math.max(edge, n - h); b < n; b++) {
    const lo = b - h < 0 ? 0 : b - h;
    const v = (pre[n] - pre[lo]) / (n - lo);
    out[b] = v > 0 ? v : 0;
  }
}

/** Default width of the wide (wideband-burst) kernel: fftSize/16 + 1 bins (65 for FFT 1024). */
export function defaultWideBins(fftSize: number): number {
  return Math.max(9, (fftSize >> 4) + 1);
}
