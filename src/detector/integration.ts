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
/** The burst path measures its floor and spread at least every this many tests of a scale (LongPathOptions). */
export const BURST_LAZY_FLOOR_TESTS = 16;

/**
 * The burst path's running means (docs/detector.md §12) over `n` fast-path bins: averages of {@link BURST_FRAMES} short
 * frames (one every BURST_FRAMES half-frame hops at `rateSps`) over `scalesS`, tested with a narrow and a wide kernel
 * (half widths in bins) at the open and release levels (Gamma-tail standard deviations), the spread never under noise
 * alone and the floor measured lazily. The wide kernel reads the narrow one's running means and floor (the same
 * averages): push to and reset the narrow one only. `levelFrames`: short frames the levels were learned from.
 * @returns [narrow, wide]
 */
export function burstLongPaths(
  n: number, rateSps: number, scalesS: readonly number[], narrowHalf: number, wideHalf: number, openSigma: number, releaseSigma: number,
  levelFrames?: number,
): [LongPath, LongPath] {
  const rbwHz = rateSps / n;
  const spacingS = (BURST_FRAMES * n) / 2 / rateSps;
  const kernel = (half: number) => ({
    scalesS: [...scalesS], kernelHz: 2 * half * rbwHz, openSigma, releaseSigma, framesPerAverage: BURST_FRAMES, lazyFloorTests: BURST_LAZY_FLOOR_TESTS,
    ...(levelFrames !== undefined ? { levelFrames } : {}),
  });
  const narrow = new LongPath(n, rbwHz, spacingS, kernel(narrowHalf));
  return [narrow, new LongPath(n, rbwHz, spacingS, kernel(wideHalf), narrow)];
}

/**
 * Tests scale `si` with two kernels over the same running means: `lead` (which measures the test's floor and spread)
 * into `hot`, then `follow` (which reads them) into `spare`, keeping per bin the stronger code of the two. Both write
 * the same per-bin statistic (mean power over the floor, not a kernel mean) into `stat`, so it is current whichever
 * of them ran its full test.
 * @returns the OR of both kernels' codes (0: nothing hot)
 */
function evaluatePair(
  lead: LongPath, follow: LongPath | null, si: number, p: PathState, levelLin: Float32Array, noiseBin: Uint8Array, guard: Uint8Array,
  spare: Uint8Array,
): number {
  let any = lead.evaluate(si, levelLin, noiseBin, guard, p.hot, p.stat);
  if (follow === null) return any;
  const codes = follow.evaluate(si, levelLin, noiseBin, guard, spare, p.stat);
  if (codes !== 0) {
    const hot = p.hot;
    for (let b = 0; b < p.n; b++) if ((spare[b] & 3) > (hot[b] & 3)) hot[b] = spare[b];
    any |= codes;
  }
  return any;
}

/**
 * The long path's wiring: after each Welch average, adds it to the running means of the slow path's power over
 * longScalesS and, for every scale with a full window due for a test, groups its hot bins (in `state`, a path state at
 * the slow path's resolution with no envelope) as slow-path hits. Allocation-free after the first average.
 */
export class LongIntegration {
  private long: LongPath | null = null;
  /** The narrow kernel (longNarrowKernelHz) over the same running means, null when off. */
  private narrow: LongPath | null = null;
  /** The narrow kernel's hot codes (the wide kernel's go to `state`), empty when off. */
  private narrowHot = new Uint8Array(0);
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
      const n = this.slow.n;
      const options = {
        scalesS: o.longScalesS, kernelHz: o.longKernelHz, openSigma: o.longOpenSigma, releaseSigma: o.longReleaseSigma,
        levelFrames: this.levelFrames, cleanLevels: true, localFloor: true,
      };
      this.long = new LongPath(n, this.slow.rbwHz, frame.sampleCount / frame.rateSps, options);
      // a narrow kernel of at least 3 bins that is narrower than the wide one
      if (o.longNarrowKernelHz > 0 && Math.round(o.longNarrowKernelHz / this.slow.rbwHz / 2) < Math.round(o.longKernelHz / this.slow.rbwHz / 2)) {
        this.narrow = new LongPath(n, this.slow.rbwHz, frame.sampleCount / frame.rateSps,
          { ...options, kernelHz: o.longNarrowKernelHz, outerKernelHz: o.longKernelHz }, this.long);
        this.narrowHot = new Uint8Array(n);
      }
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
      // the wide kernel measures the test's floor and spread, the narrow one reads them
      const any = evaluatePair(long, this.narrow, si, p, this.slow.noiseLin, this.slow.noiseBin, this.slow.guard, this.narrowHot);
      if (any === 0) continue;
      // a hit of scale K stands for the middle of its window: times are moved back by half the window (the energy
      // lies somewhere in it), liveness still counts from now
      const windowStart = long.windowStart(si);
      const lag = Math.round((end - windowStart) / 2);
      // a weak link's statistic sits near the threshold, so one test of a scale in a few may miss it: a hit keeps its
      // track open across one missed test (two test steps), so the link stays one detection
      const holdSamples = 2 * long.step(si) * frame.sampleCount;
      // a group beside a tracked signal must stand the narrowest kernel's open level over the skirt between them
      const apart = this.narrow ?? long;
      this.tracker.trackLongGroups(frame, p, start - lag, end - lag, lag, holdSamples, windowStart, apart.openAt(si), apart.halfBins);
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
  /** The wide kernel's hot codes (the narrow kernel's go to `state`). */
  private readonly wideHot: Uint8Array;
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
   * @param bins the bins it tests (1; the fast path's noise bins less those it opened on during a calibration), null: off
   */
  constructor(
    private readonly fast: PathState,
    private readonly state: PathState,
    private readonly tracker: Tracker,
    private readonly options: Readonly<DetectorOptions>,
    private readonly fastFftSize: number,
    private readonly levelFrames: number,
    private readonly bins: Uint8Array | null,
  ) {
    this.wideHot = new Uint8Array(fastFftSize);
    this.guard = new Uint8Array(fastFftSize);
    for (let b = 0; b < fast.n; b++) {
      if (fast.guard[b] === 0) continue;
      for (let k = Math.max(0, b - 2); k <= Math.min(fast.n - 1, b + 2); k++) this.guard[k] = 1;
    }
  }

  /** False when the burst path tests nothing (a calibration without its burst record). */
  get armed(): boolean {
    return this.bins !== null;
  }

  /**
   * One average of BURST_FRAMES short frames; `lastImpulseEnd` is the end (sample) of the last click the fast path set
   * aside. Does nothing while the fast path is off or burstScalesS is empty.
   */
  onAverage(frame: SpectrumFrame, lastImpulseEnd: number): void {
    const o = this.options;
    const p = this.fast;
    if (!p.enabled || o.burstScalesS.length === 0 || this.bins === null) return;
    if (this.narrow === null || this.wide === null) {
      [this.narrow, this.wide] = burstLongPaths(p.n, frame.rateSps, o.burstScalesS, p.narrow.half, p.wide.half, o.burstOpenSigma, o.burstReleaseSigma, this.levelFrames);
    }
    const narrow = this.narrow;
    const wide = this.wide;
    if (frame.tuneId !== this.tuneId) {
      narrow.reset(); // and the wide kernel's shared windows
      this.tuneId = frame.tuneId;
    }
    // an average that holds a click (set aside by the fast path) would put the click into the running means
    if (lastImpulseEnd > frame.firstSample) return;
    narrow.push(frame.power, frame.firstSample); // the wide kernel's windows too
    const end = frame.firstSample + frame.sampleCount;
    const b = this.state;
    for (let si = 0; si < narrow.scales.length; si++) {
      if (!narrow.due(si)) continue;
      if (evaluatePair(narrow, wide, si, b, p.noiseLin, this.bins, this.guard, this.wideHot) === 0) continue;
      const windowStart = narrow.windowStart(si);
      const quarter = Math.round((end - windowStart) / 4);
      this.tracker.trackBurstGroups(frame, b, windowStart + quarter, end - quarter, windowStart);
    }
  }
}

/**
 * Averages the burst-heard learner lets pass before it tests (its running-mean level is then within ≈ 6 %); it also
 * chooses its quiet bins again every that many averages.
 */
export const BURST_HEARD_WARMUP_AVERAGES = 256;
/**
 * A bin is quiet for the burst-heard learner when its running mean power is at most this times the band's lower
 * quartile (3 dB): a receiver's passband ripple stays inside it, an emitter's bins do not.
 */
export const BURST_HEARD_QUIET_RATIO = 2;

/**
 * What the burst path would have opened on during a calibration (docs/detector.md §12): the fast engine's averages of
 * {@link BURST_FRAMES} short frames go through the burst path's own test (the same running means over burstScalesS,
 * the same narrow and wide kernels, the same open level), normalised by each bin's running mean power (the calibration's
 * learned level is not known until it ends). Every bin a kernel opened on is marked ({@link heardBins}); the detector widens the marks
 * by the wide kernel's half width, the envelope's drift tolerance and the window's skirt (Detector). In those bins the burst path
 * tests nothing: something there (a moving emitter's skirts, an intermittent neighbour) reached the burst path's open
 * level while the site was taken as background, so a running mean there is no evidence of anything new. Short paths
 * still watch them against their envelope. Allocation-free per average after the first.
 */
export class BurstHeardLearner {
  private narrow: LongPath | null = null;
  private wide: LongPath | null = null;
  private readonly sum: Float64Array;
  private readonly level: Float32Array;
  /** Bins whose running mean power is within {@link BURST_HEARD_QUIET_RATIO} of the band's lower quartile. */
  private readonly quiet: Uint8Array;
  private readonly none: Uint8Array;
  private readonly sorted: Float64Array;
  private readonly hot: Uint8Array;
  private readonly stat: Float32Array;
  private readonly marks: Uint8Array;
  private averages = 0;

  /**
   * @param n short-frame size (the fast path's bins)
   * @param rateSps sample rate
   * @param scalesS the burst path's integration times (s)
   * @param narrowHalf, wideHalf half widths (bins) of the fast path's narrow and wide kernels
   * @param openSigma the burst path's open level (Gamma-tail standard deviations)
   */
  constructor(
    private readonly n: number,
    private readonly rateSps: number,
    private readonly scalesS: readonly number[],
    private readonly narrowHalf: number,
    private readonly wideHalf: number,
    private readonly openSigma: number,
  ) {
    this.sum = new Float64Array(n);
    this.level = new Float32Array(n);
    this.quiet = new Uint8Array(n);
    this.sorted = new Float64Array(n);
    this.none = new Uint8Array(n);
    this.hot = new Uint8Array(n);
    this.stat = new Float32Array(n);
    this.marks = new Uint8Array(n);
  }

  /** One average of BURST_FRAMES short frames (fftshifted power, n bins), in stream order. */
  onAverage(frame: SpectrumFrame): void {
    if (this.scalesS.length === 0) return;
    const n = this.n;
    if (this.narrow === null || this.wide === null) {
      // only bins that open are marked: releasing at the open level costs nothing
      [this.narrow, this.wide] = burstLongPaths(n, this.rateSps, this.scalesS, this.narrowHalf, this.wideHalf, this.openSigma, this.openSigma);
    }
    const power = frame.power;
    const sum = this.sum;
    for (let b = 0; b < n; b++) sum[b] += power[b];
    this.averages++;
    this.narrow.push(power, frame.firstSample); // the wide kernel's windows too
    if (this.averages < BURST_HEARD_WARMUP_AVERAGES) return;
    const inv = 1 / this.averages;
    const level = this.level;
    for (let b = 0; b < n; b++) level[b] = sum[b] * inv;
    if (this.averages % BURST_HEARD_WARMUP_AVERAGES === 0) this.findQuiet();
    for (let si = 0; si < this.narrow.scales.length; si++) {
      if (!this.narrow.due(si)) continue;
      this.mark(this.narrow, si);
      this.mark(this.wide, si);
    }
  }

  /**
   * The bins the test runs on, as the detector's noise bins are (docs/detector.md §3): those whose running mean power is
   * at most BURST_HEARD_QUIET_RATIO times the band's lower quartile of running means. An emitter's bins (and those an
   * FM carrier sweeps) stand far above it and are left out, so the floor and the spread are measured, as in detection,
   * on what is noise, and the open level is the detector's.
   */
  private findQuiet(): void {
    const n = this.n;
    const sorted = this.sorted;
    for (let b = 0; b < n; b++) sorted[b] = this.level[b];
    sorted.sort();
    const limit = BURST_HEARD_QUIET_RATIO * sorted[Math.floor(n / 4)];
    for (let b = 0; b < n; b++) this.quiet[b] = this.level[b] <= limit ? 1 : 0;
  }

  /** Tests scale si of one kernel's running means; marks the bins it opened on. */
  private mark(path: LongPath, si: number): void {
    if (path.evaluate(si, this.level, this.quiet, this.none, this.hot, this.stat) === 0) return;
    for (let b = 0; b < this.n; b++) if ((this.hot[b] & 3) === 2) this.marks[b] = 1;
  }

  /** The bins a kernel opened on (fast-path bins; a copy). The detector widens them (see Detector). */
  heardBins(): Uint8Array {
    return this.marks.slice();
  }
}
