// npm run build:native (native-bindings/build.mjs buildOne): a rebuild that fails to compile leaves the addon that was
// there (node-gyp rebuild deletes build/); one that compiles replaces it with the new addon.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOne } from '../../native-bindings/build.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-build-keep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An addon folder `name` under the temp dir whose one source is `source` (C), with a stand-in previous build. */
function addonDir(name: string, source: string): { at: string; file: string } {
  const at = path.join(dir, name);
  mkdirSync(at, { recursive: true });
  writeFileSync(path.join(at, 'binding.gyp'), JSON.stringify({ targets: [{ target_name: name, sources: [`${name}.c`] }] }));
  writeFileSync(path.join(at, `${name}.c`), source);
  const file = path.join(at, 'build', 'Release', `${name}.node`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, 'previous build');
  return { at, file };
}

describe('native build', () => {
  it('keeps the previous addon when the rebuild fails, and says so; a missing library touches nothing', () => {
    const { at, file } = addonDir('broken', 'this is not C;\n');
    const err = buildOne(at, file, () => true, 'missing', 'nothing', { quiet: true });
    expect(err).toMatch(/node-gyp rebuild failed .*the previous build of .*broken\.node was kept/);
    expect(readFileSync(file, 'utf8')).toBe('previous build');
    expect(existsSync(path.join(at, '.broken.node.previous'))).toBe(false);
    expect(buildOne(at, file, () => false, 'install libx', 'x')).toBe('install libx');
    expect(readFileSync(file, 'utf8')).toBe('previous build');
  }, 120_000);

  it('a rebuild that compiles replaces the previous addon with the new one, which loads, and leaves no copy aside', () => {
    const { at, file } = addonDir('answer', [
      '#include <node_api.h>',
      'static napi_value Answer(napi_env env, napi_callback_info info) {',
      '  napi_value v;',
      '  napi_create_int32(env, 42, &v);',
      '  return v;',
      '}',
      'NAPI_MODULE_INIT() {',
      '  napi_value fn;',
      '  napi_create_function(env, "answer", NAPI_AUTO_LENGTH, Answer, NULL, &fn);',
      '  napi_set_named_property(env, exports, "answer", fn);',
      '  return exports;',
      '}',
      '',
    ].join('\n'));
    expect(buildOne(at, file, () => true, 'missing', 'nothing', { quiet: true })).toBeNull();
    expect(readFileSync(file).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // an ELF shared object
    const addon = createRequire(import.meta.url)(file) as { answer(): number };
    expect(addon.answer()).toBe(42);
    expect(existsSync(path.join(at, '.answer.node.previous'))).toBe(false);
  }, 120_000);
});
