// Audio of an evidence clip: an analog alert's SigMF clip demodulated to 16 kHz mono (GET /clips/<name>.wav, docs/listening.md §7).
import { Worker } from 'node:worker_threads';
import { demodulate, type DemodAudio } from '../ident/audio.js';
import { ANALOG_CLASSES, type SignalClass } from '../ident/classify.js';
import { QuietBandError, badInput } from '../errors.js';
import { compiledModuleUrl } from '../module-url.js';
import { openFileSource } from '../source/file-source.js';
import { readSigmfMeta } from '../source/sigmf.js';

/**
 * Longest clip demodulated (s of audio = s of IQ): a minute is far more than an evidence clip holds (the recorder's
 * `maxS` 10 s + 1.5 s before + 1 s after); a longer file in the clips folder is not an alert's clip. Refused with 413.
 */
export const MAX_CLIP_AUDIO_S = 60;

/**
 * Most IQ samples demodulated (2^23 ≈ 8.4 M): demodulation holds the whole clip as float IQ (in a worker thread of its
 * own, {@link clipAudioWav}). Measured (node 20, 2-core box, load ≈ 3, cu8 NFM clips): 10 s at 50 kS/s 0.48 s, 10 s at
 * 250 kS/s 0.76 s, 60 s at 250 kS/s (15 M samples) 3.8 s and 490 MB RSS. The cap keeps a request under ≈ 2 s and
 * ≈ 300 MB while admitting every band-cut evidence clip (12.5 s at up to 500 kS/s, the wfm channel's rate); a scan
 * sensor's full-band clip (12.5 s at 2.4 MS/s = 30 M samples) is refused with 413.
 */
export const MAX_CLIP_AUDIO_IQ_SAMPLES = 2 ** 23;

/** Classes {@link clipAudio} demodulates (the analog ones: {@link ANALOG_CLASSES}). */
export function isAudioClass(cls: string): cls is SignalClass {
  return (ANALOG_CLASSES as readonly string[]).includes(cls);
}

/** Why a clip has no audio: `too-long` (over {@link MAX_CLIP_AUDIO_S}) or `undemodulable` (no band, bad file, …). */
export class ClipAudioError extends QuietBandError {
  constructor(message: string, readonly reason: 'too-long' | 'undemodulable', options?: { cause?: unknown }) {
    super(message, 'BAD_INPUT', options);
  }
}

/**
 * Reads a clip (`.sigmf-meta` path; its `.sigmf-data` beside it) whole and demodulates it as `cls`: the detection's
 * centre offset and bandwidth come from the first annotation (`core:freq_lower_edge` / `core:freq_upper_edge`,
 * absolute Hz, as the ClipRecorder writes them: offset = (lower + upper)/2 − capture centre, bandwidth = upper − lower).
 * @returns 16 kHz mono audio as long as the clip ({@link demodulate})
 * @throws ClipAudioError `too-long` for a clip over {@link MAX_CLIP_AUDIO_S} or {@link MAX_CLIP_AUDIO_IQ_SAMPLES}; `undemodulable` for a meta without the
 *   annotation's band edges, an unreadable or empty clip, or a band the demodulator refuses (message names the file and
 *   field). File-system errors other than the clip's own (e.g. EIO) are rethrown as they are.
 */
export async function clipAudio(metaPath: string, cls: SignalClass): Promise<DemodAudio> {
  const undemod = (err: unknown): never => {
    if (err instanceof QuietBandError) throw new ClipAudioError(err.message, 'undemodulable', { cause: err });
    throw err;
  };
  const meta = await readSigmfMeta(metaPath).catch(undemod);
  const ann = meta.annotations[0];
  if (ann?.freqLowerHz === undefined || ann.freqUpperHz === undefined || !(ann.freqUpperHz > ann.freqLowerHz)) {
    undemod(badInput(metaPath, 'annotations[0].core:freq_lower_edge/core:freq_upper_edge', 'missing or not increasing: the clip does not say which band the detection occupied'));
  }
  const src = await openFileSource(metaPath).catch(undemod);
  try {
    const { rateSps, centerHz } = src.info;
    const total = src.info.totalSamples ?? 0;
    const seconds = total / rateSps;
    if (seconds > MAX_CLIP_AUDIO_S) {
      throw new ClipAudioError(`${metaPath}: ${seconds.toFixed(1)} s of IQ; audio is made for clips up to ${MAX_CLIP_AUDIO_S} s`, 'too-long');
    }
    if (total > MAX_CLIP_AUDIO_IQ_SAMPLES) {
      throw new ClipAudioError(`${metaPath}: ${total} IQ samples (${seconds.toFixed(1)} s at ${rateSps} S/s); audio is made for clips up to ${MAX_CLIP_AUDIO_IQ_SAMPLES} samples (a full-band scan clip is too wide: download its IQ)`, 'too-long');
    }
    if (total === 0) undemod(badInput(metaPath, 'sigmf-data', 'no samples to demodulate'));
    const iq = new Float32Array(2 * total);
    let count = 0;
    for await (const b of src.blocks()) {
      const n = Math.min(b.count, total - count);
      iq.set(b.samples.subarray(0, 2 * n), 2 * count);
      count += n;
    }
    const lo = ann!.freqLowerHz!;
    const hi = ann!.freqUpperHz!;
    try {
      return demodulate({ iq, count, rateSps, offsetHz: (lo + hi) / 2 - centerHz, bandwidthHz: hi - lo }, cls);
    } catch (err) {
      return undemod(err);
    }
  } finally {
    await src.close();
  }
}

/** The worker's compiled module, relative to the package root (workers run plain JavaScript). */
export const CLIP_AUDIO_WORKER_DIST_PATH = 'dist/src/evidence/clip-audio-worker.js';

/** The job running now and the ones waiting: one clip is demodulated at a time (each may hold ≈ 300 MB). */
let queue: Promise<unknown> = Promise.resolve();

/**
 * {@link clipAudio} encoded as a WAV (16 kHz mono 16-bit), computed in a worker thread so the caller's thread (the
 * server's: it pushes every alert) is never blocked by it; one clip at a time, later requests wait their turn.
 * @throws ClipAudioError as clipAudio; QuietBandError('IO') when the worker module is missing (npm run build); Error
 *   for anything else the worker met (e.g. EIO)
 */
export function clipAudioWav(metaPath: string, cls: SignalClass): Promise<Buffer> {
  const run = (): Promise<Buffer> => new Promise((resolve, reject) => {
    const url = compiledModuleUrl(import.meta.url, CLIP_AUDIO_WORKER_DIST_PATH);
    if (url === null) {
      reject(new QuietBandError(`the clip audio worker ${CLIP_AUDIO_WORKER_DIST_PATH} is missing: build QuietBand first (npm run build)`, 'IO'));
      return;
    }
    const w = new Worker(url, { workerData: { metaPath, cls } });
    let settled = false;
    w.once('message', (m: { wav: Uint8Array } | { error: string; reason?: ClipAudioError['reason'] }) => {
      settled = true;
      if ('wav' in m) resolve(Buffer.from(m.wav.buffer, m.wav.byteOffset, m.wav.byteLength));
      else reject(m.reason !== undefined ? new ClipAudioError(m.error, m.reason) : new Error(m.error));
    });
    w.once('error', (err) => {
      settled = true;
      reject(err);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`clip audio worker exited (code ${code}) without an answer`));
    });
  });
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}
