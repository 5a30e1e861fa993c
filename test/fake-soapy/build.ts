// Test helper: build the quietband-fake SoapySDR module and point this process's SoapySDR at it.
//
//   const dir = await buildFakeSoapy();      // dir/libquietbandFakeSupport.so
//   const binding = await soapyWithFake();   // SOAPY_SDR_PLUGIN_PATH=dir set, then the quietband_soapy addon loaded
//   SoapySource.open({ args: 'driver=quietband-fake,serial=QBFAKE01,file=/tmp/x.cs16', ..., binding })
//
// Child processes (the daemon, SoapySDRUtil) get the same module with env SOAPY_SDR_PLUGIN_PATH=dir.
// Device args and the synthetic signal: header comment of fake-soapy.cc.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSoapy, type SoapyBinding } from '../../native-bindings/soapy.js';
import { q, sha, underLock } from '../fake-librtlsdr/build.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The module's file name (SoapySDR loads every *.so in a directory of SOAPY_SDR_PLUGIN_PATH). */
export const FAKE_SOAPY_MODULE = 'libquietbandFakeSupport.so';
/** Driver name to give in device args. */
export const FAKE_SOAPY_DRIVER = 'quietband-fake';

let dirPromise: Promise<string> | null = null;

/**
 * Builds the module once per source version into <tmpdir>/quietband-fake-soapy-<hash>/ (nothing is written into the
 * repository) and returns that directory. Needs g++, pkg-config, Debian's libsoapysdr-dev and flock(1).
 * @throws Error with the compiler output when the build fails (e.g. libsoapysdr-dev missing)
 */
export function buildFakeSoapy(): Promise<string> {
  dirPromise ??= (async () => {
    const source = readFileSync(path.join(HERE, 'fake-soapy.cc'));
    const script = readFileSync(path.join(HERE, 'build.sh'));
    const dir = path.join(os.tmpdir(), `quietband-fake-soapy-${sha([source, script])}`);
    const lib = path.join(dir, FAKE_SOAPY_MODULE);
    if (existsSync(lib)) return dir;
    mkdirSync(dir, { recursive: true });
    await underLock(path.join(dir, '.lock'), `test -f ${q(lib)} || sh ${q(path.join(HERE, 'build.sh'))} ${q(dir)}`, dir).catch((err: Error) => {
      throw new Error(`building the quietband-fake SoapySDR module failed (needs g++ and libsoapysdr-dev): ${err.message}`);
    });
    return dir;
  })();
  dirPromise.catch(() => {
    dirPromise = null;
  });
  return dirPromise;
}

/**
 * Builds the module, puts its directory first on this process's SOAPY_SDR_PLUGIN_PATH (SoapySDR reads it once, when
 * it first loads its modules: call this before anything in the process uses SoapySDR), then loads the quietband_soapy
 * addon (fails, never skips, when it is not built).
 * @returns the addon binding and the module's directory
 */
export async function soapyWithFake(): Promise<{ binding: SoapyBinding; moduleDir: string }> {
  const moduleDir = await buildFakeSoapy();
  const prev = process.env.SOAPY_SDR_PLUGIN_PATH;
  process.env.SOAPY_SDR_PLUGIN_PATH = prev ? `${moduleDir}:${prev}` : moduleDir;
  return { binding: loadSoapy(), moduleDir };
}
