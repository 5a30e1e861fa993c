// Rendering a site background into cu8 bytes with constant memory, and enumerating the on-intervals of its
// intermittent components (the truth beside a rendering).
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
import type { Cu8Renderer } from './sim-render.js';
import {
  checkSiteBackground,
  DMR_FRAME_S,
  DMR_SLOT_S,
  GSM_CHANNEL_HZ,
  NFM_CHANNEL_HZ,
  siteSamples,
  targetBandwidthHz,
  targetPowerDbfs,
  type SiteBackground,
  type SiteComponent,
} from './site-background-model.js';

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
