// How long an alert lasts, for display: its duration (a lower bound while a transmission is on air) and a group's span.
import type { AlertView } from './alert-model.js';
import { formatDuration } from './format.js';
import { t } from './i18n.js';

/** What the duration of an alert is read from: its kind, whether it closed, and its times (ISO). */
export type AlertSpan = Pick<AlertView, 'kind' | 'closed' | 'startTime' | 'endTime' | 'firstTime' | 'lastTime'>;

/** Start / end (ms) of an alert (start; end = now while open). */
export function spanOf(v: AlertSpan, nowMs: number): [number, number] {
  const start = Date.parse(v.startTime ?? v.firstTime);
  return [start, start + alertDurationMs(v, nowMs)];
}

/**
 * Duration (ms) of an alert, never negative (NaN without a start):
 * - closed: from its start to its end;
 * - an open transmission: from its start to the end of what the sensor has heard so far (the `endTime` of its latest
 *   update, sample time; 0 before the first): the on-air time known so far, a lower bound the final value never
 *   contradicts. Counting to now instead would add the alert path's delay (the detector's hold, the identification, a
 *   pipeline behind real time: 3–20 s measured on a loaded laptop), then drop to the real duration at the close;
 * - any other open alert (sensor offline, overload): to now — the condition lasts as long as the alert is open.
 */
export function alertDurationMs(v: AlertSpan, nowMs: number): number {
  const start = Date.parse(v.startTime ?? v.firstTime);
  if (Number.isNaN(start)) return NaN;
  let end: number;
  if (v.closed) end = Date.parse(v.endTime ?? v.lastTime);
  else if (durationIsLowerBound(v)) end = v.endTime === undefined ? start : Date.parse(v.endTime);
  else end = Math.max(nowMs, Date.parse(v.endTime ?? v.lastTime));
  return Math.max(0, end - start);
}

/** True when {@link alertDurationMs} is a lower bound: an open transmission (it is on air at least this long). */
export function durationIsLowerBound(v: AlertSpan): boolean {
  return !v.closed && v.kind === 'transmission';
}

/**
 * A duration (ms) for display ({@link formatDuration}), "≥ …" when it is a lower bound; a lower bound that rounds to
 * 0.0 s (an open transmission before the sensor's first report past its start, ≈ 1 s after the open) reads "just
 * started" ("刚开始"): "≥ 0.0 s" says nothing, and neither a guess (< 0.1 s) nor the clock (it adds the alert path's
 * delay) would be true.
 */
export function durationText(ms: number, lowerBound: boolean): string {
  if (!lowerBound) return formatDuration(ms);
  return ms < 50 ? t('duration.justStarted') : t('duration.atLeast', { d: formatDuration(ms) });
}

/** The duration of an alert for display: {@link alertDurationMs}, "≥ …" while it is a lower bound. */
export function alertDurationText(v: AlertSpan, nowMs: number): string {
  return durationText(alertDurationMs(v, nowMs), durationIsLowerBound(v));
}

/** The span of a group for display, "≥ …" while a member's duration is a lower bound. */
export function groupSpanText(members: readonly AlertSpan[], nowMs: number): string {
  return durationText(groupSpanMs(members, nowMs), members.some(durationIsLowerBound));
}

/** From the group's first start to its last end ({@link alertDurationMs} of each member), ms. */
function groupSpanMs(members: readonly AlertSpan[], nowMs: number): number {
  let first = Infinity;
  let last = -Infinity;
  for (const m of members) {
    const [a, b] = spanOf(m, nowMs);
    first = Math.min(first, a);
    last = Math.max(last, b);
  }
  return Math.max(0, last - first);
}
