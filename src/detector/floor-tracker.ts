// The floor tracker: follows a noise floor that creeps with gain and temperature and rescales the thresholds
// (docs/detector.md §11).
import { quickMedian } from '../dsp/select.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import { smoothedAt } from '../spectrum/statistic.js';
import type { DetectorOptions } from './options.js';
import type { PathState } from './path-state.js';

/**
 * Measures the floor on the slow path's noise bins after each Welch average and applies its gain to every level and
 * threshold of the fast and slow paths (in place: the native classifier reads those arrays). Allocation-free.
 */
export class FloorTracker {
  /** The gain (linear, over the learned floor) last applied to the thresholds; 1 until the floor moves. */
  applied = 1;
  /** Smoothed median power/level ratio (linear); 0 before the first average. */
  private gain = 0;
  private readonly scratch: Float64Array;

  constructor(
    private readonly fast: PathState,
    private readonly slow: PathState,
    private readonly options: Readonly<DetectorOptions>,
  ) {
    this.scratch = new Float64Array(slow.n);
  }

  /**
   * Updates the floor estimate from a Welch average: g = median over the slow path's noise bins of narrow statistic /
   * noise level, an exponential mean of it over floorTrackS (clamped to ± floorTrackMaxDb), and rescales the fast and
   * slow thresholds when it moved by 0.1 dB or more. `pre` is the average's prefix sum (length slow.n + 1). Does
   * nothing when floorTrackS is 0.
   */
  update(frame: SpectrumFrame, pre: Float64Array): void {
    const o = this.options;
    if (!(o.floorTrackS > 0)) return;
    const p = this.slow;
    const noise = p.noiseLin;
    const scratch = this.scratch;
    // the narrow-kernel statistic (the one the level models, so its median over noise bins is the level) from the
    // average's prefix sum `pre`
    const h = p.narrow.half;
    let m = 0;
    for (let b = 0; b < p.n; b++) {
      if (p.noiseBin[b] !== 0) scratch[m++] = smoothedAt(pre, p.n, h, b) / noise[b];
    }
    if (m < 8) return;
    const g = quickMedian(scratch, m);
    if (!(g > 0)) return;
    const alpha = Math.min(1, frame.sampleCount / frame.rateSps / o.floorTrackS);
    this.gain = this.gain === 0 ? g : this.gain + alpha * (g - this.gain);
    const max = 10 ** (o.floorTrackMaxDb / 10);
    const gain = Math.min(max, Math.max(1 / max, this.gain));
    if (Math.abs(10 * Math.log10(gain / this.applied)) < 0.1) return;
    this.applied = gain;
    this.fast.scaleFloor(gain);
    this.slow.scaleFloor(gain);
  }
}
