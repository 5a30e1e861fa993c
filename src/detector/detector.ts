// Detector: the public façade over the detector's paths (fast short frames, slow Welch averages, long and burst
// integration; docs/detector.md). A frame's bins are classified (classify.ts), the click test judges it (impulse.ts),
// its hot bins become groups (groups.ts) and tracks (tracker.ts, with dominance.ts and events.ts); the long and burst
// paths' running means are in integration.ts, the floor tracker in floor-tracker.ts.
import type { Baseline } from '../baseline/baseline.js';
import type { ShortFrameGate, SpectrumFrame } from '../spectrum/frames.js';
import type { DetectionEvent } from '../types.js';
import { prefixSum } from '../spectrum/statistic.js';
import { classifyFrame } from './classify.js';
import { EmitterWatch, type EmitterAppearance, type EmitterHeard } from './emitter-watch.js';
import { FloorTracker } from './floor-tracker.js';
import { ImpulseFilter } from './impulse.js';
import { BURST_FRAMES, BurstIntegration, LongIntegration } from './integration.js';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorGeometry, type DetectorOptions } from './options.js';
import { ENVELOPE_SKIRT_BINS, heardBins, PathState, spreadMask } from './path-state.js';
import { skirtBins } from './dominance.js';
import { Tracker } from './tracker.js';

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
  /** The click test (docs/detector.md §7): its counters say how many short frames and averages it set aside. */
  readonly impulse: ImpulseFilter;
  /** Short frames a gated engine skipped as cold (see {@link fastGate}): never passed to onShortFrame. */
  skippedFrames = 0;
  private readonly fast: PathState;
  private readonly slow: PathState;
  /** Tracks, their matching, hits and events (tracker.ts). */
  private readonly tracker: Tracker;
  /** The long and burst paths (integration.ts). */
  private readonly long: LongIntegration;
  private readonly burst: BurstIntegration;
  /** Follows the noise floor and rescales the fast and slow thresholds (floor-tracker.ts). */
  private readonly floor: FloorTracker;
  /** The fast path's gate (see {@link fastGate}); its `code` is the classification of the frame being delivered. */
  private gate: ShortFrameGate | null = null;
  private readonly watch: EmitterWatch | null = null;
  /** Called when an appearance of a calibration emitter ends (see {@link EmitterWatch}); set before the first frame. */
  onEmitterAppearance: ((a: EmitterAppearance) => void) | null = null;

  constructor(
    baseline: Baseline,
    geometry: DetectorGeometry,
    emit: (ev: DetectionEvent) => void,
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
    const longState = new PathState(geometry.fftSize, 1, geometry.rateSps, geometry.centerHz, fp.smoothBins, fp.wideBins,
      baseline.slow, baseline.slowWide, o.slowThresholdDb, o.wideThresholdDb, o, noEnvelope);
    const burstState = new PathState(geometry.fastFftSize, scale, geometry.rateSps, geometry.centerHz, fp.smoothBins, fp.fastWideBins,
      baseline.fast, baseline.fastWide, o.thresholdDb, o.wideThresholdDb, o, noEnvelope);
    // the short frames (hop N/2) a pulse of impulseMaxMs overlaps
    const nf = geometry.fastFftSize;
    const impulseMaxFrames = Math.ceil(((o.impulseMaxMs / 1000) * geometry.rateSps + nf) / (nf / 2));
    this.impulse = new ImpulseFilter(impulseMaxFrames, geometry.rateSps, o.impulseBandFraction, nf);
    // a calibration's emitters are the site's background; a recording learned from itself lists its own transmissions
    // as emitters, and those are what it is searched for
    const calibrated = baseline.slow.envelopeDb !== undefined;
    this.tracker = new Tracker(this.fast, this.slow, this.geometry, o, impulseMaxFrames * (nf / 2), emit,
      calibrated ? baseline.emitters ?? [] : []);
    this.long = new LongIntegration(this.slow, longState, this.tracker, o, baseline.slow.frames);
    // the burst path tests the fast path's noise bins, except where it opened during the calibration (widened by the
    // wide kernel's half width, the drift tolerance and the window's skirt); a calibration without that record leaves
    // it off
    let burstBins: Uint8Array | null = this.fast.noiseBin;
    if (calibrated) {
      if (baseline.burstHeard === undefined || baseline.burstHeard.length !== nf) burstBins = null;
      else {
        // marks on an emitter's own bins (no noise bins: its kernels are never tested) widen nothing
        const noise = this.fast.noiseBin;
        const marks = Uint8Array.from(baseline.burstHeard, (v, b) => v & noise[b]);
        const heard = spreadMask(marks, 1, nf, this.fast.wide.half + this.fast.driftBins + ENVELOPE_SKIRT_BINS);
        burstBins = Uint8Array.from(noise, (v, b) => (heard[b] === 0 ? v : 0));
      }
    }
    this.burst = new BurstIntegration(this.fast, burstState, this.tracker, o, nf, baseline.fast.frames, burstBins);
    if (burstBins !== null && o.burstScalesS.length > 0) {
      this.tracker.burstWindow = Math.round(Math.max(...o.burstScalesS) * geometry.rateSps);
      this.tracker.burstCompanionWindow = 2 * this.tracker.burstWindow;
    }
    this.floor = new FloorTracker(this.fast, this.slow, o);
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
      // the long path keeps off an intermittent emitter's skirt (one bandwidth, reciprocal mixing, the gap) while the
      // emitter is in its window: its keying splatter is in the averages (its kernels then reach half a kernel past)
      const rbw = geometry.rateSps / geometry.fftSize;
      const pads = Int32Array.from(emitters, (e) => {
        const width = Math.max(1, Math.ceil((e.highHz - e.lowHz) / rbw) + 1);
        return skirtBins(this.slow, e.peakExcessDb, width, o.phaseNoiseDbcHz);
      });
      const watch = this.watch;
      this.tracker.emitterHeardNear = (lo, hi, since) => watch.heardNear(lo, hi, since, pads);
    }
  }

  /** Groups ignored because every track slot was busy (should stay 0). */
  get droppedGroups(): number {
    return this.tracker.droppedGroups;
  }

  /** The receiver's drift (ppm) measured on the calibration's steady carriers (EmitterWatch.driftPpm); null without. */
  receiverDriftPpm(): number | null {
    return this.watch === null ? null : this.watch.driftPpm();
  }

  /**
   * The slow path's noise bins (a copy; fftshifted, fftSize bins): 1 where the baseline shows noise and calibration
   * heard nothing (docs/detector.md §3), the part of the band where the long path tests.
   */
  slowNoiseBins(): Uint8Array {
    return this.slow.noiseBin.slice();
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
    const tracker = this.tracker;
    const gate: ShortFrameGate = {
      classifier: native,
      code: -1,
      onSkipped: (count, firstSample, hop, fftSize, tuneId) => {
        this.skippedFrames += count;
        // a cold frame only lets open tracks expire (onShortFrame): the same calls, frame by frame, while any is open
        const end = firstSample + (3 * fftSize) / 4;
        for (let j = 0; j < count && tracker.active > 0; j++) tracker.expire(end + j * hop, tuneId);
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
    this.tracker.expire(end, frame.tuneId);
  }

  /** Slow path: call for every Welch-averaged frame (fftSize), in order with the short frames. */
  onSlowFrame(frame: SpectrumFrame): void {
    this.tracker.slowSpan = frame.sampleCount;
    if (!this.slow.enabled) return;
    const start = frame.firstSample;
    const end = start + frame.sampleCount;
    const pre = this.slowPrefix(frame);
    this.floor.update(frame, pre);
    if (this.watch !== null) {
      // an average holding a click (set aside by the fast path) says nothing of an emitter's level
      const gain = this.floor.applied;
      this.watch.observe(pre, this.slow.narrow.half, this.slow.noiseFloorLin * gain, start, end, gain, this.impulse.lastImpulseEnd < start);
    }
    this.processFrame(frame, this.slow, false, start, end);
    this.long.onAverage(frame, start, end, this.impulse.lastImpulseEnd);
  }

  /**
   * Short frames per average the fast engine should form for {@link onMidFrame} (0: the burst path is off, or the fast
   * path has no baseline).
   */
  get burstFrames(): number {
    return this.options.burstScalesS.length > 0 && this.fast.enabled && this.burst.armed ? BURST_FRAMES : 0;
  }

  /**
   * Burst path: call for every average of {@link burstFrames} short frames (the fast engine's averages), in order with
   * the short frames. Running means of them over burstScalesS are tested like the long path's (docs/detector.md §12),
   * with the fast path's narrow and wide kernels; a hit stands for the middle half of its window, as a short frame's
   * hit stands for the middle half of the frame (integration.ts).
   */
  onMidFrame(frame: SpectrumFrame): void {
    this.burst.onAverage(frame, this.impulse.lastImpulseEnd);
  }

  /** Current floor gain (dB) applied to every threshold (see DetectorOptions.floorTrackS). */
  get floorGainDb(): number {
    return 10 * Math.log10(this.floor.applied);
  }

  /** The prefix sum of a Welch average's power: the engine's when it made one, else computed into the slow path's. */
  private slowPrefix(frame: SpectrumFrame): Float64Array {
    const p = this.slow;
    if (frame.prefix !== undefined && frame.prefix.length === p.n + 1) return frame.prefix;
    prefixSum(frame.power, p.n, p.prefix);
    return p.prefix;
  }

  /** Closes every open track (end of a file, retune, stop). `atSample` is the first sample not analysed. */
  flush(atSample: number): void {
    this.watch?.flush();
    this.tracker.closeAll();
  }

  /** Number of open tracks. */
  get openTracks(): number {
    return this.tracker.active;
  }

  /** A short frame or Welch average of path p over samples [start, end]: classify, the click test, then the tracker. */
  private processFrame(frame: SpectrumFrame, p: PathState, isFast: boolean, start: number, end: number): void {
    const anyHot = this.classify(p, frame.power, frame.prefix);
    // most frames hold nothing above the baseline: no groups, nothing to match (open tracks expire in onShortFrame)
    if (anyHot === 0) return;
    const impulse = this.impulse.judge(p, isFast, frame, start, end);
    if (impulse === 'skip') {
      // a track this click's leading edge opened in the frame before is the click too: dropped unreported
      if (this.tracker.active > 0) this.tracker.dropTentative();
      return;
    }
    // a frame overlapping a click holds its energy across the band: it neither opens nor extends a track (open
    // tracks bridge it with their hold)
    if (impulse === 'noOpen') return;
    this.tracker.trackGroups(frame, p, isFast, start, end);
  }

  /**
   * The hot codes of a frame of path p (classify.ts); a frame the fast engine's gate delivered arrives classified by
   * the gate's kernel already.
   * @returns the OR of all hot codes (0 when no bin is hot).
   */
  private classify(p: PathState, power: Float32Array, prefix: Float64Array | undefined): number {
    const gate = this.gate;
    if (p.usualKernels && gate !== null && gate.code >= 0 && p === this.fast && prefix === p.nativePrefix) {
      const code = gate.code;
      gate.code = -1;
      return code;
    }
    return classifyFrame(p, power, prefix, this.options.nativeClassifier);
  }
}
