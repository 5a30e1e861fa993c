// The end of `quietband replay` for a person at a terminal: a few lines in words. Piped output gets none of it.
import type { ReplaySummary } from './replay.js';

/** A writable stream as far as the summary needs it (process.stdout / process.stderr, or a test's). */
export interface SummaryStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Where the human summary goes: stdout when it is a terminal (no program reads those lines), else stderr when that is
 * a terminal (`replay f | jq …`: stdout stays machine lines), else nowhere (both piped: a script, a log file).
 */
export function summaryStream(stdout: SummaryStream, stderr: SummaryStream): SummaryStream | null {
  if (stdout.isTTY === true) return stdout;
  if (stderr.isTTY === true) return stderr;
  return null;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

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
 *   overload     none (at most 0.3 % of raw values at the rails in one block)
 *   calibration  2 of 3 emitters heard; never heard after calibration: 433.9904 MHz (deaf receiver, or it stopped)
 *   speed        48.2 × real time (1.24 s)
 * ```
 * A clipped recording reads `overload     CLIPPED: 15.0 % of raw values at the ADC rails, 9.00 s of 60.00 s clipping;
 * the detections are unreliable (intermodulation, missed weak signals): record again with less gain`. The
 * `calibration` line only when the baseline listed emitters, `non-finite` only when samples were dropped.
 */
export function replaySummaryText(s: ReplaySummary): string {
  const rows: [string, string][] = [];
  const centre = s.centerHz === null ? 'centre unknown (frequencies are offsets)' : `centre ${(s.centerHz / 1e6).toFixed(3)} MHz`;
  rows.push(['recording', `${s.durationS.toFixed(2)} s at ${rateText(s.rateSps)}, ${centre}`]);
  rows.push(['detections', String(s.detections)]);
  rows.push(['overload', s.overloaded
    ? `CLIPPED: ${pct(s.clipFraction)} of raw values at the ADC rails, ${s.overloadS.toFixed(2)} s of ${s.durationS.toFixed(2)} s clipping; ` +
      'the detections are unreliable (intermodulation, missed weak signals): record again with less gain'
    : `none (at most ${pct(s.maxBlockClipFraction)} of raw values at the rails in one block)`]);
  const e = s.calibrationEmitters;
  if (e.length > 0) {
    const silent = e.filter((x) => x.appearances === 0).map((x) => `${(x.centerHz / 1e6).toFixed(4)} MHz`);
    rows.push(['calibration', `${e.length - silent.length} of ${e.length} emitter${e.length === 1 ? '' : 's'} heard` +
      (silent.length > 0 ? `; never heard after calibration: ${silent.join(', ')} (deaf receiver, or it stopped)` : '')]);
  }
  if (s.nonFiniteSamples > 0) rows.push(['non-finite', `${s.nonFiniteSamples} samples (NaN, ±Inf) dropped with their frames`]);
  rows.push(['speed', `${s.realtimeFactor.toFixed(1)} × real time (${s.wallS.toFixed(2)} s)`]);
  return `\nreplay of ${s.file}\n${rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`).join('\n')}\n`;
}
