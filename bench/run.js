// `npm run bench`: per-stage suites, the whole replay pipeline, FFTW and rtl_power side by side, heap over a long run.
// The LAST line printed is one JSON object (pipelineMsps, fftwReferenceMsps, rtlPowerMsps, realtimeFactor, fftSize, …).
// Knobs (env): BENCH_CAPTURE_S (capture length, s; default 10), BENCH_HEAP_S (long-run input, s; default 60; 0 skips),
// BENCH_ANCHOR_RUNS (paired runs of the detect pass and its same-work C anchor per FFT size; default 3; 0 skips),
// BENCH_MAX_TIME (benchmark.js maxTime per case, s; default 0.4), BENCH_SIZES (FFT sizes; default 512,1024,2048,4096).
// @ts-check
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureCapture } from './capture.js';
import { runStages, BLOCK_SAMPLES } from './stages.js';
import { runPipelineInChild } from './pipeline.js';
import { buildFftwReference, runFftwReference, buildFakeLibrtlsdr, runRtlPower } from './references.js';
import { runDetectAnchor } from './detect-anchor.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const execFileAsync = promisify(execFile);
const RT_MSPS = 2.4;

if (!existsSync(path.join(HERE, '../dist/src/pipeline.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run bench` (it compiles first)\n');
  process.exit(2);
}

const env = process.env;
const captureS = Number(env.BENCH_CAPTURE_S ?? 10);
const heapS = Number(env.BENCH_HEAP_S ?? 60);
const maxTime = Number(env.BENCH_MAX_TIME ?? 0.4);
const sizes = (env.BENCH_SIZES ?? '512,1024,2048,4096').split(',').map(Number);
const anchorRuns = Number(env.BENCH_ANCHOR_RUNS ?? 3);
const PIPELINE_SIZES = [1024, 2048];
const { DEFAULT_FFT_BACKEND } = await import('../dist/src/dsp/fft.js');
const { nativeFrameAvailable, fftwVersion } = await import('../dist/src/dsp/native-frame.js');
/** fft.js (float64 reference), pffft (WASM SIMD), and fftw (the quietband_dsp addon's whole-frame kernel) when built. */
const BACKENDS = ['fft.js', 'pffft', ...(nativeFrameAvailable() ? ['fftw'] : [])];

/** @param {string} line */
const log = (line) => process.stdout.write(`${line}\n`);
let tSection = performance.now();
/** Prints how long the section that just ended took (the bench must stay under ~3 minutes). @param {string} name */
const sectionDone = (name) => {
  const now = performance.now();
  log(`  (${name}: ${((now - tSection) / 1e3).toFixed(1)} s)`);
  log('');
  tSection = now;
};
/** @param {number} v */
const f2 = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : 'n/a');
/** @param {number} a @param {number} b */
const ratio = (a, b) => (b > 0 ? a / b : NaN);
const tStart = performance.now();
const load0 = os.loadavg();

log(`QuietBand bench — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);
log('MS/s are wall-clock on a shared machine: other processes running at the same time lower them; compare ratios within one run. ' +
  '"cpu" figures divide by the process\'s own CPU time instead (less sensitive to the load; multi-threaded parts count every thread).');

// ── inputs (outside every timed section) ──
const capture = await ensureCapture(captureS);
log(`capture: ${capture.samples} samples (${captureS} s at ${capture.rateSps / 1e6} MS/s, cu8, ${(capture.samples * 2 / 2 ** 20).toFixed(0)} MiB) ` +
  `${capture.cached ? 'reused from' : `generated in ${(capture.generateMs / 1e3).toFixed(1)} s into`} ${path.dirname(capture.dataPath)}`);
sectionDone('inputs');

// ── per stage ──
const stages = await runStages(capture, { sizes, backends: BACKENDS, defaultBackend: DEFAULT_FFT_BACKEND, maxTime, log });
sectionDone('per-stage suites');

// ── FFT backends side by side ──
log(`FFT backends (same run): pffft (WASM SIMD, float32) vs fft.js (float64); fftw = native frame kernel (quietband_dsp, FFTW ${fftwVersion() ?? 'not built'})`);
/** @type {Record<string, { fft: number, engine: number }>} */
const backendRatios = {};
for (const n of sizes) {
  const by = (/** @type {string} */ stage, /** @type {string} */ be) => stages.find((s) => s.stage === stage && s.fftSize === n && s.backend === be)?.hz ?? NaN;
  const r = { fft: ratio(by('fft', 'pffft'), by('fft', 'fft.js')), engine: ratio(by('engine', 'pffft'), by('engine', 'fft.js')), fftwEngine: ratio(by('engine', 'fftw'), by('engine', 'pffft')) };
  backendRatios[n] = r;
  log(`  N=${String(n).padEnd(5)} pffft/fft.js: FFT alone ×${f2(r.fft)}, SpectrumEngine (window+FFT+power) ×${f2(r.engine)};  ` +
    `fftw kernel/pffft SpectrumEngine ×${f2(r.fftwEngine)}`);
}
log('');

// ── whole replay pipeline ──
log(`Whole replay pipeline: openFileSource → learnBaseline (pass 1) + detect (pass 2), pipelineOptions({fftSize}) defaults; one child process per backend and size (as a replay runs)`);
/** @type {import('./pipeline.js').PipelineResult[]} */
const pipeline = [];
for (const n of PIPELINE_SIZES) {
  for (const be of BACKENDS) {
    const r = await runPipelineInChild(capture.metaPath, n, be);
    pipeline.push(r);
    log(`  N=${String(n).padEnd(5)} ${be.padEnd(7)} learn ${f2(r.learnMsps).padStart(5)} MS/s (cpu ${f2(r.learnCpuMsps)})  detect ${f2(r.detectMsps).padStart(5)} MS/s (cpu ${f2(r.detectCpuMsps)}) ` +
      `= ${f2(r.detectMsps / RT_MSPS)}× real time, ${f2((r.detectMsps * 1e6) / BLOCK_SAMPLES)} blocks/s vs ${f2((RT_MSPS * 1e6) / BLOCK_SAMPLES)} needed;  ` +
      `replay ${f2(r.replayMsps)} MS/s;  events ${r.events} (${r.opens} opened)`);
  }
}
for (const n of PIPELINE_SIZES) {
  for (const [x, y] of [['pffft', 'fft.js'], ['fftw', 'pffft']]) {
    const a = pipeline.find((p) => p.fftSize === n && p.backend === y);
    const b = pipeline.find((p) => p.fftSize === n && p.backend === x);
    if (a && b) {
      log(`  N=${n}: ${x}/${y} detect ×${f2(b.detectMsps / a.detectMsps)} (cpu ×${f2(b.detectCpuMsps / a.detectCpuMsps)}), replay ×${f2(b.replayMsps / a.replayMsps)}; ` +
        `same detections: ${a.events === b.events && a.opens === b.opens ? 'yes' : `NO (${a.events} vs ${b.events} events)`}`);
    }
  }
}
sectionDone('pipeline');

// ── references on the same file ──
log('References on the same file');
/** @type {import('./references.js').FftwResult[]} */
const fftw = [];
/** @type {Record<number, number>} */
const crossCheckDb = {};
try {
  const exe = await buildFftwReference();
  const { defaultAverage } = await import('../dist/src/pipeline.js');
  for (const n of sizes) {
    const avg = defaultAverage(capture.rateSps, n);
    const r = await runFftwReference(exe, capture.dataPath, n, avg, PIPELINE_SIZES.includes(n));
    fftw.push(r);
    let check = '';
    if (r.firstAverage) {
      crossCheckDb[n] = await firstAverageDiffDb(capture.metaPath, n, avg, r.firstAverage);
      check = `; first Welch frame vs SpectrumEngine: max |Δ| ${crossCheckDb[n].toExponential(1)} dB`;
    }
    log(`  FFTW reference N=${String(n).padEnd(5)} ${f2(r.msps).padStart(6)} MS/s (cpu ${f2(r.cpuMsps)}; ${r.frames} frames, ${r.slowFrames} averages of ${avg}, plan ${r.planSeconds.toFixed(2)} s${check})`);
  }
} catch (err) {
  log(`  FFTW reference: FAILED — ${(/** @type {Error} */ (err)).message.split('\n')[0]}`);
}
/** @type {import('./references.js').RtlPowerResult[]} */
const rtlPower = [];
try {
  const libDir = await buildFakeLibrtlsdr();
  for (const bins of PIPELINE_SIZES) {
    const r = await runRtlPower(capture, bins, libDir);
    rtlPower.push(r);
    log(`  rtl_power ${bins} bins (-f ${r.range}, fake librtlsdr, file as fast as read) ${f2(r.msps).padStart(6)} MS/s (cpu ${f2(r.cpuMsps)}) ` +
      `(${r.seconds.toFixed(2)} s from first read to end of file; start-up ${r.startupSeconds.toFixed(2)} s; read ${r.bytesRead} bytes of ${capture.samples * 2})`);
  }
} catch (err) {
  log(`  rtl_power: FAILED — ${(/** @type {Error} */ (err)).message.split('\n')[0]}`);
}
sectionDone('references');

// ── the same-work anchor: paired runs ──
/** @type {Record<number, Awaited<ReturnType<typeof runDetectAnchor>>>} */
const anchor = {};
if (anchorRuns > 0) {
  log(`Same-work native anchor (bench/fftw-detect-reference.c: fast N/4 + slow N spectra, 50 % overlap, Hann, running DC, Welch means, per-bin tests against baseline arrays), ${anchorRuns} paired runs per size`);
  for (const n of PIPELINE_SIZES) {
    try {
      log(`  N=${n}:`);
      const a = await runDetectAnchor(capture, n, DEFAULT_FFT_BACKEND, anchorRuns, log);
      anchor[n] = a;
      const mm = (/** @type {{min:number,median:number,max:number}} */ x) => `${f2(x.min)}/${f2(x.median)}/${f2(x.max)}`;
      log(`    min/median/max MS/s: detect pass ${mm(a.detect)} (cpu ${mm(a.detectCpu)}) | C anchor ${mm(a.anchor)} (cpu ${mm(a.anchorCpu)}) ` +
        `→ ratio of medians ${f2(a.ratio)} (cpu ${f2(a.cpuRatio)}) (target ≥ 1.0); anchor hits: ${a.fastHits} fast, ${a.slowHits} slow bins over ${a.average}-frame means; ` +
        `load ${a.runs.map((r) => r.load1.toFixed(2)).join(', ')}`);
    } catch (err) {
      log(`  detect anchor N=${n}: FAILED — ${(/** @type {Error} */ (err)).message.split('\n')[0]}`);
    }
  }
  sectionDone('same-work anchor');
}

// ── side by side ──
log(`Side by side (same file, same run; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}): detect pass = one live-pipeline pass (fast + slow spectra + detector)`);
/** @type {Record<number, any>} */
const perSize = {};
for (const n of PIPELINE_SIZES) {
  const ours = pipeline.find((p) => p.fftSize === n && p.backend === DEFAULT_FFT_BACKEND);
  const best = pipeline.filter((p) => p.fftSize === n).sort((a, b) => b.detectMsps - a.detectMsps)[0];
  const fw = fftw.find((x) => x.fftSize === n);
  const rp = rtlPower.find((x) => x.bins === n);
  if (!ours) continue;
  perSize[n] = {
    pipelineMsps: ours.detectMsps, pipelineWarmMsps: ours.detectWarmMsps, replayMsps: ours.replayMsps, learnMsps: ours.learnMsps,
    ratioToFftwWarm: fw ? ours.detectWarmMsps / fw.msps : null,
    bestBackend: best.backend, bestPipelineMsps: best.detectMsps,
    fftwReferenceMsps: fw?.msps ?? null, rtlPowerMsps: rp?.msps ?? null,
    ratioToFftw: fw ? ours.detectMsps / fw.msps : null, ratioToRtlPower: rp ? ours.detectMsps / rp.msps : null,
    pipelineCpuMsps: ours.detectCpuMsps, fftwReferenceCpuMsps: fw?.cpuMsps ?? null, rtlPowerCpuMsps: rp?.cpuMsps ?? null,
    cpuRatioToFftw: fw ? ours.detectCpuMsps / fw.cpuMsps : null, cpuRatioToRtlPower: rp ? ours.detectCpuMsps / rp.cpuMsps : null,
    detectAnchorMsps: anchor[n]?.anchor.median ?? null, ratioToDetectAnchor: anchor[n]?.ratio ?? null, cpuRatioToDetectAnchor: anchor[n]?.cpuRatio ?? null,
  };
  const an = anchor[n];
  if (an) {
    log(`  N=${String(n).padEnd(5)} detect pass vs its same-work C anchor (medians of ${an.runs.length}): ${f2(an.detect.median)} vs ${f2(an.anchor.median)} MS/s → ${f2(an.ratio)}× ` +
      `(cpu ${f2(an.cpuRatio)}×) | vs the single-spectrum FFTW reference ${fw ? f2(ours.detectMsps / fw.msps) : 'n/a'}× | vs rtl_power ${rp ? f2(ours.detectMsps / rp.msps) : 'n/a'}×`);
  }
  log(`  N=${String(n).padEnd(5)} QuietBand (${DEFAULT_FFT_BACKEND}) ${f2(ours.detectMsps)} MS/s | FFTW ${fw ? f2(fw.msps) : 'n/a'} MS/s → ratio ${fw ? f2(ours.detectMsps / fw.msps) : 'n/a'} (target ≥ 1.0)` +
    ` | rtl_power ${rp ? f2(rp.msps) : 'n/a'} MS/s → ratio ${rp ? f2(ours.detectMsps / rp.msps) : 'n/a'} (target ≥ 10)` +
    (best.backend !== DEFAULT_FFT_BACKEND ? ` | with ${best.backend}: ${f2(best.detectMsps)} MS/s` : ''));
  log(`         second detect pass in the same process (steady state): ${f2(ours.detectWarmMsps)} MS/s → ratio to FFTW ${fw ? f2(ours.detectWarmMsps / fw.msps) : 'n/a'}`);
  log(`         by CPU time: ${f2(ours.detectCpuMsps)} MS/s | FFTW ${fw ? f2(fw.cpuMsps) : 'n/a'} → ratio ${fw ? f2(ours.detectCpuMsps / fw.cpuMsps) : 'n/a'}` +
    ` | rtl_power ${rp ? f2(rp.cpuMsps) : 'n/a'} → ratio ${rp ? f2(ours.detectCpuMsps / rp.cpuMsps) : 'n/a'}`);
}
log('');

// ── heap over a long run (child process), file input then in-memory input ──
/** @type {any} */
let heap = null;
/** @type {any} */
let heapMemory = null;
if (heapS > 0) {
  for (const input of ['file', 'memory']) {
    log(`Heap over a long run, ${input} input: detect over ${heapS} s of 2.4 MS/s (${input === 'file' ? 'the capture read from disk, looped' : '2 s of the capture converted once into 65536-sample blocks held in memory, looped'}), FFT 1024, ${DEFAULT_FFT_BACKEND}, after a warm-up pass`);
    try {
      const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', path.join(HERE, 'heap-run.js'), capture.metaPath, String(heapS), '1024', DEFAULT_FFT_BACKEND, input],
        { maxBuffer: 16 << 20, timeout: 300_000 });
      const h = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
      if (input === 'file') heap = h;
      else heapMemory = h;
      const mb = (/** @type {number} */ b) => (b / 2 ** 20).toFixed(1);
      log(`  ${h.blocks.toFixed(0)} blocks in ${(h.wallMs / 1e3).toFixed(1)} s (${f2(h.msps)} MS/s incl. sampling-profiler overhead), ${h.events} events; load ${os.loadavg()[0].toFixed(2)}`);
      log(`  heap used (after forced GC) ${mb(h.before.heapUsedBytes)} → ${mb(h.after.heapUsedBytes)} MiB; RSS ${mb(h.before.rssBytes)} → ${mb(h.after.rssBytes)} MiB; ` +
        `external ${mb(h.before.externalBytes)} → ${mb(h.after.externalBytes)} MiB`);
      log(`  GC during the run: ${h.gc.minor} minor (scavenge), ${h.gc.major} major, ${h.gc.incremental} incremental; ${h.gc.totalMs.toFixed(0)} ms total`);
      log(`  timeline: ${h.timeline.map((/** @type {any} */ t) => `${t.atS}s heap ${mb(t.heapUsedBytes)} MiB/${t.minorGcs} minor GCs`).join(', ')}`);
      log(`  allocated (sampling heap profiler incl. collected objects, interval ${h.allocation.samplingInterval} B): ` +
        `${mb(h.allocation.sampledBytes)} MiB ≈ ${(h.allocation.bytesPerBlock / 1024).toFixed(2)} KiB per 65536-sample block; top functions:`);
      for (const s of h.allocation.sites.slice(0, 10)) log(`    ${(s.bytesPerBlock / 1024).toFixed(2).padStart(8)} KiB/block  ${s.site}`);
      const cat = h.allocation.bytesPerBlockByCategory;
      log(`  by part (KiB/block): processing (engine, detector, baseline) ${(cat.processing / 1024).toFixed(2)}, emitted events ${(cat.events / 1024).toFixed(2)}, ` +
        `input (file reads, async iteration, the bench's sources) ${(cat.input / 1024).toFixed(2)}, other ${(cat.other / 1024).toFixed(2)}`);
    } catch (err) {
      log(`  heap run (${input}): FAILED — ${(/** @type {Error} */ (err)).message.split('\n')[0]}`);
    }
  }
  sectionDone('heap run');
}

const main = perSize[1024] ?? Object.values(perSize)[0];
const mainFftSize = perSize[1024] ? 1024 : PIPELINE_SIZES[0];
const totalS = (performance.now() - tStart) / 1e3;
log(`bench done in ${totalS.toFixed(0)} s; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const summary = {
  fftSize: mainFftSize,
  fftBackend: DEFAULT_FFT_BACKEND,
  pipelineMsps: round(main?.pipelineMsps),
  pipelineWarmMsps: round(main?.pipelineWarmMsps),
  replayMsps: round(main?.replayMsps),
  fftwReferenceMsps: round(main?.fftwReferenceMsps),
  rtlPowerMsps: round(main?.rtlPowerMsps),
  realtimeFactor: round(main ? main.pipelineMsps / RT_MSPS : null),
  ratioToFftw: round(main?.ratioToFftw),
  ratioToFftwWarm: round(main?.ratioToFftwWarm),
  ratioToRtlPower: round(main?.ratioToRtlPower),
  detectAnchorMsps: round(main?.detectAnchorMsps),
  ratioToDetectAnchor: round(main?.ratioToDetectAnchor),
  cpuRatioToDetectAnchor: round(main?.cpuRatioToDetectAnchor),
  detectAnchorRuns: Object.fromEntries(Object.entries(anchor).map(([k, a]) => [k, a.runs.map((r) => Object.fromEntries(Object.entries(r).map(([kk, vv]) => [kk, round(vv)])))])),
  pipelineCpuMsps: round(main?.pipelineCpuMsps),
  fftwReferenceCpuMsps: round(main?.fftwReferenceCpuMsps),
  rtlPowerCpuMsps: round(main?.rtlPowerCpuMsps),
  perSize: Object.fromEntries(Object.entries(perSize).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk, typeof vv === 'number' ? round(vv) : vv]))])),
  pffftSpeedup: Object.fromEntries(Object.entries(backendRatios).map(([k, v]) => [k, { fft: round(v.fft), engine: round(v.engine), fftwEngineOverPffft: round(v.fftwEngine) }])),
  stages: stages.map((s) => ({ stage: s.stage, fftSize: s.fftSize, backend: s.backend, msps: round(s.msps), opsPerS: round(s.hz), rmePct: round(s.rme) })),
  fftwCrossCheckMaxDb: Object.fromEntries(Object.entries(crossCheckDb).map(([k, v]) => [k, round(v, 5)])),
  heap: heap && {
    seconds: heap.seconds, blocks: Math.round(heap.blocks), minorGcs: heap.gc.minor, majorGcs: heap.gc.major,
    heapUsedBeforeBytes: heap.before.heapUsedBytes, heapUsedAfterBytes: heap.after.heapUsedBytes,
    rssBeforeBytes: heap.before.rssBytes, rssAfterBytes: heap.after.rssBytes, allocatedBytesPerBlock: Math.round(heap.allocation.bytesPerBlock),
    bytesPerBlockByPart: Object.fromEntries(Object.entries(heap.allocation.bytesPerBlockByCategory).map(([k, v]) => [k, Math.round(/** @type {number} */ (v))])),
  },
  heapMemoryInput: heapMemory && {
    seconds: heapMemory.seconds, blocks: Math.round(heapMemory.blocks), minorGcs: heapMemory.gc.minor, majorGcs: heapMemory.gc.major,
    heapUsedBeforeBytes: heapMemory.before.heapUsedBytes, heapUsedAfterBytes: heapMemory.after.heapUsedBytes, allocatedBytesPerBlock: Math.round(heapMemory.allocation.bytesPerBlock),
    bytesPerBlockByPart: Object.fromEntries(Object.entries(heapMemory.allocation.bytesPerBlockByCategory).map(([k, v]) => [k, Math.round(/** @type {number} */ (v))])),
  },
  captureSeconds: captureS,
  loadAverage: [load0[0], os.loadavg()[0]].map((l) => round(l)),
  cpus: os.cpus().length,
  benchSeconds: round(totalS),
};
log(JSON.stringify(summary));

/**
 * Max |dB| difference between the FFTW reference's first Welch frame and SpectrumEngine's on the same file.
 * @param {string} metaPath @param {number} n @param {number} average @param {Float32Array} ref
 */
async function firstAverageDiffDb(metaPath, n, average, ref) {
  const { openFileSource } = await import('../dist/src/source/file-source.js');
  const { SpectrumEngine } = await import('../dist/src/spectrum/spectrum-engine.js');
  const engine = new SpectrumEngine({ fftSize: n, window: 'hann', average, dcRemoval: true });
  /** @type {Float32Array | undefined} */
  let first;
  const src = await openFileSource(metaPath);
  for await (const b of src.blocks()) {
    engine.push(b, { onShortFrame() {}, onSlowFrame: (f) => { first ??= f.power.slice(); } });
    if (first) break;
  }
  await src.close();
  if (!first) return NaN;
  let worst = 0;
  for (let k = 0; k < n; k++) worst = Math.max(worst, Math.abs(10 * Math.log10(first[k] / ref[k])));
  return worst;
}

/** @param {number | null | undefined} v @param {number} [digits] */
function round(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const m = 10 ** digits;
  return Math.round(v * m) / m;
}
