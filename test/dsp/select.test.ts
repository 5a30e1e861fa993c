// quickSelect / quickMedian / quantile: the same order statistics as a full sort, ties included.
import { describe, expect, it } from 'vitest';
import { quickMedian, quickSelect } from '../../src/dsp/select.js';
import { quantile } from '../../src/ident/spectrum.js';

/** A deterministic pseudo-random sequence (LCG) with many ties: every third value from {0..4}. */
function values(n: number, seed: number): number[] {
  let x = seed;
  const next = (): number => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Math.floor(5 * next()) : 100 * next()));
}

describe('order statistics', () => {
  it('quickSelect gives the k-th smallest and leaves a[0..k) ≤ a[k] ≤ a(k..n); quickMedian the rank n/2', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const v = values(1 + (seed % 97), seed);
      const sorted = [...v].sort((a, b) => a - b);
      const k = seed % v.length;
      const a = Float64Array.from(v);
      expect(quickSelect(a, k)).toBe(sorted[k]);
      for (let i = 0; i < a.length; i++) expect(i < k ? a[i]! <= a[k]! : a[i]! >= a[k]!).toBe(true);
      expect(quickMedian(Float32Array.from(v))).toBe(Math.fround(sorted[v.length >> 1]!));
    }
  });

  it('quantile equals the sort-based linear interpolation (q = 0, 0.1, 0.25, 0.5, 0.9, 0.99, 1)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const v = values(1 + ((seed * 7) % 151), seed);
      const s = [...v].sort((a, b) => a - b);
      for (const q of [0, 0.1, 0.25, 0.5, 0.9, 0.99, 1]) {
        const x = q * (s.length - 1);
        const i = Math.floor(x);
        const want = i + 1 < s.length ? s[i]! + (s[i + 1]! - s[i]!) * (x - i) : s[s.length - 1]!;
        expect(quantile(v, q)).toBe(want);
      }
    }
    expect(quantile([], 0.5)).toBeNaN();
  });
});
