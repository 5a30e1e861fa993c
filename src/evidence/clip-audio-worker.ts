// Worker thread of GET /clips/<name>.wav: demodulates one evidence clip to a WAV off the server's thread, so the
// alerts and spectra the server pushes are never held up by it (docs/listening.md §7).
import { parentPort, workerData } from 'node:worker_threads';
import { wavBuffer } from '../ident/audio.js';
import type { SignalClass } from '../ident/classify.js';
import { ClipAudioError, clipAudio } from './clip-audio.js';

/** What the worker is given: the clip's `.sigmf-meta` path and the class to demodulate it as. */
export interface ClipAudioJob {
  metaPath: string;
  cls: SignalClass;
}

/** What it answers: the WAV's bytes, or why there is none (`reason` set for a ClipAudioError, absent for others). */
export type ClipAudioAnswer = { wav: Uint8Array } | { error: string; reason?: ClipAudioError['reason'] };

const job = workerData as ClipAudioJob;
try {
  const audio = await clipAudio(job.metaPath, job.cls);
  const wav = wavBuffer(audio.samples, audio.rateSps);
  const bytes = new Uint8Array(wav.buffer, wav.byteOffset, wav.byteLength);
  parentPort?.postMessage({ wav: bytes } satisfies ClipAudioAnswer);
} catch (err) {
  const answer: ClipAudioAnswer = err instanceof ClipAudioError ? { error: err.message, reason: err.reason } : { error: err instanceof Error ? err.message : String(err) };
  parentPort?.postMessage(answer);
}
