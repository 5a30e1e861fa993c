// The spectrum as the browser is sent it: max-decimation of bins to points, and the baseline's threshold trace.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_OPTIONS } from '../src/detector/options.js';
import { baselineTraces, decimationFactor, maxDecimate } from '../src/spectrum-view.js';
import type { BaselinePath } from '../src/baseline/baseline.js';

describe('maxDecimate', () => {
  it('keeps the maximum of each group of bins (a one-bin burst stays visible) and converts to dBFS', () => {
    expect(decimationFactor(1024)).toBe(1);
    expect(decimationFactor(4096)).toBe(4);
    expect(decimationFactor(3000)).toBe(3);
    const lin = new Float32Array(4096).fill(1e-6);
    lin[1001] = 0.01; // one hot bin → point 250
    const out = new Float32Array(1024);
    maxDecimate(lin, 4, out, true);
    expect(out[250]).toBeCloseTo(-20, 4);
    expect(out[249]).toBeCloseTo(-60, 4);
    const db = Float32Array.from([1, NaN, NaN, NaN, -3, 2]);
    const o2 = new Float32Array(2);
    maxDecimate(db, 4, o2);
    expect(o2[0]).toBe(1);
    expect(o2[1]).toBe(2);
    const o3 = new Float32Array(1);
    maxDecimate(Float32Array.from([NaN, NaN]), 2, o3);
    expect(o3[0]).toBeNaN();
  });
});

describe('baselineTraces', () => {
  it('threshold = level + max(kSigma · spread, slowThresholdDb), NaN where the baseline is unusable', () => {
    const path = (level: number[], spread: number[]): BaselinePath => ({ levelDb: Float32Array.from(level), spreadDb: Float32Array.from(spread), frames: 100 });
    const b = { slow: path([-80, -70, NaN, -60], [0.5, 2, 1, 3]) };
    const t = baselineTraces(b, {});
    const k = DEFAULT_DETECTOR_OPTIONS.kSigma;
    const m = DEFAULT_DETECTOR_OPTIONS.slowThresholdDb;
    expect(Array.from(t.levelDb.subarray(0, 2))).toEqual([-80, -70]);
    expect(t.thresholdDb[0]).toBeCloseTo(-80 + Math.max(k * 0.5, m), 5); // 5 dB floor wins over 4 · 0.5
    expect(t.thresholdDb[1]).toBeCloseTo(-70 + k * 2, 5); // 8 dB spread term wins
    expect(t.thresholdDb[2]).toBeNaN();
    expect(baselineTraces(b, { slowThresholdDb: 20 }).thresholdDb[3]).toBeCloseTo(-40, 5);
  });
});
