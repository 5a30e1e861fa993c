// The frame kernel's batched calls (pushMany for Welch-only engines, pushGated with the detector's classifier) give
// the very frames, sums and classifications of one push() per frame, on a real capture.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNativeClassifier, createNativeFrameKernel, nativeFrameAvailable } from '../../src/dsp/native-frame.js';
import { makeWindow, windowSum } from '../../src/dsp/window.js';
import { convertCu8Js } from '../../src/source/sample-formats.js';
import { SpectrumEngine } from '../../src/spectrum/spectrum-engine.js';
import type { ShortFrameGate, SpectrumFrame } from '../../src/spectrum/frames.js';
import type { IqBlock } from '../../src/types.js';
import { capture } from '../helpers.js';

const N = 256;
/** The whole x10 remote capture (250 kS/s cu8, 196 608 samples = 0.79 s): six packets over a quiet band. */
const COUNT = 196_608;

function realSamples(count: number): Float32Array {
  const raw = new Uint8Array(readFileSync(capture('x10_HR12A_B1on_310M_250k.cu8')));
  const out = new Float32Array(2 * count);
  convertCu8Js(raw, out, count, 0);
  return out;
}

/** A kernel over fresh buffers (mode 2 = power + prefix, or 0|4 = Welch sum only) with a result array. */
function kernel(mode: number) {
  const window = makeWindow('hann', N);
  const ws = windowSum(window);
  const bufs = {
    stage: new Float32Array(2 * N), power: new Float32Array(N), prefix: new Float64Array(N + 1), sum: new Float64Array(N),
    result: new Float64Array(2),
  };
  const k = createNativeFrameKernel(N, window, 1 / (ws * ws), bufs.stage, bufs.power, bufs.prefix, bufs.sum, true, mode, bufs.result);
  return { k, ...bufs };
}

/**
 * Thresholds from the capture's own median level per bin: open 16 dB, release 12 dB, wide open 12 dB above it; a guard
 * of ±2 bins around DC (+∞), as the detector makes them.
 */
function thresholds(frames: Float32Array[]) {
  const open = new Float32Array(N);
  const release = new Float32Array(N);
  const wideOpen = new Float32Array(N);
  for (let b = 0; b < N; b++) {
    const v = frames.map((f) => f[b]).sort((x, y) => x - y)[frames.length >> 1];
    const guard = Math.abs(b - N / 2) <= 2;
    open[b] = guard ? Infinity : v * 10 ** 1.6;
    release[b] = guard ? Infinity : v * 10 ** 1.2;
    wideOpen[b] = guard ? Infinity : v * 10 ** 1.2;
  }
  return { open, release, wideOpen };
}

/** The capture cut into blocks of `size` samples (the last one shorter), the first numbered `first`. */
function blocksOf(samples: Float32Array, size: number, first: number): IqBlock[] {
  const blocks: IqBlock[] = [];
  for (let from = 0; from < COUNT; from += size) {
    const count = Math.min(size, COUNT - from);
    blocks.push({ samples: samples.subarray(2 * from, 2 * (from + count)), count, centerHz: 310e6, rateSps: 250_000,
      firstSample: first + from, tuneId: 1, clipFraction: 0, discontinuity: false });
  }
  return blocks;
}

describe('frame kernel batches', () => {
  it('the addon is built here', () => {
    expect(nativeFrameAvailable()).toBe(true);
  });

  const samples = realSamples(COUNT);
  const framesTotal = Math.floor((COUNT - N) / (N / 2)) + 1; // 1534

  // reference: one push() per frame, every frame's power and prefix kept
  const ref = kernel(2);
  const refPower: Float32Array[] = [];
  const refPrefix: Float64Array[] = [];
  for (let i = 0; i < COUNT;) {
    const r = ref.k.push(samples, i, COUNT);
    i += Math.floor(r / 2);
    if (r % 2 === 1) {
      refPower.push(ref.power.slice());
      refPrefix.push(ref.prefix.slice());
    }
  }

  it('push(): one frame per call, every hop', () => {
    expect(refPower.length).toBe(framesTotal);
  });

  it('pushMany(): the same Welch sums as one push() per frame, never more frames per call than asked', () => {
    const one = kernel(4 | 0); // Welch sum only
    let framesOne = 0;
    for (let i = 0; i < COUNT;) {
      const r = one.k.push(samples, i, COUNT);
      i += Math.floor(r / 2);
      framesOne += r % 2;
    }
    const many = kernel(4 | 0);
    const perCall: number[] = [];
    // odd ranges (7 777 samples) and at most 37 frames per call
    for (let from = 0; from < COUNT; from += 7777) {
      const to = Math.min(COUNT, from + 7777);
      for (let i = from; i < to;) {
        const took = many.k.pushMany(samples, i, to, 37);
        i += took;
        perCall.push(many.result[0]);
        if (took === 0) break;
      }
    }
    expect(framesOne).toBe(framesTotal);
    expect(perCall.reduce((a, b) => a + b, 0)).toBe(framesTotal);
    expect(Math.max(...perCall)).toBe(37);
    expect(Buffer.from(many.sum.buffer).equals(Buffer.from(one.sum.buffer))).toBe(true);
    // the sum is the float32 powers' sum: bin 10's mean power is a plausible noise level (−70 … −20 dBFS)
    const meanDb = 10 * Math.log10(one.sum[10] / framesTotal);
    expect(meanDb).toBeGreaterThan(-70);
    expect(meanDb).toBeLessThan(-20);
    expect(() => many.k.pushMany(samples, 0, 10, 0)).toThrow(/maxFrames ≥ 1/);
  });

  it('pushGated(): passAll gives every frame with the classifier\'s own code; otherwise only the hot frames come back', () => {
    const { open, release, wideOpen } = thresholds(refPower);
    // codes of every reference frame through Classifier.run()
    const refHot = new Uint8Array(N);
    const refStat = new Float32Array(N);
    const refPre = new Float64Array(N + 1);
    const refClassifier = createNativeClassifier(N, 1, 8, open, release, wideOpen, refHot, refStat, refPre)!;
    const codes = refPrefix.map((p) => {
      refPre.set(p);
      return refClassifier.run();
    });
    const hotFrames = codes.filter((c) => c !== 0).length;
    // the six packets make a few dozen hot frames out of 1561
    expect(hotFrames).toBeGreaterThan(20);
    expect(hotFrames).toBeLessThan(framesTotal / 2);

    for (const passAll of [true, false]) {
      const g = kernel(2);
      const hot = new Uint8Array(N);
      const stat = new Float32Array(N);
      const c = createNativeClassifier(N, 1, 8, open, release, wideOpen, hot, stat, g.prefix)!;
      g.k.attach(c);
      const delivered: { index: number; code: number }[] = [];
      let index = 0;
      let skipped = 0;
      for (let i = 0; i < COUNT;) {
        const r = g.k.pushGated(samples, i, COUNT, passAll);
        i += Math.floor(r / 2);
        index += g.result[0];
        skipped += g.result[0];
        if (r % 2 === 1) {
          delivered.push({ index, code: g.result[1] });
          // the frame in place is the reference frame, classified
          expect(Buffer.from(g.power.buffer).equals(Buffer.from(refPower[index].buffer))).toBe(true);
          if (g.result[1] !== 0) {
            refPre.set(refPrefix[index]);
            refClassifier.run();
            expect(hot).toEqual(refHot);
            expect(stat).toEqual(refStat);
          }
          index++;
        }
      }
      expect(index).toBe(framesTotal);
      if (passAll) {
        expect(skipped).toBe(0);
        expect(delivered.map((d) => d.code)).toEqual(codes);
      } else {
        expect(skipped).toBe(framesTotal - hotFrames);
        expect(delivered.map((d) => d.index)).toEqual(codes.flatMap((x, i) => (x !== 0 ? [i] : [])));
        expect(delivered.every((d) => d.code === codes[d.index])).toBe(true);
      }
    }
  });

  it('pushSkip(): the frames after those passed over are the very frames of push() (the DC estimate kept running)', () => {
    const k = kernel(2);
    const got: { index: number; power: Float32Array }[] = [];
    let index = 0;
    let call = 0;
    for (let i = 0; i < COUNT;) {
      const skip = [0, 1, 7, 3][call++ % 4];
      const r = k.k.pushSkip(samples, i, COUNT, skip);
      i += Math.floor(r / 2);
      index += k.result[0];
      if (r % 2 === 1) {
        got.push({ index, power: k.power.slice() });
        index++;
      }
    }
    expect(index).toBe(framesTotal);
    // skips of 0, 1, 7, 3 frames: 4 frames computed per 15
    expect(got.length).toBeGreaterThan(Math.floor((framesTotal * 4) / 15) - 2);
    expect(got.length).toBeLessThan(Math.ceil((framesTotal * 4) / 15) + 2);
    for (const g of got) expect(Buffer.from(g.power.buffer).equals(Buffer.from(refPower[g.index].buffer))).toBe(true);
  });

  it('float samples whose sums round (cf32): the very same frames however the stream is cut into pushes', () => {
    // values spanning 2^-40 … 2^8 with full 24-bit mantissas: their double sums are not exact, so the order counts
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const count = 20_000;
    const f = new Float32Array(2 * count);
    for (let i = 0; i < f.length; i++) f[i] = (rnd() - 0.3) * 2 ** Math.floor(rnd() * 48 - 40);
    // and now and then ±2^53 around two 1s: whether a 1 survives depends on which partial sum holds the 2^53
    for (let i = 300; i + 4 < count; i += 1021) {
      f[2 * i] = 2 ** 53;
      f[2 * i + 2] = 1;
      f[2 * i + 4] = -(2 ** 53);
      f[2 * i + 6] = 1;
    }
    const framesOf = (cut: number[]): Float32Array[] => {
      const k = kernel(2);
      const out: Float32Array[] = [];
      let from = 0;
      let c = 0;
      while (from < count) {
        const to = Math.min(count, from + cut[c++ % cut.length]);
        for (let i = from; i < to;) {
          const r = k.k.push(f, i, to);
          i += Math.floor(r / 2);
          if (r % 2 === 1) out.push(k.power.slice());
        }
        from = to;
      }
      return out;
    };
    const whole = framesOf([count]);
    expect(whole.length).toBe(Math.floor((count - N) / (N / 2)) + 1);
    for (const cut of [[1], [7, 3, 128], [4097], [129, 127]]) {
      const got = framesOf(cut);
      expect(got.length).toBe(whole.length);
      for (let i = 0; i < whole.length; i++) expect(Buffer.from(got[i].buffer).equals(Buffer.from(whole[i].buffer))).toBe(true);
    }
  });

  it('attach() refuses a classifier over another prefix array, and pushGated() needs one', () => {
    const g = kernel(2);
    const t = new Float32Array(N).fill(1);
    const other = createNativeClassifier(N, 1, 8, t, t, t, new Uint8Array(N), new Float32Array(N), new Float64Array(N + 1))!;
    expect(() => g.k.attach(other)).toThrow(/own prefix sum/);
    expect(() => g.k.pushGated(samples, 0, 1000, false)).toThrow(/before attach/);
    const welch = kernel(4);
    const mine = createNativeClassifier(N, 1, 8, t, t, t, new Uint8Array(N), new Float32Array(N), welch.prefix)!;
    expect(() => welch.k.attach(mine)).toThrow(/mode 2/);
  });

  it('a gated engine skips exactly the cold frames, reports them in stream order, and delivers the hot ones unchanged', () => {
    const { open, release, wideOpen } = thresholds(refPower);
    const opts = { fftSize: N, window: 'hann' as const, average: 0, dcRemoval: true, fftBackend: 'fftw' };
    // blocks of 30 001 samples, numbered from 5 000 000 (sample indices are absolute)
    const blocks = blocksOf(samples, 30_001, 5_000_000);
    const plain = new SpectrumEngine(opts, { prefix: true });
    const all: number[] = [];
    for (const b of blocks) plain.push(b, { onShortFrame: (f: SpectrumFrame) => all.push(f.firstSample), onSlowFrame: () => {} });

    const gated = new SpectrumEngine(opts, { prefix: true });
    const hot = new Uint8Array(N);
    const c = createNativeClassifier(N, 1, 8, open, release, wideOpen, hot, new Float32Array(N), gated.prefixSum!)!;
    const seen: number[] = [];
    const deliveredAt: number[] = [];
    const gate: ShortFrameGate = {
      classifier: c,
      code: -1,
      onSkipped: (count, firstSample, hop, fftSize) => {
        expect(fftSize).toBe(N);
        for (let j = 0; j < count; j++) seen.push(firstSample + j * hop);
      },
    };
    expect(gated.setGate(gate)).toBe(true);
    for (const b of blocks) {
      gated.push(b, {
        onShortFrame: (f: SpectrumFrame) => {
          expect(gate.code).toBeGreaterThan(0);
          const i = all.indexOf(f.firstSample);
          expect(Buffer.from(f.power.buffer).equals(Buffer.from(refPower[i].buffer))).toBe(true);
          seen.push(f.firstSample);
          deliveredAt.push(f.firstSample);
          gate.code = -1;
        },
        onSlowFrame: () => {},
      });
    }
    expect(all.length).toBe(framesTotal);
    expect(seen).toEqual(all);
    expect(deliveredAt.length).toBeGreaterThan(20);
    expect(deliveredAt.length).toBeLessThan(framesTotal / 2);
    // an engine that cannot gate says so: another backend
    expect(new SpectrumEngine({ ...opts, fftBackend: 'pffft' }, { prefix: true }).setGate(gate)).toBe(false);
  });

  it('a gated engine that also averages (the burst path) delivers the very averages of an ungated one, skipped frames included', () => {
    const { open, release, wideOpen } = thresholds(refPower);
    const opts = { fftSize: N, window: 'hann' as const, average: 4, dcRemoval: true, fftBackend: 'fftw' };
    const blocks = blocksOf(samples, 7_777, 0);
    type Avg = { firstSample: number; sampleCount: number; power: Buffer };
    const run = (gated: boolean) => {
      const engine = new SpectrumEngine(opts, { prefix: true });
      if (gated) {
        const hot = new Uint8Array(N);
        const c = createNativeClassifier(N, 1, 8, open, release, wideOpen, hot, new Float32Array(N), engine.prefixSum!)!;
        expect(engine.setGate({ classifier: c, code: -1, onSkipped: () => {} })).toBe(true);
      }
      const avgs: Avg[] = [];
      let shorts = 0;
      for (const b of blocks) {
        engine.push(b, {
          onShortFrame: () => shorts++,
          onSlowFrame: (f: SpectrumFrame) => avgs.push({ firstSample: f.firstSample, sampleCount: f.sampleCount, power: Buffer.from(f.power.slice().buffer) }),
        });
      }
      return { avgs, shorts };
    };
    const plain = run(false);
    const gated = run(true);
    // 1534 frames: 383 averages of 4, each spanning 4 hops + half a frame's overlap = 640 samples
    expect(plain.avgs.length).toBe(Math.floor(framesTotal / 4));
    expect(plain.avgs[1].firstSample - plain.avgs[0].firstSample).toBe(4 * (N / 2));
    expect(plain.avgs[0].sampleCount).toBe(3 * (N / 2) + N);
    expect(gated.shorts).toBeLessThan(plain.shorts / 2);
    expect(gated.avgs.length).toBe(plain.avgs.length);
    for (let i = 0; i < plain.avgs.length; i++) {
      expect(gated.avgs[i].firstSample).toBe(plain.avgs[i].firstSample);
      expect(gated.avgs[i].sampleCount).toBe(plain.avgs[i].sampleCount);
      expect(gated.avgs[i].power.equals(plain.avgs[i].power)).toBe(true);
    }
  });
});
