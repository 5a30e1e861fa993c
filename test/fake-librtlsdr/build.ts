// Test helpers: build the fake librtlsdr (for LD_LIBRARY_PATH use with rtl_tcp etc.) and the addon linked against it.
//
//   const dir = await buildFakeLibrtlsdr();          // dir/librtlsdr.so.0 (+ librtlsdr.so)
//   spawn('rtl_tcp', ['-a', '127.0.0.1', '-p', port], { env: { ...process.env, LD_LIBRARY_PATH: dir, FAKE_RTLSDR_REALTIME: '1' } });
//   const addon = await buildAddonAgainstFake();     // path of a quietband_rtlsdr.node bound to the fake (RPATH)
//   process.env.QUIETBAND_RTLSDR_ADDON = addon;      // then loadRtlSdr() loads it
//
// Both are idempotent and safe to call from parallel test processes (content-hashed outputs, flock(1) around builds).
// Behaviour of the fake: see the header comment of fake-librtlsdr.c (FAKE_RTLSDR_* variables).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findNodeGyp, NATIVE_DIR, nodedirArgs, REPO_ROOT } from '../../native-bindings/build.mjs';

const execFileAsync = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ADDON_FILE = 'quietband_rtlsdr.node';


/** First 16 hex digits of the SHA-256 of the parts (content-addressed build folders). */
export function sha(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

let fakeDirPromise: Promise<string> | null = null;

/** Runs `sh -c script` while holding flock(1) on lockFile; rejects with the output on failure. */
export async function underLock(lockFile: string, script: string, cwd: string): Promise<void> {
  try {
    await execFileAsync('flock', [lockFile, 'sh', '-c', script], { cwd, maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Single-quotes a string for sh. */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Builds the fake librtlsdr once per source version into <tmpdir>/quietband-fake-librtlsdr-<hash>/ (nothing is
 * written into the repository) and returns that directory, holding librtlsdr.so.0 (soname librtlsdr.so.0) and a
 * librtlsdr.so symlink. Needs a C compiler (cc) and flock(1).
 * @throws Error with the compiler output when the build fails
 */
export function buildFakeLibrtlsdr(): Promise<string> {
  fakeDirPromise ??= (async () => {
    const source = readFileSync(path.join(HERE, 'fake-librtlsdr.c'));
    const script = readFileSync(path.join(HERE, 'build.sh'));
    const headerPresent = existsSync('/usr/include/rtl-sdr.h') ? 'hdr' : 'nohdr';
    const dir = path.join(os.tmpdir(), `quietband-fake-librtlsdr-${sha([source, script, headerPresent])}`);
    const lib = path.join(dir, 'librtlsdr.so.0');
    if (existsSync(lib) && existsSync(path.join(dir, 'librtlsdr.so'))) return dir;
    mkdirSync(dir, { recursive: true });
    await underLock(
      path.join(dir, '.lock'),
      `test -f ${q(lib)} -a -L ${q(path.join(dir, 'librtlsdr.so'))} || sh ${q(path.join(HERE, 'build.sh'))} ${q(dir)}`,
      dir,
    ).catch((err: Error) => {
      throw new Error(`building the fake librtlsdr failed: ${err.message}`);
    });
    return dir;
  })();
  fakeDirPromise.catch(() => {
    fakeDirPromise = null;
  });
  return fakeDirPromise;
}

let addonPromise: Promise<string> | null = null;

/**
 * Builds the addon a second time, linked against the fake librtlsdr (library_dirs and RPATH = the fake's directory,
 * via the gyp variable rtlsdr_lib_dir), in native-bindings/build-fake/ (gitignored; <tmpdir>/quietband-addon-fake/
 * when native-bindings is not writable). The result is content-addressed, quietband_rtlsdr-<hash>.node, hashed over
 * binding.gyp, src/*, shared/*, the fake's directory and the Node version, so it is rebuilt only when one changed and a file
 * handed out is never rebuilt under a running test. Load it in a process that has not loaded the real build (both
 * bind the soname librtlsdr.so.0). Does not download Node headers (see native-bindings/build.mjs nodedirArgs).
 * @returns absolute path of the .node file
 * @throws Error with node-gyp's output when the build fails
 */
export function buildAddonAgainstFake(): Promise<string> {
  addonPromise ??= (async () => {
    const fakeDir = await buildFakeLibrtlsdr();
    const srcDir = path.join(NATIVE_DIR, 'src');
    const sharedDir = path.join(NATIVE_DIR, 'shared'); // headers both addons include (binding.gyp include_dirs)
    const inputs: (string | Buffer)[] = [readFileSync(path.join(NATIVE_DIR, 'binding.gyp')), fakeDir, process.version];
    for (const dir of [srcDir, sharedDir]) for (const f of readdirSync(dir).sort()) inputs.push(f, readFileSync(path.join(dir, f)));
    const stamp = sha(inputs);
    const root = writable(NATIVE_DIR) ? path.join(NATIVE_DIR, 'build-fake') : path.join(os.tmpdir(), 'quietband-addon-fake');
    const addon = path.join(root, `quietband_rtlsdr-${stamp}.node`);
    if (existsSync(addon)) return addon;
    const stage = path.join(root, 'stage');
    mkdirSync(stage, { recursive: true });
    // The staging directory mirrors native-bindings through symlinks so gyp's relative paths resolve.
    const links: [string, string][] = [
      ['binding.gyp', path.join(NATIVE_DIR, 'binding.gyp')],
      ['src', srcDir],
      ['shared', sharedDir],
      ['node_modules', path.join(REPO_ROOT, 'node_modules')],
    ];
    for (const [name, target] of links) {
      try {
        symlinkSync(target, path.join(stage, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const nodeGyp = findNodeGyp();
    if (!nodeGyp) throw new Error('node-gyp not found: run npm install');
    const gyp = [process.execPath, nodeGyp, 'rebuild', ...nodedirArgs(), `--rtlsdr_lib_dir=${fakeDir}`].map(q).join(' ');
    const built = q(path.join(stage, 'build', 'Release', ADDON_FILE));
    await underLock(
      path.join(root, '.lock'),
      `test -f ${q(addon)} || { ${gyp} && cp ${built} ${q(addon + '.tmp')} && mv -f ${q(addon + '.tmp')} ${q(addon)}; }`,
      stage,
    ).catch((err: Error) => {
      throw new Error(`building the addon against the fake librtlsdr failed: ${err.message}`);
    });
    return addon;
  })();
  addonPromise.catch(() => {
    addonPromise = null;
  });
  return addonPromise;
}
