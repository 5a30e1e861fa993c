// Zero-run scan on synthetic raw blocks: exact run edges per format, the length threshold, no false runs in the
// quietest realistic ADC noise, what a source keeps around a hole, and the cost per 20 MS/s block.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { keepAroundZeroRuns, scanZeroRuns, ZERO_RUN_MIN_SAMPLES, ZeroRunGuard, ZeroRunScan, type ZeroRunKeep } from '../../src/source/zero-run.js';

/** A raw block of `count` samples, every byte non-zero, with samples [from, to) zeroed. */
function rawBlock(count: number, bytesPerSample: number, holes: [number, number][]): Uint32Array {
  const bytes = new Uint8Array(count * bytesPerSample).fill(0x5a);
  for (const [from, to] of holes) bytes.fill(0, from * bytesPerSample, to * bytesPerSample);
  return new Uint32Array(bytes.buffer);
}

/** Deterministic Gaussian noise (Box–Muller over a 32-bit LCG), quantised to integers: σ in LSB. */
function noiseCs8(count: number, sigmaLsb: number, seed: number): Uint32Array {
  const bytes = new Int8Array(2 * count);
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 4294967297;
  };
  for (let i = 0; i < bytes.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    bytes[i] = Math.round(sigmaLsb * r * Math.cos(t));
    bytes[i + 1] = Math.round(sigmaLsb * r * Math.sin(t));
  }
  return new Uint32Array(bytes.buffer);
}

describe('scanZeroRuns', () => {
  const scan = new ZeroRunScan();

  it.each([
    ['cs8/cu8', 2],
    ['cs16', 4],
    ['cf32', 8],
  ])('finds a run at its exact samples (%s, %d bytes per sample)', (_name, bps) => {
    expect(scanZeroRuns(rawBlock(16_384, bps, [[8192, 16_384]]), 16_384, bps, ZERO_RUN_MIN_SAMPLES, scan)).toBe(true);
    expect(scan).toMatchObject({ start: 8192, end: 16_384, runs: 1, zeroSamples: 8192 });
    expect(scanZeroRuns(rawBlock(16_384, bps, [[1000, 1300], [5000, 6000]]), 16_384, bps, ZERO_RUN_MIN_SAMPLES, scan)).toBe(true);
    expect(scan).toMatchObject({ start: 1000, end: 6000, runs: 2, zeroSamples: 1300 });
  });

  it('ignores runs shorter than the threshold, finds one of exactly the threshold (cs16: word = sample)', () => {
    expect(scanZeroRuns(rawBlock(4096, 4, [[100, 100 + 255]]), 4096, 4, 256, scan)).toBe(false);
    expect(scan).toMatchObject({ start: -1, end: -1, runs: 0, zeroSamples: 0 });
    for (const at of [0, 1, 100, 255, 256, 3840]) {
      expect(scanZeroRuns(rawBlock(4096, 4, [[at, at + 256]]), 4096, 4, 256, scan)).toBe(true);
      expect([scan.start, scan.end]).toEqual([at, at + 256]);
    }
  });

  it('cs8 edges: a run starting inside a word loses that one sample', () => {
    expect(scanZeroRuns(rawBlock(4096, 2, [[101, 1101]]), 4096, 2, 256, scan)).toBe(true);
    expect([scan.start, scan.end]).toEqual([102, 1100]);
  });

  it('finds no run in 33 M samples of σ = 0.5 LSB cs8 noise (P(I = Q = 0) = 0.47), though 2-sample zero pairs abound', () => {
    const count = 1 << 20;
    let pairs = 0;
    for (let seed = 1; seed <= 32; seed++) {
      const words = noiseCs8(count, 0.5, seed);
      if (seed === 1) for (const w of words) if (w === 0) pairs++;
      expect(scanZeroRuns(words, count, 2, ZERO_RUN_MIN_SAMPLES, scan)).toBe(false);
    }
    // 0.47² of the words hold two zero samples: the probes do widen, the threshold is what rejects
    expect(pairs / (count / 2)).toBeGreaterThan(0.2);
    expect(pairs / (count / 2)).toBeLessThan(0.25);
  }, 60_000);

  it('costs well under 1 % of a core at 20 MS/s (cs16 blocks of 262 144 samples in noise)', () => {
    const count = 262_144;
    const bytes = new Int16Array(2 * count);
    for (let i = 0; i < bytes.length; i++) bytes[i] = ((i * 7919) % 61) - 30;
    const words = new Uint32Array(bytes.buffer);
    for (let i = 0; i < 200; i++) scanZeroRuns(words, count, 4, ZERO_RUN_MIN_SAMPLES, scan);
    const reps = 2000;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) scanZeroRuns(words, count, 4, ZERO_RUN_MIN_SAMPLES, scan);
    const nsPerBlock = ((performance.now() - t0) * 1e6) / reps;
    // a block is 13.1 ms at 20 MS/s; 1 % of it is 131 µs
    console.log(`zero-run scan: ${Math.round(nsPerBlock)} ns per 262144-sample cs16 block = ${((nsPerBlock / 13.1e6) * 100).toFixed(4)} % of a core at 20 MS/s`);
    expect(nsPerBlock).toBeLessThan(131_000);
  });
});

describe('keepAroundZeroRuns / ZeroRunGuard', () => {
  const keepOf = (count: number, holes: [number, number][]): ZeroRunKeep => {
    const scan = new ZeroRunScan();
    scanZeroRuns(rawBlock(count, 2, holes), count, 2, 256, scan);
    const keep = { from: -1, count: -1 };
    keepAroundZeroRuns(scan, count, keep);
    return keep;
  };

  it('keeps the longer clean end', () => {
    expect(keepOf(8192, [[4096, 8192]])).toEqual({ from: 0, count: 4096 });
    expect(keepOf(8192, [[0, 1000]])).toEqual({ from: 1000, count: 7192 });
    expect(keepOf(8192, [[3000, 3500], [6000, 6600]])).toEqual({ from: 0, count: 3000 });
    expect(keepOf(8192, [[0, 8192]])).toEqual({ from: 0, count: 0 });
  });

  it('marks the gap before what it keeps: in the block, or after a lost tail of the previous block', () => {
    const g = new ZeroRunGuard(2);
    expect(g.check(rawBlock(8192, 2, []), 8192)).toBe(0);
    expect(g).toMatchObject({ from: 0, count: 8192, gapBefore: false, holes: 0, lostSamples: 0 });
    expect(g.check(rawBlock(8192, 2, [[4096, 8192]]), 8192)).toBe(4096);
    expect(g).toMatchObject({ from: 0, count: 4096, gapBefore: false, holes: 1, lostSamples: 4096 });
    expect(g.check(rawBlock(8192, 2, []), 8192)).toBe(0);
    expect(g).toMatchObject({ from: 0, count: 8192, gapBefore: true });
    expect(g.check(rawBlock(8192, 2, [[0, 500]]), 8192)).toBe(500);
    expect(g).toMatchObject({ from: 500, count: 7692, gapBefore: true, holes: 2, lostSamples: 4596 });
    expect(g.check(rawBlock(8192, 2, [[0, 8192]]), 8192)).toBe(8192);
    expect(g).toMatchObject({ count: 0, holes: 3, lostSamples: 12_788 });
    expect(g.check(rawBlock(8192, 2, []), 8192)).toBe(0);
    expect(g.gapBefore).toBe(true);
    expect(g.check(null, 8192)).toBe(0);
    expect(g).toMatchObject({ from: 0, count: 8192, gapBefore: false });
  });
});
