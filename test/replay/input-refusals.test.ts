// Malformed inputs through the real CLI: exit status 2, one line naming the file/field on stderr, no stack trace,
// nothing on stdout (the in-process fuzzer, test/fuzz/malformed-inputs.test.ts, checks the messages at scale).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture, REPO_ROOT } from '../helpers.js';
import { cutCapture } from '../fuzz/malformed-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-refusals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quietband refuses bad input with exit 2', () => {
  it('exits 2 with one line naming the file/field, no stack trace (--center 1e20, --rate 2k, a data dir that is a file)', () => {
    const file = cutCapture(capture('x10_HR12A_B1on_310M_250k.cu8'), join(dir, 'cli_310M_250k.cu8'), 8192);
    const cases: [string[], string][] = [
      [[file, '--center', '1e20'], '--center: "1e20": 100000000000000000000 Hz is above 3 THz'],
      [[file, '--rate', '2k'], '--rate: 2000 S/s is too low for the default DC guard'],
    ];
    const notADir = join(dir, 'data-is-a-file');
    writeFileSync(notADir, 'x');
    cases.push([['--demo', '--data-dir', notADir, '--http-port', '0'], `--data-dir: ${notADir} is a file, not a folder`]);
    for (const [args, expected] of cases) {
      const command = args[0] === '--demo' ? 'run' : 'replay';
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'quietband.js'), command, ...args, '--log-level', 'silent'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('SigMF core:sample_rate 1e12 and core:frequency −433 MHz: exit 2 naming the meta and the field', () => {
    const data = cutCapture(capture('x10_HR12A_B1on_310M_250k.cu8'), join(dir, 'r.sigmf-data'), 8192);
    const cases: [Record<string, unknown>, string][] = [
      [{ 'core:sample_rate': 1e12 }, 'r.sigmf-meta: global.core:sample_rate: 1000000000000 S/s is above 100 MS/s'],
      [{ 'core:sample_rate': 250_000, frequency: -433e6 }, 'r.sigmf-meta: captures[0].core:frequency: -433000000 Hz is negative'],
    ];
    for (const [g, expected] of cases) {
      const meta = { global: { 'core:datatype': 'cu8', 'core:sample_rate': g['core:sample_rate'] }, captures: [{ 'core:sample_start': 0, 'core:frequency': g.frequency ?? 310e6 }] };
      writeFileSync(data.replace(/data$/, 'meta'), JSON.stringify(meta));
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'quietband.js'), 'replay', data.replace(/data$/, 'meta'), '--log-level', 'silent'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(expected);
    }
  });

  it('--baseline-seconds longer than the recording: a warning says all of it was the calibration (exit 0, no detection)', () => {
    const file = capture('upm_WT450_gfile001_433.92M_250k.cu8');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'quietband.js'), 'replay', file, '--baseline-seconds', '5', '--log-level', 'warn'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('--baseline-seconds 5: the recording is only 0.524 s long, so all of it is the calibration');
    expect(r.stdout.split('\n').filter((l) => l.includes('"type":"detection"')).length).toBe(0);
  });
});
