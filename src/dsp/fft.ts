// Complex FFT backends behind one interface (fft.js is the reference backend).
import FFT from 'fft.js';

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

/**
 * Creates the named backend; only 'fft.js' exists today. Internal sizes down to 16 are allowed (the fast path runs
 * fftSize/4); user-facing sizes are checked with {@link isValidFftSize}.
 * @throws RangeError for an unknown name or a size that is not a power of two in 16..65536.
 */
export function createFft(size: number, backend = 'fft.js'): FftBackend {
  if (!(Number.isInteger(size) && size >= 16 && size <= 65536 && (size & (size - 1)) === 0)) {
    throw new RangeError(`FFT size must be a power of two in 16..65536, got ${size}`);
  }
  if (backend === 'fft.js') return new FftJsBackend(size);
  throw new RangeError(`unknown FFT backend '${backend}'; expected fft.js`);
}
