// Identification's channel (src/ident/channel.ts): the quietband_dsp addon's FIR gives the JS loop's doubles bit for bit
// on a real capture at every decimation identification uses; a tone mixed to 0 Hz keeps its amplitude.
import { describe, expect, it } from 'vitest';
import { nativeFirDecimate } from '../../src/dsp/native-frame.js';
import { channelise, firDecimate, lowPassTaps } from '../../src/ident/channel.js';
import { captureIq } from '../helpers.js';

describe('channel FIR', () => {
  it('the addon equals the JS loop bit for bit (cardin capture, decimation 1, 4, 78: taps 127, 129, 2497)', () => {
    expect(nativeFirDecimate).not.toBeNull();
    const native = nativeFirDecimate as NonNullable<typeof nativeFirDecimate>;
    const count = 200_000;
    const iq = captureIq('cardin_S466-TX2_27.195M_250k.cu8', count);
    const mixed = Float64Array.from(iq);
    for (const d of [1, 4, 78]) {
      const h = lowPassTaps(0.45 / (2 * d), Math.max(127, 32 * d + 1) | 1);
      const outCount = Math.floor((count - h.length) / d) + 1;
      const a = new Float64Array(2 * outCount);
      const b = new Float64Array(2 * outCount);
      firDecimate(mixed, h, d, a, outCount);
      native(mixed, h, d, b, outCount);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      expect(a.some((v) => v !== 0)).toBe(true);
    }
  });

  it('refuses a mixed or out array too short for outCount', () => {
    const native = nativeFirDecimate as NonNullable<typeof nativeFirDecimate>;
    const h = new Float64Array(127);
    expect(() => native(new Float64Array(2 * 200), h, 1, new Float64Array(2 * 100), 100)).toThrow(/mixed holding/);
    expect(() => native(new Float64Array(2 * 300), h, 1, new Float64Array(10), 100)).toThrow(RangeError);
    expect(() => native(new Float64Array(2 * 300), h, 0, new Float64Array(400), 100)).toThrow(RangeError);
  });

  it('a tone at +10 kHz (1 MS/s) mixed to 0 Hz comes out at its amplitude, decimated to ≥ 4 × the channel width', () => {
    const rate = 1e6;
    const count = 100_000;
    const iq = new Float32Array(2 * count);
    for (let i = 0; i < count; i++) {
      iq[2 * i] = 0.5 * Math.cos((2 * Math.PI * 10_000 * i) / rate);
      iq[2 * i + 1] = 0.5 * Math.sin((2 * Math.PI * 10_000 * i) / rate);
    }
    const ch = channelise(iq, count, rate, 10_000, 5_000, 4);
    expect(ch.decimation).toBe(25); // ⌊1 MS/s / (4 · 2 · 5 kHz)⌋
    expect(ch.rateSps).toBe(40_000);
    for (const o of [0, ch.count >> 1, ch.count - 1]) {
      expect(Math.hypot(ch.iq[2 * o]!, ch.iq[2 * o + 1]!)).toBeCloseTo(0.5, 4);
    }
  });
});
