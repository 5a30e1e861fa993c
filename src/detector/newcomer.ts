// A newcomer inside an open track's extent (docs/detector.md §4): a second transmitter keyed on beside a strong one,
// within the band the strong one's skirt has made its own, is a signal of its own and not more of that track.
import { clearsMirror, kernelMeanOverLevel } from './beside-track.js';
import { fillGroup } from './groups.js';
import { MAX_GROUPS, type PathState } from './path-state.js';
import type { TrackReport } from './events.js';
import { accumulateExcess, BURST_CO_KEYED_DB, type Track, type TrackTable } from './track.js';

/**
 * How many of a track's hits on a path must have covered a bin before its mean excess there can tell a newcomer: a
 * track's first frames hold its key-on splatter, which reaches across the band (short frames overlap by half, so 16
 * frames are 8 frames' span of new samples).
 */
export const NEWCOMER_MIN_HITS = 16;

/**
 * The newcomer of the frame being tracked: the group index a {@link splitNewcomerOff} last made or marked and the id
 * of the track it was split from (0: none; the tracker sets 0 at each frame's start). Frames are tracked
 * one at a time, synchronously, so one record serves every tracker of a thread.
 */
export const frameNewcomer = { at: -1, parent: 0 };

/**
 * The slow path's {@link NEWCOMER_MIN_HITS} when a track settles (STEADY_SETTLE_S after its first steady hit): a Welch
 * average spans ≈ 0.1 s at 250 kS/s, so a second holds about ten, and only the first holds the key-on.
 */
export const SECOND_EMITTER_MIN_AVERAGES = 4;

/** The group index the last {@link splitNewcomer} made or marked (−1: none). */
export const newcomerGroup = new Int32Array(1);

/**
 * Marks track t, which group gi of this frame hits, as split from the frame's newcomer parent when gi is the newcomer
 * and t was just opened for it (Track.newcomerOf).
 */
export function adoptNewcomer(t: Track, gi: number): void {
  if (gi === frameNewcomer.at && frameNewcomer.parent !== 0 && t.newcomerOf === 0 && t.fastHits + t.slowHits === 0) t.newcomerOf = frameNewcomer.parent;
}

/**
 * Whether group gi of p (matched to an open track whose occupied band on this path is [ownLo, ownHi], bins of p, and
 * whose mean excess spectrum is acc/cnt, ratios over p's level) holds a newcomer: a bin beyond that band by more than
 * one own bandwidth plus the gap whose excess now (stat/level − 1) is at least `ratio` times the track's mean excess
 * there, over the open level, where the track has been hit at least {@link NEWCOMER_MIN_HITS} times. A strong signal's
 * skirt (reciprocal mixing, a noisy oscillator's phase noise) holds bins over the release level tens of kHz from it in
 * every frame, and seconds of averaging across the whole band: the track's extent, and so its matching, grows over
 * them, and a second transmitter keyed on there continued the first one's track unreported (two 40 dB carriers 40 kHz
 * apart, a 300 Hz oscillator linewidth: the second, keyed on 2 s after the first, was never reported). Its mean excess
 * is the reference a CFAR would take: what the track has put into that bin so far; `ratio` is the dominance ratio, as a
 * new group within a signal's skirt must stand that much over it to be a signal of its own (§5).
 *
 * The track must be on in its band in this frame (a kernel over the open level), and the newcomer's bin stand the
 * open level over its mirror about the band (clearsMirror): two transmitters are on together and one-sided, a 2-FSK
 * link's tones take turns (a breaker's 100 Bd link was split into one detection per tone) and an FM link's deviation
 * edges and a keying's sidelobes are even about its carrier (a carrier that began 10 kHz FM gave a 0.1 s detection at
 * its edge). When the group lies apart from the band (no bin within it ± the gap), the whole group is the newcomer. When it
 * overlaps the band, it is split at the lowest kernel mean between the band and the newcomer's bin, but only where
 * that valley lies the open level under both the newcomer's bin and the group's largest bin inside the band: the track
 * is on now and another signal stands apart from it; an excursion of a wide FM signal past its mean band is one peak,
 * no valley. The split-off part is appended as group `groups` (MAX_GROUPS allowing) and gi keeps the rest; the part's
 * index goes to {@link newcomerGroup}. Allocation-free.
 * @returns the number of groups after the split
 */
export function splitNewcomer(
  p: PathState, power: Float32Array, gi: number, groups: number, ownLo: number, ownHi: number,
  acc: Float64Array, cnt: Float64Array, ratio: number,
): number {
  newcomerGroup[0] = -1;
  const stat = p.stat;
  const level = p.th.levelLin;
  const open = p.minOpenLin;
  if (!(open > 1 && open < Infinity)) return groups;
  const glo = p.gMatchLo[gi];
  const ghi = p.gMatchHi[gi];
  const reach = ownHi - ownLo + 1 + p.gapBins;
  const nearLo = ownLo - reach;
  const nearHi = ownHi + reach;
  // the newcomer's bin: the largest excess beyond the reach that stands `ratio` over the track's mean there
  let at = -1;
  let best = 0;
  for (let b = glo; b <= ghi; b++) {
    if (b >= nearLo && b <= nearHi) continue;
    const l = level[b];
    if (p.hot[b] === 0 || !(l < Infinity) || cnt[b] < NEWCOMER_MIN_HITS) continue;
    const r = stat[b] / l;
    if (r < open || r <= best) continue;
    const m = acc[b] / cnt[b];
    if (r - 1 >= ratio * Math.max(m - 1, 0)) {
      best = r;
      at = b;
    }
  }
  if (at < 0) return groups;
  const half = p.narrow.half;
  // on together with the track: its own band holds a kernel over the open level in this very frame (a 2-FSK link's
  // tones take turns, so a frame of one tone is no newcomer beside the other); and one-sided: a keying's sidelobes
  // and an FM link's deviation edges stand on both sides of its band alike (clearsMirror)
  let on = 0;
  for (let b = ownLo; b <= ownHi; b++) on = Math.max(on, kernelMeanOverLevel(p, level, half, b));
  if (!(on >= open) || !clearsMirror(p, level, half, Math.max(glo, at - half), Math.min(ghi, at + half), ownLo, ownHi, open)) return groups;
  if (glo > ownHi + p.gapBins || ghi < ownLo - p.gapBins) {
    newcomerGroup[0] = gi;
    return groups;
  }
  if (groups >= MAX_GROUPS) return groups;
  const up = at > ownHi;
  // the valley between the band and the newcomer, and the group's largest kernel mean inside the band
  let valley = Infinity;
  let v = -1;
  for (let b = up ? ownHi + 1 : at + 1; b <= (up ? at - 1 : ownLo - 1); b++) {
    const m = kernelMeanOverLevel(p, level, half, b);
    if (m < valley) {
      valley = m;
      v = b;
    }
  }
  let inside = 0;
  for (let b = Math.max(glo, ownLo); b <= Math.min(ghi, ownHi); b++) inside = Math.max(inside, kernelMeanOverLevel(p, level, half, b));
  const peak = kernelMeanOverLevel(p, level, half, at);
  if (v < 0 || !(valley * open <= Math.min(peak, inside))) return groups;
  // the part past the valley becomes the newcomer's group; gi keeps the rest (each trimmed to its hot bins)
  let a = up ? v + 1 : glo;
  let z = up ? ghi : v - 1;
  while (a < z && p.hot[a] === 0) a++;
  while (z > a && p.hot[z] === 0) z--;
  let ka = up ? glo : v + 1;
  let kz = up ? v - 1 : ghi;
  while (ka < kz && p.hot[ka] === 0) ka++;
  while (kz > ka && p.hot[kz] === 0) kz--;
  if (p.hot[a] === 0 || p.hot[ka] === 0) return groups;
  fillGroup(p, power, a, z, groups);
  fillGroup(p, power, ka, kz, gi);
  newcomerGroup[0] = groups;
  return groups + 1;
}

/**
 * {@link splitNewcomer} for group gi of p matched to track t, against t's occupied band and mean excess spectrum on
 * p's path (`own`, its fast path when `isFast`: the burst path's groups share its bins), measured by `report`; a
 * newcomer found goes to {@link frameNewcomer}.
 * @returns the number of groups after the split
 */
export function splitNewcomerOff(
  report: TrackReport, own: PathState, isFast: boolean, p: PathState, power: Float32Array, gi: number, groups: number, t: Track, ratio: number,
): number {
  const acc = isFast ? t.accFast : t.accSlow;
  const cnt = isFast ? t.cntFast : t.cntSlow;
  report.measure(t, own, acc, cnt);
  const after = splitNewcomer(p, power, gi, groups, report.lo, report.hi, acc, cnt, ratio);
  if (newcomerGroup[0] >= 0) {
    frameNewcomer.at = newcomerGroup[0];
    frameNewcomer.parent = t.id;
  }
  return after;
}

/** Scratch mask over a path's bins ({@link accumulateOwnExcess}), all 0 between calls. */
let mask = new Uint8Array(0);

/**
 * Adds p's excess ratios (stat/level) over bins [a, z] of p to track t's mean excess spectrum (acc/cnt, see
 * accumulateExcess), leaving out the whole extent of each open newcomer split from t (Track.newcomerOf): t's
 * spectrum holds its own signal and the noise round it, not the newcomer's signal, which would otherwise raise t's
 * mean there within a second until the newcomer no longer stood over it ({@link splitNewcomer}) and its frames went
 * back to t. Allocation-free once a path of p's size has been seen.
 */
export function accumulateOwnExcess(acc: Float64Array, cnt: Float64Array, p: PathState, table: TrackTable, t: Track, a: number, z: number): void {
  let children = 0;
  const s = p.scale;
  if (mask.length < p.n) mask = new Uint8Array(p.n);
  if (table.active > 1) {
    for (let ti = 0; ti < table.tracks.length; ti++) {
      const c = table.tracks[ti];
      if (!c.active || c.newcomerOf !== t.id) continue;
      children++;
      for (let b = Math.max(a, Math.floor(c.lo / s)); b <= Math.min(z, Math.floor(c.hi / s)); b++) mask[b] = 1;
    }
  }
  if (children === 0) {
    accumulateExcess(acc, cnt, p.stat, p.th.levelLin, a, z);
    return;
  }
  // the runs of bins between the newcomers' extents, each added as any track's are (the mask cleared on the way)
  for (let b = a; b <= z; ) {
    if (mask[b] !== 0) {
      mask[b++] = 0;
      continue;
    }
    let r = b;
    while (r < z && mask[r + 1] === 0) r++;
    accumulateExcess(acc, cnt, p.stat, p.th.levelLin, b, r);
    b = r + 1;
  }
}

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
 * A track's candidate second emitter ({@link findSecondEmitter}, read once its steady extent settles), watched for
 * {@link PAIR_FRAMES} short frames: the power of its own band and of the island, frame by frame, whose correlation
 * tells two transmitters from a 2-FSK link's two tones (docs/detector.md §4). One per track slot, reused.
 */
export class PairWatch {
  active = false;
  /** The id of the track watched. */
  trackId = 0;
  /** The island (fine bins), its valley level and whether it was found on the slow path. */
  lo = 0;
  hi = -1;
  valley = 1;
  slow = false;
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

  /**
   * Starts watching track `trackId`: island [lo, hi] (fine bins), own band [ownLo, ownHi] (fine bins), `fastScale` fine
   * bins a fast bin.
   */
  start(trackId: number, lo: number, hi: number, valley: number, slow: boolean, ownLo: number, ownHi: number, fastScale: number): void {
    this.active = true;
    this.trackId = trackId;
    this.lo = lo;
    this.hi = hi;
    this.valley = valley;
    this.slow = slow;
    this.ownLo = Math.floor(ownLo / fastScale);
    this.ownHi = Math.floor(ownHi / fastScale);
    this.isLo = Math.floor(lo / fastScale);
    this.isHi = Math.floor(hi / fastScale);
    this.n = this.a = this.b = this.aa = this.bb = this.ab = 0;
    this.lastEnd = -1;
  }

  /**
   * Adds one short frame of the fast path p (its stat over its level) ending at sample `end` (once per frame) and
   * returns, once {@link PAIR_FRAMES} are in, 1 for two transmitters, −1 for one signal's tones (the watch ends either
   * way), else 0.
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
    if (this.n < PAIR_FRAMES) return 0;
    this.active = false;
    const n = this.n;
    const cov = this.ab - (this.a * this.b) / n;
    const va = this.aa - (this.a * this.a) / n;
    const vb = this.bb - (this.b * this.b) / n;
    const corr = va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
    return corr > PAIR_TONES_CORRELATION ? 1 : -1;
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
 * times and counts (it has been on as long), split from t as a newcomer: the island's part of both excess spectra
 * moves over, and t keeps a mean of the valley there (of the noise on the other path), the reference of its later
 * newcomer tests. @returns the new track, or null when every slot is busy. Allocation-free.
 */
export function splitPair(table: TrackTable, t: Track, w: PairWatch, fastScale: number): Track | null {
  const n = table.open(w.lo, w.hi, t.tuneId, t.startSample());
  if (n === null) return null;
  n.copyHits(t);
  n.newcomerOf = t.id;
  n.steadyLo = w.lo;
  n.steadyHi = w.hi;
  n.steadySettleEnd = Infinity;
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
export function stepPair(table: TrackTable, t: Track, w: PairWatch, p: PathState, end: number): boolean {
  if (!w.active || w.trackId !== t.id || w.add(p, end) <= 0) return false;
  secondEmitter.track = splitPair(table, t, w, p.scale);
  return secondEmitter.track !== null;
}

/** The open track newcomer t was split from (Track.newcomerOf), or null when it has closed (or t is no newcomer). */
export function parentOf(table: TrackTable, t: Track): Track | null {
  if (t.newcomerOf === 0) return null;
  for (let ti = 0; ti < table.tracks.length; ti++) {
    const c = table.tracks[ti];
    if (c.active && c.id === t.newcomerOf) return c;
  }
  return null;
}
