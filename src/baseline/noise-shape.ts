// Shape of the detection statistic under pure noise, measured by simulation for the exact spectrum settings.
import { SpectrumEngine } from '../spectrum/spectrum-engine.js';
import type { SpectrumFrame, SpectrumOptions } from '../spectrum/frames.js';
import { FrequencySmoother } from '../spectrum/statistic.js';
import type { IqBlock } from '../types.js';

/** Quantile spacings (dB) of a statistic under white noise: how far the median and σ lie from the lower quantiles. */
export interface NoiseShape {
  /** (P50 − P10) / (P10 − P02). */
  medianOverLower: number;
  /** σ / (P10 − P02), σ taken as P50 − P16. */
  sigmaOverLower: number;
}

/** Shapes of the four statistics a baseline holds. */
export interface NoiseShapes {
  fast: NoiseShape;
  fastWide: NoiseShape;
  slow: NoiseShape;
  slowWide: NoiseShape;
}

/** Settings that determine the statistic's distribution. */
export interface ShapeSettings {
  spectrum: SpectrumOptions;
  fastFftSize: number;
  smoothBins: number;
  wideBins: number;
  fastWideBins: number;
}

/** The lower quantile pair the baseline's robust estimates use (see learner.ts finishPath). */
export const LOWER_LO = 0.02;
export const LOWER_HI = 0.1;

/** Welch averages longer than this are simulated with this many frames (see measureNoiseShapes). */
const MAX_SIMULATED_AVERAGE = 32;

const cache = new Map<string, NoiseShapes>();

/** Deterministic PRNG (mulberry32) and Box–Muller Gaussian for the simulation. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uni = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uni() + 1e-300)) * Math.cos(2 * Math.PI * uni());
}

class Collector {
  readonly values: number[] = [];
  private readonly stat: Float32Array;
  constructor(private readonly smoother: FrequencySmoother, private readonly n: number) {
    this.stat = new Float32Array(n);
  }
  add(power: Float32Array): void {
    this.smoother.apply(power, this.stat);
    const edge = this.n >> 4;
    for (let b = edge; b < this.n - edge; b++) {
      if (Math.abs(b - this.n / 2) <= this.smoother.half + 1) continue; // DC removal touches the centre bins
      this.values.push(10 * Math.log10(this.stat[b]));
    }
  }
  shape(): NoiseShape {
    const v = Float64Array.from(this.values).sort();
    const q = (p: number): number => v[Math.min(v.length - 1, Math.floor(p * (v.length - 1)))];
    const lower = q(LOWER_HI) - q(LOWER_LO);
    return { medianOverLower: (q(0.5) - q(LOWER_HI)) / lower, sigmaOverLower: (q(0.5) - q(0.16)) / lower };
  }
}

/**
 * Measures {@link NoiseShapes} by pushing seeded white Gaussian noise through the same spectrum engines and kernels
 * the pipeline uses (about 400 short frames and 24 slow frames; cached per settings). Exact for the configured window,
 * overlap, averaging and smoothing, where a closed form (a sum of correlated χ² bins) is not.
 */
export function measureNoiseShapes(s: ShapeSettings): NoiseShapes {
  const key = JSON.stringify([s.spectrum.fftSize, s.spectrum.window, Math.min(MAX_SIMULATED_AVERAGE, s.spectrum.average), s.fastFftSize, s.smoothBins, s.wideBins, s.fastWideBins]);
  const hit = cache.get(key);
  if (hit) return hit;
  const n = s.spectrum.fftSize;
  const nf = s.fastFftSize;
  // beyond ~32 frames the averaged statistic is already close to its Gaussian limit (CLT): simulating more frames
  // changes the quantile ratios by < 1 % but costs up to 15× more at 2.4 MS/s
  const avg = Math.max(1, Math.min(MAX_SIMULATED_AVERAGE, s.spectrum.average));
  const fastEngine = new SpectrumEngine({ ...s.spectrum, fftSize: nf, average: 0, dcRemoval: true });
  const slowEngine = new SpectrumEngine({ ...s.spectrum, average: avg, dcRemoval: true });
  const cf = new Collector(new FrequencySmoother(nf, s.smoothBins), nf);
  const cfw = new Collector(new FrequencySmoother(nf, s.fastWideBins), nf);
  const cs = new Collector(new FrequencySmoother(n, s.smoothBins), n);
  const csw = new Collector(new FrequencySmoother(n, s.wideBins), n);
  const slowFrames = 24;
  const fastFrames = 400;
  const total = Math.max((slowFrames * avg + 1) * (n / 2), (fastFrames + 1) * (nf / 2));
  const blockLen = 8192;
  const samples = new Float32Array(2 * blockLen);
  const g = gaussian(0x51ab1e);
  let fastSeen = 0;
  const fastSink = {
    onShortFrame(f: SpectrumFrame) {
      if (fastSeen++ < fastFrames) {
        cf.add(f.power);
        cfw.add(f.power);
      }
    },
    onSlowFrame() {},
  };
  const slowSink = {
    onShortFrame() {},
    onSlowFrame(f: SpectrumFrame) {
      cs.add(f.power);
      csw.add(f.power);
    },
  };
  for (let first = 0; first < total; first += blockLen) {
    for (let i = 0; i < 2 * blockLen; i++) samples[i] = 0.01 * g();
    const block: IqBlock = { samples, count: blockLen, centerHz: 0, rateSps: 1, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity: false };
    fastEngine.push(block, fastSink);
    slowEngine.push(block, slowSink);
  }
  const shapes = { fast: cf.shape(), fastWide: cfw.shape(), slow: cs.shape(), slowWide: csw.shape() };
  cache.set(key, shapes);
  return shapes;
}
