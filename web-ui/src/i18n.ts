// UI language: the choice (saved, default from the browser) and t() lookup in the English (strings-en.ts) and
// Simplified Chinese (strings-zh.ts) tables.
import { fillPlurals } from '../../src/text-template.js';
import { EN, type MsgKey } from './strings-en.js';
import { ZH } from './strings-zh.js';

export type { MsgKey } from './strings-en.js';

/** Languages the page speaks. */
export type Lang = 'en' | 'zh-CN';

/** Every UI string per language (read by the translation-completeness test). */
export const DICTS: Readonly<Record<Lang, Readonly<Record<MsgKey, string>>>> = { en: EN, 'zh-CN': ZH };
const STORAGE_KEY = 'quietband.lang';

let current: Lang = 'en';

/** Language for a BCP 47 tag: any `zh*` → 'zh-CN', else 'en'. */
export function langFor(tag: string | undefined): Lang {
  return tag !== undefined && tag.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** Initial language: the saved choice (localStorage), else the browser's (`navigator.languages[0]`). */
export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // storage disabled: fall back to the browser
  }
  return langFor(navigator.languages?.[0] ?? navigator.language);
}

/** Current language. */
export function lang(): Lang {
  return current;
}

/** Switches the language (and remembers it); callers re-render. */
export function setLang(l: Lang, remember = true): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // not fatal
    }
  }
}

/**
 * The string for `key` in the current language, with `{name}` placeholders replaced from `params` and plural choices
 * `{name|one|other}` by the form the number `params[name]` asks (English `{n} {n|alert|alerts}`: "1 alert", "2 alerts";
 * src/text-template.ts fillPlurals).
 */
export function t(key: MsgKey, params?: Record<string, string | number>): string {
  const s = DICTS[current][key];
  if (params === undefined) return s;
  return fillPlurals(current, s, params).replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** The string for `key` when it is a known key (e.g. built from a server value like a sensor state), else `fallback`. */
export function tOr(key: string, fallback: string): string {
  return key in EN ? t(key as MsgKey) : fallback;
}

/** Sets the text of every `[data-i18n]` element under `root` from its key. */
export function translateStatic(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n as MsgKey;
    if (key in EN) el.textContent = t(key);
  }
}
