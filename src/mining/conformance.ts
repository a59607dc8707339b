/**
 * Conformance checking with PM4Py's definitions, computed once per variant and weighted by its count.
 *
 * Token replay: missing (m), consumed (c), remaining (r), produced (p) tokens; a trace's fitness is
 * ½(1 − m/c) + ½(1 − r/p) and the log's uses the sums over all traces. Silent transitions are fired when they enable
 * the next activity (or the final marking), choosing the shortest such sequence.
 *
 * Alignments: cheapest path through the synchronous product (sync 0, τ 1, log or model move 10,000), found with
 * Dijkstra. A trace's fitness is 1 − ⌊cost/10⁴⌋ / ⌊bwc/10⁴⌋ with bwc = 10⁴·|trace| + cost of the empty trace's
 * alignment; the log fitness is 1 − Σcost / Σbwc (τ costs included, which is why PM4Py reports 0.99969 for a
 * perfectly fitting log).
 */
import type { EventLog } from './event-log.js';
import type { PetriNet, PetriTransition } from './petri-net.js';
import { variantTable } from './analyze.js';

const MOVE = 10000;
const TAU = 1;

export interface TokenReplayResult {
  readonly logFitness: number;
  readonly averageTraceFitness: number;
  readonly percentageFittingTraces: number;
  readonly missing: number;
  readonly remaining: number;
  readonly consumed: number;
  readonly produced: number;
}

export interface AlignmentResult {
  readonly logFitness: number;
  readonly averageTraceFitness: number;
  readonly percentageFittingTraces: number;
  /** Traces whose search hit the state limit (fitness then counted as 0 for them). */
  readonly unaligned: number;
}

export interface Deviations {
  /** Cases that do not fit (up to 50 ids), and how many there are. */
  readonly deviatingCases: readonly string[];
  readonly deviatingCaseCount: number;
  /** Per activity: log moves (done but not allowed) and model moves (required but skipped). */
  readonly activities: readonly { activity: string; logMoves: number; modelMoves: number }[];
}

export interface FitnessReport {
  readonly tokenReplay: TokenReplayResult;
  readonly alignment: AlignmentResult;
  readonly deviations: Deviations;
}

function enabled(m: Int32Array, t: PetriTransition): boolean {
  const need = new Map<number, number>();
  for (const p of t.pre) need.set(p, (need.get(p) ?? 0) + 1);
  for (const [p, k] of need) if ((m[p] ?? 0) < k) return false;
  return true;
}

function fire(m: Int32Array, t: PetriTransition): Int32Array {
  // slice() keeps the buffer type; the annotation widens it so markings from any source mix.
  const next = m.slice();
  for (const p of t.pre) next[p]!--;
  for (const p of t.post) next[p]!++;
  return next;
}

const key = (m: Int32Array): string => m.join(',');

/** Shortest sequence of silent transitions from m to a marking satisfying `goal`; undefined if none within the limit. */
function silentPath(net: PetriNet, m: Int32Array, goal: (m: Int32Array) => boolean, limit = 5000): PetriTransition[] | undefined {
  if (goal(m)) return [];
  const silent = net.transitions.filter((t) => t.label === null);
  const seen = new Set<string>([key(m)]);
  let frontier: { m: Int32Array; path: PetriTransition[] }[] = [{ m, path: [] }];
  while (frontier.length > 0 && seen.size < limit) {
    const next: typeof frontier = [];
    for (const node of frontier) {
      for (const t of silent) {
        if (!enabled(node.m, t)) continue;
        const m2 = fire(node.m, t);
        const k = key(m2);
        if (seen.has(k)) continue;
        seen.add(k);
        const path = [...node.path, t];
        if (goal(m2)) return path;
        next.push({ m: m2, path });
      }
    }
    frontier = next;
  }
  return undefined;
}

function replayTrace(net: PetriNet, trace: readonly string[], byLabel: Map<string, PetriTransition[]>) {
  let m: Int32Array = net.initialMarking.slice();
  let produced = 0;
  for (const v of m) produced += v;
  let consumed = 0;
  let missing = 0;
  let fit = true;
  const deviating: string[] = [];
  for (const activity of trace) {
    const candidates = byLabel.get(activity);
    if (!candidates) {
      // An activity the model does not know: the trace cannot fit; PM4Py skips it without counting tokens.
      fit = false;
      deviating.push(activity);
      continue;
    }
    let t = candidates.find((c) => enabled(m, c));
    if (!t) {
      const path = silentPath(net, m, (x) => candidates.some((c) => enabled(x, c)));
      if (path) {
        for (const s of path) {
          consumed += s.pre.length;
          produced += s.post.length;
          m = fire(m, s);
        }
        t = candidates.find((c) => enabled(m, c));
      }
    }
    if (!t) {
      t = candidates[0]!;
      fit = false;
      deviating.push(activity);
      for (const p of t.pre) {
        if ((m[p] ?? 0) <= 0) {
          missing++;
          m[p]!++;
        }
      }
    }
    consumed += t.pre.length;
    produced += t.post.length;
    m = fire(m, t);
  }
  const final = net.finalMarking;
  const isFinal = (x: Int32Array): boolean => x.every((v, i) => v === final[i]);
  if (!isFinal(m)) {
    const path = silentPath(net, m, isFinal) ?? silentPath(net, m, (x) => x.every((v, i) => v >= (final[i] ?? 0)));
    for (const s of path ?? []) {
      consumed += s.pre.length;
      produced += s.post.length;
      m = fire(m, s);
    }
  }
  let remaining = 0;
  for (let p = 0; p < m.length; p++) {
    const want = final[p] ?? 0;
    const have = m[p] ?? 0;
    consumed += want;
    if (have < want) missing += want - have;
    if (have > want) remaining += have - want;
  }
  if (missing > 0 || remaining > 0) fit = false;
  const fitness = 0.5 * (1 - (consumed > 0 ? missing / consumed : 0)) + 0.5 * (1 - (produced > 0 ? remaining / produced : 0));
  return { missing, remaining, consumed, produced, fit, fitness, deviating };
}

/** A binary min-heap of (cost, state) pairs. */
class Heap {
  private costs: number[] = [];
  private items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(cost: number, item: number): void {
    const c = this.costs;
    const it = this.items;
    let i = it.length;
    c.push(cost);
    it.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((c[parent] ?? 0) <= cost) break;
      c[i] = c[parent] ?? 0;
      it[i] = it[parent] ?? 0;
      i = parent;
    }
    c[i] = cost;
    it[i] = item;
  }
  pop(): { cost: number; item: number } | undefined {
    const c = this.costs;
    const it = this.items;
    if (it.length === 0) return undefined;
    const top = { cost: c[0] ?? 0, item: it[0] ?? 0 };
    const lastC = c.pop() ?? 0;
    const lastI = it.pop() ?? 0;
    const n = it.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && (c[r] ?? 0) < (c[l] ?? 0) ? r : l;
        if ((c[child] ?? 0) >= lastC) break;
        c[i] = c[child] ?? 0;
        it[i] = it[child] ?? 0;
        i = child;
      }
      c[i] = lastC;
      it[i] = lastI;
    }
    return top;
  }
}

interface AlignmentMoves {
  readonly cost: number;
  readonly logMoves: string[];
  readonly modelMoves: string[];
}

/** Optimal alignment of one trace (Dijkstra over the synchronous product); undefined past `limit` states. */
export function alignTrace(net: PetriNet, trace: readonly string[], limit = 500_000): AlignmentMoves | undefined {
  const final = key(net.finalMarking);
  const markings: Int32Array[] = [];
  const positions: number[] = [];
  const best: number[] = [];
  const parent: number[] = [];
  const move: number[] = []; // -1 log move, else transition index
  const ids = new Map<string, number>();
  const state = (m: Int32Array, i: number, cost: number, from: number, mv: number, heap: Heap): void => {
    const k = `${i}|${key(m)}`;
    const id = ids.get(k);
    if (id === undefined) {
      const nid = markings.length;
      ids.set(k, nid);
      markings.push(m);
      positions.push(i);
      best.push(cost);
      parent.push(from);
      move.push(mv);
      heap.push(cost, nid);
    } else if (cost < (best[id] ?? Infinity)) {
      best[id] = cost;
      parent[id] = from;
      move[id] = mv;
      heap.push(cost, id);
    }
  };
  const heap = new Heap();
  state(net.initialMarking.slice(), 0, 0, -1, -2, heap);
  const done = new Set<number>();
  while (heap.size > 0) {
    const top = heap.pop();
    if (!top) break;
    const s = top.item;
    if (done.has(s) || top.cost > (best[s] ?? Infinity)) continue;
    done.add(s);
    const m = markings[s]!;
    const i = positions[s] ?? 0;
    if (i === trace.length && key(m) === final) {
      const logMoves: string[] = [];
      const modelMoves: string[] = [];
      for (let x = s; x >= 0 && (move[x] ?? -2) !== -2; x = parent[x] ?? -1) {
        const mv = move[x] ?? -2;
        if (mv === -1) logMoves.push(trace[(positions[x] ?? 1) - 1] ?? '');
        else if (mv >= 0 && (positions[x] ?? 0) === (positions[parent[x] ?? 0] ?? 0)) {
          const t = net.transitions[mv];
          if (t?.label !== null && t?.label !== undefined) modelMoves.push(t.label);
        }
      }
      return { cost: top.cost, logMoves, modelMoves };
    }
    if (markings.length > limit) return undefined;
    const activity = i < trace.length ? trace[i] : undefined;
    if (activity !== undefined) state(m, i + 1, top.cost + MOVE, s, -1, heap);
    net.transitions.forEach((t, ti) => {
      if (!enabled(m, t)) return;
      const m2 = fire(m, t);
      if (activity !== undefined && t.label === activity) state(m2, i + 1, top.cost, s, ti, heap);
      state(m2, i, top.cost + (t.label === null ? TAU : MOVE), s, ti, heap);
    });
  }
  return undefined;
}

/** Token replay and alignments of every variant of `log` on `net`, with the deviations listed. */
export function checkConformance(log: EventLog, net: PetriNet): FitnessReport {
  const byLabel = new Map<string, PetriTransition[]>();
  for (const t of net.transitions) if (t.label !== null) byLabel.set(t.label, [...(byLabel.get(t.label) ?? []), t]);
  const table = variantTable(log);
  const cases = log.caseIds.length;
  const perCaseVariant = new Int32Array(cases);
  // Case → variant, so deviating case ids can be listed.
  const variantsList = [...table.values()];
  const variantOfKey = new Map<number, number>();
  variantsList.forEach((v, idx) => variantOfKey.set(v.firstCase, idx));
  {
    const keys = new Map<string, number>();
    const parts: number[] = [];
    for (let c = 0; c < cases; c++) {
      parts.length = 0;
      for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) parts.push(log.activity[i] ?? 0);
      const k = parts.join(',');
      let v = keys.get(k);
      if (v === undefined) {
        v = variantOfKey.get(c) ?? keys.size;
        keys.set(k, v);
      }
      perCaseVariant[c] = v;
    }
  }
  const emptyAlignment = alignTrace(net, []);
  const bwcEmpty = emptyAlignment?.cost ?? 0;
  let tr = { missing: 0, remaining: 0, consumed: 0, produced: 0, fitSum: 0, fitTraces: 0 };
  let al = { cost: 0, bwc: 0, fitSum: 0, fitTraces: 0, unaligned: 0 };
  const moves = new Map<string, { logMoves: number; modelMoves: number }>();
  const fitVariant: boolean[] = [];
  for (const v of variantsList) {
    const trace: string[] = [];
    for (let i = log.caseStart[v.firstCase] ?? 0; i < (log.caseStart[v.firstCase + 1] ?? 0); i++) trace.push(log.activityNames[log.activity[i] ?? 0] ?? '');
    const n = v.count;
    const r = replayTrace(net, trace, byLabel);
    tr = {
      missing: tr.missing + n * r.missing,
      remaining: tr.remaining + n * r.remaining,
      consumed: tr.consumed + n * r.consumed,
      produced: tr.produced + n * r.produced,
      fitSum: tr.fitSum + n * r.fitness,
      fitTraces: tr.fitTraces + (r.fit ? n : 0),
    };
    const a = alignTrace(net, trace);
    const bwc = MOVE * trace.length + bwcEmpty;
    if (!a) {
      al = { ...al, bwc: al.bwc + n * bwc, cost: al.cost + n * bwc, unaligned: al.unaligned + n };
      fitVariant.push(false);
      continue;
    }
    const fitness = 1 - Math.floor(a.cost / MOVE) / Math.floor(bwc / MOVE);
    al = {
      cost: al.cost + n * a.cost,
      bwc: al.bwc + n * bwc,
      fitSum: al.fitSum + n * fitness,
      fitTraces: al.fitTraces + (fitness === 1 ? n : 0),
      unaligned: al.unaligned,
    };
    fitVariant.push(fitness === 1 && r.fit);
    for (const act of a.logMoves) {
      const e = moves.get(act) ?? { logMoves: 0, modelMoves: 0 };
      e.logMoves += n;
      moves.set(act, e);
    }
    for (const act of a.modelMoves) {
      const e = moves.get(act) ?? { logMoves: 0, modelMoves: 0 };
      e.modelMoves += n;
      moves.set(act, e);
    }
  }
  const deviatingCases: string[] = [];
  let deviatingCaseCount = 0;
  for (let c = 0; c < cases; c++) {
    if (fitVariant[perCaseVariant[c] ?? 0] === false) {
      deviatingCaseCount++;
      if (deviatingCases.length < 50) deviatingCases.push(log.caseIds[c] ?? String(c));
    }
  }
  const total = Math.max(1, cases);
  return {
    tokenReplay: {
      logFitness: 0.5 * (1 - (tr.consumed > 0 ? tr.missing / tr.consumed : 0)) + 0.5 * (1 - (tr.produced > 0 ? tr.remaining / tr.produced : 0)),
      averageTraceFitness: tr.fitSum / total,
      percentageFittingTraces: (100 * tr.fitTraces) / total,
      missing: tr.missing,
      remaining: tr.remaining,
      consumed: tr.consumed,
      produced: tr.produced,
    },
    alignment: {
      logFitness: al.bwc > 0 ? 1 - al.cost / al.bwc : 1,
      averageTraceFitness: al.fitSum / total,
      percentageFittingTraces: (100 * al.fitTraces) / total,
      unaligned: al.unaligned,
    },
    deviations: {
      deviatingCases,
      deviatingCaseCount,
      activities: [...moves.entries()].map(([activity, m]) => ({ activity, ...m })).sort((x, y) => y.logMoves + y.modelMoves - (x.logMoves + x.modelMoves)),
    },
  };
}
