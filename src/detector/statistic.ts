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
      out.set(p.subarray(0, n));
      return;
    }
    const pre = this.prefix;
    let acc = 0;
    pre[0] = 0;
    for (let b = 0; b < n; b++) {
      acc += p[b];
      pre[b + 1] = acc;
    }
    for (let b = 0; b < n; b++) {
      const lo = b - h < 0 ? 0 : b - h;
      const hi = b + h >= n ? n - 1 : b + h;
      const v = (pre[hi + 1] - pre[lo]) / (hi - lo + 1);
      out[b] = v > 0 ? v : 0;
    }
  }
}

/** Default width of the wide (wideband-burst) kernel: fftSize/16 + 1 bins (65 for FFT 1024). */
export function defaultWideBins(fftSize: number): number {
  return Math.max(9, (fftSize >> 4) + 1);
}
