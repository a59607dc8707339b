import type { CatalogueQueryable, ServiceFields } from './catalogue-store.js';

/**
 * The publishing workflow of a service's text (migration 0025): an admin's save is a draft citizens do not see; a
 * second admin approves it (it is published) or returns it with a note. The rules live here, beside the storage,
 * so that no page can publish a draft its own author approved.
 */

/** published: citizens see it (or saw it, before a later one); the others were never shown to citizens. */
export type ServiceVersionState = 'published' | 'awaiting-review' | 'returned' | 'replaced';

export interface ServiceReview {
  readonly decision: 'approved' | 'returned';
  readonly actor: string;
  readonly note: string;
  readonly at: string;
}

export interface ServiceVersionRow {
  readonly serviceId: string;
  readonly version: number;
  readonly fields: ServiceFields;
  readonly actor: string | null;
  readonly createdAt: string;
  readonly draft: boolean;
  readonly state: ServiceVersionState;
  readonly review: ServiceReview | null;
}

interface Row {
  service_id: string; version: number; fields: unknown; actor: string | null; created_at: Date | string; draft: boolean;
  decision: 'approved' | 'returned' | null; reviewer: string | null; note: string | null; reviewed_at: Date | string | null;
}

const iso = (value: Date | string): string => new Date(value).toISOString();

const SELECT = `select v.service_id, v.version, v.fields, v.actor, v.created_at, v.draft,
  r.decision, r.actor as reviewer, r.note, r.created_at as reviewed_at
  from admin_service_version v left join admin_service_review r on r.service_id = v.service_id and r.version = v.version`;

function toRow(r: Row, newest: number): ServiceVersionRow {
  const review = r.decision && r.reviewer ? { decision: r.decision, actor: r.reviewer, note: r.note ?? '', at: iso(r.reviewed_at ?? r.created_at) } : null;
  const state: ServiceVersionState = !r.draft || review?.decision === 'approved' ? 'published'
    : review?.decision === 'returned' ? 'returned' : Number(r.version) === newest ? 'awaiting-review' : 'replaced';
  return {
    serviceId: r.service_id, version: Number(r.version), fields: (typeof r.fields === 'string' ? JSON.parse(r.fields) : r.fields) as ServiceFields,
    actor: r.actor, createdAt: iso(r.created_at), draft: r.draft, state, review,
  };
}

/** A service's stored versions, newest first, each with its state in the workflow. */
export async function listServiceVersions(db: CatalogueQueryable, serviceId: string): Promise<ServiceVersionRow[]> {
  const { rows } = await db.query<Row>(`${SELECT} where v.service_id = $1 order by v.version desc`, [serviceId]);
  const newest = Number(rows[0]?.version ?? 0);
  return rows.map((r) => toRow(r, newest));
}

export async function getServiceVersion(db: CatalogueQueryable, serviceId: string, version: number): Promise<ServiceVersionRow | null> {
  return (await listServiceVersions(db, serviceId)).find((v) => v.version === version) ?? null;
}

/** Why a review was refused: the author's own draft, a draft already decided or replaced by a newer save. */
export type ReviewRefusal = 'no-such-draft' | 'own-draft' | 'already-reviewed' | 'replaced';

/**
 * Records a second admin's decision on a draft; an approval publishes it (the overlay reads approved drafts).
 * Call inside the transaction that appends the event, holding the service's save lock.
 */
export async function reviewServiceDraft(tx: CatalogueQueryable, serviceId: string, version: number, decision: 'approved' | 'returned', actor: string, note = ''): Promise<{ ok: true; draft: ServiceVersionRow } | { ok: false; refusal: ReviewRefusal }> {
  const draft = await getServiceVersion(tx, serviceId, version);
  if (!draft?.draft) return { ok: false, refusal: 'no-such-draft' };
  if (draft.review) return { ok: false, refusal: 'already-reviewed' };
  if (draft.state === 'replaced') return { ok: false, refusal: 'replaced' };
  // The four-eyes rule: whoever saved the draft cannot be the one who lets citizens see it.
  if (draft.actor === actor) return { ok: false, refusal: 'own-draft' };
  await tx.query('insert into admin_service_review (service_id, version, decision, actor, note) values ($1, $2, $3, $4, $5)', [serviceId, version, decision, actor, note]);
  return { ok: true, draft };
}
