import { createHash } from 'node:crypto';
import { applicantOfInstanceSql } from '../engine/index.js';
import { GovflowError } from '../kernel/index.js';
import { appendEvent, INSERT_PLATFORM_EVENTS_SQL, type Queryable } from '../store/index.js';
import { subjectSql, type PersonalDataHolder } from './holders.js';

/** One read of a person's data: who (actor, receiver), what (action, data categories), why (purpose), when. */
export interface AccessRecord {
  /** The person whose data was read (the citizen's person id). */
  readonly subject: string;
  /** Who read it, as in the event log: `staff:pat`, `system:registry-connector`, `system:<api client>`. */
  readonly actor: string;
  /** The receiving organisation's code (registry code of the agency, e.g. `demo-municipality`). */
  readonly receiverCode: string;
  readonly receiverName: string;
  /** The information system that received the data (`govflow-workbench`, `govflow-api`, a client id). */
  readonly receiverSystem: string;
  /** What was done, dotted: `case.viewed`, `registry.population.read`, `api.process-instance.read`. */
  readonly action: string;
  readonly dataCategories: readonly string[];
  readonly purpose: string;
  /** What the read was about, e.g. a case id or business key. */
  readonly reference?: string | null;
  readonly at?: Date;
}

export interface AccessEntry {
  readonly id: number;
  readonly subject: string;
  readonly actor: string;
  readonly logtime: string;
  readonly action: string;
  readonly receiverCode: string;
  readonly receiverName: string;
  readonly receiverSystem: string;
  readonly dataCategories: string[];
  readonly purpose: string;
  readonly reference: string | null;
}

const TEXT_FIELDS = ['subject', 'actor', 'receiverCode', 'receiverName', 'receiverSystem', 'action', 'purpose'] as const;

function validate(entry: AccessRecord): void {
  for (const field of TEXT_FIELDS) {
    const value: unknown = entry[field];
    if (typeof value !== 'string' || value.trim().length === 0 || value.length > 500) {
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', `access record: ${field} must be a non-empty string of at most 500 characters`, [{ where: field, message: 'is required' }]);
    }
  }
  if (!Array.isArray(entry.dataCategories) || entry.dataCategories.some((c) => typeof c !== 'string' || c.length === 0 || c.length > 100)) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'access record: dataCategories must be a list of short strings', [{ where: 'dataCategories', message: 'is not valid' }]);
  }
  if (entry.reference != null && (typeof entry.reference !== 'string' || entry.reference.length > 500)) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'access record: reference must be a string of at most 500 characters', [{ where: 'reference', message: 'is not valid' }]);
  }
  if (entry.at !== undefined && (!(entry.at instanceof Date) || Number.isNaN(entry.at.getTime()))) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'access record: at must be a valid date', [{ where: 'at', message: 'is not a date' }]);
  }
}

/**
 * Records one read of personal data, in the caller's transaction: a row in the per-person access log and a
 * `personal-data.accessed` event (who, what, why — never the data) that the ledger seals, so the log itself is
 * tamper-evident. Call it in the same transaction as the read when there is one, so a logged read and the read agree.
 */
export async function recordAccess(tx: Queryable, entry: AccessRecord): Promise<number> {
  validate(entry);
  const at = entry.at ?? new Date();
  const eventId = await appendEvent(tx, {
    type: 'personal-data.accessed',
    actor: entry.actor,
    occurredAt: at,
    data: {
      subject: entry.subject, action: entry.action, receiverCode: entry.receiverCode, receiverSystem: entry.receiverSystem,
      dataCategories: [...entry.dataCategories], purpose: entry.purpose, reference: entry.reference ?? null,
    },
  });
  const { rows } = await tx.query<{ id: string | number }>(
    `insert into personal_data_access (subject, actor, receiver_code, receiver_name, receiver_system, action, data_categories, purpose, reference, logtime, event_id)
     values ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, $11) returning id`,
    [entry.subject, entry.actor, entry.receiverCode, entry.receiverName, entry.receiverSystem, entry.action, [...entry.dataCategories], entry.purpose, entry.reference ?? null, at, eventId],
  );
  return Number(rows[0]!.id);
}

/**
 * Records a read of the data of the person behind a process instance (found as `subjectOfInstance` finds them:
 * the person a holder links to the case, else the `applicant` variable) as one statement: the subject, the
 * `personal-data.accessed` event and the access row together, atomic without a transaction of its own and one
 * round trip instead of five. Null, and nothing recorded, when the instance has no person.
 */
export async function recordInstanceAccess(q: Queryable, holders: readonly PersonalDataHolder[], instanceId: number, entry: Omit<AccessRecord, 'subject'>): Promise<{ id: number; subject: string } | null> {
  validate({ ...entry, subject: 'checked-by-the-statement' });
  const at = entry.at ?? new Date();
  const { sql, name } = instanceAccessStatement(holders);
  const { rows } = await q.query<{ id: string | number; subject: string }>(
    sql,
    [instanceId, entry.actor, entry.receiverCode, entry.receiverName, entry.receiverSystem, entry.action, [...entry.dataCategories], entry.purpose, entry.reference ?? null, at],
    { name },
  );
  return rows[0] ? { id: Number(rows[0].id), subject: rows[0].subject } : null;
}

/**
 * The statement for a set of holders, built and named once per set (every API read of a case records one): the
 * holders wired in decide its text, and one connection may serve two configurations, so it is named per text.
 */
const instanceAccessStatements = new WeakMap<readonly PersonalDataHolder[], { sql: string; name: string }>();
function instanceAccessStatement(holders: readonly PersonalDataHolder[]): { sql: string; name: string } {
  let statement = instanceAccessStatements.get(holders);
  if (!statement) {
    const sql = `with person as (
       select ${subjectSql(holders, '$1::bigint', applicantOfInstanceSql('$1::bigint'))} as subject
     ), event as (
       ${INSERT_PLATFORM_EVENTS_SQL}
       select null, null, 'personal-data.accessed', null, $2::text, $10::timestamptz,
              jsonb_build_object('subject', person.subject, 'action', $6::text, 'receiverCode', $3::text, 'receiverSystem', $5::text,
                                 'dataCategories', to_jsonb($7::text[]), 'purpose', $8::text, 'reference', $9::text)
       from person where person.subject is not null
       returning id, data ->> 'subject' as subject
     )
     insert into personal_data_access (subject, actor, receiver_code, receiver_name, receiver_system, action, data_categories, purpose, reference, logtime, event_id)
     select event.subject, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text[], $8::text, $9::text, $10::timestamptz, event.id from event
     returning id, subject`;
    statement = { sql, name: `privacy-record-instance-access-${createHash('sha256').update(sql).digest('hex').slice(0, 12)}` };
    instanceAccessStatements.set(holders, statement);
  }
  return statement;
}

interface AccessRow {
  id: string | number; subject: string; actor: string; logtime: Date | string; action: string; receiver_code: string;
  receiver_name: string; receiver_system: string; data_categories: string[]; purpose: string; reference: string | null;
}

function toEntry(r: AccessRow): AccessEntry {
  return {
    id: Number(r.id), subject: r.subject, actor: r.actor, logtime: new Date(r.logtime).toISOString(), action: r.action,
    receiverCode: r.receiver_code, receiverName: r.receiver_name, receiverSystem: r.receiver_system,
    dataCategories: r.data_categories, purpose: r.purpose, reference: r.reference,
  };
}

export const DEFAULT_USAGE_LIMIT = 1000;
export const MAX_USAGE_LIMIT = 1000;

/** A person's access log, newest first, a page at a time (`offset`, `limit` as in the Data Tracker's findUsage). */
export async function listAccess(db: Queryable, subject: string, page: { offset?: number; limit?: number } = {}): Promise<{ total: number; entries: AccessEntry[] }> {
  const offset = page.offset ?? 0;
  const limit = page.limit ?? DEFAULT_USAGE_LIMIT;
  if (!Number.isInteger(offset) || offset < 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'offset must be a whole number of at least 0', [{ where: 'offset', message: 'is not valid' }]);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_USAGE_LIMIT) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `limit must be between 1 and ${MAX_USAGE_LIMIT}`, [{ where: 'limit', message: 'is not valid' }]);
  const [count, page_] = await Promise.all([
    db.query<{ n: string | number }>('select count(*) as n from personal_data_access where subject = $1', [subject]),
    db.query<AccessRow>(
      `select id, subject, actor, logtime, action, receiver_code, receiver_name, receiver_system, data_categories, purpose, reference
       from personal_data_access where subject = $1 order by logtime desc, id desc offset $2 limit $3`,
      [subject, offset, limit],
    ),
  ]);
  return { total: Number(count.rows[0]!.n), entries: page_.rows.map(toEntry) };
}
