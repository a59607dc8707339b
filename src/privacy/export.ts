import type { Queryable } from '../store/index.js';
import { listAccess } from './access-log.js';
import type { Vault } from './vault.js';

/**
 * Everything govflow holds about a person, for their own download: their cases (submissions, answers, the case
 * timeline), drafts, the access log and their identifiers decrypted. Read in one transaction so it is consistent.
 */
export async function exportPersonData(q: Queryable, vault: Vault, personId: string): Promise<Record<string, unknown>> {
  const submissions = await q.query<{ id: string | number; reference: string; service_id: string; instance_id: string | number | null; answers: unknown; submitted_at: Date | string }>(
    'select id, reference, service_id, instance_id, answers, submitted_at from portal_submission where citizen_id = $1 order by submitted_at, id',
    [personId],
  );
  const instanceIds = new Set<number>(submissions.rows.filter((s) => s.instance_id !== null).map((s) => Number(s.instance_id)));
  const byApplicant = await q.query<{ id: string | number }>(`select id from process_instance where variables ->> 'applicant' = $1`, [personId]);
  for (const r of byApplicant.rows) instanceIds.add(Number(r.id));
  const cases: Record<string, unknown>[] = [];
  for (const id of [...instanceIds].sort((a, b) => a - b)) {
    const inst = await q.query<{ process_key: string; business_key: string | null; state: string; variables: unknown }>('select process_key, business_key, state, variables from process_instance where id = $1', [id]);
    if (!inst.rows[0]) continue;
    const events = await q.query<{ seq: number | null; type: string; element_id: string | null; occurred_at: Date | string }>(
      'select seq, type, element_id, occurred_at from event_log where instance_id = $1 order by seq', [id],
    );
    cases.push({
      instanceId: id, processKey: inst.rows[0].process_key, businessKey: inst.rows[0].business_key, state: inst.rows[0].state,
      variables: inst.rows[0].variables,
      timeline: events.rows.map((e) => ({ seq: e.seq, type: e.type, elementId: e.element_id, at: new Date(e.occurred_at).toISOString() })),
    });
  }
  const drafts = await q.query<{ service_id: string; answers: unknown }>('select service_id, answers from portal_draft where citizen_id = $1 order by service_id', [personId]);
  const access = await listAccess(q, personId, { offset: 0, limit: 1000 });
  return {
    personId,
    exportedAt: new Date().toISOString(),
    identifiers: await vault.identifiersOf(q, personId),
    submissions: submissions.rows.map((s) => ({ reference: s.reference, serviceId: s.service_id, instanceId: s.instance_id === null ? null : Number(s.instance_id), answers: s.answers, submittedAt: new Date(s.submitted_at).toISOString() })),
    drafts: drafts.rows.map((d) => ({ serviceId: d.service_id, answers: d.answers })),
    cases,
    accessLog: access.entries,
  };
}
