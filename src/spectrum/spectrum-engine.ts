// Welch spectrum engine: IqBlocks → short FFT frames (fast path) and N-frame averages (slow path), in linear PSD units.
import { createFft, DEFAULT_FFT_BACKEND, type FftBackend } from '../dsp/fft.js';
import { createNativeFrameKernel, type NativeFrameKernel } from '../dsp/native-frame.js';
import { makeWindow, windowSum, enbwBins } from '../dsp/window.js';
import type { IqBlock } from '../types.js';
import type { SpectrumOptions, SpectrumFrame, EngineOutputs, ShortFrameGate, ShortFrameSelector, SpectrumSink } from './frames.js';

/** Time constant of the running DC estimate, in frames (≈ 1/α). */
const DC_FRAMES = 16;

/**
 * Turns IQ blocks into spectra with 50 % overlapping windowed FFT frames (Welch 1967, "The use of FFT for the
 * estimation of power spectra", IEEE Trans. Audio Electroacoust. 15(2)). Allocates everything in the constructor;
 * `push()` allocates nothing.
 *
 * Hot-path layout: samples are staged as interleaved float32 in two half-frame slots used as a ring (the older slot is
 * the frame's first half), so the 50 % overlap needs no copying; each slot's I and Q sums are taken while staging, so
 * the frame mean (running DC estimate) costs nothing extra; DC removal and the window are applied in one loop that
 * writes straight into the FFT backend's float32 input, and the power spectrum is read straight from its output.
 * The arithmetic is the same, in the same order, as a float64 staging would do, then rounded once to float32 for the
 * transform, so results do not depend on this layout. With the 'fftw' backend the quietband_dsp addon does all of this
 * (staging, DC, window, FFTW, power) in one call per frame, in float32 SIMD arithmetic (spectra within 0.01 dB of the
 * JS path's, test/dsp/fft-backends.test.ts); this class then only keeps the frame bookkeeping.
 */
export class SpectrumEngine {
  readonly fftSize: number;
  readonly hop: number;
  readonly window: Float64Array;
  /** Equivalent noise bandwidth of the window, in bins. */
  readonly enbw: number;
  readonly options: Readonly<SpectrumOptions>;
  /** The JS/WASM transform (backends 'fft.js', 'pffft'); null when the native kernel does the whole frame. */
  private readonly fft: FftBackend | null;
  /** The native frame kernel (backend 'fftw'); null otherwise. */
  private readonly kernel: NativeFrameKernel | null;
  private readonly norm: number;
  /** Two half-frame slots of interleaved I/Q: slot s holds floats [s·n, s·n + n) (n = fftSize = 2·hop samples). */
  private readonly stage: Float32Array;
  /** Sum of I (index 2s) and Q (2s + 1) over the samples staged in slot s. */
  private readonly slotSum: Float64Array;
  /** The slot holding the frame's first half. */
  private older = 0;
  private stageFill = 0;
  private stageFirst = 0;
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
  private readonly emitShort: boolean;
  private readonly prefix: Float64Array | undefined;
  private readonly slowPrefix: Float64Array | undefined;
  /** What the kernel's pushMany/pushGated/pushSkip report: [frames computed, skipped or passed over; code of the frame delivered]. */
  private readonly kernelResult = new Float64Array(2);
  private gate: ShortFrameGate | null = null;
  private selector: ShortFrameSelector | null = null;

  /** @param outputs what to compute besides slow frames (default: short frames' power, no prefix sums). */
  constructor(options: SpectrumOptions, outputs: EngineOutputs = {}) {
    this.options = { ...options };
    const n = options.fftSize;
    const backend = options.fftBackend ?? DEFAULT_FFT_BACKEND;
    this.fftSize = n;
    this.hop = n >> 1;
    this.window = makeWindow(options.window, n);
    this.enbw = enbwBins(this.window);
    const ws = windowSum(this.window);
    this.norm = 1 / (ws * ws);
    this.stage = new Float32Array(2 * n);
    this.slotSum = new Float64Array(4);
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
    this.emitShort = outputs.shortFrames ?? true;
    if (outputs.slowPrefix === true && options.average > 0) {
      this.slowPrefix = new Float64Array(n + 1);
      this.slowFrame.prefix = this.slowPrefix;
    }
    if (this.emitShort && outputs.prefix === true) {
      this.prefix = new Float64Array(n + 1);
      this.shortFrame.prefix = this.prefix;
    }
    if (backend === 'fftw') {
      this.fft = null;
      // what each frame produces (the kernel's mode, see NativeFrameKernel)
      const mode = (!this.emitShort ? 0 : this.prefix !== undefined ? 2 : 1) | (options.average > 0 ? 4 : 0);
      this.kernel = createNativeFrameKernel(n, this.window, this.norm, this.stage, this.shortFrame.power,
        this.prefix ?? null, options.average > 0 ? this.slowSum : null, options.dcRemoval, mode, this.kernelResult);
    } else {
      this.fft = createFft(n, backend);
      this.kernel = null;
    }
  }

  /** The prefix sum short frames carry (engines made with `{ prefix: true }`), bound for the engine's life. */
  get prefixSum(): Float64Array | undefined {
    return this.prefix;
  }

  /**
   * Lets the native kernel classify each short frame and skip those with no hot bin (they never reach the sink;
   * `gate.onSkipped` hears of them); delivered frames carry their code in `gate.code`. Only for a native ('fftw')
   * engine with prefix sums whose classifier reads {@link prefixSum}. An engine that also averages still sums every
   * frame, skipped or not (the kernel computes them all), and delivers each average after its last frame.
   * @returns false (and nothing changes) when this engine cannot gate: another backend, no prefix sum.
   * @throws Error from the addon when the classifier reads another prefix array.
   */
  setGate(gate: ShortFrameGate): boolean {
    if (this.kernel === null || this.prefix === undefined) return false;
    this.kernel.attach(gate.classifier);
    this.gate = gate;
    return true;
  }

  /**
   * The absolute index one past the last sample of the next slow (Welch) frame, if samples are fed from `from` of
   * `block` on (taking into account the reset push() would do there); Infinity for an engine without averaging.
   */
  nextSlowFrameEnd(block: IqBlock, from: number): number {
    const avg = this.options.average;
    const first = block.firstSample + from;
    if (avg <= 0) return Infinity;
    const resets = block.tuneId !== this.lastTuneId || (block.discontinuity && from === 0) || first !== this.nextSample;
    const fill = resets ? 0 : this.stageFill;
    const count = resets ? 0 : this.slowCount;
    return first + (this.fftSize - fill) + (avg - count - 1) * this.hop;
  }

  /**
   * Lets the native kernel pass over the short frames `selector` will not look at (they are not computed and never
   * reach the sink; `selector.onSkipped` hears of them). Only for a native ('fftw') engine without averaging.
   * @returns false (and nothing changes) when this engine cannot: another backend, or averaging (its Welch sums need
   *   every frame).
   */
  setSelector(selector: ShortFrameSelector): boolean {
    if (this.kernel === null || this.options.average > 0 || !this.emitShort) return false;
    this.selector = selector;
    return true;
  }

  /** Forgets partial frames and averages (after a retune, a gap or a discontinuity). */
  reset(): void {
    this.stageFill = 0;
    this.slowCount = 0;
    this.slowClip = 0;
    this.stageClip = 0;
    this.slowSum.fill(0);
    this.slotSum.fill(0);
    this.kernel?.reset(false);
  }

  /**
   * Feeds samples [from, to) of a block (default: all of it); calls the sink for every completed short frame and
   * slow frame. Feeding one block in several consecutive ranges gives the same frames as feeding it whole.
   */
  push(block: IqBlock, sink: SpectrumSink, from = 0, to = block.count): void {
    const first = block.firstSample + from;
    if (block.tuneId !== this.lastTuneId || (block.discontinuity && from === 0) || first !== this.nextSample) {
      this.reset();
      if (block.tuneId !== this.lastTuneId) {
        this.dcInit = false;
        this.kernel?.reset(true);
      }
      this.lastTuneId = block.tuneId;
    }
    this.nextSample = block.firstSample + to;
    if (this.kernel !== null) {
      this.pushNative(this.kernel, block, sink, from, to);
      return;
    }
    const s = block.samples;
    const n = this.fftSize;
    const h = this.hop;
    const st = this.stage;
    const sums = this.slotSum;
    const clip = block.clipFraction;
    let i = from;
    while (i < to) {
      let fill = this.stageFill;
      if (fill === 0) this.stageFirst = block.firstSample + i;
      // copy into the current slot up to its end (a slot is half a frame)
      const slot = fill < h ? this.older : 1 - this.older;
      const inSlot = fill < h ? fill : fill - h;
      const take = Math.min(h - inSlot, to - i);
      let d = slot * n + 2 * inSlot;
      let k = 2 * i;
      const kEnd = k + 2 * take;
      let sI = sums[2 * slot];
      let sQ = sums[2 * slot + 1];
      while (k < kEnd) {
        const re = s[k];
        const im = s[k + 1];
        st[d] = re;
        st[d + 1] = im;
        sI += re;
        sQ += im;
        k += 2;
        d += 2;
      }
      sums[2 * slot] = sI;
      sums[2 * slot + 1] = sQ;
      i += take;
      fill += take;
      this.stageFill = fill;
      if (clip > this.stageClip) this.stageClip = clip;
      if (fill === n) {
        this.computeFrame(block, sink);
        // 50 % overlap: the newer slot becomes the older; the older one is refilled
        const o = this.older;
        sums[2 * o] = 0;
        sums[2 * o + 1] = 0;
        this.older = 1 - o;
        this.stageFill = h;
        this.stageFirst += h;
        this.stageClip = clip;
      }
    }
  }

  /**
   * push() with the native kernel: it stages, keeps the DC estimate and computes frames; here only the frame
   * bookkeeping (first sample, clip fraction, Welch count, sink calls), mirroring the kernel's fill count (after m
   * frames, fill = fill₀ + consumed − m·hop). An engine that only averages has the kernel compute every frame up to
   * the next average in one call; a gated engine has it skip the frames its classifier finds cold, and one with a
   * selector the frames its consumer will not look at.
   */
  private pushNative(kernel: NativeFrameKernel, block: IqBlock, sink: SpectrumSink, from: number, to: number): void {
    const h = this.hop;
    const clip = block.clipFraction;
    const res = this.kernelResult;
    const gate = this.gate;
    const batch = !this.emitShort;
    let i = from;
    while (i < to) {
      if (this.stageFill === 0) this.stageFirst = block.firstSample + i;
      if (clip > this.stageClip) this.stageClip = clip;
      let took: number;
      let done: number; // frames completed and accounted for here (skipped or only averaged)
      let ready: boolean; // the last completed frame goes through finishFrame
      const skipper = gate ?? this.selector;
      if (skipper !== null) {
        // frames passed over (cold, or not wanted) are counted by the kernel and reported here in one run; an
        // averaging engine's call stops at the average's last frame
        const avg = this.options.average;
        const r = gate !== null
          ? kernel.pushGated(block.samples, i, to, false, avg > 0 ? avg - this.slowCount : 0)
          : kernel.pushSkip(block.samples, i, to, (skipper as ShortFrameSelector).framesToSkip());
        took = Math.floor(r / 2);
        ready = r % 2 === 1;
        done = res[0];
        if (done > 0) {
          // each frame passed over advanced the frame start by a hop
          skipper.onSkipped(done, this.stageFirst, h, this.fftSize, block.tuneId);
          if (this.slowCount === 0) this.slowFirst = this.stageFirst;
          if (this.stageClip > this.slowClip) this.slowClip = this.stageClip;
          this.stageFirst += done * h;
          this.stageClip = clip;
          this.slowCount += done;
          // the average's last frame was a skipped one: it completes here
          if (!ready && avg > 0 && this.slowCount === avg) this.finishAverage(block, sink, this.stageFirst - h);
        }
        if (ready && gate !== null) gate.code = res[1];
      } else if (batch) {
        const max = this.options.average > 0 ? this.options.average - this.slowCount : 0x40000000;
        took = kernel.pushMany(block.samples, i, to, max);
        const m = res[0];
        ready = m > 0;
        done = m > 0 ? m - 1 : 0;
        if (done > 0) {
          // frames before the last one: they only added to the Welch sum
          if (this.slowCount === 0) this.slowFirst = this.stageFirst;
          if (this.stageClip > this.slowClip) this.slowClip = this.stageClip;
          this.stageFirst += done * h;
          this.stageClip = clip;
          this.slowCount += done;
        }
      } else {
        const r = kernel.push(block.samples, i, to);
        took = Math.floor(r / 2);
        ready = r % 2 === 1;
        done = 0;
      }
      i += took;
      this.stageFill += took - (done + (ready ? 1 : 0)) * h;
      if (ready) {
        this.finishFrame(block, sink);
        this.stageFirst += h;
        this.stageClip = clip;
      }
    }
  }

  private computeFrame(block: IqBlock, sink: SpectrumSink): void {
    const n = this.fftSize;
    let dcI = 0;
    let dcQ = 0;
    if (this.options.dcRemoval) {
      // the frame mean from the slot sums (float64 sums of float32 samples: the same value as summing the frame)
      const sums = this.slotSum;
      const o = this.older;
      const mI = (sums[2 * o] + sums[2 * (1 - o)]) / n;
      const mQ = (sums[2 * o + 1] + sums[2 * (1 - o) + 1]) / n;
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
    this.jsFrame(dcI, dcQ);
    this.finishFrame(block, sink);
  }

  /** The JS/WASM frame: DC removal and window into the transform's input, FFT, power (and prefix, Welch sums). */
  private jsFrame(dcI: number, dcQ: number): void {
    const fft = this.fft as FftBackend;
    const n = this.fftSize;
    const h = this.hop;
    const st = this.stage;
    const w = this.window;
    const inp = fft.input32();
    // first half of the frame from the older slot, second half from the newer; DC removal and window in one pass
    let src = this.older * n;
    for (let j = 0; j < h; j++) {
      const wj = w[j];
      const k = 2 * j;
      inp[k] = (st[src + k] - dcI) * wj;
      inp[k + 1] = (st[src + k + 1] - dcQ) * wj;
    }
    src = (1 - this.older) * n - n; // so that st[src + k] with k = 2j (j ≥ h) reads the newer slot from its start
    for (let j = h; j < n; j++) {
      const wj = w[j];
      const k = 2 * j;
      inp[k] = (st[src + k] - dcI) * wj;
      inp[k + 1] = (st[src + k + 1] - dcQ) * wj;
    }
    const out = fft.forward32();
    const p = this.shortFrame.power;
    const norm = this.norm;
    const half = n >> 1;
    // fftshift: bin k (0..N-1, k ≥ N/2 negative) → index (k + N/2) mod N. Negative frequencies (k ≥ N/2) first, so
    // `power` is written in ascending order and its prefix sum can be taken in the same pass.
    const sum = this.slowSum;
    const pre = this.prefix;
    if (!this.emitShort) {
      for (let k = half; k < n; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        sum[k - half] += (re * re + im * im) * norm;
      }
      for (let k = 0; k < half; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        sum[k + half] += (re * re + im * im) * norm;
      }
    } else if (pre !== undefined) {
      let acc = 0;
      pre[0] = 0;
      for (let k = half; k < n; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        const v = Math.fround((re * re + im * im) * norm);
        p[k - half] = v;
        acc += v;
        pre[k - half + 1] = acc;
      }
      for (let k = 0; k < half; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        const v = Math.fround((re * re + im * im) * norm);
        p[k + half] = v;
        acc += v;
        pre[k + half + 1] = acc;
      }
      if (this.options.average > 0) for (let k = 0; k < n; k++) sum[k] += p[k];
    } else if (this.options.average > 0) {
      for (let k = half; k < n; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        const v = (re * re + im * im) * norm;
        p[k - half] = v;
        sum[k - half] += v;
      }
      for (let k = 0; k < half; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        const v = (re * re + im * im) * norm;
        p[k + half] = v;
        sum[k + half] += v;
      }
    } else {
      for (let k = half; k < n; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        p[k - half] = (re * re + im * im) * norm;
      }
      for (let k = 0; k < half; k++) {
        const re = out[2 * k];
        const im = out[2 * k + 1];
        p[k + half] = (re * re + im * im) * norm;
      }
    }
  }

  /** Frame bookkeeping after the power is formed: the short frame's fields, the Welch count, the sink calls. */
  private finishFrame(block: IqBlock, sink: SpectrumSink): void {
    const n = this.fftSize;
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
    if (this.emitShort) sink.onShortFrame(f);
    // (average 0 never matches: a fast-only engine just keeps counting)
    if (this.slowCount === this.options.average) this.finishAverage(block, sink, this.stageFirst);
  }

  /** Forms and delivers the Welch average whose last frame starts at `lastFirst`; clears the sum. */
  private finishAverage(block: IqBlock, sink: SpectrumSink, lastFirst: number): void {
    const n = this.fftSize;
    const sp = this.slowFrame.power;
    const sum = this.slowSum;
    const inv = 1 / this.slowCount;
    for (let k = 0; k < n; k++) {
      sp[k] = sum[k] * inv;
      sum[k] = 0;
    }
    const spre = this.slowPrefix;
    if (spre !== undefined) {
      // prefix sum of the float32 averages (the same values spectrum/statistic.ts prefixSum would give)
      let acc = 0;
      spre[0] = 0;
      for (let k = 0; k < n; k++) {
        acc += sp[k];
        spre[k + 1] = acc;
      }
    }
    const sf = this.slowFrame;
    sf.firstSample = this.slowFirst;
    sf.sampleCount = lastFirst + n - this.slowFirst;
    sf.centerHz = block.centerHz;
    sf.rateSps = block.rateSps;
    sf.tuneId = block.tuneId;
    sf.clipFraction = this.slowClip;
    this.slowCount = 0;
    this.slowClip = 0;
    sink.onSlowFrame(sf);
  }
}

/** Frequency (Hz) of fftshifted bin `i` for a frame: centre + (i − N/2)·rate/N. */
export function binHz(i: number, fftSize: number, centerHz: number, rateSps: number): number {
  return centerHz + ((i - fftSize / 2) * rateSps) / fftSize;
}
