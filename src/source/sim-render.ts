// Rendering a scenario into cu8 bytes with constant memory (ScenarioRenderer), the generator of each event kind, and
// streaming any cu8 renderer to a sink.
import {
  BandNoiseGenerator,
  FmGenerator,
  GsmBurstGenerator,
  hash32,
  NoiseGenerator,
  OokGenerator,
  quantizeCu8,
  RTL_DC_CENTER,
  sum,
  ToneGenerator,
  type SampleGenerator,
} from './sim-generators.js';
import { DEFAULT_NOISE_DBFS, eventPowerDbfs, eventSpan, occupiedBandwidthHz, scenarioSamples, type Scenario, type SimEvent } from './sim-scenario.js';

/** What {@link RenderedSource} (sim.ts) streams: something that renders cu8 chunks with constant memory. */
export interface Cu8Renderer {
  /** Interleaved cu8 output of the last `render` call (first `2·count` bytes). */
  readonly bytes: Uint8Array;
  /** Renders the next `count` samples (≤ the renderer's chunk size) into `bytes`; returns how many (0 at the end). */
  render(count: number): number;
}

/**
 * The generator of event `index` of a scenario, over its span in one pass ({@link eventSpan}) at its power
 * ({@link eventPowerDbfs}: SNR, path gain and the fading of event `index`), centred on `e.offsetHz`. The hopping
 * simulator passes the event with its offset from the current tuning.
 */
export function eventGenerator(scenario: Scenario, e: SimEvent, index: number): SampleGenerator {
  const [a, b] = eventSpan(scenario, e);
  const p = eventPowerDbfs(scenario, e, index);
  const rate = scenario.rateSps;
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
    this.events = scenario.events.map((e, i) => eventGenerator(scenario, e, i));
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
