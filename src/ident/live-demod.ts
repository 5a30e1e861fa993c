// Streaming demodulation of one analog channel to 16 kHz audio for live listening (docs/listening.md §2): the clip
// demodulator's chain (src/ident/audio.ts) made block by block with preallocated state, so it allocates nothing per block.
import { Mixer, PolyphaseResampler } from '../dsp/resampler.js';
import { QuietBandError } from '../errors.js';
import { AUDIO_RATE_SPS } from './audio.js';
import { ANALOG_CLASSES, type SignalClass } from './classify.js';

/** What {@link LiveDemodulator} demodulates. */
export interface LiveDemodOptions {
  /** Input rate (S/s) of the interleaved complex samples. */
  rateSps: number;
  /** Channel centre relative to the stream's centre (Hz, −rate/2 … rate/2). */
  offsetHz: number;
  /** Analog class: `nfm`, `wfm` or `am`. */
  cls: SignalClass;
  /** 99 % bandwidth of the emission (Hz): sets the channel width like {@link demodulate} does. Default: the class's least. */
  bandwidthHz?: number;
}

/**
 * Channel half-width (Hz) of a class, as the clip demodulator chooses it: am ±4 kHz; nfm ±clamp(0.55·B99, 4 k, 15 k);
 * wfm ±clamp(0.55·B99, 50 k, 120 k).
 */
export function channelHalfHz(cls: SignalClass, bandwidthHz: number): number {
  if (cls === 'am') return 4000;
  if (cls === 'nfm') return Math.min(15_000, Math.max(4000, 0.55 * bandwidthHz));
  return Math.min(120_000, Math.max(50_000, 0.55 * bandwidthHz));
}

/** Frequency deviation (Hz) that gives full-scale audio: nfm 5 kHz (the 12.5/25 kHz land-mobile maximum), wfm 75 kHz. */
export const FULL_SCALE_DEVIATION_HZ = { nfm: 5000, wfm: 75_000 } as const;

/** Phases of the audio resampler's filter table (the fractional delay is rounded to 1/PHASES of an input sample). */
const PHASES = 256;

/** Input samples mixed and decimated per step of {@link LiveDemodulator.push} (the size of its scratch buffers). */
const STEP_SAMPLES = 8192;

/** Stop-band attenuation of the channel decimator (dB): a Blackman window's, the clip demodulator's filter. */
const CHANNEL_ATTENUATION_DB = 74;

/** Audio kept for the caller to take (samples at {@link AUDIO_RATE_SPS}): 2 s. */
const OUT_CAPACITY = 2 * AUDIO_RATE_SPS;

/**
 * Demodulates one analog channel of a complex stream, block by block, to mono audio at {@link AUDIO_RATE_SPS}:
 * 1. mixer ({@link Mixer}, src/dsp/resampler.ts): the channel moved to 0 Hz by e^{−j2π·offset·n/rate}, its phase
 *    recomputed from the stream's sample count at every step;
 * 2. channel filter and decimation by D = max(1, ⌊rate / (4·half)⌋) ({@link PolyphaseResampler} by 1/D): a Kaiser
 *    windowed sinc flat to `half`, 74 dB down from r1 − half (the first alias that would fold onto the channel's edge),
 *    computed only at the kept outputs; N ≈ 4.6·D·r1/(r1 − 2·half) ≤ 9.2·D taps, so ≤ 9.2 complex multiply-adds per
 *    input sample (Kaiser's formula, Oppenheim & Schafer eq. 7.63). The channel rate is r1 = rate / D ≥ 4·half;
 * 3. demodulator at r1: FM discriminator arg(z[n]·z*[n−1])·r1/2π (Hz) divided by {@link FULL_SCALE_DEVIATION_HZ}
 *    (wfm then de-emphasised, 50 µs one-pole); AM: |z| divided by its 0.5 s mean, minus 1;
 * 4. resampler r1 → 16 kHz: Blackman windowed sinc over ±16 input samples (±16·r1/16k when r1 is above 16 kHz) with a
 *    cut-off of 3.6 kHz (am, nfm: the voice band) or 7.2 kHz (wfm), its fractional delay taken from a table of
 *    {@link PHASES} phases, each row normalised to unit DC gain;
 * 5. a 300 Hz one-pole high-pass (30 Hz for wfm), as the clip demodulator applies; samples clipped to ±1.
 * Every buffer is allocated in the constructor. Output is taken with {@link take}; at most {@link OUT_CAPACITY} samples
 * wait (older ones are overwritten and counted in {@link overwritten}).
 * @throws QuietBandError('BAD_INPUT') for a digital or unmodulated class, or an offset outside ±rate/2.
 */
export class LiveDemodulator {
  readonly audioRateSps = AUDIO_RATE_SPS;
  /** Decimation of the channel filter and the channel rate after it (S/s). */
  readonly decimation: number;
  readonly channelRateSps: number;
  /** Channel half-width (Hz). */
  readonly halfHz: number;
  /** Audio samples lost because nobody took them in time. */
  overwritten = 0;
  private readonly cls: 'am' | 'nfm' | 'wfm';
  // mixer and channel decimator (null when D = 1), and their step buffers (interleaved I/Q)
  private readonly mixer: Mixer;
  private readonly decimator: PolyphaseResampler | null;
  private readonly mixed = new Float32Array(2 * STEP_SAMPLES);
  private readonly channel: Float32Array;
  // demodulator
  private prevRe = 0;
  private prevIm = 0;
  private readonly fmScale: number;
  private readonly deemphC: number;
  private deemph = 0;
  private readonly agcC: number;
  private agc = 0;
  // resampler r1 → 16 kHz: the last 2K demodulated samples (stored twice), position of the next output
  private readonly k2: number;
  private readonly table: Float64Array;
  private readonly hist2: Float64Array;
  private hist2Pos = 0;
  /** r1 samples seen since the next output's window could first be computed, and the output instant in r1 samples. */
  private n2 = 0;
  private nextInt: number;
  private nextFrac = 0;
  private readonly stepInt: number;
  private readonly stepFrac: number;
  // high-pass and output ring
  private readonly hpC: number;
  private hpY = 0;
  private readonly out = new Float32Array(OUT_CAPACITY);
  private outHead = 0;
  private outCount = 0;

  constructor(o: LiveDemodOptions) {
    if (!ANALOG_CLASSES.includes(o.cls)) {
      throw new QuietBandError(`cannot listen to a "${o.cls}" emission: only analog classes (${ANALOG_CLASSES.join(', ')}) carry audio`, 'BAD_INPUT');
    }
    if (!(o.rateSps > 0) || !(Math.abs(o.offsetHz) < o.rateSps / 2)) {
      throw new QuietBandError(`listen: channel offset ${Math.round(o.offsetHz)} Hz is outside the stream (±${Math.round(o.rateSps / 2)} Hz at ${o.rateSps} S/s)`, 'BAD_INPUT');
    }
    this.cls = o.cls as 'am' | 'nfm' | 'wfm';
    this.halfHz = Math.min(channelHalfHz(this.cls, o.bandwidthHz ?? 0), 0.45 * o.rateSps);
    const d = Math.max(1, Math.floor(o.rateSps / (4 * this.halfHz)));
    this.decimation = d;
    const r1 = o.rateSps / d;
    this.channelRateSps = r1;
    this.mixer = new Mixer(o.offsetHz, o.rateSps);
    this.decimator = d === 1 ? null : new PolyphaseResampler({
      inRateSps: o.rateSps, up: 1, down: d, passbandHz: this.halfHz, stopbandHz: r1 - this.halfHz, attenuationDb: CHANNEL_ATTENUATION_DB, stepSamples: STEP_SAMPLES,
    });
    this.channel = new Float32Array(2 * (this.decimator?.maxOutput(STEP_SAMPLES) ?? 0));
    this.fmScale = this.cls === 'am' ? 0 : r1 / (2 * Math.PI) / FULL_SCALE_DEVIATION_HZ[this.cls];
    this.deemphC = 1 - Math.exp(-1 / (50e-6 * r1));
    this.agcC = 1 - Math.exp(-1 / (0.5 * r1));
    // resampler
    const ratio = r1 / AUDIO_RATE_SPS;
    const cutHz = this.cls === 'wfm' ? 0.45 * AUDIO_RATE_SPS : 3600;
    const fc = cutHz / r1; // cycles per input sample
    const k = Math.ceil(16 * Math.max(1, ratio));
    this.k2 = k;
    this.table = new Float64Array(PHASES * 2 * k);
    for (let p = 0; p < PHASES; p++) {
      const mu = p / PHASES;
      let norm = 0;
      for (let i = 0; i < 2 * k; i++) {
        // tap i weighs input sample c − k + 1 + i of an output at c + mu: u = mu + k − 1 − i
        const u = mu + k - 1 - i;
        const sinc = u === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * u) / (Math.PI * u);
        const win = 0.42 + 0.5 * Math.cos((Math.PI * u) / k) + 0.08 * Math.cos((2 * Math.PI * u) / k);
        const v = Math.abs(u) >= k ? 0 : sinc * win;
        this.table[p * 2 * k + i] = v;
        norm += v;
      }
      for (let i = 0; i < 2 * k; i++) this.table[p * 2 * k + i] /= norm;
    }
    this.hist2 = new Float64Array(4 * k);
    this.stepInt = Math.floor(ratio);
    this.stepFrac = ratio - this.stepInt;
    // the first output sits at r1 sample k − 1: its window [0, 2k) is then complete
    this.nextInt = k - 1;
    this.hpC = 1 - Math.exp((-2 * Math.PI * (this.cls === 'wfm' ? 30 : 300)) / AUDIO_RATE_SPS);
  }

  /** Audio samples waiting to be taken. */
  get available(): number {
    return this.outCount;
  }

  /**
   * Demodulates `count` complex samples of `iq` (interleaved I,Q) starting at complex sample `from`. Allocates nothing.
   */
  push(iq: Float32Array, from: number, count: number): void {
    const mixed = this.mixed;
    const channel = this.channel;
    const dec = this.decimator;
    for (let done = 0; done < count; ) {
      const n = Math.min(STEP_SAMPLES, count - done);
      this.mixer.process(iq, n, mixed, from + done);
      done += n;
      if (dec === null) {
        for (let i = 0; i < n; i++) this.channelSample(mixed[2 * i], mixed[2 * i + 1]);
        continue;
      }
      const m = dec.process(mixed, n, channel);
      for (let i = 0; i < m; i++) this.channelSample(channel[2 * i], channel[2 * i + 1]);
    }
  }

  /** Demodulates one channel sample and feeds the resampler. */
  private channelSample(zr: number, zi: number): void {
    let v: number;
    if (this.cls === 'am') {
      const a = Math.sqrt(zr * zr + zi * zi);
      this.agc += this.agcC * (a - this.agc);
      v = this.agc > 0 ? a / this.agc - 1 : 0;
    } else {
      const pr = zr * this.prevRe + zi * this.prevIm;
      const pi = zi * this.prevRe - zr * this.prevIm;
      v = Math.atan2(pi, pr) * this.fmScale;
      if (this.cls === 'wfm') {
        this.deemph += this.deemphC * (v - this.deemph);
        v = this.deemph;
      }
    }
    this.prevRe = zr;
    this.prevIm = zi;
    const k2 = 2 * this.k2;
    const hist = this.hist2;
    const p = this.hist2Pos;
    hist[p] = v;
    hist[p + k2] = v;
    this.hist2Pos = p + 1 === k2 ? 0 : p + 1;
    // this sample has r1 index n2; outputs whose window [c − k + 1, c + k] ends here are due
    const n = this.n2++;
    while (this.nextInt + this.k2 === n) {
      const row = Math.min(PHASES - 1, Math.round(this.nextFrac * PHASES)) * k2;
      const t = this.table;
      let acc = 0;
      for (let i = 0, j = this.hist2Pos; i < k2; i++, j++) acc += t[row + i] * hist[j];
      this.emit(acc);
      this.nextFrac += this.stepFrac;
      this.nextInt += this.stepInt;
      if (this.nextFrac >= 1) {
        this.nextFrac -= 1;
        this.nextInt += 1;
      }
    }
  }

  /** High-pass, clip and store one audio sample. */
  private emit(x: number): void {
    this.hpY += this.hpC * (x - this.hpY);
    const y = Math.max(-1, Math.min(1, x - this.hpY));
    const cap = OUT_CAPACITY;
    let idx = this.outHead + this.outCount;
    if (idx >= cap) idx -= cap;
    this.out[idx] = y;
    if (this.outCount < cap) this.outCount++;
    else {
      this.outHead = this.outHead + 1 === cap ? 0 : this.outHead + 1;
      this.overwritten++;
    }
  }

  /**
   * Moves up to `dst.length` waiting audio samples into `dst` (Float32 in [−1, 1], or Int16 PCM scaled by 32767), oldest
   * first; returns how many.
   */
  take(dst: Float32Array | Int16Array): number {
    const n = Math.min(dst.length, this.outCount);
    const scale = dst instanceof Int16Array ? 32767 : 1;
    const cap = OUT_CAPACITY;
    let j = this.outHead;
    for (let i = 0; i < n; i++) {
      dst[i] = scale === 1 ? this.out[j] : Math.round(this.out[j] * scale);
      j = j + 1 === cap ? 0 : j + 1;
    }
    this.outHead = j;
    this.outCount -= n;
    return n;
  }
}
