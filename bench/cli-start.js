// Start-up cost of the `quietband` command, side by side for one or more builds: wall time of `--version`, `--help`,
// `report --help` and `replay <small capture>`, each spawned fresh (`node <tree>/bin/quietband.js …`), the builds'
// runs alternating so that a change in the machine's load falls on all of them alike; min/median/max in ms, the
// 1-minute load with every run and at start and end, and the ratio of each build's median to the first build's.
// Usage: node bench/cli-start.js [TREE …]   (TREE: a folder holding bin/quietband.js and dist/; default this repo)
// Knobs: BENCH_CLI_RUNS=5, BENCH_CLI_CAPTURE (default ../shared/captures/valeo_carkey_433.92M_250k.cu8: 65536 samples)
// @ts-check
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minMedianMax } from './detect-anchor.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 5);
const CAPTURE = process.env.BENCH_CLI_CAPTURE ?? path.resolve(REPO, '..', 'shared', 'captures', 'valeo_carkey_433.92M_250k.cu8');

/** The timed invocations: a label and the arguments after `bin/quietband.js`. */
const CASES = [
  ['--version', ['--version']],
  ['--help', ['--help']],
  ['report --help', ['report', '--help']],
  ['replay capture', ['replay', CAPTURE, '--no-progress', '--no-summary']],
];

/** @param {number} x */
const fmt = (x) => x.toFixed(x < 10 ? 2 : 0);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/**
 * Wall time of one run in ms (spawn to exit); throws naming the command when it exits other than 0.
 * @param {string} tree
 * @param {string[]} args
 */
function timeRun(tree, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(tree, 'bin', 'quietband.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${tree}: quietband ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const trees = (process.argv.length > 2 ? process.argv.slice(2) : [REPO]).map((t) => path.resolve(t));
for (const t of trees) if (!existsSync(path.join(t, 'bin', 'quietband.js'))) throw new Error(`${t}: no bin/quietband.js`);
if (!existsSync(CAPTURE)) throw new Error(`BENCH_CLI_CAPTURE ${CAPTURE}: no such file`);
console.log(`quietband start-up, ${RUNS} runs per case and build, alternating; node ${process.version}, ${os.cpus().length} cores; load ${load()}`);
trees.forEach((t, i) => console.log(`  build ${i}: ${t}`));
for (const [label, args] of CASES) {
  // one untimed run per build first: the file cache holds the modules for every build alike
  for (const t of trees) timeRun(t, args);
  /** @type {number[][]} */
  const ms = trees.map(() => []);
  /** @type {number[]} */
  const loads = [];
  for (let r = 0; r < RUNS; r++) {
    trees.forEach((t, i) => ms[i]?.push(timeRun(t, args)));
    loads.push(os.loadavg()[0] ?? NaN);
  }
  const stats = ms.map((xs) => minMedianMax(xs));
  const ref = stats[0]?.median ?? NaN;
  const row = stats.map((s, i) => `build ${i} ${fmt(s.min)}/${fmt(s.median)}/${fmt(s.max)} ms${i > 0 ? ` (${(s.median / ref).toFixed(2)}× build 0)` : ''}`);
  const l = minMedianMax(loads);
  console.log(`${label.padEnd(15)} ${row.join('  ')}  load ${l.min.toFixed(1)}–${l.max.toFixed(1)}`);
}
console.log(`load at end ${load()}`);
