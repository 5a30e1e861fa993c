// Statistics of the evaluation: incomplete gamma against closed forms and tables, Poisson bounds, the ideal energy
// detector against its Gaussian limit, and the Pd-curve crossing.
import { describe, expect, it } from 'vitest';
import {
  cellsPerHour,
  chiSquareQuantile,
  energyDetectorPd,
  energyThreshold,
  gammaP,
  gammaQ,
  idealSnrDb,
  logGamma,
  pdCrossingDb,
  poissonUpper95,
} from '../../src/eval/detection-stats.js';
import { erf } from '../../src/source/sim-generators.js';

describe('incomplete gamma', () => {
  it('log Γ: Γ(5) = 24, Γ(½) = √π, Γ(1000.5) by Stirling', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    const z = 1000.5;
    const stirling = (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * z);
    expect(logGamma(z)).toBeCloseTo(stirling, 8);
  });

  it('P(1, x) = 1 − e^{−x}; Q(n, x) = e^{−x} Σ_{k<n} x^k/k! (Poisson), both sides of x = a + 1', () => {
    for (const x of [0.01, 0.5, 2, 10]) expect(gammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 14);
    for (const [n, x] of [[3, 1.5], [10, 4], [10, 25], [50, 80]]) {
      let s = 0;
      let term = Math.exp(-x);
      for (let k = 0; k < n; k++) {
        s += term;
        term *= x / (k + 1);
      }
      expect(gammaQ(n, x) / s).toBeCloseTo(1, 10);
      expect(gammaP(n, x) + gammaQ(n, x)).toBeCloseTo(1, 14);
    }
  });

  it('tails far out are computed directly: Q(200, 300) ≈ 1.8e-11 (vs the sum), not 1 − P', () => {
    let s = 0;
    let lnTerm = -300;
    for (let k = 0; k < 200; k++) {
      s += Math.exp(lnTerm);
      lnTerm += Math.log(300) - Math.log(k + 1);
    }
    expect(gammaQ(200, 300) / s).toBeCloseTo(1, 8);
    expect(s).toBeLessThan(1e-9);
  });

  it('χ² quantiles from tables: χ²(0.95; 10) = 18.307, χ²(0.975; 2) = 7.378, χ²(0.99; 1) = 6.635', () => {
    expect(chiSquareQuantile(0.95, 10)).toBeCloseTo(18.307, 3);
    expect(chiSquareQuantile(0.975, 2)).toBeCloseTo(7.3778, 3);
    expect(chiSquareQuantile(0.99, 1)).toBeCloseTo(6.6349, 3);
  });

  it('Poisson 95 % upper bounds (Garwood): k = 0 → 3.689, 1 → 5.572, 10 → 18.39', () => {
    expect(poissonUpper95(0)).toBeCloseTo(3.6889, 3);
    expect(poissonUpper95(1)).toBeCloseTo(5.5716, 3);
    expect(poissonUpper95(10)).toBeCloseTo(18.390, 2);
  });
});

describe('ideal energy detector', () => {
  it('with no signal Pd is the false-alarm probability the threshold was set for', () => {
    for (const m of [1, 115, 25000]) {
      const g = energyThreshold(m, 1e-7);
      expect(energyDetectorPd(m, g, 0)).toBeCloseTo(1e-7, 12);
    }
  });

  it('large M: Pd matches the Gaussian approximation of the noncentral χ² within 0.01', () => {
    const m = 25000;
    const g = energyThreshold(m, 1e-6);
    const snr = 0.04;
    // mean M(1 + s), variance M(1 + 2s) for a deterministic signal of E_s/σ² = M·s
    const z = (g - m * (1 + snr)) / Math.sqrt(m * (1 + 2 * snr));
    const gauss = 0.5 * (1 - erf(z / Math.SQRT2));
    expect(Math.abs(energyDetectorPd(m, g, m * snr) - gauss)).toBeLessThan(0.01);
  });

  it('Pd = 0.9 SNR at 1 FA/h: 20 ms × 10 kHz at 250 kS/s −2.78 dB, 2 s × 12.5 kHz −14.68 dB; half the duty costs exactly 3.01 dB (only the energy counts)', () => {
    expect(cellsPerHour(0.02, 10_000, 250_000)).toBeCloseTo(4.5e6, 0);
    const ook = idealSnrDb([{ durationS: 0.02, bandwidthHz: 10_000, duty: 1 }], 250_000);
    const nfm = idealSnrDb([{ durationS: 2, bandwidthHz: 12_500, duty: 1 }], 250_000);
    expect(ook).toBeCloseTo(-2.78, 1);
    expect(nfm).toBeCloseTo(-14.68, 1);
    const half = idealSnrDb([{ durationS: 0.02, bandwidthHz: 10_000, duty: 0.5 }], 250_000);
    expect(half - ook).toBeCloseTo(10 * Math.log10(2), 2);
  });
});

describe('Pd curve crossing', () => {
  it('interpolates where Pd reaches 0.9 for good; null when never; −∞ when already at the lowest SNR', () => {
    const pts = [{ snrDb: -3, pd: 0.2 }, { snrDb: 0, pd: 0.95 }, { snrDb: 3, pd: 0.8 }, { snrDb: 6, pd: 0.7 }, { snrDb: 9, pd: 1 }];
    expect(pdCrossingDb(pts)).toBeCloseTo(6 + (0.2 / 0.3) * 3, 9);
    expect(pdCrossingDb([{ snrDb: 0, pd: 0.5 }, { snrDb: 3, pd: 0.6 }])).toBeNull();
    expect(pdCrossingDb([{ snrDb: 0, pd: 0.95 }, { snrDb: 3, pd: 1 }])).toBe(-Infinity);
  });
});
