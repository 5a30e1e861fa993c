// Learns a Baseline from spectrum frames with per-bin dB histograms (constant memory for any recording length).
import type { Baseline, BaselineFingerprint, BaselinePath } from './baseline.js';
import type { ShortFrameSelector, SpectrumFrame } from '../spectrum/frames.js';
import { FrequencySmoother } from '../spectrum/statistic.js';
import { DB_PER_OCTAVE, FAST_DB_TABLE, fastDb } from '../dsp/fast-db.js';
import { createNativeLearnerKernel, type NativeLearnerKernel } from '../dsp/native-frame.js';
import { LOWER_HI, LOWER_LO, type NoiseShape, type NoiseShapes } from './noise-shape.js';
import { OccupancyTracker } from './emitters.js';
import { quickMedian } from '../dsp/select.js';

const HIST_MIN_DB = -160;
const HIST_MAX_DB = 130;
/** Percentile used as the level of background-band bins (envelope of the site's infrastructure traffic). */
const ENVELOPE_PERCENTILE = 0.995;

/**
 * Per-bin histogram of a dB statistic. Resolution 0.25 dB (1 dB for FFT sizes above 8192, to bound memory:
 * 8192 bins × 1160 cells × 4 B ≈ 38 MB per path). Cell-major layout (`counts[cell · bins + bin]`): a frame's
 * neighbouring bins mostly fall in the same or nearby cells, so its increments touch a few cache lines instead of one
 * per bin (the learn pass was bound by those misses).
 */
class BinHistogram {
  readonly bins: number;
  readonly cells: number;
  readonly stepDb: number;
  readonly counts: Uint32Array;
  frames = 0;
  constructor(bins: number) {
    this.bins = bins;
    this.stepDb = bins > 8192 ? 1 : 0.25;
    this.cells = Math.ceil((HIST_MAX_DB - HIST_MIN_DB) / this.stepDb);
    this.counts = new Uint32Array(bins * this.cells);
  }
  add(stat: Float32Array): void {
    const cells = this.cells;
    const bins = this.bins;
    const inv = 1 / this.stepDb;
    const c = this.counts;
    for (let b = 0; b < this.bins; b++) {
      const db = fastDb(stat[b]);
      let idx = Math.floor((db - HIST_MIN_DB) * inv);
      if (!(idx >= 0)) idx = 0;
      else if (idx >= cells) idx = cells - 1;
      c[idx * bins + b]++;
    }
    this.frames++;
  }
  /** Percentile q (0..1) of bin b in dB (cell centre). */
  percentile(b: number, q: number): number {
    const cells = this.cells;
    const bins = this.bins;
    const target = q * this.frames;
    let acc = 0;
    for (let i = 0; i < cells; i++) {
      acc += this.counts[i * bins + b];
      if (acc >= target && acc > 0) return HIST_MIN_DB + (i + 0.5) * this.stepDb;
    }
    return HIST_MIN_DB + (cells - 0.5) * this.stepDb;
  }
  /**
   * Percentiles `qs` (0..1, ascending) of every bin, `out[k][b]` the value {@link percentile}(b, qs[k]) gives, in one
   * pass over the cells in memory order (a cell's row holds every bin's count side by side) that stops once every bin
   * has passed its last percentile: a scan per bin and percentile strides over the whole table (bins × 4 bytes per
   * step), a cache miss per cell, and took a tenth of a short replay's CPU.
   */
  percentilesOfAll(qs: readonly number[], out: readonly Float64Array[]): void {
    const bins = this.bins;
    const c = this.counts;
    const nq = qs.length;
    const targets = qs.map((q) => q * this.frames);
    const acc = new Float64Array(bins);
    const next = new Uint8Array(bins); // index of the next percentile each bin has to reach
    let pending = bins;
    for (let i = 0; i < this.cells && pending > 0; i++) {
      const row = i * bins;
      const db = HIST_MIN_DB + (i + 0.5) * this.stepDb;
      for (let b = 0; b < bins; b++) {
        let k = next[b]!;
        if (k === nq) continue;
        const a = (acc[b]! += c[row + b]!);
        if (a === 0) continue;
        while (k < nq && a >= targets[k]!) {
          out[k]![b] = db;
          k++;
        }
        if (k === nq) pending--;
        next[b] = k;
      }
    }
    const last = HIST_MIN_DB + (this.cells - 0.5) * this.stepDb;
    for (let b = 0; b < bins; b++) for (let k = next[b]!; k < nq; k++) out[k]![b] = last;
  }
}

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/**
 * Robust level and spread from a histogram, using only each bin's LOWER quantiles, which stay on the quiet part of its
 * history even when bursts occupy the bin (and, in a clipped recording, every bin) for up to ~85 % of the time
 * (the Cardin remote keeps a 27 MHz file loud for more than 75 % of its 1 ms frames).
 *
 * Model: the bin's dB statistic is X_b = μ_b + r_b·Z, where Z is the statistic's distribution under noise, whose
 * shape (`NoiseShape`: where the median and σ sit relative to the P02–P10 spacing) is measured by simulating the exact
 * spectrum settings (noise-shape.ts). L = median over bins of (P10 − P02) is the noise spacing; a bin's scale is
 * r_b = max(1, (P10_b − P02_b)/L) — above 1 for a continuously modulated carrier (GSM), whose short-time PSD swings
 * far more than noise. Then μ_b = P10_b + medianOverLower·r_b·L, level_b = min(P50_b, μ_b) (a steady carrier keeps its
 * own median) and spread_b = sigmaOverLower·r_b·L. With `perBinSpread` (a dedicated quiet calibration) a bin's own
 * P50 − P16 is used where it is larger. Background-band bins (envelope mask) take their 99.5th percentile as level.
 * In the spirit of rtl_433's noise estimate from idle periods (rtl_433 PR#241) and radiosonde_auto_rx's
 * median-of-scan threshold (#870), made per bin and per path.
 */
function finishPath(
  h: BinHistogram, shape: NoiseShape, perBinSpread: boolean, envelope: Uint8Array | undefined, occupied: EnvelopeMode,
): BaselinePath {
  const n = h.bins;
  const levelDb = new Float32Array(n);
  const spreadDb = new Float32Array(n);
  if (h.frames < 4) {
    levelDb.fill(NaN);
    spreadDb.fill(NaN);
    return { levelDb, spreadDb, frames: h.frames };
  }
  const p05 = new Float64Array(n);
  const p16 = new Float64Array(n);
  const p25 = new Float64Array(n);
  const p50 = new Float64Array(n);
  const lower = new Float64Array(n);
  h.percentilesOfAll([LOWER_LO, LOWER_HI, 0.16, 0.5], [p05, p25, p16, p50]);
  for (let b = 0; b < n; b++) lower[b] = p25[b] - p05[b];
  const L = Math.max(median(lower), h.stepDb);
  for (let b = 0; b < n; b++) {
    const r = Math.max(1, lower[b] / L);
    const mu = p25[b] + shape.medianOverLower * r * L;
    levelDb[b] = Math.min(p50[b], mu);
    const sigma = Math.max(shape.sigmaOverLower * r * L, h.stepDb);
    spreadDb[b] = perBinSpread ? Math.max(sigma, p50[b] - p16[b]) : sigma;
    if (envelope && envelope[b]) levelDb[b] = Math.max(levelDb[b], h.percentile(b, ENVELOPE_PERCENTILE));
  }
  const out: BaselinePath = { levelDb, spreadDb, frames: h.frames };
  if (occupied === 'calibration') out.envelopeDb = occupiedEnvelope(h, levelDb);
  return out;
}

/**
 * Whether the baseline gets an occupied-band envelope: 'calibration' (a dedicated calibration, a warm-up or a replay's
 * learning window: everything heard there is background) or 'none' (a recording learned from itself, whose
 * transmissions are what is looked for: only the noise model).
 */
export type EnvelopeMode = 'calibration' | 'none';

/** Envelope quantile: the value at most max(1, ENVELOPE_TAIL · frames) learned frames exceeded. */
const ENVELOPE_TAIL = 1e-4;

/**
 * The occupied-band envelope of each bin (dB; NaN for a path without frames): the level that only the top
 * max(1, 10⁻⁴·frames) of its learned frames exceeded (the upper edge of that histogram cell). Over plain noise it stays
 * under the detector's noise thresholds, so it only matters where an emitter was on. docs/detector.md §2.
 */
function occupiedEnvelope(h: BinHistogram, levelDb: Float32Array): Float32Array {
  const n = h.bins;
  const env = new Float32Array(n).fill(NaN);
  const keep = Math.max(1, Math.floor(ENVELOPE_TAIL * h.frames));
  // from the top cell down, a row of cells (every bin side by side) at a time: see BinHistogram.percentilesOfAll
  const acc = new Float64Array(n);
  const open = new Uint8Array(n);
  let pending = 0;
  for (let b = 0; b < n; b++) {
    if (Number.isFinite(levelDb[b])) {
      open[b] = 1;
      pending++;
    }
  }
  for (let i = h.cells - 1; i >= 0 && pending > 0; i--) {
    const row = i * n;
    for (let b = 0; b < n; b++) {
      if (open[b] === 0) continue;
      acc[b] += h.counts[row + b]!;
      if (acc[b]! > keep) {
        env[b] = Math.max(levelDb[b]!, HIST_MIN_DB + (i + 1) * h.stepDb);
        open[b] = 0;
        pending--;
      }
    }
  }
  return env;
}

/**
 * Tracks the noise floor of frames (median bin power, dB) and flags frames whose floor is depressed, i.e. more than
 * DEPRESSED_FLOOR_DB below the running median of frame floors: while a strong
 * burst drives an 8-bit front end into clipping, the limiter/AGC lowers everything else by 20–30 dB (seen in the
 * generic_remote and ambient_weather captures). Such frames sit at the bottom of every bin's history and would drag
 * the lower quantiles — and so the baseline — far below the real noise level.
 */
class FloorGate {
  private readonly hist = new Uint32Array(HIST_CELLS_FLOOR);
  private count = 0;
  private readonly scratch: Float32Array;
  /** Frames left out with a depressed floor (limiter capture). */
  skipped = 0;
  /** Frames left out with a raised floor (broadband clicks, impulsive noise: more than half the band lifted). */
  raised = 0;
  /** Median bin power (linear) of the last frame given to {@link accept}. */
  lastMedian = 0;
  constructor(n: number, private readonly depressedDb: number, private readonly raisedDb: number) {
    this.scratch = new Float32Array(n);
  }
  /** True when the frame may be learned from. */
  accept(power: Float32Array): boolean {
    const s = this.scratch;
    s.set(power);
    this.lastMedian = quickMedian(s);
    return this.acceptMedian(this.lastMedian);
  }

  /** {@link accept} with the frame's median bin power (linear) already known. */
  acceptMedian(medianPower: number): boolean {
    const db = fastDb(medianPower);
    let idx = Math.floor(db - HIST_MIN_DB);
    if (idx < 0) idx = 0;
    else if (idx >= HIST_CELLS_FLOOR) idx = HIST_CELLS_FLOOR - 1;
    let ok = true;
    if (this.count >= 16) {
      let acc = 0;
      let med = 0; // the running median of frame floors
      for (let i = 0; i < HIST_CELLS_FLOOR; i++) {
        acc += this.hist[i];
        if (2 * acc >= this.count) {
          med = i;
          break;
        }
      }
      if (idx < med - this.depressedDb) {
        ok = false;
        this.skipped++;
      } else if (idx > med + this.raisedDb) {
        ok = false;
        this.raised++;
      }
    }
    this.hist[idx]++;
    this.count++;
    return ok;
  }
}

const HIST_CELLS_FLOOR = HIST_MAX_DB - HIST_MIN_DB;
/** Frames whose noise floor is this far below the running median floor are not learned from (noise frames: the median of N bins varies by ≈ 0.5 dB). */
export const DEPRESSED_FLOOR_DB = 3;
/**
 * Frames whose noise floor (median bin power) is this far above the running median floor are not learned from: a
 * broadband click or an impulsive burst lifts more than half the band, and would give every bin an envelope.
 */
export const RAISED_FLOOR_DB = 3;

/**
 * The fast path learns from every second short frame (with 50 % overlap those are disjoint) until this many frames
 * are learned — all of a short recording — and then from about {@link THINNED_FRAMES_PER_S} frames per second of
 * signal: consecutive disjoint frames of noise are already independent, so at 2.4 MS/s (18 750 short frames/s) a
 * 10 s warm-up still gives each bin's lower quantiles 4 000 + 16 000 samples, at a quarter of the cost (the histogram
 * increments, scattered over megabytes, dominated the learn pass).
 */
const FULL_RATE_FRAMES = 4000;
/** Unoccupied gap (Hz) that may separate two parts of one calibration emitter (as the detector's gapHz). */
const EMITTER_GAP_HZ = 2500;
/** Learned short frames per second of signal after {@link FULL_RATE_FRAMES}. */
const THINNED_FRAMES_PER_S = 2000;

/** Accumulates frames of both paths at both kernel widths and produces a {@link Baseline}. Allocation-free per frame. */
export class BaselineLearner {
  private readonly fast: BinHistogram;
  private readonly slow: BinHistogram;
  private readonly fastWide: BinHistogram;
  private readonly slowWide: BinHistogram;
  private readonly narrow: FrequencySmoother;
  private readonly wide: FrequencySmoother;
  private readonly fastNarrow: FrequencySmoother;
  private readonly fastWideK: FrequencySmoother;
  private readonly stat: Float32Array;
  private readonly fastStat: Float32Array;
  private readonly fastGate: FloorGate;
  private readonly slowGate: FloorGate;
  private readonly occupancy: OccupancyTracker;
  private firstSample = -1;
  private shortSeen = 0;
  private passedOver = 0;
  /** Short frames per learned frame once FULL_RATE_FRAMES are learned (≥ 2: ≈ THINNED_FRAMES_PER_S per second of signal). */
  private readonly thinEvery: number;
  /** The native learner kernel and the fast engine's prefix array it is bound to. */
  private native: NativeLearnerKernel | null = null;
  private nativePrefix: Float64Array | null = null;
  private lastSample = 0;
  private rateSps = 0;
  /**
   * @param envelope optional per-bin masks (fftshifted, fast and slow resolution) of background-band bins: 1 = their
   *   level is the 99.5th percentile of the bin (see band-plan.ts `backgroundBins`).
   */
  constructor(
    private readonly fingerprint: BaselineFingerprint,
    private readonly shapes: NoiseShapes,
    private readonly envelope?: { fast: Uint8Array; slow: Uint8Array },
  ) {
    const n = fingerprint.fftSize;
    const nf = fingerprint.fastFftSize;
    const shortPerS = fingerprint.rateSps / (nf / 2);
    this.thinEvery = Number.isFinite(shortPerS) ? Math.max(2, Math.floor(shortPerS / THINNED_FRAMES_PER_S)) : 2;
    this.fast = new BinHistogram(nf);
    this.slow = new BinHistogram(n);
    this.fastWide = new BinHistogram(nf);
    this.slowWide = new BinHistogram(n);
    this.fastNarrow = new FrequencySmoother(nf, fingerprint.smoothBins);
    this.fastWideK = new FrequencySmoother(nf, fingerprint.fastWideBins);
    this.narrow = new FrequencySmoother(n, fingerprint.smoothBins);
    this.wide = new FrequencySmoother(n, fingerprint.wideBins);
    this.stat = new Float32Array(n);
    this.fastStat = new Float32Array(nf);
    this.fastGate = new FloorGate(nf, DEPRESSED_FLOOR_DB, RAISED_FLOOR_DB);
    this.slowGate = new FloorGate(n, DEPRESSED_FLOOR_DB, RAISED_FLOOR_DB);
    this.occupancy = new OccupancyTracker(n);
  }
  /** Frames left out because their noise floor was depressed (fast, slow). */
  get skippedFrames(): { fast: number; slow: number } {
    return { fast: this.fastGate.skipped, slow: this.slowGate.skipped };
  }
  /** Frames left out because their noise floor was raised: broadband clicks, impulsive noise (fast, slow). */
  get impulsiveFrames(): { fast: number; slow: number } {
    return { fast: this.fastGate.raised, slow: this.slowGate.raised };
  }
  /** Frames learned so far (short, slow). */
  get frames(): { fast: number; slow: number } {
    return { fast: this.fast.frames, slow: this.slow.frames };
  }
  /**
   * The short frames {@link addShort} will look at, for a native engine to pass over the others without computing them
   * ({@link SpectrumEngine.setSelector}): the same frames are learned either way.
   */
  readonly shortSelector: ShortFrameSelector = {
    framesToSkip: () => {
      const every = this.learnEvery();
      const r = this.shortSeen % every;
      return r === 0 ? 0 : every - r;
    },
    onSkipped: (count, firstSample, hop, fftSize) => {
      if (this.firstSample < 0) this.firstSample = firstSample;
      this.lastSample = firstSample + (count - 1) * hop + fftSize;
      this.shortSeen += count;
      this.passedOver += count;
    },
  };

  /** Short frames per learned one now: 2 until FULL_RATE_FRAMES are learned, then {@link thinEvery}. */
  private learnEvery(): number {
    return this.fast.frames < FULL_RATE_FRAMES ? 2 : this.thinEvery;
  }

  /** Short frames a native engine passed over for {@link shortSelector} (never computed, never given to addShort). */
  get shortFramesPassedOver(): number {
    return this.passedOver;
  }

  /**
   * Learns from every second short frame (with 50 % overlap those are disjoint; the frames in between carry little
   * new information about the per-bin distribution), thinned further after FULL_RATE_FRAMES (see there).
   */
  addShort(frame: SpectrumFrame): void {
    if (this.firstSample < 0) this.firstSample = frame.firstSample;
    this.lastSample = frame.firstSample + frame.sampleCount;
    this.rateSps = frame.rateSps;
    if (this.shortSeen++ % this.learnEvery() !== 0) return;
    const pre = frame.prefix;
    if (pre !== undefined && pre.length === this.fast.bins + 1 && this.fastNarrow.half >= 1 && this.fastWideK.half >= this.fastNarrow.half) {
      // the addon when it is built: the same median, statistics and histogram cells as the JS below
      if (this.nativePrefix !== pre) {
        this.nativePrefix = pre;
        this.native = createNativeLearnerKernel(this.fast.bins, this.fastNarrow.half, this.fastWideK.half, this.fast.cells,
          this.fast.stepDb, HIST_MIN_DB, FAST_DB_TABLE, this.fast.counts, this.fastWide.counts, pre, DB_PER_OCTAVE);
      }
      const k = this.native;
      if (k !== null) {
        if (!this.fastGate.acceptMedian(k.median(frame.power))) return;
        k.add();
        this.fast.frames++;
        this.fastWide.frames++;
        return;
      }
    }
    if (!this.fastGate.accept(frame.power)) return;
    this.fastNarrow.apply(frame.power, this.fastStat);
    this.fast.add(this.fastStat);
    this.fastWideK.apply(frame.power, this.fastStat);
    this.fastWide.add(this.fastStat);
  }
  /** Learns from a Welch average (every one whose floor is neither depressed nor raised), and its occupancy. */
  addSlow(frame: SpectrumFrame): void {
    if (!this.slowGate.accept(frame.power)) return;
    this.narrow.apply(frame.power, this.stat);
    this.slow.add(this.stat);
    const rate = frame.rateSps;
    if (rate > 0) this.occupancy.add(this.stat, this.slowGate.lastMedian, frame.firstSample / rate, frame.sampleCount / rate);
    this.wide.apply(frame.power, this.stat);
    this.slowWide.add(this.stat);
  }
  /**
   * Builds the baseline. `method` 'calibrate' uses per-bin spreads (see finishPath). `occupied` says
   * whether the baseline gets an occupied-band envelope (see {@link EnvelopeMode}); default: 'none' for 'auto', else
   * 'calibration'.
   */
  finish(method: Baseline['method'], occupied: EnvelopeMode = method === 'auto' ? 'none' : 'calibration'): Baseline {
    const perBin = method === 'calibrate';
    const env = this.envelope;
    const fp = this.fingerprint;
    return {
      fingerprint: { ...fp },
      fast: finishPath(this.fast, this.shapes.fast, perBin, env?.fast, occupied),
      slow: finishPath(this.slow, this.shapes.slow, perBin, env?.slow, occupied),
      fastWide: finishPath(this.fastWide, this.shapes.fastWide, perBin, env?.fast, occupied),
      slowWide: finishPath(this.slowWide, this.shapes.slowWide, perBin, env?.slow, occupied),
      emitters: this.occupancy.emitters(fp, Math.max(2, Math.round(EMITTER_GAP_HZ / (fp.rateSps / fp.fftSize)))),
      envelope: occupied,
      createdAt: new Date().toISOString(),
      durationS: this.rateSps > 0 && this.firstSample >= 0 ? (this.lastSample - this.firstSample) / this.rateSps : 0,
      method,
    };
  }
}
