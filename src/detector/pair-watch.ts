// Two transmitters inside one track (docs/detector.md §4): told apart from one signal's two tones (a 2-FSK link's) by
// their powers frame by frame, for a pair keyed on together (found in the track's mean spectrum once it settles) and
// for a newcomer split from a settled track (splitNewcomer) before its alert.
import type { TrackReport } from './events.js';
import { frameNewcomer, NEWCOMER_MIN_HITS, parentOf, releaseTrack } from './newcomer.js';
import type { PathState } from './path-state.js';
import { BURST_CO_KEYED_DB, type Track, type TrackTable } from './track.js';

/**
 * The slow path's {@link NEWCOMER_MIN_HITS} when a track settles (STEADY_SETTLE_S after its first steady hit): a Welch
 * average spans ≈ 0.1 s at 250 kS/s, so a second holds about ten, and only the first holds the key-on.
 */
export const SECOND_EMITTER_MIN_AVERAGES = 4;

/** The mean of a track's excess spectrum (acc/cnt, ratios) over the kernel of 2·half + 1 bins round b; NaN when empty. */
function meanKernel(acc: Float64Array, cnt: Float64Array, half: number, b: number): number {
  let sum = 0;
  let count = 0;
  for (let j = Math.max(0, b - half); j <= Math.min(acc.length - 1, b + half); j++) {
    if (cnt[j] === 0) continue;
    sum += acc[j] / cnt[j];
    count++;
  }
  return count > half ? sum / count : NaN;
}

/**
 * Short frames a {@link PairWatch} reads before it decides: a quarter of a second at 250 kS/s (1 ms frames). The
 * correlation of two independent emitters' powers then reads 0 ± 0.06 (one standard error, 1/√250).
 */
export const PAIR_FRAMES = 250;

/**
 * The correlation of the two islands' powers frame by frame at or under which they are one signal's two tones: a
 * 2-FSK link's tones share its symbols, so a frame holding more of one holds less of the other (−0.99 for a 30 dB
 * 4.8 kBd link in 1 ms frames); two transmitters are on independently (0 ± 0.06, or positive when they fade together;
 * two FM links carrying the same audio in step read −0.36: each one's band gains and loses its edges together).
 */
export const PAIR_TONES_CORRELATION = -0.7;

/**
 * Short frames a newcomer's watch ({@link watchNewcomer}) reads before it decides: 64 ms at 250 kS/s, under the first
 * Welch average a newcomer's alert waits for anyway. Two independent emitters then read 0 ± 0.125, 5.6 standard errors
 * over {@link PAIR_TONES_CORRELATION}; a link's tones read −0.9 or less while each stands 10 dB over the noise.
 */
export const NEWCOMER_WATCH_FRAMES = 64;

/**
 * Frames under which a newcomer's watch cut short (the newcomer or its parent closed first) decides nothing, and the
 * newcomer keeps its alert: at 24 frames, 0 ± 0.2 for two transmitters, so −0.7 is 3.5 standard errors away.
 */
export const NEWCOMER_WATCH_MIN_FRAMES = 24;

/**
 * A newcomer is its parent's own tone only if, over its watch, the parent's band holds at most this share of its mean
 * excess before (−1.5 dB): a 2-FSK link's data moves half its power to the other tone (−3 dB), where a second
 * transmitter taking turns with the first (TDMA slots, or fading in opposite phase) anticorrelates too but leaves the
 * first one's band its power (a breaker's 40 dB carrier keyed 20 ms on and off with a 38 dB one in its gaps was merged
 * by the first version of the watch; on that scene the second stays unreported for another reason, docs/detector.md §4).
 */
export const TONE_SHARE = 10 ** (-1.5 / 10);

/**
 * A track's candidate second emitter ({@link findSecondEmitter}, read once its steady extent settles), watched for
 * {@link PAIR_FRAMES} short frames, or a newcomer against the track it was split from ({@link watchNewcomer},
 * {@link NEWCOMER_WATCH_FRAMES}): the power of the own band and of the island, frame by frame, whose correlation
 * tells two transmitters from a 2-FSK link's two tones (docs/detector.md §4). One per track slot, reused.
 */
export class PairWatch {
  active = false;
  /** Watching a newcomer (the track watched is the island's): its alert waits for the verdict. */
  newcomer = false;
  /** Frames to read before deciding. */
  private frames = PAIR_FRAMES;
  /** The id of the track watched. */
  trackId = 0;
  /** The island (fine bins), its valley level and whether it was found on the slow path. */
  lo = 0;
  hi = -1;
  valley = 1;
  slow = false;
  /** The own band (fine bins) at the start. */
  bandLo = 0;
  bandHi = -1;
  /** The own band and the island in fast-path bins. */
  private ownLo = 0;
  private ownHi = -1;
  private isLo = 0;
  private isHi = -1;
  private n = 0;
  private a = 0;
  private b = 0;
  private aa = 0;
  private bb = 0;
  private ab = 0;
  /** End sample of the last frame added (a frame's groups may hit the track more than once). */
  private lastEnd = -1;
  /** For a newcomer's watch ({@link setBefore}): the parent's band's mean excess before it, and the bins counted. */
  private before = 0;
  private bins = 0;

  /**
   * Starts watching track `trackId`: island [lo, hi] (fine bins), own band [ownLo, ownHi] (fine bins), `fastScale` fine
   * bins a fast bin; `newcomer` for a newcomer's watch.
   */
  start(
    trackId: number, lo: number, hi: number, valley: number, slow: boolean, ownLo: number, ownHi: number, fastScale: number, newcomer = false,
  ): void {
    this.active = true;
    this.newcomer = newcomer;
    this.frames = newcomer ? NEWCOMER_WATCH_FRAMES : PAIR_FRAMES;
    this.trackId = trackId;
    this.lo = lo;
    this.hi = hi;
    this.valley = valley;
    this.slow = slow;
    this.bandLo = ownLo;
    this.bandHi = ownHi;
    this.ownLo = Math.floor(ownLo / fastScale);
    this.ownHi = Math.floor(ownHi / fastScale);
    this.isLo = Math.floor(lo / fastScale);
    this.isHi = Math.floor(hi / fastScale);
    this.n = this.a = this.b = this.aa = this.bb = this.ab = 0;
    this.lastEnd = -1;
  }

  /**
   * Adds one short frame of the fast path p (its stat over its level) ending at sample `end` (once per frame) and
   * returns, once its frames are in, 1 for two transmitters, −1 for one signal's tones (the watch ends either way),
   * else 0.
   */
  add(p: PathState, end: number): number {
    if (end === this.lastEnd) return 0;
    this.lastEnd = end;
    const x = bandSum(p, this.ownLo, this.ownHi);
    const y = bandSum(p, this.isLo, this.isHi);
    this.n++;
    this.a += x;
    this.b += y;
    this.aa += x * x;
    this.bb += y * y;
    this.ab += x * y;
    return this.n < this.frames ? 0 : this.decide();
  }

  /**
   * Ends the watch before its frames are in (its track closes): the verdict of {@link add} on the frames read, or 1 (no
   * verdict against it) under {@link NEWCOMER_WATCH_MIN_FRAMES}.
   */
  cut(): number {
    if (this.n < NEWCOMER_WATCH_MIN_FRAMES) {
      this.active = false;
      return 1;
    }
    return this.decide();
  }

  /** Ends the watch: 1 when the correlation of the two bands' powers is over {@link PAIR_TONES_CORRELATION}, else −1. */
  private decide(): number {
    this.active = false;
    const n = this.n;
    const cov = this.ab - (this.a * this.b) / n;
    const va = this.aa - (this.a * this.a) / n;
    const vb = this.bb - (this.b * this.b) / n;
    const corr = va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
    if (corr > PAIR_TONES_CORRELATION) return 1;
    // a newcomer's tones share the link's power: its parent's band lost some to it (two transmitters taking turns, or
    // fading in opposite phase, anticorrelate as well, but the first one's band keeps its power)
    return !this.newcomer || this.a / n - this.bins <= TONE_SHARE * this.before ? -1 : 1;
  }

  /**
   * For a newcomer's watch: the parent's mean excess over its band (fast bins [ownLo, ownHi] of its excess spectrum
   * acc/cnt, the sum of mean ratio − 1) before the newcomer, and how many of those bins {@link add}'s sums count.
   */
  setBefore(acc: Float64Array, cnt: Float64Array, level: Float32Array): void {
    this.before = 0;
    this.bins = 0;
    for (let b = Math.max(0, this.ownLo); b <= Math.min(acc.length - 1, this.ownHi); b++) {
      if (!(level[b] < Infinity)) continue;
      this.bins++;
      if (cnt[b] > 0) this.before += acc[b] / cnt[b] - 1;
    }
  }
}

/** The sum of p's excess ratios (stat/level) over bins [lo, hi] of p, bins without a finite level left out. */
function bandSum(p: PathState, lo: number, hi: number): number {
  let sum = 0;
  for (let b = Math.max(0, lo); b <= Math.min(p.n - 1, hi); b++) {
    const l = p.th.levelLin[b];
    if (l < Infinity) sum += p.stat[b] / l;
  }
  return sum;
}

/**
 * The island {@link findSecondEmitter} found (bins of its path) and the valley level between it and the band; `track`
 * the track {@link stepPair} last opened for one.
 */
export const secondEmitter: { lo: number; hi: number; valley: number; track: Track | null } = { lo: 0, hi: -1, valley: 1, track: null };

/**
 * A second emitter in a track's own mean excess spectrum (acc/cnt over bins of p, ratios over the level; its occupied
 * band [ownLo, ownHi] with the twin-peak bridge, its extent [lo, hi]): two transmitters keyed on in the same frame share
 * one track from its first hit, so its mean holds both and no newcomer ({@link splitNewcomer}) ever stands over it.
 * Found when a kernel mean beyond the band by more than one occupied bandwidth plus the gap (bins hit at least
 * `minHits` times: the first frames hold the key-on's splatter)
 * - carries an excess (mean − 1) within `comparableDb` of the band's peak: the spurs and sidebands of one transmitter
 *   stand 11–32 dB under its carrier in the real recordings (BURST_CO_KEYED_DB), a second transmitter as strong;
 * - stands the open level over the lowest kernel mean between it and the band (it does not fall away from the band as
 *   a skirt does), and over the largest kernel mean round its mirror about the band's centre, searched one island
 *   width further on each side but not into the band (a keying's sidelobes and a skirt are even about the carrier).
 * The island: from its peak outward while the mean stays over both the valley and the peak's −20 dB point, bridging
 * the gap. Two equal tones of a 2-FSK link whose dip falls to the noise pass this test too: {@link PairWatch} tells
 * them apart. Result in {@link secondEmitter}; allocation-free.
 * @returns whether one was found
 */
export function findSecondEmitter(
  p: PathState, acc: Float64Array, cnt: Float64Array, ownLo: number, ownHi: number, lo: number, hi: number, comparableDb: number,
  minHits: number,
): boolean {
  const open = p.minOpenLin;
  if (!(open > 1 && open < Infinity)) return false;
  const half = p.narrow.half;
  const n = p.n;
  let peak = 0;
  for (let b = ownLo; b <= ownHi; b++) if (cnt[b] > 0) peak = Math.max(peak, acc[b] / cnt[b]);
  const reach = ownHi - ownLo + 1 + p.gapBins;
  let at = -1;
  let best = 1 + (peak - 1) * 10 ** (-comparableDb / 10);
  for (let b = Math.max(0, lo); b <= Math.min(n - 1, hi); b++) {
    if ((b >= ownLo - reach && b <= ownHi + reach) || p.guard[b] || cnt[b] < minHits) continue;
    const m = meanKernel(acc, cnt, half, b);
    if (m >= best) {
      best = m;
      at = b;
    }
  }
  if (at < 0) return false;
  const up = at > ownHi;
  let valley = Infinity;
  for (let b = up ? ownHi + 1 : at + 1; b <= (up ? at - 1 : ownLo - 1); b++) {
    const m = meanKernel(acc, cnt, half, b);
    if (m < valley) valley = m;
  }
  if (!(valley * open <= best)) return false;
  const floor = Math.max(valley, best / 100);
  let ilo = at;
  let ihi = at;
  for (let dir = -1; dir <= 1; dir += 2) {
    let miss = 0;
    for (let b = at + dir; b >= 0 && b < n && (up ? b > ownHi + 1 : b < ownLo - 1); b += dir) {
      const m = cnt[b] > 0 ? acc[b] / cnt[b] : 0;
      if (m >= floor) {
        miss = 0;
        if (dir < 0) ilo = b;
        else ihi = b;
      } else if (++miss > p.gapBins) break;
    }
  }
  const centre = ownLo + ownHi;
  const w = ihi - ilo + 1;
  let mirror = 0;
  for (let b = centre - ihi - w; b <= centre - ilo + w; b++) {
    if (b >= ownLo - p.gapBins && b <= ownHi + p.gapBins) continue;
    const m = meanKernel(acc, cnt, half, ((b % n) + n) % n);
    if (m > mirror) mirror = m;
  }
  if (!(best >= open * mirror)) return false;
  secondEmitter.lo = ilo;
  secondEmitter.hi = ihi;
  secondEmitter.valley = valley;
  return true;
}

/**
 * Makes the island a watch found ({@link PairWatch}, two transmitters) a track of its own, opened in `table` with t's
 * times and counts (it has been on as long; its start the island's, {@link noteFirstOpen}), split from t as a newcomer: the island's part of both excess spectra
 * moves over, and t keeps a mean of the valley there (of the noise on the other path), the reference of its later
 * newcomer tests. @returns the new track, or null when every slot is busy. Allocation-free.
 */
export function splitPair(table: TrackTable, report: TrackReport, t: Track, w: PairWatch, fastScale: number): Track | null {
  const n = table.open(w.lo, w.hi, t.tuneId, t.startSample());
  if (n === null) return null;
  n.copyHits(t);
  // keyed on after t (within its settle time): its own start, from when its island's bins first stood over the level
  let first = Infinity;
  for (let b = Math.floor(w.lo / fastScale); b <= Math.floor(w.hi / fastScale); b++) first = Math.min(first, t.firstFast[b]);
  if (first < Infinity && first > n.fastStart) {
    n.fastStart = first;
    n.slowStart = Math.max(n.slowStart, first);
  }
  n.newcomerOf = t.id;
  t.children++;
  n.steadyLo = w.lo;
  n.steadyHi = w.hi;
  n.steadySettleEnd = Infinity;
  // t's steady extent, which locates it, loses the island's side: the island's groups are as near to both tracks, and
  // the older one takes a tie (TrackTable.find): the second transmitter's track got no hit after the split (two
  // carriers 12 kHz apart: the second's detection ended at 5.13 s of 9)
  if (w.lo > w.bandHi) t.steadyHi = Math.min(t.steadyHi, w.lo - 1);
  else t.steadyLo = Math.max(t.steadyLo, w.hi + 1);
  report.forget(t);
  moveIsland(t.accSlow, t.cntSlow, n.accSlow, n.cntSlow, w.lo, w.hi, w.slow ? w.valley : 1, n);
  moveIsland(t.accFast, t.cntFast, n.accFast, n.cntFast, Math.floor(w.lo / fastScale), Math.floor(w.hi / fastScale), w.slow ? 1 : w.valley, n);
  return n;
}

/** Moves bins [lo, hi] of one path's excess spectrum from (acc, cnt) to (dst, dcnt), leaving a mean of `level`; raises n's peak. */
function moveIsland(acc: Float64Array, cnt: Float64Array, dst: Float64Array, dcnt: Float64Array, lo: number, hi: number, level: number, n: Track): void {
  for (let b = lo; b <= hi; b++) {
    dst[b] = acc[b];
    dcnt[b] = cnt[b];
    acc[b] = level * cnt[b];
    if (cnt[b] > 0) n.peakExcessDb = Math.max(n.peakExcessDb, 10 * Math.log10(dst[b] / dcnt[b]));
  }
}

/**
 * Once track t's steady extent settles: looks for a second emitter keyed on with it ({@link findSecondEmitter} in its
 * own mean spectrum, the slow path's once it has averages, with the twin-peak bridge: TrackReport.measureOwn) and starts
 * `w` watching it (docs/detector.md §4).
 */
export function watchPair(report: TrackReport, fast: PathState, t: Track, w: PairWatch): void {
  if (w.active && w.newcomer) return;
  const own = report.measureOwn(t, true);
  const onSlow = own !== fast;
  const s = own.scale;
  const acc = onSlow ? t.accSlow : t.accFast;
  const cnt = onSlow ? t.cntSlow : t.cntFast;
  const { lo, hi } = report;
  if (!findSecondEmitter(own, acc, cnt, lo, hi, Math.floor(t.lo / s), Math.floor(t.hi / s), BURST_CO_KEYED_DB, onSlow ? SECOND_EMITTER_MIN_AVERAGES : NEWCOMER_MIN_HITS)) return;
  const e = secondEmitter;
  w.start(t.id, e.lo * s, e.hi * s + s - 1, e.valley, onSlow, lo * s, hi * s + s - 1, fast.scale);
}

/**
 * Adds short frame p (the fast path) ending at sample `end` to the watch `w` of track t when it watches t, and when it decides for two
 * transmitters opens the second one's track ({@link splitPair}, into secondEmitter.track).
 * @returns whether a track was opened
 */
export function stepPair(table: TrackTable, report: TrackReport, t: Track, w: PairWatch, p: PathState, end: number): boolean {
  if (!w.active || w.newcomer || w.trackId !== t.id || w.add(p, end) <= 0) return false;
  secondEmitter.track = splitPair(table, report, t, w, p.scale);
  return secondEmitter.track !== null;
}

/**
 * Marks track t, which group gi of this frame hits, as split from the frame's newcomer parent when gi is the newcomer
 * and t was just opened for it (Track.newcomerOf), and starts t's watch `w` ({@link watchNewcomer}).
 */
export function adoptNewcomer(table: TrackTable, t: Track, gi: number, w: PairWatch, fast: PathState): void {
  if (gi !== frameNewcomer.at || frameNewcomer.parent === 0 || t.newcomerOf !== 0 || t.fastHits + t.slowHits !== 0) return;
  t.newcomerOf = frameNewcomer.parent;
  const parent = table.tracks[frameNewcomer.parentSlot];
  parent.children++;
  watchNewcomer(t, w, fast.scale);
  w.setBefore(parent.accFast, parent.cntFast, fast.th.levelLin);
}

/**
 * Starts newcomer t's watch `w`: its band [t.lo, t.hi] against its parent's own band at the split (frameNewcomer.ownLo
 * and ownHi, fine bins), frame by frame. A link that sends one tone alone for seconds (a preamble, a carrier before its
 * data) settles on that tone, and its other tone, once the data begins, stands over the track's mean as a second
 * transmitter would: its power takes turns with the first tone's, where a second transmitter's does not
 * ({@link PAIR_TONES_CORRELATION}), and its parent's band lost power to it ({@link TONE_SHARE}). The newcomer's alert
 * waits for the verdict (a 2.5 s preamble at 2.4 kBd was two detections, 5.00–9.00 s at the preamble's tone and
 * 7.43–8.84 s at the other).
 */
export function watchNewcomer(t: Track, w: PairWatch, fastScale: number): void {
  w.start(t.id, t.lo, t.hi, 1, false, frameNewcomer.ownLo, frameNewcomer.ownHi, fastScale, true);
}

/** Whether newcomer t waits for its watch's verdict (w: t's slot's watch). */
export function newcomerPending(t: Track, w: PairWatch): boolean {
  return w.active && w.newcomer && w.trackId === t.id;
}

/** The newcomers a {@link stepNewcomers} call let through (its count in `[0]` of {@link vettedCount}). */
export const vettedNewcomers: Track[] = [];
export const vettedCount = new Int32Array(1);

/**
 * Adds fast frame p ending at sample `end` to every newcomer watch of `table` (watches: one per slot) and acts on the
 * verdicts: a newcomer whose power takes turns with its parent's is the parent's own tone, merged back into it
 * ({@link mergeNewcomer}) without an alert; one that is on independently goes to {@link vettedNewcomers} (its alert
 * may go once it has its slow hits). Allocation-free.
 */
export function stepNewcomers(table: TrackTable, report: TrackReport, watches: readonly PairWatch[], p: PathState, end: number): void {
  vettedCount[0] = 0;
  for (let ti = 0; ti < table.tracks.length; ti++) {
    const t = table.tracks[ti];
    if (!t.active || t.newcomerOf === 0) continue;
    const w = watches[t.slot];
    if (!newcomerPending(t, w)) continue;
    const verdict = w.add(p, end);
    if (verdict < 0) mergeNewcomer(table, report, t);
    else if (verdict > 0) vettedNewcomers[vettedCount[0]++] = t;
  }
}

/**
 * Merges newcomer n back into the track it was split from (a tone of that track's own link): the parent's extent
 * takes n's, n's excess spectra are added to its own there, and the parent remembers n's occupied band (measured by
 * `report` on n's own path) as its own other tone (Track.toneLo/toneHi), where no newcomer is looked for again and
 * which its reported band spans; n's slot is freed without an event (it sent none).
 */
export function mergeNewcomer(table: TrackTable, report: TrackReport, n: Track): void {
  const parent = parentOf(table, n);
  if (parent !== null) {
    report.forget(parent);
    parent.lo = Math.min(parent.lo, n.lo);
    parent.hi = Math.max(parent.hi, n.hi);
    const own = report.measureOwn(n);
    parent.toneLo = Math.min(parent.toneLo, report.lo * own.scale);
    parent.toneHi = Math.max(parent.toneHi, report.hi * own.scale + own.scale - 1);
    addSpectrum(parent.accFast, parent.cntFast, n.accFast, n.cntFast);
    addSpectrum(parent.accSlow, parent.cntSlow, n.accSlow, n.cntSlow);
  }
  releaseTrack(table, n);
}

/** Adds excess spectrum (acc, cnt) into (dst, dcnt) where it has counts. */
function addSpectrum(dst: Float64Array, dcnt: Float64Array, acc: Float64Array, cnt: Float64Array): void {
  for (let b = 0; b < acc.length; b++) {
    if (cnt[b] === 0) continue;
    dst[b] += acc[b];
    dcnt[b] += cnt[b];
  }
}

/**
 * Notes in t.firstFast, for each bin of group gi of the fast path p over its open level, the sample `start` of the
 * short frame that first held it so, from t's {@link NEWCOMER_MIN_HITS}th fast hit on (its first frames hold the key-on's
 * splatter, which reaches across the band); bins over it in that first frame get t's start (on with it). A second
 * transmitter keyed on within t's settle time is found in t's spectrum as a pair ({@link findSecondEmitter}) and
 * split with t's times: its start is its island's first (a carrier keyed 0.5 s after another was reported from the
 * other's start). Call for steady (not transient) groups only. Allocation-free.
 */
export function noteFirstOpen(t: Track, p: PathState, gi: number, start: number): void {
  if (t.fastHits < NEWCOMER_MIN_HITS) return;
  const when = t.firstNoted ? start : t.fastStart;
  t.firstNoted = true;
  const open = p.minOpenLin;
  const level = p.th.levelLin;
  for (let b = p.gLo[gi]; b <= p.gHi[gi]; b++) if (t.firstFast[b] === Infinity && p.stat[b] >= open * level[b]) t.firstFast[b] = when;
}
