#!/usr/bin/env node
// Runs every vitest file of the repository in groups, so the suite fits its 10-minute budget on a 2-core machine:
//
//   node scripts/test-suite.mjs        (what `npm test` runs after the build)
//
// 1. "shared": most files, four vitest workers at a time. Many of them wait on real time (daemons calibrating and
//    streaming), so more workers than cores fill them: in two clean-clone CI runs of the same tree, 441 s with three
//    and 336 s with four (1144 and 1155 s of file time, every file passing in its group both times; the suite 634 and
//    518 s). (With two, 461 s against 349 s with three, earlier: that run also started a replay worker for every short
//    recording, so how much each change gave is not measured.)
//    The files of vitest.config.ts's SHARED_REGISTRY run without a fresh process each (isolate: false), the others
//    each in its own. Within each of the two, the slowest files (SLOW_FIRST there) start first: a clean clone has no
//    timings, and vitest's order by size started four small slow files last, with one worker busy at the end.
// 2. Two lanes side by side, each one file at a time:
//    - "browser": the Chromium suites of test/web-ui/ that time something (frame rates, heartbeats, alert latency) or
//      hold a page through reconnects; those that only check layout and texts run in group 1. Two Chromium pages at
//      once slow both more than a Node peer does, so the timed ones never share the machine with each other. Last, in
//      a vitest run of their own (BROWSER_LAST): the alarm suite and the files of the peers lane's globs that time
//      nothing (PEERS_UNTIMED). The alarm suite times its repeat at a 3 s test period, and so stands beside the peers
//      lane's last files: it passed 9 of 9 times beside a peers file (run-ident, soapy-fake ×2, rtl-tcp-peer,
//      hub-mqtt, soapy-remote, soapy-overflow-time ×3) at load 10–21 on the 2-core dev machine, in 22–28 s, and the
//      peers files failed there as often beside it (4 of 6) as beside ui.test or field-ready-cards (2 of 3);
//    - "peers": the suites that time a real-time stream or a throttle against a peer process: Debian's rtl_tcp,
//      SoapyRemote, the fake Soapy device's 2.4 and 20 MS/s streams, a slow WebSocket client, the offline timing, the
//      live identification, the alert bus's update throttle, the MQTT hub.
//    In the clean-clone CI: browser lane 173 s, peers lane 174 s.
//    The lanes' output is printed whole, one lane after the other, so a CI log reads like two vitest runs.
// 3. A file that failed in group 1 or 2 runs once more, alone on the machine: its timing assertions (a clip within
//    3 s, an update within 1.5 s, …) were written for a machine that is not running three other suites. It must pass
//    there; its first failure stays in the log and is named in the last line.
// Beside group 1, at the lowest CPU priority: `tsc -p test/tsconfig.json`, the type check of test/ (the build checks
// src/ and web-ui/src/ only; a test's type error, such as a missing import, showed only when the file ran). It costs
// ≈ 7 s of CPU (22–25 s wall at load 19 on the 2-core dev machine) and writes nothing; niced, it takes the CPU group 1
// leaves while its files wait on real time, so the suite's wall time does not grow. Its errors fail the suite.
// Exit status: 0 when every file passed (in its group, or alone after) and the type check found nothing, else 1 (the
// failures named).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Files of test/web-ui/ that measure no time (format and spectrum-label-layout start no browser; the others check layout,
 * texts and rooms with waits only): they run in group 1, which keeps the browser lane near the peers lane's length.
 */
const UI_IN_SHARED = ['alert-model', 'format', 'calibration-heard', 'site-plan*', 'spectrum-label-layout', 'spectrum-labels', 'rooms-detail', 'rooms-plan-edge', 'control-room-zh', 'field-trial'];
const BROWSER_IN_SHARED = `test/web-ui/{${UI_IN_SHARED.join(',')}}.test.ts`;
/** Files of the "peers" lane: globs (to exclude them from group 1) and the path prefixes vitest filters on. */
const PEERS = [
  ['test/source/rtl-tcp-*.test.ts', 'test/source/rtl-tcp-'],
  ['test/scan/rtl-tcp-*.test.ts', 'test/scan/rtl-tcp-'],
  ['test/source/soapy-remote.test.ts', 'test/source/soapy-remote.test.ts'],
  ['test/daemon/run-offline.test.ts', 'test/daemon/run-offline.test.ts'],
  ['test/daemon/run-rtl-tcp-slow-link.test.ts', 'test/daemon/run-rtl-tcp-slow-link.test.ts'],
  ['test/daemon/run-ident.test.ts', 'test/daemon/run-ident.test.ts'],
  ['test/alerts/alert-bus.test.ts', 'test/alerts/alert-bus.test.ts'],
  ['test/mqtt/**', 'test/mqtt/'],
  // real-time streams at 2.4 and 20 MS/s and a slow WebSocket client: beside group 1's three workers they failed their
  // timing in the clean-clone CI and ran again alone (≈ 45 s)
  ['test/source/soapy-fake.test.ts', 'test/source/soapy-fake.test.ts'],
  ['test/source/soapy-overflow-time.test.ts', 'test/source/soapy-overflow-time.test.ts'],
  ['test/server/slow-client.test.ts', 'test/server/slow-client.test.ts'],
];

/**
 * Files of the peers lane's globs that time nothing (rtl_tcp's command bytes, block splitting, handshake, socket data
 * path, tuner range, the loss accounting's origin; the MQTT config and a TLS broker): they need no quiet lane, so the browser lane runs them.
 */
const PEERS_UNTIMED = ['test/source/rtl-tcp-block-ring', 'test/source/rtl-tcp-protocol', 'test/source/rtl-tcp-tuner-range', 'test/source/rtl-tcp-options', 'test/source/rtl-tcp-handshake', 'test/source/rtl-tcp-stream', 'test/mqtt/mqtt-config', 'test/mqtt/mqtt-tls'].map((f) => `${f}.test.ts`);
/**
 * Files the browser lane runs last, in a vitest run of their own after its other files (vitest orders the files of a
 * run itself), beside the peers lane's last files: the alarm suite (its repeat timed at a 3 s test period, then the
 * 8 s product one), and {@link PEERS_UNTIMED}.
 */
const BROWSER_LAST = ['test/web-ui/alarm.test.ts', ...PEERS_UNTIMED];

const shared = ['--maxWorkers=4', '--exclude', `test/web-ui/!(${UI_IN_SHARED.join('|')}).test.ts`, ...PEERS.flatMap(([glob]) => ['--exclude', glob])];
const browser = ['--maxWorkers=1', '--exclude', BROWSER_IN_SHARED, '--exclude', 'test/web-ui/alarm.test.ts', 'test/web-ui/'];
const browserLast = ['--maxWorkers=1', ...BROWSER_LAST];
const peers = ['--maxWorkers=1', ...PEERS_UNTIMED.flatMap((f) => ['--exclude', f]), ...PEERS.map(([, prefix]) => prefix)];

/**
 * Runs `vitest run …args`; with `buffer` the output is kept and returned instead of streamed.
 * @returns exit code, wall seconds and (buffered) output
 */
function vitest(args, buffer) {
  return run([VITEST, 'run', ...args], buffer);
}

/**
 * Runs the Node script `argv[0]` with the rest of `argv` in the repository root; with `buffer` the output is kept and
 * returned instead of streamed; with `nice` the child runs at that CPU priority (19: the lowest).
 * @returns exit code, wall seconds and (buffered) output
 */
function run(argv, buffer, nice = 0) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (nice !== 0 && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, nice);
      } catch {
        // not allowed here (a lower priority always is for one's own child; kept as a guard): it runs at normal priority
      }
    }
    const chunks = [];
    if (buffer) {
      child.stdout.on('data', (b) => chunks.push(b));
      child.stderr.on('data', (b) => chunks.push(b));
    }
    child.on('close', (code, signal) => resolve({ code: code ?? (signal !== null ? 1 : 0), wallS: (performance.now() - t0) / 1000, output: Buffer.concat(chunks).toString() }));
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-test-suite-'));
/** Adds vitest's JSON report (to read the failed files from) beside the default one. */
const withJson = (args, name) => [...args, '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(tmp, `${name}.json`)}`];
/** Test files (relative to the repository root) a group's JSON report lists as failed; null when it has none. */
function failedFiles(name) {
  try {
    const report = JSON.parse(readFileSync(path.join(tmp, `${name}.json`), 'utf8'));
    return report.testResults.filter((r) => r.status !== 'passed').map((r) => path.relative(ROOT, r.name));
  } catch {
    return null;
  }
}

/**
 * Prints a group's slowest files (wall seconds from its JSON report, start to end of each file), so that a CI log
 * shows where a group's time goes without running anything again.
 */
function printSlowest(name, count = 12) {
  try {
    const report = JSON.parse(readFileSync(path.join(tmp, `${name}.json`), 'utf8'));
    const files = report.testResults.map((r) => ({ file: path.relative(ROOT, r.name), s: (r.endTime - r.startTime) / 1000 })).sort((a, b) => b.s - a.s);
    const total = files.reduce((sum, f) => sum + f.s, 0);
    console.log(`test-suite: "${name}": ${files.length} files, ${total.toFixed(0)} s of file time; the slowest: ${files.slice(0, count).map((f) => `${f.file} ${f.s.toFixed(1)} s`).join(', ')}`);
  } catch {
    // no report (the group did not start): nothing to print
  }
}

const failed = [];
const again = [];
/** Reads a group's report: its failed files go to `again`; a failure without a report fails the suite. */
function collect(name, r) {
  if (r.code === 0) return;
  const files = failedFiles(name);
  if (files === null || files.length === 0) failed.push(`${name} (no report of which file failed)`);
  else again.push(...files);
}
const t0 = performance.now();
const typeCheck = run([TSC, '-p', 'test/tsconfig.json'], true, 19);
const g1 = await vitest(withJson(shared, 'shared'), false);
console.log(`\ntest-suite: group 1 "shared" ${g1.code === 0 ? 'passed' : 'FAILED'} in ${g1.wallS.toFixed(0)} s`);
printSlowest('shared');
collect('shared', g1);
const tc = await typeCheck;
if (tc.code !== 0) process.stdout.write(tc.output);
console.log(`test-suite: type check of test/ (tsc -p test/tsconfig.json, beside group 1) ${tc.code === 0 ? 'passed' : 'FAILED'} in ${tc.wallS.toFixed(0)} s`);
if (tc.code !== 0) failed.push('type check of test/ (tsc -p test/tsconfig.json)');

/**
 * Runs a lane: its vitest runs (`[report name, args]`) one after another, output buffered.
 * @returns each run's report name, exit code, wall seconds and output
 */
async function lane(runs) {
  const out = [];
  for (const [name, args] of runs) out.push({ name, ...(await vitest(withJson(args, name), true)) });
  return out;
}

console.log('test-suite: group 2, lanes "browser" and "peers" side by side (output follows each lane\'s end)');
const names = ['browser', 'peers'];
const lanes = await Promise.all([lane([['browser', browser], ['browser-last', browserLast]]), lane([['peers', peers]])]);
for (const [i, runs] of lanes.entries()) {
  console.log(`\n──── lane "${names[i]}" ────`);
  for (const r of runs) process.stdout.write(r.output);
  const passed = runs.every((r) => r.code === 0);
  console.log(`test-suite: lane "${names[i]}" ${passed ? 'passed' : 'FAILED'} in ${runs.reduce((s, r) => s + r.wallS, 0).toFixed(0)} s`);
  for (const r of runs) {
    printSlowest(r.name);
    collect(r.name, r);
  }
}
if (again.length > 0) {
  console.log(`\ntest-suite: ${again.length} file(s) failed beside others; each runs again alone: ${again.join(' ')}`);
  for (const file of again) {
    const r = await vitest(['--maxWorkers=1', file], false);
    console.log(`test-suite: ${file} alone ${r.code === 0 ? 'passed' : 'FAILED'} in ${r.wallS.toFixed(0)} s`);
    if (r.code !== 0) failed.push(file);
  }
}
rmSync(tmp, { recursive: true, force: true });
const totalS = (performance.now() - t0) / 1000;
const first = again.length > 0 ? ` (${again.length} file(s) passed only alone: ${again.join(' ')})` : '';
console.log(`\ntest-suite: ${failed.length === 0 ? 'all passed' + first : `FAILED: ${failed.join(', ')}`} in ${totalS.toFixed(0)} s (budget 600 s)`);
process.exit(failed.length === 0 ? 0 : 1);
