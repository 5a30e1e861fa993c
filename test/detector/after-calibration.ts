// Learns the first seconds of a recording as a calibration, then returns what the detector closed after them: the
// shape of the end-to-end tests of the detector's rules on synthetic scenes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import type { Baseline } from '../../src/baseline/baseline.js';
import type { DetectionEvent } from '../../src/types.js';

/**
 * Writes `samples` to `dir/name` (the name carries the format, centre and rate, e.g. `x_433.92M_250k.cf32`), learns
 * its first `calibS` seconds as a calibration (a replay's learning window) and detects over the whole file.
 * @returns the baseline and the detections that closed with a start at or after `calibS` (s)
 */
export async function detectionsAfterCalibration(
  dir: string, name: string, samples: Buffer, rateSps: number, calibS: number,
): Promise<{ baseline: Baseline; dets: DetectionEvent[] }> {
  const file = path.join(dir, name);
  writeFileSync(file, samples);
  const opts = pipelineOptions({}, rateSps);
  const { baseline } = await learnBaseline(await openFileSource(file), opts, 'auto', { maxSamples: calibS * rateSps });
  const dets: DetectionEvent[] = [];
  await detect(await openFileSource(file), baseline, opts, (ev) => {
    if (ev.kind === 'close' && ev.startS >= calibS) dets.push(ev);
  });
  return { baseline, dets };
}
