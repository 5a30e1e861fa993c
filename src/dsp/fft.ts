// Complex FFT backends behind one interface: fft.js (float64, the reference) and PFFFT in WASM SIMD (float32).
import FFT from 'fft.js';
import { PffftBackend, pffftAvailable } from './pffft.js';
import { nativeFrameAvailable } from './native-frame.js';

/**
 * A forward complex FFT of fixed size N working on caller-owned buffers.
 * `input` and `output` are Float64Array(2N) of interleaved re, im; they must be different buffers.
 * The transform is NOT normalised: X_k = Σ x_n·e^(−2πikn/N).
 */
export interface FftBackend {
  readonly size: number;
  readonly name: string;
  forward(input: Float64Array, output: Float64Array): void;
  /**
   * The hot path's zero-copy form. `input32()` returns the backend's own Float32Array(2N) (interleaved re, im) to write
   * the next frame into; `forward32()` transforms it and returns the backend's own Float32Array(2N) holding X_k in
   * natural order. Both views stay valid until the next call of any method of this backend (the WASM heap may move
   * when another backend is created), so fetch them afresh for every frame. Same transform as {@link forward}.
   */
  input32(): Float32Array;
  forward32(): Float32Array;
}

/** fft.js (radix-4, indutny) backend. */
export class FftJsBackend implements FftBackend {
  readonly size: number;
  readonly name = 'fft.js';
  private readonly fft: FFT;
  private readonly in32: Float32Array;
  private readonly out32: Float32Array;
  private readonly in64: Float64Array;
  private readonly out64: Float64Array;
  constructor(size: number) {
    this.size = size;
    this.fft = new FFT(size);
    this.in32 = new Float32Array(2 * size);
    this.out32 = new Float32Array(2 * size);
    this.in64 = new Float64Array(2 * size);
    this.out64 = new Float64Array(2 * size);
  }
  forward(input: Float64Array, output: Float64Array): void {
    this.fft.transform(output, input);
  }
  input32(): Float32Array {
    return this.in32;
  }
  /** Converts through float64 buffers (fft.js works in float64), so the result is the float64 transform rounded once. */
  forward32(): Float32Array {
    this.in64.set(this.in32);
    this.fft.transform(this.out64, this.in64);
    this.out32.set(this.out64);
    return this.out32;
  }
}

/** True when n is a power of two between 64 and 65536 (the FFT sizes QuietBand accepts). */
export function isValidFftSize(n: number): boolean {
  return Number.isInteger(n) && n >= 64 && n <= 65536 && (n & (n - 1)) === 0;
}

/**
 * Backend names accepted by {@link createFft} and `SpectrumOptions.fftBackend`. 'fftw' is not an FftBackend: it is the
 * quietband_dsp addon's whole-frame kernel (DC, window, FFTW, power; native-frame.ts), which SpectrumEngine uses in
 * place of its JS frame loop; createFft('fftw') gives pffft for the odd caller that wants a bare transform.
 */
export const FFT_BACKENDS: readonly string[] = ['fft.js', 'pffft', 'fftw'];

/**
 * The backend used when none is named: 'fftw' when the quietband_dsp addon is built (libfftw3-dev present), else
 * 'pffft', else 'fft.js' when the WASM module could not be loaded. Measured with `npm run bench` on this project's
 * 2-core machine (figures in bench/README.md): pffft's transform is 2–3.6× faster than fft.js at N = 512…4096; the
 * native frame kernel makes the whole detect pass several times faster again, with the same detections.
 */
export const DEFAULT_FFT_BACKEND: string = nativeFrameAvailable() ? 'fftw' : pffftAvailable() ? 'pffft' : 'fft.js';

/**
 * Creates the named backend (default {@link DEFAULT_FFT_BACKEND}): 'fft.js' (indutny's radix-4, float64) or 'pffft'
 * (PFFFT compiled to WASM SIMD, float32; see pffft.ts). Internal sizes down to 16 are allowed (the fast path runs fftSize/4); user-facing sizes are checked
 * with {@link isValidFftSize}.
 * @throws RangeError for an unknown name or a size that is not a power of two in 16..65536; Error when 'pffft' is
 *   named but its WASM module could not be loaded.
 */
export function createFft(size: number, backend: string = DEFAULT_FFT_BACKEND): FftBackend {
  if (!(Number.isInteger(size) && size >= 16 && size <= 65536 && (size & (size - 1)) === 0)) {
    throw new RangeError(`FFT size must be a power of two in 16..65536, got ${size}`);
  }
  if (backend === 'fft.js') return new FftJsBackend(size);
  if (backend === 'pffft' || (backend === 'fftw' && pffftAvailable())) return new PffftBackend(size);
  if (backend === 'fftw') return new FftJsBackend(size);
  throw new RangeError(`unknown FFT backend '${backend}'; expected one of ${FFT_BACKENDS.join(', ')}`);
}
