// Identification of finished detections from a bounded ring of the stream's IQ (replay; docs/identification.md §8).
import { join } from 'node:path';
import type { DetectionEvent, IqBlock, IqSource, IqSourceInfo } from '../types.js';
import { demodulate, writeWav } from './audio.js';
import { identify, type Identification } from './classify.js';
import { expectation } from './band-expectation.js';
import type { IdentInput } from './features.js';
import { signalReason } from './reasons.js';
import { DEFAULT_BLOCK_SAMPLES } from '../source/file-source.js';
import { SampleRing } from '../dsp/sample-ring.js';
import { audioClassOf } from '../text-template.js';

/** Settings of {@link DetectionIdentifier}. */
export interface DetectionIdentOptions {
  /**
   * Seconds of IQ kept (the ring; at least {@link MIN_RING_SAMPLES}): a detection closing later than this after its
   * start is analysed from its last part. Default 1 (19 MB at 2.4 MS/s; larger rings cost the detection pass cache misses).
   */
  ringS: number;
  /** Longest stretch of a detection analysed (s), from its start. Default 0.5. */
  maxAnalysisS: number;
  /** Noise margin kept before and after the detection (s). Default 0.01. */
  marginS: number;
  /**
   * Seconds of the stream before the detection (ending {@link NOISE_GUARD_S} before its start less the margin) handed
   * to the identification as its noise reference (`IdentInput.noise`): a band-cut evidence clip's pre-roll, where the
   * floor of an emission that fills its clip is measured (docs/identification.md §2). 0 = none. Default 0; `quietband
   * replay` of a band-cut clip (`quietband:dc_free`) sets {@link CLIP_PRE_ROLL_NOISE_S}.
   */
  noiseS: number;
  /** Folder for one WAV per analog detection (`det-<id>-<class>.wav`; `det-<id>-closest-<class>.wav` for an `unknown` whose closest class is analog); undefined = no audio. With it, ringS defaults to {@link AUDIO_RING_S}. */
  audioDir?: string;
}

export const DEFAULT_DETECTION_IDENT = Object.freeze({ ringS: 1, maxAnalysisS: 0.5, marginS: 0.01, noiseS: 0 });

/**
 * Noise reference read from a band-cut clip's pre-roll (s): 0.5 s, 12 500 samples at 25 kS/s, ≥ 100 Welch frames at the
 * FFT sizes an emission filling such a clip gets (≤ 256); the clip's pre-roll is ≥ 1 s (evidence.preS).
 */
export const CLIP_PRE_ROLL_NOISE_S = 0.5;

/**
 * Gap (s) left between the noise reference and the detection's start less the margin: a detector's start lies within
 * ≈ 20 ms of the emission's (test/evidence/clip-band.test.ts), so 50 ms keeps the emission's first part out.
 */
export const NOISE_GUARD_S = 0.05;

/** Fewest samples the ring holds: two file-source blocks (src/source/file-source.ts DEFAULT_BLOCK_SAMPLES). */
export const MIN_RING_SAMPLES = 2 * DEFAULT_BLOCK_SAMPLES;

/** Ring length (s) when WAVs are written: the longest transmission heard whole (115 MB at 2.4 MS/s). */
export const AUDIO_RING_S = 6;

/** The `signal` object of a replay line: the class, the confidence, the features a supervisor reads, and why. */
export type SignalSummary = Record<string, unknown>;

const r = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * The `signal` object for an identification (frequencies to 1 Hz, durations to 1 µs, ratios to 0.001); `closestClass`
 * right after `class` when the identification named none (its best class below the class floor).
 */
export function signalSummary(id: Identification): SignalSummary {
  const f = id.features;
  // below the class floor the best class is a hint beside `unknown` (docs/identification.md §5a)
  const closest = id.closestClass !== undefined ? { closestClass: id.closestClass } : {};
  if (!f) return { class: id.class, ...closest, confidence: id.confidence, reason: id.reason, ...(id.reasonCode !== undefined ? { reasonCode: id.reasonCode } : {}) };
  const out: SignalSummary = {
    class: id.class,
    ...closest,
    confidence: id.confidence,
    bandwidthHz: r(f.bandwidthHz),
    deviationHz: r(f.deviationHz),
    snrDb: r(f.snrDb, 1),
    dutyCycle: r(f.dutyCycle, 3),
    bursts: f.bursts.count,
    burstMedianMs: r(f.bursts.medianS * 1000, 3),
    periodMedianMs: r(f.periods.medianS * 1000, 3),
    envelopeKurtosis: r(f.envelopeKurtosis, 3),
    modulationIndex: r(f.modulationIndex, 3),
    carrierFraction: r(f.carrierFraction, 3),
    tones: Math.max(f.tones, f.spectralTones),
    toneSpacingHz: r(f.toneSpacingHz),
    symbolRateBd: r(f.symbolRateBd),
    centerDriftHz: r(f.centerDriftHz),
    gapSnrDb: r(f.gapSnrDb, 1),
    reason: id.reason,
  };
  // the other tone of a 2-FSK whose keyed tone alone was detected (§4b): where it lies, for the evidence clip's band
  if (f.complementSpacingHz !== 0) out.complementSpacingHz = r(f.complementSpacingHz);
  if (id.reasonCode !== undefined) out.reasonCode = id.reasonCode;
  return out;
}

/**
 * The `signal` object of a detection at `centerHz` ({@link signalSummary}), the identified 99 % band's edges `lowHz` and
 * `highHz` (Hz, absolute when the source's centre is known, else offsets from it, as the detection's), `wholeBand` true
 * when the emission was analysed as the whole band (docs/identification.md §2) plus, when the
 * source's centre is absolute
 * (`info.centerKnown`), what the band expects there (`band`, `expected`, `unexpected`: docs/identification.md §7).
 */
export function describeSignal(id: Identification, centerHz: number, info: Pick<IqSourceInfo, 'centerKnown' | 'centerHz'>): SignalSummary {
  const summary = signalSummary(id);
  // the identified 99 % band's edges, in the detection's own frequency reference (absolute when the centre is known):
  // a slice of a band-wide emission is analysed as the whole band (§2), and its rows are joined by them (joined-rows.ts)
  if (id.features !== undefined) {
    const tunedHz = info.centerKnown ? info.centerHz : 0;
    summary.lowHz = r(tunedHz + id.features.lowHz);
    summary.highHz = r(tunedHz + id.features.highHz);
    if (id.features.wholeBand === true) summary.wholeBand = true;
  }
  // "nothing near <offset from the tuning centre>": with the centre known, the reason names the absolute frequency
  const rc = id.reasonCode;
  if (info.centerKnown && rc?.id === 'ident.noEmission') {
    const tuned = signalReason(rc.id, { ...rc.params, tunedHz: info.centerHz });
    summary.reasonCode = tuned.reasonCode;
    summary.reason = tuned.reason;
  }
  // what the band expects (absolute frequencies only): an emission of another class there is flagged
  const exp = info.centerKnown ? expectation(centerHz, id.class) : undefined;
  if (exp) {
    summary.band = exp.band;
    summary.expected = exp.expected;
    summary.unexpected = exp.unexpected;
  }
  return summary;
}

/**
 * The last `capacity` complex samples of a stream as Float32 I/Q, addressed by absolute sample index; filled with at most
 * two native copies (TypedArray.set) per block, which costs the detection pass far less than the evidence ring's
 * per-value re-encoding (src/evidence/iq-ring.ts) at the price of 8 B per sample. A gap or discontinuity restarts it
 * ({@link SampleRing}).
 */
export class Float32IqRing extends SampleRing {
  private readonly buf: Float32Array;
  constructor(capacity: number) {
    super(capacity);
    this.buf = new Float32Array(2 * capacity);
  }
  protected override storeRun(samples: Float32Array, from: number, to: number, values: number): void {
    this.buf.set(samples.subarray(from, from + values), to);
  }
  protected override loadRun(from: number, to: number, values: number, out: Float32Array): void {
    out.set(this.buf.subarray(from, from + values), to);
  }
}

/**
 * One detection's identification, self-contained (structured-cloneable): the IQ from the detection's start (less the
 * margin) to its end (plus the margin) as far as the ring held it, of which `analysisCount` samples are classified (the
 * first ones, unless the emission at the detection's frequency starts later: {@link analysisStart}); the detection's
 * centre and bandwidth (Hz) and the source's tuning.
 */
export interface IdentJob {
  /** Interleaved I/Q, `count` complex samples. */
  iq: Float32Array;
  count: number;
  analysisCount: number;
  /** Noise margin kept before the detection's start (samples). */
  marginCount: number;
  /** The noise reference (`IdentInput.noise`): interleaved I/Q of `noiseCount` samples before the detection; absent = none. */
  noiseIq?: Float32Array;
  noiseCount?: number;
  rateSps: number;
  /** Detection centre less the tuning centre (Hz). */
  offsetHz: number;
  bandwidthHz: number;
  centerHz: number;
  centerKnown: boolean;
  tunedHz: number;
}

/** True for a job of {@link DetectionIdentifier.prepare}, false for a summary it gave at once. */
export function isIdentJob(x: IdentJob | SignalSummary): x is IdentJob {
  return x.iq instanceof Float32Array;
}

/**
 * Classifies a job's first `analysisCount` samples ({@link identify}) and describes it ({@link describeSignal}); an analog
 * class (or, below the class floor, an analog closest class: `audioClassOf`) is also demodulated as that class over the
 * whole IQ (speech presence; `audio` for a WAV). A pure function of the job.
 */
export function identifyJob(job: IdentJob): { id: Identification; summary: SignalSummary; audio?: ReturnType<typeof demodulate> } {
  const from = analysisStart(job);
  const count = Math.min(job.analysisCount, job.count - from);
  const noise = job.noiseIq !== undefined && job.noiseCount !== undefined ? { noise: { iq: job.noiseIq, count: job.noiseCount } } : {};
  const input = { iq: job.iq.subarray(2 * from, 2 * (from + count)), count, rateSps: job.rateSps, offsetHz: job.offsetHz, bandwidthHz: job.bandwidthHz, ...noise };
  const id = identify(input);
  const summary = describeSignal(id, job.centerHz, { centerKnown: job.centerKnown, centerHz: job.tunedHz });
  // an analog class, or below the class floor an analog closest class: a supervisor can listen to an uncertain
  // transmission too (docs/identification.md §5a)
  const audioCls = audioClassOf(id);
  if (audioCls === undefined) return { id, summary };
  const audio = demodulate({ ...input, iq: job.iq, count: job.count }, audioCls, id.features);
  summary.speechPresent = audio.voice.speechPresent;
  summary.voice = audio.voice.reason;
  return { id, summary, audio };
}

/**
 * The analysed part holds the emission at the detection's frequency when its strongest frame there comes within this
 * factor of the transmission's strongest (10 dB): a transmitter's own level varies less across one transmission.
 */
export const ANALYSIS_WITHIN = 0.1;
/** Frames measured at most by {@link analysisStart} (evenly spread over a longer transmission). */
const ANALYSIS_MAX_FRAMES = 4000;
/** Samples transformed at most by {@link analysisStart} (frames × frame length). */
const ANALYSIS_MAX_POINTS = 4_000_000;

/**
 * Gives `n` complex samples of a stretch from its sample index `s` as interleaved I/Q at index 0 of the array returned
 * (a view or a scratch buffer, read before the next call).
 */
export type FrameReader = (s: number, n: number) => Float32Array;

/** Power of one DFT bin at an emission's frequency on frames of a stretch of IQ ({@link frameLevels}). */
interface FrameLevels {
  /** Frame length (samples). */
  n: number;
  /** First sample of each frame (index into the IQ). */
  starts: Float64Array;
  /** |X|² of the bin on each frame (linear, unscaled). */
  power: Float64Array;
  /** The largest of `power`. */
  peak: number;
}

/**
 * The power of one Hann-windowed DFT bin at `offsetHz` (Hz from the tuning centre), N = 2·rate/B samples long (main
 * lobe ± B, B = `bandwidthHz`, at least rate/4096; 16 … 65 536), on back-to-back frames of the first `count` complex
 * samples of a stretch read by `frame`, evenly spread when more than {@link ANALYSIS_MAX_FRAMES} or
 * {@link ANALYSIS_MAX_POINTS} samples: only the frames' samples are read.
 * @returns the levels, or null when fewer than two frames fit
 */
function frameLevels(frame: FrameReader, count: number, rateSps: number, offsetHz: number, bandwidthHz: number): FrameLevels | null {
  const n = Math.max(16, Math.min(65_536, Math.round((2 * rateSps) / Math.max(bandwidthHz, rateSps / 4096))));
  const possible = Math.floor(count / n);
  if (possible < 2) return null;
  const frames = Math.min(possible, ANALYSIS_MAX_FRAMES, Math.max(2, Math.floor(ANALYSIS_MAX_POINTS / n)));
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    const a = (-2 * Math.PI * offsetHz * i) / rateSps;
    re[i] = w * Math.cos(a);
    im[i] = w * Math.sin(a);
  }
  const starts = new Float64Array(frames);
  const power = new Float64Array(frames);
  let peak = 0;
  for (let f = 0; f < frames; f++) {
    const s = frames === possible ? f * n : Math.floor((f * (count - n)) / (frames - 1));
    const iq = frame(s, n);
    let ar = 0;
    let ai = 0;
    for (let i = 0; i < n; i++) {
      const x = iq[2 * i];
      const y = iq[2 * i + 1];
      ar += x * re[i] - y * im[i];
      ai += x * im[i] + y * re[i];
    }
    starts[f] = s;
    power[f] = ar * ar + ai * ai;
    if (power[f] > peak) peak = power[f];
  }
  return { n, starts, power, peak };
}

/**
 * Where the classified part of a job starts (sample index into `job.iq`): 0, unless the transmission is longer than the
 * part and its first part holds no emission at the detection's frequency. A detection's centre and band come from the
 * excess the detector accumulated over the whole track, so a track that joined packets on different frequencies (two
 * sensors 20 kHz apart, one after the other) is reported at the strongest one's, which need not be the first.
 * Measured on the frames of {@link frameLevels} at the detection's centre (`job.offsetHz`) and bandwidth: when no frame
 * within the first `analysisCount` samples comes within {@link ANALYSIS_WITHIN} of the strongest frame, the part starts
 * at the first frame that does, less the margin. A pure function of the job.
 */
export function analysisStart(job: IdentJob): number {
  if (job.count <= job.analysisCount) return 0;
  const lv = frameLevels(arrayFrames(job.iq), job.count, job.rateSps, job.offsetHz, job.bandwidthHz);
  if (lv === null) return 0;
  const least = ANALYSIS_WITHIN * lv.peak;
  for (let f = 0; f < lv.power.length; f++) {
    if (lv.power[f] < least) continue;
    if (lv.starts[f] + lv.n <= job.analysisCount) return 0;
    return Math.max(0, Math.min(job.count - job.analysisCount, lv.starts[f] - job.marginCount));
  }
  return 0;
}

/** A {@link FrameReader} of interleaved I/Q held in one array (views, no copy). */
export const arrayFrames = (iq: Float32Array): FrameReader => (s, n) => iq.subarray(2 * s, 2 * (s + n));

/**
 * Where the emission at `stretch.offsetHz` ends in a stretch of `stretch.count` samples read by `frame` (sample index
 * one past the last sample of the last frame of {@link frameLevels} within {@link ANALYSIS_WITHIN} of the strongest
 * frame; `stretch.count` when fewer than two frames fit). A detector's end can lie well past the emission's: a track the slow path saw ends with the last Welch average
 * holding it (the demo's GSM-like train, 5–6.5 s at 1 MS/s, closed at 7.02 s live and 7.09 s in replay), so the live
 * final identification looks for the emission's last part before that end (src/site/live-ident.ts). A pure function.
 */
export function emissionEnd(stretch: Omit<IdentInput, 'iq'>, frame: FrameReader): number {
  const lv = frameLevels(frame, stretch.count, stretch.rateSps, stretch.offsetHz, stretch.bandwidthHz);
  if (lv === null) return stretch.count;
  const least = ANALYSIS_WITHIN * lv.peak;
  for (let f = lv.power.length - 1; f >= 0; f--) if (lv.power[f] >= least) return lv.starts[f] + lv.n;
  return stretch.count;
}

/**
 * Keeps the last `ringS` seconds of a source's IQ (a {@link Float32IqRing}) and identifies each detection when it closes, from up to `maxAnalysisS` of its IQ plus `marginS` either
 * side. Use {@link tap} to put it between the source and the pipeline.
 */
export class DetectionIdentifier {
  private readonly ring: Float32IqRing;
  private readonly opts: DetectionIdentOptions;
  /** Analog detections written as WAV (paths), in order. */
  readonly audioFiles: string[] = [];
  private readonly pendingWrites: Promise<void>[] = [];
  constructor(private readonly info: IqSourceInfo, opts: Partial<DetectionIdentOptions> = {}) {
    // with audio the ring holds a whole transmission (up to AUDIO_RING_S) so the WAV is not cut at the analysed part
    this.opts = { ...DEFAULT_DETECTION_IDENT, ...(opts.audioDir !== undefined ? { ringS: AUDIO_RING_S } : {}), ...opts };
    // the ring takes each block before the detector sees it, so it must hold the block and what came before it: at a
    // low rate (a band-cut clip at 25 kS/s) one file block of 65 536 samples is 2.6 s, longer than a 1 s ring, and
    // every detection closing inside a block had already left it ("no longer held"). Two blocks at least; rates from
    // 131 kS/s up keep exactly ringS.
    this.ring = new Float32IqRing(Math.max(MIN_RING_SAMPLES, Math.ceil(this.opts.ringS * info.rateSps)));
  }

  /** A source yielding `source`'s blocks after copying each into the ring (same blocks, same order). */
  tap(source: IqSource): IqSource {
    const ring = this.ring;
    return {
      info: source.info,
      close: () => source.close(),
      health: () => source.health(),
      async *blocks(): AsyncIterable<IqBlock> {
        for await (const b of source.blocks()) {
          ring.push(b);
          yield b;
        }
      },
    };
  }

  /**
   * Identifies a closed detection from the ring and, for an analog class or closest class with `audioDir` set, writes its WAV (awaited by
   * {@link flush}). A detection whose samples left the ring gives `unknown` with the reason.
   */
  identify(ev: DetectionEvent): SignalSummary {
    const job = this.prepare(ev);
    if (!isIdentJob(job)) return job;
    if (this.opts.audioDir === undefined) return identifyJob(job).summary;
    const { id, summary, audio } = identifyJob(job);
    if (audio !== undefined) {
      // below the class floor the file says which class it was demodulated as: det-<id>-closest-nfm.wav
      const path = join(this.opts.audioDir, `det-${ev.id}-${id.class === 'unknown' ? 'closest-' : ''}${audioClassOf(id)}.wav`);
      summary.audioFile = path;
      this.audioFiles.push(path);
      this.pendingWrites.push(writeWav(path, audio.samples, audio.rateSps));
    }
    return summary;
  }

  /**
   * What identifying `ev` needs, copied out of the ring (a job {@link identifyJob} can run on any thread), or the
   * summary itself when the detection's samples left the ring.
   */
  prepare(ev: DetectionEvent): IdentJob | SignalSummary {
    const rate = this.info.rateSps;
    const [held0, held1] = this.ring.range;
    const start = Math.round(ev.startS * rate);
    const end = Math.round((ev.endS ?? ev.startS) * rate);
    const margin = Math.round(this.opts.marginS * rate);
    const from = Math.max(held0, start - margin);
    const to = Math.min(held1, end + margin, from + Math.round(this.opts.maxAnalysisS * rate) + 2 * margin);
    if (to <= from || end <= held0) {
      return { class: 'unknown', confidence: 0, reason: `the detection's IQ is no longer held (ring of ${this.opts.ringS} s)` };
    }
    // the whole transmission as far as the ring holds it; the classification looks at its first part [from, to)
    const whole = this.ring.read(from, Math.min(held1, end + margin));
    // the noise reference: up to noiseS before the detection (less the margin and the guard), as far as the ring holds it
    const noiseTo = from - Math.round(NOISE_GUARD_S * rate);
    const noise = this.opts.noiseS > 0 && noiseTo > held0 ? this.ring.read(noiseTo - Math.round(this.opts.noiseS * rate), noiseTo) : undefined;
    return {
      iq: whole.iq, count: whole.count, analysisCount: to - from, marginCount: start - from, rateSps: rate, offsetHz: ev.centerHz - this.info.centerHz,
      bandwidthHz: ev.bandwidthHz, centerHz: ev.centerHz, centerKnown: this.info.centerKnown, tunedHz: this.info.centerHz,
      ...(noise !== undefined && noise.count > 0 ? { noiseIq: noise.iq, noiseCount: noise.count } : {}),
    };
  }

  /** Waits for every WAV write started so far. @throws the first write error (naming the path). */
  async flush(): Promise<void> {
    const all = this.pendingWrites.splice(0);
    await Promise.all(all);
  }
}
