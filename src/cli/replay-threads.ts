// Replay on two threads: a worker computes the slow path's Welch averages (cli/replay-worker.ts) while the main thread
// runs the fast path and the learner or detector; the output is the single-thread run's, byte for byte
// (docs/architecture.md "Replay on every core").
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { QuietBandError } from '../errors.js';
import { compiledModuleUrl } from '../module-url.js';
import type { FileSourceOptions } from '../source/file-source.js';
import type { PipelineOptions } from '../pipeline.js';
import { createSlowFeedBuffer, DEFAULT_SLOW_FEED, SlowFeedReader, type SlowFeedLayout } from '../spectrum/slow-frame-feed.js';

/** Path of the worker inside the build output, relative to the repository root. */
export const REPLAY_WORKER_DIST_PATH = join('dist', 'src', 'cli', 'replay-worker.js');

/** What the worker is started with (structured-cloned; the buffer is shared). */
export interface SlowWorkerData {
  file: string;
  /** The file source's options without callbacks (the main thread's source reports warnings). */
  sourceOptions: Omit<FileSourceOptions, 'onWarning'>;
  opts: PipelineOptions;
  /** The pass's sample limit (`maxSamples`), null for the whole file. */
  maxSamples: number | null;
  settleSamples: number;
  sab: SharedArrayBuffer;
  layout: SlowFeedLayout;
}

/** One pass's slow path on a worker: give `reader` to the pass (PassHooks.slowFrames), then call {@link close}. */
export interface SlowPathWorker {
  reader: SlowFeedReader;
  /** Stops the worker (if still running) and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * `--threads` from its flag text: a whole number ≥ 1; default (undefined) the machine's available parallelism.
 * @throws QuietBandError('CONFIG') naming the flag.
 */
export function parseThreads(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new QuietBandError(`--threads: "${text}" is not a whole number of threads ≥ 1`, 'CONFIG');
  return n;
}

/**
 * Starts a worker that runs the slow path's engine over `file` for one pass (the same blocks, settle and sample limit
 * as the main thread's pass), writing into a shared feed the main thread's chain reads in place of its own engine.
 * @throws QuietBandError('IO') when the compiled worker is missing (build first).
 */
export function startSlowPathWorker(
  file: string, sourceOptions: FileSourceOptions, opts: PipelineOptions, pass: { maxSamples?: number; settleSamples: number },
): SlowPathWorker {
  const url = compiledModuleUrl(import.meta.url, REPLAY_WORKER_DIST_PATH);
  if (url === null) throw new QuietBandError(`the replay worker ${REPLAY_WORKER_DIST_PATH} is missing: build QuietBand first (npm run build)`, 'IO');
  const layout: SlowFeedLayout = { fftSize: opts.spectrum.fftSize, ...DEFAULT_SLOW_FEED };
  const sab = createSlowFeedBuffer(layout);
  const { onWarning: _ignored, ...plain } = sourceOptions;
  const data: SlowWorkerData = { file, sourceOptions: plain, opts, maxSamples: pass.maxSamples ?? null, settleSamples: pass.settleSamples, sab, layout };
  const worker = new Worker(url, { workerData: data });
  const reader = new SlowFeedReader(sab, layout, `${file}: replay worker`);
  let failure: Error | null = null;
  const exited = new Promise<void>((resolve) => {
    worker.once('error', (err) => {
      failure = err;
    });
    worker.once('exit', () => resolve());
  });
  return {
    reader,
    async close() {
      reader.abort();
      await exited;
      if (failure !== null) throw new QuietBandError(`${file}: replay worker failed: ${(failure as Error).message}`, 'IO', { cause: failure });
    },
  };
}
