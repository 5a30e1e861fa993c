// What a simulated site background is: its components (carriers, broadcast FM, NFM users, known emitters, clicks,
// TDMA neighbours) and inserted targets, their levels and bandwidths, the drift and gain creep over time, the free
// parts of the band, and the checks a description must pass.
import { QuietBandError } from '../errors.js';
import { warmupFraction, type Schedule } from './sim-generators.js';

/** A steady carrier (always on). */
export interface SiteCarrier {
  offsetHz: number;
  powerDbfs: number;
}

/** A wideband FM carrier (broadcast-like) with random programme audio and slow log-normal fading. */
export interface SiteWfm {
  offsetHz: number;
  /** Mean power (dBFS) before fading. */
  powerDbfs: number;
  /** Peak deviation (Hz); the audio's RMS is a third of its peak, so 68 % of the time within ±deviation/3. */
  deviationHz: number;
  /** Audio band (Hz). */
  audioLowHz: number;
  audioHighHz: number;
  /** Fading: standard deviation (dB) and correlation time (s) of {@link FadingEnvelope}. */
  fadingDb: number;
  coherenceS: number;
}

/** An NFM voice user on one channel: talk spurts of `talkS` seconds separated by pauses of `pauseS` (uniform ranges). */
export interface SiteNfmUser {
  offsetHz: number;
  powerDbfs: number;
  /** Peak deviation (Hz), default 2500 (12.5 kHz channel). */
  deviationHz?: number;
  talkS: [number, number];
  pauseS: [number, number];
  /** Start of the first spurt (s); default after one pause. */
  firstS?: number;
}

/** An intermittent known emitter: identical OOK packets every `periodS` (± `jitterS`), like a weather-station sensor. */
export interface SiteKnownEmitter {
  offsetHz: number;
  /** Key-down power (dBFS). */
  powerDbfs: number;
  periodS: number;
  packetS: number;
  /** OOK symbol length (s); the main lobe is 2/symbolS wide. */
  symbolS: number;
  /** First packet (s). */
  firstS: number;
  jitterS: number;
}

/** Broadband impulsive clicks: white noise over the whole band for `durationS` (± 25 %), Poisson arrivals. */
export interface SiteClicks {
  meanGapS: number;
  durationS: number;
  /** Power during a click over the whole band (dBFS). */
  powerDbfs: number;
}

/**
 * A TDMA neighbour active in sessions (calls): `gsm` = GMSK 577 µs bursts every 4.615 ms, 200 kHz
 * ({@link GsmBurstGenerator}); `dmr` = a 12.5 kHz FSK-like carrier (FM by 100–2400 Hz noise, ±1.9 kHz) keyed in
 * 27.5 ms slots every 60 ms (ETSI TS 102 361-1 timing).
 */
export interface SiteTdma {
  kind: 'gsm' | 'dmr';
  offsetHz: number;
  /** Power while a burst is on (dBFS). */
  powerDbfs: number;
  sessionS: [number, number];
  pauseS: [number, number];
  firstS?: number;
}

/** Kinds of inserted targets (what a detector should find). */
export type SiteTargetKind = 'ook' | 'nfm' | 'tdma';

/**
 * An inserted transmission. SNR is in-band: power while on (key-down for OOK, during a burst for TDMA, total for NFM)
 * over the noise in `bandwidthHz` at the target's start (the noise floor with its creep):
 * `P = noiseDbfs + creepDb(t₀) + 10·log10(B / rateSps) + snrDb`.
 * Waveforms: `ook` = {@link OokGenerator} with symbols of 2/B s (main lobe B), ≈ 50 % duty; `nfm` = FM by voice-band
 * noise (300–3000 Hz, peak deviation B/5 = 2.5 kHz for 12.5 kHz); `tdma` = GSM-like burst train ({@link GsmBurstGenerator}).
 */
export interface SiteTarget {
  kind: SiteTargetKind;
  offsetHz: number;
  startS: number;
  durationS: number;
  snrDb: number;
  /** Default {@link SITE_TARGET_BANDWIDTH_HZ}. */
  bandwidthHz?: number;
}

/** Default occupied bandwidth (Hz) of each target kind. */
export const SITE_TARGET_BANDWIDTH_HZ: Readonly<Record<SiteTargetKind, number>> = { ook: 10_000, nfm: 12_500, tdma: 200_000 };

/** OOK key-down fraction of {@link OokGenerator} (symbols on for odd hashes): the mean power is this × key-down power. */
export const OOK_DUTY = 0.5;

/**
 * A site's radio background. Levels as in the simulator's {@link Scenario}: mean |x|² of the complex float sample,
 * 0 dBFS = full-scale complex tone; `noiseDbfs` is the white noise over the whole band.
 *
 * **Drift**: the dongle's crystal warms up; every signal at absolute frequency F appears shifted by
 * `ppm·1e-6·F·warmupFraction(t, overS)` (the LO and the sample clock share the crystal, so the apparent shift is
 * proportional to F). It is applied as one common rotation by `ppm·1e-6·centerHz`, so a signal at offset f moves by
 * ppm·1e-6·(centerHz) instead of ppm·1e-6·(centerHz + f): 0.25 Hz less at 125 kHz offset and 2 ppm.
 * **Gain creep**: the noise floor rises by `db·warmupFraction(t, overS)` dB (the signals do not).
 */
export interface SiteBackground {
  rateSps: number;
  centerHz: number;
  durationS: number;
  seed: number;
  noiseDbfs: number;
  drift: { ppm: number; overS: number };
  gainCreep: { db: number; overS: number };
  carriers: SiteCarrier[];
  wfm: SiteWfm[];
  nfmUsers: SiteNfmUser[];
  knownEmitters: SiteKnownEmitter[];
  clicks: SiteClicks | null;
  tdma: SiteTdma[];
  targets: SiteTarget[];
  /** u8 centre of I and Q (default 127.4, the RTL's DC offset). */
  dcI?: number;
  dcQ?: number;
}

/** Occupied bandwidth (Hz) of an NFM user / DMR channel, and the DMR timing (ETSI TS 102 361-1: 27.5 ms burst, 60 ms frame). */
export const NFM_CHANNEL_HZ = 12_500;
export const DMR_SLOT_S = 0.0275;
export const DMR_FRAME_S = 0.06;
export const GSM_CHANNEL_HZ = 200_000;

/** What a background component is, where it sits, and (for intermittent ones) when it is on. */
export interface SiteComponent {
  kind: 'carrier' | 'wfm' | 'nfm-user' | 'known-emitter' | 'clicks' | 'tdma' | 'target';
  /** Index within its kind's list in the {@link SiteBackground}. */
  index: number;
  /** Centre offset (Hz) before drift, and occupied bandwidth (Hz; the whole band for clicks). */
  offsetHz: number;
  bandwidthHz: number;
  /**
   * For intermittent components: a fresh copy of the schedule the renderer uses (same seed), to enumerate on-intervals
   * in samples; absent for always-on ones and targets.
   */
  schedule?: Schedule;
}

/** Occupied bandwidth (Hz) of a target. */
export function targetBandwidthHz(t: SiteTarget): number {
  return t.bandwidthHz ?? SITE_TARGET_BANDWIDTH_HZ[t.kind];
}

/** Noise-floor creep (dB) at time tS. */
export function creepDbAt(site: SiteBackground, tS: number): number {
  return site.gainCreep.db * warmupFraction(tS, site.gainCreep.overS);
}

/** Apparent frequency shift (Hz) of every signal at time tS: ppm·1e-6·centerHz·warmupFraction. */
export function driftHzAt(site: SiteBackground, tS: number): number {
  return site.drift.ppm * 1e-6 * site.centerHz * warmupFraction(tS, site.drift.overS);
}

/** Power (dBFS) of a target while on: see {@link SiteTarget}. */
export function targetPowerDbfs(site: SiteBackground, t: SiteTarget): number {
  return site.noiseDbfs + creepDbAt(site, t.startS) + 10 * Math.log10(targetBandwidthHz(t) / site.rateSps) + t.snrDb;
}

/**
 * Parts of the band (offsets, Hz) free of every background component (each widened by `marginHz` on both sides, and
 * wrapped round the band edges as the complex spectrum is), of
 * the DC guard (±`dcGuardHz`) and of the outer 5 % of the band at each edge; sorted, as [low, high] pairs.
 */
export function freeWindows(site: SiteBackground, marginHz: number, dcGuardHz = 2_000): [number, number][] {
  const half = site.rateSps / 2;
  const busy: [number, number][] = [[-dcGuardHz, dcGuardHz]];
  const add = (f: number, bw: number) => {
    const a = f - bw / 2 - marginHz;
    const b = f + bw / 2 + marginHz;
    busy.push([a, b]);
    // the complex band is circular: what passes one edge shows at the other
    if (a < -half) busy.push([a + site.rateSps, half]);
    if (b > half) busy.push([-half, b - site.rateSps]);
  };
  for (const c of site.carriers) add(c.offsetHz, 0);
  for (const w of site.wfm) add(w.offsetHz, 2 * (w.deviationHz + w.audioHighHz));
  for (const u of site.nfmUsers) add(u.offsetHz, NFM_CHANNEL_HZ);
  for (const k of site.knownEmitters) add(k.offsetHz, 2 / k.symbolS);
  for (const t of site.tdma) add(t.offsetHz, t.kind === 'gsm' ? GSM_CHANNEL_HZ : NFM_CHANNEL_HZ);
  busy.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let lo = -0.95 * half;
  for (const [a, b] of busy) {
    if (a > lo) out.push([lo, Math.min(a, 0.95 * half)]);
    lo = Math.max(lo, b);
  }
  if (lo < 0.95 * half) out.push([lo, 0.95 * half]);
  return out.filter(([a, b]) => b > a);
}

/**
 * Checks a site description: rate and centre positive, duration positive, every component and target inside
 * ±rateSps/2, drift within ±10 ppm (what a warming RTL-SDR shows), schedules consistent.
 * @throws QuietBandError('CONFIG') naming the field (`site.<field>: …`).
 */
export function checkSiteBackground(site: SiteBackground): void {
  const fail = (field: string, msg: string): never => {
    throw new QuietBandError(`site.${field}: ${msg}`, 'CONFIG');
  };
  if (!(site.rateSps > 0)) fail('rateSps', `${site.rateSps} is not a positive rate`);
  if (!(site.centerHz >= 0)) fail('centerHz', `${site.centerHz} is not a frequency ≥ 0`);
  if (!(site.durationS > 0) || !Number.isFinite(site.durationS)) fail('durationS', `${site.durationS} is not a positive number of seconds`);
  if (!(Math.abs(site.drift.ppm) <= 10)) fail('drift.ppm', `${site.drift.ppm} is outside ±10 ppm`);
  const half = site.rateSps / 2;
  const inside = (field: string, f: number, bw: number) => {
    if (!(Math.abs(f) + bw / 2 <= half)) fail(field, `${f} Hz ± ${bw / 2} Hz does not fit inside ±${half} Hz`);
  };
  site.carriers.forEach((c, i) => inside(`carriers[${i}].offsetHz`, c.offsetHz, 0));
  site.wfm.forEach((w, i) => inside(`wfm[${i}].offsetHz`, w.offsetHz, 2 * w.deviationHz));
  site.nfmUsers.forEach((u, i) => inside(`nfmUsers[${i}].offsetHz`, u.offsetHz, NFM_CHANNEL_HZ));
  site.knownEmitters.forEach((k, i) => {
    inside(`knownEmitters[${i}].offsetHz`, k.offsetHz, 2 / k.symbolS);
    if (!(k.periodS > k.packetS + 2 * k.jitterS)) fail(`knownEmitters[${i}].periodS`, `${k.periodS} s must exceed packetS + 2·jitterS`);
  });
  site.tdma.forEach((t, i) => inside(`tdma[${i}].offsetHz`, t.offsetHz, t.kind === 'gsm' ? GSM_CHANNEL_HZ : NFM_CHANNEL_HZ));
  site.targets.forEach((t, i) => {
    inside(`targets[${i}].offsetHz`, t.offsetHz, targetBandwidthHz(t));
    if (!(t.durationS > 0) || !(t.startS >= 0)) fail(`targets[${i}]`, `startS ${t.startS} / durationS ${t.durationS}: need start ≥ 0 and duration > 0`);
  });
}

/** Samples in a site background: round(durationS · rateSps). */
export function siteSamples(site: SiteBackground): number {
  return Math.round(site.durationS * site.rateSps);
}
