// Building blocks of the simulator: seeded PRNG, composable signal generators (noise, tone, OOK, FM, GSM, band noise), RTL u8 quantiser.

// ───────────────────────────── random numbers ─────────────────────────────

/** 32-bit avalanche hash of (seed, index): stateless random bits for symbol streams (index may exceed 2^32). */
export function hash32(seed: number, index: number): number {
  const lo = index % 4294967296;
  const hi = Math.floor(index / 4294967296);
  let h = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ lo;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h ^= hi;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Ziggurat tables (Marsaglia & Tsang 2000, `zigset` for 128 layers), scaled for 25-bit signed integers. */
const ZIG_R = 3.442619855899;
const ZIG_M = 16777216; // 2^24
const ZIG_K = new Float64Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
{
  const v = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = v / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = (dn / q) * ZIG_M;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / ZIG_M;
  ZIG_W[127] = dn / ZIG_M;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(v / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = (dn / tn) * ZIG_M;
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / ZIG_M;
  }
}

/**
 * mulberry32 PRNG (Tommy Ettinger's public-domain generator, as in `jtarrio/signals` tests): uniform in [0, 1),
 * plus standard normals by Box–Muller (two per pair of uniforms; the second is cached). Reseedable without allocation.
 */
export class Prng {
  private state = 0;
  private spare = 0;
  private hasSpare = false;
  constructor(seed: number) {
    this.reset(seed);
  }
  /** Restarts the sequence from `seed` (any number; only its low 32 bits matter). */
  reset(seed: number): void {
    this.state = seed >>> 0;
    this.hasSpare = false;
  }
  /** The next raw 32-bit output (unsigned integer). */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1) with 32-bit resolution. */
  uniform(): number {
    return this.uint32() / 4294967296;
  }
  /**
   * Standard normal N(0, 1) by the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for Generating Random
   * Variables", J. Stat. Softw. 5(8), 2000; 128 layers, tail by Marsaglia 1964). The layer comes from the low 7 bits of
   * one 32-bit draw and the value from the other 25, so no bit serves both (the flaw Doornik 2005 found in the
   * original). Exact in distribution and ≈ 3× faster than {@link normal}; a different sequence from it.
   */
  normalZiggurat(): number {
    for (;;) {
      const j = this.uint32();
      const iz = j & 127;
      const hz = (j | 0) >> 7; // signed, in [−2^24, 2^24)
      const x = hz * ZIG_W[iz];
      if (Math.abs(hz) < ZIG_K[iz]) return x;
      if (iz === 0) {
        let xt: number;
        let y: number;
        do {
          xt = -Math.log(1 - this.uniform()) / ZIG_R;
          y = -Math.log(1 - this.uniform());
        } while (y + y < xt * xt);
        return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      if (ZIG_F[iz] + this.uniform() * (ZIG_F[iz - 1] - ZIG_F[iz]) < Math.exp(-0.5 * x * x)) return x;
    }
  }
  /** Standard normal N(0, 1) (Box–Muller: √(−2 ln u₁)·cos(2πu₂), and ·sin for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log never sees 0
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    this.spare = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }
}

/** dBFS → linear power (0 dBFS = a full-scale complex tone, mean |x|² = 1). */
export function dbfsToPower(dbfs: number): number {
  return Math.pow(10, dbfs / 10);
}

// ───────────────────────────── generators ─────────────────────────────

/**
 * A signal source for the simulator. Samples are complex floats (full scale ±1), interleaved I,Q in a Float64Array.
 * `add` ADDS its samples `n0 … n0+count−1` (sample indices from the start of the scenario cycle) into
 * `out[2·outOffset …]`. Generators may keep state (phase, filter history), so successive calls must cover
 * consecutive ranges; `reset(seed)` starts over at sample 0 with new randomness. Nothing is allocated per call.
 */
export interface SampleGenerator {
  add(out: Float64Array, outOffset: number, n0: number, count: number): void;
  reset(seed: number): void;
}

/**
 * Complex white Gaussian noise of mean power `powerDbfs` (dBFS, whole band): each of I and Q has variance P/2.
 * Normals by Box–Muller ({@link Prng.normal}), or with `ziggurat` by {@link Prng.normalZiggurat} (faster, another
 * sequence: for long streams).
 */
export class NoiseGenerator implements SampleGenerator {
  private readonly prng: Prng;
  private readonly sigma: number;
  private readonly ziggurat: boolean;
  constructor(powerDbfs: number, seed: number, ziggurat = false) {
    this.prng = new Prng(seed);
    this.sigma = Math.sqrt(dbfsToPower(powerDbfs) / 2);
    this.ziggurat = ziggurat;
  }
  reset(seed: number): void {
    this.prng.reset(seed);
  }
  add(out: Float64Array, outOffset: number, _n0: number, count: number): void {
    const prng = this.prng;
    const sigma = this.sigma;
    const end = 2 * (outOffset + count);
    if (this.ziggurat) {
      for (let i = 2 * outOffset; i < end; i += 2) {
        out[i] += sigma * prng.normalZiggurat();
        out[i + 1] += sigma * prng.normalZiggurat();
      }
      return;
    }
    for (let i = 2 * outOffset; i < end; i += 2) {
      out[i] += sigma * prng.normal();
      out[i + 1] += sigma * prng.normal();
    }
  }
}

/**
 * Phase-continuous complex rotator at `offsetHz` (a unit phasor advanced by a complex multiply per sample, re-anchored
 * from an exact phase accumulator at every call so rounding never accumulates across blocks).
 */
class Rotator {
  /** Phase at the next sample, in cycles, kept in [0, 1). */
  phase = 0;
  readonly step: number;
  constructor(offsetHz: number, rateSps: number) {
    this.step = offsetHz / rateSps;
  }
  advance(count: number): void {
    const p = this.phase + count * this.step;
    this.phase = p - Math.floor(p);
  }
}

/** Events and carriers active over `[startSample, endSample)` only; the base class clips each call to that span. */
abstract class GatedGenerator implements SampleGenerator {
  constructor(
    readonly startSample: number,
    readonly endSample: number,
  ) {}
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const a = Math.max(n0, this.startSample);
    const b = Math.min(n0 + count, this.endSample);
    if (a < b) this.render(out, outOffset + (a - n0), a, b - a);
  }
  /** Adds samples `n0 … n0+count−1`, all inside the active span. */
  protected abstract render(out: Float64Array, outOffset: number, n0: number, count: number): void;
  abstract reset(seed: number): void;
}

/** A steady complex tone: `√P·e^{j2π·offsetHz·n/rate}` over `[startSample, endSample)` (default: always). */
export class ToneGenerator extends GatedGenerator {
  private readonly amplitude: number;
  private readonly rot: Rotator;
  private readonly phase0: number;
  /** @param phaseCycles starting phase (cycles), restored by `reset`. */
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample = 0, endSample = Infinity, phaseCycles = 0) {
    super(startSample, endSample);
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.rot = new Rotator(offsetHz, rateSps);
    this.phase0 = phaseCycles - Math.floor(phaseCycles);
    this.rot.phase = this.phase0;
  }
  reset(_seed: number): void {
    this.rot.phase = this.phase0;
  }
  protected render(out: Float64Array, outOffset: number, _n0: number, count: number): void {
    const a = this.amplitude;
    const w = 2 * Math.PI * this.rot.step;
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let re = Math.cos(2 * Math.PI * this.rot.phase);
    let im = Math.sin(2 * Math.PI * this.rot.phase);
    const end = 2 * (outOffset + count);
    for (let i = 2 * outOffset; i < end; i += 2) {
      out[i] += a * re;
      out[i + 1] += a * im;
      const r2 = re * cw - im * sw;
      im = re * sw + im * cw;
      re = r2;
    }
    this.rot.advance(count);
  }
}

/**
 * On/off keyed carrier: symbols of `symbolS` seconds (default 1 ms), key-down power `powerDbfs`. Symbol k of the
 * event is on when `hash32(seed, k)` is odd; symbol 0 is always on so the burst edge is where the truth says.
 */
export class OokGenerator extends GatedGenerator {
  private readonly amplitude: number;
  private readonly rot: Rotator;
  private readonly symbolSamples: number;
  private seed = 0;
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample: number, endSample: number, seed: number, symbolS = 1e-3) {
    super(startSample, endSample);
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.rot = new Rotator(offsetHz, rateSps);
    this.symbolSamples = symbolS * rateSps;
    this.reset(seed);
  }
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.rot.phase = 0;
  }
  protected render(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const a = this.amplitude;
    const w = 2 * Math.PI * this.rot.step;
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let re = Math.cos(2 * Math.PI * this.rot.phase);
    let im = Math.sin(2 * Math.PI * this.rot.phase);
    const start = this.startSample;
    const sym = this.symbolSamples;
    let k = Math.floor((n0 - start) / sym);
    let on = k === 0 || (hash32(this.seed, k) & 1) === 1;
    let nextEdge = start + (k + 1) * sym;
    for (let j = 0; j < count; j++) {
      const n = n0 + j;
      if (n >= nextEdge) {
        k = Math.floor((n - start) / sym);
        on = k === 0 || (hash32(this.seed, k) & 1) === 1;
        nextEdge = start + (k + 1) * sym;
      }
      if (on) {
        const i = 2 * (outOffset + j);
        out[i] += a * re;
        out[i + 1] += a * im;
      }
      const r2 = re * cw - im * sw;
      im = re * sw + im * cw;
      re = r2;
    }
    this.rot.advance(count);
  }
}

/** Entries per cycle of {@link SINE_TABLE} (a power of two). */
export const SINE_TABLE_SIZE = 4096;
/**
 * sin(2π·k/SIZE) for k = 0 … SIZE (one extra entry for interpolation): linear interpolation between entries is within
 * (2π/SIZE)²/8 ≈ 3e-7 of the true value, far below the u8 quantisation step (1/127.5).
 */
export const SINE_TABLE: Float64Array = (() => {
  const t = new Float64Array(SINE_TABLE_SIZE + 1);
  for (let k = 0; k <= SINE_TABLE_SIZE; k++) t[k] = Math.sin((2 * Math.PI * k) / SINE_TABLE_SIZE);
  return t;
})();

/**
 * Narrowband FM carrier: deviation `deviationHz` (default 5 kHz) by a sine of `audioHz` (default 1 kHz),
 * `x(t) = √P·exp(j[2π·f·t + (Δf/fa)·sin(2π·fa·t)])`, t from the event start. Constant envelope, so the power is P.
 * Carson bandwidth 2(Δf + fa) = 12 kHz by default. With an {@link AudioSource} it is FM by random audio instead (voice,
 * broadcast programme), which spreads the power over ≈ the modulating signal's amplitude distribution (Woodward).
 */
export class FmGenerator extends GatedGenerator {
  private readonly amplitude: number;
  private readonly wc: number;
  private readonly wa: number;
  private readonly beta: number;
  private readonly audio: AudioSource | undefined;
  private readonly wDev: number;
  private audioPhase = 0;
  /** Integrated phase (cycles, kept in [0, 1)) of the random-audio form. */
  private phase = 0;
  /**
   * @param audio when given, the modulating signal is this source (values in [−1, 1], e.g. {@link NoiseAudio}) instead
   *   of the sine: the instantaneous frequency is `offsetHz + deviationHz·m[n]` and the phase is integrated sample by
   *   sample, `θ[n+1] = θ[n] + 2π(offsetHz + deviationHz·m[n])/rateSps` (peak deviation `deviationHz`; `audioHz` unused;
   *   |offsetHz| + deviationHz must stay below rateSps/2). cos θ and sin θ come from {@link SINE_TABLE}.
   */
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample: number, endSample: number, deviationHz = 5000, audioHz = 1000, audio?: AudioSource) {
    super(startSample, endSample);
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.wc = (2 * Math.PI * offsetHz) / rateSps;
    this.wa = (2 * Math.PI * audioHz) / rateSps;
    this.beta = deviationHz / audioHz;
    this.audio = audio;
    this.wDev = (2 * Math.PI * deviationHz) / rateSps;
  }
  reset(seed: number): void {
    this.audioPhase = ((seed >>> 0) / 4294967296) * 2 * Math.PI;
    this.phase = 0;
    this.audio?.reset(hash32(seed, 0xa0d10));
  }
  protected render(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const a = this.amplitude;
    const audio = this.audio;
    if (audio !== undefined) {
      // phase in cycles; cos and sin from the interpolated table (error < 3e-7 of full scale)
      const stepC = this.wc / (2 * Math.PI);
      const devC = this.wDev / (2 * Math.PI);
      const tab = SINE_TABLE;
      let p = this.phase;
      for (let j = 0; j < count; j++) {
        const x = p * SINE_TABLE_SIZE;
        const k = x | 0;
        const f = x - k;
        const kc = (k + SINE_TABLE_SIZE / 4) & (SINE_TABLE_SIZE - 1);
        const i = 2 * (outOffset + j);
        out[i] += a * (tab[kc] + f * (tab[kc + 1] - tab[kc]));
        out[i + 1] += a * (tab[k] + f * (tab[k + 1] - tab[k]));
        p += stepC + devC * audio.next();
        if (p >= 1) p -= 1;
        else if (p < 0) p += 1;
      }
      this.phase = p;
      return;
    }
    const start = this.startSample;
    for (let j = 0; j < count; j++) {
      const t = n0 + j - start;
      const theta = this.wc * t + this.beta * Math.sin(this.wa * t + this.audioPhase);
      const i = 2 * (outOffset + j);
      out[i] += a * Math.cos(theta);
      out[i + 1] += a * Math.sin(theta);
    }
  }
}

/** erf(x), Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return s * y;
}

/** GSM timing (3GPP TS 45.002): symbol rate 1625/6 ksym/s, a normal burst 156.25 symbols (576.9 µs), TDMA frame 4.615 ms. */
export const GSM_SYMBOL_RATE = 1625000 / 6;
export const GSM_BURST_S = 156.25 / GSM_SYMBOL_RATE;
export const GSM_FRAME_S = 8 * GSM_BURST_S;

/**
 * GSM-like burst train: GMSK (BT 0.3, h 0.5, TS 45.004) at 270.833 ksym/s with random bits, one 577 µs burst in every
 * 4.615 ms TDMA frame, as a phone transmitting on one timeslot. Power P while a burst is on, silent between bursts.
 * Frequency pulse from the Gaussian-filtered rectangle, tabulated once; the phase is integrated sample by sample.
 */
export class GsmBurstGenerator extends GatedGenerator {
  private static readonly BT = 0.3;
  private static readonly SPAN = 3; // symbols either side of the pulse centre
  private static readonly RES = 64; // table points per symbol
  private static pulse: Float64Array | undefined;
  private readonly amplitude: number;
  private readonly rateSps: number;
  private readonly offsetHz: number;
  private seed = 0;
  private phase = 0; // cycles

  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample: number, endSample: number, seed: number) {
    super(startSample, endSample);
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.rateSps = rateSps;
    this.offsetHz = offsetHz;
    GsmBurstGenerator.table();
    this.reset(seed);
  }

  /** p(τ) = ½[erf(c(τ+½)) − erf(c(τ−½))], c = π·BT·√(2/ln 2), τ in symbols; p → 1 for a long run of equal bits. */
  private static table(): Float64Array {
    if (GsmBurstGenerator.pulse === undefined) {
      const { SPAN, RES, BT } = GsmBurstGenerator;
      const c = Math.PI * BT * Math.sqrt(2 / Math.LN2);
      const t = new Float64Array(2 * SPAN * RES + 2);
      for (let i = 0; i < t.length; i++) {
        const tau = i / RES - SPAN;
        t[i] = 0.5 * (erf(c * (tau + 0.5)) - erf(c * (tau - 0.5)));
      }
      GsmBurstGenerator.pulse = t;
    }
    return GsmBurstGenerator.pulse;
  }

  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.phase = 0;
  }

  protected render(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const pulse = GsmBurstGenerator.pulse as Float64Array;
    const { SPAN, RES } = GsmBurstGenerator;
    const a = this.amplitude;
    const rate = this.rateSps;
    const devHz = GSM_SYMBOL_RATE / 4; // h = 0.5: ±67.7 kHz for a run of equal bits
    const bitsPerBurst = 148; // tail + data + training + data + tail; the carrier is unmodulated in the 8.25-symbol guard
    let phase = this.phase;
    for (let j = 0; j < count; j++) {
      const tRel = (n0 + j - this.startSample) / rate;
      const burst = Math.floor(tRel / GSM_FRAME_S);
      const tIn = tRel - burst * GSM_FRAME_S;
      let fd = 0;
      const on = tIn < GSM_BURST_S;
      if (on) {
        const tauS = tIn * GSM_SYMBOL_RATE; // symbols since the burst started
        const k0 = Math.floor(tauS) - SPAN;
        const k1 = Math.floor(tauS) + SPAN;
        for (let k = k0; k <= k1; k++) {
          if (k < 0 || k >= bitsPerBurst) continue;
          const tau = tauS - (k + 0.5);
          if (tau <= -SPAN || tau >= SPAN) continue;
          const x = (tau + SPAN) * RES;
          const xi = Math.floor(x);
          const p = pulse[xi] + (pulse[xi + 1] - pulse[xi]) * (x - xi);
          const bit = (hash32(this.seed, burst * 256 + k) & 1) === 1 ? 1 : -1;
          fd += bit * p;
        }
        const ang = 2 * Math.PI * phase;
        const i = 2 * (outOffset + j);
        out[i] += a * Math.cos(ang);
        out[i + 1] += a * Math.sin(ang);
      }
      phase += (this.offsetHz + devHz * fd) / rate;
      phase -= Math.floor(phase);
    }
    this.phase = phase;
  }
}

/**
 * Band-limited Gaussian noise of `bandwidthHz` centred on `offsetHz`, mean power P. Complex white noise is drawn at
 * rate `bandwidthHz` (so its spectrum is flat over exactly ±B/2) and interpolated to the sample rate with a
 * Kaiser-windowed sinc (±{@link BandNoiseGenerator.HALF_TAPS} low-rate samples), then shifted to `offsetHz`.
 * The kernel's energy is normalised so the output power is P. Filter state runs from before the event start, so
 * there is no start-up transient.
 */
export class BandNoiseGenerator extends GatedGenerator {
  static readonly HALF_TAPS = 24;
  private static readonly RES = 256;
  private readonly kernel: Float64Array;
  private readonly ringRe: Float64Array;
  private readonly ringIm: Float64Array;
  private readonly size: number;
  private readonly prng: Prng;
  private readonly sigma: number;
  private readonly ratio: number; // low-rate samples per output sample
  private readonly rot: Rotator;
  private nextM = 0;

  constructor(offsetHz: number, bandwidthHz: number, powerDbfs: number, rateSps: number, startSample: number, endSample: number, seed: number) {
    super(startSample, endSample);
    const W = BandNoiseGenerator.HALF_TAPS;
    const RES = BandNoiseGenerator.RES;
    this.ratio = bandwidthHz / rateSps;
    this.rot = new Rotator(offsetHz, rateSps);
    this.prng = new Prng(seed);
    // Kaiser window (β = 8) on sinc, tabulated over τ ∈ [−W, W].
    const beta = 8;
    const i0 = (x: number): number => {
      let sum = 1;
      let term = 1;
      for (let k = 1; k < 40; k++) {
        term *= (x / (2 * k)) * (x / (2 * k));
        sum += term;
      }
      return sum;
    };
    const k = new Float64Array(2 * W * RES + 2);
    for (let i = 0; i < k.length; i++) {
      const tau = i / RES - W;
      const r = tau / W;
      const win = Math.abs(r) >= 1 ? 0 : i0(beta * Math.sqrt(1 - r * r)) / i0(beta);
      const sinc = tau === 0 ? 1 : Math.sin(Math.PI * tau) / (Math.PI * tau);
      k[i] = sinc * win;
    }
    // Energy normalisation: mean over fractional positions of Σ_m h²(τ − m) (1 for the ideal sinc).
    let e = 0;
    const P = 64;
    for (let p = 0; p < P; p++) {
      const frac = p / P;
      for (let m = -W; m <= W; m++) {
        const tau = frac - m;
        if (tau <= -W || tau >= W) continue;
        const v = k[Math.round((tau + W) * RES)];
        e += v * v;
      }
    }
    e /= P;
    const g = 1 / Math.sqrt(e);
    for (let i = 0; i < k.length; i++) k[i] *= g;
    this.kernel = k;
    let size = 1;
    while (size < 4 * W + 4) size *= 2;
    this.ringRe = new Float64Array(size);
    this.ringIm = new Float64Array(size);
    this.size = size;
    this.sigma = Math.sqrt(dbfsToPower(powerDbfs) / 2);
    this.reset(seed);
  }

  reset(seed: number): void {
    this.prng.reset(seed);
    this.rot.phase = 0;
    this.nextM = -BandNoiseGenerator.HALF_TAPS - 1;
  }

  protected render(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const W = BandNoiseGenerator.HALF_TAPS;
    const RES = BandNoiseGenerator.RES;
    const kern = this.kernel;
    const rre = this.ringRe;
    const rim = this.ringIm;
    const size = this.size;
    const prng = this.prng;
    const sigma = this.sigma;
    const w = 2 * Math.PI * this.rot.step;
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let cre = Math.cos(2 * Math.PI * this.rot.phase);
    let cim = Math.sin(2 * Math.PI * this.rot.phase);
    for (let j = 0; j < count; j++) {
      const u = (n0 + j - this.startSample) * this.ratio; // low-rate time
      const mu = Math.floor(u);
      // The ring holds x[m] for m in (nextM − size, nextM]; make sure x[mu + W] exists.
      while (this.nextM < mu + W) {
        this.nextM++;
        const slot = ((this.nextM % size) + size) % size; // no 32-bit ops on indices (docs/field-notes.md §15)
        rre[slot] = sigma * prng.normal();
        rim[slot] = sigma * prng.normal();
      }
      let yr = 0;
      let yi = 0;
      for (let m = mu - W + 1; m <= mu + W; m++) {
        const x = (u - m + W) * RES;
        const xi = Math.floor(x);
        const h = kern[xi] + (kern[xi + 1] - kern[xi]) * (x - xi);
        const slot = ((m % size) + size) % size;
        yr += h * rre[slot];
        yi += h * rim[slot];
      }
      const i = 2 * (outOffset + j);
      out[i] += yr * cre - yi * cim;
      out[i + 1] += yr * cim + yi * cre;
      const c2 = cre * cw - cim * sw;
      cim = cre * sw + cim * cw;
      cre = c2;
    }
    this.rot.advance(count);
  }
}

// ───────────────────────────── modulating signals, envelopes, schedules ─────────────────────────────

/** A modulating signal for {@link FmGenerator}: one value in [−1, 1] per RF sample, seeded. */
export interface AudioSource {
  /** The next value (advances one sample). */
  next(): number;
  /** Starts over with new randomness. */
  reset(seed: number): void;
}

/**
 * Random audio: Gaussian noise band-limited to [lowHz, highHz] by a one-pole high-pass and a four-pole low-pass
 * (cascaded one-pole sections, `y += c·(x − y)`, `c = 1 − e^{−2π·f/rate}`; −24 dB per octave above highHz, so an FM
 * carrier's skirts stay close to ±(deviation + highHz)), scaled to an RMS of `1/crest` and clipped
 * to ±1, so an FM carrier driven by it peaks at its deviation and sits within ±deviation/crest for 68 % of the time.
 * The scale comes from the filter's impulse-response energy (output variance = Σh² for unit white input), computed
 * once in the constructor. Defaults: voice, 300–3000 Hz, crest 3.
 */
export class NoiseAudio implements AudioSource {
  private readonly prng = new Prng(0);
  private readonly cLow: number;
  private readonly cHigh: number;
  private readonly gain: number;
  private lp1 = 0;
  private lp2 = 0;
  private lp3 = 0;
  private lp4 = 0;
  private hp = 0;
  constructor(rateSps: number, lowHz = 300, highHz = 3000, crest = 3) {
    this.cLow = 1 - Math.exp((-2 * Math.PI * lowHz) / rateSps);
    this.cHigh = 1 - Math.exp((-2 * Math.PI * highHz) / rateSps);
    // impulse response energy of the whole chain, until the high-pass's tail has decayed (20 time constants)
    const n = Math.ceil(20 / Math.min(this.cLow, this.cHigh)) + 16;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const y = this.filter(i === 0 ? 1 : 0);
      energy += y * y;
    }
    this.gain = 1 / (crest * Math.sqrt(energy));
    this.reset(0);
  }
  private filter(x: number): number {
    this.lp1 += this.cHigh * (x - this.lp1);
    this.lp2 += this.cHigh * (this.lp1 - this.lp2);
    this.lp3 += this.cHigh * (this.lp2 - this.lp3);
    this.lp4 += this.cHigh * (this.lp3 - this.lp4);
    this.hp += this.cLow * (this.lp4 - this.hp); // the low-frequency part, subtracted: a one-pole high-pass
    return this.lp4 - this.hp;
  }
  reset(seed: number): void {
    this.prng.reset(seed);
    this.lp1 = 0;
    this.lp2 = 0;
    this.lp3 = 0;
    this.lp4 = 0;
    this.hp = 0;
  }
  next(): number {
    const v = this.gain * this.filter(this.prng.normalZiggurat());
    return v > 1 ? 1 : v < -1 ? -1 : v;
  }
}

/** A standard normal that depends only on (seed, index): Box–Muller on two {@link hash32} values (no state, no allocation). */
export function gaussianAt(seed: number, index: number): number {
  const u1 = (hash32(seed, 2 * index) + 1) / 4294967297; // (0, 1)
  const u2 = hash32(seed, 2 * index + 1) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Warm-up curve: the fraction (0 → 1) of a settling change reached `tS` seconds after start, reached exactly at `overS`
 * and held after: `(1 − e^{−t/τ}) / (1 − e^{−T/τ})` with τ = T/3 (an exponential approach, as a crystal oven or an
 * LNA warms up). {@link warmupIntegralS} is its integral.
 */
export function warmupFraction(tS: number, overS: number): number {
  if (!(overS > 0) || tS >= overS) return 1;
  if (tS <= 0) return 0;
  const tau = overS / 3;
  return (1 - Math.exp(-tS / tau)) / (1 - Math.exp(-3));
}

/** ∫₀ᵗ {@link warmupFraction}(s) ds (seconds): `(t − τ(1 − e^{−t/τ})) / (1 − e^{−3})` up to T, then + (t − T). */
export function warmupIntegralS(tS: number, overS: number): number {
  if (!(overS > 0)) return Math.max(0, tS);
  if (tS <= 0) return 0;
  const tau = overS / 3;
  const norm = 1 - Math.exp(-3);
  const t = Math.min(tS, overS);
  const head = (t - tau * (1 - Math.exp(-t / tau))) / norm;
  return head + Math.max(0, tS - overS);
}

/** An amplitude factor as a pure function of the absolute sample index (so it does not depend on how a stream is cut). */
export interface AmplitudeEnvelope {
  /** Linear amplitude factor at sample `n` (power factor is its square). */
  amplitudeAt(n: number): number;
}

/** Slow gain change: `db · warmupFraction(n/rate, overS)` dB (e.g. +1.5 dB of noise-floor creep over 30 min). */
export class WarmupGainEnvelope implements AmplitudeEnvelope {
  constructor(
    readonly db: number,
    readonly overS: number,
    readonly rateSps: number,
  ) {}
  /** Gain in dB at sample n. */
  gainDbAt(n: number): number {
    return this.db * warmupFraction(n / this.rateSps, this.overS);
  }
  amplitudeAt(n: number): number {
    return Math.pow(10, this.gainDbAt(n) / 20);
  }
}

/**
 * Log-normal slow fading (shadowing and multipath seen by a fixed receiver): `sigmaDb · z(t)` dB, z a standard normal
 * drawn at knots every `coherenceS` seconds ({@link gaussianAt}) and joined by raised-cosine interpolation, so the
 * level wanders smoothly with about that correlation time. Stateless: any sample can be asked for.
 */
export class FadingEnvelope implements AmplitudeEnvelope {
  constructor(
    readonly sigmaDb: number,
    readonly coherenceS: number,
    readonly rateSps: number,
    readonly seed: number,
  ) {}
  /** Fade in dB at sample n. */
  fadeDbAt(n: number): number {
    const u = n / (this.coherenceS * this.rateSps);
    const k = Math.floor(u);
    const w = 0.5 - 0.5 * Math.cos(Math.PI * (u - k));
    return this.sigmaDb * ((1 - w) * gaussianAt(this.seed, k) + w * gaussianAt(this.seed, k + 1));
  }
  amplitudeAt(n: number): number {
    return Math.pow(10, this.fadeDbAt(n) / 20);
  }
}

/**
 * Multiplies another generator by an {@link AmplitudeEnvelope}: the inner generator renders into a scratch buffer
 * (allocated once, `maxChunkSamples` long) and is added scaled. The envelope is evaluated at absolute multiples of
 * {@link EnvelopeGenerator.TICK} samples and interpolated linearly between them.
 */
export class EnvelopeGenerator implements SampleGenerator {
  static readonly TICK = 1024;
  private readonly scratch: Float64Array;
  constructor(
    readonly inner: SampleGenerator,
    readonly envelope: AmplitudeEnvelope,
    readonly maxChunkSamples: number,
  ) {
    this.scratch = new Float64Array(2 * maxChunkSamples);
  }
  reset(seed: number): void {
    this.inner.reset(seed);
  }
  /** @throws RangeError when `count` exceeds the constructor's `maxChunkSamples`. */
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    if (count > this.maxChunkSamples) throw new RangeError(`EnvelopeGenerator: ${count} samples in one call, more than maxChunkSamples ${this.maxChunkSamples}`);
    const s = this.scratch;
    s.fill(0, 0, 2 * count);
    this.inner.add(s, 0, n0, count);
    const T = EnvelopeGenerator.TICK;
    let j = 0;
    while (j < count) {
      const n = n0 + j;
      const k = Math.floor(n / T);
      const g0 = this.envelope.amplitudeAt(k * T);
      const slope = (this.envelope.amplitudeAt((k + 1) * T) - g0) / T;
      const end = Math.min(count, (k + 1) * T - n0);
      addScaled(out, outOffset, s, j, end, g0 + slope * (n0 + j - k * T), slope);
      j = end;
    }
  }
}

/** `out[outOffset + i] += (g + slope·(i − from))·x[i]` for complex samples i in [from, to). */
function addScaled(out: Float64Array, outOffset: number, x: Float64Array, from: number, to: number, g: number, slope: number): void {
  let gi = g;
  for (let i = 2 * from, o = 2 * (outOffset + from); i < 2 * to; i += 2, o += 2) {
    out[o] += gi * x[i];
    out[o + 1] += gi * x[i + 1];
    gi += slope;
  }
}

/**
 * When a {@link Schedule} is on. `periodic`: interval k starts at `firstS + k·periodS + jitter`, jitter uniform in
 * ±`jitterS`, and lasts `onS` (a sensor's packet, a TDMA slot). `renewal`: alternating on and off times, on uniform in
 * `onS`, off uniform in `offS` or, with `meanOffS`, exponential of that mean (Poisson arrivals: clicks, talk spurts);
 * the first on-interval starts at `firstS` (default: after one off time).
 */
export type ScheduleSpec =
  | { kind: 'periodic'; periodS: number; onS: number; firstS?: number; jitterS?: number }
  | { kind: 'renewal'; onS: [number, number]; offS?: [number, number]; meanOffS?: number; firstS?: number };

/**
 * A seeded stream of on-intervals `[start, end)` in sample indices, in order, produced one at a time (constant memory
 * for any length). `clone()` gives an independent copy at the start (to enumerate the truth alongside a rendering).
 */
export class Schedule {
  /** Current interval (samples); `index` counts intervals from 0. */
  start = 0;
  end = 0;
  index = -1;
  private readonly prng = new Prng(0);
  private seed = 0;
  constructor(
    readonly spec: ScheduleSpec,
    readonly rateSps: number,
    seed: number,
  ) {
    if (spec.kind === 'periodic' && !(spec.periodS > spec.onS + 2 * (spec.jitterS ?? 0))) {
      throw new RangeError(`Schedule: periodS ${spec.periodS} must exceed onS ${spec.onS} + 2·jitterS`);
    }
    if (spec.kind === 'renewal' && spec.offS === undefined && !(spec.meanOffS !== undefined && spec.meanOffS > 0)) {
      throw new RangeError('Schedule: a renewal schedule needs offS [min, max] or meanOffS > 0');
    }
    this.reset(seed);
  }
  /** Restarts at the first interval with new randomness. */
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.prng.reset(hash32(this.seed, 0x5c4ed));
    this.index = -1;
    this.start = 0;
    this.end = 0;
    this.next();
  }
  /** A fresh schedule with the same spec and seed, at its first interval. */
  clone(): Schedule {
    return new Schedule(this.spec, this.rateSps, this.seed);
  }
  private offS(): number {
    const sp = this.spec as Extract<ScheduleSpec, { kind: 'renewal' }>;
    if (sp.meanOffS !== undefined) return -sp.meanOffS * Math.log(1 - this.prng.uniform());
    const [a, b] = sp.offS as [number, number];
    return a + (b - a) * this.prng.uniform();
  }
  /** Moves to the next interval. */
  next(): void {
    const sp = this.spec;
    const r = this.rateSps;
    this.index++;
    if (sp.kind === 'periodic') {
      const j = sp.jitterS ?? 0;
      const t = (sp.firstS ?? 0) + this.index * sp.periodS + j * (2 * this.prng.uniform() - 1);
      this.start = Math.max(this.end, Math.round(Math.max(0, t) * r));
      this.end = this.start + Math.max(1, Math.round(sp.onS * r));
    } else {
      const t = this.index === 0 && sp.firstS !== undefined ? sp.firstS : this.end / r + this.offS();
      const on = sp.onS[0] + (sp.onS[1] - sp.onS[0]) * this.prng.uniform();
      this.start = Math.max(this.end, Math.round(t * r));
      this.end = this.start + Math.max(1, Math.round(on * r));
    }
  }
  /** Skips the intervals that end at or before sample `n`. */
  advanceTo(n: number): void {
    while (this.end <= n) this.next();
  }
}

/**
 * Gates a generator by a {@link Schedule}: the inner generator sounds only during on-intervals and sees time from the
 * start of each interval (sample 0 = the interval's first sample), so a packet or slot pattern restarts with every
 * interval. At each interval start it is reset: with `samePerInterval` to the same seed every time (identical packets
 * of one device), otherwise to `hash32(seed, intervalIndex)` (new audio, bits, noise per interval).
 */
export class ScheduledGenerator implements SampleGenerator {
  private seed = 0;
  private readyIndex = -1;
  constructor(
    readonly inner: SampleGenerator,
    readonly schedule: Schedule,
    readonly samePerInterval = false,
  ) {}
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.schedule.reset(hash32(this.seed, 1));
    this.readyIndex = -1;
  }
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const sch = this.schedule;
    const n1 = n0 + count;
    sch.advanceTo(n0);
    while (sch.start < n1) {
      if (this.readyIndex !== sch.index) {
        this.inner.reset(this.samePerInterval ? hash32(this.seed, 2) : hash32(this.seed, 0x10000 + sch.index));
        this.readyIndex = sch.index;
      }
      const a = Math.max(n0, sch.start);
      const b = Math.min(n1, sch.end);
      if (a < b) this.inner.add(out, outOffset + (a - n0), a - sch.start, b - a);
      if (sch.end > n1) break;
      sch.next();
    }
  }
}

/** Sums generators: each adds into the same accumulator, so no temporary buffers are needed. */
export function sum(...generators: SampleGenerator[]): SampleGenerator {
  return {
    add(out, outOffset, n0, count) {
      for (let g = 0; g < generators.length; g++) generators[g].add(out, outOffset, n0, count);
    },
    reset(seed) {
      for (let g = 0; g < generators.length; g++) generators[g].reset(hash32(seed, g));
    },
  };
}

/** u8 centre of the RTL2832's I and Q in real dongles (about 127.4, not 127.5; inspectrum PR#135, docs/field-notes.md §1). */
export const RTL_DC_CENTER = 127.4;

/**
 * RTL defects at the ADC: u8 quantisation with the I/Q centre at `dcI`/`dcQ` (default 127.4) and 127.5 counts per
 * full scale, rounding to the nearest code and clipping at the rails 0 and 255.
 * Writes `2·count` bytes into `bytes[2·byteOffset …]` from `acc[2·accOffset …]`.
 * @returns the number of raw values at 0 or 255 (the same rule as the cu8 clip fraction).
 */
export function quantizeCu8(acc: Float64Array, accOffset: number, bytes: Uint8Array, byteOffset: number, count: number, dcI = RTL_DC_CENTER, dcQ = RTL_DC_CENTER): number {
  let clipped = 0;
  const n = 2 * count;
  const a0 = 2 * accOffset;
  const b0 = 2 * byteOffset;
  for (let i = 0; i < n; i += 2) {
    let vi = Math.round(dcI + 127.5 * acc[a0 + i]);
    let vq = Math.round(dcQ + 127.5 * acc[a0 + i + 1]);
    if (vi <= 0) vi = 0;
    else if (vi >= 255) vi = 255;
    if (vq <= 0) vq = 0;
    else if (vq >= 255) vq = 255;
    if (vi === 0 || vi === 255) clipped++;
    if (vq === 0 || vq === 255) clipped++;
    bytes[b0 + i] = vi;
    bytes[b0 + i + 1] = vq;
  }
  return clipped;
}
