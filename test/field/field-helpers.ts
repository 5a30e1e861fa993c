// Helpers for the exam-day tests: site-local times, an async CLI run (the test process keeps serving meanwhile), PNG pixels.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { formatSiteTime } from '../../src/field/local-time.js';
import { BIN, REPO } from '../daemon/helpers.js';

/** Site zone of the tests (UTC+8, no DST). */
export const TZ = 'Asia/Shanghai';

/** Local time of the site `offsetMs` from now, as a config would write it (`2026-06-07T09:00:00`). */
export function siteTimeIn(offsetMs: number): string {
  return formatSiteTime(Date.now() + offsetMs, TZ);
}

/** Runs `node bin/quietband.js <args>` without blocking the event loop; resolves with its exit code and output. */
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
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** Decodes a PNG file (pngjs): size and an RGBA getter. */
export function readPng(path: string): { width: number; height: number; rgb: (x: number, y: number) => [number, number, number] } {
  const png = PNG.sync.read(readFileSync(path));
  return {
    width: png.width,
    height: png.height,
    rgb: (x, y) => {
      const i = 4 * (y * png.width + x);
      return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    },
  };
}
