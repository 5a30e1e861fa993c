// The stderr report of non-finite samples a recording held (replay, calibrate).
import type { Logger } from '../log.js';
import type { NonFiniteStats } from '../source/file-source.js';

/**
 * Says on stderr, in words, how many non-finite samples a recording held and what was done with them (nothing when
 * none): `nonFiniteSamples`, `nonFiniteRuns` and the first one's index and time go into the log line as fields.
 */
export function reportNonFinite(log: Logger, file: string, nf: Readonly<NonFiniteStats>, rateSps: number): void {
  if (nf.samples === 0) return;
  const firstS = Math.round((nf.firstSample / rateSps) * 1e6) / 1e6;
  log.warn(
    { file, nonFiniteSamples: nf.samples, nonFiniteRuns: nf.runs, firstNonFiniteSample: nf.firstSample, firstNonFiniteS: firstS },
    `${file}: ${nf.samples} non-finite sample(s) (NaN, ±Inf or |x| ≥ 2^40) in ${nf.runs} run(s), the first at sample ${nf.firstSample} ` +
      `(${firstS} s): dropped, with every spectrum frame that would have held them, from the baseline and the detection; ` +
      'the analysis restarts after each run as after a gap in the stream',
  );
}
