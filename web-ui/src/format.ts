// Display formatting: MHz / kHz / dB / MS/s numbers, durations, and wall-clock times in the site's time zone.
import { alertMessageIn, codeDetail, codesDetail, codesText } from '../../src/server/message-text.js';
import { ackActor, actorAddressText, delayText } from '../../src/text-template.js';
import { lang, t } from './i18n.js';
import type { AlertMessageCode, CalibrationAlertInfo } from './protocol-types.js';

/** Centre frequency for display: Hz → "433.9200 MHz" (4 decimals = 100 Hz steps). */
export function formatMhz(hz: number | undefined, decimals = 4): string {
  return hz === undefined || !Number.isFinite(hz) ? '—' : `${(hz / 1e6).toFixed(decimals)} MHz`;
}

/** Bandwidth for display: Hz → "12.5 kHz" (1 decimal); ≥ 1 MHz → "1.20 MHz". */
export function formatBandwidth(hz: number | undefined): string {
  if (hz === undefined || !Number.isFinite(hz)) return '—';
  return hz >= 1e6 ? `${(hz / 1e6).toFixed(2)} MHz` : `${(hz / 1e3).toFixed(1)} kHz`;
}

/** Decibels with one decimal and a unit: (18.46, 'dB') → "18.5 dB". */
export function formatDb(db: number | undefined, unit = 'dB'): string {
  return db === undefined || !Number.isFinite(db) ? '—' : `${db.toFixed(1)} ${unit}`;
}

/** Sample rate: S/s → "2.048 MS/s". */
export function formatRate(sps: number): string {
  return `${(sps / 1e6).toFixed(3)} MS/s`;
}

/**
 * Duration for display, in the current language: ms → "0.1 s", "9.5 s" (below 10 s: tenths, so a 100 ms burst is not
 * "0 s"), "45 s", "3 min 07 s", "2 h 05 min" (en) or "0.1 秒", "45 秒", "3 分 07 秒", "2 小时 05 分" (zh-CN): number and
 * unit spaced as in every other text of the page and the server's ("1.5 秒", src/text-template.ts delayText), the units
 * from the string tables (`unit.seconds`, `unit.minSec`, `unit.hourMin`). Negative or non-finite → "—".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 9950) return t('unit.seconds', { s: (Math.round(ms / 100) / 10).toFixed(1) });
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return t('unit.hourMin', { h, m: p2(m) });
  if (m > 0) return t('unit.minSec', { m, s: p2(sec) });
  return t('unit.seconds', { s: sec });
}

/**
 * A delay or interval in the current language, worded as the server's texts word theirs (src/text-template.ts
 * delayText): whole ms below 1 s ("381 ms", "381 毫秒"), else seconds to 0.1 s ("12.4 s", "12.4 秒").
 */
export function formatDelay(ms: number): string {
  return delayText(lang(), ms);
}

/**
 * A short span measured within a transmission (burst length, burst period), in the current language: ms with two
 * decimals below 1 s ("1.75 ms", "1.75 毫秒": keying elements need them), else as {@link formatDelay} ("1.6 s", "1.6 秒").
 */
export function formatFeatureMs(ms: number): string {
  if (Math.abs(ms) >= 1000) return formatDelay(ms);
  return `${ms.toFixed(2)} ${lang() === 'zh-CN' ? '毫秒' : 'ms'}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${lang()}|${timeZone}|${withDate ? 'd' : 't'}`;
  let f = formatters.get(key);
  if (f === undefined) {
    const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    // the zone as an offset ("GMT+8"): a zone's short name is a letter code only in some languages ("CST" is three zones)
    if (withDate) Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit', timeZoneName: 'shortOffset' });
    try {
      f = new Intl.DateTimeFormat(lang(), { ...opts, timeZone });
    } catch {
      f = new Intl.DateTimeFormat(lang(), opts); // unknown zone name: browser's zone rather than nothing
    }
    formatters.set(key, f);
  }
  return f;
}

/** Wall-clock time "HH:MM:SS" of an ISO time (or ms since epoch) in the IANA `timeZone` (the site's, from hello). */
export function formatTime(t: string | number | undefined, timeZone: string): string {
  if (t === undefined) return '—';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? '—' : formatter(timeZone, false).format(d);
}

/**
 * Date and time with the zone's offset from UTC, in `timeZone`, the same in both languages: "2026-12-07 15:43:39
 * UTC+8" ("UTC" at offset 0, "UTC+5:30"). The languages' own orders put the zone between date and time in Chinese
 * ("2026/12/07 UTC 07:43:39") and the month first in English; ISO date order reads the same to both readers.
 */
export function formatDateTime(t: string | number | undefined, timeZone: string): string {
  if (t === undefined) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '—';
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of formatter(timeZone, true).formatToParts(d)) part[p.type] = p.value;
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second} ${utcOffset(part.timeZoneName)}`;
}

/** "UTC+8", "UTC+5:30" or "UTC" from a shortOffset zone name as any language gives it ("GMT+8", "GMT+08:00", "GMT+0", "GMT"). */
function utcOffset(name: string | undefined): string {
  const m = /([+-−])(\d{1,2})(?::?(\d{2}))?/.exec(name ?? '');
  if (m === null || (Number(m[2]) === 0 && Number(m[3] ?? 0) === 0)) return 'UTC';
  return `UTC${m[1] === '+' ? '+' : '-'}${Number(m[2])}${m[3] !== undefined && m[3] !== '00' ? `:${m[3]}` : ''}`;
}

/**
 * How an emitter heard during calibration behaved, in the current language: "continuous", or "duty 10.0 % · every
 * 2.00 s · 10 appearances" (the period only when it appeared at least 3 times).
 */
export function describeHeard(c: CalibrationAlertInfo): string {
  const e = c.emitter;
  if (e.continuous) return t('heard.continuous');
  const parts = [t('heard.duty', { pct: (e.dutyCycle * 100).toFixed(1) })];
  if (e.periodS !== null) parts.push(t('heard.period', { s: e.periodS.toFixed(2) }));
  parts.push(t('heard.appearances', { n: e.bursts }));
  return parts.join(' · ');
}

/**
 * A server-produced alert text in the current language: its `messageCode` rendered from the shared table
 * (src/server/message-text.ts, also used by the session report), else `message`; undefined when neither.
 */
export function alertMessageText(message: string | undefined, code: AlertMessageCode | undefined): string | undefined {
  return alertMessageIn(lang(), message, code);
}

/**
 * A sensor's health note in the current language: its `messageCodes` rendered one after the other when the server
 * sent them (then the whole note is coded), else `message` as sent; undefined when neither.
 */
export function healthMessageText(message: string | undefined, codes: readonly AlertMessageCode[] | undefined): string | undefined {
  return Array.isArray(codes) && codes.length > 0 ? codesText(codes, lang()) : message;
}

/**
 * The daemon's English words behind a coded note that the current language's text leaves out (a device list, a file
 * name, a library error): `codes` of a health note or one alert `code`; undefined when there are none (English, or a
 * note without detail).
 */
export function messageDetailText(codes: readonly AlertMessageCode[] | AlertMessageCode | undefined): string | undefined {
  return Array.isArray(codes) ? codesDetail(lang(), codes) : codeDetail(lang(), codes);
}

/**
 * A collapsed "Details (the daemon's words)" disclosure holding `detail` (marked `lang="en"`): the secondary line under
 * a translated note. Test hook: `data-testid="note-detail"`.
 */
export function noteDetailElement(detail: string): HTMLDetailsElement {
  const d = document.createElement('details');
  d.className = 'note-detail';
  d.dataset.testid = 'note-detail';
  const summary = document.createElement('summary');
  summary.textContent = t('detail.daemonWords');
  const words = document.createElement('span');
  words.lang = 'en';
  words.textContent = detail;
  d.append(summary, words);
  return d;
}

/** The person of `ackBy` as one text, as {@link actorNodes} shows it: "张老师 · 本机@127.0.0.1", "未署名 · 本机@127.0.0.1". */
export function actorText(ackBy: string): string {
  const a = ackActor(ackBy);
  const name = a.name ?? t('actor.unnamed');
  return a.address === undefined ? name : `${name} · ${actorAddressText(lang(), a.address)}`;
}

/**
 * The person of `ackBy` as nodes to append: the name (or "no name given" in the current language), then the address as
 * a secondary detail in a muted, smaller span (`.actor-address`, `data-testid="actor-address"`, src/text-template.ts
 * actorAddressText;
 * the stored words as its title) — readable on a phone, where a title would need a hover.
 */
export function actorNodes(ackBy: string): Node[] {
  const a = ackActor(ackBy);
  const name = document.createElement('span');
  name.className = 'actor-name';
  name.dataset.testid = 'actor-name';
  name.textContent = a.name ?? t('actor.unnamed');
  if (a.address === undefined) return [name];
  const address = document.createElement('span');
  address.className = 'muted actor-address';
  address.dataset.testid = 'actor-address';
  // translated at display time; the record keeps the daemon's words (its title, as stored)
  address.textContent = actorAddressText(lang(), a.address);
  address.title = a.address;
  return [name, document.createTextNode(' · '), address];
}
