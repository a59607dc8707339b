import { GovflowError } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';

/** The exchange's own tables (0031): peers, published services, access rights. The message log is in message-log.ts. */

export const SERVICE_KINDS = ['start-process', 'message', 'case-status'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

export interface PublishedService {
  readonly serviceCode: string;
  readonly title: string;
  /** start-process: a case of `target` (a process key) starts; message: `target` (a message name) is correlated; case-status: `target` is unused. */
  readonly kind: ServiceKind;
  readonly target: string;
  readonly openapi: Record<string, unknown>;
  readonly publishedAt: string;
}

export interface Peer {
  readonly memberId: string;
  readonly baseUrl: string;
  readonly certificate: string;
  readonly fingerprint: string;
}

export interface AccessRight {
  readonly id: number;
  readonly serviceCode: string;
  readonly clientId: string;
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly revokedBy: string | null;
  readonly revokedAt: string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export async function listServices(db: Queryable): Promise<PublishedService[]> {
  const { rows } = await db.query<{ service_code: string; title: string; kind: ServiceKind; target: string; openapi: Record<string, unknown>; published_at: Date }>(
    'select service_code, title, kind, target, openapi, published_at from exchange_service order by service_code');
  return rows.map((r) => ({ serviceCode: r.service_code, title: r.title, kind: r.kind, target: r.target, openapi: r.openapi, publishedAt: iso(r.published_at)! }));
}

export async function getService(db: Queryable, serviceCode: string): Promise<PublishedService | null> {
  return (await listServices(db)).find((s) => s.serviceCode === serviceCode) ?? null;
}

/** Publishes (or re-describes) a service; its OpenAPI description is built from what it does (openapi.ts). */
export async function upsertService(db: Queryable, service: Omit<PublishedService, 'publishedAt'>, actor: string): Promise<void> {
  await db.query(`insert into exchange_service (service_code, title, kind, target, openapi, published_by) values ($1, $2, $3, $4, $5::jsonb, $6)
    on conflict (service_code) do update set title = excluded.title, kind = excluded.kind, target = excluded.target, openapi = excluded.openapi, published_by = excluded.published_by, published_at = now()`,
  [service.serviceCode, service.title, service.kind, service.target, JSON.stringify(service.openapi), actor]);
}

export async function listPeers(db: Queryable): Promise<Peer[]> {
  const { rows } = await db.query<{ member_id: string; base_url: string; certificate: string; fingerprint: string }>('select member_id, base_url, certificate, fingerprint from exchange_peer order by member_id');
  return rows.map((r) => ({ memberId: r.member_id, baseUrl: r.base_url, certificate: r.certificate, fingerprint: r.fingerprint }));
}

export async function upsertPeer(db: Queryable, peer: Peer, actor: string): Promise<void> {
  await db.query(`insert into exchange_peer (member_id, base_url, certificate, fingerprint, added_by) values ($1, $2, $3, $4, $5)
    on conflict (member_id) do update set base_url = excluded.base_url, certificate = excluded.certificate, fingerprint = excluded.fingerprint, added_by = excluded.added_by, added_at = now()`,
  [peer.memberId, peer.baseUrl, peer.certificate, peer.fingerprint, actor]);
}

export async function listAccess(db: Queryable, options: { current?: boolean } = {}): Promise<AccessRight[]> {
  const { rows } = await db.query<{ id: string; service_code: string; client_id: string; granted_by: string; granted_at: Date; revoked_by: string | null; revoked_at: Date | null }>(
    `select id, service_code, client_id, granted_by, granted_at, revoked_by, revoked_at from exchange_access ${options.current ? 'where revoked_at is null' : ''} order by id`);
  return rows.map((r) => ({ id: Number(r.id), serviceCode: r.service_code, clientId: r.client_id, grantedBy: r.granted_by, grantedAt: iso(r.granted_at)!, revokedBy: r.revoked_by, revokedAt: iso(r.revoked_at) }));
}

export async function hasAccess(db: Queryable, serviceCode: string, clientId: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from exchange_access where service_code = $1 and client_id = $2 and revoked_at is null', [serviceCode, clientId]);
  return rows.length > 0;
}

/** Grants a client subsystem access to a service; granting what is already granted changes nothing. */
export async function grantAccess(db: Queryable, serviceCode: string, clientId: string, actor: string): Promise<boolean> {
  if (!(await getService(db, serviceCode))) throw new GovflowError('GOVFLOW_ERR_EXCHANGE_UNKNOWN', `no published service '${serviceCode}'`, [{ where: 'service', message: 'is not published' }]);
  const { rows } = await db.query(`insert into exchange_access (service_code, client_id, granted_by) values ($1, $2, $3)
    on conflict (service_code, client_id) where revoked_at is null do nothing returning id`, [serviceCode, clientId, actor]);
  return rows.length > 0;
}

export async function revokeAccess(db: Queryable, serviceCode: string, clientId: string, actor: string): Promise<boolean> {
  const { rows } = await db.query('update exchange_access set revoked_by = $3, revoked_at = now() where service_code = $1 and client_id = $2 and revoked_at is null returning id', [serviceCode, clientId, actor]);
  return rows.length > 0;
}
