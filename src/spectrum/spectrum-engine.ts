// Welch spectrum engine: IqBlocks → short FFT frames (fast path) and N-frame averages (slow path), in linear PSD units.
import { createFft, type FftBackend } from '../dsp/fft.js';
import { makeWindow, windowSum, enbwBins, type WindowName } from '../dsp/window.js';
import type { IqBlock } from '../types.js';

/** Settings of the spectrum stage (all part of a baseline fingerprint). */
export interface SpectrumOptions {
  /** FFT size (power of two, 64..65536). */
  fftSize: number;
  /** Window; Hann by default. */
  window: WindowName;
  /** Short frames averaged into one slow (Welch) frame; 0 = no slow frames (a fast-path-only engine). */
  average: number;
  /** Subtract a running I/Q mean before the FFT (RTL DC offset; FIELD-NOTES item 1). Default true. */
  dcRemoval: boolean;
  /** FFT backend name. */
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
}

/** Receives frames; the frame object and its arrays are reused after the call returns. */
export interface SpectrumSink {
  onShortFrame(frame: SpectrumFrame): void;
  onSlowFrame(frame: SpectrumFrame): void;
}

/** Time constant of the running DC estimate, in frames (≈ 1/α). */
const DC_FRAMES = 16;

/**
 * Turns IQ blocks into spectra with 50 % overlapping windowed FFT frames (Welch 1967, "The use of FFT for the
 * estimation of power spectra", IEEE Trans. Audio Electroacoust. 15(2)). Allocates everything in the constructor;
 * `push()` allocates nothing.
 */
export class SpectrumEngine {
  readonly fftSize: number;
  readonly hop: number;
  readonly window: Float64Array;
  /** Equivalent noise bandwidth of the window, in bins. */
  readonly enbw: number;
  readonly options: Readonly<SpectrumOptions>;
  private readonly fft: FftBackend;
  private readonly norm: number;
  private readonly stageI: Float64Array;
  private readonly stageQ: Float64Array;
  private stageFill = 0;
  private stageFirst = 0;
  private readonly fftIn: Float64Array;
  private readonly fftOut: Float64Array;
  private readonly shortFrame: SpectrumFrame;
  private readonly slowFrame: SpectrumFrame;
  private readonly slowSum: Float64Array;
  private slowCount = 0;
  private slowFirst = 0;
  private slowClip = 0;
  private dcI = 0;
  private dcQ = 0;
  private dcInit = false;
  private stageClip = 0;
  private lastTuneId = -1;
  private nextSample = -1;

  constructor(options: SpectrumOptions) {
    this.options = { ...options };
    const n = options.fftSize;
    this.fft = createFft(n, options.fftBackend);
    this.fftSize = n;
    this.hop = n >> 1;
    this.window = makeWindow(options.window, n);
    this.enbw = enbwBins(this.window);
    const ws = windowSum(this.window);
    this.norm = 1 / (ws * ws);
    this.stageI = new Float64Array(n);
    this.stageQ = new Float64Array(n);
    this.fftIn = new Float64Array(2 * n);
    this.fftOut = new Float64Array(2 * n);
    this.slowSum = new Float64Array(n);
    const mk = (frames: number): SpectrumFrame => ({
      power: new Float32Array(n),
      firstSample: 0,
      sampleCount: 0,
      centerHz: 0,
      rateSps: 0,
      tuneId: 0,
      clipFraction: 0,
      frames,
    });
    this.shortFrame = mk(1);
    this.slowFrame = mk(options.average);
  }

  /** Forgets partial frames and averages (after a retune, a gap or a discontinuity). */
  reset(): void {
    this.stageFill = 0;
    this.slowCount = 0;
    this.slowClip = 0;
    this.stageClip = 0;
    this.slowSum.fill(0);
  }

  /**
   * Feeds samples [from, to) of a block (default: all of it); calls the sink for every completed short frame and
   * slow frame. Feeding one block in several consecutive ranges gives the same frames as feeding it whole.
   */
  push(block: IqBlock, sink: SpectrumSink, from = 0, to = block.count): void {
    const first = block.firstSample + from;
    if (block.tuneId !== this.lastTuneId || (block.discontinuity && from === 0) || first !== this.nextSample) {
      this.reset();
      if (block.tuneId !== this.lastTuneId) this.dcInit = false;
      this.lastTuneId = block.tuneId;
    }
    this.nextSample = block.firstSample + to;
    const s = block.samples;
    const n = this.fftSize;
    const sI = this.stageI;
    const sQ = this.stageQ;
    const clip = block.clipFraction;
    let i = from;
    while (i < to) {
      if (this.stageFill === 0) this.stageFirst = block.firstSample + i;
      let fill = this.stageFill;
      const take = Math.min(n - fill, to - i);
      for (let j = 0; j < take; j++) {
        const k = 2 * (i + j);
        sI[fill] = s[k];
        sQ[fill] = s[k + 1];
        fill++;
      }
      i += take;
      this.stageFill = fill;
      if (clip > this.stageClip) this.stageClip = clip;
      if (fill === n) {
        this.computeFrame(block, sink);
        // keep the second half for 50 % overlap
        const h = this.hop;
        for (let j = 0; j < h; j++) {
          sI[j] = sI[j + h];
          sQ[j] = sQ[j + h];
        }
        this.stageFill = h;
        this.stageFirst += h;
        this.stageClip = clip;
      }
    }
  }

  private computeFrame(block: IqBlock, sink: SpectrumSink): void {
    const n = this.fftSize;
    const sI = this.stageI;
    const sQ = this.stageQ;
    const w = this.window;
    const inp = this.fftIn;
    let dcI = 0;
    let dcQ = 0;
    if (this.options.dcRemoval) {
      let mI = 0;
      let mQ = 0;
      for (let j = 0; j < n; j++) {
        mI += sI[j];
        mQ += sQ[j];
      }
      mI /= n;
      mQ /= n;
      if (!this.dcInit) {
        this.dcI = mI;
        this.dcQ = mQ;
        this.dcInit = true;
      } else {
        const a = 1 / DC_FRAMES;
        this.dcI += a * (mI - this.dcI);
        this.dcQ += a * (mQ - this.dcQ);
      }
      dcI = this.dcI;
      dcQ = this.dcQ;
    }
    for (let j = 0; j < n; j++) {
      const wj = w[j];
      inp[2 * j] = (sI[j] - dcI) * wj;
      inp[2 * j + 1] = (sQ[j] - dcQ) * wj;
    }
    const out = this.fftOut;
    this.fft.forward(inp, out);
    const p = this.shortFrame.power;
    const sum = this.slowSum;
    const averaging = this.options.average > 0;
    const norm = this.norm;
    const half = n >> 1;
    // fftshift: bin k (0..N-1, k ≥ N/2 negative) → index (k + N/2) mod N
    for (let k = 0; k < n; k++) {
      const re = out[2 * k];
      const im = out[2 * k + 1];
      const v = (re * re + im * im) * norm;
      const idx = k < half ? k + half : k - half;
      p[idx] = v;
      if (averaging) sum[idx] += v;
    }
    const f = this.shortFrame;
    f.firstSample = this.stageFirst;
    f.sampleCount = n;
    f.centerHz = block.centerHz;
    f.rateSps = block.rateSps;
    f.tuneId = block.tuneId;
    f.clipFraction = this.stageClip;
    if (this.slowCount === 0) this.slowFirst = this.stageFirst;
    if (this.stageClip > this.slowClip) this.slowClip = this.stageClip;
    this.slowCount++;
    sink.onShortFrame(f);
    if (this.slowCount === this.options.average) {
      // (average 0 never matches: a fast-only engine just keeps counting)
      const sp = this.slowFrame.power;
      const inv = 1 / this.slowCount;
      for (let k = 0; k < n; k++) {
        sp[k] = sum[k] * inv;
        sum[k] = 0;
      }
      const sf = this.slowFrame;
      sf.firstSample = this.slowFirst;
      sf.sampleCount = this.stageFirst + n - this.slowFirst;
      sf.centerHz = block.centerHz;
      sf.rateSps = block.rateSps;
      sf.tuneId = block.tuneId;
      sf.clipFraction = this.slowClip;
      this.slowCount = 0;
      this.slowClip = 0;
      sink.onSlowFrame(sf);
    }
  }
}

/** Frequency (Hz) of fftshifted bin `i` for a frame: centre + (i − N/2)·rate/N. */
export function binHz(i: number, fftSize: number, centerHz: number, rateSps: number): number {
  return centerHz + ((i - fftSize / 2) * rateSps) / fftSize;
}
