import { GovflowError } from '../kernel/index.js';
import { appendEvent, type Database } from '../store/index.js';
import { ORGANISATION_ID } from './organisation.js';
import type { Principal } from './principal.js';
import { sha256, token } from './tokens.js';

/**
 * Agency API keys (issue 13): issued to another agency's system for a few scopes, optionally for one department,
 * rotated and revoked by an administrator in /admin or with `govflow apikey`. The key is shown once; only its
 * SHA-256 and its first characters are kept (identity_api_client). A scoped key acts only under its scopes' paths.
 *
 * The scopes and the department are kept in the client's `roles` array as `scope:<name>` and `department:<id>`
 * entries, beside the `agency-system` role, so keys need no schema change; principals.ts reads them back.
 */
export const API_KEY_SCOPES = ['jobs', 'registry', 'open311', 'decisions', 'sensors'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The paths each scope opens (an API key with scopes is refused elsewhere). */
const SCOPE_PATHS: Readonly<Record<ApiKeyScope, readonly string[]>> = {
  jobs: ['/api/jobs/', '/api/messages'],
  registry: ['/api/v2/'],
  open311: ['/open311/'],
  decisions: ['/api/decisions/', '/api/verify'],
  sensors: ['/ngsi-ld/'],
};

export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly department: string | null;
  readonly services: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly revokedAt: string | null;
}

export interface IssueApiKey {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly department?: string | undefined;
  /** The services (catalogue ids) whose cases and jobs it acts on (the service scope of agency systems). */
  readonly services?: readonly string[];
}

const invalid = (where: string, message: string): GovflowError => new GovflowError('GOVFLOW_ERR_VALIDATION', `${where}: ${message}`, [{ where, message }]);

/** Scopes and department from the roles array (see the note above). */
export function scopesOf(roles: readonly string[]): { scopes: string[]; department: string | null } {
  return {
    scopes: roles.filter((r) => r.startsWith('scope:')).map((r) => r.slice('scope:'.length)),
    department: roles.find((r) => r.startsWith('department:'))?.slice('department:'.length) ?? null,
  };
}

/** Whether a principal from an API key may call `url`: keys with scopes only under those scopes' paths. */
export function apiKeyMayReach(principal: Principal, url: string): boolean {
  if (principal.kind !== 'agency-system' || !principal.scopes || principal.scopes.length === 0) return true;
  const path = url.split('?')[0]!;
  return principal.scopes.some((s) => (SCOPE_PATHS[s as ApiKeyScope] ?? []).some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix)));
}

const newKey = (): { key: string; prefix: string } => {
  const key = `gfk_${token()}`;
  return { key, prefix: key.slice(0, 10) };
};

/** Issues a scoped agency key; returns the key itself, which is never stored. */
export async function issueApiKey(db: Database, request: IssueApiKey, actor: string | null): Promise<{ id: string; key: string; prefix: string }> {
  const name = request.name.trim();
  if (name === '' || name.length > 120) throw invalid('name', 'Enter a name of 1 to 120 characters, such as the receiving system');
  const scopes = [...new Set(request.scopes.map((s) => s.trim()).filter((s) => s !== ''))];
  if (scopes.length === 0) throw invalid('scopes', `Choose at least one scope: ${API_KEY_SCOPES.join(', ')}`);
  const unknown = scopes.find((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (unknown) throw invalid('scopes', `'${unknown}' is not a scope: use ${API_KEY_SCOPES.join(', ')}`);
  const department = request.department?.trim() || undefined;
  if (department !== undefined && !ORGANISATION_ID.test(department)) throw invalid('department', 'Enter a department id such as building-control');
  const services = [...new Set((request.services ?? []).map((s) => s.trim()).filter((s) => s !== ''))];
  const badService = services.find((s) => !/^[a-z][a-z0-9-]{0,62}$/.test(s));
  if (badService !== undefined) throw invalid('services', `'${badService}' is not a service id such as housing-benefit`);
  const id = `key-${token().slice(0, 12).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  const { key, prefix } = newKey();
  const roles = ['agency-system', ...scopes.map((s) => `scope:${s}`), ...(department ? [`department:${department}`] : [])];
  await db.transaction(async (tx) => {
    if (department) {
      const { rows } = await tx.query('select 1 from identity_department where id = $1', [department]);
      if (rows.length === 0) throw invalid('department', `There is no department '${department}'`);
    }
    await tx.query('insert into identity_api_client (id, name, key_prefix, key_hash, roles, services, created_by) values ($1, $2, $3, $4, $5, $6, $7)', [id, name, prefix, sha256(key), roles, services, actor]);
    await appendEvent(tx, { type: 'identity.api-key-created', actor, data: { client: id, prefix, roles, services } });
  });
  return { id, key, prefix };
}

/** A new key for the same client (scopes kept); the old key stops working at once. Null when unknown or revoked. */
export async function rotateApiKey(db: Database, id: string, actor: string | null): Promise<{ id: string; key: string; prefix: string } | null> {
  const { key, prefix } = newKey();
  return db.transaction(async (tx) => {
    const { rows } = await tx.query('update identity_api_client set key_hash = $2, key_prefix = $3 where id = $1 and revoked_at is null returning id', [id, sha256(key), prefix]);
    if (rows.length === 0) return null;
    await appendEvent(tx, { type: 'identity.api-key-rotated', actor, data: { client: id, prefix } });
    return { id, key, prefix };
  });
}

/** Revokes a key: it stops working at once and stays listed as revoked. False when unknown or already revoked. */
export async function revokeApiKey(db: Database, id: string, actor: string | null): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query('update identity_api_client set revoked_at = now() where id = $1 and revoked_at is null returning id', [id]);
    if (rows.length === 0) return false;
    await appendEvent(tx, { type: 'identity.api-key-revoked', actor, data: { client: id } });
    return true;
  });
}

export async function listApiKeys(db: Database): Promise<ApiKeyView[]> {
  const { rows } = await db.query<{ id: string; name: string; key_prefix: string; roles: string[]; services: string[]; created_at: Date | string; created_by: string | null; revoked_at: Date | string | null }>(
    'select id, name, key_prefix, roles, services, created_at, created_by, revoked_at from identity_api_client order by revoked_at is not null, created_at desc, id');
  const iso = (d: Date | string): string => new Date(d).toISOString();
  return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.key_prefix, ...scopesOf(r.roles), services: r.services, createdAt: iso(r.created_at), createdBy: r.created_by, revokedAt: r.revoked_at ? iso(r.revoked_at) : null }));
}
