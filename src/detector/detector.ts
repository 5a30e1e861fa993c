// Detector: excess over the baseline on two paths (fast short frames, slow Welch averages), grouping, tracking.
import type { Baseline } from '../baseline/baseline.js';
import type { ShortFrameGate, SpectrumFrame } from '../spectrum/frames.js';
import type { DetectionEvent } from '../types.js';
import { prefixSum, smoothedAt } from '../spectrum/statistic.js';
import { EmitterWatch, type EmitterAppearance, type EmitterHeard } from './emitter-watch.js';
import { CLICK_MIN_GAP_MS, ImpulseFilter } from './impulse.js';
import { LongPath } from './long-path.js';
import { quickMedian } from '../dsp/select.js';
import { isClipping } from '../spectrum/overload.js';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorGeometry, type DetectorOptions } from './options.js';
import { heardBins, MAX_GROUPS, PathState } from './path-state.js';
import { Track, type Closed } from './track.js';

/** Short frames per average of the burst path (the fast engine's averages, see Detector.burstFrames). */
const BURST_FRAMES = 4;
const RECENT = 32;


/** stat[b] for the interior bins [hW, n − hW) from a prefix sum: the narrow kernel's mean (as FrequencySmoother). */
function smoothInterior(pre: Float64Array, n: number, hN: number, hW: number, stat: Float32Array): void {
  const invN = 1 / (2 * hN + 1);
  for (let b = hW; b < n - hW; b++) {
    const xn = (pre[b + hN + 1] - pre[b - hN]) * invN;
    stat[b] = xn > 0 ? xn : 0;
  }
}

/**
 * Adds each bin's excess ratio stat/level over [a, z] to a track's running sums (bins with an infinite level, i.e.
 * guarded or unlearned, are left out). A small function of its own: it is optimised early, so the boxed float64
 * values an unoptimised loop makes do not follow every hit until the (rarely called) hit() itself is optimised.
 */
function accumulateExcess(acc: Float64Array, cnt: Float64Array, stat: Float32Array, level: Float32Array, a: number, z: number): void {
  for (let b = a; b <= z; b++) {
    const l = level[b];
    if (l === Infinity) continue;
    acc[b] += stat[b] / l;
    cnt[b] += 1;
  }
}

/** A bin's hot code from its two statistics (as stored, float32) and thresholds; see Detector.classify. */
function hotCode(v: number, w: number, open: number, release: number, wideOpen: number): number {
  const hn = v > open ? 2 : v > release ? 1 : 0;
  const hw = w > wideOpen ? 2 : 0;
  return (hn > hw ? hn : hw) | (hn > 0 ? 4 : 0);
}


/**
 * Finds transmissions that rise above a {@link Baseline}.
 *
 * Two paths (DESIGN.md "Detection"): the fast path runs on every short frame (FFT size fftSize/4 by default, 50 %
 * overlap) and catches bursts down to tens of µs at MS/s rates; the slow path runs on Welch averages of full-size
 * frames and catches weak continuous signals. On each path the statistic is the frame's linear PSD smoothed across
 * `smoothBins` bins, and again across `wideBins` bins for wideband bursts whose energy per bin is small (Mode S, GSM
 * slots). A bin is hot when statistic > level·10^(T/10) with T = max(kSigma·spread, minimum excess), and stays hot down
 * to T − hysteresis while it belongs to an open track. Hot bins separated by at most `gapHz` form a group; a group
 * overlapping an open track extends it, and only a group with an open-level bin starts one. A slow hit on a track
 * that had fast hits in the same averaging window is already explained and does not stretch its times, so an 8 ms
 * burst reads 8 ms even with a 100 ms average. Times come from sample indices only. Allocation-free per frame except
 * for emitted events.
 */
export class Detector {
  readonly options: Readonly<DetectorOptions>;
  readonly geometry: Readonly<DetectorGeometry>;
  /** Groups ignored because every track slot was busy (should stay 0). */
  droppedGroups = 0;
  /** The click test (docs/detector.md §7): its counters say how many short frames and averages it set aside. */
  readonly impulse: ImpulseFilter;
  /** Short frames a gated engine skipped as cold (see {@link fastGate}): never passed to onShortFrame. */
  skippedFrames = 0;
  private readonly fast: PathState;
  private readonly slow: PathState;
  /** The long path's statistics and the path state its hot bins are grouped in (the slow path's resolution). */
  private long: LongPath | null = null;
  private readonly longState: PathState;
  private longTuneId = -1;
  /** While the long path's groups are tracked: how far (samples) its hit times lie behind the current average. */
  private hitLag = 0;
  private longHit = false;
  /** While the long path's groups are tracked: how long (samples) a hit keeps its track open (see onLongFrame). */
  private longHoldSamples = 0;
  private longWindowStart = 0;
  /** The burst path: running means of the fast engine's averages, narrow and wide kernels (null until the first). */
  private burstNarrow: LongPath | null = null;
  private burstWide: LongPath | null = null;
  private readonly burstState: PathState;
  private readonly burstHot: Uint8Array;
  /**
   * The fast path's guard widened by the Hann main lobe (2 bins) on each side of every guarded run: the running DC
   * estimate's residual leaks into the bins beside the DC guard, which a single frame cannot see and tens of frames do
   * (white noise at 2.4 MS/s gave burst-path strays 14–33 kHz from the centre without it).
   */
  private readonly burstGuard: Uint8Array;
  private readonly burstStat: Float32Array;
  private burstTuneId = -1;
  /** While the burst path's groups are tracked: the first sample of the tested window. */
  private burstHit = false;
  private burstWindowStart = 0;
  /** Frames the baseline's fast and slow levels were learned from (how well each level is known). */
  private readonly levelFrames: { fast: number; slow: number };
  /** Floor tracker: smoothed median power/level ratio, the gain last applied to the thresholds, scratch. */
  private floorGain = 0;
  private floorApplied = 1;
  private readonly floorScratch: Float64Array;
  private readonly tracks: Track[];
  private readonly recent: Closed[] = [];
  private recentPos = 0;
  private nextId = 1;
  /** Tracks with `active` set (kept by openTrack/close, so frames without tracks skip the scans). */
  private activeTracks = 0;
  private readonly holdSamples: number;
  private readonly slowHoldSamples: number;
  /** The long path's kernel width in slow bins. */
  private readonly longKernelBins: number;
  /** How long a track only the fast path sees waits before its `open` (a click's span of frames). */
  private readonly clickSpanSamples: number;
  /** Span (samples) one short frame's hit gives a track: the middle half of the frame. */
  private readonly fastFrameSpan: number;
  /** Result of {@link occupiedBand} (bins of the path it was asked for). */
  private bandLo = 0;
  private bandHi = 0;
  private slowSpan = 0;
  /** The fast path's gate (see {@link fastGate}); its `code` is the classification of the frame being delivered. */
  private gate: ShortFrameGate | null = null;
  private readonly watch: EmitterWatch | null = null;
  /** Called when an appearance of a calibration emitter ends (see {@link EmitterWatch}); set before the first frame. */
  onEmitterAppearance: ((a: EmitterAppearance) => void) | null = null;

  constructor(
    baseline: Baseline,
    geometry: DetectorGeometry,
    private readonly emit: (ev: DetectionEvent) => void,
    options: Partial<DetectorOptions> = {},
  ) {
    const o: DetectorOptions = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    this.options = o;
    this.geometry = { ...geometry };
    const fp = baseline.fingerprint;
    if (fp.fftSize !== geometry.fftSize || fp.fastFftSize !== geometry.fastFftSize) {
      throw new RangeError(`baseline FFT sizes ${fp.fftSize}/${fp.fastFftSize} ≠ detector ${geometry.fftSize}/${geometry.fastFftSize}`);
    }
    const scale = geometry.fftSize / geometry.fastFftSize;
    // a baseline that lists what its calibration heard has the envelope only where something was heard
    const bands = baseline.emitters === undefined ? null : heardBins(baseline, geometry.fftSize, geometry.rateSps, geometry.centerHz, o);
    this.fast = new PathState(geometry.fastFftSize, scale, geometry.rateSps, geometry.centerHz, fp.smoothBins, fp.fastWideBins,
      baseline.fast, baseline.fastWide, o.thresholdDb, o.wideThresholdDb, o, bands);
    this.slow = new PathState(geometry.fftSize, 1, geometry.rateSps, geometry.centerHz, fp.smoothBins, fp.wideBins,
      baseline.slow, baseline.slowWide, o.slowThresholdDb, o.wideThresholdDb, o, bands);
    // the long and burst paths test noise bins only, against the learned noise level: their excess is reported over
    // that level (an all-clear mask: no envelope anywhere)
    const noEnvelope = new Uint8Array(geometry.fftSize);
    this.levelFrames = { fast: baseline.fast.frames, slow: baseline.slow.frames };
    this.longState = new PathState(geometry.fftSize, 1, geometry.rateSps, geometry.centerHz, fp.smoothBins, fp.wideBins,
      baseline.slow, baseline.slowWide, o.slowThresholdDb, o.wideThresholdDb, o, noEnvelope);
    this.burstState = new PathState(geometry.fastFftSize, scale, geometry.rateSps, geometry.centerHz, fp.smoothBins, fp.fastWideBins,
      baseline.fast, baseline.fastWide, o.thresholdDb, o.wideThresholdDb, o, noEnvelope);
    this.burstHot = new Uint8Array(geometry.fastFftSize);
    this.burstGuard = new Uint8Array(geometry.fastFftSize);
    for (let b = 0; b < this.fast.n; b++) {
      if (this.fast.guard[b] === 0) continue;
      for (let k = Math.max(0, b - 2); k <= Math.min(this.fast.n - 1, b + 2); k++) this.burstGuard[k] = 1;
    }
    this.burstStat = new Float32Array(geometry.fastFftSize);
    this.floorScratch = new Float64Array(geometry.fftSize);
    this.tracks = [];
    for (let i = 0; i < o.maxTracks; i++) this.tracks.push(new Track(i, geometry.fastFftSize, geometry.fftSize));
    for (let i = 0; i < RECENT; i++) this.recent.push({ lo: 0, hi: -1, fastEnd: -Infinity, hadFast: false, end: -Infinity });
    this.holdSamples = (o.holdMs / 1000) * geometry.rateSps;
    this.slowHoldSamples = (o.slowHoldMs / 1000) * geometry.rateSps;
    // the short frames (hop N/2) a pulse of impulseMaxMs overlaps
    const nf = geometry.fastFftSize;
    const impulseMaxFrames = Math.ceil(((o.impulseMaxMs / 1000) * geometry.rateSps + nf) / (nf / 2));
    this.impulse = new ImpulseFilter(impulseMaxFrames, (CLICK_MIN_GAP_MS / 1000) * geometry.rateSps, o.impulseBandFraction, nf);
    this.longKernelBins = Math.round(o.longKernelHz / (geometry.rateSps / geometry.fftSize));
    this.clickSpanSamples = impulseMaxFrames * (nf / 2);
    this.fastFrameSpan = nf / 2;
    const emitters = baseline.emitters ?? [];
    if (emitters.length > 0 && this.slow.enabled && baseline.slow.envelopeDb !== undefined) {
      this.watch = new EmitterWatch(emitters, geometry.fftSize, geometry.rateSps, geometry.centerHz, this.slow.driftBins,
        (lowHz, highHz, on) => {
          this.fast.setEnvelope(lowHz, highHz, on, geometry.centerHz);
          this.slow.setEnvelope(lowHz, highHz, on, geometry.centerHz);
        }, (a) => this.onEmitterAppearance?.(a), !(o.emitterLevelFollowDb > 0) ? null : {
          levelDb: baseline.slow.levelDb, envelopeDb: baseline.slow.envelopeDb, maxDb: o.emitterLevelFollowDb, onGain: (lowHz, highHz, g) => {
            this.fast.scaleBand(lowHz, highHz, g, geometry.centerHz);
            this.slow.scaleBand(lowHz, highHz, g, geometry.centerHz);
          },
        });
    }
  }

  /** The receiver's drift (ppm) measured on the calibration's steady carriers (EmitterWatch.driftPpm); null without. */
  receiverDriftPpm(): number | null {
    return this.watch === null ? null : this.watch.driftPpm();
  }

  /** What has been heard of each calibration emitter so far (empty without a baseline that lists emitters). */
  emittersHeard(): EmitterHeard[] {
    return this.watch === null ? [] : this.watch.heard();
  }

  /** Per-bin open threshold (dBFS, narrow kernel) of a path, fftshifted, for display (the UI's threshold trace). */
  thresholdDb(path: 'fast' | 'slow', out: Float32Array): void {
    const p = path === 'fast' ? this.fast : this.slow;
    for (let b = 0; b < p.n; b++) out[b] = 10 * Math.log10(p.th.openLin[b]);
  }

  /**
   * A gate for the fast path's engine ({@link SpectrumEngine.setGate}): the native classifier over `prefix` (the
   * engine's {@link SpectrumEngine.prefixSum}) with this detector's thresholds. A frame with no hot bin forms no group
   * and only lets open tracks expire, so the engine skips it and reports the run of skipped frames, for which the gate
   * does just that expiry, frame by frame (the same events in the same order); frames it delivers arrive already
   * classified. {@link skippedFrames} counts the skipped frames. Null when the native classifier is not used
   * (option off, addon missing, unusual kernel widths): then every frame must be delivered as before.
   */
  fastGate(prefix: Float64Array): ShortFrameGate | null {
    const p = this.fast;
    if (!this.options.nativeClassifier || !p.usualKernels || prefix.length !== p.n + 1) return null;
    const native = p.nativeOver(prefix);
    if (native === null) return null;
    const gate: ShortFrameGate = {
      classifier: native,
      code: -1,
      onSkipped: (count, firstSample, hop, fftSize, tuneId) => {
        this.skippedFrames += count;
        // a cold frame only lets open tracks expire (onShortFrame): the same calls, frame by frame, while any is open
        const end = firstSample + (3 * fftSize) / 4;
        for (let j = 0; j < count && this.activeTracks > 0; j++) this.expire(end + j * hop, tuneId);
      },
    };
    this.gate = gate;
    return gate;
  }

  /** Fast path: call for every short frame (fastFftSize), in order (a gated engine skips cold ones, see fastGate). */
  onShortFrame(frame: SpectrumFrame): void {
    const quarter = frame.sampleCount / 4;
    const start = frame.firstSample + quarter;
    const end = frame.firstSample + 3 * quarter;
    if (this.fast.enabled) this.processFrame(frame, this.fast, true, start, end);
    this.expire(end, frame.tuneId);
  }

  /** Slow path: call for every Welch-averaged frame (fftSize), in order with the short frames. */
  onSlowFrame(frame: SpectrumFrame): void {
    this.slowSpan = frame.sampleCount;
    if (!this.slow.enabled) return;
    const start = frame.firstSample;
    const end = start + frame.sampleCount;
    const pre = this.slowPrefix(frame);
    this.trackFloor(frame, pre);
    if (this.watch !== null) {
      // an average holding a click (set aside by the fast path) says nothing of an emitter's level
      this.watch.observe(pre, this.slow.narrow.half, this.slow.noiseFloorLin * this.floorApplied, start, end, this.floorApplied, this.impulse.lastImpulseEnd < start);
    }
    this.processFrame(frame, this.slow, false, start, end);
    this.onLongFrame(frame, start, end);
  }

  /**
   * Short frames per average the fast engine should form for {@link onMidFrame} (0: the burst path is off, or the fast
   * path has no baseline).
   */
  get burstFrames(): number {
    return this.options.burstScalesS.length > 0 && this.fast.enabled ? BURST_FRAMES : 0;
  }

  /**
   * Burst path: call for every average of {@link burstFrames} short frames (the fast engine's averages), in order with
   * the short frames. Running means of them over burstScalesS are tested like the long path's (docs/detector.md §12),
   * with the fast path's narrow and wide kernels; a hit stands for the middle half of its window, as a short frame's
   * hit stands for the middle half of the frame.
   */
  onMidFrame(frame: SpectrumFrame): void {
    const o = this.options;
    const p = this.fast;
    if (!p.enabled || o.burstScalesS.length === 0) return;
    if (this.burstNarrow === null || this.burstWide === null) {
      // averages follow one another every BURST_FRAMES hops of the fast engine
      const spacingS = (BURST_FRAMES * this.geometry.fastFftSize) / 2 / frame.rateSps;
      const kernel = (half: number) => ({
        scalesS: o.burstScalesS, kernelHz: 2 * half * p.rbwHz, openSigma: o.burstOpenSigma, releaseSigma: o.burstReleaseSigma,
        levelFrames: this.levelFrames.fast,
      });
      this.burstNarrow = new LongPath(p.n, p.rbwHz, spacingS, kernel(p.narrow.half));
      this.burstWide = new LongPath(p.n, p.rbwHz, spacingS, kernel(p.wide.half));
    }
    const narrow = this.burstNarrow;
    const wide = this.burstWide;
    if (frame.tuneId !== this.burstTuneId) {
      narrow.reset();
      wide.reset();
      this.burstTuneId = frame.tuneId;
    }
    // an average that holds a click (set aside by the fast path) would put the click into the running means
    if (this.impulse.lastImpulseEnd > frame.firstSample) return;
    narrow.push(frame.power, frame.firstSample);
    wide.push(frame.power, frame.firstSample);
    const end = frame.firstSample + frame.sampleCount;
    const b = this.burstState;
    for (let si = 0; si < narrow.scales.length; si++) {
      if (!narrow.due(si)) continue;
      let any = narrow.evaluate(si, p.noiseLin, p.noiseBin, this.burstGuard, b.hot, b.stat);
      const w = wide.evaluate(si, p.noiseLin, p.noiseBin, this.burstGuard, this.burstHot, this.burstStat);
      if (w !== 0) {
        const hot = b.hot;
        const wh = this.burstHot;
        for (let k = 0; k < p.n; k++) if ((wh[k] & 3) > (hot[k] & 3)) hot[k] = wh[k];
        any |= w;
      }
      if (any === 0) continue;
      const windowStart = narrow.windowStart(si);
      const quarter = Math.round((end - windowStart) / 4);
      this.burstHit = true;
      this.burstWindowStart = windowStart;
      this.trackGroups(frame, b, true, windowStart + quarter, end - quarter);
      this.burstHit = false;
    }
  }

  /** Current floor gain (linear) applied to every threshold (see DetectorOptions.floorTrackS). */
  get floorGainDb(): number {
    return 10 * Math.log10(this.floorApplied);
  }

  /**
   * Updates the floor estimate from a Welch average: g = median over tested bins of power/noise level, an exponential
   * mean of it over floorTrackS, and rescales the fast and slow thresholds when it moved by 0.1 dB or more. `pre` is the
   * average's prefix sum (slowPrefix), shared with the emitter watch.
   */
  private trackFloor(frame: SpectrumFrame, pre: Float64Array): void {
    const o = this.options;
    if (!(o.floorTrackS > 0)) return;
    const p = this.slow;
    const noise = p.noiseLin;
    const scratch = this.floorScratch;
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
    this.floorGain = this.floorGain === 0 ? g : this.floorGain + alpha * (g - this.floorGain);
    const max = 10 ** (o.floorTrackMaxDb / 10);
    const gain = Math.min(max, Math.max(1 / max, this.floorGain));
    if (Math.abs(10 * Math.log10(gain / this.floorApplied)) < 0.1) return;
    this.floorApplied = gain;
    this.fast.scaleFloor(gain);
    this.slow.scaleFloor(gain);
  }

  /** The prefix sum of a Welch average's power: the engine's when it made one, else computed into the slow path's. */
  private slowPrefix(frame: SpectrumFrame): Float64Array {
    const p = this.slow;
    if (frame.prefix !== undefined && frame.prefix.length === p.n + 1) return frame.prefix;
    prefixSum(frame.power, p.n, p.prefix);
    return p.prefix;
  }

  /**
   * The long path after each Welch average: adds it to the running means and, for every scale with a full window,
   * groups its hot bins as slow-path hits over this average's span (a weak link's times are known to ± the scale).
   */
  private onLongFrame(frame: SpectrumFrame, start: number, end: number): void {
    const o = this.options;
    if (o.longScalesS.length === 0) return;
    if (this.long === null) {
      this.long = new LongPath(this.slow.n, this.slow.rbwHz, frame.sampleCount / frame.rateSps, {
        scalesS: o.longScalesS, kernelHz: o.longKernelHz, openSigma: o.longOpenSigma, releaseSigma: o.longReleaseSigma,
        levelFrames: this.levelFrames.slow,
      });
    }
    const long = this.long;
    if (frame.tuneId !== this.longTuneId) {
      long.reset();
      this.longTuneId = frame.tuneId;
    }
    // an average holding a click would put the click's uneven energy into seconds of statistics: left out
    if (this.impulse.lastImpulseEnd >= start) return;
    long.push(frame.power, start);
    const p = this.longState;
    for (let si = 0; si < long.scales.length; si++) {
      if (!long.due(si)) continue;
      if (long.evaluate(si, this.slow.noiseLin, this.slow.noiseBin, this.slow.guard, p.hot, p.stat) === 0) continue;
      // a hit of scale K stands for the middle of its window: times are moved back by half the window (the energy
      // lies somewhere in it), liveness still counts from now
      const windowStart = long.windowStart(si);
      const lag = Math.round((end - windowStart) / 2);
      this.hitLag = lag;
      this.longHit = true;
      // a weak link's statistic sits near the threshold, so one test of a scale in a few may miss it: a hit keeps its
      // track open across one missed test (two test steps), so the link stays one detection
      this.longHoldSamples = 2 * long.step(si) * frame.sampleCount;
      this.longWindowStart = windowStart;
      this.trackGroups(frame, p, false, start - lag, end - lag);
      this.hitLag = 0;
      this.longHit = false;
    }
  }

  /** Closes every open track (end of a file, retune, stop). `atSample` is the first sample not analysed. */
  flush(atSample: number): void {
    this.watch?.flush();
    const tracks = this.tracks;
    for (let i = 0; i < tracks.length; i++) if (tracks[i].active) this.close(tracks[i], atSample);
  }

  /** Number of open tracks. */
  get openTracks(): number {
    return this.activeTracks;
  }

  private processFrame(frame: SpectrumFrame, p: PathState, isFast: boolean, start: number, end: number): void {
    const power = frame.power;
    const anyHot = this.classify(p, power, frame.prefix);
    // most frames hold nothing above the baseline: no groups, nothing to match (open tracks expire in onShortFrame)
    if (anyHot === 0) return;
    const impulse = this.impulse.judge(p, isFast, frame, start, end);
    if (impulse === 'skip') {
      // a track this click's leading edge opened in the frame before is the click too: dropped unreported
      if (this.activeTracks > 0) this.dropTentative(frame.firstSample);
      return;
    }
    // a frame overlapping a click holds its energy across the band: it neither opens nor extends a track (open
    // tracks bridge it with their hold)
    if (impulse === 'noOpen') return;
    this.trackGroups(frame, p, isFast, start, end);
  }

  /**
   * Groups the hot bins of p (p.hot, p.stat filled for this frame) and matches them to tracks: continues, opens (unless
   * dominated) and hits tracks. `isFast` false for slow and long-path frames.
   */
  private trackGroups(frame: SpectrumFrame, p: PathState, isFast: boolean, start: number, end: number): void {
    const n = p.n;
    const stat = p.stat;
    const hot = p.hot;
    const guard = p.guard;
    const levelLin = p.th.levelLin;
    const power = frame.power;
    // group hot bins, bridging gaps of ≤ gapBins (guard bins do not count as gap). A group's extent is that of its
    // narrow-kernel bins; a group seen only through the wide kernel is shrunk by the kernel's half width (a boxcar
    // of width 2h+1 widens a band by h on each side), so wide smearing never makes tracks swallow their neighbours.
    const gap = p.gapBins;
    const wh = p.wide.half;
    let groups = 0;
    let b = 0;
    while (b < n && groups < MAX_GROUPS) {
      if (hot[b] === 0) {
        b++;
        continue;
      }
      const lo = b;
      let hi = b;
      let nLo = -1;
      let nHi = -1;
      let open = 0;
      let peakRatio = 0;
      let peakPower = 0;
      let miss = 0;
      for (let j = b; j < n; j++) {
        const h = hot[j];
        if (h > 0) {
          hi = j;
          miss = 0;
          if ((h & 3) === 2) open = 1;
          if (h & 4) {
            if (nLo < 0) nLo = j;
            nHi = j;
          }
          const l = levelLin[j];
          if (l !== Infinity) {
            const r = stat[j] / l;
            if (r > peakRatio) peakRatio = r;
          }
          if (power[j] > peakPower) peakPower = power[j];
        } else if (guard[j] === 0) {
          miss++;
          if (miss > gap) break;
        }
      }
      let eLo = nLo;
      let eHi = nHi;
      if (nLo < 0) {
        eLo = lo + wh;
        eHi = hi - wh;
        if (eLo > eHi) eLo = eHi = (lo + hi) >> 1;
      }
      p.gLo[groups] = eLo;
      p.gHi[groups] = eHi;
      p.gMatchLo[groups] = lo;
      p.gMatchHi[groups] = hi;
      p.gNarrow[groups] = nLo < 0 ? 0 : 1;
      p.gOpen[groups] = open;
      p.gPeakRatio[groups] = peakRatio;
      p.gPeakPower[groups] = peakPower;
      groups++;
      b = hi + 1;
    }
    const s = p.scale;
    const gapFine = p.gapBins * s;
    // match every group to an open track first: the dominance test below needs to know which strong groups are
    // steady (their track was hit in the previous frame of this path) and which are transients
    const hop = end - start;
    const fullScale = 10 ** (this.options.fullScaleDbfs / 10);
    for (let gi = 0; gi < groups; gi++) {
      const wideOnly = p.gNarrow[gi] === 0;
      // a wide-kernel-only group within one kernel width of an open signal is its key-on splatter or onset
      // transient (rectangular keying spreads a sinc across the band): it belongs to that signal
      const tol = wideOnly ? gapFine + 2 * p.wide.half * s : gapFine;
      const t = this.findTrack(p.gMatchLo[gi] * s, p.gMatchHi[gi] * s + s - 1, tol);
      p.gTrack[gi] = t === null ? -1 : t.slot;
      // a new group, or one near full scale (its converter spurs may be anywhere), is a transient from the start
      let transient = t === null || p.gPeakPower[gi] >= fullScale;
      if (t !== null) {
        const lastEnd = isFast ? t.lastFastHitEnd : t.lastSlowHitEnd;
        // not hit in the previous frame of this path (onset), or 6 dB under its own peak (decay, a partial frame)
        const pathPeakDb = isFast ? t.peakFastDb : t.peakSlowDb;
        if (lastEnd < end - hop - 1 || 10 * Math.log10(p.gPeakRatio[gi]) < pathPeakDb - 6) transient = true;
      }
      p.gTransient[gi] = transient ? 1 : 0;
    }
    const domRatio = 10 ** (this.options.dominanceDb / 10);
    for (let gi = 0; gi < groups; gi++) {
      const lo = p.gLo[gi] * s;
      const hi = p.gHi[gi] * s + s - 1;
      let track = p.gTrack[gi] < 0 ? null : this.tracks[p.gTrack[gi]];
      // the long path only finds what the short paths cannot: a signal the fast path already tracks keeps its own
      // times and hold (seconds of averaging would stretch both)
      if (this.longHit && track !== null && track.fastHits > 0) continue;
      if (track === null) {
        if (p.gOpen[gi] === 0) continue; // release-level bins only continue an open signal
        if (this.dominated(p, gi, groups, domRatio)) continue; // splatter of a much stronger signal
        // a burst whose track closed inside this average (or, for the long path, inside its whole window); the long
        // path's seconds of averaging also show a strong signal's sidebands and splatter, so it opens nothing within
        // two kernel widths of a signal the short paths track or tracked in its window
        if (this.longHit) {
          const near = gapFine + 2 * this.longKernelBins;
          if (this.findTrack(lo, hi, near) !== null || this.explainedByRecent(lo, hi, this.longWindowStart, near, true)) continue;
        } else if (this.burstHit) {
          // a burst the fast path tracked and closed inside this window is still in its running mean
          if (this.explainedByRecent(lo, hi, this.burstWindowStart, gapFine)) continue;
        } else if (!isFast && this.explainedByRecent(lo, hi, start, gapFine)) continue;
        track = this.openTrack(lo, hi, frame.tuneId, start);
        if (track === null) {
          this.droppedGroups++;
          continue;
        }
      }
      this.hit(track, frame, p, isFast, lo, hi, start, end, gi);
    }
  }

  /**
   * Drops the unconfirmed fast-only tracks (opened within the last click span, so by this click's edges; no event was
   * sent for them).
   */
  private dropTentative(fromSample: number): void {
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      if (!t.active || t.confirmed || t.slowHits > 0) continue;
      this.close(t, fromSample);
    }
  }

  /**
   * The skirt of a signal of `excessDb` over the baseline and `widthBins` occupied bins, in bins of path p on each
   * side of its band: one occupied bandwidth (modulation sidebands, spectral regrowth) plus the offset where the
   * receiver's reciprocal-mixing noise, phaseNoiseDbcHz at 1 kHz falling 20 dB/decade, integrated over one bin,
   * drops under the path's smallest open threshold T: f = 1 kHz · 10^((E + PN + 10·log10(RBW) − T) / 20); plus the
   * gap bridge. docs/detector.md "Splatter and skirts".
   */
  private skirtBins(p: PathState, excessDb: number, widthBins: number): number {
    const pnDb = excessDb + this.options.phaseNoiseDbcHz + 10 * Math.log10(p.rbwHz) - p.minOpenDb;
    const pnHz = 1000 * 10 ** (pnDb / 20);
    return widthBins + Math.ceil(pnHz / p.rbwHz) + p.gapBins;
  }

  /**
   * True when group gi (no open track) is at least dominanceDb weaker than a signal whose splatter it can be: a
   * transient group of the same frame anywhere in the band, or a steady group or open track within its skirt.
   */
  private dominated(p: PathState, gi: number, groups: number, domRatio: number): boolean {
    const ratio = p.gPeakRatio[gi];
    const need = ratio * domRatio;
    // occupied extents (narrow-kernel bins, or the wide kernel's run shrunk by its half width), not the wide kernel's smear
    const glo = p.gLo[gi];
    const ghi = p.gHi[gi];
    for (let gj = 0; gj < groups; gj++) {
      if (gj === gi || p.gPeakRatio[gj] < need) continue;
      if (p.gTransient[gj]) return true;
      const d = Math.max(0, glo - p.gHi[gj], p.gLo[gj] - ghi);
      if (d <= this.skirtBins(p, 10 * Math.log10(p.gPeakRatio[gj]), p.gHi[gj] - p.gLo[gj] + 1)) return true;
    }
    if (this.activeTracks === 0) return false;
    const s = p.scale;
    const needDb = 10 * Math.log10(need);
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      const peakDb = p === this.fast ? t.peakFastDb : t.peakSlowDb;
      if (!t.active || peakDb < needDb) continue;
      if (t.peakPowerDbfs >= this.options.fullScaleDbfs) return true; // its converter spurs may be anywhere
      // the track's occupied band (its extent also holds the key-on splatter of its first frames), on this path
      const own = t.slowHits > 0 ? this.slow : this.fast;
      this.occupiedBand(t, own, own === this.slow ? t.accSlow : t.accFast, own === this.slow ? t.cntSlow : t.cntFast);
      const tlo = Math.floor((this.bandLo * own.scale) / s);
      const thi = Math.floor((this.bandHi * own.scale + own.scale - 1) / s);
      const d = Math.max(0, glo - thi, tlo - ghi);
      if (d <= this.skirtBins(p, peakDb, thi - tlo + 1)) return true;
    }
    return false;
  }

  /**
   * Computes both kernels' statistics (the narrow one stored in p.stat when any bin is hot) and the hot code of every bin (p.hot: low 2 bits
   * the level, 2 = open, 1 = release; bit 2 = hot on the narrow kernel) in one pass over a prefix sum of the frame.
   * The wide kernel only ever opens (no release level): its many-bin average would let noise continue a track.
   * @returns the OR of all hot codes (0 when no bin is hot).
   */
  private classify(p: PathState, power: Float32Array, prefix: Float64Array | undefined): number {
    const n = p.n;
    const stat = p.stat;
    const wide = p.statWide;
    const hot = p.hot;
    const openLin = p.th.openLin;
    const releaseLin = p.th.releaseLin;
    const wOpen = p.thWide.openLin;
    const hN = p.narrow.half;
    const hW = p.wide.half;
    let any = 0;
    if (!p.usualKernels) {
      // unusual kernels (a 1-bin kernel copies the power): the general smoother, then the classification
      p.narrow.applyPair(power, stat, p.wide, wide);
      for (let b = 0; b < n; b++) any |= hot[b] = hotCode(stat[b], wide[b], openLin[b], releaseLin[b], wOpen[b]);
      return any;
    }
    const gate = this.gate;
    if (gate !== null && gate.code >= 0 && p === this.fast && prefix === p.nativePrefix) {
      // the gated engine's kernel classified this frame already
      const code = gate.code;
      gate.code = -1;
      return code;
    }
    if (prefix !== undefined && prefix.length === n + 1 && this.options.nativeClassifier) {
      const native = p.nativeOver(prefix);
      if (native !== null) return native.run();
    }
    // the engine's prefix sum when it made one (the same values), else our own
    let pre = prefix;
    if (pre === undefined || pre.length !== n + 1) {
      pre = p.prefix;
      prefixSum(power, n, pre);
    }
    const edge = hW < n ? hW : n;
    // edge bins (the wide kernel, and maybe the narrow one, runs off the band)
    for (let b = 0; b < edge; b++) {
      const v = (stat[b] = smoothedAt(pre, n, hN, b));
      const w = (wide[b] = smoothedAt(pre, n, hW, b));
      any |= hot[b] = hotCode(Math.fround(v), Math.fround(w), openLin[b], releaseLin[b], wOpen[b]);
    }
    // interior: both kernels whole; the same expressions as statistic.ts smoothedAt (· 1/(2h+1), clamp, float32
    // value). Most bins are below both the release and the wide open level: two compares, and the statistics are not
    // stored (the narrow one is recomputed below for frames that have hot bins)
    const invN = 1 / (2 * hN + 1);
    const invW = 1 / (2 * hW + 1);
    for (let b = hW; b < n - hW; b++) {
      const xn = (pre[b + hN + 1] - pre[b - hN]) * invN;
      const xw = (pre[b + hW + 1] - pre[b - hW]) * invW;
      const v = Math.fround(xn > 0 ? xn : 0);
      const w = Math.fround(xw > 0 ? xw : 0);
      if (v > releaseLin[b] || w > wOpen[b]) {
        const x = hotCode(v, w, openLin[b], releaseLin[b], wOpen[b]);
        hot[b] = x;
        any |= x;
      } else {
        hot[b] = 0;
      }
    }
    for (let b = Math.max(edge, n - hW); b < n; b++) {
      const v = (stat[b] = smoothedAt(pre, n, hN, b));
      const w = (wide[b] = smoothedAt(pre, n, hW, b));
      any |= hot[b] = hotCode(Math.fround(v), Math.fround(w), openLin[b], releaseLin[b], wOpen[b]);
    }
    if (any !== 0) smoothInterior(pre, n, hN, hW, stat);
    return any;
  }

  /** The open track nearest to [lo, hi] (fine bins) within `gap` bins (the oldest of equally near ones), or null. */
  private findTrack(lo: number, hi: number, gap: number): Track | null {
    let found: Track | null = null;
    let foundD = Infinity;
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      if (!t.active) continue;
      // once a track has steady hits, only they locate it: its onset splatter must not capture its neighbours
      const steady = t.steadyHi >= t.steadyLo;
      const tlo = steady ? t.steadyLo : t.lo;
      const thi = steady ? t.steadyHi : t.hi;
      if (lo <= thi + gap && hi >= tlo - gap) {
        const d = Math.max(0, lo - thi, tlo - hi);
        if (found === null || d < foundD || (d === foundD && t.id < found.id)) {
          found = t;
          foundD = d;
        }
      }
    }
    return found;
  }

  /**
   * Whether a recently closed track explains a group over [lo, hi] (fast bins, ± gap) in a window from `windowStart`:
   * with `anyPath` false a track the fast path hit inside the window (a burst inside a Welch average); with `anyPath`
   * true any track hit inside it (the long path's window still holds a link the short paths reported and closed).
   */
  private explainedByRecent(lo: number, hi: number, windowStart: number, gap: number, anyPath = false): boolean {
    for (const c of this.recent) {
      const last = anyPath ? c.end : c.hadFast ? c.fastEnd : -Infinity;
      if (last >= windowStart && lo <= c.hi + gap && hi >= c.lo - gap) return true;
    }
    return false;
  }

  private openTrack(lo: number, hi: number, tuneId: number, start: number): Track | null {
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      if (t.active) continue;
      t.reset();
      t.active = true;
      this.activeTracks++;
      t.id = this.nextId++;
      t.lo = lo;
      t.hi = hi;
      t.tuneId = tuneId;
      t.fastStart = Infinity;
      t.slowStart = Infinity;
      t.fastEnd = -Infinity;
      t.slowEnd = -Infinity;
      t.aliveUntil = start;
      t.lastUpdateS = start / this.geometry.rateSps;
      return t;
    }
    return null;
  }

  private hit(
    t: Track, frame: SpectrumFrame, p: PathState, isFast: boolean,
    lo: number, hi: number, start: number, end: number, gi: number,
  ): void {
    // read the group's peaks here (passing them as arguments boxed two doubles per call: measured by the bench)
    const peakRatio = p.gPeakRatio[gi];
    const peakPower = p.gPeakPower[gi];
    if (lo < t.lo) t.lo = lo;
    if (hi > t.hi) t.hi = hi;
    if (p.gTransient[gi] === 0) {
      if (lo < t.steadyLo) t.steadyLo = lo;
      if (hi > t.steadyHi) t.steadyHi = hi;
    }
    const s = p.scale;
    const margin = 2 * p.gapBins + p.narrow.half;
    const a = Math.max(0, Math.floor(t.lo / s) - margin);
    const z = Math.min(p.n - 1, Math.floor(t.hi / s) + margin);
    accumulateExcess(isFast ? t.accFast : t.accSlow, isFast ? t.cntFast : t.cntSlow, p.stat, p.th.levelLin, a, z);
    if (peakRatio > 0) {
      const exDb = 10 * Math.log10(peakRatio);
      if (exDb > t.peakExcessDb) t.peakExcessDb = exDb;
      if (isFast) {
        if (exDb > t.peakFastDb) t.peakFastDb = exDb;
      } else if (exDb > t.peakSlowDb) t.peakSlowDb = exDb;
    }
    const pDb = 10 * Math.log10(peakPower + 1e-30);
    if (pDb > t.peakPowerDbfs) t.peakPowerDbfs = pDb;
    if (isClipping(frame.clipFraction, this.options.overloadClipFraction)) t.overload = true;
    // packets: runs of fast hits separated by at least two frames without one (a one-frame dip inside a burst is
    // noise, not a gap); a track only the slow path sees counts runs of averages instead
    if (isFast) {
      if (t.lastFastHitEnd < start - (end - start) - 1) t.packets++;
      t.lastFastHitEnd = end;
    } else {
      if (t.fastHits === 0 && t.lastSlowHitEnd < start - 1) t.packets++;
      t.lastSlowHitEnd = end;
    }
    if (isFast) {
      t.fastHits++;
      if (start < t.fastStart) t.fastStart = start;
      if (end > t.fastEnd) t.fastEnd = end;
      if (end > t.aliveUntil) t.aliveUntil = end;
    } else {
      const explained = t.fastHits > 0 && t.fastEnd >= start;
      t.slowHits++;
      if (!explained) {
        if (start < t.slowStart) t.slowStart = start;
        if (end > t.slowEnd) t.slowEnd = end;
      }
      // slow evidence arrives one window late, and a weak continuous signal's averages dip under the release
      // level now and then: every slow hit keeps the track open for slowHoldMs (at least one window), so one
      // transmission stays one track; its times still come from the hits themselves
      if (this.longHit) t.longHits++;
      const hold = Math.max(this.slowSpan, this.slowHoldSamples, this.longHit ? this.longHoldSamples : 0);
      const until = end + this.hitLag + hold;
      if (until > t.aliveUntil) t.aliveUntil = until;
    }
    const rate = this.geometry.rateSps;
    if (!t.confirmed) {
      // a track only the fast path has seen, for less than a click can last, waits (see expire): the next frames may
      // reveal it as a click's edge
      if (t.slowHits > 0 || t.fastEnd - t.fastStart >= this.clickSpanSamples) this.confirm(t);
    } else {
      const nowS = this.endOf(t) / rate;
      if (nowS - t.lastUpdateS >= this.options.updateIntervalS) {
        t.lastUpdateS = nowS;
        this.emit(this.event('update', t, this.endOf(t)));
      }
    }
  }

  /**
   * True when dropDcCentred is set and the track's band (± the gap) touches the DC guard: a signal on the tuning
   * centre is only partly visible around the guard, with a wrong centre; the overlapping hop sees it whole.
   */
  private dcCentred(t: Track): boolean {
    if (!this.options.dropDcCentred) return false;
    const n = this.slow.n;
    const guardBins = Math.max(1, Math.ceil(this.options.dcGuardHz / this.slow.rbwHz));
    const gap = this.slow.gapBins;
    return t.lo - gap <= n / 2 + guardBins && t.hi + gap >= n / 2 - guardBins;
  }

  /** Sends a track's `open` once it lasts minDurationMs and is not DC-centred. */
  private confirm(t: Track): void {
    const rate = this.geometry.rateSps;
    if ((this.endOf(t) - this.startOf(t)) / rate >= this.options.minDurationMs / 1000 && !this.dcCentred(t)) {
      t.confirmed = true;
      t.lastUpdateS = this.endOf(t) / rate;
      this.emit(this.event('open', t, undefined));
    }
  }

  private startOf(t: Track): number {
    return Math.min(t.fastStart, t.slowStart);
  }

  private endOf(t: Track): number {
    return Math.max(t.fastEnd, t.slowEnd);
  }

  private expire(now: number, tuneId: number): void {
    if (this.activeTracks === 0) return;
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      if (!t.active) continue;
      if ((this.options.closeOnRetune && t.tuneId !== tuneId) || now - t.aliveUntil > this.holdSamples) this.close(t, now);
      // no click came; a fast-only track must also span more than one short frame (a single 8-bit frame's statistic
      // has a heavier tail than its χ² model: one-frame blips at the threshold are the commonest stray on real
      // recordings, and no transmission of interest is shorter than two frames)
      else if (!t.confirmed && now - t.fastStart >= this.clickSpanSamples && (t.slowHits > 0 || t.fastEnd - t.fastStart > this.fastFrameSpan)) this.confirm(t);
    }
  }

  private close(t: Track, _now: number): void {
    t.active = false;
    this.activeTracks--;
    const r = this.recent[this.recentPos];
    this.recentPos = (this.recentPos + 1) % RECENT;
    r.lo = t.lo;
    r.hi = t.hi;
    r.fastEnd = t.fastEnd;
    r.hadFast = t.fastHits > 0;
    r.end = this.endOf(t);
    if (!t.confirmed) return;
    this.emit(this.event('close', t, this.endOf(t)));
  }

  /**
   * Builds an event; occupied band from the −X dB points (X = bandwidthDropDb, at most half the peak in dB)
   * of the track's mean excess spectrum — the slow path's when it has one (finer bins), else the fast path's —
   * not from threshold crossings (docs/field-notes.md §14); centre = excess-weighted centroid over that band.
   */
  /**
   * The occupied band of track t on path p (bins of p) into {@link bandLo}/{@link bandHi}: from the peak of its mean
   * excess spectrum (acc/cnt) out to the −X dB points (X = bandwidthDropDb, at most half the peak in dB), bridging
   * gaps of gapBins; t's whole extent when the path has no excess yet.
   */
  private occupiedBand(t: Track, p: PathState, acc: Float64Array, cnt: Float64Array): void {
    const n = p.n;
    const s = p.scale;
    const tlo = Math.floor(t.lo / s);
    const thi = Math.floor(t.hi / s);
    let peakB = -1;
    let peak = 0;
    for (let b = tlo; b <= thi; b++) {
      if (cnt[b] === 0) continue;
      const m = acc[b] / cnt[b];
      if (m > peak) {
        peak = m;
        peakB = b;
      }
    }
    if (peakB < 0) {
      this.bandLo = tlo;
      this.bandHi = thi;
      return;
    }
    const peakDb = 10 * Math.log10(peak);
    const floor = 10 ** (Math.max(peakDb - this.options.bandwidthDropDb, peakDb / 2) / 10);
    const gap = p.gapBins;
    let lo = peakB;
    let miss = 0;
    for (let b = peakB - 1; b >= 0; b--) {
      if (p.guard[b]) continue;
      if (cnt[b] > 0 && acc[b] / cnt[b] >= floor) {
        lo = b;
        miss = 0;
      } else if (++miss > gap) break;
    }
    let hi = peakB;
    miss = 0;
    for (let b = peakB + 1; b < n; b++) {
      if (p.guard[b]) continue;
      if (cnt[b] > 0 && acc[b] / cnt[b] >= floor) {
        hi = b;
        miss = 0;
      } else if (++miss > gap) break;
    }
    this.bandLo = lo;
    this.bandHi = hi;
  }

  private event(kind: DetectionEvent['kind'], t: Track, endSample: number | undefined): DetectionEvent {
    const useSlow = t.slowHits > 0;
    const p = useSlow ? this.slow : this.fast;
    const acc = useSlow ? t.accSlow : t.accFast;
    const cnt = useSlow ? t.cntSlow : t.cntFast;
    const n = p.n;
    const s = p.scale;
    this.occupiedBand(t, p, acc, cnt);
    const lo = this.bandLo;
    const hi = this.bandHi;
    const g = this.geometry;
    const binToHz = (b: number) => g.centerHz + ((b - n / 2) * g.rateSps) / n;
    const lowHz = binToHz(lo) - p.rbwHz / 2;
    const highHz = binToHz(hi) + p.rbwHz / 2;
    // centre: power-weighted centroid of the excess (mean − 1, linear) over the occupied band
    let wsum = 0;
    let fsum = 0;
    for (let b = lo; b <= hi; b++) {
      if (cnt[b] === 0 || p.guard[b]) continue;
      const e = acc[b] / cnt[b] - 1;
      if (e <= 0) continue;
      wsum += e;
      fsum += e * b;
    }
    const centerHz = wsum > 0 ? binToHz(fsum / wsum) : (lowHz + highHz) / 2;
    const paths: ('fast' | 'slow' | 'long')[] = [];
    if (t.fastHits > 0) paths.push('fast');
    if (t.slowHits > t.longHits) paths.push('slow');
    if (t.longHits > 0) paths.push('long');
    const ev: DetectionEvent = {
      kind,
      id: t.id,
      centerHz,
      bandwidthHz: highHz - lowHz,
      lowHz,
      highHz,
      peakExcessDb: t.peakExcessDb,
      peakPowerDbfs: t.peakPowerDbfs,
      startS: this.startOf(t) / g.rateSps,
      paths,
      overload: t.overload,
      tuneId: t.tuneId,
      packets: t.packets,
    };
    if (endSample !== undefined) ev.endS = endSample / g.rateSps;
    return ev;
  }
}
