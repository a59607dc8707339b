/** Numeric summaries computed the way numpy does, so medians and percentiles agree with PM4Py. */

/**
 * Mean, median, 90th percentile, min, max and sum. Reorders `values` in place: percentiles come from quickselect
 * (linear time), not a full sort, because the DFG summarises every directly-follows pair of the log.
 */
export function summarise(values: Float64Array): { mean: number; median: number; p90: number; min: number; max: number; sum: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, median: 0, p90: 0, min: 0, max: 0, sum: 0 };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? 0;
    sum += v;
    // The order of a sorted Float64Array, where -0 comes before 0: the result does not depend on which came first.
    if (v < min || (v === 0 && min === 0 && Object.is(v, -0))) min = v;
    if (v > max || (v === 0 && max === 0 && Object.is(max, -0))) max = v;
  }
  const median = percentileFrom(values, 50, 0);
  // Selecting the median left every value from its upper rank on ≥ every value before: the 90th percentile is found
  // among those alone (half the work), when its lower rank is among them.
  const upper = Math.ceil((n - 1) / 2);
  const p90 = percentileFrom(values, 90, upper <= Math.floor(((n - 1) * 90) / 100) ? upper : 0);
  return { mean: sum / n, median, p90, min, max, sum };
}

/** numpy.percentile's default (linear interpolation between closest ranks), by selection; reorders `values`. */
export function percentile(values: Float64Array, q: number): number {
  return percentileFrom(values, q, 0);
}

/**
 * The percentile, looking only at values[from ..]: every value before `from` must be ≤ every value after it, and
 * `from` at most the percentile's lower rank.
 */
function percentileFrom(values: Float64Array, q: number, from: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const rank = ((n - 1) * q) / 100;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const b = select(values, hi, from);
  if (lo === hi) return b;
  // After selecting position hi, everything before it is ≤ it: position lo holds the largest of those.
  let a = -Infinity;
  for (let i = from; i < hi; i++) {
    const v = values[i] ?? 0;
    if (v > a) a = v;
  }
  return a + (b - a) * (rank - lo);
}

/**
 * Hoare's quickselect within values[from ..]: puts the k-th smallest value at index k (smaller before, larger after)
 * and returns it.
 */
function select(a: Float64Array, k: number, from: number): number {
  let left = from;
  let right = a.length - 1;
  while (right > left) {
    // Median of three as pivot keeps already sorted input (common: durations in log order) linear.
    const mid = (left + right) >> 1;
    const x = a[left] ?? 0;
    const y = a[mid] ?? 0;
    const z = a[right] ?? 0;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] ?? 0) < pivot) i++;
      while ((a[j] ?? 0) > pivot) j--;
      if (i <= j) {
        const t = a[i] ?? 0;
        a[i] = a[j] ?? 0;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k] ?? 0;
}

/** Python's default string ordering (by code point), which PM4Py's sorted() uses for ties. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

export function compareSequences(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
