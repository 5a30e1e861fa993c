// 1,000 malformed inputs of each kind (recordings and SigMF metas, site configs, replay flag values), in-process: each
// must end in a QuietBandError the CLI exits 2 on, naming the file or field, or in sane output; never another
// exception. test/replay/input-refusals.test.ts runs a few through the real CLI (exit status, no stack trace).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from '../helpers.js';
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
  }, Math.max(60_000, N * 100));

  it(`${N} site configs with random field mutations: refused naming the file and field, or sane`, async () => {
    const t0 = performance.now();
    const t = await fuzzConfigs(join(dir, 'configs'), N, capture('x10_HR12A_B1on_310M_250k.cu8'));
    report('configs', t, performance.now() - t0);
    expect(t.failures).toEqual([]);
    expect(t.crash + t.nonsense).toBe(0);
    expect(t.refused).toBeGreaterThan(N / 2);
  }, Math.max(60_000, N * 100));

  it(`${N} replay flag sets with random values: refused naming the flag, or sane`, async () => {
    const file = cutCapture(capture('x10_HR12A_B1on_310M_250k.cu8'), join(dir, 'x10cut_310M_250k.cu8'), 8192);
    const t0 = performance.now();
    const t = await fuzzFlags(file, N);
    report('flags', t, performance.now() - t0);
    expect(t.failures).toEqual([]);
    expect(t.crash + t.nonsense).toBe(0);
    expect(t.refused).toBeGreaterThan(N / 2);
  }, Math.max(60_000, N * 100));
});
