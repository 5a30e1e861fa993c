// The detector's integrating paths: the long path over seconds of Welch averages (docs/detector.md §10) and the burst
// path over milliseconds of short frames (§12). Each feeds running means (LongPath) and hands their hot bins to the
// tracker.
import type { SpectrumFrame } from '../spectrum/frames.js';
import { LongPath } from './long-path.js';
import type { DetectorOptions } from './options.js';
import type { PathState } from './path-state.js';
import type { Tracker } from './tracker.js';

/** Short frames per average of the burst path (the fast engine's averages, see Detector.burstFrames). */
export const BURST_FRAMES = 4;

/**
 * The long path's wiring: after each Welch average, adds it to the running means of the slow path's power over
 * longScalesS and, for every scale with a full window due for a test, groups its hot bins (in `state`, a path state at
 * the slow path's resolution with no envelope) as slow-path hits. Allocation-free after the first average.
 */
export class LongIntegration {
  private long: LongPath | null = null;
  private tuneId = -1;

  /** @param levelFrames averages the slow path's levels were learned from (how well each level is known) */
  constructor(
    private readonly slow: PathState,
    private readonly state: PathState,
    private readonly tracker: Tracker,
    private readonly options: Readonly<DetectorOptions>,
    private readonly levelFrames: number,
  ) {}

  /**
   * One Welch average over samples [start, end); `lastImpulseEnd` is the end (sample) of the last click the fast path
   * set aside. A hit of scale K stands for the middle of its window (a weak link's times are known to ± K/2).
   */
  onAverage(frame: SpectrumFrame, start: number, end: number, lastImpulseEnd: number): void {
    const o = this.options;
    if (o.longScalesS.length === 0) return;
    if (this.long === null) {
      this.long = new LongPath(this.slow.n, this.slow.rbwHz, frame.sampleCount / frame.rateSps, {
        scalesS: o.longScalesS, kernelHz: o.longKernelHz, openSigma: o.longOpenSigma, releaseSigma: o.longReleaseSigma,
        levelFrames: this.levelFrames, cleanLevels: true,
      });
    }
    const long = this.long;
    if (frame.tuneId !== this.tuneId) {
      long.reset();
      this.tuneId = frame.tuneId;
    }
    // an average holding a click would put the click's uneven energy into seconds of statistics: left out
    if (lastImpulseEnd >= start) return;
    long.push(frame.power, start);
    const p = this.state;
    for (let si = 0; si < long.scales.length; si++) {
      if (!long.due(si)) continue;
      if (long.evaluate(si, this.slow.noiseLin, this.slow.noiseBin, this.slow.guard, p.hot, p.stat) === 0) continue;
      // a hit of scale K stands for the middle of its window: times are moved back by half the window (the energy
      // lies somewhere in it), liveness still counts from now
      const windowStart = long.windowStart(si);
      const lag = Math.round((end - windowStart) / 2);
      // a weak link's statistic sits near the threshold, so one test of a scale in a few may miss it: a hit keeps its
      // track open across one missed test (two test steps), so the link stays one detection
      const holdSamples = 2 * long.step(si) * frame.sampleCount;
      this.tracker.trackLongGroups(frame, p, start - lag, end - lag, lag, holdSamples, windowStart);
    }
  }
}

/**
 * The burst path's wiring: running means of the fast engine's averages of {@link BURST_FRAMES} short frames over
 * burstScalesS, tested like the long path's with the fast path's narrow and wide kernels on its noise bins; hot bins
 * are grouped (in `state`, a path state at the fast path's resolution with no envelope) as fast-path hits over the
 * middle half of the window, as a short frame's hit stands for the middle half of the frame. Allocation-free after
 * the first average.
 */
export class BurstIntegration {
  /** Running means with the narrow and wide kernels (null until the first average). */
  private narrow: LongPath | null = null;
  private wide: LongPath | null = null;
  /** The wide kernel's hot codes and statistic (the narrow kernel's go to `state`). */
  private readonly wideHot: Uint8Array;
  private readonly wideStat: Float32Array;
  /**
   * The fast path's guard widened by the Hann main lobe (2 bins) on each side of every guarded run: the running DC
   * estimate's residual leaks into the bins beside the DC guard, which a single frame cannot see and tens of frames do
   * (white noise at 2.4 MS/s gave burst-path strays 14–33 kHz from the centre without it).
   */
  private readonly guard: Uint8Array;
  private tuneId = -1;

  /**
   * @param fastFftSize short-frame size (the fast path's bins)
   * @param levelFrames short frames the fast path's levels were learned from
   */
  constructor(
    private readonly fast: PathState,
    private readonly state: PathState,
    private readonly tracker: Tracker,
    private readonly options: Readonly<DetectorOptions>,
    private readonly fastFftSize: number,
    private readonly levelFrames: number,
  ) {
    this.wideHot = new Uint8Array(fastFftSize);
    this.guard = new Uint8Array(fastFftSize);
    for (let b = 0; b < fast.n; b++) {
      if (fast.guard[b] === 0) continue;
      for (let k = Math.max(0, b - 2); k <= Math.min(fast.n - 1, b + 2); k++) this.guard[k] = 1;
    }
    this.wideStat = new Float32Array(fastFftSize);
  }

  /**
   * One average of BURST_FRAMES short frames; `lastImpulseEnd` is the end (sample) of the last click the fast path set
   * aside. Does nothing while the fast path is off or burstScalesS is empty.
   */
  onAverage(frame: SpectrumFrame, lastImpulseEnd: number): void {
    const o = this.options;
    const p = this.fast;
    if (!p.enabled || o.burstScalesS.length === 0) return;
    if (this.narrow === null || this.wide === null) {
      // averages follow one another every BURST_FRAMES hops of the fast engine
      const spacingS = (BURST_FRAMES * this.fastFftSize) / 2 / frame.rateSps;
      const kernel = (half: number) => ({
        scalesS: o.burstScalesS, kernelHz: 2 * half * p.rbwHz, openSigma: o.burstOpenSigma, releaseSigma: o.burstReleaseSigma,
        levelFrames: this.levelFrames,
      });
      this.narrow = new LongPath(p.n, p.rbwHz, spacingS, kernel(p.narrow.half));
      this.wide = new LongPath(p.n, p.rbwHz, spacingS, kernel(p.wide.half));
    }
    const narrow = this.narrow;
    const wide = this.wide;
    if (frame.tuneId !== this.tuneId) {
      narrow.reset();
      wide.reset();
      this.tuneId = frame.tuneId;
    }
    // an average that holds a click (set aside by the fast path) would put the click into the running means
    if (lastImpulseEnd > frame.firstSample) return;
    narrow.push(frame.power, frame.firstSample);
    wide.push(frame.power, frame.firstSample);
    const end = frame.firstSample + frame.sampleCount;
    const b = this.state;
    for (let si = 0; si < narrow.scales.length; si++) {
      if (!narrow.due(si)) continue;
      let any = narrow.evaluate(si, p.noiseLin, p.noiseBin, this.guard, b.hot, b.stat);
      const w = wide.evaluate(si, p.noiseLin, p.noiseBin, this.guard, this.wideHot, this.wideStat);
      if (w !== 0) {
        const hot = b.hot;
        const wh = this.wideHot;
        for (let k = 0; k < p.n; k++) if ((wh[k] & 3) > (hot[k] & 3)) hot[k] = wh[k];
        any |= w;
      }
      if (any === 0) continue;
      const windowStart = narrow.windowStart(si);
      const quarter = Math.round((end - windowStart) / 4);
      this.tracker.trackBurstGroups(frame, b, windowStart + quarter, end - quarter, windowStart);
    }
  }
}
