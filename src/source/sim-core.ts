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
  /** Phase step per sample (cycles): offsetHz / rateSps. */
  readonly step: number;
  /** cos and sin of the step's angle 2π·step: the phasor a render multiplies by once per sample. */
  readonly stepCos: number;
  readonly stepSin: number;
  constructor(offsetHz: number, rateSps: number) {
    this.step = offsetHz / rateSps;
    const w = 2 * Math.PI * this.step;
    this.stepCos = Math.cos(w);
    this.stepSin = Math.sin(w);
  }
  /** Real part of the unit phasor at the next sample, cos 2π·phase (a render's start value). */
  phaseRe(): number {
    return Math.cos(2 * Math.PI * this.phase);
  }
  /** Imaginary part of the unit phasor at the next sample, sin 2π·phase. */
  phaseIm(): number {
    return Math.sin(2 * Math.PI * this.phase);
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

/**
 * A gated carrier of power `powerDbfs` at `offsetHz` (amplitude √P, a phase rotator), rendered in runs of samples that
 * are each keyed on or off: a tone is one run, on/off keying one run per symbol. The phasor runs on across the runs
 * of a render, one complex multiply per sample on or off, and is re-anchored from the rotator's exact phase at the
 * start of each render ({@link Rotator}).
 */
export abstract class CarrierGenerator extends GatedGenerator {
  /** Amplitude √P of the carrier (P: linear power of `powerDbfs`). */
  protected readonly amplitude: number;
  protected readonly rot: Rotator;
  /** The phasor at the next sample of the current render (re, im). */
  private re = 1;
  private im = 0;
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample: number, endSample: number) {
    super(startSample, endSample);
    this.amplitude = Math.sqrt(dbfsToPower(powerDbfs));
    this.rot = new Rotator(offsetHz, rateSps);
  }
  /** Starts a render: the phasor from the rotator's phase. */
  protected beginRuns(): void {
    this.re = this.rot.phaseRe();
    this.im = this.rot.phaseIm();
  }
  /** Adds the carrier to `count` samples from `out[2·outOffset]` when `on`, and moves the phasor on by `count` samples. */
  protected run(out: Float64Array, outOffset: number, count: number, on: boolean): void {
    const a = this.amplitude;
    const cw = this.rot.stepCos;
    const sw = this.rot.stepSin;
    let re = this.re;
    let im = this.im;
    const end = 2 * (outOffset + count);
    if (on) {
      for (let i = 2 * outOffset; i < end; i += 2) {
        out[i] += a * re;
        out[i + 1] += a * im;
        const r2 = re * cw - im * sw;
        im = re * sw + im * cw;
        re = r2;
      }
    } else {
      for (let i = 2 * outOffset; i < end; i += 2) {
        const r2 = re * cw - im * sw;
        im = re * sw + im * cw;
        re = r2;
      }
    }
    this.re = re;
    this.im = im;
  }
}

/** A steady complex tone: `√P·e^{j2π·offsetHz·n/rate}` over `[startSample, endSample)` (default: always). */
export class ToneGenerator extends CarrierGenerator {
  private readonly phase0: number;
  /** @param phaseCycles starting phase (cycles), restored by `reset`. */
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample = 0, endSample = Infinity, phaseCycles = 0) {
    super(offsetHz, powerDbfs, rateSps, startSample, endSample);
    this.phase0 = phaseCycles - Math.floor(phaseCycles);
    this.rot.phase = this.phase0;
  }
  reset(_seed: number): void {
    this.rot.phase = this.phase0;
  }
  protected render(out: Float64Array, outOffset: number, _n0: number, count: number): void {
    this.beginRuns();
    this.run(out, outOffset, count, true);
    this.rot.advance(count);
  }
}

/**
 * On/off keyed carrier: symbols of `symbolS` seconds (default 1 ms), key-down power `powerDbfs`. Symbol k of the
 * event is on when `hash32(seed, k)` is odd; symbol 0 is always on so the burst edge is where the truth says.
 */
export class OokGenerator extends CarrierGenerator {
  private readonly symbolSamples: number;
  private seed = 0;
  constructor(offsetHz: number, powerDbfs: number, rateSps: number, startSample: number, endSample: number, seed: number, symbolS = 1e-3) {
    super(offsetHz, powerDbfs, rateSps, startSample, endSample);
    this.symbolSamples = symbolS * rateSps;
    this.reset(seed);
  }
  reset(seed: number): void {
    this.seed = seed >>> 0;
    this.rot.phase = 0;
  }
  protected render(out: Float64Array, outOffset: number, n0: number, count: number): void {
    const start = this.startSample;
    const sym = this.symbolSamples;
    this.beginRuns();
    // one run per symbol: sample n starts symbol k = floor((n − start) / sym) once n ≥ the previous symbol's end edge
    // (a fractional edge: the first whole sample at or past it)
    let j = 0;
    while (j < count) {
      const n = n0 + j;
      const k = Math.floor((n - start) / sym);
      const on = k === 0 || (hash32(this.seed, k) & 1) === 1;
      const len = Math.min(count - j, Math.max(1, Math.ceil(start + (k + 1) * sym) - n));
      this.run(out, outOffset + j, len, on);
      j += len;
    }
    this.rot.advance(count);
  }
}
