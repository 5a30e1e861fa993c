// Shared helpers of the live benches (live-load, latency): child processes killed on exit, /proc readings, the daemon.
// @ts-check
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository root. */
export const REPO = path.resolve(HERE, '..');
/** The CLI entry (`bin/quietband.js`, loads dist/). */
export const QUIETBAND_BIN = path.join(REPO, 'bin', 'quietband.js');

// ───────────────────────────── arguments ─────────────────────────────

/**
 * Parses `--name value` / `--name=value` / `--flag` arguments into an object (camelCased names), over `defaults`.
 * Numbers in `defaults` make the value a number; booleans make `--flag` true and `--no-flag` false.
 * @template {Record<string, string | number | boolean>} T
 * @param {string[]} argv process.argv.slice(2)
 * @param {T} defaults
 * @param {string} usage printed with --help or on an unknown flag
 * @returns {T}
 * @throws exits 2 on an unknown flag or a bad number
 */
export function parseArgs(argv, defaults, usage) {
  /** @type {Record<string, string | number | boolean>} */
  const out = { ...defaults };
  const camel = (/** @type {string} */ s) => s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(usage);
      process.exit(0);
    }
    const m = /^--(no-)?([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    const key = m ? camel(m[2]) : '';
    if (!m || !(key in defaults)) {
      process.stderr.write(`unknown argument ${a}\n${usage}`);
      process.exit(2);
    }
    const d = defaults[key];
    if (typeof d === 'boolean') {
      out[key] = m[1] !== 'no-';
      continue;
    }
    const v = m[3] ?? argv[++i];
    if (v === undefined) {
      process.stderr.write(`--${m[2]} needs a value\n`);
      process.exit(2);
    }
    if (typeof d === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n)) {
        process.stderr.write(`--${m[2]}: "${v}" is not a number\n`);
        process.exit(2);
      }
      out[key] = n;
    } else out[key] = v;
  }
  return /** @type {T} */ (out);
}

// ───────────────────────────── children ─────────────────────────────

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
/** @type {(() => Promise<void>) | null} */
let onInterrupt = null;

/**
 * Registers a child so it is killed when this process exits (SIGKILL on 'exit') or is interrupted (SIGINT/SIGTERM:
 * `interruptHandler` if set, then every child stopped, then exit 130).
 * @param {import('node:child_process').ChildProcess} child
 */
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Sets what an interrupt does before the children are stopped (e.g. print partial figures). @param {() => Promise<void>} fn */
export function setInterruptHandler(fn) {
  onInterrupt = fn;
}

let interrupted = false;
/** True once SIGINT/SIGTERM/SIGHUP arrived (the children are being stopped: a bench loop should just wait). */
export function isInterrupted() {
  return interrupted;
}
/** Never resolves: what a bench awaits when it finds itself interrupted (the signal handler exits the process). */
export function waitForExit() {
  return new Promise(() => undefined);
}
for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${sig}: stopping the children\n`);
    const hard = setTimeout(() => process.exit(130), 15_000);
    hard.unref();
    Promise.resolve(onInterrupt?.())
      .catch(() => undefined)
      .then(() => stopAll())
      .finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Stops one child: `signal`, repeated every second (rtl_tcp ignores a SIGTERM that arrives while a client session
 * ends, test/fake-librtlsdr/README.md), SIGKILL after `graceMs`. Resolves with the exit code/signal.
 * @param {import('node:child_process').ChildProcess} child
 * @param {{ signal?: NodeJS.Signals, graceMs?: number, repeat?: boolean }} [o]
 * @returns {Promise<{ code: number | null, signal: string | null }>}
 */
export function stopChild(child, o = {}) {
  const signal = o.signal ?? 'SIGTERM';
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const timers = /** @type {NodeJS.Timeout[]} */ ([]);
    child.once('exit', (code, sig) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal: sig });
    });
    child.kill(signal);
    if (o.repeat) for (let ms = 1000; ms < (o.graceMs ?? 5000); ms += 1000) timers.push(setTimeout(() => child.kill(signal), ms));
    timers.push(setTimeout(() => child.kill('SIGKILL'), o.graceMs ?? 5000));
  });
}

/** Stops every tracked child (SIGTERM repeated, SIGKILL after 5 s). */
export async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c, { repeat: true })));
}

// ───────────────────────────── /proc ─────────────────────────────

let clkTck = 0;
/** Clock ticks per second of /proc CPU times (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicks() {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/**
 * CPU time of a process (all its threads): utime + stime from /proc/PID/stat (fields 14 and 15), in seconds.
 * @param {number} pid
 * @returns {number} NaN when the process is gone
 */
export function processCpuS(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks();
  } catch {
    return NaN;
  }
}

/**
 * CPU time (s) of each thread of a process (/proc/PID/task/TID/stat), keyed `main` for the thread whose TID is the
 * PID and `<comm>:<tid>` for the others (Node names its worker threads "node" too, so the TID tells them apart).
 * @param {number} pid
 * @returns {Record<string, number>}
 */
export function threadCpuS(pid) {
  /** @type {Record<string, number>} */
  const out = {};
  let tids = /** @type {string[]} */ ([]);
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[Number(tid) === pid ? 'main' : `${name}:${tid}`] = (Number(f[11]) + Number(f[12])) / clockTicks();
    } catch {
      // thread ended meanwhile
    }
  }
  return out;
}

/**
 * Resident memory of a process from /proc/PID/status: VmRSS (now) and VmHWM (peak since start), bytes.
 * @param {number} pid
 * @returns {{ rssBytes: number, hwmBytes: number }} NaN when the process is gone
 */
export function processRss(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (/** @type {string} */ k) => Number(new RegExp(`^${k}:\\s*(\\d+) kB`, 'm').exec(s)?.[1]) * 1024;
    return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
  } catch {
    return { rssBytes: NaN, hwmBytes: NaN };
  }
}

/**
 * Machine-wide CPU jiffies from /proc/stat (first line): busy = total − idle − iowait.
 * @returns {{ busy: number, total: number }}
 */
export function systemCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
  return { busy: total - f[3] - f[4], total };
}

/** Load averages from /proc/loadavg. @returns {number[]} */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

/** A free TCP port on 127.0.0.1. @returns {Promise<number>} */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', () => r(undefined)));
  const port = /** @type {net.AddressInfo} */ (s.address()).port;
  await new Promise((r) => s.close(() => r(undefined)));
  return port;
}

// ───────────────────────────── daemon ─────────────────────────────

/**
 * @typedef {object} Daemon
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} pid
 * @property {string} url  `http://127.0.0.1:<port>/` as printed by `quietband run`
 * @property {number} startedAtMs wall time of the spawn
 * @property {number} readyAtMs wall time the "running at" line was read
 */

/**
 * Starts `node bin/quietband.js run --config <configPath>` and resolves once it printed its URL. Its stderr (pino
 * JSON lines) goes to `logPath`; every line that parses as JSON is also handed to `onLog`.
 * @param {string} configPath
 * @param {{ logPath: string, onLog?: (line: Record<string, unknown>) => void, nodeArgs?: string[], timeoutMs?: number }} o
 * @returns {Promise<Daemon>}
 * @throws Error with the tail of stderr when the daemon exits or prints no URL within `timeoutMs` (default 30 s)
 */
export function startDaemon(configPath, o) {
  const startedAtMs = Date.now();
  // QUIETBAND_BENCH_NODE_ARGS: extra node flags for the daemon, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (profiles every thread)
  const envArgs = (process.env.QUIETBAND_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = track(spawn(process.execPath, [...(o.nodeArgs ?? []), ...envArgs, QUIETBAND_BIN, 'run', '--config', configPath], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = createWriteStream(o.logPath);
  let tail = '';
  let partial = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (/** @type {string} */ chunk) => {
    log.write(chunk);
    tail = (tail + chunk).slice(-4000);
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (o.onLog && line.startsWith('{')) {
        try {
          o.onLog(JSON.parse(line));
        } catch {
          // not JSON
        }
      }
    }
  });
  child.once('exit', () => log.end());
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`quietband run printed no URL within ${o.timeoutMs ?? 30_000} ms`)), o.timeoutMs ?? 30_000);
    /** @param {Error} err */
    function fail(err) {
      clearTimeout(timer);
      stopChild(child).finally(() => reject(new Error(`${err.message}\nstdout:\n${out}\nstderr (tail):\n${tail}`)));
    }
    child.stdout?.setEncoding('utf8');
    const onData = (/** @type {string} */ chunk) => {
      out += chunk;
      const m = /running at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ child, pid: /** @type {number} */ (child.pid), url: m[1].endsWith('/') ? m[1] : `${m[1]}/`, startedAtMs, readyAtMs: Date.now() });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, sig) => fail(new Error(`quietband run exited (code ${code}, signal ${sig}) before printing its URL`)));
  });
}

/**
 * Parses a Prometheus text exposition: metric name → samples with their labels.
 * @param {string} text
 * @returns {Map<string, { labels: Record<string, string>, value: number }[]>}
 */
export function parsePrometheus(text) {
  /** @type {Map<string, { labels: Record<string, string>, value: number }[]>} */
  const out = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    /** @type {Record<string, string>} */
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    const list = out.get(m[1]) ?? [];
    list.push({ labels, value: Number(m[3]) });
    out.set(m[1], list);
  }
  return out;
}

/**
 * GET `<url>metrics` → per-sensor values of the named gauges.
 * @param {string} url daemon URL with trailing slash
 * @param {string[]} names metric names with a `sensor` label
 * @returns {Promise<Record<string, Record<string, number>>>} name → sensor → value
 */
export async function scrapeSensorMetrics(url, names) {
  const res = await fetch(`${url}metrics`);
  if (!res.ok) throw new Error(`GET ${url}metrics: HTTP ${res.status}`);
  const parsed = parsePrometheus(await res.text());
  /** @type {Record<string, Record<string, number>>} */
  const out = {};
  for (const n of names) {
    out[n] = {};
    for (const s of parsed.get(n) ?? []) if (s.labels.sensor !== undefined) out[n][s.labels.sensor] = s.value;
  }
  return out;
}

// ───────────────────────────── figures ─────────────────────────────

/**
 * Percentile by linear interpolation between closest ranks (numpy's default, "linear"): p in [0, 100].
 * @param {number[]} values
 * @param {number} p
 */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const x = (p / 100) * (s.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return s[lo] + (s[hi] - s[lo]) * (x - lo);
}

/** Rounds to `d` decimals (for printed JSON). @param {number} x @param {number} [d] */
export function round(x, d = 1) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Bytes → MiB rounded to 0.1. @param {number} b */
export function mib(b) {
  return round(b / 1048576, 1);
}
