// Sensor pipeline settings match the replay/calibrate flags (same fingerprint); spectrum decimation and the threshold trace.
import { describe, expect, it } from 'vitest';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../../src/detector/options.js';
import { baselineTraces, decimationFactor, maxDecimate, sensorPipelineOptions, settleSamplesFor } from '../../src/site/sensor-pipeline.js';
import { DEFAULT_SETTLE_SAMPLES } from '../../src/pipeline.js';
import type { Baseline, BaselinePath } from '../../src/baseline/baseline.js';

const site = { spectrum: { window: 'hann' as const, dcRemoval: true }, bandPlan: 'CN' as const };

describe('sensorPipelineOptions', () => {
  it('equals what replay/calibrate build from the same flags, so their baselines fingerprint-match', () => {
    for (const [fftSize, rateSps] of [[1024, 250_000], [4096, 2_048_000], [512, 1_000_000]] as const) {
      const live = sensorPipelineOptions({ fftSize, detector: {} }, site, rateSps);
      const flags = pipelineOptions({ fftSize: String(fftSize) }, rateSps);
      expect(live).toEqual(flags);
    }
    const custom = sensorPipelineOptions({ fftSize: 2048, detector: { thresholdDb: 15 } }, { spectrum: { window: 'blackman-harris', average: 7, fastFftSize: 256, dcRemoval: false }, bandPlan: 'none' }, 1e6);
    expect(custom).toEqual(pipelineOptions({ fftSize: '2048', window: 'blackman-harris', average: '7', fastFftSize: '256', dcRemoval: false, bandPlan: 'none', thresholdDb: '15' }, 1e6));
  });

  it('settles for max(2048 samples, settleS · rate)', () => {
    expect(settleSamplesFor(0.25, 250_000)).toBe(62_500);
    expect(settleSamplesFor(0, 250_000)).toBe(DEFAULT_SETTLE_SAMPLES);
  });
});

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
    const b = { slow: path([-80, -70, NaN, -60], [0.5, 2, 1, 3]) } as unknown as Baseline;
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
