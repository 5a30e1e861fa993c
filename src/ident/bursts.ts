// Bursts of an identification clip: on-runs of the analysis channel's averaged power with hysteresis, the averaging
// length that makes them reliable, their durations (bursts, gaps, start-to-start periods: OOK pulses, TDMA slots and
// frames) and what lies between them (docs/identification.md §4).
import { envelopeKurtosis, movingMean } from './envelope.js';
import { quantile } from './spectrum.js';

/** Statistics of a list of durations (s). */
export interface DurationStats {
  count: number;
  medianS: number;
  minS: number;
  maxS: number;
  /** Spread: interquartile range / (1.349·median) from 5 values on, else std / mean; 0 for fewer than two values. */
  cv: number;
}

/** Durations (s) → statistics. */
export function durationStats(values: number[]): DurationStats {
  const n = values.length;
  if (n === 0) return { count: 0, medianS: 0, minS: 0, maxS: 0, cv: 0 };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let v2 = 0;
  for (const v of values) v2 += (v - mean) * (v - mean);
  const median = quantile(values, 0.5);
  // from 5 values on, the robust form: interquartile range / (1.349 · median) (= std/mean for a normal spread), so one
  // burst cut by the clip's edge does not make a regular train look irregular
  const cv = n >= 5 && median > 0 ? (quantile(values, 0.75) - quantile(values, 0.25)) / (1.349 * median) : n > 1 && mean > 0 ? Math.sqrt(v2 / (n - 1)) / mean : 0;
  return { count: n, medianS: median, minS: min, maxS: max, cv };
}

/** On-runs [start, end) of a power sequence with hysteresis thresholds (on above `hi`, off below `lo`), runs shorter than `minLen` dropped and gaps shorter than `minLen` closed. */
function onRuns(p: Float64Array, lo: number, hi: number, minLen: number): [number, number][] {
  const runs: [number, number][] = [];
  let on = false;
  let start = 0;
  for (let i = 0; i < p.length; i++) {
    if (!on && p[i] > hi) {
      on = true;
      start = i;
    } else if (on && p[i] < lo) {
      on = false;
      runs.push([start, i]);
    }
  }
  if (on) runs.push([start, p.length]);
  const merged: [number, number][] = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    if (last && r[0] - last[1] < minLen) last[1] = r[1];
    else merged.push([r[0], r[1]]);
  }
  return merged.filter((r) => r[1] - r[0] >= minLen);
}

/**
 * On-runs of the power `p` averaged over `len` samples: on above N + 0.6·S, off below N + 0.35·S (S = the 95th
 * percentile of the averaged power − N); gaps shorter than len closed, then runs shorter than len dropped.
 */
function levelRuns(p: Float64Array, len: number, noise: number): { runs: [number, number][]; onLevel: number } {
  const ps = movingMean(p, len);
  const onLevel = Math.max(quantile(ps, 0.95) - noise, 1e-30);
  return { runs: onRuns(ps, noise + 0.35 * onLevel, noise + 0.6 * onLevel, len), onLevel };
}

/** The on-runs of a clip: sample ranges [start, end) of the channel, the power S while on over the noise, and the averaging length L (samples) that found them. */
export interface BurstRuns {
  runs: [number, number][];
  onLevel: number;
  smoothLen: number;
  /**
   * True when the emission's envelope within the runs first found is noise-like (noise-corrected kurtosis > 0.45, a
   * Gaussian amplitude's fluctuations rather than keyed pulses); L is then 64 reciprocal bandwidths.
   */
  noiseLike: boolean;
}

/**
 * On/off runs of the channel power `p` (`rateSps` the channel rate, `bandwidthHz` the 99 % bandwidth, `noise` the
 * channel's noise power N), the power averaged over L samples: L at least one reciprocal bandwidth, and long enough
 * that the averaged power's spread √((2SN + N²)/L) stays below S/8 (at most 10 ms); for a noise-like emission (the
 * "pulses" found are its own amplitude fluctuations) L is 64 reciprocal bandwidths (at most 10 ms).
 */
export function burstRuns(p: Float64Array, rateSps: number, bandwidthHz: number, noise: number): BurstRuns {
  const fs = rateSps;
  // the shortest averaging: one reciprocal 99 % bandwidth (a keyed pulse's edges are that sharp)
  const l0 = Math.max(1, Math.round(fs / bandwidthHz));
  const p0 = movingMean(p, l0);
  const s0 = Math.max(quantile(p0, 0.95) - noise, 1e-30);
  // L long enough that the smoothed power's spread, √((2SN + N²)/L), stays below S/8 (signal S, noise N): a continuous
  // emission then hardly ever dips below the off threshold; at most 10 ms
  const snrOn = s0 / noise;
  const ls = Math.max(l0, Math.min(Math.round(fs * 0.01), Math.ceil(64 * (2 / snrOn + 1 / (snrOn * snrOn)))));
  let smoothLen = ls;
  let { runs, onLevel } = levelRuns(p, smoothLen, noise);
  // a noise-like emission (Gaussian amplitude: its own power fluctuates as much as it is strong) needs the same 1/36
  // spread from its own statistics: average over 64 correlation times (1/bandwidth), at most 10 ms
  // noise-like: the "pulses" are the emission's own amplitude fluctuations, as long as the averaging, and not constant
  const medianRun = runs.length ? quantile(runs.map(([a, b]) => b - a), 0.5) : 0;
  const firstOnKurt = envelopeKurtosis(p, runs, Math.ceil(smoothLen / 2), noise);
  const noiseLike = firstOnKurt > 0.45;
  if (noiseLike || (medianRun < 3 * smoothLen && firstOnKurt > 0.2 && runs.length > 8)) {
    smoothLen = Math.max(ls, Math.min(Math.round(fs * 0.01), 64 * l0));
    ({ runs, onLevel } = levelRuns(p, smoothLen, noise));
  }
  return { runs, onLevel, smoothLen, noiseLike };
}

/**
 * On-runs for timing pulses (symbol-rate.ts): the power `p` averaged over L_t = max(fs/B99, 16·(2/ρ + 1/ρ²)) samples,
 * ρ = `onLevel`/`noise` (the run finder's S/N), at most `maxLen`, with the run finder's thresholds (N + 0.6·S on,
 * N + 0.35·S off, S = `onLevel`) and merging. Four
 * times shorter than {@link burstRuns}' L: the averaged power's spread √((2SN + N²)/L_t) stays below S/4 (a threshold
 * 0.35 S from either state is then crossed by noise alone with a chance of about 1 %, and such glitches are removed by
 * the symbol-rate debounce), so single symbols at a moderate SNR are not merged into longer runs. Not for noise-like
 * pulses (`BurstRuns.noiseLike`): a shorter averaging would only cut their own fluctuations into thousands of runs.
 */
export function timingRuns(p: Float64Array, rateSps: number, bandwidthHz: number, noise: number, onLevel: number, maxLen: number): { runs: [number, number][]; smoothLen: number } {
  const l0 = Math.max(1, Math.round(rateSps / bandwidthHz));
  const rho = onLevel / noise;
  const len = Math.min(maxLen, Math.max(l0, Math.ceil(16 * (2 / rho + 1 / (rho * rho)))));
  // the run finder's thresholds from its own on level S (the same level, less averaged)
  return { runs: onRuns(movingMean(p, len), noise + 0.35 * onLevel, noise + 0.6 * onLevel, len), smoothLen: len };
}

/** Durations of the runs: samples on, the span from the first rise to the last fall (samples), and the bursts, gaps and start-to-start periods (s). */
export interface BurstTiming {
  onSamples: number;
  span: number;
  burstLens: number[];
  gapLens: number[];
  periodLens: number[];
}

/** The {@link BurstTiming} of `runs` at `rateSps`. */
export function burstTiming(runs: [number, number][], rateSps: number): BurstTiming {
  const fs = rateSps;
  let onSamples = 0;
  for (const [a, b] of runs) onSamples += b - a;
  const span = runs.length ? runs[runs.length - 1][1] - runs[0][0] : 0;
  const burstLens = runs.map(([a, b]) => (b - a) / fs);
  const gapLens: number[] = [];
  const periodLens: number[] = [];
  for (let i = 1; i < runs.length; i++) {
    gapLens.push((runs[i][0] - runs[i - 1][1]) / fs);
    periodLens.push((runs[i][0] - runs[i - 1][0]) / fs);
  }
  return { onSamples, span, burstLens, gapLens, periodLens };
}

/**
 * What lies between the bursts: `snr` the power between them over the noise (a ratio, 0 = nothing; 0 too when fewer
 * than 17 samples lie between), `shiftHz` its mean frequency minus that of the bursts (lag-1 products of the channel
 * `z`; runs shrunk by half of `smoothLen` at both ends). FSK received with unequal tone levels has power on another tone
 * there; a keyed transmitter's ring-down leaves a few dB.
 */
export function betweenBursts(z: Float64Array, p: Float64Array, runs: [number, number][], smoothLen: number, noise: number, rateSps: number): { snr: number; shiftHz: number } {
  const fs = rateSps;
  let gapPower = 0;
  let gapCount = 0;
  let gapRe = 0;
  let gapIm = 0;
  let onRe = 0;
  let onIm = 0;
  const gEdge = Math.ceil(smoothLen / 2);
  for (let r = 0; r < runs.length; r++) {
    for (let i = Math.max(1, runs[r][0] + gEdge); i < runs[r][1] - gEdge; i++) {
      onRe += z[2 * i] * z[2 * i - 2] + z[2 * i + 1] * z[2 * i - 1];
      onIm += z[2 * i + 1] * z[2 * i - 2] - z[2 * i] * z[2 * i - 1];
    }
    if (r + 1 < runs.length) {
      for (let i = runs[r][1] + gEdge; i < runs[r + 1][0] - gEdge; i++) {
        gapPower += p[i];
        gapCount++;
        gapRe += z[2 * i] * z[2 * i - 2] + z[2 * i + 1] * z[2 * i - 1];
        gapIm += z[2 * i + 1] * z[2 * i - 2] - z[2 * i] * z[2 * i - 1];
      }
    }
  }
  const snr = gapCount > 16 ? Math.max(0, gapPower / gapCount / noise - 1) : 0;
  const shiftHz = gapCount > 16 ? ((Math.atan2(gapIm, gapRe) - Math.atan2(onIm, onRe)) * fs) / (2 * Math.PI) : 0;
  return { snr, shiftHz };
}
