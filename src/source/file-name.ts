// Sample rate and centre frequency from capture file names (rtl_433 `_433.92M_250k.cu8`, gqrx `_fc.raw`, SatDump `SPS`/`Hz`).

/** What a file name says about a capture. Absent fields were not stated by the name. */
export interface FileNameInfo {
  /** Tuning centre (Hz). */
  centerHz?: number;
  /** Sample rate (S/s). */
  rateSps?: number;
}

const SCALE: Readonly<Record<string, number>> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

/** A value with an SI suffix, as rtl_433 writes them: `433.92M`, `250k`, `1.09G`. Lower-case `m` (milli) is refused. */
const SCALED_TOKEN = /^(\d+(?:\.\d+)?|\.\d+)([kKMG])$/;

/** Largest value accepted as a sample rate when a token could be either (S/s). SDR front ends stop well below this. */
export const MAX_PLAUSIBLE_RATE_SPS = 100e6;

/**
 * Parses one `<number><k|K|M|G>` token into Hz (or S/s), rounded to the nearest unit.
 * Returns undefined if the token is not of that shape. Example: `27.195M` → 27195000, `250k` → 250000.
 */
export function parseScaledToken(token: string): number | undefined {
  const m = SCALED_TOKEN.exec(token);
  if (m === null) return undefined;
  const value = Math.round(Number(m[1]) * SCALE[m[2]]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** File name without folders and without its last extension (`.sigmf-meta`, `.cu8`, …). */
function stem(path: string): string {
  const base = path.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Reads the centre frequency and sample rate from a capture's file name.
 *
 * Patterns (first match wins):
 * - gqrx: `gqrx_yyyyMMdd_hhmmss_<freqHz>_<rateSps>_fc.raw` (gqrx PR#1182; docs/field-notes.md §17).
 * - SatDump: a `_<n>SPS` token is the rate and a `_<n>Hz` token the centre (`…_2400000SPS_100000000Hz.s8`).
 * - rtl_433 (`rtl_433 -w`/`-S` names, e.g. `g001_433.92M_250k.cu8`): underscore-separated tokens of the form
 *   `<number><k|M|G>` scaled to Hz. The **last** such token is the sample rate; the centre is such a token placed
 *   immediately before it (`dump1090_modes1_1090M_2000k.cu8` → 1090 MHz, 2 MS/s). A rate token with no frequency
 *   token right before it leaves the centre unknown (`danfoss_CFR_FSK_dfile001_250k.cu8` → 250 kS/s, no centre).
 *   A lone last token above {@link MAX_PLAUSIBLE_RATE_SPS}, or written in M/G and above 3.2 MS/s (the RTL-SDR's top
 *   rate), is taken as the centre (`x_433.92M.cu8` → 433.92 MHz, `g001_27.195M.cu8` → 27.195 MHz; rate unknown);
 *   `x_1M.cu8` stays 1 MS/s.
 * Names with none of these (`urh_homematic_rateUnknown.cs16`) return `{}`. Never throws.
 * @param path a file name or path; folders and the extension are ignored.
 */
export function parseCaptureFileName(path: string): FileNameInfo {
  const name = stem(path);

  const gqrx = /^gqrx_\d{8}_\d{6}_(\d+)_(\d+)_fc$/.exec(name);
  if (gqrx !== null) {
    return { centerHz: Number(gqrx[1]), rateSps: Number(gqrx[2]) };
  }

  const tokens = name.split('_');

  // SatDump-style explicit units.
  const info: FileNameInfo = {};
  for (const t of tokens) {
    const sps = /^(\d+(?:\.\d+)?)SPS$/i.exec(t);
    if (sps !== null) info.rateSps = Math.round(Number(sps[1]));
    const hz = /^(\d+(?:\.\d+)?)Hz$/.exec(t);
    if (hz !== null) info.centerHz = Math.round(Number(hz[1]));
  }
  if (info.rateSps !== undefined || info.centerHz !== undefined) return info;

  // rtl_433 style: find the last scaled token.
  for (let i = tokens.length - 1; i >= 0; i--) {
    const last = parseScaledToken(tokens[i]);
    if (last === undefined) continue;
    const before = i > 0 ? parseScaledToken(tokens[i - 1]) : undefined;
    // A lone token is a centre when it is too high for a rate, or written in M/G above the RTL-SDR's highest rate
    // (3.2 MS/s): `g001_27.195M.cu8` is a 27 MHz recording of unknown rate, not 27 MS/s; `x_1M.cu8` is 1 MS/s.
    if (last > MAX_PLAUSIBLE_RATE_SPS || (before === undefined && /[MG]$/i.test(tokens[i]) && last > 3.2e6)) {
      return { centerHz: last };
    }
    const out: FileNameInfo = { rateSps: last };
    if (before !== undefined) out.centerHz = before;
    return out;
  }
  return {};
}
