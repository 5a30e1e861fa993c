// Frequency features of an identification clip: the instantaneous frequency while on (deviation, centre stability),
// the FSK tones it dwells on, and the humps of the channel spectrum that show FSK tones at low SNR
// (docs/identification.md §4).
import { durationStats } from './bursts.js';
import type { ChannelLine } from './carrier.js';
import { quantile } from './spectrum.js';

/** Peaks of a histogram: local maxima ≥ 20 % of the largest, separated by a valley below 60 % of the smaller peak. */
export function histogramPeaks(h: Float64Array): number[] {
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
 * Humps of the channel spectrum of `line` (smoothed over ±5 % of the 99 % bandwidth `bandwidthHz`) inside the 99 %
 * band: `tones` their number when 2–4 of them lie ≥ 15 % of the band apart (FSK tones), else 1 (a comb of many close
 * lines is the Bessel spectrum of FM by a steady tone); `spacingHz` the mean spacing of all humps found (0 for one).
 */
export function spectralHumps(line: ChannelLine, bandwidthHz: number): { tones: number; spacingHz: number } {
  const chSpec = line.spectrum;
  const chFft = line.fftSize;
  const bw99 = bandwidthHz;
  const smoothBins = Math.max(1, Math.round((0.05 * bw99) / chSpec.binHz));
  const bandLo = Math.max(line.passLo, Math.floor(chFft / 2 - (0.5 * bw99) / chSpec.binHz));
  const bandHi = Math.min(line.passHi, Math.ceil(chFft / 2 + (0.5 * bw99) / chSpec.binHz));
  const band = new Float64Array(Math.max(0, bandHi - bandLo + 1));
  for (let k = bandLo; k <= bandHi; k++) {
    let acc = 0;
    let c = 0;
    for (let j = k - smoothBins; j <= k + smoothBins; j++) if (j >= 0 && j < chFft) {
      acc += chSpec.powerPerBin[j] - line.floorBin;
      c++;
    }
    band[k - bandLo] = Math.max(0, acc / c);
  }
  const humps = band.length >= 8 ? histogramPeaks(band) : [];
  const spacingHz = humps.length > 1 ? ((humps[humps.length - 1] - humps[0]) * chSpec.binHz) / (humps.length - 1) : 0;
  // 2 to 4 humps at least 15 % of the band apart are FSK tones; a comb of many close lines is the Bessel spectrum of
  // FM by a steady tone
  const tones = humps.length >= 2 && humps.length <= 4 && spacingHz >= 0.15 * bw99 ? humps.length : 1;
  return { tones, spacingHz };
}

/**
 * The instantaneous frequency of a clip while on: `smoothLen` (lf) samples of smoothing, `values` every smoothed value
 * of every run (Hz; the first lf of each run left out), `perRun` each run's values (its first lf included), their
 * median `medianHz`, std `stdHz` and 99th percentile of |f − median| `deviationHz`; the centre's stability over up to
 * 10 time slices of the span: `centerStdHz` and `centerDriftHz` (max − min).
 */
export interface InstantaneousFrequency {
  smoothLen: number;
  values: Float64Array;
  perRun: Float64Array[];
  medianHz: number;
  stdHz: number;
  deviationHz: number;
  centerStdHz: number;
  centerDriftHz: number;
}

/**
 * {@link InstantaneousFrequency} of channel `z` (interleaved I/Q at `rateSps`) inside `runs` (`span` samples from the
 * first rise to the last fall): the angle of Σ z[n]·z*[n−1] over lf = rate / 90 % bandwidth samples (a running sum).
 */
export function instantaneousFrequency(z: Float64Array, runs: [number, number][], rateSps: number, bandwidth90Hz: number, span: number): InstantaneousFrequency {
  const fs = rateSps;
  const lf = Math.max(1, Math.round(fs / bandwidth90Hz));
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
  return {
    smoothLen: lf,
    values: freqs,
    perRun: runFreq,
    medianHz: fMed,
    stdHz: fStd,
    deviationHz: deviation,
    centerStdHz: sliceHz.length > 1 ? Math.sqrt(sliceVar / (sliceHz.length - 1)) : 0,
    centerDriftHz: sliceHz.length > 1 ? sliceStats.maxS - sliceStats.minS : 0,
  };
}

/**
 * FSK tones of the instantaneous frequency `f`: peaks of its histogram (64 bins over ±0.6 × the 99 % bandwidth
 * `bandwidthHz` around the median, smoothed 1-2-1) at `offsetsHz` (absolute, Hz); `tones` their number when the
 * frequency dwells within a quarter spacing of them ≥ 75 % of the time (≥ 55 % for more than 2 peaks), else 1;
 * `spacingHz` their mean spacing, or `humpSpacingHz` (the spectrum's) when the histogram has one peak.
 */
export function frequencyTones(f: InstantaneousFrequency, bandwidthHz: number, rateSps: number, humpSpacingHz: number): { tones: number; offsetsHz: number[]; spacingHz: number } {
  const freqs = f.values;
  const fMed = f.medianHz;
  const lf = f.smoothLen;
  const bins = 64;
  const range = Math.max(0.6 * bandwidthHz, 4 * rateSps / Math.max(1, lf) / bins);
  const hist = new Float64Array(bins);
  for (const v of freqs) {
    const k = Math.floor(((v - fMed + range) / (2 * range)) * bins);
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
    for (const v of freqs) {
      for (const t of toneOffsets) if (Math.abs(v - t) <= q) {
        dwell++;
        break;
      }
    }
    dwell /= freqs.length;
  }
  // (FM by a sine has 2 histogram peaks, at its extremes, and dwells ≈ 0.6 there; 4-FSK spends more time in transit)
  const tones = dwell >= (peaks.length > 2 ? 0.55 : 0.75) ? peaks.length : 1;
  const spacingHz = toneOffsets.length > 1 ? (toneOffsets[toneOffsets.length - 1] - toneOffsets[0]) / (toneOffsets.length - 1) : humpSpacingHz;
  return { tones, offsetsHz: toneOffsets, spacingHz };
}

/** Lags (from one reciprocal bandwidth on) over which {@link lagCoherence} must hold: 1/B, 2/B, 3/B, 4/B. */
const COHERENCE_LAGS = 4;

/**
 * Phase coherence of an emission within its on-runs over one to four reciprocal bandwidths: the least of
 * ρ(L) = |Σ z[n]·z*[n−L]| / Σ |z[n]|·|z[n−L]| over the pairs n − L, n inside one run, for L = k·L₀, k = 1…4,
 * L₀ = max(1, round(rate / bandwidthHz)) samples. Each product of a carrier (or of pulses of one carrier) turns by the
 * same angle 2π·f·L/rate, so they add up: ρ → 1 at every lag, also when a pulse lasts one sample (Mode S at 2 MS/s:
 * 0.83–0.85), and for pulses from transmitters a few tens of kHz apart (the angles differ by a few degrees). Noise and
 * impulses band-limited to B decorrelate: ρ(L) ≈ |sinc(B·L/rate)|, small at one of those lags even when the band
 * given is wider than the emission's (a slice of a band-wide emission is analysed at 0.8 × the rate: a 400 kHz noise
 * burst at 1 MS/s gives 0.76 at one sample, 0.23 at two). 0 when no pair lies inside a run.
 * @param z the channel's interleaved I/Q; runs [start, end) sample indices.
 */
export function lagCoherence(z: Float64Array, runs: [number, number][], rateSps: number, bandwidthHz: number): number {
  const lag0 = Math.max(1, Math.round(rateSps / Math.max(bandwidthHz, 1)));
  let least = Infinity;
  for (let k = 1; k <= COHERENCE_LAGS; k++) least = Math.min(least, coherenceAt(z, runs, k * lag0));
  return Number.isFinite(least) ? least : 0;
}

/** ρ(lag) of {@link lagCoherence}: 0 when no pair lies inside a run. */
function coherenceAt(z: Float64Array, runs: [number, number][], lag: number): number {
  let re = 0;
  let im = 0;
  let mag = 0;
  for (const [a, b] of runs) {
    for (let n = a + lag; n < b; n++) {
      const xr = z[2 * n];
      const xi = z[2 * n + 1];
      const yr = z[2 * (n - lag)];
      const yi = z[2 * (n - lag) + 1];
      // x·conj(y)
      re += xr * yr + xi * yi;
      im += xi * yr - xr * yi;
      mag += Math.sqrt((xr * xr + xi * xi) * (yr * yr + yi * yi));
    }
  }
  return mag > 0 ? Math.hypot(re, im) / mag : 0;
}
