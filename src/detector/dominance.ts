// Splatter and skirts: when a new group is a stronger signal's product and opens nothing (docs/detector.md §5).
import type { DetectorOptions } from './options.js';
import type { PathState } from './path-state.js';
import type { TrackReport } from './events.js';
import type { TrackTable } from './track.js';

/**
 * The skirt of a signal of `excessDb` over the baseline and `widthBins` occupied bins, in bins of path p on each side
 * of its band: one occupied bandwidth (modulation sidebands, spectral regrowth) plus the offset where the receiver's
 * reciprocal-mixing noise, `phaseNoiseDbcHz` at 1 kHz falling 20 dB/decade, integrated over one bin, drops under the
 * path's smallest open threshold T: f = 1 kHz · 10^((E + PN + 10·log10(RBW) − T) / 20); plus the gap bridge.
 * docs/detector.md §5 "Splatter and skirts".
 */
export function skirtBins(p: PathState, excessDb: number, widthBins: number, phaseNoiseDbcHz: number): number {
  const pnDb = excessDb + phaseNoiseDbcHz + 10 * Math.log10(p.rbwHz) - p.minOpenDb;
  const pnHz = 1000 * 10 ** (pnDb / 20);
  return widthBins + Math.ceil(pnHz / p.rbwHz) + p.gapBins;
}

/** A calibration emitter's occupied band (Hz, absolute like the baseline's `emitters`), and whether it stayed on. */
export interface EmitterBand {
  lowHz: number;
  highHz: number;
  /** On in ≥ 95 % of the calibration's averages: it does not key, so it has no keying splatter to dismiss. */
  continuous?: boolean;
  /** Its peak excess over the noise (dB), for the intermodulation rule (Tracker). */
  peakExcessDb?: number;
}

/**
 * The dominance rule over one frame's groups (PathState g* arrays), the open tracks and the calibration's emitters.
 * Allocation-free per frame.
 */
export class Dominance {
  /**
   * Set per frame by the tracker: whether a signal near full scale may have products anywhere dominanceDb under it
   * (its converter reaches its rails, or the source cannot tell); otherwise only spurFreeDb under it (DetectorOptions).
   */
  spursAnywhere = true;
  /** Each calibration emitter's band on the fast path, then on the slow path: [lo, hi] bin pairs, drift tolerance included. */
  private readonly fastBands: Int32Array;
  private readonly slowBands: Int32Array;

  /**
   * @param emitters the calibration's emitters (baseline `emitters`; none for a baseline without them)
   * @param centerHz the tuning centre the emitters' absolute frequencies are read against
   */
  constructor(
    private readonly fast: PathState,
    private readonly slow: PathState,
    private readonly table: TrackTable,
    private readonly report: TrackReport,
    private readonly options: Readonly<DetectorOptions>,
    emitters: readonly EmitterBand[] = [],
    centerHz = 0,
  ) {
    this.fastBands = emitterBins(fast, emitters, centerHz);
    this.slowBands = emitterBins(slow, emitters, centerHz);
  }

  /**
   * True when group gi of path p (one of `groups` groups; no open track) is at least dominanceDb (`domRatio` =
   * 10^(dominanceDb/10)) weaker than a signal whose splatter it can be: a transient group of the same frame anywhere in
   * the band, or a steady group or open track within its skirt ({@link skirtBins}), or an open track near full scale,
   * or a calibration emitter that is on in this frame, within its skirt (short paths only), or, imageRejectionDb weaker,
   * a group or open track at its mirror frequency (an IQ image). With `tracksByBand` (the long path), a steady group
   * matched to an open track reaches only as far as that track's skirt and image, from its reported band: the long
   * path's group also spans the skirt that seconds of averaging show; taken as the occupied band, its skirt reached
   * twice as far and its mirror covered the skirt's (a weak link 55 kHz below a 40 dB link read as its image).
   * `emitterPath`: the short path whose bins p has, for the emitter rule (the burst path's state has the fast path's
   * bins: it passes the fast path, and the rule reads the emitter in the running means).
   */
  dominated(p: PathState, gi: number, groups: number, domRatio: number, tracksByBand = false, emitterPath: PathState = p): boolean {
    const ratio = p.gPeakRatio[gi];
    const need = ratio * domRatio;
    const pnDbcHz = this.options.phaseNoiseDbcHz;
    // occupied extents (narrow-kernel bins, or the wide kernel's run shrunk by its half width), not the wide kernel's smear
    const glo = p.gLo[gi];
    const ghi = p.gHi[gi];
    const fullScale = 10 ** (this.options.fullScaleDbfs / 10);
    const spurNeed = ratio * 10 ** (this.options.spurFreeDb / 10);
    for (let gj = 0; gj < groups; gj++) {
      if (gj === gi || p.gPeakRatio[gj] < need) continue;
      if (p.gTransient[gj]) return true;
      // near full scale without clipping: its converter products lie at least spurFreeDb under it, anywhere
      if (p.gPeakPower[gj] >= fullScale && p.gPeakRatio[gj] >= spurNeed) return true;
      if (tracksByBand && p.gTrack[gj] >= 0) continue; // its track is tested below
      const d = Math.max(0, glo - p.gHi[gj], p.gLo[gj] - ghi);
      if (d <= skirtBins(p, 10 * Math.log10(p.gPeakRatio[gj]), p.gHi[gj] - p.gLo[gj] + 1, pnDbcHz)) return true;
    }
    if (this.emitterDominates(p, glo, ghi, domRatio, emitterPath)) return true;
    // an IQ image: a stronger group of this frame at the mirror frequency
    const imageDb = this.options.imageRejectionDb;
    const imageNeed = imageDb > 0 ? ratio * 10 ** (imageDb / 10) : Infinity;
    for (let gj = 0; gj < groups; gj++) {
      if (tracksByBand && p.gTrack[gj] >= 0) continue; // its track's band is mirrored below
      if (gj !== gi && p.gPeakRatio[gj] >= imageNeed && nearMirror(p, glo, ghi, p.gLo[gj], p.gHi[gj])) return true;
    }
    if (this.table.active === 0) return false;
    const s = p.scale;
    const needDb = 10 * Math.log10(need);
    const tracks = this.table.tracks;
    for (let ti = 0; ti < tracks.length; ti++) {
      const t = tracks[ti];
      const peakDb = p === this.fast ? t.peakFastDb : t.peakSlowDb;
      if (!t.active || peakDb < needDb) continue;
      // its converter spurs may be anywhere: dominanceDb under it when it clips, spurFreeDb under it when it does not
      if (t.peakPowerDbfs >= this.options.fullScaleDbfs && (this.spursAnywhere || peakDb >= needDb - this.options.dominanceDb + this.options.spurFreeDb)) return true;
      // the track's occupied band (its extent also holds the key-on splatter of its first frames), on this path
      const own = this.report.measureOwn(t);
      const tlo = Math.floor((this.report.lo * own.scale) / s);
      const thi = Math.floor((this.report.hi * own.scale + own.scale - 1) / s);
      const d = Math.max(0, glo - thi, tlo - ghi);
      if (d <= skirtBins(p, peakDb, thi - tlo + 1, pnDbcHz)) return true;
      // its IQ image
      if (imageDb > 0 && peakDb >= 10 * Math.log10(imageNeed) && nearMirror(p, glo, ghi, tlo, thi)) return true;
    }
    return false;
  }

  /**
   * True when an intermittent calibration emitter is on in this frame at least `domRatio` stronger (narrow statistic, its band's
   * largest bin against the group's) than the group [glo, ghi] of path p, and the group lies within that emitter's
   * skirt, with the group's twin across the emitter's carrier ({@link splatterMirrored}). A calibration emitter is no
   * track (its envelope covers it), so without this its keying splatter, which reaches past the envelope's band in
   * single short frames, opened tracks of its own (docs/detector.md §5). `emitterPath` names the bins of p (fast or
   * slow; any other path has no emitter bands).
   */
  private emitterDominates(p: PathState, glo: number, ghi: number, domRatio: number, emitterPath: PathState): boolean {
    const bands = emitterPath === this.fast ? this.fastBands : emitterPath === this.slow ? this.slowBands : null;
    if (bands === null || bands.length === 0) return false;
    const stat = p.stat;
    let groupPeak = 0;
    for (let b = glo; b <= ghi; b++) if (stat[b] > groupPeak) groupPeak = stat[b];
    const need = groupPeak * domRatio;
    for (let k = 0; k < bands.length; k += 2) {
      const elo = bands[k];
      const ehi = bands[k + 1];
      let peak = 0;
      let carrier = elo;
      for (let b = elo; b <= ehi; b++) {
        if (stat[b] > peak) {
          peak = stat[b];
          carrier = b;
        }
      }
      if (!(peak >= need) || !(peak > 0)) continue;
      // the sampled band folds: splatter past one edge comes in at the other, so the distance wraps round
      const n = p.n;
      const d = Math.min(Math.max(0, glo - ehi, elo - ghi), Math.max(0, glo - (ehi + n), elo + n - ghi), Math.max(0, glo - (ehi - n), elo - n - ghi));
      const excessDb = 10 * Math.log10(peak / p.noiseFloorLin);
      if (d > skirtBins(p, excessDb, ehi - elo + 1, this.options.phaseNoiseDbcHz)) continue;
      if (splatterMirrored(p, carrier, glo, ghi, groupPeak, this.options.imageRejectionDb)) return true;
    }
    return false;
  }
}

/**
 * Keying an emitter's carrier on and off multiplies it by a real envelope, whose spectrum is conjugate-symmetric: the
 * splatter stands at the same level on both sides of the carrier (bin `carrier`), as does the receiver's reciprocal
 * mixing. True when the mirror of the group [glo, ghi] about the carrier (widened by the gap bridge) holds a bin within
 * {@link SPLATTER_MIRROR_DB} of the group's peak `groupPeak` (narrow statistic of path p), or lies partly outside the
 * band (nothing to compare), or when the group's mirror about the tuning centre holds a bin `imageRejectionDb` (> 0)
 * stronger: then the group is the IQ image of the emitter or of its strong near splatter, which has no twin about the
 * carrier. A link keyed beside the emitter has neither (docs/detector.md §5).
 */
function splatterMirrored(
  p: PathState, carrier: number, glo: number, ghi: number, groupPeak: number, imageRejectionDb: number,
): boolean {
  const stat = p.stat;
  const mlo = 2 * carrier - ghi - p.gapBins;
  const mhi = 2 * carrier - glo + p.gapBins;
  if (mlo < 0 || mhi > p.n - 1) return true;
  const need = groupPeak * 10 ** (-SPLATTER_MIRROR_DB / 10);
  for (let b = mlo; b <= mhi; b++) if (stat[b] >= need) return true;
  if (imageRejectionDb <= 0) return false;
  const imageNeed = groupPeak * 10 ** (imageRejectionDb / 10);
  const ilo = Math.max(0, p.n - ghi - p.gapBins);
  const ihi = Math.min(p.n - 1, p.n - glo + p.gapBins);
  for (let b = ilo; b <= ihi; b++) if (stat[b] >= imageNeed) return true;
  return false;
}

/**
 * How far (dB) the twin of an emitter's keying splatter, across its carrier, may read under the group it explains:
 * the two sides carry the same power, and one short frame's narrow statistic of noise plus splatter spreads by a few dB.
 */
export const SPLATTER_MIRROR_DB = 6;

/**
 * True when [glo, ghi] (bins of path p) lies within the gap bridge of the mirror of [lo, hi] about the tuning centre:
 * offset k (bin n/2 + k of the fftshifted spectrum) mirrors to −k, bin n − b.
 */
export function nearMirror(p: PathState, glo: number, ghi: number, lo: number, hi: number): boolean {
  const mlo = p.n - hi;
  const mhi = p.n - lo;
  return Math.max(0, glo - mhi, mlo - ghi) <= p.gapBins;
}

/**
 * Each intermittent emitter's band on path p as [lo, hi] bin pairs (fftshifted bins around `centerHz`), widened by the
 * path's drift tolerance and clipped to the band; emitters wholly outside the band are left out, and continuous ones
 * unless `withContinuous` (the intermodulation rule wants every emitter, Tracker). `excessDb` receives each kept
 * emitter's peak excess (−Infinity where unknown). A continuous emitter does not key: its sidebands are in its envelope,
 * and a skirt of one occupied bandwidth round a wide one (a 106 kHz FM broadcast carrier) would hide every signal 15 dB
 * under it over most of the band, always.
 */
export function emitterBins(
  p: PathState, emitters: readonly EmitterBand[], centerHz: number, withContinuous = false, excessDb: number[] = [],
): Int32Array {
  const pairs: number[] = [];
  for (const e of emitters) {
    if (e.continuous === true && !withContinuous) continue;
    const lo = Math.max(0, p.firstBin(e.lowHz, centerHz) - p.driftBins);
    const hi = Math.min(p.n - 1, p.lastBin(e.highHz, centerHz) + p.driftBins);
    if (hi < lo) continue;
    pairs.push(lo, hi);
    excessDb.push(e.peakExcessDb ?? -Infinity);
  }
  return Int32Array.from(pairs);
}
