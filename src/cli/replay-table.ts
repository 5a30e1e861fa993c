// `quietband replay` for a person at a terminal: one short table line per detection instead of its ≈ 1 kB JSON line.
// The table is built from the very JSON lines a pipe gets (detectionLine in replay-line.ts), so both show the same values.
import { cliError } from '../error-text.js';
import { closestClassOf, closestText, delayText, guessLegend, guessWords, isGuess, markedClass } from '../text-template.js';
import type { TextLang } from '../text-template.js';
import type { ReplaySignal } from '../ident/signal-summary.js';
import type { DetectionLine } from './replay-line.js';
import { columns, padColumns, replayWords, type ReplayWords } from './replay-words.js';

/** How `replay` writes its detections on stdout: JSON lines (machines, pipes) or a table (a person at a terminal). */
export type ReplayOutput = 'json' | 'table';

/**
 * The output for the flags and stdout: `json` with `--json`, `table` with `--table`, else `table` when stdout is a
 * terminal and `json` when it is a pipe or a file (scripts, scoring tools and tests read those lines).
 * @throws QuietBandError('CONFIG') naming both flags when both are given.
 */
export function replayOutput(flags: { json?: boolean; table?: boolean }, stdoutIsTty: boolean): ReplayOutput {
  if (flags.json === true && flags.table === true) throw cliError('flag.jsonAndTable', {}, 'CONFIG');
  if (flags.json === true) return 'json';
  if (flags.table === true) return 'table';
  return stdoutIsTty ? 'table' : 'json';
}

/**
 * The fields of a detection line (src/cli/replay-line.ts) the table shows; of its `signal` only what the class column
 * and the notes read (a line without a confidence shows its class alone).
 */
type DetectionRecord = Pick<DetectionLine, 'type' | 'id' | 'centerHz' | 'bandwidthHz' | 'startS' | 'durationMs' | 'peakExcessDb' | 'overload' | 'packets' | 'frequencyReference' | 'bandLabel' | 'severityRaise'> & {
  signal?: Pick<ReplaySignal, 'class'> & Partial<Pick<ReplaySignal, 'closestClass' | 'confidence' | 'unexpected' | 'band'>>;
};

/**
 * A detection's duration in words: tenths of a millisecond below 10 ms ("0.6 ms", "4.3 ms": a click is not "1 ms"),
 * then the delay wording of the rest of QuietBand (text-template.ts delayText): whole ms below 1 s ("299 ms"), else
 * seconds to 0.1 s ("1.6 s", "16 s"); in `lang` ("299 毫秒", "1.6 秒").
 */
export function detectionDurationText(ms: number, lang: TextLang = 'en'): string {
  return ms < 9.95 ? `${ms.toFixed(1)} ${replayWords(lang).ms}` : delayText(lang, ms);
}

/**
 * A class as the table names it: its code, in Chinese followed by the web page's word for it (`ook 键控`): the code
 * is what the JSON lines, rtl_433 and the docs name, the word what a reader without them (and the page) reads.
 */
function className(cls: string, w: ReplayWords): string {
  const word = w.classWord[cls];
  return word === undefined ? cls : `${cls} ${word}`;
}

/**
 * The class column: `ook 87 %` (`ook 键控 87 %` in Chinese); a guess (confidence below LOW_CONFIDENCE, 0.5) is marked
 * as everywhere a class is shown (src/text-template.ts): `fsk? guess 41 %` (`fsk 频移？ 推测 41 %`), the table's last
 * line saying what `?` means; a class below the class floor `unknown (closest: nfm, 5 %)` (`未知（最接近：nfm 窄调频，5 %）`);
 * `—` when the line has no identification (`--no-identify`, scans).
 */
export function classText(signal: DetectionRecord['signal'], lang: TextLang = 'en'): string {
  if (signal === undefined || typeof signal.class !== 'string') return '—';
  const w = replayWords(lang);
  const c = typeof signal.confidence === 'number' ? signal.confidence : NaN;
  // a closest class comes only with a finite confidence (closestClassOf)
  const closest = closestClassOf(signal);
  if (closest !== undefined) return closestText(lang, 'shown', className(closest, w), c);
  if (signal.class === 'unknown') return w.unknownClass;
  if (!Number.isFinite(c)) return className(signal.class, w);
  const name = markedClass(className(signal.class, w), signal.class, c);
  return `${name} ${isGuess(signal.class, c) ? guessWords(lang, c) : `${Math.round(c * 100)} %`}`;
}

/**
 * Notes of one detection: its band, `▲ voice link` (…) when its alert would be raised (the reason's short words, as the
 * web UI's mark), else `unexpected here` when the band plan does not expect its class (a guess: not raised),
 * `CLIPPED` when the receiver was overloaded.
 */
function notesText(d: DetectionRecord, w: ReplayWords): string {
  const notes: string[] = [];
  if (d.bandLabel !== undefined) notes.push(d.bandLabel);
  const raise = d.severityRaise?.reasonCode?.id;
  if (raise !== undefined) notes.push(Object.hasOwn(w.raised, String(raise)) ? w.raised[String(raise)]! : '▲');
  else if (d.signal?.unexpected === true) notes.push(w.unexpected);
  if (d.overload) notes.push(w.clipped);
  return notes.join(w.listSep);
}

/** The table's last line: what the `pk` column counts, so "6 bursts, 1 row" does not read as 5 missed bursts. */
export const PACKETS_FOOTER = replayWords('en').packetsFooter;

/**
 * Collects `replay`'s stdout lines and words the detections as a table with {@link text}, in `lang` (`--lang`; the
 * class names, band labels and numbers are the same in every language). Lines of other types (`calibration-emitter`,
 * `emitter-heard`) are skipped: `replay` words those on stderr already.
 */
export class ReplayTable {
  private readonly rows: DetectionRecord[] = [];

  constructor(private readonly lang: TextLang = 'en') {}

  /** Takes one stdout line of `replay` (a JSON object). @throws SyntaxError if it is not JSON. */
  add(line: string): void {
    const rec = JSON.parse(line) as { type?: unknown };
    if (rec.type === 'detection') this.rows.push(rec as DetectionRecord);
  }

  /** Detections taken so far. */
  get count(): number {
    return this.rows.length;
  }

  /**
   * The table, one line per detection in order of start time, then a line counting them by class, e.g.
   * ```
   *  #  start s  centre MHz  bw kHz  duration  pk  excess dB  class     notes
   *  1    0.109    434.0252    0.98    299 ms   7       10.9  ook 87 %  ISM 433 MHz
   *  2    0.289    433.9237    9.28    196 ms   1       43.8  ook 99 %  ISM 433 MHz
   * 2 detections: ook 2
   * pk: bursts (packets, keyings) in one detection; repeats of a transmission close in time and frequency make one row
   * ```
   * and, when a row shows a guess (`fsk? guess 41 %`), the legend `? = guess: confidence below 50 %`.
   * `#` numbers the rows in start order (not the JSON line's track `id`, which has gaps). `start s` is the detection's start in seconds from the recording's first sample; `pk` is `packets` of the JSON
   * line (`–` when the line has none).
   * Frequencies are absolute (`centre MHz`, 4 decimals = 100 Hz) or, when the recording's centre is unknown, signed
   * offsets from the tuning centre (`offset kHz`). No detections: the single line `no detections`.
   */
  text(): string {
    const w = replayWords(this.lang);
    if (this.rows.length === 0) return `${w.noDetections}\n`;
    const offset = this.rows.some((d) => d.frequencyReference === 'offset');
    const h = w.head;
    const head = ['#', h.start, offset ? h.offset : h.centre, h.bandwidth, h.duration, h.packets, h.excess, h.class, h.notes];
    const left = [false, false, false, false, false, false, false, true, true];
    const rows = [...this.rows].sort((a, b) => a.startS - b.startS || a.id - b.id);
    // `#` counts the rows in start order (1, 2, 3 …): the detector's track ids have gaps (tracks too short to report,
    // merged ones) that read as missing detections; the JSON lines keep the id
    const cells = rows.map((d, i) => [
      String(i + 1),
      d.startS.toFixed(3),
      offset ? `${d.centerHz >= 0 ? '+' : '−'}${(Math.abs(d.centerHz) / 1e3).toFixed(1)}` : (d.centerHz / 1e6).toFixed(4),
      (d.bandwidthHz / 1e3).toFixed(2),
      detectionDurationText(d.durationMs, this.lang),
      typeof d.packets === 'number' ? String(d.packets) : '–',
      d.peakExcessDb.toFixed(1),
      classText(d.signal, this.lang),
      notesText(d, w),
    ]);
    const widths = head.map((x, i) => Math.max(columns(x), ...cells.map((c) => columns(c[i]!))));
    const line = (c: string[]): string => c.map((x, i) => padColumns(x, widths[i]!, left[i]!)).join('  ').trimEnd();
    const byClass = new Map<string, number>();
    for (const d of this.rows) {
      const k = typeof d.signal?.class === 'string' ? (d.signal.class === 'unknown' ? w.unknownClass : className(d.signal.class, w)) : w.unidentified;
      byClass.set(k, (byClass.get(k) ?? 0) + 1);
    }
    const classes = [...byClass].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${k} ${n}`).join(w.listSep);
    const n = this.rows.length;
    const raised = this.rows.filter((d) => d.severityRaise !== undefined).length;
    // what `?` means, when a row shows a guess
    const legend = this.rows.some((d) => isGuess(d.signal?.class, d.signal?.confidence)) ? `${guessLegend(this.lang)}\n` : '';
    // and what `unknown (closest: …)` means, when a row shows one
    const closestLegend = this.rows.some((d) => closestClassOf(d.signal) !== undefined) ? `${closestText(this.lang, 'legend', '', 0)}\n` : '';
    return `${[line(head), ...cells.map(line)].join('\n')}\n${w.count(n, classes)}${raised > 0 ? w.raisedCount(raised) : ''}\n${w.packetsFooter}\n${legend}${closestLegend}`;
  }
}
