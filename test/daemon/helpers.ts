// Helpers for the daemon tests: build once, spawn the compiled `quietband run`, a recording WebSocket client, site configs.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import type { Alert, HelloMessage, SensorHealth, ServerMessage, SpectrumMessage } from '../../src/server/protocol.js';
import { newestMtimeMs } from '../helpers.js';

/** Repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI entry the daemon tests run. */
export const BIN = join(REPO, 'bin', 'quietband.js');

/** The compiled files the daemon tests need: the CLI, the run command and the sensor worker. */
const DIST_NEEDED = ['dist/src/cli/main.js', 'dist/src/cli/run.js', 'dist/src/site/sensor-worker.js'];

/**
 * True when dist/ is newer than every TypeScript input of `tsc -p .` (the `.ts` files of src/, native-bindings/ and
 * types/, and tsconfig.json): `npm test` and `npm ci` have just built it, so a vitest run need not compile again (≈ 3.5 s
 * of CPU and 6 s of wall time at load 5 per vitest process, paid by group 1, each lane and each file run again alone;
 * while it ran, every file that needs dist/ waited on the lock).
 * Only the `.ts` files count: the addon the tests build against the fake librtlsdr lands in native-bindings/build-fake/
 * during the run, and counting it made every later vitest run of a clean clone recompile dist/ in place while other
 * files' worker threads were loading it (a clip-audio worker then met a half-written module: "does not provide an
 * export named …", and its request answered 500). `repo`: the repository root (a test's temp copy).
 */
export function distIsFresh(repo = REPO): boolean {
  const needed = DIST_NEEDED.map((f) => join(repo, f));
  if (!needed.every((f) => existsSync(f))) return false;
  const builtMs = Math.min(...needed.map((f) => statSync(f).mtimeMs));
  const inputs = ['src', 'native-bindings', 'types', 'tsconfig.json'].map((p) => join(repo, p));
  return newestMtimeMs(inputs, ['node_modules', 'build'], (f) => f.endsWith('.ts') || f.endsWith('tsconfig.json')) <= builtMs;
}

/**
 * Compiles the repo (`tsc -p .` into dist/) once per vitest run unless dist/ is already newer than its sources
 * ({@link distIsFresh}): the first test file to call it builds under a file lock and leaves a stamp named after the
 * vitest process (the parent of every test-file process), so later files do not rewrite dist/ while another file's
 * daemon is loading it. tsc emits even when some other file has a type error; what matters is that the CLI and the
 * worker exist.
 */
export function buildOnce(): void {
  if (distIsFresh()) return;
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  let parentStart = '';
  try {
    parentStart = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!; // starttime: a reused pid gets a new stamp
  } catch {
    // not Linux: the pid alone
  }
  const stamp = join(tmpdir(), `quietband-dist-built-${process.ppid}-${parentStart}`);
  const script = `test -f ${JSON.stringify(stamp)} || { ${JSON.stringify(process.execPath)} ${JSON.stringify(tsc)} -p ${JSON.stringify(REPO)}; touch ${JSON.stringify(stamp)}; }`;
  try {
    execFileSync('flock', [join(tmpdir(), 'quietband-dist-build.lock'), 'sh', '-c', script], { stdio: 'pipe' });
  } catch {
    // type errors elsewhere still emit; checked below
  }
  for (const f of DIST_NEEDED) {
    if (!existsSync(join(REPO, f))) throw new Error(`build did not produce ${f}`);
  }
}

/**
 * Total time (ms) the threads of process `pid` running at least `minNice` nice steps below the default (the sensors'
 * evidence threads: pictures, cuts, identifications, src/evidence/thread-priority.ts) have spent runnable but waiting for
 * a CPU (Linux /proc/<pid>/task/<tid>/schedstat, 2nd field; a thread that ended drops out). The difference over a window
 * is how long the box's other work kept those threads off the CPU then: they yield by design, so on a loaded box their
 * results come late for reasons that are not the daemon's. null where /proc has no schedstat (not Linux).
 */
export function lowPriorityWaitMs(pid: number, minNice = 10): number | null {
  let waitNs = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const nice = Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]); // field 19
        if (nice >= minNice) waitNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    return null;
  }
  return waitNs / 1e6;
}

/** A temp dir; `cleanup()` removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Registers the hooks of a daemon test over the addon built against the fake librtlsdr: dist and the addon are built
 * before the tests (beforeAll), running daemons are killed and `tmp` removed after them (afterAll).
 * @returns the temp dir and the built addon's path (valid once the tests run)
 */
export function fakeRtlsdrDaemonSuite(prefix: string): { tmp: { dir: string; cleanup: () => void }; addon: () => string } {
  const tmp = tempDir(prefix);
  let addon = '';
  beforeAll(async () => {
    buildOnce();
    addon = await buildAddonAgainstFake();
  }, 120_000);
  afterAll(() => {
    killAll();
    tmp.cleanup();
  });
  return { tmp, addon: () => addon };
}

/** A running `quietband run`. */
export interface Daemon {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code / signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  startedAtMs: number;
}

const children: ChildProcess[] = [];

/** Kills (SIGKILL) every daemon still running: call in afterAll. */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/**
 * Spawns `node bin/quietband.js <args>` (environment: this process's plus `opts.env`); resolves once stdout printed the
 * URL ("running at http://…" or https).
 */
export async function startDaemon(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env, QUIETBAND_LOG_LEVEL: 'info' } });
  children.push(child);
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within ${opts.timeoutMs ?? 20_000} ms; stderr: ${err.slice(-2000)}`)), opts.timeoutMs ?? 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code ?? signal}) before printing its URL; stderr: ${err.slice(-2000)}`));
    });
  });
  return { child, url, wsUrl: url.replace(/^http/, 'ws') + 'ws', stdout: () => out, stderr: () => err, exited, startedAtMs: Date.now() };
}

/** Runs the CLI to completion (for exit-code tests). */
export function runCli(args: string[], cwd = REPO): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { cwd, stdio: 'pipe', timeout: 120_000 }).toString();
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const x = e as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: x.status, stdout: x.stdout.toString(), stderr: x.stderr.toString() };
  }
}

/**
 * Runs `node bin/quietband.js <args>` without blocking the event loop (the test process keeps serving its clients and
 * timers meanwhile); resolves with its exit code and whole output once its streams closed; rejects after `timeoutMs`.
 */
export function runCliAsync(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quietband ${args.join(' ')}: no exit within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** A WebSocket client that records every message with its wall-clock arrival time. */
export class Client {
  readonly ws: WebSocket;
  readonly messages: { atMs: number; m: ServerMessage }[] = [];
  closed = false;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => this.messages.push({ atMs: Date.now(), m: JSON.parse(d.toString()) as ServerMessage }));
    ws.on('close', () => (this.closed = true));
    ws.on('error', () => undefined);
  }

  /** Connects (`opts`: ws client options, e.g. an Authorization header or a TLS `ca`) and sends `resume {sinceSeq}` (default 0: everything stored). */
  static async open(wsUrl: string, sinceSeq = 0, opts: ClientOptions = {}): Promise<Client> {
    const ws = new WebSocket(wsUrl, opts);
    const c = new Client(ws); // listening before 'open': hello may arrive in the same packet as the upgrade response
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    ws.send(JSON.stringify({ v: 1, type: 'resume', sinceSeq }));
    return c;
  }

  get hello(): HelloMessage | undefined {
    return this.messages.find((x) => x.m.type === 'hello')?.m as HelloMessage | undefined;
  }

  /** Alerts in arrival order, with arrival times. */
  alerts(): { atMs: number; a: Alert }[] {
    return this.messages.filter((x) => x.m.type === 'alert').map((x) => ({ atMs: x.atMs, a: (x.m as { alert: Alert }).alert }));
  }

  /** The latest status of `sensor`. */
  status(sensor: string): SensorHealth | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i]!.m;
      if (m.type === 'status') {
        const s = m.sensors.find((x) => x.sensor === sensor);
        if (s) return s;
      }
    }
    return undefined;
  }

  spectra(sensor?: string): { atMs: number; s: SpectrumMessage }[] {
    return this.messages.filter((x) => x.m.type === 'spectrum' && (sensor === undefined || x.m.sensor === sensor)).map((x) => ({ atMs: x.atMs, s: x.m as SpectrumMessage }));
  }

  /** Polls `pick()` every 20 ms until it returns a value; rejects after `timeoutMs` naming `what`. */
  waitFor<T>(pick: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    return waitFor(pick, timeoutMs, what);
  }

  close(): void {
    this.ws.close();
  }
}

/** Polls `pick()` every 20 ms until it returns a value; rejects after `timeoutMs` naming `what`. */
export async function waitFor<T>(pick: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = pick();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Stored alerts (every complete line of alerts.jsonl) and whether the file ends with a newline. */
export function readStore(dataDir: string): { alerts: Alert[]; endsClean: boolean; text: string } {
  const text = readFileSync(join(dataDir, 'alerts.jsonl'), 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { alerts: lines.map((l) => JSON.parse(l) as Alert), endsClean: text.endsWith('\n'), text };
}

/** Writes a site config JSON; returns its path. */
export function writeConfig(dir: string, name: string, json: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(json, null, 2));
  return p;
}

/**
 * Starts `quietband run` with one `rtltcp:127.0.0.1:<port>` sensor (centre {@link CENTER_HZ}, gain 30 dB, FFT 1024; its
 * config `<site>.json` and data dir `data-<site>` in `dir`) and opens a client. `extra` is merged into the site config,
 * `sensorExtra` into the sensor's entry (e.g. `rtlTcp`).
 */
export async function startRtlTcpSite(dir: string, o: { site: string; sensor: string; port: number; rateSps: number; warmupS?: number; extra?: Record<string, unknown>; sensorExtra?: Record<string, unknown> }): Promise<{ d: Daemon; c: Client }> {
  const config = writeConfig(dir, `${o.site}.json`, {
    site: o.site,
    warmupS: o.warmupS ?? 1,
    calibrationDir: join(dir, 'cal'),
    ...o.extra,
    sensors: [{ name: o.sensor, source: `rtltcp:127.0.0.1:${o.port}`, centerHz: CENTER_HZ, rateSps: o.rateSps, gainDb: 30, fftSize: 1024, ...o.sensorExtra }],
  });
  const d = await startDaemon(['run', '--config', config, '--data-dir', join(dir, `data-${o.site}`), '--http-port', '0']);
  return { d, c: await Client.open(d.wsUrl) };
}

/** Centre and rate of the test sim sensors: light enough (≈ 0.3 core) for a busy CI machine. */
export const CENTER_HZ = 433_920_000;
export const RATE_SPS = 250_000;

/**
 * A sim sensor config: carrier −45 kHz (−20 dBFS); `events` tones (25 dB) at the given offsets/starts within a
 * looping `cycleS` scenario. The first event must start after warm-up + settle.
 */
export function simSensor(name: string, events: { offsetHz: number; startS: number; durationS: number }[], cycleS = 8, seed = 3): Record<string, unknown> {
  return {
    name,
    source: 'sim',
    centerHz: CENTER_HZ,
    rateSps: RATE_SPS,
    fftSize: 1024,
    scenario: {
      durationS: cycleS,
      seed,
      carriers: [{ offsetHz: -45_000, powerDbfs: -20 }],
      events: events.map((e) => ({ kind: 'tone', snrDb: 25, ...e })),
    },
  };
}
