#!/usr/bin/env node
// Import-layer report for src/: the folder-level import graph, its cycles, the imports that point up the target
// layers of docs/architecture.md, files of src/ and web-ui/src/ over 500 lines, and what native-bindings/ and
// web-ui/src/ import from src/.
//
//   node scripts/layers.mjs          human-readable report
//   node scripts/layers.mjs --json   the same figures as JSON (test/architecture/layers.test.ts reads it)
//
// Nodes are the folders directly under src/ (`alerts`, `site`, …), plus each file directly in src/ as itself
// (`pipeline.ts`, `errors.ts`, …), plus `native-bindings`. Every import counts: static, `export … from`, type-only
// and dynamic `import('…')`, because each is a dependency a reader must follow. Comments are stripped first, so a
// `{@link import('…')}` in a docstring is not an import. Only relative specifiers are followed (packages and node:
// builtins are outside the graph).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(REPO_ROOT, 'src');

/** Files in `src/` and `web-ui/src/` longer than this many lines are reported (target: none). */
export const MAX_FILE_LINES = 500;

/**
 * Target layer of each node, lowest first (docs/architecture.md §2). A node may import nodes of its own layer or
 * below; an import of a node in a higher layer is an upward import. Nodes of one layer must still not form a cycle.
 */
export const LAYERS = [
  { name: 'native', nodes: ['native-bindings'] },
  { name: 'base', nodes: ['errors.ts', 'types.ts', 'log.ts', 'log-words.ts', 'log-values.ts', 'log-messages-zh.ts', 'error-text.ts', 'plain-text.ts', 'field-error.ts', 'file-modes.ts', 'atomic-write.ts', 'make-folder.ts', 'module-url.ts', 'text-template.ts', 'os-error-words.ts', 'bounded.ts', 'locale.ts', 'text-columns.ts'] },
  { name: 'dsp', nodes: ['dsp'] },
  { name: 'source', nodes: ['source'] },
  { name: 'spectrum', nodes: ['spectrum'] },
  { name: 'baseline, detector, ident', nodes: ['baseline', 'detector', 'ident'] },
  { name: 'pipeline', nodes: ['pipeline.ts', 'spectrum-view.ts', 'scan'] },
  { name: 'alerts', nodes: ['alerts', 'evidence'] },
  { name: 'server', nodes: ['server'] },
  { name: 'features', nodes: ['field', 'mqtt', 'notify', 'metrics'] },
  { name: 'config', nodes: ['config'] },
  { name: 'report, extras', nodes: ['report', 'extras'] },
  { name: 'site', nodes: ['site'] },
  { name: 'hub', nodes: ['hub'] },
  { name: 'cli, eval', nodes: ['cli', 'eval'] },
];

/** Layer index of each node; undefined for a node the table does not place (reported as such). */
export const LAYER_OF = new Map(LAYERS.flatMap((l, i) => l.nodes.map((n) => [n, i])));

/** All .ts files under `dir` (recursively), absolute paths, sorted. */
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'build') out.push(...tsFiles(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Lines of a file (newline characters). */
function lineCount(file) {
  return readFileSync(file, 'utf8').split('\n').length - 1;
}

/** `text` without // and /* *\/ comments (string contents are kept; a `//` inside a string is rare in imports). */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const IMPORT_RES = [
  /\bimport\s+(type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, // import x from '…', import type { … } from '…'
  /\bexport\s+(type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, // export … from '…'
  /\bimport\s*()['"]([^'"]+)['"]/g, // import '…' (side effects)
  /\bimport\s*\(\s*()['"]([^'"]+)['"]\s*\)/g, // import('…')
];

/** Relative import specifiers of a file: [{ spec, typeOnly }]. */
export function importsOf(file) {
  const text = stripComments(readFileSync(file, 'utf8'));
  const found = [];
  for (const re of IMPORT_RES) {
    for (const m of text.matchAll(re)) if (m[2].startsWith('.')) found.push({ spec: m[2], typeOnly: m[1] !== undefined && m[1] !== '' });
  }
  return found;
}

/** The graph node of an absolute path, or null when it lies outside src/ and native-bindings/. */
export function nodeOf(abs) {
  const rel = path.relative(REPO_ROOT, abs).split(path.sep);
  if (rel[0] === 'native-bindings') return 'native-bindings';
  if (rel[0] !== 'src') return null;
  if (rel.length === 2) return rel[1].replace(/\.js$/, '.ts');
  return rel[1];
}

/**
 * Scans src/ (and native-bindings/*.ts, web-ui/src/ for what they take from src/; web-ui/src/ also for file lengths).
 * @returns {{ files: {file: string, lines: number}[], edges: Map<string, Map<string, {files: Set<string>, typeOnly: boolean}>>, outside: {file: string, target: string}[] }}
 */
export function scan() {
  const edges = new Map();
  const files = [];
  const outside = [];
  const add = (from, to, file, typeOnly) => {
    if (!edges.has(from)) edges.set(from, new Map());
    const m = edges.get(from);
    const e = m.get(to) ?? { files: new Set(), typeOnly: true };
    e.files.add(path.relative(REPO_ROOT, file));
    e.typeOnly &&= typeOnly;
    m.set(to, e);
  };
  for (const file of tsFiles(SRC)) {
    files.push({ file: path.relative(REPO_ROOT, file), lines: lineCount(file) });
    const from = nodeOf(file);
    if (!edges.has(from)) edges.set(from, new Map());
    for (const { spec, typeOnly } of importsOf(file)) {
      const to = nodeOf(path.resolve(path.dirname(file), spec));
      if (to !== null && to !== from) add(from, to, file, typeOnly);
    }
  }
  const nb = path.join(REPO_ROOT, 'native-bindings');
  const nbFiles = readdirSync(nb).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts')).map((n) => path.join(nb, n));
  const uiFiles = tsFiles(path.join(REPO_ROOT, 'web-ui', 'src'));
  for (const file of uiFiles) files.push({ file: path.relative(REPO_ROOT, file), lines: lineCount(file) });
  for (const file of [...nbFiles, ...uiFiles]) {
    for (const { spec } of importsOf(file)) {
      const abs = path.resolve(path.dirname(file), spec);
      if (path.relative(REPO_ROOT, abs).startsWith(`src${path.sep}`)) outside.push({ file: path.relative(REPO_ROOT, file), target: path.relative(REPO_ROOT, abs) });
    }
  }
  return { files, edges, outside };
}

/** Strongly connected components with more than one node (Tarjan), each sorted, largest first. */
export function cycles(edges) {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const index = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of [...(edges.get(v)?.keys() ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const comp = [];
      for (let w; w !== v; ) {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      }
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out.sort((a, b) => b.length - a.length || a[0].localeCompare(b[0]));
}

/** Every folder-level report figure, as plain JSON-able values. */
export function report() {
  const { files, edges, outside } = scan();
  const graph = {};
  for (const [from, m] of [...edges].sort(([a], [b]) => a.localeCompare(b))) {
    graph[from] = Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([to, e]) => [to, { files: e.files.size, typeOnly: e.typeOnly }]));
  }
  const mutual = [];
  for (const [a, m] of edges) for (const b of m.keys()) if (a < b && edges.get(b)?.has(a)) mutual.push(`${a} ⇄ ${b}`);
  const upward = [];
  const unplaced = new Set();
  for (const [from, m] of edges) {
    for (const [to, e] of m) {
      const lf = LAYER_OF.get(from);
      const lt = LAYER_OF.get(to);
      if (lf === undefined) unplaced.add(from);
      if (lt === undefined) unplaced.add(to);
      if (lf !== undefined && lt !== undefined && lt > lf) upward.push({ edge: `${from} → ${to}`, files: [...e.files].sort(), typeOnly: e.typeOnly });
    }
  }
  upward.sort((a, b) => a.edge.localeCompare(b.edge));
  return {
    nodes: Object.keys(graph).length,
    graph,
    cycles: cycles(edges),
    mutual: mutual.sort(),
    upward,
    unplaced: [...unplaced].sort(),
    oversized: files.filter((f) => f.lines > MAX_FILE_LINES).sort((a, b) => b.lines - a.lines),
    /** Files whose length is checked against MAX_FILE_LINES (src/ and web-ui/src/), relative to the repo. */
    sized: files.map((f) => f.file),
    srcLines: files.filter((f) => f.file.startsWith(`src${path.sep}`)).reduce((s, f) => s + f.lines, 0),
    outsideImports: outside,
  };
}

function print(r) {
  const out = [];
  out.push(`src/: ${r.srcLines} lines; ${r.nodes} nodes (folders under src/, files directly in src/, native-bindings)`);
  out.push('', 'Folder imports (→ target [files importing it]; "type" = type-only):');
  for (const [from, m] of Object.entries(r.graph)) {
    const layer = LAYER_OF.has(from) ? LAYERS[LAYER_OF.get(from)].name : 'unplaced';
    out.push(`  ${from} (${layer}) → ${Object.entries(m).map(([to, e]) => `${to}[${e.files}${e.typeOnly ? ' type' : ''}]`).join(', ') || '—'}`);
  }
  out.push('', `Cycles (strongly connected components): ${r.cycles.length}`);
  for (const c of r.cycles) out.push(`  ${c.length} nodes: ${c.join(', ')}`);
  out.push('', `Pairs importing each other directly: ${r.mutual.length}`, ...r.mutual.map((m) => `  ${m}`));
  out.push('', `Upward imports (against the target layers of docs/architecture.md): ${r.upward.length}`);
  for (const u of r.upward) out.push(`  ${u.edge}${u.typeOnly ? ' (types only)' : ''}: ${u.files.join(', ')}`);
  if (r.unplaced.length > 0) out.push('', `Nodes no layer places (add them to LAYERS): ${r.unplaced.join(', ')}`);
  out.push('', `Files in src/ and web-ui/src/ over ${MAX_FILE_LINES} lines: ${r.oversized.length}`, ...r.oversized.map((f) => `  ${String(f.lines).padStart(5)} ${f.file}`));
  out.push('', `native-bindings/ and web-ui/src/ importing src/: ${r.outsideImports.length}`, ...r.outsideImports.map((o) => `  ${o.file} → ${o.target}`));
  return out.join('\n');
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = report();
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(r, null, 2)}\n` : `${print(r)}\n`);
}
