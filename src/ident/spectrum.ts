// Clip-level spectral analysis for identification: Welch PSD, noise floor, occupied bandwidth (docs/identification.md §2).
import FFT from 'fft.js';
import { quickSelect } from '../dsp/select.js';

/**
 * Averaged power spectrum of a complex clip, bins in natural frequency order (index 0 = −rate/2, index N/2 = 0 Hz).
 * `powerPerBin[k]` is power (full scale² units, same as mean |x|²) so that Σ_k powerPerBin = mean |x|² for white
 * noise: P_k = mean_frames |X_k|² / (N·Σw²) with a Hann window w (Welch 1967, 50 % overlap).
 */
export interface ClipSpectrum {
  powerPerBin: Float64Array;
  fftSize: number;
  /** Bin width (Hz) = rateSps / fftSize. */
  binHz: number;
  /** Frames averaged. */
  frames: number;
}

/** Frames averaged at most (evenly spread over a longer clip), so a 10 s clip costs as much as ≈ 0.5 s at 2.4 MS/s. */
const MAX_FRAMES = 600;
/** Points transformed at most (frames × FFT size). */
const MAX_POINTS = 4_000_000;

/**
 * FFT size of a clip's Welch spectrum: resolution ≈ 1/32 of `bandwidthHz` (at least rate/16384, at most rate/64), then
 * halved until the clip holds ≥ 32 frames; a power of two in 64 … 16384 (docs/identification.md §2).
 */
export function fftSizeFor(count: number, rateSps: number, bandwidthHz: number): number {
  const rbw = Math.max(rateSps / 16384, Math.min(bandwidthHz / 32, rateSps / 64));
  let fftSize = 64;
  while (fftSize < 16384 && rateSps / (2 * fftSize) >= rbw) fftSize *= 2;
  while (fftSize > 64 && count / fftSize < 32) fftSize /= 2;
  return fftSize;
}

/**
 * Welch PSD of interleaved I/Q `iq` (count complex samples) with FFT size `fftSize` (power of two ≥ 16).
 * A clip shorter than one frame gives frames = 0 and an all-zero spectrum.
 */
export function welchSpectrum(iq: Float32Array | Float64Array, count: number, rateSps: number, fftSize: number): ClipSpectrum {
  const n = fftSize;
  const fft = new FFT(n);
  const win = new Float64Array(n);
  let w2 = 0;
  for (let i = 0; i < n; i++) {
    win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    w2 += win[i] * win[i];
  }
  const input = new Float64Array(2 * n);
  const out = new Float64Array(2 * n);
  const acc = new Float64Array(n);
  const hop = n >> 1;
  const possible = count >= n ? Math.floor((count - n) / hop) + 1 : 0;
  // at most MAX_FRAMES frames and 4 M transformed points (a 16384-point spectrum averages 244 frames)
  const frames = Math.min(possible, MAX_FRAMES, Math.max(32, Math.floor(MAX_POINTS / n)));
  for (let f = 0; f < frames; f++) {
    const start = frames === possible ? f * hop : Math.floor((f * (count - n)) / Math.max(1, frames - 1));
    for (let i = 0; i < n; i++) {
      input[2 * i] = iq[2 * (start + i)] * win[i];
      input[2 * i + 1] = iq[2 * (start + i) + 1] * win[i];
    }
    fft.transform(out, input);
    for (let k = 0; k < n; k++) {
      const re = out[2 * k];
      const im = out[2 * k + 1];
      acc[(k + (n >> 1)) % n] += re * re + im * im;
    }
  }
  const scale = frames > 0 ? 1 / (frames * n * w2) : 0;
  for (let k = 0; k < n; k++) acc[k] *= scale;
  return { powerPerBin: acc, fftSize: n, binHz: rateSps / n, frames };
}

/** Bin index (natural order, fractional) of an offset from the tuning centre (Hz). */
export function binOf(spec: ClipSpectrum, offsetHz: number): number {
  return offsetHz / spec.binHz + spec.fftSize / 2;
}

/** Offset (Hz) from the tuning centre of a (fractional) bin index. */
export function hzOf(spec: ClipSpectrum, bin: number): number {
  return (bin - spec.fftSize / 2) * spec.binHz;
}

/**
 * The q-quantile (0..1) of `values` (copied; linear interpolation between the order statistics of ranks ⌊x⌋ and ⌊x⌋ + 1,
 * x = q·(n − 1)), by quickselect: O(n) instead of a sort's O(n log n), the same value. Values must not be NaN.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const s = Float64Array.from(values);
  const x = q * (n - 1);
  const i = Math.floor(x);
  const lo = quickSelect(s, i);
  if (i + 1 >= n) return lo;
  // after the selection every value right of rank i is ≥ lo: the next order statistic is their minimum
  let hi = Infinity;
  for (let k = i + 1; k < n; k++) if (s[k] < hi) hi = s[k];
  return lo + (hi - lo) * (x - i);
}

/** What {@link occupiedBand} found. */
export interface OccupiedBand {
  /**
   * Noise power per bin: the median of the bins outside the search window; when fewer than a quarter of the bins lie
   * there, the reference floor given (a band-cut clip's pre-roll: {@link noiseFloorPerBin}), else the 20th percentile of
   * all bins.
   */
  floorPerBin: number;
  /** Where `floorPerBin` came from: bins outside the window, the reference given, or the 20th percentile of all bins. */
  floorFrom: 'outside' | 'reference' | 'percentile';
  /** Signal power (noise subtracted) inside the search window (full scale²). */
  signalPower: number;
  /** Noise power in the 99 % band: floorPerBin · bins. */
  noiseIn99: number;
  /** Edges (offsets from the tuning centre, Hz) holding 99 % and 90 % of the signal power (0.5/99.5 % and 5/95 % points). */
  low99Hz: number;
  high99Hz: number;
  low90Hz: number;
  high90Hz: number;
  /** Offset (Hz) of the strongest bin within ±coreHz of the detection's centre. */
  peakHz: number;
  /** Share (0..1) of the signal power within ±max(2 bins, 150 Hz) of the strongest bin: ≈ 1 for a carrier or AM. */
  carrierFraction: number;
  /** Spectral flatness (geometric / arithmetic mean) of the excess over the 90 % band's bins: ≈ 1 flat, → 0 peaky. */
  flatness: number;
}

/** Parts a noise reference is cut into by {@link noiseFloorPerBin} (at most; each part ≥ 8 Welch frames). */
export const NOISE_REFERENCE_PARTS = 8;

/**
 * Noise power per bin of a stretch meant to hold no emission (a band-cut clip's pre-roll), at the FFT size of the
 * clip's spectrum: the stretch is cut into up to {@link NOISE_REFERENCE_PARTS} back-to-back parts of ≥ 8 Welch frames,
 * and the floor is the median over the parts of their median bins ({@link welchSpectrum}; the median bin, so a line or
 * a neighbour in a few bins does not move it; the median part, so a burst in fewer than half the parts, a repeating
 * transmitter's previous packet, does not either, while a receiver whose noise level moves, as a clipping one's does,
 * reads its typical level, not its lowest). Undefined when the stretch holds fewer than 8 frames of `fftSize`.
 */
export function noiseFloorPerBin(iq: Float32Array, count: number, rateSps: number, fftSize: number): number | undefined {
  const partMin = 4 * fftSize + fftSize / 2; // 8 frames at 50 % overlap
  if (count < partMin) return undefined;
  const parts = Math.min(NOISE_REFERENCE_PARTS, Math.floor(count / partMin));
  const len = Math.floor(count / parts);
  const floors = new Float64Array(parts);
  for (let k = 0; k < parts; k++) floors[k] = quantile(welchSpectrum(iq.subarray(2 * k * len, 2 * (k + 1) * len), len, rateSps, fftSize).powerPerBin, 0.5);
  return quantile(floors, 0.5);
}

/**
 * Power ratio over the emission's strongest bin (in the detection's own band) from which a bin outside that band is
 * another emission's (10 dB): the demo's steady carrier beside its GSM-like train stands 19–20 dB over the train's
 * strongest bin, while an emission's own parts (the other tone of an FSK, sidebands, skirts) stay near or below it.
 */
export const NEIGHBOUR_OVER_PEAK = 10;

/**
 * The run's end on one side (`dir` −1: low, +1: high) of the emission whose strongest bin is `peakK`, given the run's
 * end `end` and the edge bin `coreEdge` of the detection's own band: when a bin beyond the core edge up to `end` holds
 * more than {@link NEIGHBOUR_OVER_PEAK} × the peak's power, the weakest bin from the core edge to the nearest such bin;
 * else `end`.
 */
function neighbourCut(p: Float64Array, peakK: number, end: number, coreEdge: number, dir: -1 | 1): number {
  const limit = NEIGHBOUR_OVER_PEAK * p[peakK]!;
  for (let k = coreEdge + dir; dir * (end - k) >= 0; k += dir) {
    if (p[k]! <= limit) continue;
    let weakest = coreEdge;
    for (let j = coreEdge; j !== k; j += dir) if (p[j]! < p[weakest]!) weakest = j;
    return weakest;
  }
  return end;
}

/**
 * Occupied bandwidth of the emission near `offsetHz`: the band between the points where the cumulative noise-subtracted
 * power in the search window [offsetHz ± halfWindowHz], grown from the strongest bin within ±coreHz of offsetHz crosses 0.5 % and 99.5 % of its total (ITU-R SM.328 "99 % power"
 * bandwidth), and likewise 5 %/95 % for the 90 % band. Only bins more than 4.5σ of an averaged noise bin above the floor
 * (σ = floor/√frames) count, so the noise of a wide window does not move the edges, and only the run of such bins
 * around the strongest one (gaps of up to 2 bins bridged), so a steady neighbour stays out.
 */
export function occupiedBand(spec: ClipSpectrum, offsetHz: number, halfWindowHz: number, coreHz = halfWindowHz / 3, referenceFloorPerBin?: number): OccupiedBand {
  const n = spec.fftSize;
  const p = spec.powerPerBin;
  let a = Math.max(0, Math.floor(binOf(spec, offsetHz - halfWindowHz)));
  let z = Math.min(n - 1, Math.ceil(binOf(spec, offsetHz + halfWindowHz)));
  // noise floor: bins outside the window (and away from DC, where an RTL's offset sits); when too few lie there, the
  // reference measured where the emission was off (a band-cut clip's pre-roll), else a low percentile of all bins (below
  // the noise's mean where noise bins hold it, the emission's own level where it fills more than 80 % of them)
  const outside: number[] = [];
  for (let k = 0; k < n; k++) if ((k < a - 2 || k > z + 2) && Math.abs(k - n / 2) > 2) outside.push(p[k]);
  const floorFrom: OccupiedBand['floorFrom'] = outside.length >= n / 4 ? 'outside' : referenceFloorPerBin !== undefined && referenceFloorPerBin > 0 ? 'reference' : 'percentile';
  const floor = floorFrom === 'outside' ? quantile(outside, 0.5) : floorFrom === 'reference' ? referenceFloorPerBin! : quantile(p, 0.2);
  // a bin counts as signal only when it is 4.5 standard deviations of an averaged noise bin (floor/√frames) above the floor:
  // otherwise the noise bins of a wide window random-walk the cumulative sum and move the 0.5 % points
  const sig = floor * (1 + 4.5 / Math.sqrt(Math.max(1, spec.frames)));
  const excess = (k: number): number => (p[k] > sig ? p[k] - floor : 0);
  // the strongest bin inside the detection's own band (centre ± coreHz), where the emission is
  const c0 = Math.max(a, Math.floor(binOf(spec, offsetHz - coreHz)));
  const c1 = Math.min(z, Math.ceil(binOf(spec, offsetHz + coreHz)));
  let peakK = c0;
  for (let k = c0; k <= c1; k++) if (p[k] > p[peakK]) peakK = k;
  // the emission is the run of signal bins around the strongest one, bridging gaps of up to 2 bins: a steady
  // neighbour separated from it by noise does not join it
  const bridge = 2;
  let lo = peakK;
  let hi = peakK;
  for (let k = peakK - 1, gap = 0; k >= a && gap <= bridge; k--) {
    if (excess(k) > 0) {
      lo = k;
      gap = 0;
    } else gap++;
  }
  for (let k = peakK + 1, gap = 0; k <= z && gap <= bridge; k++) {
    if (excess(k) > 0) {
      hi = k;
      gap = 0;
    } else gap++;
  }
  // a stronger emission beside it is not part of it: a bin outside the detection's own band (centre ± coreHz) over
  // NEIGHBOUR_OVER_PEAK × the emission's strongest bin there is a neighbour whose skirt the run bridged to (the demo's
  // GSM-like train, read as one 254 kHz wfm with a steady carrier 170 kHz from its centre), and the run ends at the
  // weakest bin between the two
  lo = neighbourCut(p, peakK, lo, c0, -1);
  hi = neighbourCut(p, peakK, hi, c1, 1);
  a = lo;
  z = hi;
  let total = 0;
  for (let k = a; k <= z; k++) total += excess(k);
  const edge = (frac: number): number => {
    const target = frac * total;
    let cum = 0;
    for (let k = a; k <= z; k++) {
      const e = excess(k);
      if (cum + e >= target && e > 0) return k + (target - cum) / e - 0.5;
      cum += e;
    }
    return z + 0.5;
  };
  const l99 = edge(0.005);
  const h99 = edge(0.995);
  const l90 = edge(0.05);
  const h90 = edge(0.95);
  const near = Math.max(2, Math.round(150 / spec.binHz));
  let carrier = 0;
  for (let k = Math.max(a, peakK - near); k <= Math.min(z, peakK + near); k++) carrier += excess(k);
  let logSum = 0;
  let linSum = 0;
  let m = 0;
  for (let k = Math.max(a, Math.floor(l90)); k <= Math.min(z, Math.ceil(h90)); k++) {
    const e = Math.max(p[k] - floor, 1e-3 * floor);
    logSum += Math.log(e);
    linSum += e;
    m++;
  }
  return {
    floorPerBin: floor,
    floorFrom,
    signalPower: Math.max(0, total),
    noiseIn99: floor * Math.max(1, h99 - l99),
    low99Hz: hzOf(spec, l99),
    high99Hz: hzOf(spec, h99),
    low90Hz: hzOf(spec, l90),
    high90Hz: hzOf(spec, h90),
    peakHz: hzOf(spec, peakK),
    carrierFraction: total > 0 ? Math.min(1, Math.max(0, carrier / total)) : 0,
    flatness: m > 0 && linSum > 0 ? Math.exp(logSum / m) / (linSum / m) : 0,
  };
}
