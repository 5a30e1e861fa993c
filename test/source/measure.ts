// Test helpers: cu8 → complex floats, Welch PSD (fft.js, Hann) and band power, for measuring generated signals.
import FFT from 'fft.js';

/** cu8 bytes → interleaved complex floats with (x − 127.5)/127.5, as the file source converts. */
export function cu8ToComplex(bytes: Uint8Array): Float64Array {
  const out = new Float64Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] - 127.5) / 127.5;
  return out;
}

/** Mean of the interleaved complex samples [start, end) of x: [I, Q]. */
function complexMean(x: Float64Array, start: number, end: number): [number, number] {
  let mi = 0;
  let mq = 0;
  for (let k = start; k < end; k++) {
    mi += x[2 * k];
    mq += x[2 * k + 1];
  }
  return [mi / (end - start), mq / (end - start)];
}

/**
 * Welch PSD of samples [start, end) with an N-point Hann window, no overlap, fftshifted (bin 0 = −rate/2).
 * Normalised so that the bins sum to the mean power of the segment (Parseval with the window's power).
 * The segment mean (DC offset) is removed first.
 */
export function welchPsd(x: Float64Array, start: number, end: number, n: number): Float64Array {
  const fft = new FFT(n);
  const data = new Float64Array(2 * n);
  const out = new Float64Array(2 * n);
  const psd = new Float64Array(n);
  const win = new Float64Array(n);
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    wsum += win[i] * win[i];
  }
  const [mi, mq] = complexMean(x, start, end);
  const frames = Math.floor((end - start) / n);
  for (let f = 0; f < frames; f++) {
    const s0 = start + f * n;
    for (let i = 0; i < n; i++) {
      data[2 * i] = (x[2 * (s0 + i)] - mi) * win[i];
      data[2 * i + 1] = (x[2 * (s0 + i) + 1] - mq) * win[i];
    }
    fft.transform(out, data);
    for (let i = 0; i < n; i++) {
      const b = (i + n / 2) % n;
      psd[b] += (out[2 * i] * out[2 * i] + out[2 * i + 1] * out[2 * i + 1]) / (n * wsum);
    }
  }
  for (let i = 0; i < n; i++) psd[i] /= frames;
  return psd;
}

/** Sum of PSD bins whose centre frequency lies in [lowHz, highHz] (offsets from the tuning centre). */
export function bandPower(psd: Float64Array, rateSps: number, lowHz: number, highHz: number): number {
  const n = psd.length;
  let p = 0;
  for (let b = 0; b < n; b++) {
    const f = ((b - n / 2) * rateSps) / n;
    if (f >= lowHz && f <= highHz) p += psd[b];
  }
  return p;
}

/** Mean power of samples [start, end) after removing their mean. */
export function meanPower(x: Float64Array, start: number, end: number): number {
  const [mi, mq] = complexMean(x, start, end);
  let p = 0;
  for (let k = start; k < end; k++) p += (x[2 * k] - mi) ** 2 + (x[2 * k + 1] - mq) ** 2;
  return p / (end - start);
}

/** Power of a complex tone at `offsetHz` over [start, end): |Σ x·e^{−jωn}|² / N² (the tone's amplitude squared). */
export function tonePower(x: Float64Array, start: number, end: number, offsetHz: number, rateSps: number): number {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * offsetHz) / rateSps;
  for (let k = start; k < end; k++) {
    const c = Math.cos(w * k);
    const s = Math.sin(w * k);
    re += x[2 * k] * c + x[2 * k + 1] * s;
    im += x[2 * k + 1] * c - x[2 * k] * s;
  }
  const n = end - start;
  return (re * re + im * im) / (n * n);
}

export const db = (p: number): number => 10 * Math.log10(p);
