// buildOnce's freshness check: only the TypeScript inputs of `tsc -p .` make dist/ stale, not the files the tests
// themselves write beside them during a run (the fake-librtlsdr addon in native-bindings/build-fake/).
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { distIsFresh, tempDir } from './helpers.js';

const tmp = tempDir('qb-dist-fresh-');
afterAll(() => tmp.cleanup());

/** Writes `rel` under the temp repo with its modification time `s` seconds after the epoch. */
function fileAt(rel: string, s: number): void {
  const p = join(tmp.dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, '');
  utimesSync(p, s, s);
}

it('dist/ built after the .ts inputs is fresh; an addon built by a test later does not make it stale, a .ts edit does', () => {
  fileAt('tsconfig.json', 1000);
  fileAt('src/cli/main.ts', 1000);
  fileAt('native-bindings/index.ts', 1000);
  for (const f of ['dist/src/cli/main.js', 'dist/src/cli/run.js', 'dist/src/site/sensor-worker.js']) fileAt(f, 2000);
  expect(distIsFresh(tmp.dir)).toBe(true);
  // what the daemon tests' fake-librtlsdr build writes mid-run (a clean clone has none before the run)
  fileAt('native-bindings/build-fake/quietband_rtlsdr-0123456789abcdef.node', 3000);
  fileAt('native-bindings/build-fake/stage/binding.gyp', 3000);
  fileAt('native-bindings/build/Release/quietband_rtlsdr.node', 3000);
  expect(distIsFresh(tmp.dir)).toBe(true);
  fileAt('native-bindings/index.ts', 3000);
  expect(distIsFresh(tmp.dir)).toBe(false);
  fileAt('native-bindings/index.ts', 1000);
  fileAt('tsconfig.json', 3000);
  expect(distIsFresh(tmp.dir)).toBe(false);
});
