import { applicantOfInstanceSql } from '../engine/index.js';
import type { Queryable } from '../store/index.js';
import { subjectSql, type PersonalDataHolder } from './holders.js';

/**
 * Whose personal data a case holds: the person a holder links to it (the citizen who submitted it through the
 * portal), else the case's `applicant` variable (the portal sets it when it starts the case; API clients may too).
 * Null when the case carries no person (a test process, a business-only case).
 */
export async function subjectOfInstance(q: Queryable, holders: readonly PersonalDataHolder[], instanceId: number): Promise<string | null> {
  const { rows } = await q.query<{ subject: string | null }>(`select ${subjectSql(holders, '$1::bigint', applicantOfInstanceSql('$1::bigint'))} as subject`, [instanceId]);
  return rows[0]?.subject ?? null;
}
