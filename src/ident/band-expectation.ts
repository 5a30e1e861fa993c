// Which modulation classes are expected where (Chinese allocations relevant to exam sites): an emission of another
// class in a band is flagged "unexpected" (an nfm voice link in a data-only allocation, a tdma burst off the uplinks).
import type { SignalClass } from './classify.js';

/** A frequency range with the classes its users transmit. */
export interface BandExpectation {
  label: string;
  lowHz: number;
  highHz: number;
  expected: readonly SignalClass[];
  /**
   * Classes this band's users send that are also how the cheating devices found at exams transmit in it, and which
   * device that is: `voice` (an earpiece voice link: the 150–170 / 400–470 MHz links of exam reports, walkie-talkie
   * kits) or `handset` (a phone transmitting near the sensor: its uplink). An emission of such a class ranks above
   * others of its severity (src/alerts/severity-raise.ts), as does one of a class the band does not expect at all.
   */
  suspect?: Readonly<Partial<Record<SignalClass, SuspectDevice>>>;
  note: string;
}

/** The cheating device a class in a band is typical of ({@link BandExpectation.suspect}). */
export type SuspectDevice = 'voice' | 'handset';

const M = 1e6;
/**
 * Sources: MIIT radio frequency allocation regulations (2018 ed.); MIIT notices on 433 MHz and 470–510 MHz micro-power
 * devices, on the 409 MHz public walkie-talkie band and on 223–235 MHz wireless data transmission; 3GPP TS 45.005 §2
 * (GSM900/DCS1800); ERC Recommendation 70-03 Annex 1 (SRD 863–870 MHz, listed for CN and EU by src/spectrum/band-plan.ts).
 * The narrowest range containing a frequency applies.
 */
export const BAND_EXPECTATIONS: readonly BandExpectation[] = [
  { label: 'CB 27 MHz', lowHz: 26.965 * M, highHz: 27.405 * M, expected: ['am', 'nfm', 'ook', 'fsk', 'carrier'], note: 'CB voice and 27 MHz remotes' },
  { label: 'FM broadcast', lowHz: 87 * M, highHz: 108 * M, expected: ['wfm', 'carrier'], note: 'broadcast only: a narrow FM link here is an earpiece' },
  { label: 'VHF land mobile 150–170 MHz', lowHz: 150 * M, highHz: 170 * M, expected: ['nfm', 'fsk', 'tdma-burst', 'carrier'], suspect: { nfm: 'voice' }, note: 'licensed voice (analog, DMR) and 168–170 MHz data links' },
  { label: '223–235 MHz data transmission', lowHz: 223 * M, highHz: 235 * M, expected: ['fsk', 'ook', 'wideband-digital', 'tdma-burst', 'carrier'], note: 'data only (telemetry, power industry): voice here is suspicious' },
  { label: 'ISM 315 MHz', lowHz: 314 * M, highHz: 316 * M, expected: ['ook', 'fsk'], note: 'remotes' },
  { label: 'UHF land mobile 400–470 MHz', lowHz: 400 * M, highHz: 470 * M, expected: ['nfm', 'fsk', 'tdma-burst', 'ook', 'carrier'], suspect: { nfm: 'voice' }, note: 'licensed voice and data, walkie-talkies' },
  { label: 'PMR 409 MHz', lowHz: 409.75 * M, highHz: 409.9875 * M, expected: ['nfm', 'fsk'], suspect: { nfm: 'voice' }, note: 'licence-free walkie-talkies' },
  { label: 'ISM 433 MHz', lowHz: 433.05 * M, highHz: 434.79 * M, expected: ['ook', 'fsk', 'carrier'], note: 'SRD data: remotes and sensors; voice here is a cheating link' },
  { label: 'PMR446', lowHz: 446.0 * M, highHz: 446.2 * M, expected: ['nfm', 'fsk'], suspect: { nfm: 'voice' }, note: 'walkie-talkies' },
  { label: 'SRD 470–510 MHz', lowHz: 470 * M, highHz: 510 * M, expected: ['fsk', 'ook', 'carrier'], note: 'micro-power data (meters): voice is not allowed' },
  // 868 MHz: data only (meters, alarms, sensors, LoRa chirps, which the classifier may read as wideband digital); EU
  // wireless audio in 863–865 MHz is not a CN use, so an nfm link here is raised as unexpected
  { label: 'SRD 868 MHz', lowHz: 863 * M, highHz: 870 * M, expected: ['fsk', 'ook', 'wideband-digital', 'carrier'], note: 'SRD data: meters, sensors, alarms; voice here is a cheating link' },
  { label: 'GSM900 uplink', lowHz: 880 * M, highHz: 915 * M, expected: ['tdma-burst', 'wideband-digital'], suspect: { 'tdma-burst': 'handset', 'wideband-digital': 'handset' }, note: 'handsets' },
  { label: 'ADS-B / Mode S', lowHz: 1089 * M, highHz: 1091 * M, expected: ['ook', 'pulsed-wideband'], note: 'aircraft transponders' },
  { label: 'DCS1800 uplink', lowHz: 1710 * M, highHz: 1785 * M, expected: ['tdma-burst', 'wideband-digital'], suspect: { 'tdma-burst': 'handset', 'wideband-digital': 'handset' }, note: 'handsets' },
];

/** The narrowest range containing `hz` (absolute Hz), or undefined. */
export function bandExpectationAt(hz: number): BandExpectation | undefined {
  let best: BandExpectation | undefined;
  for (const b of BAND_EXPECTATIONS) {
    if (hz >= b.lowHz && hz <= b.highHz && (!best || b.highHz - b.lowHz < best.highHz - best.lowHz)) best = b;
  }
  return best;
}

/**
 * Whether class `cls` at `hz` is what its band expects: `unexpected` is true when the band is known and does not list
 * the class (unknown never counts as unexpected); `suspect` names the cheating device the class is typical of there
 * ({@link BandExpectation.suspect}), absent when none. Undefined when no range holds `hz`.
 */
export function expectation(hz: number, cls: SignalClass): { band: string; expected: readonly SignalClass[]; unexpected: boolean; suspect?: SuspectDevice } | undefined {
  const b = bandExpectationAt(hz);
  if (!b) return undefined;
  const suspect = b.suspect?.[cls];
  return { band: b.label, expected: b.expected, unexpected: cls !== 'unknown' && !b.expected.includes(cls), ...(suspect !== undefined ? { suspect } : {}) };
}
