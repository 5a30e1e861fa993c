// Per-sensor health bookkeeping without I/O: achieved sample rate, pipeline time, overload (clip fraction with hysteresis), offline judgement.
import type { ProcessingReport } from '../types.js';
import { isClipping } from '../spectrum/overload.js';

/**
 * Achieved sample rate from block arrivals: a ring of (wall ms, cumulative samples) marks; the rate is the samples
 * between the oldest mark within `windowMs` and the newest, over their time span. Preallocated; `add` allocates nothing.
 */
export class RateMeter {
  private readonly tMs: Float64Array;
  private readonly n: Float64Array;
  private head = 0;
  private size = 0;

  /** @param windowMs span the estimate covers (default 5000 ms). @param capacity marks kept (default 256). */
  constructor(
    readonly windowMs = 5000,
    capacity = 256,
  ) {
    this.tMs = new Float64Array(capacity);
    this.n = new Float64Array(capacity);
  }

  /** Records that `totalSamples` samples had arrived by `nowMs`. */
  add(nowMs: number, totalSamples: number): void {
    this.tMs[this.head] = nowMs;
    this.n[this.head] = totalSamples;
    this.head = (this.head + 1) % this.tMs.length;
    if (this.size < this.tMs.length) this.size++;
  }

  /** Forgets every mark (a new stream). */
  reset(): void {
    this.size = 0;
  }

  /** Samples per second over the window ending at the newest mark; null with fewer than 2 marks or < 200 ms of span. */
  rateSps(): number | null {
    if (this.size < 2) return null;
    const cap = this.tMs.length;
    const newest = (this.head - 1 + cap) % cap;
    const tNew = this.tMs[newest]!;
    let oldest = newest;
    for (let k = 1; k < this.size; k++) {
      const i = (newest - k + cap) % cap;
      if (tNew - this.tMs[i]! > this.windowMs) break;
      oldest = i;
    }
    const span = tNew - this.tMs[oldest]!;
    if (span < 200) return null;
    return ((this.n[newest]! - this.n[oldest]!) / span) * 1000;
  }
}

/**
 * Pipeline time per source block, gathered in the worker between two health reports: each block's busy seconds in a
 * preallocated list, and the sums of busy and signal seconds. `add` allocates nothing; `take` one array per report.
 */
export class ProcessingMeter {
  private readonly busy: Float64Array;
  private n = 0;
  private lost = 0;
  private busyS = 0;
  private blockS = 0;

  /** @param capacity blocks listed per report (default 4096: 250 ms of 60 µs blocks); more are summed, counted as lost. */
  constructor(capacity = 4096) {
    this.busy = new Float64Array(capacity);
  }

  /** Records one block: `busyS` seconds of pipeline time for `blockS` seconds of signal. */
  add(busyS: number, blockS: number): void {
    if (this.n < this.busy.length) this.busy[this.n++] = busyS;
    else this.lost++;
    this.busyS += busyS;
    this.blockS += blockS;
  }

  /** The blocks since the previous call, or null when there were none; starts a new period. */
  take(): ProcessingReport | null {
    if (this.n === 0 && this.lost === 0) return null;
    const r: ProcessingReport = { blockBusyS: this.busy.slice(0, this.n), busyS: this.busyS, blockS: this.blockS, lost: this.lost };
    this.n = 0;
    this.lost = 0;
    this.busyS = 0;
    this.blockS = 0;
    return r;
  }
}

/** Settings of {@link OverloadTracker} (site config `overload`). */
export interface OverloadSettings {
  /** Share of raw values at the ADC rails above which a report counts as clipping. */
  clipFraction: number;
  /** Clipping must last this long (ms) to enter overload. */
  onAfterMs: number;
  /** Clean reports for this long (ms) leave overload. */
  offAfterMs: number;
}

/**
 * Overload with hysteresis (docs/field-notes.md §5): enters when every clip report for `onAfterMs` was above the threshold,
 * leaves when every report for `offAfterMs` was at or below it. One episode = one `true` → `false` cycle, however
 * the clip fraction flaps inside it (so one alert, not a flood).
 */
export class OverloadTracker {
  private active = false;
  /** Start (ms) of the current run of reports on the other side of the threshold; null when none. */
  private runStartMs: number | null = null;

  constructor(private readonly s: OverloadSettings) {}

  /** True while in overload. */
  get overload(): boolean {
    return this.active;
  }

  /**
   * Feeds the largest clip fraction seen since the previous report, at `nowMs`. Returns 'on' / 'off' when the state
   * changes with this report, else null.
   */
  report(clipFraction: number, nowMs: number): 'on' | 'off' | null {
    const clipping = isClipping(clipFraction, this.s.clipFraction);
    if (clipping === this.active) {
      this.runStartMs = null;
      return null;
    }
    this.runStartMs ??= nowMs;
    if (nowMs - this.runStartMs >= (this.active ? this.s.offAfterMs : this.s.onAfterMs)) {
      this.active = clipping;
      this.runStartMs = null;
      return clipping ? 'on' : 'off';
    }
    return null;
  }

  /** Back to no overload (a new stream). */
  reset(): void {
    this.active = false;
    this.runStartMs = null;
  }
}

/** Inputs of {@link isOffline}. */
export interface OfflineInputs {
  /** Worker state: 'offline'/'stopped' (source ended or failed, worker gone) are offline at once; 'error' never. */
  state: string;
  /** The worker's last report: how long (ms) it had been waiting for its source (0 = busy with a block, not waiting). */
  sourceWaitMs: number;
  /** The worker's last report: the current source run has delivered a block. */
  streaming: boolean;
  /** Main-thread wall time (ms) the last report arrived, or the worker's spawn time before the first. */
  lastReportAtMs: number;
  nowMs: number;
  /** Silence (ms) of a streaming source that makes it offline. */
  offlineAfterMs: number;
  /** Silence (ms) allowed before a run's first block (open, connect, settle), and for a worker that does not report at all. */
  startGraceMs: number;
}

/**
 * Whether a sensor counts as offline (docs/field-notes.md §8: "sensor offline" is itself an alert):
 * - its worker says so (source ended or failed: state 'offline'; worker gone: 'stopped') — at once;
 * - its worker has been waiting for the source's next block for more than `offlineAfterMs` (`startGraceMs` before the
 *   run's first block): the wait reported, plus the time since that report, so the judgement does not wait for the next
 *   report. Only waiting counts: a worker busy with set-up work (baseline statistics) is not a silent source;
 * - its worker sent no report for `startGraceMs` (hung, or blocked far longer than any set-up step).
 * A refused sensor ('error': bad baseline) is not offline; its status says why.
 */
export function isOffline(i: OfflineInputs): boolean {
  if (i.state === 'offline' || i.state === 'stopped') return true;
  if (i.state === 'error') return false;
  const sinceReport = i.nowMs - i.lastReportAtMs;
  if (sinceReport > i.startGraceMs) return true;
  const waited = i.sourceWaitMs > 0 ? i.sourceWaitMs + sinceReport : 0;
  return waited > (i.streaming ? i.offlineAfterMs : i.startGraceMs);
}
