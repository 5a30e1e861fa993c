// Import layers of src/ (docs/architecture.md §2): folders import only their own layer or those below it, no folder
// cycle exists, no file of src/ or web-ui/src/ is over MAX_FILE_LINES lines, and native-bindings/ imports nothing from
// src/. The allowed lists below hold today's exceptions; entries the code no longer needs must be deleted here too, so
// the lists only shrink.
import { describe, expect, it } from 'vitest';
import { cycles, MAX_FILE_LINES, report } from '../../scripts/layers.mjs';

/** Folder cycles (strongly connected components) still allowed, each sorted: none. */
const ALLOWED_CYCLES: string[][] = [];

/** Folder pairs that import each other directly (the pairs behind the cycles above): none. */
const ALLOWED_MUTUAL: string[] = [];

/** Files of src/ and web-ui/src/ over MAX_FILE_LINES lines, with the length they may not exceed: none. */
const ALLOWED_OVERSIZED: Record<string, number> = {};

/**
 * What web-ui/src/ takes from src/ (the browser shares the wire types on purpose, and folds alert records with the
 * store's own pure fold, src/alerts/alert-fold.ts, words delays as the daemon's texts do, src/text-template.ts, and marks a low-confidence class by the daemon's own threshold and words,
 * src/text-template.ts; names the signal classes in Chinese and English from the tables the daemon's texts use,
 * src/text-template.ts ZH_CLASS_WORDS and EN_CLASS_WORDS; and picks English plurals as the session report does,
 * src/text-template.ts fillPlurals; marks a raised alert with the one table of raise marks, src/text-template.ts
 * raiseMark; frames a clip's picture with the session report's axes, src/evidence/clip-axes.ts, pure: no DOM, no Node
 * modules).
 * native-bindings/ takes nothing.
 */
const ALLOWED_OUTSIDE = [
  'web-ui/src/alert-model.ts → src/alerts/alert-fold.js',
  'web-ui/src/alert-row.ts → src/text-template.js',
  'web-ui/src/clip-figure.ts → src/evidence/clip-axes.js',
  'web-ui/src/format.ts → src/server/message-text.js',
  'web-ui/src/format.ts → src/text-template.js',
  'web-ui/src/i18n.ts → src/text-template.js',
  'web-ui/src/protocol-types.ts → src/server/protocol.js',
  'web-ui/src/signal-text.ts → src/text-template.js',
  'web-ui/src/strings-en.ts → src/text-template.js',
  'web-ui/src/strings-zh.ts → src/text-template.js',
];

const r = report();
const key = (c: string[]): string => c.join(', ');

describe('import layers of src/ (node scripts/layers.mjs prints the details)', () => {
  it('the scan finds a cycle through three folders and none in a chain', () => {
    const graph = (pairs: [string, string][]): Map<string, Map<string, unknown>> => {
      const m = new Map<string, Map<string, unknown>>();
      for (const [a, b] of pairs) m.set(a, (m.get(a) ?? new Map()).set(b, {}));
      return m;
    };
    expect(cycles(graph([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']]))).toEqual([['a', 'b', 'c']]);
    expect(cycles(graph([['a', 'b'], ['b', 'c'], ['a', 'c']]))).toEqual([]);
  });

  it('every node has a target layer (a new folder must be placed in LAYERS of scripts/layers.mjs)', () => {
    expect(r.unplaced).toEqual([]);
  });

  it('no folder cycle beyond the allowed ones, and every allowed one still exists', () => {
    const allowed = ALLOWED_CYCLES.map(key);
    const found = r.cycles.map(key);
    expect(found.filter((c) => !allowed.includes(c)), 'new or changed cycle (a shrunk one: update ALLOWED_CYCLES)').toEqual([]);
    expect(allowed.filter((c) => !found.includes(c)), 'allowed cycle gone or changed: update ALLOWED_CYCLES').toEqual([]);
  });

  it('no new pair of folders importing each other', () => {
    expect(r.mutual.filter((m) => !ALLOWED_MUTUAL.includes(m)), 'new mutual imports').toEqual([]);
    expect(ALLOWED_MUTUAL.filter((m) => !r.mutual.includes(m)), 'gone: delete from ALLOWED_MUTUAL').toEqual([]);
  });

  it('no upward import (a folder imports only its own layer or those below it)', () => {
    expect(r.upward.map((u) => `${u.edge}: ${u.files.join(', ')}`), 'upward imports against docs/architecture.md §2').toEqual([]);
  });

  it('the file-size rule reads src/ and web-ui/src/', () => {
    expect(['src/pipeline.ts', 'web-ui/src/main.ts'].filter((f) => !r.sized.includes(f))).toEqual([]);
  });

  it(`no new file over ${MAX_FILE_LINES} lines, and no listed one grows`, () => {
    const over = r.oversized.filter((f) => !(f.file in ALLOWED_OVERSIZED) || f.lines > ALLOWED_OVERSIZED[f.file]!);
    expect(over.map((f) => `${f.file}: ${f.lines} lines`), `over ${MAX_FILE_LINES} lines or longer than allowed`).toEqual([]);
    const found = r.oversized.map((f) => f.file);
    expect(Object.keys(ALLOWED_OVERSIZED).filter((f) => !found.includes(f)), 'now short enough: delete from ALLOWED_OVERSIZED').toEqual([]);
  });

  it('native-bindings/ imports nothing from src/ (src/ imports it, never the other way)', () => {
    expect(r.outsideImports.filter((o) => o.file.startsWith('native-bindings/')).map((o) => `${o.file} → ${o.target}`)).toEqual([]);
  });

  it('web-ui/src/ takes nothing new from src/', () => {
    const found = r.outsideImports.filter((o) => o.file.startsWith('web-ui/')).map((o) => `${o.file} → ${o.target}`);
    expect([...new Set(found)].sort()).toEqual([...ALLOWED_OUTSIDE].sort());
  });
});
