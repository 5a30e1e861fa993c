// What a calibration heard: per-bin occupancy over the Welch averages it learned from, grouped into emitters.
import type { BaselineFingerprint } from './baseline.js';
import { terminalWords, type EmitterWords } from '../log-words.js';
import type { HeardEmitter } from './heard-emitter.js';

/**
 * A transmitter that was on at some time during the calibration (or a replay's learning window). Its band is
 * covered by the baseline's envelope afterwards, so the daemon reports it once as "present during calibration" for a
 * technician to confirm as known or escalate (docs/detector.md "What calibration heard").
 */
export type CalibrationEmitter = HeardEmitter;

/**
 * A Welch-average bin is occupied when its narrow-kernel statistic exceeds the average's median bin power (the noise
 * floor, robust while emitters fill less than half of the band) by this many dB. With the slow path's σ ≈ 0.3–0.6 dB
 * no noise bin gets there; the DC spike can (the bins around DC are left out, see {@link DC_BINS}).
 */
export const OCCUPIED_OVER_FLOOR_DB = 6;
/** Averages whose per-bin occupancy is logged for band-level figures (≈ 1 h at 10 averages per second). */
const MAX_LOGGED_AVERAGES = 36_000;
/** Averages per allocated block of the occupancy log. */
const LOG_CHUNK = 1024;
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
  /**
   * Per average, one bit per bin (occupied), and its start time: the band-level appearances of each emitter at the
   * end (a drifting carrier occupies a different bin as it moves, so no single bin shows it as continuous). Kept for
   * up to MAX_LOGGED_AVERAGES averages (≈ 1 h at 10 per second, n/8 bytes each); beyond that the busiest bin's
   * figures are used.
   */
  private readonly words: number;
  private readonly log: Uint32Array[] = [];
  private readonly logTimes: Float64Array[] = [];
  private logged = 0;

  constructor(private readonly n: number) {
    this.words = Math.ceil(n / 32);
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
    let row: Uint32Array | null = null;
    let rowAt = 0;
    if (this.logged < MAX_LOGGED_AVERAGES) {
      const chunk = Math.floor(this.logged / LOG_CHUNK);
      if (chunk === this.log.length) {
        this.log.push(new Uint32Array(LOG_CHUNK * this.words));
        this.logTimes.push(new Float64Array(LOG_CHUNK));
      }
      row = this.log[chunk];
      rowAt = (this.logged % LOG_CHUNK) * this.words;
      this.logTimes[chunk][this.logged % LOG_CHUNK] = timeS;
      this.logged++;
    }
    for (let b = 0; b < n; b++) {
      const v = stat[b];
      if (v > thr && (b < n / 2 - DC_BINS || b > n / 2 + DC_BINS)) {
        if (row !== null) row[rowAt + (b >>> 5)] |= 1 << (b & 31);
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

  /** Band-level occupancy of bins [lo, hi] from the log: occupied averages, onsets, first/last onset (s), longest run. */
  private bandRuns(lo: number, hi: number): { occupied: number; onsets: number; firstOnsetS: number; lastOnsetS: number; maxRun: number } {
    const w = this.words;
    let occupied = 0;
    let onsets = 0;
    let run = 0;
    let maxRun = 0;
    let firstOnsetS = -1;
    let lastOnsetS = -1;
    for (let f = 0; f < this.logged; f++) {
      const row = this.log[Math.floor(f / LOG_CHUNK)];
      const at = (f % LOG_CHUNK) * w;
      let any = false;
      for (let b = lo; b <= hi && !any; b++) if ((row[at + (b >>> 5)] & (1 << (b & 31))) !== 0) any = true;
      if (!any) {
        run = 0;
        continue;
      }
      occupied++;
      if (run === 0) {
        onsets++;
        const t = this.logTimes[Math.floor(f / LOG_CHUNK)][f % LOG_CHUNK];
        if (firstOnsetS < 0) firstOnsetS = t;
        lastOnsetS = t;
      }
      run++;
      if (run > maxRun) maxRun = run;
    }
    return { occupied, onsets, firstOnsetS, lastOnsetS, maxRun };
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
      // appearances of the band (any of its bins occupied) when every average was logged, else of its busiest bin
      const band = this.logged === this.frames ? this.bandRuns(lo, hi) : null;
      const occupiedAverages = band?.occupied ?? this.occupied[busiest];
      const duty = this.frames > 0 ? occupiedAverages / this.frames : 0;
      const bursts = band?.onsets ?? this.onsets[busiest];
      const firstOnset = band?.firstOnsetS ?? this.firstOnset[busiest];
      const lastOnset = band?.lastOnsetS ?? this.lastOnset[busiest];
      const maxRun = band?.maxRun ?? this.maxRun[busiest];
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
        periodS: bursts >= 3 ? round((lastOnset - firstOnset) / (bursts - 1), 3) : null,
        maxBurstS: round(maxRun * this.frameS, 3),
        meanBurstS: round(bursts > 0 ? (occupiedAverages / bursts) * this.frameS : 0, 3),
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
 * 2.00 s (10 appearances, longest 0.20 s)` or `… continuous`, in the words `w` (default English; terminalWords(lang).heard).
 */
export function describeEmitter(e: CalibrationEmitter, w: EmitterWords = terminalWords('en').heard): string {
  const mhz = (e.centerHz / 1e6).toFixed(4);
  const bw = e.bandwidthHz >= 1e6 ? `${(e.bandwidthHz / 1e6).toFixed(2)} MHz` : `${(e.bandwidthHz / 1e3).toFixed(1)} kHz`;
  const level = w.level(e.peakPowerDbfs.toFixed(1), e.peakExcessDb.toFixed(1));
  const when = e.continuous
    ? w.continuous
    : w.duty((e.dutyCycle * 100).toFixed(1)) + (e.periodS !== null ? `  ${w.every(e.periodS.toFixed(2))}` : '') + ` ${w.appearances(e.bursts, e.maxBurstS.toFixed(2))}`;
  return `${mhz} MHz  ${bw}  ${level}  ${when}`;
}
