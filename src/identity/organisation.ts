import { randomBytes } from 'node:crypto';
import { hash as argonHash } from '@node-rs/argon2';
import { generateSecret } from 'otplib';
import { GovflowError, sealSecret } from '../kernel/index.js';
import { appendEvent, type Database, type Queryable } from '../store/index.js';
import { STAFF_ROLES, type StaffRole } from './principal.js';

/**
 * Managing the organisation (the admin pages use it): departments, staff accounts, deactivation. Memberships go
 * through `Identity.setMembership`, which records `identity.role-changed`. Each change here is a platform event
 * too, in the same transaction, so the ledger seals who changed the organisation and when.
 */

export interface DepartmentView {
  readonly id: string;
  readonly agencyId: string;
  readonly name: string;
}

export interface StaffView {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly email: string | null;
  readonly disabled: boolean;
  readonly memberships: readonly { department: string; role: StaffRole }[];
}

/** Department ids and usernames: what the demo organisation uses, and safe in URLs and candidate groups. */
export const ORGANISATION_ID = /^[a-z][a-z0-9-]{1,39}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;

const invalid = (where: string, message: string): GovflowError => new GovflowError('GOVFLOW_ERR_VALIDATION', `${where}: ${message}`, [{ where, message }]);

export async function listDepartments(db: Queryable): Promise<DepartmentView[]> {
  const { rows } = await db.query<{ id: string; agency_id: string; name: string }>('select id, agency_id, name from identity_department order by name, id');
  return rows.map((r) => ({ id: r.id, agencyId: r.agency_id, name: r.name }));
}

export async function listAgencies(db: Queryable): Promise<{ id: string; name: string }[]> {
  const { rows } = await db.query<{ id: string; name: string }>('select id, name from identity_agency order by name, id');
  return rows;
}

export async function createDepartment(db: Database, input: { id: string; name: string; agencyId: string }, actor: string | null): Promise<DepartmentView> {
  const id = input.id.trim();
  const name = input.name.trim();
  if (!ORGANISATION_ID.test(id)) throw invalid('id', 'Enter an id of 2 to 40 lower-case letters, digits and dashes, starting with a letter, like building-control');
  if (name === '' || name.length > 120) throw invalid('name', 'Enter a name of 120 characters or fewer');
  return db.transaction(async (tx) => {
    const agency = await tx.query('select 1 from identity_agency where id = $1', [input.agencyId]);
    if (agency.rows.length === 0) throw invalid('agency', 'Choose an agency');
    const { rows } = await tx.query('insert into identity_department (id, agency_id, name) values ($1, $2, $3) on conflict (id) do nothing returning id', [id, input.agencyId, name]);
    if (rows.length === 0) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `id: a department '${id}' already exists`, [{ where: 'id', message: `A department with the id ${id} already exists` }]);
    await appendEvent(tx, { type: 'identity.department-created', actor, data: { department: id, agency: input.agencyId, name } });
    return { id, agencyId: input.agencyId, name };
  });
}

export async function listStaff(db: Queryable): Promise<StaffView[]> {
  const { rows } = await db.query<{ id: string; username: string; name: string; email: string | null; disabled: boolean }>('select id, username, name, email, disabled from identity_staff order by username');
  const m = await db.query<{ staff_id: string; department_id: string; role: StaffRole }>('select staff_id, department_id, role from identity_membership order by department_id, role');
  return rows.map((r) => ({ ...r, disabled: r.disabled === true, memberships: m.rows.filter((x) => x.staff_id === r.id).map((x) => ({ department: x.department_id, role: x.role })) }));
}

/** The id of the staff account with this user name (as typed at sign-in: case and surrounding spaces ignored), or null. */
export async function staffIdOfUsername(db: Queryable, username: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>('select id from identity_staff where lower(username) = lower($1)', [username.trim()]);
  return rows[0]?.id ?? null;
}

export async function getStaff(db: Queryable, id: string): Promise<StaffView | null> {
  return (await listStaff(db)).find((s) => s.id === id) ?? null;
}

/** 18 random bytes: 24 base64url characters, far beyond guessing. Shown once, stored only as an argon2id hash. */
const newPassword = (): string => randomBytes(18).toString('base64url');

/** Ends every session of a staff account, signed in or half-way through the sign-in (password given, code not yet). */
async function endStaffSessions(tx: Queryable, staffId: string): Promise<void> {
  await tx.query("delete from identity_session where (principal_kind = 'staff' and principal_id = $1) or pending_staff_id = $1", [staffId]);
}

/**
 * A new staff account with a random initial password and TOTP secret, returned once (to be shown once and handed
 * over); only the argon2id hash and the sealed secret are stored. The password must be changed at first sign-in.
 */
export async function createStaff(db: Database, masterKey: string | Buffer, input: { username: string; name: string; email: string }, actor: string | null): Promise<{ id: string; password: string; totpSecret: string }> {
  const username = input.username.trim();
  const name = input.name.trim();
  const email = input.email.trim();
  if (!ORGANISATION_ID.test(username)) throw invalid('username', 'Enter a username of 2 to 40 lower-case letters, digits and dashes, starting with a letter');
  if (name === '' || name.length > 120) throw invalid('name', 'Enter a full name of 120 characters or fewer');
  if (email !== '' && !EMAIL.test(email)) throw invalid('email', 'Enter an email address in the correct format, like name@example.org');
  const password = newPassword();
  const totpSecret = generateSecret();
  const passwordHash = await argonHash(password);
  await db.transaction(async (tx) => {
    const { rows } = await tx.query(
      'insert into identity_staff (id, username, name, email, password_hash, totp_secret_sealed, password_change_required) values ($1, $1, $2, $3, $4, $5, true) on conflict do nothing returning id',
      [username, name, email || null, passwordHash, sealSecret(totpSecret, masterKey, `totp:${username}`)]);
    if (rows.length === 0) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `username: '${username}' is taken`, [{ where: 'username', message: `The username ${username} is already taken` }]);
    await appendEvent(tx, { type: 'identity.staff-created', actor, data: { staff: username, name } });
  });
  return { id: username, password, totpSecret };
}

/**
 * Deactivates (or reactivates) an account. The staff sign-in refuses a disabled account and a session of one no
 * longer resolves to a principal; its sessions are deleted as well so nothing lingers.
 */
export async function setStaffDisabled(db: Database, staffId: string, disabled: boolean, actor: string | null): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query('update identity_staff set disabled = $2 where id = $1 and disabled <> $2 returning id', [staffId, disabled]);
    if (rows.length === 0) return false;
    if (disabled) await endStaffSessions(tx, staffId);
    await appendEvent(tx, { type: disabled ? 'identity.staff-deactivated' : 'identity.staff-reactivated', actor, data: { staff: staffId } });
    return true;
  });
}

/**
 * An administrator resets a staff member's sign-in: a new random password, a new authenticator (TOTP) secret, or
 * both — the lost phone and the forgotten password of a back office, where a self-service e-mail link would make
 * the mailbox the second factor. Every session of the account ends and its failed-attempt count (lockout) is
 * cleared, so the person can sign in with what they are given. Returns the new values, to be shown once.
 */
export async function resetStaffCredentials(db: Database, masterKey: string | Buffer, staffId: string, reset: 'password' | 'authenticator' | 'both', actor: string | null): Promise<{ password?: string; totpSecret?: string } | undefined> {
  const password = reset === 'authenticator' ? undefined : newPassword();
  const totpSecret = reset === 'password' ? undefined : generateSecret();
  const passwordHash = password === undefined ? null : await argonHash(password);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      // A password someone else handed over must be changed at the next sign-in; a new secret starts a new step count.
      `update identity_staff set password_hash = coalesce($2, password_hash), totp_secret_sealed = coalesce($3, totp_secret_sealed),
              password_change_required = password_change_required or $2 is not null,
              totp_last_step = case when $3 is null then totp_last_step end
       where id = $1 returning id`,
      [staffId, passwordHash, totpSecret === undefined ? null : sealSecret(totpSecret, masterKey, `totp:${staffId}`)],
    );
    if (rows.length === 0) return undefined;
    await endStaffSessions(tx, staffId);
    // A lost or stolen phone may hold a passkey too: a new authenticator removes them (they can be added again).
    if (totpSecret !== undefined) await tx.query('delete from identity_passkey where staff_id = $1', [staffId]);
    await tx.query('delete from identity_sign_in_attempt where account_key = $1', [`staff:${staffId}`]);
    await appendEvent(tx, { type: 'identity.staff-credentials-reset', actor, data: { staff: staffId, password: password !== undefined, authenticator: totpSecret !== undefined } });
    return { ...(password !== undefined ? { password } : {}), ...(totpSecret !== undefined ? { totpSecret } : {}) };
  });
}

/** A membership from form input, checked against the known departments and staff roles. */
export async function parseMembership(db: Queryable, department: unknown, role: unknown): Promise<{ department: string; role: StaffRole }> {
  if (typeof role !== 'string' || !(STAFF_ROLES as readonly string[]).includes(role)) throw invalid('role', `Choose a role: ${STAFF_ROLES.join(', ')}`);
  if (typeof department !== 'string' || !ORGANISATION_ID.test(department)) throw invalid('department', 'Choose a department');
  const { rows } = await db.query('select 1 from identity_department where id = $1', [department]);
  if (rows.length === 0) throw invalid('department', 'Choose a department');
  return { department, role: role as StaffRole };
}
