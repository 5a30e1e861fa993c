// Worker thread for a sensor's evidence work: clip pictures (spectrogram PNGs), clip band cuts and the identification of
// transmissions, so the sensor's own thread never blocks on them.
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority, threadCpuWaitMs } from './thread-priority.js';
import { cutBand, type BandCutInput, type BandCutResult } from './clip-band.js';
import { identify, type Identification } from '../ident/classify.js';
import type { IdentInput } from '../ident/features.js';

/**
 * A request from {@link PictureRenderer}: render `metaPath` to `pngPath`, cut a clip's band ({@link cutBand}), or
 * identify an emission ({@link identify}).
 */
export type PictureRequest =
  | { id: number; kind?: 'picture'; metaPath: string; pngPath: string }
  | { id: number; kind: 'cut'; cut: BandCutInput }
  | { id: number; kind: 'ident'; ident: IdentInput; postedAtMs: number };

/**
 * Where an identification's time on the evidence thread went (ms): `queuedMs` from its request's post (`postedAtMs`,
 * Date.now() of the posting thread) to its start here — the other work the thread was doing until its next yield —,
 * `runMs` its wall time here, `cpuWaitMs` the part of `runMs` this lowered thread waited for a CPU (Linux; null
 * elsewhere): the box's other work, not the identification's.
 */
export interface IdentTiming {
  queuedMs: number;
  runMs: number;
  cpuWaitMs: number | null;
}

/** The reply: the picture's info, the cut clip or the identification, or the error message. */
export type PictureReply =
  | { id: number; ok: true; frames: number }
  | { id: number; ok: true; cut: BandCutResult }
  | { id: number; ok: true; ident: Identification; timing: IdentTiming }
  | { id: number; ok: false; error: string };

/** The worker's start-up data: `lowPriority` false keeps the process's priority (pictures a person waits for). */
export interface PictureWorkerData {
  lowPriority: boolean;
}

/**
 * The picture renderer (PNG encoders, SigMF reader, spectrum engine: ≈ 10 MiB of a thread's RSS), loaded with the first
 * picture: a sensor's evidence thread whose pictures are drawn when viewed (evidence.pictures 'on-view', the default)
 * only cuts clips and identifies, and never loads it.
 */
let renderer: Promise<typeof import('./clip-picture.js')> | undefined;

const port = parentPort;
if (port !== null) {
  // a sensor's evidence work (pictures, cuts, identifications: tens to hundreds of ms each) yields to detection
  if ((workerData as Partial<PictureWorkerData> | null)?.lowPriority !== false) lowerThreadPriority();
  // Requests are handled as they arrive. An identification runs at once, to its end (it is synchronous): it goes ahead
  // of the cuts and pictures in progress, which give the thread up every few ms (cutBand: every 10 ms of work; a
  // picture at each block read), so an identification waits at most one such step, never for a whole clip.
  port.on('message', (req: PictureRequest) => {
    const fail = (err: unknown): void => port.postMessage({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies PictureReply);
    if (req.kind === 'ident') {
      const startMs = Date.now();
      const t0 = performance.now();
      const wait0 = threadCpuWaitMs();
      try {
        const ident = identify(req.ident);
        const wait1 = threadCpuWaitMs();
        const timing: IdentTiming = { queuedMs: startMs - req.postedAtMs, runMs: performance.now() - t0, cpuWaitMs: wait0 !== null && wait1 !== null ? wait1 - wait0 : null };
        port.postMessage({ id: req.id, ok: true, ident, timing } satisfies PictureReply);
      } catch (err) {
        fail(err);
      }
      return;
    }
    if (req.kind === 'cut') {
      cutBand(req.cut).then((cut) => port.postMessage({ id: req.id, ok: true, cut } satisfies PictureReply, [cut.data.buffer as ArrayBuffer]), fail);
      return;
    }
    (renderer ??= import('./clip-picture.js')).then((m) => m.renderClipPicture(req.metaPath, req.pngPath)).then((info) => port.postMessage({ id: req.id, ok: true, frames: info.frames } satisfies PictureReply), fail);
  });
}
