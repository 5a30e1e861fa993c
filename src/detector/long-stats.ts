// The statistics the long and burst paths test with (docs/detector.md §10, §12): the spread of averaged Hann-window
// power, the learned level's own error, and the Gamma tail level of a mean of exponentials.

/**
 * Variance of the mean of m adjacent Hann-window bins over that of m independent ones, for m ≫ 1: 1 + 2·(4/9) + 2·(1/36).
 * The complex values of Hann bins k and k+1 correlate by −2/3, of bins k and k+2 by 1/6 (Σw²e^{−jθn}/Σw² with
 * w² = 3/8 − cos θ/2 + cos 2θ/8), so their powers by 4/9 and 1/36 (Gaussian noise: |ρ|²); farther bins are independent.
 */
export const HANN_BIN_VARIANCE_FACTOR = 1 + 8 / 9 + 1 / 18;

/**
 * Power correlation of two Hann-window frames overlapping by half, under Gaussian noise: |ρ|² with ρ = 1/6 the
 * correlation of their complex values (Σ w[n]·w[n + N/2] / Σ w²; Harris 1978, table I: 16.7 % for Hann at 50 %).
 */
export const HANN_HALF_OVERLAP_POWER_CORRELATION = 1 / 36;

/**
 * Relative spread (rms over mean) of one bin's mean power over `frames` consecutive Hann frames at 50 % overlap under
 * noise: √((1 + 2ρ)/frames), ρ = {@link HANN_HALF_OVERLAP_POWER_CORRELATION} (each frame's power is exponential,
 * spread 1; only neighbours overlap).
 */
export function noiseSpread(frames: number): number {
  return Math.sqrt((1 + 2 * HANN_HALF_OVERLAP_POWER_CORRELATION) / Math.max(1, frames));
}

/**
 * Spread of the learned level's error against the statistic's own (the lower-quantile estimate, learner.ts
 * finishPath): μ = P25 + 0.6·(P25 − P05) from n frames has a standard error of ≈ 2.5σ/√n (SE(P25) = 1.36σ/√n, SE(P05) =
 * 2.12σ/√n for a Gaussian statistic).
 */
export const LEVEL_QUANTILE_SE = 2.5;
/** The 0.25 dB histogram cells round a level by up to ±0.125 dB: 0.25/√12 dB = 1.66 % rms (linear). */
export const LEVEL_CELL_ERROR = 0.0166;
/** How many bins share a level error: the narrow statistic the levels are learned on is a 3-bin mean. */
export const LEVEL_ERROR_CORRELATED_BINS = 3;
/**
 * Standard deviations of a kernel mean's own error (its learned level's fixed error and its noise, in quadrature) that
 * an open level keeps over the shape allowance (see {@link openLevel}).
 */
export const BIAS_MARGIN_SIGMAS = 3;

/**
 * The level a kernel mean (1 on noise at the floor) opens at: the larger of the noise's Gamma tail at `openSigma`
 * standard deviations of its spread `sigma`, and 1 + minExcess + Z·√(levelErr² + sigma²) (Z = {@link BIAS_MARGIN_SIGMAS}).
 * minExcess is the allowance for a change the receiver makes after calibration that is not flat (a gain shape, a
 * skirt): such a change adds to the kernel's level error (fixed at every test) and to its noise, so a kernel that
 * stands minExcess high through a shape change opens only if those also stand Z of their spreads high. Summing them
 * matters for narrow kernels, whose level errors are largest (docs/detector.md §10).
 * @param levelErr rms relative error of the kernel's mean learned level (see {@link levelErrorBin})
 */
export function openLevel(sigma: number, openSigma: number, minExcess: number, levelErr: number): number {
  return Math.max(gammaTailLevel(sigma, openSigma), 1 + minExcess + BIAS_MARGIN_SIGMAS * Math.hypot(levelErr, sigma));
}

/**
 * The level an open kernel mean releases under: the larger of the noise's Gamma tail at `releaseSigma` and
 * 1 + (minExcess + Z·levelErr)/2, half the allowance {@link openLevel} keeps for the fixed errors.
 */
export function releaseLevel(sigma: number, releaseSigma: number, minExcess: number, levelErr: number): number {
  return Math.max(gammaTailLevel(sigma, releaseSigma), 1 + (minExcess + BIAS_MARGIN_SIGMAS * levelErr) / 2);
}

/**
 * Relative error (linear, rms) of one bin's learned level: √((LEVEL_QUANTILE_SE·σ₁)²/n + LEVEL_CELL_ERROR²), σ₁ the
 * relative spread of one frame of the statistic, n the frames it was learned from.
 */
export function levelErrorBin(sigmaOne: number, frames: number): number {
  const q = (LEVEL_QUANTILE_SE * sigmaOne) ** 2 / Math.max(1, frames);
  return Math.sqrt(q + LEVEL_CELL_ERROR ** 2);
}

/**
 * The level a mean-1 statistic with spread σ exceeds with the tail probability of z standard normal deviations, for a
 * Gamma-distributed statistic (a mean of exponentials: averaged power) by the Wilson–Hilferty cube-root approximation
 * (Wilson & Hilferty 1931; shape k = 1/σ²: X^(1/3) ≈ N(1 − 1/(9k), 1/(9k))): (1 − σ²/9 + z·σ/3)³. For σ ≪ 1 it is
 * 1 + z·σ; at σ = 0.16 and z = 6.5 it is 2.39 where the Gaussian 1 + zσ gives 2.04 (a tail 10⁴ times heavier).
 */
export function gammaTailLevel(sigma: number, z: number): number {
  const c = 1 - (sigma * sigma) / 9 + (z * sigma) / 3;
  return c * c * c;
}
