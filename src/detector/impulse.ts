// Impulsive noise (clicks): which broadband short frames are set aside, and which are a wideband transmission.
// docs/detector.md §7.
import { quickMedian } from '../dsp/select.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import type { PathState } from './path-state.js';

/** Broadband runs closer than this (ms) are a train: a keyed transmitter, unless it is a flat pair (see ImpulseFilter). */
export const CLICK_MIN_GAP_MS = 50;
/**
 * Noise bins the click test needs to judge "broadband" on them alone (half of them hot in one frame; noise lights
 * one bin of a short frame with a probability of the order of 10⁻⁶, so 8 of 16 never by chance); with fewer, half of
 * all tested bins must be hot.
 */
export const CLICK_MIN_NOISE_BINS = 16;
/**
 * A broadband frame is *flat* (a click's white spectrum) when its largest bin, over that bin's open threshold, stands
 * less than this (dB) over the median noise bin's: a flat spectrum's largest of a few hundred 6-degree-of-freedom
 * bins lies ≈ 6 dB over their median (the χ²₆/6 tail at 10⁻³), and the receiver's passband and a click that covers
 * part of the frame add a few dB. Measured: the site background's clicks 2–12 dB (250 kS/s and 2.4 MS/s); every
 * broadband run in `captures` and `captures-wide` 18–52 dB (a narrow pulse's carrier over its keying splatter),
 * except Mode S replies (10–15 dB: whole-band pulses, as flat as a click).
 */
export const CLICK_FLAT_DB = 15;

/**
 * A flat pair is taken for two chance clicks at most once per this many seconds: chance pairs come ≈ 0.45 times an hour
 * (180 clicks per hour), so a second one within 60 s has a chance of ≈ 0.45 · 60/3600 ≈ 0.75 % per pair (≈ 0.003 per
 * hour), while a transmitter that keys pairs of flat bursts (two per frame, frames > 50 ms apart) repeats within it.
 */
export const CLICK_PAIR_QUIET_S = 60;

/** What a short frame is to the click test: 'ok' track it, 'skip' set aside (a click), 'noOpen' overlaps a click. */
export type ImpulseVerdict = 'ok' | 'skip' | 'noOpen';

/**
 * The click test of the fast path (docs/detector.md §7). A short frame in which ≥ `bandFraction` of the noise bins are
 * hot is *broadband*. A run of broadband frames no longer than `maxFrames` (a pulse of impulseMaxMs) is a click: its
 * frames are set aside ('skip'), and the short frames and Welch average overlapping it neither open nor extend a track
 * ('noOpen'). A longer run is a wideband transmission ('ok' from its (maxFrames + 1)-th frame). A run that starts
 * within CLICK_MIN_GAP_MS of the previous click is a keyed transmitter's next burst ('ok' at once), except the second
 * run of a train when its first frame is flat (see {@link CLICK_FLAT_DB}) and no other flat pair was taken for clicks
 * in the last CLICK_PAIR_QUIET_S: two independent clicks fall that close by chance (≈ 0.45 pairs per hour at 180
 * clicks per hour), three, or two pairs within a minute, practically never (≈ 10⁻³ per hour). Allocation-free.
 */
export class ImpulseFilter {
  /** Short frames set aside as clicks, and Welch averages holding one. */
  impulsiveFrames = 0;
  impulsiveSlowFrames = 0;
  /** Runs of broadband short frames taken as clicks, plus the first run of every train that turned out a transmission. */
  impulses = 0;
  /** The sample after the last short frame set aside as a click (frames starting before it overlap the click). */
  lastImpulseEnd = -Infinity;
  private lastBroadbandEnd = -Infinity;
  /** Broadband frames in the current run (> maxFrames: a transmission). */
  private run = 0;
  /** Click runs in the current train (runs < CLICK_MIN_GAP_MS apart). */
  private trainRuns = 0;
  /** End (sample) of the last flat pair taken for clicks. */
  private lastPairEnd = -Infinity;
  private readonly scratch: Float64Array;

  private readonly gapSamples: number;
  private readonly pairQuietSamples: number;

  /**
   * @param maxFrames broadband short frames in a row that are still a click
   * @param rateSps sample rate (S/s): CLICK_MIN_GAP_MS and CLICK_PAIR_QUIET_S are counted in samples
   * @param bandFraction DetectorOptions.impulseBandFraction
   * @param bins bins of the fast path
   */
  constructor(private readonly maxFrames: number, rateSps: number, private readonly bandFraction: number, bins: number) {
    this.gapSamples = (CLICK_MIN_GAP_MS / 1000) * rateSps;
    this.pairQuietSamples = CLICK_PAIR_QUIET_S * rateSps;
    this.scratch = new Float64Array(bins);
  }

  /**
   * Judges one frame of path p whose hot bins and statistic are filled (p.hot, p.stat); `start`/`end` the samples its
   * hit stands for. Slow-path frames are only checked for overlap with a click.
   */
  judge(p: PathState, isFast: boolean, frame: SpectrumFrame, start: number, end: number): ImpulseVerdict {
    if (!isFast) {
      if (this.lastImpulseEnd < frame.firstSample) return 'ok';
      this.impulsiveSlowFrames++;
      return 'noOpen';
    }
    // broadband: hot over most of the bins where only noise was learned (an emitter's envelope lifts the threshold
    // there, so a click need not show over it); all tested bins when the band is mostly emitters
    const hot = p.hot;
    const useNoise = p.noiseBins >= CLICK_MIN_NOISE_BINS;
    const mask = useNoise ? p.noiseBin : p.guard;
    const want = useNoise ? 1 : 0;
    let count = 0;
    for (let b = 0; b < p.n; b++) if (hot[b] !== 0 && mask[b] === want) count++;
    if (count < this.bandFraction * (useNoise ? p.noiseBins : p.testable)) {
      return frame.firstSample < this.lastImpulseEnd ? 'noOpen' : 'ok';
    }
    const hop = end - start;
    if (this.lastBroadbandEnd >= end - hop - 1) this.run++;
    else {
      const inTrain = this.lastBroadbandEnd >= end - this.gapSamples;
      const previousWasClick = this.run <= this.maxFrames;
      if (!inTrain) this.trainRuns = 1;
      else if (previousWasClick && this.trainRuns === 1 && end - this.lastPairEnd > this.pairQuietSamples && this.flatDb(p, mask, want) < CLICK_FLAT_DB) {
        this.trainRuns = 2;
        this.lastPairEnd = end;
      } else this.trainRuns = 0;
      // a train's third run, or a peaked or post-transmission second one, is a keyed transmitter: tracked at once
      this.run = this.trainRuns === 0 ? this.maxFrames + 1 : 1;
      if (this.run === 1) this.impulses++;
    }
    this.lastBroadbandEnd = end;
    if (this.run > this.maxFrames) return 'ok';
    // the click lies somewhere in this frame's span: frames overlapping it may hold its tail
    this.lastImpulseEnd = frame.firstSample + frame.sampleCount;
    this.impulsiveFrames++;
    return 'skip';
  }

  /**
   * How peaked the frame is (dB): the largest statistic over its open threshold among the tested bins, over the median
   * of that ratio among the bins of `mask` equal to `want` (the noise bins). A click is flat; a narrow pulse strong
   * enough to splatter over the band peaks at its carrier, an emitter's bins stay under their own thresholds.
   */
  private flatDb(p: PathState, mask: Uint8Array, want: number): number {
    const stat = p.stat;
    const open = p.th.openLin;
    let peak = 0;
    let m = 0;
    for (let b = 0; b < p.n; b++) {
      if (p.guard[b] !== 0) continue;
      const r = stat[b] / open[b];
      if (r > peak) peak = r;
      if (mask[b] === want) this.scratch[m++] = r;
    }
    if (m === 0) return Infinity;
    return 10 * Math.log10(peak / quickMedian(this.scratch, m));
  }
}
