// Side-by-side references on the bench capture: the FFTW C Welch reference and Debian's rtl_power on the fake librtlsdr.
// @ts-check
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');

/** @param {(string | Buffer)[]} parts */
function shortHash(parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
}

/**
 * Compiles bench/<name>.c with `cc -O2 … -lfftw3f -lm` into `<tmpdir>/quietband-bench-fftw-<hash>/<name>` (reused
 * while the source is unchanged).
 * @param {string} [name] 'fftw-reference' (one Welch spectrum) or 'fftw-detect-reference' (the detect pass's work)
 * @returns {Promise<string>} path of the executable
 * @throws Error with the compiler output when cc or libfftw3-dev is missing
 */
export async function buildFftwReference(name = 'fftw-reference') {
  const src = path.join(HERE, `${name}.c`);
  const dir = path.join(os.tmpdir(), `quietband-bench-fftw-${shortHash([readFileSync(src), readFileSync(path.join(HERE, 'bench-clock.h'))])}`);
  const exe = path.join(dir, name);
  if (existsSync(exe)) return exe;
  await mkdir(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}`;
  try {
    await execFileAsync('cc', ['-O2', '-Wall', '-o', tmp, src, '-lfftw3f', '-lm']);
    await execFileAsync('mv', ['-f', tmp, exe]);
  } catch (err) {
    const e = /** @type {{ message: string, stderr?: string }} */ (err);
    throw new Error(`compiling ${src} failed (needs cc and libfftw3-dev): ${e.message}\n${e.stderr ?? ''}`);
  }
  return exe;
}

/**
 * @typedef {object} FftwDetectResult
 * @property {number} fftSize slow FFT size N (the fast path uses N/4)
 * @property {number} samples
 * @property {number} fastFrames
 * @property {number} slowFrames Welch means tested
 * @property {number} fastHits bins above the fast baseline array (all frames)
 * @property {number} slowHits bins above the slow baseline array
 * @property {number} seconds the detect pass (reading + conversion + both spectra + tests; baseline and planning excluded)
 * @property {number} msps
 * @property {number} cpuMsps samples / process CPU time of the pass
 */

/**
 * Runs the same-work FFTW anchor (bench/fftw-detect-reference.c) over a cu8 file: fast (N/4) and slow (N) spectra,
 * 50 % overlap, Hann, running DC, Welch means of `average` frames, per-bin tests against baseline arrays learned in an
 * untimed first pass × 10^(threshold/10).
 * @param {string} exe from buildFftwReference('fftw-detect-reference')
 * @param {string} dataPath cu8 bytes
 * @param {number} fftSize N
 * @param {number} average frames per Welch mean
 * @param {number} fastThresholdDb
 * @param {number} slowThresholdDb
 * @returns {Promise<FftwDetectResult>}
 */
export async function runFftwDetectReference(exe, dataPath, fftSize, average, fastThresholdDb, slowThresholdDb) {
  const { stdout } = await execFileAsync(exe, [dataPath, String(fftSize), String(average), String(fastThresholdDb), String(slowThresholdDb)]);
  const r = JSON.parse(stdout.trim());
  return { fftSize, samples: r.samples, fastFrames: r.fastFrames, slowFrames: r.slowFrames, fastHits: r.fastHits, slowHits: r.slowHits, seconds: r.seconds, msps: r.msps, cpuMsps: r.cpuMsps };
}

/**
 * @typedef {object} FftwResult
 * @property {number} fftSize
 * @property {number} samples
 * @property {number} frames
 * @property {number} slowFrames
 * @property {number} seconds reading + conversion + Welch (planning excluded)
 * @property {number} msps
 * @property {number} cpuMsps samples / process CPU time
 * @property {number} planSeconds FFTW_MEASURE planning time
 * @property {Float32Array | undefined} firstAverage the first averaged frame (fftshifted linear power) when requested
 */

/**
 * Runs the FFTW reference over a cu8 file.
 * @param {string} exe from buildFftwReference
 * @param {string} dataPath cu8 bytes
 * @param {number} fftSize
 * @param {number} average frames per Welch average
 * @param {boolean} wantSpectrum also return the first averaged frame (for the cross-check)
 * @returns {Promise<FftwResult>}
 */
export async function runFftwReference(exe, dataPath, fftSize, average, wantSpectrum) {
  const specPath = path.join(os.tmpdir(), `quietband-bench-fftw-spectrum-${process.pid}-${fftSize}.f32`);
  const args = [dataPath, String(fftSize), String(average)];
  if (wantSpectrum) args.push(specPath);
  const { stdout } = await execFileAsync(exe, args);
  const r = JSON.parse(stdout.trim());
  let firstAverage;
  if (wantSpectrum) {
    const b = await readFile(specPath);
    firstAverage = new Float32Array(b.buffer, b.byteOffset, b.length / 4).slice();
    await rm(specPath, { force: true });
  }
  return { fftSize, samples: r.samples, frames: r.frames, slowFrames: r.slowFrames, seconds: r.seconds, msps: r.msps, cpuMsps: r.cpuMsps, planSeconds: r.planSeconds, firstAverage };
}

/**
 * Builds the fake librtlsdr of the tests (test/fake-librtlsdr/build.sh) into the same content-addressed temp folder
 * test/fake-librtlsdr/build.ts uses (`<tmpdir>/quietband-fake-librtlsdr-<hash>`), under flock, and returns it.
 * @returns {Promise<string>} directory for LD_LIBRARY_PATH
 */
export async function buildFakeLibrtlsdr() {
  const here = path.join(REPO, 'test', 'fake-librtlsdr');
  const source = readFileSync(path.join(here, 'fake-librtlsdr.c'));
  const script = readFileSync(path.join(here, 'build.sh'));
  const headerPresent = existsSync('/usr/include/rtl-sdr.h') ? 'hdr' : 'nohdr';
  const dir = path.join(os.tmpdir(), `quietband-fake-librtlsdr-${shortHash([source, script, headerPresent])}`);
  const lib = path.join(dir, 'librtlsdr.so.0');
  if (existsSync(lib) && existsSync(path.join(dir, 'librtlsdr.so'))) return dir;
  await mkdir(dir, { recursive: true });
  const q = (/** @type {string} */ s) => `'${s.replace(/'/g, `'\\''`)}'`;
  await execFileAsync('flock', [path.join(dir, '.lock'), 'sh', '-c',
    `test -f ${q(lib)} -a -L ${q(path.join(dir, 'librtlsdr.so'))} || sh ${q(path.join(here, 'build.sh'))} ${q(dir)}`]);
  return dir;
}

/**
 * @typedef {object} RtlPowerResult
 * @property {number} bins FFT bins (rtl_power's bin_e)
 * @property {string} range the -f argument
 * @property {number} samples complex samples in the file (all consumed: bytesRead confirms)
 * @property {number} bytesRead rtl_power's read() total (/proc/PID/io rchar) when the end of the file was seen
 * @property {number} seconds from the first sample read (after "Tuner gain set…") to the end-of-file report
 * @property {number} startupSeconds spawn → first sample read (process start, device open, tuning)
 * @property {number} msps samples / seconds
 * @property {number} cpuSeconds rtl_power's CPU time (user + system, /proc/PID/stat) at the end of the file, start-up included
 * @property {number} cpuMsps samples / cpuSeconds
 */

/**
 * Runs Debian's rtl_power on the fake librtlsdr streaming the cu8 file as fast as it is read (FAKE_RTLSDR_FILE, no
 * FAKE_RTLSDR_REALTIME) and once only (FAKE_RTLSDR_LOOP=0). The span is the capture's full band (one hop, no
 * retuning): `-f (c−r/2):(c+r/2):(r/bins)`, `-i 3600` so no CSV row interrupts the pass. rtl_power reads 16 KiB per
 * rtlsdr_read_sync and FFTs it in non-overlapping frames (rtl_power.c scanner()); at the end of the file the fake
 * returns a short read and rtl_power prints "Error: dropped samples." — that line ends the clock, then rtl_power gets
 * SIGTERM (it keeps spinning on its stale buffer otherwise, so its CSV "samples" column cannot be used).
 * @param {{ dataPath: string, samples: number, rateSps: number, centerHz: number }} capture
 * @param {number} bins power of two
 * @param {string} libDir from buildFakeLibrtlsdr
 * @returns {Promise<RtlPowerResult>}
 */
export function runRtlPower(capture, bins, libDir) {
  const lo = capture.centerHz - capture.rateSps / 2;
  const hi = capture.centerHz + capture.rateSps / 2;
  const range = `${lo}:${hi}:${Math.ceil(capture.rateSps / bins)}`;
  const csv = path.join(os.tmpdir(), `quietband-bench-rtl-power-${process.pid}.csv`);
  return new Promise((resolve, reject) => {
    /** @type {NodeJS.ProcessEnv} */
    const env = { ...process.env, LD_LIBRARY_PATH: libDir, FAKE_RTLSDR_FILE: capture.dataPath, FAKE_RTLSDR_LOOP: '0', FAKE_RTLSDR_QUIET: '1' };
    delete env.FAKE_RTLSDR_REALTIME;
    const t0 = performance.now();
    const child = spawn('rtl_power', ['-f', range, '-i', '3600', csv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let tStart = 0;
    let done = false;
    let stderr = '';
    const killTimer = setTimeout(() => finish(new Error(`rtl_power did not reach the end of the file within 120 s; stderr:\n${stderr.slice(0, 2000)}`)), 120_000);
    /** @param {Error | null} err @param {RtlPowerResult} [r] */
    function finish(err, r) {
      if (done) return;
      done = true;
      clearTimeout(killTimer);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => clearTimeout(hard));
      }
      rm(csv, { force: true }).catch(() => undefined);
      if (err) reject(err);
      else if (r) resolve(r);
    }
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (/** @type {string} */ chunk) => {
      if (done) return;
      stderr += chunk;
      if (tStart === 0 && /Tuner gain set|Tuner gain/.test(stderr)) tStart = performance.now();
      if (stderr.includes('Error: dropped samples.')) {
        const tEnd = performance.now();
        let bytesRead = NaN;
        let cpuSeconds = NaN;
        try {
          const io = readFileSync(`/proc/${child.pid}/io`, 'utf8');
          bytesRead = Number(/rchar:\s*(\d+)/.exec(io)?.[1]);
          // fields after the command name: state is field 3, utime 14, stime 15 (clock ticks; USER_HZ = 100 on Linux)
          const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
        } catch {
          // /proc not readable: leave NaN
        }
        const start = tStart || t0;
        const seconds = (tEnd - start) / 1e3;
        finish(null, {
          bins, range, samples: capture.samples, bytesRead, seconds, startupSeconds: (start - t0) / 1e3, msps: capture.samples / seconds / 1e6,
          cpuSeconds, cpuMsps: capture.samples / cpuSeconds / 1e6,
        });
      }
    });
    child.on('error', (err) => finish(new Error(`cannot run rtl_power (Debian package rtl-sdr): ${err.message}`)));
    child.on('exit', (code) => {
      if (!done) finish(new Error(`rtl_power exited (${code}) before the end of the file; stderr:\n${stderr.slice(0, 2000)}`));
    });
  });
}
