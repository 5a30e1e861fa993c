// Per-sensor health bookkeeping without I/O: achieved sample rate, pipeline time, overload (clip fraction with hysteresis), offline judgement.
import type { ProcessingReport } from '../types.js';
import { isClipping } from '../spectrum/overload.js';

/**
 * Achieved sample rate from block arrivals, as samples over wall time, never inflated by the catch-up after a stall:
 *
 *   R(r) = (N(t_new) − N(t_r)) / (t_new − t_r),   rate = min(R(r_1), R(r_4))
 *
 * N(t) is the cumulative sample count at the mark of time t and t_new the newest mark; r_1 is the newest mark at least
 * windowMs old (the usual windowed estimate) and r_4 the newest mark at least 4 × windowMs old (the oldest mark kept
 * when there is none; while less than a window has been seen, both are the oldest mark). Why: the samples handed out
 * between two marks are those the receiver produced in that time minus the growth of the queue in front of the
 * pipeline, so a reference taken while nothing was queued gives at most the production rate. After a stall the queued
 * blocks come out in a burst, and a window that starts inside the burst counts queued samples against too little wall
 * time (1.396 MS/s was read on a 1 MS/s sensor). No mark is made during a stall, so until t_new is 4 windows past the
 * end of the stall r_4 is a mark from before it (nothing queued); from then on r_1 lies after the catch-up unless the
 * catch-up itself lasted more than 3 windows. So the reading stays at or below the production rate (plus one block's
 * jitter over the span). A rate that drops shows within one window; a recovery within at most four.
 *
 * Marks are kept at most one per windowMs / 64 (blocks arriving closer update the newest mark in place) in a
 * preallocated ring of `capacity` marks (default 320: five windows whatever the block rate); `add` allocates nothing.
 */
export class RateMeter {
  private readonly tMs: Float64Array;
  private readonly n: Float64Array;
  private head = 0;
  private size = 0;
  /** Arrival time of the first block folded into the newest mark (a mark spans at most `minGapMs` of arrivals). */
  private newestStartMs = -Infinity;
  private readonly minGapMs: number;

  /** @param windowMs span the estimate covers at least (default 5000 ms). @param capacity marks kept (default 320). */
  constructor(
    readonly windowMs = 5000,
    capacity = 320,
  ) {
    this.tMs = new Float64Array(capacity);
    this.n = new Float64Array(capacity);
    this.minGapMs = windowMs / 64;
  }

  /**
   * Records that `totalSamples` samples had arrived by `nowMs`, a monotonic clock (performance.now()): a wall clock that
   * steps (NTP on a board without a battery-backed clock) would read a step back as minutes of no samples, or as a rate
   * tens of times the real one.
   */
  add(nowMs: number, totalSamples: number): void {
    const cap = this.tMs.length;
    if (this.size > 1 && nowMs - this.newestStartMs < this.minGapMs) {
      const newest = (this.head - 1 + cap) % cap;
      this.tMs[newest] = nowMs;
      this.n[newest] = totalSamples;
      return;
    }
    this.tMs[this.head] = nowMs;
    this.n[this.head] = totalSamples;
    this.head = (this.head + 1) % cap;
    if (this.size < cap) this.size++;
    this.newestStartMs = nowMs;
  }

  /** Forgets every mark (a new stream). */
  reset(): void {
    this.size = 0;
    this.newestStartMs = -Infinity;
  }

  /** Samples per second by the formula above; null with fewer than 2 marks or < 200 ms between the oldest mark and the newest. */
  rateSps(): number | null {
    if (this.size < 2) return null;
    const cap = this.tMs.length;
    const newest = (this.head - 1 + cap) % cap;
    const tNew = this.tMs[newest]!;
    const oldest = (newest - (this.size - 1) + cap) % cap;
    if (tNew - this.tMs[oldest]! < 200) return null;
    let r1 = -1;
    let r4 = oldest;
    for (let k = 1; k < this.size; k++) {
      const r = (newest - k + cap) % cap;
      const age = tNew - this.tMs[r]!;
      if (r1 < 0 && age >= this.windowMs) r1 = r;
      if (age >= 4 * this.windowMs) {
        r4 = r;
        break;
      }
    }
    const rate = (r: number): number => ((this.n[newest]! - this.n[r]!) / (tNew - this.tMs[r]!)) * 1000;
    return r1 < 0 ? rate(oldest) : Math.min(rate(r1), rate(r4));
  }
}

/** Share of the configured rate under which a sensor's rate reading counts toward a shortfall ({@link RateShortfallJudge}). */
export const SHORTFALL_ENTER_RATIO = 0.95;
/** Share of the configured rate at or over which a reading counts toward the end of a shortfall. */
export const SHORTFALL_LEAVE_RATIO = 0.98;
/**
 * Time (ms) of net evidence that turns the judgement (docs/sensor-offline.md, "Rate shortfall"). A sensor that delivers
 * its full rate dips while its thread waits for a busy CPU: the {@link RateMeter} then reads `1 − Δlateness / window`,
 * measured on the loaded demo as low as 0.74, under 0.95 for at most 3 s at a time, and 0.94–0.95 with under 0.5 s of
 * lateness. A real 90 % source reads under 0.95 from 2.5 s after the drop and is judged short this much later.
 */
export const SHORTFALL_HOLD_MS = 5000;
/** Longest time (ms) one reading stands for: the first reading after a stall of the worker counts no more than this. */
const SHORTFALL_STEP_MS = 1000;

/**
 * Whether a sensor's rate falls short, judged from its {@link RateMeter} readings with hysteresis in level and time.
 * Evidence for a change is kept as time: while not short, a reading under {@link SHORTFALL_ENTER_RATIO} of the
 * configured rate adds the time since the previous reading, one at or over {@link SHORTFALL_LEAVE_RATIO} takes it away
 * (not below 0), one in between changes nothing; while short, the other way round. At {@link SHORTFALL_HOLD_MS} of
 * evidence the judgement turns and the evidence restarts from 0. So a dip must outlast the stretches of full rate
 * around it by 5 s to count, and one noisy reading inside a real shortfall does not restart the count. A missing
 * reading (too few marks) changes nothing. Allocates nothing.
 */
export class RateShortfallJudge {
  /** True while the sensor's rate is judged short. */
  short = false;
  /** Net time (ms) the readings have disagreed with `short`. */
  private evidenceMs = 0;
  /** Time (ms) of the previous reading, null before the first. */
  private lastMs: number | null = null;

  /**
   * One reading: `achievedSps` (null: none) of `configuredSps`, at `nowMs` (monotonic ms).
   * @returns the judgement after this reading
   */
  note(achievedSps: number | null, configuredSps: number, nowMs: number): boolean {
    const dt = this.lastMs === null ? 0 : Math.min(Math.max(0, nowMs - this.lastMs), SHORTFALL_STEP_MS);
    this.lastMs = nowMs;
    if (achievedSps === null || !(configuredSps > 0)) return this.short;
    const ratio = achievedSps / configuredSps;
    const under = ratio < SHORTFALL_ENTER_RATIO;
    const back = ratio >= SHORTFALL_LEAVE_RATIO;
    if (this.short ? back : under) this.evidenceMs += dt;
    else if (this.short ? under : back) this.evidenceMs = Math.max(0, this.evidenceMs - dt);
    if (this.evidenceMs >= SHORTFALL_HOLD_MS) {
      this.short = !this.short;
      this.evidenceMs = 0;
    }
    return this.short;
  }

  /** A new stream: not short, no evidence. */
  reset(): void {
    this.short = false;
    this.evidenceMs = 0;
    this.lastMs = null;
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

/** Period (ms) of a sensor worker's health reports (from a timer, and from the block path when one is due). */
export const HEALTH_REPORT_MS = 250;

/**
 * Longest time (ms) since a worker's last report over which the main thread assumes the worker is still waiting for its
 * source (two report periods). A worker that waits is idle and reports every {@link HEALTH_REPORT_MS}; one that has not
 * reported for longer is busy or stalled, not waiting, and is judged by its own silence (startGraceMs) instead.
 */
export const WAIT_EXTRAPOLATION_MS = 2 * HEALTH_REPORT_MS;

/**
 * Limit (ms) of a worker's silence before its run's first block: module loading, set-up, opening the source (a simulated
 * source computes its scenario). On 2 cores the first message came 5–7 s after the spawn at load 14, 28 s at load 17–20,
 * with a further 5 s without a report before the first block.
 */
export const WORKER_START_MS = 60_000;

/** Inputs of {@link isOffline}. Times are the main thread's responsive time ({@link StallClock}), not wall time. */
export interface OfflineInputs {
  /** Worker state: 'offline'/'stopped' (source ended or failed, worker gone) are offline at once; 'error' never. */
  state: string;
  /**
   * The worker's last report: how long (ms) it had been waiting for its source (0 = busy with a block, not waiting),
   * counted in the worker's own responsive time (its own stalls left out).
   */
  sourceWaitMs: number;
  /** The worker's last report: the current source run has delivered a block. */
  streaming: boolean;
  /** Responsive time (ms) the last report arrived, or the worker's spawn before the first. */
  lastReportAtMs: number;
  /** The worker has reported since it was spawned. */
  reported: boolean;
  /** Responsive time (ms) now. */
  nowMs: number;
  /** Silence (ms) of a streaming source that makes it offline. */
  offlineAfterMs: number;
  /** Silence (ms) allowed before a run's first block (open, connect, settle), and for a running worker that does not report at all. */
  startGraceMs: number;
  /** Limit (ms) of a worker's silence until its run's first block (default {@link WORKER_START_MS}). */
  workerStartMs: number;
}

/** Why {@link offlineCause} judges a sensor offline. */
export type OfflineCause = 'worker' | 'silentWorker' | 'noDataAfterOpen' | 'noData';

/**
 * How long (ms) the sensor's source has been silent: the wait the worker reported plus the time since that report, the
 * latter at most {@link WAIT_EXTRAPOLATION_MS}; 0 when the worker was busy with a block at its last report.
 */
export function sourceSilenceMs(i: Pick<OfflineInputs, 'sourceWaitMs' | 'lastReportAtMs' | 'nowMs'>): number {
  if (i.sourceWaitMs <= 0) return 0;
  return i.sourceWaitMs + Math.min(Math.max(0, i.nowMs - i.lastReportAtMs), WAIT_EXTRAPOLATION_MS);
}

/**
 * Why a sensor counts as offline (docs/field-notes.md §8: "sensor offline" is itself an alert), or null when it does not
 * (docs/sensor-offline.md):
 * - 'worker': its worker says so (source ended or failed: state 'offline'; worker gone: 'stopped') — at once;
 * - 'silentWorker': its worker, streaming, sent no report for `startGraceMs` (hung, or blocked far longer than any
 *   block takes); before its run's first block (spawn, set-up, opening the source: seconds of synchronous work on a
 *   loaded machine) the limit is `workerStartMs`;
 * - 'noDataAfterOpen' / 'noData': its worker has been waiting for the source's next block for more than `startGraceMs`
 *   before the run's first block, `offlineAfterMs` after it ({@link sourceSilenceMs}). Only waiting counts: a worker
 *   busy with a block or set-up work is not a silent source.
 * A refused sensor ('error': bad baseline) is not offline; its status says why. All times are responsive time: the
 * main thread's own stalls do not count, and the worker's wait leaves out the worker's own stalls.
 */
export function offlineCause(i: OfflineInputs): OfflineCause | null {
  if (i.state === 'offline' || i.state === 'stopped') return 'worker';
  if (i.state === 'error') return null;
  if (i.nowMs - i.lastReportAtMs > (i.reported && i.streaming ? i.startGraceMs : i.workerStartMs)) return 'silentWorker';
  if (sourceSilenceMs(i) > (i.streaming ? i.offlineAfterMs : i.startGraceMs)) return i.streaming ? 'noData' : 'noDataAfterOpen';
  return null;
}

/** Whether a sensor counts as offline: {@link offlineCause} is not null. */
export function isOffline(i: OfflineInputs): boolean {
  return offlineCause(i) !== null;
}

/** Span (ms) over which a sensor's health keeps its largest reported `behindMs`. */
export const BEHIND_PEAK_MS = 30_000;

/**
 * The largest of a series of reports (ms) over about the last `spanMs`: a new value replaces the peak when it is at
 * least as large or the peak is older than the span. An undefined report (a scanning sensor) clears it.
 */
export class PeakHold {
  /** The value held, null before the first report. */
  peak: number | null = null;
  /** The latest report (0 before the first, after an undefined one and after {@link reset}). */
  last = 0;
  private atMs = 0;
  constructor(private readonly spanMs: number) {}
  /** One report `value` (undefined: none) at wall time `nowMs`. */
  note(value: number | undefined, nowMs: number): void {
    this.last = value ?? 0;
    if (value === undefined) {
      this.peak = null;
      return;
    }
    if (this.peak === null || value >= this.peak || nowMs - this.atMs > this.spanMs) {
      this.peak = value;
      this.atMs = nowMs;
    }
  }
  /** Forgets the held value (a new worker). */
  reset(): void {
    this.peak = null;
    this.last = 0;
  }
}

/** Smoothed share of time waiting for the source from which a sensor's pipeline counts as keeping up (SensorHealth.sourceBound). */
export const SOURCE_BOUND_WAIT = 0.1;

/**
 * Whether a sensor's pipeline keeps up and waits on its source: the worker's `waitedFraction` (share of a health
 * interval its event loop sat idle) smoothed over ≈ 10 reports (2.5 s: one report's wait moves with the scheduling of a
 * loaded machine), judged against {@link SOURCE_BOUND_WAIT}.
 */
export class SourceBoundJudge {
  private smoothed: number | null = null;

  /** One health report's waitedFraction (0..1); undefined from workers that do not report it. */
  note(waitedFraction: number | undefined): void {
    if (waitedFraction === undefined) return;
    this.smoothed = this.smoothed === null ? waitedFraction : this.smoothed + 0.1 * (waitedFraction - this.smoothed);
  }

  /** True when the smoothed wait reaches SOURCE_BOUND_WAIT; null before the first report. */
  get judged(): boolean | null {
    return this.smoothed === null ? null : this.smoothed >= SOURCE_BOUND_WAIT;
  }

  /** Forgets the reports (a new worker). */
  reset(): void {
    this.smoothed = null;
  }
}
