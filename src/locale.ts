// The language and charset of the locale (LC_ALL / LC_MESSAGES / LANG), apart from the terminal's words
// (src/log-words.ts) so that `quietband --help` and `--version` choose their language without loading the Chinese log
// message table.
import type { TextLang } from './text-template.js';

/** A Chinese locale value: `zh`, `zh_CN.UTF-8`, `zh_TW`, `zh-Hant`… */
const CHINESE_LOCALE = /^zh([_.@-]|$)/i;

/**
 * The language of the locale (POSIX order: `LC_ALL`, else `LC_MESSAGES`, else `LANG`): 'zh-CN' for any Chinese one,
 * else 'en'. What a command without `--lang` speaks on a Chinese desktop. QuietBand ships English and Simplified
 * Chinese only: a Traditional Chinese locale (`zh_TW`, `zh_HK`) gets Simplified Chinese, as a zh-TW browser gets it on
 * the web page (its reader reads it more easily than English). A Chinese locale whose charset is not UTF-8
 * (`zh_CN.GB18030`; see {@link localeCharsetWarning}) gets English: QuietBand writes UTF-8 only, and the terminal would
 * show its Chinese as mojibake, while English is plain ASCII, the same bytes in GB18030, GBK or Big5.
 */
export function localeLang(env: NodeJS.ProcessEnv = process.env): TextLang {
  const v = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return CHINESE_LOCALE.test(v) && localeCharset(env) === undefined ? 'zh-CN' : 'en';
}

/**
 * The charset of the locale when it names one other than UTF-8 (`LC_ALL`, else `LC_CTYPE`, else `LANG`: the codeset
 * after the dot, `zh_CN.GB18030` → `{ variable: 'LANG', value, charset: 'GB18030' }`), else undefined (UTF-8, or no
 * codeset named: taken as UTF-8, as on every current desktop).
 */
function localeCharset(env: NodeJS.ProcessEnv): { variable: string; value: string; charset: string } | undefined {
  const variable = ['LC_ALL', 'LC_CTYPE', 'LANG'].find((k) => (env[k] ?? '') !== '');
  if (variable === undefined) return undefined;
  const value = env[variable]!;
  const charset = /\.([^@]+)/.exec(value)?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset) ? undefined : { variable, value, charset };
}

/**
 * The one line a command prints (English, ASCII) when the locale is Chinese but its charset is not UTF-8, saying that
 * it speaks English and how to get Chinese; null otherwise (see {@link localeLang}).
 */
export function localeCharsetWarning(env: NodeJS.ProcessEnv = process.env): string | null {
  const lang = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  const c = localeCharset(env);
  if (c === undefined || !CHINESE_LOCALE.test(lang)) return null;
  return `quietband: ${c.variable}=${c.value} names the ${c.charset} charset; QuietBand writes UTF-8 only, so it speaks English here (for Chinese use a UTF-8 locale such as LANG=zh_CN.UTF-8)`;
}
