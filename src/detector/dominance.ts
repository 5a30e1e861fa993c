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

/**
 * The dominance rule over one frame's groups (PathState g* arrays) and the open tracks. Allocation-free.
 */
export class Dominance {
  constructor(
    private readonly fast: PathState,
    private readonly table: TrackTable,
    private readonly report: TrackReport,
    private readonly options: Readonly<DetectorOptions>,
  ) {}

  /**
   * True when group gi of path p (one of `groups` groups; no open track) is at least dominanceDb (`domRatio` =
   * 10^(dominanceDb/10)) weaker than a signal whose splatter it can be: a transient group of the same frame anywhere in
   * the band, or a steady group or open track within its skirt ({@link skirtBins}), or an open track near full scale.
   */
  dominated(p: PathState, gi: number, groups: number, domRatio: number): boolean {
    const ratio = p.gPeakRatio[gi];
    const need = ratio * domRatio;
    const pnDbcHz = this.options.phaseNoiseDbcHz;
    // occupied extents (narrow-kernel bins, or the wide kernel's run shrunk by its half width), not the wide kernel's smear
    const glo = p.gLo[gi];
    const ghi = p.gHi[gi];
    for (let gj = 0; gj < groups; gj++) {
      if (gj === gi || p.gPeakRatio[gj] < need) continue;
      if (p.gTransient[gj]) return true;
      const d = Math.max(0, glo - p.gHi[gj], p.gLo[gj] - ghi);
      if (d <= skirtBins(p, 10 * Math.log10(p.gPeakRatio[gj]), p.gHi[gj] - p.gLo[gj] + 1, pnDbcHz)) return true;
    }
    if (this.table.active === 0) return false;
    const s = p.scale;
    const needDb = 10 * Math.log10(need);
    const tracks = this.table.tracks;
    for (let ti = 0; ti < tracks.length; ti++) {
      const t = tracks[ti];
      const peakDb = p === this.fast ? t.peakFastDb : t.peakSlowDb;
      if (!t.active || peakDb < needDb) continue;
      if (t.peakPowerDbfs >= this.options.fullScaleDbfs) return true; // its converter spurs may be anywhere
      // the track's occupied band (its extent also holds the key-on splatter of its first frames), on this path
      const own = this.report.measureOwn(t);
      const tlo = Math.floor((this.report.lo * own.scale) / s);
      const thi = Math.floor((this.report.hi * own.scale + own.scale - 1) / s);
      const d = Math.max(0, glo - thi, tlo - ghi);
      if (d <= skirtBins(p, peakDb, thi - tlo + 1, pnDbcHz)) return true;
    }
    return false;
  }
}
