// `node bench/ident-replay-cost.js [seconds]`: the cost of identification in `quietband replay`: the bench capture
// (bench/capture.js: 2.4 MS/s cu8 sim) replayed with --no-identify and with identification (IQ ring + a classification
// per detection), alternately, twice each. Prints the detection pass's wall time (the part a live sensor runs) and the
// whole replay's. Needs dist/ (npx tsc).
// @ts-check
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ensureCapture } from './capture.js';
import { replayFile } from '../dist/src/cli/replay.js';
import { openFileSource } from '../dist/src/source/file-source.js';
import { learnBaseline, detect } from '../dist/src/pipeline.js';
import { pipelineOptions } from '../dist/src/cli/pipeline-flags.js';
import { DetectionIdentifier } from '../dist/src/ident/detection-ident.js';

const seconds = Number(process.argv[2] ?? 10);
const cap = await ensureCapture(seconds);
/** @param {boolean} identify */
async function once(identify) {
  /** @type {number} */
  let detectWallS = NaN;
  const stream = new Writable({
    write(chunk, _e, cb) {
      const rec = JSON.parse(String(chunk));
      if (rec.msg === 'replay finished') detectWallS = rec.detectWallS;
      cb();
    },
  });
  let dets = 0;
  let classified = 0;
  const s = await replayFile(cap.metaPath, { progress: false, identify }, (line) => {
    const d = JSON.parse(line);
    if (d.type !== 'detection') return;
    dets++;
    if (d.signal) classified++;
  }, pino({ level: 'info' }, stream));
  return { identify, wallS: s.wallS, detectWallS, detections: dets, classified };
}
/**
 * The detection pass alone with the IQ ring tapped in or not (no classification): what the ring costs per block.
 * @param {boolean} ring
 */
async function detectPass(ring) {
  const probe = await openFileSource(cap.metaPath);
  const info = probe.info;
  await probe.close();
  const opts = pipelineOptions({}, info.rateSps);
  const { baseline } = await learnBaseline(await openFileSource(cap.metaPath), opts, 'auto');
  const src = await openFileSource(cap.metaPath);
  const ident = ring ? new DetectionIdentifier(info) : undefined;
  const t0 = performance.now();
  await detect(ident ? ident.tap(src) : src, baseline, opts, () => {});
  return (performance.now() - t0) / 1000;
}
const ringRuns = [];
for (let i = 0; i < 3; i++) for (const ring of [false, true]) ringRuns.push({ ring, s: await detectPass(ring) });
const best = (/** @type {boolean} */ ring) => Math.min(...ringRuns.filter((r) => r.ring === ring).map((r) => r.s));
process.stdout.write(`detect pass without ring ${best(false).toFixed(2)} s, with the 1 s IQ ring ${best(true).toFixed(2)} s (best of 3; ${seconds} s of 2.4 MS/s)\n`);
const runs = [];
for (let i = 0; i < 2; i++) for (const id of [false, true]) runs.push(await once(id));
for (const r of runs) process.stdout.write(`${r.identify ? 'identify   ' : 'no-identify'}: detect pass ${r.detectWallS.toFixed(2)} s, whole replay ${r.wallS.toFixed(2)} s, ${r.detections} detections (${r.classified} classified) for ${seconds} s of 2.4 MS/s\n`);
const med = (/** @type {boolean} */ id) => runs.filter((r) => r.identify === id).map((r) => r.detectWallS).sort((a, b) => a - b)[0];
process.stdout.write(JSON.stringify({ seconds, detectPassS: best(false), detectPassWithRingS: best(true), ringRatio: +(best(true) / best(false)).toFixed(3), detectWallSNoIdentify: med(false), detectWallSIdentify: med(true), ratio: +(med(true) / med(false)).toFixed(3) }) + '\n');
