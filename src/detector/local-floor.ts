// The long path's local floor (docs/detector.md §10): an order-statistic CFAR's reference windows beside each kernel,
// so a gain tilt across the band lifts a kernel's reference with it.
import { quickMedian } from '../dsp/select.js';
import { gammaTailLevel, HANN_BIN_VARIANCE_FACTOR } from './long-stats.js';

/**
 * The local floor (LongPathOptions.localFloor) of a kernel is measured on the clean noise bins from this many kernel
 * half widths beyond the kernel's edge (a guard: a link's skirts, a drifting link's last position) ...
 */
export const LOCAL_FLOOR_GUARD_HALVES = 1;
/** ... out to this many kernel widths further, on each side (a CFAR's reference cells). */
export const LOCAL_FLOOR_REACH_KERNELS = 6;
/**
 * A local floor replaces the band's only when it stands this many of its own standard errors over it: on a flat band
 * the kernel then keeps the band's floor, whose error is far smaller, and its levels.
 */
export const LOCAL_FLOOR_SIGNIFICANCE = 3;

/**
 * Per bin of a LongPath's band (n bins, kernel half width `half`), at its last full test: the floor a kernel mean is
 * divided by (1: the band's own) and the open and release levels it is tested at. Allocation-free after construction.
 */
export class LocalFloor {
  readonly floor: Float64Array;
  readonly open: Float64Array;
  readonly release: Float64Array;
  private readonly values: Float64Array;

  constructor(private readonly n: number, private readonly half: number) {
    this.floor = new Float64Array(n);
    this.open = new Float64Array(n);
    this.release = new Float64Array(n);
    this.values = new Float64Array(2 * LOCAL_FLOOR_REACH_KERNELS * (2 * half + 1) + 2);
  }

  /**
   * Measures the local floors of one full test. For every bin, at a stride of a quarter kernel (the reference windows
   * move by little between), the median of `unit` (r/g of the clean noise bins, NaN elsewhere) over the two reference
   * windows beside its kernel: it becomes the bin's floor only where it stands {@link LOCAL_FLOOR_SIGNIFICANCE} of its
   * standard errors over 1 (the band's floor), and then the open and release levels (Gamma tail at `openSigma` and
   * `releaseSigma`, never under 1 + floor and 1 + floor/2) allow for that error: a median of m values of spread s has a
   * standard error of 1.2533·s/√m, and the values are bins whose powers correlate (Hann, HANN_BIN_VARIANCE_FACTOR), so m
   * counts as m/F; it adds to the kernel mean's spread `sigma` in quadrature. Elsewhere, and where fewer than one
   * kernel's worth of reference values lie in the band, the floor is 1 and the levels are the band's.
   * @param sigmaBin one bin's spread of r/g (the band's MAD)
   */
  measure(unit: Float64Array, sigmaBin: number, sigma: number, floor: number, openSigma: number, releaseSigma: number): void {
    const n = this.n;
    const h = this.half;
    const c = 2 * h + 1;
    const inner = h + LOCAL_FLOOR_GUARD_HALVES * h;
    const reach = LOCAL_FLOOR_REACH_KERNELS * c;
    const stride = Math.max(1, Math.floor(h / 2));
    const values = this.values;
    const loc = this.floor;
    const lo = this.open;
    const lr = this.release;
    const open0 = Math.max(gammaTailLevel(sigma, openSigma), 1 + floor);
    const release0 = Math.max(gammaTailLevel(sigma, releaseSigma), 1 + floor / 2);
    let med = 1;
    let open = open0;
    let release = release0;
    for (let b = 0; b < n; b++) {
      if (b % stride === 0) {
        let m = 0;
        for (let j = Math.max(0, b - inner - reach); j < b - inner; j++) if (!Number.isNaN(unit[j])) values[m++] = unit[j];
        for (let j = b + inner + 1; j <= Math.min(n - 1, b + inner + reach); j++) if (!Number.isNaN(unit[j])) values[m++] = unit[j];
        if (m < c) {
          med = 1;
          open = open0;
          release = release0;
        } else {
          const err = (1.2533 * sigmaBin * Math.sqrt(HANN_BIN_VARIANCE_FACTOR)) / Math.sqrt(m);
          med = quickMedian(values, m);
          if (med <= 1 + LOCAL_FLOOR_SIGNIFICANCE * err) {
            // the surroundings are the band's floor within the median's own error: the band's floor and levels
            med = 1;
            open = open0;
            release = release0;
          } else {
            const s = Math.sqrt(sigma * sigma + err * err);
            open = Math.max(gammaTailLevel(s, openSigma), 1 + floor);
            release = Math.max(gammaTailLevel(s, releaseSigma), 1 + floor / 2);
          }
        }
      }
      loc[b] = med;
      lo[b] = open;
      lr[b] = release;
    }
  }
}
