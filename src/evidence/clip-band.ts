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
  /** Linear amplitude gain applied (see {@link extractBand}); 1 for cf32. */
  gain: number;
  /** The resampler stages, first to last. */
  stages: ResamplerStage[];
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
 * 4. for integer formats, scales by gain = min(√(source rate / clip rate), 0.9 / peak): the narrower band has
 *    √(ratio) less noise amplitude, the gain puts it back at as many LSBs as the source had (quantisation to 8 bits
 *    would otherwise add noise comparable to the band's own), never past 90 % of full scale.
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
  let gain = 1;
  if (format !== 'cf32') {
    let peak = 0;
    for (let i = 0; i < 2 * outCount; i++) {
      const v = Math.abs(samples[i]!);
      if (v > peak) peak = v;
    }
    gain = Math.sqrt(sourceRateSps / plan.rateSps);
    if (peak > 0) gain = Math.min(gain, 0.9 / peak);
    for (let i = 0; i < 2 * outCount; i++) samples[i] *= gain;
  }
  return { samples, count: outCount, gain, stages: cutter.stages };
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

/** A cut clip, encoded in the source's format (the clip's `.sigmf-data`). */
export interface BandCutResult {
  data: Uint8Array;
  count: number;
  gain: number;
  stages: ResamplerStage[];
  /** Wall time of the cut (ms). */
  ms: number;
}

/** {@link extractBand} then {@link encodeSamples}: the bytes of a band-cut clip (on whichever thread runs it). */
export async function cutBand(c: BandCutInput): Promise<BandCutResult> {
  const t = performance.now();
  const x = await extractBand(c.raw, c.format, c.count, c.sourceRateSps, c.sourceCenterHz, c.plan);
  const enc = encodeSamples(c.format, x.samples, x.count);
  // a buffer of its own (small Buffers share Node's pool), so it can be transferred to another thread
  const data = enc.byteOffset === 0 && enc.byteLength === enc.buffer.byteLength ? new Uint8Array(enc.buffer, 0, enc.byteLength) : Uint8Array.from(enc);
  return { data, count: x.count, gain: x.gain, stages: x.stages, ms: performance.now() - t };
}
