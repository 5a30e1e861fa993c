// The carrier line of an identification clip and the amplitude modulation on it: the share of the power in the
// strongest line of the channel's own spectrum, and the coherent AM / keying index (docs/identification.md §4).
import { channelise, type Channel } from './channel.js';
import { movingMean } from './envelope.js';
import { welchSpectrum, type ClipSpectrum } from './spectrum.js';

/**
 * The analysis channel's own spectrum and its strongest line: `spectrum` (FFT size `fftSize`, resolution ≈ channel
 * rate / 4096), `floorBin` the noise power per bin, `passLo`…`passHi` the bins inside the channel's cut-off,
 * `peakBin` the strongest of them, `carrierFraction` the share of the signal power within ±2 bins of it (0..1).
 */
export interface ChannelLine {
  spectrum: ClipSpectrum;
  fftSize: number;
  floorBin: number;
  passLo: number;
  passHi: number;
  peakBin: number;
  carrierFraction: number;
}

/**
 * The {@link ChannelLine} of channel `ch` whose noise power is `noise` (N in the channel: the floor per bin is
 * N / enbwHz × bin width). The FFT size is the largest power of two ≤ 4096 that leaves ≥ 8 frames.
 */
export function channelLine(ch: Channel, noise: number): ChannelLine {
  const z = ch.iq;
  const n = ch.count;
  let chFft = 64;
  while (chFft < 4096 && n / (2 * chFft) >= 8) chFft *= 2;
  const chSpec = welchSpectrum(z, n, ch.rateSps, chFft);
  const floorBin = (noise / ch.enbwHz) * chSpec.binHz;
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
  return { spectrum: chSpec, fftSize: chFft, floorBin, passLo, passHi, peakBin, carrierFraction };
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

/**
 * The keying / AM index of a clip ({@link coherentModulationIndex} of its strongest line), between the first rise and
 * the last fall of `runs` (the noise before and after would count as keying), each end trimmed by the averaging length
 * `smoothLen` (at most a quarter of the `span`); channel samples map back to the clip through `ch`'s decimation and
 * delay, and the line lies at `centerHz` (the channel's centre in the clip) + its offset in the channel. 0 when the
 * line holds at most 30 % of the power, or there are no runs.
 */
export function keyingIndex(
  iq: Float32Array, count: number, rateSps: number, ch: Channel, line: ChannelLine, centerHz: number, runs: [number, number][], smoothLen: number, span: number,
): number {
  if (!(line.carrierFraction > 0.3 && runs.length)) return 0;
  const d = ch.decimation;
  // averaging smears each edge by L samples: trim that much (at most a quarter of the span) at both ends
  const trim = Math.min(smoothLen, Math.floor(span / 4));
  const from = Math.max(0, Math.round((runs[0][0] + trim) * d + ch.delaySamples));
  const to = Math.min(count, Math.round((runs[runs.length - 1][1] - trim) * d + ch.delaySamples));
  return coherentModulationIndex(iq.subarray(2 * from, 2 * to), to - from, rateSps, centerHz + (line.peakBin - line.fftSize / 2) * line.spectrum.binHz);
}
