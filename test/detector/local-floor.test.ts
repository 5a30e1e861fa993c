// The long path's local floor on its own: a flat band keeps the band's floor everywhere; a tilt moves each kernel's
// reference with it, and the levels allow for the reference median's error.
import { describe, expect, it } from 'vitest';
import { LocalFloor } from '../../src/detector/local-floor.js';
import { openLevel } from '../../src/detector/long-stats.js';
import { Prng } from '../../src/source/sim-generators.js';

const N = 1024;
const HALF = 25; // a 12.5 kHz kernel at 244 Hz bins
const SIGMA_BIN = 0.045; // one bin's spread of r/g after 1 s of averages at 250 kS/s
const SIGMA = SIGMA_BIN * Math.sqrt(1.94 / 51);

/** r/g per bin: Gaussian noise of SIGMA_BIN around 1 + slope·(b − N/2) (a linear tilt, relative). */
function unit(seed: number, slope: number): Float64Array {
  const g = new Prng(seed);
  const u = new Float64Array(N);
  for (let b = 0; b < N; b++) {
    const x = Math.sqrt(-2 * Math.log(1 - g.uniform())) * Math.cos(2 * Math.PI * g.uniform());
    u[b] = 1 + slope * (b - N / 2) + SIGMA_BIN * x;
  }
  return u;
}

describe('LocalFloor', () => {
  it('flat band: the floor is the band\'s (1) in every bin, at the band\'s levels', () => {
    const lf = new LocalFloor(N, HALF);
    lf.measure(unit(3, 0), SIGMA_BIN, SIGMA, 0, 0.04, 6, 3, false);
    expect(Math.max(...lf.floor)).toBe(1);
    // no level error given: max(Gamma tail at 6σ, 1.04 + 3σ)
    const open0 = openLevel(SIGMA, 6, 0.04, 0);
    expect(open0).toBeCloseTo(Math.max(1 + 6 * SIGMA, 1.04 + 3 * SIGMA), 3);
    expect(Math.max(...lf.open)).toBeCloseTo(open0, 12);
  });

  it('a tilt of 6 % across the band: the upper part follows it within 0.8 %, with levels over the band\'s', () => {
    const slope = 0.06 / N;
    const lf = new LocalFloor(N, HALF);
    lf.measure(unit(5, slope), SIGMA_BIN, SIGMA, 0, 0.04, 6, 3, false);
    // from bin 700 up the tilt stands ≥ 0.011 over the band's middle, several standard errors (≈ 0.0025) of the median;
    // 0.008 allows 3 of them and the quarter-kernel stride (12 bins: 0.0007)
    for (let b = 700; b < N - 200; b++) expect(Math.abs(lf.floor[b] - (1 + slope * (b - N / 2)))).toBeLessThan(0.008);
    expect(lf.open[800]).toBeGreaterThan(openLevel(SIGMA, 6, 0.04, 0));
    // the lower half lies under the band's floor: the band's floor stands
    expect(Math.max(...lf.floor.subarray(0, 400))).toBe(1);
  });

  it('bins without a kernel\'s worth of reference values keep the band\'s floor', () => {
    const u = unit(7, 0.2 / N);
    // only 50 bins are clean noise bins (900–949, where the tilt stands 8–9 % up), fewer than a kernel's 51
    u.fill(NaN, 0, 900);
    u.fill(NaN, 950, N);
    const lf = new LocalFloor(N, HALF);
    lf.measure(u, SIGMA_BIN, SIGMA, 0, 0.04, 6, 3, false);
    // so no bin's two windows hold 51 reference values
    for (let b = 0; b < N; b++) expect(lf.floor[b]).toBe(1);
    // the same tilt with every bin clean: the top follows it
    const lf2 = new LocalFloor(N, HALF);
    lf2.measure(unit(7, 0.2 / N), SIGMA_BIN, SIGMA, 0, 0.04, 6, 3, false);
    expect(lf2.floor[960]).toBeGreaterThan(1.05);
  });

  it('a narrower kernel sharing the floor reads the same test\'s medians and keeps its own levels; a new test measures again', () => {
    const wide = new LocalFloor(N, HALF);
    const tilted = unit(5, 0.06 / N);
    wide.measure(tilted, SIGMA_BIN, SIGMA, 0.005, 0.1, 6, 3, false);
    const floor800 = wide.floor[800];
    expect(floor800).toBeGreaterThan(1.01);
    const narrowSigma = SIGMA * 2; // a kernel of a quarter the width
    const narrow = new LocalFloor(N, HALF, wide);
    // the same test: its input is not read again (a flat band given here changes nothing)
    narrow.measure(unit(3, 0), SIGMA_BIN, narrowSigma, 0.01, 0.1, 6, 3, true);
    expect(narrow.floor[800]).toBe(floor800);
    const err = wide.error[800];
    expect(err).toBeGreaterThan(0);
    expect(narrow.open[800]).toBeCloseTo(openLevel(Math.hypot(narrowSigma, err), 6, 0.1, 0.01), 12);
    expect(wide.open[800]).toBeCloseTo(openLevel(Math.hypot(SIGMA, err), 6, 0.1, 0.005), 12);
    expect(narrow.open[800]).toBeGreaterThan(wide.open[800]);
    // another test on the flat band: measured again, the band's floor everywhere
    narrow.measure(unit(3, 0), SIGMA_BIN, narrowSigma, 0.01, 0.1, 6, 3, false);
    expect(Math.max(...narrow.floor)).toBe(1);
    expect(() => new LocalFloor(N, HALF + 1, wide)).toThrow(RangeError);
  });
});
