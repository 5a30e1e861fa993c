// Complex FFT backends behind one interface: fft.js (float64, the reference) and PFFFT in WASM SIMD (float32).
import FFT from 'fft.js';
import { PffftBackend, pffftAvailable } from './pffft.js';

/**
 * A forward complex FFT of fixed size N working on caller-owned buffers.
 * `input` and `output` are Float64Array(2N) of interleaved re, im; they must be different buffers.
 * The transform is NOT normalised: X_k = Σ x_n·e^(−2πikn/N).
 */
export interface FftBackend {
  readonly size: number;
  readonly name: string;
  forward(input: Float64Array, output: Float64Array): void;
}

/** fft.js (radix-4, indutny) backend. */
export class FftJsBackend implements FftBackend {
  readonly size: number;
  readonly name = 'fft.js';
  private readonly fft: FFT;
  constructor(size: number) {
    this.size = size;
    this.fft = new FFT(size);
  }
  forward(input: Float64Array, output: Float64Array): void {
    this.fft.transform(output, input);
  }
}

/** True when n is a power of two between 64 and 65536 (the FFT sizes QuietBand accepts). */
export function isValidFftSize(n: number): boolean {
  return Number.isInteger(n) && n >= 64 && n <= 65536 && (n & (n - 1)) === 0;
}

/** Backend names accepted by {@link createFft}. */
export const FFT_BACKENDS: readonly string[] = ['fft.js', 'pffft'];

/**
 * The backend used when none is named: 'pffft' (measured with `npm run bench` on this project's 2-core machine: the
 * transform 2–3.6× faster than fft.js at N = 512…4096, the whole detect pass ≈ 1.2–1.4× in CPU time, the same
 * detections), or 'fft.js' when the WASM module could not be loaded.
 */
export const DEFAULT_FFT_BACKEND: string = pffftAvailable() ? 'pffft' : 'fft.js';

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
  if (backend === 'pffft') return new PffftBackend(size);
  throw new RangeError(`unknown FFT backend '${backend}'; expected one of ${FFT_BACKENDS.join(', ')}`);
}
