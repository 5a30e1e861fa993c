// Field values of the readable terminal lines (src/log.ts): numbers with the unit their field's name carries, yes/no,
// lists, nested objects and code words in the terminal's language. The JSON lines keep every value as logged.
import type { TerminalWords } from './log-words.js';
import { ackByText, delayText, type TextLang } from './text-template.js';

/** `14 GB`, `4.7 GB`, `830 MB`, `12 kB` (SI units, as disks are sold and `df -H` prints). */
export function formatBytes(n: number): string {
  const units: [number, string][] = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 10 ? Math.round(v) : +v.toFixed(1)} ${unit}`;
    }
  }
  return `${Math.max(0, Math.round(n))} B`;
}

/** A number as a person reads it: four significant digits at most, trailing zeros dropped (10, 1.235, 0.5064). */
function short(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** `433.920 MHz`, `12.5 kHz`, `900 Hz` (kHz resolution in MHz: what tells two SRD channels apart). */
function hzText(hz: number): string {
  const a = Math.abs(hz);
  return a >= 1e6 ? `${(hz / 1e6).toFixed(3)} MHz` : a >= 1e3 ? `${+(hz / 1e3).toFixed(1)} kHz` : `${short(hz)} Hz`;
}

/** `2.4 MS/s`, `250 kS/s`, `900 S/s`. */
function spsText(sps: number): string {
  return sps >= 1e6 ? `${+(sps / 1e6).toFixed(3)} MS/s` : sps >= 1e3 ? `${+(sps / 1e3).toFixed(1)} kS/s` : `${short(sps)} S/s`;
}

/** Local `YYYY-MM-DD HH:MM:ss` of a time (ms since the epoch), the zone the line's own `HH:MM:ss` is in. */
function localTimeText(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** An ISO 8601 UTC time as the daemon logs them (`2026-12-07T23:27:58.447Z`). */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/;

/** Milliseconds above this are a time (ms since the epoch, after 1973), not a duration. */
const EPOCH_MS = 1e11;

/**
 * A number in the unit its field's name carries (the project names fields with their units): `…Hz` → MHz/kHz/Hz,
 * `…Sps` → MS/s/kS/s, `bytes`/`…Bytes` → SI bytes, `ms`/`…Ms` → `271 ms`/`1.3 s` (`毫秒`/`秒`; an epoch time as local
 * date and time), `seconds`/`…S` → s (`秒`), `…H` → h (`小时`), `…Db` → dB, `…Dbfs` → dBFS, `…Fraction` (0..1) and
 * `…Pct` → %; undefined for a name without a unit.
 */
export function unitText(key: string, v: number, lang: TextLang): string | undefined {
  const zh = lang === 'zh-CN';
  if (/(^h|[a-z]H)z$/.test(key)) return hzText(v);
  if (/[a-z]Sps$/.test(key) || key === 'sps') return spsText(v);
  if (/(^b|[a-z]B)ytes$/.test(key)) return formatBytes(v);
  if (key === 'ms' || /[a-z]Ms$/.test(key)) return v >= EPOCH_MS ? localTimeText(v) : delayText(lang, v);
  if (key === 'seconds' || /[a-z]S$/.test(key)) return `${short(v)} ${zh ? '秒' : 's'}`;
  if (/[a-z]H$/.test(key)) return `${short(v)} ${zh ? '小时' : 'h'}`;
  if (/[a-z]Dbfs$/.test(key)) return `${short(v)} dBFS`;
  if (/[a-z]Db$/.test(key)) return `${short(v)} dB`;
  if (/[a-z]Fraction$/.test(key)) return `${short(100 * v)} %`;
  if (/[a-z](Pct|Percent)$/.test(key)) return `${short(v)} %`;
  return undefined;
}

/** Code words of fields whose values are codes, by field name (Chinese also the alert and sensor words of `w`). */
const METHOD_WORDS: Record<TextLang, Readonly<Record<string, string>>> = {
  en: { warmup: 'warm-up', calibrate: 'calibration' },
  'zh-CN': { warmup: '预热', calibrate: '校准' },
};

/** The words of a code value of field `key` (`method=warmup` → `warm-up` / `预热`; zh `state=armed` → `监测中`), else undefined. */
function codeWord(key: string, v: string, lang: TextLang, w: TerminalWords): string | undefined {
  const table = key === 'method' ? METHOD_WORDS[lang] : key === 'state' ? w.state : key === 'kind' ? w.kind : key === 'severity' ? w.severity : key === 'event' ? w.event : undefined;
  return table !== undefined && Object.prototype.hasOwnProperty.call(table, v) ? table[v] : undefined;
}

/**
 * The readable form of field `key`'s value `v` in `lang`, or undefined when it is a plain text or number shown as is:
 * numbers in their unit ({@link unitText}), booleans `yes`/`no` (`是`/`否`), ISO times as local `2026-12-07 23:27:58`,
 * who acted (`by`/`ackBy`) as src/text-template.ts ackByText words them,
 * code words ({@link codeWord}), lists `[a, b]` (`［a、b］`) and objects `(k=v, k=v)` (`（k=v，k=v）`) of such values.
 */
export function readableValue(key: string, v: unknown, lang: TextLang, w: TerminalWords, text: (s: string) => string): string | undefined {
  const zh = lang === 'zh-CN';
  if (typeof v === 'boolean') return v ? (zh ? '是' : 'yes') : zh ? '否' : 'no';
  if (typeof v === 'number') return Number.isFinite(v) ? unitText(key, v, lang) : undefined;
  // who acted (`by`, `ackBy`: "<name> (<identity>)") as the alert lines word it: "王老师（本机@127.0.0.1）"
  if (typeof v === 'string' && (key === 'by' || key === 'ackBy')) return ackByText(lang, v, w.punct.aside);
  if (typeof v === 'string') return ISO_UTC.test(v) ? localTimeText(Date.parse(v)) : codeWord(key, v, lang, w);
  if (Array.isArray(v)) {
    const items = v.map((x) => readableValue(key, x, lang, w, text) ?? plain(x, text));
    return zh ? `［${items.join('、')}］` : `[${items.join(', ')}]`;
  }
  if (typeof v === 'object' && v !== null) {
    const items = Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${k}=${readableValue(k, x, lang, w, text) ?? plain(x, text)}`);
    return zh ? `（${items.join('，')}）` : `(${items.join(', ')})`;
  }
  return undefined;
}

/** A value with no readable form of its own: a text worded by `text`, a fraction shortened, anything else as JSON. */
function plain(v: unknown, text: (s: string) => string): string {
  if (typeof v === 'string') return text(v);
  if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) return short(v);
  return JSON.stringify(v) ?? String(v);
}
