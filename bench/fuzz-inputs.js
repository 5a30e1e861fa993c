// Malformed-input fuzzing at scale: runs test/fuzz/malformed-inputs.test.ts (vitest; the generators are TypeScript)
// with FUZZ_N cases of each kind (recordings and SigMF metas, site configs, replay flag sets) and prints the tallies.
// Usage: node bench/fuzz-inputs.js [--cases 1000]
// The LAST line is one JSON object: { cases, files: {refused, ok, crash, nonsense, ms}, configs: {…}, flags: {…}, passed }.
// @ts-check
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--cases');
const cases = i > 0 ? Number(process.argv[i + 1]) : 1000;
if (!Number.isInteger(cases) || cases < 1) {
  process.stderr.write(`--cases: "${process.argv[i + 1]}" is not a whole number ≥ 1\n`);
  process.exit(2);
}
const r = spawnSync('npx', ['vitest', 'run', 'test/fuzz/malformed-inputs.test.ts', '--testTimeout', String(Math.max(60_000, cases * 200))], {
  cwd: REPO,
  encoding: 'utf8',
  env: { ...process.env, FUZZ_N: String(cases), FUZZ_REPORT: '1' },
});
/** @type {Record<string, unknown>} */
const out = { cases };
for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) {
  const m = /(\{"kind":.*\})\s*$/.exec(line);
  if (!m) continue;
  const t = JSON.parse(m[1]);
  out[t.kind] = { refused: t.refused, ok: t.ok, crash: t.crash, nonsense: t.nonsense, ms: t.ms };
  process.stdout.write(`${t.kind}: ${t.cases} cases, ${t.refused} refused naming the file/field, ${t.ok} accepted with sane output, ` +
    `${t.crash} crashes, ${t.nonsense} nonsense, ${(t.ms / 1000).toFixed(1)} s\n`);
}
out.passed = r.status === 0;
if (r.status !== 0) process.stderr.write(r.stdout.split('\n').filter((l) => /FAIL|×|Error|expected/.test(l)).slice(0, 40).join('\n') + '\n');
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(r.status === 0 ? 0 : 1);
