// Worker-thread entry of a threaded replay (started by cli/replay-threads.ts from dist/src/cli/replay-worker.js): for
// each pass it is sent, runs the slow path's engine over the recording, exactly as the main thread's analysis chain
// would, and writes its Welch averages into that pass's shared feed.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openFileSource } from '../source/file-source.js';
import { limitedBlock, pieceEnd, slowEngineFor } from '../pipeline.js';
import { SlowFeedAborted, SlowFeedWriter } from '../spectrum/slow-frame-feed.js';
import type { SlowPass, SlowWorkerData } from './replay-threads.js';

if (isMainThread || parentPort === null) {
  process.stderr.write('replay-worker.js runs inside a worker thread started by `quietband replay`\n');
  process.exit(2);
}

const data = workerData as SlowWorkerData;

/** One pass: the loops of pipeline.ts runPass and AnalysisChain.push, with the slow engine only. */
async function runPass(pass: SlowPass): Promise<void> {
  const feed = new SlowFeedWriter(pass.sab, pass.layout);
  try {
    const source = await openFileSource(data.file, data.sourceOptions);
    try {
      const slow = slowEngineFor(data.opts);
      const hop = slow.hop;
      const limit = pass.maxSamples ?? Infinity;
      for await (const block of source.blocks()) {
        const b = limitedBlock(block, limit);
        let from = Math.max(0, data.settleSamples - b.firstSample);
        const to = b.count;
        while (from < to) {
          const slowEnd = slow.nextSlowFrameEnd(b, from);
          feed.piece(b.firstSample + from, slowEnd);
          const z = pieceEnd(b, to, slowEnd, hop);
          slow.push(b, feed, from, z);
          from = z;
        }
        if (b.firstSample + b.count >= limit) break;
      }
    } finally {
      await source.close();
    }
    feed.finish();
  } catch (err) {
    // the reader gave up (its own error, or the pass ended): nothing to report
    if (!(err instanceof SlowFeedAborted)) feed.fail(err instanceof Error ? err.message : String(err));
  }
}

// passes one after the other, in the order sent
let queue = Promise.resolve();
parentPort.on('message', (pass: SlowPass) => {
  queue = queue.then(() => runPass(pass));
});
