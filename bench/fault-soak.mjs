// Fault soak against the real daemon (root: mounts): second daemons, 100 forced WebSocket disconnects with resume, a data
// dir that fills (tmpfs) and one that turns read-only (ext4); prints alerts sent / stored / lost, duplicate seqs, RSS.
// @ts-check
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { parseArgs, parsePrometheus, processRss, QUIETBAND_BIN, REPO, round, startDaemon, stopChild } from './live-harness.js';

const USAGE = `usage: node bench/fault-soak.mjs [--hold-s 15] [--disconnects 100]
Needs root (tmpfs and loop mounts) and a built dist/ (npm run build). Phases, one daemon each:
  A  tmpfs data dir (4 MiB): 3 second daemons (other port, same port, after the first's alerts), --disconnects forced
     WebSocket disconnects with resume meanwhile, then the disk filled twice (reserve, then storage failed for
     --hold-s seconds), then grown back;
  B  ext4 data dir made read-only by an injected fs error, held --hold-s seconds, then SIGTERM (held alerts on stderr).
Figures: alerts sent (distinct seqs a watching client received), stored, logged at shutdown, lost, duplicate seqs in
the store and on the resuming client, daemon RSS (start, peak, end). Exit status 1 when any alert was lost or duplicated.
`;
const o = parseArgs(process.argv.slice(2), { holdS: 15, disconnects: 100 }, USAGE);
if (!existsSync(path.join(REPO, 'dist', 'src', 'cli', 'main.js'))) {
  process.stderr.write('dist/ missing: run npm run build first\n');
  process.exit(2);
}

const work = mkdtempSync(path.join(tmpdir(), 'qb-fault-soak-'));
const mounts = /** @type {string[]} */ ([]);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const sh = (/** @type {string} */ cmd, /** @type {string[]} */ args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let keepWork = false;
process.on('exit', () => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  if (keepWork) process.stderr.write(`daemon logs kept in ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
});
process.on('uncaughtException', (err) => {
  keepWork = true;
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});

/** A site config with one sim sensor: three 0.3 s tones per 4 s cycle (≈ 1.5 alert records/s). */
function siteConfig(/** @type {string} */ name, /** @type {string} */ dataDir, /** @type {Record<string, unknown>} */ evidence) {
  const tones = [2.0, 2.8, 3.4].map((startS, i) => ({ kind: 'tone', snrDb: 25, offsetHz: 40_000 + i * 30_000, startS, durationS: 0.3 }));
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    site: name, dataDir, warmupS: 1, calibrationDir: path.join(work, 'cal'), http: { port: 0 }, evidence,
    sensors: [{ name: 'room-1', source: 'sim', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, scenario: { durationS: 4, seed: 3, carriers: [{ offsetHz: -45_000, powerDbfs: -20 }], events: tones } }],
  }));
  return file;
}

/** Fills the file system of `dir` until ENOSPC. */
function fillDisk(/** @type {string} */ dir, /** @type {string} */ name) {
  note(`filling ${dir} (${name}); free before: ${statfsSync(dir).bavail * statfsSync(dir).bsize} B`);
  const fd = openSync(path.join(dir, name), 'a');
  const chunk = Buffer.alloc(16 * 1024, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  note(`filled; free now: ${statfsSync(dir).bavail * statfsSync(dir).bsize} B`);
}

/** One progress line on stderr. */
function note(/** @type {string} */ text) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${text}\n`);
}

/**
 * A WebSocket client that records every alert; `reconnect()` drops the socket (terminate: no close handshake) and
 * resumes from the last seq it saw. Counts alerts received twice.
 */
class Watcher {
  constructor(/** @type {string} */ url) {
    this.wsUrl = url.replace(/^http/, 'ws') + 'ws';
    /** @type {Map<number, { alertId: string, event: string, kind: string }>} */
    this.bySeq = new Map();
    this.duplicates = 0;
    this.lastSeq = 0;
    this.connects = 0;
    /** @type {WebSocket | null} */
    this.ws = null;
  }
  async connect() {
    const ws = new WebSocket(this.wsUrl);
    this.ws = ws;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type !== 'alert') return;
      const a = m.alert;
      if (this.bySeq.has(a.seq)) this.duplicates++;
      else this.bySeq.set(a.seq, { alertId: a.alertId, event: a.event, kind: a.kind });
      this.lastSeq = Math.max(this.lastSeq, a.seq);
    });
    ws.on('error', () => undefined);
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    this.connects++;
    ws.send(JSON.stringify({ v: 1, type: 'resume', sinceSeq: this.lastSeq }));
  }
  async reconnect() {
    this.ws?.terminate();
    await this.connect();
  }
  close() {
    this.ws?.close();
  }
  /** @param {string} kind @param {string} event */
  has(kind, event) {
    for (const a of this.bySeq.values()) if (a.kind === kind && a.event === event) return true;
    return false;
  }
}

/** Samples the daemon's RSS every 500 ms. */
function rssSampler(/** @type {number} */ pid) {
  const samples = /** @type {number[]} */ ([]);
  const t = setInterval(() => {
    const r = processRss(pid).rssBytes;
    if (Number.isFinite(r)) samples.push(r);
  }, 500);
  return {
    stop() {
      clearInterval(t);
      return { startMiB: round((samples[0] ?? NaN) / 2 ** 20), peakMiB: round(Math.max(...samples) / 2 ** 20), endMiB: round((samples.at(-1) ?? NaN) / 2 ** 20) };
    },
  };
}

async function until(/** @type {() => boolean} */ cond, /** @type {number} */ timeoutMs, /** @type {string} */ what) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Runs node with `args` to its exit without blocking this process's event loop (the watchers keep reading). */
function runToExit(/** @type {string[]} */ args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

/** One value of the daemon's /metrics. */
async function metricOf(/** @type {string} */ url, /** @type {string} */ name) {
  const v = parsePrometheus(await (await fetch(url + 'metrics')).text()).get(name)?.[0]?.value;
  if (v === undefined) throw new Error(`metric ${name} missing`);
  return v;
}

async function untilAsync(/** @type {() => Promise<boolean>} */ cond, /** @type {number} */ timeoutMs, /** @type {string} */ what) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The daemon's last accepted seq (/healthz). */
async function lastSeqOf(/** @type {string} */ url) {
  return /** @type {{ lastSeq: number }} */ (await (await fetch(url + 'healthz')).json()).lastSeq;
}

async function healthStatus(/** @type {string} */ url) {
  return (await fetch(url + 'healthz')).status;
}

/** Records of alerts.jsonl (complete lines). */
function storedRecords(/** @type {string} */ dataDir) {
  return readFileSync(path.join(dataDir, 'alerts.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

/** Sent vs kept figures: kept = stored (+ logged at shutdown). */
function account(/** @type {Watcher} */ w, /** @type {{ seq: number, alertId: string }[]} */ kept) {
  const seqs = kept.map((r) => r.seq);
  const keptBySeq = new Map(kept.map((r) => [r.seq, r]));
  let lost = 0;
  for (const [seq, a] of w.bySeq) if (keptBySeq.get(seq)?.alertId !== a.alertId) lost++;
  const sentSeqs = [...w.bySeq.keys()].sort((x, y) => x - y);
  const gaps = sentSeqs.length === 0 ? 0 : (sentSeqs.at(-1) ?? 0) - sentSeqs.length;
  return { sent: w.bySeq.size, kept: kept.length, lost, duplicateSeqsKept: seqs.length - new Set(seqs).size, gapsInSent: gaps };
}

const results = /** @type {Record<string, unknown>} */ ({});

// ───────────── A: second daemons, disconnects, disk full ─────────────
{
  const mnt = path.join(work, 'tmpfs');
  sh('mkdir', [mnt]);
  sh('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  mounts.push(mnt);
  const dataDir = path.join(mnt, 'data');
  const config = siteConfig('soak-full', dataDir, { pictures: false, minFreeMiB: 1.5 });
  const d = await startDaemon(config, { logPath: path.join(work, 'a.log') });
  const rss = rssSampler(d.pid);
  const watcher = new Watcher(d.url);
  await watcher.connect();
  await until(() => watcher.bySeq.size >= 4, 30_000, '4 alerts');

  // second daemons: other port (config http.port 0), same port, and again
  const port = new URL(d.url).port;
  const second = [];
  for (const args of [['--http-port', '0'], ['--http-port', port], ['--http-port', '0']]) {
    const before = readFileSync(path.join(dataDir, 'alerts.jsonl'), 'utf8');
    const r = await runToExit([QUIETBAND_BIN, 'run', '--config', config, ...args]);
    const after = readFileSync(path.join(dataDir, 'alerts.jsonl'), 'utf8');
    const restartCloses = storedRecords(dataDir).filter((x) => String(x.message ?? '').startsWith('closed at daemon restart')).length;
    note(`second daemon ${args.join(' ')}: exit ${r.status}`);
    second.push({ exit: r.status, namesPid: r.stderr.includes(`pid ${d.pid}`), storePrefixKept: after.startsWith(before), restartCloses });
  }
  results.secondDaemons = second;

  // forced disconnects with resume, while the disk fills
  const churner = new Watcher(d.url);
  await churner.connect();
  const churn = (async () => {
    for (let i = 0; i < o.disconnects; i++) {
      await sleep(100 + ((i * 37) % 150));
      await churner.reconnect();
    }
  })();

  fillDisk(mnt, 'filler-1'); // the reserve keeps alerts stored
  // (records go on filling the file's last page first: the reserve goes when a new page is needed)
  await untilAsync(async () => (await metricOf(d.url, 'quietband_alert_reserve_bytes')) === 0, 60_000, 'the reserve to be used');
  let seq0 = await lastSeqOf(d.url);
  await until(() => watcher.lastSeq >= seq0 + 4, 30_000, '4 alerts stored after the reserve was used');
  const healthAfterFill = await healthStatus(d.url);
  fillDisk(mnt, 'filler-2'); // storage failed
  await until(() => watcher.has('storage-failed', 'open'), 30_000, 'the storage-failed alert');
  const healthFailed = await healthStatus(d.url);
  seq0 = watcher.lastSeq;
  const tFail = Date.now();
  await sleep(o.holdS * 1000);
  const sentWhileFailed = watcher.lastSeq - seq0;
  sh('mount', ['-o', 'remount,size=64m', mnt]);
  const tGrow = Date.now();
  await until(() => watcher.has('storage-failed', 'close'), 30_000, 'the storage-failed close');
  const recoverMs = Date.now() - tGrow;
  await churn;
  await sleep(1500); // the churner's last resume completes
  const stop = await stopChild(d.child, { graceMs: 15_000 });
  watcher.close();
  churner.close();
  const mem = rss.stop();
  const stored = storedRecords(dataDir);
  const a = account(watcher, stored);
  const missingOnChurner = [...watcher.bySeq.keys()].filter((s) => !churner.bySeq.has(s)).length;
  results.diskFull = {
    ...a,
    healthAfterFirstFill: healthAfterFill, healthWhileFailed: healthFailed, failedForS: round((tGrow - tFail) / 1000), sentWhileFailed,
    storedAfterGrowMs: recoverMs, exit: stop.code, rssMiB: mem,
  };
  results.disconnects = { forced: o.disconnects, connects: churner.connects, received: churner.bySeq.size, duplicatesReceived: churner.duplicates, missingVsWatcher: missingOnChurner };
}

// ───────────── B: read-only ext4 ─────────────
{
  const base = path.join(work, 'ext4');
  sh('mkdir', [base]);
  const image = path.join(base, 'fs.img');
  const mnt = path.join(base, 'mnt');
  sh('truncate', ['-s', '16M', image]);
  sh('mkfs.ext4', ['-q', '-F', image]);
  sh('mkdir', [mnt]);
  sh('mount', ['-o', 'loop,errors=remount-ro', image, mnt]);
  mounts.push(mnt);
  const dataDir = path.join(mnt, 'data');
  /** @type {Record<string, unknown>[]} */
  const logged = [];
  const d = await startDaemon(siteConfig('soak-ro', dataDir, { clips: false }), {
    logPath: path.join(work, 'b.log'),
    onLog: (l) => {
      if (l.msg === 'alert record not stored (storage failed until shutdown)') logged.push(/** @type {Record<string, unknown>} */ (l.record));
    },
  });
  const rss = rssSampler(d.pid);
  const watcher = new Watcher(d.url);
  await watcher.connect();
  await until(() => watcher.bySeq.size >= 4, 30_000, '4 alerts');
  const dev = path.basename(sh('findmnt', ['-n', '-o', 'SOURCE', mnt]).trim());
  writeFileSync(`/sys/fs/ext4/${dev}/trigger_fs_error`, '1');
  await until(() => watcher.has('storage-failed', 'open'), 30_000, 'the storage-failed alert');
  const healthFailed = await healthStatus(d.url);
  const seq0 = watcher.lastSeq;
  await sleep(o.holdS * 1000);
  const sentWhileFailed = watcher.lastSeq - seq0;
  const stop = await stopChild(d.child, { graceMs: 15_000 });
  watcher.close();
  const mem = rss.stop();
  const stored = storedRecords(dataDir);
  const kept = [...stored, .../** @type {{ seq: number, alertId: string }[]} */ (/** @type {unknown} */ (logged))];
  results.readOnly = { ...account(watcher, kept), storedBeforeFault: stored.length, loggedAtShutdown: logged.length, healthWhileFailed: healthFailed, sentWhileFailed, exit: stop.code, rssMiB: mem };
}

process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
const bad = [results.diskFull, results.readOnly].some((r) => /** @type {{ lost: number, duplicateSeqsKept: number }} */ (r).lost > 0 || /** @type {{ duplicateSeqsKept: number }} */ (r).duplicateSeqsKept > 0)
  || /** @type {{ duplicatesReceived: number, missingVsWatcher: number }} */ (results.disconnects).duplicatesReceived > 0
  || /** @type {{ missingVsWatcher: number }} */ (results.disconnects).missingVsWatcher > 0
  || /** @type {{ exit: number | null, namesPid: boolean, restartCloses: number }[]} */ (results.secondDaemons).some((s) => s.exit !== 2 || !s.namesPid || s.restartCloses > 0);
process.stdout.write(bad ? 'FAULT SOAK: FAILED (see above)\n' : 'FAULT SOAK: 0 alerts lost, 0 duplicate seqs, every second daemon refused\n');
process.exit(bad ? 1 : 0);
