/** Numeric summaries computed the way numpy does, so medians and percentiles agree with PM4Py. */

export interface Summary {
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
}

/**
 * Mean, median, 90th percentile, min, max and sum. Percentiles come from counting the distinct values when there are
 * few (durations between dates without times repeat a few dozen values over hundreds of thousands of pairs), else
 * from quickselect (linear time, not a full sort), which reorders `values` in place. `tryCounting` false: select
 * straight away (a caller that already found the values too varied to count).
 */
export function summarise(values: Float64Array, tryCounting = true): Summary {
  const n = values.length;
  if (n === 0) return { mean: 0, median: 0, p90: 0, min: 0, max: 0, sum: 0 };
  const counted = tryCounting && n >= COUNT_FROM ? new ValueCounts(DISTINCT_LIMIT) : undefined;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    sum += v;
    // The order of a sorted Float64Array, where -0 comes before 0: the result does not depend on which came first.
    if (v < min || (v === 0 && min === 0 && Object.is(v, -0))) min = v;
    if (v > max || (v === 0 && max === 0 && Object.is(max, -0))) max = v;
    if (counted?.ok) counted.add(0, v);
  }
  if (counted?.ok) {
    const q = counted.quantiles(1, Int32Array.of(n));
    return { mean: sum / n, median: q.median[0] as number, p90: q.p90[0] as number, min, max, sum };
  }
  const median = percentileFrom(values, 50, 0);
  // Selecting the median left every value from its upper rank on ≥ every value before: the 90th percentile is found
  // among those alone (half the work), when its lower rank is among them.
  const upper = Math.ceil((n - 1) / 2);
  const p90 = percentileFrom(values, 90, upper <= Math.floor(((n - 1) * 90) / 100) ? upper : 0);
  return { mean: sum / n, median, p90, min, max, sum };
}

/** How many distinct values {@link summarise} counts before it selects instead. */
export const DISTINCT_LIMIT = 1024;
/** Fewer values than this are selected: counting them would not pay. */
const COUNT_FROM = 512;

const bits = new Float64Array(1);
const words = new Int32Array(bits.buffer);

/**
 * How often each value occurs, per group (a DFG edge), in a small open-addressing table: exact percentiles from a
 * walk over the sorted distinct values. `ok` turns false, for good, at a NaN, a -0 (whose order against 0 a count
 * cannot keep) or once there are more than `limit` distinct (group, value) pairs (a ratio of distinct values seen so
 * far is no guide: the CSV's DFG has 256 distinct pairs among its first 382 durations and 679 among all 423,205);
 * the caller then selects instead.
 */
export class ValueCounts {
  ok = true;
  size = 0;
  private mask = 255;
  private group = new Int32Array(256).fill(-1);
  private value = new Float64Array(256);
  private count = new Int32Array(256);
  /** Slots in use, in order of first use. */
  private used = new Int32Array(128);

  constructor(private readonly limit: number) {}

  add(g: number, v: number): void {
    if (v !== v || (v === 0 && 1 / v < 0)) {
      this.ok = false;
      return;
    }
    let slot = this.slotOf(g, v);
    for (;;) {
      const at = this.group[slot] as number;
      if (at < 0) break;
      if (at === g && this.value[slot] === v) {
        this.count[slot]!++;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.size === this.limit) {
      this.ok = false;
      return;
    }
    if (this.size === this.used.length) {
      this.grow();
      slot = this.slotOf(g, v);
      while ((this.group[slot] as number) >= 0) slot = (slot + 1) & this.mask;
    }
    this.group[slot] = g;
    this.value[slot] = v;
    this.count[slot] = 1;
    this.used[this.size++] = slot;
  }

  private slotOf(g: number, v: number): number {
    bits[0] = v;
    return (Math.imul((words[0] as number) ^ Math.imul(words[1] as number, 0x9e3779b1) ^ Math.imul(g + 1, 0x85ebca6b), 0x27d4eb2d) >>> 17) & this.mask;
  }

  /** Twice the slots, at half full: the table starts small, since most arrays summarised are. */
  private grow(): void {
    const { group, value, count, used } = this;
    const slots = group.length * 2;
    this.mask = slots - 1;
    this.group = new Int32Array(slots).fill(-1);
    this.value = new Float64Array(slots);
    this.count = new Int32Array(slots);
    this.used = new Int32Array(used.length * 2);
    for (let k = 0; k < this.size; k++) {
      const from = used[k] as number;
      const g = group[from] as number;
      const v = value[from] as number;
      let slot = this.slotOf(g, v);
      while ((this.group[slot] as number) >= 0) slot = (slot + 1) & this.mask;
      this.group[slot] = g;
      this.value[slot] = v;
      this.count[slot] = count[from] as number;
      this.used[k] = slot;
    }
  }

  /**
   * numpy's median and 90th percentile of each group g < groups, which holds sizes[g] values: each group's distinct
   * values in ascending order, walked by their counts to the two ranks either side of each percentile.
   */
  quantiles(groups: number, sizes: Int32Array): { median: Float64Array; p90: Float64Array } {
    const median = new Float64Array(groups);
    const p90 = new Float64Array(groups);
    const offsets = new Int32Array(groups + 1);
    for (let k = 0; k < this.size; k++) offsets[(this.group[this.used[k] as number] as number) + 1]!++;
    for (let g = 0; g < groups; g++) offsets[g + 1]! += offsets[g] as number;
    const fill = offsets.slice(0, groups);
    const order = new Int32Array(this.size);
    for (let k = 0; k < this.size; k++) {
      const slot = this.used[k] as number;
      order[fill[this.group[slot] as number]!++] = slot;
    }
    const value = this.value;
    for (let g = 0; g < groups; g++) {
      const from = offsets[g] as number;
      const to = offsets[g + 1] as number;
      const slots = Array.from(order.subarray(from, to));
      slots.sort((a, b) => (value[a] as number) - (value[b] as number));
      const n = sizes[g] as number;
      median[g] = this.percentileOf(slots, n, 50);
      p90[g] = this.percentileOf(slots, n, 90);
    }
    return { median, p90 };
  }

  /** The value at each rank around q in a group of n values whose distinct values (ascending) are in `slots`. */
  private percentileOf(slots: readonly number[], n: number, q: number): number {
    if (n === 0) return 0;
    const rank = ((n - 1) * q) / 100;
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    let a = NaN;
    let seen = 0;
    for (const slot of slots) {
      seen += this.count[slot] as number;
      const v = this.value[slot] as number;
      if (Number.isNaN(a) && lo < seen) a = v;
      if (hi < seen) return lo === hi ? v : a + (v - a) * (rank - lo);
    }
    return 0;
  }
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
