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
 * The kernel mean at bin b from a {@link prefixSum}, as float64 before the float32 store, clamped at 0 (rounding of the
 * sums): where the whole kernel [b−h, b+h] lies in [0, n), (pre[b+h+1] − pre[b−h]) · (1/(2h+1)) (a multiplication:
 * the divide was the detector's hot spot); at the edges (pre[hi+1] − pre[lo]) / (hi − lo + 1) over what exists. Every
 * smoother (this file, the detector, the quietband_dsp addon) uses exactly this rule, so their values agree bit for bit.
 * h ≥ 1.
 */
export function smoothedAt(pre: Float64Array, n: number, h: number, b: number): number {
  const lo = b - h;
  const hi = b + h;
  const v = lo >= 0 && hi < n ? (pre[hi + 1] - pre[lo]) * (1 / (2 * h + 1)) : edgeMean(pre, n, lo, hi);
  return v > 0 ? v : 0;
}

function edgeMean(pre: Float64Array, n: number, lo: number, hi: number): number {
  const a = lo < 0 ? 0 : lo;
  const z = hi >= n ? n - 1 : hi;
  return (pre[z + 1] - pre[a]) / (z - a + 1);
}

/** out[b] = {@link smoothedAt}(pre, n, h, b) for every bin, the interior without per-bin edge tests. */
function smoothFromPrefix(pre: Float64Array, n: number, h: number, out: Float32Array): void {
  const inv = 1 / (2 * h + 1);
  const edge = h < n ? h : n;
  for (let b = 0; b < edge; b++) out[b] = smoothedAt(pre, n, h, b);
  for (let b = h; b < n - h; b++) {
    const v = (pre[b + h + 1] - pre[b - h]) * inv;
    out[b] = v > 0 ? v : 0;
  }
  for (let b = Math.max(edge, n - h); b < n; b++) out[b] = smoothedAt(pre, n, h, b);
}

/** Default width of the wide (wideband-burst) kernel: fftSize/16 + 1 bins (65 for FFT 1024). */
export function defaultWideBins(fftSize: number): number {
  return Math.max(9, (fftSize >> 4) + 1);
}
