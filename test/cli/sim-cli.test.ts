// `quietband sim` command: writes the files, prints their paths, applies --seed/--duration/--scenario, names bad input.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerSim } from '../../src/cli/commands.js';
import { QuietBandError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs `quietband sim args`: its stdout; its stderr into `err` when given. */
async function run(args: string[], err?: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerSim(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err?.push(String(chunk)), true));
  await program.parseAsync(['node', 'quietband', 'sim', ...args]);
  return out;
}

describe('quietband sim', () => {
  it('writes the default scenario (shortened) and prints the two paths', async () => {
    const out = await run(['-o', dir, '--duration', '0.05', '--seed', '5']);
    const base = join(dir, 'quietband-sim_433.92M_1000k_seed5');
    expect(out).toBe(`${base}.sigmf-data\n${base}.sigmf-meta\n`);
    expect(statSync(`${base}.sigmf-data`).size).toBe(0.05 * 1e6 * 2);
    const meta = JSON.parse(readFileSync(`${base}.sigmf-meta`, 'utf8'));
    expect(meta.global['core:sample_rate']).toBe(1e6);
    expect(meta.annotations).toEqual([]); // the default events start at 2 s
    const again = await run(['-o', join(dir, 'again'), '--duration', '0.05', '--seed', '5']);
    const h = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(h(again.split('\n')[0])).toBe(h(`${base}.sigmf-data`));
  });

  it('--lang words the summary line on stderr (zh-CN, en); a bad --lang is a CONFIG error', async () => {
    const zh: string[] = [];
    await run(['-o', join(dir, 'lang'), '--duration', '0.05', '--seed', '5', '--lang', 'zh-CN'], zh);
    expect(zh.join('')).toBe('quietband sim：50000 个采样（0.05 秒，1000000 S/s），0 个标注事件，削波 0.00 %\n');
    const en: string[] = [];
    await run(['-o', join(dir, 'lang'), '--duration', '0.05', '--seed', '5', '--lang', 'en'], en);
    expect(en.join('')).toBe('quietband sim: 50000 samples (0.05 s at 1000000 S/s), 0 annotated events, clipped 0.00 %\n');
    await expect(run(['-o', join(dir, 'lang'), '--duration', '0.05', '--lang', 'fr'])).rejects.toMatchObject({ code: 'CONFIG', message: '--lang: expected en or zh-CN, got "fr"' });
  });

  it('-o NAME for a folder that does not exist yet (no trailing slash) creates it; a .sigmf-data path is a base path', async () => {
    const out = await run(['-o', join(dir, 'demo', 'day1'), '--duration', '0.02', '--seed', '5']);
    const base = join(dir, 'demo', 'day1', 'quietband-sim_433.92M_1000k_seed5');
    expect(out).toBe(`${base}.sigmf-data\n${base}.sigmf-meta\n`);
    expect(statSync(join(dir, 'demo', 'day1')).isDirectory()).toBe(true);
    expect(statSync(`${base}.sigmf-data`).size).toBe(0.02 * 1e6 * 2);
    const named = await run(['-o', join(dir, 'demo', 'named.sigmf-data'), '--duration', '0.02']);
    expect(named.split('\n')[0]).toBe(join(dir, 'demo', 'named.sigmf-data'));
  });

  it.skipIf(process.platform !== 'linux')('-o under /proc (no new folders there) fails within seconds with an IO error naming the folder', async () => {
    // Node's recursive mkdir never returns under /proc (ENOENT for a parent that exists, retried without end)
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still creating the folder after 5 s')), 5000).unref());
    const err = await Promise.race([run(['-o', '/proc/qb-no-such/y', '--duration', '0.02']).then(() => null, (e: Error) => e), timeout]);
    expect(err).toMatchObject({ code: 'IO', message: expect.stringContaining('(cannot create folder /proc/qb-no-such/y: /proc takes no new folders') });
  });

  it('reads a scenario JSON', async () => {
    const file = join(dir, 'scn.json');
    writeFileSync(file, JSON.stringify({ rateSps: 250000, centerHz: 868.3e6, durationS: 0.2, events: [{ kind: 'tone', offsetHz: 1000, snrDb: 20, startS: 0.1, durationS: 0.05 }] }));
    const out = await run(['--scenario', file, '-o', join(dir, 'scn-out.sigmf-data')]);
    expect(out).toBe(`${join(dir, 'scn-out.sigmf-data')}\n${join(dir, 'scn-out.sigmf-meta')}\n`);
    const meta = JSON.parse(readFileSync(join(dir, 'scn-out.sigmf-meta'), 'utf8'));
    expect(meta.annotations.map((a: Record<string, unknown>) => [a['core:label'], a['core:sample_start'], a['core:sample_count']])).toEqual([['tone', 25000, 12500]]);
    expect(statSync(join(dir, 'scn-out.sigmf-data')).size).toBe(100_000);
  });

  it('names the file and field of a bad scenario, and bad flags', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ rateSps: 250000, centerHz: 1e8, durationS: 1, carriers: [{ offsetHz: 200000, powerDbfs: -20 }] }));
    const e1 = await run(['--scenario', file, '-o', dir]).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(QuietBandError);
    expect((e1 as QuietBandError).code).toBe('BAD_INPUT');
    expect((e1 as Error).message).toBe(`${file}: carriers[0].offsetHz: 200000 Hz is outside ±125000 Hz (half the sample rate)`);
    const e2 = await run(['--seed', 'x', '-o', dir]).catch((e: unknown) => e);
    expect((e2 as QuietBandError).code).toBe('CONFIG');
    expect((e2 as Error).message).toBe('--seed: "x" is not a whole number');
    const e3 = await run(['--duration', '-1', '-o', dir]).catch((e: unknown) => e);
    expect((e3 as Error).message).toMatch(/^--duration: /);
    const e4 = await run(['--scenario', join(dir, 'missing.json')]).catch((e: unknown) => e);
    expect((e4 as Error).message).toMatch(/missing\.json: cannot read the scenario as JSON/);
  });
});

describe('quietband sim --background site', () => {
  it('writes the site background (250 kS/s, 8 s): the files, its length, the known emitter packet annotated', async () => {
    const err: string[] = [];
    const out = await run(['--background', 'site', '--rate', '250k', '--duration', '8', '--seed', '2', '-o', `${dir}/`, '--lang', 'zh'], err);
    const base = join(dir, 'quietband-site_433.92M_250k_seed2');
    expect(out).toBe(`${base}.sigmf-data\n${base}.sigmf-meta\n`);
    expect(err.join('')).toMatch(/^quietband sim：考点背景，2000000 个采样（8 秒，250000 S\/s），\d+ 个标注区间，削波 \d+\.\d\d %\n$/);
    expect(statSync(`${base}.sigmf-data`).size).toBe(8 * 250e3 * 2);
    const meta = JSON.parse(readFileSync(`${base}.sigmf-meta`, 'utf8'));
    expect(meta.global['core:sample_rate']).toBe(250e3);
    expect(meta.global['core:description']).toMatch(/drift 2 ppm of every signal's RF frequency over 900 s/);
    const packets = meta.annotations.filter((a: Record<string, unknown>) => a['core:label'] === 'background:known-emitter');
    expect(packets.length).toBe(1); // 80 ms at 7 s ± 0.2 s
    expect(packets[0]['core:sample_start'] / 250e3).toBeGreaterThan(6.79);
    expect(packets[0]['core:sample_start'] / 250e3).toBeLessThan(7.21);
    expect(packets[0]['core:sample_count']).toBe(0.08 * 250e3);
    expect(packets[0]['core:freq_lower_edge']).toBe(433_920_000 + 70_000 - 2_000);
  });

  it('names bad flags: an unknown background, a rate without a preset, a drift beyond ±10 ppm, site flags without it', async () => {
    const msg = async (args: string[]) => ((await run([...args, '-o', dir]).catch((e: unknown) => e)) as Error).message;
    expect(await msg(['--background', 'city'])).toBe('--background: "city" is not a known background; expected site');
    expect(await msg(['--background', 'site', '--rate', '1M'])).toBe('--rate: 1M (1000000 S/s): the site background exists at 250k and 2.4M');
    expect(await msg(['--background', 'site', '--drift-ppm', '12'])).toBe('--drift-ppm: "12" is not a drift within ±10 ppm');
    expect(await msg(['--drift-ppm', '2'])).toBe('--drift-ppm: only with --background site');
  });
});
