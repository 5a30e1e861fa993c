// What a calibration heard: per-bin occupancy over the Welch averages it learned from, grouped into emitters.
import type { BaselineFingerprint } from './baseline.js';

/**
 * A transmitter that was on at some time during the calibration (or a replay's learning window). Its band is
 * covered by the baseline's envelope afterwards, so the daemon reports it once as "present during calibration" for a
 * technician to confirm as known or escalate (docs/detector.md "What calibration heard").
 */
export interface CalibrationEmitter {
  /** Occupancy-weighted centre (Hz; an offset from the tuning centre when the centre is unknown). */
  centerHz: number;
  /** Edges of the occupied bins (Hz) and their difference. */
  lowHz: number;
  highHz: number;
  bandwidthHz: number;
  /** Highest Welch-average bin power seen in the band (dBFS, PSD normalisation of SpectrumFrame). */
  peakPowerDbfs: number;
  /** Highest excess over the frame's noise floor (dB): how far above the floor it stood. */
  peakExcessDb: number;
  /** Fraction of the learned Welch averages in which its busiest bin was occupied (0..1); an average it covers in part counts whole, so this reads high by up to one average per appearance. */
  dutyCycle: number;
  /** Separate appearances (runs of occupied averages) of its busiest bin. */
  bursts: number;
  /** Mean time between appearances (s) when it appeared at least 3 times, else null. */
  periodS: number | null;
  /** Longest appearance (s). */
  maxBurstS: number;
  /** Mean appearance length (s): averages occupied / appearances, of its busiest bin. Absent in older baseline files. */
  meanBurstS?: number;
  /** True when it was on for at least 95 % of the calibration (a steady carrier or a continuous link). */
  continuous: boolean;
}

/**
 * A Welch-average bin is occupied when its narrow-kernel statistic exceeds the average's median bin power (the noise
 * floor, robust while emitters fill less than half of the band) by this many dB. With the slow path's σ ≈ 0.3–0.6 dB
 * no noise bin gets there; the DC spike can (the bins around DC are left out, see {@link DC_BINS}).
 */
export const OCCUPIED_OVER_FLOOR_DB = 6;
/** Bins on each side of the tuning centre left out of the occupancy (DC spike, LO leakage). */
const DC_BINS = 2;

/**
 * Per-bin occupancy of the slow path's Welch averages during learning: how many averages each bin was occupied in,
 * how often it switched on, its longest run, first and last onset. O(bins) per average, allocation-free.
 */
export class OccupancyTracker {
  private readonly occupied: Uint32Array;
  private readonly onsets: Uint32Array;
  private readonly run: Uint32Array;
  private readonly maxRun: Uint32Array;
  private readonly firstOnset: Float64Array;
  private readonly lastOnset: Float64Array;
  private readonly maxExcessDb: Float32Array;
  private readonly maxPowerDb: Float32Array;
  private frames = 0;
  private frameS = 0;

  constructor(private readonly n: number) {
    this.occupied = new Uint32Array(n);
    this.onsets = new Uint32Array(n);
    this.run = new Uint32Array(n);
    this.maxRun = new Uint32Array(n);
    this.firstOnset = new Float64Array(n).fill(-1);
    this.lastOnset = new Float64Array(n).fill(-1);
    this.maxExcessDb = new Float32Array(n).fill(-Infinity);
    this.maxPowerDb = new Float32Array(n).fill(-Infinity);
  }

  /**
   * Adds one Welch average: `stat` its narrow-kernel statistic (linear, fftshifted), `floor` its median bin power
   * (linear), `timeS` its start (s) and `durationS` its length.
   */
  add(stat: Float32Array, floor: number, timeS: number, durationS: number): void {
    const n = this.n;
    const thr = floor * 10 ** (OCCUPIED_OVER_FLOOR_DB / 10);
    const inv = floor > 0 ? 1 / floor : 0;
    this.frames++;
    this.frameS = durationS;
    for (let b = 0; b < n; b++) {
      const v = stat[b];
      if (v > thr && (b < n / 2 - DC_BINS || b > n / 2 + DC_BINS)) {
        this.occupied[b]++;
        if (this.run[b] === 0) {
          this.onsets[b]++;
          if (this.firstOnset[b] < 0) this.firstOnset[b] = timeS;
          this.lastOnset[b] = timeS;
        }
        const r = ++this.run[b];
        if (r > this.maxRun[b]) this.maxRun[b] = r;
        const ex = 10 * Math.log10(v * inv);
        if (ex > this.maxExcessDb[b]) this.maxExcessDb[b] = ex;
        const p = 10 * Math.log10(v);
        if (p > this.maxPowerDb[b]) this.maxPowerDb[b] = p;
      } else {
        this.run[b] = 0;
      }
    }
  }

  /**
   * The emitters: runs of bins occupied in at least 2 averages, bridging gaps of up to `gapBins` unoccupied bins,
   * strongest first.
   * @param fp the baseline's fingerprint (centre, rate and FFT size give each bin's frequency).
   */
  emitters(fp: Pick<BaselineFingerprint, 'centerHz' | 'rateSps' | 'fftSize'>, gapBins: number): CalibrationEmitter[] {
    const n = this.n;
    const rbw = fp.rateSps / n;
    const hz = (b: number) => fp.centerHz + (b - n / 2) * rbw;
    const out: CalibrationEmitter[] = [];
    const minFrames = 2;
    let b = 0;
    while (b < n) {
      if (this.occupied[b] < minFrames) {
        b++;
        continue;
      }
      const lo = b;
      let hi = b;
      let miss = 0;
      for (let j = b + 1; j < n; j++) {
        if (this.occupied[j] >= minFrames) {
          hi = j;
          miss = 0;
        } else if (++miss > gapBins) break;
      }
      let busiest = lo;
      let wsum = 0;
      let fsum = 0;
      let peakP = -Infinity;
      let peakEx = -Infinity;
      for (let j = lo; j <= hi; j++) {
        const o = this.occupied[j];
        if (o > this.occupied[busiest]) busiest = j;
        wsum += o;
        fsum += o * j;
        if (this.maxPowerDb[j] > peakP) peakP = this.maxPowerDb[j];
        if (this.maxExcessDb[j] > peakEx) peakEx = this.maxExcessDb[j];
      }
      const duty = this.frames > 0 ? this.occupied[busiest] / this.frames : 0;
      const bursts = this.onsets[busiest];
      const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
      out.push({
        centerHz: Math.round(hz(fsum / wsum)),
        lowHz: Math.round(hz(lo) - rbw / 2),
        highHz: Math.round(hz(hi) + rbw / 2),
        bandwidthHz: Math.round((hi - lo + 1) * rbw),
        peakPowerDbfs: round(peakP, 2),
        peakExcessDb: round(peakEx, 2),
        dutyCycle: round(duty, 4),
        bursts,
        periodS: bursts >= 3 ? round((this.lastOnset[busiest] - this.firstOnset[busiest]) / (bursts - 1), 3) : null,
        maxBurstS: round(this.maxRun[busiest] * this.frameS, 3),
        meanBurstS: round(bursts > 0 ? (this.occupied[busiest] / bursts) * this.frameS : 0, 3),
        continuous: duty >= 0.95,
      });
      b = hi + 1;
    }
    out.sort((x, y) => y.peakExcessDb - x.peakExcessDb);
    return out;
  }
}

/**
 * One line a technician reads, e.g. `433.9200 MHz  12.2 kHz  −40.1 dBFS (+25.3 dB over the floor)  duty 10.0 %  every
 * 2.00 s (10 appearances, longest 0.20 s)` or `… continuous`.
 */
export function describeEmitter(e: CalibrationEmitter): string {
  const mhz = (e.centerHz / 1e6).toFixed(4);
  const bw = e.bandwidthHz >= 1e6 ? `${(e.bandwidthHz / 1e6).toFixed(2)} MHz` : `${(e.bandwidthHz / 1e3).toFixed(1)} kHz`;
  const level = `${e.peakPowerDbfs.toFixed(1)} dBFS (+${e.peakExcessDb.toFixed(1)} dB over the floor)`;
  const when = e.continuous
    ? 'continuous'
    : `duty ${(e.dutyCycle * 100).toFixed(1)} %` +
      (e.periodS !== null ? `  every ${e.periodS.toFixed(2)} s` : '') +
      ` (${e.bursts} appearance${e.bursts === 1 ? '' : 's'}, longest ${e.maxBurstS.toFixed(2)} s)`;
  return `${mhz} MHz  ${bw}  ${level}  ${when}`;
}
