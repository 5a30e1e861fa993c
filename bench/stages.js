// Per-stage benchmark.js suites: cu8→float, window, FFT backends, power accumulation, SpectrumEngine, detector.
// @ts-check
import Benchmark from 'benchmark';
import { readFileSync } from 'node:fs';
import { convertCu8 } from '../dist/src/source/sample-formats.js';
import { openFileSource } from '../dist/src/source/file-source.js';
import { createFft } from '../dist/src/dsp/fft.js';
import { makeWindow, windowSum } from '../dist/src/dsp/window.js';
import { SpectrumEngine } from '../dist/src/spectrum/spectrum-engine.js';
import { Detector } from '../dist/src/detector/detector.js';
import { learnBaseline, defaultAverage } from '../dist/src/pipeline.js';
import { pipelineOptions } from '../dist/src/cli/pipeline-flags.js';

/** Complex samples per block: the file source's default block (DEFAULT_BLOCK_SAMPLES). */
export const BLOCK_SAMPLES = 65536;

/**
 * @typedef {object} StageResult
 * @property {string} stage conversion | window | fft | power | engine | engine+welch | detector
 * @property {string} name benchmark.js case name
 * @property {number} fftSize 0 when not applicable
 * @property {string} backend FFT backend ('' when not applicable)
 * @property {number} hz operations per second
 * @property {number} rme relative margin of error (%)
 * @property {number} samplesPerOp complex samples one operation advances through the stream
 * @property {string} unit what one operation is (block, frame, 1 s of frames)
 * @property {number} msps samples per second / 1e6 (hz × samplesPerOp)
 */

/**
 * Loads `count` consecutive blocks starting at block `first` of a capture, each copied into its own Float32Array.
 * @param {string} metaPath
 * @param {number} first
 * @param {number} count
 * @returns {Promise<{ samples: Float32Array[] }>} the converted blocks
 */
async function loadBlocks(metaPath, first, count) {
  const src = await openFileSource(metaPath, { blockSamples: BLOCK_SAMPLES });
  /** @type {Float32Array[]} */
  const samples = [];
  let i = 0;
  for await (const b of src.blocks()) {
    if (i >= first) samples.push(b.samples.slice(0, 2 * b.count));
    if (++i >= first + count) break;
  }
  await src.close();
  return { samples };
}

/**
 * A block object that walks through a set of preloaded blocks with continuous sample numbering (so SpectrumEngine never
 * resets), built outside the timed code; `next()` only assigns fields.
 * @param {Float32Array[]} blocks
 * @param {number} rateSps
 * @param {number} centerHz
 */
function blockCycler(blocks, rateSps, centerHz) {
  /** @type {import('../src/types.js').IqBlock} */
  const block = { samples: blocks[0], count: BLOCK_SAMPLES, centerHz, rateSps, firstSample: -BLOCK_SAMPLES, tuneId: 0, clipFraction: 0, discontinuity: false };
  let i = 0;
  return {
    block,
    next() {
      block.samples = blocks[i];
      block.firstSample += BLOCK_SAMPLES;
      i = (i + 1) % blocks.length;
      return block;
    },
  };
}

/**
 * Private copy of SpectrumEngine.computeFrame's first half (running DC removed, Hann window, interleave into the FFT
 * input), for measuring the stage on its own. Kept in step with src/spectrum/spectrum-engine.ts by hand.
 * @param {Float64Array} sI @param {Float64Array} sQ @param {Float64Array} w @param {Float64Array} inp @param {number} n
 * @param {{ dcI: number, dcQ: number }} dc
 */
function windowFrame(sI, sQ, w, inp, n, dc) {
  let mI = 0;
  let mQ = 0;
  for (let j = 0; j < n; j++) {
    mI += sI[j];
    mQ += sQ[j];
  }
  dc.dcI += (mI / n - dc.dcI) / 16;
  dc.dcQ += (mQ / n - dc.dcQ) / 16;
  const dcI = dc.dcI;
  const dcQ = dc.dcQ;
  for (let j = 0; j < n; j++) {
    const wj = w[j];
    inp[2 * j] = (sI[j] - dcI) * wj;
    inp[2 * j + 1] = (sQ[j] - dcQ) * wj;
  }
}

/**
 * Private copy of SpectrumEngine.computeFrame's power stage: |X_k|²·norm, fftshift into a Float32 frame, Welch sum.
 * @param {Float64Array} out @param {Float32Array} p @param {Float64Array} sum @param {number} n @param {number} norm
 */
function powerAccumulate(out, p, sum, n, norm) {
  const half = n >> 1;
  for (let k = 0; k < n; k++) {
    const re = out[2 * k];
    const im = out[2 * k + 1];
    const v = (re * re + im * im) * norm;
    const idx = k < half ? k + half : k - half;
    p[idx] = v;
    sum[idx] += v;
  }
}

/**
 * Records, in pipeline order (runPass: chunks of half a slow frame, fast path first), the frames the two engines
 * produce over `blocks`, as copies, for replaying into a Detector.
 * @param {import('../src/pipeline.js').PipelineOptions} opts
 * @param {Float32Array[]} blocks
 * @param {number} rateSps @param {number} centerHz @param {number} firstSample
 */
function recordFrames(opts, blocks, rateSps, centerHz, firstSample) {
  const slow = new SpectrumEngine(opts.spectrum);
  const fast = new SpectrumEngine({ ...opts.spectrum, fftSize: opts.fastFftSize, average: 0 });
  /** @type {{ slow: boolean, frame: import('../src/spectrum/frames.js').SpectrumFrame }[]} */
  const frames = [];
  const copy = (/** @type {import('../src/spectrum/frames.js').SpectrumFrame} */ f) => ({ ...f, power: f.power.slice() });
  const fastSink = { onShortFrame: (f) => frames.push({ slow: false, frame: copy(f) }), onSlowFrame: () => {} };
  const slowSink = { onShortFrame: () => {}, onSlowFrame: (f) => frames.push({ slow: true, frame: copy(f) }) };
  let first = firstSample;
  for (const s of blocks) {
    const block = { samples: s, count: s.length / 2, centerHz, rateSps, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity: false };
    for (let from = 0; from < block.count; from += slow.hop) {
      const to = Math.min(block.count, from + slow.hop);
      fast.push(block, fastSink, from, to);
      slow.push(block, slowSink, from, to);
    }
    first += block.count;
  }
  return frames;
}

/**
 * Runs a suite synchronously and returns one StageResult per case.
 * @param {string} title
 * @param {{ name: string, stage: string, fftSize: number, backend: string, samplesPerOp: number, unit: string, fn: () => void }[]} cases
 * @param {number} maxTime seconds per case (benchmark.js maxTime)
 * @param {(line: string) => void} log
 * @returns {StageResult[]}
 */
function runSuite(title, cases, maxTime, log) {
  /** @type {StageResult[]} */
  const out = [];
  const suite = new Benchmark.Suite(title);
  for (const c of cases) suite.add(c.name, c.fn, { maxTime, minSamples: 5 });
  suite.on('cycle', (/** @type {any} */ ev) => {
    const b = ev.target;
    const c = cases.find((x) => x.name === b.name);
    if (!c) return;
    if (b.error) throw b.error;
    const r = { stage: c.stage, name: c.name, fftSize: c.fftSize, backend: c.backend, hz: b.hz, rme: b.stats.rme, samplesPerOp: c.samplesPerOp, unit: c.unit, msps: (b.hz * c.samplesPerOp) / 1e6 };
    out.push(r);
    log(`  ${c.name.padEnd(44)} ${fmt(b.hz, 10)} ${c.unit}/s ±${b.stats.rme.toFixed(1).padStart(4)}%  ${fmt(r.msps, 8)} MS/s  ${fmt(r.msps / 2.4, 7)}× RT`);
  });
  log(`${title}`);
  suite.run({ async: false });
  return out;
}

/** @param {number} v @param {number} width */
function fmt(v, width) {
  const s = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return s.padStart(width);
}

/**
 * Runs every per-stage suite on blocks of the bench capture. Inputs (blocks, windowed frames, baselines, recorded
 * frames) are built before each suite; only the stage itself is inside the timed function.
 * @param {{ metaPath: string, dataPath: string, rateSps: number, centerHz: number, samples: number }} capture
 * @param {{ sizes: number[], backends: string[], defaultBackend: string, maxTime: number, log: (line: string) => void }} o
 * @returns {Promise<StageResult[]>}
 */
export async function runStages(capture, o) {
  const { sizes, backends, maxTime, log } = o;
  const { rateSps, centerHz } = capture;
  const nBlocks = 16; // 1 Mi samples ≈ 0.44 s: bigger than the caches, like a stream
  const firstBlock = Math.max(0, Math.min(Math.floor(capture.samples / BLOCK_SAMPLES) - nBlocks, Math.floor((capture.samples * 0.6) / BLOCK_SAMPLES)));
  const { samples: blocks } = await loadBlocks(capture.metaPath, firstBlock, nBlocks);
  /** @type {StageResult[]} */
  const results = [];

  // 1. cu8 → float32 (rotating over 16 blocks of raw bytes)
  {
    const fd = readFileSync(capture.dataPath);
    const raw = new Uint8Array(fd.buffer, fd.byteOffset + firstBlock * BLOCK_SAMPLES * 2, nBlocks * BLOCK_SAMPLES * 2);
    const out = new Float32Array(2 * BLOCK_SAMPLES);
    let i = 0;
    let sink = 0;
    results.push(...runSuite('conversion (block = 65536 samples)', [{
      name: 'convertCu8', stage: 'conversion', fftSize: 0, backend: '', samplesPerOp: BLOCK_SAMPLES, unit: 'block',
      fn: () => {
        sink += convertCu8(raw, out, BLOCK_SAMPLES, 2 * BLOCK_SAMPLES * i);
        i = (i + 1) % nBlocks;
      },
    }], maxTime, log));
    if (sink < 0) log('');
  }

  // 2. window, FFT, power: one frame each; MS/s counts a hop (N/2 new samples) per frame, as in the 50 %-overlap stream
  {
    const cases = [];
    for (const n of sizes) {
      const w = makeWindow('hann', n);
      const sI = new Float64Array(n);
      const sQ = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        sI[j] = blocks[0][2 * j];
        sQ[j] = blocks[0][2 * j + 1];
      }
      const inp = new Float64Array(2 * n);
      const dc = { dcI: 0, dcQ: 0 };
      windowFrame(sI, sQ, w, inp, n, dc);
      cases.push({ name: `window+dc N=${n}`, stage: 'window', fftSize: n, backend: '', samplesPerOp: n / 2, unit: 'frame', fn: () => windowFrame(sI, sQ, w, inp, n, dc) });
      for (const be of backends.filter((b) => b !== 'fftw')) {
        // ('fftw' is not a bare transform but the native whole-frame kernel: it is measured as an engine below)
        const fft = createFft(n, be);
        const out = new Float64Array(2 * n);
        cases.push({ name: `fft ${be} N=${n}`, stage: 'fft', fftSize: n, backend: be, samplesPerOp: n / 2, unit: 'frame', fn: () => fft.forward(inp, out) });
      }
      const out = new Float64Array(2 * n);
      createFft(n).forward(inp, out);
      const p = new Float32Array(n);
      const sum = new Float64Array(n);
      const ws = windowSum(w);
      const norm = 1 / (ws * ws);
      cases.push({ name: `power+welch-sum N=${n}`, stage: 'power', fftSize: n, backend: '', samplesPerOp: n / 2, unit: 'frame', fn: () => powerAccumulate(out, p, sum, n, norm) });
    }
    results.push(...runSuite('window / FFT / power per frame (private copies of the engine loops; MS/s = frames/s × N/2)', cases, maxTime, log));
  }

  // 3. SpectrumEngine.push on whole blocks: window+FFT+power (no averaging), and with the pipeline's Welch averaging
  {
    const noop = { onShortFrame() {}, onSlowFrame() {} };
    const cases = [];
    for (const n of sizes) {
      for (const be of backends) {
        const engine = new SpectrumEngine({ fftSize: n, window: 'hann', average: 0, dcRemoval: true, fftBackend: be });
        const cyc = blockCycler(blocks, rateSps, centerHz);
        cases.push({ name: `engine ${be} N=${n}`, stage: 'engine', fftSize: n, backend: be, samplesPerOp: BLOCK_SAMPLES, unit: 'block', fn: () => engine.push(cyc.next(), noop) });
      }
      const avg = defaultAverage(rateSps, n);
      const be = o.defaultBackend;
      const engine = new SpectrumEngine({ fftSize: n, window: 'hann', average: avg, dcRemoval: true, fftBackend: be });
      const cyc = blockCycler(blocks, rateSps, centerHz);
      cases.push({ name: `engine+welch(${avg}) ${be} N=${n}`, stage: 'engine+welch', fftSize: n, backend: be, samplesPerOp: BLOCK_SAMPLES, unit: 'block', fn: () => engine.push(cyc.next(), noop) });
    }
    results.push(...runSuite('SpectrumEngine.push (block = 65536 samples; real time needs 36.6 blocks/s)', cases, maxTime, log));
  }

  // 4. Detector: replays ≈ 1 s of recorded fast + slow frames (pipeline order) against a baseline learnt from the capture
  {
    const cases = [];
    for (const n of sizes.filter((s) => s === 1024 || s === 2048)) {
      const opts = pipelineOptions({ fftSize: String(n) }, rateSps);
      const src = await openFileSource(capture.metaPath);
      const { baseline } = await learnBaseline(src, opts, 'auto', { maxSamples: Math.min(capture.samples, 4 * rateSps) });
      const span = Math.round(rateSps / BLOCK_SAMPLES) * BLOCK_SAMPLES; // ≈ 1 s in whole blocks
      const { samples: secBlocks } = await loadBlocks(capture.metaPath, firstBlock, span / BLOCK_SAMPLES);
      const recorded = recordFrames(opts, secBlocks, rateSps, centerHz, firstBlock * BLOCK_SAMPLES);
      const geometry = { fftSize: n, fastFftSize: opts.fastFftSize, rateSps, centerHz };
      let events = 0;
      const det = new Detector(baseline, geometry, () => events++, opts.detector);
      /** @type {import('../src/spectrum/frames.js').SpectrumFrame} */
      const fastFrame = { ...recorded[0].frame };
      const slowFrame = { ...recorded[0].frame };
      let shift = 0;
      const shortCount = recorded.filter((r) => !r.slow).length;
      cases.push({
        name: `detector N=${n} (${shortCount} short + ${recorded.length - shortCount} slow frames)`, stage: 'detector', fftSize: n, backend: '', samplesPerOp: span, unit: 'signal-s',
        fn: () => {
          for (let i = 0; i < recorded.length; i++) {
            const r = recorded[i];
            const f = r.slow ? slowFrame : fastFrame;
            const src = r.frame;
            f.power = src.power;
            f.firstSample = src.firstSample + shift;
            f.sampleCount = src.sampleCount;
            f.clipFraction = src.clipFraction;
            f.frames = src.frames;
            if (r.slow) det.onSlowFrame(f);
            else det.onShortFrame(f);
          }
          shift += span;
        },
      });
    }
    results.push(...runSuite('Detector (one op = ≈ 1 s of signal: its recorded frames at 2.4 MS/s)', cases, maxTime, log));
  }
  return results;
}
