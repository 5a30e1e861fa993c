// Watches the emitters a calibration heard: when each is heard again, and when one departs from the shape the
// calibration measured (an appearance far longer than any it saw), so the envelope that hides it is lifted.
import type { CalibrationEmitter } from '../baseline/emitters.js';
import { OCCUPIED_OVER_FLOOR_DB } from '../baseline/emitters.js';
import { quickMedian } from '../dsp/select.js';
import { EMITTER_BAND_TOLERANCE, ENVELOPE_SKIRT_BINS } from './path-state.js';
import { smoothedAt } from '../spectrum/statistic.js';

/**
 * Tail probability behind the appearance-length limit: an appearance is "longer than calibration" when it lasts
 * beyond the point an exponential length distribution with the calibration's mean appearance length exceeds with
 * probability 10⁻³, i.e. mean·ln(1000) ≈ 6.9·mean (docs/detector.md "What calibration heard").
 */
export const SHAPE_TAIL_PROBABILITY = 1e-3;
/** The limit is never under this multiple of the longest appearance the calibration saw. */
export const SHAPE_MIN_FACTOR = 2;
/**
 * Emitters at most this wide (Hz) are carriers whose centroid, while occupied, measures the receiver's drift (a
 * drifting steady carrier spreads over several bins during the calibration, so its busiest bin need not read
 * continuous).
 */
export const DRIFT_CARRIER_MAX_HZ = 5_000;
/** Weight of each new average in a carrier's smoothed centroid (an exponential mean over ≈ 20 averages, 2 s). */
const DRIFT_ALPHA = 0.05;

/** Averages of slack added to the limit: an appearance's measured length is quantised to whole Welch averages. */
const SHAPE_SLACK_AVERAGES = 2;

/** One appearance of a calibration emitter: the Welch averages in which its band was occupied, in samples. */
export interface EmitterAppearance {
  /** Index into the baseline's `emitters`. */
  emitter: number;
  /** First sample of the first occupied average and first sample after the last one. */
  startSample: number;
  endSample: number;
  /** True when the appearance outlasted the shape limit and the envelope over the emitter's band was lifted. */
  lifted: boolean;
}

/** What the watch heard of one calibration emitter, for a summary or a health line. */
export interface EmitterHeard {
  centerHz: number;
  bandwidthHz: number;
  /** Appearances heard so far (the one under way included). */
  appearances: number;
  /** End of the last appearance heard (s from the first sample), null when none was heard. */
  lastHeardS: number | null;
  /** Longest stretch (s) without the emitter, from the first average watched to now. */
  longestDeafS: number;
  /** Appearances that outlasted the shape limit (their band was then tested without the envelope). */
  lifted: number;
  /** Appearance-length limit (s); null for a continuous emitter (no limit). */
  limitS: number | null;
  /** The calibration's mean time between appearances (s), null when it saw fewer than 3. */
  periodS: number | null;
  continuous: boolean;
  /**
   * For a narrow emitter (≤ DRIFT_CARRIER_MAX_HZ wide): where its smoothed centroid now lies against the calibration's
   * centre (Hz); null for wider emitters or before it was heard.
   */
  driftHz: number | null;
  /**
   * For a continuous emitter whose level is followed: the most (dB) its band stood over the calibration's range so far
   * (0 when never); null when not followed.
   */
  levelOverCalibrationDb: number | null;
}

/** Called when the envelope over a band (Hz, absolute like the emitters) is lifted (`on` false) or restored. */
export type EnvelopeSwitch = (lowHz: number, highHz: number, envelopeOn: boolean) => void;

/** Called when the gain (linear, ≥ 1) an emitter's band thresholds carry over the floor gain changes (Hz as above). */
export type EnvelopeGain = (lowHz: number, highHz: number, gainLin: number) => void;

/**
 * What the watch needs to follow continuous emitters' levels: the slow path's learned level and envelope per bin (dB,
 * narrow kernel, the baseline's `slow` path) and where to apply the band gain.
 */
export interface LevelFollow {
  levelDb: Float32Array;
  envelopeDb: Float32Array;
  /** The most (dB, > 0) the band gain may reach (DetectorOptions.emitterLevelFollowDb). */
  maxDb: number;
  onGain: EnvelopeGain;
}

interface Watched {
  lo: number;
  hi: number;
  /** Not continuous in the calibration (appears and goes: its appearances change a running mean). */
  intermittent: boolean;
  limitSamples: number;
  active: boolean;
  lifted: boolean;
  start: number;
  lastEnd: number;
  appearances: number;
  liftedCount: number;
  longestDeaf: number;
  /** Smoothed centroid (bins, fractional) of a drift carrier; NaN for other emitters or before the first average. */
  centroid: number;
  carrier: boolean;
  /** Occupied band (bins, no drift widening) whose level is followed; fhi < flo when the emitter is not followed. */
  flo: number;
  fhi: number;
  /** Upper bound of the band gain the calibration showed: median over the band of envelope / level (linear). */
  ceilingLin: number;
  /**
   * Bins (unwrapped: below 0 or above n − 1 they fold over the band's edge, as the heard mask does) whose thresholds
   * carry the gain: the band widened as far as the envelope covers it (EMITTER_BAND_TOLERANCE of its width, the drift
   * tolerance and the skirt), stopping short of another emitter's band.
   */
  alo: number;
  ahi: number;
  /** Gain its band's thresholds carry now (linear, ≥ 1). */
  gainLin: number;
  /** Highest gain applied so far (linear), for the summary. */
  maxGainLin: number;
}

/**
 * Per Welch average, whether each calibration emitter's band is occupied — by the learner's rule, its narrow-kernel
 * statistic over the noise floor by more than OCCUPIED_OVER_FLOOR_DB, anywhere in the band
 * widened by the drift tolerance — and how long the current appearance has lasted. A non-continuous emitter's
 * appearance that lasts beyond max(SHAPE_MIN_FACTOR·longest, ln(1/SHAPE_TAIL_PROBABILITY)·mean) + 2 averages lifts the
 * envelope over its band (a transmitter keyed up under a known emitter's envelope is then tested against the noise
 * level, and opens a track); the envelope returns when the band is free again. O(emitter bins) per average,
 * allocation-free.
 */
export class EmitterWatch {
  private readonly watched: Watched[] = [];
  private firstSample = -1;
  private lastSample = 0;

  /**
   * @param emitters the baseline's calibration emitters (absolute Hz, or offsets when the centre is unknown).
   * @param n slow-path FFT size; `rateSps`, `centerHz` the tuning; `driftBins` the envelope's drift tolerance (bins).
   * @param onSwitch applies a lift or restore to the detector's thresholds.
   * @param onAppearance called when an appearance ends (and at {@link flush}).
   */
  constructor(
    readonly emitters: readonly CalibrationEmitter[],
    private readonly n: number,
    private readonly rateSps: number,
    private readonly centerHz: number,
    driftBins: number,
    private readonly onSwitch: EnvelopeSwitch,
    private readonly onAppearance: ((a: EmitterAppearance) => void) | null = null,
    private readonly follow: LevelFollow | null = null,
  ) {
    const rbw = rateSps / n;
    let widest = 0;
    for (const e of emitters) {
      const flo = Math.max(0, Math.floor((e.lowHz - centerHz) / rbw + n / 2));
      const fhi = Math.min(n - 1, Math.ceil((e.highHz - centerHz) / rbw + n / 2));
      const lo = Math.max(0, flo - driftBins);
      const hi = Math.min(n - 1, fhi + driftBins);
      const mean = e.meanBurstS ?? e.maxBurstS;
      const limitS = Math.max(SHAPE_MIN_FACTOR * e.maxBurstS, Math.log(1 / SHAPE_TAIL_PROBABILITY) * mean);
      const ceilingLin = e.continuous && follow !== null ? this.ceiling(follow, flo, fhi) : NaN;
      const followed = ceilingLin > 0;
      if (followed) widest = Math.max(widest, fhi - flo + 1);
      this.watched.push({
        lo, hi, intermittent: !e.continuous, limitSamples: e.continuous || !(hi >= lo) ? Infinity : limitS * rateSps,
        active: false, lifted: false, start: 0, lastEnd: -1, appearances: 0, liftedCount: 0, longestDeaf: 0,
        centroid: NaN, carrier: e.bandwidthHz <= DRIFT_CARRIER_MAX_HZ,
        flo: followed ? flo : 0, fhi: followed ? fhi : -1, alo: 0, ahi: -1, ceilingLin, gainLin: 1, maxGainLin: 1,
      });
    }
    for (let i = 0; i < this.watched.length; i++) {
      const w = this.watched[i];
      if (w.fhi < w.flo) continue;
      const widen = Math.ceil(EMITTER_BAND_TOLERANCE * (w.fhi - w.flo + 1)) + driftBins + ENVELOPE_SKIRT_BINS;
      const other = (b: number) => {
        const f = ((b % n) + n) % n;
        return this.watched.some((o, j) => j !== i && f >= o.lo && f <= o.hi);
      };
      w.alo = w.flo;
      while (w.alo > w.flo - widen && w.alo - 1 > w.fhi - n && !other(w.alo - 1)) w.alo--;
      w.ahi = w.fhi;
      while (w.ahi < w.fhi + widen && w.ahi + 1 < w.alo + n && !other(w.ahi + 1)) w.ahi++;
    }
    this.ratios = new Float64Array(Math.max(1, widest));
    this.refLin = new Float64Array(follow === null ? 0 : n);
    if (follow !== null) for (let b = 0; b < n; b++) this.refLin[b] = 10 ** (follow.levelDb[b] / 10);
    this.maxGainLin = follow === null ? 1 : 10 ** (follow.maxDb / 10);
  }

  /** Scratch for the band's level ratios (the widest followed band). */
  private readonly ratios: Float64Array;
  /** The slow path's learned level per bin (linear; NaN where unusable): the reference of the band gain. */
  private readonly refLin: Float64Array;
  /** The most a band gain may reach (linear): LevelFollow.maxDb. */
  private readonly maxGainLin: number;

  /**
   * The ceiling of an emitter's band gain: median over its bins of 10^((E_b − μ_b)/10) (NaN when no bin has both). E_b
   * is exceeded by at most max(1, 10⁻⁴·frames) calibration averages, so at any calibration average t, P_b(t)/μ_b ≤
   * E_b/μ_b in nearly every bin, and the band gain median_b P_b(t)/μ_b stayed under this median: an upper bound of the
   * largest band gain the calibration showed.
   */
  private ceiling(f: LevelFollow, flo: number, fhi: number): number {
    const r = new Float64Array(Math.max(0, fhi - flo + 1));
    let m = 0;
    for (let b = flo; b <= fhi; b++) {
      const d = f.envelopeDb[b] - f.levelDb[b];
      if (Number.isFinite(d)) r[m++] = 10 ** (d / 10);
    }
    return m === 0 ? NaN : quickMedian(r, m);
  }

  /**
   * One Welch average [start, end) samples: `pre` its power's prefix sum (n + 1), `half` the narrow kernel's half
   * width, `floorLin` the noise floor now (linear: the learned noise level's median over noise bins × the floor
   * tracker's gain; the learner measures occupancy over the average's median bin power, which is that floor);
   * `floorGain` the floor tracker's gain alone (linear); `followLevels` false keeps the continuous emitters' band gains
   * as they are (an average holding a click says nothing of their level).
   */
  observe(pre: Float64Array, half: number, floorLin: number, start: number, end: number, floorGain = 1, followLevels = true): void {
    if (this.firstSample < 0) {
      // the slack: whole averages, known from the first one
      this.firstSample = start;
      for (const w of this.watched) w.limitSamples += SHAPE_SLACK_AVERAGES * (end - start);
    }
    this.lastSample = end;
    const thr = 10 ** (OCCUPIED_OVER_FLOOR_DB / 10) * floorLin;
    const n = this.n;
    for (let i = 0; i < this.watched.length; i++) {
      const w = this.watched[i];
      let occupied = false;
      for (let b = w.lo; b <= w.hi && !occupied; b++) {
        if (smoothedAt(pre, n, half, b) > thr) occupied = true;
      }
      if (occupied && w.carrier) this.followCentroid(w, pre, thr);
      if (followLevels && w.fhi >= w.flo) this.followLevel(i, pre, half, floorGain);
      if (occupied) {
        if (!w.active) {
          w.active = true;
          w.start = start;
          w.appearances++;
          const deaf = start - (w.lastEnd >= 0 ? w.lastEnd : this.firstSample);
          if (deaf > w.longestDeaf) w.longestDeaf = deaf;
        }
        w.lastEnd = end;
        if (!w.lifted && end - w.start > w.limitSamples) {
          w.lifted = true;
          w.liftedCount++;
          this.switch(i, false);
        }
      } else if (w.active) {
        this.endAppearance(i);
      }
    }
  }

  /**
   * The receiver's frequency drift (ppm) measured on the narrow emitters the calibration heard: the median over them of
   * (smoothed centroid − calibration centre) / centre. They all move together when the dongle's crystal warms up
   * (docs/detector.md §3); null without a carrier, or when the centre is unknown (0).
   */
  driftPpm(): number | null {
    const ppm: number[] = [];
    for (let i = 0; i < this.watched.length; i++) {
      const w = this.watched[i];
      const f = this.emitters[i].centerHz;
      if (!w.carrier || Number.isNaN(w.centroid) || f === 0 || this.centerHz === 0) continue;
      ppm.push((this.binHz(w.centroid) - f) / f * 1e6);
    }
    if (ppm.length === 0) return null;
    ppm.sort((a, b) => a - b);
    const m = ppm.length >> 1;
    return ppm.length % 2 === 1 ? ppm[m] : (ppm[m - 1] + ppm[m]) / 2;
  }

  /**
   * True when an intermittent emitter was heard in an average that ended after `since` (sample) and its band (slow bins,
   * drift tolerance included) lies within `padBins[i]` bins of [lo, hi] (slow bins). The long path opens nothing there:
   * seconds of averaging hold an intermittent emitter's appearances and their splatter, which the learned noise level
   * (a lower quantile) does not (docs/detector.md §10). A continuous emitter's skirts are in that level.
   */
  heardNear(lo: number, hi: number, since: number, padBins: Int32Array): boolean {
    for (let i = 0; i < this.watched.length; i++) {
      const w = this.watched[i];
      if (!w.intermittent || w.lastEnd <= since || w.hi < w.lo) continue;
      if (Math.max(0, lo - w.hi, w.lo - hi) <= padBins[i]) return true;
    }
    return false;
  }

  /** Ends every appearance under way (end of stream, retune). */
  flush(): void {
    for (let i = 0; i < this.watched.length; i++) if (this.watched[i].active) this.endAppearance(i);
  }

  /** What has been heard of each emitter up to the last average observed. */
  heard(): EmitterHeard[] {
    return this.emitters.map((e, i) => {
      const w = this.watched[i];
      const since = w.lastEnd >= 0 ? w.lastEnd : this.firstSample;
      const deaf = Math.max(w.longestDeaf, w.active ? 0 : this.lastSample - since);
      return {
        centerHz: e.centerHz,
        bandwidthHz: e.bandwidthHz,
        appearances: w.appearances,
        lastHeardS: w.lastEnd >= 0 ? w.lastEnd / this.rateSps : null,
        longestDeafS: this.firstSample < 0 ? 0 : deaf / this.rateSps,
        lifted: w.liftedCount,
        limitS: Number.isFinite(w.limitSamples) ? w.limitSamples / this.rateSps : null,
        periodS: e.periodS,
        continuous: e.continuous,
        driftHz: w.carrier && !Number.isNaN(w.centroid) ? this.binHz(w.centroid) - e.centerHz : null,
        levelOverCalibrationDb: w.fhi >= w.flo ? 10 * Math.log10(w.maxGainLin) : null,
      };
    });
  }

  /**
   * Follows a continuous emitter's level: its band gain now, median over the band of (narrow statistic / learned level
   * × floor gain), over the calibration's ceiling, clamped to [1, maxDb]; reported when it moved by
   * 0.1 dB. The median ignores a narrower signal inside the band (under half its bins), which stays tested against
   * the envelope.
   */
  private followLevel(i: number, pre: Float64Array, half: number, floorGain: number): void {
    const w = this.watched[i];
    const ref = this.refLin;
    const r = this.ratios;
    let m = 0;
    for (let b = w.flo; b <= w.fhi; b++) {
      const v = ref[b];
      if (v > 0) r[m++] = smoothedAt(pre, this.n, half, b) / (v * floorGain);
    }
    if (m === 0) return;
    const g = Math.min(this.maxGainLin, Math.max(1, quickMedian(r, m) / w.ceilingLin));
    if (Math.abs(10 * Math.log10(g / w.gainLin)) < 0.1) return;
    w.gainLin = g;
    if (g > w.maxGainLin) w.maxGainLin = g;
    // the applied bins in up to three pieces: below the band's lower edge (folded to the top), inside, above (folded)
    const n = this.n;
    if (w.alo < 0) this.applyGain(w.alo + n, n - 1, g);
    this.applyGain(Math.max(0, w.alo), Math.min(n - 1, w.ahi), g);
    if (w.ahi > n - 1) this.applyGain(0, w.ahi - n, g);
  }

  /** Reports a gain over slow bins [lo, hi] as the Hz range they cover. */
  private applyGain(lo: number, hi: number, gainLin: number): void {
    const half = this.rateSps / this.n / 2;
    this.follow?.onGain(this.binHz(lo) - half, this.binHz(hi) + half, gainLin);
  }

  /** Absolute frequency (Hz) of a fractional bin of the slow path. */
  private binHz(b: number): number {
    return this.centerHz + (b - this.n / 2) * (this.rateSps / this.n);
  }

  /**
   * Moves a carrier's smoothed centroid toward this average's: the centroid of bin power over `thresholdLin` (the
   * occupancy threshold) across its band.
   */
  private followCentroid(w: Watched, pre: Float64Array, thresholdLin: number): void {
    let sw = 0;
    let sb = 0;
    for (let b = w.lo; b <= w.hi; b++) {
      // the raw bin power (prefix difference), not the smoothed statistic: a 3-bin kernel would bias nothing but blur
      const p = pre[b + 1] - pre[b] - thresholdLin;
      if (p <= 0) continue;
      sw += p;
      sb += p * b;
    }
    if (!(sw > 0)) return;
    const c = sb / sw;
    w.centroid = Number.isNaN(w.centroid) ? c : w.centroid + DRIFT_ALPHA * (c - w.centroid);
  }

  private endAppearance(i: number): void {
    const w = this.watched[i];
    const lifted = w.lifted;
    w.active = false;
    if (lifted) {
      w.lifted = false;
      this.switch(i, true);
    }
    this.onAppearance?.({ emitter: i, startSample: w.start, endSample: w.lastEnd, lifted });
  }

  private switch(i: number, envelopeOn: boolean): void {
    const w = this.watched[i];
    const half = this.rateSps / this.n / 2;
    this.onSwitch(this.binHz(w.lo) - half, this.binHz(w.hi) + half, envelopeOn);
  }
}
