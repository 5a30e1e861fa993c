// Cu8BlockRing: chunks split anywhere (including inside an I/Q pair) give exact Float32 blocks and metadata.
import { describe, expect, it } from 'vitest';
import { Cu8BlockRing } from '../../src/source/rtl-tcp-block-ring.js';
import type { IqBlock } from '../../src/types.js';
import { prngBytes } from './fake-rtl-tcp-server.js';

function newBlock(n: number): IqBlock {
  return { samples: new Float32Array(2 * n), count: 0, centerHz: 0, rateSps: 0, firstSample: -1, tuneId: -1, clipFraction: -1, discontinuity: false };
}

/** Writes `data` split into chunks of the given sizes (cycled), reading blocks as they commit. */
function runSplit(data: Buffer, blockSamples: number, sizes: number[]): { samples: number[]; first: number[]; clip: number[] } {
  const ring = new Cu8BlockRing(blockSamples, 3);
  ring.startRun(1000, 7, false);
  const block = newBlock(blockSamples);
  const samples: number[] = [];
  const first: number[] = [];
  const clip: number[] = [];
  let pos = 0;
  let k = 0;
  while (pos < data.length) {
    const end = Math.min(data.length, pos + sizes[k++ % sizes.length]!);
    let p = pos;
    while (p < end) {
      p += ring.write(data, p, end);
      while (ring.readyBlocks > 0) {
        ring.readInto(block);
        expect(block.tuneId).toBe(7);
        samples.push(...block.samples);
        first.push(block.firstSample);
        clip.push(block.clipFraction);
      }
    }
    pos = end;
  }
  return { samples, first, clip };
}

describe('Cu8BlockRing', () => {
  const blockSamples = 5;
  const data = prngBytes(2 * blockSamples * 9 + 3); // 9 whole blocks + 3 stray bytes
  const expected = Array.from(data.subarray(0, 2 * blockSamples * 9), (b) => Math.fround((b - 127.5) / 127.5));

  it('gives identical samples for every chunking, including 1-byte and odd-sized chunks', () => {
    for (const sizes of [[1], [3], [7, 1, 2], [2 * blockSamples], [data.length], [11, 13, 5]]) {
      const r = runSplit(data, blockSamples, sizes);
      expect(r.samples).toEqual(expected);
      expect(r.first).toEqual([1000, 1005, 1010, 1015, 1020, 1025, 1030, 1035, 1040]);
    }
  });

  it('maps 0 → −1, 255 → +1, 128 → +1/255 and counts clipped bytes', () => {
    const ring = new Cu8BlockRing(4, 2);
    ring.startRun(0, 0, true);
    const d = Buffer.from([0, 255, 128, 127, 0, 1, 254, 255]);
    expect(ring.write(d, 0, d.length)).toBe(8);
    const b = newBlock(4);
    ring.readInto(b);
    expect(Array.from(b.samples)).toEqual([-1, 1, Math.fround(0.5 / 127.5), Math.fround(-0.5 / 127.5), -1, Math.fround(-126.5 / 127.5), Math.fround(126.5 / 127.5), 1]);
    expect(b.clipFraction).toBe(4 / 8);
    expect(b.discontinuity).toBe(true);
    expect(b.count).toBe(4);
  });

  it('stops accepting bytes when full, drops a partial block on a new run, flags discontinuity', () => {
    const ring = new Cu8BlockRing(2, 2); // 4 bytes per block, 2 slots
    ring.startRun(0, 0, false);
    const d = prngBytes(20);
    expect(ring.write(d, 0, 20)).toBe(8);
    expect(ring.full).toBe(true);
    const b = newBlock(2);
    ring.readInto(b);
    expect(b.firstSample).toBe(0);
    expect(b.discontinuity).toBe(false);
    expect(ring.write(d, 8, 11)).toBe(3); // partial: 3 of 4 bytes
    expect(ring.partialBytes).toBe(3);
    expect(ring.startRun(500, 1, true)).toBe(3);
    ring.flagDiscontinuity();
    expect(ring.write(d, 12, 16)).toBe(4);
    ring.readInto(b); // the block committed before the new run
    expect([b.firstSample, b.tuneId, b.discontinuity]).toEqual([2, 0, false]);
    ring.readInto(b);
    expect([b.firstSample, b.tuneId, b.discontinuity]).toEqual([500, 1, true]);
    expect(Array.from(b.samples)).toEqual(Array.from(d.subarray(12, 16), (x) => Math.fround((x - 127.5) / 127.5)));
    expect(() => ring.readInto(b)).toThrow(RangeError);
  });

  it('addGap moves the block being filled and the later ones on by the lost samples and flags only that block', () => {
    const ring = new Cu8BlockRing(4, 4);
    ring.startRun(100, 0, false);
    const data = prngBytes(64);
    ring.write(data, 0, 8); // block 0 complete: samples 100..103
    ring.write(data, 8, 12); // half of block 1
    ring.addGap(131072);
    ring.write(data, 12, 24); // rest of block 1, block 2
    ring.addGap(5); // between blocks: block 3 moves on, block 2 keeps its index
    ring.write(data, 24, 32);
    const got: [number, boolean][] = [];
    const block = newBlock(4);
    while (ring.readyBlocks > 0) {
      ring.readInto(block);
      got.push([block.firstSample, block.discontinuity]);
    }
    expect(got).toEqual([
      [100, false],
      [104 + 131072, true],
      [108 + 131072, false],
      [112 + 131072 + 5, true],
    ]);
  });
});

