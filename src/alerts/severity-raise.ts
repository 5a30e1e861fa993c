// The band rule of alert severity (docs/identification.md §13): an identified transmission whose class its band does
// not expect, or whose class is how cheating devices transmit in that band, ranks above the others of its severity.
import { expectation } from '../ident/band-expectation.js';
import type { SignalClass } from '../ident/classify.js';
import { LOW_CONFIDENCE } from '../text-template.js';
import type { SignalSummary } from '../ident/signal-summary.js';
import { raiseReason, type SeverityRaise } from './severity-rank.js';

/**
 * Whether an identified transmission at `centerHz` (absolute Hz) ranks above the others of its severity, and why:
 * - its class is not among the classes of its band ({@link expectation} `unexpected`): `raise.unexpected`;
 * - else its class is the one cheating devices use in that band (`suspect`): `raise.voice` / `raise.handset`.
 * Only a class of at least {@link LOW_CONFIDENCE} counts (a guess raises nothing), and only when the signal names a band
 * (`signal.band`: the sensor's centre is absolute); `unknown` never raises. The band is looked up afresh from
 * `centerHz` and the signal's class, so a grouped record (the class of its group's decider) is judged by that class.
 * Returns undefined when nothing raises it.
 */
export function severityRaiseFor(signal: Pick<SignalSummary, 'class' | 'confidence' | 'band'> | undefined, centerHz: number | undefined): SeverityRaise | undefined {
  if (signal === undefined || signal.band === undefined || centerHz === undefined) return undefined;
  if (signal.class === 'unknown' || !(signal.confidence >= LOW_CONFIDENCE)) return undefined;
  const exp = expectation(centerHz, signal.class as SignalClass);
  if (exp === undefined) return undefined;
  const params: Record<string, string> = { class: signal.class, band: exp.band };
  if (exp.unexpected) return raiseReason('raise.unexpected', { ...params, expected: exp.expected.join(', ') });
  if (exp.suspect !== undefined) return raiseReason(exp.suspect === 'voice' ? 'raise.voice' : 'raise.handset', params);
  return undefined;
}
