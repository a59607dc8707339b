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
  readonly processKey: string;
  readonly department: string;
  /** The published time to a decision (ISO 8601 duration, e.g. P5D), if any. */
  readonly sla?: string;
}

export const TRANSPARENCY_PROJECTOR = 'transparency';
export const TRANSPARENCY_TABLES = ['transparency_case', 'transparency_fee', 'transparency_benefit'] as const;

const EVENT_TYPES = ['process.started', 'task.created', 'decision.issued', 'process.completed', 'process.terminated', ...MONEY_EVENT_TYPES] as const;

export function createTransparencyProjector(services: readonly PublishedService[]): Projector {
  const byProcess = new Map(services.map((s) => [s.processKey, s]));
  return {
    name: TRANSPARENCY_PROJECTOR,
    tables: TRANSPARENCY_TABLES,
    eventTypes: EVENT_TYPES,
    apply: async (tx, events) => {
      await applyBatch(tx, byProcess, events);
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
      const due = service.sla ? addDuration(e.occurredAt, isoPeriod(service.sla, 'sla')).toISOString() : null;
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
