// The spectrum stage's types: its settings, the frames it delivers, and how a consumer gates or thins its short frames.
import type { WindowName } from '../dsp/window.js';
import type { NativeClassifier } from '../dsp/native-frame.js';

/** Settings of the spectrum stage (all part of a baseline fingerprint). */
export interface SpectrumOptions {
  /** FFT size (power of two, 64..65536). */
  fftSize: number;
  /** Window; Hann by default. */
  window: WindowName;
  /** Short frames averaged into one slow (Welch) frame; 0 = no slow frames (a fast-path-only engine). */
  average: number;
  /** Subtract a running I/Q mean before the FFT (RTL DC offset; docs/field-notes.md §1). Default true. */
  dcRemoval: boolean;
  /** FFT backend name (see FFT_BACKENDS; default DEFAULT_FFT_BACKEND). 'fftw' runs each frame in the native kernel. */
  fftBackend?: string;
}

/**
 * One spectrum frame, reused by the engine: valid only during the callback that receives it.
 *
 * `power` is LINEAR power per bin, fftshifted (index 0 = lowest frequency, index N/2 = the tuning centre),
 * normalised so that a complex tone of amplitude 1 (full scale) exactly on a bin centre reads 1.0 (0 dBFS):
 * P_k = |X_k|² / (Σw)². White noise of variance σ² per complex sample therefore reads σ²·ENBW/N per bin.
 * (Coherent-gain normalisation, Harris 1978 §IV; the same convention as GNU Radio's "fosphor/FFT sink" dBFS.)
 */
export interface SpectrumFrame {
  power: Float32Array;
  /** Index of the first sample in the frame (short) or in the averaging window (slow). */
  firstSample: number;
  /** Samples spanned (fftSize for short frames; the whole window for slow frames). */
  sampleCount: number;
  centerHz: number;
  rateSps: number;
  tuneId: number;
  /** Largest block clip fraction seen in the samples of this frame. */
  clipFraction: number;
  /** Short frames in this frame (1 for short frames, `average` for slow frames). */
  frames: number;
  /**
   * Short frames of an engine made with `{ prefix: true }`: Float64Array(N + 1), prefix[0] = 0 and prefix[b + 1] =
   * Σ power[0..b] (the float32 values, summed in float64), filled in the same pass as `power`. Kernel means of any
   * width come from it in O(1) per bin (see spectrum/statistic.ts).
   */
  prefix?: Float64Array;
}

/** What an engine computes besides its slow frames. */
export interface EngineOutputs {
  /** Compute short frames' power and call `onShortFrame` (default true). False for an engine used only for averages. */
  shortFrames?: boolean;
  /** Fill {@link SpectrumFrame.prefix} on short frames (default false). */
  prefix?: boolean;
  /** Fill {@link SpectrumFrame.prefix} on slow (Welch) frames too (default false): the detector's kernels read it. */
  slowPrefix?: boolean;
}

/**
 * Hears of a run of consecutive short frames an engine passed over (never delivered): `count` frames, the first
 * starting at sample `firstSample`, each `hop` after the previous, all `fftSize` long, of tune generation `tuneId`.
 * Called before the next frame is delivered, in stream order.
 */
export type SkippedFrames = (count: number, firstSample: number, hop: number, fftSize: number, tuneId: number) => void;

/**
 * A per-frame test the native frame kernel runs on an engine's short frames (see {@link SpectrumEngine.setGate}): the
 * detector's classifier, so frames without a hot bin need not come back to JS.
 */
export interface ShortFrameGate {
  /** The classifier, made over this engine's {@link SpectrumEngine.prefixSum}. */
  readonly classifier: NativeClassifier;
  /** Hot code of the frame being delivered (OR of its bins' codes), set just before onShortFrame; the reader resets it to −1. */
  code: number;
  /** The frames the classifier found cold. */
  onSkipped: SkippedFrames;
}

/**
 * A consumer that looks only at some short frames (the baseline learner thins them): the native kernel passes over
 * the others without computing them (see {@link SpectrumEngine.setSelector}).
 */
export interface ShortFrameSelector {
  /** How many of the next short frames the consumer will not look at (0: it wants the next one). */
  framesToSkip(): number;
  /** The frames passed over. */
  onSkipped: SkippedFrames;
}

/** Receives frames; the frame object and its arrays are reused after the call returns. */
export interface SpectrumSink {
  onShortFrame(frame: SpectrumFrame): void;
  onSlowFrame(frame: SpectrumFrame): void;
}
