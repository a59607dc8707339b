import { hasRole, type StaffPrincipal } from '../identity/index.js';
import { appendEvent, type Queryable } from '../store/index.js';
import type { SessionFeedback } from './feedback.js';

/**
 * The training record: who trained on which service, when, and how it went. It is the ONE thing a sandbox session
 * leaves in the real database — one platform event `training.session-finished` in the event log, appended when the
 * trainee finishes (nothing while they work). An event rather than a table of its own: the record is an audit fact
 * like a sign-in (who did what, when), sealed by the ledger like any other, read back through the engine's exported
 * `process_event` view as the managers' conformance checks are (workbench/intelligence.ts). The record names the
 * synthetic cases by their made-up references only, never a (made-up) applicant.
 */

export const TRAINING_EVENT = 'training.session-finished';

export interface TrainingRecord {
  readonly id: number;
  readonly trainee: { readonly id: string; readonly name: string; readonly departments: readonly string[] };
  readonly serviceId: string;
  readonly serviceTitle: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly feedback: SessionFeedback;
}

export async function recordTrainingSession(db: Queryable, actor: string, record: Omit<TrainingRecord, 'id'>): Promise<number> {
  return appendEvent(db, { type: TRAINING_EVENT, actor, elementId: record.serviceId, occurredAt: new Date(record.finishedAt), data: { ...record } });
}

type Row = { id: number | string; data: Omit<TrainingRecord, 'id'> };
const recordOf = (row: Row): TrainingRecord => ({ ...row.data, id: Number(row.id) });

/** The newest records first (a manager's page shows the last `limit`). */
export async function listTrainingRecords(db: Queryable, limit = 200): Promise<TrainingRecord[]> {
  const { rows } = await db.query<Row>('select id, data from process_event where type = $1 order by id desc limit $2', [TRAINING_EVENT, limit]);
  return rows.map(recordOf);
}

export async function getTrainingRecord(db: Queryable, id: number): Promise<TrainingRecord | null> {
  const { rows } = await db.query<Row>('select id, data from process_event where type = $1 and id = $2', [TRAINING_EVENT, id]);
  return rows[0] ? recordOf(rows[0]) : null;
}

/**
 * Who sees a record: the trainee their own; a manager those of the members of the departments they manage (as they
 * were when the session finished); admins and auditors, who oversee every department, all of them.
 */
export function maySeeRecord(viewer: StaffPrincipal, record: TrainingRecord): boolean {
  if (record.trainee.id === viewer.id) return true;
  if (hasRole(viewer, ['admin', 'auditor'])) return true;
  const managed = viewer.memberships.filter((m) => m.role === 'manager').map((m) => m.department);
  return record.trainee.departments.some((d) => managed.includes(d));
}
