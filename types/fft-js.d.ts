/** Minimal typing for fft.js 4 (indutny/fft.js): radix-4 complex FFT on interleaved re/im arrays. */
declare module 'fft.js' {
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** out[2k], out[2k+1] = re, im of bin k; input and output must be different buffers; not normalised. */
    transform(out: ArrayLike<number> & { [i: number]: number }, data: ArrayLike<number>): void;
    inverseTransform(out: ArrayLike<number> & { [i: number]: number }, data: ArrayLike<number>): void;
  }
}
