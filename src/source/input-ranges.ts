// Physical and device ranges of sample rates and tuning centres: what a recording, a flag or a sensor may claim.
import { MAX_PLAUSIBLE_RATE_SPS } from './file-name.js';
import { isValidSampleRate } from '../../native-bindings/index.js';
import { errorTextIn, type ErrorMessageCode } from '../error-text.js';

/** Lowest sample rate accepted from any input (S/s): below it no band QuietBand watches fits (the `--rate` floor). */
export const MIN_RATE_SPS = 1000;

/** Highest sample rate accepted from any input (S/s): {@link MAX_PLAUSIBLE_RATE_SPS}, far above any RTL-SDR (3.2 MS/s). */
export const MAX_RATE_SPS = MAX_PLAUSIBLE_RATE_SPS;

/**
 * Highest tuning centre accepted from any input (Hz): 3 THz, the top of the radio spectrum (ITU Radio Regulations,
 * No. 1.5: radio waves are electromagnetic waves of frequencies arbitrarily lower than 3 000 GHz).
 */
export const MAX_CENTER_HZ = 3e12;

/**
 * Why `rateSps` cannot be a sample rate, as a code (src/error-text.ts `range.*`), or null when it can: not a finite
 * positive number, below {@link MIN_RATE_SPS} or above {@link MAX_RATE_SPS}. The text follows a field name.
 */
export function rateProblemCode(rateSps: number): ErrorMessageCode | null {
  if (typeof rateSps !== 'number' || !Number.isFinite(rateSps) || rateSps <= 0) return { id: 'range.rateNotPositive', params: { value: String(rateSps) } };
  if (rateSps < MIN_RATE_SPS) return { id: 'range.rateLow', params: { value: rateSps, minSps: MIN_RATE_SPS } };
  if (rateSps > MAX_RATE_SPS) return { id: 'range.rateHigh', params: { value: rateSps, maxMsps: MAX_RATE_SPS / 1e6 } };
  return null;
}

/** {@link rateProblemCode} in English: `"<field>: <text>"` reads it after a field name. */
export function rateProblem(rateSps: number): string | null {
  return english(rateProblemCode(rateSps));
}

/**
 * Why `centerHz` cannot be a tuning centre, as a code, or null when it can: not finite, negative, or above
 * {@link MAX_CENTER_HZ}. 0 is accepted (a baseband recording). The text follows a field name.
 */
export function centerProblemCode(centerHz: number): ErrorMessageCode | null {
  if (typeof centerHz !== 'number' || !Number.isFinite(centerHz)) return { id: 'range.centerNotNumber', params: { value: String(centerHz) } };
  if (centerHz < 0) return { id: 'range.centerNegative', params: { value: centerHz } };
  if (centerHz > MAX_CENTER_HZ) return { id: 'range.centerHigh', params: { value: centerHz } };
  return null;
}

/** {@link centerProblemCode} in English. */
export function centerProblem(centerHz: number): string | null {
  return english(centerProblemCode(centerHz));
}

const english = (code: ErrorMessageCode | null): string | null => (code === null ? null : errorTextIn('en', code));

// ───────────────────────────── RTL-SDR ─────────────────────────────

/**
 * Highest RTL-SDR rate run without a warning (S/s). Above it the RTL2832U is accepted but many hosts lose samples on
 * USB (the highest safe rate is ≈ 2.56 MS/s, superkuh.com/rtlsdr.html; rtlamr's wiki: rates above 2.36 MS/s "may drop
 * samples"): the sensor runs, a warning names the field, and lost samples show as dropped blocks in its health.
 */
export const RTL_RELIABLE_MAX_RATE_SPS = 2_400_000;

/**
 * Tuning ranges (Hz, inclusive) by tuner, as librtlsdr names them (enum rtlsdr_tuner), from the osmocom rtl-sdr wiki's
 * tuner table (https://osmocom.org/projects/rtl-sdr/wiki/Rtl-sdr, "Supported Hardware"): E4000 52–2200 MHz with a gap
 * from 1100 to 1250 MHz (it varies by unit), FC0012 22–948.6 MHz, FC0013 22–1100 MHz, FC2580 146–308 MHz and
 * 438–924 MHz, R820T/R820T2 and R828D 24–1766 MHz. A tuner not in the table (librtlsdr's "unknown") is not checked.
 */
export const TUNER_RANGES_HZ: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  E4000: [[52e6, 1100e6], [1250e6, 2200e6]],
  FC0012: [[22e6, 948.6e6]],
  FC0013: [[22e6, 1100e6]],
  FC2580: [[146e6, 308e6], [438e6, 924e6]],
  R820T: [[24e6, 1766e6]],
  R828D: [[24e6, 1766e6]],
};

/** What any RTL-SDR tuner can reach (Hz): the union of {@link TUNER_RANGES_HZ}, for checks before the tuner is known. */
export const RTL_ANY_TUNER_HZ: readonly [number, number] = [22e6, 2200e6];

const mhz = (hz: number): string => `${+(hz / 1e6).toFixed(3)} MHz`;

/** `24–1766 MHz` / `52–1100 MHz and 1250–2200 MHz`. */
function rangesText(ranges: readonly (readonly [number, number])[]): string {
  return ranges.map(([lo, hi]) => `${+(lo / 1e6).toFixed(3)}–${mhz(hi)}`).join(' and ');
}

/** Why an RTL-SDR (local or behind rtl_tcp) cannot run at `rateSps`, as a code, or null. The text follows a field name. */
export function rtlRateProblemCode(rateSps: number): ErrorMessageCode | null {
  return isValidSampleRate(rateSps) ? null : { id: 'range.rtlRate', params: { value: String(rateSps) } };
}

/** {@link rtlRateProblemCode} in English. */
export function rtlRateProblem(rateSps: number): string | null {
  return english(rtlRateProblemCode(rateSps));
}

/** A warning for an RTL-SDR rate above {@link RTL_RELIABLE_MAX_RATE_SPS}, or null. The text follows a field name. */
export function rtlRateWarning(rateSps: number): string | null {
  if (!(rateSps > RTL_RELIABLE_MAX_RATE_SPS)) return null;
  return `${rateSps} S/s is above ${RTL_RELIABLE_MAX_RATE_SPS / 1e6} MS/s: the RTL2832U accepts it but many hosts lose samples on USB at this rate (they show as dropped blocks in the sensor's health); 2.4 MS/s or less is reliable`;
}

/**
 * Why an RTL-SDR tuner cannot tune to `centerHz`, as a code, or null. `tuner` is librtlsdr's name (`R820T`, `E4000`…);
 * without it (before the dongle answered) the centre is checked against what any tuner reaches
 * ({@link RTL_ANY_TUNER_HZ}). The text follows a field name. Direct sampling (HF below 28.8 MHz) is not configurable in
 * QuietBand.
 */
export function tunerCenterProblemCode(centerHz: number, tuner?: string): ErrorMessageCode | null {
  const known = tuner !== undefined ? TUNER_RANGES_HZ[tuner] : undefined;
  if (tuner !== undefined && known === undefined) return null;
  const ranges = known ?? [RTL_ANY_TUNER_HZ];
  if (ranges.some(([lo, hi]) => centerHz >= lo && centerHz <= hi)) return null;
  const params = { mhz: mhz(centerHz), ranges: rangesText(ranges), tuner };
  return { id: known !== undefined ? 'range.tunerKnown' : 'range.tunerAny', params };
}

/** {@link tunerCenterProblemCode} in English. */
export function tunerCenterProblem(centerHz: number, tuner?: string): string | null {
  return english(tunerCenterProblemCode(centerHz, tuner));
}

/** Relative difference over which an override (--rate, --center) and the file's own value are said to disagree. */
export const OVERRIDE_MISMATCH = 0.01;

/**
 * Warnings for a rate or centre option that disagrees (by more than {@link OVERRIDE_MISMATCH}) with what the file says
 * itself (its SigMF meta, else its name's tokens): the option wins, but a rate of 1M on a `_250k` file, or a centre of
 * 868.3 (Hz: the M forgotten) on a `_868.3M` file, is more often a slip than a correction, and the detections would be
 * silently wrong (times, bandwidths, frequencies). A centre option under 1 kHz (no receiver tunes there) is warned of
 * even when the file says nothing.
 */
export function overrideWarnings(
  path: string, opts: { rateSps?: number; centerHz?: number }, fileRateSps: number | undefined, rateWhere: string,
  fileCenterHz: number | undefined, centerWhere: string,
): string[] {
  const out: string[] = [];
  const differ = (a: number, b: number) => Math.abs(a - b) > OVERRIDE_MISMATCH * Math.max(Math.abs(a), Math.abs(b));
  if (opts.rateSps !== undefined && fileRateSps !== undefined && differ(opts.rateSps, fileRateSps)) {
    out.push(`${path}: read at ${opts.rateSps} S/s (--rate), but ${rateWhere} says ${fileRateSps} S/s; times and bandwidths follow --rate`);
  }
  if (opts.centerHz !== undefined && fileCenterHz !== undefined && differ(opts.centerHz, fileCenterHz)) {
    out.push(`${path}: centre ${opts.centerHz} Hz (--center), but ${centerWhere} says ${fileCenterHz} Hz; frequencies follow --center (write e.g. 868.3M for MHz)`);
  } else if (opts.centerHz !== undefined && opts.centerHz > 0 && opts.centerHz < 1000) {
    // no receiver tunes under 1 kHz: 868.3 meant MHz
    out.push(`${path}: centre ${opts.centerHz} Hz (--center) is under 1 kHz; write e.g. ${opts.centerHz}M for MHz`);
  }
  return out;
}
