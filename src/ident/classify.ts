// Rule-based modulation classifier over SignalFeatures: a class, a confidence and the rule that decided (docs/identification.md §5).
import { extractFeatures, type IdentInput, type SignalFeatures } from './features.js';
import { CLASS_FLOOR } from '../text-template.js';
import { signalReason, type SignalReasonCode, type SignalReasonId } from './reasons.js';
import type { SignalClass } from './signal-summary.js';

/** Modulation classes QuietBand names (defined with the `signal` object they fill, src/ident/signal-summary.ts). */
export type { SignalClass };

/** Every class, in the order of docs/identification.md. */
export const SIGNAL_CLASSES: readonly SignalClass[] = ['carrier', 'am', 'nfm', 'wfm', 'ook', 'fsk', 'tdma-burst', 'wideband-digital', 'pulsed-wideband', 'unknown'];

/** Analog classes: the ones that can be demodulated to audio. */
export const ANALOG_CLASSES: readonly SignalClass[] = ['am', 'nfm', 'wfm'];

/** Thresholds of the rules (see docs/identification.md §5 for why each value). */
export const RULES = Object.freeze({
  /** A clip is bursty when on for less than this share of the span between its first rise and last fall. */
  burstyDuty: 0.8,
  /** … and the envelope kurtosis over the span exceeds this (a duty of 77 % gives 0.3; AM speech stays below). */
  burstyMinKurtosis: 0.3,
  /** FSK tones count when the emission is this far above the noise while on (dB) and span ≥ this share of the 99 % band. */
  fskMinOnSnrDb: 6,
  fskMinSpacing: 0.3,
  /**
   * Bursts are FSK only when their frequency changes tone within at least this share of them (`toneChangeShare`): FSK
   * keys its tones inside a package, on-off pulses each at one frequency (pulled from pulse to pulse) change it only
   * between pulses.
   */
  fskMinToneChangeShare: 0.5,
  /** pulsed-wideband: median pulse shorter than this (s). */
  impulseMaxS: 1e-3,
  /** Pulses are noise-like (impulses, wideband data) when their envelope kurtosis while on exceeds this. */
  impulseKurtosis: 0.6,
  /** pulsed-wideband: 99 % bandwidth above this (Hz). */
  impulseMinBandwidthHz: 50_000,
  /**
   * Short wide pulses whose phase holds over one to four reciprocal bandwidths at least this much (`pulseCoherence`)
   * are keyed carrier pulses (ook), not impulses: a carrier gives ≈ 1 (Mode S 0.83–0.85), impulses ≈ 0.1.
   */
  keyedMinCoherence: 0.5,
  /** ook: the carrier line holds at least this share of the power (keying a carrier leaves half of it in the line). */
  ookMinCarrierFraction: 0.15,
  /** tdma-burst: at least this many bursts, with burst-length and period CVs below these. */
  tdmaMinBursts: 4,
  tdmaMaxLengthCv: 0.2,
  tdmaMaxPeriodCv: 0.15,
  /** tdma-burst: 90 % bandwidth × median burst length at least this (a modulated slot, not a keyed carrier's pulse). */
  tdmaMinTimeBandwidth: 20,
  /** wideband-digital: envelope kurtosis above this (Gaussian-like amplitude) and 99 % bandwidth above this (Hz). */
  noiseLikeKurtosis: 0.55,
  widebandMinHz: 20_000,
  /** carrier: 99 % bandwidth below this (Hz). */
  carrierMaxHz: 1500,
  /** A carrier line holding at least this share of the power makes carrier / am / ook by the amplitude index. */
  amMinCarrierFraction: 0.5,
  /**
   * Coherent amplitude index (RMS): am above amMinIndex, keyed carrier (ook) above ookMinIndex. Speech has a crest
   * factor of ≈ 10 (pauses, plosives): modulated to 90 % on its peaks (espeak-ng) it gives an RMS index of 0.08–0.13 in
   * 0.5 s parts (12 of 22 under 0.1); a plain carrier reads 0 (the index is 0 unless it stands 3 spreads over the
   * noise), a transmitter's incidental AM a few hundredths.
   */
  amMinIndex: 0.04,
  ookMinIndex: 0.6,
  /**
   * Bursts are amplitude modulated (deep AM whose dips read as gaps) only when their envelope varies within them: the
   * noise-corrected kurtosis while on above this (≈ 4·m_on², an RMS amplitude index of 7 % within the pulses; AM speech
   * gives 0.06–0.16 there). Keyed pulses are flat (|k| < 0.01): their whole variation lies in the gaps.
   */
  amMinOnKurtosis: 0.02,
  /** … or a keyed carrier when the span's envelope kurtosis exceeds this (AM speech stays below ≈ 0.25). */
  ookMinKurtosis: 0.4,
  /**
   * A continuous narrow emission whose envelope kurtosis exceeds this is keyed even without a carrier line: a constant
   * envelope on a share d of the time gives 1/d − 1, so 2 means on ≤ 1/3 of the time; noise-like and AM envelopes stay
   * near 1 and below 0.3.
   */
  keyedMinKurtosis: 2,
  /** wfm: 99 % bandwidth above this (Hz); below it a frequency-modulated emission is nfm. */
  wfmMinHz: 60_000,
});

/**
 * Result of identification. `class` is the class QuietBand names: the rules' best class when its confidence is at
 * least CLASS_FLOOR (src/text-template.ts), else `unknown` with that best class as `closestClass`, a hint only
 * (docs/identification.md §5a); `unknown` without `closestClass` when nothing could be classified.
 */
export interface Identification {
  class: SignalClass;
  /** The rules' best class when it scored below CLASS_FLOOR (`class` is then `unknown`); absent otherwise. */
  closestClass?: Exclude<SignalClass, 'unknown'>;
  /**
   * 0..1: how far the deciding features sit from the rule thresholds, lowered at low SNR: of `class`, or of
   * `closestClass` when one is given; 0 for an `unknown` that found nothing to classify.
   */
  confidence: number;
  /** The rule in words, with the feature values that decided (English: logs, MQTT, replay). */
  reason: string;
  /** `reason` as a code and its values (texts in src/ident/reasons.ts), for a page in another language. */
  reasonCode?: SignalReasonCode;
  features?: SignalFeatures;
}

/** Margin (in units of `scale`) of x beyond threshold t, as a 0..1 score: 0.5 at the threshold. */
function score(x: number, t: number, scale: number, above = true): number {
  const m = (above ? x - t : t - x) / scale;
  return 1 / (1 + Math.exp(-3 * m));
}

const hz = (x: number): string => (Math.abs(x) >= 1e6 ? `${(x / 1e6).toFixed(2)} MHz` : Math.abs(x) >= 1e3 ? `${(x / 1e3).toFixed(1)} kHz` : `${Math.round(x)} Hz`);
const pct = (x: number): string => `${Math.round(100 * x)} %`;
const ms = (s: number): string => (s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : `${(s * 1e3).toFixed(2)} ms`);

/**
 * The features with the symbol duration of class `cls`: an `fsk` emission's symbols are the runs of its tones
 * (`toneSymbolS`; 0 when they were not measured: its bursts are packets, not symbols), any other class's the elements
 * of its on/off keying (`keyedSymbolS`); symbolRateBd = 1 / symbolS (0 when none). The same object when nothing changes.
 */
export function elementOfClass(f: SignalFeatures, cls: SignalClass): SignalFeatures {
  const symbolS = cls === 'fsk' ? f.toneSymbolS : f.keyedSymbolS;
  return symbolS === f.symbolS ? f : { ...f, symbolS, symbolRateBd: symbolS > 0 ? 1 / symbolS : 0 };
}

/**
 * Classifies features by the ordered rules of docs/identification.md §5 (first match wins). Confidence = the product of
 * the deciding tests' scores (a logistic of each margin), scaled by min(1, 0.6 + SNR/25 dB). A best class below
 * CLASS_FLOOR (src/text-template.ts) is returned as `unknown` with it as `closestClass` (§5a).
 */
export function classify(f: SignalFeatures): Identification {
  const R = RULES;
  const snrFactor = Math.min(1, Math.max(0.3, 0.6 + f.snrDb / 25));
  const done = (cls: Exclude<SignalClass, 'unknown'>, conf: number, id: SignalReasonId, params: Record<string, string | number>): Identification => {
    const confidence = Math.round(Math.min(0.99, Math.max(0.05, conf * snrFactor)) * 100) / 100;
    // below the floor no class is named: the best one is a hint, its rule the reason (docs/identification.md §5a)
    const named = confidence >= CLASS_FLOOR ? { class: cls } : { class: 'unknown' as const, closestClass: cls };
    return { ...named, confidence, ...signalReason(id, params), features: elementOfClass(f, cls) };
  };
  // the symbol rate each reason quotes: of the tone runs for fsk, of the on/off keying for ook
  const fskBd = Math.round(elementOfClass(f, 'fsk').symbolRateBd);
  const ook = elementOfClass(f, 'ook');
  // on-off structure needs both: gaps in the averaged power, and an envelope kurtosis that a constant envelope with
  // noise dips cannot give (1/d − 1 for a duty d)
  // FSK tones: those of the instantaneous frequency when the emission is clear of the noise and they are spaced apart
  // enough to be tones rather than noise, or humps of the spectrum
  // (the spectrum's humps only below 10 dB: above it the frequency's own histogram decides, and FM by a steady tone,
  // whose Bessel spectrum has humps too, does not dwell on its extremes)
  const ifTones = f.onSnrDb >= R.fskMinOnSnrDb && (f.tones - 1) * f.toneSpacingHz >= R.fskMinSpacing * f.bandwidthHz ? f.tones : 1;
  const fskTones = f.onSnrDb >= 10 ? ifTones : Math.max(ifTones, f.spectralTones);
  // a narrow line over the receiver's 0 Hz (its 99 % band holds the tuning centre): the DC offset / LO leakage of the
  // receiver, whose level follows the receiver's gain, so it dips as strong signals elsewhere key (GT-WT-02: index
  // 0.33, its 87 dips in step with the sensor's 88 pulses); its amplitude variation is not read as AM
  // (docs/identification.md §5, rule 0)
  const centreLine = f.lowHz <= 0 && f.highHz >= 0 && f.bandwidthHz < R.carrierMaxHz;
  const centreLineCarrier = (base: number): Identification => done('carrier', base * score(Math.log10(f.bandwidthHz), Math.log10(R.carrierMaxHz), 0.3, false),
    'ident.centreLine', { bw: hz(f.bandwidthHz), low: hz(f.lowHz), high: hz(f.highHz), index: f.modulationIndex.toFixed(2) });
  const bursty = f.dutyCycle < R.burstyDuty && f.bursts.count >= 2 && f.envelopeKurtosis > R.burstyMinKurtosis;
  const burstyScore = score(f.dutyCycle, R.burstyDuty, 0.1, false);
  if (bursty) {
    const noiseLike = f.onEnvelopeKurtosis > R.impulseKurtosis;
    const short = noiseLike && f.bursts.medianS < R.impulseMaxS && f.bandwidthHz > R.impulseMinBandwidthHz;
    if (short && f.pulseCoherence >= R.keyedMinCoherence) {
      // pulses of a carrier too short for the rate (Mode S: 0.5 µs chips, one sample each at 2 MS/s): their envelope
      // reads noise-like, their phase does not
      // no element is quoted: pulses of one or two samples cannot be timed (the run finder's 38–57 µs on Mode S are
      // its averaging, not the 0.5 µs chips)
      const id = done('ook', burstyScore * score(f.pulseCoherence, R.keyedMinCoherence, 0.1),
        'ident.ookShortPulses', { n: f.bursts.count, median: ms(f.bursts.medianS), duty: pct(f.dutyCycle), coherence: f.pulseCoherence.toFixed(2), min: R.keyedMinCoherence, bw: hz(f.bandwidthHz) });
      return { ...id, features: { ...f, symbolS: 0, symbolRateBd: 0 } };
    }
    if (short) {
      return done('pulsed-wideband', burstyScore * score(f.onEnvelopeKurtosis, R.impulseKurtosis, 0.15) * score(Math.log10(f.bursts.medianS), Math.log10(R.impulseMaxS), 0.3, false) * score(f.pulseCoherence, R.keyedMinCoherence, 0.1, false),
        'ident.pulsed', { n: f.bursts.count, median: ms(f.bursts.medianS), max: ms(R.impulseMaxS), duty: pct(f.dutyCycle), k: f.onEnvelopeKurtosis.toFixed(2), bw: hz(f.bandwidthHz) });
    }
    // TDMA bursts carry modulation: their bandwidth is many times 1/burst length (GSM: 150 kHz × 577 µs ≈ 87), where
    // a keyed carrier's pulse has a time-bandwidth product of a few
    const timeBandwidth = f.bandwidth90Hz * f.bursts.medianS;
    if (f.bursts.count >= R.tdmaMinBursts && f.bursts.cv < R.tdmaMaxLengthCv && f.periods.cv < R.tdmaMaxPeriodCv && !noiseLike && timeBandwidth >= R.tdmaMinTimeBandwidth) {
      return done('tdma-burst', burstyScore * score(f.bursts.cv, R.tdmaMaxLengthCv, 0.07, false) * score(f.periods.cv, R.tdmaMaxPeriodCv, 0.05, false),
        'ident.tdma', { slot: ms(f.bursts.medianS), slotCv: f.bursts.cv.toFixed(2), frame: ms(f.periods.medianS), frameCv: f.periods.cv.toFixed(2), duty: pct(f.dutyCycle), bw: hz(f.bandwidthHz), tb: timeBandwidth.toFixed(0) });
    }
    // a keyed tone whose gaps another tone fills: 2-FSK of which the band found holds one tone (complement.ts)
    if (f.complementSpacingHz !== 0 && !noiseLike) {
      return done('fsk', burstyScore * score(f.onEnvelopeKurtosis, R.impulseKurtosis, 0.15, false) * score(f.complementContrastDb, 6, 3),
        'ident.fskComplement', { spacing: hz(Math.abs(f.complementSpacingHz)), level: f.complementLevelDb.toFixed(1), contrast: f.complementContrastDb.toFixed(1), n: f.bursts.count, bd: fskBd });
    }
    if (fskTones >= 2 && !noiseLike && f.toneChangeShare >= R.fskMinToneChangeShare) {
      return done('fsk', burstyScore * score(f.onEnvelopeKurtosis, R.impulseKurtosis, 0.15, false) * score(f.toneChangeShare, R.fskMinToneChangeShare, 0.15),
        'ident.fskBursts', { tones: fskTones, spacing: hz(f.toneSpacingHz), k: f.onEnvelopeKurtosis.toFixed(2), bd: fskBd });
    }
    if (noiseLike && f.carrierFraction < R.ookMinCarrierFraction) {
      return done('wideband-digital', burstyScore * score(f.onEnvelopeKurtosis, R.impulseKurtosis, 0.15),
        'ident.widebandBursts', { k: f.onEnvelopeKurtosis.toFixed(2), bw: hz(f.bandwidthHz), duty: pct(f.dutyCycle) });
    }
    if (f.carrierFraction > R.amMinCarrierFraction && f.modulationIndex > R.amMinIndex && f.modulationIndex < R.ookMinIndex && f.onEnvelopeKurtosis > R.amMinOnKurtosis) {
      if (centreLine) return centreLineCarrier(burstyScore);
      return done('am', burstyScore * score(f.modulationIndex, R.ookMinIndex, 0.15, false) * score(f.onEnvelopeKurtosis, R.amMinOnKurtosis, 0.01),
        'ident.amBursts', { line: pct(f.carrierFraction), index: f.modulationIndex.toFixed(2), lo: R.amMinIndex, hi: R.ookMinIndex });
    }
    return done('ook', burstyScore * Math.max(score(f.carrierFraction, R.ookMinCarrierFraction, 0.1), score(f.onEnvelopeKurtosis, R.impulseKurtosis, 0.15, false)),
      'ident.ookBursts', { n: f.bursts.count, duty: pct(f.dutyCycle), line: pct(f.carrierFraction), element: ms(ook.symbolS), bd: Math.round(ook.symbolRateBd) });
  }
  // how surely it is not bursty: the bursty test is duty AND envelope kurtosis, so a clip whose dips read as gaps (deep
  // AM at 10 dB: duty 0.5–0.7, kurtosis 0.14–0.29) is continuous by its kurtosis, however low its duty
  const steady = 1 - burstyScore * score(f.envelopeKurtosis, R.burstyMinKurtosis, 0.05);
  if (f.carrierFraction > R.amMinCarrierFraction) {
    // a strong carrier line: keyed, amplitude-modulated or plain, by the coherent modulation index
    if (f.modulationIndex > R.ookMinIndex || f.envelopeKurtosis > R.ookMinKurtosis) {
      return done('ook', steady * Math.max(score(f.modulationIndex, R.ookMinIndex, 0.15), score(f.envelopeKurtosis, R.ookMinKurtosis, 0.15)),
        'ident.ookKeyedCarrier', { line: pct(f.carrierFraction), index: f.modulationIndex.toFixed(2), k: f.envelopeKurtosis.toFixed(2) });
    }
    if (f.modulationIndex > R.amMinIndex) {
      if (centreLine) return centreLineCarrier(steady);
      return done('am', steady * score(f.modulationIndex, R.amMinIndex, 0.04) * score(f.modulationIndex, R.ookMinIndex, 0.15, false),
        'ident.am', { line: pct(f.carrierFraction), index: f.modulationIndex.toFixed(2), lo: R.amMinIndex, hi: R.ookMinIndex, bw: hz(f.bandwidthHz) });
    }
    if (f.bandwidthHz < R.carrierMaxHz) {
      return done('carrier', steady * score(f.modulationIndex, R.amMinIndex, 0.04, false) * score(Math.log10(f.bandwidthHz), Math.log10(R.carrierMaxHz), 0.3, false),
        'ident.carrier', { bw: hz(f.bandwidthHz), max: hz(R.carrierMaxHz), index: f.modulationIndex.toFixed(2), drift: hz(f.centerDriftHz) });
    }
  }
  if (fskTones >= 2 && f.envelopeKurtosis < R.noiseLikeKurtosis) {
    return done('fsk', steady * 0.85 * score(f.envelopeKurtosis, R.noiseLikeKurtosis, 0.15, false),
      'ident.fsk', { tones: fskTones, ifTones: f.tones, humps: f.spectralTones, spacing: hz(f.toneSpacingHz), bd: fskBd });
  }
  if (f.envelopeKurtosis > R.noiseLikeKurtosis && f.carrierFraction >= R.ookMinCarrierFraction) {
    return done('ook', steady * score(f.envelopeKurtosis, R.noiseLikeKurtosis, 0.15) * score(f.carrierFraction, R.ookMinCarrierFraction, 0.1),
      'ident.ookMerged', { k: f.envelopeKurtosis.toFixed(2), line: pct(f.carrierFraction) });
  }
  if (f.envelopeKurtosis > R.noiseLikeKurtosis && f.bandwidthHz > R.widebandMinHz) {
    return done('wideband-digital', steady * score(f.envelopeKurtosis, R.noiseLikeKurtosis, 0.15) * score(f.carrierFraction, R.ookMinCarrierFraction, 0.1, false),
      'ident.widebandDigital', { k: f.envelopeKurtosis.toFixed(2), flat: f.flatness.toFixed(2), bw: hz(f.bandwidthHz) });
  }
  if (f.envelopeKurtosis > R.keyedMinKurtosis) {
    return done('ook', steady * score(f.envelopeKurtosis, R.keyedMinKurtosis, 0.5) * score(f.snrDb, 0, 5),
      'ident.ookKeyed', { k: f.envelopeKurtosis.toFixed(2), share: pct(1 / (1 + f.envelopeKurtosis)), limit: R.keyedMinKurtosis, line: pct(f.carrierFraction), snr: f.snrDb.toFixed(1), bw: hz(f.bandwidthHz) });
  }
  if (f.bandwidthHz < R.carrierMaxHz) {
    return done('carrier', steady * 0.6, 'ident.carrierWeak', { bw: hz(f.bandwidthHz) });
  }
  // the FM reasons call the envelope constant only when it is
  const constantEnvelope = f.envelopeKurtosis <= R.noiseLikeKurtosis;
  if (f.bandwidthHz > R.wfmMinHz) {
    return done('wfm', steady * score(Math.log10(f.bandwidthHz), Math.log10(R.wfmMinHz), 0.2),
      constantEnvelope ? 'ident.wfm' : 'ident.wfmNotConstant', { k: f.envelopeKurtosis.toFixed(2), limit: R.noiseLikeKurtosis, bw: hz(f.bandwidthHz), min: hz(R.wfmMinHz), dev: hz(f.deviationHz) });
  }
  return done('nfm', steady * score(Math.log10(f.bandwidthHz), Math.log10(R.wfmMinHz), 0.2, false) * score(f.envelopeKurtosis, R.noiseLikeKurtosis, 0.2, false),
    constantEnvelope ? 'ident.nfm' : 'ident.nfmNotConstant', { k: f.envelopeKurtosis.toFixed(2), limit: R.noiseLikeKurtosis, bw: hz(f.bandwidthHz), dev: hz(f.deviationHz) });
}

/**
 * Features + class of one clip. A clip that cannot be analysed (too short, nothing above the noise, bad shape) gives
 * class `unknown`, confidence 0 and the reason.
 */
export function identify(input: IdentInput): Identification {
  const f = extractFeatures(input);
  if ('reason' in f) return { class: 'unknown', confidence: 0, reason: f.reason, ...(f.reasonCode !== undefined ? { reasonCode: f.reasonCode } : {}) };
  return classify(f);
}
