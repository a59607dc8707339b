/**
 * Discovery: the inductive miner, infrequent variant (IMf, Leemans et al. 2013), on the log's variants. It finds a
 * cut (exclusive choice, sequence, parallel, loop) in the directly-follows graph, splits the log and recurses; when
 * no cut exists it retries on the DFG without infrequent edges, and otherwise falls through (activity once per
 * trace, then a flower model). With noiseThreshold 0 it is the plain inductive miner: the model fits every trace.
 */
import type { EventLog } from './event-log.js';

export type ProcessTree =
  | { readonly kind: 'activity'; readonly label: string }
  | { readonly kind: 'tau' }
  | { readonly kind: 'sequence' | 'xor' | 'parallel' | 'loop'; readonly children: readonly ProcessTree[] };

interface Variant {
  readonly trace: readonly string[];
  readonly count: number;
}

export interface InductiveOptions {
  /** IMf's noise threshold (PM4Py's default for IMf is 0.2); 0 gives the plain inductive miner. */
  readonly noiseThreshold?: number;
}

const TAU: ProcessTree = { kind: 'tau' };
const activity = (label: string): ProcessTree => ({ kind: 'activity', label });
const node = (kind: 'sequence' | 'xor' | 'parallel' | 'loop', children: ProcessTree[]): ProcessTree => ({ kind, children });

export function discoverProcessTree(log: EventLog, options: InductiveOptions = {}): ProcessTree {
  const byKey = new Map<string, Variant>();
  for (let c = 0; c < log.caseIds.length; c++) {
    const trace: string[] = [];
    for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) trace.push(log.activityNames[log.activity[i] ?? 0] ?? '');
    const key = JSON.stringify(trace);
    const v = byKey.get(key);
    byKey.set(key, { trace, count: (v?.count ?? 0) + 1 });
  }
  return mine([...byKey.values()], options.noiseThreshold ?? 0.2, 0);
}

interface Dfg {
  readonly activities: string[];
  readonly edges: Map<string, Map<string, number>>;
  readonly starts: Map<string, number>;
  readonly ends: Map<string, number>;
}

function dfgOf(log: readonly Variant[]): Dfg {
  const acts = new Set<string>();
  const edges = new Map<string, Map<string, number>>();
  const starts = new Map<string, number>();
  const ends = new Map<string, number>();
  for (const { trace, count } of log) {
    for (const a of trace) acts.add(a);
    if (trace.length === 0) continue;
    starts.set(trace[0] ?? '', (starts.get(trace[0] ?? '') ?? 0) + count);
    ends.set(trace[trace.length - 1] ?? '', (ends.get(trace[trace.length - 1] ?? '') ?? 0) + count);
    for (let i = 1; i < trace.length; i++) {
      const a = trace[i - 1] ?? '';
      const b = trace[i] ?? '';
      const out = edges.get(a) ?? new Map<string, number>();
      out.set(b, (out.get(b) ?? 0) + count);
      edges.set(a, out);
    }
  }
  return { activities: [...acts].sort(), edges, starts, ends };
}

/** IMf's filter: drop edges (and start/end activities) below threshold × the strongest one from the same source. */
function filterDfg(dfg: Dfg, threshold: number): Dfg {
  const edges = new Map<string, Map<string, number>>();
  for (const [a, out] of dfg.edges) {
    const max = Math.max(...out.values());
    const kept = new Map([...out].filter(([, n]) => n >= threshold * max));
    edges.set(a, kept);
  }
  const keep = (m: Map<string, number>): Map<string, number> => {
    const max = Math.max(0, ...m.values());
    return new Map([...m].filter(([, n]) => n >= threshold * max));
  };
  return { activities: dfg.activities, edges, starts: keep(dfg.starts), ends: keep(dfg.ends) };
}

const has = (dfg: Dfg, a: string, b: string): boolean => (dfg.edges.get(a)?.get(b) ?? 0) > 0;

/** Union-find over activity names. */
function components(acts: readonly string[], connected: (a: string, b: string) => boolean): string[][] {
  const parent = new Map(acts.map((a) => [a, a]));
  const find = (a: string): string => {
    let r = a;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(a, r);
    return r;
  };
  for (let i = 0; i < acts.length; i++) {
    for (let j = i + 1; j < acts.length; j++) {
      const a = acts[i] ?? '';
      const b = acts[j] ?? '';
      if (find(a) !== find(b) && connected(a, b)) parent.set(find(a), find(b));
    }
  }
  const groups = new Map<string, string[]>();
  for (const a of acts) groups.set(find(a), [...(groups.get(find(a)) ?? []), a]);
  return [...groups.values()];
}

function reachability(dfg: Dfg): Map<string, Set<string>> {
  const reach = new Map<string, Set<string>>();
  for (const a of dfg.activities) {
    const seen = new Set<string>();
    const stack = [...(dfg.edges.get(a)?.keys() ?? [])].filter((b) => has(dfg, a, b));
    while (stack.length > 0) {
      const b = stack.pop() ?? '';
      if (seen.has(b)) continue;
      seen.add(b);
      for (const [c, n] of dfg.edges.get(b) ?? []) if (n > 0 && !seen.has(c)) stack.push(c);
    }
    reach.set(a, seen);
  }
  return reach;
}

type Cut = { kind: 'xor' | 'sequence' | 'parallel' | 'loop'; parts: string[][] };

function findCut(dfg: Dfg): Cut | undefined {
  const acts = dfg.activities;
  if (acts.length < 2) return undefined;
  const xor = components(acts, (a, b) => has(dfg, a, b) || has(dfg, b, a));
  if (xor.length > 1) return { kind: 'xor', parts: xor };

  const reach = reachability(dfg);
  const r = (a: string, b: string): boolean => reach.get(a)?.has(b) ?? false;
  const groups = components(acts, (a, b) => r(a, b) === r(b, a));
  if (groups.length > 1) {
    const before = (x: string[], y: string[]): boolean => x.some((a) => y.some((b) => r(a, b)));
    groups.sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
    let valid = true;
    for (let i = 0; i < groups.length && valid; i++) {
      for (let j = i + 1; j < groups.length && valid; j++) {
        for (const a of groups[i] ?? []) for (const b of groups[j] ?? []) if (!r(a, b) || r(b, a)) valid = false;
      }
    }
    if (valid) return { kind: 'sequence', parts: groups };
  }

  const parallel = components(acts, (a, b) => !(has(dfg, a, b) && has(dfg, b, a)));
  if (parallel.length > 1 && parallel.every((p) => p.some((a) => dfg.starts.has(a)) && p.some((a) => dfg.ends.has(a)))) {
    return { kind: 'parallel', parts: parallel };
  }

  const startEnd = new Set([...dfg.starts.keys(), ...dfg.ends.keys()]);
  const rest = acts.filter((a) => !startEnd.has(a));
  const restParts = components(rest, (a, b) => has(dfg, a, b) || has(dfg, b, a));
  const body = [...startEnd];
  const redo: string[][] = [];
  for (const part of restParts) {
    const inPart = new Set(part);
    let fromEndOnly = true;
    let toStartOnly = true;
    let fromEnd = false;
    for (const a of acts) {
      for (const [b, n] of dfg.edges.get(a) ?? []) {
        if (n <= 0) continue;
        if (!inPart.has(a) && inPart.has(b)) {
          if (dfg.ends.has(a)) fromEnd = true;
          else fromEndOnly = false;
        }
        if (inPart.has(a) && !inPart.has(b) && !dfg.starts.has(b)) toStartOnly = false;
      }
    }
    if (fromEnd && fromEndOnly && toStartOnly) redo.push(part);
    else body.push(...part);
  }
  if (redo.length > 0 && dfg.starts.size > 0) return { kind: 'loop', parts: [body, ...redo] };
  return undefined;
}

function add(log: Variant[], trace: string[], count: number): void {
  log.push({ trace, count });
}

function split(log: readonly Variant[], cut: Cut): Variant[][] {
  const index = new Map<string, number>();
  cut.parts.forEach((p, i) => p.forEach((a) => index.set(a, i)));
  const out: Variant[][] = cut.parts.map(() => []);
  for (const { trace, count } of log) {
    if (cut.kind === 'xor') {
      // IMf: the trace goes to the part most of its events belong to; the others are noise.
      const votes = cut.parts.map(() => 0);
      for (const a of trace) votes[index.get(a) ?? 0]! += 1;
      const best = votes.indexOf(Math.max(...votes));
      add(out[best] ?? [], trace.filter((a) => index.get(a) === best), count);
    } else if (cut.kind === 'sequence' || cut.kind === 'parallel') {
      cut.parts.forEach((_, i) => add(out[i] ?? [], trace.filter((a) => index.get(a) === i), count));
    } else {
      // Loop: maximal runs of body activities are body traces; runs of a redo part are that part's traces.
      let run: string[] = [];
      let runPart = 0;
      let expectBody = true;
      const flush = (): void => {
        if (runPart !== 0 && expectBody) add(out[0] ?? [], [], count);
        add(out[runPart] ?? [], run, count);
        expectBody = runPart !== 0;
        run = [];
      };
      for (const a of trace) {
        const p = index.get(a) ?? 0;
        if (run.length > 0 && p !== runPart) flush();
        runPart = p;
        run.push(a);
      }
      if (run.length > 0) flush();
      if (expectBody && trace.length > 0) add(out[0] ?? [], [], count);
    }
  }
  return out;
}

function flower(acts: readonly string[]): ProcessTree {
  return node('loop', [TAU, acts.length === 1 ? activity(acts[0] ?? '') : node('xor', acts.map(activity))]);
}

function mine(log: readonly Variant[], threshold: number, depth: number): ProcessTree {
  const total = log.reduce((s, v) => s + v.count, 0);
  const empty = log.filter((v) => v.trace.length === 0).reduce((s, v) => s + v.count, 0);
  const nonEmpty = log.filter((v) => v.trace.length > 0);
  if (nonEmpty.length === 0) return TAU;
  if (empty > 0) {
    // IMf: rare empty traces are noise; frequent ones make the whole behaviour optional.
    if (threshold > 0 && empty < threshold * total) return mine(nonEmpty, threshold, depth + 1);
    return node('xor', [TAU, mine(nonEmpty, threshold, depth + 1)]);
  }
  const dfg = dfgOf(log);
  if (dfg.activities.length === 1) {
    const a = dfg.activities[0] ?? '';
    return log.every((v) => v.trace.length === 1) ? activity(a) : node('loop', [activity(a), TAU]);
  }
  if (depth > 200) return flower(dfg.activities);
  const cut = findCut(dfg) ?? (threshold > 0 ? findCut(filterDfg(dfg, threshold)) : undefined);
  if (cut) {
    const logs = split(log, cut);
    const children = logs.map((l) => mine(l, threshold, depth + 1));
    if (cut.kind === 'loop' && children.length > 2) return node('loop', [children[0] ?? TAU, node('xor', children.slice(1))]);
    return node(cut.kind, children);
  }
  // Fall-through: an activity that occurs exactly once in every trace runs in parallel with the rest.
  for (const a of dfg.activities) {
    if (log.every((v) => v.trace.filter((x) => x === a).length === 1)) {
      const restLog = log.map((v) => ({ trace: v.trace.filter((x) => x !== a), count: v.count }));
      return node('parallel', [activity(a), mine(restLog, threshold, depth + 1)]);
    }
  }
  return flower(dfg.activities);
}

/** PM4Py's textual notation: ->( 'a', X( 'b', tau ) ). */
export function processTreeToString(tree: ProcessTree): string {
  switch (tree.kind) {
    case 'activity':
      return `'${tree.label}'`;
    case 'tau':
      return 'tau';
    default: {
      const op = { sequence: '->', xor: 'X', parallel: '+', loop: '*' }[tree.kind];
      return `${op}( ${tree.children.map(processTreeToString).join(', ')} )`;
    }
  }
}
