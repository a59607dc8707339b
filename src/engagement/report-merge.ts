/**
 * Staff merge a duplicate problem report into the main one (issue 18): the duplicate's case is cancelled as a
 * duplicate (a `process.terminated` event with the reason), the merge is an `engagement.report.merged` event on the
 * event log (the staff member as actor), and the duplicate's reporter follows the main report from then on (its page
 * and Open311 `status_notes` name it). Who may: whoever routes reports within one category; across categories (so
 * possibly departments) an administrator or a manager of both departments.
 */
import type { Engine } from '../engine/index.js';
import { GovflowError } from '../kernel/index.js';
import { appendEvent, type Database } from '../store/index.js';
import type { ProblemCategory } from './categories.js';
import * as store from './report-store.js';

/** The part of a staff principal the rule reads (identity's StaffPrincipal has it). */
export interface Merger {
  readonly id: string;
  readonly roles: readonly string[];
  readonly memberships: readonly { readonly department: string; readonly role: string }[];
  /** An API key with staff roles holds no memberships: a manager key manages every department. */
  readonly apiKey?: true;
}

const routes = (m: Merger): boolean => m.roles.includes('caseworker') || m.roles.includes('manager');
const manages = (m: Merger, department: string): boolean =>
  m.apiKey === true ? m.roles.includes('manager') : m.memberships.some((x) => x.role === 'manager' && x.department === department);

/** Whether `who` may merge a report of category `duplicate` into one of category `main`. */
export function mayMerge(who: Merger, duplicate: ProblemCategory, main: ProblemCategory): boolean {
  if (who.roles.includes('admin')) return true;
  if (duplicate.code === main.code) return routes(who);
  return manages(who, duplicate.department) && manages(who, main.department);
}

export async function mergeReport(ctx: { db: Database; engine: Engine; categories: readonly ProblemCategory[] }, q: { duplicateId: number; mainId: number; by: Merger }): Promise<void> {
  const { db, engine, categories } = ctx;
  if (q.duplicateId === q.mainId) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'a report cannot be merged into itself');
  const [duplicate, main] = await Promise.all([store.getReport(db, null, q.duplicateId), store.getReport(db, null, q.mainId)]);
  if (!duplicate) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', `there is no report ${q.duplicateId}`);
  if (!main) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', `there is no report ${q.mainId} to merge into`);
  if (duplicate.jurisdictionId !== main.jurisdictionId) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'the two reports are in different jurisdictions');
  const dupCategory = categories.find((c) => c.code === duplicate.serviceCode);
  const mainCategory = categories.find((c) => c.code === main.serviceCode);
  if (!dupCategory || !mainCategory || !mayMerge(q.by, dupCategory, mainCategory)) {
    throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', dupCategory?.code === mainCategory?.code
      ? 'only caseworkers and managers merge reports'
      : `report ${duplicate.id} (${dupCategory?.name ?? duplicate.serviceCode}) and report ${main.id} (${mainCategory?.name ?? main.serviceCode}) are of different kinds: only an administrator or a manager of both departments merges them`);
  }
  if (duplicate.status === 'closed') throw new GovflowError('GOVFLOW_ERR_CONFLICT', `report ${duplicate.id} is already closed${duplicate.mergedInto !== null ? ` (merged into report ${duplicate.mergedInto})` : ''}`);
  if (main.mergedInto !== null) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `report ${main.id} is itself merged into report ${main.mergedInto}: merge into that one`);
  const actor = `staff:${q.by.id}`;
  await db.transaction(async (tx) => {
    if (!(await store.markMerged(tx, duplicate.id, main.id))) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `report ${duplicate.id} or report ${main.id} was merged meanwhile, or other reports are merged into report ${duplicate.id}`);
    await appendEvent(tx, { type: 'engagement.report.merged', actor, data: { report: duplicate.id, into: main.id, instanceId: duplicate.instanceId } });
  });
  // After the commit: the report already reads closed (merged), so a cancel that fails leaves nothing a citizen sees wrong.
  if (duplicate.instanceId !== null) await engine.cancelInstance(duplicate.instanceId, { actor, reason: `duplicate: merged into report ${main.id}` });
}
