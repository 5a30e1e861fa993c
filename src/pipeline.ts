// The pipeline shared by replay, calibrate, the live sensors and every hop of a scan: source → spectrum → baseline →
// detector.
import { SpectrumEngine } from './spectrum/spectrum-engine.js';
import type { SpectrumFrame, SpectrumOptions, SpectrumSink } from './spectrum/frames.js';
import { BaselineLearner } from './baseline/learner.js';
import { measureNoiseShapes } from './baseline/noise-shape.js';
import { checkFingerprint, type Baseline, type BaselineFingerprint } from './baseline/baseline.js';
import { Detector } from './detector/detector.js';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from './detector/options.js';
import { BURST_FRAMES, BurstHeardLearner } from './detector/integration.js';
import type { EmitterAppearance } from './detector/emitter-watch.js';
import { backgroundBins, type Region } from './spectrum/band-plan.js';
import { DEFAULT_SETTLE_SAMPLES, type DetectionEvent, type IqBlock, type IqSource, type IqSourceInfo } from './types.js';
import { ClipMeter, OVERLOAD_CLIP_FRACTION, type ClipSummary } from './spectrum/overload.js';

/** Spectrum + detector settings of one pipeline run. */
export interface PipelineOptions {
  /** Slow path (Welch) spectrum: FFT size, window, average, DC removal. */
  spectrum: SpectrumOptions;
  /** Fast path FFT size (short frames). Default fftSize/4 (at least 16). */
  fastFftSize: number;
  /** Fast path wide kernel width (bins). Default fastFftSize/16 + 1. */
  fastWideBins: number;
  /** Narrow frequency smoothing width in bins (odd). Default 3. */
  smoothBins: number;
  /** Wide smoothing width in bins (odd). Default fftSize/16 + 1. */
  wideBins: number;
  /** Band plan for envelope baselines in background bands ('none' disables). Default 'CN'. */
  bandPlan: Region | 'none';
  detector: Partial<DetectorOptions>;
}

// the default lives in types.ts, which the CLI's help loads at every start without the pipeline
export { DEFAULT_SETTLE_SAMPLES };

/** Default fast-path FFT size: a quarter of the slow FFT size (at least 16). */
export function defaultFastFftSize(fftSize: number): number {
  return Math.max(16, fftSize >> 2);
}

/** Default number of short frames per Welch average: the count spanning ≈ 100 ms at 50 % overlap (at least 4). */
export function defaultAverage(rateSps: number, fftSize: number): number {
  return Math.max(4, Math.round((0.1 * rateSps) / (fftSize / 2)));
}

/** Kind of source from its label: `rtlsdr:…` → 'rtlsdr', `rtltcp:…` → 'rtltcp', `soapy:…` → 'soapy', `sim…` → 'sim', else 'file'. */
export function sourceKind(info: IqSourceInfo): string {
  const m = /^(rtlsdr|rtltcp|soapy|sim)\b/.exec(info.label);
  return m ? m[1] : 'file';
}

/** The fingerprint of a source analysed with these settings. */
export function fingerprintOf(info: IqSourceInfo, opts: PipelineOptions): BaselineFingerprint {
  const fp: BaselineFingerprint = {
    centerHz: info.centerHz,
    rateSps: info.rateSps,
    fftSize: opts.spectrum.fftSize,
    fastFftSize: opts.fastFftSize,
    fastWideBins: opts.fastWideBins,
    window: opts.spectrum.window,
    average: opts.spectrum.average,
    smoothBins: opts.smoothBins,
    wideBins: opts.wideBins,
    bandPlan: opts.bandPlan,
    dcRemoval: opts.spectrum.dcRemoval,
    source: sourceKind(info),
  };
  if (info.gainDb !== undefined) fp.gainDb = info.gainDb;
  if (info.ppm !== undefined) fp.ppm = info.ppm;
  if (info.deviceId !== undefined) fp.deviceId = info.deviceId;
  return fp;
}

/** Statistics of a pass over a source. */
export interface PassStats {
  samples: number;
  shortFrames: number;
  slowFrames: number;
  /** Largest block clip fraction seen. */
  maxClipFraction: number;
  /** Clipping over every block read (overall and largest fraction, seconds in clipping blocks); see spectrum/overload.ts. */
  clip: ClipSummary;
  wallMs: number;
}

/** Hooks a pass reports to (progress bars, live spectrum taps). */
export interface PassHooks {
  /** Called after each block with the number of samples processed so far. */
  onProgress?: (samples: number) => void;
  /** Called with every slow frame after the detector saw it (e.g. to publish a spectrum). */
  onSlowFrame?: (frame: SpectrumFrame) => void;
  /** Stop after this many samples (e.g. `--baseline-seconds`). */
  maxSamples?: number;
  /**
   * Samples discarded at the start of the stream before anything is analysed: start-up transients and stale buffers
   * (docs/field-notes.md §2). Default {@link DEFAULT_SETTLE_SAMPLES}, as rtl_power's one 4096-byte read thrown away.
   */
  settleSamples?: number;
  /**
   * Where the slow path's Welch averages come from: by default the chain's own engine ({@link slowEngineFor}); a
   * {@link SlowFrameSource} fed by another thread gives the same frames at the same points of the stream.
   */
  slowFrames?: SlowFrameSource;
}

/**
 * What the analysis chain asks of its slow path: a {@link SpectrumEngine} or a stand-in that delivers the same Welch
 * averages computed elsewhere (a worker thread running the engine over the same blocks, cli/replay-threads.ts).
 */
export type SlowFrameSource = Pick<SpectrumEngine, 'hop' | 'nextSlowFrameEnd' | 'push'>;

/**
 * The analysis of one tuning: the fast engine (short frames, and the burst path's averages of a few), the slow engine
 * (Welch averages), and the baseline learner or the detector they feed, interleaved in time. Replay, calibration, the
 * live sensors and every hop of a scan build theirs here, so each runs the same engines, frame selector (learning)
 * and fast gate (detecting). Allocation-free per block.
 */
export class AnalysisChain {
  readonly fast: SpectrumEngine;
  readonly slow: SlowFrameSource;
  readonly learner: BaselineLearner | null;
  readonly detector: Detector | null;
  /**
   * While learning a calibration with the burst path on: what the burst path would have opened on
   * ({@link BurstHeardLearner}), fed by its own engine's averages of every short frame (the learner's engine skips
   * most of them). Null otherwise.
   */
  readonly burstHeard: BurstHeardLearner | null = null;
  private readonly burstEngine: SpectrumEngine | null = null;
  private readonly burstSink: SpectrumSink | null = null;
  /** Short frames the fast path computed, and Welch averages formed, so far. */
  shortFrames = 0;
  slowFrames = 0;
  private readonly fastSink: SpectrumSink;
  private readonly slowSink: SpectrumSink;

  private constructor(fast: SpectrumEngine, slow: SlowFrameSource, learner: BaselineLearner | null, detector: Detector | null,
    onSlowFrame: ((f: SpectrumFrame) => void) | undefined, burst?: { engine: SpectrumEngine; learner: BurstHeardLearner }) {
    this.fast = fast;
    this.slow = slow;
    this.learner = learner;
    this.detector = detector;
    const onShort = learner !== null ? (f: SpectrumFrame) => learner.addShort(f) : (f: SpectrumFrame) => detector!.onShortFrame(f);
    const onSlow = learner !== null ? (f: SpectrumFrame) => learner.addSlow(f) : (f: SpectrumFrame) => detector!.onSlowFrame(f);
    this.fastSink = {
      onShortFrame: (f) => {
        this.shortFrames++;
        onShort(f);
      },
      // the fast engine's averages (it forms them only for the detector's burst path): a few short frames each
      onSlowFrame: detector !== null ? (f) => detector.onMidFrame(f) : IGNORE,
    };
    this.slowSink = {
      onShortFrame: IGNORE,
      onSlowFrame: (f) => {
        this.slowFrames++;
        onSlow(f);
        onSlowFrame?.(f); // e.g. live spectra, also while a sensor is still learning its baseline
      },
    };
    if (burst !== undefined) {
      this.burstEngine = burst.engine;
      this.burstHeard = burst.learner;
      const learner = burst.learner;
      this.burstSink = { onShortFrame: IGNORE, onSlowFrame: (f) => learner.onAverage(f) };
    }
  }

  /**
   * A chain that learns a baseline of `info`'s tuning (read it with {@link finish}); the envelope's background bands
   * come from the band plan when the centre is known. `slow`: the slow path's averages (default: its own engine).
   * `calibration`: the stretch is a calibration (its emitters are background); with the burst path on (burstScalesS),
   * the chain then also learns what the burst path would have opened on ({@link burstHeard}).
   */
  static learning(
    info: IqSourceInfo, opts: PipelineOptions, onSlowFrame?: (f: SpectrumFrame) => void, slow: SlowFrameSource = slowEngineFor(opts),
    calibration = false,
  ): AnalysisChain {
    const envelope = opts.bandPlan === 'none' || !info.centerKnown ? undefined : {
      fast: backgroundBins(opts.fastFftSize, info.centerHz, info.rateSps, opts.bandPlan),
      slow: backgroundBins(opts.spectrum.fftSize, info.centerHz, info.rateSps, opts.bandPlan),
    };
    const learner = new BaselineLearner(fingerprintOf(info, opts), measureNoiseShapes(opts), envelope);
    const fast = fastEngineFor(opts);
    // the learner looks at every 2nd short frame, then every ≈ 9th: the kernel does not compute the others
    fast.setSelector(learner.shortSelector);
    const d = { ...DEFAULT_DETECTOR_OPTIONS, ...opts.detector };
    const burst = !calibration || d.burstScalesS.length === 0 ? undefined : {
      engine: fastEngineFor(opts, BURST_FRAMES),
      learner: new BurstHeardLearner(opts.fastFftSize, info.rateSps, d.burstScalesS, (opts.smoothBins - 1) >> 1, (opts.fastWideBins - 1) >> 1, d.burstOpenSigma),
    };
    return new AnalysisChain(fast, slow, learner, null, onSlowFrame, burst);
  }

  /**
   * A chain that detects against `baseline` at `info`'s tuning, with `detector` settings over opts.detector (a hop's
   * hold, crop and paths). `slow`: the slow path's averages (default: its own engine).
   */
  static detecting(
    info: IqSourceInfo, baseline: Baseline, opts: PipelineOptions, emit: (ev: DetectionEvent) => void,
    detectorOptions: Partial<DetectorOptions> = opts.detector, onSlowFrame?: (f: SpectrumFrame) => void,
    slow: SlowFrameSource = slowEngineFor(opts),
  ): AnalysisChain {
    const geometry = {
      fftSize: opts.spectrum.fftSize, fastFftSize: opts.fastFftSize, rateSps: info.rateSps, centerHz: info.centerHz,
      clipCounted: info.format === 'cu8' || info.format === 'cs8',
    };
    const detector = new Detector(baseline, geometry, emit, detectorOptions);
    // its averages of a few short frames feed the detector's burst path
    const fast = fastEngineFor(opts, detector.burstFrames);
    // the kernel classifies short frames and skips the cold ones (for which the detector would only expire tracks)
    const prefix = fast.prefixSum;
    const gate = prefix === undefined ? null : detector.fastGate(prefix);
    if (gate !== null) fast.setGate(gate);
    return new AnalysisChain(fast, slow, null, detector, onSlowFrame);
  }

  /**
   * Analyses samples [from, to) of `block` (block-relative), in stream order. Both paths are interleaved in time, fast
   * first: a burst's short frames reach the detector before the average that contains it, and no track expires while
   * its slow evidence is pending. The order is that of chunks of half a slow frame at absolute multiples of the hop
   * (fast frames completing in a chunk, then the slow frame completing in it), so it does not depend on how the
   * source cut its blocks: a file and rtl_tcp give identical output. Only where a slow frame completes does that order
   * matter, so each push runs to the end of the chunk holding the next slow frame's last sample (a Welch average:
   * ≈ 100 ms of signal), not half a frame at a time.
   */
  push(block: IqBlock, from: number, to: number): void {
    const chunk = this.slow.hop;
    while (from < to) {
      const z = pieceEnd(block, to, this.slow.nextSlowFrameEnd(block, from), chunk);
      this.fast.push(block, this.fastSink, from, z);
      if (this.burstEngine !== null) this.burstEngine.push(block, this.burstSink!, from, z);
      this.slow.push(block, this.slowSink, from, z);
      from = z;
    }
  }

  /** Short frames the engines passed over (the learner's selector or the detector's gate) plus those computed. */
  get shortFramesSeen(): number {
    return this.shortFrames + (this.learner !== null ? this.learner.shortFramesPassedOver : this.detector!.skippedFrames);
  }
}

/**
 * Where {@link AnalysisChain.push} ends the piece of `block` (block-relative, ≤ `to`) that holds the sample before
 * `slowEnd` (the next Welch average's end, absolute): the end of the half-slow-frame chunk (`hop` samples at absolute
 * multiples of the hop) containing it.
 */
export function pieceEnd(block: IqBlock, to: number, slowEnd: number, hop: number): number {
  return Math.min(to, Math.ceil(slowEnd / hop) * hop - block.firstSample);
}

/** Learns a baseline from a source (one pass). `method` as in {@link Baseline}. */
export async function learnBaseline(
  source: IqSource, opts: PipelineOptions, method: Baseline['method'], hooks: PassHooks = {},
): Promise<{ baseline: Baseline; stats: PassStats }> {
  // a replay that learns from its first seconds only treats them as a calibration: whatever was on is background
  const calibration = method !== 'auto' || hooks.maxSamples !== undefined;
  const chain = AnalysisChain.learning(source.info, opts, hooks.onSlowFrame, hooks.slowFrames, calibration);
  const stats = await runPass(source, chain, hooks);
  const baseline = chain.learner!.finish(method, calibration ? 'calibration' : 'none');
  if (chain.burstHeard !== null) baseline.burstHeard = chain.burstHeard.heardBins();
  return { baseline, stats };
}

/**
 * Runs the detector over a source against a baseline, emitting DetectionEvents in order; flushes open tracks at the end.
 * @throws QuietBandError('BASELINE_MISMATCH') when the baseline's fingerprint differs from these settings.
 */
export async function detect(
  source: IqSource, baseline: Baseline, opts: PipelineOptions, emit: (ev: DetectionEvent) => void,
  hooks: PassHooks & { onEmitterAppearance?: (a: EmitterAppearance) => void } = {}, baselineName = 'baseline',
): Promise<{ stats: PassStats; detector: Detector }> {
  const fp = fingerprintOf(source.info, opts);
  if (baseline.method !== 'auto') checkFingerprint(baseline.fingerprint, fp, baselineName);
  const chain = AnalysisChain.detecting(source.info, baseline, opts, emit, opts.detector, hooks.onSlowFrame, hooks.slowFrames);
  const detector = chain.detector!;
  if (hooks.onEmitterAppearance) detector.onEmitterAppearance = hooks.onEmitterAppearance;
  const stats = await runPass(source, chain, hooks, opts.detector.overloadClipFraction);
  detector.flush(stats.samples);
  return { stats, detector };
}

/**
 * The fast path's engine: short frames of fastFftSize with their prefix sums (the detector's kernels), and, with
 * `average` > 0, averages of that many short frames (the detector's burst path, {@link Detector.burstFrames}).
 */
export function fastEngineFor(opts: PipelineOptions, average = 0): SpectrumEngine {
  return new SpectrumEngine({ ...opts.spectrum, fftSize: opts.fastFftSize, average }, { prefix: true });
}

/**
 * The slow path's engine: Welch averages only (its short frames are never looked at, so their power is not formed),
 * with their prefix sums (the detector's kernels).
 */
export function slowEngineFor(opts: PipelineOptions): SpectrumEngine {
  return new SpectrumEngine(opts.spectrum, { shortFrames: false, slowPrefix: true });
}

/** A no-op sink for the slow engine's own short frames (only its averages are used). */
const IGNORE = (): void => {};

/**
 * `block` cut at absolute sample `limit` (a pass's `maxSamples`): itself when it ends before, else a copy with fewer
 * samples (made once per pass, for the last block).
 */
export function limitedBlock(block: IqBlock, limit: number): IqBlock {
  if (block.firstSample + block.count <= limit) return block;
  return { ...block, count: Math.max(0, limit - block.firstSample) };
}

/** One pass of `chain` over `source`: settle discard, the `maxSamples` limit, clipping, progress. */
async function runPass(
  source: IqSource, chain: AnalysisChain, hooks: PassHooks, overloadClipFraction = OVERLOAD_CLIP_FRACTION,
): Promise<PassStats> {
  const t0 = performance.now();
  let samples = 0;
  const clip = new ClipMeter(overloadClipFraction);
  const limit = hooks.maxSamples ?? Infinity;
  const settle = hooks.settleSamples ?? DEFAULT_SETTLE_SAMPLES;
  for await (const block of source.blocks()) {
    const b = limitedBlock(block, limit);
    chain.push(b, Math.max(0, settle - b.firstSample), b.count);
    samples = b.firstSample + b.count;
    clip.add(b.clipFraction, b.count);
    hooks.onProgress?.(samples);
    if (samples >= limit) break;
  }
  const rate = source.info.rateSps;
  return {
    samples, shortFrames: chain.shortFramesSeen, slowFrames: chain.slowFrames, maxClipFraction: clip.maxBlockClipFraction,
    clip: clip.summary(rate), wallMs: performance.now() - t0,
  };
}
