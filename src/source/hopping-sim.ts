// A retunable simulated RTL-SDR: a world of signals at absolute frequencies, rendered at the current tuning, with stale samples after a retune.
import { QuietBandError } from '../errors.js';
import type { IqBlock, IqSourceInfo } from '../types.js';
import type { RetunableSource } from './retunable.js';
import { convertCu8 } from './sample-formats.js';
import { SimPacer, SimulatedSource } from './sim-pacing.js';
import {
  DEFAULT_NOISE_DBFS,
  eventGenerator,
  hash32,
  NoiseGenerator,
  occupiedBandwidthHz,
  parseScenario,
  quantizeCu8,
  RTL_DC_CENTER,
  scenarioSamples,
  ToneGenerator,
  type SampleGenerator,
  type Scenario,
} from './sim.js';

/** Options of {@link HoppingSimSource}. */
export interface HoppingSimOptions {
  /** Initial tuning (Hz); default the scenario's `centerHz`. */
  centerHz?: number;
  /**
   * Complex samples delivered after each retune that still hold the previous tuning (a tuner PLL that has not settled,
   * samples queued in USB buffers: docs/field-notes.md §2). They are labelled with the new centre and tune generation, as a
   * real source labels them, so only a settle window keeps them out of the analysis. Default 0.
   */
  staleSamples?: number;
  /** Complex samples per block (default 8192: ≈ 8 ms at 1 MS/s, so dwell ends close to where the plan says). */
  blockSamples?: number;
  /** Pace blocks at the sample rate by the wall clock; default false (as fast as consumed). */
  realtime?: boolean;
  /** Repeat the scenario endlessly (seed + cycle per pass, as SimSource); default false. */
  loop?: boolean;
  /** `info.label`, default `sim`. */
  label?: string;
  /** `info.datetime`; default the wall clock at construction. */
  datetime?: string;
}

/** Signals of the world that fall inside one tuning's band, as generators at their offsets from that tuning. */
class Tuning {
  readonly carriers: SampleGenerator[] = [];
  readonly events: SampleGenerator[] = [];
  /** Index of each event generator in the scenario's events (its seed per cycle is hash32(cycleSeed, index + 1)). */
  readonly eventIndex: number[] = [];

  constructor(
    readonly centerHz: number,
    s: Scenario,
    worldCenterHz: number,
  ) {
    const rate = s.rateSps;
    const half = rate / 2;
    s.carriers.forEach((c, i) => {
      const offsetHz = worldCenterHz + c.offsetHz - centerHz;
      if (Math.abs(offsetHz) >= half) return; // outside the tuner's band: the anti-alias filter removes it
      this.carriers.push(new ToneGenerator(offsetHz, c.powerDbfs, rate, 0, Infinity, hash32(s.seed, 1000 + i) / 4294967296));
    });
    s.events.forEach((e, i) => {
      const offsetHz = worldCenterHz + e.offsetHz - centerHz;
      if (Math.abs(offsetHz) + occupiedBandwidthHz(e) / 2 > half) return;
      this.events.push(eventGenerator(s, { ...e, offsetHz }, i));
      this.eventIndex.push(i);
    });
  }

  /** Reseeds the events for a scenario cycle (the carriers stay phase-continuous, as in ScenarioRenderer). */
  startCycle(cycleSeed: number): void {
    for (let k = 0; k < this.events.length; k++) this.events[k]!.reset(hash32(cycleSeed, this.eventIndex[k]! + 1));
  }

  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    for (let k = 0; k < this.carriers.length; k++) this.carriers[k]!.add(out, outOffset, n0, count);
    for (let k = 0; k < this.events.length; k++) this.events[k]!.add(out, outOffset, n0, count);
  }
}

/**
 * A simulated dongle that hops: the scenario's carriers and events sit at absolute frequencies
 * (`scenario.centerHz + offsetHz`, the "world"), and each block shows the part of the world inside ±rate/2 of the
 * current tuning, with the RTL's defects (u8 quantisation, DC at 127.4, so a spike at every tuning centre). Signals
 * outside the band are absent (a tuner's anti-alias filter; no aliasing is modelled). Noise is common to all tunings.
 *
 * `retune(centerHz)` takes effect at the next block: it carries the new centre, the next `tuneId` and
 * `discontinuity: true`, but its first `staleSamples` samples are still rendered at the previous tuning — the stale
 * samples a settle window must discard. Tuned to `scenario.centerHz` and never retuned, it yields the same samples as
 * {@link SimSource} with the same scenario and block size. One reused block; allocation-free per block once every
 * tuning has been visited (a tuning's generators are built on its first visit).
 */
export class HoppingSimSource extends SimulatedSource implements RetunableSource {
  readonly info: IqSourceInfo;
  protected readonly pacer: SimPacer;
  private readonly s: Scenario;
  private readonly samplesPerCycle: number;
  private readonly blockSamples: number;
  private readonly loop: boolean;
  private readonly staleSamples: number;
  private readonly acc: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly samples: Float32Array;
  private readonly block: IqBlock;
  private readonly noise: NoiseGenerator;
  private readonly tunings = new Map<number, Tuning>();
  private readonly dcI: number;
  private readonly dcQ: number;
  private current: Tuning;
  private previous: Tuning | null = null;
  private staleLeft = 0;
  private tuneId = 0;
  private tuneChanged = false;
  private cycle = 0;
  private nInCycle = 0;
  /** Retunes so far. */
  retunes = 0;

  /** @throws QuietBandError('CONFIG') for an invalid scenario or options. */
  constructor(scenario: Scenario, opts: HoppingSimOptions = {}) {
    super();
    const s = parseScenario(scenario);
    this.s = s;
    const blockSamples = opts.blockSamples ?? 8192;
    if (!Number.isInteger(blockSamples) || blockSamples <= 0) throw new QuietBandError(`blockSamples: ${blockSamples} must be a positive whole number`, 'CONFIG');
    const stale = opts.staleSamples ?? 0;
    if (!Number.isInteger(stale) || stale < 0) throw new QuietBandError(`staleSamples: ${stale} must be a whole number ≥ 0`, 'CONFIG');
    this.blockSamples = blockSamples;
    this.staleSamples = stale;
    this.pacer = new SimPacer(opts.realtime ?? false, s.rateSps);
    this.loop = opts.loop ?? false;
    this.samplesPerCycle = scenarioSamples(s);
    this.dcI = s.dcI ?? RTL_DC_CENTER;
    this.dcQ = s.dcQ ?? RTL_DC_CENTER;
    this.acc = new Float64Array(2 * blockSamples);
    this.bytes = new Uint8Array(2 * blockSamples);
    this.samples = new Float32Array(2 * blockSamples);
    this.noise = new NoiseGenerator(s.noiseDbfs ?? DEFAULT_NOISE_DBFS, 0);
    const centerHz = opts.centerHz ?? s.centerHz;
    this.current = this.tuningFor(centerHz);
    this.startCycle(0);
    this.info = {
      label: opts.label ?? 'sim',
      format: 'cu8',
      rateSps: s.rateSps,
      centerHz,
      centerKnown: true,
      datetime: opts.datetime ?? new Date().toISOString(),
      gainDb: 0,
      deviceId: `sim:seed${s.seed}`,
    };
    if (!this.loop) this.info.totalSamples = this.samplesPerCycle;
    this.block = { samples: this.samples, count: 0, centerHz, rateSps: s.rateSps, firstSample: 0, tuneId: 0, clipFraction: 0, discontinuity: false };
  }

  private tuningFor(centerHz: number): Tuning {
    let t = this.tunings.get(centerHz);
    if (t === undefined) {
      t = new Tuning(centerHz, this.s, this.s.centerHz);
      t.startCycle(this.s.seed + this.cycle);
      this.tunings.set(centerHz, t);
    }
    return t;
  }

  private startCycle(c: number): void {
    this.cycle = c;
    this.nInCycle = 0;
    const seed = this.s.seed + c;
    this.noise.reset(hash32(seed, 0));
    for (const t of this.tunings.values()) t.startCycle(seed);
  }

  /**
   * Tunes to `centerHz` (Hz, > 0) from the next block on; the first `staleSamples` of it still show the previous tuning.
   * @returns `centerHz`.
   * @throws QuietBandError('CONFIG') for a frequency that is not a positive number.
   */
  async retune(centerHz: number): Promise<number> {
    if (!(centerHz > 0) || !Number.isFinite(centerHz)) throw new QuietBandError(`sim retune: ${centerHz} Hz is not a positive frequency`, 'CONFIG');
    const next = this.tuningFor(centerHz);
    // the samples that were being produced (the stale ones, if a retune comes before they were all delivered)
    if (this.staleLeft === 0 || this.previous === null) this.previous = this.current;
    this.current = next;
    this.staleLeft = this.staleSamples;
    this.tuneId++;
    this.tuneChanged = true;
    this.retunes++;
    this.info.centerHz = centerHz;
    return centerHz;
  }

  /** Renders up to `count` samples into bytes; returns how many (fewer only at the end of a non-looping scenario). */
  private render(count: number): number {
    let done = 0;
    const acc = this.acc;
    while (done < count) {
      if (this.nInCycle >= this.samplesPerCycle) {
        if (!this.loop) break;
        this.startCycle(this.cycle + 1);
      }
      let n = Math.min(count - done, this.samplesPerCycle - this.nInCycle);
      let t = this.current;
      const stale = this.staleLeft > 0 && this.previous !== null;
      if (stale) {
        n = Math.min(n, this.staleLeft);
        t = this.previous!;
      }
      acc.fill(0, 2 * done, 2 * (done + n));
      const n0 = this.nInCycle;
      this.noise.add(acc, done, n0, n);
      t.add(acc, done, n0, n);
      quantizeCu8(acc, done, this.bytes, done, n, this.dcI, this.dcQ);
      if (stale) this.staleLeft -= n;
      this.nInCycle += n;
      done += n;
    }
    return done;
  }

  /** Blocks until the scenario ends (or forever with `loop`) or `close()`. @throws Error when called twice. */
  async *blocks(): AsyncGenerator<IqBlock> {
    this.pacer.start('sim: blocks() was already called; create a new HoppingSimSource');
    const block = this.block;
    let next = 0;
    try {
      while (!this.pacer.closed) {
        const changed = this.tuneChanged;
        this.tuneChanged = false;
        const n = this.render(this.blockSamples);
        if (n === 0) break;
        block.count = n;
        block.clipFraction = convertCu8(this.bytes, this.samples, n, 0);
        block.firstSample = next;
        block.discontinuity = changed;
        if (changed) {
          block.tuneId = this.tuneId;
          block.centerHz = this.current.centerHz;
        }
        next += n;
        if (!(await this.pacer.release(next, n))) return; // closed meanwhile
        yield block;
      }
    } finally {
      this.pacer.end();
    }
  }

}
