// npm run build:native: a rebuild that fails to compile leaves the addon that was there (node-gyp rebuild deletes build/).
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOne } from '../../native-bindings/build.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-build-keep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('native build', () => {
  it('keeps the previous addon when the rebuild fails, and says so; a successful rebuild replaces it', () => {
    writeFileSync(path.join(dir, 'binding.gyp'), JSON.stringify({
      targets: [{ target_name: 'broken', sources: ['broken.cc'] }],
    }));
    writeFileSync(path.join(dir, 'broken.cc'), 'this is not C++;\n');
    const file = path.join(dir, 'build', 'Release', 'broken.node');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'previous build');
    const err = buildOne(dir, file, () => true, 'missing', 'nothing', { quiet: true });
    expect(err).toMatch(/node-gyp rebuild failed .*the previous build of .*broken\.node was kept/);
    expect(readFileSync(file, 'utf8')).toBe('previous build');
    expect(existsSync(path.join(dir, '.broken.node.previous'))).toBe(false);
    // a library that is missing: nothing is touched
    expect(buildOne(dir, file, () => false, 'install libx', 'x')).toBe('install libx');
    expect(readFileSync(file, 'utf8')).toBe('previous build');
  }, 120_000);
});
