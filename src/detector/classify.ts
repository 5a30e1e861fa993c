// Which bins of a frame are hot: both kernels' statistics against a path's open, release and wide-open thresholds
// (docs/detector.md §3), in one pass over the frame's prefix sum.
import { prefixSum, smoothedAt } from '../spectrum/statistic.js';
import type { PathState } from './path-state.js';

/**
 * stat[b] for the interior bins [hW, n − hW) from a prefix sum `pre` (length n + 1): the narrow kernel's mean over
 * 2·hN + 1 bins, clamped at 0 (the same expression as FrequencySmoother and statistic.ts smoothedAt).
 */
function smoothInterior(pre: Float64Array, n: number, hN: number, hW: number, stat: Float32Array): void {
  const invN = 1 / (2 * hN + 1);
  for (let b = hW; b < n - hW; b++) {
    const xn = (pre[b + hN + 1] - pre[b - hN]) * invN;
    stat[b] = xn > 0 ? xn : 0;
  }
}

/**
 * A bin's hot code from its narrow (`v`) and wide (`w`) statistics (linear power, as stored: float32) and its
 * thresholds (linear): low 2 bits the level (2 = over `open` or the wide kernel over `wideOpen`, 1 = over `release`),
 * bit 2 set when the narrow kernel alone is over `release`.
 */
export function hotCode(v: number, w: number, open: number, release: number, wideOpen: number): number {
  const hn = v > open ? 2 : v > release ? 1 : 0;
  const hw = w > wideOpen ? 2 : 0;
  return (hn > hw ? hn : hw) | (hn > 0 ? 4 : 0);
}

/**
 * Computes both kernels' statistics of a frame's `power` (linear, p.n bins) and the hot code of every bin into p.hot
 * (see {@link hotCode}), in one pass over a prefix sum of the frame: `prefix` (length p.n + 1, the engine's) when
 * given, else p.prefix. The narrow statistic is stored in p.stat only when some bin is hot (the edge bins always). The
 * wide kernel only ever opens (no release level): its many-bin average would let noise continue a track. With
 * `useNative` and an engine prefix, the native classifier bound to it does the same work (PathState.nativeOver).
 * Allocation-free.
 * @returns the OR of all hot codes (0 when no bin is hot).
 */
export function classifyFrame(p: PathState, power: Float32Array, prefix: Float64Array | undefined, useNative: boolean): number {
  const n = p.n;
  const stat = p.stat;
  const wide = p.statWide;
  const hot = p.hot;
  const openLin = p.th.openLin;
  const releaseLin = p.th.releaseLin;
  const wOpen = p.thWide.openLin;
  const hN = p.narrow.half;
  const hW = p.wide.half;
  let any = 0;
  if (!p.usualKernels) {
    // unusual kernels (a 1-bin kernel copies the power): the general smoother, then the classification
    p.narrow.applyPair(power, stat, p.wide, wide);
    for (let b = 0; b < n; b++) any |= hot[b] = hotCode(stat[b], wide[b], openLin[b], releaseLin[b], wOpen[b]);
    return any;
  }
  if (prefix !== undefined && prefix.length === n + 1 && useNative) {
    const native = p.nativeOver(prefix);
    if (native !== null) return native.run();
  }
  // the engine's prefix sum when it made one (the same values), else our own
  let pre = prefix;
  if (pre === undefined || pre.length !== n + 1) {
    pre = p.prefix;
    prefixSum(power, n, pre);
  }
  const edge = hW < n ? hW : n;
  // edge bins (the wide kernel, and maybe the narrow one, runs off the band)
  for (let b = 0; b < edge; b++) {
    const v = (stat[b] = smoothedAt(pre, n, hN, b));
    const w = (wide[b] = smoothedAt(pre, n, hW, b));
    any |= hot[b] = hotCode(Math.fround(v), Math.fround(w), openLin[b], releaseLin[b], wOpen[b]);
  }
  // interior: both kernels whole; the same expressions as statistic.ts smoothedAt (· 1/(2h+1), clamp, float32
  // value). Most bins are below both the release and the wide open level: two compares, and the statistics are not
  // stored (the narrow one is recomputed below for frames that have hot bins)
  const invN = 1 / (2 * hN + 1);
  const invW = 1 / (2 * hW + 1);
  for (let b = hW; b < n - hW; b++) {
    const xn = (pre[b + hN + 1] - pre[b - hN]) * invN;
    const xw = (pre[b + hW + 1] - pre[b - hW]) * invW;
    const v = Math.fround(xn > 0 ? xn : 0);
    const w = Math.fround(xw > 0 ? xw : 0);
    if (v > releaseLin[b] || w > wOpen[b]) {
      const x = hotCode(v, w, openLin[b], releaseLin[b], wOpen[b]);
      hot[b] = x;
      any |= x;
    } else {
      hot[b] = 0;
    }
  }
  for (let b = Math.max(edge, n - hW); b < n; b++) {
    const v = (stat[b] = smoothedAt(pre, n, hN, b));
    const w = (wide[b] = smoothedAt(pre, n, hW, b));
    any |= hot[b] = hotCode(Math.fround(v), Math.fround(w), openLin[b], releaseLin[b], wOpen[b]);
  }
  if (any !== 0) smoothInterior(pre, n, hN, hW, stat);
  return any;
}
