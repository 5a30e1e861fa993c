// What a track reports: its occupied band from its mean excess spectrum, and the open / update / close events built
// from it (docs/detector.md §4).
import type { DetectionEvent } from '../types.js';
import type { DetectorGeometry, DetectorOptions } from './options.js';
import type { PathState } from './path-state.js';
import type { Track } from './track.js';

/**
 * A second peak within this many dB of a track's peak, joined to it by bins that never fall under the open level, is
 * part of its occupied band however deep the dip between them (TrackReport.measure): the two tones of a 2-FSK link
 * carry the same power, a few dB apart after a receiver's filter tilt. A neighbour more than this much weaker stays
 * outside, as the splitting rules beside a strong signal expect (docs/detector.md §4).
 */
export const TWIN_PEAK_DB = 6;
const TWIN_PEAK_RATIO = 10 ** (-TWIN_PEAK_DB / 10);

/**
 * Measures tracks' occupied bands and builds their {@link DetectionEvent}s. A track's band is measured on the slow
 * path when it has slow hits (finer bins), else on the fast path. {@link measure} writes its result into
 * {@link lo}/{@link hi} (no allocation); {@link event} allocates only the event it returns.
 */
export class TrackReport {
  /** Result of {@link measure}: the occupied band's first and last bin (bins of the path it was asked for). */
  lo = 0;
  hi = 0;

  /** {@link measureKept}'s record per track slot and path (fast: 2·slot, slow: 2·slot + 1): track id, its hits then, band. */
  private readonly keptId: Float64Array;
  private readonly keptHits: Float64Array;
  private readonly keptLo: Int32Array;
  private readonly keptHi: Int32Array;

  constructor(
    private readonly fast: PathState,
    private readonly slow: PathState,
    private readonly geometry: Readonly<DetectorGeometry>,
    private readonly options: Readonly<DetectorOptions>,
  ) {
    const n = 2 * options.maxTracks;
    this.keptId = new Float64Array(n);
    this.keptHits = new Float64Array(n);
    this.keptLo = new Int32Array(n);
    this.keptHi = new Int32Array(n);
  }

  /**
   * {@link measure} (with the twin-peak bridge; without a merged tone, as the newcomer test's reach grows with the band
   * it reads and a carrier keyed beside a merged tone went unreported) of t on its fast path (`isFast`) or slow path,
   * kept per track slot and measured again once the path's hits have grown by an eighth (at least 8) since: a mean
   * over n hits moves by at most 1/n of a frame's excess per hit, and the newcomer test (newcomer.ts), which reads it
   * for every group a settled track's frame holds, spent 8 % of a 2.4 MS/s detect pass with eight tracks open
   * measuring it each time.
   * {@link forget} drops t's record when its spectrum changes at once (a split, a merge).
   */
  measureKept(t: Track, isFast: boolean, acc: Float64Array, cnt: Float64Array): void {
    const k = 2 * t.slot + (isFast ? 0 : 1);
    const hits = isFast ? t.fastHits : t.slowHits;
    if (this.keptId[k] === t.id && hits - this.keptHits[k] < Math.max(8, this.keptHits[k] / 8)) {
      this.lo = this.keptLo[k];
      this.hi = this.keptHi[k];
      return;
    }
    this.measure(t, isFast ? this.fast : this.slow, acc, cnt, true, false);
    this.keptId[k] = t.id;
    this.keptHits[k] = hits;
    this.keptLo[k] = this.lo;
    this.keptHi[k] = this.hi;
  }

  /** Drops track t's {@link measureKept} records. */
  forget(t: Track): void {
    this.keptId[2 * t.slot] = 0;
    this.keptId[2 * t.slot + 1] = 0;
  }

  /**
   * The occupied band of track t on path p into {@link lo}/{@link hi} (bins of p): from the peak of its mean excess
   * spectrum (acc/cnt, linear ratio over the level) out to the −X dB points (X = bandwidthDropDb, at most half the
   * peak in dB), bridging gaps of p.gapBins and skipping guard bins; t's whole extent when the path has no excess yet.
   * The −X dB points, not threshold crossings, as docs/field-notes.md §14 explains. With `twins`, a dip between two
   * peaks within {@link TWIN_PEAK_DB} of each other is bridged while the spectrum between them stays over the open
   * level (see {@link edge}): a 2-FSK link's tones 40 kHz apart are one band, not its stronger tone; and so is a tone
   * merged back into t (Track.toneLo/toneHi), whatever its level, unless `tones` is false.
   */
  measure(t: Track, p: PathState, acc: Float64Array, cnt: Float64Array, twins = true, tones = twins): void {
    const n = p.n;
    const s = p.scale;
    const tlo = Math.floor(t.lo / s);
    const thi = Math.floor(t.hi / s);
    let peakB = -1;
    let peak = 0;
    for (let b = tlo; b <= thi; b++) {
      if (cnt[b] === 0) continue;
      const m = acc[b] / cnt[b];
      if (m > peak) {
        peak = m;
        peakB = b;
      }
    }
    if (peakB < 0) {
      this.lo = tlo;
      this.hi = thi;
      return;
    }
    const peakDb = 10 * Math.log10(peak);
    const floor = 10 ** (Math.max(peakDb - this.options.bandwidthDropDb, peakDb / 2) / 10);
    const twin = twins ? Math.max(peak * TWIN_PEAK_RATIO, floor) : Infinity;
    this.lo = TrackReport.edge(p, acc, cnt, peakB, -1, floor, twin);
    this.hi = TrackReport.edge(p, acc, cnt, peakB, 1, floor, twin);
    // the link's other tone, found as a newcomer and merged back (pair-watch.ts), is part of its band however weak
    if (tones && t.toneLo <= t.toneHi) {
      this.lo = Math.min(this.lo, Math.floor(t.toneLo / s));
      this.hi = Math.max(this.hi, Math.floor(t.toneHi / s));
    }
  }

  /**
   * The outer edge (bin of p) of an occupied band from bin `from` in direction `dir` (−1 down, +1 up): the last bin
   * whose mean excess reaches `floor`, bridging gaps of p.gapBins and skipping guard bins. A deeper or wider dip is
   * bridged too when the bins past it stay over the path's smallest open level (one group: the spectrum never falls
   * back to the noise) up to a second peak of at least `twin` (a 2-FSK link's other tone, of the same power by
   * construction): the scan goes on from that peak. That look ends at the DC guard: what lies past it is unmeasured,
   * and a look across it joined an X10 remote (−14 kHz) to bins beyond the guard in one run of the same recording and
   * not in another with a few samples changed (11 kHz between their centres; test/source/non-finite.test.ts).
   */
  private static edge(p: PathState, acc: Float64Array, cnt: Float64Array, from: number, dir: -1 | 1, floor: number, twin: number): number {
    const n = p.n;
    let edge = from;
    let miss = 0;
    let firstMiss = from;
    for (let b = from + dir; b >= 0 && b < n; b += dir) {
      if (p.guard[b]) continue;
      const m = cnt[b] > 0 ? acc[b] / cnt[b] : 0;
      if (m >= floor) {
        edge = b;
        miss = 0;
        continue;
      }
      if (miss++ === 0) firstMiss = b;
      if (miss <= p.gapBins) continue;
      // past the gap without the twin-peak bridge (measureOwn, on the dominance test's path): the band ends here
      if (twin === Infinity) break;
      // past the gap: look on, from the dip's first bin, through bins over the open level for a second peak of the
      // same signal
      let k = firstMiss;
      while (k >= 0 && k < n && !p.guard[k] && cnt[k] > 0 && acc[k] / cnt[k] >= p.minOpenLin && acc[k] / cnt[k] < twin) k += dir;
      if (k < 0 || k >= n || p.guard[k] || cnt[k] === 0 || acc[k] / cnt[k] < twin) break;
      edge = k;
      miss = 0;
      b = k;
    }
    return edge;
  }

  /**
   * True when dropDcCentred is set and the track's band (± the gap) touches the DC guard: a signal on the tuning
   * centre is only partly visible around the guard, with a wrong centre; the overlapping hop sees it whole.
   */
  dcCentred(t: Track): boolean {
    if (!this.options.dropDcCentred) return false;
    const n = this.slow.n;
    const guardBins = Math.max(1, Math.ceil(this.options.dcGuardHz / this.slow.rbwHz));
    const gap = this.slow.gapBins;
    return t.lo - gap <= n / 2 + guardBins && t.hi + gap >= n / 2 - guardBins;
  }

  /**
   * Measures t's occupied band on its own path (the slow path once it has slow hits, else the fast path) into
   * {@link lo}/{@link hi}, and returns that path. Without the twin-peak bridge unless `twins` (the second-emitter
   * watch reads the band a track reports, so a 2-FSK link's other tone is no second emitter): the rules that read this
   * band (a signal's skirt in Dominance, the valley beside it in the tracker's stands-apart test) reach out from it by
   * its width, and two equal emitters bridged into one band (two broadcast FM stations 200 kHz apart) hid a 20 dB OOK
   * link 380 kHz from them that the single-peak band left visible (docs/detector.md §4).
   */
  measureOwn(t: Track, twins = false): PathState {
    const own = t.slowHits > 0 ? this.slow : this.fast;
    this.measure(t, own, own === this.slow ? t.accSlow : t.accFast, own === this.slow ? t.cntSlow : t.cntFast, twins);
    return own;
  }

  /**
   * The event of `kind` for track t: occupied band (see {@link measure}) in Hz, centre = excess-weighted centroid
   * (mean − 1, linear) over that band, the paths that hit it; `endSample` (sample index) gives endS, omitted on `open`.
   */
  event(kind: DetectionEvent['kind'], t: Track, endSample: number | undefined): DetectionEvent {
    const useSlow = t.slowHits > 0;
    const p = useSlow ? this.slow : this.fast;
    const acc = useSlow ? t.accSlow : t.accFast;
    const cnt = useSlow ? t.cntSlow : t.cntFast;
    const n = p.n;
    this.measure(t, p, acc, cnt);
    const lo = this.lo;
    const hi = this.hi;
    const g = this.geometry;
    const binToHz = (b: number) => g.centerHz + ((b - n / 2) * g.rateSps) / n;
    const lowHz = binToHz(lo) - p.rbwHz / 2;
    const highHz = binToHz(hi) + p.rbwHz / 2;
    // centre: power-weighted centroid of the excess (mean − 1, linear) over the occupied band
    let wsum = 0;
    let fsum = 0;
    for (let b = lo; b <= hi; b++) {
      if (cnt[b] === 0 || p.guard[b]) continue;
      const e = acc[b] / cnt[b] - 1;
      if (e <= 0) continue;
      wsum += e;
      fsum += e * b;
    }
    const centerHz = wsum > 0 ? binToHz(fsum / wsum) : (lowHz + highHz) / 2;
    const paths: ('fast' | 'slow' | 'long')[] = [];
    if (t.fastHits > 0) paths.push('fast');
    if (t.slowHits > t.longHits) paths.push('slow');
    if (t.longHits > 0) paths.push('long');
    const ev: DetectionEvent = {
      kind,
      id: t.id,
      centerHz,
      bandwidthHz: highHz - lowHz,
      lowHz,
      highHz,
      peakExcessDb: t.peakExcessDb,
      peakPowerDbfs: t.peakPowerDbfs,
      startS: t.startSample() / g.rateSps,
      paths,
      overload: t.overload,
      tuneId: t.tuneId,
      packets: t.packets,
    };
    if (endSample !== undefined) ev.endS = endSample / g.rateSps;
    return ev;
  }
}
