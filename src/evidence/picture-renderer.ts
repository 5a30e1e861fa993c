// Renders clip pictures on a worker thread of their own (started on first use), falling back to this thread.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { cutBand, type BandCutInput, type BandCutResult } from './clip-band.js';
import type { IdentTiming, PictureReply, PictureRequest, PictureWorkerData } from './picture-worker.js';
import { identify, type Identification } from '../ident/classify.js';
import type { IdentInput } from '../ident/features.js';
import { compiledModuleUrl } from '../module-url.js';

/** Path of the compiled picture worker, relative to the repository root. */
export const PICTURE_WORKER_DIST_PATH = join('dist', 'src', 'evidence', 'picture-worker.js');

/**
 * Renders spectrogram pictures of clips (clip-picture.ts's renderClipPicture) off the calling thread: a sensor worker's thread
 * runs the detection, and a picture (a spectrogram of the whole clip plus PNG compression, tens of ms) there delayed
 * the next alerts by as much (bench/latency.js: p95 195 ms with pictures on that thread, 52 ms without). One worker
 * thread per renderer, started on the first request; it keeps the process alive only while a picture is pending, and
 * {@link close} ends it. When the compiled worker is missing (sources run by a TypeScript runner without a build) or
 * cannot start, pictures are rendered on this thread as before. Use {@link sharedPictureRenderer} for one per thread.
 */
export class PictureRenderer {
  /**
   * @param lowPriority the worker thread runs 10 nice steps lower (default: a sensor's evidence thread yields to its
   *   detection); false for pictures a person is waiting for (the server's, drawn when first asked for)
   */
  constructor(private readonly lowPriority = true) {}

  private worker: Worker | null = null;
  private failed = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: PictureReply & { ok: true }) => void; reject: (err: Error) => void }>();

  /**
   * Renders `metaPath` (a SigMF clip) to `pngPath` (clip-picture.ts's renderClipPicture).
   * @returns the number of FFT frames in the picture
   * @throws the renderer's error (unreadable clip, IO), or an Error when the worker died.
   */
  async render(metaPath: string, pngPath: string): Promise<number> {
    const w = this.ensureWorker();
    // the renderer (PNG encoder, SigMF reader, spectrum engine) is loaded only here: a sensor worker whose pictures go
    // to the picture thread never needs it (≈ 0.1 s of CPU less at each sensor's start)
    if (w === null) return (await (await import('./clip-picture.js')).renderClipPicture(metaPath, pngPath)).frames;
    const reply = await this.request(w, { id: this.nextId++, metaPath, pngPath });
    return 'frames' in reply ? reply.frames : 0;
  }

  /**
   * Cuts a clip's band ({@link cutBand}) on the worker thread (the samples are copied there, the result transferred
   * back), or on this thread when the worker is unavailable.
   * @throws the cut's error, or an Error when the worker died
   */
  async cut(input: BandCutInput): Promise<BandCutResult> {
    const w = this.ensureWorker();
    if (w === null) return cutBand(input);
    const reply = await this.request(w, { id: this.nextId++, kind: 'cut', cut: input });
    if (!('cut' in reply)) throw new Error('evidence worker: a cut request answered without a cut');
    return reply.cut;
  }

  /**
   * Identifies an emission ({@link identify}: features, class, confidence, reason) on the worker thread (the samples are
   * transferred there: `input.iq` is unusable afterwards), or on this thread when the worker is unavailable.
   * `onTiming` receives where its time went on the worker thread ({@link IdentTiming}; not called on this thread).
   * @throws the identification's error, or an Error when the worker died
   */
  async identify(input: IdentInput, onTiming?: (timing: IdentTiming) => void): Promise<Identification> {
    const w = this.ensureWorker();
    if (w === null) return identify(input);
    const reply = await this.request(w, { id: this.nextId++, kind: 'ident', ident: input, postedAtMs: Date.now() }, [input.iq.buffer as ArrayBuffer]);
    if (!('ident' in reply)) throw new Error('evidence worker: an identification request answered without one');
    onTiming?.(reply.timing);
    return reply.ident;
  }

  private request(w: Worker, req: PictureRequest, transfer?: ArrayBuffer[]): Promise<PictureReply & { ok: true }> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      w.ref(); // a pending request keeps the process alive; an idle worker does not
      w.postMessage(req, transfer);
    });
  }

  /**
   * Starts the worker thread now instead of at the first picture (its start-up, ≈ 0.1–0.2 s of CPU loading modules,
   * then does not coincide with the first detections). Idempotent; does nothing when the worker is unavailable.
   */
  warm(): void {
    this.ensureWorker();
  }

  /** True while pictures go to the worker thread (false before the first picture, after close(), or in fallback). */
  get usesWorker(): boolean {
    return this.worker !== null;
  }

  /** Ends the worker (requests still pending are rejected). Idempotent. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.failed = true;
    if (w !== null) await w.terminate();
    this.rejectAll(new Error('picture renderer closed'));
  }

  private ensureWorker(): Worker | null {
    if (this.worker !== null) return this.worker;
    if (this.failed) return null;
    const url = compiledModuleUrl(import.meta.url, PICTURE_WORKER_DIST_PATH);
    if (url === null) {
      this.failed = true;
      return null;
    }
    try {
      const w = new Worker(url, { workerData: { lowPriority: this.lowPriority } satisfies PictureWorkerData });
      w.unref();
      w.on('message', (r: PictureReply) => {
        const p = this.pending.get(r.id);
        if (p === undefined) return;
        this.pending.delete(r.id);
        if (this.pending.size === 0) w.unref();
        if (r.ok) p.resolve(r);
        else p.reject(new Error(r.error));
      });
      w.on('error', (err) => this.rejectAll(err));
      w.on('exit', () => {
        if (this.worker === w) this.worker = null;
        this.rejectAll(new Error('picture worker exited'));
      });
      this.worker = w;
      return w;
    } catch {
      this.failed = true;
      return null;
    }
  }

  private rejectAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

let shared: PictureRenderer | undefined;

/** This thread's renderer, shared by every DetectionEvidence of the thread (one picture thread per sensor worker). */
export function sharedPictureRenderer(): PictureRenderer {
  shared ??= new PictureRenderer();
  return shared;
}
