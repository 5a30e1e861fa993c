// The session report's formatting of values: HTML escaping, site-local times, lengths of time, missing numbers.
import type { TextLang } from '../text-template.js';

/** HTML-escapes text (anything else is converted with String() first: records may be malformed). */
export function esc(v: unknown): string {
  const s = typeof v === 'string' ? v : String(v);
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * `YYYY-MM-DD HH:MM:SS` of an ISO time in `timeZone`; '—' for an unreadable time. The formatter is built once per zone
 * (building one costs ~0.1 ms: thousands of alerts made a report take seconds).
 */
export function localTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  let f = timeFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    timeFormats.set(timeZone, f);
  }
  return f.format(d);
}

/** A finite number through `f`, else '—'. */
export const num = (v: number | undefined, f: (x: number) => string): string => (v === undefined || !Number.isFinite(v) ? '—' : f(v));

/** A length of time (s, ≥ 0) as the report words it: `48 s`, `1 min 10 s`, `2 h 5 min` (`48 秒`, `1 分 10 秒`, `2 小时 5 分`); whole seconds. */
export function durationText(lang: TextLang, seconds: number): string {
  const total = Math.round(Math.max(0, seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const w = lang === 'zh-CN' ? { h: '小时', m: '分', s: '秒' } : { h: 'h', m: 'min', s: 's' };
  if (h > 0) return `${h} ${w.h}${m > 0 ? ` ${m} ${w.m}` : ''}`;
  if (m > 0) return `${m} ${w.m}${s > 0 ? ` ${s} ${w.s}` : ''}`;
  return `${s} ${w.s}`;
}

