// One pino logger factory for the CLI and the daemon: logs go to stderr, never to stdout (which carries data).
// On a terminal they are one human line each (pino-pretty); piped, or with --log-format json, JSON lines.
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import { cliError, codeTextIn, errorTextIn, type ErrorMessageCode } from './error-text.js';
import { plainTextIn } from './plain-text.js';
import { resolveLogLang, terminalWords, word, type TerminalWords } from './log-words.js';
import { readableValue } from './log-values.js';
import { zhOsErrorText } from './os-error-words.js';
import { ackByText, classWordsText, closestClassOf, closestText, delayText, guessWords, isGuess, markedClass, raiseMark, type TextLang } from './text-template.js';

/** `pretty`: one readable line per record (time, level, sensor, what happened); `json`: pino's JSON lines. */
export type LogFormat = 'pretty' | 'json';

/** Environment variable carrying the chosen format to worker threads (they inherit the parent's environment). */
export const LOG_FORMAT_ENV = 'QUIETBAND_LOG_FORMAT';

/**
 * The log format: `QUIETBAND_LOG_FORMAT` when set (`--log-format` sets it), else `pretty` when stderr is a terminal and
 * `json` otherwise (a pipe, a file, journald: machines read those).
 */
export function resolveLogFormat(env: NodeJS.ProcessEnv = process.env, stderrIsTty: boolean = process.stderr.isTTY === true): LogFormat {
  const f = env[LOG_FORMAT_ENV];
  if (f === 'pretty' || f === 'json') return f;
  return stderrIsTty ? 'pretty' : 'json';
}

/** Returns `format` when it is a log format. @throws QuietBandError('CONFIG') naming --log-format otherwise. */
export function checkLogFormat(format: string): LogFormat {
  if (format !== 'pretty' && format !== 'json') throw cliError('flag.notA', { flag: '--log-format', value: format, expected: 'expect.logFormat' }, 'CONFIG');
  return format;
}

/** Fields the one-line form shows in its own way, or not at all. */
const SHOWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'app', 'site', 'component', 'sensor', 'source', 'messageCode', 'raise']);

/**
 * Text of a record's `messageCode` (an AlertMessageCode: the daemon's offline reasons carry one) in `lang`, or undefined
 * when it has none there. Given by the command that creates the logger (src/server/message-text.ts codesText), so the
 * base layer does not depend on the server's texts.
 */
export type CodeText = (code: unknown, lang: TextLang) => string | undefined;

/**
 * The short form of a coded reason for a repeated line: its cause and its tail without the advice between (Chinese
 * texts read `cause：advice；tail`, e.g. `找不到接收器；2 秒后重试`; a `：` inside the cause's brackets is its own:
 * `找不到接收器（已连接的接收器：无）；2 秒后重试`); texts of another shape as they are.
 */
function withoutAdvice(text: string): string {
  const open = text.indexOf('（');
  const from = open >= 0 && open < text.indexOf('：') ? Math.max(0, text.indexOf('）', open)) : 0;
  const colon = text.indexOf('：', from);
  const semi = text.lastIndexOf('；');
  return colon > 0 && semi > colon ? `${text.slice(0, colon)}${text.slice(semi)}` : text;
}

/**
 * The text of a field's code (`whyCode` beside `why`) in `lang`, with the code's English `detail` param (a source's own
 * words: rtl_tcp refused) after it, worded by {@link plainTextIn}; undefined when `code` has no text in `lang`.
 */
function codedFieldText(code: unknown, lang: TextLang, w: TerminalWords, codeText?: CodeText): string | undefined {
  if (code === undefined) return undefined;
  const text = codeText?.(code, lang) ?? codeTextIn(code, lang);
  if (text === undefined) return undefined;
  const detail = (code as { params?: { detail?: unknown } }).params?.detail;
  return typeof detail === 'string' && detail !== '' ? `${text}${w.punct.aside(plainTextIn(lang, detail))}` : text;
}

/**
 * A tuning centre or detection frequency (Hz) in MHz, 3 decimals; `null` (and 0: no receiver tunes there, it is what an
 * unknown centre reads as) → null; anything else → ''.
 */
const mhz = (hz: unknown): string | null => (hz === null || hz === 0 ? null : typeof hz === 'number' ? `${(hz / 1e6).toFixed(3)} MHz` : '');

/**
 * A value as `key=value` text, short: long values cut at 160 characters, errors as their `code: message`, numbers in
 * the unit their name carries, yes/no, times, code words, lists and objects in words (src/log-values.ts
 * readableValue: `rateSps=250 kS/s`, `tls=no`, `sensors=[a=sim, b=sim]`, zh `tls=否`, `method=预热`). A text with a
 * space, `=` or `"` in it (or empty) is JSON-quoted (`label="sim 433"`), so it cannot read as the next field.
 */
function fieldText(key: string, v: unknown, lang: TextLang, w: TerminalWords): string {
  let t: string;
  let text = true;
  const isError = v instanceof Object && 'message' in v && typeof (v as { message: unknown }).message === 'string';
  const readable = isError ? undefined : readableValue(key, v, lang, w, (s) => plainTextIn(lang, s));
  if (readable !== undefined) {
    t = readable;
    // who acted is a name, quoted as a text is when it holds a space ("Ms Smith (local@127.0.0.1)")
    text = key === 'by' || key === 'ackBy';
  } else if (isError) {
    const e = v as { message: string; code?: string };
    // a system error in Chinese words with its code (src/os-error-words.ts): `err=找不到该文件或文件夹［ENOENT］：/d/x`
    const zh = lang === 'zh-CN' ? zhOsErrorText(e.message) : e.message;
    t = zh !== e.message ? zh : `${e.code !== undefined && !e.message.startsWith(`${e.code}:`) ? `${e.code}: ` : ''}${e.message}`;
  } else if (typeof v === 'string') t = plainTextIn(lang, v); // a source's own words relayed as text (rtl_tcp refused)
  else if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) {
    // a person reads 10, not 9.999872: four significant digits at most, trailing zeros dropped (the JSON keeps all;
    // frequencies and sample counts are integers and stay whole)
    t = String(Number(v.toPrecision(4)));
    text = false;
  } else {
    t = JSON.stringify(v);
    text = false;
  }
  if (t.length > 160) t = `${t.slice(0, 159)}…`;
  return `${key}=${text && (t === '' || /[\s="]/.test(t)) ? JSON.stringify(t) : t}`;
}

/** A `calibration` field holding CalibrationSettings (numbers windowMin, seconds, maxAgeH) in `w`'s words, else undefined. */
function calibrationText(w: TerminalWords, v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { windowMin, seconds, maxAgeH } = v as Record<string, unknown>;
  if (typeof windowMin !== 'number' || typeof seconds !== 'number' || typeof maxAgeH !== 'number') return undefined;
  return w.calibration(windowMin, seconds, maxAgeH);
}

/**
 * The line after time and level of one log record: `[sensor]` or `[component]` (`【sensor】` in Chinese), then the
 * message, then the remaining fields as `key=value` (quoted when a value has a space: {@link fieldText}); a `centerHz`
 * field reads `(centre 433.920 MHz)` after the message. Alert records read `[s1] ALERT open high transmission
 * 433.927 MHz ISM 433 (unacknowledged; session Maths,
 * hall-1 seq 3)`, with `class nfm` after the band when the record carries an identification (`signalClass`, not
 * unknown; a guess, `signalConfidence` below LOW_CONFIDENCE, marked as everywhere: `class nfm? guess 41 %`; below the
 * class floor, `signalClosest` named as a hint: `class unknown (closest: nfm, 5 %)`), then the raise's mark (`▲ voice link`, src/text-template.ts RAISE_MARK_TEXT) when it carries a `raise` code
 * (any record does: the late identification's line has it after the message); a late alert (`lateMs`) adds
 * `2.3 s late` (`延迟 2.3 秒`; `31.6 s late (30 s on the receiver's link)` with `lateLinkMs`) before the session; acknowledgements add `by <who>`. A
 * `class` field (the late identification's line) carries the same guess mark when the record's `confidence` makes it one
 * (`class=nfm? confidence=0.41`). In
 * `lang` 'zh-CN' the message, the alert's and the state's words are Chinese (src/log-words.ts; a message its table
 * lacks stays English), and a record with a `messageCode` reads `codeText`'s text, else the text of a code of
 * src/error-text.ts (a clipped recording), (the repeated `still offline` line without its advice); field names and
 * values stay as logged, but for a `calibration` field of calibration settings, worded as
 * `calibration 20 min before (60 s; baselines valid 24 h)` (`校准 开考前 20 分钟（…）`).
 */
export function prettyMessage(log: Record<string, unknown>, lang: TextLang = 'en', codeText?: CodeText): string {
  const w = terminalWords(lang);
  const who = typeof log.sensor === 'string' ? w.who(log.sensor) : typeof log.component === 'string' ? w.who(log.component) : '';
  const msg = typeof log.msg === 'string' ? log.msg : '';
  // a raised transmission (its record's severityRaise code): the mark replay and the web UI show, `▲ 语音链路`
  const raised = log.raise !== undefined ? raiseMark(lang, log.raise) : '';
  if (msg === 'alert' && typeof log.kind === 'string') {
    // the identification the record carries (an unknown one says nothing a technician acts on)
    // a guess (signalConfidence below LOW_CONFIDENCE) marked as everywhere a class is shown: `class nfm? guess 41 %`
    const guess = isGuess(log.signalClass, log.signalConfidence) ? ` ${guessWords(lang, log.signalConfidence as number)}` : '';
    // below the class floor: unknown, the closest class named as a hint (`class unknown (closest: nfm, 5 %)`)
    const closest = closestClassOf({ class: log.signalClass, closestClass: log.signalClosest, confidence: log.signalConfidence });
    const cls = closest !== undefined
      ? w.signalClass(closestText(lang, 'shown', classWordsText(lang, closest), log.signalConfidence as number))
      : typeof log.signalClass === 'string' && log.signalClass !== 'unknown' ? `${w.signalClass(markedClass(classWordsText(lang, log.signalClass), log.signalClass, log.signalConfidence))}${guess}` : '';
    const what = [word(w.kind, log.kind), mhz(log.centerHz) ?? '', typeof log.bandLabel === 'string' ? log.bandLabel : '', cls, raised].filter((x) => x !== '').join(' ');
    const late = typeof log.lateMs === 'number' ? w.late(delayText(lang, log.lateMs), typeof log.lateLinkMs === 'number' ? delayText(lang, log.lateLinkMs) : undefined) : '';
    const ctx = [late, typeof log.session === 'string' ? w.session(log.session) : '', typeof log.ackBy === 'string' ? (log.event === 'unmark' ? w.removedBy : w.by)(ackByText(lang, log.ackBy, w.punct.aside)) : '', `${String(log.alertId)} seq ${String(log.seq)}`]
      .filter((x) => x !== '')
      .join(w.punct.comma);
    // marked known: under which name, as the page's row reads it (`已知：门卫对讲机`)
    const state = `${word(w.alertState, String(log.state))}${typeof log.knownLabel === 'string' ? `${w.punct.colon}${log.knownLabel}` : ''}`;
    return `${who}${w.alert} ${word(w.event, String(log.event))} ${word(w.severity, String(log.severity))} ${what}${w.punct.aside(`${state}${w.punct.semi}${ctx}`)}`;
  }
  if (msg === 'sensor state' && typeof log.state === 'string') return `${who}${w.stateArrow} ${word(w.state, log.state)}${typeof log.message === 'string' ? `${w.punct.colon}${log.message}` : ''}`;
  // a coded reason (a sensor offline) in the terminal's language when its English is not what the technician reads
  // the command's codes (run: the offline reasons), then the CLI's own (src/error-text.ts: a clipped recording)
  const coded = lang !== 'en' && log.messageCode !== undefined ? (codeText?.(log.messageCode, lang) ?? codeTextIn(log.messageCode, lang)) : undefined;
  const still = msg.startsWith('still offline: ');
  const text = still ? `${w.stillOffline}${coded !== undefined ? withoutAdvice(coded) : msg.slice('still offline: '.length)}` : (coded ?? word(w.msg, msg));
  const rest: string[] = [];
  for (const [k, v] of Object.entries(log)) {
    if (SHOWN.has(k) || v === undefined || k === 'centerHz') continue;
    // a field `why` with its code beside it (`whyCode`): the code's text in the terminal's language, the code not shown
    if (k.endsWith('Code') && k.slice(0, -'Code'.length) in log) continue;
    const worded = lang !== 'en' ? codedFieldText(log[`${k}Code`], lang, w, codeText) : undefined;
    if (worded !== undefined) {
      rest.push(fieldText(k, worded, lang, w));
      continue;
    }
    // the site's calibration settings (the `exam sessions` line) in words, not JSON: `calibration 20 min before (60 s; …)`
    const cal = k === 'calibration' ? calibrationText(w, v) : undefined;
    if (cal !== undefined) {
      rest.push(cal);
      continue;
    }
    // a `class` field (the late identification's line) marked as a guess by its `confidence`, as the alert line marks it
    rest.push(fieldText(k, k === 'class' && typeof v === 'string' ? markedClass(v, v, log.confidence) : v, lang, w));
  }
  const centre = 'centerHz' in log && log.centerHz !== undefined ? w.punct.aside(w.centre(mhz(log.centerHz))) : '';
  return `${who}${text}${raised !== '' ? ` ${raised}` : ''}${centre}${rest.length > 0 ? `  ${rest.join(' ')}` : ''}`;
}

/** A record's `time` (ms since the epoch) as local `HH:MM:ss`, as pino-pretty's `SYS:HH:MM:ss` shows it; '' without one. */
export function clockText(timeMs: unknown): string {
  if (typeof timeMs !== 'number' || !Number.isFinite(timeMs)) return '';
  const d = new Date(timeMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * Creates the root logger on stderr (fd 2), written synchronously so the last lines survive exit: JSON lines, or with
 * format `pretty` one line per record `[HH:MM:ss] LEVEL: [sensor] message key=value…` (colours on a terminal; Chinese
 * `HH:MM:ss 信息：【sensor】message key=value…`, src/log-words.ts lineHead and who), worded in
 * `lang` (default: `QUIETBAND_LANG`, which `--lang` sets; the JSON lines are English in every language); `codeText`
 * words the records that carry a `messageCode` in that language.
 */
export function createLogger(level: string = process.env.QUIETBAND_LOG_LEVEL ?? 'info', format: LogFormat = resolveLogFormat(), lang: TextLang = resolveLogLang(), codeText?: CodeText): Logger {
  if (format === 'json') return pino({ level, base: { app: 'quietband' } }, pino.destination({ fd: 2, sync: true }));
  const words = terminalWords(lang);
  // loaded only for the pretty form: piped processes and every worker thread of a daemon under systemd or a test log
  // JSON, and pino-pretty's import costs ≈ 30 ms of CPU per thread
  const { build: pretty, colorizerFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const colorize = process.stderr.isTTY === true;
  const head = words.lineHead;
  // the level word of pino's numeric level in pino-pretty's colour for it (a language with a line head of its own)
  const colorLevel = colorizerFactory(colorize);
  const levelWord = (level: unknown): string => {
    const label = typeof level === 'number' ? pino.levels.labels[level]?.toUpperCase() : undefined;
    return label === undefined ? String(level) : colorLevel(level as number).replace(label, word(words.level, label));
  };
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize,
    translateTime: 'SYS:HH:MM:ss',
    hideObject: true,
    // a language with a line head of its own has pino-pretty print the message alone (pino-pretty adds a Latin colon
    // after any time or level it prints)
    ignore: head === undefined ? 'pid,hostname' : 'pid,hostname,time,level',
    messageFormat: (log) => `${head === undefined ? '' : head(clockText(log.time), levelWord(log.level))}${prettyMessage(log, lang, codeText)}`,
    // the level label in the terminal's language, keeping pino-pretty's colour
    customPrettifiers: { level: (_level, _key, _log, { label, labelColorized }) => labelColorized.replace(label, word(words.level, label)) },
  });
  return pino({ level, base: { app: 'quietband' } }, stream);
}

export type { Logger };

/**
 * `logger` with `fields` bound (a pino child), leaving out the keys its bindings already hold. pino writes every
 * binding of every ancestor and every field of a call, so binding a key twice (or binding it and passing it again)
 * writes a JSON line with the key twice, which most readers of JSON lines take as an error or read as the last one.
 */
export function withBindings(logger: Logger, fields: Record<string, unknown>): Logger {
  const have = logger.bindings();
  const add = Object.fromEntries(Object.entries(fields).filter(([k]) => !(k in have)));
  return Object.keys(add).length === 0 ? logger : logger.child(add);
}

/**
 * Logs the warning `code` (src/error-text.ts) with `fields`: its English text is the record's message (the JSON line),
 * the code its `messageCode`, so the readable line is worded in the terminal's language ({@link prettyMessage}).
 */
export function warnCoded(logger: Logger, fields: Record<string, unknown>, code: ErrorMessageCode): void {
  logger.warn({ ...fields, messageCode: code }, errorTextIn('en', code));
}

/** pino's level names. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Returns `level` when it is a pino level. @throws QuietBandError('CONFIG') naming --log-level otherwise. */
export function checkLogLevel(level: string | undefined): string {
  const l = level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(l)) {
    throw cliError('flag.notA', { flag: '--log-level', value: l, expected: 'expect.logLevel', levels: LOG_LEVELS.join(', ') }, 'CONFIG');
  }
  return l;
}
