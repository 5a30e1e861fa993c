// Seeded synthetic RTL-SDR signals, one import for all: scenarios with ground truth (sim-scenario.ts), their rendering
// to cu8 (sim-render.ts), the SigMF writer (sim-capture.ts), the generators (sim-generators.ts), and here the live
// sources that stream a renderer as an IqSource (SimSource, and RenderedSource under the site background source).
import { QuietBandError } from '../errors.js';
import type { IqBlock, IqSourceInfo } from '../types.js';
import { convertCu8 } from './sample-formats.js';
import { SimPacer, SimulatedSource } from './sim-pacing.js';
import { hash32, Prng } from './sim-random.js';
import { ScenarioRenderer, type Cu8Renderer } from './sim-render.js';
import { DEFAULT_SCENARIO, parseScenario, scenarioSamples, type Scenario } from './sim-scenario.js';

export * from './sim-generators.js';
export * from './sim-scenario.js';
export * from './sim-render.js';
export * from './sim-capture.js';

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
