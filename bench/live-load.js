// Live load bench: N Debian rtl_tcp servers on the fake librtlsdr (real-time paced, looping a seeded cu8 capture) on
// loopback, one `quietband run` with N rtl_tcp sensors; dropped blocks on both sides, achieved rates, CPU and RSS.
// Usage: node bench/live-load.js [--duration-s 300] [--sensors 8] [--rate-sps 2400000] [--no-evidence] [--keep]
//        (run `npx tsc -p .` first; needs cc, rtl-sdr (rtl_tcp), stdbuf, ss)
// @ts-check
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  REPO, freePort, isInterrupted, loadAverage, mib, parseArgs, processCpuS, processRss, round, scrapeSensorMetrics,
  setInterruptHandler, startDaemon, stopChild, systemCpu, threadCpuS, track, waitForExit,
} from './live-harness.js';

const execFileAsync = promisify(execFile);

if (!existsSync(path.join(REPO, 'dist/src/cli/main.js'))) {
  process.stderr.write('dist/ is missing: run `npx tsc -p .` first\n');
  process.exit(2);
}
const { writeSimCapture, simBaseName } = await import('../dist/src/source/sim.js');
const { buildFakeLibrtlsdr } = await import('./references.js');

const USAGE = `node bench/live-load.js [options]   (compile first: npx tsc -p .)
  --duration-s S     run length from the daemon's start (300)
  --sensors N        rtl_tcp servers and sensors (8)
  --rate-sps R       sample rate of every sensor (2400000)
  --capture-s S      length of the looped capture the fake streams (10; cached in the temp dir)
  --warmup-s S       sensor baseline warm-up (10, the site default)
  --poll-s S         period of the /metrics, RSS and CPU readings (5)
  --ll-buffers N     rtl_tcp -n: linked-list buffers it keeps before dropping the oldest (500, its default)
  --no-evidence      evidence clips and pictures off (default on, quota 256 MiB in the temp data dir)
  --keep             keep the temp folder (config, data dir, daemon log, rtl_tcp logs)
`;
const args = parseArgs(process.argv.slice(2), {
  durationS: 300, sensors: 8, rateSps: 2_400_000, captureS: 10, warmupS: 10, pollS: 5, llBuffers: 500, evidence: true, keep: false,
}, USAGE);

const RATE = args.rateSps;
const CENTER_HZ = 433_920_000;
/** librtlsdr's default transfer (rtl_tcp's unit of queueing): 16 × 32 × 512 bytes. */
const TRANSFER_BYTES = 262_144;

/**
 * The streamed scenario, `seconds` long: the demo carriers (whole cycles per loop, so the loop is phase-continuous),
 * noise −35 dBFS and one burst per 5 s alternating a 60 ms OOK burst and a 30 ms noise burst at moving offsets.
 * @param {number} seconds
 */
function loadScenario(seconds) {
  const events = [];
  for (let t = 2, i = 0; t + 0.1 < seconds; t += 5, i++) {
    events.push(i % 2 === 0
      ? { kind: 'ook', offsetHz: 120_000 + 150_000 * (i % 4), snrDb: 20, startS: t, durationS: 0.06 }
      : { kind: 'noise-burst', offsetHz: -300_000 - 100_000 * (i % 3), snrDb: 25, startS: t, durationS: 0.03, bandwidthHz: 20_000 });
  }
  return {
    rateSps: RATE, centerHz: CENTER_HZ, durationS: seconds, seed: 20260608, noiseDbfs: -35,
    carriers: [{ offsetHz: -180_000, powerDbfs: -20 }, { offsetHz: 420_000, powerDbfs: -25 }], events,
  };
}

/**
 * Writes the scenario's cu8 capture once into `<tmpdir>/quietband-bench-live-<hash>/` (hash over the scenario and the
 * compiled simulator) and returns the data file path.
 */
async function ensureLoadCapture() {
  const scenario = loadScenario(args.captureS);
  const h = createHash('sha256').update(JSON.stringify(scenario));
  for (const f of ['sim.js', 'sim-generators.js']) h.update(readFileSync(path.join(REPO, 'dist/src/source', f)));
  const dir = path.join(os.tmpdir(), `quietband-bench-live-${h.digest('hex').slice(0, 16)}`);
  const dataPath = path.join(dir, `${simBaseName(scenario)}.sigmf-data`);
  const bytes = 2 * Math.round(scenario.rateSps * scenario.durationS);
  if (existsSync(dataPath) && statSync(dataPath).size === bytes) return { dataPath, generated: false };
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeSimCapture(tmp + path.sep, scenario);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dataPath, generated: true };
}

/**
 * @typedef {object} Server
 * @property {number} index
 * @property {number} port
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} pid
 * @property {number} queue  rtl_tcp's last reported linked-list length ("ll+, now N" / "ll-, now N")
 * @property {number} maxQueue
 * @property {number} llMessages
 * @property {number} clients "client accepted" lines (reconnects show here)
 * @property {string} tail
 */

/**
 * Starts Debian's rtl_tcp on the fake librtlsdr, stdout line-buffered (stdbuf -oL) so its "ll+, now N" queue lines
 * arrive as they are printed; resolves when it prints "listening".
 * @param {number} index @param {string} libDir @param {string} dataPath @param {string} logDir
 * @returns {Promise<Server>}
 */
async function startServer(index, libDir, dataPath, logDir) {
  const port = await freePort();
  const child = track(spawn('stdbuf', ['-oL', '-eL', 'rtl_tcp', '-a', '127.0.0.1', '-p', String(port), '-s', String(RATE), '-f', String(CENTER_HZ), '-n', String(args.llBuffers)], {
    env: {
      ...process.env, LD_LIBRARY_PATH: libDir, FAKE_RTLSDR_FILE: dataPath, FAKE_RTLSDR_LOOP: '1', FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_QUIET: '1',
      FAKE_RTLSDR_SERIALS: `FAKE${String(index + 1).padStart(4, '0')}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  /** @type {Server} */
  const s = { index, port, child, pid: /** @type {number} */ (child.pid), queue: 0, maxQueue: 0, llMessages: 0, clients: 0, tail: '' };
  const logPath = path.join(logDir, `rtl_tcp-${index}.log`);
  const chunks = /** @type {string[]} */ ([]);
  let listening = /** @type {(() => void) | null} */ (null);
  const onText = (/** @type {string} */ text) => {
    chunks.push(text);
    s.tail = (s.tail + text).slice(-2000);
    for (const m of text.matchAll(/ll([+-]), now (\d+)/g)) {
      s.queue = Number(m[2]);
      s.llMessages++;
      if (s.queue > s.maxQueue) s.maxQueue = s.queue;
    }
    s.clients += (text.match(/client accepted/g) ?? []).length;
    if (listening && /listening/.test(s.tail)) listening();
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', onText);
  child.stderr?.on('data', onText);
  child.once('exit', () => {
    if (args.keep) writeFile(logPath, chunks.join('')).catch(() => undefined);
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rtl_tcp on port ${port} did not print "listening" within 10 s:\n${s.tail}`)), 10_000);
    listening = () => {
      clearTimeout(timer);
      listening = null;
      resolve(undefined);
    };
    if (/listening/.test(s.tail)) listening();
    child.once('exit', (code) => reject(new Error(`rtl_tcp on port ${port} exited (${code}):\n${s.tail}`)));
  });
  return s;
}

/**
 * Bytes the servers' sockets have had acknowledged by the client (TCP bytes_acked from `ss -ti`), by local port.
 * @param {number[]} ports
 * @returns {Promise<Map<number, number>>}
 */
async function bytesAcked(ports) {
  const out = new Map();
  try {
    const { stdout } = await execFileAsync('ss', ['-tinH', 'state', 'established', `( ${ports.map((p) => `sport = :${p}`).join(' or ')} )`]);
    // ss prints each socket on one line followed by an indented line of TCP info
    const lines = stdout.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /127\.0\.0\.1:(\d+)\s/.exec(lines[i]);
      if (!m || !ports.includes(Number(m[1]))) continue;
      const info = `${lines[i]} ${lines[i + 1] ?? ''}`;
      const acked = /bytes_acked:(\d+)/.exec(info);
      if (acked) out.set(Number(m[1]), (out.get(Number(m[1])) ?? 0) + Number(acked[1]));
    }
  } catch {
    // ss missing: no server-side byte counts
  }
  return out;
}

// ───────────────────────────── run ─────────────────────────────

const t0 = performance.now();
const libDir = await buildFakeLibrtlsdr();
const capture = await ensureLoadCapture();
const dir = await mkdtemp(path.join(os.tmpdir(), 'quietband-bench-live-load-'));
log(`live load: ${args.sensors} × rtl_tcp (fake librtlsdr, real time, looping ${args.captureS} s capture${capture.generated ? ', generated now' : ''}) at ${RATE / 1e6} MS/s ` +
  `for ${args.durationS} s; evidence ${args.evidence ? 'on' : 'off'}; ${os.cpus().length} CPUs, load ${loadAverage().join(' ')}; temp ${dir}`);

/** @type {Server[]} */
const servers = [];
/** @type {import('./live-harness.js').Daemon | null} */
let daemon = null;
setInterruptHandler(async () => {
  if (daemon) await stopChild(daemon.child);
  await Promise.all(servers.map((s) => stopChild(s.child, { repeat: true })));
  if (!args.keep) await rm(dir, { recursive: true, force: true });
});
for (let i = 0; i < args.sensors; i++) servers.push(await startServer(i, libDir, capture.dataPath, dir));

const configPath = path.join(dir, 'site.json');
await writeFile(configPath, JSON.stringify({
  site: 'bench-live-load',
  http: { bind: '127.0.0.1', port: 0 },
  dataDir: path.join(dir, 'data'),
  calibrationDir: path.join(dir, 'calibration'),
  warmupS: args.warmupS,
  evidence: { clips: args.evidence, pictures: args.evidence, quotaMiB: 256 },
  sensors: servers.map((s) => ({ name: `tcp-${s.index}`, source: `rtltcp:127.0.0.1:${s.port}`, centerHz: CENTER_HZ, rateSps: RATE, gainDb: 30 })),
}, null, 2));

/** Counts of daemon log lines at warn level and above, by message. @type {Map<string, number>} */
const warnings = new Map();
/** Sensor name → wall time it went 'armed'. @type {Map<string, number>} */
const armedAt = new Map();
daemon = await startDaemon(configPath, {
  logPath: path.join(dir, 'daemon.log'),
  onLog: (l) => {
    if (l.msg === 'sensor state' && l.state === 'armed' && typeof l.sensor === 'string' && !armedAt.has(l.sensor)) armedAt.set(l.sensor, Date.now());
    if (typeof l.level === 'number' && l.level >= 40) {
      const key = `${l.level >= 50 ? 'error' : 'warn'}: ${String(l.msg).slice(0, 120)}`;
      warnings.set(key, (warnings.get(key) ?? 0) + 1);
    }
  },
});
const d = daemon;
const names = servers.map((s) => `tcp-${s.index}`);
const steadyAfterMs = d.readyAtMs + (args.warmupS + 5 + 1) * 1000; // settle + warm-up + one 5 s rate window

/** Per-sensor series from the polls. */
const per = new Map(names.map((n) => [n, { dropped: 0, droppedMax: 0, droppedCarried: 0, rates: /** @type {number[]} */ ([]), offlinePolls: 0, configured: 0 }]));
const rss = { start: NaN, end: NaN, peak: 0 };
const serverRss = servers.map(() => ({ start: NaN, end: NaN, peak: 0 }));
const cpuStart = { qb: processCpuS(d.pid), servers: servers.map((s) => processCpuS(s.pid)), sys: systemCpu(), wallMs: Date.now() };
/** @type {{ qb: number, servers: number[], sys: { busy: number, total: number }, wallMs: number, acked: Map<number, number>, threads: Record<string, number> } | null} */
let steadyStart = null;
let polls = 0;
let lastSeq = 0;
/** @type {{ tS: number, rssMiB: number, dropped: number, minRateSps: number }[]} */
const timeline = [];

const endAtMs = d.readyAtMs + args.durationS * 1000;
while (Date.now() < endAtMs) {
  await new Promise((r) => setTimeout(r, Math.min(args.pollS * 1000, Math.max(0, endAtMs - Date.now()))));
  if (isInterrupted()) await waitForExit();
  if (d.child.exitCode !== null) throw new Error(`quietband run exited early (code ${d.child.exitCode}); see ${path.join(dir, 'daemon.log')}`);
  polls++;
  const now = Date.now();
  const r = processRss(d.pid);
  if (Number.isNaN(rss.start)) rss.start = r.rssBytes;
  rss.end = r.rssBytes;
  rss.peak = Math.max(rss.peak, r.hwmBytes);
  servers.forEach((s, i) => {
    const sr = processRss(s.pid);
    if (Number.isNaN(serverRss[i].start)) serverRss[i].start = sr.rssBytes;
    serverRss[i].end = sr.rssBytes;
    serverRss[i].peak = Math.max(serverRss[i].peak, sr.hwmBytes);
  });
  let m;
  try {
    m = await scrapeSensorMetrics(d.url, ['quietband_sensor_dropped_blocks', 'quietband_sensor_achieved_rate_sps', 'quietband_sensor_configured_rate_sps', 'quietband_sensor_online']);
    const res = await fetch(`${d.url}metrics`);
    lastSeq = Number(/^quietband_alert_last_seq\{[^}]*\}\s+(\S+)/m.exec(await res.text())?.[1] ?? lastSeq);
  } catch (err) {
    log(`  metrics: ${/** @type {Error} */ (err).message}`);
    continue;
  }
  let droppedNow = 0;
  let minRate = Infinity;
  for (const n of names) {
    const p = /** @type {NonNullable<ReturnType<typeof per.get>>} */ (per.get(n));
    const dropped = m.quietband_sensor_dropped_blocks[n];
    if (dropped !== undefined) {
      // the gauge restarts at 0 with a new worker: carry what the old one had counted
      if (dropped < p.dropped) p.droppedCarried += p.dropped;
      p.dropped = dropped;
      p.droppedMax = Math.max(p.droppedMax, p.droppedCarried + dropped);
    }
    droppedNow += p.droppedCarried + p.dropped;
    p.configured = m.quietband_sensor_configured_rate_sps[n] ?? p.configured;
    if (now >= steadyAfterMs) {
      const rate = m.quietband_sensor_achieved_rate_sps[n];
      if (rate !== undefined) {
        p.rates.push(rate);
        minRate = Math.min(minRate, rate);
      }
      if (m.quietband_sensor_online[n] !== 1) p.offlinePolls++;
    }
  }
  if (steadyStart === null && now >= steadyAfterMs) {
    steadyStart = { qb: processCpuS(d.pid), servers: servers.map((s) => processCpuS(s.pid)), sys: systemCpu(), wallMs: now, acked: await bytesAcked(servers.map((s) => s.port)), threads: threadCpuS(d.pid) };
  }
  const tS = (now - d.readyAtMs) / 1000;
  timeline.push({ tS: round(tS, 0), rssMiB: mib(r.rssBytes), dropped: droppedNow, minRateSps: Number.isFinite(minRate) ? Math.round(minRate) : NaN });
  log(`  t=${tS.toFixed(0).padStart(4)} s  RSS ${mib(r.rssBytes)} MiB  dropped blocks ${droppedNow}  min achieved ${Number.isFinite(minRate) ? `${(minRate / 1e6).toFixed(3)} MS/s` : '–'}  ` +
    `rtl_tcp queues ${servers.map((s) => s.queue).join(',')}  alerts ${lastSeq}`);
}

if (isInterrupted()) await waitForExit();
// final readings before anything is stopped
const end = { qb: processCpuS(d.pid), servers: servers.map((s) => processCpuS(s.pid)), sys: systemCpu(), wallMs: Date.now(), acked: await bytesAcked(servers.map((s) => s.port)), threads: threadCpuS(d.pid) };
const totalWallS = (end.wallMs - cpuStart.wallMs) / 1000;
const st = steadyStart ?? { ...cpuStart, acked: /** @type {Map<number, number>} */ (new Map()), threads: /** @type {Record<string, number>} */ ({}) };
const steadyWallS = (end.wallMs - st.wallMs) / 1000;
await stopChild(d.child, { graceMs: 10_000 });
await Promise.all(servers.map((s) => stopChild(s.child, { repeat: true })));

// ───────────────────────────── report ─────────────────────────────

const pct = (/** @type {number} */ cpuS, /** @type {number} */ wallS) => round((cpuS / wallS) * 100, 1);
const sensors = servers.map((s, i) => {
  const n = names[i];
  const p = /** @type {NonNullable<ReturnType<typeof per.get>>} */ (per.get(n));
  const rates = p.rates;
  const ackedA = st.acked.get(s.port);
  const ackedB = end.acked.get(s.port);
  const sentRate = ackedA !== undefined && ackedB !== undefined && steadyWallS > 0 ? (ackedB - ackedA) / 2 / steadyWallS : NaN;
  return {
    sensor: n,
    port: s.port,
    droppedBlocks: p.droppedCarried + p.dropped,
    configuredRateSps: p.configured,
    achievedRateSps: rates.length > 0 ? { mean: Math.round(rates.reduce((a, b) => a + b, 0) / rates.length), min: Math.round(Math.min(...rates)), last: Math.round(rates[rates.length - 1]) } : null,
    achievedRatio: rates.length > 0 && p.configured > 0 ? round(Math.min(...rates) / p.configured, 4) : null,
    offlinePolls: p.offlinePolls,
    armedAfterS: armedAt.has(n) ? round(((/** @type {number} */ (armedAt.get(n))) - d.readyAtMs) / 1000, 1) : null,
    server: {
      maxQueueBuffers: s.maxQueue,
      maxQueueMs: round(((s.maxQueue * TRANSFER_BYTES) / 2 / RATE) * 1000, 0),
      lastQueueBuffers: s.queue,
      // rtl_tcp frees the oldest buffer once its list holds -n + 2 (rtl_tcp.c rtlsdr_callback): samples lost there
      dropLimitReached: s.maxQueue >= args.llBuffers + 2,
      clientsAccepted: s.clients,
      sentRateSps: Number.isFinite(sentRate) ? Math.round(sentRate) : null,
      cpuPct: pct(end.servers[i] - cpuStart.servers[i], totalWallS),
      rssMiB: { start: mib(serverRss[i].start), peak: mib(serverRss[i].peak), end: mib(serverRss[i].end) },
    },
  };
});
// threads above 1 % of a core in the steady window, busiest first (the sensor workers, the main thread, GC helpers)
const threadsSteady = Object.fromEntries(Object.entries(end.threads)
  .map(([k, v]) => [k, pct(v - (st.threads[k] ?? 0), steadyWallS)])
  .filter(([, v]) => Number(v) >= 1)
  .sort((a, b) => Number(b[1]) - Number(a[1])));
const qbSteadyPct = pct(end.qb - st.qb, steadyWallS);
const serversSteadyPct = end.servers.reduce((a, c, i) => a + pct(c - st.servers[i], steadyWallS), 0);
const benchCpu = process.cpuUsage();
const benchPct = pct((benchCpu.user + benchCpu.system) / 1e6, (end.wallMs - cpuStart.wallMs) / 1000 + (cpuStart.wallMs - d.startedAtMs) / 1000);
const busySteadyPct = ((end.sys.busy - st.sys.busy) / (end.sys.total - st.sys.total)) * 100 * os.cpus().length;
const totalDropped = sensors.reduce((a, s) => a + s.droppedBlocks, 0);
const serverDrops = sensors.filter((s) => s.server.dropLimitReached).length;
const result = {
  bench: 'live-load',
  sensors: args.sensors,
  rateSps: RATE,
  durationS: round(totalWallS, 1),
  steadyFromS: round((st.wallMs - d.readyAtMs) / 1000, 1),
  evidence: args.evidence,
  droppedBlocksTotal: totalDropped,
  serversAtDropLimit: serverDrops,
  minAchievedRatio: Math.min(...sensors.map((s) => s.achievedRatio ?? 0)),
  maxServerQueueBuffers: Math.max(...sensors.map((s) => s.server.maxQueueBuffers)),
  quietband: {
    cpuPct: pct(end.qb - cpuStart.qb, totalWallS),
    cpuPctSteady: qbSteadyPct,
    cpuPctByThreadSteady: threadsSteady,
    rssMiB: { start: mib(rss.start), peak: mib(rss.peak), end: mib(rss.end) },
    alertsStored: lastSeq,
    logWarnings: Object.fromEntries(warnings),
  },
  rtlTcp: {
    cpuPctSum: round(sensors.reduce((a, s) => a + s.server.cpuPct, 0), 1),
    rssMiBSumEnd: round(sensors.reduce((a, s) => a + s.server.rssMiB.end, 0), 1),
  },
  system: {
    cpus: os.cpus().length,
    busyPctSteady: round(busySteadyPct / os.cpus().length, 1),
    // machine CPU (in % of one core) not taken by quietband, the rtl_tcp servers or this bench: other users' load
    othersPctSteady: round(busySteadyPct - qbSteadyPct - serversSteadyPct - benchPct, 1),
    loadAverage: loadAverage(),
  },
  perSensor: sensors,
  timeline,
  target: { droppedBlocks: 0, met: totalDropped === 0 && serverDrops === 0 && polls > 0 },
  benchWallS: round((performance.now() - t0) / 1000, 1),
};

log('');
log(`per sensor (steady state from t=${result.steadyFromS} s):`);
for (const s of sensors) {
  const a = s.achievedRateSps;
  log(`  ${s.sensor}: dropped blocks ${s.droppedBlocks}, achieved ${a ? `${(a.mean / 1e6).toFixed(4)} MS/s mean, ${(a.min / 1e6).toFixed(4)} min` : '–'} of ${(s.configuredRateSps / 1e6).toFixed(3)}, ` +
    `offline polls ${s.offlinePolls}; rtl_tcp: queue max ${s.server.maxQueueBuffers} buffers (${s.server.maxQueueMs} ms)${s.server.dropLimitReached ? ' DROPPING' : ''}, ` +
    `sent ${s.server.sentRateSps !== null ? `${(s.server.sentRateSps / 1e6).toFixed(4)} MS/s` : '–'}, CPU ${s.server.cpuPct} %, RSS ${s.server.rssMiB.start}→${s.server.rssMiB.end} MiB`);
}
log(`quietband: CPU ${result.quietband.cpuPct} % of one core (steady ${result.quietband.cpuPctSteady} %), RSS start ${result.quietband.rssMiB.start} MiB, ` +
  `peak ${result.quietband.rssMiB.peak} MiB, end ${result.quietband.rssMiB.end} MiB; alerts stored ${lastSeq}`);
log(`  steady CPU by thread (% of one core): ${Object.entries(threadsSteady).map(([k, v]) => `${k} ${v}`).join(', ')}`);
log(`rtl_tcp × ${args.sensors}: CPU ${result.rtlTcp.cpuPctSum} % summed; machine busy ${result.system.busyPctSteady} % of ${result.system.cpus} CPUs (steady), ` +
  `of which ${result.system.othersPctSteady} % of a core by other processes`);
if (warnings.size > 0) log(`daemon warnings: ${[...warnings].map(([k, v]) => `${v}× ${k}`).join('; ')}`);
log(`target (0 dropped blocks, no rtl_tcp queue at its drop limit): ${result.target.met ? 'met' : 'NOT met'}`);
if (args.keep) log(`kept ${dir}`);
else await rm(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);

/** @param {string} s */
function log(s) {
  process.stdout.write(`${s}\n`);
}
