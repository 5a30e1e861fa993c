// Long integration for weak continuous signals: running means of the slow path's Welch averages over seconds,
// normalised by the band's own noise floor and tested against the spread measured across the band (a CFAR test).
import { quickMedian } from '../dsp/select.js';

/**
 * Smallest excess (linear, over the floor) a cell opens at, by default: 0.1 = 0.41 dB (the burst path's setting,
 * docs/detector.md §12).
 */
export const LONG_MIN_EXCESS = 0.1;
/**
 * The long path's smallest excess with its local floor (LongPathOptions.localFloor) and the image and intermodulation
 * rules: 0.04 = 0.17 dB (docs/detector.md §10). Measured: 0 false alarms in 60 min of the site background; white-noise
 * NFM links found at the same SNR with 0.03 (the test's 6σ binds there), so 0.04 keeps a margin for what no rule models.
 */
export const LONG_LOCAL_MIN_EXCESS = 0.04;

/**
 * Variance of the mean of m adjacent Hann-window bins over that of m independent ones, for m ≫ 1: 1 + 2·(4/9) + 2·(1/36).
 * The complex values of Hann bins k and k+1 correlate by −2/3, of bins k and k+2 by 1/6 (Σw²e^{−jθn}/Σw² with
 * w² = 3/8 − cos θ/2 + cos 2θ/8), so their powers by 4/9 and 1/36 (Gaussian noise: |ρ|²); farther bins are independent.
 */
export const HANN_BIN_VARIANCE_FACTOR = 1 + 8 / 9 + 1 / 18;

/** Half-width (kernel widths) of the window whose median learned level a long-path bin's own is compared with. */
export const CLEAN_WINDOW_KERNELS = 8;
/**
 * A noise bin is clean (see LongPath.cleanBins) when its learned level stands at most this much (linear) over the local
 * median level: 0.1 = 0.41 dB. Under it, the emitter skirt a level may hold adds under 0.1 when its emitter rises 3 dB.
 */
export const CLEAN_LEVEL_EXCESS = 0.1;

/**
 * The local floor (LongPathOptions.localFloor) of a kernel is measured on the clean noise bins from this many kernel
 * half widths beyond the kernel's edge (a guard: a link's skirts, a drifting link's last position) ...
 */
export const LOCAL_FLOOR_GUARD_HALVES = 1;
/** ... out to this many kernel widths further, on each side (a CFAR's reference cells). */
export const LOCAL_FLOOR_REACH_KERNELS = 6;
/**
 * A local floor replaces the band's only when it stands this many of its own standard errors over it: on a flat band
 * the kernel then keeps the band's floor, whose error is far smaller, and its levels.
 */
export const LOCAL_FLOOR_SIGNIFICANCE = 3;

/**
 * Standard errors of the floor's median a lazy test (LongPathOptions.lazyFloorTests) allows for: it settles a test as
 * cold only when every kernel mean stays under the release level at the last full test's floor lowered by this many.
 */
export const LAZY_FLOOR_SIGMAS = 4;

/** Tests of each scale per window length (see {@link LongPath.due}). */
export const LONG_EVALUATIONS_PER_WINDOW = 4;

/** Settings of the long path (see DetectorOptions). */
export interface LongPathOptions {
  /** Integration times (s), e.g. [1, 4]; each is rounded to a whole number of Welch averages. */
  scalesS: number[];
  /** Width (Hz) of the frequency kernel the normalised average is smoothed over (a 12.5 kHz voice channel). */
  kernelHz: number;
  /** A cell opens at 1 + openSigma·σ and releases under 1 + releaseSigma·σ (σ its kernel mean's spread, see LongPath). */
  openSigma: number;
  releaseSigma: number;
  /** Smallest excess a cell opens at (linear over the floor; releases at half of it). Default {@link LONG_MIN_EXCESS}. */
  minExcess?: number;
  /** Averages (frames) the learned levels were estimated from (the baseline path's `frames`); Infinity if unknown. */
  levelFrames?: number;
  /**
   * Kernels hold only noise bins whose learned level is clean (see LongPath.cleanBins): the long path's setting. The
   * burst path leaves it off: on the fast path's coarser, less-averaged levels it cost a packet of the ec3k recording
   * 38 dB down (test/detector/burst-path.test.ts).
   */
  cleanLevels?: boolean;
  /**
   * Short frames (Hann, 50 % overlap) in each pushed average, when the spread measured across the band must not fall
   * under what noise alone gives (see {@link noiseSpread}): the burst path's setting, whose few noise bins (a dense band)
   * can read a spread by chance far under the true one. Unset: the measured spread only.
   */
  framesPerAverage?: number;
  /**
   * Tests between two full measurements of the floor and spread: in between, a test whose kernel means all stay under
   * the last full test's release level (at its floor) ends after one pass over the bins, and only one that reaches it
   * measures them again. The burst path's setting (its shortest scale is tested every few hundred µs at MS/s rates);
   * unset: every test measures them.
   */
  lazyFloorTests?: number;
  /**
   * Normalise each kernel mean by the larger of the band's floor g and a local floor: the median of r/g over the clean
   * noise bins of two reference windows beside the kernel ({@link LOCAL_FLOOR_GUARD_HALVES},
   * {@link LOCAL_FLOOR_REACH_KERNELS}), as an order-statistic CFAR does (Rohling 1983). A gain change that is not flat
   * across the band (a tilt, the passband's ripple moving with temperature) then lifts the reference with the kernel.
   * The median's own error is added to the test's spread. The long path's setting.
   */
  localFloor?: boolean;
}

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
/** Level errors of kernel means an open level stays above: the largest of ≈ 1000 bins' fixed errors is ≈ 3.3σ. */
export const LEVEL_BIAS_SIGMAS = 4.5;

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

/** The running sums of a {@link LongPath} (shared by the kernels of one path), and the floor of its last test per scale. */
interface LongWindows {
  ring: Float32Array;
  /** First sample of the average in each ring slot. */
  starts: Float64Array;
  sums: Float64Array[];
  count: number;
  pos: number;
  /** Per scale: the count at which g and sigmaBin were last measured (−1: never), with which levels and noise bins. */
  floorAt: Float64Array;
  g: Float64Array;
  sigmaBin: Float64Array;
  floorLevel: Float32Array | null;
  floorNoise: Uint8Array | null;
}

/**
 * The long path. For each scale of K Welch averages it keeps the running sum of the last K averages' power (a ring of
 * the largest K), and at every test (see {@link due}) computes, per bin b,
 *
 *     r_b = mean_K(P_b) / L_b          (L_b the learned noise level)
 *     g   = median over noise bins of r_b         (the floor's drift: gain creep, temperature; broadband clicks)
 *     s   = 1.4826 · median |r_b − g| / g over noise bins   (one bin's spread: noise and the levels' own error)
 *     z_b = mean of r/g over the c = 2h + 1 bins of the kernel around b  (kernelHz wide; tested on noise bins whose
 *           whole kernel lies on noise bins inside the band)
 *
 * and marks b hot when z_b exceeds max({@link gammaTailLevel}(s·√(F/c), openSigma), 1 + max(minExcess, LEVEL_BIAS_SIGMAS
 * level errors of a kernel mean)) (open) or the
 * release level with releaseSigma, F = {@link HANN_BIN_VARIANCE_FACTOR}. Under noise z_b is ≈ Gaussian with σ ≈ 1/√(K·frames/1.9 ·
 * c/F), so at K·0.1 s = 2 s and 12.5 kHz a link at −13 dB in-band SNR stands ≈ 10σ out. Normalising by the band's
 * median makes it a CFAR test: a floor that creeps moves g, not z. docs/detector.md §10. Allocation-free per average.
 */
export class LongPath {
  readonly scales: number[];
  private readonly n: number;
  /** The running windows; another LongPath's when this one shares them (see the constructor's `share`). */
  private readonly w: LongWindows;
  private readonly follower: boolean;
  private readonly depth: number;
  private readonly r: Float64Array;
  private readonly scratch: Float64Array;
  private readonly prefix: Float64Array;
  private readonly count1: Float64Array;
  private readonly minExcess: number;
  private readonly half: number;
  /** Spread of a full kernel's mean, s·√(F/(2h+1)), at the last test of each scale (for tests and metrics). */
  readonly sigma: Float64Array;
  /** g of the last evaluation of each scale. */
  readonly floorGain: Float64Array;
  /** Per scale: the count, floor g and release level of the last full test (see LongPathOptions.lazyFloorTests). */
  private readonly fullAt: Float64Array;
  private readonly fullG: Float64Array;
  private readonly lastRelease: Float64Array;
  private readonly gMargin: Float64Array;
  /** r/g of each clean noise bin at the last full test (NaN elsewhere): the local floors' input. */
  private readonly unit: Float64Array;
  /** Per bin at the last full test with localFloor: max(1, local median of r/g), and the open and release levels. */
  private readonly local: Float64Array;
  private readonly localOpen: Float64Array;
  private readonly localRelease: Float64Array;
  private readonly localValues: Float64Array;
  /** Noise bins whose level is clean (see {@link cleanBins}), for the levels array `cleanFor`. */
  private clean: Uint8Array | null = null;
  private cleanFor: Float32Array | null = null;

  /**
   * @param n bins of the slow path
   * @param rbwHz the slow path's bin width
   * @param slowFrameS duration of one Welch average (s)
   * @param share another LongPath over the same averages (same bins and scales, another kernel): this one reads its
   *   running windows and its floor and spread of the same test instead of keeping its own; push and reset go to it
   * @throws RangeError when `share` has other bins or scales
   */
  constructor(n: number, rbwHz: number, slowFrameS: number, private readonly o: LongPathOptions, share?: LongPath) {
    this.n = n;
    this.scales = o.scalesS.map((s) => Math.max(2, Math.round(s / slowFrameS))).filter((k, i, a) => a.indexOf(k) === i);
    this.depth = this.scales.length > 0 ? Math.max(...this.scales) : 0;
    if (share !== undefined) {
      if (share.n !== n || share.scales.join() !== this.scales.join()) throw new RangeError('LongPath: a shared window needs the same bins and scales');
      this.w = share.w;
      this.follower = true;
    } else {
      this.w = {
        ring: new Float32Array(this.depth * n), starts: new Float64Array(Math.max(1, this.depth)), sums: this.scales.map(() => new Float64Array(n)),
        count: 0, pos: 0, floorAt: new Float64Array(this.scales.length).fill(-1), g: new Float64Array(this.scales.length),
        sigmaBin: new Float64Array(this.scales.length), floorLevel: null, floorNoise: null,
      };
      this.follower = false;
    }
    this.r = new Float64Array(n);
    this.scratch = new Float64Array(n);
    this.prefix = new Float64Array(n + 1);
    this.count1 = new Float64Array(n + 1);
    this.half = Math.max(1, Math.round(o.kernelHz / rbwHz / 2));
    this.unit = new Float64Array(n);
    const localN = o.localFloor === true ? n : 0;
    this.local = new Float64Array(localN);
    this.localOpen = new Float64Array(localN);
    this.localRelease = new Float64Array(localN);
    this.localValues = new Float64Array(o.localFloor === true ? 2 * LOCAL_FLOOR_REACH_KERNELS * (2 * this.half + 1) + 2 : 0);
    this.minExcess = o.minExcess ?? LONG_MIN_EXCESS;
    this.sigma = new Float64Array(this.scales.length);
    this.fullAt = new Float64Array(this.scales.length).fill(-Infinity);
    this.fullG = new Float64Array(this.scales.length);
    this.lastRelease = new Float64Array(this.scales.length);
    this.gMargin = new Float64Array(this.scales.length);
    this.floorGain = new Float64Array(this.scales.length);
  }

  /**
   * Adds one Welch average's power (fftshifted, n bins) that starts at sample `firstSample` (averages may be left out,
   * so a window of K averages can span more than K averages' time: see {@link windowStart}).
   */
  push(power: Float32Array, firstSample: number): void {
    if (this.depth === 0 || this.follower) return;
    const n = this.n;
    const w = this.w;
    const ring = w.ring;
    for (let si = 0; si < this.scales.length; si++) {
      const k = this.scales[si];
      const sum = w.sums[si];
      if (w.count >= k) {
        // the average leaving this scale's window: k pushes ago
        const old = ((w.pos - k + this.depth) % this.depth) * n;
        for (let b = 0; b < n; b++) sum[b] += power[b] - ring[old + b];
      } else {
        for (let b = 0; b < n; b++) sum[b] += power[b];
      }
    }
    ring.set(power, w.pos * n);
    w.starts[w.pos] = firstSample;
    w.pos = (w.pos + 1) % this.depth;
    w.count++;
  }

  /** First sample of the oldest average in scale si's window. */
  windowStart(si: number): number {
    const w = this.w;
    const k = Math.min(this.scales[si], w.count);
    return w.starts[(w.pos - k + this.depth) % this.depth];
  }

  /**
   * True when scale si has a full window and is due for a test: every ⌈K/LONG_EVALUATIONS_PER_WINDOW⌉ averages, so each
   * average of a K-average window is tested about LONG_EVALUATIONS_PER_WINDOW times, not K times (a weak signal's
   * hits are then up to K/4 averages later, well inside the slow hold).
   */
  due(si: number): boolean {
    const k = this.scales[si];
    const count = this.w.count;
    return count >= k && (count - k) % this.step(si) === 0;
  }

  /** Averages between two tests of scale si: ⌈K/LONG_EVALUATIONS_PER_WINDOW⌉. */
  step(si: number): number {
    return Math.ceil(this.scales[si] / LONG_EVALUATIONS_PER_WINDOW);
  }

  /**
   * Evaluates scale si: writes the hot codes (as the detector's: 2 open, 1 release, | 4) into `hot`, the normalised
   * mean power (mean_K(P)/g) into `stat`, for bins with guard[b] = 0 and a finite level.
   * @returns the OR of the codes (0: nothing hot).
   */
  evaluate(si: number, levelLin: Float32Array, noiseBin: Uint8Array, guard: Uint8Array, hot: Uint8Array, stat: Float32Array): number {
    const n = this.n;
    const k = this.scales[si];
    const w = this.w;
    const sum = w.sums[si];
    const r = this.r;
    const scratch = this.scratch;
    const inv = 1 / k;
    const lazy = this.o.lazyFloorTests;
    if (lazy !== undefined && w.count - this.fullAt[si] < lazy * this.step(si) && w.floorLevel === levelLin && w.floorNoise === noiseBin) {
      // most tests find nothing: with the floor (less LAZY_FLOOR_SIGMAS of its error) and release level of a recent
      // full test, a kernel mean that stays under them everywhere settles it in one pass (a bin out of the test set counts 0, so a kernel that holds one
      // reads low, and the full test would not test it anyway)
      const h = this.half;
      const c = 2 * h + 1;
      const limit = this.lastRelease[si] * this.fullG[si] * this.gMargin[si] * c * k;
      let acc = 0;
      let max = 0;
      for (let b = 0; b < n; b++) {
        const l = levelLin[b];
        const v = noiseBin[b] !== 0 && guard[b] === 0 && l < Infinity ? sum[b] / l : 0;
        acc += v;
        r[b] = v;
        if (b >= 2 * h) {
          if (acc > max) max = acc;
          acc -= r[b - 2 * h];
        }
      }
      if (!(max > limit)) {
        hot.fill(0);
        return 0;
      }
    }
    let m = 0;
    for (let b = 0; b < n; b++) {
      const l = levelLin[b];
      if (guard[b] !== 0 || !(l < Infinity)) {
        r[b] = NaN;
        continue;
      }
      r[b] = (sum[b] * inv) / l;
      // the floor and the spread are measured on noise bins only: a bin whose level is an emitter's envelope reads
      // far under 1 and would pull both down
      if (noiseBin[b] !== 0) scratch[m++] = r[b];
    }
    hot.fill(0);
    if (m < 8) return 0;
    let g: number;
    let sigmaBin: number;
    if (w.floorAt[si] === w.count && w.floorLevel === levelLin && w.floorNoise === noiseBin) {
      // a LongPath sharing these windows measured the floor and spread of this very test (another kernel)
      g = w.g[si];
      sigmaBin = w.sigmaBin[si];
    } else {
      g = quickMedian(scratch, m);
      // the spread of one bin's r/g, from its median absolute deviation over the noise bins (hundreds of nearly
      // independent values, of which one link occupies a small share), then scaled to a kernel mean
      for (let i = 0; i < m; i++) scratch[i] = Math.abs(scratch[i] - g);
      sigmaBin = (1.4826 * quickMedian(scratch, m)) / g;
      if (this.o.framesPerAverage !== undefined) sigmaBin = Math.max(sigmaBin, noiseSpread(k * this.o.framesPerAverage));
      w.floorAt[si] = w.count;
      w.g[si] = g;
      w.sigmaBin[si] = sigmaBin;
      w.floorLevel = levelLin;
      w.floorNoise = noiseBin;
    }
    this.floorGain[si] = g;
    if (!(g > 0)) return 0;
    // kernel mean of r/g over the noise bins in the kernel only: an emitter's bins (level = its envelope, r far under
    // 1) must not pull their neighbours down, and their skirts move with them. Only bins whose whole kernel lies on
    // noise bins inside the band are tested, at least half a kernel from any emitter (testing where half the kernel
    // sufficed, with a 0.04 floor, opened 7 more false alarms in 20 min of the 2.4 MS/s site background, near its
    // TDMA neighbours and clicks); the short paths watch emitters against their envelope
    const pre = this.prefix;
    const cnt = this.count1;
    pre[0] = 0;
    cnt[0] = 0;
    const invG = 1 / g;
    const clean = this.o.cleanLevels === true ? this.cleanBins(levelLin, noiseBin) : noiseBin;
    const unit = this.unit;
    for (let b = 0; b < n; b++) {
      const noise = clean[b] !== 0 && !Number.isNaN(r[b]);
      const u = noise ? r[b] * invG : NaN;
      unit[b] = u;
      pre[b + 1] = pre[b] + (noise ? u : 0);
      cnt[b + 1] = cnt[b] + (noise ? 1 : 0);
    }
    const h = this.half;
    const c = 2 * h + 1;
    for (let b = 0; b < n; b++) {
      if (Number.isNaN(r[b])) continue;
      if (noiseBin[b] === 0 || b < h || b >= n - h || cnt[b + h + 1] - cnt[b - h] < c) {
        r[b] = NaN;
        continue;
      }
      r[b] = (pre[b + h + 1] - pre[b - h]) / c;
    }
    // a kernel mean of c bins has spread σ = sigmaBin·√(F/c), and its levels are the Gamma tail at σ. That spread is
    // across bins; a bin's learned level is also off by a fixed amount, the same at every test, so the few bins the
    // most off would open again and again: the open level stays LEVEL_BIAS_SIGMAS level errors of a kernel mean over
    // the floor (see levelErrorBin), and never under minExcess (skirts calibration saw under the noise threshold)
    const sigma = sigmaBin * Math.sqrt(HANN_BIN_VARIANCE_FACTOR / c);
    this.sigma[si] = sigma;
    const levelErr = levelErrorBin(sigmaBin * Math.sqrt(k), this.o.levelFrames ?? Infinity);
    const floor = Math.max(this.minExcess, LEVEL_BIAS_SIGMAS * levelErr * Math.sqrt(LEVEL_ERROR_CORRELATED_BINS / c));
    const open = Math.max(gammaTailLevel(sigma, this.o.openSigma), 1 + floor);
    const release = Math.max(gammaTailLevel(sigma, this.o.releaseSigma), 1 + floor / 2);
    this.fullAt[si] = w.count;
    this.fullG[si] = g;
    this.lastRelease[si] = release;
    // the floor of a later test may lie lower: by LAZY_FLOOR_SIGMAS standard errors of a median of m bins
    // (1.2533·σ/√m for a Gaussian) it stays above g·gMargin
    this.gMargin[si] = Math.max(0, 1 - (LAZY_FLOOR_SIGMAS * 1.2533 * sigmaBin) / Math.sqrt(m));
    if (this.o.localFloor === true) this.localFloors(unit, sigmaBin, sigma, floor);
    const loc = this.local;
    const locOpen = this.localOpen;
    const locRelease = this.localRelease;
    const local = this.o.localFloor === true;
    let any = 0;
    for (let b = 0; b < n; b++) {
      let v = r[b];
      stat[b] = (sum[b] * inv) * invG;
      let o = open;
      let rl = release;
      if (local && v > 1) {
        // over the larger of the band's floor and the kernel's own surroundings, at levels that allow for the local
        // median's error
        v /= loc[b];
        o = locOpen[b];
        rl = locRelease[b];
      }
      if (!(v > rl)) continue;
      const code = (v > o ? 2 : 1) | 4;
      hot[b] = code;
      any |= code;
    }
    if (any !== 0) this.erode(hot);
    return any;
  }

  /**
   * The local floors of one full test (LongPathOptions.localFloor): for every bin, at a stride of a quarter kernel (the
   * reference windows move by little between), the median of `unit` (r/g of the clean noise bins, NaN elsewhere) over
   * the two reference windows beside its kernel, kept at 1 or more (the band's floor stays the least), and the open and
   * release levels of a kernel mean over it. A median of m values of spread s has a standard error of 1.2533·s/√m; the
   * values are bins whose powers correlate (Hann, see HANN_BIN_VARIANCE_FACTOR), so m counts as m/F. That error adds
   * to the kernel mean's spread `sigma` in quadrature. A bin with fewer than one kernel's worth of reference values
   * keeps the band's floor and levels.
   */
  private localFloors(unit: Float64Array, sigmaBin: number, sigma: number, floor: number): void {
    const n = this.n;
    const h = this.half;
    const c = 2 * h + 1;
    const inner = h + LOCAL_FLOOR_GUARD_HALVES * h;
    const reach = LOCAL_FLOOR_REACH_KERNELS * c;
    const stride = Math.max(1, Math.floor(h / 2));
    const values = this.localValues;
    const loc = this.local;
    const lo = this.localOpen;
    const lr = this.localRelease;
    const open0 = Math.max(gammaTailLevel(sigma, this.o.openSigma), 1 + floor);
    const release0 = Math.max(gammaTailLevel(sigma, this.o.releaseSigma), 1 + floor / 2);
    let med = 1;
    let open = open0;
    let release = release0;
    for (let b = 0; b < n; b++) {
      if (b % stride === 0) {
        let m = 0;
        for (let j = Math.max(0, b - inner - reach); j < b - inner; j++) if (!Number.isNaN(unit[j])) values[m++] = unit[j];
        for (let j = b + inner + 1; j <= Math.min(n - 1, b + inner + reach); j++) if (!Number.isNaN(unit[j])) values[m++] = unit[j];
        if (m < c) {
          med = 1;
          open = open0;
          release = release0;
        } else {
          const err = (1.2533 * sigmaBin * Math.sqrt(HANN_BIN_VARIANCE_FACTOR)) / Math.sqrt(m);
          med = quickMedian(values, m);
          if (med <= 1 + LOCAL_FLOOR_SIGNIFICANCE * err) {
            // the surroundings are the band's floor within the median's own error: the band's floor and levels
            med = 1;
            open = open0;
            release = release0;
          } else {
            const s = Math.sqrt(sigma * sigma + err * err);
            open = Math.max(gammaTailLevel(s, this.o.openSigma), 1 + floor);
            release = Math.max(gammaTailLevel(s, this.o.releaseSigma), 1 + floor / 2);
          }
        }
      }
      loc[b] = med;
      lo[b] = open;
      lr[b] = release;
    }
  }

  /**
   * Shrinks every run of hot bins by the kernel's half width on each side (a boxcar of 2h + 1 bins widens a band by h
   * each way), keeping at least its middle bin, whose code becomes the run's strongest.
   */
  private erode(hot: Uint8Array): void {
    const n = this.n;
    const h = this.half;
    let b = 0;
    while (b < n) {
      if (hot[b] === 0) {
        b++;
        continue;
      }
      let z = b;
      let code = hot[b];
      while (z + 1 < n && hot[z + 1] !== 0) {
        z++;
        if ((hot[z] & 3) > (code & 3)) code = hot[z];
      }
      const a2 = b + h;
      const z2 = z - h;
      for (let j = b; j <= z; j++) hot[j] = 0;
      if (a2 <= z2) for (let j = a2; j <= z2; j++) hot[j] = code;
      else hot[(b + z) >> 1] = code;
      b = z + 1;
    }
  }

  /**
   * The noise bins the kernels may hold (computed once per `levelLin` array, the first time it is given): a noise bin
   * whose learned level stands more than minExcess over the median learned level of the noise bins within
   * {@link CLEAN_WINDOW_KERNELS} kernel widths holds something besides noise that calibration saw under the noise
   * threshold, typically a strong emitter's phase-noise skirt. That part moves with its emitter: a carrier that rises
   * 2–3 dB raises such a bin by more than minExcess and would open a kernel on its own. A bin where it is under
   * minExcess cannot (a rise of ×2, 3 dB, adds under minExcess). The local median follows the receiver's passband
   * ripple, which varies over hundreds of kHz, not over a few kernels (docs/detector.md §10).
   */
  private cleanBins(levelLin: Float32Array, noiseBin: Uint8Array): Uint8Array {
    if (this.cleanFor === levelLin && this.clean !== null) return this.clean;
    const n = this.n;
    const clean = new Uint8Array(n);
    const w = CLEAN_WINDOW_KERNELS * (2 * this.half + 1);
    // local medians at a stride of a quarter kernel (the window moves by little between them)
    const stride = Math.max(1, Math.floor(this.half / 2));
    const values = new Float64Array(2 * w + 1);
    let med = NaN;
    for (let b = 0; b < n; b++) {
      if (b % stride === 0) {
        let m = 0;
        for (let j = Math.max(0, b - w); j <= Math.min(n - 1, b + w); j++) {
          if (noiseBin[j] !== 0 && levelLin[j] < Infinity) values[m++] = levelLin[j];
        }
        med = m > 0 ? quickMedian(values, m) : NaN;
      }
      clean[b] = noiseBin[b] !== 0 && levelLin[b] <= med * (1 + CLEAN_LEVEL_EXCESS) ? 1 : 0;
    }
    this.clean = clean;
    this.cleanFor = levelLin;
    return clean;
  }

  /** Forgets the history (a retune: the band changed). */
  reset(): void {
    if (this.follower) return;
    const w = this.w;
    w.count = 0;
    w.pos = 0;
    w.floorAt.fill(-1);
    for (const s of w.sums) s.fill(0);
  }
}
