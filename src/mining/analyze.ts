/**
 * The analyses behind `govflow mine --json` and the HTTP layer: one pass per analysis over the columnar log, with
 * PM4Py's definitions (DFG pairs within a case in log order, performance = time between the two events, case
 * duration = last minus first timestamp).
 */
import { LIFECYCLE_START, type EventLog } from './event-log.js';
import { pm4pyKernel } from './pm4py-kernel.js';
import { compareCodePoints, compareSequences, DISTINCT_LIMIT, summarise, ValueCounts } from './stats.js';

export interface DfgEdge {
  readonly from: string;
  readonly to: string;
  readonly count: number;
  readonly meanSeconds: number;
  readonly medianSeconds: number;
  readonly p90Seconds: number;
}

export interface Bottleneck {
  readonly from: string;
  readonly to: string;
  readonly count: number;
  /** Total time spent between the two activities over all cases: what removing the wait would save. */
  readonly totalSeconds: number;
  readonly meanSeconds: number;
  readonly medianSeconds: number;
  readonly p90Seconds: number;
  /** Share of all waiting time in the log. */
  readonly share: number;
}

export interface ActivityStats {
  readonly activity: string;
  readonly events: number;
  readonly cases: number;
  /** Cases where the activity happens more than once. */
  readonly reworkCases: number;
  /** Executions beyond the first in a case. */
  readonly repetitions: number;
  /** Present only where start/complete pairs exist. */
  readonly serviceMeanSeconds?: number;
  readonly serviceMedianSeconds?: number;
  readonly waitingMeanSeconds?: number;
  readonly waitingMedianSeconds?: number;
}

export interface PingPong {
  readonly a: string;
  readonly b: string;
  /** Occurrences of a→b→a or b→a→b hand-backs. */
  readonly count: number;
  readonly cases: number;
}

export interface SlaReport {
  readonly basis: string;
  readonly casesChecked: number;
  readonly breached: number;
  readonly breachRate: number;
  readonly worst: readonly { caseId: string; overSeconds: number }[];
}

export interface MiningSummary {
  readonly cases: number;
  readonly events: number;
  readonly activities: number;
  readonly variants: number;
  readonly topVariants: readonly { activities: readonly string[]; count: number }[];
  readonly startActivities: Record<string, number>;
  readonly endActivities: Record<string, number>;
  readonly dfg: readonly DfgEdge[];
  readonly caseDuration: { meanSeconds: number; medianSeconds: number; p90Seconds: number; minSeconds: number; maxSeconds: number };
  readonly bottlenecks: readonly Bottleneck[];
  readonly activityStats: readonly ActivityStats[];
  readonly rework: { readonly cases: number; readonly share: number };
  readonly pingPong: { readonly resources: readonly PingPong[]; readonly groups: readonly PingPong[] };
  readonly sla?: SlaReport;
  readonly skipped: { readonly events: number; readonly traces: number; readonly reasons: readonly string[] };
}

export interface AnalyzeOptions {
  /** How many variants to list (default 10). */
  readonly topVariants?: number;
  /** How many bottlenecks to list (default 10). */
  readonly bottlenecks?: number;
  /** Case attribute holding the deadline (a date); default `deadline` when the log has it. */
  readonly slaAttribute?: string;
  /** A service level in seconds: cases that take longer breach it. */
  readonly slaSeconds?: number;
}

const SECOND = 1000;

/** Variants keyed by the activity-id sequence; value = [count, first case index]. */
export function variantTable(log: EventLog): Map<string, { count: number; firstCase: number }> {
  const table = new Map<string, { count: number; firstCase: number }>();
  const cases = log.caseStart.length - 1;
  const parts: number[] = [];
  for (let c = 0; c < cases; c++) {
    const from = log.caseStart[c] ?? 0;
    const to = log.caseStart[c + 1] ?? 0;
    parts.length = 0;
    for (let i = from; i < to; i++) parts.push(log.activity[i] ?? 0);
    // Activity ids as UTF-16 code units make a compact, collision-free key when there are < 65,536 activities.
    const key = log.activityNames.length < 0xffff ? String.fromCharCode(...parts) : parts.join(',');
    const entry = table.get(key);
    if (entry) entry.count++;
    else table.set(key, { count: 1, firstCase: c });
  }
  return table;
}

export function caseActivities(log: EventLog, c: number): string[] {
  const out: string[] = [];
  for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) out.push(log.activityNames[log.activity[i] ?? 0] ?? '');
  return out;
}

/** Whether cases a and b have the same activity sequence. */
function sameSequence(log: EventLog, a: number, b: number): boolean {
  const { caseStart, activity } = log;
  const fromA = caseStart[a] ?? 0;
  const fromB = caseStart[b] ?? 0;
  const length = (caseStart[a + 1] ?? 0) - fromA;
  if ((caseStart[b + 1] ?? 0) - fromB !== length) return false;
  for (let k = 0; k < length; k++) if (activity[fromA + k] !== activity[fromB + k]) return false;
  return true;
}

/**
 * Variant counts, each with its first case: cases are grouped by a hash of their activity ids and compared with the
 * first case of the group, so no key string is built per case (the string keys of {@link variantTable} were most of
 * the variants' time on a 138,000-case log).
 */
function variantCounts(log: EventLog): { count: number; firstCase: number }[] {
  const byHash = new Map<number, number[]>();
  const found: { count: number; firstCase: number }[] = [];
  const { caseStart, activity } = log;
  for (let c = 0; c < log.caseStart.length - 1; c++) {
    const from = caseStart[c] ?? 0;
    const to = caseStart[c + 1] ?? 0;
    let h = Math.imul(0x811c9dc5 ^ (to - from), 0x01000193);
    for (let i = from; i < to; i++) h = Math.imul(h ^ (activity[i] ?? 0), 0x01000193);
    // 30 bits keep the key a small integer, which a Map looks up without boxing it.
    h &= 0x3fffffff;
    const group = byHash.get(h);
    let v = -1;
    if (group) {
      for (const candidate of group) {
        if (sameSequence(log, found[candidate]!.firstCase, c)) {
          v = candidate;
          break;
        }
      }
    }
    if (v >= 0) found[v]!.count++;
    else {
      if (group) group.push(found.length);
      else byHash.set(h, [found.length]);
      found.push({ count: 1, firstCase: c });
    }
  }
  return found;
}

/** All variants, most frequent first; ties by activity sequence (Python's tuple order), as PM4Py lists them. */
export function variants(log: EventLog): { activities: string[]; count: number; cases: number[] }[] {
  return variantList(log, variantCounts(log));
}

function variantList(log: EventLog, counts: readonly { count: number; firstCase: number }[]): { activities: string[]; count: number; cases: number[] }[] {
  const list = counts.map((v) => ({ activities: caseActivities(log, v.firstCase), count: v.count, cases: [] as number[] }));
  list.sort((a, b) => b.count - a.count || compareSequences(a.activities, b.activities));
  return list;
}

function sortedRecord(counts: Int32Array, names: readonly string[]): Record<string, number> {
  const ids: number[] = [];
  for (let i = 0; i < counts.length; i++) if ((counts[i] ?? 0) > 0) ids.push(i);
  ids.sort((a, b) => compareCodePoints(names[a] ?? '', names[b] ?? ''));
  const out: Record<string, number> = {};
  for (const id of ids) out[names[id] ?? ''] = counts[id] ?? 0;
  return out;
}

export function startEndActivities(log: EventLog): { startActivities: Record<string, number>; endActivities: Record<string, number> } {
  const n = log.activityNames.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let c = 0; c < log.caseStart.length - 1; c++) {
    const from = log.caseStart[c] ?? 0;
    const to = log.caseStart[c + 1] ?? 0;
    if (to <= from) continue;
    starts[log.activity[from] ?? 0]!++;
    ends[log.activity[to - 1] ?? 0]!++;
  }
  return { startActivities: sortedRecord(starts, log.activityNames), endActivities: sortedRecord(ends, log.activityNames) };
}

/** The directly-follows graph with performance, sorted by (from, to). */
export function directlyFollows(log: EventLog): DfgEdge[] {
  const n = log.activityNames.length;
  const { activity, timestamp, caseStart } = log;
  const cases = caseStart.length - 1;
  const events = activity.length;
  // Pair → edge: a dense table when it is small (the usual case), a Map otherwise.
  const dense = n <= 2048 ? new Int32Array(n * n).fill(-1) : undefined;
  const edgeIndex = new Map<number, number>();
  const edgeKeys: number[] = [];
  let counts = new Int32Array(64);
  let sums = new Float64Array(64);
  // The durations counted by value as they come: with few distinct ones (dates without times) the percentiles need
  // no second pass, no array of every duration and no selection. Sums run in event order, as summarise's would.
  const counted = new ValueCounts(DISTINCT_LIMIT);
  // Each event's edge from its predecessor in the case (-1 for a case's first event), for the second pass when the
  // durations are too varied to count.
  const edgeOf = new Int32Array(events);
  for (let c = 0; c < cases; c++) {
    const from = caseStart[c] as number;
    const to = caseStart[c + 1] as number;
    if (from < to) edgeOf[from] = -1;
    let prev = (activity[from] as number) * n;
    for (let i = from + 1; i < to; i++) {
      const a = activity[i] as number;
      const key = prev + a;
      prev = a * n;
      let e = dense ? (dense[key] as number) : (edgeIndex.get(key) ?? -1);
      if (e < 0) {
        e = edgeKeys.length;
        if (dense) dense[key] = e;
        else edgeIndex.set(key, e);
        edgeKeys.push(key);
        if (e === counts.length) {
          const bigger = new Int32Array(e * 2);
          bigger.set(counts);
          counts = bigger;
          const more = new Float64Array(e * 2);
          more.set(sums);
          sums = more;
        }
      }
      counts[e]!++;
      edgeOf[i] = e;
      if (counted.ok) {
        const d = ((timestamp[i] as number) - (timestamp[i - 1] as number)) / SECOND;
        sums[e]! += d;
        counted.add(e, d);
      }
    }
  }
  const edgeCount = edgeKeys.length;
  const stats = counted.ok ? countedStats(counted, counts, sums, edgeCount) : selectedStats(log, edgeOf, counts, edgeCount);
  return dfgEdges(log, edgeKeys, counts, stats);
}

/** The edges (keys from × n + to, in order of first appearance) with their figures, sorted by (from, to). */
function dfgEdges(log: EventLog, edgeKeys: ArrayLike<number>, counts: ArrayLike<number>, stats: EdgeStats): DfgEdge[] {
  const n = log.activityNames.length;
  const edges: DfgEdge[] = [];
  for (let e = 0; e < edgeKeys.length; e++) {
    const key = edgeKeys[e] as number;
    edges.push({
      from: log.activityNames[Math.floor(key / n)] ?? '',
      to: log.activityNames[key % n] ?? '',
      count: counts[e] ?? 0,
      meanSeconds: stats.mean[e] as number,
      medianSeconds: stats.median[e] as number,
      p90Seconds: stats.p90[e] as number,
    });
  }
  edges.sort((a, b) => compareCodePoints(a.from, b.from) || compareCodePoints(a.to, b.to));
  return edges;
}

interface EdgeStats {
  readonly mean: Float64Array;
  readonly median: Float64Array;
  readonly p90: Float64Array;
}

function countedStats(counted: ValueCounts, counts: Int32Array, sums: Float64Array, edgeCount: number): EdgeStats {
  const { median, p90 } = counted.quantiles(edgeCount, counts);
  const mean = new Float64Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) mean[e] = (sums[e] as number) / (counts[e] as number);
  return { mean, median, p90 };
}

/** Every edge's durations side by side, then summarised one edge at a time. */
function selectedStats(log: EventLog, edgeOf: Int32Array, counts: Int32Array, edgeCount: number): EdgeStats {
  const { timestamp } = log;
  const offsets = new Int32Array(edgeCount + 1);
  for (let e = 0; e < edgeCount; e++) offsets[e + 1] = (offsets[e] as number) + (counts[e] as number);
  const fill = offsets.slice(0, edgeCount);
  const durations = new Float64Array(offsets[edgeCount] as number);
  for (let i = 0; i < edgeOf.length; i++) {
    const e = edgeOf[i] as number;
    if (e < 0) continue;
    durations[fill[e]!++] = ((timestamp[i] as number) - (timestamp[i - 1] as number)) / SECOND;
  }
  const mean = new Float64Array(edgeCount);
  const median = new Float64Array(edgeCount);
  const p90 = new Float64Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) {
    // Counting already gave up on these durations (too many distinct): trying again per edge only cost time (BPIC 2012).
    const s = summarise(durations.subarray(offsets[e] as number, offsets[e + 1] as number), false);
    mean[e] = s.mean;
    median[e] = s.median;
    p90[e] = s.p90;
  }
  return { mean, median, p90 };
}

export function caseDurations(log: EventLog): Float64Array {
  const cases = log.caseStart.length - 1;
  const out = new Float64Array(cases);
  for (let c = 0; c < cases; c++) {
    const from = log.caseStart[c] ?? 0;
    const to = log.caseStart[c + 1] ?? 0;
    // PM4Py: last minus first event of the case, in log order.
    out[c] = to > from ? ((log.timestamp[to - 1] ?? 0) - (log.timestamp[from] ?? 0)) / SECOND : 0;
  }
  return out;
}

export function bottlenecks(dfg: readonly DfgEdge[], limit = 10): Bottleneck[] {
  let all = 0;
  for (const e of dfg) all += Math.max(0, e.meanSeconds * e.count);
  return dfg
    .filter((e) => e.from !== e.to || e.count > 0)
    .map((e) => ({
      from: e.from,
      to: e.to,
      count: e.count,
      totalSeconds: e.meanSeconds * e.count,
      meanSeconds: e.meanSeconds,
      medianSeconds: e.medianSeconds,
      p90Seconds: e.p90Seconds,
      share: all > 0 ? (e.meanSeconds * e.count) / all : 0,
    }))
    .sort((a, b) => b.totalSeconds - a.totalSeconds || compareCodePoints(a.from, b.from) || compareCodePoints(a.to, b.to))
    .slice(0, limit);
}

/** Per-activity counts, rework, and waiting vs service time where start/complete pairs exist. */
export function activityStatistics(log: EventLog): { stats: ActivityStats[]; reworkCases: number } {
  const n = log.activityNames.length;
  const events = new Int32Array(n);
  const cases = new Int32Array(n);
  const reworkCases = new Int32Array(n);
  const repetitions = new Int32Array(n);
  const seen = new Int32Array(n);
  const service: number[][] = Array.from({ length: n }, () => []);
  const waiting: number[][] = Array.from({ length: n }, () => []);
  let hasStarts = false;
  for (let i = 0; i < log.lifecycle.length; i++) {
    if (log.lifecycle[i] === LIFECYCLE_START) {
      hasStarts = true;
      break;
    }
  }
  let casesWithRework = 0;
  const openStarts: number[][] = Array.from({ length: n }, () => []);
  // The activities a case touches, so the per-case reset costs what the case has, not the number of activities.
  const touched = new Int32Array(n);
  const touchedBy = new Int32Array(n).fill(-1);
  const { activity, timestamp, lifecycle, caseStart } = log;
  for (let c = 0; c < log.caseStart.length - 1; c++) {
    const from = caseStart[c] ?? 0;
    const to = caseStart[c + 1] ?? 0;
    let touches = 0;
    let lastComplete = timestamp[from] ?? 0;
    for (let i = from; i < to; i++) {
      const a = activity[i] ?? 0;
      const ts = timestamp[i] ?? 0;
      if (touchedBy[a] !== c) {
        touchedBy[a] = c;
        seen[a] = 0;
        touched[touches++] = a;
      }
      if (lifecycle[i] === LIFECYCLE_START) {
        openStarts[a]!.push(ts);
        waiting[a]!.push((ts - lastComplete) / SECOND);
        continue;
      }
      events[a]!++;
      seen[a]!++;
      if (hasStarts) {
        // FIFO pairing: the oldest open start of the same activity belongs to this completion.
        const start = openStarts[a]!.shift();
        if (start !== undefined) service[a]!.push((ts - start) / SECOND);
      }
      lastComplete = Math.max(lastComplete, ts);
    }
    let rework = false;
    for (let t = 0; t < touches; t++) {
      const a = touched[t] ?? 0;
      const k = seen[a] ?? 0;
      if (k > 0) cases[a]!++;
      if (k > 1) {
        reworkCases[a]!++;
        repetitions[a]! += k - 1;
        rework = true;
      }
      if (hasStarts) openStarts[a]!.length = 0;
    }
    if (rework) casesWithRework++;
  }
  const stats: ActivityStats[] = [];
  for (let a = 0; a < n; a++) {
    const base = {
      activity: log.activityNames[a] ?? '',
      events: events[a] ?? 0,
      cases: cases[a] ?? 0,
      reworkCases: reworkCases[a] ?? 0,
      repetitions: repetitions[a] ?? 0,
    };
    const sv = service[a] ?? [];
    const wt = waiting[a] ?? [];
    if (hasStarts && (sv.length > 0 || wt.length > 0)) {
      // Selected, not counted: service and waiting times to the millisecond (BPIC 2012) are too varied for a count to
      // pay, and counting them cost its activity statistics ~10 ms.
      const s = summarise(Float64Array.from(sv), false);
      const w = summarise(Float64Array.from(wt), false);
      stats.push({ ...base, serviceMeanSeconds: s.mean, serviceMedianSeconds: s.median, waitingMeanSeconds: w.mean, waitingMedianSeconds: w.median });
    } else {
      stats.push(base);
    }
  }
  stats.sort((x, y) => y.events - x.events || compareCodePoints(x.activity, y.activity));
  return { stats, reworkCases: casesWithRework };
}

/** Hand-backs a→b→a between resources (or departments) within a case, ignoring consecutive events by the same one. */
export function pingPong(log: EventLog, column: Int32Array, names: readonly string[], limit = 10): PingPong[] {
  const pairs = new Map<number, { count: number; cases: number; lastCase: number }>();
  const m = names.length;
  // A hand-back needs two different names: a log without the column (or with one name) has none, and no pass is needed.
  if (m < 2) return [];
  for (let c = 0; c < log.caseStart.length - 1; c++) {
    let p2 = -1;
    let p1 = -1;
    for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) {
      const r = column[i] ?? -1;
      if (r < 0 || r === p1) continue;
      if (r === p2) {
        const key = Math.min(r, p1) * m + Math.max(r, p1);
        const entry = pairs.get(key) ?? { count: 0, cases: 0, lastCase: -1 };
        entry.count++;
        if (entry.lastCase !== c) {
          entry.cases++;
          entry.lastCase = c;
        }
        pairs.set(key, entry);
      }
      p2 = p1;
      p1 = r;
    }
  }
  return [...pairs.entries()]
    .map(([key, v]) => ({ a: names[Math.floor(key / m)] ?? '', b: names[key % m] ?? '', count: v.count, cases: v.cases }))
    .sort((x, y) => y.count - x.count || compareCodePoints(x.a, y.a) || compareCodePoints(x.b, y.b))
    .slice(0, limit);
}

export function slaReport(log: EventLog, options: AnalyzeOptions): SlaReport | undefined {
  const attribute = options.slaAttribute ?? (log.caseAttributes.has('deadline') ? 'deadline' : undefined);
  const column = attribute ? log.caseAttributes.get(attribute) : undefined;
  if (!column && options.slaSeconds === undefined) return undefined;
  let checked = 0;
  let breached = 0;
  const worst: { caseId: string; overSeconds: number }[] = [];
  for (let c = 0; c < log.caseStart.length - 1; c++) {
    const from = log.caseStart[c] ?? 0;
    const to = log.caseStart[c + 1] ?? 0;
    if (to <= from) continue;
    const end = log.timestamp[to - 1] ?? NaN;
    let limit = NaN;
    if (column) {
      const d = column[c];
      // A deadline at the epoch is XES's "unknown" default (see the log's <global>), not a real deadline.
      if (typeof d === 'number' && d > 86_400_000) limit = d;
    } else if (options.slaSeconds !== undefined) {
      limit = (log.timestamp[from] ?? 0) + options.slaSeconds * SECOND;
    }
    if (Number.isNaN(limit) || Number.isNaN(end)) continue;
    checked++;
    if (end > limit) {
      breached++;
      worst.push({ caseId: log.caseIds[c] ?? '', overSeconds: (end - limit) / SECOND });
    }
  }
  worst.sort((a, b) => b.overSeconds - a.overSeconds);
  return {
    basis: column && attribute ? `case attribute '${attribute}'` : `case duration over ${options.slaSeconds ?? 0} s`,
    casesChecked: checked,
    breached,
    breachRate: checked > 0 ? breached / checked : 0,
    worst: worst.slice(0, 10),
  };
}

/** The figures PM4Py's peer script computes (../shared/peers/pm4py-figures.py), and no more. */
export type Pm4pyFigures = Pick<MiningSummary, 'cases' | 'events' | 'activities' | 'variants' | 'topVariants' | 'startActivities' | 'endActivities' | 'dfg' | 'caseDuration' | 'skipped'>;

/**
 * Only what PM4Py's peer script is asked for: variants, start and end activities, the DFG with performance and case
 * durations (`govflow mine --figures pm4py`, so that `bench mining` compares the same work). {@link analyzeLog} adds
 * bottlenecks, activity statistics, rework, ping-pong and service levels.
 */
export function analyzePm4pyFigures(log: EventLog, options: AnalyzeOptions = {}): Pm4pyFigures {
  // The same passes in WebAssembly where the log allows (pm4py-kernel.ts): the same figures, without V8's warm-up.
  const k = pm4pyKernel(log);
  const all = k ? variantList(log, k.variants) : variants(log);
  const { startActivities, endActivities } = k
    ? { startActivities: sortedRecord(k.starts, log.activityNames), endActivities: sortedRecord(k.ends, log.activityNames) }
    : startEndActivities(log);
  const dfg = k ? dfgEdges(log, k.edgeKeys, k.edgeCounts, { mean: k.mean, median: k.median, p90: k.p90 }) : directlyFollows(log);
  const durations = k ? k.caseDuration : summarise(caseDurations(log));
  return {
    cases: log.caseStart.length - 1,
    events: log.activity.length,
    activities: log.activityNames.length,
    variants: all.length,
    topVariants: all.slice(0, options.topVariants ?? 10).map((v) => ({ activities: v.activities, count: v.count })),
    startActivities,
    endActivities,
    dfg,
    caseDuration: {
      meanSeconds: durations.mean,
      medianSeconds: durations.median,
      p90Seconds: durations.p90,
      minSeconds: durations.min,
      maxSeconds: durations.max,
    },
    skipped: log.skipped,
  };
}

/** Every analysis at once: the object `govflow mine --json` prints and the HTTP layer returns. */
export function analyzeLog(log: EventLog, options: AnalyzeOptions = {}): MiningSummary {
  const figures = analyzePm4pyFigures(log, options);
  const { stats, reworkCases } = activityStatistics(log);
  const sla = slaReport(log, options);
  const cases = figures.cases;
  const { skipped, ...rest } = figures;
  return {
    ...rest,
    bottlenecks: bottlenecks(figures.dfg, options.bottlenecks ?? 10),
    activityStats: stats,
    rework: { cases: reworkCases, share: cases > 0 ? reworkCases / cases : 0 },
    pingPong: {
      resources: pingPong(log, log.resource, log.resourceNames),
      groups: pingPong(log, log.group, log.groupNames),
    },
    ...(sla ? { sla } : {}),
    skipped,
  };
}
