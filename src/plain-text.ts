// Texts that reach a log line as plain English, without their code, worded back into the terminal's language: a
// source's own error crosses from the sensor's worker thread as text (the health's `sourceError`, rtl_tcp's `reason`).
import { ERROR_TEXT, errorTextIn, type ErrorMessageId } from './error-text.js';
import type { TextLang } from './text-template.js';

/**
 * Codes whose English text reaches log lines as a plain value, without its code: a source's own error, which crosses
 * from the sensor's worker as text (the health's `sourceError`, rtl_tcp's `reason`).
 */
const PLAIN_TEXT_IDS: readonly ErrorMessageId[] = ['rtltcp.refused', 'rtltcp.reset', 'rtltcp.pipe', 'rtltcp.unreachable', 'rtltcp.hostNotFound'];

/** Each of {@link PLAIN_TEXT_IDS} as a pattern of its English text (a param: any text) and the names of its params. */
let plainMatchers: { id: ErrorMessageId; re: RegExp; keys: string[] }[] | null = null;

/**
 * `text` in `lang` when it is the English text of one of {@link PLAIN_TEXT_IDS} (its params read back from the
 * text), else `text` as it is: `connection refused (ECONNREFUSED): is rtl_tcp running and listening on 127.0.0.1:1?`
 * → `连接被拒绝（ECONNREFUSED）：rtl_tcp 是否正在运行并监听 127.0.0.1:1？`.
 */
export function plainTextIn(lang: TextLang, text: string): string {
  if (lang === 'en') return text;
  plainMatchers ??= PLAIN_TEXT_IDS.map((id) => {
    const keys: string[] = [];
    const source = ERROR_TEXT.en[id].split(/\{(\w+)\}/).map((part, i) => (i % 2 === 1 ? (keys.push(part), '(.+?)') : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    return { id, re: new RegExp(`^${source}$`), keys };
  });
  for (const m of plainMatchers) {
    const r = m.re.exec(text);
    if (r !== null) return errorTextIn(lang, { id: m.id, params: Object.fromEntries(m.keys.map((k, i) => [k, r[i + 1]])) });
  }
  return text;
}
