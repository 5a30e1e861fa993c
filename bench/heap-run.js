// Long-run heap statistics (child process, run with --expose-gc): detect over N seconds of 2.4 MS/s input after a
// warm-up, GC counts, heap before/after and the sampled allocation per block by function. Prints one JSON line.
// Usage: node --expose-gc bench/heap-run.js META_PATH SECONDS FFT_SIZE BACKEND [file|memory]
//   file (default): the capture read from disk, looped; memory: blocks converted once into memory and replayed
//   (what an in-memory or native source hands the pipeline: no reads, no conversion, no new block objects).
// @ts-check
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { openFileSource, DEFAULT_BLOCK_SAMPLES } from '../dist/src/source/file-source.js';
import { learnBaseline, detect } from '../dist/src/pipeline.js';
import { pipelineOptions } from '../dist/src/cli/pipeline-flags.js';

const [metaPath, secondsArg, fftArg, backend = 'fft.js', input = 'file'] = process.argv.slice(2);
const gc = /** @type {() => void} */ (globalThis.gc);
if (!metaPath || typeof gc !== 'function') {
  process.stderr.write('usage: node --expose-gc bench/heap-run.js META_PATH SECONDS FFT_SIZE BACKEND\n');
  process.exit(2);
}

/**
 * An IqSource that replays a capture file back to back until `totalSamples` have been delivered, with continuous
 * sample numbering (a long stream from a short file). It forwards the FileSource's own block object with firstSample
 * rewritten, so it adds no per-block copy; its async generator is the same per-block machinery FileSource has.
 * Implements IqSource (src/types.ts).
 */
class LoopedFileSource {
  /** @param {import('../src/types.js').IqSource} first @param {string} path @param {number} totalSamples */
  constructor(first, path, totalSamples) {
    this.info = { ...first.info, totalSamples };
    this.first = first;
    this.path = path;
    this.totalSamples = totalSamples;
    /** @type {import('../src/types.js').IqSource | undefined} */
    this.current = undefined;
  }

  async *blocks() {
    let base = 0;
    let src = this.first;
    while (base < this.totalSamples) {
      this.current = src;
      let fileSamples = 0;
      for await (const b of src.blocks()) {
        const fileFirst = b.firstSample;
        b.firstSample = base + fileFirst;
        fileSamples = fileFirst + b.count;
        if (b.firstSample >= this.totalSamples) break;
        yield b;
      }
      base += fileSamples;
      if (base < this.totalSamples) src = await openFileSource(this.path);
    }
  }

  async close() {
    await this.current?.close();
  }
}

/**
 * An IqSource over blocks held in memory: the capture's first `keepSamples` samples converted once into
 * DEFAULT_BLOCK_SAMPLES-sample blocks, handed out in a loop (each block object reused, its firstSample advanced) until
 * `totalSamples` have been delivered. Per block it allocates only what an async generator's iteration does. Implements
 * IqSource (src/types.ts).
 */
class MemorySource {
  /** @param {import('../src/types.js').IqSourceInfo} info @param {import('../src/types.js').IqBlock[]} blocks @param {number} totalSamples */
  constructor(info, blocks, totalSamples) {
    this.info = { ...info, totalSamples };
    this.held = blocks;
    this.totalSamples = totalSamples;
  }

  /** @param {string} path @param {number} keepSamples @param {number} totalSamples */
  static async load(path, keepSamples, totalSamples) {
    const src = await openFileSource(path);
    /** @type {import('../src/types.js').IqBlock[]} */
    const blocks = [];
    let kept = 0;
    for await (const b of src.blocks()) {
      if (kept >= keepSamples) break;
      blocks.push({ ...b, samples: b.samples.slice(0, 2 * b.count), firstSample: 0, discontinuity: false });
      kept += b.count;
    }
    await src.close();
    return new MemorySource(src.info, blocks, totalSamples);
  }

  async *blocks() {
    let next = 0;
    for (let k = 0; next < this.totalSamples; k = (k + 1) % this.held.length) {
      const b = /** @type {import('../src/types.js').IqBlock} */ (this.held[k]);
      b.firstSample = next;
      next += b.count;
      yield b;
    }
  }

  async close() {}
}

function memory() {
  const m = process.memoryUsage();
  const h = v8.getHeapStatistics();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers, v8UsedHeapBytes: h.used_heap_size, v8TotalHeapBytes: h.total_heap_size, mallocedBytes: h.malloced_memory };
}

const seconds = Number(secondsArg ?? 60);
const fftSize = Number(fftArg ?? 1024);
const first = await openFileSource(metaPath);
const rate = first.info.rateSps;
const opts = pipelineOptions({ fftSize: String(fftSize) }, rate);
opts.spectrum.fftBackend = backend;
const { baseline } = await learnBaseline(first, opts, 'auto', { maxSamples: Math.min(first.info.totalSamples ?? Infinity, 3 * rate) });
const total = Math.round(seconds * rate);
// Warm-up: one detect pass over the whole capture first, so the JIT has optimised the hot functions on every path
// the capture exercises (interpreted or deoptimised code boxes every double it computes, which would be counted as
// allocation per block) before anything is measured.
await detect(await openFileSource(metaPath), baseline, opts, () => undefined);
const source = input === 'memory'
  ? await MemorySource.load(metaPath, Math.min(first.info.totalSamples ?? Infinity, 2 * rate), total)
  : new LoopedFileSource(await openFileSource(metaPath), metaPath, total);
if (input === 'memory') await detect(await MemorySource.load(metaPath, 2 * rate, 10 * rate), baseline, opts, () => undefined); // its own warm-up

// GC counts by kind during the detect pass
const gcCounts = { minor: 0, major: 0, incremental: 0, weakcb: 0, other: 0, totalMs: 0 };
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = /** @type {any} */ (e).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) gcCounts.minor++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcCounts.major++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL) gcCounts.incremental++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_WEAKCB) gcCounts.weakcb++;
    else gcCounts.other++;
    gcCounts.totalMs += e.duration;
  }
});

// Sampling heap profiler that keeps objects already collected by GC: an estimate of ALL bytes allocated, by site
const session = new Session();
session.connect();
const samplingInterval = Number(process.env.HEAP_SAMPLING_INTERVAL ?? 32768); // V8's default: the profiler's own overhead stays small
gc();
gc();
const before = memory();
/** @type {{ atS: number, heapUsedBytes: number, rssBytes: number, minorGcs: number, majorGcs: number }[]} */
const timeline = [];
let nextMark = 0;
obs.observe({ entryTypes: ['gc'] });
await session.post('HeapProfiler.startSampling', { samplingInterval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const t0 = performance.now();
let events = 0;
const { stats } = await detect(source, baseline, opts, () => events++, {
  onProgress: (samples) => {
    if (samples >= nextMark) {
      const m = process.memoryUsage();
      timeline.push({ atS: Math.round(samples / rate), heapUsedBytes: m.heapUsed, rssBytes: m.rss, minorGcs: gcCounts.minor, majorGcs: gcCounts.major });
      nextMark += 10 * rate;
    }
  },
});
const wallMs = performance.now() - t0;
const { profile } = await session.post('HeapProfiler.stopSampling');
await new Promise((r) => setTimeout(r, 50)); // let the observer deliver the last entries
obs.disconnect();
gc();
gc();
const after = memory();
session.disconnect();

// Aggregate the sampled bytes by allocation site (function + file:line).
/** @type {Map<string, number>} */
const bySite = new Map();
/** @type {Record<string, number>} sampled bytes by part of the program (see categoryOf) */
const byCategory = { processing: 0, events: 0, input: 0, other: 0 };
let sampledBytes = 0;
/**
 * What an allocating function belongs to: `processing` = the per-block hot path (spectrum engine, detector, baseline,
 * DSP addon wrappers); `events` = the DetectionEvents it emits (its output); `input` = reading the file and the async
 * iteration that hands blocks over (FileSource, node:fs, for-await in runPass, generator resumption, this bench's
 * looping and in-memory sources); `other` = the rest.
 * @param {string} fn @param {string} url
 */
function categoryOf(fn, url) {
  if (/dist\/src\/detector\/detector\.js/.test(url) && fn === 'event') return 'events';
  if (/dist\/src\/(spectrum|detector|baseline|dsp)\//.test(url)) return 'processing';
  if (/dist\/src\/source\/|node:fs|node:internal\/fs|heap-run\.js|dist\/src\/pipeline\.js/.test(url) || (fn === 'next' && url === '')) return 'input';
  return 'other';
}
/** @param {any} node @param {string} parent */
function walk(node, parent) {
  const cf = node.callFrame;
  const url = String(cf.url || '').replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  // callFrame.lineNumber is where the allocating FUNCTION starts (the sampler records stacks, not statements)
  const site = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : '(native)'}`;
  const key = site === '(anonymous) (native)' || cf.functionName === '(root)' ? `${parent} > ${site}` : site;
  if (node.selfSize > 0) {
    bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    byCategory[categoryOf(cf.functionName, url)] += node.selfSize;
    sampledBytes += node.selfSize;
  }
  for (const c of node.children ?? []) walk(c, site);
}
walk(profile.head, '');
const blocks = stats.samples / DEFAULT_BLOCK_SAMPLES;
const sites = [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)
  .map(([site, bytes]) => ({ site, bytes, bytesPerBlock: bytes / blocks }));

process.stdout.write(`${JSON.stringify({
  input, seconds, fftSize, backend, samples: stats.samples, blocks, wallMs, msps: stats.samples / wallMs / 1e3, events,
  shortFrames: stats.shortFrames, slowFrames: stats.slowFrames,
  gc: gcCounts, before, after, timeline,
  allocation: {
    samplingInterval, sampledBytes, bytesPerBlock: sampledBytes / blocks, sites,
    bytesPerBlockByCategory: Object.fromEntries(Object.entries(byCategory).map(([k, v]) => [k, v / blocks])),
  },
})}\n`);
