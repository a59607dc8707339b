import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Service, type UploadRule, type UploadType } from '../catalogue/index.js';
import { GovflowError } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import { formFiles, html, PARAM, paramsSchema, type HtmlValue, type SafeHtml } from '../web/index.js';
import { t } from '../i18n/index.js';

/**
 * Serves the upload of documents to a case (`POST /applications/:ref/documents`) and checks every upload. Documents
 * citizens upload with their case (issue 5). The type is read from the bytes (file-type), never from
 * the name or the browser's Content-Type; empty files are refused; the SHA-256 is stored with the bytes in the
 * database. The file name is a label only: it is cleaned for display and never used to build a path.
 */

export interface CheckedUpload {
  readonly mediaType: UploadType;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly filename: string;
}

const TYPE_LABEL: Record<UploadType, string> = { 'application/pdf': 'PDF', 'image/png': 'PNG', 'image/jpeg': 'JPEG' };

/** A display label from whatever name the browser sent: last path segment, printable characters, at most 120. */
export function displayFilename(raw: string): string {
  const last = raw.split(/[\\/]/).pop() ?? '';
  const clean = last.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/g, '').replace(/^\.+/, '').trim().slice(0, 120);
  return clean === '' ? 'document' : clean;
}

/** A size as people read it: "5 MB", "1.5 MB", "200 KB" (a limit under 1 MB must not read "0 MB"). */
const mb = (bytes: number): string => (bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`);

/** Checks one upload against its rule; the messages follow the GOV.UK file upload pattern and name the field. */
export async function checkUpload(bytes: Uint8Array, filename: string, rule: UploadRule, field: string): Promise<CheckedUpload> {
  if (bytes.length === 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `The selected file is empty`, [{ where: field, message: 'The selected file is empty' }]);
  if (bytes.length > rule.maxBytes) throw new GovflowError('GOVFLOW_ERR_PAYLOAD_TOO_LARGE', `The selected file must be smaller than ${mb(rule.maxBytes)}`, [{ where: field, message: `The selected file must be smaller than ${mb(rule.maxBytes)}` }]);
  // A malformed file can make the detector throw: that is "not an allowed type", not a server error.
  const detected = await fileTypeFromBuffer(bytes).catch(() => undefined);
  const mediaType = detected?.mime as UploadType | undefined;
  if (!mediaType || !rule.types.includes(mediaType)) {
    const allowed = rule.types.map((t) => TYPE_LABEL[t]).join(', ').replace(/, ([^,]*)$/, ' or $1');
    throw new GovflowError('GOVFLOW_ERR_UPLOAD_TYPE', `The selected file must be a ${allowed}`, [{ where: field, message: `The selected file must be a ${allowed}` }]);
  }
  return { mediaType, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), filename: displayFilename(filename) };
}

export async function storeUpload(db: Database, upload: CheckedUpload & { reference: string; owner: string; serviceId: string; key: string; bytes: Uint8Array; at?: Date }): Promise<number> {
  const { rows } = await db.query<{ id: string | number }>(
    `insert into case_upload (reference, owner, service_id, upload_key, filename, media_type, size_bytes, sha256, content, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
    [upload.reference, upload.owner, upload.serviceId, upload.key, upload.filename, upload.mediaType, upload.sizeBytes, upload.sha256, Buffer.from(upload.bytes), upload.at ?? new Date()],
  );
  return Number(rows[0]!.id);
}

export interface StoredUpload { id: number; key: string; filename: string; mediaType: string; sizeBytes: number; sha256: string; createdAt: string }

export async function listUploads(db: Database, reference: string): Promise<StoredUpload[]> {
  const { rows } = await db.query<{ id: string | number; upload_key: string; filename: string; media_type: string; size_bytes: number; sha256: string; created_at: Date | string }>(
    'select id, upload_key, filename, media_type, size_bytes, sha256, created_at from case_upload where reference = $1 order by id', [reference], { name: 'portal-uploads-by-reference' });
  return rows.map((r) => ({ id: Number(r.id), key: r.upload_key, filename: r.filename, mediaType: r.media_type, sizeBytes: r.size_bytes, sha256: r.sha256, createdAt: new Date(r.created_at).toISOString() }));
}

/** One upload of a case with its bytes (a staff download), or null when the case has no such upload. */
export async function readUpload(db: Queryable, id: number, reference: string): Promise<{ filename: string; mediaType: string; content: Uint8Array } | null> {
  const { rows } = await db.query<{ filename: string; media_type: string; content: Uint8Array }>(
    'select filename, media_type, content from case_upload where id = $1 and reference = $2', [id, reference]);
  return rows[0] ? { filename: rows[0].filename, mediaType: rows[0].media_type, content: rows[0].content } : null;
}

/** The citizens' uploads of a case as other modules read them (the workbench's case page and downloads), wired by the composition root. */
export function caseDocuments(db: Database): { list(reference: string): Promise<StoredUpload[]>; read(id: number, reference: string): Promise<{ filename: string; mediaType: string; content: Uint8Array } | null> } {
  return { list: (reference) => listUploads(db, reference), read: (id, reference) => readUpload(db, id, reference) };
}

/**
 * The case's uploads as the answer's `informationDocuments` variable (id, name, type, size, SHA-256; never the
 * bytes), so staff see with the answer which documents the citizen had sent by then.
 */
export async function uploadedDocumentsVariable(db: Database, service: Service, reference: string): Promise<{ informationDocuments?: { id: number; filename: string; mediaType: string; sizeBytes: number; sha256: string }[] }> {
  if (Object.keys(informationUploadRules(service)).length === 0) return {};
  const uploads = await listUploads(db, reference);
  return { informationDocuments: uploads.map((u) => ({ id: u.id, filename: u.filename, mediaType: u.mediaType, sizeBytes: u.sizeBytes, sha256: u.sha256 })) };
}

/** The rules for documents sent with an answer to a request for more information. */
export const informationUploadRules = (service: Service): Readonly<Record<string, UploadRule>> => service.documents['information-request'] ?? {};

/** The upload form on the status page (plain HTML form: works without JavaScript; the CSRF token is a form field). */
export function uploadForm(service: Service, reference: string, csrfToken: string, uploads: readonly StoredUpload[], error: { key: string; message: string } | null): SafeHtml {
  const rules = Object.entries(informationUploadRules(service));
  if (rules.length === 0) return html``;
  return html`<div id="documents">
<h2 class="govuk-heading-m">${t('uploads.heading')}</h2>
${uploads.length > 0 ? html`<ul class="govuk-list" id="uploaded">${uploads.map((u) => html`<li>${u.filename} (${TYPE_LABEL[u.mediaType as UploadType] ?? u.mediaType}, ${mb(u.sizeBytes)})</li>`)}</ul>` : ''}
<form method="post" action="/applications/${reference}/documents" enctype="multipart/form-data" novalidate>
<input type="hidden" name="csrf" value="${csrfToken}">
${rules.map(([key, rule]) => html`<div class="govuk-form-group${error?.key === key ? ' govuk-form-group--error' : ''}">
<label class="govuk-label" for="${key}">${rule.label}</label>
<div class="govuk-hint" id="${key}-hint">${rule.types.map((type) => TYPE_LABEL[type]).join(', ')}, ${t('form.upTo', { size: mb(rule.maxBytes) })}</div>
${error?.key === key ? html`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}
<input class="govuk-file-upload${error?.key === key ? ' govuk-file-upload--error' : ''}" id="${key}" name="${key}" type="file" accept="${rule.types.join(',')}" aria-describedby="${key}-hint${error?.key === key ? ` ${key}-error` : ''}">
</div>`)}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('uploads.button')}</button>
</form>
</div>`;
}

export interface UploadDeps {
  readonly db: Database;
  /** The signed-in citizen's id, or null after redirecting to sign-in. */
  readonly citizen: (request: FastifyRequest, reply: FastifyReply) => string | null;
  readonly ownCase: (request: FastifyRequest, reference: string) => Promise<{ reference: string; serviceId: string; service: Service }>;
  readonly send: (request: FastifyRequest, reply: FastifyReply, title: string, content: HtmlValue, extra?: { status?: number; backLink?: string; hasErrors?: boolean; current?: 'applications' }) => FastifyReply;
}

/**
 * `POST /applications/:ref/documents` (multipart/form-data), registered in the portal's uploads scope: it reads the
 * multipart body before the handler (so the CSRF hook sees the token like any form's); the files come from `formFiles`.
 */
export function registerUploadRoutes(server: FastifyInstance, deps: UploadDeps): void {
  server.post<{ Params: { ref: string } }>('/applications/:ref/documents', { schema: paramsSchema({ ref: PARAM.reference }) }, async (request, reply) => {
    if (!request.isMultipart()) return reply.status(415).type('text/plain; charset=utf-8').send('Send the form as multipart/form-data');
    const citizen = deps.citizen(request, reply);
    if (!citizen) return reply;
    const own = await deps.ownCase(request, request.params.ref);
    const rules = informationUploadRules(own.service);
    const problem = (key: string, message: string, status: number) => deps.send(request, reply, t('uploads.problemTitle'), html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">${t('form.problem')}</h2><div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"><li><a href="/applications/${own.reference}#${key}">${message}</a></li></ul></div></div></div>
<h1 class="govuk-heading-l">${t('uploads.notUploaded')}</h1>
<p class="govuk-body"><a class="govuk-link" href="/applications/${own.reference}#documents">${t('uploads.chooseAnother')}</a></p>`, { status, hasErrors: true, current: 'applications' });
    const chosen = formFiles(request).filter((f) => f.filename !== '' || f.bytes.length > 0);
    const firstKey = Object.keys(rules)[0] ?? 'document';
    if (chosen.length === 0) return problem(firstKey, t('uploads.selectFile'), 400);
    const checked: { key: string; bytes: Buffer; upload: Awaited<ReturnType<typeof checkUpload>> }[] = [];
    for (const f of chosen) {
      const rule = rules[f.field];
      if (!rule) return problem(firstKey, t('uploads.selectFile'), 400);
      if (f.truncated || f.bytes.length > rule.maxBytes) return problem(f.field, `The selected file must be smaller than ${mb(rule.maxBytes)}`, 413);
      try {
        checked.push({ key: f.field, bytes: f.bytes, upload: await checkUpload(f.bytes, f.filename, rule, f.field) });
      } catch (error) {
        if (error instanceof GovflowError) return problem(f.field, error.message, error.code === 'GOVFLOW_ERR_PAYLOAD_TOO_LARGE' ? 413 : error.code === 'GOVFLOW_ERR_UPLOAD_TYPE' ? 415 : 400);
        throw error;
      }
    }
    // All files checked before any is stored: nothing half-written.
    for (const c of checked) await storeUpload(deps.db, { ...c.upload, reference: own.reference, owner: `citizen:${citizen}`, serviceId: own.serviceId, key: c.key, bytes: c.bytes });
    return reply.redirect(`/applications/${own.reference}?uploaded=1#documents`, 303);
  });
}
