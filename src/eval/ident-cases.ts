// Synthetic clips of every identification class with random parameters in each class's normal range, and the
// confusion matrix of the classifier over them (used by bench/ident-eval.js and test/ident/classify.test.ts).
import { identify, SIGNAL_CLASSES, type Identification, type SignalClass } from '../ident/classify.js';
import type { IdentInput } from '../ident/features.js';
import { AmGenerator, FskGenerator, ImpulseGenerator } from '../source/sim-modulated.js';
import {
  BandNoiseGenerator, FmGenerator, GsmBurstGenerator, hash32, NoiseAudio, NoiseGenerator, OokGenerator, Prng, ToneGenerator,
  type SampleGenerator,
} from '../source/sim-generators.js';

/** Noise power over the whole band (dBFS) of every case, as the simulator's default. */
export const CASE_NOISE_DBFS = -35;
/** Noise-only margin before and after the emission in each clip (s). */
export const CASE_MARGIN_S = 0.02;

/** One synthetic clip with its truth. */
export interface IdentCase {
  truth: Exclude<SignalClass, 'unknown'>;
  /** In-band SNR (dB): power while on over the noise in `bandwidthHz` (the sim's convention, src/source/sim.ts). */
  snrDb: number;
  /** Reference bandwidth of the SNR (Hz) and the parameters drawn, for the report. */
  bandwidthHz: number;
  params: Record<string, number>;
  input: IdentInput;
}

/** The classes the synthetic set covers (all but unknown). */
export const CASE_CLASSES = SIGNAL_CLASSES.filter((c) => c !== 'unknown') as Exclude<SignalClass, 'unknown'>[];

/**
 * Draws a case of class `cls` from `seed`: random parameters inside the class's normal range (docs/identification.md §7
 * lists them), a random offset, an emission of random length between two 20 ms noise margins, and a detector-like hint
 * (centre within ±5 % of the bandwidth, bandwidth × 0.7 … 1.3). `durationS` overrides the drawn emission length.
 */
export function makeCase(cls: Exclude<SignalClass, 'unknown'>, seed: number, snrDb: number, durationS?: number): IdentCase {
  const rng = new Prng(hash32(seed, SIGNAL_CLASSES.indexOf(cls) + 1));
  const u = (a: number, b: number): number => a + (b - a) * rng.uniform();
  const wide = cls === 'wfm' || cls === 'tdma-burst' || cls === 'wideband-digital';
  const rate = wide ? 1_000_000 : rng.uniform() < 0.5 ? 250_000 : 1_000_000;
  let durS: number;
  let bw: number;
  const params: Record<string, number> = {};
  let make: (off: number, p: number, a: number, b: number) => SampleGenerator;
  switch (cls) {
    case 'carrier':
      durS = u(0.2, 0.6);
      bw = 1000;
      make = (off, p, a, b) => new ToneGenerator(off, p, rate, a, b, u(0, 1));
      break;
    case 'am': {
      durS = u(0.3, 0.6);
      bw = 6000;
      const m = (params.depth = u(0.7, 1));
      make = (off, p, a, b) => new AmGenerator(off, p, rate, a, b, m, new NoiseAudio(rate, 300, 3000, 3));
      break;
    }
    case 'nfm': {
      durS = u(0.3, 0.6);
      const dev = (params.deviationHz = u(2000, 5000));
      bw = 2 * (dev + 3000);
      make = (off, p, a, b) => new FmGenerator(off, p, rate, a, b, dev, 1000, new NoiseAudio(rate, 300, 3000, 3));
      break;
    }
    case 'wfm': {
      durS = u(0.2, 0.4);
      const dev = (params.deviationHz = u(40_000, 75_000));
      bw = 2 * (dev + 15_000);
      make = (off, p, a, b) => new FmGenerator(off, p, rate, a, b, dev, 1000, new NoiseAudio(rate, 50, 15_000, 3));
      break;
    }
    case 'ook': {
      const sym = (params.symbolS = u(0.2e-3, 2e-3));
      durS = u(40, 120) * sym;
      bw = 2 / sym;
      make = (off, p, a, b) => new OokGenerator(off, p, rate, a, b, 0, sym);
      break;
    }
    case 'fsk': {
      const tones = (params.tones = rng.uniform() < 0.5 ? 2 : 4) as 2 | 4;
      const rs = (params.symbolRateBd = u(1000, rate > 300_000 ? 20_000 : 10_000));
      const spacing = (params.spacingHz = u(1, 3) * rs);
      durS = u(60, 200) / rs;
      bw = (tones - 1) * spacing + 2 * rs;
      make = (off, p, a, b) => new FskGenerator(off, p, rate, a, b, rs, tones, spacing);
      break;
    }
    case 'tdma-burst':
      durS = u(0.05, 0.3);
      bw = 200_000;
      make = (off, p, a, b) => new GsmBurstGenerator(off, p, rate, a, b, 0);
      break;
    case 'wideband-digital':
      durS = u(0.1, 0.4);
      bw = params.bandwidthHz = u(50_000, 400_000);
      make = (off, p, a, b) => new BandNoiseGenerator(off, bw, p, rate, a, b, 0);
      break;
    case 'pulsed-wideband': {
      durS = u(0.05, 0.3);
      bw = rate;
      const pulse = (params.pulseS = u(2e-6, 30e-6));
      const gap = (params.meanGapS = u(0.2e-3, 3e-3));
      make = (_off, p, a, b) => new ImpulseGenerator(p, rate, a, b, pulse, gap);
      break;
    }
  }
  if (durationS !== undefined) durS = durationS;
  const maxOff = Math.max(0, 0.35 * rate - bw / 2);
  const offsetHz = cls === 'pulsed-wideband' ? 0 : Math.round(u(-maxOff, maxOff));
  const powerDbfs = CASE_NOISE_DBFS + 10 * Math.log10(bw / rate) + snrDb;
  const a = Math.round(CASE_MARGIN_S * rate);
  const b = a + Math.round(durS * rate);
  const count = b + a;
  const gen = make(offsetHz, powerDbfs, a, b);
  gen.reset(hash32(seed, 7));
  const noise = new NoiseGenerator(CASE_NOISE_DBFS, hash32(seed, 11));
  const acc = new Float64Array(2 * count);
  gen.add(acc, 0, 0, count);
  noise.add(acc, 0, 0, count);
  const iq = Float32Array.from(acc);
  const hintBw = bw * u(0.7, 1.3);
  const hintOff = offsetHz + (rng.uniform() - 0.5) * 0.1 * bw;
  return { truth: cls, snrDb, bandwidthHz: bw, params, input: { iq, count, rateSps: rate, offsetHz: hintOff, bandwidthHz: hintBw } };
}

/** Classifier results over a set of cases: counts[truth][predicted], and the share correct. */
export interface Confusion {
  snrDb: number;
  counts: Record<string, Record<string, number>>;
  correct: number;
  total: number;
  /** Misclassified cases: truth, predicted, seed, reason. */
  errors: { truth: string; predicted: string; seed: number; reason: string; params: Record<string, number> }[];
}

/** Runs the classifier over `seeds` cases of every class at `snrDb`. */
export function confusion(snrDb: number, seeds: number[], classes = CASE_CLASSES, classifier: (i: IdentInput) => Identification = identify): Confusion {
  const counts: Record<string, Record<string, number>> = {};
  const errors: Confusion['errors'] = [];
  let correct = 0;
  let total = 0;
  for (const cls of classes) {
    counts[cls] = {};
    for (const seed of seeds) {
      const c = makeCase(cls, seed, snrDb);
      const r = classifier(c.input);
      counts[cls][r.class] = (counts[cls][r.class] ?? 0) + 1;
      total++;
      if (r.class === cls) correct++;
      else errors.push({ truth: cls, predicted: r.class, seed, reason: r.reason, params: c.params });
    }
  }
  return { snrDb, counts, correct, total, errors };
}

/** The matrix as text: one row per true class, one column per predicted class (counts), then the share correct. */
export function formatConfusion(c: Confusion): string {
  const cols = SIGNAL_CLASSES;
  const abbrev = (s: string): string => s.replace('wideband-digital', 'wb-dig').replace('pulsed-wideband', 'pulsed').replace('tdma-burst', 'tdma');
  const lines = [`SNR ${c.snrDb} dB: ${c.correct}/${c.total} correct (${((100 * c.correct) / c.total).toFixed(1)} %)`];
  lines.push(['truth \\ class'.padEnd(14), ...cols.map((x) => abbrev(x).padStart(8))].join(''));
  for (const [truth, row] of Object.entries(c.counts)) lines.push([abbrev(truth).padEnd(14), ...cols.map((x) => String(row[x] ?? 0).padStart(8))].join(''));
  return lines.join('\n');
}
