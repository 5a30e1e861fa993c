// Long integration for weak continuous signals: running means of the slow path's Welch averages over seconds,
// normalised by the band's own noise floor and tested against the spread measured across the band (a CFAR test).
import { quickMedian } from '../dsp/select.js';
import { LocalFloor } from './local-floor.js';
import {
  HANN_BIN_VARIANCE_FACTOR, LEVEL_ERROR_CORRELATED_BINS, levelErrorBin, noiseSpread, openLevel, releaseLevel,
} from './long-stats.js';

/**
 * Smallest excess (linear, over the floor) a cell opens at: 0.1 = 0.41 dB (docs/detector.md §10). With 0.04, the local
 * floor and the image and intermodulation rules, white-noise NFM links were found 1.4 dB weaker and the site background
 * gave no false alarm in 60 min, but a curved gain change after calibration (0.3 dB peak to peak of ripple at a 60–100 kHz
 * period, both band edges up 0.3 dB) or a steady carrier's skirt rising 4 dB opened false alarms of 70–100 s where 0.1
 * opens none: the local floor follows a tilt, not a hump narrower than its reference windows.
 */
export const LONG_MIN_EXCESS = 0.1;

/** Half-width (kernel widths) of the window whose median learned level a long-path bin's own is compared with. */
export const CLEAN_WINDOW_KERNELS = 8;
/**
 * A noise bin is clean (see LongPath.cleanBins) when its learned level stands at most this much (linear) over the local
 * median level: 0.1 = 0.41 dB. Under it, the emitter skirt a level may hold adds under 0.1 when its emitter rises 3 dB.
 */
export const CLEAN_LEVEL_EXCESS = 0.1;

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
  scalesS: readonly number[];
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
   * Normalise each kernel mean by a local floor where it stands clearly over the band's floor g: the median of r/g over
   * the clean noise bins of two reference windows beside the kernel (see {@link LocalFloor}), as an order-statistic
   * CFAR does (Rohling 1983). A gain change that is not flat across the band (a tilt, the passband's ripple moving with
   * temperature) then lifts the reference with the kernel. The median's own error is added to the test's spread. The
   * long path's setting.
   */
  localFloor?: boolean;
  /**
   * The widest kernel (Hz) of a bank this kernel belongs to, when this one is narrower: its tests keep that kernel's
   * geometry (a bin is tested only where the wide kernel's whole span lies on clean noise bins inside the band, so as
   * far from emitters and band edges; its local floor's reference windows and its clean-level window are the wide
   * kernel's), and only its kernel mean, spread and level error are its own. Unset: its own width.
   */
  outerKernelHz?: number;
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
 * and marks b hot when z_b exceeds {@link openLevel}(s·√(F/c), openSigma, minExcess, e_c) (open: the noise's Gamma tail,
 * and never under 1 + minExcess + 3·√(e_c² + σ²), e_c the kernel mean's level error) or {@link releaseLevel} with
 * releaseSigma, F = {@link HANN_BIN_VARIANCE_FACTOR}. Under noise z_b is ≈ Gaussian with σ ≈ 1/√(K·frames/1.9 ·
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
  /** Half width (bins) of the bank's widest kernel (LongPathOptions.outerKernelHz), `half` without one. */
  private readonly outerHalf: number;
  /** Spread of a full kernel's mean, s·√(F/(2h+1)), at the last test of each scale (for tests and metrics). */
  readonly sigma: Float64Array;
  /** g of the last evaluation of each scale. */
  readonly floorGain: Float64Array;
  /** Per scale: the count, floor g and release level of the last full test (see LongPathOptions.lazyFloorTests). */
  private readonly fullAt: Float64Array;
  private readonly fullG: Float64Array;
  private readonly lastRelease: Float64Array;
  /** Per scale: the band's open level (no local floor) at the last full test. */
  private readonly lastOpen: Float64Array;
  private readonly gMargin: Float64Array;
  /** r/g of each clean noise bin at the last full test (NaN elsewhere): the local floors' input (empty without them). */
  private readonly unit: Float64Array;
  /** The local floors and their levels at the last full test (LongPathOptions.localFloor), null without. */
  private readonly local: LocalFloor | null;
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
    this.outerHalf = Math.max(this.half, Math.round((o.outerKernelHz ?? 0) / rbwHz / 2));
    this.unit = new Float64Array(o.localFloor === true ? n : 0);
    // a narrow kernel with the wide one's reference windows reads its medians
    const shareLocal = share?.local !== null && share?.local !== undefined && share.outerHalf === this.outerHalf ? share.local : undefined;
    this.local = o.localFloor === true ? new LocalFloor(n, this.outerHalf, shareLocal) : null;
    this.minExcess = o.minExcess ?? LONG_MIN_EXCESS;
    this.sigma = new Float64Array(this.scales.length);
    this.fullAt = new Float64Array(this.scales.length).fill(-Infinity);
    this.fullG = new Float64Array(this.scales.length);
    this.lastRelease = new Float64Array(this.scales.length);
    this.lastOpen = new Float64Array(this.scales.length);
    this.gMargin = new Float64Array(this.scales.length);
    this.floorGain = new Float64Array(this.scales.length);
  }

  /** The kernel's half width (bins): a kernel mean covers 2·halfBins + 1 bins. */
  get halfBins(): number {
    return this.half;
  }

  /** Scale si's open level over the band's floor (linear ratio) at its last full test; 0 before one. */
  openAt(si: number): number {
    return this.lastOpen[si];
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
    // a LongPath sharing these windows tested this very average and scale first (the floor, spread and local medians)
    const sameTest = w.floorAt[si] === w.count && w.floorLevel === levelLin && w.floorNoise === noiseBin;
    if (sameTest) {
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
    const keepUnit = unit.length === n;
    for (let b = 0; b < n; b++) {
      const noise = clean[b] !== 0 && !Number.isNaN(r[b]);
      const u = noise ? r[b] * invG : NaN;
      if (keepUnit) unit[b] = u;
      pre[b + 1] = pre[b] + (noise ? u : 0);
      cnt[b + 1] = cnt[b] + (noise ? 1 : 0);
    }
    const h = this.half;
    const c = 2 * h + 1;
    const ho = this.outerHalf;
    for (let b = 0; b < n; b++) {
      if (Number.isNaN(r[b])) continue;
      if (noiseBin[b] === 0 || b < ho || b >= n - ho || cnt[b + ho + 1] - cnt[b - ho] < 2 * ho + 1) {
        r[b] = NaN;
        continue;
      }
      r[b] = (pre[b + h + 1] - pre[b - h]) / c;
    }
    // a kernel mean of c bins has spread σ = sigmaBin·√(F/c), and its levels are the Gamma tail at σ. That spread is
    // across bins; a bin's learned level is also off by a fixed amount e_c, the same at every test (see levelErrorBin;
    // c bins share it in groups of three), and a gain shape that changed after calibration adds up to minExcess on top:
    // the open level keeps minExcess plus three of the kernel's own spreads (level error and noise) over the floor
    const sigma = sigmaBin * Math.sqrt(HANN_BIN_VARIANCE_FACTOR / c);
    this.sigma[si] = sigma;
    const levelErr = levelErrorBin(sigmaBin * Math.sqrt(k), this.o.levelFrames ?? Infinity) * Math.sqrt(LEVEL_ERROR_CORRELATED_BINS / c);
    const open = openLevel(sigma, this.o.openSigma, this.minExcess, levelErr);
    const release = releaseLevel(sigma, this.o.releaseSigma, this.minExcess, levelErr);
    this.fullAt[si] = w.count;
    this.fullG[si] = g;
    this.lastRelease[si] = release;
    this.lastOpen[si] = open;
    // the floor of a later test may lie lower: by LAZY_FLOOR_SIGMAS standard errors of a median of m bins
    // (1.2533·σ/√m for a Gaussian) it stays above g·gMargin
    this.gMargin[si] = Math.max(0, 1 - (LAZY_FLOOR_SIGMAS * 1.2533 * sigmaBin) / Math.sqrt(m));
    const local = this.local;
    local?.measure(unit, sigmaBin, sigma, levelErr, this.minExcess, this.o.openSigma, this.o.releaseSigma, sameTest);
    let any = 0;
    for (let b = 0; b < n; b++) {
      let v = r[b];
      stat[b] = (sum[b] * inv) * invG;
      let o = open;
      let rl = release;
      if (local !== null && v > 1) {
        // over the larger of the band's floor and the kernel's own surroundings, at levels that allow for the local
        // median's error
        v /= local.floor[b];
        o = local.open[b];
        rl = local.release[b];
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
    const w = CLEAN_WINDOW_KERNELS * (2 * this.outerHalf + 1);
    // local medians at a stride of a quarter kernel (the window moves by little between them)
    const stride = Math.max(1, Math.floor(this.outerHalf / 2));
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
