// The `signal` object: what a transmission is, as `quietband replay` writes it on a detection line and a sensor sends it
// on an alert record (docs/identification.md §4–5, §7). Types only (the browser shares them through
// src/server/protocol.ts); built from an identification by src/ident/describe-signal.ts.
import type { SignalReasonCode } from './reasons.js';

/** Modulation classes QuietBand names (docs/identification.md §5). */
export type SignalClass = 'carrier' | 'am' | 'nfm' | 'wfm' | 'ook' | 'fsk' | 'tdma-burst' | 'wideband-digital' | 'pulsed-wideband' | 'unknown';

/**
 * What a transmission is (the `signal` of a replay detection line; the base of `AlertSignal`, src/alerts/alert.ts):
 * the class, its 0..1 confidence and the rule that decided, plus the features a supervisor reads. The feature fields
 * (`bandwidthHz` … `gapSnrDb`, `lowHz`, `highHz`) are all present or all absent: absent when nothing could be measured
 * (`unknown` from a clip too short, nothing above the noise, IQ no longer held). Rounding: frequencies to 1 Hz, durations
 * to 1 µs, ratios to 0.001, dB to 0.1 dB (`signalSummary` in src/ident/describe-signal.ts).
 */
export interface SignalSummary {
  /**
   * The class QuietBand names: one of the nine when the rules' best class scored at least CLASS_FLOOR
   * (src/text-template.ts, 0.2), else `unknown` (docs/identification.md §5a).
   */
  class: SignalClass;
  /**
   * With `class` `unknown` only: the rules' best class, below CLASS_FLOOR, a hint ("unknown (closest: NFM, 5 %)"); its
   * rule is `reason`. Absent when a class is named, or when nothing could be classified.
   */
  closestClass?: Exclude<SignalClass, 'unknown'>;
  /** 0..1: the confidence of `class`, or of `closestClass` when one is given; 0 for an `unknown` without one. */
  confidence: number;
  /** The deciding rule in English words with its feature values (logs, MQTT, replay). */
  reason: string;
  /** `reason` as a code and its values (texts in src/ident/reasons.ts), so a page words it in its reader's language. */
  reasonCode?: SignalReasonCode;
  /** 99 % occupied bandwidth (Hz). */
  bandwidthHz?: number;
  /** Edges of the identified 99 % band (Hz, absolute when the source's centre is known, else offsets from it). */
  lowHz?: number;
  highHz?: number;
  /** True when the emission was analysed as the whole band (wide, or a slice of a band-wide emission; §2). */
  wholeBand?: boolean;
  /** 99th percentile of |instantaneous frequency − its median| while on (Hz). */
  deviationHz?: number;
  /** SNR inside the 99 % band while the emission is on (dB). */
  snrDb?: number;
  /** Share of time on between the first rise and the last fall (0..1). */
  dutyCycle?: number;
  /** Bursts counted in the analysed stretch. */
  bursts?: number;
  /** Median burst length and median burst period (ms). */
  burstMedianMs?: number;
  periodMedianMs?: number;
  /** Noise-corrected envelope kurtosis between the first rise and the last fall (0 constant envelope, 1 Gaussian). */
  envelopeKurtosis?: number;
  /** Coherent RMS amplitude-modulation index of the strongest line (≈ 0 carrier, 0.1–0.4 AM speech, ≈ 1 keyed carrier). */
  modulationIndex?: number;
  /** Share of the signal power in the strongest line (0..1). */
  carrierFraction?: number;
  /** FSK tones found (the larger of the time-domain and the spectral count). */
  tones?: number;
  /** Mean spacing of the FSK tones (Hz). */
  toneSpacingHz?: number;
  /**
   * The complementary tone's frequency minus the keyed emission's (Hz, signed), when one was found (a 2-FSK whose other
   * tone the detection does not hold: docs/identification.md §4b); the evidence clip is cut to hold both
   * (docs/clip-decimation.md). Absent otherwise.
   */
  complementSpacingHz?: number;
  /** Symbol rate (Bd; 0 when none was measured). */
  symbolRateBd?: number;
  /** Centre-frequency drift: max − min of the mean frequency of up to 10 time slices while on (Hz). */
  centerDriftHz?: number;
  /** Power between the bursts over the noise (dB; −30 = nothing). */
  gapSnrDb?: number;
  /**
   * Known centre only (§7): the band of the expected-class table holding the centre, the classes it expects there,
   * and whether `class` is not among them (`unknown` never is).
   */
  band?: string;
  expected?: readonly SignalClass[];
  unexpected?: boolean;
  /** Analog classes (or an analog `closestClass`): whether the demodulated audio holds speech, and why in words. */
  speechPresent?: boolean;
  voice?: string;
}

/**
 * A replay detection line's `signal` (src/cli/replay-line.ts): a {@link SignalSummary} plus, with `--audio`, the WAV the
 * analog detection was demodulated to (`<dir>/det-<id>-<class>.wav`).
 */
export interface ReplaySignal extends SignalSummary {
  audioFile?: string;
}
