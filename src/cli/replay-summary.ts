// The end of `quietband replay` for a person at a terminal: a few lines in words. Piped output gets none of it.
import type { TextLang } from '../text-template.js';
import type { ReplaySummary } from './replay.js';
import { padColumns, replayWords } from './replay-words.js';

/** A writable stream as far as the summary needs it (process.stdout / process.stderr, or a test's). */
export interface SummaryStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Where the human summary goes: stdout when it is a terminal showing the table (no program reads those lines), else
 * stderr when that is a terminal (`replay f | jq …`, or `--json` on a terminal: stdout carries JSON lines only), else
 * nowhere (both piped: a script, a log file).
 * @param json stdout carries the JSON lines (piped, or `--json`)
 */
export function summaryStream(stdout: SummaryStream, stderr: SummaryStream, json = false): SummaryStream | null {
  if (stdout.isTTY === true && !json) return stdout;
  if (stderr.isTTY === true) return stderr;
  return null;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** A limit share in words without needless zeros: 0.05 → `5 %`, 0.025 → `2.5 %`. */
const limitPct = (x: number): string => `${+(x * 100).toFixed(2)} %`;

/** A speed factor: one decimal from 1 × up (`48.4`), two significant digits below (`0.037`), so a slow run is not `0.0`. */
const factorText = (x: number): string => (x >= 1 ? x.toFixed(1) : String(+x.toPrecision(2)));

/** Sample rate in words: `250 kS/s`, `2.4 MS/s`. */
function rateText(sps: number): string {
  return sps >= 1e6 ? `${+(sps / 1e6).toFixed(3)} MS/s` : `${+(sps / 1e3).toFixed(3)} kS/s`;
}

/**
 * The summary a person reads after the detection lines, e.g.
 * ```
 * replay of capture.cu8
 *   recording    60.00 s at 250 kS/s, centre 433.920 MHz
 *   detections   5
 *   overload     none (at most 0.3 % of raw values at the rails in one block, below the 5 % limit)
 *   calibration  2 of 3 emitters heard; never heard after calibration: 433.9904 MHz (deaf receiver, or it stopped)
 *   speed        detect pass 96.8 × real time (0.62 s); whole replay 48.4 × (1.24 s: start-up, baseline pass and detect pass)
 * ```
 * Slices of one band-wide emission joined into one row (src/ident/joined-rows.ts) read `detections   1 (of 10 detector
 * slices: the slices of one band-wide emission are one row)`.
 * The detect pass's speed is what a live sensor needs; the whole replay's also counts start-up and reading the file
 * once more for the baseline, which dominates on a short recording. Float recordings (cf32) read `overload     not
 * measured: float samples (cf32) have no ADC rails`.
 * A clipped recording reads `overload     CLIPPED: 15.0 % of raw values at the ADC rails, 9.00 s of 60.00 s clipping;
 * the detections are unreliable (intermodulation, missed weak signals): record again with less gain`. The
 * `calibration` line only when the baseline listed emitters, `non-finite` only when samples were dropped.
 * `lang` 'zh-CN' (`--lang zh-CN`): the same lines in Simplified Chinese (src/cli/replay-words.ts).
 */
export function replaySummaryText(s: ReplaySummary, lang: TextLang = 'en'): string {
  const w = replayWords(lang);
  const rows: [string, string][] = [];
  const centre = s.centerHz === null ? w.centreUnknown : w.centre((s.centerHz / 1e6).toFixed(3));
  rows.push([w.label.recording, w.recording(s.durationS.toFixed(2), rateText(s.rateSps), centre)]);
  rows.push([w.label.detections, String(s.detections) + (s.detectorTracks !== undefined ? w.joined(s.detectorTracks) : '')]);
  rows.push([w.label.overload, s.floatSamples
    ? w.overloadFloat
    : s.overloaded
      ? w.overloadClipped(pct(s.clipFraction), s.overloadS.toFixed(2), s.durationS.toFixed(2))
      : w.overloadNone(pct(s.maxBlockClipFraction), limitPct(s.overloadClipFraction))]);
  const e = s.calibrationEmitters;
  if (e.length > 0) {
    const silent = e.filter((x) => x.appearances === 0).map((x) => `${(x.centerHz / 1e6).toFixed(4)} MHz`);
    rows.push([w.label.calibration, w.calibration(e.length - silent.length, e.length) + (silent.length > 0 ? w.neverHeard(silent.join(', ')) : '')]);
  }
  if (s.nonFiniteSamples > 0) rows.push([w.label.nonFinite, w.nonFinite(s.nonFiniteSamples)]);
  rows.push([w.label.speed, s.detectWallS === s.wallS
    ? w.speedOne(factorText(s.realtimeFactor), s.wallS.toFixed(2))
    : w.speedTwo(factorText(s.detectRealtimeFactor), s.detectWallS.toFixed(2), factorText(s.realtimeFactor), s.wallS.toFixed(2))]);
  return `\n${w.title(s.file)}\n${rows.map(([k, v]) => `  ${padColumns(k, 12, true)} ${v}`).join('\n')}\n`;
}
