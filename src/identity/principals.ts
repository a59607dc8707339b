import type { Database, Queryable } from '../store/index.js';
import { STAFF_ROLES, type Principal, type StaffRole } from './principal.js';
import { scopesOf } from './api-keys.js';
import { sha256 } from './tokens.js';

/** A staff principal from the account's name and memberships (null when the account is disabled or gone). */
export function staffFrom(id: string, name: string | null, disabled: boolean | null, m: readonly { department: string; role: StaffRole }[]): Principal | null {
  if (name === null || disabled) return null;
  const memberships = m.map((x) => ({ department: x.department, role: x.role }));
  return {
    kind: 'staff', id, name, memberships,
    roles: STAFF_ROLES.filter((role) => memberships.some((x) => x.role === role)),
    departments: [...new Set(memberships.map((x) => x.department))],
  };
}

export async function staffPrincipal(q: Queryable, staffId: string): Promise<Principal | null> {
  const { rows } = await q.query<{ id: string; name: string; disabled: boolean }>('select id, name, disabled from identity_staff where id = $1', [staffId]);
  const staff = rows[0];
  if (!staff) return null;
  const m = await q.query<{ department_id: string; role: StaffRole }>('select department_id, role from identity_membership where staff_id = $1 order by department_id, role', [staffId]);
  return staffFrom(staff.id, staff.name, staff.disabled, m.rows.map((r) => ({ department: r.department_id, role: r.role })));
}

export async function citizenPrincipal(q: Queryable, personId: string): Promise<Principal | null> {
  const { rows } = await q.query<{ id: string; name: string }>('select id, name from identity_person where id = $1', [personId]);
  if (!rows[0]) return null;
  const b = await q.query<{ business_code: string }>('select business_code from identity_person_business where person_id = $1 order by business_code', [personId]);
  return { kind: 'citizen', id: rows[0].id, name: rows[0].name, roles: ['citizen'], businesses: b.rows.map((r) => r.business_code) };
}

export async function apiKeyPrincipal(db: Database, key: string): Promise<Principal | null> {
  const { rows } = await db.query<{ id: string; name: string; roles: string[]; services: string[] }>(
    'select id, name, roles, services from identity_api_client where key_hash = $1 and revoked_at is null', [sha256(key)], { name: 'identity-api-key' });
  const client = rows[0];
  if (!client) return null;
  if (client.roles.includes('agency-system')) {
    const { scopes, department } = scopesOf(client.roles);
    return { kind: 'agency-system', id: client.id, name: client.name, roles: ['agency-system'], services: client.services, ...(scopes.length > 0 ? { scopes } : {}), ...(department ? { department } : {}) };
  }
  // A key for a staff role (the CLI's admin key): acts as a staff member of no department.
  const roles = STAFF_ROLES.filter((r) => client.roles.includes(r));
  return { kind: 'staff', id: `key-${client.id}`, name: client.name, roles, departments: [], memberships: [], apiKey: true };
}
