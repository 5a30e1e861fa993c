// Cutting a band out of full-rate IQ: the plan (a standard rate on the clip-rate ladder, the rational factor, one or two
// filter stages) and the cutter (mixer, then polyphase resampling). Evidence clips (src/evidence/clip-band.ts) and
// identification's narrow clips (src/ident/features.ts) both use it; filter design and figures: docs/clip-decimation.md.
import { Mixer, PolyphaseResampler } from './resampler.js';

/**
 * Clip sample rates (S/s): 1, 1.25, 2, 2.5 and 5 × 10^k from 25 kS/s to 2.5 MS/s. 250 kS/s is rtl_433's default rate,
 * so a clip of an ISM-band device at that rate is also read by rtl_433's tools as is.
 */
export const CLIP_RATES_SPS: readonly number[] = Object.freeze([
  25e3, 50e3, 100e3, 125e3, 200e3, 250e3, 500e3, 1e6, 1.25e6, 2e6, 2.5e6,
]);

/** Band-selection settings of evidence clips. */
export interface ClipBandOptions {
  /**
   * Clip rate ≥ this × the occupied bandwidth (highHz − lowHz). Default 1.2: a detector's 200 kHz reading of a 200 kHz
   * channel (≈ 201.6 kHz: edges to ± 1 bin) still fits 250 kS/s, and the band (±rate / 2.4) lies in the flat passband.
   */
  margin: number;
  /** Lowest clip rate (S/s). Default 25 kS/s. */
  minRateSps: number;
  /** Stopband attenuation of the band filter (dB). Default 60 (below an 8-bit clip's ≈ 48 dB range). */
  attenuationDb: number;
  /**
   * Flat passband edge as a fraction of the clip rate (one-sided); ≥ 1 / (2·margin) keeps the whole band in it. Default
   * 0.42 (±0.42·rate alias-free; stopband from ±0.58·rate).
   */
  passbandFraction: number;
  /** Largest interpolation factor L of the rational resampler; beyond it an integer decimation is used. Default 512. */
  maxUp: number;
  /**
   * Largest clip rate as a fraction of the source's; a wider signal keeps the full band. Default 0.25: the cut saves at
   * least 4× on disk, and its float working copy (8 B per clip sample, 30 MB for a 7.5 s clip at 500 kS/s) stays
   * smaller than the ring's raw copy of the stretch (2 B per source sample: 36 MB at 2.4 MS/s).
   */
  maxRateFraction: number;
}

export const DEFAULT_CLIP_BAND: Readonly<ClipBandOptions> = Object.freeze({ margin: 1.2, minRateSps: 25e3, attenuationDb: 60, passbandFraction: 0.42, maxUp: 512, maxRateFraction: 0.25 });

/** Where and how a clip is cut out of the source's band. */
export interface ClipBandPlan {
  /** False: the clip keeps the source's full band (the wanted rate is not below the source's). */
  decimated: boolean;
  /** The clip's centre (`core:frequency`), Hz. */
  centerHz: number;
  /** The clip's rate (`core:sample_rate`), S/s. */
  rateSps: number;
  /** Rational factor source → clip: rate = source rate · up / down. */
  up: number;
  down: number;
  /**
   * First-stage integer decimation (1 = a single stage): the largest divisor of `down` leaving ≥ 4 × the clip rate.
   * A cheap wide-transition filter takes the source to source/preDown, then the sharp one does the rest; ≈ 4× fewer
   * multiplies than one stage for a narrow band (2 MS/s → 25 kS/s: 92 + 91 taps instead of 1811 per clip sample).
   */
  preDown: number;
  /** Flat passband edge and stopband start (Hz, one-sided, around the clip centre). */
  passbandHz: number;
  stopbandHz: number;
  attenuationDb: number;
}

const gcd = (a: number, b: number): number => {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
};

/**
 * Chooses a clip's band for a detection occupying [lowHz, highHz] in a source at `sourceRateSps` centred at
 * `sourceCenterHz`: rate = the smallest {@link CLIP_RATES_SPS} entry ≥ max(minRate, margin × (highHz − lowHz)); centre =
 * the middle of the band, rounded to 1 Hz; factor up/down = rate/source rate in lowest terms. When that needs an
 * interpolation factor above `maxUp` (an odd source rate) the rate becomes source / D with D = ⌊source / wanted⌋.
 * A rate above `maxRateFraction` × the source's keeps the full band (decimated false, factor 1/1).
 * Passband ±passbandFraction·rate, stopband from ±(1 − passbandFraction)·rate: what folds back when the rate is cut
 * lands outside the passband. `preDown`: see {@link ClipBandPlan.preDown}.
 */
export function planClipBand(sourceRateSps: number, sourceCenterHz: number, lowHz: number, highHz: number, options: Partial<ClipBandOptions> = {}): ClipBandPlan {
  const o = { ...DEFAULT_CLIP_BAND, ...options };
  const wanted = Math.max(o.minRateSps, o.margin * Math.max(0, highHz - lowHz));
  const full: ClipBandPlan = {
    decimated: false, centerHz: sourceCenterHz, rateSps: sourceRateSps, up: 1, down: 1, preDown: 1,
    passbandHz: sourceRateSps / 2, stopbandHz: sourceRateSps / 2, attenuationDb: 0,
  };
  let rate = CLIP_RATES_SPS.find((r) => r >= wanted);
  if (rate === undefined || rate > o.maxRateFraction * sourceRateSps) return full;
  const src = Math.round(sourceRateSps);
  let g = gcd(src, rate);
  let up = rate / g;
  let down = src / g;
  if (up > o.maxUp || !Number.isInteger(up)) {
    down = Math.max(1, Math.floor(sourceRateSps / wanted));
    if (down < 1 / o.maxRateFraction) return full;
    up = 1;
    rate = sourceRateSps / down;
    g = 1;
  }
  const centerHz = Math.round((lowHz + highHz) / 2);
  let preDown = 1;
  for (let d = down; d >= 2; d--) {
    if (down % d === 0 && sourceRateSps / d >= 4 * rate) {
      preDown = d;
      break;
    }
  }
  return {
    decimated: true, centerHz, rateSps: rate, up, down, preDown,
    passbandHz: Math.round(o.passbandFraction * rate), stopbandHz: Math.round((1 - o.passbandFraction) * rate), attenuationDb: o.attenuationDb,
  };
}

/** One resampler stage of a band cut (what the clip's `quietband:filter` records). */
export interface ResamplerStage {
  up: number;
  down: number;
  passbandHz: number;
  stopbandHz: number;
  /** Taps per polyphase branch and of the prototype filter. */
  tapsPerPhase: number;
  prototypeTaps: number;
}

/** Inputs converted, mixed and filtered per step (complex samples). */
const STEP_SAMPLES = 16384;
/**
 * The filter part of a band cut, for samples already in Float32: mixes by −(plan centre − source centre)
 * ({@link Mixer}) and resamples by up/down ({@link PolyphaseResampler}), in two stages when `plan.preDown` > 1 (stage 1:
 * integer decimation to mid = source / preDown ≥ 4 × rate, passband as the clip's, stopband from mid − passband, what
 * folds onto the clip's passband; stage 2: the clip's filter at mid). {@link finish} compensates the filters' group
 * delay, so output sample j is input sample j · down / up (to ± half an output sample); the output has
 * ⌊count · up / down⌋ samples. Synchronous: evidence clips' extractBand (src/evidence/clip-band.ts) yields between
 * pushes, identification runs it on its worker thread as is. Allocates the output and the step buffers once (per cut,
 * not per push).
 */
export class BandCutter {
  /** Most samples one {@link push} takes (complex). */
  static readonly maxPush = STEP_SAMPLES;
  /** The resampler stages, first to last. */
  readonly stages: ResamplerStage[];
  private readonly mixer: Mixer;
  private readonly rs1: PolyphaseResampler | null;
  private readonly rs: PolyphaseResampler;
  private readonly mid: Float32Array | null;
  private readonly stepOut: Float32Array;
  private readonly mixed: Float32Array;
  private readonly all: Float32Array;
  private readonly delay: number;
  private readonly wanted: number;
  private readonly padIn: number;
  private outN = 0;

  /**
   * @param plan the band ({@link planClipBand}); @param sourceRateSps, sourceCenterHz the input's rate and centre
   * @param count how many input samples will be pushed in all (sizes the output)
   */
  constructor(plan: ClipBandPlan, sourceRateSps: number, sourceCenterHz: number, count: number) {
    this.mixer = new Mixer(plan.centerHz - sourceCenterHz, sourceRateSps);
    const pre = plan.preDown;
    const midRate = sourceRateSps / pre;
    const rs1 = pre > 1
      ? new PolyphaseResampler({ inRateSps: sourceRateSps, up: 1, down: pre, passbandHz: plan.passbandHz, stopbandHz: midRate - plan.passbandHz, attenuationDb: plan.attenuationDb, stepSamples: STEP_SAMPLES })
      : null;
    const rs = new PolyphaseResampler({
      inRateSps: midRate, up: plan.up, down: plan.down / pre, passbandHz: plan.passbandHz, stopbandHz: plan.stopbandHz,
      attenuationDb: plan.attenuationDb, stepSamples: rs1 === null ? STEP_SAMPLES : rs1.maxOutput(STEP_SAMPLES),
    });
    this.rs1 = rs1;
    this.rs = rs;
    // group delay in output samples: stage 1's (in mid samples) carried through stage 2, plus stage 2's
    this.delay = Math.round((rs1 === null ? 0 : (rs1.delayOutSamples * plan.up * pre) / plan.down) + rs.delayOutSamples);
    this.wanted = Math.floor((count * plan.up) / plan.down);
    // the tail: enough zeros after the data for the last wanted output to leave both filters
    this.padIn = Math.ceil(((this.delay + 1) * plan.down) / plan.up) + rs.tapsPerPhase * pre + (rs1?.tapsPerPhase ?? 0);
    this.all = new Float32Array(2 * (Math.ceil(((count + this.padIn) * plan.up) / plan.down) + 2 * rs.maxOutput(STEP_SAMPLES)));
    this.mid = rs1 === null ? null : new Float32Array(2 * rs1.maxOutput(STEP_SAMPLES));
    this.stepOut = new Float32Array(2 * rs.maxOutput(this.mid === null ? STEP_SAMPLES : rs1!.maxOutput(STEP_SAMPLES)));
    this.mixed = new Float32Array(2 * STEP_SAMPLES);
    const stage = (r: PolyphaseResampler, up: number, down: number, stopbandHz: number): ResamplerStage =>
      ({ up, down, passbandHz: plan.passbandHz, stopbandHz, tapsPerPhase: r.tapsPerPhase, prototypeTaps: r.prototypeTaps });
    this.stages = [...(rs1 === null ? [] : [stage(rs1, 1, pre, midRate - plan.passbandHz)]), stage(rs, plan.up, plan.down / pre, plan.stopbandHz)];
  }

  /** Mixes and filters `n` ≤ {@link BandCutter.maxPush} interleaved I/Q samples of `iq` (not modified). */
  push(iq: Float32Array, n: number): void {
    this.mixer.process(iq, n, this.mixed);
    this.take(this.mixed, n);
  }

  /** Pushes the zero tail, and returns the output (a view of the cutter's buffer), delay-compensated. */
  finish(): { samples: Float32Array; count: number } {
    this.mixed.fill(0);
    for (let left = this.padIn; left > 0; left -= STEP_SAMPLES) this.take(this.mixed, Math.min(STEP_SAMPLES, left));
    const count = Math.max(0, Math.min(this.wanted, this.outN - this.delay));
    return { samples: this.all.subarray(2 * this.delay, 2 * (this.delay + count)), count };
  }

  private take(step: Float32Array, n: number): void {
    const rs = this.rs;
    const got = this.mid === null ? rs.process(step, n, this.stepOut) : rs.process(this.mid, this.rs1!.process(step, n, this.mid), this.stepOut);
    this.all.set(this.stepOut.subarray(0, 2 * got), 2 * this.outN);
    this.outN += got;
  }
}
