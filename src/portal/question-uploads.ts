import { MAX_UPLOAD_BYTES, UPLOAD_TYPES, type Service, type ServicePage, type UploadRule, type UploadType } from '../catalogue/index.js';
import { GovflowError } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { displayAnswer, fields, readMultipart, type Answers, type IncomingFile, type FieldComponent, type FieldError, type FormComponent, type FormSchema, type RawInput } from '../web/index.js';
import { checkUpload, type CheckedUpload } from './uploads.js';
import { t } from '../i18n/index.js';

/**
 * File uploads on question pages (form-js `filepicker`, issue 5). A page with a filepicker is sent as
 * multipart/form-data; each file is checked (empty, size, type read from the bytes) before anything is stored.
 * Accepted files are stored as *draft uploads* (`case_upload` with `reference` null, owner `citizen:<id>`, the
 * service and the field key); the draft's answer holds their ids. On submit they get the case's reference.
 * The ids in an answer always come from the server (the draft or the files just stored), never from the form:
 * a citizen cannot point an answer at someone else's upload.
 */

export type { IncomingFile };

/** What a stored upload shows the citizen: name, type, size. */
export interface UploadSummary {
  readonly id: number;
  readonly key: string;
  readonly filename: string;
  readonly mediaType: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface PageFileRule {
  readonly field: FieldComponent;
  readonly rule: UploadRule;
}

const EXTENSION_TYPES: Record<string, UploadType> = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

/**
 * The types a filepicker's `accept` allows, among those govflow stores (PDF, PNG, JPEG). Unknown entries are
 * ignored; an `accept` naming none of them (or none at all) allows all three.
 */
export function typesFromAccept(accept: string | undefined): UploadType[] {
  if (!accept) return [...UPLOAD_TYPES];
  const types = new Set<UploadType>();
  for (const raw of accept.split(',')) {
    const a = raw.trim().toLowerCase();
    const t = a.startsWith('.') ? EXTENSION_TYPES[a.slice(1)] : a === 'image/*' ? undefined : (UPLOAD_TYPES as readonly string[]).includes(a) ? (a as UploadType) : a === 'image/jpg' ? 'image/jpeg' : undefined;
    if (t) types.add(t);
    if (a === 'image/*') { types.add('image/png'); types.add('image/jpeg'); }
  }
  return types.size > 0 ? UPLOAD_TYPES.filter((t) => types.has(t)) : [...UPLOAD_TYPES];
}

const rulesCache = new WeakMap<ServicePage, Map<string, PageFileRule>>();

/**
 * The upload rule of each filepicker on a page: the service's `documents[pageId][fieldKey]` when it declares one
 * (types, size limit), else the field's `accept` and the platform's ceiling; `required` comes from the form.
 */
export function pageFileRules(service: Service, page: ServicePage): Map<string, PageFileRule> {
  const cached = rulesCache.get(page);
  if (cached) return cached;
  const declared = service.documents[page.id] ?? {};
  const rules = new Map<string, PageFileRule>();
  for (const field of fields(page.form)) {
    if (field.type !== 'filepicker') continue;
    const d = declared[field.key];
    rules.set(field.key, { field, rule: { label: d?.label ?? field.label, types: d?.types ?? typesFromAccept(field.accept), maxBytes: d?.maxBytes ?? MAX_UPLOAD_BYTES, required: field.validate.required === true } });
  }
  rulesCache.set(page, rules);
  return rules;
}

export const pageHasFiles = (service: Service, page: ServicePage): boolean => pageFileRules(service, page).size > 0;

/** "12 KB", "1.5 MB": sizes as a citizen reads them. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return t('size.bytes', { count: bytes });
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

const TYPE_EXTENSION: Record<UploadType, string> = { 'application/pdf': '.pdf', 'image/png': '.png', 'image/jpeg': '.jpg,.jpeg' };
const schemaCache = new WeakMap<ServicePage, FormSchema>();

/**
 * The page's form as the citizen sees it: each filepicker's `accept` and hint ("PDF, PNG, JPEG, up to 5 MB")
 * follow the rule that is enforced, so the hint never promises what the server refuses.
 */
export function formForPage(service: Service, page: ServicePage): FormSchema {
  const cached = schemaCache.get(page);
  if (cached) return cached;
  const rules = pageFileRules(service, page);
  const form: FormSchema = rules.size === 0 ? page.form : {
    id: page.form.id,
    components: page.form.components.map((c): FormComponent => {
      const r = c.type === 'filepicker' ? rules.get(c.key) : undefined;
      if (!r || c.type === 'text') return c;
      return { ...c, accept: r.rule.types.map((t) => TYPE_EXTENSION[t]).join(','), properties: { ...c.properties, maxSize: formatSize(r.rule.maxBytes) } };
    }),
  };
  schemaCache.set(page, form);
  return form;
}

/** The ids an answer holds (a filepicker answer is one id, or a list of ids with `multiple`). */
export function answerIds(value: unknown): number[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((x): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0);
}

export interface CheckedFile {
  readonly upload: CheckedUpload;
  readonly bytes: Buffer;
}

/**
 * Checks the files sent with a page against the page's rules. Only files for the page's filepickers count; an
 * empty file input (no name, no bytes — what a browser sends when nothing was chosen) is "no new file". Every
 * problem becomes a message for its field; a field with a problem keeps no file.
 */
export async function checkPageFiles(rules: ReadonlyMap<string, PageFileRule>, files: readonly IncomingFile[]): Promise<{ accepted: Map<string, CheckedFile[]>; errors: FieldError[] }> {
  const accepted = new Map<string, CheckedFile[]>();
  const errors: FieldError[] = [];
  for (const [key, { field, rule }] of rules) {
    const chosen = files.filter((f) => f.field === key && (f.filename !== '' || f.bytes.length > 0));
    if (chosen.length === 0) continue;
    const fail = (message: string): void => void errors.push({ key, anchor: key, message });
    if (!field.multiple && chosen.length > 1) {
      fail(`Select only one file for ${field.label.toLowerCase()}`);
      continue;
    }
    const ok: CheckedFile[] = [];
    for (const f of chosen) {
      if (f.truncated) {
        fail(`The selected file must be smaller than ${formatSize(rule.maxBytes)}`);
        break;
      }
      try {
        ok.push({ upload: await checkUpload(f.bytes, f.filename, rule, key), bytes: f.bytes });
      } catch (error) {
        if (!(error instanceof GovflowError)) throw error;
        fail(error.message);
        break;
      }
    }
    if (ok.length === chosen.length) accepted.set(key, ok);
  }
  return { accepted, errors };
}

/** Placeholder id for a checked file not stored yet (validation only needs to know that there is one). */
export const PENDING_UPLOAD = '1';

/**
 * The raw input the page's form is validated with: the citizen's fields, with each filepicker's value replaced by
 * the ids the server knows — a placeholder for a new, accepted file; else the draft's current upload(s), so a page
 * sent again without a new file keeps its file; else nothing. Whatever the form itself sent under a filepicker's
 * name is ignored.
 */
export function fileAnswerInput(input: RawInput, rules: ReadonlyMap<string, PageFileRule>, draft: Answers, accepted: ReadonlyMap<string, readonly unknown[]>, rejected: ReadonlySet<string>): RawInput {
  const out: Record<string, string | readonly string[] | undefined> = { ...input };
  for (const key of rules.keys()) {
    delete out[key];
    const fresh = accepted.get(key);
    if (fresh && fresh.length > 0) out[key] = fresh.map(() => PENDING_UPLOAD);
    else if (!rejected.has(key)) {
      const kept = answerIds(draft[key]);
      if (kept.length > 0) out[key] = kept.map(String);
    }
  }
  return out;
}

/** The citizen's draft uploads for one service: id → what it shows. */
export async function draftUploads(db: Queryable, citizenId: string, serviceId: string): Promise<Map<number, UploadSummary>> {
  const { rows } = await db.query<{ id: string | number; upload_key: string; filename: string; media_type: string; size_bytes: number; sha256: string }>(
    'select id, upload_key, filename, media_type, size_bytes, sha256 from case_upload where reference is null and owner = $1 and service_id = $2 order by id',
    [`citizen:${citizenId}`, serviceId]);
  return new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), key: r.upload_key, filename: r.filename, mediaType: r.media_type, sizeBytes: Number(r.size_bytes), sha256: r.sha256 }]));
}

/** A case's uploads by id (for the answers shown on the status page). */
export async function caseUploads(db: Queryable, reference: string): Promise<Map<number, UploadSummary>> {
  const { rows } = await db.query<{ id: string | number; upload_key: string; filename: string; media_type: string; size_bytes: number; sha256: string }>(
    'select id, upload_key, filename, media_type, size_bytes, sha256 from case_upload where reference = $1 order by id', [reference]);
  return new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), key: r.upload_key, filename: r.filename, mediaType: r.media_type, sizeBytes: Number(r.size_bytes), sha256: r.sha256 }]));
}

/**
 * Stores the accepted files of a page as draft uploads (in the caller's transaction), puts their ids into the
 * page's answers and deletes the draft uploads they replace.
 */
export async function storePageFiles(tx: Queryable, input: { citizenId: string; serviceId: string; rules: ReadonlyMap<string, PageFileRule>; accepted: ReadonlyMap<string, readonly CheckedFile[]>; values: Answers; at: Date }): Promise<void> {
  const owner = `citizen:${input.citizenId}`;
  for (const [key, files] of input.accepted) {
    const ids: number[] = [];
    for (const f of files) {
      const { rows } = await tx.query<{ id: string | number }>(
        `insert into case_upload (reference, owner, service_id, upload_key, filename, media_type, size_bytes, sha256, content, created_at)
         values (null, $1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
        [owner, input.serviceId, key, f.upload.filename, f.upload.mediaType, f.upload.sizeBytes, f.upload.sha256, f.bytes, input.at]);
      ids.push(Number(rows[0]!.id));
    }
    input.values[key] = input.rules.get(key)?.field.multiple ? ids : ids[0];
  }
  // Draft uploads of these fields that the answers no longer hold were replaced: they go.
  const keys = [...input.rules.keys()];
  const kept = keys.flatMap((k) => answerIds(input.values[k]));
  await tx.query('delete from case_upload where reference is null and owner = $1 and service_id = $2 and upload_key = any($3::text[]) and not (id = any($4::bigint[]))',
    [owner, input.serviceId, keys, kept]);
}

/** The accepted files of fields without an error, with the rules of just those fields (so nothing else is touched). */
export function keptFiles(rules: ReadonlyMap<string, PageFileRule>, accepted: ReadonlyMap<string, readonly CheckedFile[]>, errors: readonly FieldError[]): { rules: Map<string, PageFileRule>; accepted: Map<string, readonly CheckedFile[]> } {
  const keys = [...accepted.keys()].filter((k) => !errors.some((e) => e.key === k) && rules.has(k));
  return { rules: new Map(keys.map((k) => [k, rules.get(k)!])), accepted: new Map(keys.map((k) => [k, accepted.get(k)!])) };
}

/** Gives the draft uploads an answer holds the case's reference (in the submission's transaction). */
export async function attachDraftUploads(tx: Queryable, input: { reference: string; citizenId: string; serviceId: string; ids: readonly number[] }): Promise<void> {
  if (input.ids.length === 0) return;
  await tx.query('update case_upload set reference = $1 where reference is null and owner = $2 and service_id = $3 and id = any($4::bigint[])',
    [input.reference, `citizen:${input.citizenId}`, input.serviceId, [...input.ids]]);
}

/** The filepicker ids among a service's answers. */
export function uploadIdsOf(service: Service, answers: Answers): number[] {
  return service.pages.flatMap((p) => fields(p.form).filter((f) => f.type === 'filepicker').flatMap((f) => answerIds(answers[f.key])));
}

/** How an answer reads on check-your-answers and the status page: uploads by name and size. */
export function answerText(field: FieldComponent, value: unknown, uploads: ReadonlyMap<number, UploadSummary>): string {
  if (field.type !== 'filepicker') return displayAnswer(field, value);
  const named = answerIds(value).map((id) => uploads.get(id)).filter((u): u is UploadSummary => u !== undefined);
  return named.length === 0 ? displayAnswer(field, value) : named.map((u) => `${u.filename} (${formatSize(u.sizeBytes)})`).join(', ');
}

/** What the form renderer shows under each filepicker: the file(s) the answer holds now. */
export function currentFiles(service: Service, page: ServicePage, input: RawInput, uploads: ReadonlyMap<number, UploadSummary>): Record<string, { name: string; size: string }[]> {
  const out: Record<string, { name: string; size: string }[]> = {};
  for (const key of pageFileRules(service, page).keys()) {
    const raw = input[key];
    const ids = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).map(Number);
    const files = ids.map((id) => uploads.get(id)).filter((u): u is UploadSummary => u !== undefined);
    if (files.length > 0) out[key] = files.map((u) => ({ name: u.filename, size: formatSize(u.sizeBytes) }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- multipart

/** Limits of one question page sent as multipart: a few files, the page's text fields. */
export const PAGE_MULTIPART_LIMITS = { fileSize: MAX_UPLOAD_BYTES, files: 5, fields: 200, fieldSize: 64 * 1024, parts: 210, headerPairs: 200 };

/** Re-exported for the portal's public surface: the one multipart reader is the web edge's. */
export { readMultipart };
