// A session's report window and its alerts: the one rule of the CLI report, GET /report and GET /sessions
// (docs/web-ui.md, session report).
import type { Alert } from '../alerts/alert.js';
import type { SessionReport } from './session-report.js';

/** Epoch ms of a record's start (`startTime`, else `time`); NaN when neither parses (a malformed record). */
export function startMsOf(r: Alert): number {
  const t = typeof r.startTime === 'string' ? Date.parse(r.startTime) : NaN;
  return Number.isNaN(t) && typeof r.time === 'string' ? Date.parse(r.time) : t;
}

/** Epoch ms of a record's end (`endTime`, else `time`); NaN when neither parses. */
export function endMsOf(r: Alert): number {
  const t = typeof r.endTime === 'string' ? Date.parse(r.endTime) : NaN;
  return Number.isNaN(t) && typeof r.time === 'string' ? Date.parse(r.time) : t;
}

/** A session's report window (epoch ms) and what decided it; see {@link sessionWindow}. */
export interface SessionWindow {
  startMs: number;
  endMs: number;
  windowFrom: SessionReport['windowFrom'];
}

/**
 * The report window of `session`, the one rule of the CLI report, `GET /report` and `GET /sessions`: the configured
 * window (`configured`, epoch ms) when the config defines the session and the earliest record carrying its name was
 * written (`time`) inside that window, or no record carries it yet; otherwise the span (first start .. last end) of
 * the records carrying the name. A configured window that begins after the session's first alert describes another
 * run of that name (the demo defines its session anew from each start; an edited config), not the alerts the name
 * tags, so the alerts decide: a daemon with the config and a CLI without it then print the same window.
 * @returns undefined when no window can be given: no configured session and no record of that name with a readable time.
 */
export function sessionWindow(records: readonly Alert[], session: string, configured?: { startMs: number; endMs: number }): SessionWindow | undefined {
  // loops, not Math.min(...spread): a long session's records would overflow the call stack; unparsable times skipped
  let firstWrittenMs = Infinity;
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const r of records) {
    if (r.session !== session) continue;
    const written = typeof r.time === 'string' ? Date.parse(r.time) : NaN;
    if (written < firstWrittenMs) firstWrittenMs = written;
    const t0 = startMsOf(r);
    const t1 = endMsOf(r);
    if (t0 < startMs) startMs = t0;
    if (t1 > endMs) endMs = t1;
  }
  if (configured !== undefined && (!Number.isFinite(firstWrittenMs) || (firstWrittenMs >= configured.startMs && firstWrittenMs <= configured.endMs))) {
    return { startMs: configured.startMs, endMs: configured.endMs, windowFrom: 'config' };
  }
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return undefined;
  return { startMs, endMs, windowFrom: 'alerts' };
}

/**
 * The alerts of a session, each as its records in `seq` order (keyed by alertId, in first-appearance order): an alert
 * belongs when one of its records carries the session's name or its first record starts inside `window`; a
 * sensor-offline alert also when it overlaps the window (began before, still on in it). Later records (close, acks
 * after the session) come with it. The membership of {@link buildSessionReport} and of `GET /sessions`' counts.
 */
export function sessionAlertRecords(records: readonly Alert[], session: string, window: { startMs: number; endMs: number }): Map<string, Alert[]> {
  const groups = new Map<string, Alert[]>();
  for (const r of records) {
    const g = groups.get(r.alertId);
    if (g === undefined) groups.set(r.alertId, [r]);
    else g.push(r);
  }
  for (const [alertId, recs] of groups) {
    recs.sort((a, b) => a.seq - b.seq);
    const first = recs[0]!;
    const t0 = startMsOf(first);
    const inWindow = recs.some((r) => r.session === session) || (t0 >= window.startMs && t0 <= window.endMs);
    // an outage that began before the session and was still on in it counts too
    const closeRec = recs.find((r) => r.event === 'close');
    const tEnd = closeRec !== undefined ? endMsOf(closeRec) : Infinity;
    const overlaps = first.kind === 'sensor-offline' && t0 < window.endMs && tEnd > window.startMs;
    if (!inWindow && !overlaps) groups.delete(alertId);
  }
  return groups;
}
