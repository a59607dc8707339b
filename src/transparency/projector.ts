/**
 * The transparency projector: follows the event log (store/projector.ts) into `transparency_case`, one row per
 * case of a published service with its dates and outcome and nothing about the person. Page views read only this
 * table, never the log.
 *
 * What counts: a case is *received* when its process starts, *decided* when its signed decision is issued
 * (`decision.issued`, whose `outcome` is approved or refused: the decision the applicant receives), *withdrawn*
 * when it ends terminated before a decision, and handled by a person when any user task was created for it
 * (otherwise straight-through).
 */
import { addDuration, isoPeriod } from '../kernel/index.js';
import type { ProjectedEvent, Projector, Queryable } from '../store/index.js';
import { applyMoney, MONEY_EVENT_TYPES, referenceDigest } from './money-projection.js';

/** What the figures need to know of a catalogued service (the composition root maps the catalogue to this). */
export interface PublishedService {
  readonly id: string;
  readonly title: string;
  /** The title and department in other languages, as the catalogue has them: language → { title, department }. */
  readonly translations?: Readonly<Record<string, Readonly<{ title?: string; department?: string }>>>;
  readonly processKey: string;
  readonly department: string;
  /** The published time to a decision (ISO 8601 duration, e.g. P5D), if any. */
  readonly sla?: string;
  /** Where a case waits for the applicant with its SLA clock stopped (the service's choice); none: the clock never stops. */
  readonly slaPausesAt?: readonly string[];
  /**
   * The case's deadline as the one SLA clock reads it (the catalogue's serviceCaseSla over the case's events, passed
   * in by the composition root), read through `tx` at `at`; while paused, the deadline were it to resume then.
   * Without it, the SLA counts in calendar time from the start.
   */
  readonly slaDeadline?: (tx: Queryable, instanceId: number, receivedAt: string, at: string) => Promise<string | null>;
}

export const TRANSPARENCY_PROJECTOR = 'transparency';
export const TRANSPARENCY_TABLES = ['transparency_case', 'transparency_fee', 'transparency_benefit'] as const;

// The element events only for the SLA clock's pauses (slaPausesAt); every other element event is skipped at once.
const CLOCK_TYPES = ['element.activated', 'element.completed', 'element.terminated'] as const;
const EVENT_TYPES = ['process.started', 'task.created', 'decision.issued', 'process.completed', 'process.terminated', ...CLOCK_TYPES, ...MONEY_EVENT_TYPES] as const;

export function createTransparencyProjector(services: readonly PublishedService[]): Projector {
  const byProcess = new Map(services.map((s) => [s.processKey, s]));
  return {
    name: TRANSPARENCY_PROJECTOR,
    tables: TRANSPARENCY_TABLES,
    eventTypes: EVENT_TYPES,
    apply: async (tx, events) => {
      await applyBatch(tx, byProcess, events);
      await applyClock(tx, byProcess, events);
      await applyMoney(tx, byProcess, events);
    },
  };
}

async function applyBatch(tx: Queryable, byProcess: ReadonlyMap<string, PublishedService>, events: readonly ProjectedEvent[]): Promise<void> {
  const started: { id: number; service: string; department: string; at: string; due: string | null; digest: string | null }[] = [];
  const tasks = new Set<number>();
  const decided: { id: number; at: string; outcome: string }[] = [];
  const ended: { id: number; at: string; terminated: boolean }[] = [];
  for (const e of events) {
    if (e.instanceId === null) continue;
    if (e.type === 'process.started') {
      const service = e.processKey ? byProcess.get(e.processKey) : undefined;
      if (!service) continue;
      // With the one clock, the deadline is set below (applyClock), after the row exists.
      const due = service.sla && !service.slaDeadline ? addDuration(e.occurredAt, isoPeriod(service.sla, 'sla')).toISOString() : null;
      started.push({ id: e.instanceId, service: service.id, department: service.department, at: e.occurredAt.toISOString(), due, digest: e.businessKey === null ? null : referenceDigest(e.businessKey) });
    } else if (e.type === 'task.created') {
      tasks.add(e.instanceId);
    } else if (e.type === 'decision.issued') {
      const outcome = e.data['outcome'];
      if (outcome === 'approved' || outcome === 'refused') decided.push({ id: e.instanceId, at: e.occurredAt.toISOString(), outcome });
    } else if (e.type === 'process.completed' || e.type === 'process.terminated') {
      ended.push({ id: e.instanceId, at: e.occurredAt.toISOString(), terminated: e.type === 'process.terminated' });
    }
  }
  // In this order, so that a case started and decided in the same batch finds its row.
  if (started.length > 0) {
    await tx.query(
      `insert into transparency_case (instance_id, service_id, department, received_at, sla_due_at, reference_digest)
       select id, service, department, at, due, decode(digest, 'hex')
       from unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[]) as u(id, service, department, at, due, digest)
       on conflict (instance_id) do nothing`,
      [started.map((s) => s.id), started.map((s) => s.service), started.map((s) => s.department), started.map((s) => s.at), started.map((s) => s.due), started.map((s) => s.digest)],
    );
  }
  if (tasks.size > 0) await tx.query('update transparency_case set human_task = true where instance_id = any($1::bigint[]) and not human_task', [[...tasks]]);
  if (decided.length > 0) {
    // The first decision issued counts (a case is decided once; a re-issue does not move it).
    await tx.query(
      `update transparency_case c set decided_at = v.at, outcome = v.outcome
       from (select distinct on (id) id, at, outcome from unnest($1::bigint[], $2::timestamptz[], $3::text[]) as u(id, at, outcome) order by id, at) v
       where c.instance_id = v.id and c.decided_at is null`,
      [decided.map((d) => d.id), decided.map((d) => d.at), decided.map((d) => d.outcome)],
    );
  }
  if (ended.length > 0) {
    await tx.query(
      `update transparency_case c set ended_at = v.at,
              withdrawn_at = case when v.terminated and c.decided_at is null then v.at else c.withdrawn_at end
       from unnest($1::bigint[], $2::timestamptz[], $3::boolean[]) as v(id, at, terminated)
       where c.instance_id = v.id and c.ended_at is null`,
      [ended.map((d) => d.id), ended.map((d) => d.at), ended.map((d) => d.terminated)],
    );
  }
}

/**
 * The deadline from the one SLA clock: recounted for each case of the batch that started, began or stopped waiting
 * for the applicant, or was decided, at that event's time (for a decided case, at its decision: one decided while
 * paused is within the SLA when time was left), so the dashboard's "within the SLA" is the clerk's countdown's.
 */
async function applyClock(tx: Queryable, byProcess: ReadonlyMap<string, PublishedService>, events: readonly ProjectedEvent[]): Promise<void> {
  const latest = new Map<number, { service: PublishedService; at: Date }>();
  for (const e of events) {
    if (e.instanceId === null || !e.processKey) continue;
    const service = byProcess.get(e.processKey);
    if (!service?.slaDeadline || !service.sla) continue;
    const clock = (CLOCK_TYPES as readonly string[]).includes(e.type) && e.elementId !== null && (service.slaPausesAt ?? []).includes(e.elementId);
    if (!clock && e.type !== 'decision.issued' && e.type !== 'process.started') continue;
    const seen = latest.get(e.instanceId);
    if (!seen || seen.at < e.occurredAt) latest.set(e.instanceId, { service, at: e.occurredAt });
  }
  if (latest.size === 0) return;
  const { rows } = await tx.query<{ instance_id: string | number; received_at: Date; decided_at: Date | null }>(
    'select instance_id, received_at, decided_at from transparency_case where instance_id = any($1::bigint[])', [[...latest.keys()]]);
  const ids: number[] = [];
  const dues: (string | null)[] = [];
  for (const row of rows) {
    const id = Number(row.instance_id);
    const { service, at } = latest.get(id)!;
    ids.push(id);
    dues.push(await service.slaDeadline!(tx, id, new Date(row.received_at).toISOString(), (row.decided_at ? new Date(row.decided_at) : at).toISOString()));
  }
  await tx.query('update transparency_case c set sla_due_at = v.due from unnest($1::bigint[], $2::timestamptz[]) as v(id, due) where c.instance_id = v.id', [ids, dues]);
}
