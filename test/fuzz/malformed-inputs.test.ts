// 1,000 malformed inputs of each kind (recordings and SigMF metas, site configs, replay flag values), in-process: each
// must end in a QuietBandError the CLI exits 2 on, naming the file or field, or in sane output; never another
// exception. A few go through the real CLI to check the exit status and that no stack trace is printed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture, REPO_ROOT } from '../helpers.js';
import { cutCapture, fuzzConfigs, fuzzFiles, fuzzFlags, type Tally } from './malformed-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Cases per kind: 1000, or FUZZ_N (bench/fuzz-inputs.js runs more). FUZZ_REPORT=1 prints the tallies. */
const N = Number(process.env.FUZZ_N ?? 1000);
const report = (kind: string, t: Tally, ms: number): void => {
  if (process.env.FUZZ_REPORT === '1') console.log(JSON.stringify({ kind, cases: N, refused: t.refused, ok: t.ok, crash: t.crash, nonsense: t.nonsense, ms: Math.round(ms) }));
};

describe('malformed inputs', () => {
  it(`${N} recordings (raw with random names/sizes/contents, SigMF with mutated metas): refused naming the file, or sane`, async () => {
    const t0 = performance.now();
    const t = await fuzzFiles(join(dir, 'files'), N);
    report('files', t, performance.now() - t0);
    expect(t.failures).toEqual([]);
    expect(t.crash + t.nonsense).toBe(0);
    expect(t.refused + t.ok).toBe(N);
    expect(t.refused).toBeGreaterThan(N / 2); // most are broken on purpose
  }, 60_000);

  it(`${N} site configs with random field mutations: refused naming the file and field, or sane`, async () => {
    const t0 = performance.now();
    const t = await fuzzConfigs(join(dir, 'configs'), N, capture('x10_HR12A_B1on_310M_250k.cu8'));
    report('configs', t, performance.now() - t0);
    expect(t.failures).toEqual([]);
    expect(t.crash + t.nonsense).toBe(0);
    expect(t.refused).toBeGreaterThan(N / 2);
  }, 60_000);

  it(`${N} replay flag sets with random values: refused naming the flag, or sane`, async () => {
    const file = cutCapture(capture('x10_HR12A_B1on_310M_250k.cu8'), join(dir, 'x10cut_310M_250k.cu8'), 16_384);
    const t0 = performance.now();
    const t = await fuzzFlags(file, N);
    report('flags', t, performance.now() - t0);
    expect(t.failures).toEqual([]);
    expect(t.crash + t.nonsense).toBe(0);
    expect(t.refused).toBeGreaterThan(N / 2);
  }, 60_000);

  it('the CLI exits 2 with one line naming the file/field, no stack trace (SigMF rate 1e12, --center 1e20, 1 S/s)', () => {
    const file = cutCapture(capture('x10_HR12A_B1on_310M_250k.cu8'), join(dir, 'cli_310M_250k.cu8'), 16_384);
    const cases: [string[], string][] = [
      [[file, '--center', '1e20'], '--center: "1e20": 100000000000000000000 Hz is above 3 THz'],
      [[file, '--rate', '1'], '--rate: 1 (1 S/s) is below 1 kS/s'],
      [[file, '--rate', '2k'], '--rate: 2000 S/s is too low for the default DC guard'],
    ];
    for (const [args, expected] of cases) {
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'quietband.js'), 'replay', ...args, '--log-level', 'silent'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
