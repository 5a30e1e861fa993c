// Builds the quietband_rtlsdr addon with node-gyp when librtlsdr is installed, the quietband_dsp addon (native
// spectrum frame kernel over FFTW) when libfftw3-dev is installed, and the quietband_soapy addon (SoapySDR receivers)
// when libsoapysdr-dev is installed; otherwise prints a notice (npm install must not fail).
//
// Usage: node native-bindings/build.mjs [--install]
//   --install  (the package.json "install" script) never fails npm install: a missing librtlsdr/libfftw3-dev, node-gyp
//              or node-addon-api, or a failed compile, prints a notice and exits 0; RTL-SDR support is then absent
//              and `quietband devices` says what to install, and spectra use the WASM FFT (pffft) instead of FFTW.
//   (no flag)  (`npm run build:native`) exits 1 when an addon cannot be built.
// Env: QUIETBAND_SKIP_NATIVE=1 skips the build.
// Node headers: node-gyp is pointed at the headers installed with this Node (<prefix>/include/node) when they exist,
// so it never downloads them; npm's own `nodedir` setting (npm_config_nodedir) wins when set.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of the native-bindings directory (where binding.gyp lives). */
export const NATIVE_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Absolute path of the repository root. */
export const REPO_ROOT = path.dirname(NATIVE_DIR);
const NOTICE = 'quietband: RTL-SDR support not built';

/**
 * True when librtlsdr's development files are present: `pkg-config --exists librtlsdr`, or rtl-sdr.h in
 * /usr/include or /usr/local/include.
 * @returns {boolean}
 */
export function hasLibrtlsdr() {
  const pc = spawnSync('pkg-config', ['--exists', 'librtlsdr'], { stdio: 'ignore' });
  if (pc.status === 0) return true;
  return existsSync('/usr/include/rtl-sdr.h') || existsSync('/usr/local/include/rtl-sdr.h');
}

/**
 * Path of node-gyp's CLI script: the project's devDependency, else the copy bundled with npm
 * (npm_config_node_gyp, set by npm for lifecycle scripts); null when neither exists.
 * @returns {string | null}
 */
export function findNodeGyp() {
  const req = createRequire(path.join(REPO_ROOT, 'package.json'));
  try {
    return req.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = process.env.npm_config_node_gyp;
    return bundled && existsSync(bundled) ? bundled : null;
  }
}

/**
 * True when node-addon-api (build-time headers) can be resolved from the repository.
 * @returns {boolean}
 */
export function hasNodeAddonApi() {
  try {
    createRequire(path.join(REPO_ROOT, 'package.json')).resolve('node-addon-api');
    return true;
  } catch {
    return false;
  }
}

/**
 * node-gyp arguments that select local Node headers: `--nodedir=<prefix>` when <prefix>/include/node/node_api.h
 * exists for the running Node (prefix = two levels above process.execPath) and npm has not set a nodedir;
 * [] otherwise (node-gyp then uses its cache, or downloads).
 * @returns {string[]}
 */
export function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = path.dirname(path.dirname(process.execPath));
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/**
 * Runs `node-gyp rebuild` in `cwd` (a directory holding binding.gyp), serialised across processes with
 * flock(1) on <tmpdir>/quietband-node-gyp-<hash of cwd>.lock when flock exists.
 * @param {string} cwd directory with binding.gyp
 * @param {string[]} extraArgs e.g. ['--rtlsdr_lib_dir=/path'] (unknown options become gyp variables)
 * @param {{ quiet?: boolean }} [options] quiet: capture output and return it instead of inheriting stdio
 * @returns {{ ok: boolean, output: string }}
 */
export function runNodeGyp(cwd, extraArgs = [], options = {}) {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return { ok: false, output: 'node-gyp not found (npm install, or run through npm)' };
  const args = [nodeGyp, 'rebuild', ...nodedirArgs(), ...extraArgs];
  const lockFile = path.join(os.tmpdir(), `quietband-node-gyp-${createHash('sha256').update(path.resolve(cwd)).digest('hex').slice(0, 12)}.lock`);
  const useFlock = spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0;
  const cmd = useFlock ? 'flock' : process.execPath;
  const cmdArgs = useFlock ? [lockFile, process.execPath, ...args] : args;
  const r = spawnSync(cmd, cmdArgs, {
    cwd,
    stdio: options.quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = options.quiet ? `${r.stdout ?? ''}${r.stderr ?? ''}` : '';
  return { ok: r.status === 0, output: r.error ? `${output}${r.error.message}` : output };
}

/** Path of the addon built by this script. */
export const ADDON_PATH = path.join(NATIVE_DIR, 'build', 'Release', 'quietband_rtlsdr.node');
/** Directory of the quietband_dsp addon (its own binding.gyp). */
export const DSP_DIR = path.join(NATIVE_DIR, 'dsp');
/** Path of the quietband_dsp addon built by this script. */
export const DSP_ADDON_PATH = path.join(DSP_DIR, 'build', 'Release', 'quietband_dsp.node');
const DSP_NOTICE = 'quietband: native FFTW frame kernel not built, spectra use the WASM FFT';
/** Directory of the quietband_soapy addon (SoapySDR receivers; its own binding.gyp). */
export const SOAPY_DIR = path.join(NATIVE_DIR, 'soapy');
/** Path of the quietband_soapy addon built by this script. */
export const SOAPY_ADDON_PATH = path.join(SOAPY_DIR, 'build', 'Release', 'quietband_soapy.node');
const SOAPY_NOTICE = 'quietband: SoapySDR support not built (soapy: sources unavailable)';

/**
 * True when SoapySDR's development files are present: `pkg-config --exists SoapySDR`, or SoapySDR/Device.hpp in
 * /usr/include or /usr/local/include (Debian: libsoapysdr-dev).
 * @returns {boolean}
 */
export function hasSoapySdr() {
  const pc = spawnSync('pkg-config', ['--exists', 'SoapySDR'], { stdio: 'ignore' });
  if (pc.status === 0) return true;
  return existsSync('/usr/include/SoapySDR/Device.hpp') || existsSync('/usr/local/include/SoapySDR/Device.hpp');
}

/**
 * True when FFTW's single-precision library and header are present: `pkg-config --exists fftw3f`, or fftw3.h in
 * /usr/include or /usr/local/include (Debian: libfftw3-dev).
 * @returns {boolean}
 */
export function hasFftw3f() {
  const pc = spawnSync('pkg-config', ['--exists', 'fftw3f'], { stdio: 'ignore' });
  if (pc.status === 0) return true;
  return existsSync('/usr/include/fftw3.h') || existsSync('/usr/local/include/fftw3.h');
}

/**
 * Builds one addon; returns an error message or null. `node-gyp rebuild` deletes build/ before compiling, so a failed
 * rebuild would leave no addon at all where a working one had been: the addon file is copied aside first
 * (`<dir>/.<name>.previous`) and put back when the rebuild fails, and the message says so.
 * @param {string} dir directory with binding.gyp
 * @param {string} file the addon file the build makes (build/Release/<name>.node)
 * @param {() => boolean} hasLib
 * @param {string} missing advice when the library is missing
 * @param {string} what the library named in the failure message
 * @param {{ quiet?: boolean }} [options] passed to runNodeGyp
 * @returns {string | null}
 */
export function buildOne(dir, file, hasLib, missing, what, options = {}) {
  if (!hasLib()) return missing;
  if (!hasNodeAddonApi()) return 'node-addon-api is missing (run npm install with dev dependencies, then npm run build:native)';
  if (!findNodeGyp()) return 'node-gyp is missing (run npm install with dev dependencies, then npm run build:native)';
  const backup = path.join(dir, `.${path.basename(file)}.previous`);
  const had = existsSync(file);
  if (had) copyFileSync(file, backup);
  const r = runNodeGyp(dir, [], options);
  if (r.ok) {
    rmSync(backup, { force: true });
    return null;
  }
  let kept = '';
  if (had) {
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true });
      renameSync(backup, file);
    } else {
      rmSync(backup, { force: true });
    }
    kept = `; the previous build of ${path.relative(REPO_ROOT, file)} was kept (it is refused at load if it no longer fits the code)`;
  }
  return `node-gyp rebuild failed (see the output above; needs a C++ compiler, make, python3 and ${what})${kept}`;
}

function main() {
  const install = process.argv.includes('--install');
  if (process.env.QUIETBAND_SKIP_NATIVE === '1') {
    process.stdout.write(`${NOTICE}: QUIETBAND_SKIP_NATIVE=1\n${DSP_NOTICE}: QUIETBAND_SKIP_NATIVE=1\n${SOAPY_NOTICE}: QUIETBAND_SKIP_NATIVE=1\n`);
    process.exit(0);
  }
  let failed = false;
  const addons = [
    [DSP_DIR, DSP_ADDON_PATH, hasFftw3f, 'libfftw3-dev', DSP_NOTICE],
    [NATIVE_DIR, ADDON_PATH, hasLibrtlsdr, 'librtlsdr-dev', NOTICE],
    [SOAPY_DIR, SOAPY_ADDON_PATH, hasSoapySdr, 'libsoapysdr-dev', SOAPY_NOTICE],
  ];
  for (const [dir, file, hasLib, pkg, notice] of addons) {
    const err = buildOne(dir, file, hasLib, `${pkg} not found (sudo apt-get install ${pkg}, then npm run build:native)`, pkg);
    if (err) failed = true;
    process.stdout.write(err ? `${notice}: ${err}\n` : `quietband: built ${path.relative(REPO_ROOT, file)}\n`);
  }
  process.exit(failed && !install ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
