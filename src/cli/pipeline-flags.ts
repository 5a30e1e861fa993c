// Values of the flags shared by replay, calibrate and run (commands.ts defines them) → validated PipelineOptions.
import { cliError, type ErrorMessageId } from '../error-text.js';
import { isValidFftSize } from '../dsp/fft.js';
import { WINDOW_NAMES, type WindowName } from '../dsp/window.js';
import { defaultAverage, defaultFastFftSize, DEFAULT_SETTLE_SAMPLES, type PipelineOptions } from '../pipeline.js';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from '../detector/options.js';
import { defaultWideBins } from '../spectrum/statistic.js';
import { parseFrequency, parseRate } from '../source/file-source.js';
import type { SampleFormat } from '../types.js';
import { SAMPLE_FORMATS } from '../source/sample-formats.js';
import { MAX_PLAUSIBLE_RATE_SPS } from '../source/file-name.js';
import { centerProblem } from '../source/input-ranges.js';

/** Raw flag values as commander delivers them (strings until validated). */
export interface PipelineFlags {
  format?: string;
  rate?: string;
  center?: string;
  fftSize?: string;
  fastFftSize?: string;
  window?: string;
  average?: string;
  dcRemoval?: boolean;
  thresholdDb?: string;
  slowThresholdDb?: string;
  minDurationMs?: string;
  holdMs?: string;
  dcGuardHz?: string;
  bandPlan?: string;
  settleSamples?: string;
  /** Burst-path integration times (ms), separated by commas or slashes ("0.5,20"); "" or "off": no burst path. */
  burstScalesMs?: string;
}

/** `value` as a number, undefined when not given. @throws QuietBandError('CONFIG') `flag.notA` naming `flag` and the `expected` text (an `expect.*` id, its params in `params`). */
function num(value: string | undefined, flag: string, check: (n: number) => boolean, expected: ErrorMessageId, params: Record<string, unknown> = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw cliError('flag.notA', { flag, value, expected, ...params }, 'CONFIG');
  return n;
}

/** Validated input overrides (format, rate, centre). @throws QuietBandError('CONFIG') naming the flag. */
export function inputOverrides(f: PipelineFlags): { format?: SampleFormat; rateSps?: number; centerHz?: number } {
  const out: { format?: SampleFormat; rateSps?: number; centerHz?: number } = {};
  if (f.format !== undefined) {
    if (!(SAMPLE_FORMATS as readonly string[]).includes(f.format)) {
      throw cliError('flag.notSupported', { flag: '--format', value: f.format, choices: SAMPLE_FORMATS.join(', ') }, 'CONFIG');
    }
    out.format = f.format as SampleFormat;
  }
  if (f.rate !== undefined) {
    out.rateSps = parseRate(f.rate, '--rate');
    if (out.rateSps < 1000) throw cliError('flag.rateLow', { value: f.rate, rateSps: out.rateSps }, 'CONFIG');
    if (out.rateSps > MAX_PLAUSIBLE_RATE_SPS) {
      throw cliError('flag.rateHigh', { value: f.rate, rateSps: out.rateSps, maxMsps: MAX_PLAUSIBLE_RATE_SPS / 1e6 }, 'CONFIG');
    }
  }
  if (f.center !== undefined) {
    out.centerHz = parseFrequency(f.center, '--center');
    const why = centerProblem(out.centerHz);
    if (why !== null) throw cliError('flag.center', { value: f.center, detail: why }, 'CONFIG');
  }
  return out;
}

/**
 * Builds PipelineOptions from flags for a stream at `rateSps`; `rateField` names where that rate came from (e.g.
 * `x.sigmf-meta: global.core:sample_rate`) in the error a rate too low for the default DC guard gets.
 * @throws QuietBandError('CONFIG') naming the flag (or `rateField`) and what was expected.
 */
export function pipelineOptions(f: PipelineFlags, rateSps: number, rateField = 'sample rate'): PipelineOptions {
  const fftSize = num(f.fftSize ?? '1024', '--fft-size', isValidFftSize, 'expect.fftSize')!;
  const fastFftSize = num(f.fastFftSize, '--fast-fft-size', (n) => isValidFftSize(n) || (n >= 16 && (n & (n - 1)) === 0 && n <= fftSize), 'expect.fastFftSize', { fftSize })
    ?? defaultFastFftSize(fftSize);
  if (fastFftSize > fftSize) throw cliError('flag.fastOverFft', { fast: fastFftSize, fft: fftSize }, 'CONFIG');
  const window = (f.window ?? 'hann') as WindowName;
  if (!WINDOW_NAMES.includes(window)) throw cliError('flag.notSupported', { flag: '--window', value: f.window, choices: WINDOW_NAMES.join(', ') }, 'CONFIG');
  const average = num(f.average, '--average', (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, 'expect.wholeFrames') ?? defaultAverage(rateSps, fftSize);
  const bandPlan = (f.bandPlan ?? 'CN').toUpperCase() === 'NONE' ? 'none' : (f.bandPlan ?? 'CN').toUpperCase();
  if (bandPlan !== 'CN' && bandPlan !== 'EU' && bandPlan !== 'none') throw cliError('flag.notA', { flag: '--band-plan', value: f.bandPlan, expected: 'expect.bandPlan' }, 'CONFIG');
  const det: Partial<DetectorOptions> = {};
  const set = (key: keyof DetectorOptions, v: number | undefined) => {
    if (v !== undefined) (det as Record<string, number>)[key] = v;
  };
  set('thresholdDb', num(f.thresholdDb, '--threshold-db', (n) => n > 0 && n < 100, 'expect.levelDb'));
  set('slowThresholdDb', num(f.slowThresholdDb, '--slow-threshold-db', (n) => n > 0 && n < 100, 'expect.levelDb'));
  set('minDurationMs', num(f.minDurationMs, '--min-duration-ms', (n) => n >= 0, 'expect.durationMs'));
  set('holdMs', num(f.holdMs, '--hold-ms', (n) => n >= 0, 'expect.durationMs'));
  set('dcGuardHz', num(f.dcGuardHz, '--dc-guard-hz', (n) => n >= 0 && n < rateSps / 4, 'expect.dcGuard', { quarterHz: rateSps / 4 }));
  if (f.burstScalesMs !== undefined) det.burstScalesS = burstScales(f.burstScalesMs);
  // the default guard was not asked for: a rate too low for it is the rate's fault, not the flag's
  if (f.dcGuardHz === undefined && !(DEFAULT_DETECTOR_OPTIONS.dcGuardHz < rateSps / 4)) {
    const guardHz = DEFAULT_DETECTOR_OPTIONS.dcGuardHz;
    throw cliError('rate.dcGuard', { field: rateField, rateSps, guardHz, needSps: 4 * guardHz, quarterHz: rateSps / 4 }, 'CONFIG');
  }
  return {
    spectrum: { fftSize, window, average, dcRemoval: f.dcRemoval !== false },
    fastFftSize,
    smoothBins: 3,
    wideBins: defaultWideBins(fftSize),
    fastWideBins: defaultWideBins(fastFftSize),
    bandPlan,
    detector: det,
  };
}

/**
 * `--burst-scales-ms`: integration times of the burst path (docs/detector.md §12) in ms, e.g. "0.5,20"; "" or "off"
 * turns it off. @returns seconds. @throws QuietBandError('CONFIG') naming the flag for a value that is no positive time
 * up to 1000 ms.
 */
function burstScales(text: string): number[] {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'off') return [];
  return t.split(/\s*[,/]\s*/).map((x) => {
    const ms = x === '' ? NaN : Number(x);
    if (!(ms > 0 && ms <= 1000)) {
      throw cliError('flag.burstScales', { item: x, value: text }, 'CONFIG');
    }
    return ms / 1000;
  });
}

/** The settle length from flags. */
export function settleSamples(f: PipelineFlags): number {
  return num(f.settleSamples, '--settle-samples', (n) => Number.isInteger(n) && n >= 0, 'expect.wholeSamples') ?? DEFAULT_SETTLE_SAMPLES;
}
