// The built-in site backgrounds (433.92 MHz at 250 kS/s and 2.4 MS/s).
import { QuietBandError } from '../errors.js';
import type { SiteBackground, SiteKnownEmitter, SiteWfm } from './site-background-model.js';

/** Options of {@link siteBackgroundPreset}. */
export interface SitePresetOptions {
  durationS?: number;
  seed?: number;
  /** Apparent drift of all signals (ppm, default 2; RTL-SDR crystals move up to ≈ 10 while warming). */
  driftPpm?: number;
  /** Time over which the drift and the gain creep settle (s), default 900 and 1800. */
  driftOverS?: number;
  creepDb?: number;
  creepOverS?: number;
  centerHz?: number;
}

/**
 * The built-in site at 433.92 MHz (default) for 250 kS/s or 2.4 MS/s (other rates: an error). 2 ppm drift over
 * 15 min, +1.5 dB floor creep over 30 min, noise −35 dBFS, four steady carriers (one strong), a fading broadcast-like
 * FM carrier (±50 kHz, 30 Hz–15 kHz audio, 5 dB fading over ≈ 3 s), NFM users, a weather-station-like OOK sensor
 * (80 ms packets every 47 s ± 0.2 s from 7 s on, so in any calibration of ≥ 1 min), clicks (200 µs, −5 dBFS, one
 * per 20 s on average) and TDMA neighbours (DMR-like at 250 kS/s, DMR- and GSM-like at 2.4 MS/s). Free parts of the
 * band for targets: {@link freeWindows}.
 * @throws QuietBandError('CONFIG') for another rate.
 */
export function siteBackgroundPreset(rateSps: number, o: SitePresetOptions = {}): SiteBackground {
  const common = {
    rateSps,
    centerHz: o.centerHz ?? 433_920_000,
    durationS: o.durationS ?? 3600,
    seed: o.seed ?? 1,
    noiseDbfs: -35,
    drift: { ppm: o.driftPpm ?? 2, overS: o.driftOverS ?? 900 },
    gainCreep: { db: o.creepDb ?? 1.5, overS: o.creepOverS ?? 1800 },
    clicks: { meanGapS: 20, durationS: 200e-6, powerDbfs: -5 },
    targets: [],
  };
  const wfm = (offsetHz: number, powerDbfs: number): SiteWfm => ({ offsetHz, powerDbfs, deviationHz: 50_000, audioLowHz: 30, audioHighHz: 15_000, fadingDb: 5, coherenceS: 3 });
  const weather = (offsetHz: number): SiteKnownEmitter => ({ offsetHz, powerDbfs: -45, periodS: 47, packetS: 0.08, symbolS: 0.5e-3, firstS: 7, jitterS: 0.2 });
  if (rateSps === 250_000) {
    return {
      ...common,
      carriers: [
        { offsetHz: 9_000, powerDbfs: -42 },
        { offsetHz: 50_000, powerDbfs: -48 },
        { offsetHz: 60_000, powerDbfs: -30 },
        { offsetHz: 120_000, powerDbfs: -50 },
      ],
      wfm: [wfm(-62_500, -25)],
      nfmUsers: [{ offsetHz: 22_500, powerDbfs: -45, talkS: [2, 12], pauseS: [20, 120] }],
      knownEmitters: [weather(70_000)],
      tdma: [{ kind: 'dmr', offsetHz: 37_500, powerDbfs: -47, sessionS: [3, 20], pauseS: [30, 180] }],
    };
  }
  if (rateSps === 2_400_000) {
    return {
      ...common,
      carriers: [
        { offsetHz: -420_000, powerDbfs: -35 },
        { offsetHz: -180_000, powerDbfs: -40 },
        { offsetHz: 260_000, powerDbfs: -30 },
        { offsetHz: 880_000, powerDbfs: -45 },
      ],
      wfm: [wfm(-700_000, -30)],
      nfmUsers: [
        { offsetHz: 150_000, powerDbfs: -45, talkS: [2, 12], pauseS: [20, 120] },
        { offsetHz: -300_000, powerDbfs: -50, talkS: [1, 8], pauseS: [30, 200] },
      ],
      knownEmitters: [weather(40_000)],
      tdma: [
        { kind: 'dmr', offsetHz: 350_000, powerDbfs: -50, sessionS: [3, 20], pauseS: [30, 180] },
        { kind: 'gsm', offsetHz: -1_000_000, powerDbfs: -40, sessionS: [10, 90], pauseS: [30, 300] },
        { kind: 'gsm', offsetHz: 1_000_000, powerDbfs: -45, sessionS: [10, 90], pauseS: [30, 300] },
      ],
    };
  }
  throw new QuietBandError(`site background: rate ${rateSps} S/s has no preset; use 250000 or 2400000`, 'CONFIG');
}
