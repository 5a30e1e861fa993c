// Minimal typing for @echogarden/pffft-wasm 0.4 (PFFFT compiled by Emscripten, MODULARIZE + EXPORT_ES6).

declare module '@echogarden/pffft-wasm/simd' {
  /**
   * The instantiated Emscripten module: PFFFT's C API (pointers are byte offsets into the WASM heap) and the heap view.
   * C API as in the package's src/pffft.h.
   */
  export interface PffftWasmModule {
    /** Float32 view of the WASM memory; REPLACED (the old one detached, length 0) whenever the memory grows. */
    HEAPF32: Float32Array;
    /** PFFFT_Setup* for a transform of size N; type 0 = PFFFT_REAL, 1 = PFFFT_COMPLEX. 0 when N is not supported. */
    _pffft_new_setup(n: number, type: number): number;
    _pffft_destroy_setup(setup: number): void;
    /** input/output/work: 16-byte aligned float*; direction 0 = PFFFT_FORWARD, 1 = PFFFT_BACKWARD; internal output order. */
    _pffft_transform(setup: number, input: number, output: number, work: number, direction: number): void;
    /** As _pffft_transform, output as interleaved complex numbers in the usual order. */
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
    /** Internal order ↔ interleaved canonical order (input and output must not alias). */
    _pffft_zreorder(setup: number, input: number, output: number, direction: number): void;
    /** 16-byte aligned allocation in the WASM heap (bytes); 0 on failure. */
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(ptr: number): void;
    /** Floats per SIMD vector (4 for the SIMD build, 1 for the scalar one). */
    _pffft_simd_size(): number;
  }
  /** Emscripten factory: loads and instantiates pffft.wasm (WASM SIMD build). */
  export default function PFFFT(moduleArg?: Record<string, unknown>): Promise<PffftWasmModule>;
}
