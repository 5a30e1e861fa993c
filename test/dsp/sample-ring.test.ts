// SampleRing (src/dsp/sample-ring.ts): absolute indices, wrap-around in two runs, restart on a gap or discontinuity,
// a block longer than the ring keeps its tail, reads clipped to what is held and to the output's length.
import { describe, expect, it } from 'vitest';
import { SampleRing } from '../../src/dsp/sample-ring.js';
import type { IqBlock } from '../../src/types.js';

/** A ring over plain Float32 storage that records the runs it was asked to store and load. */
class PlainRing extends SampleRing {
  readonly buf: Float32Array;
  readonly stores: [number, number, number][] = [];
  readonly loads: [number, number, number][] = [];
  constructor(capacity: number) {
    super(capacity);
    this.buf = new Float32Array(2 * capacity);
  }
  protected override storeRun(s: Float32Array, from: number, to: number, values: number): void {
    this.stores.push([from, to, values]);
    this.buf.set(s.subarray(from, from + values), to);
  }
  protected override loadRun(from: number, to: number, values: number, out: Float32Array): void {
    this.loads.push([from, to, values]);
    out.set(this.buf.subarray(from, from + values), to);
  }
}

/** A block of `count` samples from absolute index `first`; sample k holds I = k, Q = −k. */
function block(first: number, count: number, discontinuity = false): IqBlock {
  const samples = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) {
    samples[2 * i] = first + i;
    samples[2 * i + 1] = -(first + i);
  }
  return { samples, count, firstSample: first, discontinuity } as IqBlock;
}

/** The I values of the samples read into `out`. */
const iValues = (out: Float32Array, n: number): number[] => Array.from({ length: n }, (_, i) => out[2 * i]!);

describe('SampleRing', () => {
  it('holds the last capacity samples; a push that wraps stores two runs, a read across the wrap loads two', () => {
    const r = new PlainRing(8);
    r.push(block(100, 6)); // samples 100..103 at slots 4..7, 104..105 at slots 0..1: two runs (floats from, to, count)
    r.push(block(106, 5)); // 106..110 at slots 2..6: one run
    expect(r.stores).toEqual([[0, 8, 8], [8, 0, 4], [0, 4, 10]]);
    expect(r.range).toEqual([103, 111]);
    const out = new Float32Array(16);
    expect(r.readInto(100, 200, out)).toEqual([103, 8]);
    expect(iValues(out, 8)).toEqual([103, 104, 105, 106, 107, 108, 109, 110]);
    expect(out[15]).toBe(-110);
    expect(r.loads).toEqual([[14, 0, 2], [0, 2, 14]]); // 103 at slot 7, then 104..110 at slots 0..6
  });

  it('a gap in firstSample or a discontinuity restarts the ring at the new block', () => {
    const r = new PlainRing(8);
    r.push(block(0, 4));
    r.push(block(10, 3));
    expect(r.range).toEqual([10, 13]);
    r.push(block(13, 2, true));
    expect(r.range).toEqual([13, 15]);
    const out = new Float32Array(8);
    expect(r.readInto(0, 100, out)).toEqual([13, 2]);
    expect(iValues(out, 2)).toEqual([13, 14]);
  });

  it('a block longer than the ring stores only its last capacity samples', () => {
    const r = new PlainRing(4);
    r.push(block(50, 10));
    expect(r.range).toEqual([56, 60]);
    expect(r.stores.reduce((n, s) => n + s[2], 0)).toBe(8); // 4 samples, 8 floats
    const out = new Float32Array(8);
    r.readInto(56, 60, out);
    expect(iValues(out, 4)).toEqual([56, 57, 58, 59]);
  });

  it('reads are clipped to what is held and to the output length; nothing held gives 0 samples', () => {
    const r = new PlainRing(8);
    r.push(block(20, 8));
    const small = new Float32Array(6);
    expect(r.readInto(22, 30, small)).toEqual([22, 3]);
    expect(iValues(small, 3)).toEqual([22, 23, 24]);
    expect(r.readInto(40, 50, new Float32Array(8))).toEqual([40, 0]);
    expect(r.readInto(10, 15, new Float32Array(8))).toEqual([20, 0]);
  });

  it('read gives a new array of exactly the samples held in [from, to)', () => {
    const r = new PlainRing(8);
    r.push(block(30, 10));
    const { iq, first, count } = r.read(25, 35);
    expect([first, count, iq.length]).toEqual([32, 3, 6]);
    expect(Array.from(iq)).toEqual([32, -32, 33, -33, 34, -34]);
    expect(r.read(50, 60).count).toBe(0);
  });

  it('refuses a capacity below one sample', () => {
    expect(() => new PlainRing(0)).toThrow(/^ring capacity must be ≥ 1 sample, got 0$/);
  });
});
