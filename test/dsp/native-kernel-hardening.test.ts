// quietband_dsp addon at its edges: SharedArrayBuffer-backed arrays, bound arrays detached by a transfer, bad sample
// indexes, and a stale addon build; each must give a plain error or a correct result, never a crash, memory corruption,
// a hung caller or a TypeError.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  createNativeClassifier, createNativeFrameKernel, createNativeLearnerKernel, DSP_ABI_VERSION, nativeConvertCu8,
  nativeFrameAvailable,
} from '../../src/dsp/native-frame.js';
import { DB_PER_OCTAVE, FAST_DB_TABLE } from '../../src/dsp/fast-db.js';
import { convertCu8Js } from '../../src/source/sample-formats.js';
import { SpectrumEngine } from '../../src/spectrum/spectrum-engine.js';
import type { SpectrumFrame } from '../../src/spectrum/frames.js';
import type { IqBlock } from '../../src/types.js';
import { capture } from '../helpers.js';

/** The first `count` samples of a real capture (x10 remote, 250 kS/s cu8) as float32 I/Q. */
function realSamples(count: number): Float32Array {
  const raw = new Uint8Array(readFileSync(capture('x10_HR12A_B1on_310M_250k.cu8')));
  const out = new Float32Array(2 * count);
  convertCu8Js(raw, out, count, 0);
  return out;
}

function block(samples: Float32Array, count: number): IqBlock {
  return { samples, count, centerHz: 310e6, rateSps: 250_000, firstSample: 0, tuneId: 1, clipFraction: 0, discontinuity: false };
}

/** Short frames (power and prefix copies) of an fftw engine fed one block. */
function shortFrames(samples: Float32Array, count: number, fftSize: number): { power: Float32Array; prefix: Float64Array }[] {
  const e = new SpectrumEngine({ fftSize, window: 'hann', average: 0, dcRemoval: true, fftBackend: 'fftw' }, { prefix: true });
  const out: { power: Float32Array; prefix: Float64Array }[] = [];
  e.push(block(samples, count), {
    onShortFrame: (f: SpectrumFrame) => out.push({ power: f.power.slice(), prefix: (f.prefix as Float64Array).slice() }),
    onSlowFrame: () => {},
  });
  return out;
}

describe('quietband_dsp addon hardening', () => {
  it('is loaded here (a stale or missing build would make every case below meaningless)', () => {
    expect(nativeFrameAvailable()).toBe(true);
  });

  it('reads samples held in a SharedArrayBuffer at a byte offset: the very frames of a plain copy', () => {
    const count = 16_384;
    const plain = realSamples(count);
    const shared = new Float32Array(new SharedArrayBuffer(plain.byteLength + 64), 64, 2 * count); // with a byte offset
    shared.set(plain);
    const a = shortFrames(plain, count, 256);
    const b = shortFrames(shared, count, 256);
    expect(a.length).toBe(127); // (16384 − 256) / 128 + 1
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      expect(Buffer.from(b[i].power.buffer).equals(Buffer.from(a[i].power.buffer))).toBe(true);
      expect(b[i].prefix[256]).toBe(a[i].prefix[256]);
    }
    // cu8 conversion from a shared byte buffer: the JS table's values and clip fraction
    const raw = new Uint8Array(readFileSync(capture('x10_HR12A_B1on_310M_250k.cu8')));
    const rawShared = new Uint8Array(new SharedArrayBuffer(raw.length));
    rawShared.set(raw);
    const pairs = (raw.length - 2) / 2;
    const ref = new Float32Array(2 * pairs);
    const got = new Float32Array(2 * pairs);
    const clipJs = convertCu8Js(raw, ref, pairs, 2);
    const cu8 = nativeConvertCu8 as NonNullable<typeof nativeConvertCu8>;
    expect(cu8(rawShared, got, pairs, 2)).toBe(clipJs);
    expect(clipJs).toBeGreaterThan(0.01); // the x10 capture has 8.8 % of its bytes at the rails
    expect(Buffer.from(got.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
  });

  it('throws, naming the array, when a sink transfers frame.power away (instead of writing into the freed buffer)', () => {
    const count = 8192;
    const samples = realSamples(count);
    const e = new SpectrumEngine({ fftSize: 256, window: 'hann', average: 4, dcRemoval: true, fftBackend: 'fftw' }, { prefix: true });
    let frames = 0;
    const sink = {
      onShortFrame: (f: SpectrumFrame) => {
        frames++;
        if (frames === 3) structuredClone(f.power.buffer, { transfer: [f.power.buffer] }); // e.g. postMessage(power, [power.buffer])
      },
      onSlowFrame: () => {},
    };
    expect(() => e.push(block(samples, count), sink)).toThrow(/FrameKernel: power was detached \(transferred\)/);
    expect(frames).toBe(3); // stopped at the next frame, before the kernel wrote anything
  });

  it('the batched calls throw, naming the array, when the result array was transferred away (they write into it)', () => {
    const n = 64;
    const result = new Float64Array(2);
    const k = createNativeFrameKernel(n, new Float64Array(n).fill(1), 1, new Float32Array(2 * n), new Float32Array(n),
      new Float64Array(n + 1), null, true, 2, result);
    const samples = realSamples(4096);
    expect(k.pushSkip(samples, 0, 4096, 3)).toBe(2 * (64 + 3 * 32) + 1); // frames ending at 64, 96, 128 passed over; 160 computed
    expect(result[0]).toBe(3);
    structuredClone(result.buffer, { transfer: [result.buffer] });
    expect(() => k.pushSkip(samples, 0, 4096, 3)).toThrow(/FrameKernel: result was detached \(transferred\)/);
    expect(() => k.pushMany(samples, 0, 4096, 2)).toThrow(/FrameKernel: result was detached/);
    expect(() => k.pushGated(samples, 0, 4096, false)).toThrow(/FrameKernel: result was detached/);
  });

  it('classifier and learner kernel throw, naming the array, when the frame prefix sum they read was transferred away', () => {
    const n = 64;
    const prefix = new Float64Array(n + 1);
    for (let b = 0; b <= n; b++) prefix[b] = b * 2e-6; // 2e-6 per bin: −56.99 dB
    const hot = new Uint8Array(n);
    const stat = new Float32Array(n);
    const c = createNativeClassifier(n, 2, 5, new Float32Array(n).fill(1e-7), new Float32Array(n).fill(5e-8),
      new Float32Array(n).fill(1e-3), hot, stat, prefix);
    expect(c).not.toBeNull();
    const cls = c as NonNullable<typeof c>;
    expect(cls.run()).toBe(6); // every bin over the narrow open level: code 2 | 4
    expect(stat[10]).toBeCloseTo(2e-6, 12);
    const cells = 1160;
    const countsN = new Uint32Array(n * cells);
    const countsW = new Uint32Array(n * cells);
    const lk = createNativeLearnerKernel(n, 2, 5, cells, 0.25, -160, FAST_DB_TABLE, countsN, countsW, prefix, DB_PER_OCTAVE);
    const learner = lk as NonNullable<typeof lk>;
    learner.add();
    // −56.99 dB lands in cell ⌊(−56.99 + 160)/0.25⌋ = 412 of both histograms (fast-db error < 0.005 dB = 0.02 cell)
    expect(countsN[412 * n + 10]).toBe(1); // cell-major: counts[cell · bins + bin]
    expect(countsW[412 * n + 10]).toBe(1);
    structuredClone(prefix.buffer, { transfer: [prefix.buffer] });
    expect(() => cls.run()).toThrow(/Classifier: prefix was detached/);
    expect(() => learner.add()).toThrow(/LearnerKernel: prefix was detached/);
    expect(() => learner.median(new Float32Array(n))).toThrow(/LearnerKernel: prefix was detached/);
  });

  it('refuses sample indexes that are not integers in 0..2^53 (a fractional `to` made push consume nothing: a caller loop spun forever)', () => {
    const n = 64;
    const k = createNativeFrameKernel(n, new Float64Array(n).fill(1), 1, new Float32Array(2 * n), new Float32Array(n), null, null);
    const s = new Float32Array(2 * n);
    expect(k.push(s, 0, 10)).toBe(20); // 10 samples staged, no frame yet
    for (const [from, to] of [[0, 2.5], [0, Infinity], [Number.NaN, 4], [-1, 2], [0, 2 ** 62]]) {
      expect(() => k.push(s, from, to)).toThrow(RangeError);
    }
    expect(() => k.push(s, 0, 65)).toThrow(/2·to values/); // beyond the samples
    expect(k.push(s, 10, 64)).toBe(2 * 54 + 1); // the frame completes: staging was not disturbed by the refusals
    const cu8 = nativeConvertCu8 as NonNullable<typeof nativeConvertCu8>;
    expect(() => cu8(new Uint8Array(100), new Float32Array(100), 1.5, 0)).toThrow(RangeError);
  });

  it('refuses a stale addon build (missing methods this code calls) with a rebuild hint, and spectra fall back to pffft', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-dsp-abi-'));
    // what an addon built from the first frame-kernel.cc exported: FrameKernel (frame only) and fftwVersion
    const stale = path.join(dir, 'stale.cjs');
    writeFileSync(stale, 'module.exports = { FrameKernel: class {}, fftwVersion: "fftw-3.3.10" };\n');
    const current = path.join(dir, 'current.cjs');
    writeFileSync(current, `module.exports = { FrameKernel: class {}, fftwVersion: "x", abiVersion: ${DSP_ABI_VERSION} };\n`);
    const saved = process.env.QUIETBAND_DSP_ADDON;
    try {
      process.env.QUIETBAND_DSP_ADDON = stale;
      vi.resetModules();
      const nf = await import('../../src/dsp/native-frame.js');
      const fft = await import('../../src/dsp/fft.js');
      expect(nf.nativeFrameAvailable()).toBe(false);
      expect(nf.nativeFrameLoadError()).toMatch(/stale.*npm run build:native/);
      expect(nf.nativeConvertCu8).toBeNull();
      expect(fft.DEFAULT_FFT_BACKEND).toBe('pffft');
      process.env.QUIETBAND_DSP_ADDON = current;
      vi.resetModules();
      const nf2 = await import('../../src/dsp/native-frame.js');
      expect(nf2.nativeFrameAvailable()).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.QUIETBAND_DSP_ADDON;
      else process.env.QUIETBAND_DSP_ADDON = saved;
      vi.resetModules();
    }
  });
});
