// Hot bins → groups: runs of hot bins bridging small gaps, with their extents and peaks (docs/detector.md §4).
import { MAX_GROUPS, type PathState } from './path-state.js';

/**
 * Groups the hot bins of p (p.hot and p.stat filled for this frame) into p's group arrays, bridging gaps of at most
 * p.gapBins bins (guard bins do not count as gap); at most MAX_GROUPS groups. Per group: gMatchLo/gMatchHi the whole
 * hot run (bins of p), gLo/gHi its occupied extent, gNarrow whether it has narrow-kernel hot bins, gOpen whether it
 * has an open-level bin, gPeakRatio its largest stat/level (linear; bins with an infinite level left out) and
 * gPeakPower its largest bin of `power` (linear). A group's occupied extent is that of its narrow-kernel bins; a group
 * seen only through the wide kernel is shrunk by the kernel's half width (a boxcar of width 2h+1 widens a band by h on
 * each side), so wide smearing never makes tracks swallow their neighbours. Allocation-free.
 * @returns the number of groups.
 */
export function formGroups(p: PathState, power: Float32Array): number {
  const n = p.n;
  const hot = p.hot;
  const guard = p.guard;
  const gap = p.gapBins;
  let groups = 0;
  let b = 0;
  while (b < n && groups < MAX_GROUPS) {
    if (hot[b] === 0) {
      b++;
      continue;
    }
    let hi = b;
    let miss = 0;
    for (let j = b; j < n; j++) {
      if (hot[j] > 0) {
        hi = j;
        miss = 0;
      } else if (guard[j] === 0) {
        miss++;
        if (miss > gap) break;
      }
    }
    fillGroup(p, power, b, hi, groups);
    groups++;
    b = hi + 1;
  }
  return groups;
}

/**
 * What {@link fillGroup} reads and writes of a path: its frame's statistic and hot bins, its level (linear), the wide
 * kernel's half width (bins) and the group slots.
 */
export type GroupedPath = Pick<PathState, 'stat' | 'hot' | 'gLo' | 'gHi' | 'gMatchLo' | 'gMatchHi' | 'gNarrow' | 'gOpen' | 'gPeakRatio' | 'gPeakPower'> & {
  readonly th: Pick<PathState['th'], 'levelLin'>;
  readonly wide: Pick<PathState['wide'], 'half'>;
};

/**
 * Fills group slot g of p from the hot bins over [lo, hi] (bins of p, lo and hi hot): the extents, flags and peaks
 * {@link formGroups} describes. Allocation-free.
 */
export function fillGroup(p: GroupedPath, power: Float32Array, lo: number, hi: number, g: number): void {
  const stat = p.stat;
  const hot = p.hot;
  const levelLin = p.th.levelLin;
  const wh = p.wide.half;
  let nLo = -1;
  let nHi = -1;
  let open = 0;
  let peakRatio = 0;
  let peakPower = 0;
  for (let j = lo; j <= hi; j++) {
    const h = hot[j];
    if (h === 0) continue;
    if ((h & 3) === 2) open = 1;
    if (h & 4) {
      if (nLo < 0) nLo = j;
      nHi = j;
    }
    const l = levelLin[j];
    if (l !== Infinity) {
      const r = stat[j] / l;
      if (r > peakRatio) peakRatio = r;
    }
    if (power[j] > peakPower) peakPower = power[j];
  }
  let eLo = nLo;
  let eHi = nHi;
  if (nLo < 0) {
    eLo = lo + wh;
    eHi = hi - wh;
    if (eLo > eHi) eLo = eHi = (lo + hi) >> 1;
  }
  p.gLo[g] = eLo;
  p.gHi[g] = eHi;
  p.gMatchLo[g] = lo;
  p.gMatchHi[g] = hi;
  p.gNarrow[g] = nLo < 0 ? 0 : 1;
  p.gOpen[g] = open;
  p.gPeakRatio[g] = peakRatio;
  p.gPeakPower[g] = peakPower;
}
