// Order statistics on typed arrays without allocation.

/**
 * The k-th smallest (0-based) of a[0..len) by quickselect (Hoare partition around the middle element; O(len) on
 * average). Reorders `a` so that a[0..k) ≤ a[k] ≤ a(k..len). `k` must be in 0..len−1.
 */
export function quickSelect(a: Float32Array | Float64Array, k: number, len = a.length): number {
  let lo = 0;
  let hi = len - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/** Median of a[0..len) by quickselect (reorders it): the element of rank len/2 (the upper median for even len). */
export function quickMedian(a: Float32Array | Float64Array, len = a.length): number {
  return quickSelect(a, len >> 1, len);
}
