// Band extraction for evidence clips: an NCO mixer and a polyphase rational resampler (Kaiser-windowed sinc).
// Design and figures: docs/clip-decimation.md.
import { nativePolyphaseRun, type NativePolyphaseRun } from './native-frame.js';

/**
 * Zeroth-order modified Bessel function of the first kind, I0(x), by its power series
 * Σ ((x/2)^k / k!)² (Abramowitz & Stegun 9.6.12), summed until a term adds less than 1e-12 of the total.
 */
export function besselI0(x: number): number {
  const h = x / 2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= (h / k) * (h / k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/**
 * Kaiser window shape parameter β for a stopband attenuation of `attenuationDb` (Kaiser's empirical formula, Oppenheim &
 * Schafer, Discrete-Time Signal Processing, 3rd ed., eq. 7.62): 0.1102·(A − 8.7) for A > 50 dB,
 * 0.5842·(A − 21)^0.4 + 0.07886·(A − 21) for 21 ≤ A ≤ 50, 0 below.
 */
export function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  return 0;
}

/**
 * Taps of a Kaiser-window lowpass reaching `attenuationDb` with a transition `transitionHz` wide at `rateSps`
 * (Oppenheim & Schafer eq. 7.63: M = (A − 8) / (2.285·Δω), Δω = 2π·Δf/fs; taps = M + 1), rounded up to an odd count
 * so the filter has an integer group delay.
 */
export function kaiserTapCount(attenuationDb: number, transitionHz: number, rateSps: number): number {
  const dw = (2 * Math.PI * transitionHz) / rateSps;
  const m = Math.ceil((attenuationDb - 8) / (2.285 * dw));
  const n = m + 1;
  return n % 2 === 1 ? n : n + 1;
}

/** What {@link designLowpass} builds. */
export interface LowpassSpec {
  /** Rate the filter runs at (S/s). */
  rateSps: number;
  /** Edge of the flat passband (Hz, one-sided). */
  passbandHz: number;
  /** Start of the stopband (Hz, one-sided); > passbandHz and ≤ rateSps/2. */
  stopbandHz: number;
  /** Stopband attenuation (dB, > 0). */
  attenuationDb: number;
  /** DC gain of the filter (the sum of its taps). Default 1. */
  gain?: number;
}

/**
 * A linear-phase windowed-sinc lowpass: h[n] = gain·2fc/fs·sinc(2fc/fs·(n − (N−1)/2))·w[n], cutoff fc the middle of the
 * transition band, w a Kaiser window (β = {@link kaiserBeta}, N = {@link kaiserTapCount}), normalised so Σh = gain.
 * @returns the N taps
 * @throws RangeError when the band edges are not 0 < passband < stopband ≤ rate/2 or the attenuation is not positive
 */
export function designLowpass(spec: LowpassSpec): Float64Array {
  const { rateSps, passbandHz, stopbandHz, attenuationDb } = spec;
  if (!(passbandHz > 0 && stopbandHz > passbandHz && stopbandHz <= rateSps / 2 + 1e-9)) {
    throw new RangeError(`lowpass: need 0 < passband (${passbandHz} Hz) < stopband (${stopbandHz} Hz) ≤ rate/2 (${rateSps / 2} Hz)`);
  }
  if (!(attenuationDb > 0)) throw new RangeError(`lowpass: stopband attenuation must be > 0 dB, got ${attenuationDb}`);
  const n = kaiserTapCount(attenuationDb, stopbandHz - passbandHz, rateSps);
  const beta = kaiserBeta(attenuationDb);
  const fc = (passbandHz + stopbandHz) / 2 / rateSps; // cycles per sample
  const mid = (n - 1) / 2;
  const i0b = besselI0(beta);
  const h = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = i - mid;
    const x = 2 * fc * t;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = t / mid;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    h[i] = 2 * fc * sinc * w;
    sum += h[i];
  }
  const g = (spec.gain ?? 1) / sum;
  for (let i = 0; i < n; i++) h[i] *= g;
  return h;
}

/**
 * Frequency shifter: multiplies complex samples by e^{−j2π·shiftHz·n/fs} (n = absolute sample index of the stream),
 * moving a signal at +shiftHz to 0 Hz. The phasor is recomputed exactly from n at the start of every call and rotated
 * in float64 within it (drift over 2^20 samples < 1e-9 rad), so the phase is continuous across calls and does not
 * wander over long streams. Allocation-free.
 */
export class Mixer {
  private readonly cyclesPerSample: number;
  private readonly stepC: number;
  private readonly stepS: number;
  /** Absolute index of the next sample. */
  private n = 0;

  /** @param shiftHz frequency moved to 0 Hz; @param rateSps sample rate (S/s). */
  constructor(readonly shiftHz: number, readonly rateSps: number) {
    this.cyclesPerSample = -shiftHz / rateSps;
    this.stepC = Math.cos(2 * Math.PI * this.cyclesPerSample);
    this.stepS = Math.sin(2 * Math.PI * this.cyclesPerSample);
  }

  /**
   * Mixes `count` interleaved I/Q samples of `input`, from complex sample `inputFrom` on, into `output` from index 0
   * (may be the same array when `inputFrom` is 0).
   * @param input interleaved I/Q, at least 2·(inputFrom + count) values
   * @param output receives 2·count values
   * @param inputFrom first complex sample of `input` to mix (default 0): a caller reading a ring needs no subarray view
   */
  process(input: Float32Array, count: number, output: Float32Array, inputFrom = 0): void {
    let frac = (this.cyclesPerSample * this.n) % 1;
    if (frac < 0) frac += 1;
    let c = Math.cos(2 * Math.PI * frac);
    let s = Math.sin(2 * Math.PI * frac);
    const sc = this.stepC;
    const ss = this.stepS;
    const at = 2 * inputFrom;
    for (let i = 0; i < count; i++) {
      const re = input[at + 2 * i]!;
      const im = input[at + 2 * i + 1]!;
      output[2 * i] = re * c - im * s;
      output[2 * i + 1] = re * s + im * c;
      const c2 = c * sc - s * ss;
      s = c * ss + s * sc;
      c = c2;
    }
    this.n += count;
  }
}

/** Settings of {@link PolyphaseResampler}. */
export interface ResamplerSpec {
  /** Input rate (S/s). */
  inRateSps: number;
  /** Interpolation factor L (output rate = in · L / M). */
  up: number;
  /** Decimation factor M. */
  down: number;
  /** Edge of the flat passband (Hz, one-sided) at the output. */
  passbandHz: number;
  /** Start of the stopband (Hz, one-sided); aliases of the output fold from here. */
  stopbandHz: number;
  /** Stopband attenuation (dB). */
  attenuationDb: number;
  /** Largest input block per internal step (complex samples); larger calls are cut into steps. Default 16384. */
  stepSamples?: number;
  /** False: the JS loop even when the quietband_dsp addon has it (tests compare the two). Default true. */
  native?: boolean;
}

/**
 * Complex rational resampler by L/M (L = `up`, M = `down`), the polyphase form of "insert L−1 zeros, lowpass at L·fs,
 * keep every M-th sample" (Crochiere & Rabiner, Multirate Digital Signal Processing, ch. 3): output m is
 * y[m] = Σ_k h[k·L + p]·x[n − k], n = ⌊mM/L⌋, p = mM mod L, so only the K = ⌈N/L⌉ taps of one phase are summed per
 * output and the zeros are never multiplied. h = {@link designLowpass} at L·fs with DC gain L.
 * Streams across calls (the last K−1 inputs are kept); allocation-free per call.
 * Output m corresponds to input time (m·M/L − (N−1)/(2L)) samples: the group delay is `delayOutSamples` outputs.
 */
export class PolyphaseResampler {
  /** Taps per phase (K). */
  readonly tapsPerPhase: number;
  /** Prototype filter length (N, before zero-padding to K·L). */
  readonly prototypeTaps: number;
  /** Output rate (S/s). */
  readonly outRateSps: number;
  /** Group delay in output samples: (N − 1) / (2M). */
  readonly delayOutSamples: number;
  private readonly L: number;
  private readonly M: number;
  /** Phase-major taps, each phase reversed: phases[p·K + j] = h[(K − 1 − j)·L + p]. */
  private readonly phases: Float32Array;
  /** Linear history + step buffer: K − 1 kept inputs then up to `step` new ones (interleaved I/Q). */
  private readonly buf: Float32Array;
  private readonly step: number;
  /** Inputs in `buf` (history included). */
  private fill: number;
  /** Index in `buf` of the newest input the next output needs (n), and its phase p. */
  private nextN: number;
  private nextP = 0;
  /** The addon's loop and its (n, p, o) in/out state; null without it or when `spec.native` is false. */
  private readonly native: { run: NativePolyphaseRun; state: Float64Array } | null;

  /** @throws RangeError for factors that are not positive integers, or band edges {@link designLowpass} refuses. */
  constructor(spec: ResamplerSpec) {
    const { up: L, down: M } = spec;
    if (!(Number.isInteger(L) && L >= 1 && Number.isInteger(M) && M >= 1)) throw new RangeError(`resampler: factors must be positive integers, got ${L}/${M}`);
    this.L = L;
    this.M = M;
    this.outRateSps = (spec.inRateSps * L) / M;
    const h = designLowpass({ rateSps: spec.inRateSps * L, passbandHz: spec.passbandHz, stopbandHz: spec.stopbandHz, attenuationDb: spec.attenuationDb, gain: L });
    this.prototypeTaps = h.length;
    const K = Math.ceil(h.length / L);
    this.tapsPerPhase = K;
    this.delayOutSamples = (h.length - 1) / (2 * M);
    this.phases = new Float32Array(K * L);
    for (let p = 0; p < L; p++) {
      for (let j = 0; j < K; j++) {
        const idx = (K - 1 - j) * L + p;
        this.phases[p * K + j] = idx < h.length ? h[idx]! : 0;
      }
    }
    this.step = spec.stepSamples ?? 16384;
    this.buf = new Float32Array(2 * (K - 1 + this.step));
    this.fill = K - 1; // zero history: the stream starts after K − 1 zeros
    this.nextN = K - 1;
    this.native = spec.native !== false && nativePolyphaseRun !== null ? { run: nativePolyphaseRun, state: new Float64Array(3) } : null;
  }

  /** Most outputs one call with `count` inputs can produce. */
  maxOutput(count: number): number {
    return Math.ceil(((count + 1) * this.L) / this.M) + 1;
  }

  /**
   * Resamples `count` interleaved I/Q inputs.
   * @param output receives the outputs (interleaved I/Q) from index 0; must hold 2·{@link maxOutput}(count) values
   * @returns the number of complex outputs written
   */
  process(input: Float32Array, count: number, output: Float32Array): number {
    let produced = 0;
    let done = 0;
    while (done < count) {
      const take = Math.min(this.step, count - done);
      const buf = this.buf;
      const at = 2 * this.fill;
      buf.set(input.subarray(2 * done, 2 * (done + take)), at);
      this.fill += take;
      done += take;
      produced = this.run(output, produced);
    }
    return produced;
  }

  /**
   * Computes every output whose inputs are in `buf` (in the quietband_dsp addon when it is built and `native` was not
   * false: the same floats, 3–4× faster), then keeps the last K − 1 inputs.
   */
  private run(output: Float32Array, produced: number): number {
    const K = this.tapsPerPhase;
    const L = this.L;
    const M = this.M;
    const buf = this.buf;
    const ph = this.phases;
    let n = this.nextN;
    let p = this.nextP;
    let o = produced;
    const fill = this.fill;
    if (this.native !== null) {
      const st = this.native.state;
      st[0] = n;
      st[1] = p;
      st[2] = o;
      this.native.run(buf, fill, ph, K, L, M, st, output);
      n = st[0]!;
      p = st[1]!;
      o = st[2]!;
    }
    while (n < fill) {
      const base = 2 * (n - K + 1);
      const t0 = p * K;
      let accI = 0;
      let accQ = 0;
      for (let j = 0; j < K; j++) {
        const c = ph[t0 + j]!;
        accI += c * buf[base + 2 * j]!;
        accQ += c * buf[base + 2 * j + 1]!;
      }
      output[2 * o] = accI;
      output[2 * o + 1] = accQ;
      o++;
      p += M;
      n += Math.floor(p / L);
      p %= L;
    }
    // keep the last K − 1 inputs at the front
    const drop = fill - (K - 1);
    if (drop > 0) {
      buf.copyWithin(0, 2 * drop, 2 * fill);
      this.fill = K - 1;
      n -= drop;
    }
    this.nextN = n;
    this.nextP = p;
    return o;
  }
}
