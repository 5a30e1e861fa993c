// Loader of the quietband_dsp addon (native-bindings/dsp): a spectrum frame (DC, window, FFTW, |X|², fftshift) in C++.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/**
 * One frame kernel bound to an engine's buffers (see native-bindings/dsp/src/frame-kernel.cc). Each frame it computes
 * reads the two half-frame slots of `stage` (interleaved float32 I/Q; the older slot is the frame's first half), forms
 * (x − dc)·w in float32, runs FFTW's single-precision forward complex FFT (FFTW_ESTIMATE plan: the same numbers on
 * every run), and writes P = (re² + im²)·norm fftshifted. The mode given at creation says what a frame produces:
 * 0 = add P to `sum` only; 1 = `power`; 2 = `power` and `prefix`; bit 4 = also add to `sum`.
 */
export interface NativeFrameKernel {
  /**
   * Stages samples [from, to) of `samples` (interleaved I/Q) into the kernel's slots with their sums until a frame is
   * complete, then computes it (running DC estimate when dcRemoval, the mode given at creation) and rotates the
   * slots. Returns consumed·2 + 1 when a frame was computed, consumed·2 otherwise.
   */
  push(samples: Float32Array, from: number, to: number): number;
  /**
   * As push(), but computes up to `maxFrames` (integer ≥ 1) frames in one call: for an engine whose frames only feed
   * its Welch sum. Returns the samples consumed; `result[0]` = frames computed. Needs a kernel made with `result`.
   */
  pushMany(samples: Float32Array, from: number, to: number, maxFrames: number): number;
  /**
   * Binds a classifier made over this kernel's own prefix sum (mode 2) for pushGated.
   * @throws Error when it reads another prefix array or size, or the kernel has no `result` array.
   */
  attach(classifier: NativeClassifier): void;
  /**
   * As push(), running the attached classifier on every frame: frames with no hot bin are counted in `result[0]` and
   * skipped unless `passAll`; the first hot frame (any frame, with passAll) stops the call with its code in
   * `result[1]` and its power, prefix, hot codes and narrow statistic in place. With `maxFrames` ≥ 1 (integer) the call
   * also stops once that many frames were skipped (a kernel that sums every frame stops at each average's end).
   * Returns consumed·2 + 1 when a hot frame stopped it, consumed·2 otherwise.
   * @throws Error before attach().
   */
  pushGated(samples: Float32Array, from: number, to: number, passAll: boolean, maxFrames?: number): number;
  /**
   * As push(), but the first `skip` (integer ≥ 0) frames that complete are passed over without being computed (their
   * samples still update the running DC estimate). `result[0]` = frames passed over; returns consumed·2 + 1 when a
   * frame was then computed, consumed·2 otherwise. Needs a kernel made with `result`.
   */
  pushSkip(samples: Float32Array, from: number, to: number, skip: number): number;
  /** Forgets the partial frame; `resetDc` also forgets the running DC estimate. */
  reset(resetDc: boolean): void;
  /** Frees the FFTW plan and buffers now; the push calls throw afterwards. */
  dispose(): void;
}

/**
 * The detector's per-bin classification in C++ (see native-bindings/dsp/src/frame-kernel.cc, Classifier), bound to a
 * path's thresholds and scratch arrays and to the frame prefix sum it reads. `run()` returns the OR of the hot codes
 * and fills `hot` (and `stat` when any bin is hot) exactly as Detector's JS classification does.
 */
export interface NativeClassifier {
  run(): number;
  /** Throws an Error naming a bound array that was detached or shrunk (run() checks this itself). */
  check(): void;
  /** The addon object (for NativeFrameKernel.attach). */
  readonly native: object;
}

/** The baseline learner's fast-path frame work in C++ (frame-kernel.cc, LearnerKernel). */
export interface NativeLearnerKernel {
  /** The ⌊n/2⌋-th smallest value of `power` (Float32Array(n)): the floor gate's frame median. */
  median(power: Float32Array): number;
  /** Both kernels' means from the bound prefix sum, binned into both bound histograms. */
  add(): void;
}

/** The addon's FrameKernel object as it is (attach takes the addon's Classifier object). */
type RawFrameKernel = Omit<NativeFrameKernel, 'attach'> & { attach(classifier: object): void };

interface DspBinding {
  /** glibc malloc_trim(0) (absent in addons built before it existed). */
  trimNativeHeap?: () => boolean;
  /** glibc mallopt(M_MMAP_THRESHOLD, bytes). */
  fixMmapThreshold?: (bytes: number) => boolean;
  LearnerKernel: new (
    n: number, hN: number, hW: number, cells: number, stepDb: number, minDb: number, dbTable: Float64Array,
    countsNarrow: Uint32Array, countsWide: Uint32Array, prefix: Float64Array, scratch: Float32Array, dbPerOctave: number,
  ) => NativeLearnerKernel;
  convertCu8(raw: Uint8Array, out: Float32Array, count: number, rawOffset: number): number;
  /** Absent in an addon built before it (the JS loop is used then). */
  firDecimate?: (mixed: Float64Array, taps: Float64Array, decimation: number, out: Float64Array, outCount: number) => void;
  /** Absent in an addon built before it (the JS loop is used then). */
  polyphaseRun?: NativePolyphaseRun;
  Classifier: new (
    n: number, hN: number, hW: number, open: Float32Array, release: Float32Array, wideOpen: Float32Array,
    hot: Uint8Array, stat: Float32Array, prefix: Float64Array,
  ) => { run(): number };
  FrameKernel: new (
    n: number, window: Float64Array, norm: number, stage: Float32Array, power: Float32Array,
    prefix: Float64Array | null, sum: Float64Array | null, dcRemoval?: boolean, mode?: number, result?: Float64Array | null,
  ) => RawFrameKernel;
  fftwVersion: string;
  /** Version of the addon's JS interface (kAbiVersion in frame-kernel.cc); absent in addons built before it existed. */
  abiVersion?: number;
}

/**
 * The addon interface this loader speaks (kAbiVersion in native-bindings/dsp/src/frame-kernel.cc). An addon built from
 * an older frame-kernel.cc (a checkout updated without `npm run build:native`) lacks methods this code calls, e.g.
 * FrameKernel.reset: it is refused at load, with a message saying to rebuild, and spectra use the WASM FFT meanwhile.
 */
export const DSP_ABI_VERSION = 9;

/** Environment variable naming the addon file to load instead of native-bindings/dsp/build/Release/quietband_dsp.node. */
export const DSP_ADDON_ENV = 'QUIETBAND_DSP_ADDON';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let binding: DspBinding | undefined;
let loadError: string | undefined;

function load(): void {
  const candidates = process.env[DSP_ADDON_ENV]
    ? [process.env[DSP_ADDON_ENV] as string]
    : [
        // from dist/src/dsp/ and from src/dsp/ (vitest runs the TypeScript)
        path.join(HERE, '..', '..', '..', 'native-bindings', 'dsp', 'build', 'Release', 'quietband_dsp.node'),
        path.join(HERE, '..', '..', 'native-bindings', 'dsp', 'build', 'Release', 'quietband_dsp.node'),
      ];
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) {
    loadError = `quietband_dsp addon not built (needs libfftw3-dev: sudo apt-get install libfftw3-dev, then npm run build:native); looked in ${candidates.join(', ')}`;
    return;
  }
  let b: DspBinding;
  try {
    b = createRequire(import.meta.url)(file) as DspBinding;
  } catch (err) {
    loadError = `quietband_dsp addon ${file} did not load: ${err instanceof Error ? err.message : String(err)}`;
    return;
  }
  if (b.abiVersion !== DSP_ABI_VERSION) {
    loadError = `quietband_dsp addon ${file} is stale (interface ${b.abiVersion ?? 'of an old build'}, this code needs ` +
      `${DSP_ABI_VERSION}): rebuild it with npm run build:native`;
    return;
  }
  binding = b;
}
load();

/** Period of {@link trimNativeHeap} on the main thread (ms). */
export const TRIM_PERIOD_MS = 30_000;

/**
 * Returns free memory of every malloc arena to the system (glibc malloc_trim(0) in the addon); false when nothing was
 * returned or the addon is absent. The main thread of every process that loads this module calls it every
 * {@link TRIM_PERIOD_MS} (an unref'd timer): without it RSS crept by ≈ 7 % per 20 minutes of replay from arena
 * fragmentation in V8's and libuv's helper threads while the JS heap stayed flat (bench/long-run.js).
 */
export function trimNativeHeap(): boolean {
  return binding?.trimNativeHeap?.() ?? false;
}

if (isMainThread && binding?.trimNativeHeap !== undefined) setInterval(trimNativeHeap, TRIM_PERIOD_MS).unref();

/**
 * Allocations of at least this many bytes get a mapping of their own (glibc M_MMAP_THRESHOLD, fixed when the addon
 * loads on the main thread, unless the environment sets MALLOC_MMAP_THRESHOLD_ itself): 128 KiB is glibc's initial
 * value, which it otherwise raises each time such a block is freed, after which buffers of files opened one after
 * another were carved from the heap and stayed there fragmented. Measured (bench/long-run.js, 20 input minutes):
 * RSS after GC 86–88 → 88–91 MiB (+4 to +5 %) before, 81 → 80 MiB (−1.5 %) with it.
 */
export const MMAP_THRESHOLD_BYTES = 128 * 1024;

if (isMainThread && binding?.fixMmapThreshold !== undefined && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
  binding.fixMmapThreshold(MMAP_THRESHOLD_BYTES);
}

/** True when the quietband_dsp addon loaded (FFT backend 'fftw' usable). */
export function nativeFrameAvailable(): boolean {
  return binding !== undefined;
}

/** Why the addon is not available (undefined when it is). */
export function nativeFrameLoadError(): string | undefined {
  return loadError;
}

/** FFTW's version string as the addon reports it (fftwf_version), or undefined. */
export function fftwVersion(): string | undefined {
  return binding?.fftwVersion;
}

/** Thrown when an array a kernel was made over lost its memory (see {@link checkBound}). */
function boundLost(kernel: string, name: string): Error {
  return new Error(`quietband_dsp ${kernel}: ${name} was detached (transferred) or shrunk after the kernel was made over it; ` +
    'the arrays a kernel is bound to must keep their memory as long as it is used (post a copy, never transfer them)');
}

/**
 * Throws when a bound array no longer has `length` elements. The addon writes through pointers taken at creation; a
 * detached buffer (postMessage/structuredClone transfer, ArrayBuffer.prototype.transfer) or a shrunk resizable one
 * reads length 0 here, and the addon would write into freed memory. Checked in JS before every call: a few ns,
 * against ≈ 20 ns per array for the same check through N-API.
 */
function checkBound(kernel: string, name: string, a: ArrayBufferView & { length: number }, length: number): void {
  if (a.length !== length) throw boundLost(kernel, name);
}

/** The addon's FrameKernel behind the bound-array check. */
class GuardedFrameKernel implements NativeFrameKernel {
  private gate: NativeClassifier | null = null;
  constructor(
    private readonly k: RawFrameKernel, private readonly n: number, private readonly window: Float64Array,
    private readonly stage: Float32Array, private readonly power: Float32Array, private readonly prefix: Float64Array | null,
    private readonly sum: Float64Array | null, private readonly result: Float64Array | null,
  ) {}
  private check(): void {
    const n = this.n;
    if (this.power.length !== n || this.stage.length !== 2 * n || this.window.length !== n ||
      (this.prefix !== null && this.prefix.length !== n + 1) || (this.sum !== null && this.sum.length !== n) ||
      (this.result !== null && this.result.length !== 2)) {
      checkBound('FrameKernel', 'power', this.power, n);
      checkBound('FrameKernel', 'stage', this.stage, 2 * n);
      checkBound('FrameKernel', 'window', this.window, n);
      if (this.prefix !== null) checkBound('FrameKernel', 'prefix', this.prefix, n + 1);
      if (this.sum !== null) checkBound('FrameKernel', 'sum', this.sum, n);
      if (this.result !== null) checkBound('FrameKernel', 'result', this.result, 2);
    }
  }
  push(samples: Float32Array, from: number, to: number): number {
    this.check();
    return this.k.push(samples, from, to);
  }
  pushMany(samples: Float32Array, from: number, to: number, maxFrames: number): number {
    this.check();
    return this.k.pushMany(samples, from, to, maxFrames);
  }
  attach(classifier: NativeClassifier): void {
    this.k.attach(classifier.native);
    this.gate = classifier;
  }
  pushGated(samples: Float32Array, from: number, to: number, passAll: boolean, maxFrames = 0): number {
    this.check();
    this.gate?.check();
    return this.k.pushGated(samples, from, to, passAll, maxFrames);
  }
  pushSkip(samples: Float32Array, from: number, to: number, skip: number): number {
    this.check();
    return this.k.pushSkip(samples, from, to, skip);
  }
  reset(resetDc: boolean): void {
    this.k.reset(resetDc);
  }
  dispose(): void {
    this.k.dispose();
  }
}

/**
 * Creates a kernel over the caller's buffers (kept alive and referenced, never copied: the kernel's push() fills
 * `stage`, the engine reads `power`/`prefix`/`sum` in place). Sizes: window n, stage 2n, power n, prefix n + 1, sum n,
 * result 2 (where pushMany/pushGated/pushSkip report frame counts and codes; they need it).
 * `dcRemoval` and `mode` apply to every frame. The buffers must keep their memory while the kernel is used: the push calls
 * throw an Error naming the array when one was detached (transferred) or shrunk, instead of writing into freed memory.
 * @throws Error when the addon is not available ({@link nativeFrameLoadError}); TypeError/RangeError from the addon for
 *   wrong buffer types or lengths; push() throws a RangeError for from/to that are not integers 0 ≤ from ≤ to ≤
 *   samples.length / 2.
 */
export function createNativeFrameKernel(
  n: number, window: Float64Array, norm: number, stage: Float32Array, power: Float32Array,
  prefix: Float64Array | null, sum: Float64Array | null, dcRemoval = true, mode = 1, result: Float64Array | null = null,
): NativeFrameKernel {
  if (binding === undefined) throw new Error(`FFT backend 'fftw' is unavailable: ${loadError ?? 'unknown error'}`);
  const k = new binding.FrameKernel(n, window, norm, stage, power, prefix, sum, dcRemoval, mode, result);
  return new GuardedFrameKernel(k, n, window, stage, power, prefix ?? null, sum ?? null, result ?? null);
}

/**
 * Creates a classifier over the detector's arrays (all of length n; prefix n + 1), or null when the addon is not
 * available. Kernel half widths: 1 ≤ hN ≤ hW. run() throws an Error naming the array when one of them was detached
 * (transferred) or shrunk since.
 * @throws TypeError/RangeError from the addon for wrong buffer types or lengths.
 */
export function createNativeClassifier(
  n: number, hN: number, hW: number, open: Float32Array, release: Float32Array, wideOpen: Float32Array,
  hot: Uint8Array, stat: Float32Array, prefix: Float64Array,
): NativeClassifier | null {
  if (binding === undefined) return null;
  const c = new binding.Classifier(n, hN, hW, open, release, wideOpen, hot, stat, prefix);
  const check = (): void => {
    if (prefix.length !== n + 1 || hot.length !== n || stat.length !== n || open.length !== n || release.length !== n ||
      wideOpen.length !== n) {
      checkBound('Classifier', 'prefix', prefix, n + 1);
      for (const [name, a] of [['hot', hot], ['stat', stat], ['open', open], ['release', release], ['wideOpen', wideOpen]] as const) {
        checkBound('Classifier', name, a, n);
      }
    }
  };
  return {
    run(): number {
      check();
      return c.run();
    },
    check,
    native: c,
  };
}

/**
 * The addon's cu8 → float32 conversion ((x − 127.5) / 127.5, the same table as sample-formats.ts) with the clip
 * fraction, or null when the addon is not available. One pass in C++ instead of two in JS.
 */
export const nativeConvertCu8: ((raw: Uint8Array, out: Float32Array, count: number, rawOffset: number) => number) | null =
  binding === undefined ? null : binding.convertCu8;

/**
 * The addon's FIR of identification's channel (src/ident/channel.ts channelise): out[o] = Σ_k taps[k]·mixed[o·decimation
 * + k] for o < outCount, complex `mixed` (interleaved, float64) and real taps, in the JS loop's order (the same doubles),
 * or null when the addon is absent or older than it. Throws a RangeError when `mixed` or `out` is too short.
 */
export const nativeFirDecimate: ((mixed: Float64Array, taps: Float64Array, decimation: number, out: Float64Array, outCount: number) => void) | null =
  binding?.firDecimate ?? null;

/**
 * The inner loop of the band cut's polyphase resampler (src/dsp/resampler.ts PolyphaseResampler.run) in the addon: with
 * (n, p, o) = state, while n < fill: output[o] = Σ_j phases[p·K + j]·buf[n − K + 1 + j] (complex, float32 summed in
 * double, j ascending), o += 1, p += M, n += ⌊p / L⌋, p %= L; the final (n, p, o) written back to `state`. The JS loop's
 * operations in its order, so the same floats. Throws a RangeError for arrays too short or a state out of range.
 */
export type NativePolyphaseRun = (buf: Float32Array, fill: number, phases: Float32Array, K: number, L: number, M: number, state: Float64Array, output: Float32Array) => void;

/** {@link NativePolyphaseRun}, or null when the addon is absent or older than it. */
export const nativePolyphaseRun: NativePolyphaseRun | null = binding?.polyphaseRun ?? null;

/**
 * Creates a learner kernel bound to two histograms (n·cells counts each; cell = ⌊(10·log10(x) − minDb)/stepDb⌋ with
 * fast-db.ts's table) and a frame prefix sum (n + 1), or null when the addon is not available. 1 ≤ hN ≤ hW. median()
 * and add() throw an Error naming the array when a bound one was detached (transferred) or shrunk since.
 */
export function createNativeLearnerKernel(
  n: number, hN: number, hW: number, cells: number, stepDb: number, minDb: number, dbTable: Float64Array,
  countsNarrow: Uint32Array, countsWide: Uint32Array, prefix: Float64Array, dbPerOctave: number,
): NativeLearnerKernel | null {
  if (binding === undefined) return null;
  const scratch = new Float32Array(n);
  const k = new binding.LearnerKernel(n, hN, hW, cells, stepDb, minDb, dbTable, countsNarrow, countsWide, prefix, scratch, dbPerOctave);
  const size = n * cells;
  const check = (): void => {
    if (prefix.length !== n + 1 || countsNarrow.length !== size || countsWide.length !== size || dbTable.length !== 2048) {
      checkBound('LearnerKernel', 'prefix', prefix, n + 1);
      checkBound('LearnerKernel', 'countsNarrow', countsNarrow, size);
      checkBound('LearnerKernel', 'countsWide', countsWide, size);
      checkBound('LearnerKernel', 'dbTable', dbTable, 2048);
    }
  };
  return {
    median(power: Float32Array): number {
      check();
      return k.median(power);
    },
    add(): void {
      check();
      k.add();
    },
  };
}
