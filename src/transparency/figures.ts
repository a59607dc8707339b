/**
 * The published figures: per service and per department, by week or month, read from `transparency_case` (the
 * projector's table, never the log), with small counts suppressed across every table that could be combined.
 */
import { latestTreeHead } from '../ledger/index.js';
import { projectorPosition, type Queryable } from '../store/index.js';
import { TRANSPARENCY_PROJECTOR, type PublishedService } from './projector.js';
import { suppressCells, type Relation } from './suppression.js';

export const COUNT_MEASURES = ['received', 'decided', 'approved', 'refused', 'withdrawn', 'withinSla', 'automated'] as const;
export type CountMeasure = (typeof COUNT_MEASURES)[number];
export type Granularity = 'week' | 'month';
export const GRANULARITIES: readonly Granularity[] = ['week', 'month'];

/** One row of a table: null is a withheld count. */
export interface PeriodFigures {
  /** The period's first day (ISO date, UTC; weeks start on Monday), or 'total'. */
  readonly period: string;
  readonly counts: Readonly<Record<CountMeasure, number | null>>;
  /** Calendar days from receipt to decision, of the cases decided in the period (null when too few). */
  readonly medianDays: number | null;
  readonly p90Days: number | null;
}

export interface UnitFigures {
  readonly kind: 'service' | 'department';
  readonly id: string;
  readonly title: string;
  readonly department: string;
  readonly periods: readonly PeriodFigures[];
  readonly total: PeriodFigures;
  /** Open cases (received, not decided, withdrawn or ended) now, and their median age in days. */
  readonly backlog: { readonly open: number | null; readonly medianAgeDays: number | null };
}

/** The signed tree head of the ledger at the time the figures were read, and how far the projector had got. */
export interface Provenance {
  readonly computedAt: string;
  readonly eventsApplied: number;
  readonly lastEventId: number;
  readonly treeHead: { readonly origin: string; readonly treeSize: number; readonly rootHash: string; readonly signedAt: string; readonly keyId: string; readonly signature: string } | null;
}

export interface Figures {
  readonly granularity: Granularity;
  readonly threshold: number;
  readonly units: readonly UnitFigures[];
  readonly provenance: Provenance;
}

interface Raw { counts: Record<CountMeasure, number>; durations: number[] }
const emptyRaw = (): Raw => ({ counts: { received: 0, decided: 0, approved: 0, refused: 0, withdrawn: 0, withinSla: 0, automated: 0 }, durations: [] });
const DAY_MS = 86_400_000;

/** Linear interpolation between closest ranks (PostgreSQL's percentile_cont, R's type 7). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

const unitKey = (kind: 'service' | 'department', id: string): string => `${kind}:${id}`;
const cellKey = (unit: string, period: string, measure: string): string => `${unit}|${period}|${measure}`;

async function readRaw(q: Queryable, granularity: Granularity): Promise<Map<string, Map<string, Raw>>> {
  // One pass over the per-case table: each case contributes to the period of each of its dates.
  const { rows } = await q.query<{ service_id: string; period: string; measure: string; n: string; durations: number[] | null }>(
    `with c as (select * from transparency_case), dated as (
       select service_id, date_trunc($1, received_at at time zone 'UTC') as p, 'received' as m, null::float8 as d from c
       union all select service_id, date_trunc($1, decided_at at time zone 'UTC'), 'decided', extract(epoch from decided_at - received_at) * 1000 from c where decided_at is not null
       union all select service_id, date_trunc($1, decided_at at time zone 'UTC'), outcome, null from c where decided_at is not null
       union all select service_id, date_trunc($1, decided_at at time zone 'UTC'), 'withinSla', null from c where decided_at is not null and sla_due_at is not null and decided_at <= sla_due_at
       union all select service_id, date_trunc($1, decided_at at time zone 'UTC'), 'automated', null from c where decided_at is not null and not human_task
       union all select service_id, date_trunc($1, withdrawn_at at time zone 'UTC'), 'withdrawn', null from c where withdrawn_at is not null
     )
     select service_id, to_char(p, 'YYYY-MM-DD') as period, m as measure, count(*)::text as n, array_agg(d order by d) filter (where d is not null) as durations
     from dated group by service_id, p, m`,
    [granularity],
  );
  const out = new Map<string, Map<string, Raw>>();
  for (const r of rows) {
    const periods = out.get(r.service_id) ?? new Map<string, Raw>();
    out.set(r.service_id, periods);
    const raw = periods.get(r.period) ?? emptyRaw();
    periods.set(r.period, raw);
    raw.counts[r.measure as CountMeasure] = Number(r.n);
    if (r.measure === 'decided') raw.durations = (r.durations ?? []).map(Number);
  }
  return out;
}

async function readBacklog(q: Queryable, now: Date): Promise<Map<string, number[]>> {
  const { rows } = await q.query<{ service_id: string; ages: number[] }>(
    `select service_id, array_agg(extract(epoch from $1::timestamptz - received_at) * 1000 order by received_at desc) as ages
     from transparency_case where decided_at is null and withdrawn_at is null and ended_at is null group by service_id`,
    [now.toISOString()],
  );
  return new Map(rows.map((r) => [r.service_id, r.ages.map(Number).sort((a, b) => a - b)]));
}

function add(into: Raw, from: Raw): void {
  for (const m of COUNT_MEASURES) into.counts[m] += from.counts[m];
  // A loop, not push(...spread): a service's year can hold more durations than a call's argument limit.
  for (const d of from.durations) into.durations.push(d);
}

interface RawUnit { kind: 'service' | 'department'; id: string; title: string; department: string; periods: Map<string, Raw>; total: Raw; ages: number[] }

function buildUnits(services: readonly PublishedService[], raw: Map<string, Map<string, Raw>>, backlog: Map<string, number[]>): RawUnit[] {
  const units: RawUnit[] = [];
  const departments = new Map<string, RawUnit>();
  for (const s of services) {
    const periods = raw.get(s.id) ?? new Map<string, Raw>();
    const total = emptyRaw();
    for (const r of periods.values()) add(total, r);
    const unit: RawUnit = { kind: 'service', id: s.id, title: s.title, department: s.department, periods, total, ages: backlog.get(s.id) ?? [] };
    units.push(unit);
    const dept: RawUnit = departments.get(s.department) ?? { kind: 'department', id: departmentSlug(s.department), title: s.department, department: s.department, periods: new Map<string, Raw>(), total: emptyRaw(), ages: [] };
    departments.set(s.department, dept);
    for (const [p, r] of periods) {
      const d = dept.periods.get(p) ?? emptyRaw();
      dept.periods.set(p, d);
      add(d, r);
    }
    add(dept.total, total);
    for (const age of unit.ages) dept.ages.push(age);
  }
  for (const d of departments.values()) d.ages.sort((a, b) => a - b);
  return [...units, ...departments.values()];
}

export const departmentSlug = (name: string): string => name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'department';

/** Every cell of both granularities and the relations between them; totals and backlog are shared by both. */
function cellsAndRelations(byGranularity: ReadonlyMap<Granularity, RawUnit[]>): { values: Map<string, number>; relations: Relation[] } {
  const values = new Map<string, number>();
  const relations: Relation[] = [];
  for (const [granularity, units] of byGranularity) {
    for (const u of units) {
      const unit = unitKey(u.kind, u.id);
      const rows: [string, Raw][] = [...[...u.periods].map(([p, r]): [string, Raw] => [`${granularity}:${p}`, r]), ['total', u.total]];
      for (const [period, r] of rows) {
        for (const m of COUNT_MEASURES) values.set(cellKey(unit, period, m), r.counts[m]);
        relations.push({ parts: [cellKey(unit, period, 'approved'), cellKey(unit, period, 'refused')], total: cellKey(unit, period, 'decided') });
      }
      for (const m of COUNT_MEASURES) relations.push({ parts: [...u.periods.keys()].map((p) => cellKey(unit, `${granularity}:${p}`, m)), total: cellKey(unit, 'total', m) });
      values.set(cellKey(unit, 'now', 'backlog'), u.ages.length);
    }
    for (const dept of units.filter((u) => u.kind === 'department')) {
      const members = units.filter((u) => u.kind === 'service' && u.department === dept.department);
      const periods = [...[...dept.periods.keys()].map((p) => `${granularity}:${p}`), 'total'];
      for (const period of periods) {
        for (const m of COUNT_MEASURES) relations.push({ parts: members.map((s) => cellKey(unitKey('service', s.id), period, m)), total: cellKey(unitKey('department', dept.id), period, m) });
      }
      relations.push({ parts: members.map((s) => cellKey(unitKey('service', s.id), 'now', 'backlog')), total: cellKey(unitKey('department', dept.id), 'now', 'backlog') });
    }
  }
  // A cell named in a relation but absent (a period where a service had nothing) is a published zero.
  for (const r of relations) for (const c of [...r.parts, r.total]) if (!values.has(c)) values.set(c, 0);
  return { values, relations };
}

export interface FiguresOptions {
  readonly services: readonly PublishedService[];
  /** Counts from 1 to threshold − 1 are withheld (default 5). */
  readonly threshold?: number;
  readonly now?: Date;
}

/** The figures for both granularities at once (suppression must see every table that is published). */
export async function readFigures(q: Queryable, options: FiguresOptions): Promise<ReadonlyMap<Granularity, Figures>> {
  const threshold = options.threshold ?? 5;
  const now = options.now ?? new Date();
  const [head, position, backlog, ...raws] = await Promise.all([
    latestTreeHead(q), projectorPosition(q, TRANSPARENCY_PROJECTOR), readBacklog(q, now), ...GRANULARITIES.map((g) => readRaw(q, g)),
  ]);
  const byGranularity = new Map(GRANULARITIES.map((g, i) => [g, buildUnits(options.services, raws[i]!, backlog)]));
  const { values, relations } = cellsAndRelations(byGranularity);
  const withheld = suppressCells(values, relations, threshold);
  const provenance: Provenance = {
    computedAt: now.toISOString(), eventsApplied: position?.applied ?? 0, lastEventId: position?.lastEventId ?? 0,
    treeHead: head ? { origin: head.origin, treeSize: head.treeSize, rootHash: head.rootHash.toString('base64'), signedAt: head.signedAt, keyId: head.keyId, signature: head.signature.toString('base64') } : null,
  };
  const result = new Map<Granularity, Figures>();
  for (const [granularity, units] of byGranularity) {
    const publish = (unit: string, period: string, r: Raw): PeriodFigures => {
      const counts = Object.fromEntries(COUNT_MEASURES.map((m) => [m, withheld.has(cellKey(unit, period, m)) ? null : r.counts[m]])) as Record<CountMeasure, number | null>;
      // A median of fewer than `threshold` decisions says too much about each of them.
      const enough = counts.decided !== null && r.durations.length >= Math.max(threshold, 1);
      const sorted = [...r.durations].sort((a, b) => a - b);
      const days = (v: number | null): number | null => (v === null ? null : Math.round((v / DAY_MS) * 10) / 10);
      return { period: period === 'total' ? 'total' : period.slice(granularity.length + 1), counts, medianDays: enough ? days(percentile(sorted, 0.5)) : null, p90Days: enough ? days(percentile(sorted, 0.9)) : null };
    };
    result.set(granularity, {
      granularity, threshold, provenance,
      units: units.map((u) => {
        const unit = unitKey(u.kind, u.id);
        const open = withheld.has(cellKey(unit, 'now', 'backlog')) ? null : u.ages.length;
        return {
          kind: u.kind, id: u.id, title: u.title, department: u.department,
          periods: [...u.periods].sort(([a], [b]) => a.localeCompare(b)).map(([p, r]) => publish(unit, `${granularity}:${p}`, r)),
          total: publish(unit, 'total', u.total),
          backlog: { open, medianAgeDays: open !== null && open >= Math.max(threshold, 1) ? Math.round((percentile(u.ages, 0.5)! / DAY_MS) * 10) / 10 : null },
        };
      }),
    });
  }
  return result;
}

/** Per service: the first receipt and the last change of any of its cases (temporal coverage, dct:modified). */
export async function readCoverage(q: Queryable): Promise<Map<string, { first: string; last: string }>> {
  const { rows } = await q.query<{ service_id: string; first: Date | string; last: Date | string }>(
    `select service_id, min(received_at) as first,
            max(greatest(received_at, coalesce(decided_at, received_at), coalesce(withdrawn_at, received_at), coalesce(ended_at, received_at))) as last
     from transparency_case group by service_id`,
  );
  return new Map(rows.map((r) => [r.service_id, { first: new Date(r.first).toISOString(), last: new Date(r.last).toISOString() }]));
}
