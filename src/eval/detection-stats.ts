// Detection statistics for the evaluation: regularized incomplete gamma, Poisson upper bounds, the ideal energy detector.

/**
 * ln Γ(x) for x > 0: Lanczos approximation, g = 7, 9 coefficients (|relative error| < 1e-15 for x ≥ 0.5), and the
 * reflection formula below 0.5 (Numerical Recipes, 3rd ed., §6.1; coefficients as in Boost/Wikipedia "Lanczos").
 */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let s = c[0];
  for (let i = 1; i < 9; i++) s += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

const EPS = 1e-16;
const MAX_ITER = 1_000_000;

/** P(a, x) by its series, e^{−x}·x^a/Γ(a+1)·Σ xⁿ/((a+1)…(a+n)) (NR §6.2, `gser`); for x < a + 1. */
function seriesP(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 0; n < MAX_ITER; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Q(a, x) by its continued fraction, modified Lentz (NR §6.2, `gcf`); for x ≥ a + 1. */
function fractionQ(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/**
 * Regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a), a > 0, x ≥ 0 (the CDF of a Gamma(a, 1) variable).
 * Series below x = a + 1, continued fraction above (Press et al., Numerical Recipes 3rd ed., §6.2), so the smaller of
 * P and Q is always computed directly, without cancellation.
 * @throws RangeError for a ≤ 0 or x < 0.
 */
export function gammaP(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaP: need a > 0 and x ≥ 0 (a ${a}, x ${x})`);
  if (x === 0) return 0;
  return x < a + 1 ? seriesP(a, x) : 1 - fractionQ(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x): the tail of Gamma(a, 1) above x. See {@link gammaP}. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaQ: need a > 0 and x ≥ 0 (a ${a}, x ${x})`);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - seriesP(a, x) : fractionQ(a, x);
}

/**
 * x such that Q(a, x) = q (0 < q < 1): the Gamma(a, 1) quantile 1 − q. Bisection on x to a relative width of 1e-13
 * (Q is monotone decreasing in x), bracketed from a ± k·√a.
 */
export function gammaQInv(a: number, q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`gammaQInv: q ${q} must be in (0, 1)`);
  let lo = 0;
  let hi = a + 10 * Math.sqrt(a) + 10;
  while (gammaQ(a, hi) > q) hi = 2 * hi + 10;
  for (let i = 0; i < 400 && hi - lo > 1e-13 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (gammaQ(a, mid) > q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Chi-square quantile χ²(p; ν): `2·P⁻¹(ν/2, p)` (the χ² with ν degrees of freedom is 2·Gamma(ν/2, 1)). */
export function chiSquareQuantile(p: number, dof: number): number {
  return 2 * gammaQInv(dof / 2, 1 - p);
}

/**
 * Upper end of the two-sided 95 % confidence interval of a Poisson mean after observing `k` events:
 * `0.5·χ²(0.975; 2k + 2)` (Garwood 1936; e.g. 3.69 for k = 0, 5.57 for k = 1). Divide by the exposure for a rate.
 */
export function poissonUpper95(k: number): number {
  return 0.5 * chiSquareQuantile(0.975, 2 * k + 2);
}

/**
 * Number of independent (T, W) decision cells a wideband energy detector tests per hour: `(3600 / T) · (rateSps / W)`
 * (non-overlapping time slots of T seconds times non-overlapping channels of W Hz across the band).
 */
export function cellsPerHour(durationS: number, bandwidthHz: number, rateSps: number): number {
  return (3600 / durationS) * Math.max(1, rateSps / bandwidthHz);
}

/**
 * Threshold γ of the ideal energy detector over M complex samples at false-alarm probability `pfa` per decision:
 * with Y = Σ|x_i|²/σ² (σ² = noise power per complex sample), Y ~ Gamma(M, 1) under noise only, so Q(M, γ) = pfa.
 */
export function energyThreshold(m: number, pfa: number): number {
  return gammaQInv(m, pfa);
}

/**
 * Detection probability of the ideal energy detector: M complex samples, threshold γ (from {@link energyThreshold}),
 * a deterministic (or constant-envelope) signal of total energy E_s = `energyRatio`·σ² (e.g. M·SNR for a signal of
 * in-band SNR over the whole cell). Then 2Y is noncentral χ² with 2M degrees of freedom and λ = 2·E_s/σ², and
 * `Pd = Σ_k Poisson(k; λ/2)·Q(M + k, γ)` (Poisson mixture of central χ²; e.g. Kay, Fundamentals of Statistical Signal
 * Processing II, §2.2.3 and Urkowitz 1967). Q(M + k) is stepped with `Q(a + 1, x) = Q(a, x) + e^{−x}x^a/Γ(a + 1)`.
 */
export function energyDetectorPd(m: number, gamma: number, energyRatio: number): number {
  const mu = energyRatio;
  if (mu <= 0) return gammaQ(m, gamma);
  const spread = 12 * Math.sqrt(mu) + 12;
  const k0 = Math.max(0, Math.floor(mu - spread));
  const k1 = Math.ceil(mu + spread);
  let q = gammaQ(m + k0, gamma);
  const lnG = Math.log(gamma);
  let pd = 0;
  for (let k = k0; k <= k1; k++) {
    const lnPois = -mu + k * Math.log(mu) - logGamma(k + 1);
    pd += Math.exp(lnPois) * q;
    const a = m + k;
    q += Math.exp(a * lnG - gamma - logGamma(a + 1));
    if (q > 1) q = 1;
  }
  return Math.min(1, pd);
}

/** One (T, W) case for the ideal detector: cell duration (s), bandwidth (Hz), and the signal's on-fraction in the cell. */
export interface IdealCase {
  durationS: number;
  bandwidthHz: number;
  /** Fraction of the cell's samples where the signal is on (OOK ≈ 0.5, a TDMA burst train's slots, 1 for NFM). */
  duty: number;
}

/**
 * In-band SNR (dB, power while on over the noise in W) at which the ideal energy detector reaches `pdTarget`, averaged
 * over the `cases` (e.g. every trial's duration): each case has M = T·W complex samples, pfa = `faPerHour` /
 * {@link cellsPerHour}(T, W, rateSps), and E_s/σ² = M·duty·SNR. Bisection on SNR (dB) to 0.001 dB.
 */
export function idealSnrDb(cases: readonly IdealCase[], rateSps: number, pdTarget = 0.9, faPerHour = 1): number {
  const prepared = cases.map((c) => {
    const m = Math.max(1, c.durationS * c.bandwidthHz);
    const pfa = Math.min(0.5, faPerHour / cellsPerHour(c.durationS, c.bandwidthHz, rateSps));
    return { m, duty: c.duty, gamma: energyThreshold(m, pfa) };
  });
  const meanPd = (snrDb: number) => {
    const s = Math.pow(10, snrDb / 10);
    let sum = 0;
    for (const p of prepared) sum += energyDetectorPd(p.m, p.gamma, p.m * p.duty * s);
    return sum / prepared.length;
  };
  let lo = -60;
  let hi = 40;
  while (hi - lo > 0.001) {
    const mid = 0.5 * (lo + hi);
    if (meanPd(mid) < pdTarget) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * SNR (dB) where a measured Pd curve first reaches `pdTarget` and stays there: the lowest grid point from which every
 * higher point has Pd ≥ target, linearly interpolated (in dB) with the point below it. `null` when even the highest
 * point is below the target; `-Infinity` when the lowest point already reaches it.
 * @param points sorted by snrDb ascending.
 */
export function pdCrossingDb(points: readonly { snrDb: number; pd: number }[], pdTarget = 0.9): number | null {
  let i = points.length;
  while (i > 0 && points[i - 1].pd >= pdTarget) i--;
  if (i === points.length) return null;
  if (i === 0) return -Infinity;
  const a = points[i - 1];
  const b = points[i];
  return a.snrDb + ((pdTarget - a.pd) / (b.pd - a.pd)) * (b.snrDb - a.snrDb);
}
