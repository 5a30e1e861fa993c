// Baseline: per-bin robust noise level and spread for the fast and slow detector paths, plus a settings fingerprint.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { QuietBandError } from '../errors.js';
import type { CalibrationEmitter } from './emitters.js';
import { makeFolder } from '../make-folder.js';

/**
 * Everything that changes levels: a baseline recorded with other settings must not be compared (docs/field-notes.md §4, §13).
 * Optional fields are compared only when both sides know them.
 */
export interface BaselineFingerprint {
  centerHz: number;
  rateSps: number;
  /** Slow-path (Welch) FFT size. */
  fftSize: number;
  /** Fast-path (short frame) FFT size. */
  fastFftSize: number;
  window: string;
  /** Short frames per slow (Welch) frame. */
  average: number;
  /** Width of the narrow frequency smoothing kernel (bins) applied to both paths' statistics. */
  smoothBins: number;
  /** Width of the wide kernel (bins) for wideband bursts, slow path. */
  wideBins: number;
  /** Width of the wide kernel (bins), fast path. */
  fastWideBins: number;
  /** Band plan whose background bands got an envelope baseline: 'CN', 'EU' or 'none'. */
  bandPlan: string;
  /** Running DC removal before the FFT (changes the levels around the centre). */
  dcRemoval?: boolean;
  /** Source label (file name, `rtlsdr:<serial>`, `rtltcp:host:port`, `sim`). */
  source: string;
  gainDb?: number | 'auto';
  ppm?: number;
  deviceId?: string;
}

/** Fingerprint fields in the order they are checked and named in errors. */
export const FINGERPRINT_FIELDS: readonly (keyof BaselineFingerprint)[] = [
  'centerHz', 'rateSps', 'fftSize', 'fastFftSize', 'window', 'average', 'smoothBins', 'wideBins', 'fastWideBins', 'bandPlan', 'dcRemoval', 'gainDb', 'ppm', 'deviceId', 'source',
];

/** Per-bin statistics of one path, fftshifted like SpectrumFrame.power. */
export interface BaselinePath {
  /** Robust noise level per bin (dB relative to full scale, PSD normalisation of SpectrumFrame). NaN = path unusable. */
  levelDb: Float32Array;
  /** Robust spread (≈ one standard deviation, dB) per bin. */
  spreadDb: Float32Array;
  /** Number of frames the statistics were learned from. */
  frames: number;
  /**
   * Occupied-band envelope per bin (dB, same units as levelDb): what the bin showed while an emitter was on during
   * learning (a high quantile of its history); NaN where the bin held only noise. Absent in baselines written before
   * it existed. docs/detector.md "Background model".
   */
  envelopeDb?: Float32Array;
}

/** A learned or loaded baseline. */
export interface Baseline {
  fingerprint: BaselineFingerprint;
  /** Narrow-kernel statistics of short frames (fast path) and Welch averages (slow path). */
  fast: BaselinePath;
  slow: BaselinePath;
  /** Wide-kernel statistics of the same frames. */
  fastWide: BaselinePath;
  slowWide: BaselinePath;
  /** ISO time the baseline was recorded (for age checks). */
  createdAt: string;
  /** Seconds of signal it was learned from. */
  durationS: number;
  /** 'auto' (learned from the analysed file itself), 'calibrate' (dedicated quiet recording), 'warmup' (live). */
  method: 'auto' | 'calibrate' | 'warmup';
  /** Emitters heard while learning (strongest first); absent in baselines written before it existed. */
  emitters?: CalibrationEmitter[];
  /** 'calibration' when the paths carry an occupied-band envelope (learned from a calibration), 'none' otherwise. */
  envelope?: 'calibration' | 'none';
  /**
   * Fast-path bins (fastFftSize, fftshifted) where the burst path's own test opened during the calibration
   * (BurstHeardLearner, docs/detector.md §12): 1 = heard. Only in a calibration's baseline; without it a calibrated
   * baseline leaves the burst path off.
   */
  burstHeard?: Uint8Array;
}

/** Runs [first, last] (inclusive bin indices) of the 1s in a 0/1 mask, for a compact file. */
export function maskRuns(mask: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  for (let b = 0; b < mask.length; b++) {
    if (mask[b] === 0) continue;
    const first = b;
    while (b + 1 < mask.length && mask[b + 1] !== 0) b++;
    runs.push([first, b]);
  }
  return runs;
}

/**
 * Compares a stored baseline's fingerprint with the live settings.
 * @throws QuietBandError('BASELINE_MISMATCH') naming the first differing field with both values.
 */
export function checkFingerprint(stored: BaselineFingerprint, live: BaselineFingerprint, file = 'baseline'): void {
  for (const field of FINGERPRINT_FIELDS) {
    const a = stored[field];
    const b = live[field];
    if (a === undefined || b === undefined) continue;
    if (a !== b) {
      throw new QuietBandError(
        `${file}: fingerprint field '${field}' differs: baseline has ${JSON.stringify(a)}, live settings have ${JSON.stringify(b)}; ` +
          `record a new baseline with 'quietband calibrate' using the same settings`,
        'BASELINE_MISMATCH',
      );
    }
  }
}

const round2 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

/** Writes a baseline as JSON (levels rounded to 0.01 dB). Creates the folder. */
export async function saveBaseline(path: string, b: Baseline): Promise<void> {
  const path2 = (p: BaselinePath) => ({
    frames: p.frames,
    levelDb: Array.from(p.levelDb, round2),
    spreadDb: Array.from(p.spreadDb, round2),
    ...(p.envelopeDb ? { envelopeDb: Array.from(p.envelopeDb, round2) } : {}),
  });
  const json = {
    quietbandBaseline: 1,
    method: b.method,
    createdAt: b.createdAt,
    durationS: b.durationS,
    fingerprint: b.fingerprint,
    fast: path2(b.fast),
    slow: path2(b.slow),
    fastWide: path2(b.fastWide),
    slowWide: path2(b.slowWide),
    ...(b.envelope ? { envelope: b.envelope } : {}),
    ...(b.emitters ? { emitters: b.emitters } : {}),
    ...(b.burstHeard ? { burstHeardRuns: maskRuns(b.burstHeard) } : {}),
  };
  try {
    await makeFolder(dirname(path));
    await writeFile(path, JSON.stringify(json) + '\n');
  } catch (err) {
    // Node's errors by their errno name (EACCES, EROFS…); makeFolder's own by its sentence (its code, IO, says nothing)
    const why = err instanceof QuietBandError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new QuietBandError(`${path}: cannot write the baseline (${why}); give a writable file path`, 'IO', { cause: err });
  }
}

/**
 * Reads a baseline written by {@link saveBaseline}.
 * @throws QuietBandError('BAD_INPUT') naming the file and the field that is missing or malformed.
 */
export async function loadBaseline(path: string): Promise<Baseline> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new QuietBandError(`${path}: not a readable JSON baseline (${(err as Error).message})`, 'BAD_INPUT', { cause: err });
  }
  const o = raw as Record<string, any>;
  if (!o || o.quietbandBaseline !== 1) throw new QuietBandError(`${path}: quietbandBaseline: expected 1 (a file written by 'quietband calibrate')`, 'BAD_INPUT');
  const fp = o.fingerprint as BaselineFingerprint | undefined;
  if (!fp || typeof fp.fftSize !== 'number' || typeof fp.fastFftSize !== 'number' || typeof fp.rateSps !== 'number') {
    throw new QuietBandError(`${path}: fingerprint: expected an object with fftSize, fastFftSize and rateSps`, 'BAD_INPUT');
  }
  const readPath = (name: 'fast' | 'slow' | 'fastWide' | 'slowWide'): BaselinePath => {
    const p = o[name];
    const len = name.startsWith('fast') ? fp.fastFftSize : fp.fftSize;
    if (!p || !Array.isArray(p.levelDb) || p.levelDb.length !== len || !Array.isArray(p.spreadDb) || p.spreadDb.length !== len) {
      throw new QuietBandError(`${path}: ${name}.levelDb/spreadDb: expected arrays of ${len} numbers (the ${name.startsWith('fast') ? 'fastFftSize' : 'fftSize'})`, 'BAD_INPUT');
    }
    const toF = (a: (number | null)[]) => Float32Array.from(a, (x) => (x === null ? NaN : x));
    const out: BaselinePath = { levelDb: toF(p.levelDb), spreadDb: toF(p.spreadDb), frames: Number(p.frames) || 0 };
    if (p.envelopeDb !== undefined) {
      if (!Array.isArray(p.envelopeDb) || p.envelopeDb.length !== len) {
        throw new QuietBandError(`${path}: ${name}.envelopeDb: expected an array of ${len} numbers or nulls`, 'BAD_INPUT');
      }
      out.envelopeDb = toF(p.envelopeDb);
    }
    return out;
  };
  if (o.emitters !== undefined && !Array.isArray(o.emitters)) {
    throw new QuietBandError(`${path}: emitters: expected an array of emitters (centerHz, bandwidthHz, …)`, 'BAD_INPUT');
  }
  let burstHeard: Uint8Array | undefined;
  if (o.burstHeardRuns !== undefined) {
    const runs = o.burstHeardRuns as unknown;
    const n = fp.fastFftSize;
    const ok = Array.isArray(runs) && runs.every((r) => Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] >= 0 && r[0] <= r[1] && r[1] < n);
    if (!ok) throw new QuietBandError(`${path}: burstHeardRuns: expected [first, last] pairs of bin indices in 0..${n - 1} (the fastFftSize)`, 'BAD_INPUT');
    burstHeard = new Uint8Array(n);
    for (const [a, z] of runs as [number, number][]) burstHeard.fill(1, a, z + 1);
  }
  return {
    fingerprint: fp,
    fast: readPath('fast'),
    slow: readPath('slow'),
    fastWide: readPath('fastWide'),
    slowWide: readPath('slowWide'),
    createdAt: String(o.createdAt ?? ''),
    durationS: Number(o.durationS) || 0,
    method: o.method === 'auto' || o.method === 'warmup' ? o.method : 'calibrate',
    ...(o.envelope === 'calibration' || o.envelope === 'none' ? { envelope: o.envelope } : {}),
    ...(Array.isArray(o.emitters) ? { emitters: o.emitters as CalibrationEmitter[] } : {}),
    ...(burstHeard !== undefined ? { burstHeard } : {}),
  };
}
