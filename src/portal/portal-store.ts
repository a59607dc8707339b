import { instanceWithEventsJson, parseInstanceWithEvents, type EventView, type ProcessInstanceView } from '../engine/index.js';
import type { Database, Queryable } from '../store/index.js';
import type { Answers } from '../web/index.js';
import type { StoredUpload } from './uploads.js';
import { isLanguage, type Language } from '../i18n/index.js';

/** The portal's own tables (migration 0002-portal.sql): drafts, submissions, the reference sequence. Sessions are identity's. */
export interface Draft {
  readonly answers: Answers;
  readonly pageVersions: Record<string, string>;
}

export interface Submission {
  readonly reference: string;
  readonly citizenId: string;
  readonly serviceId: string;
  readonly processKey: string;
  readonly instanceId: number | null;
  readonly answers: Answers;
  readonly formVersions: Record<string, string>;
  readonly submittedAt: string;
  /**
   * The language the citizen applied in: the case starts with it (the `language` variable), so its e-mails and
   * letter speak it; kept with the submission, so a start the case-start loop retries later speaks it too.
   */
  readonly language?: Language;
}

interface SubmissionRow {
  reference: string; citizen_id: string; service_id: string; process_key: string; instance_id: string | number | null;
  answers: Answers; form_versions: Record<string, string>; submitted_at: Date | string; language: string | null;
}

const toSubmission = (r: SubmissionRow): Submission => ({
  reference: r.reference, citizenId: r.citizen_id, serviceId: r.service_id, processKey: r.process_key,
  instanceId: r.instance_id === null ? null : Number(r.instance_id), answers: r.answers, formVersions: r.form_versions,
  submittedAt: new Date(r.submitted_at).toISOString(), ...(isLanguage(r.language) ? { language: r.language } : {}),
});

export class PortalStore {
  constructor(private readonly db: Database) {}

  async getDraft(citizenId: string, serviceId: string): Promise<Draft> {
    const { rows } = await this.db.query<{ answers: Answers; page_versions: Record<string, string> }>(
      'select answers, page_versions from portal_draft where citizen_id = $1 and service_id = $2', [citizenId, serviceId]);
    return rows[0] ? { answers: rows[0].answers, pageVersions: rows[0].page_versions } : { answers: {}, pageVersions: {} };
  }

  /** Merges one page's answers into the draft and pins them to the form version they were given with. */
  async savePage(citizenId: string, serviceId: string, pageId: string, formVersion: string, answers: Answers, keys: readonly string[], before?: (tx: Queryable) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx: Queryable) => {
      // Files of the page are stored first, in the same transaction: their ids go into `answers`.
      if (before) await before(tx);
      const { rows } = await tx.query<{ answers: Answers; page_versions: Record<string, string> }>(
        'select answers, page_versions from portal_draft where citizen_id = $1 and service_id = $2 for update', [citizenId, serviceId]);
      const merged: Answers = { ...(rows[0]?.answers ?? {}) };
      for (const key of keys) delete merged[key];
      Object.assign(merged, answers);
      const versions = { ...(rows[0]?.page_versions ?? {}), [pageId]: formVersion };
      await tx.query(
        `insert into portal_draft (citizen_id, service_id, answers, page_versions, updated_at) values ($1, $2, $3, $4, now())
         on conflict (citizen_id, service_id) do update set answers = excluded.answers, page_versions = excluded.page_versions, updated_at = now()`,
        [citizenId, serviceId, JSON.stringify(merged), JSON.stringify(versions)]);
    });
  }

  /**
   * Keeps files a citizen sent with a page that has errors elsewhere: `before` stores them and sets their ids in
   * `answers`, which are merged into the draft without pinning the page's version (the page still needs answering).
   */
  async saveFiles(citizenId: string, serviceId: string, answers: Answers, before: (tx: Queryable) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx: Queryable) => {
      await before(tx);
      await tx.query(
        `insert into portal_draft (citizen_id, service_id, answers, page_versions, updated_at) values ($1, $2, $3, '{}', now())
         on conflict (citizen_id, service_id) do update set answers = portal_draft.answers || excluded.answers, updated_at = now()`,
        [citizenId, serviceId, JSON.stringify(answers)]);
    });
  }

  /**
   * Records a submission once per token: a second call with the same token (a double click, a resent form) gets
   * the first submission back.
   */
  async recordSubmission(input: { token: string; citizenId: string; serviceId: string; processKey: string; prefix: string; year: number; answers: Answers; formVersions: Record<string, string>; language?: Language }, after?: (tx: Queryable, submission: Submission) => Promise<void>): Promise<Submission> {
    // `after` runs in the same transaction (the draft's uploads get the reference): both or neither.
    const first = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<SubmissionRow>(
        `insert into portal_submission (token, reference, citizen_id, service_id, process_key, answers, form_versions, language)
         values ($1, $2 || '-' || $3 || '-' || lpad(nextval('portal_reference_seq')::text, 6, '0'), $4, $5, $6, $7, $8, $9)
         on conflict (token) do nothing returning *`,
        [input.token, input.prefix, String(input.year), input.citizenId, input.serviceId, input.processKey, JSON.stringify(input.answers), JSON.stringify(input.formVersions), input.language ?? null]);
      const recorded = rows[0] ? toSubmission(rows[0]) : null;
      if (recorded && after) await after(tx, recorded);
      return recorded;
    });
    if (first) return first;
    const existing = (await this.submissionByToken(input.token))!;
    if (existing.citizenId !== input.citizenId) throw new Error('submission token reused by another citizen');
    return existing;
  }

  /**
   * Claims the start of a submission's case. Only one request holds the claim; a claim older than a minute (its
   * process died) can be taken over.
   */
  async claimStart(reference: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `update portal_submission set start_claimed_at = now()
       where reference = $1 and instance_id is null and (start_claimed_at is null or start_claimed_at < now() - interval '1 minute') returning reference`, [reference]);
    return rows.length === 1;
  }

  /**
   * Submissions without a case, recorded at least `graceMs` ago (the submit request is still starting younger
   * ones) and not held by a live start claim: the outbox of case starts, oldest first.
   */
  async submissionsWithoutCase(limit: number, graceMs: number): Promise<Submission[]> {
    const { rows } = await this.db.query<SubmissionRow>(
      `select * from portal_submission where instance_id is null and submitted_at < now() - $2 * interval '1 millisecond'
         and (start_claimed_at is null or start_claimed_at < now() - interval '1 minute')
       order by submitted_at, id limit $1`, [limit, graceMs]);
    return rows.map(toSubmission);
  }

  async releaseStart(reference: string): Promise<void> {
    await this.db.query('update portal_submission set start_claimed_at = null where reference = $1 and instance_id is null', [reference]);
  }

  /**
   * Records the case of a submission and ends the draft (with its uploads the submission did not take). `after`
   * runs in the same transaction, only for the request that records the instance (the submission e-mail).
   */
  async setInstance(reference: string, instanceId: number, citizenId: string, serviceId: string, after?: (tx: Queryable) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query('update portal_submission set instance_id = $2 where reference = $1 and instance_id is null returning reference', [reference, instanceId]);
      await tx.query('delete from portal_draft where citizen_id = $1 and service_id = $2', [citizenId, serviceId]);
      await tx.query('delete from case_upload where reference is null and owner = $1 and service_id = $2', [`citizen:${citizenId}`, serviceId]);
      if (rows.length === 1 && after) await after(tx);
    });
  }

  async submissionByToken(token: string): Promise<Submission | null> {
    const { rows } = await this.db.query<SubmissionRow>('select * from portal_submission where token = $1', [token]);
    return rows[0] ? toSubmission(rows[0]) : null;
  }

  /** The services the citizen has a draft for, the most recently changed first. */
  async listDraftServices(citizenId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ service_id: string }>('select service_id from portal_draft where citizen_id = $1 order by updated_at desc', [citizenId]);
    return rows.map((r) => r.service_id);
  }

  async getSubmission(reference: string): Promise<Submission | null> {
    // On every status page view: a named prepared statement (planned once per connection), with its columns named
    // so a later column does not invalidate the prepared plan.
    const { rows } = await this.db.query<SubmissionRow>(
      'select reference, citizen_id, service_id, process_key, instance_id, answers, form_versions, submitted_at from portal_submission where reference = $1', [reference], { name: 'portal-submission-by-reference' });
    return rows[0] ? toSubmission(rows[0]) : null;
  }

  /**
   * The submission, its case's uploads and the case with its events (the engine's own SQL and parser) in one named
   * statement: the status page shows all three on every view, and each round trip costs more than the rows it reads.
   */
  async getSubmissionWithCase(reference: string): Promise<{ submission: Submission; uploads: StoredUpload[]; found: { instance: ProcessInstanceView; events: EventView[] } | null } | null> {
    const { rows } = await this.db.query<SubmissionRow & { uploads: { id: number | string; upload_key: string; filename: string; media_type: string; size_bytes: number; sha256: string; created_at: string }[]; case_json: unknown }>(
      `select s.reference, s.citizen_id, s.service_id, s.process_key, s.instance_id, s.answers, s.form_versions, s.submitted_at,
              coalesce((select json_agg(json_build_object('id', u.id, 'upload_key', u.upload_key, 'filename', u.filename, 'media_type', u.media_type,
                                                          'size_bytes', u.size_bytes, 'sha256', u.sha256, 'created_at', u.created_at) order by u.id)
                        from case_upload u where u.reference = s.reference), '[]'::json) as uploads,
              ${instanceWithEventsJson('s.instance_id')} as case_json
       from portal_submission s where s.reference = $1`, [reference], { name: 'portal-submission-with-case' });
    const row = rows[0];
    if (!row) return null;
    return {
      found: parseInstanceWithEvents(row.case_json),
      submission: toSubmission(row),
      uploads: row.uploads.map((u) => ({ id: Number(u.id), key: u.upload_key, filename: u.filename, mediaType: u.media_type, sizeBytes: u.size_bytes, sha256: u.sha256, createdAt: new Date(u.created_at).toISOString() })),
    };
  }

  async listSubmissions(citizenId: string, limit = 100): Promise<Submission[]> {
    const { rows } = await this.db.query<SubmissionRow>('select * from portal_submission where citizen_id = $1 order by submitted_at desc, id desc limit $2', [citizenId, limit]);
    return rows.map(toSubmission);
  }
}
