// Signal features of one IQ clip around a detection: bandwidth, bursts, envelope and instantaneous-frequency statistics
// (docs/identification.md §2–§4 gives every formula).
import type { AlertMessageCode } from '../alerts/alert.js';
import { codedReason } from '../server/message-text.js';
import { BandCutter, planClipBand } from '../evidence/clip-band.js';
import { channelise, type Channel } from './channel.js';
import { fftSizeFor, occupiedBand, quantile, welchSpectrum, type OccupiedBand } from './spectrum.js';

/** A clip to identify: raw IQ plus where the detector saw the emission. */
export interface IdentInput {
  /** Interleaved I/Q (full scale ±1), at least 2·count long. */
  iq: Float32Array;
  count: number;
  rateSps: number;
  /** Detection centre as an offset from the clip's tuning centre (Hz). */
  offsetHz: number;
  /** Detector's bandwidth estimate (Hz); a hint for the search window only (the features measure their own). */
  bandwidthHz: number;
}

/** Shortest clip analysed (s): below it the result is `unknown` ("clip too short"). */
export const MIN_CLIP_S = 0.002;
/** Fewest samples analysed, whatever the rate. */
export const MIN_CLIP_SAMPLES = 512;

/** Statistics of a list of durations (s). */
export interface DurationStats {
  count: number;
  medianS: number;
  minS: number;
  maxS: number;
  /** Spread: interquartile range / (1.349·median) from 5 values on, else std / mean; 0 for fewer than two values. */
  cv: number;
}

/** Features of one clip (all frequencies are offsets from the clip's tuning centre unless stated). */
export interface SignalFeatures {
  clipS: number;
  /** 99 % and 90 % power bandwidths (Hz) and edges. */
  bandwidthHz: number;
  bandwidth90Hz: number;
  lowHz: number;
  highHz: number;
  /** Centre of the 90 % band (Hz) refined by the median instantaneous frequency. */
  centerOffsetHz: number;
  /** Signal-to-noise ratio (dB) inside the 99 % band, powers averaged over the whole clip. */
  snrDb: number;
  /** Signal-to-noise ratio (dB) in the analysis channel while the emission is on. */
  onSnrDb: number;
  /** Share of the signal power in the strongest line: ±2 bins of the channel's spectrum (≈ channel rate / 4096 each). */
  carrierFraction: number;
  /** Spectral flatness over the 90 % band (0..1). */
  flatness: number;
  /** Share of time on, between the first rise and the last fall (0..1), and over the whole clip. */
  dutyCycle: number;
  clipDutyCycle: number;
  /** On-runs (bursts / pulses), gaps between them and start-to-start periods. */
  bursts: DurationStats;
  gaps: DurationStats;
  periods: DurationStats;
  /**
   * Noise-corrected envelope kurtosis between the first rise and the last fall: (E|z|⁴ − 2(E|z|²)²)/S² + 1 with
   * S = E|z|² − N (0 = constant envelope: FM, FSK, carrier; ≈ 4·(m·a_rms)² for AM; 1 = Gaussian: OFDM/QAM-like or
   * noise; 1/d − 1 for a constant envelope keyed on a share d of the time).
   */
  envelopeKurtosis: number;
  /** The same while on only (pulse edges excluded): 0 constant within pulses (OOK, FSK, GSM), 1 noise-like pulses. */
  onEnvelopeKurtosis: number;
  /** Std (Hz) of the smoothed instantaneous frequency while on, and the 99th percentile of |f − median| (Hz). */
  frequencyStdHz: number;
  deviationHz: number;
  /**
   * Peaks of the instantaneous-frequency histogram (FSK tones) when the frequency dwells near them ≥ 75 % of the time
   * (else 1), their offsets (Hz, relative to the centre) and mean spacing (from the spectrum's humps when the histogram
   * has one peak).
   */
  tones: number;
  toneOffsetsHz: number[];
  /** Power between the bursts over the noise (dB; −30 = nothing) and its frequency minus that of the bursts (Hz). */
  gapSnrDb: number;
  gapShiftHz: number;
  /**
   * Humps of the channel spectrum (smoothed over ±5 % of the 99 % band) inside the 99 % band when 2–4 of them lie ≥ 15 %
   * of the band apart, else 1: FSK tones even at low SNR.
   */
  spectralTones: number;
  /**
   * Coherent RMS amplitude-modulation index of the strongest line (see {@link coherentModulationIndex}): ≈ 0 carrier,
   * 0.1–0.4 AM speech, ≈ 1 keyed carrier (OOK at 50 % duty); 0 when no line holds 30 % of the power.
   */
  modulationIndex: number;
  toneSpacingHz: number;
  /** Symbol rate (Bd) from the shortest element of on/off or tone runs; 0 when none. */
  symbolRateBd: number;
  /** Elementary pulse / symbol duration (s) behind symbolRateBd. */
  symbolS: number;
  /** Centre-frequency stability: std and max − min (Hz) of the mean frequency of up to 10 time slices while on. */
  centerStdHz: number;
  centerDriftHz: number;
  /** The analysis channel's rate (S/s) and cut-off (Hz). */
  channelRateSps: number;
  channelCutoffHz: number;
}

/** Why features could not be computed: English words, and their code when the clip (not the caller) is at fault. */
export interface FeatureRefusal {
  reason: string;
  reasonCode?: AlertMessageCode;
}

/** The refusal of a clip with nothing above the noise near `offsetHz` (in-band SNR `snr` as a power ratio). */
function noEmission(offsetHz: number, snr: number): FeatureRefusal {
  return codedReason('ident.noEmission', { offset: Math.round(offsetHz), snr: (10 * Math.log10(Math.max(snr, 1e-6))).toFixed(1) });
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

/**
 * The elementary duration behind run lengths (s): pulses (and, for on/off keying, the gaps between them) are taken as
 * near-integer multiples k = 1…8 of a unit u, the pulses measured δ too short and the gaps δ too long (a threshold on a
 * smoothed power shifts both edges of a pulse the same way). Candidates u from 0.6× to 2× the 10th percentile of all
 * runs (1 % steps) and δ within ±0.3·u are scored by how close the corrected runs sit to multiples of u
 * (Σ max(0, 1 − 4·|r/u − k|)); the largest u within 5 % of the best score wins (a half or a third of the unit fits as
 * well), then u = Σ r / Σ k over the runs that fit it (rtl_433's pulse analyser reports the same shortest timing).
 */
export function unitDuration(pulses: number[], gaps: number[] = []): number {
  const all = pulses.concat(gaps);
  if (all.length === 0) return 0;
  const q10 = quantile(all, 0.1);
  const near = (x: number): number => {
    const k = Math.round(x);
    return k >= 1 && k <= 8 ? Math.max(0, 1 - 4 * Math.abs(x - k)) : 0;
  };
  let best = 0;
  const cands: { u: number; d: number; sc: number }[] = [];
  for (let m = 0.6; m <= 2.0001; m += 0.01) {
    const u = q10 * m;
    for (let j = gaps.length ? -6 : 0; j <= (gaps.length ? 6 : 0); j++) {
      const d = (j / 20) * u;
      let sc = 0;
      for (const r of pulses) sc += near((r + d) / u);
      for (const g of gaps) sc += near((g - d) / u);
      cands.push({ u, d, sc });
      best = Math.max(best, sc);
    }
  }
  let pick = cands[0];
  for (const c of cands) if (c.sc >= 0.95 * best && c.u > pick.u) pick = c;
  let num = 0;
  let den = 0;
  const take = (r: number): void => {
    const k = Math.round(r / pick.u);
    if (k >= 1 && k <= 8 && Math.abs(r / pick.u - k) < 0.2) {
      num += r;
      den += k;
    }
  };
  for (const r of pulses) take(r + pick.d);
  for (const g of gaps) take(g - pick.d);
  return den > 0 ? num / den : pick.u;
}

/**
 * Noise-corrected envelope kurtosis of the samples of `p` (= |z|²) inside `runs` (each shrunk by `edge` at both ends):
 * (E p² − 2(E p)²)/S² + 1 with S = E p − N. For z = s + n with circular Gaussian noise n of power N, E|z|⁴ =
 * E|s|⁴ + 4·S·N + 2N², so the noise terms cancel and the result is E|s|⁴/S² − 1: 0 for a constant envelope, 1 for a
 * Gaussian signal, 1/d − 1 for a constant envelope on a share d of the time. NaN when fewer than 16 samples.
 */
function envelopeKurtosis(p: Float64Array, runs: [number, number][], edge: number, noise: number): number {
  let m2 = 0;
  let m4 = 0;
  let c = 0;
  for (const [a, b] of runs) {
    for (let i = a + edge; i < b - edge; i++) {
      m2 += p[i];
      m4 += p[i] * p[i];
      c++;
    }
  }
  if (c < 16) return NaN;
  m2 /= c;
  m4 /= c;
  const s = Math.max(m2 - noise, 1e-30);
  return (m4 - 2 * m2 * m2) / (s * s) + 1;
}

/** Half-width (Hz) of the channel in which {@link coherentModulationIndex} looks: speech AM (300–3000 Hz audio). */
export const AM_CHANNEL_HZ = 3200;

/**
 * RMS modulation index of the amplitude of a carrier at `lineHz`, measured coherently so noise cancels: with the
 * channel (±{@link AM_CHANNEL_HZ}) rotated onto the carrier's phase (the phase of the channel averaged over 20 ms),
 * I = A(1 + m·a) + n_I and Q = n_Q with var n_I = var n_Q, so m_rms = √(var I − var Q) / mean I (0 when var I ≤ var Q).
 * ≈ m·a_rms for AM, ≈ √((1 − d)/d) for a carrier keyed on a share d of the time (1 at 50 %), 0 for a pure carrier
 * (and whenever var I − var Q is not 3 spreads above zero). The carrier's residual frequency is measured first
 * ({@link lagAngle}) so the phase reference does not rotate within its 20 ms.
 */
export function coherentModulationIndex(iq: Float32Array, count: number, rateSps: number, lineHz: number): number {
  const ch = channelise(iq, count, rateSps, lineHz, AM_CHANNEL_HZ);
  const n = ch.count;
  if (n < 64) return 0;
  const z = ch.iq;
  const len = Math.max(1, Math.round(ch.rateSps * 0.02));
  // residual carrier frequency (rad/sample) from the lag-1, then the lag-16 autocorrelation of the derotated channel:
  // the 20 ms phase reference must not rotate by more than a small angle over its window
  let w = lagAngle(z, n, 1, 0);
  w += lagAngle(z, n, 16, w) / 16;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.cos(w * i);
    const s = Math.sin(w * i);
    re[i] = z[2 * i] * c + z[2 * i + 1] * s;
    im[i] = z[2 * i + 1] * c - z[2 * i] * s;
  }
  const cr = movingMean(re, len);
  const ci = movingMean(im, len);
  let sI = 0;
  let sI2 = 0;
  let sQ = 0;
  let sQ2 = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const m = Math.hypot(cr[i], ci[i]);
    if (m === 0) continue;
    const I = (re[i] * cr[i] + im[i] * ci[i]) / m;
    const Q = (im[i] * cr[i] - re[i] * ci[i]) / m;
    sI += I;
    sI2 += I * I;
    sQ += Q;
    sQ2 += Q * Q;
    c++;
  }
  if (c < 64) return 0;
  const mI = sI / c;
  const vI = sI2 / c - mI * mI;
  const vQ = sQ2 / c - (sQ / c) * (sQ / c);
  // significance: the difference of two variance estimates from nEff independent samples (channel bandwidth × time)
  // has a spread ≈ 2·vQ/√nEff under no modulation; below 3 of those it is noise, reported as 0
  const nEff = c * Math.min(1, (2 * AM_CHANNEL_HZ) / ch.rateSps);
  if (!(mI > 0) || vI - vQ < (6 * vQ) / Math.sqrt(nEff)) return 0;
  return Math.sqrt(vI - vQ) / mI;
}

/** Angle (rad) of Σ z[i]·z*[i−lag] after derotating z by `w` rad/sample: lag × the residual frequency. */
function lagAngle(z: Float64Array, n: number, lag: number, w: number): number {
  let ar = 0;
  let ai = 0;
  const cw = Math.cos(w * lag);
  const sw = Math.sin(w * lag);
  for (let i = lag; i < n; i++) {
    const xr = z[2 * i];
    const xi = z[2 * i + 1];
    const yr = z[2 * (i - lag)];
    const yi = z[2 * (i - lag) + 1];
    ar += xr * yr + xi * yi;
    ai += xi * yr - xr * yi;
  }
  // remove the derotation's own contribution: z[i]·z*[i−lag] of a tone at w has angle w·lag
  return Math.atan2(ai * cw - ar * sw, ar * cw + ai * sw);
}

/** Moving sum of `x` over `len` samples (centred; edges use the part inside). */
function movingMean(x: Float64Array, len: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const h = Math.floor(len / 2);
  let acc = 0;
  let lo = 0;
  let hi = 0; // window [lo, hi)
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - h);
    const b = Math.min(n, i - h + len);
    while (hi < b) acc += x[hi++];
    while (lo < a) acc -= x[lo++];
    out[i] = acc / (hi - lo);
  }
  return out;
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

/** Peaks of a histogram: local maxima ≥ 20 % of the largest, separated by a valley below 60 % of the smaller peak. */
function histogramPeaks(h: Float64Array): number[] {
  let max = 0;
  for (let i = 0; i < h.length; i++) max = Math.max(max, h[i]);
  const cand: number[] = [];
  for (let i = 0; i < h.length; i++) {
    const l = i > 0 ? h[i - 1] : 0;
    const r = i + 1 < h.length ? h[i + 1] : 0;
    if (h[i] >= 0.2 * max && h[i] >= l && h[i] > r) cand.push(i);
  }
  const peaks: number[] = [];
  for (const c of cand) {
    const prev = peaks[peaks.length - 1];
    if (prev === undefined) {
      peaks.push(c);
      continue;
    }
    let valley = Infinity;
    for (let k = prev; k <= c; k++) valley = Math.min(valley, h[k]);
    if (valley < 0.6 * Math.min(h[prev], h[c])) peaks.push(c);
    else if (h[c] > h[prev]) peaks[peaks.length - 1] = c;
  }
  return peaks;
}

/**
 * Computes the features of a clip (docs/identification.md). Allocates per call (clip-level, off the hot path).
 * @returns the features, or a refusal naming why (clip too short, nothing above the noise).
 */
export function extractFeatures(input: IdentInput): SignalFeatures | FeatureRefusal {
  const { iq, count, rateSps } = input;
  if (!(rateSps > 0) || !Number.isFinite(rateSps)) return { reason: `rateSps must be a positive number of samples per second, got ${rateSps}` };
  if (iq.length < 2 * count) return { reason: `iq holds ${iq.length / 2} complex samples, fewer than count ${count}` };
  const clipS = count / rateSps;
  if (count < MIN_CLIP_SAMPLES || clipS < MIN_CLIP_S) {
    return codedReason('ident.tooShort', { samples: count, ms: (clipS * 1000).toFixed(2), minSamples: MIN_CLIP_SAMPLES, minMs: MIN_CLIP_S * 1000 });
  }
  const bwHint = Math.max(0, input.bandwidthHz || 0);
  const narrow = narrowClip(input, bwHint);
  if (narrow === null) return measure(input, bwHint, 0);
  const f = measure(narrow, bwHint, input.offsetHz);
  if ('reason' in f) return f;
  return { ...f, clipS, centerOffsetHz: f.centerOffsetHz + input.offsetHz, lowHz: f.lowHz + input.offsetHz, highHz: f.highHz + input.offsetHz };
}

/**
 * Smallest ratio source rate / cut rate for which {@link narrowClip} cuts the band first: the cut costs ≈ 10 operations
 * per source sample, the features ≈ 100 per sample of what they get, so at 4× the whole costs ≈ 1/3 of the full-rate
 * analysis; below it the saving is small. (The evidence clips' limit is the same, DEFAULT_CLIP_BAND.maxRateFraction.)
 */
export const NARROW_MIN_DECIMATION = 4;
/** {@link narrowClip}'s rate: at least this × the search window's half width (the window then spans ≤ 1/5 of the band). */
export const NARROW_RATE_PER_HALF_WINDOW = 10;

/**
 * The clip cut down to the band around the detection, when the source is much wider than the emission (a 20 kHz burst
 * in 20 MS/s): the features below cost ≈ 100 operations per sample of the clip they get, the cut ≈ 10 per source sample
 * (two polyphase stages, as evidence clips: {@link planClipBand}, {@link BandCutter}, docs/clip-decimation.md). The
 * band is centred on the detection and `NARROW_RATE_PER_HALF_WINDOW` × W wide, W = max(1.5·hint, 5 kHz) the search
 * window's half width (§2), on the clip-rate ladder (25 kS/s … 2.5 MS/s); flat and alias-free to ±0.42 × its rate
 * (60 dB), so the window and the noise bins beyond it keep their levels. Null when the source rate is below
 * `NARROW_MIN_DECIMATION` × that rate: the clip is analysed as it is.
 * @returns the cut clip (offsetHz 0: the detection's centre is its 0 Hz), or null
 */
export function narrowClip(input: IdentInput, bwHint: number): IdentInput | null {
  const halfWin = Math.max(1.5 * bwHint, 5000);
  const plan = planClipBand(input.rateSps, 0, input.offsetHz - halfWin, input.offsetHz + halfWin, {
    margin: NARROW_RATE_PER_HALF_WINDOW / 2,
    maxRateFraction: 1 / NARROW_MIN_DECIMATION,
  });
  if (!plan.decimated) return null;
  // centred on the detection exactly (the plan rounds its centre to 1 Hz)
  const cutter = new BandCutter({ ...plan, centerHz: input.offsetHz }, input.rateSps, 0, input.count);
  const step = BandCutter.maxPush;
  for (let done = 0; done < input.count; done += step) cutter.push(input.iq.subarray(2 * done), Math.min(step, input.count - done));
  const { samples, count } = cutter.finish();
  return { iq: samples, count, rateSps: plan.rateSps, offsetHz: 0, bandwidthHz: input.bandwidthHz };
}

/**
 * The features of `input` (checked by {@link extractFeatures}); `shiftHz`: where the clip's 0 Hz lies in the caller's
 * clip (a cut one's: {@link narrowClip}), for the reasons' wording only.
 */
function measure(input: IdentInput, bwHint: number, shiftHz: number): SignalFeatures | FeatureRefusal {
  const { iq, count, rateSps } = input;
  const clipS = count / rateSps;
  let spec = welchSpectrum(iq, count, rateSps, fftSizeFor(count, rateSps, bwHint)); // resolution ≈ 1/32 of the hint
  // search window: the detector's band ± its width (the emission's own band is then found inside it, §2)
  const halfWin = Math.min(rateSps / 2, Math.max(1.5 * bwHint, 16 * spec.binHz, 5000));
  let ob: OccupiedBand = occupiedBand(spec, input.offsetHz, halfWin, Math.max(bwHint / 2, 2 * spec.binHz));
  // a narrow emission under a wide hint (a detector's first estimate) is measured again at a resolution of its own width
  if (ob.high99Hz - ob.low99Hz < 8 * spec.binHz && fftSizeFor(count, rateSps, ob.high99Hz - ob.low99Hz) > spec.fftSize) {
    spec = welchSpectrum(iq, count, rateSps, fftSizeFor(count, rateSps, ob.high99Hz - ob.low99Hz));
    ob = occupiedBand(spec, input.offsetHz, halfWin, Math.max(bwHint / 2, 2 * spec.binHz));
  }
  let snr99 = ob.signalPower / Math.max(ob.noiseIn99, 1e-30);
  let bw99 = Math.max(spec.binHz, ob.high99Hz - ob.low99Hz);
  let bw90 = Math.max(spec.binHz, ob.high90Hz - ob.low90Hz);
  // an emission spread over most of the band (impulses, a wide burst; the detector saw it wide) hides the floor: the
  // noise then comes from the quiet stretches of the clip (time domain) instead of the bins outside the window
  const nothing = !(ob.signalPower > 0) || snr99 < 0.1;
  if (nothing && bwHint < 0.25 * rateSps) {
    return noEmission(input.offsetHz + shiftHz, snr99);
  }
  const fullBand = nothing || bw99 > 0.4 * rateSps || bwHint > 0.4 * rateSps;
  let center = (ob.low90Hz + ob.high90Hz) / 2;
  // the channel keeps the whole 99 % band (FM peaks, both FSK tones) with a little margin, at least ±500 Hz
  let cutoff = Math.max(0.6 * bw99, 0.65 * bw90, 500, 2 * spec.binHz);
  if (fullBand) {
    center = 0;
    cutoff = 0.45 * rateSps;
  }
  // channel rate ≥ 8 × the cut-off: pulse edges are timed to within 1/16 of the reciprocal bandwidth
  const ch: Channel = channelise(iq, count, rateSps, center, cutoff, 4);
  const z = ch.iq;
  const n = ch.count;
  const fs = ch.rateSps;
  if (n < 32) return codedReason('ident.tooShortChannel', { samples: n, rate: Math.round(fs) });
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1];
  let noiseCh = (ob.floorPerBin / spec.binHz) * ch.enbwHz;
  if (fullBand) {
    // 25th percentile of the power averaged over 16 samples: for noise (Gamma(16)) it is ≈ (1 − 0.674/√16) of the mean
    const q = quantile(movingMean(p, 16), 0.25) / (1 - 0.674 / 4);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += p[i];
    mean /= n;
    noiseCh = Math.min(q, mean);
    const sigP = Math.max(0, mean - noiseCh);
    snr99 = sigP / Math.max(noiseCh, 1e-30);
    if (!(snr99 > 0.01)) {
      return noEmission(input.offsetHz + shiftHz, snr99);
    }
    bw99 = Math.max(bw99, 0.8 * rateSps);
    bw90 = Math.max(bw90, 0.7 * rateSps);
    ob = { ...ob, low99Hz: -bw99 / 2, high99Hz: bw99 / 2 };
  }

  // ── carrier line: share of the signal power within ±2 bins of the strongest bin of the channel's own spectrum
  // (resolution ≈ channel rate / 4096, far finer than the emission) ──
  let chFft = 64;
  while (chFft < 4096 && n / (2 * chFft) >= 8) chFft *= 2;
  const chSpec = welchSpectrum(z, n, fs, chFft);
  const floorBin = (noiseCh / ch.enbwHz) * chSpec.binHz;
  const passLo = Math.max(0, Math.ceil(chFft / 2 - ch.cutoffHz / chSpec.binHz));
  const passHi = Math.min(chFft - 1, Math.floor(chFft / 2 + ch.cutoffHz / chSpec.binHz));
  let chTotal = 0;
  let peakBin = passLo;
  for (let k = passLo; k <= passHi; k++) {
    chTotal += chSpec.powerPerBin[k] - floorBin;
    if (chSpec.powerPerBin[k] > chSpec.powerPerBin[peakBin]) peakBin = k;
  }
  let line = 0;
  for (let k = Math.max(passLo, peakBin - 2); k <= Math.min(passHi, peakBin + 2); k++) line += chSpec.powerPerBin[k] - floorBin;
  const carrierFraction = chTotal > 0 ? Math.min(1, Math.max(0, line / chTotal)) : 0;

  // ── spectral tones: humps of the channel's spectrum (smoothed over ±5 % of the 99 % band) inside the 99 % band ──
  const smoothBins = Math.max(1, Math.round((0.05 * bw99) / chSpec.binHz));
  const bandLo = Math.max(passLo, Math.floor(chFft / 2 - (0.5 * bw99) / chSpec.binHz));
  const bandHi = Math.min(passHi, Math.ceil(chFft / 2 + (0.5 * bw99) / chSpec.binHz));
  const band = new Float64Array(Math.max(0, bandHi - bandLo + 1));
  for (let k = bandLo; k <= bandHi; k++) {
    let acc = 0;
    let c = 0;
    for (let j = k - smoothBins; j <= k + smoothBins; j++) if (j >= 0 && j < chFft) {
      acc += chSpec.powerPerBin[j] - floorBin;
      c++;
    }
    band[k - bandLo] = Math.max(0, acc / c);
  }
  const humps = band.length >= 8 ? histogramPeaks(band) : [];
  const humpSpacingHz = humps.length > 1 ? ((humps[humps.length - 1] - humps[0]) * chSpec.binHz) / (humps.length - 1) : 0;
  // 2 to 4 humps at least 15 % of the band apart are FSK tones; a comb of many close lines is the Bessel spectrum of
  // FM by a steady tone
  const spectralTones = humps.length >= 2 && humps.length <= 4 && humpSpacingHz >= 0.15 * bw99 ? humps.length : 1;


  // ── envelope: on/off runs of the power averaged over L samples ──
  // the shortest averaging: one reciprocal 99 % bandwidth (a keyed pulse's edges are that sharp)
  const l0 = Math.max(1, Math.round(fs / bw99));
  const p0 = movingMean(p, l0);
  const s0 = Math.max(quantile(p0, 0.95) - noiseCh, 1e-30);
  // L long enough that the smoothed power's spread, √((2SN + N²)/L), stays below S/8 (signal S, noise N): a continuous
  // emission then hardly ever dips below the off threshold; at most 10 ms
  const snrOn = s0 / noiseCh;
  const ls = Math.max(l0, Math.min(Math.round(fs * 0.01), Math.ceil(64 * (2 / snrOn + 1 / (snrOn * snrOn)))));
  let smoothLen = ls;
  let { runs, onLevel } = levelRuns(p, smoothLen, noiseCh);
  // a noise-like emission (Gaussian amplitude: its own power fluctuates as much as it is strong) needs the same 1/36
  // spread from its own statistics: average over 64 correlation times (1/bandwidth), at most 10 ms
  // noise-like: the "pulses" are the emission's own amplitude fluctuations, as long as the averaging, and not constant
  const medianRun = runs.length ? quantile(runs.map(([a, b]) => b - a), 0.5) : 0;
  const firstOnKurt = envelopeKurtosis(p, runs, Math.ceil(smoothLen / 2), noiseCh);
  if (firstOnKurt > 0.45 || (medianRun < 3 * smoothLen && firstOnKurt > 0.2 && runs.length > 8)) {
    smoothLen = Math.max(ls, Math.min(Math.round(fs * 0.01), 64 * l0));
    ({ runs, onLevel } = levelRuns(p, smoothLen, noiseCh));
  }
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

  // ── keying / AM index, coherent: project the channel on its carrier's phase (the clip averaged over 20 ms), between
  // the first rise and the last fall (the noise before and after would count as keying) ──
  let modulationIndex = 0;
  if (carrierFraction > 0.3 && runs.length) {
    const d = ch.decimation;
    // averaging smears each edge by L samples: trim that much (at most a quarter of the span) at both ends
    const trim = Math.min(smoothLen, Math.floor(span / 4));
    const from = Math.max(0, Math.round((runs[0][0] + trim) * d + ch.delaySamples));
    const to = Math.min(count, Math.round((runs[runs.length - 1][1] - trim) * d + ch.delaySamples));
    modulationIndex = coherentModulationIndex(iq.subarray(2 * from, 2 * to), to - from, rateSps, center + (peakBin - chFft / 2) * chSpec.binHz);
  }

  // ── what lies between the bursts: power over the noise and its frequency relative to the bursts (FSK received with
  // unequal tone levels has power on another tone there; a keyed transmitter's ring-down leaves a few dB) ──
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
  const gapSnr = gapCount > 16 ? Math.max(0, gapPower / gapCount / noiseCh - 1) : 0;
  const gapShiftHz = gapCount > 16 ? ((Math.atan2(gapIm, gapRe) - Math.atan2(onIm, onRe)) * fs) / (2 * Math.PI) : 0;

  // ── envelope moments, noise-corrected: over the whole span (on/off structure included) and while on ──
  const spanKurt = runs.length ? envelopeKurtosis(p, [[runs[0][0], runs[runs.length - 1][1]]], 0, noiseCh) : 0;
  const edge = Math.ceil(smoothLen / 2);
  let onKurt = envelopeKurtosis(p, runs, edge, noiseCh);
  if (!Number.isFinite(onKurt)) onKurt = envelopeKurtosis(p, runs, 0, noiseCh);
  // ── instantaneous frequency while on: angle of Σ z[n]·z*[n−1] over lf samples ──
  const lf = Math.max(1, Math.round(fs / bw90));
  const freqs = new Float64Array(runs.reduce((n, [a, b]) => n + Math.max(0, b - Math.max(a, 1) - lf), 0)); // typed: 10⁵–10⁶ values
  let nf = 0;
  const slices = 10, sliceRe = new Float64Array(slices);
  const sliceIm = new Float64Array(slices);
  const runFreq: Float64Array[] = [];
  for (const [a, b] of runs) {
    const f = new Float64Array(Math.max(0, b - Math.max(a, 1)));
    let ar = 0;
    let ai = 0;
    const first = Math.max(a, 1);
    for (let i = first; i < b; i++) {
      const rr = z[2 * i] * z[2 * i - 2] + z[2 * i + 1] * z[2 * i - 1];
      const ri = z[2 * i + 1] * z[2 * i - 2] - z[2 * i] * z[2 * i - 1];
      ar += rr;
      ai += ri;
      const j = i - lf;
      if (j >= first) {
        // drop z[j]·z*[j−1], the product that left the window
        ar -= z[2 * j] * z[2 * j - 2] + z[2 * j + 1] * z[2 * j - 1];
        ai -= z[2 * j + 1] * z[2 * j - 2] - z[2 * j] * z[2 * j - 1];
      }
      const hz = (Math.atan2(ai, ar) * fs) / (2 * Math.PI);
      f[i - Math.max(a, 1)] = hz;
      const sl = Math.min(slices - 1, Math.floor(((i - runs[0][0]) / Math.max(1, span)) * slices));
      sliceRe[sl] += rr;
      sliceIm[sl] += ri;
    }
    runFreq.push(f);
    for (let i = lf; i < f.length; i++) freqs[nf++] = f[i];
  }
  const fMed = freqs.length ? quantile(freqs, 0.5) : 0;
  let fVar = 0;
  const absDev = new Float64Array(freqs.length);
  for (let k = 0; k < freqs.length; k++) {
    fVar += (freqs[k] - fMed) * (freqs[k] - fMed);
    absDev[k] = Math.abs(freqs[k] - fMed);
  }
  const fStd = freqs.length > 1 ? Math.sqrt(fVar / (freqs.length - 1)) : 0;
  const deviation = absDev.length ? quantile(absDev, 0.99) : 0;
  const sliceHz: number[] = [];
  for (let s = 0; s < slices; s++) if (sliceRe[s] !== 0 || sliceIm[s] !== 0) sliceHz.push((Math.atan2(sliceIm[s], sliceRe[s]) * fs) / (2 * Math.PI));
  const sliceStats = durationStats(sliceHz.map((h) => h - (sliceHz[0] ?? 0)));
  let sliceVar = 0;
  const sliceMean = sliceHz.reduce((x, y) => x + y, 0) / Math.max(1, sliceHz.length);
  for (const h of sliceHz) sliceVar += (h - sliceMean) * (h - sliceMean);

  // ── FSK tones: histogram of the smoothed frequency over ±0.6 × the 99 % bandwidth ──
  const bins = 64;
  const range = Math.max(0.6 * bw99, 4 * fs / Math.max(1, lf) / bins);
  const hist = new Float64Array(bins);
  for (const f of freqs) {
    const k = Math.floor(((f - fMed + range) / (2 * range)) * bins);
    if (k >= 0 && k < bins) hist[k]++;
  }
  const smooth = new Float64Array(bins);
  for (let k = 0; k < bins; k++) smooth[k] = (hist[k - 1] ?? 0) * 0.25 + hist[k] * 0.5 + (hist[k + 1] ?? 0) * 0.25;
  const peaks = histogramPeaks(smooth);
  const toneOffsets = peaks.map((k) => fMed - range + ((k + 0.5) * 2 * range) / bins);
  // dwell: share of the time within a quarter spacing of a tone (FSK ≈ 0.9; FM by a sine, arcsine-distributed, ≈ 0.6)
  let dwell = 0;
  if (toneOffsets.length > 1) {
    const q = (toneOffsets[toneOffsets.length - 1] - toneOffsets[0]) / (toneOffsets.length - 1) / 4;
    for (const f of freqs) {
      for (const t of toneOffsets) if (Math.abs(f - t) <= q) {
        dwell++;
        break;
      }
    }
    dwell /= freqs.length;
  }
  // (FM by a sine has 2 histogram peaks, at its extremes, and dwells ≈ 0.6 there; 4-FSK spends more time in transit)
  const ifTones = dwell >= (peaks.length > 2 ? 0.55 : 0.75) ? peaks.length : 1;
  const spacing = toneOffsets.length > 1 ? (toneOffsets[toneOffsets.length - 1] - toneOffsets[0]) / (toneOffsets.length - 1) : humpSpacingHz;

  // ── symbol rate: FSK → runs of the nearest tone; otherwise on/off runs ──
  let elementRuns: number[] = [];
  let elementGaps: number[] = [];
  if (toneOffsets.length >= 2) {
    const minRun = Math.max(2, Math.ceil(1.5 * lf));
    const runsOfBurst: number[] = [];
    for (const f of runFreq) {
      let cur = -1;
      let len = 0;
      for (let i = lf; i < f.length; i++) {
        // the smoothed frequency lags the symbol by lf/2: runs are counted on it as is (edges shift equally)
        let best = 0;
        for (let t = 1; t < toneOffsets.length; t++) if (Math.abs(f[i] - toneOffsets[t]) < Math.abs(f[i] - toneOffsets[best])) best = t;
        if (best === cur) len++;
        else if (len < minRun && cur >= 0) {
          // a flicker shorter than 1.5 smoothing lengths (noise, a transition through a middle tone) is not a symbol:
          // it joins the run that follows
          cur = best;
          len++;
        } else {
          if (cur >= 0 && len > 0) runsOfBurst.push(len);
          cur = best;
          len = 1;
        }
      }
      // the first and last run of each burst are cut by its edges
      for (let k = 1; k + 1 < runsOfBurst.length; k++) elementRuns.push(runsOfBurst[k] / fs);
      runsOfBurst.length = 0;
    }
  } else {
    elementRuns = burstLens;
    const longest = 20 * Math.max(quantile(burstLens, 0.5), 1 / fs);
    elementGaps = gapLens.filter((g) => g < longest);
  }
  const unit = elementRuns.length + elementGaps.length >= 3 ? unitDuration(elementRuns, elementGaps) : 0;

  return {
    clipS,
    bandwidthHz: bw99,
    bandwidth90Hz: bw90,
    lowHz: ob.low99Hz,
    highHz: ob.high99Hz,
    centerOffsetHz: center + fMed,
    snrDb: 10 * Math.log10(snr99),
    onSnrDb: 10 * Math.log10(Math.max(onLevel / noiseCh, 1e-6)),
    carrierFraction,
    flatness: ob.flatness,
    dutyCycle: span > 0 ? onSamples / span : 0,
    clipDutyCycle: onSamples / n,
    bursts: durationStats(burstLens),
    gaps: durationStats(gapLens),
    periods: durationStats(periodLens),
    envelopeKurtosis: Number.isFinite(spanKurt) ? spanKurt : 0,
    onEnvelopeKurtosis: Number.isFinite(onKurt) ? onKurt : 0,
    frequencyStdHz: fStd,
    deviationHz: deviation,
    tones: ifTones,
    gapSnrDb: 10 * Math.log10(Math.max(gapSnr, 1e-3)),
    gapShiftHz,
    spectralTones,
    modulationIndex,
    toneOffsetsHz: toneOffsets.map((t) => t - fMed),
    toneSpacingHz: spacing,
    symbolRateBd: unit > 0 ? 1 / unit : 0,
    symbolS: unit,
    centerStdHz: sliceHz.length > 1 ? Math.sqrt(sliceVar / (sliceHz.length - 1)) : 0,
    centerDriftHz: sliceHz.length > 1 ? sliceStats.maxS - sliceStats.minS : 0,
    channelRateSps: fs,
    channelCutoffHz: ch.cutoffHz,
  };
}
