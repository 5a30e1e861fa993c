// The times a session was not monitored, from the daemon's run log (src/site/run-log.ts): the daemon down between a
// stop (or its last heartbeat) and the next start, and each sensor's warm-up after a start (no detection while learning).
import type { RunRecord } from './run-log.js';

/**
 * One unmonitored period inside the report's window (epoch ms, clipped to it).
 * - `down`: the daemon was not running; `reason` of the stop before it (`SIGINT`, `SIGTERM`, `stopped`, or `unclean`:
 *   a crash or power cut, its start dated by `lastSign` to within `resolutionMs`, absent when no bound is known);
 *   `restarted` false when no start followed before the window's end (or the report).
 * - `warmup`: `sensor` was learning its baseline after a start (from the start to its first `armed`; to the run's end
 *   when it never armed).
 */
export type MonitoringGap =
  | { kind: 'down'; fromMs: number; toMs: number; reason: string; lastSign?: 'heartbeat' | 'alert-store' | 'start'; resolutionMs?: number; restarted: boolean }
  | { kind: 'warmup'; sensor: string; fromMs: number; toMs: number };

/** What {@link monitoringGaps} finds: the periods in start order and the time they cover together. */
export interface MonitoringSummary {
  gaps: MonitoringGap[];
  /** Length (s) of the union of every gap: time in which the daemon was down or at least one sensor was warming up. */
  unmonitoredS: number;
  /** Number of `down` gaps and of `warmup` gaps. */
  downs: number;
  warmups: number;
}

/**
 * Shortest part (ms) of a period inside the window that the report lists: the table shows whole seconds, so a shorter
 * one (a warm-up that ended a moment after a window that starts at the first alert) would be a "0 s" row and a count.
 */
export const MIN_GAP_MS = 500;

/**
 * The unmonitored periods of window [startMs, endMs] (epoch ms) from a data dir's run records (file order), up to
 * `nowMs` (a daemon still down at the report: its gap ends there). A period that began before the window (the first
 * start's warm-up when the window starts at the first alert) is clipped to it, not dropped; what is left of a period
 * inside the window when shorter than {@link MIN_GAP_MS} is left out. Records with unreadable times are skipped.
 */
export function monitoringGaps(runs: readonly RunRecord[], window: { startMs: number; endMs: number }, nowMs: number): MonitoringSummary {
  const gaps: MonitoringGap[] = [];
  const endMs = Math.min(window.endMs, nowMs);
  const clip = (g: MonitoringGap): void => {
    const fromMs = Math.max(g.fromMs, window.startMs);
    const toMs = Math.min(g.toMs, endMs);
    if (toMs - fromMs >= MIN_GAP_MS) gaps.push({ ...g, fromMs, toMs });
  };
  // the run being read: its start, its sensors not armed yet, its stop
  let run: { startMs: number; waiting: Set<string> } | undefined;
  let stop: Extract<RunRecord, { event: 'stop' }> | undefined;
  let stopMs = NaN;
  const endRun = (atMs: number): void => {
    if (run !== undefined) for (const sensor of run.waiting) clip({ kind: 'warmup', sensor, fromMs: run.startMs, toMs: atMs });
    run = undefined;
  };
  for (const r of runs) {
    const t = Date.parse(r.time);
    if (Number.isNaN(t)) continue;
    if (r.event === 'start') {
      // a run without a stop record (a log written before stops were recorded): it ended when the next began
      endRun(t);
      if (stop !== undefined) clip(downGap(stop, stopMs, t, true));
      stop = undefined;
      run = { startMs: t, waiting: new Set((Array.isArray(r.sensors) ? r.sensors : []).map((s) => s.name)) };
    } else if (r.event === 'armed') {
      if (run !== undefined && run.waiting.delete(r.sensor)) clip({ kind: 'warmup', sensor: r.sensor, fromMs: run.startMs, toMs: t });
    } else {
      endRun(t);
      stop = r;
      stopMs = t;
    }
  }
  endRun(endMs); // the run going on now: sensors still learning
  if (stop !== undefined) clip(downGap(stop, stopMs, endMs, false));
  gaps.sort((a, b) => a.fromMs - b.fromMs || (a.kind === b.kind ? 0 : a.kind === 'down' ? -1 : 1));
  return { gaps, unmonitoredS: unionMs(gaps) / 1000, downs: gaps.filter((g) => g.kind === 'down').length, warmups: gaps.filter((g) => g.kind === 'warmup').length };
}

function downGap(stop: Extract<RunRecord, { event: 'stop' }>, fromMs: number, toMs: number, restarted: boolean): MonitoringGap {
  const g: MonitoringGap = { kind: 'down', fromMs, toMs, reason: stop.reason, restarted };
  if (stop.lastSign !== undefined) g.lastSign = stop.lastSign;
  if (stop.resolutionMs !== undefined) g.resolutionMs = stop.resolutionMs;
  return g;
}

/** Total length (ms) of the union of intervals sorted by start. */
function unionMs(gaps: readonly MonitoringGap[]): number {
  let total = 0;
  let curFrom = -Infinity;
  let curTo = -Infinity;
  for (const g of gaps) {
    if (g.fromMs > curTo) {
      if (curTo > curFrom) total += curTo - curFrom;
      curFrom = g.fromMs;
      curTo = g.toMs;
    } else if (g.toMs > curTo) curTo = g.toMs;
  }
  if (curTo > curFrom) total += curTo - curFrom;
  return total;
}
