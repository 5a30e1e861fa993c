// The simulator's generator contract (SampleGenerator), the building blocks every modulated generator shares (a
// phase rotator, gating to an active span) and the simplest signals: white noise, a steady tone, on/off keying.
import { hash32, Prng } from './sim-random.js';

/** dBFS → linear power (0 dBFS = a full-scale complex tone, mean |x|² = 1). */
export function dbfsToPower(dbfs: number): number {
  return Math.pow(10, dbfs / 10);
}

/**
 * A signal source for the simulator. Samples are complex floats (full scale ±1), interleaved I,Q in a Float64Array.
 * `add` ADDS its samples `n0 … n0+count−1` (sample indices from the start of the scenario cycle) into
 * `out[2·outOffset …]`. Generators may keep state (phase, filter history), so successive calls must cover
 * consecutive ranges; `reset(seed)` starts over at sample 0 with new randomness. Nothing is allocated per call.
 */
export interface SampleGenerator {
  add(out: Float64Array, outOffset: number, n0: number, count: number): void;
  reset(seed: number): void;
}

/**
 * Complex white Gaussian noise of mean power `powerDbfs` (dBFS, whole band): each of I and Q has variance P/2.
 * Normals by Box–Muller ({@link Prng.normal}), or with `ziggurat` by {@link Prng.normalZiggurat} (faster, another
 * sequence: for long streams).
 */
export class NoiseGenerator implements SampleGenerator {
  private readonly prng: Prng;
  private readonly sigma: number;
  private readonly ziggurat: boolean;
  constructor(powerDbfs: number, seed: number, ziggurat = false) {
    this.prng = new Prng(seed);
    this.sigma = Math.sqrt(dbfsToPower(powerDbfs) / 2);
    this.ziggurat = ziggurat;
  }
  reset(seed: number): void {
    this.prng.reset(seed);
  }
  add(out: Float64Array, outOffset: number, _n0: number, count: number): void {
    const prng = this.prng;
    const sigma = this.sigma;
    const end = 2 * (outOffset + count);
    if (this.ziggurat) {
      for (let i = 2 * outOffset; i < end; i += 2) {
        out[i] += sigma * prng.normalZiggurat();
        out[i + 1] += sigma * prng.normalZiggurat();
      }
      return;
    }
    for (let i = 2 * outOffset; i < end; i += 2) {
      out[i] += sigma * prng.normal();
      out[i + 1] += sigma * prng.normal();
    }
  }
}

/**
 * Phase-continuous complex rotator at `offsetHz` (a unit phasor advanced by a complex multiply per sample, re-anchored
 * from an exact phase accumulator at every call so rounding never accumulates across blocks).
 */
export class Rotator {
  /** Phase at the next sample, in cycles, kept in [0, 1). */
  phase = 0;
  readonly step: number;
  constructor(offsetHz: number, rateSps: number) {
    this.step = offsetHz / rateSps;
  }
  advance(count: number): void {
    const p = this.phase + count * this.step;
    this.phase = p - Math.floor(p);
  }
}

/** Events and carriers active over `[startSample, endSample)` only; the base class clips each call to that span. */
export abstract class GatedGenerator implements SampleGenerator {
  constructor(
    readonly startSample: number,
    readonly endSample: number,
  ) {}
  add(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const a = Math.max(n0, this.startSample);
    const b = Math.min(n0 + count, this.endSample);
    if (a < b) this.render(out, outOffset + (a - n0), a, b - a);
  }
  /** Adds samples `n0 … n0+count−1`, all inside the active span. */
  protected abstract render(out: Float64Array, outOffset: number, n0: number, count: number): void;
  abstract reset(seed: number): void;
}

/** A steady complex tone: `√P·e^{j2π·offsetHz·n/rate}` over `[startSample, endSample)` (default: always). */
export class ToneGenerator extends GatedGenerator {
  private readonly amplitude: number;
  private readonly rot: Rotator;
  private readonly phase0: number;
  /** @param phaseCycles starting phase (cycles), restored by `reset`. */
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample = 0, endSample = Infinity, phaseCycles = 0) {
    super(startSample, endSample);
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.rot = new Rotator(offsetHz, rateSps);
    this.phase0 = phaseCycles - Math.floor(phaseCycles);
    this.rot.phase = this.phase0;
  }
  reset(_seed: number): void {
    this.rot.phase = this.phase0;
  }
  protected render(out: Float64Array, outOffset: number, _n0: number, count: number): void {
    const a = this.amplitude;
    const w = 2 * Math.PI * this.rot.step;
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let re = Math.cos(2 * Math.PI * this.rot.phase);
    let im = Math.sin(2 * Math.PI * this.rot.phase);
    const end = 2 * (outOffset + count);
    for (let i = 2 * outOffset; i < end; i += 2) {
      out[i] += a * re;
      out[i + 1] += a * im;
      const r2 = re * cw - im * sw;
      im = re * sw + im * cw;
      re = r2;
    }
    this.rot.advance(count);
  }
}

/**
 * On/off keyed carrier: symbols of `symbolS` seconds (default 1 ms), key-down power `powerDbfs`. Symbol k of the
 * event is on when `hash32(seed, k)` is odd; symbol 0 is always on so the burst edge is where the truth says.
 */
export class OokGenerator extends GatedGenerator {
  private readonly amplitude: number;
  private readonly rot: Rotator;
  private readonly symbolSamples: number;
  private seed = 0;
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample: number, endSample: number, seed: number, symbolS = 1e-3) {
    super(startSample, endSample);
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.rot = new Rotator(offsetHz, rateSps);
    this.symbolSamples = symbolS * rateSps;
    this.reset(seed);
  }
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.rot.phase = 0;
  }
  protected render(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const a = this.amplitude;
    const w = 2 * Math.PI * this.rot.step;
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let re = Math.cos(2 * Math.PI * this.rot.phase);
    let im = Math.sin(2 * Math.PI * this.rot.phase);
    const start = this.startSample;
    const sym = this.symbolSamples;
    let k = Math.floor((n0 - start) / sym);
    let on = k === 0 || (hash32(this.seed, k) & 1) === 1;
    let nextEdge = start + (k + 1) * sym;
    for (let j = 0; j < count; j++) {
      const n = n0 + j;
      if (n >= nextEdge) {
        k = Math.floor((n - start) / sym);
        on = k === 0 || (hash32(this.seed, k) & 1) === 1;
        nextEdge = start + (k + 1) * sym;
      }
      if (on) {
        const i = 2 * (outOffset + j);
        out[i] += a * re;
        out[i + 1] += a * im;
      }
      const r2 = re * cw - im * sw;
      im = re * sw + im * cw;
      re = r2;
    }
    this.rot.advance(count);
  }
}
