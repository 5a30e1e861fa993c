// Live listening's cost inside `quietband run` (docs/listening.md §5): a sensor at --rate-sps with a long FM
// transmission (1 kHz tone), either the simulator (--source sim) or a cu8 SigMF recording of the same scenario replayed
// at its sample rate (--source file: the generator's cost is paid before the run); once it is identified as nfm, CPU
// per thread (/proc), the sensor's dropped blocks, achieved rate and real-time load (/metrics) over --phase-s without a
// listen, then over --phase-s with one live listen (audio frames counted).
// Usage: node bench/listen-cost.js [--rate-sps 2400000] [--phase-s 10] [--source sim|file] [--keep]   (npx tsc -p . first)
// @ts-check
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { REPO, freePort, loadAverage, parseArgs, round, scrapeSensorMetrics, startDaemon, stopChild, threadCpuS } from './live-harness.js';

if (!existsSync(path.join(REPO, 'dist/src/cli/main.js'))) {
  process.stderr.write('dist/ is missing: run `npx tsc -p .` first\n');
  process.exit(2);
}
const USAGE = `node bench/listen-cost.js [options]   (compile first: npx tsc -p .)
  --rate-sps R   sim sensor rate (2400000)
  --phase-s S    seconds measured without, then with, one live listen (10)
  --source K     sim (generated live) or file (a cu8 recording of the same scenario, paced) (sim)
  --keep         keep the temp folder (config, data dir, daemon log)
`;
const args = parseArgs(process.argv.slice(2), { rateSps: 2_400_000, phaseS: 10, source: 'sim', keep: false }, USAGE);
if (args.source !== 'sim' && args.source !== 'file') {
  process.stderr.write(`--source: expected sim or file, got ${args.source}\n${USAGE}`);
  process.exit(2);
}
const CENTER_HZ = 433_920_000;
const FM_OFFSET_HZ = 150_000;

const dir = await mkdtemp(path.join(os.tmpdir(), 'qb-listen-cost-'));
const port = await freePort();
const cycleS = 2 * args.phaseS + 30;
const config = path.join(dir, 'site.json');
const scenario = { durationS: cycleS, seed: 5, events: [{ kind: 'fm', offsetHz: Math.min(FM_OFFSET_HZ, args.rateSps / 4), snrDb: 25, startS: 3, durationS: cycleS - 4 }] };
/** @type {Record<string, unknown>} */
let source = { source: 'sim', scenario };
if (args.source === 'file') {
  const { writeSimCapture } = await import('../dist/src/source/sim.js');
  const t0 = Date.now();
  const r = await writeSimCapture(dir + path.sep, { ...scenario, rateSps: args.rateSps, centerHz: CENTER_HZ });
  process.stderr.write(`recording of ${cycleS} s at ${args.rateSps} S/s written in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  source = { source: `file:${r.dataPath}` };
}
await writeFile(config, JSON.stringify({
  site: 'bench-listen', warmupS: 2, calibrationDir: path.join(dir, 'cal'), dataDir: path.join(dir, 'data'),
  http: { port },
  sensors: [{ name: 'room-1', centerHz: CENTER_HZ, rateSps: args.rateSps, fftSize: 1024, ...source }],
}));
const daemon = await startDaemon(config, { logPath: path.join(dir, 'daemon.log') });

/** @type {any[]} */
const alerts = [];
/** @type {any} */
let lastStatus = null;
let frames = 0;
/** @type {any[]} */
const states = [];
const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
ws.on('message', (/** @type {Buffer} */ d, /** @type {boolean} */ bin) => {
  if (bin) {
    frames++;
    return;
  }
  const m = JSON.parse(d.toString());
  if (m.type === 'alert') alerts.push(m.alert);
  else if (m.type === 'status') lastStatus = m.sensors.find((/** @type {any} */ s) => s.sensor === 'room-1');
  else if (m.type === 'listen-state') states.push(m);
});
await new Promise((r, j) => {
  ws.once('open', r);
  ws.once('error', j);
});
ws.send(JSON.stringify({ v: 1, type: 'resume', sinceSeq: 0 }));

/** @param {() => any} pick @param {number} ms @param {string} what */
async function waitFor(pick, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = pick();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Thread CPU (s per s of wall time) and the sensor's counters over `seconds`. */
async function phase(seconds) {
  const c0 = threadCpuS(daemon.pid);
  const d0 = lastStatus?.droppedBlocks ?? 0;
  const t0 = Date.now();
  const f0 = frames;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c1 = threadCpuS(daemon.pid);
  const wallS = (Date.now() - t0) / 1000;
  /** @type {Record<string, number>} */
  const threads = {};
  for (const [k, v] of Object.entries(c1)) {
    const used = (v - (c0[k] ?? 0)) / wallS;
    if (used >= 0.005) threads[k] = round(used, 3);
  }
  const m = await scrapeSensorMetrics(daemon.url, ['quietband_sensor_realtime_load', 'quietband_sensor_achieved_rate_sps']);
  return {
    wallS: round(wallS, 1), threads, droppedBlocks: (lastStatus?.droppedBlocks ?? 0) - d0, achievedRateSps: m.quietband_sensor_achieved_rate_sps['room-1'],
    realtimeLoad: round(m.quietband_sensor_realtime_load['room-1'] ?? NaN, 3), frames: frames - f0, load: loadAverage(),
  };
}

try {
  const nfm = await waitFor(() => alerts.find((a) => a.kind === 'transmission' && a.event !== 'close' && a.signal?.class === 'nfm'), 60_000, 'an nfm alert');
  const without = await phase(args.phaseS);
  ws.send(JSON.stringify({ v: 1, type: 'listen', alertId: nfm.alertId }));
  await waitFor(() => frames > 0, 10_000, 'audio frames');
  const withListen = await phase(args.phaseS);
  ws.send(JSON.stringify({ v: 1, type: 'listen-stop', alertId: nfm.alertId }));
  const fresh = Object.keys(withListen.threads).filter((k) => !(k in without.threads));
  process.stdout.write(`${JSON.stringify({ rateSps: args.rateSps, without, withListen, newThreads: fresh, states: states.map((s) => s.state) })}\n`);
} finally {
  ws.close();
  await stopChild(daemon.child);
  if (!args.keep) await rm(dir, { recursive: true, force: true });
  else process.stderr.write(`kept ${dir}\n`);
}
