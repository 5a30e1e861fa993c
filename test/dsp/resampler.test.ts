// The clip band filter with known tones: passband gain, stopband attenuation of what folds back, mixer shift, streaming.
import { describe, expect, it } from 'vitest';
import { nativePolyphaseRun } from '../../src/dsp/native-frame.js';
import { Mixer, PolyphaseResampler, designLowpass, kaiserBeta, kaiserTapCount } from '../../src/dsp/resampler.js';
import { captureIq } from '../helpers.js';

const IN = 2.4e6;

/** `n` samples of a complex tone e^{j2π f t} at `rate`, amplitude `a`. */
function tone(f: number, rate: number, n: number, a = 1): Float32Array {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const ph = (2 * Math.PI * f * i) / rate;
    x[2 * i] = a * Math.cos(ph);
    x[2 * i + 1] = a * Math.sin(ph);
  }
  return x;
}

/** Amplitude of the complex tone at `f` in y[from … from + n) (a DFT bin: exact when f·n/rate is whole). */
function amplitudeAt(y: Float32Array, from: number, n: number, f: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let m = 0; m < n; m++) {
    const ph = (-2 * Math.PI * f * (from + m)) / rate;
    const c = Math.cos(ph);
    const s = Math.sin(ph);
    const I = y[2 * (from + m)]!;
    const Q = y[2 * (from + m) + 1]!;
    re += I * c - Q * s;
    im += I * s + Q * c;
  }
  return Math.hypot(re, im) / n;
}

const dB = (a: number): number => 20 * Math.log10(a);

/** 2.4 MS/s → 250 kS/s (5/48), passband ±105 kHz, stopband from 145 kHz, 60 dB: the 200 kHz clip's filter. */
function resample(f: number, inSamples = 480_000): { y: Float32Array; n: number; rs: PolyphaseResampler } {
  const rs = new PolyphaseResampler({ inRateSps: IN, up: 5, down: 48, passbandHz: 105e3, stopbandHz: 145e3, attenuationDb: 60 });
  const x = tone(f, IN, inSamples);
  const y = new Float32Array(2 * rs.maxOutput(inSamples));
  // fed in uneven pieces: the state carries across calls
  let n = 0;
  const piece = new Float32Array(y.length);
  for (let at = 0; at < inSamples; ) {
    const k = Math.min(inSamples - at, 7777 + (at % 1000));
    const got = rs.process(x.subarray(2 * at), k, piece);
    y.set(piece.subarray(0, 2 * got), 2 * n);
    n += got;
    at += k;
  }
  return { y, n, rs };
}

describe('Kaiser design (Oppenheim & Schafer 7.62-7.63)', () => {
  it('β and length for 60 dB, and a lowpass whose taps sum to the gain', () => {
    expect(kaiserBeta(60)).toBeCloseTo(5.653, 3);
    // Δf = 40 kHz at 12 MS/s (L = 5): (60 − 8) / (2.285 · 2π · 40e3 / 12e6) = 1087 → 1089 taps (odd)
    expect(kaiserTapCount(60, 40e3, 12e6)).toBe(1089);
    const h = designLowpass({ rateSps: 12e6, passbandHz: 105e3, stopbandHz: 145e3, attenuationDb: 60, gain: 5 });
    expect(h.length).toBe(1089);
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(5, 9);
    // linear phase: symmetric
    expect(h[0]).toBeCloseTo(h[h.length - 1]!, 12);
  });
});

describe('PolyphaseResampler 2.4 MS/s → 250 kS/s', () => {
  it('passes tones in ±105 kHz at 0 dB ± 0.05 dB', () => {
    for (const f of [0, 30e3, -60e3, 100e3, -104e3]) {
      const { y, n } = resample(f);
      expect(n).toBe(50_000);
      const a = amplitudeAt(y, 1000, 25_000, f, 250e3);
      expect(Math.abs(dB(a))).toBeLessThan(0.05);
    }
  });

  it('attenuates tones from 145 kHz on (they fold into the passband) by ≥ 59 dB', () => {
    // 160 kHz folds to −90 kHz, −200 kHz to +50 kHz, 1 MHz to 0 Hz
    for (const [f, alias] of [[160e3, -90e3], [-200e3, 50e3], [1e6, 0], [150e3, -100e3]] as const) {
      const { y } = resample(f);
      const a = amplitudeAt(y, 1000, 25_000, alias, 250e3);
      expect(dB(a)).toBeLessThan(-59);
    }
  });

  it('group delay (N − 1)/(2M) outputs: a step reaches half its height there', () => {
    const rs = new PolyphaseResampler({ inRateSps: IN, up: 5, down: 48, passbandHz: 105e3, stopbandHz: 145e3, attenuationDb: 60 });
    expect(rs.prototypeTaps).toBe(1089);
    expect(rs.tapsPerPhase).toBe(218);
    expect(rs.delayOutSamples).toBeCloseTo(1088 / 96, 9);
    const x = new Float32Array(2 * 4800);
    for (let i = 2400; i < 4800; i++) x[2 * i] = 1; // step at input 2400 = output 250
    const y = new Float32Array(2 * rs.maxOutput(4800));
    const n = rs.process(x, 4800, y);
    expect(n).toBe(500);
    const half = 250 + rs.delayOutSamples;
    expect(y[2 * Math.floor(half)]!).toBeLessThan(0.5);
    expect(y[2 * Math.ceil(half)]!).toBeGreaterThan(0.5);
  });
});

describe('PolyphaseResampler in the quietband_dsp addon', () => {
  it('gives the JS loop\'s floats bit for bit on a real capture (250 kS/s: 1/10, 1/4, 5/24, 125/2048), fed in uneven calls', () => {
    expect(nativePolyphaseRun).not.toBeNull();
    const count = 150_000;
    const iq = captureIq('cardin_S466-TX2_27.195M_250k.cu8', count);
    for (const [up, down] of [[1, 10], [1, 4], [5, 24], [125, 2048]] as const) {
      const out = (L: number, M: number, native: boolean): Float32Array => {
        const outRate = (250_000 * L) / M;
        const r = new PolyphaseResampler({ inRateSps: 250_000, up: L, down: M, passbandHz: 0.42 * outRate, stopbandHz: 0.58 * outRate, attenuationDb: 60, stepSamples: 7_000, native });
        const y = new Float32Array(2 * r.maxOutput(count) + 64);
        let n = 0;
        // calls of 1, 999, 33 333 … samples: the history and the phase carry across calls and steps
        for (let done = 0, k = 0; done < count; k++) {
          const take = Math.min([1, 999, 33_333, 12_345][k % 4]!, count - done);
          n += r.process(iq.subarray(2 * done), take, y.subarray(2 * n));
          done += take;
        }
        return y.subarray(0, 2 * n);
      };
      const js = out(up, down, false);
      const native = out(up, down, true);
      expect(native.length).toBe(js.length);
      expect(native.length).toBeGreaterThan((2 * count * up) / down - 4);
      expect(Buffer.from(native.buffer, native.byteOffset, native.byteLength).equals(Buffer.from(js.buffer, js.byteOffset, js.byteLength))).toBe(true);
    }
  });

  it('refuses a state out of range and an output too short', () => {
    const run = nativePolyphaseRun as NonNullable<typeof nativePolyphaseRun>;
    const buf = new Float32Array(2 * 100);
    const ph = new Float32Array(4 * 10);
    expect(() => run(buf, 100, ph, 10, 4, 3, Float64Array.of(2, 0, 0), new Float32Array(1000))).toThrow(/n ≥ K − 1/);
    expect(() => run(buf, 100, ph, 10, 4, 3, Float64Array.of(9, 4, 0), new Float32Array(1000))).toThrow(RangeError);
    expect(() => run(buf, 100, ph, 10, 4, 3, Float64Array.of(9, 0, 0), new Float32Array(20))).toThrow(/output too short/);
    expect(() => run(buf, 101, ph, 10, 4, 3, Float64Array.of(9, 0, 0), new Float32Array(1000))).toThrow(/2·fill/);
  });
});

describe('Mixer', () => {
  it('moves a tone at +shift to 0 Hz, phase-continuous across calls', () => {
    const mx = new Mixer(123_456, IN);
    const x = tone(123_456 + 1000, IN, 48_000);
    const out = new Float32Array(x.length);
    for (let at = 0; at < 48_000; at += 4000) mx.process(x.subarray(2 * at), 4000, out.subarray(2 * at));
    expect(amplitudeAt(out, 0, 24_000, 1000, IN)).toBeCloseTo(1, 5);
    expect(amplitudeAt(out, 24_000, 24_000, 1000, IN)).toBeCloseTo(1, 5);
  });
  it('reads from a complex sample offset of its input (a ring) the same as from a view of it', () => {
    const x = tone(50_000 + 700, IN, 20_000);
    const viaView = new Float32Array(2 * 5000);
    const viaOffset = new Float32Array(2 * 5000);
    const a = new Mixer(50_000, IN);
    const b = new Mixer(50_000, IN);
    a.process(x.subarray(2 * 3000), 5000, viaView);
    b.process(x, 5000, viaOffset, 3000);
    expect(Array.from(viaOffset)).toEqual(Array.from(viaView));
    expect(amplitudeAt(viaOffset, 0, 5000, 700, IN)).toBeCloseTo(1, 4);
  });
});
