// ADC overload (clipping) policy shared by replay and the live daemon: when a block is clipping, and what a pass says about it.
import type { ErrorMessageCode } from '../error-text.js';

/**
 * Share of raw values at the ADC rails above which a block is clipping: 0.05 (5 %). Raw values are I and Q counted
 * separately; the rails are 0/255 (cu8), −128/127 (cs8), −32768/32767 (cs16); cf32 has none (sample-formats.ts).
 * The one default of the detector's `overloadClipFraction` (detections flagged `overload`), the site config's
 * `overload.clipFraction` (the live overload alert) and the replay summary's verdict. An 8-bit front end goes from clean
 * to clipping within 3–5 dB of gain, and clipping spreads intermodulation over the whole span (docs/field-notes.md §5).
 */
export const OVERLOAD_CLIP_FRACTION = 0.05;

/**
 * True when a block (or frame, or health report) with `clipFraction` of its raw values at the rails is clipping:
 * clipFraction > threshold. The one test replay and live apply.
 * @param clipFraction 0..1, as IqBlock.clipFraction.
 * @param threshold 0..1, default {@link OVERLOAD_CLIP_FRACTION}.
 */
export function isClipping(clipFraction: number, threshold: number = OVERLOAD_CLIP_FRACTION): boolean {
  return clipFraction > threshold;
}

/** What a pass over a stream saw of clipping ({@link ClipMeter.summary}). */
export interface ClipSummary {
  /** Share of raw values at the rails over every sample read (0..1). */
  clipFraction: number;
  /** Largest clip fraction of one source block (0..1); file blocks are 65536 samples. */
  maxBlockClipFraction: number;
  /** Seconds of signal in blocks that were clipping ({@link isClipping}). */
  overloadS: number;
  /** The threshold used (share of raw values). */
  overloadClipFraction: number;
  /** True when any block was clipping: detections from those blocks carry `overload: true`. */
  overloaded: boolean;
}

/**
 * Accumulates block clip fractions over a pass: the overall fraction (weighted by samples), the largest block's, and
 * the samples in clipping blocks. `add` allocates nothing (called once per block).
 */
export class ClipMeter {
  private samples = 0;
  /** Σ clipFraction · count: raw values at the rails / 2. */
  private railSamples = 0;
  private maxBlock = 0;
  private clippingSamples = 0;

  /** @param threshold share of raw values above which a block is clipping (default {@link OVERLOAD_CLIP_FRACTION}). */
  constructor(readonly threshold: number = OVERLOAD_CLIP_FRACTION) {}

  /** Adds one block of `count` complex samples with `clipFraction` of its raw values at the rails. */
  add(clipFraction: number, count: number): void {
    if (!(count > 0)) return;
    this.samples += count;
    this.railSamples += clipFraction * count;
    if (clipFraction > this.maxBlock) this.maxBlock = clipFraction;
    if (isClipping(clipFraction, this.threshold)) this.clippingSamples += count;
  }

  /** Largest block clip fraction so far. */
  get maxBlockClipFraction(): number {
    return this.maxBlock;
  }

  /** The summary for a stream at `rateSps` (S/s). */
  summary(rateSps: number): ClipSummary {
    return {
      clipFraction: this.samples > 0 ? this.railSamples / this.samples : 0,
      maxBlockClipFraction: this.maxBlock,
      overloadS: this.clippingSamples / rateSps,
      overloadClipFraction: this.threshold,
      overloaded: this.clippingSamples > 0,
    };
  }
}

/**
 * The code of the sentence a person reads when a recording was clipping (src/error-text.ts `warn.clipped`), in English
 * "recording is clipped (ADC overload): 46.4 % of raw values at the rails overall, up to 46.5 % in one block, 6.00 s of
 * 6.00 s above 5.0 %; detections are unreliable: …; record again with less gain". A log record carrying it as its
 * `messageCode` reads in the terminal's language (src/log.ts).
 * @param durationS length of the pass (s), to put the clipped seconds in proportion.
 * @param of what the clipping makes unreliable: the replay's detections (default) or a baseline learned from it.
 */
export function overloadWarningCode(s: ClipSummary, durationS: number, of: 'detections' | 'baseline' = 'detections'): ErrorMessageCode {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  return {
    id: 'warn.clipped',
    params: {
      pct: pct(s.clipFraction), maxPct: pct(s.maxBlockClipFraction), clippingS: s.overloadS.toFixed(2), durationS: durationS.toFixed(2),
      limitPct: pct(s.overloadClipFraction), consequence: of === 'baseline' ? 'warn.clippedBaseline' : 'warn.clippedDetections',
    },
  };
}
