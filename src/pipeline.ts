// The pipeline shared by replay, calibrate and the live sensors: source → spectrum → baseline → detector.
import { SpectrumEngine } from './spectrum/spectrum-engine.js';
import type { SpectrumFrame, SpectrumOptions } from './spectrum/frames.js';
import { BaselineLearner } from './baseline/learner.js';
import { measureNoiseShapes } from './baseline/noise-shape.js';
import { checkFingerprint, type Baseline, type BaselineFingerprint } from './baseline/baseline.js';
import { Detector } from './detector/detector.js';
import type { DetectorOptions } from './detector/options.js';
import type { EmitterAppearance } from './detector/emitter-watch.js';
import { backgroundBins, type Region } from './site/band-plan.js';
import type { DetectionEvent, IqSource, IqSourceInfo } from './types.js';
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

/** Samples skipped at stream start by default: 2048 complex samples = the 4096 bytes rtl_power.c reads and discards. */
export const DEFAULT_SETTLE_SAMPLES = 2048;

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
}

/** Learns a baseline from a source (one pass). `method` as in {@link Baseline}. */
export async function learnBaseline(
  source: IqSource, opts: PipelineOptions, method: Baseline['method'], hooks: PassHooks = {},
): Promise<{ baseline: Baseline; stats: PassStats }> {
  const engine = slowEngineFor(opts);
  const info = source.info;
  const envelope = opts.bandPlan === 'none' || !info.centerKnown ? undefined : {
    fast: backgroundBins(opts.fastFftSize, info.centerHz, info.rateSps, opts.bandPlan),
    slow: backgroundBins(opts.spectrum.fftSize, info.centerHz, info.rateSps, opts.bandPlan),
  };
  const learner = new BaselineLearner(fingerprintOf(info, opts), measureNoiseShapes({ ...opts, spectrum: opts.spectrum }), envelope);
  const onSlow = hooks.onSlowFrame;
  const fastEngine = fastEngineFor(opts);
  // the learner looks at every 2nd short frame, then every ≈ 9th: the kernel does not compute the others
  fastEngine.setSelector(learner.shortSelector);
  const stats = await runPass(source, engine, fastEngine, {
    onShortFrame: (f) => learner.addShort(f),
    onSlowFrame: (f) => {
      learner.addSlow(f);
      if (onSlow) onSlow(f); // live spectra while a sensor is still learning its baseline
    },
  }, hooks);
  stats.shortFrames += learner.shortFramesPassedOver;
  // a replay that learns from its first seconds only treats them as a calibration: whatever was on is background
  const occupied = method === 'auto' && hooks.maxSamples !== undefined ? 'calibration' : undefined;
  return { baseline: learner.finish(method, occupied), stats };
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
  const engine = slowEngineFor(opts);
  const geometry = { fftSize: opts.spectrum.fftSize, fastFftSize: opts.fastFftSize, rateSps: source.info.rateSps, centerHz: source.info.centerHz };
  const detector = new Detector(baseline, geometry, emit, opts.detector);
  if (hooks.onEmitterAppearance) detector.onEmitterAppearance = hooks.onEmitterAppearance;
  const onSlow = hooks.onSlowFrame;
  // its averages of a few short frames feed the detector's burst path
  const fastEngine = fastEngineFor(opts, detector.burstFrames);
  // the kernel classifies short frames and skips the cold ones (for which the detector would only expire tracks)
  const prefix = fastEngine.prefixSum;
  const gate = prefix === undefined ? null : detector.fastGate(prefix);
  if (gate !== null) fastEngine.setGate(gate);
  const stats = await runPass(source, engine, fastEngine, {
    onShortFrame: (f) => detector.onShortFrame(f),
    onMidFrame: (f) => detector.onMidFrame(f),
    onSlowFrame: (f) => {
      detector.onSlowFrame(f);
      if (onSlow) onSlow(f);
    },
  }, hooks, opts.detector.overloadClipFraction);
  stats.shortFrames += detector.skippedFrames;
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

async function runPass(
  source: IqSource, engine: SpectrumEngine, fastEngine: SpectrumEngine,
  sink: { onShortFrame(f: SpectrumFrame): void; onMidFrame?(f: SpectrumFrame): void; onSlowFrame(f: SpectrumFrame): void },
  hooks: PassHooks,
  overloadClipFraction = OVERLOAD_CLIP_FRACTION,
): Promise<PassStats> {
  const t0 = performance.now();
  let shortFrames = 0;
  let slowFrames = 0;
  const fastSink = {
    onShortFrame(f: SpectrumFrame) {
      shortFrames++;
      sink.onShortFrame(f);
    },
    // the fast engine's averages (when it forms any): a few short frames each
    onSlowFrame: sink.onMidFrame === undefined ? IGNORE : (f: SpectrumFrame) => sink.onMidFrame!(f),
  };
  const slowSink = {
    onShortFrame: IGNORE,
    onSlowFrame(f: SpectrumFrame) {
      slowFrames++;
      sink.onSlowFrame(f);
    },
  };
  let samples = 0;
  const clip = new ClipMeter(overloadClipFraction);
  const limit = hooks.maxSamples ?? Infinity;
  const settle = hooks.settleSamples ?? DEFAULT_SETTLE_SAMPLES;
  for await (const block of source.blocks()) {
    let b = block;
    if (block.firstSample + block.count > limit) {
      const keep = Math.max(0, limit - block.firstSample);
      b = { ...block, count: keep };
    }
    // interleave both paths in time, fast first: a burst's short frames reach the detector before the average that
    // contains it, and no track expires while its slow evidence is pending. The order is that of chunks of half a
    // slow frame at absolute multiples of the hop (fast frames completing in a chunk, then the slow frame completing
    // in it), so it does not depend on how the source cut its blocks: a file and rtl_tcp give identical output. Only
    // where a slow frame completes does that order matter, so each push runs to the end of the chunk holding the next
    // slow frame's last sample (a Welch average: ≈ 100 ms of signal), not half a frame at a time.
    const chunk = engine.hop;
    let from = Math.max(0, settle - b.firstSample);
    while (from < b.count) {
      const slowEnd = engine.nextSlowFrameEnd(b, from);
      const to = Math.min(b.count, Math.ceil(slowEnd / chunk) * chunk - b.firstSample);
      fastEngine.push(b, fastSink, from, to);
      engine.push(b, slowSink, from, to);
      from = to;
    }
    samples = b.firstSample + b.count;
    clip.add(b.clipFraction, b.count);
    hooks.onProgress?.(samples);
    if (samples >= limit) break;
  }
  const rate = source.info.rateSps;
  return { samples, shortFrames, slowFrames, maxClipFraction: clip.maxBlockClipFraction, clip: clip.summary(rate), wallMs: performance.now() - t0 };
}
