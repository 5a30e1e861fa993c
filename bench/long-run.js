// Long-run memory bench: N minutes of 2.4 MS/s input (a cached sim capture looped, continuous sample numbering; read
// through the file source like `quietband replay`, or from memory) through the replay pipeline (src/pipeline.ts learnBaseline + detect) at full speed; RSS and heap sampled,
// forced GC every input minute; RSS growth between the end of the warm-up and the end, heap slope, throughput.
// Usage: node bench/long-run.js [--minutes 60] [--warmup-min 1] [--input file|buffer] [--sample-s 5] [--fft-size 1024]
//        (run `npx tsc -p .` first; re-executes itself with --expose-gc)
// @ts-check
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as setImmediateP } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { REPO, loadAverage, mib, parseArgs, round, systemCpu } from './live-harness.js';

if (typeof globalThis.gc !== 'function') {
  // forced GC needs --expose-gc: run this file again with it (same arguments, same stdio)
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (!existsSync(path.join(REPO, 'dist/src/cli/main.js'))) {
  process.stderr.write('dist/ is missing: run `npx tsc -p .` first\n');
  process.exit(2);
}
const gc = /** @type {() => void} */ (globalThis.gc);
const { learnBaseline, detect } = await import('../dist/src/pipeline.js');
const { pipelineOptions } = await import('../dist/src/cli/pipeline-flags.js');
const { convertCu8 } = await import('../dist/src/source/sample-formats.js');
const { DEFAULT_FFT_BACKEND } = await import('../dist/src/dsp/fft.js');
const { DEFAULT_BLOCK_SAMPLES, openFileSource } = await import('../dist/src/source/file-source.js');
const { ensureCapture } = await import('./capture.js');

const USAGE = `node bench/long-run.js [options]   (compile first: npx tsc -p .)
  --minutes M       input length in minutes of 2.4 MS/s (60)
  --warmup-min M    input minutes before the reference point of the RSS growth (1)
  --input I         file: the capture re-opened with the file source (openFileSource, as quietband replay reads) at
                    every loop; buffer: the capture held in memory (its size is then part of the RSS)  (file)
  --sample-s S      wall seconds between RSS/heap samples (5)
  --capture-s S     length of the looped capture (10: bench/capture.js, shared with npm run bench)
  --fft-size N      slow-path FFT size (1024; pipelineOptions defaults otherwise, as quietband replay)
  --fft-backend B   fft.js, pffft or fftw (default: DEFAULT_FFT_BACKEND, as quietband replay)
`;
const args = parseArgs(process.argv.slice(2), { minutes: 60, warmupMin: 1, input: 'file', sampleS: 5, captureS: 10, fftSize: 1024, fftBackend: '' }, USAGE);

/**
 * An IqSource (src/types.ts) over a cu8 buffer played back to back until `totalSamples`, numbered continuously (a long
 * stream from a short capture; firstSample passes 2^32 after 30 min at 2.4 MS/s). Blocks of DEFAULT_BLOCK_SAMPLES, as
 * the file source cuts them (a short block at each wrap), converted with the file source's convertCu8 into one reused
 * block; each block yields to the event loop first (setImmediate, as the file source's reads do).
 */
class LoopedBufferSource {
  /**
   * @param {Uint8Array} bytes cu8 capture
   * @param {{ rateSps: number, centerHz: number }} meta
   * @param {number} totalSamples
   * @param {(endSample: number) => void} [onBlock] called with the stream position after each block
   */
  constructor(bytes, meta, totalSamples, onBlock) {
    this.bytes = bytes;
    this.totalSamples = totalSamples;
    this.onBlock = onBlock;
    /** @type {import('../src/types.js').IqSourceInfo} */
    this.info = { label: 'bench-loop.cu8', format: 'cu8', rateSps: meta.rateSps, centerHz: meta.centerHz, centerKnown: true, totalSamples };
    this.samples = new Float32Array(2 * DEFAULT_BLOCK_SAMPLES);
    /** @type {import('../src/types.js').IqBlock} */
    this.block = { samples: this.samples, count: 0, centerHz: meta.centerHz, rateSps: meta.rateSps, firstSample: 0, tuneId: 0, clipFraction: 0, discontinuity: false };
    this.closed = false;
  }

  async *blocks() {
    const fileSamples = this.bytes.length / 2;
    let pos = 0;
    let next = 0;
    const b = this.block;
    while (next < this.totalSamples && !this.closed) {
      const n = Math.min(DEFAULT_BLOCK_SAMPLES, fileSamples - pos, this.totalSamples - next);
      b.count = n;
      b.firstSample = next;
      b.clipFraction = convertCu8(this.bytes, this.samples, n, 2 * pos);
      pos += n;
      if (pos === fileSamples) pos = 0;
      next += n;
      await setImmediateP();
      yield b;
      this.onBlock?.(next);
    }
  }

  async close() {
    this.closed = true;
  }
}

/**
 * An IqSource replaying a capture file back to back with the file source (a new openFileSource per loop, its own block
 * forwarded with firstSample rewritten, as bench/heap-run.js does) until `totalSamples`, numbered continuously.
 */
class LoopedFileSource {
  /**
   * @param {string} metaPath SigMF meta of the capture
   * @param {import('../src/types.js').IqSourceInfo} info of the first opened source
   * @param {number} totalSamples
   * @param {(endSample: number) => void} [onBlock] called with the stream position after each block
   */
  constructor(metaPath, info, totalSamples, onBlock) {
    this.metaPath = metaPath;
    this.info = { ...info, totalSamples };
    this.totalSamples = totalSamples;
    this.onBlock = onBlock;
    /** @type {import('../src/types.js').IqSource | undefined} */
    this.current = undefined;
  }

  async *blocks() {
    let base = 0;
    while (base < this.totalSamples) {
      const src = await openFileSource(this.metaPath);
      this.current = src;
      let fileSamples = 0;
      try {
        for await (const b of src.blocks()) {
          const fileFirst = b.firstSample;
          fileSamples = fileFirst + b.count;
          b.firstSample = base + fileFirst;
          if (b.firstSample >= this.totalSamples) break;
          if (b.firstSample + b.count > this.totalSamples) b.count = this.totalSamples - b.firstSample;
          yield b;
          this.onBlock?.(b.firstSample + b.count);
        }
      } finally {
        await src.close(); // also when the consumer stops early (runPass at maxSamples)
      }
      if (fileSamples === 0) throw new Error(`${this.metaPath}: no samples`);
      base += fileSamples;
    }
  }

  async close() {
    await this.current?.close();
  }
}

/** Memory now (process.memoryUsage), bytes. */
function mem() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Forced full GC (twice: the second collects what the first's finalizers released), then memory. */
function memAfterGc() {
  gc();
  gc();
  return mem();
}

if (args.input !== 'file' && args.input !== 'buffer') {
  process.stderr.write(`--input: "${args.input}" is not file or buffer\n`);
  process.exit(2);
}
const capture = await ensureCapture(args.captureS);
const bytes = args.input === 'buffer' ? new Uint8Array(readFileSync(capture.dataPath)) : new Uint8Array(0);
const probe = await openFileSource(capture.metaPath);
const firstInfo = probe.info;
await probe.close();
/**
 * The looped input of `samplesTotal` samples in the chosen mode.
 * @param {number} samplesTotal @param {(endSample: number) => void} [onBlock]
 */
const looped = (samplesTotal, onBlock) => args.input === 'buffer'
  ? new LoopedBufferSource(bytes, capture, samplesTotal, onBlock)
  : new LoopedFileSource(capture.metaPath, firstInfo, samplesTotal, onBlock);
const rate = capture.rateSps;
const opts = pipelineOptions({ fftSize: String(args.fftSize) }, rate);
const spectrumOpts = /** @type {{ fftBackend?: string }} */ (opts.spectrum);
if (args.fftBackend !== '') spectrumOpts.fftBackend = args.fftBackend;
const minuteSamples = 60 * rate;
const total = Math.round(args.minutes * minuteSamples);
const log = (/** @type {string} */ s) => process.stdout.write(`${s}\n`);
log(`long run: ${args.minutes} min of ${rate / 1e6} MS/s input (${args.captureS} s capture looped, ${args.input === 'buffer' ? `in memory, ${mib(bytes.length)} MiB` : 'file source'}), ` +
  `FFT ${opts.spectrum.fftSize}/${opts.fastFftSize} ${spectrumOpts.fftBackend ?? DEFAULT_FFT_BACKEND}, warm-up ${args.warmupMin} min; load ${loadAverage().join(' ')}`);

// baseline as replay learns it without --baseline: pass 1 over the input (here its first 3 s)
const { baseline } = await learnBaseline(looped(3 * rate), opts, 'auto');

/** @type {{ wallS: number, inputMin: number, rssMiB: number, heapUsedMiB: number, arrayBuffersMiB: number }[]} */
const samples = [];
/** @type {{ inputMin: number, wallS: number, rssKiB: number, heapUsedKiB: number, externalKiB: number, opens: number }[]} */
const minutes = [];
const counts = { open: 0, update: 0, close: 0 };
let opensThisMinute = 0;
let nextMinute = minuteSamples;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const sys0 = systemCpu();
let lastSampleMs = t0;
/** @type {ReturnType<typeof mem> | null} */
let warm = null;
let warmWallS = 0;
let peakRss = 0;
let gcMs = 0;

const source = looped(total, (end) => {
  const now = performance.now();
  if (now - lastSampleMs >= args.sampleS * 1000) {
    lastSampleMs = now;
    const m = mem();
    peakRss = Math.max(peakRss, m.rss);
    samples.push({ wallS: round((now - t0) / 1000, 1), inputMin: round(end / minuteSamples, 2), rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), arrayBuffersMiB: mib(m.arrayBuffers) });
  }
  if (end >= nextMinute) {
    const g0 = performance.now();
    const m = memAfterGc();
    gcMs += performance.now() - g0;
    peakRss = Math.max(peakRss, m.rss);
    const inputMin = Math.round(nextMinute / minuteSamples);
    minutes.push({ inputMin, wallS: round((now - t0) / 1000, 1), rssKiB: Math.round(m.rss / 1024), heapUsedKiB: Math.round(m.heapUsed / 1024), externalKiB: Math.round(m.external / 1024), opens: opensThisMinute });
    if (inputMin === args.warmupMin) {
      warm = m;
      warmWallS = (now - t0) / 1000;
    }
    log(`  input ${String(inputMin).padStart(3)} min  wall ${((now - t0) / 1000).toFixed(0).padStart(5)} s  RSS ${mib(m.rss)} MiB  heap after GC ${mib(m.heapUsed)} MiB  ` +
      `external ${mib(m.external)} MiB  opens this minute ${opensThisMinute}`);
    opensThisMinute = 0;
    nextMinute += minuteSamples;
  }
});
const { stats } = await detect(source, baseline, opts, (/** @type {{ kind: 'open' | 'update' | 'close' }} */ ev) => {
  counts[ev.kind]++;
  if (ev.kind === 'open') opensThisMinute++;
});
const wallS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const sys1 = systemCpu();
const endMem = memAfterGc();
const warmMem = /** @type {ReturnType<typeof mem> | null} */ (warm); // assigned in the block callback

// heap-after-GC slope over the minutes after the warm-up (least squares, KiB per input minute)
const after = minutes.filter((m) => m.inputMin >= args.warmupMin);
let slope = NaN;
if (after.length >= 2) {
  const n = after.length;
  const mx = after.reduce((a, m) => a + m.inputMin, 0) / n;
  const my = after.reduce((a, m) => a + m.heapUsedKiB, 0) / n;
  const sxy = after.reduce((a, m) => a + (m.inputMin - mx) * (m.heapUsedKiB - my), 0);
  const sxx = after.reduce((a, m) => a + (m.inputMin - mx) ** 2, 0);
  slope = sxy / sxx;
}
const postWarmRss = samples.filter((s) => s.wallS >= warmWallS).map((s) => s.rssMiB);
const opensPerMin = minutes.filter((m) => m.inputMin > 1).map((m) => m.opens);
const cpuS = (cpu.user + cpu.system) / 1e6;
const busyPct = ((sys1.busy - sys0.busy) / (sys1.total - sys0.total)) * 100;
const result = {
  bench: 'long-run',
  inputMinutes: args.minutes,
  samples: stats.samples,
  rateSps: rate,
  fftSize: opts.spectrum.fftSize,
  fastFftSize: opts.fastFftSize,
  fftBackend: spectrumOpts.fftBackend ?? DEFAULT_FFT_BACKEND,
  wallS: round(wallS, 1),
  throughputMsps: round(stats.samples / wallS / 1e6, 2),
  cpuMsps: round(stats.samples / cpuS / 1e6, 2),
  realtimeFactor: round(stats.samples / rate / wallS, 2),
  detections: counts,
  opensPerInputMinute: opensPerMin.length > 0 ? { min: Math.min(...opensPerMin), max: Math.max(...opensPerMin) } : null,
  warmupMinutes: args.warmupMin,
  rssAfterGcMiB: { warm: warmMem ? mib(warmMem.rss) : null, end: mib(endMem.rss) },
  rssGrowthPct: warmMem ? round(((endMem.rss - warmMem.rss) / warmMem.rss) * 100, 2) : null,
  input: args.input,
  // buffer mode: the same growth over the RSS without the input buffer it holds (what a file replay would have)
  rssGrowthPctWithoutInput: warmMem ? round(((endMem.rss - warmMem.rss) / (warmMem.rss - bytes.length)) * 100, 2) : null,
  rssSampledAfterWarmMiB: postWarmRss.length > 0 ? { min: Math.min(...postWarmRss), max: Math.max(...postWarmRss) } : null,
  rssPeakMiB: mib(Math.max(peakRss, endMem.rss)),
  heapAfterGcMiB: { warm: warmMem ? mib(warmMem.heapUsed) : null, end: mib(endMem.heapUsed) },
  heapSlopeKiBPerMin: round(slope, 1),
  externalAfterGcMiB: { warm: warmMem ? mib(warmMem.external) : null, end: mib(endMem.external) },
  forcedGcMs: round(gcMs, 0),
  machineBusyPct: round(busyPct, 1),
  loadAverage: loadAverage(),
  minutes,
  target: { rssGrowthPct: 5, met: warmMem !== null && ((endMem.rss - warmMem.rss) / warmMem.rss) * 100 < 5 },
};
log(`throughput ${result.throughputMsps} MS/s (${result.realtimeFactor}× real time; ${result.cpuMsps} MS/s per CPU second), ${stats.samples} samples in ${result.wallS} s; ` +
  `detections open ${counts.open} / close ${counts.close}`);
log(`RSS after GC: ${result.rssAfterGcMiB.warm} MiB at ${args.warmupMin} min → ${result.rssAfterGcMiB.end} MiB at the end = ${result.rssGrowthPct} % ` +
  `(target < 5 %: ${result.target.met ? 'met' : 'NOT met'}); sampled RSS after the warm-up ${result.rssSampledAfterWarmMiB ? `${result.rssSampledAfterWarmMiB.min}–${result.rssSampledAfterWarmMiB.max}` : '–'} MiB, peak ${result.rssPeakMiB} MiB`);
log(`heap after GC ${result.heapAfterGcMiB.warm} → ${result.heapAfterGcMiB.end} MiB (slope ${result.heapSlopeKiBPerMin} KiB per input minute); ` +
  `machine busy ${result.machineBusyPct} % of ${systemCpuCount()} CPUs`);
process.stdout.write(`${JSON.stringify(result)}\n`);

function systemCpuCount() {
  return readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
}
