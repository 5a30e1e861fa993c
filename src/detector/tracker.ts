// Groups → tracks: matching a frame's groups to open tracks, opening new ones, a track's hits, hold, confirmation and
// close, and the open / update / close events they send (docs/detector.md §4, §5).
import type { SpectrumFrame } from '../spectrum/frames.js';
import { isClipping } from '../spectrum/overload.js';
import type { DetectionEvent } from '../types.js';
import { clearsMirror, isImage, splitBesideBand, standsApartFromSkirt } from './beside-track.js';
import { Dominance, emitterBins, type EmitterBand } from './dominance.js';
import { TrackReport } from './events.js';
import { formGroups } from './groups.js';
import { accumulateOwnExcess, frameNewcomer, parentOf, NEWCOMER_MIN_HITS, newcomerGroup, releaseTrack, splitNewcomerOff } from './newcomer.js';
import {
  adoptNewcomer, newcomerPending, noteFirstOpen, PairWatch, secondEmitter, stepNewcomers, stepPair, vettedCount, vettedNewcomers, watchPair,
} from './pair-watch.js';
import type { DetectorGeometry, DetectorOptions } from './options.js';
import type { PathState } from './path-state.js';
import { BURST_CO_KEYED_DB, BURST_COMPANION_REACH_HZ, PACKET_GAP_S, STEADY_SETTLE_S, TrackTable, type Track } from './track.js';

/**
 * The detector's tracks and what becomes of them. Every path hands its frame's hot bins to {@link trackGroups}: a
 * group overlapping an open track extends it, and only a group with an open-level bin that no stronger signal
 * dominates starts one. A slow hit on a track that had fast hits in the same averaging window is already explained
 * and does not stretch its times. A track sends `open` once it lasts minDurationMs (a fast-only track waits a click's
 * span, see {@link expire}), `update` every updateIntervalS, and `close` when it has had no hit for its hold.
 * Times are sample indices. Allocation-free per frame except for emitted events.
 */
export class Tracker {
  /** Groups ignored because every track slot was busy (should stay 0). */
  droppedGroups = 0;
  /** Span (samples) of the last Welch average: every slow hit holds its track at least this long. */
  slowSpan = 0;
  private readonly table: TrackTable;
  private readonly report: TrackReport;
  private readonly dominance: Dominance;
  private readonly holdSamples: number;
  private readonly slowHoldSamples: number;
  /** The long path's kernel width in slow bins. */
  private readonly longKernelBins: number;
  /** Span (samples) one short frame's hit gives a track: the middle half of the frame. */
  private readonly fastFrameSpan: number;
  /** PACKET_GAP_S in samples. */
  private readonly packetGapSamples: number;
  /** STEADY_SETTLE_S in samples. */
  private readonly steadySettleSamples: number;
  /** options.fullScaleDbfs as a linear bin power (full scale²). */
  private readonly fullScaleLin: number;
  /** While the long path's groups are tracked (see {@link trackLongGroups}): its hit lag, hold and window start. */
  private longHit = false;
  private hitLag = 0;
  private longHoldSamples = 0;
  private longWindowStart = 0;
  /** While the long path's groups are tracked: the level and kernel half width of {@link standsApart}. */
  private longApartLevel = Infinity;
  private longApartHalf = 1;
  /**
   * Set by the detector when the baseline lists calibration emitters: true when an intermittent one was heard since
   * `since` (sample) near [lo, hi] (slow bins; see EmitterWatch.heardNear). The long path opens nothing there.
   */
  emitterHeardNear: ((lo: number, hi: number, since: number) => boolean) | null = null;
  /** While the burst path's groups are tracked ({@link trackBurstGroups}): its window's first sample and length (samples). */
  private burstHit = false;
  private burstWindowStart = 0;
  private burstHoldSamples = 0;
  /**
   * The burst path's companion window (two of its longest windows, samples): how long before its window a stronger
   * signal's packet keying on makes a new group its companion; 0 while it is off (Detector sets it).
   */
  burstCompanionWindow = 0;
  /** The burst path's longest window (samples); 0 while it is off (Detector sets it). */
  burstWindow = 0;
  /** One second-emitter watch per track slot (see watchPair). */
  private readonly pairs: PairWatch[];
  /** BURST_COMPANION_REACH_HZ in fine (slow-path) bins. */
  private readonly companionReachBins: number;
  /** Every calibration emitter's band in fine (slow-path) bins, continuous ones too: [lo, hi] pairs (see TrackTable.intermodOfGroup). */
  private readonly emitterBands: Int32Array;
  /** Their peak excess (dB; −Infinity where the baseline does not give it). */
  private readonly emitterExcessDb: Float64Array;

  /**
   * @param fast, slow the fast and slow paths (a track's band is measured on them; `fast` tells the fast path's groups)
   * @param clickSpanSamples how long (samples) a track only the fast path sees waits before its `open` (a click's span)
   * @param emit receives every event
   * @param emitters the calibration's emitters (their keying splatter is theirs, see Dominance)
   */
  constructor(
    private readonly fast: PathState,
    private readonly slow: PathState,
    private readonly geometry: Readonly<DetectorGeometry>,
    private readonly options: Readonly<DetectorOptions>,
    private readonly clickSpanSamples: number,
    private readonly emit: (ev: DetectionEvent) => void,
    emitters: readonly EmitterBand[] = [],
  ) {
    const o = options;
    this.table = new TrackTable(o.maxTracks, geometry.fastFftSize, geometry.fftSize, geometry.rateSps);
    this.report = new TrackReport(fast, slow, geometry, o);
    this.dominance = new Dominance(fast, slow, this.table, this.report, o, emitters, geometry.centerHz);
    const excessDb: number[] = [];
    this.emitterBands = emitterBins(slow, emitters, geometry.centerHz, true, excessDb);
    this.emitterExcessDb = Float64Array.from(excessDb);
    this.holdSamples = (o.holdMs / 1000) * geometry.rateSps;
    this.slowHoldSamples = (o.slowHoldMs / 1000) * geometry.rateSps;
    this.longKernelBins = Math.round(o.longKernelHz / (geometry.rateSps / geometry.fftSize));
    this.companionReachBins = Math.round(BURST_COMPANION_REACH_HZ / (geometry.rateSps / geometry.fftSize));
    this.fastFrameSpan = geometry.fastFftSize / 2;
    this.packetGapSamples = PACKET_GAP_S * geometry.rateSps;
    this.steadySettleSamples = STEADY_SETTLE_S * geometry.rateSps;
    this.fullScaleLin = 10 ** (o.fullScaleDbfs / 10);
    this.pairs = this.table.tracks.map(() => new PairWatch());
  }

  /** Number of open tracks. */
  get active(): number {
    return this.table.active;
  }

  /**
   * The long path's hot bins of p as slow-path hits over [start, end] (samples, already moved back by `lag`, half the
   * window: the energy lies somewhere in it). A hit keeps its track open `holdSamples` past end + lag; the long path
   * opens nothing near a signal the short paths track or tracked since `windowStart`, unless the group stands apart
   * from that signal's skirt: `apartLevel` (linear ratio) over the lowest mean of a kernel of 2·`apartHalf` + 1 bins
   * between them (see {@link standsApart}; docs/detector.md §10).
   */
  trackLongGroups(
    frame: SpectrumFrame, p: PathState, start: number, end: number, lag: number, holdSamples: number, windowStart: number,
    apartLevel = Infinity, apartHalf = 1,
  ): void {
    this.hitLag = lag;
    this.longHit = true;
    this.longHoldSamples = holdSamples;
    this.longWindowStart = windowStart;
    this.longApartLevel = apartLevel;
    this.longApartHalf = apartHalf;
    this.trackGroups(frame, p, false, start, end);
    this.hitLag = 0;
    this.longHit = false;
  }

  /**
   * The burst path's hot bins of p as fast-path hits over [start, end] (samples); it opens nothing a track the fast
   * path closed since `windowStart` explains (docs/detector.md §12). A hit keeps its track open one window (the frame's
   * end less windowStart) longer than a short frame's: a running mean over that window cannot tell a gap shorter than
   * it from a dip of a weak signal (a DMR-like link's 30 ms slots, 30 ms apart, stay one detection). A stronger
   * signal that keyed on at most {@link burstCompanionWindow} before the window's start makes a new group its
   * companion (see BURST_CO_KEYED_DB).
   */
  trackBurstGroups(frame: SpectrumFrame, p: PathState, start: number, end: number, windowStart: number): void {
    this.burstHit = true;
    this.burstWindowStart = windowStart;
    this.burstHoldSamples = frame.firstSample + frame.sampleCount - windowStart;
    this.trackGroups(frame, p, true, start, end);
    this.burstHit = false;
  }

  /**
   * Groups the hot bins of p (p.hot, p.stat filled for this frame) and matches them to tracks: continues, opens (unless
   * dominated) and hits tracks over [start, end] (samples). `isFast` false for slow and long-path frames.
   */
  trackGroups(frame: SpectrumFrame, p: PathState, isFast: boolean, start: number, end: number): void {
    const formed = formGroups(p, frame.power);
    let groups = formed;
    frameNewcomer.parent = 0;
    const table = this.table;
    const s = p.scale;
    const gapFine = p.gapBins * s;
    // near full scale, a converter that reaches its rails at all (or a source that cannot tell) puts its products
    // anywhere in the band: a recording clipping 3 % of its values gave products 23 dB under its signal
    const spursAnywhere = this.geometry.clipCounted !== true || frame.clipFraction > 0;
    this.dominance.spursAnywhere = spursAnywhere;
    // match every group to an open track first: the dominance test below needs to know which strong groups are
    // steady (their track was hit in the previous frame of this path) and which are transients
    for (let gi = 0; gi < groups; gi++) this.matchGroup(p, gi, isFast, end - start, end, spursAnywhere);
    const domRatio = 10 ** (this.options.dominanceDb / 10);
    for (let gi = 0; gi < groups; gi++) {
      let track = p.gTrack[gi] < 0 ? null : table.tracks[p.gTrack[gi]];
      // a second transmitter keyed on beside a steady track, inside the extent its skirt has made its own (§4)
      if (!this.longHit && track !== null && gi < formed && track.steadySettleEnd === Infinity && (isFast ? track.fastHits : track.slowHits) >= NEWCOMER_MIN_HITS) {
        groups = splitNewcomerOff(this.report, isFast ? this.fast : this.slow, isFast, p, frame.power, gi, groups, track, domRatio, table, p.gTransient[gi] !== 0);
        const g = newcomerGroup[0];
        if (g >= 0) this.matchGroup(p, g, isFast, end - start, end, spursAnywhere, track.slot);
        if (g === gi) track = p.gTrack[gi] < 0 ? null : table.tracks[p.gTrack[gi]];
      }
      // every short frame joins a link keyed on beside a settled track (§5) to its group when their edges are within
      // the gap: that part becomes a group of its own as on the long path, or is left out when it does not stand apart
      if (!this.longHit && !this.burstHit && track !== null && gi < formed && p.gTransient[gi] === 0 && track.steadySettleEnd === Infinity) {
        groups = this.splitShort(frame, p, gi, groups, track, isFast, end - start, end, spursAnywhere);
      }
      const lo = p.gLo[gi] * s;
      const hi = p.gHi[gi] * s + s - 1;
      // the long path only finds what the short paths cannot: a signal the fast path already tracks keeps its own
      // times and hold (seconds of averaging would stretch both)
      if (this.longHit && track !== null && track.fastHits > 0) {
        // but seconds of averaging can join a weak link beside that signal to its skirt: the parts beyond its band
        // become groups of their own (split once), matched and tested as any other group when they stand apart from
        // its skirt as a new group must and clear their mirror about its band (keying lobes also climb again past
        // their nulls, on both sides); else they stay its own
        if (gi < formed) {
          const before = groups;
          const bandLo = Math.floor(track.locateLo() / s);
          const bandHi = Math.floor(track.locateHi() / s);
          groups = splitBesideBand(p, frame.power, this.slow.noiseLin, this.longApartHalf, this.longApartLevel, gi, groups, bandLo, bandHi);
          for (let g = before; g < groups; g++) {
            this.matchGroup(p, g, false, end - start, end, spursAnywhere);
            if (!this.standsApart(p, p.gLo[g] * s, p.gHi[g] * s + s - 1, track, true)) p.gTrack[g] = track.slot;
          }
        }
        continue;
      }
      // and the other way round: a signal only the long path found lies under the short paths' thresholds, so a short
      // frame's noise at release level must not join it (it would give the track a fast-path peak excess of ≈ 10 dB
      // and, by the rule above, stop the long path from refreshing it: one weak link would split into many detections)
      if (isFast && !this.burstHit && track !== null && p.gOpen[gi] === 0 && track.fastHits === 0 && track.longHits > 0) continue;
      // the burst path finds what single short frames miss, and only that (see Track.burstAdds)
      if (this.burstHit && track !== null && !track.burstAdds(p.gOpen[gi] !== 0, this.burstWindowStart)) continue;
      if (track === null) {
        if (p.gOpen[gi] === 0) continue; // release-level bins only continue an open signal
        // splatter of a much stronger signal (the long path tests a group matched to a track by its band; the burst
        // path's running means, on the fast path's bins, also show a calibration emitter's keying splatter)
        if (this.dominance.dominated(p, gi, groups, domRatio, this.longHit, this.burstHit ? this.fast : p)) continue;
        // a burst whose track closed inside this average (or, for the long path, inside its whole window); the long
        // path's seconds of averaging also show a strong signal's sidebands and splatter, so it opens nothing within
        // two kernel widths of a signal the short paths track or tracked in its window
        if (this.longHit) {
          const near = gapFine + 2 * this.longKernelBins;
          if (!this.apartFromAll(p, lo, hi, near)) continue;
          if (table.explainedByRecent(lo, hi, this.longWindowStart, near, true)) continue;
          if (this.emitterHeardNear !== null && this.emitterHeardNear(lo, hi, this.longWindowStart)) continue;
          if (isImage(this.table, p, gi, lo, hi, this.longWindowStart, gapFine, this.options.imageRejectionDb, this.slow.noiseLin, this.longApartHalf) || this.table.intermodOfGroup(p.gPeakRatio[gi], lo, hi, this.longWindowStart, gapFine, this.options.imageRejectionDb, this.emitterBands, this.emitterExcessDb)) continue;
        } else if (this.burstHit) {
          // a burst the fast path tracked and closed inside this window is still in its running mean
          if (table.explainedByRecent(lo, hi, this.burstWindowStart, gapFine)) continue;
          // its running means also show a stronger signal's sidebands, splatter and spurs, as the long path's do: it
          // opens nothing within two narrow kernels of a tracked signal, nor at a signal's IQ image, nor where
          // a track BURST_CO_KEYED_DB stronger is open within BURST_COMPANION_REACH_HZ that keyed a packet on at most two
          // of the burst path's longest windows before this window (a companion keyed with it: the same transmitter's
          // spur or sideband, which a running mean may take that long to show; docs/detector.md §12)
          const near = gapFine + 2 * (2 * p.narrow.half + 1) * s;
          if (table.find(lo, hi, near) !== null) continue;
          if (isImage(this.table, p, gi, lo, hi, this.burstWindowStart, gapFine, this.options.imageRejectionDb) || this.table.intermodOfGroup(p.gPeakRatio[gi], lo, hi, this.burstWindowStart, gapFine, this.options.imageRejectionDb, this.emitterBands, this.emitterExcessDb)) continue;
          const since = this.burstWindowStart - this.burstCompanionWindow;
          if (table.keyedSince(lo, hi, this.companionReachBins, since, 10 * Math.log10(Math.max(1e-12, p.gPeakRatio[gi])) + BURST_CO_KEYED_DB)) continue;
        } else if (!isFast && table.explainedByRecent(lo, hi, start, gapFine)) continue;
        track = table.open(lo, hi, frame.tuneId, start);
        if (track === null) {
          this.droppedGroups++;
          continue;
        }
      }
      adoptNewcomer(table, track, gi, this.pairs[track.slot], this.fast);
      this.hit(track, frame, p, isFast, lo, hi, start, end, gi);
    }
    // newcomers whose alerts wait for their watch's verdict (§4): merged back as a tone of their parent's link, or let go
    if (!isFast || this.burstHit) return;
    stepNewcomers(table, this.report, this.pairs, p, end);
    for (let i = 0; i < vettedCount[0]; i++) if (!vettedNewcomers[i].confirmed && vettedNewcomers[i].slowHits > 0) this.confirm(vettedNewcomers[i]);
  }

  /**
   * Matches group gi of p to the nearest open track (p.gTrack, −1 for none) and marks it a transient (p.gTransient) when
   * it is new, near full scale with clipping spurs possible (`spursAnywhere`), its track's onset on this path (not hit
   * in the previous frame, `hop` samples before this frame's `end`) or 6 dB under the track's peak on this path.
   */
  private matchGroup(p: PathState, gi: number, isFast: boolean, hop: number, end: number, spursAnywhere: boolean, except = -1): void {
    const s = p.scale;
    const wideOnly = p.gNarrow[gi] === 0;
    // a wide-kernel-only group within one kernel width of an open signal is its key-on splatter or onset
    // transient (rectangular keying spreads a sinc across the band): it belongs to that signal
    const tol = wideOnly ? p.gapBins * s + 2 * p.wide.half * s : p.gapBins * s;
    const t = this.table.find(p.gMatchLo[gi] * s, p.gMatchHi[gi] * s + s - 1, tol, except);
    p.gTrack[gi] = t === null ? -1 : t.slot;
    // a new group, or one near full scale whose converter clips (its spurs may be anywhere), is a transient from the start
    let transient = t === null || (spursAnywhere && p.gPeakPower[gi] >= this.fullScaleLin);
    if (t !== null) {
      const lastEnd = isFast ? t.lastFastHitEnd : t.lastSlowHitEnd;
      // not hit in the previous frame of this path (onset), or 6 dB under its own peak (decay, a partial frame)
      const pathPeakDb = isFast ? t.peakFastDb : t.peakSlowDb;
      if (lastEnd < end - hop - 1 || 10 * Math.log10(p.gPeakRatio[gi]) < pathPeakDb - 6) transient = true;
    }
    p.gTransient[gi] = transient ? 1 : 0;
  }

  /**
   * Whether a long-path group over [lo, hi] (fine bins) stands apart from the skirt of every open track within `near`
   * bins of it, not only the nearest: a weak link's track beside a strong signal is nearer to that signal's sidelobes.
   */
  private apartFromAll(p: PathState, lo: number, hi: number, near: number): boolean {
    const tracks = this.table.tracks;
    for (let ti = 0; ti < tracks.length; ti++) {
      const t = tracks[ti];
      if (TrackTable.distance(t, lo, hi, near) >= 0 && !this.standsApart(p, lo, hi, t)) return false;
    }
    return true;
  }

  /**
   * Whether a group over [lo, hi] (fine bins) beside open track t stands apart from t's skirt
   * ({@link standsApartFromSkirt}, from t's reported band) and, with `mirror`, also clears its mirror image about that
   * band ({@link clearsMirror}); kernel means over `level` in kernels of 2·`half` + 1 bins, `openLevel` the kernel's
   * open level (the long path's by default).
   */
  private standsApart(
    p: PathState, lo: number, hi: number, t: Track, mirror = false,
    level = this.slow.noiseLin, half = this.longApartHalf, openLevel = this.longApartLevel,
  ): boolean {
    const s = p.scale;
    const own = this.report.measureOwn(t);
    const olo = Math.floor((this.report.lo * own.scale) / s);
    const ohi = Math.floor((this.report.hi * own.scale + own.scale - 1) / s);
    const glo = Math.floor(lo / s);
    const ghi = Math.floor(hi / s);
    if (!standsApartFromSkirt(p, level, half, glo, ghi, olo, ohi, openLevel)) return false;
    return !mirror || clearsMirror(p, level, half, glo, ghi, olo, ohi, openLevel);
  }

  /**
   * Splits short-path group gi of p beside the band of the settled track it continues ({@link splitBesideBand} on the
   * path's own noise level and narrow kernel, its smallest open threshold as the open level). A part that stands apart
   * and clears its mirror is matched as any group; any other part is left out of this frame (it must not widen the
   * track's steady extent for good). @returns the number of groups after the split
   */
  private splitShort(
    frame: SpectrumFrame, p: PathState, gi: number, groups: number, track: Track,
    isFast: boolean, hop: number, end: number, spursAnywhere: boolean,
  ): number {
    const s = p.scale;
    const openLevel = p.minOpenLin;
    const half = p.narrow.half;
    const before = groups;
    const after = splitBesideBand(p, frame.power, p.noiseLin, half, openLevel, gi, groups, Math.floor(track.locateLo() / s), Math.floor(track.locateHi() / s), true);
    for (let g = before; g < after; g++) {
      if (this.standsApart(p, p.gLo[g] * s, p.gHi[g] * s + s - 1, track, true, p.noiseLin, half, openLevel)) {
        this.matchGroup(p, g, isFast, hop, end, spursAnywhere);
        if (p.gTrack[g] === track.slot) p.gTrack[g] = -1;
      } else {
        p.gTrack[g] = -1;
        p.gOpen[g] = 0;
      }
    }
    return after;
  }

  private hit(
    t: Track, frame: SpectrumFrame, p: PathState, isFast: boolean,
    lo: number, hi: number, start: number, end: number, gi: number,
  ): void {
    // read the group's peaks here (passing them as arguments boxed two doubles per call: measured by the bench)
    const peakRatio = p.gPeakRatio[gi];
    const peakPower = p.gPeakPower[gi];
    if (lo < t.lo) t.lo = lo;
    if (hi > t.hi) t.hi = hi;
    const settling = t.steadySettleEnd !== Infinity;
    if (p.gTransient[gi] === 0) t.addSteady(lo, hi, end, this.steadySettleSamples);
    if (isFast && !this.burstHit && p.gTransient[gi] === 0) noteFirstOpen(t, p, gi, start);
    const s = p.scale;
    const margin = 2 * p.gapBins + p.narrow.half;
    const a = Math.max(0, Math.floor(t.lo / s) - margin);
    const z = Math.min(p.n - 1, Math.floor(t.hi / s) + margin);
    accumulateOwnExcess(isFast ? t.accFast : t.accSlow, isFast ? t.cntFast : t.cntSlow, p, this.table, t, a, z);
    // two transmitters keyed on together: once t settles, a second emitter in its spectrum, watched frame by frame (§4)
    if (settling && t.steadySettleEnd === Infinity) watchPair(this.report, this.fast, t, this.pairs[t.slot]);
    else if (isFast && !this.burstHit && stepPair(this.table, this.report, t, this.pairs[t.slot], p, end) && t.confirmed) this.confirm(secondEmitter.track!);
    if (peakRatio > 0) {
      const exDb = 10 * Math.log10(peakRatio);
      if (exDb > t.peakExcessDb) t.peakExcessDb = exDb;
      if (isFast) {
        if (exDb > t.peakFastDb) t.peakFastDb = exDb;
      } else if (exDb > t.peakSlowDb) t.peakSlowDb = exDb;
    }
    const pDb = 10 * Math.log10(peakPower + 1e-30);
    if (pDb > t.peakPowerDbfs) t.peakPowerDbfs = pDb;
    if (isClipping(frame.clipFraction, this.options.overloadClipFraction)) t.overload = true;
    // keying: a run of fast hits after at least two frames without one (a one-frame dip inside a burst is noise, not a
    // gap) keys a packet on (packetStart, the burst path's companion rule); packets: such runs separated by at least
    // PACKET_GAP_S, as rtl_433 ends a package (its bits are keyed runs too); a track only the slow path sees counts runs
    // of averages instead
    if (isFast) {
      // a burst-path hit stands for its window's middle: a gap shorter than the window is no gap it can see
      const gap = this.burstHit ? Math.max(end - start, this.burstHoldSamples) : end - start;
      if (t.lastFastHitEnd < start - gap - 1) {
        if (t.lastFastHitEnd < start - Math.max(gap, this.packetGapSamples) - 1) t.packets++;
        if (!this.burstHit) t.packetStart = start;
      }
      t.lastFastHitEnd = end;
    } else {
      if (t.fastHits === 0 && t.lastSlowHitEnd < start - 1) t.packets++;
      t.lastSlowHitEnd = end;
    }
    if (isFast) {
      t.countFastHit(this.burstHit, p.gOpen[gi] !== 0, start, end, this.burstWindow);
      if (start < t.fastStart) t.fastStart = start;
      if (end > t.fastEnd) t.fastEnd = end;
      const hold = this.burstHit ? this.burstHoldSamples : 0;
      t.extendReportedEnd(p.gOpen[gi] !== 0, start, end, hold + this.holdSamples);
      // a newcomer beside a wide track shows only in frames where it stands apart from its band: held longer beside it (§4)
      const alive = hold + (t.newcomerOf !== 0 && parentOf(this.table, t) !== null ? this.slowHoldSamples : 0);
      if (end + alive > t.aliveUntil) t.aliveUntil = end + alive;
    } else {
      const explained = t.fastHits > 0 && t.fastEnd >= start;
      t.slowHits++;
      // slow evidence arrives one window late, and a weak continuous signal's averages dip under the release
      // level now and then: every slow hit keeps the track open for slowHoldMs (at least one window), so one
      // transmission stays one track; its times still come from the hits themselves
      if (this.longHit) t.longHits++;
      const hold = this.hitLag + Math.max(this.slowSpan, this.slowHoldSamples, this.longHit ? this.longHoldSamples : 0);
      if (!explained && start < t.slowStart) t.slowStart = start;
      if (!explained && end > t.slowEnd) t.slowEnd = end;
      // the reported end: an average the reported end already reaches into adds nothing (its window would stretch a
      // fast-seen signal's end); one past it does, also where the short frames' hits past the reported end were only
      // release-level noise (a weak link's sporadic short-frame hits must not hide its averages)
      if (!(t.fastHits > 0 && t.overEnd >= start)) t.extendReportedEnd(p.gOpen[gi] !== 0, start, end, hold + this.holdSamples);
      if (end + hold > t.aliveUntil) t.aliveUntil = end + hold;
    }
    const rate = this.geometry.rateSps;
    if (!t.confirmed) {
      // a track only the fast path has seen, for less than a click can last, waits (see expire): the next frames may
      // reveal it as a click's edge
      if (t.slowHits > 0 || t.fastEnd - t.fastStart >= this.clickSpanSamples) this.confirm(t);
    } else {
      const nowS = t.endSample() / rate;
      if (nowS - t.lastUpdateS >= this.options.updateIntervalS) {
        t.lastUpdateS = nowS;
        this.emit(this.report.event('update', t, t.reportedEnd()));
      }
    }
  }

  /**
   * Sends a track's `open` once it lasts minDurationMs, is not DC-centred and, split as a newcomer, has slow hits and no
   * watch pending (pair-watch.ts watchNewcomer; §4).
   */
  private confirm(t: Track): void {
    const rate = this.geometry.rateSps;
    if ((t.endSample() - t.startSample()) / rate >= this.options.minDurationMs / 1000 && !this.report.dcCentred(t) && (t.newcomerOf === 0 || (t.slowHits > 0 && !newcomerPending(t, this.pairs[t.slot])))) {
      t.confirmed = true;
      t.lastUpdateS = t.endSample() / rate;
      this.emit(this.report.event('open', t, undefined));
    }
  }

  /**
   * At sample `now` of tune `tuneId`: closes the tracks held past their hold (or of another tune, with closeOnRetune),
   * and sends the `open` of a fast-only track that has waited a click's span without a click.
   */
  expire(now: number, tuneId: number): void {
    if (this.table.active === 0) return;
    const tracks = this.table.tracks;
    for (let ti = 0; ti < tracks.length; ti++) {
      const t = tracks[ti];
      if (!t.active) continue;
      if ((this.options.closeOnRetune && t.tuneId !== tuneId) || now - t.aliveUntil > this.holdSamples) this.close(t);
      // no click came; a fast-only track must also span more than one short frame (a single 8-bit frame's statistic
      // has a heavier tail than its χ² model: one-frame blips at the threshold are the commonest stray on real
      // recordings, and no transmission of interest is shorter than two frames)
      else if (!t.confirmed && now - t.fastStart >= this.clickSpanSamples && (t.slowHits > 0 || t.fastEnd - t.fastStart > this.fastFrameSpan)) this.confirm(t);
    }
  }

  /**
   * Drops the unconfirmed fast-only tracks (opened within the last click span, so by this click's edges; no event was
   * sent for them).
   */
  dropTentative(): void {
    const tracks = this.table.tracks;
    for (let ti = 0; ti < tracks.length; ti++) {
      const t = tracks[ti];
      // a newcomer waits for slow hits, not for a click's span: one that has outlasted it is no click's edge
      if (!t.active || t.confirmed || t.slowHits > 0 || (t.newcomerOf !== 0 && t.fastEnd - t.fastStart >= this.clickSpanSamples)) continue;
      this.close(t);
    }
  }

  /** Closes every open track (end of a file, retune, stop). */
  closeAll(): void {
    const tracks = this.table.tracks;
    for (let i = 0; i < tracks.length; i++) if (tracks[i].active) this.close(tracks[i]);
  }

  /** Frees the track's slot and sends its `close` if its `open` was sent. */
  private close(t: Track): void {
    // a newcomer whose watch is cut short keeps its alert unless the frames read already show its parent's tone
    const w = this.pairs[t.slot];
    if (newcomerPending(t, w) && w.cut() > 0) this.confirm(t);
    releaseTrack(this.table, t);
    if (!t.confirmed) return;
    this.emit(this.report.event('close', t, t.reportedEnd()));
  }
}
