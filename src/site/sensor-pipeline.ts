// A sensor's PipelineOptions from site settings, and its settle length.
import type { SensorSettings, SiteSettings } from '../config/site-config.js';
import { defaultAverage, defaultFastFftSize, DEFAULT_SETTLE_SAMPLES, type PipelineOptions } from '../pipeline.js';
import { defaultWideBins } from '../spectrum/statistic.js';

/**
 * PipelineOptions of one sensor at the stream's rate: the same formulas as the replay/calibrate flags
 * (pipeline-flags.ts `pipelineOptions`), so a baseline recorded by either matches the other's fingerprint.
 */
export function sensorPipelineOptions(
  sensor: Pick<SensorSettings, 'fftSize' | 'detector'>,
  site: Pick<SiteSettings, 'spectrum' | 'bandPlan'>,
  rateSps: number,
): PipelineOptions {
  const fftSize = sensor.fftSize;
  const fastFftSize = site.spectrum.fastFftSize ?? defaultFastFftSize(fftSize);
  return {
    spectrum: { fftSize, window: site.spectrum.window, average: site.spectrum.average ?? defaultAverage(rateSps, fftSize), dcRemoval: site.spectrum.dcRemoval },
    fastFftSize,
    smoothBins: 3,
    wideBins: defaultWideBins(fftSize),
    fastWideBins: defaultWideBins(fastFftSize),
    bandPlan: site.bandPlan,
    detector: { ...sensor.detector },
  };
}

/** Samples discarded at stream start: max(DEFAULT_SETTLE_SAMPLES, round(settleS · rateSps)). */
export function settleSamplesFor(settleS: number, rateSps: number): number {
  return Math.max(DEFAULT_SETTLE_SAMPLES, Math.round(settleS * rateSps));
}
