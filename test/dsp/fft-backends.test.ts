// FFT backends: fft.js (float64), PFFFT-WASM (float32) and the native FFTW frame kernel give the same spectra within 0.01 dB.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFft, FFT_BACKENDS, DEFAULT_FFT_BACKEND, FftJsBackend } from '../../src/dsp/fft.js';
import { PffftBackend, pffftAvailable } from '../../src/dsp/pffft.js';
import { createNativeFrameKernel, nativeFrameLoadError } from '../../src/dsp/native-frame.js';
import { SpectrumEngine } from '../../src/spectrum/spectrum-engine.js';
import type { SpectrumFrame } from '../../src/spectrum/frames.js';
import { convertCu8 } from '../../src/source/sample-formats.js';
import { defaultScenario, ScenarioRenderer, Prng } from '../../src/source/sim.js';
import type { IqBlock } from '../../src/types.js';
import { capture } from '../helpers.js';

/** Seeded complex white noise, unit variance per component, as Float64Array(2n). */
function noise(n: number, seed: number): Float64Array {
  const prng = new Prng(seed);
  const x = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) x[i] = prng.normal();
  return x;
}

/** Largest |10·log10(a/b)| over bins, power = re² + im² of interleaved spectra. */
function maxPowerDiffDb(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let k = 0; k < a.length / 2; k++) {
    const pa = a[2 * k] ** 2 + a[2 * k + 1] ** 2;
    const pb = b[2 * k] ** 2 + b[2 * k + 1] ** 2;
    worst = Math.max(worst, Math.abs(10 * Math.log10(pa / pb)));
  }
  return worst;
}

/** Largest |10·log10(a/b)| over bins; with `withinDb`, only over bins at most that far below the frame's peak (in b). */
function maxFrameDiffDb(a: Float32Array, b: Float32Array, withinDb = Infinity): number {
  let peak = 0;
  for (let k = 0; k < b.length; k++) if (b[k] > peak) peak = b[k];
  const floor = peak * 10 ** (-withinDb / 10);
  let worst = 0;
  for (let k = 0; k < a.length; k++) if (b[k] >= floor) worst = Math.max(worst, Math.abs(10 * Math.log10(a[k] / b[k])));
  return worst;
}

/**
 * Float32 dynamic range: PFFFT's rounding error is ≈ 1e-7·√log2 N of the frame's RMS amplitude, so a bin 80+ dB below
 * the frame's peak (a deep bin of a single short frame under a clipped burst) can move by slightly more than 0.01 dB.
 */
const FLOAT32_RANGE_DB = 80;

interface EngineDiff {
  /** Worst short-frame difference over bins within FLOAT32_RANGE_DB of the frame peak (dB). */
  short: number;
  /** Worst short-frame difference over all bins (dB). */
  shortAll: number;
  /** Worst slow (Welch) frame difference over all bins (dB). */
  slow: number;
  shortFrames: number;
  slowFrames: number;
}

/** Runs fft.js's and `backend`'s SpectrumEngines over the same blocks and compares every frame bin by bin. */
function compareEngines(blocks: IqBlock[], fftSize: number, average: number, backend = 'pffft'): EngineDiff {
  const collect = (backend: string) => {
    const engine = new SpectrumEngine({ fftSize, window: 'hann', average, dcRemoval: true, fftBackend: backend });
    const short: Float32Array[] = [];
    const slow: Float32Array[] = [];
    const sink = {
      onShortFrame: (f: SpectrumFrame) => short.push(f.power.slice()),
      onSlowFrame: (f: SpectrumFrame) => slow.push(f.power.slice()),
    };
    for (const b of blocks) engine.push(b, sink);
    return { short, slow };
  };
  const ref = collect('fft.js');
  const wasm = collect(backend);
  expect(wasm.short.length).toBe(ref.short.length);
  expect(wasm.slow.length).toBe(ref.slow.length);
  const d: EngineDiff = { short: 0, shortAll: 0, slow: 0, shortFrames: ref.short.length, slowFrames: ref.slow.length };
  for (let i = 0; i < ref.short.length; i++) {
    d.short = Math.max(d.short, maxFrameDiffDb(wasm.short[i], ref.short[i], FLOAT32_RANGE_DB));
    d.shortAll = Math.max(d.shortAll, maxFrameDiffDb(wasm.short[i], ref.short[i]));
  }
  for (let i = 0; i < ref.slow.length; i++) d.slow = Math.max(d.slow, maxFrameDiffDb(wasm.slow[i], ref.slow[i]));
  return d;
}

function blockOf(samples: Float32Array, count: number, rateSps: number, firstSample: number): IqBlock {
  return { samples, count, centerHz: 433.92e6, rateSps, firstSample, tuneId: 0, clipFraction: 0, discontinuity: false };
}

/** A cu8 file as consecutive IqBlocks of `blockSamples` (each with its own Float32Array). */
function cu8Blocks(bytes: Uint8Array, rateSps: number, blockSamples: number): IqBlock[] {
  const total = Math.floor(bytes.length / 2);
  const out: IqBlock[] = [];
  for (let first = 0; first < total; first += blockSamples) {
    const count = Math.min(blockSamples, total - first);
    const samples = new Float32Array(2 * count);
    convertCu8(bytes, samples, count, 2 * first);
    out.push(blockOf(samples, count, rateSps, first));
  }
  return out;
}

describe('FFT backends', () => {
  it('lists fft.js, pffft and fftw, fftw the default (the addon is built here), and rejects unknown names', () => {
    expect(FFT_BACKENDS).toEqual(['fft.js', 'pffft', 'fftw']);
    expect(pffftAvailable()).toBe(true);
    // libfftw3-dev is installed on every machine that runs these tests (.ci/run), so the addon is built: 'fftw' is the default
    expect(nativeFrameLoadError()).toBeUndefined();
    expect(DEFAULT_FFT_BACKEND).toBe('fftw');
    expect(createFft(1024).name).toBe('pffft');
    expect(createFft(1024, 'fft.js')).toBeInstanceOf(FftJsBackend);
    expect(createFft(1024, 'fft.js').name).toBe('fft.js');
    const p = createFft(1024, 'pffft');
    expect(p).toBeInstanceOf(PffftBackend);
    expect(p.name).toBe('pffft');
    expect(p.size).toBe(1024);
    expect(() => createFft(1024, 'kissfft')).toThrow(/unknown FFT backend 'kissfft'; expected one of fft.js, pffft, fftw/);
    expect(() => createFft(1000, 'pffft')).toThrow(RangeError);
  });

  for (const n of [16, 64, 256, 512, 1024, 2048, 4096, 65536]) {
    it(`N=${n}: pffft equals fft.js on white noise (|ΔX| ≤ 1e-5·RMS, every bin's power within 0.01 dB)`, () => {
      const x = noise(n, n);
      const ref = new Float64Array(2 * n);
      const out = new Float64Array(2 * n);
      createFft(n, 'fft.js').forward(x, ref);
      createFft(n, 'pffft').forward(x, out);
      let rms = 0;
      let worst = 0;
      for (let i = 0; i < 2 * n; i++) {
        rms += ref[i] * ref[i];
        worst = Math.max(worst, Math.abs(out[i] - ref[i]));
      }
      rms = Math.sqrt(rms / (2 * n)); // ≈ √N for unit-variance input
      expect(rms).toBeGreaterThan(0.9 * Math.sqrt(n));
      expect(rms).toBeLessThan(1.1 * Math.sqrt(n));
      expect(worst / rms).toBeLessThan(1e-5);
      expect(maxPowerDiffDb(out, ref)).toBeLessThan(0.01);
    });
  }

  it('pffft: a complex tone e^(+2πi·k·n/N) of amplitude A lands in bin k with |X_k| = A·N (sign convention, no scaling)', () => {
    const n = 1024;
    const b = createFft(n, 'pffft');
    const out = new Float64Array(2 * n);
    for (const k of [1, 100, n / 2, n - 37]) {
      const x = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        x[2 * i] = 0.5 * Math.cos((2 * Math.PI * k * i) / n);
        x[2 * i + 1] = 0.5 * Math.sin((2 * Math.PI * k * i) / n);
      }
      b.forward(x, out);
      const mag = Math.hypot(out[2 * k], out[2 * k + 1]);
      expect(mag).toBeGreaterThan(0.5 * n * (1 - 1e-5));
      expect(mag).toBeLessThan(0.5 * n * (1 + 1e-5));
      // every other bin is ≥ 100 dB down (float32 rounding only)
      for (let j = 0; j < n; j++) if (j !== k) expect(Math.hypot(out[2 * j], out[2 * j + 1])).toBeLessThan(1e-5 * mag);
    }
  });

  it('pffft: input is not modified, repeated calls give identical output', () => {
    const n = 2048;
    const x = noise(n, 7);
    const copy = x.slice();
    const b = createFft(n, 'pffft');
    const o1 = new Float64Array(2 * n);
    const o2 = new Float64Array(2 * n);
    b.forward(x, o1);
    b.forward(x, o2);
    expect(x).toEqual(copy);
    expect(o2).toEqual(o1);
  });

  it('pffft: keeps working after the WASM memory grows (views re-mapped), and throws after dispose()', () => {
    const n = 1024;
    const x = noise(n, 3);
    const ref = new Float64Array(2 * n);
    createFft(n, 'fft.js').forward(x, ref);
    const small = new PffftBackend(n);
    const out = new Float64Array(2 * n);
    small.forward(x, out);
    expect(maxPowerDiffDb(out, ref)).toBeLessThan(0.01);
    // 12 × (3 × 512 KiB buffers + setup) ≈ 20 MB > the 16 MB initial WASM memory: forces growth
    const big: PffftBackend[] = [];
    for (let i = 0; i < 12; i++) big.push(new PffftBackend(65536));
    out.fill(0);
    small.forward(x, out);
    expect(maxPowerDiffDb(out, ref)).toBeLessThan(0.01);
    for (const b of big) b.dispose();
    small.dispose();
    small.dispose(); // idempotent
    expect(() => small.forward(x, out)).toThrow(/after dispose/);
  });

  it('fftw kernel: checks its buffers (type and length, named), writes prefix sums equal to the power\'s, throws after dispose()', () => {
    const n = 256;
    const w = new Float64Array(n).fill(1);
    const ok = () => [new Float32Array(2 * n), new Float32Array(n), new Float64Array(n + 1), new Float64Array(n)] as const;
    const [st, pw, pre, sum] = ok();
    expect(() => createNativeFrameKernel(n, w, 1, new Float32Array(2 * n - 2), pw, pre, sum)).toThrow(/stage must hold 512 elements, has 510/);
    // deliberately the wrong array type, which the addon must refuse at run time
    expect(() => createNativeFrameKernel(n, w, 1, st, new Float64Array(n) as unknown as Float32Array, pre, sum)).toThrow(/power has the wrong type/);
    expect(() => createNativeFrameKernel(n, w, 1, st, pw, new Float64Array(n), sum)).toThrow(/prefix must hold 257 elements/);
    expect(() => createNativeFrameKernel(100, new Float64Array(100), 1, st, pw, pre, sum)).toThrow(RangeError);
    // a tone on bin 5 of amplitude 1 with a rectangular window, norm 1/N²: power 1.0 at fftshifted index 5 + N/2
    const tone = new Float32Array(2 * n);
    for (let j = 0; j < n; j++) {
      tone[2 * j] = Math.cos((2 * Math.PI * 5 * j) / n);
      tone[2 * j + 1] = Math.sin((2 * Math.PI * 5 * j) / n);
    }
    // no DC removal; mode 2 | 4: power, prefix and Welch sum
    const kern = createNativeFrameKernel(n, w, 1 / (n * n), st, pw, pre, sum, false, 2 | 4);
    expect(kern.push(tone, 0, n)).toBe(2 * n + 1); // all n samples staged, one frame computed
    expect(pw[5 + n / 2]).toBeCloseTo(1, 5);
    let peak = 0;
    for (let i = 0; i < n; i++) if (i !== 5 + n / 2) peak = Math.max(peak, pw[i]);
    expect(peak).toBeLessThan(1e-10);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += pw[i];
      expect(pre[i + 1]).toBe(acc);
    }
    expect(sum[5 + n / 2]).toBeCloseTo(1, 5);
    // mode 0: the Welch sum only (power and prefix left alone)
    const sumOnly = createNativeFrameKernel(n, w, 1 / (n * n), new Float32Array(2 * n), new Float32Array(n), null, sum, false, 0);
    pw.fill(0);
    expect(sumOnly.push(tone, 0, n)).toBe(2 * n + 1);
    expect(sum[5 + n / 2]).toBeCloseTo(2, 5);
    expect(pw[5 + n / 2]).toBe(0);
    kern.dispose();
    kern.dispose(); // idempotent
    expect(() => kern.push(tone, 0, n)).toThrow(/after dispose/);
  });

  it('fftw engine: feeding blocks in odd ranges (push from/to) gives the very frames of whole blocks', () => {
    const bytes = new Uint8Array(readFileSync(capture('ambient_weather_F007TH_433.92M_250k.cu8'))).subarray(0, 2 * 200_000);
    const blocks = cu8Blocks(bytes, 250_000, 65536);
    const run = (split: boolean) => {
      const engine = new SpectrumEngine({ fftSize: 256, window: 'blackman-harris', average: 5, dcRemoval: true, fftBackend: 'fftw' }, { prefix: true });
      const frames: number[][] = [];
      const sink = {
        onShortFrame: (f: SpectrumFrame) => frames.push([f.firstSample, f.power[3], f.power[200], (f.prefix as Float64Array)[256]]),
        onSlowFrame: (f: SpectrumFrame) => frames.push([-f.firstSample, f.sampleCount, f.power[17], f.power[128]]),
      };
      const rng = new Prng(7);
      for (const b of blocks) {
        if (!split) {
          engine.push(b, sink);
          continue;
        }
        let from = 0;
        while (from < b.count) {
          const to = Math.min(b.count, from + 1 + Math.floor(rng.uniform() * 300));
          engine.push(b, sink, from, to);
          from = to;
        }
      }
      return frames;
    };
    const whole = run(false);
    expect(whole.length).toBe(Math.floor((200_000 - 256) / 128) + 1 + Math.floor((Math.floor((200_000 - 256) / 128) + 1) / 5));
    expect(run(true)).toEqual(whole);
  });

  it('SpectrumEngine: simulated RTL-SDR capture (2.4 MS/s cu8: noise, carriers, OOK, FM, GSM) → same short and slow frames within 0.01 dB', () => {
    const s = defaultScenario();
    s.rateSps = 2_400_000;
    s.durationS = 0.25;
    s.events = [
      { kind: 'ook', offsetHz: 120_000, snrDb: 30, startS: 0.02, durationS: 0.05 },
      { kind: 'fm', offsetHz: -60_000, snrDb: 25, startS: 0.1, durationS: 0.1 },
      { kind: 'gsm', offsetHz: 250_000, snrDb: 20, startS: 0.15, durationS: 0.08 },
    ];
    const total = Math.round(s.rateSps * s.durationS);
    const r = new ScenarioRenderer(s, total);
    expect(r.render(total)).toBe(total);
    const blocks = cu8Blocks(r.bytes, s.rateSps, 65536);
    for (const backend of ['pffft', 'fftw']) {
      for (const fftSize of [512, 1024, 2048, 4096]) {
        const d = compareEngines(blocks, fftSize, 16, backend);
        expect(d.shortFrames).toBe(Math.floor((total - fftSize) / (fftSize / 2)) + 1);
        expect(d.slowFrames).toBe(Math.floor(d.shortFrames / 16));
        expect(d.shortAll, `${backend} N=${fftSize}`).toBeLessThan(0.01);
        expect(d.slow, `${backend} N=${fftSize}`).toBeLessThan(0.01);
      }
    }
  });

  it('SpectrumEngine: real captures (dump1090 2 MS/s, F007TH 250 kS/s, 6.5 % clipping) → Welch frames within 0.01 dB; short frames within 0.01 dB down to 80 dB below their peak, 0.02 dB below that', () => {
    for (const [name, rate] of [['dump1090_modes1_1090M_2000k.cu8', 2_000_000], ['ambient_weather_F007TH_433.92M_250k.cu8', 250_000]] as const) {
      const bytes = new Uint8Array(readFileSync(capture(name)));
      const blocks = cu8Blocks(bytes, rate, 65536);
      for (const backend of ['pffft', 'fftw']) {
        for (const fftSize of [256, 1024, 4096]) {
          const d = compareEngines(blocks, fftSize, 8, backend);
          expect(d.shortFrames).toBeGreaterThan(30);
          expect(d.slow, `${backend} ${name} N=${fftSize}`).toBeLessThan(0.01);
          expect(d.short, `${backend} ${name} N=${fftSize}`).toBeLessThan(0.01);
          expect(d.shortAll, `${backend} ${name} N=${fftSize}`).toBeLessThan(0.02);
        }
      }
    }
  });
});
