// Whole replay pipeline on the bench capture: learnBaseline (pass 1) + detect (pass 2) through openFileSource, timed.
// @ts-check
import { openFileSource } from '../dist/src/source/file-source.js';
import { learnBaseline, detect } from '../dist/src/pipeline.js';
import { pipelineOptions } from '../dist/src/cli/pipeline-flags.js';

/**
 * @typedef {object} PipelineResult
 * @property {number} fftSize
 * @property {string} backend
 * @property {number} samples samples analysed per pass (the file less the settle samples)
 * @property {number} learnMs wall time of learnBaseline (open → baseline)
 * @property {number} detectMs wall time of detect (open → flush)
 * @property {number} learnMsps
 * @property {number} detectMsps one live-pipeline pass: source → fast + slow spectra → detector
 * @property {number} detectWarmMsps the same pass run a second time in the same process (steady state)
 * @property {number} replayMsps file samples / (learnMs + detectMs): what `quietband replay` does with a learnt baseline
 * @property {number} learnCpuMsps samples / process CPU time of the learn pass (all threads: libuv's file reads too)
 * @property {number} detectCpuMsps samples / process CPU time of the detect pass
 * @property {number} events DetectionEvents emitted by detect
 * @property {number} opens 'open' events
 * @property {number} shortFrames
 * @property {number} slowFrames
 */

/**
 * Runs learnBaseline then detect over the whole file with PipelineOptions from the CLI flag parser
 * (`pipelineOptions({ fftSize }, rate)`, defaults for everything else) and `spectrum.fftBackend = backend`.
 * Each pass is timed from opening the file to the pass's end (reading and cu8 conversion included).
 * @param {string} metaPath SigMF meta of the capture
 * @param {number} fftSize
 * @param {string} backend FFT backend name (createFft)
 * @returns {Promise<PipelineResult>}
 */
export async function runPipeline(metaPath, fftSize, backend) {
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  const src1 = await openFileSource(metaPath);
  const opts = pipelineOptions({ fftSize: String(fftSize) }, src1.info.rateSps);
  opts.spectrum.fftBackend = backend;
  const { baseline, stats: ls } = await learnBaseline(src1, opts, 'auto');
  const learnMs = performance.now() - t0;
  const learnCpu = process.cpuUsage(c0);
  let events = 0;
  let opens = 0;
  c0 = process.cpuUsage();
  t0 = performance.now();
  const src2 = await openFileSource(metaPath);
  const { stats } = await detect(src2, baseline, opts, (ev) => {
    events++;
    if (ev.kind === 'open') opens++;
  });
  const detectMs = performance.now() - t0;
  const detectCpu = process.cpuUsage(c0);
  // the same detect pass again in this process: steady state (JIT-compiled code, warm caches), as in a long replay
  t0 = performance.now();
  const { stats: warmStats } = await detect(await openFileSource(metaPath), baseline, opts, () => {});
  const detectWarmMs = performance.now() - t0;
  const total = src2.info.totalSamples ?? stats.samples;
  return {
    fftSize,
    backend,
    samples: stats.samples,
    learnMs,
    detectMs,
    learnMsps: ls.samples / learnMs / 1e3,
    detectMsps: stats.samples / detectMs / 1e3,
    detectWarmMsps: warmStats.samples / detectWarmMs / 1e3,
    replayMsps: total / (learnMs + detectMs) / 1e3,
    learnCpuMsps: ls.samples / (learnCpu.user + learnCpu.system),
    detectCpuMsps: stats.samples / (detectCpu.user + detectCpu.system),
    events,
    opens,
    shortFrames: stats.shortFrames,
    slowFrames: stats.slowFrames,
  };
}

/**
 * The pipeline measured in a fresh process (what `quietband replay` is: one process, one FFT backend), so each backend
 * runs with its own JIT type feedback instead of code made polymorphic by the backends measured before it.
 * @param {string} metaPath
 * @param {number} fftSize
 * @param {string} backend
 * @returns {Promise<PipelineResult>}
 */
export async function runPipelineInChild(metaPath, fftSize, backend) {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { fileURLToPath } = await import('node:url');
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), metaPath, String(fftSize), backend], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}

// `node bench/pipeline.js META FFT_SIZE BACKEND`: one runPipeline, its result as one JSON line
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const [metaPath, n, backend] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await runPipeline(metaPath, Number(n), backend))}\n`);
}
