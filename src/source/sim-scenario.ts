// Simulator scenarios: what a synthetic capture holds (noise, steady carriers, injected events with ground truth), the
// README demo, levels and SNR (see Scenario), the SigMF truth annotations, and validation of scenario JSON.
import { z } from 'zod';
import { QuietBandError } from '../errors.js';
import { hash32, Prng } from './sim-random.js';
import type { SigmfAnnotationInput } from './sigmf.js';

/** Kinds of injected transmissions. */
export type SimEventKind = 'ook' | 'fm' | 'gsm' | 'tone' | 'noise-burst';

/** A transmission that is not part of the baseline (what the detector should find). */
export interface SimEvent {
  kind: SimEventKind;
  /** Centre offset from the tuning centre (Hz). */
  offsetHz: number;
  /** SNR (dB) as defined in {@link Scenario}. */
  snrDb: number;
  /** Start (s from the first sample) and duration (s); the event is clipped at the end of the scenario. */
  startS: number;
  durationS: number;
  /**
   * Occupied bandwidth used for the SNR and the truth's frequency edges (Hz); default {@link DEFAULT_BANDWIDTH_HZ}.
   * It also shapes the signal for `noise-burst` (noise flat over ±B/2); for the other kinds the waveform is fixed.
   */
  bandwidthHz?: number;
}

/** A steady carrier that is present all the time (part of the baseline). */
export interface SimCarrier {
  offsetHz: number;
  /** Power (dBFS; 0 dBFS = full-scale complex tone). */
  powerDbfs: number;
}

/**
 * A synthetic capture.
 *
 * Levels: power is mean |x|² of the complex float sample before quantisation; 0 dBFS is a full-scale complex tone.
 * `noiseDbfs` is the per-sample power of the complex white noise over the whole band `rateSps` (default −35 dBFS),
 * so the noise in bandwidth B is `noiseDbfs + 10·log10(B / rateSps)`.
 *
 * **SNR** of an event = P_s / (P_n · B / rateSps): the event's power while it is on (key-down power for OOK, power
 * during a burst for GSM, total power of the emission for FM and noise-burst) over the noise power inside its
 * occupied bandwidth B = `bandwidthHz` (defaults per kind in {@link DEFAULT_BANDWIDTH_HZ}: tone 1 kHz, i.e. a tone's
 * SNR is quoted in a 1 kHz reference bandwidth = C/N0 − 30 dB-Hz; OOK 2 kHz = main lobe of 1 ms symbols; FM 12 kHz =
 * Carson 2·(5 + 1) kHz; GSM 200 kHz = channel; noise-burst 10 kHz). Hence
 * `P_s(dBFS) = noiseDbfs + 10·log10(B / rateSps) + snrDb` ({@link eventPowerDbfs}).
 */
export interface Scenario {
  /** Sample rate (S/s). */
  rateSps: number;
  /** Tuning centre (Hz). */
  centerHz: number;
  /** Length (s). */
  durationS: number;
  /** PRNG seed: the same scenario and seed give identical bytes. */
  seed: number;
  /** Noise power over the whole band (dBFS), default −35. */
  noiseDbfs?: number;
  /** Steady carriers (baseline). */
  carriers: SimCarrier[];
  /** Injected transmissions (ground truth). */
  events: SimEvent[];
  /** u8 centre of I and Q (default 127.4 each: the RTL's DC offset). */
  dcI?: number;
  dcQ?: number;
  /** `core:datetime` to write in the SigMF meta (ISO 8601 UTC); omitted when absent, so outputs stay reproducible. */
  datetime?: string;
  /**
   * Receive path of this (simulated) sensor: dB added to the power of every event (a path loss is negative), so several
   * sim sensors can see path-loss-scaled copies of one transmission. Carriers (the site's steady background, part of
   * each sensor's baseline) and the noise are not scaled. Default 0.
   */
  eventGainDb?: number;
  /**
   * Log-normal fading (shadowing) of this sensor: each event's power gets `fadingDb · N(0, 1)` dB more, drawn once per
   * event from `fadingSeed` ({@link eventFadeDb}); independent between sensors with different seeds. Default 0 (none).
   */
  fadingDb?: number;
  /** Seed of the fading draws; default {@link seed}. */
  fadingSeed?: number;
}

/** Default noise power (dBFS over the whole band). */
export const DEFAULT_NOISE_DBFS = -35;

/** Default occupied / SNR reference bandwidth (Hz) per event kind; see {@link Scenario}. */
export const DEFAULT_BANDWIDTH_HZ: Readonly<Record<SimEventKind, number>> = {
  tone: 1000,
  ook: 2000,
  fm: 12000,
  gsm: 200000,
  'noise-burst': 10000,
};

/**
 * The README demo: 433.92 MHz, 1 MS/s, 10 s, seed 1, noise −35 dBFS; steady carriers at −180 kHz (−20 dBFS) and
 * +420 kHz (−25 dBFS); an OOK burst at +120 kHz (2.00–2.06 s, 20 dB); an FM carrier at −60 kHz from 5 s to the end
 * (15 dB); a GSM-like burst train at +250 kHz (7.0–8.5 s, 15 dB).
 */
export const DEFAULT_SCENARIO: Readonly<Scenario> = deepFreeze<Scenario>({
  rateSps: 1_000_000,
  centerHz: 433_920_000,
  durationS: 10,
  seed: 1,
  noiseDbfs: DEFAULT_NOISE_DBFS,
  carriers: [
    { offsetHz: -180_000, powerDbfs: -20 },
    { offsetHz: 420_000, powerDbfs: -25 },
  ],
  events: [
    { kind: 'ook', offsetHz: 120_000, snrDb: 20, startS: 2.0, durationS: 0.06 },
    { kind: 'fm', offsetHz: -60_000, snrDb: 15, startS: 5.0, durationS: 5.0 },
    { kind: 'gsm', offsetHz: 250_000, snrDb: 15, startS: 7.0, durationS: 1.5 },
  ],
});

/** A fresh, mutable copy of {@link DEFAULT_SCENARIO} (to tweak durationS, seed…). */
export function defaultScenario(): Scenario {
  return structuredClone(DEFAULT_SCENARIO) as Scenario;
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Occupied bandwidth (Hz) of an event: `bandwidthHz` or the kind's default. */
export function occupiedBandwidthHz(event: SimEvent): number {
  return event.bandwidthHz ?? DEFAULT_BANDWIDTH_HZ[event.kind];
}

/**
 * Fading (dB) of event number `index` of the scenario: `fadingDb · z`, z a standard normal from the seeded PRNG
 * (`hash32(fadingSeed ?? seed, 0xfade0000 + index)`), the same every cycle; 0 without `fadingDb`.
 */
export function eventFadeDb(scenario: Pick<Scenario, 'seed' | 'fadingDb' | 'fadingSeed'>, index: number): number {
  const sd = scenario.fadingDb ?? 0;
  if (!(sd > 0)) return 0;
  return sd * new Prng(hash32(scenario.fadingSeed ?? scenario.seed, 0xfade0000 + index)).normal();
}

/**
 * Power of an event while on (dBFS): `noiseDbfs + 10·log10(B / rateSps) + snrDb` (the SNR definition in
 * {@link Scenario}), plus the sensor's path `eventGainDb` and, when `index` (the event's position in
 * `scenario.events`) is given, its fading {@link eventFadeDb}.
 */
export function eventPowerDbfs(scenario: Scenario, event: SimEvent, index?: number): number {
  const noise = scenario.noiseDbfs ?? DEFAULT_NOISE_DBFS;
  const path = (scenario.eventGainDb ?? 0) + (index !== undefined ? eventFadeDb(scenario, index) : 0);
  return noise + 10 * Math.log10(occupiedBandwidthHz(event) / scenario.rateSps) + event.snrDb + path;
}

/** Samples in one pass of the scenario: round(durationS · rateSps). */
export function scenarioSamples(scenario: Scenario): number {
  return Math.round(scenario.durationS * scenario.rateSps);
}

/** Samples [first, end) of an event in one pass of the scenario: its start and end, clipped to the scenario. */
export function eventSpan(s: Scenario, e: SimEvent): [number, number] {
  const total = scenarioSamples(s);
  const a = Math.min(total, Math.max(0, Math.round(e.startS * s.rateSps)));
  const b = Math.min(total, Math.max(a, Math.round((e.startS + e.durationS) * s.rateSps)));
  return [a, b];
}

/**
 * Ground truth as SigMF annotations: one per event, `sampleStart`/`sampleCount` over its span (offset by
 * `cycle · scenarioSamples` for looped cycles), edges `centerHz + offsetHz ∓ B/2`, label = kind, comment with the
 * SNR, bandwidth and power. Events that fall entirely after the end are omitted.
 */
export function scenarioAnnotations(scenario: Scenario, cycle = 0): SigmfAnnotationInput[] {
  const out: SigmfAnnotationInput[] = [];
  const base = cycle * scenarioSamples(scenario);
  for (const [i, e] of scenario.events.entries()) {
    const [a, b] = eventSpan(scenario, e);
    if (b <= a) continue;
    const bw = occupiedBandwidthHz(e);
    const f = scenario.centerHz + e.offsetHz;
    out.push({
      sampleStart: base + a,
      sampleCount: b - a,
      freqLowerHz: f - bw / 2,
      freqUpperHz: f + bw / 2,
      label: e.kind,
      comment: `snr ${e.snrDb} dB in ${bw} Hz; power ${eventPowerDbfs(scenario, e, i).toFixed(1)} dBFS`,
    });
  }
  return out;
}

const eventSchema = z.object({
  kind: z.enum(['ook', 'fm', 'gsm', 'tone', 'noise-burst']),
  offsetHz: z.number(),
  snrDb: z.number(),
  startS: z.number().nonnegative(),
  durationS: z.number().positive(),
  bandwidthHz: z.number().positive().optional(),
});
const scenarioSchema = z.object({
  rateSps: z.number().positive(),
  centerHz: z.number().nonnegative(),
  durationS: z.number().positive(),
  seed: z.number().int().default(1),
  noiseDbfs: z.number().max(0).default(DEFAULT_NOISE_DBFS),
  carriers: z.array(z.object({ offsetHz: z.number(), powerDbfs: z.number().max(10) })).default([]),
  events: z.array(eventSchema).default([]),
  dcI: z.number().min(0).max(255).optional(),
  dcQ: z.number().min(0).max(255).optional(),
  datetime: z.string().optional(),
  eventGainDb: z.number().min(-200).max(100).optional(),
  fadingDb: z.number().min(0).max(30).optional(),
  fadingSeed: z.number().int().optional(),
});

/**
 * Validates a scenario (e.g. the JSON of `quietband sim --scenario FILE`): required rateSps, centerHz, durationS;
 * defaults seed 1, noiseDbfs −35, no carriers, no events. Every carrier and event (±B/2) must lie inside ±rateSps/2.
 * @param file when given, errors are BAD_INPUT `"<file>: <field>: …"`; otherwise CONFIG `"scenario.<field>: …"`.
 */
export function parseScenario(json: unknown, file?: string): Scenario {
  const fail = (field: string, msg: string): never => {
    throw file !== undefined ? new QuietBandError(`${file}: ${field}: ${msg}`, 'BAD_INPUT') : new QuietBandError(`scenario.${field}: ${msg}`, 'CONFIG');
  };
  const r = scenarioSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    let field = '';
    for (const p of issue.path) field += typeof p === 'number' ? `[${p}]` : `${field === '' ? '' : '.'}${String(p)}`;
    fail(field === '' ? '(top level)' : field, issue.message);
  }
  const s = (r as { data: Scenario }).data;
  const half = s.rateSps / 2;
  s.carriers.forEach((c, i) => {
    if (Math.abs(c.offsetHz) >= half) fail(`carriers[${i}].offsetHz`, `${c.offsetHz} Hz is outside ±${half} Hz (half the sample rate)`);
  });
  s.events.forEach((e, i) => {
    const bw = occupiedBandwidthHz(e);
    if (Math.abs(e.offsetHz) + bw / 2 > half) {
      fail(`events[${i}].offsetHz`, `${e.offsetHz} Hz ± ${bw / 2} Hz (half the ${e.kind} bandwidth) does not fit inside ±${half} Hz`);
    }
  });
  return s;
}
