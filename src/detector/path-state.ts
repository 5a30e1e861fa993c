// Per-path detector state: a path's resolution, kernels, thresholds (level, open, release; with and without the
// calibration envelope), noise bins and group scratch; and the mask of bins where calibration heard something.
import type { Baseline, BaselinePath } from '../baseline/baseline.js';
import { createNativeClassifier, type NativeClassifier } from '../dsp/native-frame.js';
import { quickMedian } from '../dsp/select.js';
import type { DetectorOptions } from './options.js';
import { FrequencySmoother } from '../spectrum/statistic.js';

export interface Thresholds {
  levelLin: Float32Array;
  openLin: Float32Array;
  releaseLin: Float32Array;
  /** The same three at the learned floor (gain 1): PathState writes base × floor gain × band gain into the above. */
  base: Float32Array[];
  /** The three as learned (with the envelope) and without the envelope (noise level only), for lifting it per band. */
  withEnvelope: Float32Array[];
  noiseOnly: Float32Array[];
  /** 1 where the calibration saw the bin above its noise threshold (an emitter was there). */
  emitter: Uint8Array;
}

/** Groups of hot bins one frame of a path can hold. */
export const MAX_GROUPS = 512;
/** Over an envelope a bin opens at E + max(envelopeMarginDb, ENVELOPE_SIGMAS·σ_b) (docs/detector.md §3). */
const ENVELOPE_SIGMAS = 3;
/**
 * Frequency tolerance of a calibration emitter's band, as a fraction of its width on each side: the band is where its
 * Welch averages stood 6 dB over the floor, and a frequency-modulated emitter's rarer, wider excursions (an FM
 * carrier's peak deviation, which a sampled band folds over its edges) reach past it.
 */
export const EMITTER_BAND_TOLERANCE = 0.25;
/** Bins beyond a calibration emitter's occupied band (its window-leakage skirt) that its envelope still covers. */
export const ENVELOPE_SKIRT_BINS = 2;

/** Per-path working state: its own resolution, kernels, thresholds and scratch arrays. */
export class PathState {
  readonly n: number;
  /** Slow-resolution bins per bin of this path (1 for slow, fftSize/fastFftSize for fast). */
  readonly scale: number;
  readonly rbwHz: number;
  readonly gapBins: number;
  readonly enabled: boolean;
  readonly narrow: FrequencySmoother;
  readonly wide: FrequencySmoother;
  readonly stat: Float32Array;
  readonly statWide: Float32Array;
  /** Prefix sum of the frame's power (both kernels are computed from it). */
  readonly prefix: Float64Array;
  readonly hot: Uint8Array;
  /** The native classifier and the prefix array it is bound to (the fast engine's, fixed for its life). */
  private native: NativeClassifier | null = null;
  nativePrefix: Float64Array | null = null;
  readonly guard: Uint8Array;
  readonly th: Thresholds;
  readonly thWide: Thresholds;
  readonly gLo = new Int32Array(MAX_GROUPS);
  readonly gHi = new Int32Array(MAX_GROUPS);
  /** Extent used to match tracks: the whole hot run, including the wide kernel's smear. */
  readonly gMatchLo = new Int32Array(MAX_GROUPS);
  readonly gMatchHi = new Int32Array(MAX_GROUPS);
  /** 1 when the group has narrow-kernel hot bins. */
  readonly gNarrow = new Uint8Array(MAX_GROUPS);
  readonly gOpen = new Uint8Array(MAX_GROUPS);
  readonly gPeakRatio = new Float64Array(MAX_GROUPS);
  readonly gPeakPower = new Float64Array(MAX_GROUPS);
  /** The slot of the open track the group continues, or −1. */
  readonly gTrack = new Int32Array(MAX_GROUPS);
  /** 1 when the group is a transient (onset, decay): its splatter may reach anywhere in the band. */
  readonly gTransient = new Uint8Array(MAX_GROUPS);
  /** The smallest open threshold of this path (dB over the level): the minimum excess option. */
  readonly minOpenDb: number;
  /** minOpenDb as a linear ratio over the level (the open level of a kernel mean beside a track, Tracker.splitShort). */
  readonly minOpenLin: number;
  /** The envelope's drift tolerance in bins of this path (see DetectorOptions.driftPpm). */
  readonly driftBins: number;
  /** Bins that are tested (not in the DC guard or the cropped edges). */
  readonly testable: number;
  /** The learned noise level per bin (linear, before any envelope; NaN where untested): the floor tracker's reference. */
  readonly noiseLin: Float32Array;
  /** 1 where only noise was learned (tested, no emitter above the noise threshold): the bins the floor is measured on. */
  readonly noiseBin: Uint8Array;
  /** How many bins are noise bins. */
  readonly noiseBins: number;
  /** Median learned noise level over the noise bins (linear): the floor the emitter watch measures occupancy over. */
  readonly noiseFloorLin: number;
  /** Floor gain the thresholds carry now (linear; see scaleFloor). */
  private gain = 1;
  /** Per-bin gain (linear, ≥ 1) of a followed calibration emitter's band on top of the floor gain (see scaleBand). */
  private readonly bandGain: Float64Array;

  constructor(
    n: number, scale: number, rateSps: number, centerHz: number, smoothBins: number, wideBins: number,
    p: BaselinePath, pWide: BaselinePath, minDb: number, wideMinDb: number, o: DetectorOptions,
    heardSlowBins: Uint8Array | null = null,
  ) {
    this.n = n;
    this.scale = scale;
    this.rbwHz = rateSps / n;
    this.gapBins = Math.max(2, Math.round(o.gapHz / this.rbwHz));
    this.narrow = new FrequencySmoother(n, smoothBins);
    this.wide = new FrequencySmoother(n, wideBins);
    this.stat = new Float32Array(n);
    this.statWide = new Float32Array(n);
    this.prefix = new Float64Array(n + 1);
    this.hot = new Uint8Array(n);
    this.guard = new Uint8Array(n);
    const g = Math.max(1, Math.ceil(o.dcGuardHz / this.rbwHz));
    for (let b = n / 2 - g; b <= n / 2 + g; b++) if (b >= 0 && b < n) this.guard[b] = 1;
    // cropped band edges (anti-alias roll-off; docs/field-notes.md §3): never tested, covered by the neighbour hop
    const crop = Math.floor((o.cropFraction / 2) * n);
    for (let b = 0; b < crop; b++) {
      this.guard[b] = 1;
      this.guard[n - 1 - b] = 1;
    }
    this.enabled = p.frames >= 4 && p.levelDb.length === n;
    this.minOpenDb = minDb;
    this.minOpenLin = 10 ** (minDb / 10);
    let testable = 0;
    for (let b = 0; b < n; b++) if (this.guard[b] === 0) testable++;
    this.testable = testable;
    // drift tolerance of the envelope, in bins of this path (at least one; the centre may be unknown, i.e. 0)
    this.driftBins = Math.max(1, Math.ceil((o.driftPpm * 1e-6 * Math.abs(centerHz)) / this.rbwHz));
    const mask = (half: number) => heardSlowBins === null ? null : spreadMask(heardSlowBins, scale, n, this.driftBins + half + ENVELOPE_SKIRT_BINS);
    const heard = mask(this.narrow.half);
    this.bandGain = new Float64Array(n).fill(1);
    this.th = this.thresholds(p, minDb, o, heard);
    this.thWide = this.thresholds(pWide, wideMinDb, o, mask(this.wide.half));
    this.noiseLin = new Float32Array(n);
    this.noiseBin = new Uint8Array(n);
    for (let b = 0; b < n; b++) {
      const l = p.levelDb[b];
      const ok = this.guard[b] === 0 && Number.isFinite(l);
      this.noiseLin[b] = ok ? 10 ** (l / 10) : NaN;
      // a noise bin: neither over its noise threshold nor near anything the calibration heard
      this.noiseBin[b] = ok && this.th.emitter[b] === 0 && (heard === null || heard[b] === 0) ? 1 : 0;
    }
    let nb = 0;
    for (let b = 0; b < n; b++) nb += this.noiseBin[b];
    this.noiseBins = nb;
    // the median learned level of the noise bins (of every tested bin when there are too few)
    const levels = new Float64Array(n);
    let m = 0;
    for (let b = 0; b < n; b++) if (nb >= 8 ? this.noiseBin[b] !== 0 : Number.isFinite(this.noiseLin[b])) levels[m++] = this.noiseLin[b];
    this.noiseFloorLin = m > 0 ? quickMedian(levels, m) : NaN;
  }

  /**
   * True when both kernels are at least 3 bins wide and the wide one is the wider: the case the prefix-sum
   * classification (JS and native) handles; other widths go through the general smoother.
   */
  get usualKernels(): boolean {
    return this.narrow.half >= 1 && this.wide.half >= this.narrow.half;
  }

  /**
   * The native classifier of this path over `prefix` (Float64Array(n + 1)), made the first time and again only when
   * another prefix array comes; null when the addon is not built.
   */
  nativeOver(prefix: Float64Array): NativeClassifier | null {
    if (this.nativePrefix !== prefix) {
      this.native = createNativeClassifier(this.n, this.narrow.half, this.wide.half, this.th.openLin, this.th.releaseLin,
        this.thWide.openLin, this.hot, this.stat, prefix);
      this.nativePrefix = prefix;
    }
    return this.native;
  }

  /**
   * Per-bin thresholds: open when the statistic exceeds level + max(kSigma·spread, minimum excess), and, where the
   * baseline has an occupied-band envelope (dilated by driftBins), also envelope + envelopeMarginDb; the level the
   * excess is measured from is then the envelope. docs/detector.md "Background model".
   */
  private thresholds(p: BaselinePath, minDb: number, o: DetectorOptions, mask: Uint8Array | null): Thresholds {
    const n = this.n;
    const levelLin = new Float32Array(n);
    const openLin = new Float32Array(n);
    const releaseLin = new Float32Array(n);
    const env = p.envelopeDb === undefined || p.envelopeDb.length !== n ? null : dilate(p.envelopeDb, this.driftBins);
    const emitter = new Uint8Array(n);
    const noiseOnly = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    for (let b = 0; b < n; b++) {
      const level = p.levelDb[b];
      const spread = p.spreadDb[b];
      if (!this.enabled || !Number.isFinite(level) || !Number.isFinite(spread) || this.guard[b]) {
        levelLin[b] = Infinity;
        openLin[b] = Infinity;
        releaseLin[b] = Infinity;
        for (const a of noiseOnly) a[b] = Infinity;
        continue;
      }
      const t = Math.max(o.kSigma * spread, minDb);
      levelLin[b] = 10 ** (level / 10);
      openLin[b] = 10 ** ((level + t) / 10);
      // hysteresis never takes the release level below half the open threshold (in dB over the level)
      releaseLin[b] = 10 ** ((level + t - Math.min(o.hysteresisDb, t / 2)) / 10);
      noiseOnly[0][b] = levelLin[b];
      noiseOnly[1][b] = openLin[b];
      noiseOnly[2][b] = releaseLin[b];
      const e = env === null ? NaN : env[b];
      // the envelope counts where it lifts the threshold; the margin grows with the statistic's own spread (a single
      // short frame swings far more than a 100 ms average)
      const margin = Math.max(o.envelopeMarginDb, ENVELOPE_SIGMAS * spread);
      if (Number.isFinite(e) && e + margin > level + t && (mask === null || mask[b] !== 0)) {
        if (e > level + t) emitter[b] = 1;
        levelLin[b] = 10 ** (e / 10);
        openLin[b] = Math.max(openLin[b], 10 ** ((e + margin) / 10));
        releaseLin[b] = Math.max(releaseLin[b], 10 ** ((e + margin / 2) / 10));
      }
    }
    const withEnvelope = [levelLin.slice(), openLin.slice(), releaseLin.slice()];
    return {
      levelLin, openLin, releaseLin, emitter, base: [levelLin.slice(), openLin.slice(), releaseLin.slice()],
      withEnvelope, noiseOnly,
    };
  }

  /**
   * Moves every threshold of this path with the noise floor: level, open and release = learned × `gain` (linear), in
   * place (the native classifier reads these arrays).
   */
  scaleFloor(gain: number): void {
    this.gain = gain;
    this.rescale(0, this.n - 1);
  }

  /**
   * A followed calibration emitter's band gain: over [lowHz, highHz] (absolute, like the geometry's centre), the tested
   * bins where calibration heard something (not noise bins) carry `gainLin` (≥ 1) on top of the floor gain; their
   * level, open and release move together (docs/detector.md §6, "Level").
   */
  scaleBand(lowHz: number, highHz: number, gainLin: number, centerHz: number): void {
    const lo = this.firstBin(lowHz, centerHz);
    const hi = this.lastBin(highHz, centerHz);
    for (let b = lo; b <= hi; b++) {
      // a noise bin (nothing heard there in calibration) or an untested one keeps its thresholds
      if (this.noiseBin[b] === 0 && Number.isFinite(this.noiseLin[b])) this.bandGain[b] = gainLin;
    }
    this.rescale(lo, hi);
  }

  /**
   * Lifts (`envelopeOn` false) or restores the envelope over [lowHz, highHz] (absolute, like the geometry's centre):
   * those bins' thresholds become the noise-only ones, or the learned ones again, times the current floor gain.
   */
  setEnvelope(lowHz: number, highHz: number, envelopeOn: boolean, centerHz: number): void {
    const lo = this.firstBin(lowHz, centerHz);
    const hi = this.lastBin(highHz, centerHz);
    for (const th of [this.th, this.thWide]) {
      const from = envelopeOn ? th.withEnvelope : th.noiseOnly;
      for (let k = 0; k < 3; k++) th.base[k].set(from[k].subarray(lo, hi + 1), lo);
    }
    this.rescale(lo, hi);
  }

  /** Level, open and release of bins [lo, hi], both kernels: learned (base) × floor gain × band gain, in place. */
  private rescale(lo: number, hi: number): void {
    const gain = this.gain;
    const bg = this.bandGain;
    for (const th of [this.th, this.thWide]) {
      const out = [th.levelLin, th.openLin, th.releaseLin];
      for (let k = 0; k < 3; k++) {
        const src = th.base[k];
        const dst = out[k];
        for (let b = lo; b <= hi; b++) dst[b] = src[b] * gain * bg[b];
      }
    }
  }

  /** The bin holding `lowHz` (absolute, like the geometry's centre; clamped at 0), and the one holding `highHz` (clamped at n − 1). */
  firstBin(lowHz: number, centerHz: number): number {
    return Math.max(0, Math.floor((lowHz - centerHz) / this.rbwHz + this.n / 2));
  }

  /** See {@link firstBin}. */
  lastBin(highHz: number, centerHz: number): number {
    return Math.min(this.n - 1, Math.ceil((highHz - centerHz) / this.rbwHz + this.n / 2));
  }
}

/** Sets m[b] for bins lo..hi of a sampled band, folding those past either edge over the other (at most n bins). */
function markFolded(m: Uint8Array, lo: number, hi: number): void {
  const n = m.length;
  for (let b = Math.max(lo, hi - n + 1); b <= hi; b++) m[((b % n) + n) % n] = 1;
}

/**
 * The slow-path bins where the calibration heard something other than noise: inside a calibration emitter's band, or
 * where any path's tail stood over that path's open threshold. Only there does the occupied-band envelope apply: a noise
 * bin's own tail is no reason to raise its threshold (docs/detector.md §3).
 */
export function heardBins(baseline: Baseline, n: number, rateSps: number, centerHz: number, o: DetectorOptions): Uint8Array {
  const m = new Uint8Array(n);
  const rbw = rateSps / n;
  for (const e of baseline.emitters ?? []) {
    // an emitter's band widened by EMITTER_BAND_TOLERANCE of its width on each side, folded at the band edges
    const widen = EMITTER_BAND_TOLERANCE * (e.highHz - e.lowHz);
    markFolded(m, Math.floor((e.lowHz - widen - centerHz) / rbw + n / 2), Math.ceil((e.highHz + widen - centerHz) / rbw + n / 2));
  }
  // and wherever a path's learned tail stood over that path's own open threshold: without the envelope the bin would
  // have alerted during the calibration (a rare excursion of a moving emitter, e.g. an FM carrier's peak deviation)
  const paths: [BaselinePath, number][] = [
    [baseline.fast, o.thresholdDb], [baseline.fastWide, o.wideThresholdDb], [baseline.slow, o.slowThresholdDb], [baseline.slowWide, o.wideThresholdDb],
  ];
  for (const [p, minDb] of paths) {
    const pe = p.envelopeDb;
    const pn = p.levelDb.length;
    if (pe === undefined || pe.length !== pn || pn === 0 || n % pn !== 0) continue;
    const scale = n / pn;
    for (let b = 0; b < pn; b++) {
      if (!(pe[b] > p.levelDb[b] + Math.max(o.kSigma * p.spreadDb[b], minDb))) continue;
      for (let j = b * scale; j < (b + 1) * scale; j++) m[j] = 1;
    }
  }
  return m;
}

/**
 * A slow-resolution mask spread to a path of n bins, each covering `scale` slow bins: 1 where any marked slow bin lies
 * within `pad` bins of the path's bin.
 */
export function spreadMask(slow: Uint8Array, scale: number, n: number, pad: number): Uint8Array {
  const count = new Int32Array(slow.length + 1);
  for (let i = 0; i < slow.length; i++) count[i + 1] = count[i] + slow[i];
  const m = new Uint8Array(n);
  for (let b = 0; b < n; b++) {
    const lo = Math.max(0, (b - pad) * scale);
    const hi = Math.min(slow.length, (b + pad + 1) * scale);
    if (hi > lo && count[hi] - count[lo] > 0) m[b] = 1;
  }
  return m;
}

/** Running maximum of `a` over ± h bins (NaN counts as absent); a new array. */
function dilate(a: Float32Array, h: number): Float32Array {
  const n = a.length;
  const out = new Float32Array(n).fill(NaN);
  for (let b = 0; b < n; b++) {
    const v = a[b];
    if (!Number.isFinite(v)) continue;
    const lo = Math.max(0, b - h);
    const hi = Math.min(n - 1, b + h);
    for (let j = lo; j <= hi; j++) if (!(out[j] >= v)) out[j] = v;
  }
  return out;
}
