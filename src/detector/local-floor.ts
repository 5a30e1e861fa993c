// The long path's local floor (docs/detector.md §10): an order-statistic CFAR's reference windows beside each kernel,
// so a gain tilt across the band lifts a kernel's reference with it.
import { quickMedian } from '../dsp/select.js';
import { HANN_BIN_VARIANCE_FACTOR, openLevel, releaseLevel } from './long-stats.js';

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
  /** The floor per bin (1: the band's own). Shared with the LocalFloor given to the constructor, if any. */
  readonly floor: Float64Array;
  /** The standard error of each bin's local floor (0 where the band's floor stands). Shared like `floor`. */
  readonly error: Float64Array;
  readonly open: Float64Array;
  readonly release: Float64Array;
  private readonly values: Float64Array;
  /** True when `floor` and `error` are another LocalFloor's (see the constructor's `share`). */
  private readonly shared: boolean;

  /**
   * @param share a LocalFloor of another kernel of the same bank with the same reference geometry (`n`, `half`): the
   *   medians depend only on that geometry and the r/g values, so this one reads them from it when it measured the same
   *   test first, and keeps only its own levels
   */
  constructor(private readonly n: number, private readonly half: number, share?: LocalFloor) {
    if (share !== undefined && (share.n !== n || share.half !== half)) throw new RangeError('LocalFloor: a shared floor needs the same bins and reference windows');
    this.floor = share?.floor ?? new Float64Array(n);
    this.error = share?.error ?? new Float64Array(n);
    this.shared = share !== undefined;
    this.open = new Float64Array(n);
    this.release = new Float64Array(n);
    this.values = share?.values ?? new Float64Array(2 * LOCAL_FLOOR_REACH_KERNELS * (2 * half + 1) + 2);
  }

  /**
   * Measures the local floors of one full test (with `sameTest`, a LocalFloor that shares another's medians reads them:
   * that one measured this very test first). For every bin, at a stride of a quarter kernel (the reference windows
   * move by little between), the median of `unit` (r/g of the clean noise bins, NaN elsewhere) over the two reference
   * windows beside its kernel: it becomes the bin's floor only where it stands {@link LOCAL_FLOOR_SIGNIFICANCE} of its
   * standard errors over 1 (the band's floor), and then the open and release levels ({@link openLevel},
   * {@link releaseLevel} at `openSigma`, `releaseSigma`) allow for that error: a median of m values of spread s has a
   * standard error of 1.2533·s/√m, and the values are bins whose powers correlate (Hann, HANN_BIN_VARIANCE_FACTOR), so m
   * counts as m/F; it adds to the kernel mean's spread `sigma` in quadrature. Elsewhere, and where fewer than one
   * kernel's worth of reference values lie in the band, the floor is 1 and the levels are the band's.
   * @param sigmaBin one bin's spread of r/g (the band's MAD)
   * @param sigma the kernel mean's spread; `levelErr` its learned level's error; `minExcess` the shape allowance
   */
  measure(
    unit: Float64Array, sigmaBin: number, sigma: number, levelErr: number, minExcess: number, openSigma: number, releaseSigma: number, sameTest: boolean,
  ): void {
    if (!(this.shared && sameTest)) this.medians(unit, sigmaBin);
    const error = this.error;
    const lo = this.open;
    const lr = this.release;
    const open0 = openLevel(sigma, openSigma, minExcess, levelErr);
    const release0 = releaseLevel(sigma, releaseSigma, minExcess, levelErr);
    let err = -1;
    let open = open0;
    let release = release0;
    for (let b = 0; b < this.n; b++) {
      // the errors change only at the medians' stride
      if (error[b] !== err) {
        err = error[b];
        if (err === 0) {
          open = open0;
          release = release0;
        } else {
          const s = Math.sqrt(sigma * sigma + err * err);
          open = openLevel(s, openSigma, minExcess, levelErr);
          release = releaseLevel(s, releaseSigma, minExcess, levelErr);
        }
      }
      lo[b] = open;
      lr[b] = release;
    }
  }

  /** The medians and their errors of {@link measure} (floor 1 and error 0 where the band's floor stands). */
  private medians(unit: Float64Array, sigmaBin: number): void {
    const n = this.n;
    const h = this.half;
    const c = 2 * h + 1;
    const inner = h + LOCAL_FLOOR_GUARD_HALVES * h;
    const reach = LOCAL_FLOOR_REACH_KERNELS * c;
    const stride = Math.max(1, Math.floor(h / 2));
    const values = this.values;
    const loc = this.floor;
    const error = this.error;
    let med = 1;
    let err = 0;
    for (let b = 0; b < n; b++) {
      if (b % stride === 0) {
        let m = 0;
        for (let j = Math.max(0, b - inner - reach); j < b - inner; j++) if (!Number.isNaN(unit[j])) values[m++] = unit[j];
        for (let j = b + inner + 1; j <= Math.min(n - 1, b + inner + reach); j++) if (!Number.isNaN(unit[j])) values[m++] = unit[j];
        med = 1;
        err = 0;
        if (m >= c) {
          const e = (1.2533 * sigmaBin * Math.sqrt(HANN_BIN_VARIANCE_FACTOR)) / Math.sqrt(m);
          const v = quickMedian(values, m);
          // over the band's floor within the median's own error: the band's floor and levels stand
          if (v > 1 + LOCAL_FLOOR_SIGNIFICANCE * e) {
            med = v;
            err = e;
          }
        }
      }
      loc[b] = med;
      error[b] = err;
    }
  }
}
