// @ts-check
// A wideband live run: QuietBand's site daemon (startSite, as `quietband run --config` starts it: supervisor, sensor
// worker thread, alert bus and store, HTTP server) in this process, with one `soapy:` sensor on the quietband-fake
// SoapySDR module (test/fake-soapy) streaming its seeded synthetic signal paced in real time at 20 MS/s: noise plus a
// 577 µs tone burst every second at a known time and frequency. Measures, for --duration-s (default 300) from the
// daemon's start: blocks the worker processed, dropped blocks (the source's count: consumer drops + driver overflows),
// the device's overflows and lost samples (the fake's own counters), CPU of this process in % of one core
// (process.cpuUsage: main thread, sensor worker, Soapy read thread and the fake's signal generation), the worker's
// real-time load, peak RSS, the bursts detected against the schedule, and the machine's load average at start and end.
//
//   npx tsc -p . && node bench/soapy-live-20msps.mjs [--duration-s 300] [--rate-sps 20000000] [--fft-size 4096]
//
// Needs g++ and libsoapysdr-dev (the module is built into <tmpdir>/quietband-bench-fake-soapy/) and the quietband_soapy
// addon. The last line of output is one JSON object with every figure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadAverage, mib, parseArgs, REPO, round, systemCpu, threadCpuS } from './live-harness.js';

const USAGE = `node bench/soapy-live-20msps.mjs [options]
  --duration-s 300        run length from the daemon's start (s)
  --rate-sps 20000000     sample rate of the fake receiver
  --fft-size 4096         sensor FFT size (docs/receivers.md: 4096 at 20 MS/s, RBW 4.9 kHz; fast path 1024)
  --warmup-s 10           warm-up baseline length (s)
  --buffer-ms 100         the fake's device buffer (a HackRF's libhackrf ring holds ≈ 100 ms at 20 MS/s)
  --native CS8            the fake's native stream format (CS8 like a HackRF; CS16, CF32)
  --seed 1 --noise-dbfs -40 --burst-dbfs -30 --burst-ms 0.577 --burst-period-ms 1000 --burst-first-ms 500
  --center-hz 2440000000  --poll-s 10
  --no-clips              evidence clips and pictures off (default on, quota 256 MiB, as a site runs)
`;
const o = parseArgs(
  process.argv.slice(2),
  {
    durationS: 300,
    rateSps: 20_000_000,
    fftSize: 4096,
    warmupS: 10,
    bufferMs: 100,
    native: 'CS8',
    seed: 1,
    noiseDbfs: -40,
    burstDbfs: -30,
    burstMs: 0.577,
    burstPeriodMs: 1000,
    burstFirstMs: 500,
    centerHz: 2_440_000_000,
    pollS: 10,
    clips: true,
  },
  USAGE,
);

const dist = (/** @type {string} */ p) => path.join(REPO, 'dist', p);
for (const f of ['src/site/site-daemon.js', 'native-bindings/soapy.js']) {
  if (!existsSync(dist(f))) {
    process.stderr.write(`${dist(f)} missing: run npx tsc -p . first\n`);
    process.exit(2);
  }
}

// ---- the fake module, found by SoapySDR through SOAPY_SDR_PLUGIN_PATH (read when the worker first loads Soapy) ----
const moduleDir = path.join(os.tmpdir(), 'quietband-bench-fake-soapy');
mkdirSync(moduleDir, { recursive: true });
execFileSync('sh', [path.join(REPO, 'test', 'fake-soapy', 'build.sh'), moduleDir], { stdio: ['ignore', 'ignore', 'inherit'] });
process.env.SOAPY_SDR_PLUGIN_PATH = moduleDir;

const { startSite } = await import(dist('src/site/site-daemon.js'));
const { siteFromFlags } = await import(dist('src/cli/site-flags.js'));
const { createLogger } = await import(dist('src/log.js'));
const { settleSamplesFor } = await import(dist('src/site/sensor-pipeline.js'));
const { processingOf } = await import(dist('src/metrics/site-metrics.js'));
const { soapyBlockSamples } = await import(dist('src/source/soapy-source.js'));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-bench-soapy-20m-'));
const statsFile = path.join(tmp, 'fake-stats.json');
const deviceArgs = [
  'driver=quietband-fake',
  'serial=QBFAKE01',
  `native=${o.native}`,
  `seed=${o.seed}`,
  `noise_dbfs=${o.noiseDbfs}`,
  `burst_dbfs=${o.burstDbfs}`,
  `burst_ms=${o.burstMs}`,
  `burst_period_ms=${o.burstPeriodMs}`,
  `burst_first_ms=${o.burstFirstMs}`,
  `buffer_ms=${o.bufferMs}`,
  `stats=${statsFile}`,
].join(',');
const config = path.join(tmp, 'site.json');
writeFileSync(
  config,
  JSON.stringify({
    site: 'bench-soapy-20m',
    warmupS: o.warmupS,
    calibrationDir: path.join(tmp, 'cal'),
    evidence: { quotaMiB: 256, clips: o.clips, pictures: o.clips },
    sensors: [{ name: 'wide', source: `soapy:${deviceArgs}`, centerHz: o.centerHz, rateSps: o.rateSps, fftSize: o.fftSize, soapy: { gains: { LNA: 24, VGA: 20, AMP: 0 } } }],
  }),
);

/** @returns {{ samplesRead: number, samplesLost: number, overflows: number } | null} */
function fakeStats() {
  try {
    return JSON.parse(readFileSync(statsFile, 'utf8'));
  } catch {
    return null;
  }
}

const flags = { config, dataDir: path.join(tmp, 'data'), httpPort: '0', logLevel: 'warn' };
const log = createLogger('warn');
const { site } = await siteFromFlags(flags, (/** @type {string} */ k) => k in flags, 'run', log);
const loadStart = loadAverage();
const cpu0 = process.cpuUsage();
const sys0 = systemCpu();
const threads0 = threadCpuS(process.pid);
const t0 = performance.now();
const running = await startSite(site, { log, logLevel: 'warn' });
process.stdout.write(`daemon at ${running.url}; sensor wide: soapy:${deviceArgs} at ${o.centerHz / 1e6} MHz, ${o.rateSps / 1e6} MS/s, FFT ${o.fftSize}; load average ${loadStart.join(' ')}\n`);

/** @type {{ startS: number, centerHz: number, atMs: number }[]} */
const opens = [];
/** @type {Record<string, number>} */
const otherAlerts = {};
running.bus.on('alert', (/** @type {any} */ a) => {
  if (a.kind === 'transmission' && a.event === 'open' && a.detection) opens.push({ startS: a.detection.startS, centerHz: a.detection.centerHz, atMs: performance.now() - t0 });
  else if (a.kind !== 'transmission') otherAlerts[`${a.kind}:${a.event}`] = (otherAlerts[`${a.kind}:${a.event}`] ?? 0) + 1;
});

const sup = running.supervisors[0];
let lastCpu = process.cpuUsage();
let lastT = performance.now();
let maxDropped = 0;
const poll = setInterval(() => {
  const h = sup.health();
  const c = process.cpuUsage(lastCpu);
  const now = performance.now();
  const cpuPct = ((c.user + c.system) / 1000 / (now - lastT)) * 100;
  lastCpu = process.cpuUsage();
  lastT = now;
  maxDropped = Math.max(maxDropped, h.droppedBlocks);
  const fs = fakeStats();
  const p = processingOf(h);
  const rl = p?.load(Date.now());
  process.stdout.write(
    `t=${round((now - t0) / 1000, 0)} s state ${h.state} achieved ${round(h.achievedRateSps / 1e6, 2)} MS/s dropped ${h.droppedBlocks} ` +
      `overflows ${fs?.overflows ?? '?'} cpu ${round(cpuPct, 0)} % rss ${mib(process.memoryUsage().rss)} MiB realtime load ${rl == null ? '-' : round(rl, 2)} detections ${opens.length}\n`,
  );
}, o.pollS * 1000);

await new Promise((r) => setTimeout(r, o.durationS * 1000));
clearInterval(poll);
const wallS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const threads1 = threadCpuS(process.pid);
const health = sup.health();
const proc = processingOf(health);
const hist = proc ? await proc.histogram.get() : null;
const blocksProcessed = hist?.values.find((/** @type {any} */ v) => v.metricName?.endsWith('_count'))?.value ?? null;
const realtimeLoad = proc?.load(Date.now()) ?? null;
const loadEnd = loadAverage();
const sys1 = systemCpu();
await running.stop();
const rusage = process.resourceUsage();
const st = fakeStats();

// ---- truth: the fake's burst schedule (fake-soapy.cc header), bursts after the warm-up and ≥ 1 s before the end ----
const phi = 0.6180339887498949;
const armedS = settleSamplesFor(site.settleS, o.rateSps) / o.rateSps + o.warmupS;
const endS = (st?.samplesRead ?? 0) / o.rateSps - 1;
/** @type {{ k: number, startS: number, centerHz: number }[]} */
const truth = [];
for (let k = 0; ; k++) {
  const startS = (o.burstFirstMs + k * o.burstPeriodMs) / 1000;
  if (startS > endS) break;
  if (startS < armedS + 0.1) continue;
  const fr = (0.5 + (k + o.seed) * phi) % 1;
  truth.push({ k, startS, centerHz: o.centerHz + o.rateSps * 0.8 * (fr - 0.5) });
}
// Samples a driver overflow lost count in the stream's sample positions (the fake stamps its reads with its sample
// position, SOAPY_SDR_HAS_TIME), so detection times stay on the schedule across overflows; the burst's frequency
// (unique per burst) decides between neighbours.
const TOL_S = 0.02;
const TOL_HZ = 25_000;
const used = new Set();
let matched = 0;
/** @type {number[]} */
const dtUs = [];
/** @type {number[]} */
const dfHz = [];
for (const b of truth) {
  const i = opens.findIndex((d, j) => !used.has(j) && Math.abs(d.startS - b.startS) <= TOL_S && Math.abs(d.centerHz - b.centerHz) <= TOL_HZ);
  if (i < 0) continue;
  used.add(i);
  matched++;
  dtUs.push((opens[i].startS - b.startS) * 1e6);
  dfHz.push(opens[i].centerHz - b.centerHz);
}
const unmatched = opens.filter((d, j) => !used.has(j) && d.startS >= armedS);
const absMax = (/** @type {number[]} */ a) => (a.length ? Math.max(...a.map(Math.abs)) : null);
/** @type {Record<string, number>} */
const threadCpu = {};
for (const [k, v] of Object.entries(threads1)) {
  const d = v - (threads0[k] ?? 0);
  if (d >= 0.5) threadCpu[k] = round((d / wallS) * 100, 1);
}

const cpuS = (cpu.user + cpu.system) / 1e6;
// the signal the worker processed: blocks × the source's block length (dropped blocks and lost samples excluded)
const processedS = ((blocksProcessed ?? 0) * soapyBlockSamples(o.rateSps)) / o.rateSps;
const cores = os.cpus().length;
const machineBusyPct = ((sys1.busy - sys0.busy) / (sys1.total - sys0.total)) * 100 * cores;
const result = {
  durationS: round(wallS, 1),
  rateSps: o.rateSps,
  fftSize: o.fftSize,
  fastFftSize: o.fftSize / 4,
  rbwHz: round(o.rateSps / o.fftSize, 0),
  blocksProcessed,
  droppedBlocks: health.droppedBlocks,
  maxDroppedSeen: Math.max(maxDropped, health.droppedBlocks),
  deviceOverflows: st?.overflows ?? null,
  deviceSamplesLost: st?.samplesLost ?? null,
  deviceSamplesRead: st?.samplesRead ?? null,
  achievedRateSps: health.achievedRateSps,
  cpuPctOfOneCore: round((cpuS / wallS) * 100, 1),
  // CPU seconds per second of signal processed: below 1 means one core keeps up when the machine gives it that much
  processedSignalS: round(processedS, 1),
  cpuCoresPerRealtime: processedS > 0 ? round(cpuS / processedS, 3) : null,
  // the whole machine's busy CPU (% of one core, all cores summed) and what other processes took of it
  machineBusyPctOfOneCore: round(machineBusyPct, 0),
  othersPctOfOneCore: round(machineBusyPct - (cpuS / wallS) * 100, 0),
  threadCpuPct: threadCpu,
  workerRealtimeLoad: realtimeLoad === null ? null : round(realtimeLoad, 3),
  rssPeakMiB: round(rusage.maxRSS / 1024, 1),
  bursts: { truth: truth.length, detected: matched, missed: truth.length - matched, falseDetections: unmatched.length, maxStartErrorUs: absMax(dtUs) === null ? null : round(/** @type {number} */ (absMax(dtUs)), 0), maxFreqErrorHz: absMax(dfHz) === null ? null : round(/** @type {number} */ (absMax(dfHz)), 0) },
  // each with the burst nearest in time (Δt s, Δf Hz): a second track on a burst shows Δt ≈ 0
  falseDetectionSample: unmatched.slice(0, 8).map((d) => {
    const near = truth.reduce((a, b) => (Math.abs(b.startS - d.startS) < Math.abs(a.startS - d.startS) ? b : a), truth[0] ?? { k: -1, startS: NaN, centerHz: NaN });
    return { startS: round(d.startS, 4), centerHz: Math.round(d.centerHz), nearestBurst: near.k, dtS: round(d.startS - near.startS, 4), dfHz: Math.round(d.centerHz - near.centerHz) };
  }),
  otherAlerts,
  loadAverageStart: loadStart,
  loadAverageEnd: loadEnd,
  cores,
};
process.stdout.write(
  `\n${result.durationS} s at ${o.rateSps / 1e6} MS/s, FFT ${o.fftSize}: ${blocksProcessed} blocks processed, dropped ${result.droppedBlocks}, ` +
    `device overflows ${result.deviceOverflows} (${result.deviceSamplesLost} samples lost); CPU ${result.cpuPctOfOneCore} % of one core ` +
    `(${result.cpuCoresPerRealtime} core-s per s of signal processed; other processes ${result.othersPctOfOneCore} %), ` +
    `worker real-time load ${result.workerRealtimeLoad}, RSS peak ${result.rssPeakMiB} MiB; bursts ${matched}/${truth.length} detected, ` +
    `${unmatched.length} other detections; load average ${loadStart.join(' ')} → ${loadEnd.join(' ')}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
rmSync(tmp, { recursive: true, force: true });
process.exit(0);
