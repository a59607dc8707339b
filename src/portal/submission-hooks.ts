import type { Service } from '../catalogue/index.js';
import type { Language } from '../i18n/index.js';
import type { Database, Queryable } from '../store/index.js';
import type { Answers } from '../web/index.js';
import type { Submission } from './portal-store.js';
import { caseUploads, uploadIdsOf } from './question-uploads.js';

/**
 * What the portal hands to the rest of govflow when a case starts: the process variables, the `onSubmitted`
 * callback (the composition root queues the submission e-mail with it, so the portal does not depend on
 * notifications) and the ownership check the decision download uses.
 */

export interface SubmittedCase {
  readonly reference: string;
  readonly serviceId: string;
  readonly serviceTitle: string;
  readonly citizenId: string;
  readonly instanceId: number;
  readonly answers: Answers;
  readonly submittedAt: string;
  /** The language the citizen applied in (the case's), when the request knew it. */
  readonly language?: Language;
}

/** Runs in the transaction that records the started case; throwing rolls that step back (the case is retried). */
export type OnSubmitted = (tx: Queryable, submitted: SubmittedCase) => Promise<void>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** The applicant's e-mail and name from the answers, by the keys the forms use (`applicantEmail`/`email`, `applicantName`/`name`). */
export function applicantContact(answers: Answers): { email: string | undefined; name: string | undefined } {
  return { email: text(answers['applicantEmail']) ?? text(answers['email']), name: text(answers['applicantName']) ?? text(answers['name']) };
}

/**
 * The variables a case starts with: the answers, and what the built-in jobs read — `reference`/`applicationId`
 * (correlation, issue-decision), `serviceName` and `applicantEmail`/`applicantName` (notify-applicant's templates),
 * and `applicationDocuments` (id, field, name, type, size, SHA-256 of each uploaded file; never the bytes).
 */
export async function caseStartVariables(db: Database, submission: Submission, service: Service | undefined): Promise<Record<string, unknown>> {
  const contact = applicantContact(submission.answers);
  const ids = service ? uploadIdsOf(service, submission.answers) : [];
  const uploads = ids.length > 0 ? await caseUploads(db, submission.reference) : new Map();
  const documents = ids.map((id) => uploads.get(id)).filter((u) => u !== undefined).map((u) => ({ id: u.id, field: u.key, filename: u.filename, mediaType: u.mediaType, sizeBytes: u.sizeBytes, sha256: u.sha256 }));
  return {
    ...submission.answers,
    applicationId: submission.reference, reference: submission.reference, serviceId: submission.serviceId, serviceName: service?.title ?? submission.serviceId,
    applicant: submission.citizenId, formVersions: submission.formVersions, ...(submission.language ? { language: submission.language } : {}),
    ...(contact.email && submission.answers['applicantEmail'] === undefined ? { applicantEmail: contact.email } : {}),
    ...(contact.name && submission.answers['applicantName'] === undefined ? { applicantName: contact.name } : {}),
    ...(documents.length > 0 ? { applicationDocuments: documents } : {}),
  };
}

/** Is `citizenId` the applicant of case `reference`? (The decision download asks.) */
export async function isApplicant(db: Queryable, citizenId: string, reference: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from portal_submission where reference = $1 and citizen_id = $2', [reference, citizenId]);
  return rows.length === 1;
}
