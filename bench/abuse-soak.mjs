// Abuse soak against the real daemon: `quietband run` (sim sensor with a burst every second, HTTPS with its generated
// self-signed certificate, token auth) and
//   1. a fast client (wss, verified against the generated certificate) timing every alert: arrival − the record's time;
//   2. after a quiet phase, N abusive clients (bench/abusive-clients.mjs, own process) flooding invalid messages
//      without reading, reconnecting whenever they are closed;
//   3. rebinding and stranger attempts: Host attacker.example on HTTP / WS upgrade / POST /login, a foreign Origin,
//      no/wrong/URL tokens, acks without a token;
// then prints the figures: alert latency p50/p95/max before and during the abuse, daemon RSS (start, max, end),
// invalid messages/s, 1008 closes, refused attempts by status, state changes made by strangers (acks/knowns stored,
// known-emitters.json) — which must be 0.
//
// node bench/abuse-soak.mjs [--seconds 60] [--quiet-s 15] [--clients 4] [--keep]      (compile first: npx tsc -p .)
// @ts-check
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { REPO, loadAverage, mib, parseArgs, percentile, processRss, round, setInterruptHandler, startDaemon, stopChild } from './live-harness.js';

if (!existsSync(path.join(REPO, 'dist/src/cli/main.js'))) {
  process.stderr.write('dist/ is missing: run `npx tsc -p .` first\n');
  process.exit(2);
}
const USAGE = `node bench/abuse-soak.mjs [options]   (compile first: npx tsc -p .)
  --seconds S     whole run (60)
  --quiet-s S     first phase without abusers (15)
  --clients N     abusive clients (4)
  --keep          keep the temp folder (config, data dir, daemon log)
`;
const args = parseArgs(process.argv.slice(2), { seconds: 60, quietS: 15, clients: 4, keep: false }, USAGE);
const log = (/** @type {string} */ s) => process.stdout.write(`${s}\n`);

const RATE = 1_024_000;
const CENTER_HZ = 433_920_000;
const events = [];
for (let i = 0; i < args.seconds + 10; i++) events.push({ kind: 'tone', offsetHz: 100_000 + (i % 5) * 50_000, snrDb: 30, startS: 4 + i, durationS: 0.2 });
const dir = await mkdtemp(path.join(os.tmpdir(), 'quietband-bench-abuse-'));
const dataDir = path.join(dir, 'data');
const configPath = path.join(dir, 'site.json');
await writeFile(configPath, JSON.stringify({
  site: 'bench-abuse',
  // loopback bind with auth and TLS turned on explicitly: the LAN setup without exposing this machine to the LAN
  http: { bind: '127.0.0.1', port: 0, requireAuth: true, tls: 'self-signed' },
  dataDir,
  calibrationDir: path.join(dir, 'calibration'),
  warmupS: 2,
  evidence: { clips: false, pictures: false },
  sensors: [{ name: 'sim-abuse', source: 'sim', centerHz: CENTER_HZ, rateSps: RATE, fftSize: 1024, scenario: { rateSps: RATE, centerHz: CENTER_HZ, durationS: args.seconds + 20, seed: 7, noiseDbfs: -35, events } }],
}, null, 2));

let closes1008 = 0;
const daemon = await startDaemon(configPath, {
  logPath: path.join(dir, 'daemon.log'),
  onLog: (l) => {
    if (l.code === 1008) closes1008++;
  },
});
setInterruptHandler(async () => {
  await stopChild(daemon.child);
  if (!args.keep) await rm(dir, { recursive: true, force: true });
});
const token = readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
const ca = readFileSync(path.join(dataDir, 'tls-cert.pem'));
const port = Number(new URL(daemon.url).port);
const wsUrl = `wss://127.0.0.1:${port}/ws`;
log(`abuse soak: daemon ${daemon.url} (pid ${daemon.pid}), ${args.seconds} s, abusers from ${args.quietS} s: ${args.clients}; load ${loadAverage().join(' ')}; temp ${dir}`);

// ── fast client ──
/** @type {{ seq: number, latencyMs: number, atS: number }[]} */
const lat = [];
const t0 = Date.now();
const fast = new WebSocket(wsUrl, { ca, headers: { Authorization: `Bearer ${token}` } });
fast.on('message', (data) => {
  const m = JSON.parse(String(data));
  if (m.type === 'hello') fast.send(JSON.stringify({ v: 1, type: 'resume', sinceSeq: m.lastSeq }));
  else if (m.type === 'alert') lat.push({ seq: m.alert.seq, latencyMs: Date.now() - Date.parse(m.alert.time), atS: (Date.now() - t0) / 1000 });
});
let fastClosed = /** @type {number | null} */ (null);
fast.on('close', (code) => (fastClosed = code));
await new Promise((resolve, reject) => {
  fast.once('open', resolve);
  fast.once('error', reject);
});

// ── RSS sampling ──
const rss = [];
const rssTimer = setInterval(() => rss.push({ atS: (Date.now() - t0) / 1000, bytes: processRss(daemon.pid).rssBytes }), 500);

// ── stranger attempts ──
/**
 * One HTTPS request; `verify` false for requests that pretend to be another host (a browser tricked by DNS rebinding
 * would have accepted the certificate warning).
 * @returns {Promise<number>} status
 */
function request(/** @type {{ path: string, method?: string, headers?: Record<string, string>, body?: string, verify?: boolean }} */ r) {
  return new Promise((resolve) => {
    const req = https.request({ host: '127.0.0.1', port, path: r.path, method: r.method ?? 'GET', headers: r.headers ?? {}, ca, agent: false, rejectUnauthorized: r.verify ?? true, servername: 'localhost' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(r.body);
  });
}
/** @returns {Promise<number>} HTTP status of a refused upgrade, or 101 when it was accepted */
function upgrade(/** @type {string} */ url, /** @type {import('ws').ClientOptions} */ opts) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ca, servername: 'localhost', ...opts });
    ws.on('unexpected-response', (_q, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      // accepted: try to change state the way an attacker would
      ws.send(JSON.stringify({ v: 1, type: 'known', alertId: 'bench-abuse-1', by: 'attacker' }));
      setTimeout(() => ws.terminate(), 200);
      resolve(101);
    });
    ws.on('error', () => resolve(0));
  });
}
const attempts = async () => {
  const evil = { Host: `attacker.example:${port}`, Origin: `https://attacker.example:${port}` };
  /** @type {[string, Promise<number>][]} */
  const list = [
    ['GET / with Host attacker.example', request({ path: '/', headers: evil, verify: false })],
    ['GET /healthz with Host attacker.example and the token', request({ path: '/healthz', headers: { ...evil, Authorization: `Bearer ${token}` }, verify: false })],
    ['POST /login with Host attacker.example', request({ path: '/login', method: 'POST', headers: { ...evil, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${token}`, verify: false })],
    ['WS upgrade with Host attacker.example and the token', upgrade(wsUrl, { headers: { ...evil, Authorization: `Bearer ${token}` }, rejectUnauthorized: false })],
    ['WS upgrade with a foreign Origin and the token', upgrade(wsUrl, { headers: { Origin: evil.Origin, Authorization: `Bearer ${token}` } })],
    ['WS upgrade without a token', upgrade(wsUrl, {})],
    ['WS upgrade with ?token= in the URL', upgrade(`${wsUrl}?token=${token}`, {})],
    ['GET /healthz with a wrong token', request({ path: '/healthz', headers: { Authorization: 'Bearer wrong' } })],
    ['GET /login?token=', request({ path: `/login?token=${token}` })],
  ];
  /** @type {Record<string, number[]>} */
  const out = {};
  for (const [what, p] of list) (out[what] ??= []).push(await p);
  return out;
};

// ── run ──
/** @type {Record<string, number[]>} */
const refused = {};
const merge = (/** @type {Record<string, number[]>} */ r) => {
  for (const [k, v] of Object.entries(r)) (refused[k] ??= []).push(...v);
};
await new Promise((r) => setTimeout(r, args.quietS * 1000));
merge(await attempts());
const abuseT0 = (Date.now() - t0) / 1000;
const abusers = spawn('nice', ['-n', '15', process.execPath, path.join(REPO, 'bench/abusive-clients.mjs'), '--url', wsUrl, '--clients', String(args.clients), '--seconds', String(args.seconds - args.quietS), '--token', token, '--ca', path.join(dataDir, 'tls-cert.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
let abuseOut = '';
abusers.stdout.on('data', (d) => (abuseOut += d));
const abuseDone = new Promise((r) => abusers.once('exit', r));
const attemptTimer = setInterval(() => void attempts().then(merge), 5000);
await abuseDone;
clearInterval(attemptTimer);
merge(await attempts());
await new Promise((r) => setTimeout(r, 1500));
clearInterval(rssTimer);
fast.close();
await stopChild(daemon.child, { graceMs: 10_000 });

// ── figures ──
const summary = JSON.parse(abuseOut.trim().split('\n').at(-1) ?? '{}');
const quiet = lat.filter((x) => x.atS < abuseT0).map((x) => x.latencyMs);
const abused = lat.filter((x) => x.atS >= abuseT0).map((x) => x.latencyMs);
const seqs = lat.map((x) => x.seq);
const gaps = seqs.filter((s, i) => i > 0 && s !== seqs[i - 1] + 1).length;
const records = readFileSync(path.join(dataDir, 'alerts.jsonl'), 'utf8').trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const strangerChanges = records.filter((r) => r.event === 'ack' || r.event === 'known').length;
const rssBefore = rss.filter((x) => x.atS < abuseT0).map((x) => x.bytes);
const rssDuring = rss.filter((x) => x.atS >= abuseT0).map((x) => x.bytes);
const stat = (/** @type {number[]} */ xs) => ({ n: xs.length, p50Ms: round(percentile(xs, 50)), p95Ms: round(percentile(xs, 95)), maxMs: round(Math.max(...xs)) });
const result = {
  load: loadAverage(),
  alertLatency: { quiet: stat(quiet), abused: stat(abused), seqGaps: gaps, fastClientClosed: fastClosed },
  abusers: { clients: args.clients, invalidMessages: summary.sent, perSecond: round(summary.sent / summary.seconds, 0), connections: summary.connects, closedWith1008: closes1008 },
  daemonRssMiB: { beforeAbuseMax: mib(Math.max(...rssBefore)), duringAbuseMax: mib(Math.max(...rssDuring)), end: mib(rssDuring.at(-1) ?? NaN) },
  strangers: {
    refusedByStatus: Object.fromEntries(Object.entries(refused).map(([k, v]) => [k, [...new Set(v)].join('/') + ` ×${v.length}`])),
    acceptedAttempts: Object.values(refused).flat().filter((s) => s === 101 || s === 200 || s === 303).length,
    stateChangesStored: strangerChanges,
    knownEmittersFile: existsSync(path.join(dataDir, 'known-emitters.json')),
  },
};
log(JSON.stringify(result, null, 2));
if (!args.keep) await rm(dir, { recursive: true, force: true });
process.exit(result.strangers.acceptedAttempts === 0 && strangerChanges === 0 && !result.strangers.knownEmittersFile ? 0 : 1);
