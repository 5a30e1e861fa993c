// The complementary tone of a keyed emission: a second emission beside it that is on while it is off. A 2-FSK
// transmitter whose tones lie farther apart than the band the detector (and the identification's 99 % band) found
// around one of them looks, in that one tone's channel, like on-off keying; its gaps are filled by the other tone
// (docs/identification.md §4b).
import { channelise, type Channel } from './channel.js';
import { binOf, hzOf, type ClipSpectrum } from './spectrum.js';

/** What {@link complementaryTone} found: the other tone's offset from the keyed one and how it alternates with it. */
export interface ComplementaryTone {
  /** The other tone's frequency minus the keyed emission's (Hz, signed); 0 when none was found. */
  spacingHz: number;
  /** Its power in the keyed emission's gaps over the keyed emission's power while on (dB). */
  levelDb: number;
  /** Its power in the gaps over its power while the keyed emission is on or off the air, the larger (dB): the alternation. */
  contrastDb: number;
}

/** The result when no complementary tone was found (all 0). */
export const NO_COMPLEMENT: ComplementaryTone = Object.freeze({ spacingHz: 0, levelDb: 0, contrastDb: 0 });

/**
 * A candidate counts when, in the keyed emission's gaps, its excess power is within this factor of the keyed emission's
 * own excess while on, either way (±10 dB: one transmitter sends both tones at one power, the receiver's passband may
 * tilt them; an on-off transmitter's ring-down or pulled oscillator leaves 3–6 dB over the noise, 20 dB or more below
 * its pulses; a weak line that a much stronger neighbour's pulses compress in the receiver lies far below that
 * neighbour)…
 */
export const COMPLEMENT_MIN_LEVEL = 0.1;
/**
 * … and at least this many times its own excess while the keyed emission is on (6 dB: it is off then), and its excess
 * before the keyed emission's first rise and after its last fall (the transmitter is off there: a steady neighbour, or
 * the tuner's own line at 0 Hz that a strong pulse compresses, is not).
 */
export const COMPLEMENT_MIN_CONTRAST = 4;
/** Candidates tried: the strongest local maxima of the clip's spectrum outside the keyed emission's channel… */
export const COMPLEMENT_CANDIDATES = 3;
/**
 * … whose excess over the floor is at least this share of the keyed emission's strongest bin (−20 dB: the level test
 * above allows 10 dB, and the other tone's time share may differ from the keyed one's by as much again).
 */
export const COMPLEMENT_MIN_PEAK = 0.01;

/**
 * The keyed emission's complementary tone, if any: among the {@link COMPLEMENT_CANDIDATES} strongest local maxima of the
 * clip spectrum `spec` that lie outside the keyed emission's channel (`centerHz` ± `ch.cutoffHz`), more than 4.5σ
 * above the floor (`floorPerBin`) and within 20 dB of the keyed emission's strongest bin ({@link COMPLEMENT_MIN_PEAK}), the first whose own channel (same cut-off and decimation as `ch`, so its samples
 * align with `ch`'s) carries, averaged over the interiors of the gaps between `runs` (each shrunk by half of
 * `smoothLen` at both ends), {@link COMPLEMENT_MIN_LEVEL} … 1/{@link COMPLEMENT_MIN_LEVEL} × the keyed emission's excess
 * while on (`onExcess`, power over the channel noise `noise`), and at least {@link COMPLEMENT_MIN_CONTRAST} × its own excess inside the runs
 * and outside the span of the runs (≥ 16 samples each: a clip without noise before or after the runs has none).
 * Its frequency is refined by the angle of its lag-1 products in the gaps; the spacing is given from `toneHz`, the keyed
 * emission's own frequency. Needs ≥ 3 gaps; allocates one channel per candidate tried (≈ 32 multiply-adds per clip
 * sample each).
 * @param iq the clip (interleaved I/Q, `count` samples at `rateSps`) whose channel `ch` is centred on `centerHz`, made by
 *   `channelise` with `minRatio`
 */
export function complementaryTone(
  iq: Float32Array, count: number, rateSps: number, spec: ClipSpectrum, floorPerBin: number, centerHz: number, ch: Channel,
  minRatio: number, runs: readonly [number, number][], smoothLen: number, noise: number, onExcess: number, toneHz: number,
): ComplementaryTone {
  if (runs.length < 4 || !(onExcess > 0)) return NO_COMPLEMENT;
  const p = spec.powerPerBin;
  const sig = floorPerBin * (1 + 4.5 / Math.sqrt(Math.max(1, spec.frames)));
  const lo = binOf(spec, centerHz - ch.cutoffHz);
  const hi = binOf(spec, centerHz + ch.cutoffHz);
  let own = 0;
  for (let k = Math.max(0, Math.ceil(lo)); k <= Math.min(spec.fftSize - 1, Math.floor(hi)); k++) own = Math.max(own, p[k] - floorPerBin);
  const least = Math.max(sig, floorPerBin + COMPLEMENT_MIN_PEAK * own);
  const peaks: number[] = [];
  for (let k = 1; k + 1 < spec.fftSize; k++) {
    if ((k >= lo && k <= hi) || p[k] <= least || p[k] < p[k - 1] || p[k] <= p[k + 1]) continue;
    peaks.push(k);
  }
  peaks.sort((a, b) => p[b] - p[a]);
  const edge = Math.ceil(smoothLen / 2);
  for (const k of peaks.slice(0, COMPLEMENT_CANDIDATES)) {
    const other = channelise(iq, count, rateSps, hzOf(spec, k), ch.cutoffHz, minRatio);
    if (other.decimation !== ch.decimation || other.count !== ch.count) continue;
    const z = other.iq;
    let onSum = 0;
    let onN = 0;
    let gapSum = 0;
    let gapN = 0;
    let re = 0;
    let im = 0;
    for (let r = 0; r < runs.length; r++) {
      for (let i = runs[r][0] + edge; i < runs[r][1] - edge; i++) {
        onSum += z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1];
        onN++;
      }
      if (r + 1 === runs.length) break;
      for (let i = Math.max(1, runs[r][1] + edge); i < runs[r + 1][0] - edge; i++) {
        gapSum += z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1];
        gapN++;
        re += z[2 * i] * z[2 * i - 2] + z[2 * i + 1] * z[2 * i - 1];
        im += z[2 * i + 1] * z[2 * i - 2] - z[2 * i] * z[2 * i - 1];
      }
    }
    // before the first rise and after the last fall: the transmitter is off, so is its other tone
    let outSum = 0;
    let outN = 0;
    const last = runs[runs.length - 1][1];
    for (let i = 0; i < other.count; i++) {
      if (i === runs[0][0] - edge) i = last + edge;
      if (i >= other.count) break;
      outSum += z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1];
      outN++;
    }
    if (onN < 16 || gapN < 16 || outN < 16) return NO_COMPLEMENT;
    const gapExcess = gapSum / gapN - noise;
    const onOther = Math.max(0, onSum / onN - noise);
    const outOther = Math.max(0, outSum / outN - noise);
    const level = gapExcess / onExcess;
    if (level >= COMPLEMENT_MIN_LEVEL && level <= 1 / COMPLEMENT_MIN_LEVEL && gapExcess >= COMPLEMENT_MIN_CONTRAST * Math.max(onOther, outOther)) {
      const refinedHz = hzOf(spec, k) + (Math.atan2(im, re) * other.rateSps) / (2 * Math.PI);
      return {
        spacingHz: refinedHz - toneHz,
        levelDb: 10 * Math.log10(gapExcess / onExcess),
        contrastDb: Math.max(onOther, outOther) > 0 ? 10 * Math.log10(gapExcess / Math.max(onOther, outOther)) : 99,
      };
    }
  }
  return NO_COMPLEMENT;
}
