// Emissions wider than a voice channel in the simulator: a GSM-like GMSK burst train (3GPP TS 45.002/45.004 timing
// and pulse) and band-limited Gaussian noise.
import { dbfsToPower, GatedGenerator, Rotator } from './sim-core.js';
import { hash32, Prng } from './sim-random.js';

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
    const cw = this.rot.stepCos;
    const sw = this.rot.stepSin;
    let cre = this.rot.phaseRe();
    let cim = this.rot.phaseIm();
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
