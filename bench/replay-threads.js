// `quietband replay` on one thread against every core, side by side: 1-, 5- and 10-minute 2.4 MS/s recordings, runs
// alternating, wall and CPU time, the machine's load with every run, and the outputs compared byte for byte.
// Usage: node bench/replay-threads.js   (knobs: BENCH_REPLAY_MINUTES=1,5,10  BENCH_REPLAY_RUNS=3  BENCH_REPLAY_THREADS=2)
// @ts-check
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCapture } from './capture.js';
import { minMedianMax } from './detect-anchor.js';


/**
 * A `minutes`-long 2.4 MS/s recording in the temp dir: the 60 s bench capture (bench/capture.js) repeated end to end
 * (its SigMF meta with the first minute's annotations), written once and reused. Generating 10 simulated minutes would
 * take ≈ 13 min; for throughput the repetition changes nothing (the detector sees one continuous stream).
 * @param {number} minutes
 * @returns {Promise<{ metaPath: string, samples: number }>}
 */
async function ensureLongCapture(minutes) {
  const base = await ensureCapture(60);
  const dir = path.dirname(base.dataPath);
  const name = `quietband-replay-${minutes}min_433.92M_2400k`;
  const dataPath = path.join(dir, `${name}.sigmf-data`);
  const metaPath = path.join(dir, `${name}.sigmf-meta`);
  const bytes = statSync(base.dataPath).size * minutes;
  if (!(existsSync(metaPath) && existsSync(dataPath) && statSync(dataPath).size === bytes)) {
    const tmp = `${dataPath}.tmp-${process.pid}`;
    const out = createWriteStream(tmp);
    for (let i = 0; i < minutes; i++) {
      await new Promise((resolve, reject) => {
        const r = createReadStream(base.dataPath);
        r.on('error', reject);
        r.on('end', resolve);
        r.pipe(out, { end: false });
      });
    }
    await new Promise((resolve, reject) => out.end((/** @type {Error | undefined} */ err) => (err ? reject(err) : resolve(undefined))));
    await rename(tmp, dataPath);
    writeFileSync(metaPath, readFileSync(base.metaPath));
  }
  return { metaPath, samples: base.samples * minutes };
}

/**
 * @typedef {object} ReplayRun
 * @property {number} threads
 * @property {number} wallS
 * @property {number} cpuS user + system time of the process (all threads)
 * @property {number} mainCpuS user + system time of its main thread (/proc/self/task/PID/stat)
 * @property {number} load1 1-minute load average when the run started
 * @property {string} sha256 of the stdout lines
 * @property {number} lines
 */

/** CPU seconds of this process's main thread so far (Linux /proc; NaN elsewhere). */
function mainThreadCpuS() {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/**
 * One replay in a fresh child process (`node bench/replay-threads.js --child META THREADS`): replayFile of
 * src/cli/replay.ts, what `quietband replay META --threads N` runs, with its lines hashed instead of printed.
 * @param {string} metaPath
 * @param {number} threads
 * @returns {Promise<ReplayRun>}
 */
function replayOnce(metaPath, threads) {
  const load1 = os.loadavg()[0];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', metaPath, String(threads)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (/** @type {Buffer} */ d) => {
      out += d.toString();
    });
    child.stderr.on('data', (/** @type {Buffer} */ d) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`replay --threads ${threads} exited ${code}: ${err.slice(-2000)}`));
      resolve({ ...JSON.parse(out.trim().split('\n').pop() ?? '{}'), load1 });
    });
  });
}

/**
 * The child's side: one replay, then one JSON line (wall, process and main-thread CPU, hash of the lines).
 * @param {string} metaPath
 * @param {number} threads
 */
async function childReplay(metaPath, threads) {
  const { replayFile } = await import('../dist/src/cli/replay.js');
  const { createLogger } = await import('../dist/src/log.js');
  const hash = createHash('sha256');
  let lines = 0;
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuS();
  const t0 = performance.now();
  await replayFile(metaPath, { threads: String(threads), logLevel: 'warn', progress: false }, (l) => {
    hash.update(l + '\n');
    lines++;
  }, createLogger('warn'));
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  process.stdout.write(`${JSON.stringify({ threads, wallS, cpuS: (c.user + c.system) / 1e6, mainCpuS: mainThreadCpuS() - m0, sha256: hash.digest('hex'), lines })}\n`);
}

const fmt = (/** @type {number} */ x, d = 2) => x.toFixed(d);

/**
 * For each length: `runs` rounds of (one thread, `threads` threads), alternating so both see the same machine.
 * @param {number[]} minutesList
 * @param {number} runs
 * @param {number} threads
 * @param {(line: string) => void} log
 */
export async function runReplayThreads(minutesList, runs, threads, log) {
  const results = [];
  log(`replay on 1 against ${threads} threads; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((x) => fmt(x)).join(' ')}`);
  for (const minutes of minutesList) {
    const cap = await ensureLongCapture(minutes);
    /** @type {ReplayRun[]} */
    const one = [];
    /** @type {ReplayRun[]} */
    const many = [];
    for (let i = 0; i < runs; i++) {
      for (const t of [1, threads]) {
        const r = await replayOnce(cap.metaPath, t);
        (t === 1 ? one : many).push(r);
        log(`  ${minutes} min, run ${i + 1}, --threads ${t}: ${fmt(r.wallS)} s wall, CPU ${fmt(r.cpuS)} s (main thread ${fmt(r.mainCpuS)} s), load ${fmt(r.load1)} at start, ${r.lines} lines`);
      }
    }
    const w1 = minMedianMax(one.map((r) => r.wallS));
    const wN = minMedianMax(many.map((r) => r.wallS));
    const loads = minMedianMax([...one, ...many].map((r) => r.load1));
    const identical = [...one, ...many].every((r) => r.sha256 === one[0]?.sha256);
    const row = {
      minutes, samples: cap.samples, runs,
      oneThreadWallS: w1, manyThreadsWallS: wN, speedup: w1.median / wN.median,
      oneThreadMsps: cap.samples / w1.median / 1e6, manyThreadsMsps: cap.samples / wN.median / 1e6,
      oneThreadCpuS: minMedianMax(one.map((r) => r.cpuS)).median, manyThreadsCpuS: minMedianMax(many.map((r) => r.cpuS)).median,
      manyThreadsMainCpuS: minMedianMax(many.map((r) => r.mainCpuS)).median,
      load1: loads, identical, lines: one[0]?.lines ?? 0,
    };
    // what an idle machine would give: the main thread's work, or all the work shared by the cores, whichever is longer
    const bound = Math.max(row.manyThreadsMainCpuS, row.manyThreadsCpuS / Math.min(threads, os.cpus().length));
    Object.assign(row, { cpuBoundSpeedup: row.oneThreadCpuS / bound });
    results.push(row);
    log(`${minutes} min (${cap.samples / 1e6} MS): 1 thread ${fmt(w1.min)}/${fmt(w1.median)}/${fmt(w1.max)} s, ${threads} threads ` +
      `${fmt(wN.min)}/${fmt(wN.median)}/${fmt(wN.max)} s (min/median/max) → ×${fmt(row.speedup)}; ` +
      `CPU ${fmt(row.oneThreadCpuS)} s / ${fmt(row.manyThreadsCpuS)} s (main thread ${fmt(row.manyThreadsMainCpuS)} s: ×${fmt(row.oneThreadCpuS / bound)} on idle cores); load ${fmt(loads.min)}–${fmt(loads.max)}; outputs ${identical ? 'identical' : 'DIFFER'} (${row.lines} lines)`);
  }
  if (results.length > 1) {
    const first = results[0];
    for (const r of results) {
      log(`growth: ${r.minutes} min takes ${fmt(r.manyThreadsWallS.median / first.manyThreadsWallS.median)}× the ${first.minutes}-min wall time with ${threads} threads ` +
        `(${fmt(r.oneThreadWallS.median / first.oneThreadWallS.median)}× with 1); input ${fmt(r.minutes / first.minutes, 0)}×`);
    }
  }
  log(`load at end ${os.loadavg().map((x) => fmt(x)).join(' ')}`);
  return results;
}

if (process.argv[2] === '--child') {
  await childReplay(process.argv[3] ?? '', Number(process.argv[4]));
} else if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const minutes = (process.env.BENCH_REPLAY_MINUTES ?? '1,5,10').split(',').map(Number);
  const runs = Number(process.env.BENCH_REPLAY_RUNS ?? 3);
  const threads = Number(process.env.BENCH_REPLAY_THREADS ?? 2);
  const results = await runReplayThreads(minutes, runs, threads, (l) => process.stderr.write(l + '\n'));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}
