// "Did you mean …?" for an unknown field of a config file, by the rule commander applies to a mistyped flag (its
// lib/suggestSimilar.js, which its package does not export): optimal string alignment distance ≤ 3 and at least 40 %
// of the longer name alike; the closest names win, every name at that distance is offered.
import type { z } from 'zod';

/** Largest edit distance offered (commander's `maxDistance`). */
const MAX_DISTANCE = 3;
/** Share of the longer name that must be alike: (length − distance) / length above this (commander's 0.4). */
const MIN_SIMILARITY = 0.4;

/**
 * Optimal string alignment distance between `a` and `b` (insertions, deletions, substitutions and swaps of two
 * neighbours, each counting 1; no substring edited twice): Damerau–Levenshtein as commander computes it.
 */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d[i] = [i];
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The names of `candidates` closest to `typed` (case-insensitive; see the file's rule), in their order; [] when none is close. */
export function closestNames(typed: string, candidates: readonly string[]): string[] {
  let best = MAX_DISTANCE + 1;
  let out: string[] = [];
  for (const c of candidates) {
    const dist = editDistance(typed.toLowerCase(), c.toLowerCase());
    const length = Math.max(typed.length, c.length);
    if (dist > MAX_DISTANCE || (length - dist) / length <= MIN_SIMILARITY) continue;
    if (dist < best) [best, out] = [dist, [c]];
    else if (dist === best) out.push(c);
  }
  return out;
}

/** The parts of a zod 4 schema's definition this file reads. */
interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (s: z.ZodType): SchemaDef => s._zod.def as SchemaDef;

/** `s` without its optional / nullable / default / readonly / catch wrappers and a pipe's output side. */
function unwrapped(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (inner === undefined) return s;
    s = inner;
  }
}

/**
 * The field names the object schema at `path` of `schema` takes (array elements and record values followed), for the
 * "did you mean" of an unknown field there; [] when `path` reaches no object schema.
 */
export function fieldNamesAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = unwrapped(schema);
  for (const p of path) {
    const d = defOf(s);
    s = d.type === 'object' ? d.shape?.[String(p)] : d.type === 'array' ? d.element : d.type === 'record' ? d.valueType : undefined;
    if (s === undefined) return [];
    s = unwrapped(s);
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape !== undefined ? Object.keys(d.shape) : [];
}
