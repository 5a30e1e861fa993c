// Seeded synthetic RTL-SDR signals: scenarios with ground truth, cu8/SigMF writer and a live SimSource (generators in sim-generators.ts).
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { QuietBandError } from '../errors.js';
import type { IqBlock, IqSource, IqSourceInfo } from '../types.js';
import { convertCu8 } from './sample-formats.js';
import { SimPacer, SimulatedSource } from './sim-pacing.js';
import {
  BandNoiseGenerator,
  FmGenerator,
  GsmBurstGenerator,
  hash32,
  NoiseGenerator,
  OokGenerator,
  Prng,
  quantizeCu8,
  RTL_DC_CENTER,
  sum,
  ToneGenerator,
  type SampleGenerator,
} from './sim-generators.js';
import { isSigmfPath, sigmfPaths, writeSigmfMeta, type SigmfAnnotationInput, type SigmfWriteOptions } from './sigmf.js';

export * from './sim-generators.js';

// ───────────────────────────── scenarios ─────────────────────────────

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

function eventSpan(s: Scenario, e: SimEvent): [number, number] {
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

/**
 * Renders a scenario chunk by chunk into u8 bytes: noise + carriers + events summed as floats, then RTL quantisation.
 * All buffers are allocated in the constructor; `render` allocates nothing. With `loop`, the scenario repeats:
 * cycle c re-runs the same events with seed `seed + c` (carriers stay phase-continuous).
 */
export class ScenarioRenderer {
  readonly scenario: Scenario;
  readonly samplesPerCycle: number;
  /** Interleaved cu8 output of the last `render` call (first `2·count` bytes). */
  readonly bytes: Uint8Array;
  private readonly acc: Float64Array;
  private readonly carriers: SampleGenerator;
  private readonly noise: NoiseGenerator;
  private readonly events: SampleGenerator[];
  private readonly loop: boolean;
  private readonly dcI: number;
  private readonly dcQ: number;
  private cycle = 0;
  private nInCycle = 0;

  constructor(scenario: Scenario, maxChunkSamples: number, loop = false) {
    this.scenario = scenario;
    this.samplesPerCycle = scenarioSamples(scenario);
    this.loop = loop;
    this.dcI = scenario.dcI ?? RTL_DC_CENTER;
    this.dcQ = scenario.dcQ ?? RTL_DC_CENTER;
    this.acc = new Float64Array(2 * maxChunkSamples);
    this.bytes = new Uint8Array(2 * maxChunkSamples);
    const rate = scenario.rateSps;
    this.carriers = sum(...scenario.carriers.map((c, i) => new ToneGenerator(c.offsetHz, c.powerDbfs, rate, 0, Infinity, hash32(scenario.seed, 1000 + i) / 4294967296)));
    this.noise = new NoiseGenerator(scenario.noiseDbfs ?? DEFAULT_NOISE_DBFS, 0);
    this.events = scenario.events.map((e, i) => {
      const [a, b] = eventSpan(scenario, e);
      const p = eventPowerDbfs(scenario, e, i);
      switch (e.kind) {
        case 'tone':
          return new ToneGenerator(e.offsetHz, p, rate, a, b);
        case 'ook':
          return new OokGenerator(e.offsetHz, p, rate, a, b, 0);
        case 'fm':
          return new FmGenerator(e.offsetHz, p, rate, a, b);
        case 'gsm':
          return new GsmBurstGenerator(e.offsetHz, p, rate, a, b, 0);
        case 'noise-burst':
          return new BandNoiseGenerator(e.offsetHz, occupiedBandwidthHz(e), p, rate, a, b, 0);
      }
    });
    this.startCycle(0);
  }

  /** Seed used for cycle `c`: `seed + c`. */
  cycleSeed(c: number): number {
    return this.scenario.seed + c;
  }

  private startCycle(c: number): void {
    this.cycle = c;
    this.nInCycle = 0;
    const seed = this.cycleSeed(c);
    this.noise.reset(hash32(seed, 0));
    for (let i = 0; i < this.events.length; i++) this.events[i].reset(hash32(seed, i + 1));
  }

  /** Samples left in a non-looping scenario (Infinity when looping). */
  remaining(): number {
    return this.loop ? Infinity : this.samplesPerCycle - this.nInCycle;
  }

  /**
   * Renders the next `count` samples (≤ maxChunkSamples; fewer at the end of a non-looping scenario) into
   * {@link bytes}. Returns the number of samples rendered; {@link lastClipped} holds the rail count.
   */
  render(count: number): number {
    let done = 0;
    let clipped = 0;
    const acc = this.acc;
    while (done < count) {
      if (this.nInCycle >= this.samplesPerCycle) {
        if (!this.loop) break;
        this.startCycle(this.cycle + 1);
      }
      const n = Math.min(count - done, this.samplesPerCycle - this.nInCycle);
      acc.fill(0, 2 * done, 2 * (done + n));
      const n0 = this.nInCycle;
      this.noise.add(acc, done, n0, n);
      this.carriers.add(acc, done, n0, n);
      for (let i = 0; i < this.events.length; i++) this.events[i].add(acc, done, n0, n);
      clipped += quantizeCu8(acc, done, this.bytes, done, n, this.dcI, this.dcQ);
      this.nInCycle += n;
      done += n;
    }
    this.lastClipped = clipped;
    return done;
  }

  /** Raw values at 0 or 255 in the last `render`. */
  lastClipped = 0;
}

/** Result of {@link generateScenario}. */
export interface GenerateResult {
  /** Complex samples written. */
  samples: number;
  /** Share of raw values at 0 or 255 over the whole capture. */
  clipFraction: number;
}

/**
 * Streams a renderer's cu8 chunks of `chunkSamples` to `sink` until it ends, with constant memory.
 * @param sink receives each chunk (2 bytes per sample); the chunk is reused, so the sink must be done with it when
 *   it returns (or when its promise resolves).
 */
export async function streamRenderer(
  r: Cu8Renderer & { lastClipped: number },
  chunkSamples: number,
  sink: (chunk: Uint8Array) => void | Promise<void>,
): Promise<GenerateResult> {
  let samples = 0;
  let clipped = 0;
  for (;;) {
    const n = r.render(chunkSamples);
    if (n === 0) break;
    clipped += r.lastClipped;
    samples += n;
    await sink(n === chunkSamples ? r.bytes : r.bytes.subarray(0, 2 * n));
  }
  return { samples, clipFraction: samples > 0 ? clipped / (2 * samples) : 0 };
}

/**
 * Writes a scenario as cu8 bytes in chunks of `chunkSamples` (default 65536) with constant memory, any length.
 * @param sink receives each chunk (2 bytes per sample); the chunk is reused, so the sink must be done with it when
 *   it returns (or when its promise resolves).
 */
export async function generateScenario(
  scenario: Scenario,
  sink: (chunk: Uint8Array) => void | Promise<void>,
  opts: { chunkSamples?: number } = {},
): Promise<GenerateResult> {
  const chunk = opts.chunkSamples ?? 65536;
  return streamRenderer(new ScenarioRenderer(scenario, chunk), chunk, sink);
}

/** Default base name for a scenario's files: `quietband-sim_433.92M_1000k_seed1` (parsable by `file-name.ts`). */
export function simBaseName(scenario: Scenario): string {
  const mhz = +(scenario.centerHz / 1e6).toFixed(6);
  const ksps = +(scenario.rateSps / 1e3).toFixed(3);
  return `quietband-sim_${mhz}M_${ksps}k_seed${scenario.seed}`;
}

/** Result of {@link writeSimCapture}. */
export interface SimCaptureFiles extends GenerateResult {
  dataPath: string;
  metaPath: string;
  annotations: SigmfAnnotationInput[];
}

/**
 * Writes `<name>.sigmf-data` (cu8) and `<name>.sigmf-meta` (rate, centre, description of noise and carriers,
 * ground-truth annotations from {@link scenarioAnnotations}).
 * @param target an existing folder or a path ending in `/` (files named {@link simBaseName}), or a base path /
 *   `.sigmf-data` / `.sigmf-meta` path
 *   (missing parent folders are created)
 * @throws QuietBandError('IO') when the files cannot be written; CONFIG for an invalid scenario.
 */
export async function writeSimCapture(target: string, scenario: Scenario): Promise<SimCaptureFiles> {
  const s = parseScenario(scenario);
  const annotations = scenarioAnnotations(s);
  const carriers = s.carriers.map((c) => `${c.offsetHz >= 0 ? '+' : ''}${c.offsetHz / 1e3} kHz at ${c.powerDbfs} dBFS`).join(', ');
  return writeRenderedCapture(target, simBaseName(s), (sink) => generateScenario(s, sink), (name) => ({
    format: 'cu8',
    rateSps: s.rateSps,
    centerHz: s.centerHz,
    datetime: s.datetime,
    description:
      `QuietBand simulated RTL-SDR capture (${name}): seed ${s.seed}, noise ${s.noiseDbfs ?? DEFAULT_NOISE_DBFS} dBFS over the band, ` +
      `u8 DC centre ${s.dcI ?? RTL_DC_CENTER}/${s.dcQ ?? RTL_DC_CENTER}; steady carriers (baseline, not annotated): ${carriers || 'none'}; ` +
      `annotations are the injected events (label = kind)` +
      (s.eventGainDb !== undefined || s.fadingDb !== undefined
        ? `; event path gain ${s.eventGainDb ?? 0} dB, fading ${s.fadingDb ?? 0} dB (seed ${s.fadingSeed ?? s.seed}) included in the annotated powers`
        : ''),
    hw: 'quietband sim (synthetic RTL-SDR)',
    annotations,
  }));
}

/**
 * Writes `<name>.sigmf-data` (cu8, streamed by `generate`) and `<name>.sigmf-meta` (`meta(name)`, name = the files'
 * base name without folder).
 * @param target an existing folder or a path ending in `/` (files named `defaultName`), or a base path /
 *   `.sigmf-data` / `.sigmf-meta` path (missing parent folders are created)
 * @throws QuietBandError('IO') when the files cannot be written.
 */
export async function writeRenderedCapture(
  target: string,
  defaultName: string,
  generate: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<GenerateResult>,
  meta: (name: string) => SigmfWriteOptions & { annotations: SigmfAnnotationInput[] },
): Promise<SimCaptureFiles> {
  let base: string;
  const st = await fsp.stat(target).catch(() => undefined);
  if (!isSigmfPath(target) && (st?.isDirectory() === true || /[\\/]$/.test(target))) base = join(target, defaultName);
  else base = target.replace(/\.sigmf-(meta|data)$/, '');
  const { dataPath, metaPath } = sigmfPaths(base);
  let fh: FileHandle | undefined;
  let result: GenerateResult;
  try {
    await fsp.mkdir(dirname(dataPath), { recursive: true });
    fh = await fsp.open(dataPath, 'w');
    const h = fh;
    result = await generate(async (chunk) => {
      let off = 0;
      while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off)).bytesWritten;
    });
  } catch (err) {
    throw new QuietBandError(`${dataPath}: cannot write the simulated capture (${(err as Error).message})`, 'IO', { cause: err });
  } finally {
    await fh?.close();
  }
  const m = meta(basename(base));
  await writeSigmfMeta(metaPath, m);
  return { ...result, dataPath, metaPath, annotations: m.annotations };
}

// ───────────────────────────── live source ─────────────────────────────

/** Options of {@link SimSource}. */
export interface SimSourceOptions {
  /** Complex samples per block (default 65536). */
  blockSamples?: number;
  /** Pace blocks at the sample rate by the wall clock (a live dongle); default false (as fast as consumed). */
  realtime?: boolean;
  /** Repeat the scenario endlessly, with seed `seed + cycle` per pass (for the daemon demo); default false. */
  loop?: boolean;
  /** Probability (0..1) that a block is dropped (generated, not delivered); the next block has `discontinuity`. */
  dropBlockProbability?: number;
  /** `info.label`, default `sim`. */
  label?: string;
  /** `info.datetime`; default the wall clock at construction. */
  datetime?: string;
}

/** What {@link RenderedSource} streams: something that renders cu8 chunks with constant memory. */
export interface Cu8Renderer {
  /** Interleaved cu8 output of the last `render` call (first `2·count` bytes). */
  readonly bytes: Uint8Array;
  /** Renders the next `count` samples (≤ the renderer's chunk size) into `bytes`; returns how many (0 at the end). */
  render(count: number): number;
}

/**
 * An {@link IqSource} over a {@link Cu8Renderer}: blocks of `blockSamples` rendered on demand and converted from cu8
 * with the file source's rule, optionally paced at the sample rate or with blocks dropped at random. One reused
 * {@link IqBlock}: valid until the next block is requested. Base of {@link SimSource} and the site background source.
 */
export class RenderedSource extends SimulatedSource {
  readonly info: IqSourceInfo;
  protected readonly pacer: SimPacer;
  private readonly renderer: Cu8Renderer;
  private readonly opts: Required<Pick<SimSourceOptions, 'blockSamples' | 'realtime' | 'loop' | 'dropBlockProbability'>>;
  private readonly samples: Float32Array;
  private readonly block: IqBlock;
  private readonly dropPrng: Prng;

  /**
   * @param makeRenderer builds the renderer for the validated block size.
   * @param totalSamples the stream's length when finite (`info.totalSamples`).
   * @throws QuietBandError('CONFIG') for bad options.
   */
  constructor(
    makeRenderer: (blockSamples: number) => Cu8Renderer,
    stream: { rateSps: number; centerHz: number; seed: number; totalSamples?: number },
    opts: SimSourceOptions = {},
  ) {
    super();
    const blockSamples = opts.blockSamples ?? 65536;
    if (!Number.isInteger(blockSamples) || blockSamples <= 0) throw new QuietBandError(`blockSamples: ${blockSamples} must be a positive whole number`, 'CONFIG');
    const p = opts.dropBlockProbability ?? 0;
    if (!(p >= 0 && p < 1)) throw new QuietBandError(`dropBlockProbability: ${p} must be in [0, 1)`, 'CONFIG');
    this.opts = { blockSamples, realtime: opts.realtime ?? false, loop: opts.loop ?? false, dropBlockProbability: p };
    this.pacer = new SimPacer(this.opts.realtime, stream.rateSps);
    this.renderer = makeRenderer(blockSamples);
    this.samples = new Float32Array(2 * blockSamples);
    this.dropPrng = new Prng(hash32(stream.seed, 0xd509));
    this.info = {
      label: opts.label ?? 'sim',
      format: 'cu8',
      rateSps: stream.rateSps,
      centerHz: stream.centerHz,
      centerKnown: true,
      datetime: opts.datetime ?? new Date().toISOString(),
      gainDb: 0,
      deviceId: `sim:seed${stream.seed}`,
    };
    if (stream.totalSamples !== undefined) this.info.totalSamples = stream.totalSamples;
    this.block = {
      samples: this.samples,
      count: 0,
      centerHz: stream.centerHz,
      rateSps: stream.rateSps,
      firstSample: 0,
      tuneId: 0,
      clipFraction: 0,
      discontinuity: false,
    };
  }

  /** Blocks until the scenario ends (or forever with `loop`) or `close()`. @throws Error when called twice. */
  async *blocks(): AsyncGenerator<IqBlock> {
    this.pacer.start('sim: blocks() was already called; create a new SimSource');
    const r = this.renderer;
    const block = this.block;
    let next = 0;
    let gap = false;
    try {
      while (!this.pacer.closed) {
        const n = r.render(this.opts.blockSamples);
        if (n === 0) break;
        const first = next;
        next += n;
        if (this.opts.dropBlockProbability > 0 && this.dropPrng.uniform() < this.opts.dropBlockProbability) {
          gap = true;
          continue;
        }
        block.count = n;
        block.clipFraction = convertCu8(r.bytes, this.samples, n, 0);
        block.firstSample = first;
        block.discontinuity = gap;
        gap = false;
        if (!(await this.pacer.release(next, n))) return; // closed meanwhile
        yield block;
      }
    } finally {
      this.pacer.end();
    }
  }

}

/**
 * An {@link IqSource} that synthesises the scenario on the fly as an RTL-SDR would deliver it (cu8 bytes converted
 * with the same rule as the file source), so cycle 0 of a SimSource equals the file written by {@link writeSimCapture}
 * sample for sample. One reused {@link IqBlock}: valid until the next block is requested.
 */
export class SimSource extends RenderedSource {
  private readonly validated: Scenario;

  /** @throws QuietBandError('CONFIG') for an invalid scenario or options. */
  constructor(scenario: Scenario = DEFAULT_SCENARIO, opts: SimSourceOptions = {}) {
    const s = parseScenario(scenario);
    const loop = opts.loop ?? false;
    super((blockSamples) => new ScenarioRenderer(s, blockSamples, loop), { rateSps: s.rateSps, centerHz: s.centerHz, seed: s.seed, totalSamples: loop ? undefined : scenarioSamples(s) }, opts);
    this.validated = s;
  }

  /** The scenario as validated (defaults filled in). */
  get scenario(): Scenario {
    return this.validated;
  }
}
