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
  const stat = p.stat;
  const hot = p.hot;
  const guard = p.guard;
  const levelLin = p.th.levelLin;
  const gap = p.gapBins;
  const wh = p.wide.half;
  let groups = 0;
  let b = 0;
  while (b < n && groups < MAX_GROUPS) {
    if (hot[b] === 0) {
      b++;
      continue;
    }
    const lo = b;
    let hi = b;
    let nLo = -1;
    let nHi = -1;
    let open = 0;
    let peakRatio = 0;
    let peakPower = 0;
    let miss = 0;
    for (let j = b; j < n; j++) {
      const h = hot[j];
      if (h > 0) {
        hi = j;
        miss = 0;
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
      } else if (guard[j] === 0) {
        miss++;
        if (miss > gap) break;
      }
    }
    let eLo = nLo;
    let eHi = nHi;
    if (nLo < 0) {
      eLo = lo + wh;
      eHi = hi - wh;
      if (eLo > eHi) eLo = eHi = (lo + hi) >> 1;
    }
    p.gLo[groups] = eLo;
    p.gHi[groups] = eHi;
    p.gMatchLo[groups] = lo;
    p.gMatchHi[groups] = hi;
    p.gNarrow[groups] = nLo < 0 ? 0 : 1;
    p.gOpen[groups] = open;
    p.gPeakRatio[groups] = peakRatio;
    p.gPeakPower[groups] = peakPower;
    groups++;
    b = hi + 1;
  }
  return groups;
}
