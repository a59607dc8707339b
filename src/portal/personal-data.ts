import type { PersonalDataHolder } from '../privacy/index.js';
import type { Queryable } from '../store/index.js';

/**
 * The portal's part of a person's data, for privacy (issue 14: privacy no longer names the portal's tables): who
 * a case is about (the citizen of its submission), their submissions and drafts for the export, and the erasure
 * of answers, drafts and uploads when the case's retention period has passed. Wired in by the composition root.
 */
export const portalPersonalData: PersonalDataHolder = {
  // Served by portal_submission_instance (0011): one index probe per logged read.
  subjectOfCaseSql: (instanceId) => `(select nullif(s.citizen_id, '') from portal_submission s where s.instance_id = ${instanceId} order by s.id limit 1)`,

  async casesOf(q, personId) {
    const { rows } = await q.query<{ instance_id: string | number }>(
      'select instance_id from portal_submission where citizen_id = $1 and instance_id is not null order by instance_id', [personId]);
    return rows.map((r) => Number(r.instance_id));
  },

  async exportOf(q: Queryable, personId: string) {
    const submissions = await q.query<{ reference: string; service_id: string; instance_id: string | number | null; answers: unknown; submitted_at: Date | string }>(
      'select reference, service_id, instance_id, answers, submitted_at from portal_submission where citizen_id = $1 order by submitted_at, id', [personId]);
    const drafts = await q.query<{ service_id: string; answers: unknown }>('select service_id, answers from portal_draft where citizen_id = $1 order by service_id', [personId]);
    return {
      submissions: submissions.rows.map((s) => ({ reference: s.reference, serviceId: s.service_id, instanceId: s.instance_id === null ? null : Number(s.instance_id), answers: s.answers, submittedAt: new Date(s.submitted_at).toISOString() })),
      drafts: drafts.rows.map((d) => ({ serviceId: d.service_id, answers: d.answers })),
    };
  },

  async eraseCases(tx, instanceIds, marker) {
    const submissions = await tx.query<{ citizen_id: string; service_id: string }>(
      'update portal_submission set answers = $2::jsonb where instance_id = any($1::bigint[]) returning citizen_id, service_id', [instanceIds, JSON.stringify(marker)]);
    // The case's uploads (by the submission's reference), then the citizen's draft and draft uploads for that service.
    await tx.query('delete from case_upload where reference in (select reference from portal_submission where instance_id = any($1::bigint[]))', [instanceIds]);
    for (const s of submissions.rows) {
      await tx.query('delete from portal_draft where citizen_id = $1 and service_id = $2', [s.citizen_id, s.service_id]);
      await tx.query('delete from case_upload where reference is null and owner = $1 and service_id = $2', [`citizen:${s.citizen_id}`, s.service_id]);
    }
    return { submissions: submissions.rowCount };
  },
};
