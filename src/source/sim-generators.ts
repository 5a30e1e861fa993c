// The simulator's signal generators, one import for all (each family in its own module), and how generators combine
// into a cu8 stream: summed into one accumulator, then the RTL's u8 quantiser.
//   sim-random.ts     hash32, Prng (uniform, Box–Muller, ziggurat), gaussianAt
//   sim-core.ts       SampleGenerator, dbfsToPower, NoiseGenerator, ToneGenerator, OokGenerator
//   sim-fm.ts         FmGenerator, SINE_TABLE, AudioSource, NoiseAudio
//   sim-wideband.ts   GsmBurstGenerator (GSM timing), BandNoiseGenerator, erf
//   sim-envelopes.ts  warmupFraction, warmupIntegralS, WarmupGainEnvelope, FadingEnvelope, EnvelopeGenerator
//   sim-schedule.ts   Schedule, ScheduledGenerator
import { hash32 } from './sim-random.js';
import type { SampleGenerator } from './sim-core.js';

export * from './sim-random.js';
export { dbfsToPower, NoiseGenerator, OokGenerator, ToneGenerator, type SampleGenerator } from './sim-core.js';
export * from './sim-fm.js';
export * from './sim-wideband.js';
export * from './sim-envelopes.js';
export * from './sim-schedule.js';

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
 * Math.round(v) for the quantiser, to the same code: v + 0.5 is exact from v = 0.5 up to 2^52 (0.5 is a multiple of v's
 * ulp, and a sum that reaches the next binade stays below the integer after it), so its floor is the rounding; below
 * 0.5 both give 0 or less, which the rails clip to 0 (only 0.5 − 2^−54 would floor to 1). NaN stays NaN. Less than half
 * the CPU of Math.round in V8 (Node 20: quantizeCu8 ≈ 10 against 26 ns a complex sample), and the quantiser was ≈ 13 % of
 * the CPU profile of the tests that render a site background.
 */
function roundCode(v: number): number {
  return v < 0.5 ? 0 : Math.floor(v + 0.5);
}

/**
 * RTL defects at the ADC: u8 quantisation with the I/Q centre at `dcI`/`dcQ` (default 127.4) and 127.5 counts per
 * full scale, rounding to the nearest code (halves up, as Math.round) and clipping at the rails 0 and 255.
 * Writes `2·count` bytes into `bytes[2·byteOffset …]` from `acc[2·accOffset …]`.
 * @returns the number of raw values at 0 or 255 (the same rule as the cu8 clip fraction).
 */
export function quantizeCu8(acc: Float64Array, accOffset: number, bytes: Uint8Array, byteOffset: number, count: number, dcI = RTL_DC_CENTER, dcQ = RTL_DC_CENTER): number {
  let clipped = 0;
  const n = 2 * count;
  const a0 = 2 * accOffset;
  const b0 = 2 * byteOffset;
  for (let i = 0; i < n; i += 2) {
    let vi = roundCode(dcI + 127.5 * acc[a0 + i]);
    let vq = roundCode(dcQ + 127.5 * acc[a0 + i + 1]);
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
