// Sensor pipeline settings match the replay/calibrate flags (same fingerprint), and the settle length.
import { describe, expect, it } from 'vitest';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { sensorPipelineOptions, settleSamplesFor } from '../../src/site/sensor-pipeline.js';
import { DEFAULT_SETTLE_SAMPLES } from '../../src/pipeline.js';

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
