import type { CitizenStatus, Service, ServicePage } from './catalogue.js';
import type { CatalogueQueryable, ServiceFields } from './catalogue-store.js';
import { parseFormVersion } from './catalogue-store.js';

/**
 * Services created in the browser (issue 20): no folder on disk, only stored versions. The first version's fields
 * carry, besides the plain-language text every version has, what a service.json would otherwise say — the reference
 * prefix, the deployed process it starts and its question pages —; each page's form is the newest stored form
 * version of that page. Such a service reaches citizens, like any edit, once a second admin approves a version.
 */
export interface CreatedStructure {
  readonly referencePrefix: string;
  readonly processKey: string;
  readonly pages: readonly { readonly id: string; readonly title: string }[];
}

const parsed = (raw: unknown): unknown => (typeof raw === 'string' ? JSON.parse(raw) as unknown : raw);
const isStructure = (created: unknown): created is CreatedStructure => {
  const c = created as Partial<CreatedStructure> | null;
  return !!c && typeof c.referencePrefix === 'string' && typeof c.processKey === 'string' && Array.isArray(c.pages);
};

/**
 * The structure of each created service: from its first version (later saves of the edit page carry only the text).
 * The SQL reads the catalogue's own table (admin_service_version, migration 0009).
 */
export async function createdStructures(db: CatalogueQueryable): Promise<Map<string, CreatedStructure>> {
  const { rows } = await db.query<{ service_id: string; created: unknown }>(
    `select distinct on (service_id) service_id, fields->'created' as created from admin_service_version
      where fields ? 'created' order by service_id, version`);
  const out = new Map<string, CreatedStructure>();
  for (const r of rows) {
    const created = parsed(r.created);
    if (isStructure(created)) out.set(r.service_id, created);
  }
  return out;
}

/** What a created service's citizens read while no element of its process names a status: by the case's state. */
const STATE_STATUSES: Readonly<Record<string, CitizenStatus>> = { active: 'Received', completed: 'Decision made', terminated: 'Closed', canceled: 'Closed', cancelled: 'Closed' };

/** A created service as the portal and workbench read it; null while a page has no readable form yet. */
export function createdService(id: string, fields: ServiceFields, created: CreatedStructure, formOf: (pageId: string) => { schema: string; checksum: string } | undefined): Service | null {
  const pages: ServicePage[] = [];
  for (const p of created.pages) {
    const stored = formOf(p.id);
    const form = stored ? parseFormVersion(stored.schema).schema : null;
    if (!stored || !form) return null;
    pages.push({ id: p.id, title: p.title, formFile: `stored form of ${p.id}`, form, formVersion: stored.checksum });
  }
  return {
    id, title: fields.title, summary: fields.summary, description: fields.description, whoCanApply: fields.whoCanApply, documentsNeeded: fields.documentsNeeded,
    fee: fields.fee, expectedTime: fields.expectedTime, department: fields.department, referencePrefix: created.referencePrefix,
    process: { key: created.processKey, bpmnFile: null, bpmn: null }, pages, elementStatuses: {}, stateStatuses: STATE_STATUSES,
    informationRequest: null, sla: fields.sla, decisions: [], payment: null, documents: {}, taskForms: {}, letter: null, directory: '',
    ...(fields.languages ? { languages: fields.languages } : {}), ...(fields.translations ? { translations: fields.translations } : {}),
  };
}

/** The newest version of a created service, draft or not (the admin's review shows a service not yet published). */
export async function newestCreatedService(db: CatalogueQueryable, id: string): Promise<Service | null> {
  const { rows } = await db.query<{ fields: unknown }>('select fields from admin_service_version where service_id = $1 order by version desc limit 1', [id]);
  const created = (await createdStructures(db)).get(id);
  if (!rows[0] || !created) return null;
  const fields = parsed(rows[0].fields) as ServiceFields;
  const forms = await db.query<{ page_id: string; schema: string; checksum: string }>(
    'select distinct on (page_id) page_id, schema, checksum from admin_form_version where service_id = $1 order by page_id, version desc', [id]);
  return createdService(id, fields, created, (pageId) => forms.rows.find((r) => r.page_id === pageId));
}
