// More simulated emissions for identification tests: AM by an audio source, continuous-phase M-FSK, and impulsive
// wideband noise pulses (the kinds sim-generators.ts lacks). Same SampleGenerator contract: add into a buffer, seeded.
import { dbfsToPower, hash32, Prng, type AudioSource, type SampleGenerator } from './sim-generators.js';

/** Clips a generator call to the active span [startSample, endSample); returns [offset into out, n0, count] or null. */
function span(start: number, end: number, outOffset: number, n0: number, count: number): [number, number, number] | null {
  const a = Math.max(n0, start);
  const b = Math.min(n0 + count, end);
  return a < b ? [outOffset + (a - n0), a, b - a] : null;
}

/**
 * Double-sideband AM with carrier: `x = A·(1 + m·a[n])·e^{j2π·offsetHz·n/rate}` with a[n] from an {@link AudioSource}
 * (values in [−1, 1]; clipped so 1 + m·a ≥ 0). A is set so the mean power is P for an audio of mean square
 * `audioMeanSquare` (default 1/9: a {@link NoiseAudio} of crest 3): P = A²·(1 + m²·E[a²]).
 */
export class AmGenerator implements SampleGenerator {
  private readonly amplitude: number;
  private readonly w: number;
  private phase = 0;
  constructor(offsetHz: number, powerDbfs: number, readonly rateSps: number, readonly startSample: number, readonly endSample: number,
    readonly depth: number, private readonly audio: AudioSource, audioMeanSquare = 1 / 9) {
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs) / (1 + depth * depth * audioMeanSquare));
    this.w = (2 * Math.PI * offsetHz) / rateSps;
  }
  reset(seed: number): void {
    this.phase = 0;
    this.audio.reset(hash32(seed, 0xa111));
  }
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const s = span(this.startSample, this.endSample, outOffset, n0, count);
    if (s === null) return;
    const [o, , c] = s;
    let ph = this.phase;
    for (let j = 0; j < c; j++) {
      const g = this.amplitude * Math.max(0, 1 + this.depth * this.audio.next());
      out[2 * (o + j)] += g * Math.cos(ph);
      out[2 * (o + j) + 1] += g * Math.sin(ph);
      ph += this.w;
      if (ph > Math.PI) ph -= 2 * Math.PI;
      else if (ph < -Math.PI) ph += 2 * Math.PI;
    }
    this.phase = ph;
  }
}

/**
 * Continuous-phase M-FSK (M = 2 or 4): symbol k of the event sends tone t_k = hash32(seed, k) mod M at
 * `offsetHz + (t_k − (M−1)/2)·spacingHz`, for 1/symbolRateBd seconds each; constant envelope, power P.
 */
export class FskGenerator implements SampleGenerator {
  private readonly amplitude: number;
  private phase = 0;
  private seed = 0;
  constructor(private readonly offsetHz: number, powerDbfs: number, readonly rateSps: number, readonly startSample: number, readonly endSample: number,
    readonly symbolRateBd: number, readonly tones: 2 | 4, readonly spacingHz: number, seed = 0) {
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.reset(seed);
  }
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.phase = 0;
  }
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const s = span(this.startSample, this.endSample, outOffset, n0, count);
    if (s === null) return;
    const [o, a, c] = s;
    const m = this.tones;
    let ph = this.phase;
    for (let j = 0; j < c; j++) {
      const k = Math.floor(((a + j - this.startSample) * this.symbolRateBd) / this.rateSps);
      const t = hash32(this.seed, k) % m;
      const f = this.offsetHz + (t - (m - 1) / 2) * this.spacingHz;
      out[2 * (o + j)] += this.amplitude * Math.cos(2 * Math.PI * ph);
      out[2 * (o + j) + 1] += this.amplitude * Math.sin(2 * Math.PI * ph);
      ph += f / this.rateSps;
      ph -= Math.floor(ph);
    }
    this.phase = ph;
  }
}

/**
 * Impulsive interference (ignition, switching, arcing): pulses of complex white Gaussian noise over the whole sampled
 * band, `pulseS` long (±50 %, uniform), power P while on, separated by exponential gaps of mean `meanGapS`.
 */
export class ImpulseGenerator implements SampleGenerator {
  private readonly sigma: number;
  private readonly prng = new Prng(0);
  private nextStart = 0;
  private nextEnd = 0;
  constructor(powerDbfs: number, readonly rateSps: number, readonly startSample: number, readonly endSample: number,
    readonly pulseS: number, readonly meanGapS: number, seed = 0) {
    this.sigma = Math.sqrt(dbfsToPower(powerDbfs) / 2);
    this.reset(seed);
  }
  reset(seed: number): void {
    this.prng.reset(seed);
    this.nextStart = this.startSample;
    this.nextEnd = this.startSample + this.pulseLength();
  }
  private pulseLength(): number {
    return Math.max(1, Math.round(this.pulseS * (0.5 + this.prng.uniform()) * this.rateSps));
  }
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const s = span(this.startSample, this.endSample, outOffset, n0, count);
    if (s === null) return;
    const [o, a, c] = s;
    for (let j = 0; j < c; j++) {
      const n = a + j;
      if (n >= this.nextEnd) {
        this.nextStart = this.nextEnd + Math.max(1, Math.round(-Math.log(1 - this.prng.uniform()) * this.meanGapS * this.rateSps));
        this.nextEnd = this.nextStart + this.pulseLength();
      }
      if (n >= this.nextStart) {
        out[2 * (o + j)] += this.sigma * this.prng.normal();
        out[2 * (o + j) + 1] += this.sigma * this.prng.normal();
      }
    }
  }
}

/**
 * A recorded modulating signal (speech, music) as an {@link AudioSource}: `samples` at `audioRateSps`, scaled so the
 * largest |value| is 1, read at the RF rate by linear interpolation; silence after its end.
 */
export class SampledAudio implements AudioSource {
  private readonly data: Float64Array;
  private readonly step: number;
  private pos = 0;
  constructor(samples: ArrayLike<number>, audioRateSps: number, rfRateSps: number) {
    let peak = 0;
    for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
    this.data = Float64Array.from(samples, (v) => (peak > 0 ? v / peak : 0));
    this.step = audioRateSps / rfRateSps;
  }
  reset(_seed: number): void {
    this.pos = 0;
  }
  next(): number {
    const i = Math.floor(this.pos);
    const f = this.pos - i;
    this.pos += this.step;
    if (i + 1 >= this.data.length) return 0;
    return this.data[i] + f * (this.data[i + 1] - this.data[i]);
  }
}
