// Loader of the quietband_dsp addon (native-bindings/dsp): a spectrum frame (DC, window, FFTW, |X|², fftshift) in C++.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One frame kernel bound to an engine's buffers (see native-bindings/dsp/src/frame-kernel.cc).
 * `frame(older, dcI, dcQ, mode)` reads the two half-frame slots of `stage` (interleaved float32 I/Q; slot `older` is the
 * frame's first half), forms (x − dc)·w in float64 rounded to float32, runs FFTW's single-precision forward complex
 * FFT (FFTW_ESTIMATE plan: the same numbers on every run), and writes P = (re² + im²)·norm fftshifted.
 * mode: 0 = add P to `sum` only; 1 = `power`; 2 = `power` and `prefix`; bit 4 = also add to `sum`.
 */
export interface NativeFrameKernel {
  frame(older: number, dcI: number, dcQ: number, mode: number): void;
  /**
   * Stages samples [from, to) of `samples` (interleaved I/Q) into the kernel's slots with their sums until a frame is
   * complete, then computes it (running DC estimate when dcRemoval, the mode given at creation) and rotates the
   * slots. Returns consumed·2 + 1 when a frame was computed, consumed·2 otherwise.
   */
  push(samples: Float32Array, from: number, to: number): number;
  /** Forgets the partial frame; `resetDc` also forgets the running DC estimate. */
  reset(resetDc: boolean): void;
  /** Frees the FFTW plan and buffers now; frame() throws afterwards. */
  dispose(): void;
}

/**
 * The detector's per-bin classification in C++ (see native-bindings/dsp/src/frame-kernel.cc, Classifier), bound to a
 * path's thresholds and scratch arrays and to the frame prefix sum it reads. `run()` returns the OR of the hot codes
 * and fills `hot` (and `stat` when any bin is hot) exactly as Detector's JS classification does.
 */
export interface NativeClassifier {
  run(): number;
}

/** The baseline learner's fast-path frame work in C++ (frame-kernel.cc, LearnerKernel). */
export interface NativeLearnerKernel {
  /** The ⌊n/2⌋-th smallest value of `power` (Float32Array(n)): the floor gate's frame median. */
  median(power: Float32Array): number;
  /** Both kernels' means from the bound prefix sum, binned into both bound histograms. */
  add(): void;
}

interface DspBinding {
  LearnerKernel: new (
    n: number, hN: number, hW: number, cells: number, stepDb: number, minDb: number, dbTable: Float64Array,
    countsNarrow: Uint32Array, countsWide: Uint32Array, prefix: Float64Array, scratch: Float32Array, dbPerOctave: number,
  ) => NativeLearnerKernel;
  convertCu8(raw: Uint8Array, out: Float32Array, count: number, rawOffset: number): number;
  Classifier: new (
    n: number, hN: number, hW: number, open: Float32Array, release: Float32Array, wideOpen: Float32Array,
    hot: Uint8Array, stat: Float32Array, prefix: Float64Array,
  ) => NativeClassifier;
  FrameKernel: new (
    n: number, window: Float64Array, norm: number, stage: Float32Array, power: Float32Array,
    prefix: Float64Array | null, sum: Float64Array | null, dcRemoval?: boolean, mode?: number,
  ) => NativeFrameKernel;
  fftwVersion: string;
}

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
  try {
    binding = createRequire(import.meta.url)(file) as DspBinding;
  } catch (err) {
    loadError = `quietband_dsp addon ${file} did not load: ${err instanceof Error ? err.message : String(err)}`;
  }
}
load();

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

/**
 * Creates a kernel over the caller's buffers (kept alive and referenced, never copied: the kernel's push() fills
 * `stage`, the engine reads `power`/`prefix`/`sum` in place). Sizes: window n, stage 2n, power n, prefix n + 1, sum n.
 * `dcRemoval` and `mode` apply to push().
 * @throws Error when the addon is not available ({@link nativeFrameLoadError}); TypeError/RangeError from the addon for
 *   wrong buffer types or lengths.
 */
export function createNativeFrameKernel(
  n: number, window: Float64Array, norm: number, stage: Float32Array, power: Float32Array,
  prefix: Float64Array | null, sum: Float64Array | null, dcRemoval = true, mode = 1,
): NativeFrameKernel {
  if (binding === undefined) throw new Error(`FFT backend 'fftw' is unavailable: ${loadError ?? 'unknown error'}`);
  return new binding.FrameKernel(n, window, norm, stage, power, prefix, sum, dcRemoval, mode);
}

/**
 * Creates a classifier over the detector's arrays (all of length n; prefix n + 1), or null when the addon is not
 * available. Kernel half widths: 1 ≤ hN ≤ hW.
 * @throws TypeError/RangeError from the addon for wrong buffer types or lengths.
 */
export function createNativeClassifier(
  n: number, hN: number, hW: number, open: Float32Array, release: Float32Array, wideOpen: Float32Array,
  hot: Uint8Array, stat: Float32Array, prefix: Float64Array,
): NativeClassifier | null {
  if (binding === undefined) return null;
  return new binding.Classifier(n, hN, hW, open, release, wideOpen, hot, stat, prefix);
}

/**
 * The addon's cu8 → float32 conversion ((x − 127.5) / 127.5, the same table as sample-formats.ts) with the clip
 * fraction, or null when the addon is not available. One pass in C++ instead of two in JS.
 */
export const nativeConvertCu8: ((raw: Uint8Array, out: Float32Array, count: number, rawOffset: number) => number) | null =
  binding === undefined ? null : binding.convertCu8;

/**
 * Creates a learner kernel bound to two histograms (n·cells counts each; cell = ⌊(10·log10(x) − minDb)/stepDb⌋ with
 * fast-db.ts's table) and a frame prefix sum (n + 1), or null when the addon is not available. 1 ≤ hN ≤ hW.
 */
export function createNativeLearnerKernel(
  n: number, hN: number, hW: number, cells: number, stepDb: number, minDb: number, dbTable: Float64Array,
  countsNarrow: Uint32Array, countsWide: Uint32Array, prefix: Float64Array, dbPerOctave: number,
): NativeLearnerKernel | null {
  if (binding === undefined) return null;
  return new binding.LearnerKernel(n, hN, hW, cells, stepDb, minDb, dbTable, countsNarrow, countsWide, prefix, new Float32Array(n), dbPerOctave);
}
