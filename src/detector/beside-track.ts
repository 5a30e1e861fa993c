// The long path beside a tracked signal (docs/detector.md §10): whether a weak group there is that signal's skirt or
// image, read from the long path's own average rather than from the track's extent, which grows with its skirt.
import type { PathState } from './path-state.js';

/**
 * The mean of p's per-bin statistic over `level` (the slow path's noise level, linear) in the kernel of 2·half + 1
 * bins round bin b; bins without a finite positive level are left out. Infinity when fewer than half + 1 bins count.
 */
export function kernelMeanOverLevel(p: PathState, level: Float32Array, half: number, b: number): number {
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
 * Whether a long-path group over bins [glo, ghi] of p stands apart from the skirt of a signal whose reported band is
 * [olo, ohi] (bins of p). Seconds of averaging show a strong signal's skirt (reciprocal mixing, a transmitter's phase
 * noise, modulation sidebands) tens of kHz past the band the short paths see. A skirt falls away from its signal (phase
 * noise as 1/f², Leeson 1966), so the group is apart when it lies more than one occupied bandwidth plus the gap bridge
 * past the band (the modulation's own sidebands, as the dominance rule's skirt), and its largest kernel mean stands
 * `openLevel` (the kernel's open level over the floor, linear) over the smallest kernel mean between it and the band:
 * that lowest point, like a CFAR's reference cells, is at least the skirt's level at the group. Kernel means as
 * {@link kernelMeanOverLevel}. Allocation-free.
 */
export function standsApartFromSkirt(
  p: PathState, level: Float32Array, half: number, glo: number, ghi: number, olo: number, ohi: number, openLevel: number,
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
  let peak = 0;
  for (let b = glo; b <= ghi; b++) {
    const m = kernelMeanOverLevel(p, level, half, b);
    if (m > peak && Number.isFinite(m)) peak = m;
  }
  return Number.isFinite(valley) && valley > 0 && peak >= valley * openLevel;
}

/**
 * Whether the long-path group over bins [glo, ghi] of p can be an IQ image, compared where an image is made: the kernel
 * mean at the mirror (bin n − b) of the group's largest one stands `imageRejectionDb` over it, both as excess over the
 * noise (mean − 1, linear). Kernel means as {@link kernelMeanOverLevel}. Allocation-free.
 */
export function mirrorHoldsImage(p: PathState, level: Float32Array, half: number, glo: number, ghi: number, imageRejectionDb: number): boolean {
  let peak = -Infinity;
  let at = -1;
  for (let b = glo; b <= ghi; b++) {
    const m = kernelMeanOverLevel(p, level, half, b);
    if (m > peak && Number.isFinite(m)) {
      peak = m;
      at = b;
    }
  }
  if (at < 0) return false;
  const mirror = kernelMeanOverLevel(p, level, half, p.n - at);
  return Number.isFinite(mirror) && mirror - 1 >= (peak - 1) * 10 ** (imageRejectionDb / 10);
}
