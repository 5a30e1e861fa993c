// Wall-clock times of the site's time zone (exam sessions, known-emitter expiry) ⇄ epoch ms, using Intl only.
import { errorTextIn, type ErrorMessageCode } from '../error-text.js';

/** `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (a space may replace the T): a local time of the site. */
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
/** An ISO 8601 time with an explicit zone (`Z`, `+08:00`, `-0500`): taken as is. */
const ABSOLUTE_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The machine's IANA time zone (what `timeZone: undefined` means). */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Local wall-clock fields of instant `ms` in `timeZone`. */
function wallFields(ms: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return { y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day), h: Number(parts.hour) % 24, mi: Number(parts.minute), s: Number(parts.second) };
}

/**
 * Offset (ms) of `timeZone` from UTC at instant `ms`: local wall time read as UTC, minus the instant
 * (Asia/Shanghai → +28 800 000). Whole seconds (sub-second part of `ms` ignored).
 */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const w = wallFields(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * Epoch ms of a site time. `text` is either a local time of `timeZone` (`2026-06-07T09:00`, `2026-06-07 09:00:30`,
 * or a date `2026-06-07` = its 00:00) or an ISO time with an explicit zone (`2026-06-07T01:00:00Z`, `…+08:00`).
 * Local times are converted with the zone's offset at that time (two passes, so a time just after a DST change gets
 * the new offset; a local time inside a spring-forward gap maps to the instant one gap later).
 * @throws RangeError `"<text>" is not …` explaining the accepted forms (callers prefix the field name), carrying its
 *   `messageCode` (time.notATime, time.invalid: src/error-text.ts) for the Chinese words.
 */
export function parseSiteTime(text: string, timeZone: string): number {
  const t = text.trim();
  if (ABSOLUTE_RE.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  const m = LOCAL_RE.exec(t);
  if (m === null) {
    throw timeError({ id: 'time.notATime', params: { text } });
  }
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (mo < 1 || mo > 12 || check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59) {
    throw timeError({ id: 'time.invalid', params: { text } });
  }
  let ms = wall - zoneOffsetMs(wall, timeZone);
  ms = wall - zoneOffsetMs(ms, timeZone);
  return ms;
}

/** A RangeError in the English words of `code`, carrying it (`messageCode`) so a caller can word it in Chinese too. */
function timeError(code: ErrorMessageCode): RangeError & { messageCode: ErrorMessageCode } {
  return Object.assign(new RangeError(errorTextIn('en', code)), { messageCode: code });
}

/** `YYYY-MM-DDTHH:MM:SS` local time of `ms` in `timeZone` (the inverse of {@link parseSiteTime} for whole seconds). */
export function formatSiteTime(ms: number, timeZone: string): string {
  const w = wallFields(ms, timeZone);
  const p = (n: number, k = 2): string => String(n).padStart(k, '0');
  return `${p(w.y, 4)}-${p(w.mo)}-${p(w.d)}T${p(w.h)}:${p(w.mi)}:${p(w.s)}`;
}

/**
 * Day of the week (0 = Sunday … 6 = Saturday) and minute of the day (0–1439) of instant `ms` on the wall clock of
 * `timeZone` (seconds dropped): what a daily rule such as "22:00–06:00 on weekdays" is checked against.
 */
export function siteWallClock(ms: number, timeZone: string): { weekday: number; minuteOfDay: number } {
  const w = wallFields(ms, timeZone);
  return { weekday: new Date(Date.UTC(w.y, w.mo - 1, w.d)).getUTCDay(), minuteOfDay: w.h * 60 + w.mi };
}
