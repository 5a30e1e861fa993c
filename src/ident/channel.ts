// Channel selection for identification and audio: shift an emission to 0 Hz, low-pass and decimate (docs/identification.md §3).
import { nativeFirDecimate } from '../dsp/native-frame.js';

/** A channelised clip: complex baseband at `rateSps`, centred on the emission. */
export interface Channel {
  /** Interleaved I/Q, length 2·count. */
  iq: Float64Array;
  count: number;
  rateSps: number;
  /** Low-pass cut-off (Hz, one side) applied before decimation. */
  cutoffHz: number;
  /** Equivalent noise bandwidth (Hz) of the channel filter: white noise of density N0 gives N0·enbwHz in the channel. */
  enbwHz: number;
  /** Decimation factor D and the filter's delay: output o is centred on input sample o·D + delaySamples. */
  decimation: number;
  delaySamples: number;
}

/**
 * Windowed-sinc low-pass taps (Blackman window, `taps` odd), cut-off `cutoff` in cycles per sample, DC gain 1.
 * Blackman: stop-band ≈ −74 dB, transition ≈ 5.5/taps cycles per sample (Oppenheim & Schafer, table 7.2).
 */
export function lowPassTaps(cutoff: number, taps: number): Float64Array {
  const h = new Float64Array(taps);
  const m = (taps - 1) / 2;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const t = i - m;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    h[i] = sinc * w;
    sum += h[i];
  }
  for (let i = 0; i < taps; i++) h[i] /= sum;
  return h;
}

/**
 * Shifts `offsetHz` to 0 Hz, low-pass filters to ±cutoffHz and keeps every D-th sample, where D = ⌊rate / (minRatio ·
 * 2·cutoffHz)⌋ (so the channel rate is at least minRatio × the filter's two-sided width). Only the kept outputs are
 * computed (cost ≈ 32 complex multiply-adds per input sample whatever D is: taps = 32·D + 1, at least 127, so the
 * Blackman transition band, 5.5·rate/taps, is ≈ 0.17 of the channel rate).
 * The mixer is a phasor rotated per sample and renormalised every 1024 samples.
 */
export function channelise(iq: Float32Array, count: number, rateSps: number, offsetHz: number, cutoffHz: number, minRatio = 2): Channel {
  const c = Math.min(cutoffHz, 0.45 * rateSps);
  const d = Math.max(1, Math.floor(rateSps / (minRatio * 2 * c)));
  const taps = Math.max(127, 32 * d + 1) | 1;
  const h = lowPassTaps(c / rateSps, taps);
  // mix the whole clip once (float64), then FIR at the kept positions
  const mixed = new Float64Array(2 * count);
  const w = (-2 * Math.PI * offsetHz) / rateSps;
  const cw = Math.cos(w);
  const sw = Math.sin(w);
  let re = 1;
  let im = 0;
  for (let i = 0; i < count; i++) {
    const x = iq[2 * i];
    const y = iq[2 * i + 1];
    mixed[2 * i] = x * re - y * im;
    mixed[2 * i + 1] = x * im + y * re;
    const r2 = re * cw - im * sw;
    im = re * sw + im * cw;
    re = r2;
    if ((i & 1023) === 1023) {
      const g = 1 / Math.sqrt(re * re + im * im);
      re *= g;
      im *= g;
    }
  }
  const outCount = count >= taps ? Math.floor((count - taps) / d) + 1 : 0;
  const out = new Float64Array(2 * outCount);
  // the FIR is most of an identification's CPU (a 0.52 s part at 1 MS/s: 127 taps at every sample, once for the channel
  // and once per complementary-tone candidate): the addon runs the same loop, same order, same doubles
  if (nativeFirDecimate !== null) nativeFirDecimate(mixed, h, d, out, outCount);
  else firDecimate(mixed, h, d, out, outCount);
  let e = 0;
  for (let k = 0; k < taps; k++) e += h[k] * h[k];
  return { iq: out, count: outCount, rateSps: rateSps / d, cutoffHz: c, enbwHz: e * rateSps, decimation: d, delaySamples: (taps - 1) / 2 };
}

/**
 * out[o] = Σ_k h[k]·mixed[o·d + k] (complex `mixed`, interleaved; real `h`), k ascending, for o < outCount: the JS form
 * of the addon's firDecimate (src/dsp/native-frame.ts), used without it.
 */
export function firDecimate(mixed: Float64Array, h: Float64Array, d: number, out: Float64Array, outCount: number): void {
  const taps = h.length;
  for (let o = 0; o < outCount; o++) {
    const s = o * d;
    let ar = 0;
    let ai = 0;
    for (let k = 0; k < taps; k++) {
      const hk = h[k];
      ar += hk * mixed[2 * (s + k)];
      ai += hk * mixed[2 * (s + k) + 1];
    }
    out[2 * o] = ar;
    out[2 * o + 1] = ai;
  }
}

/**
 * Resamples a real signal `x` at `inRate` to `outRate` (any ratio) by a Blackman-windowed sinc evaluated at each output
 * instant, with a cut-off at min(inRate, outRate)·0.45 (anti-alias for a down-conversion). ±16 input samples per side
 * at the lower of the two rates.
 */
export function resampleReal(x: Float64Array, inRate: number, outRate: number): Float64Array {
  const n = Math.floor((x.length * outRate) / inRate);
  const out = new Float64Array(n);
  const ratio = inRate / outRate;
  const fc = (0.45 * Math.min(inRate, outRate)) / inRate; // cycles per input sample
  const half = Math.ceil(16 * Math.max(1, ratio));
  for (let j = 0; j < n; j++) {
    const t = j * ratio;
    const c = Math.floor(t);
    let acc = 0;
    let norm = 0;
    for (let k = c - half + 1; k <= c + half; k++) {
      if (k < 0 || k >= x.length) continue;
      const u = t - k;
      const sinc = u === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * u) / (Math.PI * u);
      const w = 0.42 + 0.5 * Math.cos((Math.PI * u) / half) + 0.08 * Math.cos((2 * Math.PI * u) / half);
      const h = sinc * w;
      acc += h * x[k];
      norm += h;
    }
    out[j] = norm !== 0 ? acc / norm : 0;
  }
  return out;
}
