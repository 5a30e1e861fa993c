// The long path beside a tracked signal (docs/detector.md §10): whether a weak group there is that signal's skirt or
// image, read from the long path's own average rather than from the track's extent, which grows with its skirt.
import { fillGroup, type GroupedPath } from './groups.js';
import { MAX_GROUPS, type PathState } from './path-state.js';
import type { TrackTable } from './track.js';

/** What the kernel-mean rules read of a path: its frame's per-bin statistic, its bin count and its gap (bins). */
export type PathSpectrum = Pick<PathState, 'stat' | 'n' | 'gapBins'>;

/**
 * The mean of p's per-bin statistic over `level` (the slow path's noise level, linear) in the kernel of 2·half + 1
 * bins round bin b; bins without a finite positive level are left out. Infinity when fewer than half + 1 bins count.
 */
export function kernelMeanOverLevel(p: PathSpectrum, level: Float32Array, half: number, b: number): number {
  const stat = p.stat;
  let sum = 0;
  let count = 0;
  for (let j = Math.max(0, b - half); j <= Math.min(p.n - 1, b + half); j++) {
    const l = level[j];
    if (!(l > 0 && l < Infinity)) continue;
    sum += stat[j] / l;
    count++;
  }
  return count > half ? sum / count : Infinity;
}

/**
 * The bin of the largest finite kernel mean ({@link kernelMeanOverLevel}) over bins [lo, hi] of p, the first of equal
 * ones, with bins past the spectrum's edges wrapped round (bin n is bin 0: sampling folds them); −1 when no
 * kernel mean is finite. Allocation-free.
 */
export function largestKernelBin(p: PathSpectrum, level: Float32Array, half: number, lo: number, hi: number): number {
  let peak = -Infinity;
  let at = -1;
  for (let b = lo; b <= hi; b++) {
    const w = ((b % p.n) + p.n) % p.n;
    const m = kernelMeanOverLevel(p, level, half, w);
    if (m > peak && Number.isFinite(m)) {
      peak = m;
      at = w;
    }
  }
  return at;
}

/**
 * Whether a long-path group over bins [glo, ghi] of p stands apart from the skirt of a signal whose reported band is
 * [olo, ohi] (bins of p). Seconds of averaging show a strong signal's skirt (reciprocal mixing, a transmitter's phase
 * noise, modulation sidebands) tens of kHz past the band the short paths see. The group is apart when it lies more than
 * one occupied bandwidth plus the gap bridge past the band (the modulation's main lobe, as the dominance rule's skirt),
 * and its largest kernel mean stands `openLevel` (the kernel's open level over the floor, linear) over both
 * - the smallest kernel mean between it and the band: a skirt that falls away from its signal (phase noise as 1/f²,
 *   Leeson 1966) is at least that high at the group, like a CFAR's reference cells; and
 * - 1 plus the largest excess of a kernel between, past the main lobe, scaled to the group's distance from the band's
 *   centre as 1/f²: the envelope of sidebands that do not fall monotonically (rectangular keying's sin²x/x² lobes,
 *   whose peaks fall as 1/f² between nulls one baud apart: a continuous 20 dB NRZ OOK link at 10 kBd has 2nd and 3rd
 *   lobes that clear the nulls before them by far).
 * Kernel means as {@link kernelMeanOverLevel}. Allocation-free.
 */
export function standsApartFromSkirt(
  p: PathSpectrum, level: Float32Array, half: number, glo: number, ghi: number, olo: number, ohi: number, openLevel: number,
): boolean {
  // no level yet (a kernel not tested in full): nothing stands apart
  if (!(openLevel > 1 && openLevel < Infinity)) return false;
  // the reference: kernel centres strictly between the band and the group
  let a: number;
  let z: number;
  if (glo > ohi) {
    a = ohi + 1;
    z = glo - 1;
  } else if (ghi < olo) {
    a = ghi + 1;
    z = olo - 1;
  } else return false;
  if (z - a + 1 <= ohi - olo + 1 + p.gapBins) return false;
  let valley = Infinity;
  for (let b = a; b <= z; b++) valley = Math.min(valley, kernelMeanOverLevel(p, level, half, b));
  const at = largestKernelBin(p, level, half, glo, ghi);
  const peak = at < 0 ? 0 : kernelMeanOverLevel(p, level, half, at);
  if (!(Number.isFinite(valley) && valley > 0 && peak >= valley * openLevel)) return false;
  // the skirt's envelope: sidebands need not fall monotonically (rectangular keying's sin²x/x² has a null every baud,
  // and the lobes between stand over the valley) but their envelope falls as 1/f² from the signal, as phase noise does;
  // every kernel between that lies past one occupied bandwidth (the signal's own main lobe) bounds the skirt at the
  // group by its excess × (its distance / the group's)², all from the band's centre
  const centre = (olo + ohi) / 2;
  const dGroup = Math.abs(at - centre);
  const skip = ohi - olo + 1 + p.gapBins;
  let skirt = 0;
  for (let b = a; b <= z; b++) {
    if ((b > ohi && b - ohi <= skip) || (b < olo && olo - b <= skip)) continue;
    // a kernel within one kernel width of the group holds some of the group's own power
    if (b >= glo - 2 * half && b <= ghi + 2 * half) continue;
    const m = kernelMeanOverLevel(p, level, half, b);
    if (!Number.isFinite(m)) continue;
    const r = Math.abs(b - centre) / dGroup;
    skirt = Math.max(skirt, (m - 1) * r * r);
  }
  return peak >= (1 + skirt) * openLevel;
}

/**
 * Whether the long-path group over bins [glo, ghi] of p can be an IQ image, compared where an image is made: the kernel
 * mean at the mirror (bin n − b) of the group's largest one stands `imageRejectionDb` over it, both as excess over the
 * noise (mean − 1, linear). Kernel means as {@link kernelMeanOverLevel}. Allocation-free.
 */
export function mirrorHoldsImage(p: PathSpectrum, level: Float32Array, half: number, glo: number, ghi: number, imageRejectionDb: number): boolean {
  const at = largestKernelBin(p, level, half, glo, ghi);
  if (at < 0) return false;
  const peak = kernelMeanOverLevel(p, level, half, at);
  const mirror = kernelMeanOverLevel(p, level, half, p.n - at);
  return Number.isFinite(mirror) && mirror - 1 >= (peak - 1) * 10 ** (imageRejectionDb / 10);
}

/**
 * Whether the long-path group over bins [glo, ghi] of p stands `openLevel` over its mirror image about the centre of
 * the band [olo, ohi] (bins of p): its largest kernel mean over the largest one of the mirrored bins, searched one group
 * width further on each side (the band's centre is known to a few bins: a drifting signal's band lags it). A skirt and
 * a keying's sidelobes lie on both sides of their signal alike (phase noise and sin²x/x² are even about the carrier), a
 * link beside the signal on one. Measured on a 20 dB NRZ OOK link at 10 kBd drifting 20 ppm: its lobe 25–30 kHz above
 * the carrier read 1.39 (kernel mean over the noise), its exact mirror 1.13–1.20 and the widened mirror enough to hold
 * it. A mirror past the spectrum's edge wraps round, as sampling folds what lies there (a breaker's drifting OOK link
 * 15 kHz from the edge had its inner lobe's mirror there, read as empty, and the lobe opened a 30 s, 27.6 dB detection
 * that grew onto the link). Kernel means as {@link kernelMeanOverLevel}. Allocation-free.
 */
export function clearsMirror(
  p: PathSpectrum, level: Float32Array, half: number, glo: number, ghi: number, olo: number, ohi: number, openLevel: number,
): boolean {
  const at = largestKernelBin(p, level, half, glo, ghi);
  const peak = at < 0 ? 0 : kernelMeanOverLevel(p, level, half, at);
  const w = ghi - glo + 1;
  const mirrorAt = largestKernelBin(p, level, half, olo + ohi - ghi - w, olo + ohi - glo + w);
  const mirror = mirrorAt < 0 ? 0 : kernelMeanOverLevel(p, level, half, mirrorAt);
  return peak >= openLevel * mirror;
}

/**
 * Splits long-path group gi of p where a weaker signal beside a tracked signal's band [bandLo, bandHi] (bins of p) is
 * joined to that signal's skirt. Seconds of averaging hold a strong signal's skirt above the release level far enough
 * out to bridge the gap to a weak link beside it, and the run then reads as one group of the strong signal (measured:
 * a −10 dB link 30 kHz from a 40 dB link with phase noise joined its skirt in one long-path frame of three, and its
 * detection split into seven). A skirt falls away from its signal: on each side of the band, where the group's kernel
 * means ({@link kernelMeanOverLevel}), walking away from the band, first stand `openLevel` times the lowest one before
 * them (the valley rule of {@link standsApartFromSkirt}), the part from where they have climbed halfway from that low
 * to the highest of the run at that level, out to the group's end, becomes a group of its own (appended at index
 * `groups` while MAX_GROUPS allows) and gi keeps the rest, or with `toValley` only its bins up to the lowest point (a
 * short path's group hits its track, whose steady extent must not take the split part's rising edge). Whether a split
 * part is a signal is then decided as for any group. Allocation-free.
 * @returns the number of groups after the split
 */
export function splitBesideBand(
  p: PathSpectrum & GroupedPath, power: Float32Array, level: Float32Array, half: number, openLevel: number,
  gi: number, groups: number, bandLo: number, bandHi: number, toValley = false,
): number {
  if (!(openLevel > 1 && openLevel < Infinity)) return groups;
  let lo = p.gMatchLo[gi];
  let hi = p.gMatchHi[gi];
  let split = false;
  const u0 = Math.max(bandHi + 1, lo);
  if (groups < MAX_GROUPS && hi > u0) {
    const a = climbStart(p, level, half, openLevel, u0, hi, 1);
    if (a > lo) {
      fillGroup(p, power, a, hi, groups++);
      hi = toValley ? Math.max(lo, climbValley[0]) : a - 1;
      while (p.hot[hi] === 0) hi--;
      split = true;
    }
  }
  const l0 = Math.min(bandLo - 1, hi);
  if (groups < MAX_GROUPS && lo < l0) {
    const z = climbStart(p, level, half, openLevel, l0, lo, -1);
    if (z >= 0 && z < hi) {
      fillGroup(p, power, lo, z, groups++);
      lo = toValley ? Math.min(hi, climbValley[0]) : z + 1;
      while (p.hot[lo] === 0) lo++;
      split = true;
    }
  }
  if (split) fillGroup(p, power, lo, hi, gi);
  return groups;
}

/**
 * Walking bins from `from` to `to` (step `dir`, ±1) away from a band: where a kernel mean first stands `openLevel` times
 * the lowest one before it (v), the first hot bin past v from where the means have climbed halfway from v's to the
 * highest of the run that stays at that level; else −1. Kernel means as {@link kernelMeanOverLevel}. Allocation-free.
 */
/** The valley bin v of the last {@link climbStart} that found a climb. */
const climbValley = new Int32Array(1);

function climbStart(p: PathSpectrum & Pick<PathState, 'hot'>, level: Float32Array, half: number, openLevel: number, from: number, to: number, dir: 1 | -1): number {
  const stop = to + dir;
  let low = Infinity;
  let v = from;
  let j = from;
  for (; j !== stop; j += dir) {
    const m = kernelMeanOverLevel(p, level, half, j);
    if (!Number.isFinite(m)) continue;
    if (m < low) {
      low = m;
      v = j;
    } else if (m >= low * openLevel) break;
  }
  if (j === stop) return -1;
  let high = low;
  for (let k = j; k !== stop; k += dir) {
    const m = kernelMeanOverLevel(p, level, half, k);
    if (!Number.isFinite(m)) continue;
    if (m < low * openLevel) break;
    if (m > high) high = m;
  }
  const mid = (low + high) / 2;
  climbValley[0] = v;
  let a = v + dir;
  while (a !== stop && !(kernelMeanOverLevel(p, level, half, a) >= mid)) a += dir;
  while (a !== stop && p.hot[a] === 0) a += dir;
  return a === stop ? -1 : a;
}

/**
 * Whether group gi of p over [lo, hi] (fine bins) lies at the mirror frequency of a signal of `table` tracked now or
 * since `since` (samples) that is at least `imageDb` stronger than it: a link's IQ image stands in long averages too
 * (the group's excess over the noise, rise − 1, in dB against the signal's peak excess). Beside an open track, the long
 * path (`longLevel`, the slow path's noise level, given) compares levels bin by bin, as an image is made: the mean of
 * 2·`longHalf` + 1 bins at the mirror of the group's largest one must stand `imageDb` over it (excess over the noise,
 * linear; {@link mirrorHoldsImage}). A track's extent spans its skirt, and a weak link at the mirror of a strong one's
 * skirt, far from the strong one's own mirror, read as its image. False when `imageDb` is not positive.
 */
export function isImage(
  table: TrackTable, p: PathState, gi: number, lo: number, hi: number, since: number, gapFine: number, imageDb: number,
  longLevel?: Float32Array, longHalf = 1,
): boolean {
  if (!(imageDb > 0)) return false;
  const n = p.n * p.scale;
  const need = 10 * Math.log10(Math.max(1e-12, p.gPeakRatio[gi] - 1)) + imageDb;
  if (table.explainedByRecent(n - hi, n - lo, since, gapFine, true, need)) return true;
  const t = table.find(n - hi, n - lo, gapFine);
  if (t === null) return false;
  if (longLevel === undefined) return t.peakExcessDb >= need;
  return mirrorHoldsImage(p, longLevel, longHalf, Math.floor(lo / p.scale), Math.floor(hi / p.scale), imageDb);
}
