// The band an evidence clip keeps: the detection's occupied band × a margin at a standard rate, extracted from full-rate IQ
// (the plan and the filter: src/dsp/band-cut.ts). Filter design and measured figures: docs/clip-decimation.md.
import { BandCutter, type ClipBandPlan, type ResamplerStage } from '../dsp/band-cut.js';
import { convertSamples } from '../source/sample-formats.js';
import { encodeSamples } from './iq-ring.js';
import { BYTES_PER_COMPLEX, type SampleFormat } from '../types.js';

/** Result of {@link extractBand}. */
export interface ExtractedBand {
  /** The clip's samples, interleaved I/Q (full scale ±1 before `gain`; `gain` already applied). */
  samples: Float32Array;
  count: number;
  /** Linear amplitude gain applied (see {@link extractBand}). */
  gain: number;
  /**
   * The clip's noise power per complex sample after the gain (dBFS: a full-scale complex tone is 0 dBFS): the
   * {@link NOISE_PERCENTILE} of the mean power of {@link NOISE_BLOCK_SAMPLES}-sample blocks (all samples' mean when the
   * clip has fewer than 8 blocks). −Infinity for a clip of zeros.
   */
  noiseDbfs: number;
  /** The resampler stages, first to last. */
  stages: ResamplerStage[];
}

/**
 * The sample format of a band-cut clip: 8 bits per component (`cu8` stays `cu8`, rtl_433's format; `cs8`, `cs16` and
 * `cf32` become `cs8`, SigMF `ci8`), 2 B per complex sample, so a 2 s clip of a 200 kHz signal (250 kS/s) is 1 MB
 * (issue #17 target 4; cs16 would take 2 MB, cf32 4 MB). The gain of {@link extractBand} keeps a wider source's
 * noise {@link CLIP_NOISE_TARGET_DB} above the 8-bit quantisation noise unless a strong signal needs the headroom
 * (docs/clip-decimation.md, Level).
 */
export function clipSampleFormat(source: SampleFormat): SampleFormat {
  return source === 'cu8' ? 'cu8' : 'cs8';
}

/**
 * Quantisation noise of an 8-bit clip per complex sample (dBFS): uniform rounding noise Δ²/12 per component, Δ = one
 * LSB = 1/128 of full scale (cs8; cu8's 1/127.5 gives −49.86 dB), two components: 10·log10(2/(12·128²)) = −49.93 dB.
 * (Bennett 1948; valid while the noise spans several LSBs.)
 */
export const QUANTISATION_DBFS_8BIT = 10 * Math.log10(2 / (12 * 128 * 128));

/**
 * Where the gain puts the clip's noise (dB over {@link QUANTISATION_DBFS_8BIT}): 16.8 dB is a noise of 2 LSB rms per
 * component (2·(2/128)² = −33.1 dBFS), which leaves a signal 35 dB over that noise (0.9 of full scale) unclipped.
 */
export const CLIP_NOISE_TARGET_DB = 10 * Math.log10(2 * (2 / 128) ** 2) - QUANTISATION_DBFS_8BIT;

/** Samples per block of the clip's noise measure, and the percentile of the blocks' mean powers taken for it. */
export const NOISE_BLOCK_SAMPLES = 256;
export const NOISE_PERCENTILE = 0.1;

/** Noise power per complex sample (linear, full scale 1) of `count` interleaved samples: see {@link ExtractedBand.noiseDbfs}. */
export function clipNoisePower(samples: Float32Array, count: number): number {
  const blocks = Math.floor(count / NOISE_BLOCK_SAMPLES);
  const power = (from: number, to: number): number => {
    let s = 0;
    for (let i = 2 * from; i < 2 * to; i++) s += samples[i]! * samples[i]!;
    return s / Math.max(1, to - from);
  };
  if (blocks < 8) return power(0, count);
  const p = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) p[b] = power(b * NOISE_BLOCK_SAMPLES, (b + 1) * NOISE_BLOCK_SAMPLES);
  p.sort();
  return p[Math.floor(NOISE_PERCENTILE * (blocks - 1))]!;
}

/**
 * Work between two yields of the thread (ms): long enough that a clip needs few yields (on a paced sensor each
 * yield can wait for the next block's turn, tens of ms: yielding after every step stretched a 0.15 s cut to 6-10 s),
 * short enough that the sensor's blocks wait at most this long.
 */
const SLICE_MS = 10;
/** Inputs converted, mixed and filtered per step (complex samples): as many as one {@link BandCutter.push} takes. */
const STEP_SAMPLES = BandCutter.maxPush;

const yieldThread = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Cuts a clip's band out of `count` full-rate samples of `raw` (encoded in `format`, as the evidence ring holds them):
 * 1. removes the mean I/Q of the whole stretch (the receiver's DC offset: it would otherwise land inside the clip's
 *    band as a tone at sourceCenter − clipCenter);
 * 2. mixes by −(clip centre − source centre) and resamples by up/down ({@link BandCutter}: mixer, polyphase
 *    resampler), in two stages when `plan.preDown` > 1;
 * 3. compensates the filters' group delay, so clip sample j is source sample j · down / up (to ± half a clip sample);
 *    the output has ⌊count · up / down⌋ samples;
 * 4. scales for the clip's 8-bit format ({@link clipSampleFormat}) by gain = min(g_noise, 0.9 / peak), never past 90 %
 *    of full scale; a clip of zeros keeps gain 1. The narrower band has √(source rate / clip rate) less noise amplitude:
 *    - 8-bit sources (cu8, cs8): g_noise = √(source rate / clip rate) puts the noise back at as many LSBs as the
 *      source had, so the clip's quantisation margin is the receiver's own;
 *    - cs16 and cf32 sources, whose noise can lie far below an 8-bit LSB: g_noise puts the clip's noise
 *      ({@link clipNoisePower}) at {@link CLIP_NOISE_TARGET_DB} over the 8-bit quantisation noise.
 * Works in steps of {@link STEP_SAMPLES}, in both passes (the mean's and the filter's) yielding the thread every
 * {@link SLICE_MS} of work, so a sensor's blocks keep flowing and, on the evidence thread, an identification goes ahead.
 * Allocates the output and one step buffer per call (per clip, not per block).
 */
export async function extractBand(raw: Uint8Array, format: SampleFormat, count: number, sourceRateSps: number, sourceCenterHz: number, plan: ClipBandPlan): Promise<ExtractedBand> {
  const bps = BYTES_PER_COMPLEX[format];
  const step = new Float32Array(2 * STEP_SAMPLES);
  let sliceStart = performance.now();
  let mI = 0;
  let mQ = 0;
  // the mean's pass yields too: unsliced, it held the thread for all of a clip (a 9 s clip at 1 MS/s: 126–240 ms at
  // load 6, longer on a starved thread), and an identification posted meanwhile waited for it
  for (let done = 0; done < count; done += STEP_SAMPLES) {
    const n = Math.min(STEP_SAMPLES, count - done);
    convertSamples(format, raw, step, n, done * bps);
    for (let i = 0; i < n; i++) {
      mI += step[2 * i]!;
      mQ += step[2 * i + 1]!;
    }
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldThread();
      sliceStart = performance.now();
    }
  }
  mI /= Math.max(1, count);
  mQ /= Math.max(1, count);
  const cutter = new BandCutter(plan, sourceRateSps, sourceCenterHz, count);
  for (let done = 0; done < count; done += STEP_SAMPLES) {
    const n = Math.min(STEP_SAMPLES, count - done);
    convertSamples(format, raw, step, n, done * bps);
    for (let i = 0; i < n; i++) {
      step[2 * i] -= mI;
      step[2 * i + 1] -= mQ;
    }
    cutter.push(step, n);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldThread();
      sliceStart = performance.now();
    }
  }
  const { samples, count: outCount } = cutter.finish();
  let peak = 0;
  for (let i = 0; i < 2 * outCount; i++) {
    const v = Math.abs(samples[i]!);
    if (v > peak) peak = v;
  }
  const noise = clipNoisePower(samples, outCount);
  let gain = 1;
  if (noise > 0 && peak > 0) {
    // an 8-bit source: its noise back at as many LSBs as the source had; a wider one: the noise at the target
    const target = 10 ** ((QUANTISATION_DBFS_8BIT + CLIP_NOISE_TARGET_DB) / 10);
    const noiseGain = BYTES_PER_COMPLEX[format] === 2 ? Math.sqrt(sourceRateSps / plan.rateSps) : Math.sqrt(target / noise);
    gain = Math.min(noiseGain, 0.9 / peak);
    for (let i = 0; i < 2 * outCount; i++) samples[i] *= gain;
  }
  return { samples, count: outCount, gain, noiseDbfs: 10 * Math.log10(noise * gain * gain), stages: cutter.stages };
}

/** What {@link cutBand} needs: a stretch of full-rate samples as the evidence ring holds them, and the plan. */
export interface BandCutInput {
  raw: Uint8Array;
  format: SampleFormat;
  count: number;
  sourceRateSps: number;
  sourceCenterHz: number;
  plan: ClipBandPlan;
}

/** A cut clip, encoded in {@link clipSampleFormat} of the source's (the clip's `.sigmf-data`). */
export interface BandCutResult {
  data: Uint8Array;
  /** The clip's sample format ({@link clipSampleFormat}). */
  format: SampleFormat;
  count: number;
  gain: number;
  /** {@link ExtractedBand.noiseDbfs}. */
  noiseDbfs: number;
  stages: ResamplerStage[];
  /** Wall time of the cut (ms). */
  ms: number;
}

/** {@link extractBand} then {@link encodeSamples}: the bytes of a band-cut clip (on whichever thread runs it). */
export async function cutBand(c: BandCutInput): Promise<BandCutResult> {
  const t = performance.now();
  const x = await extractBand(c.raw, c.format, c.count, c.sourceRateSps, c.sourceCenterHz, c.plan);
  const format = clipSampleFormat(c.format);
  const enc = encodeSamples(format, x.samples, x.count);
  // a buffer of its own (small Buffers share Node's pool), so it can be transferred to another thread
  const data = enc.byteOffset === 0 && enc.byteLength === enc.buffer.byteLength ? new Uint8Array(enc.buffer, 0, enc.byteLength) : Uint8Array.from(enc);
  return { data, format, count: x.count, gain: x.gain, noiseDbfs: x.noiseDbfs, stages: x.stages, ms: performance.now() - t };
}
