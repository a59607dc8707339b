import { randomBytes } from 'node:crypto';
import { GovflowError } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import { recordAccess } from './access-log.js';
import type { Envelope } from './vault.js';

/** How a sealed record is referred to everywhere outside the vault: in process variables, events, answers. */
export const RECORD_REF_PREFIX = 'vault:';
const TOKEN = /^pd1_[A-Za-z0-9_-]{24}$/;
const REF = /^vault:(pd1_[A-Za-z0-9_-]{24})$/;
const KIND = /^[a-z][a-z0-9-]{0,39}$/;

/** Is `value` a reference to a sealed record (`vault:pd1_…`)? */
export function isRecordRef(value: unknown): value is string {
  return typeof value === 'string' && REF.test(value);
}

/** Who opens records and why: each subject whose record is opened gets one access-log entry per call. */
export interface RecordReader {
  readonly actor: string;
  readonly purpose: string;
  /** Dotted access-log action, default `personal-record.read`. */
  readonly action?: string;
  readonly reference?: string;
  readonly receiverCode?: string;
  readonly receiverName?: string;
  readonly receiverSystem?: string;
}

export interface SealedRecord {
  readonly token: string;
  readonly kind: string;
  readonly instanceId: number | null;
  readonly value: unknown;
}

/** Records sealed for the caller's own statement: their references, and the insert as SQL with its parameters. */
export interface SealingStatement { readonly refs: string[]; readonly sql: string; readonly params: unknown[] }

export interface RecordToSeal { readonly subject: string; readonly kind: string; readonly value: unknown; readonly instanceId?: number }

interface Row { token: string; subject: string; kind: string; instance_id: string | number | null; key_id: number; ciphertext: string }

const aadOf = (token: string, subject: string, kind: string): string => `record\0${token}\0${subject}\0${kind}`;

function checkReader(reader: RecordReader): void {
  if (!reader || typeof reader.actor !== 'string' || !reader.actor || typeof reader.purpose !== 'string' || !reader.purpose) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'opening a personal record needs an actor and a purpose', [{ where: 'reader', message: 'actor and purpose are required' }]);
  }
}

function hasRefs(value: unknown): boolean {
  const tokens = new Set<string>();
  collectRefs(value, tokens);
  return tokens.size > 0;
}

function collectRefs(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 32) return;
  if (isRecordRef(value)) into.add(value.slice(RECORD_REF_PREFIX.length));
  else if (Array.isArray(value)) for (const v of value) collectRefs(v, into, depth + 1);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectRefs(v, into, depth + 1);
}

function replaceRefs(value: unknown, opened: Map<string, unknown>, depth = 0): unknown {
  if (depth > 32) return value;
  if (isRecordRef(value)) return opened.has(value.slice(RECORD_REF_PREFIX.length)) ? opened.get(value.slice(RECORD_REF_PREFIX.length)) : value;
  if (Array.isArray(value)) return value.map((v) => replaceRefs(v, opened, depth + 1));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceRefs(v, opened, depth + 1)]));
  return value;
}

async function openRows(envelope: Envelope, q: Queryable, rows: readonly Row[]): Promise<Map<string, { subject: string; kind: string; value: unknown }>> {
  const out = new Map<string, { subject: string; kind: string; value: unknown }>();
  for (const r of rows) {
    const text = await envelope.open(q, Number(r.key_id), aadOf(r.token, r.subject, r.kind), r.ciphertext);
    out.set(r.token, { subject: r.subject, kind: r.kind, value: JSON.parse(text) as unknown });
  }
  return out;
}

async function revealWith<T>(envelope: Envelope, tx: Queryable, value: T, reader: RecordReader & { readonly self?: string }): Promise<T> {
  const tokens = new Set<string>();
  collectRefs(value, tokens);
  const { rows } = await tx.query<Row>('select token, subject, kind, instance_id, key_id, ciphertext from privacy_record where token = any($1::text[])', [[...tokens]]);
  const opened = await openRows(envelope, tx, rows);
  const kindsBySubject = new Map<string, Set<string>>();
  for (const r of opened.values()) if (r.subject !== reader.self) kindsBySubject.set(r.subject, (kindsBySubject.get(r.subject) ?? new Set()).add(r.kind));
  for (const [subject, kinds] of kindsBySubject) {
    await recordAccess(tx, {
      subject, actor: reader.actor, action: reader.action ?? 'personal-record.read', dataCategories: [...kinds].sort(), purpose: reader.purpose,
      receiverCode: reader.receiverCode ?? 'govflow', receiverName: reader.receiverName ?? 'govflow', receiverSystem: reader.receiverSystem ?? 'govflow',
      ...(reader.reference ? { reference: reader.reference } : {}),
    });
  }
  return replaceRefs(value, new Map([...opened].map(([t, r]) => [t, r.value]))) as T;
}

function checkRecords(records: readonly RecordToSeal[]): void {
  for (const record of records) {
    if (typeof record.subject !== 'string' || record.subject.length === 0 || record.subject.length > 200) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'a sealed record needs a subject of 1 to 200 characters', [{ where: 'subject', message: 'is not valid' }]);
    if (!KIND.test(record.kind)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'a sealed record kind must be lower-case letters, digits and hyphens', [{ where: 'kind', message: 'is not valid' }]);
  }
}

/** Tokens and boxes of records sealed under `key` (each its own token, IV and associated data). */
function boxesOf(envelope: Envelope, key: Buffer, records: readonly RecordToSeal[]): { tokens: string[]; boxes: string[] } {
  const tokens = records.map(() => `pd1_${randomBytes(18).toString('base64url')}`);
  return { tokens, boxes: records.map((r, i) => envelope.encrypt(key, aadOf(tokens[i]!, r.subject, r.kind), JSON.stringify(r.value ?? null))) };
}

/**
 * The one insert of sealed records, its parameters from `$(0)` to `$(5)` (tokens, subjects, kinds, instance ids, the
 * key id, boxes); `keyId` is the SQL that stores the key id (the parameter itself, or a check that it is current).
 */
const insertRecordsSql = ($: (i: number) => string, keyId: string): string =>
  `insert into privacy_record (token, subject, kind, instance_id, key_id, ciphertext) select t.token, t.subject, t.kind, t.instance_id, ${keyId}, t.box from unnest(${$(0)}::text[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::bigint[], ${$(5)}::text[]) as t(token, subject, kind, instance_id, box)`;
const insertRecordsParams = (records: readonly RecordToSeal[], sealed: { tokens: string[]; boxes: string[] }, keyId: number): unknown[] =>
  [sealed.tokens, records.map((r) => r.subject), records.map((r) => r.kind), records.map((r) => r.instanceId ?? null), keyId, sealed.boxes];
const refsOf = (tokens: readonly string[]): string[] => tokens.map((t) => `${RECORD_REF_PREFIX}${t}`);

/**
 * Personal records in the vault (migration 0016): a registry's person record, a household member's record, any
 * personal value a case needs, stored encrypted under the subject (the person whose data it is) and referred to by
 * `vault:<token>` everywhere else. Reading one back is `reveal`, which logs the read against each subject.
 */
export function createRecords(db: Database, envelope: Envelope) {
  // The current data key as this process last read it; `sealingStatement` checks it in the database with each insert.
  let knownKey: number | null = null;

  async function sealingStatement(records: readonly RecordToSeal[], firstParam: number): Promise<SealingStatement> {
    checkRecords(records);
    knownKey ??= await db.transaction((tx) => envelope.currentKeyId(tx));
    const keyId = knownKey;
    const sealed = boxesOf(envelope, await envelope.dataKey(db, keyId), records);
    const $ = (i: number): string => `$${String(firstParam + i)}`;
    return {
      refs: refsOf(sealed.tokens),
      // key_id is null, and the statement fails (not-null), when the key is no longer the current one.
      sql: insertRecordsSql($, `(select k.key_id from privacy_data_key k where k.key_id = ${$(4)}::integer and k.current)`),
      params: insertRecordsParams(records, sealed, keyId),
    };
  }

  async function sealMany(tx: Queryable, records: readonly RecordToSeal[]): Promise<string[]> {
    checkRecords(records);
    if (records.length === 0) return [];
    const keyId = await envelope.currentKeyId(tx);
    const key = await envelope.dataKey(tx, keyId);
    const sealed = boxesOf(envelope, key, records);
    await tx.query(insertRecordsSql((i) => `$${String(i + 1)}`, '$5::integer'), insertRecordsParams(records, sealed, keyId));
    return refsOf(sealed.tokens);
  }

  return {
    /** Seals `value` (JSON) as the subject's record of `kind`, in `tx`; returns the reference `vault:pd1_…` to store instead. */
    async seal(tx: Queryable, record: RecordToSeal): Promise<string> {
      return (await sealMany(tx, [record]))[0]!;
    },

    /**
     * Seals several records in `tx` with one key look-up and one insert (a busy writer's batch); the references
     * come back in the order given. Each record is sealed exactly as `seal` seals it.
     */
    sealMany,

    /**
     * Seals records for a writer that stores them in one statement of its own beside its rows (the assistant's
     * group commit: one statement, no transaction, per batch): each sealed exactly as `sealMany` seals it, and the
     * insert returned as SQL (parameters from `$firstParam`) to run as a CTE of that statement. The data key is the
     * current one as this process last read it, and the insert checks that it still is: a key rotated out since
     * makes the statement fail (`staleKey` says so and forgets it), so no record is stored under an old key. Call
     * it outside any transaction (it may read the key in one of its own).
     */
    sealingStatement,

    /** Did this error come from a `sealingStatement` whose key had been rotated out? Then the next one reads it again. */
    staleKey(error: unknown): boolean {
      const e = error as { code?: unknown; column?: unknown; message?: unknown } | null;
      const stale = e?.code === '23502' && (e.column === 'key_id' || String(e.message).includes('"key_id"'));
      if (stale) knownKey = null;
      return stale;
    },

    /**
     * `value` with every `vault:` reference in it replaced by the record it names (records erased since stay as
     * references). Each subject whose record is opened gets one access-log entry, in the same transaction, unless
     * `self` is that subject (a citizen reading their own record is not a use of their data by someone else).
     */
    async reveal<T>(value: T, reader: RecordReader & { readonly self?: string }): Promise<T> {
      checkReader(reader);
      if (!hasRefs(value)) return value;
      return db.transaction((tx) => revealWith(envelope, tx, value, reader));
    },

    /**
     * `reveal` inside the caller's transaction (the notification sender opens a subscriber's address while it holds
     * the outbox row; PGlite has one connection, so a second transaction there would wait for the first forever).
     */
    async revealIn<T>(tx: Queryable, value: T, reader: RecordReader & { readonly self?: string }): Promise<T> {
      checkReader(reader);
      return hasRefs(value) ? revealWith(envelope, tx, value, reader) : value;
    },

    /** The subjects of the records `value` refers to (no decryption): whose data a page is about to show. */
    async subjectsOf(value: unknown): Promise<string[]> {
      const tokens = new Set<string>();
      collectRefs(value, tokens);
      if (tokens.size === 0) return [];
      const { rows } = await db.query<{ subject: string }>('select distinct subject from privacy_record where token = any($1::text[]) order by subject', [[...tokens]]);
      return rows.map((r) => r.subject);
    },

    /** Every record of a person, decrypted, for their own data export (not logged as a use). */
    async recordsOf(q: Queryable, subject: string): Promise<SealedRecord[]> {
      const { rows } = await q.query<Row>('select token, subject, kind, instance_id, key_id, ciphertext from privacy_record where subject = $1 order by created_at, token', [subject]);
      const opened = await openRows(envelope, q, rows);
      return rows.map((r) => ({ token: `${RECORD_REF_PREFIX}${r.token}`, kind: r.kind, instanceId: r.instance_id === null ? null : Number(r.instance_id), value: opened.get(r.token)!.value }));
    },

    /** Erases the records collected for these cases (retention); returns how many. */
    async eraseForCases(tx: Queryable, instanceIds: readonly number[]): Promise<number> {
      const { rowCount } = await tx.query('delete from privacy_record where instance_id = any($1::bigint[])', [instanceIds]);
      return rowCount;
    },

    /** Erases every record of a person (an erasure request). */
    async eraseOf(tx: Queryable, subject: string): Promise<number> {
      const { rowCount } = await tx.query('delete from privacy_record where subject = $1', [subject]);
      return rowCount;
    },

    /**
     * Moves up to `batchSize` records still under an older data key to the current one (`govflow keys rotate vault`),
     * one transaction per batch; call until it returns 0. Not an access: nothing leaves the vault.
     */
    async reencrypt(batchSize = 500): Promise<number> {
      return db.transaction(async (tx) => {
        const keyId = await envelope.currentKeyId(tx);
        const { rows } = await tx.query<Row>('select token, subject, kind, instance_id, key_id, ciphertext from privacy_record where key_id <> $1 order by token limit $2 for update skip locked', [keyId, batchSize]);
        for (const r of rows) {
          const aad = aadOf(r.token, r.subject, r.kind);
          const text = await envelope.open(tx, Number(r.key_id), aad, r.ciphertext);
          const { keyId: sealedUnder, box } = await envelope.seal(tx, aad, text);
          await tx.query('update privacy_record set key_id = $2, ciphertext = $3 where token = $1', [r.token, sealedUnder, box]);
        }
        return rows.length;
      });
    },

    /** A token's shape, for validating input that may carry one. */
    isToken: (token: string): boolean => TOKEN.test(token),
  };
}

export type Records = ReturnType<typeof createRecords>;
