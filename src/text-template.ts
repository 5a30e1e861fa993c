// Coded texts: the languages QuietBand words its messages in, and the `{param}` template filling that the server's
// message table (src/server/message-text.ts) and the identification reasons (src/ident/reasons.ts) share.
import { zhOsErrorText } from './os-error-words.js';

/** Languages of the texts (the web UI's and the session report's). */
export type TextLang = 'en' | 'zh-CN';

/** Whether `o` has its own property `k` (a table's id or a code's param, not one inherited from Object). */
export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/**
 * A delay of `ms` milliseconds as a reader words it in `lang`: whole milliseconds below 1 s ("400 ms", "400 毫秒"),
 * else seconds to 0.1 s without a trailing ".0" ("1.6 s", "16 s"; "16 秒"). A value that is not a finite number is
 * shown as sent, followed by the millisecond unit.
 */
export function delayText(lang: TextLang, ms: unknown): string {
  const n = typeof ms === 'number' ? ms : typeof ms === 'string' && ms.trim() !== '' ? Number(ms) : NaN;
  const [msUnit, sUnit] = lang === 'zh-CN' ? ['毫秒', '秒'] : ['ms', 's'];
  if (!Number.isFinite(n)) return `${String(ms)} ${msUnit}`;
  if (Math.abs(n) < 1000) return `${Math.round(n)} ${msUnit}`;
  return `${String(Math.round(n / 100) / 10)} ${sUnit}`;
}

/**
 * Where an offset of `offsetHz` from a sensor's tuning centre lies, worded in `lang`: the absolute frequency in MHz
 * (4 decimals) when the tuning centre `tunedHz` is known ("434.1712 MHz"), else signed kHz from the sensor's centre
 * ("+251.2 kHz from the sensor's centre", "距传感器中心频率 +251.2 kHz"). A value that is not a number is shown with "Hz".
 */
export function nearText(lang: TextLang, offsetHz: unknown, tunedHz: unknown): string {
  const off = typeof offsetHz === 'number' ? offsetHz : typeof offsetHz === 'string' && offsetHz.trim() !== '' ? Number(offsetHz) : NaN;
  if (!Number.isFinite(off)) return `${String(offsetHz)} Hz`;
  if (typeof tunedHz === 'number' && Number.isFinite(tunedHz) && tunedHz > 0) return `${((tunedHz + off) / 1e6).toFixed(4)} MHz`;
  const khz = `${off < 0 ? '−' : '+'}${(Math.abs(off) / 1000).toFixed(1)} kHz`;
  return lang === 'zh-CN' ? `距传感器中心频率 ${khz}` : `${khz} from the sensor's centre`;
}

/**
 * The Chinese words of the signal classes (src/ident/classify.ts SignalClass), written here only: the web page's
 * badges and band check (web-ui/src/strings-zh.ts `sig.*`), the replay table (`ook 键控`), the raise reasons
 * (`{k|class}`) and the session report read them from this table, so a class has one name wherever it is read.
 */
export const ZH_CLASS_WORDS = {
  carrier: '载波', am: '调幅', nfm: '窄调频', wfm: '宽调频', ook: '键控', fsk: '频移', 'tdma-burst': '时隙', 'wideband-digital': '数字',
  'pulsed-wideband': '脉冲', unknown: '未知',
} as const;

/**
 * The English names of the signal classes as the web page shows them, written here only: its badges and band check
 * (web-ui/src/strings-en.ts `sig.*`), the raise reasons (`{k|class}`: "TDMA is not a class ISM 433 MHz carries (its
 * users send OOK, FSK, CW)") and the English session report. `unknown` has none: the badge shows "?", a text "unknown".
 */
export const EN_CLASS_WORDS = {
  carrier: 'CW', am: 'AM', nfm: 'NFM', wfm: 'WFM', ook: 'OOK', fsk: 'FSK', 'tdma-burst': 'TDMA', 'wideband-digital': 'DIGI', 'pulsed-wideband': 'PULSE',
} as const;

/**
 * The words of the signal classes per language in the terminal and the replay table: {@link ZH_CLASS_WORDS}; English
 * keeps the class codes there ("class nfm", as its JSON lines and `class=nfm` fields carry them).
 */
export const CLASS_WORDS: Readonly<Record<TextLang, Readonly<Partial<Record<string, string>>>>> = {
  en: {},
  'zh-CN': ZH_CLASS_WORDS,
};

/**
 * The words of an alert's state (src/alerts/alert.ts AlertState: new, acknowledged, known) per language, written here only: the
 * page's state pill and detail (web-ui/src/strings-*.ts `alert.new`, `alert.acknowledged`, `alert.known`), the
 * terminal's alert lines (src/log-words.ts `alertState`) and the session report's state column read this table.
 * `new` is a state, not an age: an alert nobody has acknowledged yet, however long ago it was raised.
 */
export const ALERT_STATE_WORDS = {
  en: { new: 'unacknowledged', acknowledged: 'acknowledged', known: 'known' },
  'zh-CN': { new: '未确认', acknowledged: '已确认', known: '已知' },
} as const satisfies Readonly<Record<TextLang, Readonly<Record<'new' | 'acknowledged' | 'known', string>>>>;

/** Who acted on an alert (an `ack`/`known` record's `ackBy`, a known mark's `addedBy`), split for display by {@link ackActor}. */
export interface AckActor {
  /** The name the person gave; undefined when none was given (the daemon's placeholder "supervisor", or an address alone). */
  name: string | undefined;
  /**
   * The connection it came from: the daemon's identity (`local@127.0.0.1`, `token@10.0.0.5`), or the peer address alone
   * (`127.0.0.1`) of a record from before acknowledgements took a name; undefined when the record names none.
   */
  address: string | undefined;
}

/**
 * Splits an `ackBy` for display (the page and the session report; stored records are never rewritten). The daemon
 * stores "<name> (<identity>)" (src/server/client-hub.ts), "supervisor" as the name when the client gave none. Records
 * from before acknowledgements took a name hold "supervisor@<peer address>:<peer port>" ("supervisor@127.0.0.1:59262"):
 * no name, and the address without the browser's ephemeral port or an IPv4-mapped IPv6 prefix (`::ffff:`). An identity
 * alone ("local@127.0.0.1") is an address; anything else (a hub's own record, a hand-written one) the name as written.
 */
export function ackActor(ackBy: string): AckActor {
  const m = /^(.*\S) \(([^()\s]+@[^()\s]+)\)$/.exec(ackBy);
  if (m !== null) return { name: m[1] === 'supervisor' ? undefined : m[1], address: m[2] };
  const old = /^supervisor@(\S+):\d+$/.exec(ackBy);
  if (old !== null) return { name: undefined, address: old[1]!.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '') };
  if (/^[^\s()@]+@[^\s()]+$/.test(ackBy)) return { name: undefined, address: ackBy };
  return { name: ackBy, address: undefined };
}

/**
 * The words of an {@link AckActor} per language: no name given, and the daemon's identity words before the `@`
 * (src/server/client-hub.ts: `local`, auth off on a loopback bind; `token`, signed in with the access token).
 */
export const ACTOR_WORDS = {
  en: { unnamed: 'unsigned', local: 'local', token: 'token' },
  'zh-CN': { unnamed: '未署名', local: '本机', token: '令牌' },
} as const satisfies Readonly<Record<TextLang, Readonly<Record<'unnamed' | 'local' | 'token', string>>>>;

/** An {@link AckActor.address} in `lang`: the identity word before the `@` translated (`本机@127.0.0.1`); other forms as given. */
export function actorAddressText(lang: TextLang, address: string): string {
  const m = /^(local|token)@(.+)$/.exec(address);
  return m === null ? address : `${ACTOR_WORDS[lang][m[1] as 'local' | 'token']}@${m[2]!}`;
}

/**
 * An `ackBy` as one text in `lang`: the name (or the unsigned word), then the address inside `aside` (the language's
 * brackets): "王老师（本机@127.0.0.1）", "unsigned (127.0.0.1)" for "supervisor@127.0.0.1:59262".
 */
export function ackByText(lang: TextLang, ackBy: string, aside: (inner: string) => string): string {
  const a = ackActor(ackBy);
  const name = a.name ?? ACTOR_WORDS[lang].unnamed;
  return a.address === undefined ? name : `${name}${aside(actorAddressText(lang, a.address))}`;
}

/** The names of the signal classes per language where a person reads them (web page, session report, raise reasons, notifications). */
export const PAGE_CLASS_WORDS: Readonly<Record<TextLang, Readonly<Partial<Record<string, string>>>>> = {
  en: EN_CLASS_WORDS,
  'zh-CN': ZH_CLASS_WORDS,
};

/**
 * Class codes as a reader words them in `lang` (`words`: {@link CLASS_WORDS} unless given): one code ("nfm" → "窄调频"),
 * or a list of them joined by ", " as the raise reasons carry it ("ook, fsk, carrier" → "键控、频移、载波", and with
 * {@link PAGE_CLASS_WORDS} in English "OOK, FSK, CW"). A code the table does not know (a newer daemon's class) stays as
 * written.
 */
export function classWordsText(lang: TextLang, codes: unknown, words: Readonly<Partial<Record<string, string>>> = CLASS_WORDS[lang]): string {
  const list = String(codes).split(/,\s*/);
  return list.map((c) => (hasOwn(words, c) ? words[c]! : c)).join(lang === 'zh-CN' ? '、' : ', ');
}

const pluralRules = new Map<TextLang, Intl.PluralRules>();

/**
 * `one` or `other` as `n` asks in `lang` (Intl.PluralRules: English "1 alert", "0 alerts", "2 alerts"); Chinese has no
 * plural, so `one` is never chosen there (callers pass the same word twice or an empty one).
 */
export function pluralWord(lang: TextLang, n: number, one: string, other: string): string {
  let rules = pluralRules.get(lang);
  if (rules === undefined) {
    rules = new Intl.PluralRules(lang);
    pluralRules.set(lang, rules);
  }
  return rules.select(n) === 'one' ? one : other;
}

/**
 * `template` with each plural choice `{k|one|other}` replaced by `one` or `other` as the number `params[k]` asks in
 * `lang` ({@link pluralWord}): `{n} new {n|alert|alerts} not acknowledged` → "1 new alert …", "214 new alerts …". A
 * choice whose param is absent or not a number stays as written; other placeholders are left for the caller.
 */
export function fillPlurals(lang: TextLang, template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{(\w+)\|([^|{}]*)\|([^|{}]*)\}/g, (m, k: string, one: string, other: string) => {
    const v = hasOwn(params, k) ? params[k] : undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? pluralWord(lang, n, one, other) : m;
  });
}

/**
 * The short mark of a raised alert per raise reason code (src/alerts/severity-rank.ts SeverityRaiseId) and language
 * (`raise.voice` → `▲ voice link` / `▲ 语音链路`), written here only: the web UI's alert rows (web-ui/src/alert-row.ts),
 * `quietband replay`'s notes, the live terminal's alert lines (src/log.ts) and the notifications read it (through
 * {@link raiseMark}).
 */
export const RAISE_MARK_TEXT: Readonly<Record<TextLang, Readonly<Record<'raise.unexpected' | 'raise.voice' | 'raise.handset', string>>>> = {
  en: { 'raise.unexpected': '▲ unusual for this band', 'raise.voice': '▲ voice link', 'raise.handset': '▲ phone' },
  'zh-CN': { 'raise.unexpected': '▲ 调制与频段不符', 'raise.voice': '▲ 语音链路', 'raise.handset': '▲ 手机' },
};

/** The mark of raise reason code `id` in `lang` ({@link RAISE_MARK_TEXT}); the bare `▲` for a code this version does not know. */
export function raiseMark(lang: TextLang, id: unknown): string {
  const marks: Readonly<Record<string, string>> = RAISE_MARK_TEXT[lang];
  return typeof id === 'string' && hasOwn(marks, id) ? marks[id]! : '▲';
}

/**
 * Confidence (0..1) below which a class is a guess. The value is the score one deciding test gives exactly at its
 * threshold (each test scores a logistic of its margin, 0.5 at the threshold; the confidence is the product of the
 * deciding tests' scores times an SNR factor, docs/identification.md §5): below it, at least one test that chose the
 * class is on the wrong side of its threshold or the SNR is too low for its margins to count. A guess is marked the same
 * way wherever a class is shown ({@link isGuess}, {@link guessWords}, {@link guessNote}: the web UI's badge and detail,
 * the session report, the terminal's alert lines, the replay table), raises no severity (src/alerts/severity-raise.ts),
 * and a group of rooms takes its class from its strongest member at or above it (src/alerts/alert-grouping.ts,
 * docs/identification.md §11).
 */
export const LOW_CONFIDENCE = 0.5;

/**
 * The mark put right after a guessed class's name or code, everywhere a class is shown: `nfm?`, `OOK?`; after a Chinese
 * word its full-width form {@link GUESS_MARK_ZH} (`窄调频？`), as every Chinese text punctuates.
 */
export const GUESS_MARK = '?';
/** {@link GUESS_MARK} after a Chinese character. */
export const GUESS_MARK_ZH = '？';

/** A Chinese character (CJK ideograph, or full-width punctuation) at the end of `text`: what it is followed by is punctuated full-width. */
export function endsInChinese(text: string): boolean {
  return /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]$/.test(text);
}

/**
 * The words of a guess per language: `words`, beside the marked class where a class is shown in a line (`guess 41 %`),
 * and `note`, where there is room to say why (tooltip, detail, report, legend: `guess 41 %: confidence below 50 %`);
 * `{pct}` is the confidence and `{min}` {@link LOW_CONFIDENCE}, both in whole percent.
 */
export const GUESS_TEXT: Readonly<Record<TextLang, Readonly<{ words: string; note: string; legend: string }>>> = {
  en: { words: 'guess {pct} %', note: 'guess {pct} %: confidence below {min} %', legend: '{mark} = guess: confidence below {min} %' },
  'zh-CN': { words: '推测 {pct} %', note: '推测 {pct} %：置信度低于 {min} %', legend: '{mark} = 推测：置信度低于 {min} %' },
};

/**
 * True when an identification of class `cls` with `confidence` (0..1) is a guess: a class other than `unknown` (which
 * claims nothing) with a finite confidence below {@link LOW_CONFIDENCE}. A missing or non-finite confidence is no guess.
 */
export function isGuess(cls: unknown, confidence: unknown): boolean {
  return typeof cls === 'string' && cls !== 'unknown' && typeof confidence === 'number' && Number.isFinite(confidence) && confidence < LOW_CONFIDENCE;
}

/**
 * `name` (a class's code or words) with {@link GUESS_MARK} after it (full-width after a Chinese word: `窄调频？`) when
 * `cls` at `confidence` is a guess ({@link isGuess}).
 */
export function markedClass(name: string, cls: unknown, confidence: unknown): string {
  return isGuess(cls, confidence) ? `${name}${endsInChinese(name) ? GUESS_MARK_ZH : GUESS_MARK}` : name;
}

/** {@link GUESS_TEXT} `key` in `lang` for a confidence of `confidence` (0..1): `guess 41 %`, `推测 41 %：置信度低于 50 %`. */
function guessText(lang: TextLang, key: 'words' | 'note' | 'legend', confidence: number): string {
  const min = Math.round(100 * LOW_CONFIDENCE);
  // whole percent, never shown as the threshold itself (0.499 reads 49 %, not "50 %: below 50 %")
  // the legend names the mark the Chinese class names carry
  const params = { pct: Math.min(Math.round(100 * confidence), min - 1), min, mark: lang === 'zh-CN' ? GUESS_MARK_ZH : GUESS_MARK };
  return fillTemplate(lang, {}, GUESS_TEXT[lang][key], params, false);
}

/** The short words beside a guessed class (`guess 41 %`, `推测 41 %`), `confidence` 0..1. */
export function guessWords(lang: TextLang, confidence: number): string {
  return guessText(lang, 'words', confidence);
}

/** The words saying why a class is a guess (`guess 41 %: confidence below 50 %`, `推测 41 %：置信度低于 50 %`), `confidence` 0..1. */
export function guessNote(lang: TextLang, confidence: number): string {
  return guessText(lang, 'note', confidence);
}

/** The legend of a list or table that marks guesses: `? = guess: confidence below 50 %` (`？ = 推测：置信度低于 50 %`). */
export function guessLegend(lang: TextLang): string {
  return guessText(lang, 'legend', 0);
}

/**
 * Confidence (0..1) below which the identifier names no class: the rules' best class is given as `closestClass`, a hint,
 * and `class` is `unknown` (src/ident/classify.ts). Chosen from the measured confidences (docs/identification.md §5a,
 * `node bench/ident-confidence.js`): no right class of the real recordings, the synthetic set (10 to −3 dB) or the demo
 * scored below 0.25, while every class given to a narrow noise-like emission, which no class describes (the demo's
 * 10 kHz noise burst: NFM at 5 %), scored 0.05–0.13.
 */
export const CLASS_FLOOR = 0.2;

/**
 * The words of a class below {@link CLASS_FLOOR} per language: `words`, beside the `unknown` badge (`closest: NFM, 5 %`);
 * `shown`, where the class itself is written in a line (`unknown (closest: NFM, 5 %)`); `note`, where there is room to
 * say why, after the word for unknown (detail, report, tooltip: `closest: NFM, 5 %; no class is named below 20 %`);
 * `legend`, the line under a table that shows such a class.
 * `{name}` is the closest class's name as the place words classes, `{pct}` its confidence and `{floor}`
 * {@link CLASS_FLOOR}, both in whole percent.
 */
export const CLOSEST_TEXT: Readonly<Record<TextLang, Readonly<{ words: string; shown: string; note: string; legend: string }>>> = {
  en: {
    words: 'closest: {name}, {pct} %', shown: 'unknown (closest: {name}, {pct} %)', note: 'closest: {name}, {pct} %; no class is named below {floor} %',
    legend: 'unknown (closest: …) = no class is named below {floor} %',
  },
  'zh-CN': {
    words: '最接近：{name}，{pct} %', shown: '未知（最接近：{name}，{pct} %）', note: '最接近：{name}，{pct} %；置信度低于 {floor} % 时不给出类别',
    legend: '未知（最接近：…）= 置信度低于 {floor} % 时不给出类别',
  },
};

/**
 * The closest class of an identification that names none: its `closestClass` when `class` is `unknown` and the
 * confidence is finite (undefined otherwise: a named class, or an `unknown` that found nothing to classify).
 */
export function closestClassOf(s: { class?: unknown; closestClass?: unknown; confidence?: unknown } | undefined): string | undefined {
  if (s === undefined || s.class !== 'unknown' || typeof s.closestClass !== 'string' || s.closestClass === 'unknown') return undefined;
  return typeof s.confidence === 'number' && Number.isFinite(s.confidence) ? s.closestClass : undefined;
}

/** Classes that carry audio: a transmission of one of these can be listened to and its clip written as a WAV. */
export const AUDIO_CLASS_CODES = ['nfm', 'wfm', 'am'] as const;

/**
 * The class a transmission is demodulated as, to be heard (Listen, the clip's audio, the replay's WAV): its `class`
 * when analog; when it names none (`unknown` below {@link CLASS_FLOOR}) its closest class when that is analog, so a
 * supervisor can still listen to an uncertain transmission (docs/identification.md §5a); else undefined (a digital or
 * unmodulated class, a closest class that is one, or nothing classified).
 */
export function audioClassOf(s: { class?: unknown; closestClass?: unknown; confidence?: unknown } | undefined): (typeof AUDIO_CLASS_CODES)[number] | undefined {
  const cls = s === undefined ? undefined : s.class === 'unknown' ? closestClassOf(s) : s.class;
  return AUDIO_CLASS_CODES.find((c) => c === cls);
}

/**
 * {@link CLOSEST_TEXT} `key` in `lang` for a closest class worded `name` at `confidence` (0..1): `closest: NFM, 5 %`,
 * `未知（最接近：窄调频，5 %）`. The percent is never shown as the floor itself (0.199 reads 19 %).
 */
export function closestText(lang: TextLang, key: 'words' | 'shown' | 'note' | 'legend', name: string, confidence: number): string {
  const floor = Math.round(100 * CLASS_FLOOR);
  return fillTemplate(lang, {}, CLOSEST_TEXT[lang][key], { name, pct: Math.min(Math.round(100 * confidence), floor - 1), floor }, false);
}

/**
 * Why a transmission flagged unexpected for its band (`signal.unexpected`) is not ranked higher, per language:
 * `not ranked higher: confidence 41 % is below 50 %` (src/alerts/severity-raise.ts raises only a class of at least
 * {@link LOW_CONFIDENCE}).
 */
export const NOT_RAISED_TEXT: Readonly<Record<TextLang, string>> = {
  en: 'not ranked higher: confidence {pct} % is below {min} %',
  'zh-CN': '未提升优先级：置信度 {pct} % 低于 {min} %',
};

/**
 * The words saying why signal `s`, flagged unexpected for its band, did not raise its alert (`raised` false): its
 * confidence is below {@link LOW_CONFIDENCE}. Undefined when it raised, is not flagged, or is confident (then the flag
 * raises; an alert without a raise there is from a version before the raise).
 */
export function notRaisedNote(lang: TextLang, s: { class?: unknown; confidence?: unknown; unexpected?: unknown } | undefined, raised: boolean): string | undefined {
  if (raised || s?.unexpected !== true || !isGuess(s.class, s.confidence)) return undefined;
  const min = Math.round(100 * LOW_CONFIDENCE);
  return fillTemplate(lang, {}, NOT_RAISED_TEXT[lang], { pct: Math.min(Math.round(100 * (s.confidence as number)), min - 1), min }, false);
}

/**
 * A param's text: its words in `lang` when it is worded per language ({@link fillTemplate}), else the value as text; in
 * Chinese a span in µs or ms ("577 µs" → "577 微秒", "1.00 ms" → "1.00 毫秒"), a Node system error message (a `detail`: "ENOENT: no such file or directory, open '/x'") in Chinese words
 * ({@link zhOsErrorText}), its path left out when another param of the text names it.
 */
function paramText(lang: TextLang, v: unknown, params: Record<string, unknown>): string {
  if (typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[lang] === 'string') return (v as Record<string, string>)[lang]!;
  if (lang === 'zh-CN' && typeof v === 'string') {
    // a span the daemon preformatted in English units (src/ident/classify.ts: "577 µs", "1.00 ms") in Chinese units
    const span = /^(-?\d+(?:\.\d+)?) (µs|ms)$/.exec(v);
    if (span !== null) return `${span[1]!} ${span[2] === 'µs' ? '微秒' : '毫秒'}`;
    // named already: by a param ("/d/alerts.jsonl"), or an address by its host and port params ("127.0.0.1:8080")
    const others = Object.values(params).filter((p) => p !== v && (typeof p === 'string' || typeof p === 'number')).map(String);
    const named = (where: string): boolean => others.some((p) => p.includes(where)) || where.split(/:(?=\d+$)/).every((part) => others.includes(part));
    return zhOsErrorText(v, named);
  }
  return String(v);
}

/**
 * `template` with `{k}` replaced by `params[k]`, `{k|delay}` by {@link delayText} of `params[k]` (milliseconds) in
 * `lang`, `{k|near}` by {@link nearText} of `params[k]` (Hz from the tuning centre `params.tunedHz`), `{k|class}` by
 * {@link classWordsText} of `params[k]` in {@link PAGE_CLASS_WORDS} (a class code, or codes joined by ", "), `{k?}` by `params[k]` set off by a space
 * on each side (a Latin name inside a Chinese sentence: "接收器{device?}被占用") or by nothing when it is absent or empty
 * (a record of an older daemon), a plural choice `{k|one|other}` as the number `params[k]` asks ({@link fillPlurals}:
 * "1 non-finite sample", "3 … samples"), and, when `nested`, `{=k}` by the text
 * of the message id `params[k]` in `table`, rendered with the same params (one level: the nested text's own `{=k}` stay
 * as written). A param may be worded per language, `{ en: '…', 'zh-CN': '…' }` (a coded text rendered in both, such
 * as the error of a recording inside a site config's error, src/error-text.ts fieldWrap). Unknown keys, and a `{=k}`
 * whose value is no id of `table`, stay as written.
 */
export function fillTemplate(lang: TextLang, table: Readonly<Record<string, string>>, template: string, params: Record<string, unknown>, nested: boolean): string {
  return fillPlurals(lang, template, params).replace(/\{(=?)(\w+)(?:\|(delay|near|class)|(\?))?\}/g, (m, eq: string, k: string, format: string | undefined, optional: string | undefined) => {
    if (optional !== undefined) return hasOwn(params, k) && String(params[k]) !== '' ? ` ${String(params[k])} ` : '';
    if (format === 'delay') return delayText(lang, params[k]);
    if (format === 'near') return nearText(lang, params[k], params.tunedHz);
    if (!hasOwn(params, k)) return m;
    if (format === 'class') return classWordsText(lang, params[k], PAGE_CLASS_WORDS[lang]);
    if (eq === '') return paramText(lang, params[k], params);
    const id = String(params[k]);
    return nested && hasOwn(table, id) ? fillTemplate(lang, table, table[id]!, params, false) : m;
  });
}
