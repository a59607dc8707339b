import { createHash } from 'node:crypto';
import { t } from '../i18n/index.js';
import { GovflowError } from '../kernel/index.js';
import { fields, parseFormSchema, type FormSchema } from '../web/index.js';
import { loadCatalogue, type Catalogue, type Service, type ServicePage } from './catalogue.js';
import type { ServiceSla } from './service-rules.js';
import { daysHoursOf, parseDaysHours } from './sla-days.js';
import { createdService, createdStructures, type CreatedStructure } from './created-services.js';

/**
 * Admins' edits of the catalogue, stored as versions in the database (migration 0009) and laid over the catalogue
 * on disk, which stays the seed. The newest version of a service's fields, and of each question page's form, wins.
 *
 * The catalogue module may not depend on the store (ALLOWED_DEPENDENCIES), so the database is taken by shape: any
 * object with the store's `query`. Writers call the `insert…` functions inside their own transaction, next to the
 * `catalogue.service-changed` event they append (src/admin/ does).
 */
export interface CatalogueQueryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
}

/** The plain-language fields an admin may edit; everything else (process, pages, statuses) comes from the files. */
export type ServiceFields = Pick<Service, 'title' | 'summary' | 'description' | 'whoCanApply' | 'documentsNeeded' | 'fee' | 'expectedTime' | 'department' | 'sla' | 'languages' | 'translations'>;

export interface ServiceFieldError {
  /** The form field's name (and id), e.g. `title` or `sla-task-decide`. */
  readonly field: string;
  readonly message: string;
}

/** A catalogue that follows the admins' edits: `refresh()` re-reads the overrides (after an edit, in this process). */
export interface LiveCatalogue extends Catalogue {
  refresh(): Promise<void>;
  /** The services as on disk, before any override. */
  readonly seed: Catalogue;
}

export interface FormVersionRow {
  readonly serviceId: string;
  readonly pageId: string;
  readonly version: number;
  readonly checksum: string;
  readonly schema: string;
  readonly actor: string | null;
  readonly createdAt: string;
}

/** The portal's form version of a form text: the first 16 hex digits of its SHA-256 (as for files on disk). */
export const formChecksum = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

const LIMITS = { title: 120, summary: 300, fee: 500, expectedTime: 300, department: 120, item: 500, items: 20 } as const;

/** Form-field names of the per-task SLA inputs: element ids may hold characters an HTML id should not. */
export const slaTaskField = (elementId: string): string => `sla-task-${elementId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

const one = (input: Readonly<Record<string, string | readonly string[] | undefined>>, name: string): string => {
  const v = input[name];
  return (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '').replace(/\r\n?/g, '\n').trim();
};

/**
 * Reads the edit form of a service (urlencoded fields) into {@link ServiceFields}, with one message per wrong field
 * in the words of the GOV.UK patterns. Lists are one item a line; the description one paragraph per blank-line
 * block. `current` supplies the SLA's task ids and pause flag, which the form does not change.
 */
export function parseServiceFields(input: Readonly<Record<string, string | readonly string[] | undefined>>, current: Pick<Service, 'sla'>): { fields: ServiceFields | null; errors: ServiceFieldError[] } {
  const errors: ServiceFieldError[] = [];
  // The messages name each field in the reader's language (an ICU select on the field's name).
  const text = (name: 'title' | 'summary' | 'fee' | 'expectedTime' | 'department'): string => {
    const v = one(input, name);
    if (v === '') errors.push({ field: name, message: t('admin.serviceForm.enter', { field: name }) });
    else if (v.length > LIMITS[name]) errors.push({ field: name, message: t('admin.serviceForm.tooLong', { field: name, max: LIMITS[name] }) });
    else if (v.includes('\n')) errors.push({ field: name, message: t('admin.serviceForm.oneLine', { field: name }) });
    return v;
  };
  const list = (name: 'description' | 'whoCanApply' | 'documentsNeeded', split: RegExp): string[] => {
    const items = one(input, name).split(split).map((s) => s.replace(/\s*\n\s*/g, ' ').trim()).filter((s) => s !== '');
    if (items.length === 0) errors.push({ field: name, message: t('admin.serviceForm.enter', { field: name }) });
    else if (items.length > LIMITS.items) errors.push({ field: name, message: t('admin.serviceForm.tooMany', { field: name, max: LIMITS.items }) });
    else if (items.some((s) => s.length > LIMITS.item)) errors.push({ field: name, message: t('admin.serviceForm.itemTooLong', { field: name, max: LIMITS.item }) });
    return items;
  };
  const title = text('title');
  const summary = text('summary');
  const description = list('description', /\n\s*\n/);
  const whoCanApply = list('whoCanApply', /\n/);
  const documentsNeeded = list('documentsNeeded', /\n/);
  const fee = text('fee');
  const expectedTime = text('expectedTime');
  const department = text('department');
  // SLAs are typed as days and hours (sla-days.ts). A stored duration the form cannot show (months, minutes) is
  // kept while both of its fields are left empty.
  const duration = (field: string, what: string, currentValue: string | undefined, required: boolean): string => {
    const read = parseDaysHours(one(input, `${field}-days`), one(input, `${field}-hours`), what);
    if ('iso' in read) return read.iso;
    if ('error' in read) errors.push({ field: `${field}-days`, message: read.error });
    else if (currentValue !== undefined && daysHoursOf(currentValue) === null) return currentValue;
    else if (required) errors.push({ field: `${field}-days`, message: t('admin.serviceForm.enterDuration', { what }) });
    return '';
  };
  let sla: ServiceSla | null = current.sla;
  const tasks: Record<string, string> = {};
  for (const [elementId, currentValue] of Object.entries(current.sla?.tasks ?? {})) {
    tasks[elementId] = duration(slaTaskField(elementId), t('admin.serviceForm.whatTask', { task: elementId }), currentValue, true);
  }
  const slaCase = duration('sla-case', t('admin.serviceForm.whatCase'), current.sla?.case, current.sla !== null);
  if (current.sla || slaCase !== '') {
    sla = { ...current.sla, case: slaCase, tasks, pauseWhileWaitingForApplicant: current.sla?.pauseWhileWaitingForApplicant ?? false };
  }
  if (errors.length > 0) return { fields: null, errors };
  return { fields: { title, summary, description, whoCanApply, documentsNeeded, fee, expectedTime, department, sla }, errors };
}

/**
 * Reads a form-js schema an admin saved: JSON whose components govflow can render. A form must keep the keys of
 * the page it replaces (the process and the check-answers page read them), so `requiredKeys` are checked too.
 */
export function parseFormVersion(text: string, requiredKeys: readonly string[] = []): { schema: FormSchema | null; problems: string[] } {
  if (text.length > 256 * 1024) return { schema: null, problems: ['The form must be 256 KB or smaller'] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { schema: null, problems: ['The form is not readable JSON'] };
  }
  const { schema, problems } = parseFormSchema(json);
  const out = problems.map((p) => `${p.where}: ${p.message}`);
  if (schema) {
    const keys = new Set(fields(schema).map((c) => c.key));
    for (const key of requiredKeys) if (!keys.has(key)) out.push(`The field '${key}' is missing: the process reads it, so keep a field with that key`);
  }
  return { schema: out.length === 0 ? schema ?? null : null, problems: out };
}

// ---------------------------------------------------------------- storage

/**
 * Stores a new version of a service's fields. A draft (the admin pages' saves, see service-publishing.ts) is not
 * shown to citizens until a second admin approves it; without `draft` the version is published at once.
 */
export async function insertServiceVersion(tx: CatalogueQueryable, serviceId: string, fields: ServiceFields & { readonly created?: CreatedStructure }, actor: string | null, options: { draft?: boolean } = {}): Promise<number> {
  const { rows } = await tx.query<{ version: number }>(
    `insert into admin_service_version (service_id, version, fields, actor, draft)
     select $1, coalesce(max(version), 0) + 1, $2::jsonb, $3, $4 from admin_service_version where service_id = $1 returning version`,
    [serviceId, JSON.stringify(fields), actor, options.draft === true]);
  return Number(rows[0]!.version);
}

export async function insertFormVersion(tx: CatalogueQueryable, serviceId: string, pageId: string, schemaText: string, actor: string | null): Promise<{ version: number; checksum: string }> {
  const checksum = formChecksum(schemaText);
  const { rows } = await tx.query<{ version: number }>(
    `insert into admin_form_version (service_id, page_id, version, checksum, schema, actor)
     select $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5 from admin_form_version where service_id = $1 and page_id = $2 returning version`,
    [serviceId, pageId, checksum, schemaText, actor]);
  return { version: Number(rows[0]!.version), checksum };
}

interface FormRow { service_id: string; page_id: string; version: number; checksum: string; schema: string; actor: string | null; created_at: Date | string }
const toFormVersion = (r: FormRow): FormVersionRow => ({
  serviceId: r.service_id, pageId: r.page_id, version: Number(r.version), checksum: r.checksum, schema: r.schema, actor: r.actor,
  createdAt: (r.created_at instanceof Date ? r.created_at : new Date(r.created_at)).toISOString(),
});

export async function listFormVersions(db: CatalogueQueryable, serviceId: string, pageId: string): Promise<FormVersionRow[]> {
  const { rows } = await db.query<FormRow>('select * from admin_form_version where service_id = $1 and page_id = $2 order by version desc', [serviceId, pageId]);
  return rows.map(toFormVersion);
}

/** A stored form version by its number, or by the checksum a submission recorded. */
export async function getFormVersion(db: CatalogueQueryable, serviceId: string, pageId: string, version: number | { checksum: string }): Promise<FormVersionRow | null> {
  const { rows } = typeof version === 'number'
    ? await db.query<FormRow>('select * from admin_form_version where service_id = $1 and page_id = $2 and version = $3', [serviceId, pageId, version])
    : await db.query<FormRow>('select * from admin_form_version where service_id = $1 and page_id = $2 and checksum = $3 order by version desc limit 1', [serviceId, pageId, version.checksum]);
  return rows[0] ? toFormVersion(rows[0]) : null;
}

/** Lays the newest published versions (drafts wait for approval) over the seed; a stored row that no longer parses is skipped (the seed wins). */
async function overlay(db: CatalogueQueryable, seed: Catalogue): Promise<Service[]> {
  const fieldsRows = await db.query<{ service_id: string; fields: unknown }>(
    `select distinct on (v.service_id) v.service_id, v.fields from admin_service_version v
     left join admin_service_review r on r.service_id = v.service_id and r.version = v.version
     where not v.draft or r.decision = 'approved' order by v.service_id, v.version desc`);
  const formRows = await db.query<FormRow>(
    'select distinct on (service_id, page_id) * from admin_form_version order by service_id, page_id, version desc');
  const fieldsOf = new Map(fieldsRows.rows.map((r) => [r.service_id, (typeof r.fields === 'string' ? JSON.parse(r.fields) : r.fields) as ServiceFields]));
  const merged = seed.services.map((service) => {
    const fields = fieldsOf.get(service.id);
    const pages: ServicePage[] = service.pages.map((p) => {
      const row = formRows.rows.find((r) => r.service_id === service.id && r.page_id === p.id);
      if (!row) return p;
      const { schema } = parseFormVersion(row.schema);
      return schema ? { ...p, form: schema, formVersion: row.checksum } : p;
    });
    return { ...service, ...(fields ? pickFields(fields) : {}), pages };
  });
  // Services created in the browser (created-services.ts), once a version of theirs is approved.
  const structures = await createdStructures(db);
  const created = [...fieldsOf].filter(([id]) => !seed.get(id) && structures.has(id))
    .map(([id, fields]) => createdService(id, pickFields(fields), structures.get(id)!, (pageId) => formRows.rows.find((r) => r.service_id === id && r.page_id === pageId)))
    .filter((s): s is Service => s !== null);
  return [...merged, ...created];
}

function pickFields(f: ServiceFields): ServiceFields {
  // A stored version without languages or translations keeps the service's (from service.json).
  return {
    title: f.title, summary: f.summary, description: f.description, whoCanApply: f.whoCanApply, documentsNeeded: f.documentsNeeded, fee: f.fee, expectedTime: f.expectedTime, department: f.department, sla: f.sla,
    ...(f.languages ? { languages: f.languages } : {}), ...(f.translations ? { translations: f.translations } : {}),
  };
}

/**
 * The catalogue of `dir` with the admins' stored versions laid over it. The returned object stays the same; its
 * `services` and `get` follow `refresh()`, so the portal and workbench that hold it see an edit at once (in this
 * process; other processes on the same database see it when they restart or refresh).
 */
export async function loadCatalogueWithOverrides(db: CatalogueQueryable, dir: string): Promise<LiveCatalogue> {
  const seed = await loadCatalogue(dir);
  let services: readonly Service[] = seed.services;
  let byId = new Map(services.map((s) => [s.id, s]));
  const refresh = async (): Promise<void> => {
    try {
      services = await overlay(db, seed);
    } catch (error) {
      // Before migration 0009 ran, or a broken row: say so rather than serve a half-merged catalogue.
      throw new GovflowError('GOVFLOW_ERR_INTERNAL', `service catalogue: the admins' edits could not be read (${(error as Error).message})`, [], { cause: error });
    }
    byId = new Map(services.map((s) => [s.id, s]));
  };
  await refresh();
  return {
    get services() {
      return services;
    },
    get: (id: string) => byId.get(id),
    refresh,
    seed,
  };
}
