// Spectrum decimation for the UI: ≤ maxPoints per message, max over merged bins, rounded dB.
import { QuietBandError } from '../errors.js';
import type { SpectrumMessage } from './protocol.js';

/** What the daemon hands to `broadcastSpectrum`: a {@link SpectrumMessage} whose arrays may be typed arrays. */
export interface SpectrumInput {
  sensor: string;
  /** Tuning centre (Hz). */
  centerHz: number;
  /** Sample rate (S/s). */
  rateSps: number;
  /** Frequency of point 0 (Hz). */
  startHz: number;
  /** Spacing between points (Hz). */
  stepHz: number;
  /** Power per bin (dBFS), lowest frequency first (fftshifted). */
  powerDbfs: ArrayLike<number>;
  /** Baseline level per bin (dBFS); same length as powerDbfs, or omitted/empty. */
  baselineDbfs?: ArrayLike<number>;
  /** Detection threshold per bin (dBFS); same length as powerDbfs, or omitted/empty. */
  thresholdDbfs?: ArrayLike<number>;
  /** Time of the frame (s from the source's first sample). */
  timeS: number;
}

/** Value sent for non-finite dB values (−Infinity, NaN), which JSON cannot carry. */
export const DB_FLOOR = -300;

function reduce(src: ArrayLike<number>, n: number, factor: number, outLen: number, decimals: number): number[] {
  const out = new Array<number>(outLen);
  const scale = 10 ** decimals;
  for (let o = 0; o < outLen; o++) {
    const from = o * factor;
    const to = Math.min(n, from + factor);
    let m = -Infinity;
    for (let i = from; i < to; i++) {
      const v = src[i]!;
      if (v > m) m = v;
    }
    out[o] = Number.isFinite(m) ? Math.round(m * scale) / scale : DB_FLOOR;
  }
  return out;
}

/**
 * Builds a protocol `spectrum` message with at most `maxPoints` points per array.
 *
 * With N input bins, `factor = ceil(N / maxPoints)` adjacent bins merge into one point whose value is their
 * **maximum** (a narrow burst stays visible; same rule for baseline and threshold). Point k stands for bins
 * [k·factor, (k+1)·factor): `startHz' = startHz + (factor − 1)/2 · stepHz`, `stepHz' = factor · stepHz` (the last point
 * may merge fewer bins). Values are rounded to `decimals` (default 2 → 0.01 dB); non-finite values become {@link DB_FLOOR}.
 * Always copies, so the caller may reuse its arrays.
 * @throws QuietBandError('BAD_INPUT') when baseline/threshold lengths differ from powerDbfs, or maxPoints < 1.
 */
export function decimateSpectrum(input: SpectrumInput, maxPoints = 1024, decimals = 2): SpectrumMessage {
  const n = input.powerDbfs.length;
  if (!(maxPoints >= 1)) throw new QuietBandError(`spectrum: maxPoints: expected >= 1, got ${maxPoints}`, 'BAD_INPUT');
  const base = input.baselineDbfs ?? [];
  const thr = input.thresholdDbfs ?? [];
  if (base.length !== 0 && base.length !== n) {
    throw new QuietBandError(`spectrum ${input.sensor}: baselineDbfs: expected ${n} values like powerDbfs, got ${base.length}`, 'BAD_INPUT');
  }
  if (thr.length !== 0 && thr.length !== n) {
    throw new QuietBandError(`spectrum ${input.sensor}: thresholdDbfs: expected ${n} values like powerDbfs, got ${thr.length}`, 'BAD_INPUT');
  }
  const factor = Math.max(1, Math.ceil(n / maxPoints));
  const outLen = Math.ceil(n / factor);
  return {
    v: 1,
    type: 'spectrum',
    sensor: input.sensor,
    centerHz: input.centerHz,
    rateSps: input.rateSps,
    startHz: input.startHz + ((factor - 1) / 2) * input.stepHz,
    stepHz: input.stepHz * factor,
    powerDbfs: reduce(input.powerDbfs, n, factor, outLen, decimals),
    baselineDbfs: base.length === 0 ? [] : reduce(base, n, factor, outLen, decimals),
    thresholdDbfs: thr.length === 0 ? [] : reduce(thr, n, factor, outLen, decimals),
    timeS: input.timeS,
  };
}
