// The stderr report of non-finite samples a recording held (replay, calibrate).
import { warnCoded, type Logger } from '../log.js';
import type { NonFiniteStats } from '../source/file-source.js';

/**
 * Says on stderr, in words, how many non-finite samples a recording held and what was done with them (nothing when
 * none): `nonFiniteSamples`, `nonFiniteRuns` and the first one's index and time go into the log line as fields.
 */
export function reportNonFinite(log: Logger, file: string, nf: Readonly<NonFiniteStats>, rateSps: number): void {
  if (nf.samples === 0) return;
  const firstS = Math.round((nf.firstSample / rateSps) * 1e6) / 1e6;
  const fields = { nonFiniteSamples: nf.samples, nonFiniteRuns: nf.runs, firstNonFiniteSample: nf.firstSample, firstNonFiniteS: firstS };
  warnCoded(log, { file, ...fields }, { id: 'warn.nonFinite', params: { path: file, ...fields } });
}
