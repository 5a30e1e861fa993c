// The command definitions load no implementation: `quietband --help`, `--version` and a command's help import only
// src/cli/commands.ts and the light modules it needs; a command's own module (and zod, pino, the pipeline, the native
// addons) loads when its action runs. Checked on the built CLI with a module-load hook that lists every ES module read.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildOnce, REPO, tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-commands-');
/**
 * `--import` module registering a load hook that writes `LOADED <url>` to stderr for every ES module read, and at exit
 * one for every CommonJS module in require's cache (a `createRequire` load, such as string-width's, passes no ES hook).
 */
const TRACE = join(tmp.dir, 'trace.mjs');
beforeAll(() => {
  buildOnce();
  writeFileSync(join(tmp.dir, 'hooks.mjs'), "export async function load(url, context, next) {\n  if (url.startsWith('file:')) process.stderr.write(`LOADED ${url}\\n`);\n  return next(url, context);\n}\n");
  writeFileSync(
    TRACE,
    `import { createRequire, register } from 'node:module';\nimport { pathToFileURL } from 'node:url';\nregister(${JSON.stringify(pathToFileURL(join(tmp.dir, 'hooks.mjs')).href)});\n` +
      "const cache = createRequire(import.meta.url).cache;\nprocess.on('exit', () => { for (const f of Object.keys(cache)) process.stderr.write(`LOADED ${pathToFileURL(f).href}\\n`); });\n",
  );
});
afterAll(() => tmp.cleanup());

/** `quietband args` under the trace hook: exit status, stdout, and the loaded files as paths relative to the repository. */
function traced(args: string[], lang = 'C.UTF-8'): Promise<{ code: number | null; stdout: string; loaded: string[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', TRACE, BIN, ...args], { env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: lang } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const root = pathToFileURL(REPO).href + '/';
      const loaded = [...stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]!.replace(root, ''));
      resolve({ code, stdout, loaded });
    });
  });
}

/** What a command's help must not load: every command's implementation module, the pipeline, the config parser, zod, pino. */
const HEAVY = [
  ...['sim', 'devices', 'replay', 'calibrate', 'run', 'record', 'hub', 'report', 'notify'].map((c) => `dist/src/cli/${c}.js`),
  'dist/src/pipeline.js',
  'dist/src/config/site-config.js',
  'dist/src/dsp/native-frame.js',
  'dist/native-bindings/index.js',
  'node_modules/zod/',
  'node_modules/pino/',
];
const heavyIn = (loaded: readonly string[]): string[] => loaded.filter((f) => HEAVY.some((h) => f.startsWith(h)));

describe('quietband loads a command when it runs, not to list or describe it', () => {
  it('--help, --version and `run --help` in Chinese read commands.ts and nothing heavy; `notify` loads its module', async () => {
    const [help, version, runZh, notify] = await Promise.all([
      traced(['--help']),
      traced(['--version']),
      traced(['run', '--help'], 'zh_CN.UTF-8'),
      traced(['notify', '--config', join(tmp.dir, 'none.json')]),
    ]);
    expect([help.code, version.code, runZh.code]).toEqual([0, 0, 0]);
    expect(help.stdout).toContain('replay [options] <file>');
    expect(version.stdout).toBe('0.1.0\n');
    // the Chinese help of run shows the site defaults (src/config/site-defaults.ts) without the config parser
    expect(runZh.stdout).toContain('--http-port <port>');
    expect(runZh.stdout).toMatch(/（默认：8080）/);
    for (const r of [help, version, runZh]) {
      expect(r.loaded).toContain('dist/src/cli/commands.js');
      expect(heavyIn(r.loaded)).toEqual([]);
    }
    // an English help or version measures no text and logs nothing: no string-width (nor its emoji table), no Chinese
    // log-message table; the Chinese help measures its columns with string-width (so the trace sees a required module)
    for (const r of [help, version]) expect(r.loaded.filter((f) => /^node_modules\/(string-width|emoji-regex)\/|^dist\/src\/log-(messages-zh|words)\.js$/.test(f))).toEqual([]);
    expect(runZh.loaded).toContain('node_modules/string-width/index.js');
    expect(runZh.loaded).not.toContain('dist/src/log-messages-zh.js');
    // the hook sees what an action imports: notify's module, and the site config's parser with zod (a missing config: exit 2)
    expect(notify.code).toBe(2);
    expect(notify.loaded).toContain('dist/src/cli/notify.js');
    expect(notify.loaded).toContain('dist/src/config/site-config.js');
    expect(notify.loaded.filter((f) => f.startsWith('dist/src/cli/') && HEAVY.includes(f))).toEqual(['dist/src/cli/notify.js']);
  });
});
