// One detection line of `quietband replay`'s JSON output: its type, and the function that writes it.
import { bandAt, type Region } from '../spectrum/band-plan.js';
import type { SeverityRaise } from '../alerts/severity-rank.js';
import { severityRaiseFor } from '../alerts/severity-raise.js';
import type { ReplaySignal } from '../ident/signal-summary.js';
import type { DetectionEvent, IqSourceInfo } from '../types.js';

/**
 * A detection line of `quietband replay` (`{"type":"detection",…}`, docs/identification.md §8): frequencies in Hz
 * (absolute when `frequencyReference` is `absolute`, else offsets from the tuning centre), times from the recording's
 * first sample, levels in dB. Readers of the output (the table of src/cli/replay-table.ts, tests, tools) take it as this.
 */
export interface DetectionLine {
  type: 'detection';
  /** The detector's track id (types.ts DetectionEvent.id). */
  id: number;
  /** Centre and occupied bandwidth, and the occupied band's edges (Hz, to 1 Hz). */
  centerHz: number;
  bandwidthHz: number;
  lowHz: number;
  highHz: number;
  /** Start and end (s from the recording's first sample, to 1 µs) and duration (ms, to 1 µs). */
  startS: number;
  endS: number;
  durationMs: number;
  /** Peak excess over the baseline (dB) and peak power (dBFS), to 0.01 dB. */
  peakExcessDb: number;
  peakPowerDbfs: number;
  /** Detector paths that saw it. */
  paths: DetectionEvent['paths'];
  /** True when the receiver clipped during it. */
  overload: boolean;
  /** Bursts the detection holds (DetectionEvent.packets); absent in lines of older versions. */
  packets?: number;
  frequencyReference: 'absolute' | 'offset';
  /** The band plan's label at `centerHz` (absolute centre and a region only). */
  bandLabel?: string;
  /** The detector's other slices of the same band-wide emission, written as this one row (src/ident/joined-rows.ts). */
  joinedIds?: readonly number[];
  /** What the emission is (absent with `--no-identify` and in scans). */
  signal?: ReplaySignal;
  /** Why the daemon would rank its alert above the others of its severity (as Alert.severityRaise). */
  severityRaise?: SeverityRaise;
}

const r = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * The stdout line for a finished detection: a {@link DetectionLine} as JSON with fixed rounding (Hz to 1 Hz, seconds to
 * 1 µs, dB to 0.01 dB) so the same file and flags give the same bytes. `frequencyReference` is "offset" when the
 * recording's centre frequency is unknown (frequencies are then offsets from the tuning centre). `severityRaise` (as on
 * an alert record): why the daemon would rank its alert above the others of its severity (src/alerts/severity-raise.ts;
 * needs the signal's band, so an absolute centre).
 */
export function detectionLine(ev: DetectionEvent, info: IqSourceInfo, region: Region | 'none', signal?: ReplaySignal, joinedIds: readonly number[] = []): string {
  const band = info.centerKnown && region !== 'none' ? bandAt(ev.centerHz, region) : undefined;
  const endS = ev.endS ?? ev.startS;
  const line: DetectionLine = {
    type: 'detection',
    id: ev.id,
    centerHz: Math.round(ev.centerHz),
    bandwidthHz: Math.round(ev.bandwidthHz),
    lowHz: Math.round(ev.lowHz),
    highHz: Math.round(ev.highHz),
    startS: r(ev.startS, 6),
    endS: r(endS, 6),
    durationMs: r((endS - ev.startS) * 1000, 3),
    peakExcessDb: r(ev.peakExcessDb, 2),
    peakPowerDbfs: r(ev.peakPowerDbfs, 2),
    paths: ev.paths,
    overload: ev.overload,
    packets: ev.packets,
    frequencyReference: info.centerKnown ? 'absolute' : 'offset',
  };
  if (band) line.bandLabel = band.label;
  if (joinedIds.length > 0) line.joinedIds = joinedIds;
  if (signal) {
    line.signal = signal;
    const raise = severityRaiseFor(signal, ev.centerHz);
    if (raise !== undefined) line.severityRaise = raise;
  }
  return JSON.stringify(line);
}
