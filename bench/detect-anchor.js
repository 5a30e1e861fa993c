// The same-work native anchor side by side with the detect pass: paired runs, min/median/max, the load of each run.
// @ts-check
import os from 'node:os';
import { runPipelineInChild } from './pipeline.js';
import { buildFftwReference, runFftwDetectReference } from './references.js';

/** @param {number[]} xs */
export function minMedianMax(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { min: s[0] ?? NaN, median: s.length % 2 ? s[mid] ?? NaN : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2, max: s.at(-1) ?? NaN };
}

/**
 * @typedef {object} AnchorRun
 * @property {number} detectMsps our detect pass (fresh process, default backend), wall
 * @property {number} detectCpuMsps by process CPU time
 * @property {number} anchorMsps the C anchor's detect pass, wall
 * @property {number} anchorCpuMsps by process CPU time
 * @property {number} load1 1-minute load average when the pair ended
 */

/**
 * Runs `runs` pairs (our detect pass in a child process, then bench/fftw-detect-reference.c on the same file), for
 * FFT size `fftSize` with the pipeline's own defaults (Welch mean of defaultAverage frames, the detector's default
 * fast/slow thresholds for the anchor's baseline arrays).
 * @param {{ metaPath: string, dataPath: string, rateSps: number }} capture
 * @param {number} fftSize
 * @param {string} backend
 * @param {number} runs
 * @param {(line: string) => void} log
 * @returns {Promise<{ runs: AnchorRun[], detect: ReturnType<typeof minMedianMax>, anchor: ReturnType<typeof minMedianMax>,
 *   detectCpu: ReturnType<typeof minMedianMax>, anchorCpu: ReturnType<typeof minMedianMax>, ratio: number, cpuRatio: number,
 *   fastHits: number, slowHits: number, average: number }>}
 */
export async function runDetectAnchor(capture, fftSize, backend, runs, log) {
  const { defaultAverage } = await import('../dist/src/pipeline.js');
  const { DEFAULT_DETECTOR_OPTIONS } = await import('../dist/src/detector/options.js');
  const exe = await buildFftwReference('fftw-detect-reference');
  const average = defaultAverage(capture.rateSps, fftSize);
  /** @type {AnchorRun[]} */
  const out = [];
  let hits = { fastHits: 0, slowHits: 0 };
  for (let k = 0; k < runs; k++) {
    const ours = await runPipelineInChild(capture.metaPath, fftSize, backend);
    const a = await runFftwDetectReference(exe, capture.dataPath, fftSize, average, DEFAULT_DETECTOR_OPTIONS.thresholdDb, DEFAULT_DETECTOR_OPTIONS.slowThresholdDb);
    hits = { fastHits: a.fastHits, slowHits: a.slowHits };
    const r = { detectMsps: ours.detectMsps, detectCpuMsps: ours.detectCpuMsps, anchorMsps: a.msps, anchorCpuMsps: a.cpuMsps, load1: os.loadavg()[0] };
    out.push(r);
    log(`    run ${k + 1}: detect pass ${r.detectMsps.toFixed(1)} MS/s (cpu ${r.detectCpuMsps.toFixed(1)}) | C anchor ${r.anchorMsps.toFixed(1)} MS/s (cpu ${r.anchorCpuMsps.toFixed(1)}) ` +
      `→ ${(r.detectMsps / r.anchorMsps).toFixed(2)}× (cpu ${(r.detectCpuMsps / r.anchorCpuMsps).toFixed(2)}×); load ${r.load1.toFixed(2)}`);
  }
  const detect = minMedianMax(out.map((r) => r.detectMsps));
  const anchor = minMedianMax(out.map((r) => r.anchorMsps));
  const detectCpu = minMedianMax(out.map((r) => r.detectCpuMsps));
  const anchorCpu = minMedianMax(out.map((r) => r.anchorCpuMsps));
  return { runs: out, detect, anchor, detectCpu, anchorCpu, ratio: detect.median / anchor.median, cpuRatio: detectCpu.median / anchorCpu.median, ...hits, average };
}
