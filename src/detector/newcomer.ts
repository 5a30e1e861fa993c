// A newcomer inside an open track's extent (docs/detector.md §4): a second transmitter keyed on beside a strong one,
// within the band the strong one's skirt has made its own, is a signal of its own and not more of that track.
import { clearsMirror, kernelMeanOverLevel } from './beside-track.js';
import { fillGroup } from './groups.js';
import { MAX_GROUPS, type PathState } from './path-state.js';
import type { TrackReport } from './events.js';
import { accumulateExcess, type Track, type TrackTable } from './track.js';

/**
 * How many of a track's hits on a path must have covered a bin before its mean excess there can tell a newcomer: a
 * track's first frames hold its key-on splatter, which reaches across the band (short frames overlap by half, so 16
 * frames are 8 frames' span of new samples).
 */
export const NEWCOMER_MIN_HITS = 16;

/**
 * The newcomer of the frame being tracked: the group index a {@link splitNewcomerOff} last made or marked, the id
 * of the track it was split from (0: none; the tracker sets 0 at each frame's start) and that track's own band then
 * (fine bins). Frames are tracked one at a time, synchronously, so one record serves every tracker of a thread.
 */
export const frameNewcomer = { at: -1, parent: 0, parentSlot: 0, ownLo: 0, ownHi: -1 };


/** The group index the last {@link splitNewcomer} made or marked (−1: none). */
export const newcomerGroup = new Int32Array(1);

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
 * index goes to {@link newcomerGroup}. Bins [toneLo, toneHi] of p (a tone of the track's own link once split from it
 * and merged back: pair-watch.ts) hold no newcomer. Allocation-free.
 * @returns the number of groups after the split
 */
export function splitNewcomer(
  p: PathState, power: Float32Array, gi: number, groups: number, ownLo: number, ownHi: number,
  acc: Float64Array, cnt: Float64Array, ratio: number, toneLo = 0, toneHi = -1,
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
  // the newcomer's bin: the largest excess beyond the reach that stands `ratio` over the track's mean there; and the
  // largest there of all, which must be it: a group whose strongest part beyond the reach is the track's own (an
  // emitter it has held all along) holds its keying splatter or skirt beside it, not a newcomer (a carrier keyed off
  // beside another in its track split the other off from its key-off's splatter: two detections of it)
  let at = -1;
  let best = 0;
  let top = 0;
  for (let b = glo; b <= ghi; b++) {
    if ((b >= nearLo && b <= nearHi) || (b >= toneLo && b <= toneHi)) continue;
    const l = level[b];
    if (p.hot[b] === 0 || !(l < Infinity) || cnt[b] < NEWCOMER_MIN_HITS) continue;
    const r = stat[b] / l;
    if (r < open) continue;
    if (r > top) top = r;
    if (r <= best) continue;
    const m = acc[b] / cnt[b];
    if (r - 1 >= ratio * Math.max(m - 1, 0)) {
      best = r;
      at = b;
    }
  }
  if (at < 0 || best < top) return groups;
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
  return splitAtValley(p, power, gi, groups, up ? ownHi + 1 : at + 1, up ? at - 1 : ownLo - 1, up, ownLo, ownHi, kernelMeanOverLevel(p, level, half, at));
}

/**
 * Splits group gi of p ({@link splitGroupAt}) at the lowest kernel mean over bins [from, to] of p (between the band
 * [ownLo, ownHi] of the track it matched and the part past them, above it when `up`), but only where that valley lies
 * the open level under both `peak` (the part's kernel mean) and the group's largest kernel mean inside the band: the
 * track is on now and another signal stands apart from it; an excursion of a wide FM signal past its mean band is one
 * peak, no valley. @returns the number of groups after the split
 */
function splitAtValley(
  p: PathState, power: Float32Array, gi: number, groups: number, from: number, to: number, up: boolean, ownLo: number, ownHi: number, peak: number,
): number {
  const level = p.th.levelLin;
  const half = p.narrow.half;
  let valley = Infinity;
  let v = -1;
  for (let b = from; b <= to; b++) {
    const m = kernelMeanOverLevel(p, level, half, b);
    if (m < valley) {
      valley = m;
      v = b;
    }
  }
  let inside = 0;
  for (let b = Math.max(p.gMatchLo[gi], ownLo); b <= Math.min(p.gMatchHi[gi], ownHi); b++) inside = Math.max(inside, kernelMeanOverLevel(p, level, half, b));
  if (v < 0 || !(valley * p.minOpenLin <= Math.min(peak, inside))) return groups;
  return splitGroupAt(p, power, gi, groups, v, up);
}

/**
 * Splits group gi of p at bin v: the part past v (above it when `up`) becomes group `groups` (its index into
 * {@link newcomerGroup}), gi keeps the rest, each trimmed to its hot bins; nothing when either part has no hot bin.
 * @returns the number of groups after the split
 */
function splitGroupAt(p: PathState, power: Float32Array, gi: number, groups: number, v: number, up: boolean): number {
  const glo = p.gMatchLo[gi];
  const ghi = p.gMatchHi[gi];
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
 * Splits group gi of p (matched to track t, whose occupied band is [ownLo, ownHi], bins of p) at the lowest kernel mean
 * between that band and the occupied band of an open newcomer of t (`report`'s kept measure on p's path, the fast one
 * when `isFast`) that the group reaches into: a second transmitter within the gap of the first joins its frames'
 * groups by the two skirts, and the joined group went to the first
 * track, whose steady extent it also widened again (two carriers 12 kHz apart, keyed on together and told apart by
 * the pair watch: the second's detection ended 0.01 s after the split, at 5.13 s of 9). The part past the valley goes
 * to {@link newcomerGroup} when both stand the open level over that valley; a group that reaches the newcomer's extent
 * but not t's band goes there whole when its strongest bin lies in the newcomer's band (the older track took it on a
 * tie, TrackTable.find). Only while the newcomer is on in this frame: a kernel in its band over the open level and
 * within `ratio` (the dominance ratio) of the peak of its mean excess. Allocation-free.
 * @returns the number of groups after the split
 */
export function splitAtNewcomer(
  p: PathState, power: Float32Array, gi: number, groups: number, table: TrackTable, t: Track, ownLo: number, ownHi: number, report: TrackReport,
  isFast: boolean, ratio: number,
): number {
  if (t.children === 0 || groups >= MAX_GROUPS) return groups;
  const glo = p.gMatchLo[gi];
  const ghi = p.gMatchHi[gi];
  const level = p.th.levelLin;
  const open = p.minOpenLin;
  const half = p.narrow.half;
  for (let ti = 0; ti < table.tracks.length; ti++) {
    const c = table.tracks[ti];
    if (!c.active || c.newcomerOf !== t.id) continue;
    report.measureKept(c, isFast, isFast ? c.accFast : c.accSlow, isFast ? c.cntFast : c.cntSlow);
    const clo = report.lo;
    const chi = report.hi;
    const up = clo > ownHi;
    if ((!up && chi >= ownLo) || ghi < clo || glo > chi) continue;
    // the newcomer must be on in this frame, at its own level: a kernel in its band over the open level and within the
    // dominance ratio of its mean's peak (else the group there is t's skirt: a skirt 28 dB under a 42 dB carrier keyed
    // off beside a noisy FM link stood over the open level there, and held it open 0.86 s past its end)
    let peak = 0;
    let mean = 0;
    const acc = isFast ? c.accFast : c.accSlow;
    const cnt = isFast ? c.cntFast : c.cntSlow;
    for (let b = Math.max(glo, clo); b <= Math.min(ghi, chi); b++) peak = Math.max(peak, kernelMeanOverLevel(p, level, half, b));
    for (let b = clo; b <= chi; b++) if (cnt[b] > 0) mean = Math.max(mean, acc[b] / cnt[b]);
    if (!(peak >= open && peak >= mean / ratio)) continue;
    // a group apart from t's band whose strongest bin lies in the newcomer's band is the newcomer's whole (one whose
    // strongest bin lies elsewhere is a skirt reaching it)
    if (up ? glo > ownHi : ghi < ownLo) {
      let top = glo;
      for (let b = glo + 1; b <= ghi; b++) if (p.stat[b] / level[b] > p.stat[top] / level[top]) top = b;
      if (top < clo - p.gapBins || top > chi + p.gapBins) continue;
      newcomerGroup[0] = gi;
      return groups;
    }
    // else split at the valley between them, where both stand the open level over it
    const after = splitAtValley(p, power, gi, groups, up ? ownHi + 1 : chi + 1, up ? clo - 1 : ownLo - 1, up, ownLo, ownHi, peak);
    if (after > groups) return after;
  }
  return groups;
}

/**
 * {@link splitNewcomer} for group gi of p matched to track t, against t's occupied band and mean excess spectrum on
 * p's path (`own`, its fast path when `isFast`: the burst path's groups share its bins), measured by `report`, else
 * {@link splitAtNewcomer} against t's open newcomers in `table`, which alone is tried for a `transient` group (a frame
 * in which t keys on or fades, or that did not hit it in the previous frame: its splatter may reach anywhere, but the
 * newcomers it has are known, and a group of one that went to t every other frame kept t open beside it); a newcomer
 * found goes to {@link frameNewcomer}.
 * @returns the number of groups after the split
 */
export function splitNewcomerOff(
  report: TrackReport, own: PathState, isFast: boolean, p: PathState, power: Float32Array, gi: number, groups: number, t: Track, ratio: number,
  table: TrackTable, transient: boolean,
): number {
  const acc = isFast ? t.accFast : t.accSlow;
  const cnt = isFast ? t.cntFast : t.cntSlow;
  report.measureKept(t, isFast, acc, cnt);
  // the track's own other tone, merged back into it (pair-watch.ts mergeNewcomer), ± the gap
  const s = p.scale;
  const toneLo = t.toneHi < t.toneLo ? 0 : Math.floor(t.toneLo / s) - p.gapBins;
  const toneHi = t.toneHi < t.toneLo ? -1 : Math.floor(t.toneHi / s) + p.gapBins;
  newcomerGroup[0] = -1;
  let after = transient ? groups : splitNewcomer(p, power, gi, groups, report.lo, report.hi, acc, cnt, ratio, toneLo, toneHi);
  if (newcomerGroup[0] < 0) after = splitAtNewcomer(p, power, gi, after, table, t, report.lo, report.hi, report, isFast, ratio);
  if (newcomerGroup[0] >= 0) {
    frameNewcomer.at = newcomerGroup[0];
    frameNewcomer.parent = t.id;
    frameNewcomer.parentSlot = t.slot;
    frameNewcomer.ownLo = report.lo * own.scale;
    frameNewcomer.ownHi = report.hi * own.scale + own.scale - 1;
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
  if (t.children > 0) {
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

/** The open track newcomer t was split from (Track.newcomerOf), or null when it has closed (or t is no newcomer). */
export function parentOf(table: TrackTable, t: Track): Track | null {
  if (t.newcomerOf === 0) return null;
  for (let ti = 0; ti < table.tracks.length; ti++) {
    const c = table.tracks[ti];
    if (c.active && c.id === t.newcomerOf) return c;
  }
  return null;
}

/**
 * Frees track t's slot in `table` (TrackTable.release), first taking it off its parent's count of open newcomers
 * (Track.children) when it is one. Every release of a track goes through here.
 */
export function releaseTrack(table: TrackTable, t: Track): void {
  if (t.newcomerOf !== 0) {
    const parent = parentOf(table, t);
    if (parent !== null) parent.children--;
  }
  table.release(t);
}
