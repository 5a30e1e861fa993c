// The `signal` object of a detection (src/ident/signal-summary.ts) from its identification: features rounded, the
// identified band's edges, and what the band plan expects there (docs/identification.md §7).
import type { Identification } from './classify.js';
import { expectation } from './band-expectation.js';
import { signalReason } from './reasons.js';
import type { SignalSummary } from './signal-summary.js';
import type { IqSourceInfo } from '../types.js';

const r = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * The `signal` object for an identification (frequencies to 1 Hz, durations to 1 µs, ratios to 0.001); `closestClass`
 * right after `class` when the identification named none (its best class below the class floor).
 */
export function signalSummary(id: Identification): SignalSummary {
  const f = id.features;
  // below the class floor the best class is a hint beside `unknown` (docs/identification.md §5a)
  const closest = id.closestClass !== undefined ? { closestClass: id.closestClass } : {};
  if (!f) return { class: id.class, ...closest, confidence: id.confidence, reason: id.reason, ...(id.reasonCode !== undefined ? { reasonCode: id.reasonCode } : {}) };
  const out: SignalSummary = {
    class: id.class,
    ...closest,
    confidence: id.confidence,
    bandwidthHz: r(f.bandwidthHz),
    deviationHz: r(f.deviationHz),
    snrDb: r(f.snrDb, 1),
    dutyCycle: r(f.dutyCycle, 3),
    bursts: f.bursts.count,
    burstMedianMs: r(f.bursts.medianS * 1000, 3),
    periodMedianMs: r(f.periods.medianS * 1000, 3),
    envelopeKurtosis: r(f.envelopeKurtosis, 3),
    modulationIndex: r(f.modulationIndex, 3),
    carrierFraction: r(f.carrierFraction, 3),
    tones: Math.max(f.tones, f.spectralTones),
    toneSpacingHz: r(f.toneSpacingHz),
    symbolRateBd: r(f.symbolRateBd),
    centerDriftHz: r(f.centerDriftHz),
    gapSnrDb: r(f.gapSnrDb, 1),
    reason: id.reason,
  };
  // the other tone of a 2-FSK whose keyed tone alone was detected (§4b): where it lies, for the evidence clip's band
  if (f.complementSpacingHz !== 0) out.complementSpacingHz = r(f.complementSpacingHz);
  if (id.reasonCode !== undefined) out.reasonCode = id.reasonCode;
  return out;
}

/**
 * The `signal` object of a detection at `centerHz` ({@link signalSummary}), the identified 99 % band's edges `lowHz` and
 * `highHz` (Hz, absolute when the source's centre is known, else offsets from it, as the detection's), `wholeBand` true
 * when the emission was analysed as the whole band (docs/identification.md §2) plus, when the
 * source's centre is absolute
 * (`info.centerKnown`), what the band expects there (`band`, `expected`, `unexpected`: docs/identification.md §7).
 */
export function describeSignal(id: Identification, centerHz: number, info: Pick<IqSourceInfo, 'centerKnown' | 'centerHz'>): SignalSummary {
  const summary = signalSummary(id);
  // the identified 99 % band's edges, in the detection's own frequency reference (absolute when the centre is known):
  // a slice of a band-wide emission is analysed as the whole band (§2), and its rows are joined by them (joined-rows.ts)
  if (id.features !== undefined) {
    const tunedHz = info.centerKnown ? info.centerHz : 0;
    summary.lowHz = r(tunedHz + id.features.lowHz);
    summary.highHz = r(tunedHz + id.features.highHz);
    if (id.features.wholeBand === true) summary.wholeBand = true;
  }
  // "nothing near <offset from the tuning centre>": with the centre known, the reason names the absolute frequency
  const rc = id.reasonCode;
  if (info.centerKnown && rc?.id === 'ident.noEmission') {
    const tuned = signalReason(rc.id, { ...rc.params, tunedHz: info.centerHz });
    summary.reasonCode = tuned.reasonCode;
    summary.reason = tuned.reason;
  }
  // what the band expects (absolute frequencies only): an emission of another class there is flagged
  const exp = info.centerKnown ? expectation(centerHz, id.class) : undefined;
  if (exp) {
    summary.band = exp.band;
    summary.expected = exp.expected;
    summary.unexpected = exp.unexpected;
  }
  return summary;
}

