import { randomUUID } from 'node:crypto';
import type { Catalogue, Service } from '../catalogue/index.js';
import type { Engine } from '../engine/index.js';
import { GovflowError } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import type { Answers } from '../web/index.js';
import { caseStartVariables } from './submission-hooks.js';
import { pageFileRules } from './question-uploads.js';
import { checkUpload } from './uploads.js';
import type { Submission } from './portal-store.js';

/**
 * Many submitted cases at once, for benchmarks and load tests (`govflow bench web`): the rows a citizen's submit
 * leaves behind — a `portal_submission` pinned to the current form versions, its uploads attached to the
 * reference, and a started case whose instance id is recorded — written in batches instead of one request each.
 * Each case still starts through `engine.startInstance` with the variables the portal would give it, so the
 * engine's rows (instance, event log, tasks, timers) are exactly those of a real submission.
 */

export interface SeedCasesOptions {
  readonly db: Database;
  readonly engine: Engine;
  readonly catalogue: Catalogue;
  readonly serviceId: string;
  readonly count: number;
  /** The applicant of case `i` (0-based). */
  readonly citizenOf: (i: number) => string;
  /** The answers of case `i`, without file fields (those come from `files`). */
  readonly answersOf: (i: number) => Answers;
  /** One file per filepicker key, checked like an upload (type read from the bytes) and stored for every case. */
  readonly files?: Readonly<Record<string, { readonly filename: string; readonly bytes: Uint8Array }>>;
  /** Submissions written per statement (default 500). */
  readonly batchSize?: number;
  /** Cases started at once (default: the database's concurrency, at most 8). */
  readonly concurrency?: number;
}

export interface SeededCase {
  readonly reference: string;
  readonly citizenId: string;
  readonly instanceId: number;
}

interface Row { token: string; reference: string; citizen_id: string; submitted_at: Date | string }

export async function seedSubmittedCases(options: SeedCasesOptions): Promise<SeededCase[]> {
  const { db, engine } = options;
  const service: Service | undefined = options.catalogue.get(options.serviceId);
  if (!service) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `no service ${options.serviceId} in the catalogue`, [{ where: 'serviceId', message: 'is not a service of the catalogue' }]);
  if (!Number.isSafeInteger(options.count) || options.count < 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'count must be a whole number ≥ 0', [{ where: 'count', message: 'must be a whole number ≥ 0' }]);
  const formVersions = JSON.stringify(Object.fromEntries(service.pages.map((p) => [p.id, p.formVersion])));
  // Files are checked once, as the question page would check them, against the rule of their page.
  const files: { key: string; filename: string; mediaType: string; sizeBytes: number; sha256: string; bytes: Buffer }[] = [];
  for (const [key, file] of Object.entries(options.files ?? {})) {
    const page = service.pages.find((p) => pageFileRules(service, p).has(key));
    const rule = page ? pageFileRules(service, page).get(key) : undefined;
    if (!rule) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `no file field ${key} in ${service.id}`, [{ where: `files.${key}`, message: 'is not a file field of the service' }]);
    const checked = await checkUpload(file.bytes, file.filename, rule.rule, key);
    files.push({ key, filename: checked.filename, mediaType: checked.mediaType, sizeBytes: checked.sizeBytes, sha256: checked.sha256, bytes: Buffer.from(file.bytes) });
  }
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const concurrency = Math.max(1, options.concurrency ?? Math.min(8, db.concurrency));
  const year = engine.clock.now().getUTCFullYear();
  const seeded: SeededCase[] = [];

  for (let from = 0; from < options.count; from += batchSize) {
    const indexes = Array.from({ length: Math.min(batchSize, options.count - from) }, (_, k) => from + k);
    const citizens = indexes.map((i) => options.citizenOf(i));
    const answers = indexes.map((i) => options.answersOf(i));
    const tokens: string[] = indexes.map(() => randomUUID());
    const position = new Map<string, number>(tokens.map((t, k) => [t, k]));
    // Submissions, their uploads and the upload ids in the answers: one transaction per batch, like one submit.
    const submissions = await db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `insert into portal_submission (token, reference, citizen_id, service_id, process_key, answers, form_versions)
         select t, $1 || '-' || $2 || '-' || lpad(nextval('portal_reference_seq')::text, 6, '0'), c, $3, $4, a, $5::jsonb
         from unnest($6::text[], $7::text[], $8::jsonb[]) with ordinality as x(t, c, a, n) order by n
         returning token, reference, citizen_id, submitted_at`,
        [service.referencePrefix, String(year), service.id, service.process.key, formVersions, tokens, citizens, answers.map((a) => JSON.stringify(a))]);
      // Back in the order of `indexes` (the token says which case a row is), so case i has answersOf(i).
      rows.sort((a, b) => position.get(a.token)! - position.get(b.token)!);
      const byReference = new Map(rows.map((r) => [r.reference, { ...answers[position.get(r.token)!]! }]));
      for (const file of files) {
        const stored = await tx.query<{ id: string | number; reference: string }>(
          `insert into case_upload (reference, owner, service_id, upload_key, filename, media_type, size_bytes, sha256, content, created_at)
           select r, 'citizen:' || c, $3, $4, $5, $6, $7, $8, $9, now() from unnest($1::text[], $2::text[]) as x(r, c) returning id, reference`,
          [rows.map((r) => r.reference), rows.map((r) => r.citizen_id), service.id, file.key, file.filename, file.mediaType, file.sizeBytes, file.sha256, file.bytes]);
        for (const u of stored.rows) byReference.get(u.reference)![file.key] = Number(u.id);
      }
      if (files.length > 0) {
        await tx.query(`update portal_submission s set answers = x.a from unnest($1::text[], $2::jsonb[]) as x(r, a) where s.reference = x.r`,
          [rows.map((r) => r.reference), rows.map((r) => JSON.stringify(byReference.get(r.reference)))]);
      }
      return rows.map((r): Submission => ({
        reference: r.reference, citizenId: r.citizen_id, serviceId: service.id, processKey: service.process.key, instanceId: null,
        answers: byReference.get(r.reference)!, formVersions: JSON.parse(formVersions) as Record<string, string>, submittedAt: new Date(r.submitted_at).toISOString(),
      }));
    });

    // Each case starts as a submit starts it (same variables, business key and actor), `concurrency` at a time.
    const started = new Array<number>(submissions.length);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(concurrency, submissions.length) }, async () => {
      while (next < submissions.length) {
        const k = next++;
        const submission = submissions[k]!;
        const instance = await engine.startInstance(submission.processKey, {
          businessKey: submission.reference, variables: await caseStartVariables(db, submission, service), actor: `citizen:${submission.citizenId}`,
        });
        started[k] = instance.id;
      }
    }));
    await db.query('update portal_submission s set instance_id = x.i from unnest($1::text[], $2::bigint[]) as x(r, i) where s.reference = x.r and s.instance_id is null',
      [submissions.map((s) => s.reference), started]);
    submissions.forEach((s, k) => seeded.push({ reference: s.reference, citizenId: s.citizenId, instanceId: started[k]! }));
  }
  return seeded;
}
