// Replay on two threads: a worker computes the slow path's Welch averages (cli/replay-worker.ts) while the main thread
// runs the fast path and the learner or detector; the output is the single-thread run's, byte for byte
// (docs/architecture.md "Replay on every core").
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { QuietBandError } from '../errors.js';
import { cliError } from '../error-text.js';
import { compiledModuleUrl } from '../module-url.js';
import type { FileSourceOptions } from '../source/file-source.js';
import type { PipelineOptions } from '../pipeline.js';
import type { IdentJob } from '../ident/detection-ident.js';
import type { ReplaySignal } from '../ident/signal-summary.js';
import { createSlowFeedBuffer, DEFAULT_SLOW_FEED, SlowFeedReader, type SlowFeedLayout } from '../spectrum/slow-frame-feed.js';

/** Paths of the workers inside the build output, relative to the repository root. */
export const REPLAY_WORKER_DIST_PATH = join('dist', 'src', 'cli', 'replay-worker.js');
export const IDENT_WORKER_DIST_PATH = join('dist', 'src', 'cli', 'replay-ident-worker.js');

/**
 * Most identification jobs waiting for the worker; beyond, the main thread identifies the next detection itself (the
 * same function, so the same line), which bounds the IQ held by a burst of closing detections.
 */
export const MAX_PENDING_IDENT = 4;

/** The identification worker's answer to job `seq`: the `signal` summary, or the error it threw. */
export type IdentReply = { seq: number; summary: ReplaySignal } | { seq: number; error: string };

/** A worker that identifies detections ({@link identifyJob} of ident/detection-ident.ts) off the main thread. */
export interface IdentWorker {
  /** The job's summary, as identifyJob gives it on this thread. The job's IQ buffer is handed over (transferred). */
  identify(job: IdentJob): Promise<ReplaySignal>;
  /** Jobs handed over and not answered yet (each holds up to the ring's IQ: ≈ 19 MB per second at 2.4 MS/s). */
  readonly pending: number;
  /** Stops the worker. */
  close(): Promise<void>;
}

/** The compiled worker module at `distPath`. @throws QuietBandError('IO') when it is missing (build first). */
function workerUrl(distPath: string): URL {
  const url = compiledModuleUrl(import.meta.url, distPath);
  if (url === null) throw cliError('replay.workerMissing', { path: distPath }, 'IO');
  return url;
}

/**
 * The identification worker of a replay, started with the first job (a replay without detections starts none); jobs
 * are answered in the order given.
 */
export function startIdentWorker(file: string): IdentWorker {
  let started: Worker | null = null;
  const waiting = new Map<number, { resolve: (s: ReplaySignal) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const failAll = (err: Error): void => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  const start = (): Worker => {
    const worker = new Worker(workerUrl(IDENT_WORKER_DIST_PATH));
    worker.on('message', (m: IdentReply) => {
      const w = waiting.get(m.seq);
      if (w === undefined) return;
      waiting.delete(m.seq);
      if ('error' in m) w.reject(new Error(m.error));
      else w.resolve(m.summary);
    });
    worker.on('error', (err) => failAll(cliError('replay.identFailed', { file, detail: err.message }, 'IO', { cause: err })));
    worker.on('exit', () => failAll(cliError('replay.identStopped', { file }, 'IO')));
    return worker;
  };
  return {
    identify(job) {
      const worker = (started ??= start());
      const n = seq++;
      return new Promise<ReplaySignal>((resolve, reject) => {
        waiting.set(n, { resolve, reject });
        worker.postMessage({ seq: n, job }, job.noiseIq !== undefined ? [job.iq.buffer as ArrayBuffer, job.noiseIq.buffer as ArrayBuffer] : [job.iq.buffer as ArrayBuffer]);
      });
    },
    get pending() {
      return waiting.size;
    },
    async close() {
      await started?.terminate();
    },
  };
}

/** What the slow-path worker is started with (structured-cloned). */
export interface SlowWorkerData {
  file: string;
  /** The file source's options without callbacks (the main thread's source reports warnings). */
  sourceOptions: Omit<FileSourceOptions, 'onWarning'>;
  opts: PipelineOptions;
  settleSamples: number;
}

/** One pass the slow-path worker is sent: its sample limit (`maxSamples`, null for the whole file) and its feed (shared). */
export interface SlowPass {
  maxSamples: number | null;
  sab: SharedArrayBuffer;
  layout: SlowFeedLayout;
}

/** The slow-path worker of a replay: one {@link pass} per pass of the replay, then {@link close}. */
export interface SlowPathWorker {
  /** Starts a pass on the worker; give the reader to the main thread's pass (PassHooks.slowFrames), then call end(). */
  pass(maxSamples?: number): { reader: SlowFeedReader; end(): void };
  /** Stops the worker and waits for it to exit. @throws QuietBandError('IO') when it failed outside a pass. */
  close(): Promise<void>;
}

/**
 * Shortest recording (s of samples) that gets worker threads when `--threads` is not given. A worker's start-up and its
 * own read of the file cost ≈ 0.15–0.25 s of CPU, about what it saves on a few seconds of input; a thousand short
 * replays in one process (the malformed-input tests) took 69 s with workers against 10 s without.
 */
export const MIN_THREADED_S = 30;

/**
 * `--threads` from its flag text: a whole number ≥ 1. Default (undefined): the machine's available parallelism for a
 * recording of at least {@link MIN_THREADED_S} seconds, else 1.
 * @param lengthS the recording's length (s of samples: total samples / rate); Infinity when unknown (counts as long)
 * @throws QuietBandError('CONFIG') naming the flag.
 */
export function parseThreads(text: string | undefined, lengthS: number): number {
  if (text === undefined) return lengthS >= MIN_THREADED_S ? availableParallelism() : 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw cliError('flag.notA', { flag: '--threads', value: text, expected: 'expect.threads' }, 'CONFIG');
  return n;
}

/**
 * Starts a worker that runs the slow path's engine over `file`, one pass per {@link SlowPathWorker.pass} (the same
 * blocks, settle and sample limit as the main thread's pass), writing into a shared feed the main thread's chain reads
 * in place of its own engine.
 * @throws QuietBandError('IO') when the compiled worker is missing (build first).
 */
export function startSlowPathWorker(file: string, sourceOptions: FileSourceOptions, opts: PipelineOptions, settleSamples: number): SlowPathWorker {
  const { onWarning: _ignored, ...plain } = sourceOptions;
  const data: SlowWorkerData = { file, sourceOptions: plain, opts, settleSamples };
  const worker = new Worker(workerUrl(REPLAY_WORKER_DIST_PATH), { workerData: data });
  let failure: Error | null = null;
  worker.once('error', (err) => {
    failure = err;
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    pass(maxSamples) {
      const layout: SlowFeedLayout = { fftSize: opts.spectrum.fftSize, ...DEFAULT_SLOW_FEED };
      const sab = createSlowFeedBuffer(layout);
      const reader = new SlowFeedReader(sab, layout, `${file}: replay worker`);
      worker.postMessage({ maxSamples: maxSamples ?? null, sab, layout } satisfies SlowPass);
      // a pass that ends early (an error, the sample limit) leaves the worker waiting in the feed: abort frees it
      return { reader, end: () => reader.abort() };
    },
    async close() {
      await worker.terminate();
      await exited;
      if (failure !== null) throw cliError('replay.workerFailed', { file, detail: (failure as Error).message }, 'IO', { cause: failure });
    },
  };
}
