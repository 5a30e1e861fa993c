// Terminal columns of a text, loaded on demand.
import { createRequire } from 'node:module';

/** string-width, loaded by the first {@link textColumns}. */
let stringWidth: ((s: string) => number) | undefined;

/**
 * Terminal columns of `s` (string-width: a CJK character takes two, an ANSI colour none), for tables and the Chinese
 * help. string-width (CommonJS, with its emoji table) is loaded on the first call, not at start: an English `--help`
 * or `--version` measures no text.
 */
export function textColumns(s: string): number {
  stringWidth ??= createRequire(import.meta.url)('string-width') as typeof import('string-width');
  return stringWidth(s);
}
