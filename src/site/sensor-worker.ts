// Worker-thread entry of one sensor (loaded by the supervisor from dist/src/site/sensor-worker.js): runs or calibrates it.
import { EventEmitter } from 'node:events';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log.js';
import { calibrateSensor, runSensor } from './sensor-runner.js';
import type { MainToWorker, SensorWorkerData, WorkerToMain } from './worker-protocol.js';

if (isMainThread || parentPort === null) {
  process.stderr.write('sensor-worker.js runs inside a worker thread started by `quietband run` / `quietband calibrate`\n');
  process.exit(2);
}

const port = parentPort;
const data = workerData as SensorWorkerData;
const log = createLogger(data.logLevel).child({ component: 'sensor', sensor: data.sensor.name, source: data.sensor.sourceText });
const abort = new AbortController();
/** Other main → worker messages (calibration requests) for the runner. */
const control = new EventEmitter();
port.on('message', (m: MainToWorker) => {
  if (m.type === 'stop') abort.abort();
  else control.emit('message', m);
});
const host = {
  data,
  post: (msg: WorkerToMain, transfer?: ArrayBuffer[]) => port.postMessage(msg, transfer),
  signal: abort.signal,
  log,
  control,
};
try {
  if (data.sensor.scan !== undefined) {
    // a sensor with a scan plan hops its source (hop-runner.ts, loaded only then: with the hop evidence's SigMF
    // reader it costs ≈ 0.1 s of CPU that a fixed sensor's thread need not pay)
    const { calibrateScanSensor, runScanSensor } = await import('./hop-runner.js');
    if (data.mode === 'calibrate') await calibrateScanSensor(host);
    else await runScanSensor(host);
  } else if (data.mode === 'calibrate') await calibrateSensor(host);
  else await runSensor(host);
} catch (err) {
  log.error({ err }, 'sensor worker failed');
  port.postMessage({ type: 'fatal', code: 'IO', message: err instanceof Error ? err.message : String(err) } satisfies WorkerToMain);
}
// nothing may keep the thread alive after the runner returned (a source that left a handle open)
port.close();
process.exit(0);
