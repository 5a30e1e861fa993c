// The long path's CFAR test on synthetic Welch averages: its spread comes from single bins, so a link that fills most of
// a narrow free stretch of the band neither lifts the threshold nor hides itself.
import { describe, expect, it } from 'vitest';
import { LongPath } from '../../src/detector/long-path.js';
import { HANN_BIN_VARIANCE_FACTOR, noiseSpread } from '../../src/detector/long-stats.js';
import { Prng } from '../../src/source/sim-generators.js';

/** Uniform draws in [0, 1) from a seeded generator, so every run sees the same noise. */
const prng = (seed: number) => {
  const g = new Prng(seed);
  return () => g.uniform();
};

const N = 1024;
const FRAMES = 49; // short frames per Welch average
const RBW = 244.140625;
const FREE_LO = 272;
const FREE_HI = 751; // the only noise bins: a free stretch of 480 bins between emitters

/** One Welch average of unit-mean noise (mean of FRAMES exponentials per bin) plus `excess` on bins [lo, hi]. */
function average(rand: () => number, excess = 0, lo = 0, hi = -1): Float32Array {
  const p = new Float32Array(N);
  for (let b = 0; b < N; b++) {
    let s = 0;
    for (let f = 0; f < FRAMES; f++) s -= Math.log(1 - rand());
    p[b] = s / FRAMES + (b >= lo && b <= hi ? excess : 0);
  }
  return p;
}

describe('LongPath', () => {
  const level = new Float32Array(N).fill(1);
  const noiseBin = new Uint8Array(N);
  for (let b = FREE_LO; b <= FREE_HI; b++) noiseBin[b] = 1;
  const guard = new Uint8Array(N);

  it('a link over 80 of the 480 free bins: the spread rises by less than half, the link opens, nothing else', () => {
    const rand = prng(7);
    // kernel of 11 bins (half 5), one scale of K = 10 averages (1 s of 0.1 s averages)
    const long = new LongPath(N, RBW, 0.1, { scalesS: [1], kernelHz: 10.9 * RBW, openSigma: 6, releaseSigma: 3 });
    const hot = new Uint8Array(N);
    const stat = new Float32Array(N);
    for (let i = 0; i < 10; i++) long.push(average(rand), i * 25_000);
    expect(long.due(0)).toBe(true);
    expect(long.evaluate(0, level, noiseBin, guard, hot, stat)).toBe(0);
    const quiet = long.sigma[0];
    // one bin's spread is 1/√(10·49) = 0.0452; a kernel mean of 11 bins is given √(F/11) of it; a MAD over 480 bins
    // is known to ≈ ±6 % (1σ), hence ±20 %
    const expected = 0.0452 * Math.sqrt(HANN_BIN_VARIANCE_FACTOR / 11);
    expect(Math.abs(quiet - expected) / expected).toBeLessThan(0.2);

    // +0.25 (−6 dB) on bins 480–559 for the next 12 averages (the threshold is 6 · 0.0452 · √(1.94/11) = 0.114); a
    // sixth of the noise bins then deviate by 5σ, which moves the median deviation to the noise's 60th percentile
    // (+25 %; a spread measured across the kernel means, 90 of which the link fills, would move far more)
    for (let i = 10; i < 21; i++) long.push(average(rand, 0.25, 480, 559), i * 25_000);
    expect(long.due(0)).toBe(false); // tests come every ⌈10/4⌉ = 3 averages: after 10, 13, 16, 19, 22
    long.push(average(rand, 0.25, 480, 559), 21 * 25_000);
    expect(long.due(0)).toBe(true);
    const any = long.evaluate(0, level, noiseBin, guard, hot, stat);
    expect(any & 2).toBe(2);
    expect(long.sigma[0] / quiet).toBeLessThan(1.5);
    const hotBins = [...hot.keys()].filter((b) => hot[b] !== 0);
    expect(hotBins.length).toBeGreaterThan(0);
    // the eroded run lies inside the link, and no bin outside the free stretch is ever tested
    for (const b of hotBins) {
      expect(b).toBeGreaterThanOrEqual(480);
      expect(b).toBeLessThanOrEqual(559);
    }
  });

  it('a link on the first bins of a free stretch beside an emitter: it opens, and nothing outside the stretch does', () => {
    const rand = prng(11);
    const long = new LongPath(N, RBW, 0.1, { scalesS: [1], kernelHz: 10.9 * RBW, openSigma: 6, releaseSigma: 3 });
    const hot = new Uint8Array(N);
    const stat = new Float32Array(N);
    // +0.6 on the first 4 free bins: the first bin whose whole kernel (11 bins) lies on the stretch, FREE_LO + 5, holds
    // all 4, mean excess 0.6 · 4/11 = 0.218 against 0.1 + 3·√(σ² + e²) = 0.163 (σ = 0.0452·√(1.94/11) = 0.019, the
    // level's cell error e = 0.0166·√(3/11) = 0.0087)
    for (let i = 0; i < 10; i++) long.push(average(rand, 0.6, FREE_LO, FREE_LO + 3), i * 25_000);
    expect(long.evaluate(0, level, noiseBin, guard, hot, stat) & 2).toBe(2);
    const hotBins = [...hot.keys()].filter((b) => hot[b] !== 0);
    expect(hotBins.length).toBeGreaterThan(0);
    for (const b of hotBins) {
      expect(b).toBeGreaterThanOrEqual(FREE_LO);
      expect(b).toBeLessThanOrEqual(FREE_LO + 8);
    }
  });

  it('a skirt calibration saw under the noise threshold (level 1.5 over 1) is not tested; its carrier rising 2 dB opens nothing, the same rise of the clean floor does', () => {
    // bins 272–751 are noise bins; 300–339 hold a strong carrier's phase-noise skirt: learned level 1.5 (noise 1 + 0.5)
    const skirtLevel = new Float32Array(N).fill(1);
    for (let b = 300; b <= 339; b++) skirtLevel[b] = 1.5;
    const run = (lo: number, hi: number, rise: number) => {
      const rand = prng(11);
      const long = new LongPath(N, RBW, 0.1, { scalesS: [1], kernelHz: 10.9 * RBW, openSigma: 6, releaseSigma: 3, levelFrames: 3000, cleanLevels: true });
      const hot = new Uint8Array(N);
      const stat = new Float32Array(N);
      for (let i = 0; i < 10; i++) {
        const p = average(rand);
        for (let b = 300; b <= 339; b++) p[b] += 0.5;
        // the skirt (or the clean stretch [lo, hi]) grows by `rise` (linear, of the noise) after calibration
        for (let b = lo; b <= hi; b++) p[b] += rise;
        long.push(p, i * 25_000);
      }
      long.evaluate(0, skirtLevel, noiseBin, guard, hot, stat);
      let open = 0;
      for (let b = 0; b < N; b++) if (hot[b] & 2) open++;
      return open;
    };
    // the carrier 2 dB up: its skirt 0.5 → 0.79, +0.29 over the level 1.5 (+19 %, over the 0.1 floor): not tested
    expect(run(300, 339, 0.29)).toBe(0);
    // the same +0.29 on 40 clean bins (level 1) opens
    expect(run(500, 539, 0.29)).toBeGreaterThan(0);
  });

  it('burst settings: a shared window and the lazy floor give the same hot bins as two full LongPaths; the spread never falls under the noise\'s own', () => {
    // 256 bins, averages of 4 short frames (exponential power, mean 1), scales of 2 and 10 averages, kernels of 3 and 17
    // bins, as the burst path at 250 kS/s; only 24 noise bins, so the measured spread is often far under the true one
    const n = 256;
    const rand = prng(11);
    const frame = (excess: number, lo: number, hi: number) => {
      const p = new Float32Array(n);
      for (let b = 0; b < n; b++) {
        let s2 = 0;
        for (let f = 0; f < 4; f++) s2 -= Math.log(1 - rand());
        p[b] = s2 / 4 + (b >= lo && b <= hi ? excess : 0);
      }
      return p;
    };
    const lvl = new Float32Array(n).fill(1);
    const few = new Uint8Array(n);
    for (let b = 100; b < 124; b++) few[b] = 1;
    const all = new Uint8Array(n).fill(1);
    const none = new Uint8Array(n);
    const opts = (half: number, lazy: boolean) => ({
      scalesS: [0.004, 0.02], kernelHz: 2 * half * 977, openSigma: 6.5, releaseSigma: 3.5, framesPerAverage: 4, ...(lazy ? { lazyFloorTests: 16 } : {}),
    });
    const plainN = new LongPath(n, 977, 0.002, opts(1, false));
    const plainW = new LongPath(n, 977, 0.002, opts(8, false));
    const lazyN = new LongPath(n, 977, 0.002, opts(1, true));
    const lazyW = new LongPath(n, 977, 0.002, opts(8, true), lazyN);
    expect(() => new LongPath(n, 977, 0.002, { ...opts(8, true), scalesS: [0.02] }, lazyN)).toThrow(RangeError);
    const bufs = () => ({ hot: new Uint8Array(n), stat: new Float32Array(n) });
    const [a, b, c, d] = [bufs(), bufs(), bufs(), bufs()];
    let tests = 0;
    const burstsHit = new Set<number>();
    let minSigmaBin = Infinity;
    for (let i = 0; i < 3000; i++) {
      // a burst of +3 (6 dB) over bins 60–70 every 500 averages from the 100th, 6 averages long
      const p = i % 500 >= 100 && i % 500 < 106 ? frame(3, 60, 70) : frame(0, 0, -1);
      for (const path of [plainN, plainW, lazyN]) path.push(p, i * 512);
      for (let si = 0; si < 2; si++) {
        if (!plainN.due(si)) continue;
        expect(lazyN.due(si)).toBe(true);
        tests++;
        const set = si === 0 ? all : few;
        const r1 = plainN.evaluate(si, lvl, set, none, a.hot, a.stat) | plainW.evaluate(si, lvl, set, none, b.hot, b.stat);
        const r2 = lazyN.evaluate(si, lvl, set, none, c.hot, c.stat) | lazyW.evaluate(si, lvl, set, none, d.hot, d.stat);
        expect(r2).toBe(r1);
        // byte for byte (a failure names the first test that differs)
        if (!Buffer.from(c.hot).equals(Buffer.from(a.hot)) || !Buffer.from(d.hot).equals(Buffer.from(b.hot))) expect(`test ${tests}: hot bins differ`).toBe('');
        if (r1 & 2) burstsHit.add(Math.floor(i / 500));
        // a kernel mean's spread over its noise-only value √(F/c)·√(1.056/(4K)): never under it
        const k = si === 0 ? 2 : 10;
        minSigmaBin = Math.min(minSigmaBin, plainN.sigma[si] / Math.sqrt(HANN_BIN_VARIANCE_FACTOR / 3));
        expect(plainN.sigma[si] / Math.sqrt(HANN_BIN_VARIANCE_FACTOR / 3)).toBeGreaterThanOrEqual(noiseSpread(4 * k) - 1e-12);
      }
    }
    expect(tests).toBeGreaterThan(3500);
    expect(burstsHit.size).toBe(6); // each of the 6 bursts opens
    expect(minSigmaBin).toBeCloseTo(noiseSpread(4 * 10), 6); // the floor was needed on the 24 bins at least once
  });
  it('local floor: a 1 dB tilt across the band after calibration opens nothing with it (edges open without it); a 0.15 link on the tilt opens with it', () => {
    // every bin a noise bin at level 1; K = 20 averages (2 s), a 12.5 kHz kernel (51 bins), floor 0.04; after
    // calibration the gain tilts linearly by 1 dB from one band edge to the other (±12 % at the edges)
    const all = new Uint8Array(N).fill(1);
    const tilt = (b: number) => 10 ** ((1 * (b / (N - 1) - 0.5)) / 10);
    const run = (localFloor: boolean, link: number) => {
      const rand = prng(23);
      const long = new LongPath(N, RBW, 0.1, {
        scalesS: [2], kernelHz: 12_500, openSigma: 6, releaseSigma: 3, levelFrames: 3000, cleanLevels: true, minExcess: 0.04, localFloor,
      });
      const hot = new Uint8Array(N);
      const stat = new Float32Array(N);
      for (let i = 0; i < 20; i++) {
        const p = average(rand, link, 490, 540);
        for (let b = 0; b < N; b++) p[b] *= tilt(b);
        long.push(p, i * 25_000);
      }
      long.evaluate(0, level, all, guard, hot, stat);
      return [...hot.keys()].filter((b) => (hot[b] & 2) !== 0);
    };
    // without: the kernel means near the upper edge stand up to 12 % over the band's median, over the open level
    // 1.04 + 3·√(σ² + e²) ≈ 1.10 (σ ≈ 0.017: the spread measured across the band holds the tilt itself)
    const plain = run(false, 0);
    expect(plain.length).toBeGreaterThan(100);
    expect(plain.every((b) => b > 700)).toBe(true); // the raised edge (+6 % and more over the middle)
    // with: each kernel is measured against the median of its two reference windows, which a linear tilt moves as much
    expect(run(true, 0)).toEqual([]);
    // a link of +0.15 (−8.2 dB in its 51 bins) in the middle of the tilted band, 490–540, opens, inside its bins
    const link = run(true, 0.15);
    expect(link.length).toBeGreaterThan(0);
    expect(link.every((b) => b >= 490 && b <= 540)).toBe(true);
  });

  it('a narrow kernel in a bank (3.125 kHz beside 12.5 kHz): it finds a 3 kHz link the wide one misses, and tests only where the wide one does', () => {
    const all = new Uint8Array(N).fill(1);
    const options = { scalesS: [2], kernelHz: 12_500, openSigma: 6, releaseSigma: 3, levelFrames: 3000, cleanLevels: true, localFloor: true };
    /** Hot bins (open) of the wide kernel and of the narrow one that shares its windows, after 20 averages. */
    const run = (noise: Uint8Array, excess: number, lo: number, hi: number, outer: boolean) => {
      const rand = prng(29);
      const wide = new LongPath(N, RBW, 0.1, options);
      const narrow = new LongPath(N, RBW, 0.1, { ...options, kernelHz: 3_125, ...(outer ? { outerKernelHz: 12_500 } : {}) }, wide);
      const hot = new Uint8Array(N);
      const stat = new Float32Array(N);
      for (let i = 0; i < 20; i++) wide.push(average(rand, excess, lo, hi), i * 25_000);
      const open = () => [...hot.keys()].filter((b) => (hot[b] & 2) !== 0);
      wide.evaluate(0, level, noise, guard, hot, stat);
      const w = open();
      narrow.evaluate(0, level, noise, guard, hot, stat);
      return { wide: w, narrow: open() };
    };
    // +0.25 on 12 bins (2.9 kHz, −6 dB in them): the wide kernel (51 bins) means 0.25·12/51 = 0.059, under its open
    // level 1.1 + 3·√(σ² + e²) = 1.123; the narrow one (13 bins) 0.25·12/13 = 0.23, over its 1.145
    const link = run(all, 0.25, 500, 511, true);
    expect(link.wide).toEqual([]);
    expect(link.narrow.length).toBeGreaterThan(0);
    expect(link.narrow.every((b) => b >= 500 && b <= 511)).toBe(true);
    // +0.6 on the first 4 bins of a free stretch beside an emitter: a narrow kernel of its own geometry would test
    // FREE_LO + 6, whose 13 bins hold all 4 (0.6·4/13 = 0.18); with the wide one's, the first tested bin is FREE_LO + 25
    expect(run(noiseBin, 0.6, FREE_LO, FREE_LO + 3, false).narrow.length).toBeGreaterThan(0);
    expect(run(noiseBin, 0.6, FREE_LO, FREE_LO + 3, true)).toEqual({ wide: [], narrow: [] });
  });
});
