// The simulator's carrier generators (src/source/sim-core.ts ToneGenerator, OokGenerator) give exactly the samples of
// the per-sample loop below (the phasor re-anchored from the exact phase at every call, one complex multiply per
// sample; a symbol's key taken at the first whole sample at or past its edge), also for a fractional symbol length,
// calls that start and end inside a symbol, and a gate; nothing outside the gate.
import { describe, expect, it } from 'vitest';
import { dbfsToPower, OokGenerator, ToneGenerator } from '../../src/source/sim-core.js';
import { hash32 } from '../../src/source/sim-random.js';

interface Carrier { offsetHz: number; powerDbfs: number; rateSps: number; start: number; end: number; phase0: number; seed?: number; symbolSamples?: number }

/** The carrier over calls of `chunks` samples from 0, sample by sample: keyed by symbol when `c.symbolSamples` is set. */
function reference(c: Carrier, chunks: number[]): Float64Array {
  const out = new Float64Array(2 * chunks.reduce((s, n) => s + n, 0));
  const amp = Math.sqrt(dbfsToPower(c.powerDbfs));
  const step = c.offsetHz / c.rateSps;
  const cw = Math.cos(2 * Math.PI * step);
  const sw = Math.sin(2 * Math.PI * step);
  const sym = c.symbolSamples ?? Infinity;
  const keyOf = (k: number): boolean => c.seed === undefined || k === 0 || (hash32(c.seed, k) & 1) === 1;
  let phase = c.phase0;
  let n0 = 0;
  for (const count of chunks) {
    const a = Math.max(n0, c.start);
    const b = Math.min(n0 + count, c.end);
    n0 += count;
    if (a >= b) continue;
    let re = Math.cos(2 * Math.PI * phase);
    let im = Math.sin(2 * Math.PI * phase);
    let k = Math.floor((a - c.start) / sym);
    let on = keyOf(k);
    let nextEdge = c.start + (k + 1) * sym;
    for (let n = a; n < b; n++) {
      if (n >= nextEdge) {
        k = Math.floor((n - c.start) / sym);
        on = keyOf(k);
        nextEdge = c.start + (k + 1) * sym;
      }
      if (on) {
        out[2 * n] += amp * re;
        out[2 * n + 1] += amp * im;
      }
      const r2 = re * cw - im * sw;
      im = re * sw + im * cw;
      re = r2;
    }
    const p = phase + (b - a) * step;
    phase = p - Math.floor(p);
  }
  return out;
}

/** `g`'s samples over calls of `chunks` samples from 0. */
function rendered(g: { add(out: Float64Array, outOffset: number, n0: number, count: number): void }, chunks: number[]): Float64Array {
  const out = new Float64Array(2 * chunks.reduce((s, n) => s + n, 0));
  let n0 = 0;
  for (const count of chunks) {
    g.add(out, n0, n0, count);
    n0 += count;
  }
  return out;
}

const CHUNKS = [1, 613, 4096, 1000, 7, 2500, 10_007];

describe('carrier generators', () => {
  it('a tone from a starting phase, across odd call sizes: the per-sample loop exactly', () => {
    const c: Carrier = { offsetHz: 31_250.5, powerDbfs: -20, rateSps: 250_000, start: 0, end: Infinity, phase0: 0.3 };
    const got = rendered(new ToneGenerator(c.offsetHz, c.powerDbfs, c.rateSps, c.start, c.end, c.phase0), CHUNKS);
    expect(got).toEqual(reference(c, CHUNKS));
    expect(Math.hypot(got[0]!, got[1]!)).toBeCloseTo(0.1, 12); // −20 dBFS
  });

  it('on/off keying, 614.4-sample symbols inside a gate [900, 15000): the per-sample loop exactly, silent outside', () => {
    const rateSps = 2_048_000;
    const c: Carrier = { offsetHz: -120_000, powerDbfs: -10, rateSps, start: 900, end: 15_000, phase0: 0, seed: 7, symbolSamples: 0.3e-3 * rateSps };
    const got = rendered(new OokGenerator(c.offsetHz, c.powerDbfs, rateSps, c.start, c.end, 7, 0.3e-3), CHUNKS);
    expect(got).toEqual(reference(c, CHUNKS));
    expect(got.subarray(0, 2 * c.start).every((v) => v === 0)).toBe(true);
    expect(got.subarray(2 * c.end).every((v) => v === 0)).toBe(true);
    // some symbols on, some off: the keying is exercised
    const keys = Array.from({ length: 23 }, (_, k) => k === 0 || (hash32(7, k) & 1) === 1);
    expect(keys.filter(Boolean).length).toBeGreaterThan(3);
    expect(keys.filter((on) => !on).length).toBeGreaterThan(3);
  });
});
