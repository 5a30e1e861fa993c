// Slow amplitude changes in the simulator: the warm-up curve (drift, gain creep), gain and fading envelopes as pure
// functions of the sample index, and the generator that applies one to another generator.
import type { SampleGenerator } from './sim-core.js';
import { gaussianAt } from './sim-random.js';

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
