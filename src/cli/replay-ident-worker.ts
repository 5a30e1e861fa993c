// Worker-thread entry of a threaded replay's identification (started by cli/replay-threads.ts from
// dist/src/cli/replay-ident-worker.js): classifies the detections the main thread hands over, in the order received.
import { isMainThread, parentPort } from 'node:worker_threads';
import { identifyJob, type IdentJob } from '../ident/detection-ident.js';
import type { IdentReply } from './replay-threads.js';

if (isMainThread || parentPort === null) {
  process.stderr.write('replay-ident-worker.js runs inside a worker thread started by `quietband replay`\n');
  process.exit(2);
}

const port = parentPort;
port.on('message', (m: { seq: number; job: IdentJob }) => {
  let reply: IdentReply;
  try {
    reply = { seq: m.seq, summary: identifyJob(m.job).summary };
  } catch (err) {
    reply = { seq: m.seq, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
