import type { Queryable } from '../store/index.js';

/**
 * Whose personal data a case holds: the citizen who submitted it through the portal (`portal_submission.citizen_id`),
 * else the case's `applicant` variable (the portal sets it when it starts the case; API clients may too).
 * Null when the case carries no person (a test process, a business-only case).
 */
export async function subjectOfInstance(q: Queryable, instanceId: number): Promise<string | null> {
  const { rows } = await q.query<{ citizen_id: string | null; applicant: unknown }>(
    `select (select s.citizen_id from portal_submission s where s.instance_id = i.id order by s.id limit 1) as citizen_id,
            i.variables -> 'applicant' as applicant
     from process_instance i where i.id = $1`,
    [instanceId],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.citizen_id) return row.citizen_id;
  return typeof row.applicant === 'string' && row.applicant.length > 0 && row.applicant.length <= 200 ? row.applicant : null;
}
