import type { Queryable } from '../store/index.js';

/**
 * A module above privacy that keeps personal data in its own tables (the portal's submissions, drafts and
 * uploads; later engagement's reports), registered by the composition root. Privacy asks the holders instead of
 * naming their tables (issue 14), and the engine's part (the `applicant` variable, the timeline) directly.
 */
export interface PersonalDataHolder {
  /**
   * SQL (a scalar subquery or expression) giving the person behind the case whose instance id is the SQL
   * expression `instanceId`, or null; embedded in privacy's one-statement access record, so it must be cheap.
   */
  subjectOfCaseSql(instanceId: string): string;
  /** The instance ids of the person's cases this holder knows of. */
  casesOf(q: Queryable, personId: string): Promise<number[]>;
  /** The holder's sections of the person's data export (JSON-ready), e.g. `{ submissions, drafts }`. */
  exportOf(q: Queryable, personId: string): Promise<Record<string, unknown>>;
  /**
   * Erases what the holder keeps about these instances (a case and the processes it called), replacing answers by
   * `marker` where a row must stay; counts for the `personal-data.erased` event, e.g. `{ submissions: 1 }`.
   */
  eraseCases(tx: Queryable, instanceIds: readonly number[], marker: Record<string, unknown>): Promise<Record<string, number>>;
}

/** The SQL expression of the subject of the case `instanceId`: the first holder that knows the person, else the engine's applicant. */
export function subjectSql(holders: readonly PersonalDataHolder[], instanceId: string, applicantSql: string): string {
  return `coalesce(${[...holders.map((h) => h.subjectOfCaseSql(instanceId)), applicantSql].join(', ')})`;
}
