// Site-background simulator: an exam site's radio background (warm-up drift, gain creep, carriers, fading broadcast FM,
// NFM users, an intermittent known emitter, clicks, TDMA neighbours) streamed at any length, plus inserted targets.
import { QuietBandError } from '../errors.js';
import {
  EnvelopeGenerator,
  FadingEnvelope,
  FmGenerator,
  GsmBurstGenerator,
  hash32,
  NoiseAudio,
  NoiseGenerator,
  OokGenerator,
  quantizeCu8,
  RTL_DC_CENTER,
  Schedule,
  ScheduledGenerator,
  sum,
  ToneGenerator,
  WarmupGainEnvelope,
  warmupFraction,
  warmupIntegralS,
  type SampleGenerator,
  type ScheduleSpec,
} from './sim-generators.js';
import { RenderedSource, streamRenderer, writeRenderedCapture, type Cu8Renderer, type SimCaptureFiles, type SimSourceOptions } from './sim.js';
import type { SigmfAnnotationInput } from './sigmf.js';

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

/** Occupied bandwidth (Hz) of an NFM user / DMR channel, and the DMR timing (ETSI TS 102 361-1: 27.5 ms burst, 60 ms frame). */
const NFM_CHANNEL_HZ = 12_500;
const DMR_SLOT_S = 0.0275;
const DMR_FRAME_S = 0.06;
const GSM_CHANNEL_HZ = 200_000;

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

/**
 * Renders a {@link SiteBackground} chunk by chunk into cu8 bytes with constant memory: all components summed as
 * complex floats, the drift applied as one rotation, then RTL quantisation ({@link quantizeCu8}). Buffers are
 * allocated in the constructor; `render` allocates nothing. Same site and seed → the same bytes (for the same chunk
 * sizes).
 */
export class SiteBackgroundRenderer implements Cu8Renderer {
  readonly site: SiteBackground;
  readonly totalSamples: number;
  readonly bytes: Uint8Array;
  /** Every component with its position and, for intermittent ones, a copy of its schedule. */
  readonly components: SiteComponent[] = [];
  /** Raw values at 0 or 255 in the last `render`. */
  lastClipped = 0;
  private readonly acc: Float64Array;
  private readonly all: SampleGenerator;
  private readonly driftTick: number;
  private n = 0;

  /**
   * @param startS render from this time on (s; default 0): drift, creep, fading, schedules and targets are where they
   *   would be at that time (carrier phases and noise are not those of a rendering from 0). For measurements late in a
   *   long background without rendering what comes before.
   * @throws QuietBandError('CONFIG') for an invalid site or start.
   */
  constructor(site: SiteBackground, maxChunkSamples: number, startS = 0) {
    checkSiteBackground(site);
    if (!(startS >= 0 && startS < site.durationS)) throw new QuietBandError(`site background: start ${startS} s is not inside the ${site.durationS} s background`, 'CONFIG');
    this.site = site;
    this.totalSamples = siteSamples(site);
    this.acc = new Float64Array(2 * maxChunkSamples);
    this.bytes = new Uint8Array(2 * maxChunkSamples);
    const rate = site.rateSps;
    const gens: SampleGenerator[] = [];
    const scheduled: { component: SiteComponent; gen: ScheduledGenerator }[] = [];
    const comp = (c: SiteComponent) => this.components.push(c);

    gens.push(new EnvelopeGenerator(new NoiseGenerator(site.noiseDbfs, 0, true), new WarmupGainEnvelope(site.gainCreep.db, site.gainCreep.overS, rate), maxChunkSamples));
    site.carriers.forEach((c, i) => {
      gens.push(new ToneGenerator(c.offsetHz, c.powerDbfs, rate, 0, Infinity, hash32(site.seed, 1000 + i) / 4294967296));
      comp({ kind: 'carrier', index: i, offsetHz: c.offsetHz, bandwidthHz: 0 });
    });
    site.wfm.forEach((w, i) => {
      const fm = new FmGenerator(w.offsetHz, w.powerDbfs, rate, 0, Infinity, w.deviationHz, 0, new NoiseAudio(rate, w.audioLowHz, w.audioHighHz));
      gens.push(new EnvelopeGenerator(fm, new FadingEnvelope(w.fadingDb, w.coherenceS, rate, hash32(site.seed, 2000 + i)), maxChunkSamples));
      comp({ kind: 'wfm', index: i, offsetHz: w.offsetHz, bandwidthHz: 2 * (w.deviationHz + w.audioHighHz) });
    });
    const sched = (component: SiteComponent, inner: SampleGenerator, spec: ScheduleSpec, same = false) => {
      const gen = new ScheduledGenerator(inner, new Schedule(spec, rate, 0), same);
      gens.push(gen);
      scheduled.push({ component, gen });
      comp(component);
    };
    site.nfmUsers.forEach((u, i) => {
      const fm = new FmGenerator(u.offsetHz, u.powerDbfs, rate, 0, Infinity, u.deviationHz ?? 2500, 0, new NoiseAudio(rate, 300, 3000));
      sched({ kind: 'nfm-user', index: i, offsetHz: u.offsetHz, bandwidthHz: NFM_CHANNEL_HZ }, fm, { kind: 'renewal', onS: u.talkS, offS: u.pauseS, firstS: u.firstS });
    });
    site.knownEmitters.forEach((k, i) => {
      const ook = new OokGenerator(k.offsetHz, k.powerDbfs, rate, 0, Infinity, 0, k.symbolS);
      sched({ kind: 'known-emitter', index: i, offsetHz: k.offsetHz, bandwidthHz: 2 / k.symbolS }, ook, { kind: 'periodic', periodS: k.periodS, onS: k.packetS, firstS: k.firstS, jitterS: k.jitterS }, true);
    });
    if (site.clicks !== null) {
      const c = site.clicks;
      sched({ kind: 'clicks', index: 0, offsetHz: 0, bandwidthHz: rate }, new NoiseGenerator(c.powerDbfs, 0, true), { kind: 'renewal', onS: [0.75 * c.durationS, 1.25 * c.durationS], meanOffS: c.meanGapS });
    }
    site.tdma.forEach((t, i) => {
      const session: ScheduleSpec = { kind: 'renewal', onS: t.sessionS, offS: t.pauseS, firstS: t.firstS };
      if (t.kind === 'gsm') {
        sched({ kind: 'tdma', index: i, offsetHz: t.offsetHz, bandwidthHz: GSM_CHANNEL_HZ }, new GsmBurstGenerator(t.offsetHz, t.powerDbfs, rate, 0, Infinity, 0), session);
      } else {
        const fsk = new FmGenerator(t.offsetHz, t.powerDbfs, rate, 0, Infinity, 1944, 0, new NoiseAudio(rate, 100, 2400, 1.5));
        const slots = new ScheduledGenerator(fsk, new Schedule({ kind: 'periodic', periodS: DMR_FRAME_S, onS: DMR_SLOT_S }, rate, 0));
        sched({ kind: 'tdma', index: i, offsetHz: t.offsetHz, bandwidthHz: NFM_CHANNEL_HZ }, slots, session);
      }
    });
    site.targets.forEach((t, i) => {
      const a = Math.round(t.startS * rate);
      const b = Math.min(this.totalSamples, Math.round((t.startS + t.durationS) * rate));
      const p = targetPowerDbfs(site, t);
      const bw = targetBandwidthHz(t);
      if (t.kind === 'ook') gens.push(new OokGenerator(t.offsetHz, p, rate, a, b, 0, 2 / bw));
      else if (t.kind === 'nfm') gens.push(new FmGenerator(t.offsetHz, p, rate, a, b, bw / 5, 0, new NoiseAudio(rate, 300, 3000)));
      else gens.push(new GsmBurstGenerator(t.offsetHz, p, rate, a, b, 0));
      comp({ kind: 'target', index: i, offsetHz: t.offsetHz, bandwidthHz: bw });
    });
    this.all = sum(...gens);
    this.all.reset(site.seed);
    for (const s of scheduled) s.component.schedule = s.gen.schedule.clone();
    // the drift rotation is re-anchored from its closed-form phase every this many samples (≈ 16 ms at 250 kS/s)
    this.driftTick = 4096;
    this.n = Math.round(startS * rate);
  }

  /** Index of the next sample to render. */
  get position(): number {
    return this.n;
  }

  /** Phase (cycles) of the common drift rotation at sample n: ppm·1e-6·centerHz·∫warmupFraction dt. */
  private driftCycles(n: number): number {
    const s = this.site;
    return s.drift.ppm * 1e-6 * s.centerHz * warmupIntegralS(n / s.rateSps, s.drift.overS);
  }

  /** Renders the next `count` samples (fewer at the end) into {@link bytes}; returns how many. */
  render(count: number): number {
    const n0 = this.n;
    const len = Math.max(0, Math.min(count, this.totalSamples - n0));
    if (len === 0) return 0;
    const acc = this.acc;
    acc.fill(0, 0, 2 * len);
    this.all.add(acc, 0, n0, len);
    if (this.site.drift.ppm !== 0) {
      // piecewise-linear phase between anchors at absolute multiples of driftTick: continuous, independent of chunking
      const T = this.driftTick;
      let j = 0;
      while (j < len) {
        const n = n0 + j;
        const k = Math.floor(n / T);
        const p0 = this.driftCycles(k * T);
        const step = (this.driftCycles((k + 1) * T) - p0) / T;
        const end = Math.min(len, (k + 1) * T - n0);
        rotate(acc, j, end, p0 + step * (n - k * T), step);
        j = end;
      }
    }
    this.lastClipped = quantizeCu8(acc, 0, this.bytes, 0, len, this.site.dcI ?? RTL_DC_CENTER, this.site.dcQ ?? RTL_DC_CENTER);
    this.n += len;
    return len;
  }
}

/**
 * Multiplies complex samples `[from, to)` of `acc` in place by e^{j2π(phase + step·(i − from))} (phase and step in
 * cycles): one phasor, advanced by a complex multiply per sample.
 */
function rotate(acc: Float64Array, from: number, to: number, phaseCycles: number, stepCycles: number): void {
  const frac = 2 * Math.PI * (phaseCycles - Math.floor(phaseCycles));
  let re = Math.cos(frac);
  let im = Math.sin(frac);
  const cw = Math.cos(2 * Math.PI * stepCycles);
  const sw = Math.sin(2 * Math.PI * stepCycles);
  for (let i = 2 * from; i < 2 * to; i += 2) {
    const xr = acc[i];
    const xi = acc[i + 1];
    acc[i] = xr * re - xi * im;
    acc[i + 1] = xr * im + xi * re;
    const r2 = re * cw - im * sw;
    im = re * sw + im * cw;
    re = r2;
  }
}

/** One on-interval of an intermittent component, in seconds. */
export interface SiteInterval {
  kind: SiteComponent['kind'];
  index: number;
  offsetHz: number;
  bandwidthHz: number;
  startS: number;
  endS: number;
}

/**
 * On-intervals of the intermittent components (NFM talk spurts, known-emitter packets, clicks, TDMA sessions) that
 * start before `untilS`, from fresh copies of the renderer's schedules (so it can run beside a rendering).
 * @param kinds only these component kinds (default all intermittent ones).
 */
export function* siteIntervals(components: readonly SiteComponent[], rateSps: number, untilS: number, kinds?: readonly SiteComponent['kind'][]): Generator<SiteInterval> {
  const limit = untilS * rateSps;
  for (const c of components) {
    if (c.schedule === undefined || (kinds !== undefined && !kinds.includes(c.kind))) continue;
    const s = c.schedule.clone();
    while (s.start < limit) {
      yield { kind: c.kind, index: c.index, offsetHz: c.offsetHz, bandwidthHz: c.bandwidthHz, startS: s.start / rateSps, endS: s.end / rateSps };
      s.next();
    }
  }
}

/**
 * An {@link IqSource} streaming a site background as an RTL-SDR would deliver it (cu8 converted as the file source
 * does). `info.label` defaults to `sim:site`; `info.totalSamples` is the site's length.
 * @throws QuietBandError('CONFIG') for an invalid site or options.
 */
export class SiteBackgroundSource extends RenderedSource {
  readonly site: SiteBackground;
  constructor(site: SiteBackground, opts: SimSourceOptions = {}) {
    checkSiteBackground(site);
    super((blockSamples) => new SiteBackgroundRenderer(site, blockSamples), { rateSps: site.rateSps, centerHz: site.centerHz, seed: site.seed, totalSamples: siteSamples(site) }, { label: 'sim:site', ...opts, loop: false });
    this.site = site;
  }
}

/** Default base name of a site capture: `quietband-site_433.92M_250k_seed1` (parsable by `file-name.ts`). */
export function siteBaseName(site: SiteBackground): string {
  return `quietband-site_${+(site.centerHz / 1e6).toFixed(6)}M_${+(site.rateSps / 1e3).toFixed(3)}k_seed${site.seed}`;
}

/**
 * SigMF annotations of a site: every inserted target (label = its kind, comment with SNR and power) and every
 * on-interval of the intermittent background (label `background:<kind>`: known-emitter packets, talk spurts, TDMA
 * sessions, clicks), in sample indices, with edges at the nominal (undrifted) frequencies.
 */
export function siteAnnotations(site: SiteBackground, components: readonly SiteComponent[]): SigmfAnnotationInput[] {
  const r = site.rateSps;
  const edge = (f: number, bw: number) => ({ freqLowerHz: site.centerHz + f - bw / 2, freqUpperHz: site.centerHz + f + bw / 2 });
  const out: SigmfAnnotationInput[] = site.targets.map((t) => ({
    sampleStart: Math.round(t.startS * r),
    sampleCount: Math.round(t.durationS * r),
    ...edge(t.offsetHz, targetBandwidthHz(t)),
    label: t.kind,
    comment: `snr ${t.snrDb} dB in ${targetBandwidthHz(t)} Hz; power ${targetPowerDbfs(site, t).toFixed(1)} dBFS`,
  }));
  for (const iv of siteIntervals(components, r, site.durationS)) {
    out.push({ sampleStart: Math.round(iv.startS * r), sampleCount: Math.round((Math.min(iv.endS, site.durationS) - iv.startS) * r), ...edge(iv.offsetHz, iv.bandwidthHz), label: `background:${iv.kind}` });
  }
  return out.sort((a, b) => a.sampleStart - b.sampleStart);
}

/**
 * Writes a site background as `<name>.sigmf-data` (cu8, streamed with constant memory) and `<name>.sigmf-meta`
 * (rate, centre, a description of every component, {@link siteAnnotations}).
 * @param target folder (files named {@link siteBaseName}) or base / `.sigmf-data` / `.sigmf-meta` path.
 * @throws QuietBandError('CONFIG') for an invalid site, ('IO') when the files cannot be written.
 */
export async function writeSiteCapture(target: string, site: SiteBackground): Promise<SimCaptureFiles> {
  const chunk = 65536;
  const renderer = new SiteBackgroundRenderer(site, chunk);
  const annotations = siteAnnotations(site, renderer.components);
  const list = (xs: { offsetHz: number; powerDbfs: number }[]) => xs.map((c) => `${c.offsetHz / 1e3} kHz ${c.powerDbfs} dBFS`).join(', ') || 'none';
  return writeRenderedCapture(target, siteBaseName(site), (sink) => streamRenderer(renderer, chunk, sink), (name) => ({
    format: 'cu8',
    rateSps: site.rateSps,
    centerHz: site.centerHz,
    description:
      `QuietBand simulated site background (${name}): seed ${site.seed}, noise ${site.noiseDbfs} dBFS over the band creeping +${site.gainCreep.db} dB over ${site.gainCreep.overS} s, ` +
      `drift ${site.drift.ppm} ppm of every signal's RF frequency over ${site.drift.overS} s; carriers: ${list(site.carriers)}; broadcast FM: ${list(site.wfm)}; ` +
      `NFM users: ${list(site.nfmUsers)}; known emitters: ${list(site.knownEmitters)}; TDMA: ${list(site.tdma)}; ` +
      `clicks: ${site.clicks === null ? 'none' : `${site.clicks.durationS * 1e6} µs at ${site.clicks.powerDbfs} dBFS every ${site.clicks.meanGapS} s on average`}; ` +
      `annotations: inserted targets (label = kind) and the background's intermittent emissions (label background:<kind>)`,
    hw: 'quietband sim --background site (synthetic RTL-SDR)',
    annotations,
  }));
}
