// Order statistics on typed arrays without allocation.

/**
 * Median of a[0..len) by quickselect (reorders it). Hoare partition around the middle element; O(len) on average.
 */
export function quickMedian(a: Float32Array | Float64Array, len = a.length): number {
  const k = len >> 1;
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
