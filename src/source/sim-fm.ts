// Frequency modulation in the simulator: the FM generator (by a sine or by an audio source), its sine table, and
// the random band-limited audio (voice, broadcast programme) that drives it.
import { dbfsToPower, GatedGenerator } from './sim-core.js';
import { hash32, Prng } from './sim-random.js';

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
