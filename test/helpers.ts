// Test helpers: where the shared captures are, a quiet logger, suites that need a program, a free TCP port.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, it } from 'vitest';
import { convertCu8Js } from '../src/source/sample-formats.js';

/** Repository root (this file lives in test/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared relative to the repo root (read-only in CI). */
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const CAPTURES = join(SHARED, 'captures');

/** Path of a capture in ../shared/captures; throws a clear error if the folder is missing. */
export function capture(name: string): string {
  const p = join(CAPTURES, name);
  if (!existsSync(p)) throw new Error(`missing real capture ${p}: tests expect ../shared/captures beside the repository`);
  return p;
}

/** The first `count` samples of a cu8 capture in ../shared/captures as float I/Q ((x − 127.5) / 127.5). */
export function captureIq(name: string, count: number): Float32Array {
  const bytes = new Uint8Array(readFileSync(capture(name)));
  const iq = new Float32Array(2 * count);
  convertCu8Js(bytes, iq, count, 0);
  return iq;
}

/**
 * Newest modification time (ms since the epoch) of the files under `paths` (files or folders, walked recursively;
 * folders named in `skip` are left out, files for which `counts` returns false too, and a path that does not exist
 * counts as nothing). Build helpers compare it with their output's time to skip a build that is already up to date.
 */
export function newestMtimeMs(paths: readonly string[], skip: readonly string[] = ['dist', 'node_modules'], counts: (file: string) => boolean = () => true): number {
  let newest = 0;
  const visit = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const f of readdirSync(p)) if (!skip.includes(f)) visit(join(p, f));
    } else if (st.mtimeMs > newest && counts(p)) newest = st.mtimeMs;
  };
  for (const p of paths) if (existsSync(p)) visit(p);
  return newest;
}

/** A pino logger that drops everything (tests assert on values, not on logs). */
export const silentLog = pino({ level: 'silent' });

/**
 * `describe` for a suite that needs an outside program. `missing` is null when everything is there, else what is
 * missing and how to install it (e.g. "mosquitto not found: apt-get install mosquitto").
 * - Everything there: the suite runs.
 * - Missing, in CI (`CI=true`): the suite is replaced by one test that fails with `missing`, so CI cannot pass
 *   without running it.
 * - Missing, run by hand: the suite is skipped and its title says what to install.
 */
export function describeNeeding(missing: string | null, title: string, fn: () => void): void {
  if (missing === null) describe(title, fn);
  else if (process.env.CI === 'true') describe(title, () => it(`needs: ${missing}`, () => { throw new Error(`${title}: ${missing}`); }));
  else {
    console.warn(`skipped "${title}": ${missing}`);
    describe.skip(`${title} — SKIPPED: ${missing}`, fn);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The .ts files under `dir`, recursively (scans of src/ and web-ui/src/ for texts). */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}
