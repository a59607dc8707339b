import { randomBytes } from 'node:crypto';
import { hash as argonHash } from '@node-rs/argon2';
import { GovflowError } from '../kernel/index.js';
import { appendEvent, type Database } from '../store/index.js';
import { ORGANISATION_ID } from './organisation.js';
import { sha256, token } from './tokens.js';

/** How long an enrolment link may wait to be opened, and how long the enrolment then has to finish. */
export const ENROLMENT_VALID_MS = 24 * 3600_000;
export const ENROLMENT_SESSION_MS = 3600_000;
/** The department the first administrator belongs to when the organisation is still empty. */
export const ADMINISTRATION_DEPARTMENT = 'administration';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;
const invalid = (where: string, message: string): GovflowError => new GovflowError('GOVFLOW_ERR_VALIDATION', `${where}: ${message}`, [{ where, message }]);

/** A user name from an e-mail address's local part: `Ada.Lovelace@x` → `ada-lovelace`. */
export function usernameFromEmail(email: string): string {
  const local = email.split('@')[0]!.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+|-+$/g, '').slice(0, 40);
  return local.length >= 2 ? local : `staff-${local}`.slice(0, 40);
}

/**
 * Issues a one-time enrolment link for an account: the token is returned once (to be printed or handed over) and
 * only its SHA-256 is stored; it is valid for 24 hours and is used up when its holder sets a password. Earlier
 * links of the same account stop working.
 */
export async function issueEnrolment(db: Database, staffId: string, actor: string | null): Promise<{ token: string; expiresAt: Date }> {
  const secret = token();
  const expiresAt = new Date(Date.now() + ENROLMENT_VALID_MS);
  await db.transaction(async (tx) => {
    await tx.query('delete from identity_enrolment where staff_id = $1', [staffId]);
    await tx.query('insert into identity_enrolment (token_hash, staff_id, created_by, expires_at) values ($1, $2, $3, $4)', [sha256(secret), staffId, actor, expiresAt]);
    await appendEvent(tx, { type: 'identity.enrolment-issued', actor, data: { staff: staffId } });
  });
  return { token: secret, expiresAt };
}

/**
 * The first administrator of a real deployment (`govflow admin create`): an account with no usable password and no
 * authenticator, an admin membership in the `administration` department (created, with the agency, when missing),
 * and a one-time enrolment link where its holder sets a password and enrols an authenticator or a passkey.
 */
export async function createAdministrator(db: Database, input: { email: string; name: string; username?: string; agency: { id: string; name: string } }, actor: string | null): Promise<{ staffId: string; token: string; expiresAt: Date }> {
  const email = input.email.trim();
  const name = input.name.trim();
  const username = (input.username ?? usernameFromEmail(email)).trim();
  if (!EMAIL.test(email)) throw invalid('--email', 'enter an e-mail address in the correct format, like name@example.org');
  if (name === '' || name.length > 120) throw invalid('--name', 'enter a full name of 120 characters or fewer');
  if (!ORGANISATION_ID.test(username)) throw invalid('--username', 'enter a username of 2 to 40 lower-case letters, digits and dashes, starting with a letter');
  if (!ORGANISATION_ID.test(input.agency.id)) throw invalid('GOVFLOW_AGENCY', 'enter an agency id of 2 to 40 lower-case letters, digits and dashes');
  // Nobody knows this password: the account cannot be used until its holder enrols.
  const unusable = await argonHash(randomBytes(32).toString('base64url'));
  await db.transaction(async (tx) => {
    await tx.query('insert into identity_agency (id, name) values ($1, $2) on conflict do nothing', [input.agency.id, input.agency.name]);
    await tx.query('insert into identity_department (id, agency_id, name) values ($1, $2, $3) on conflict do nothing', [ADMINISTRATION_DEPARTMENT, input.agency.id, 'Administration']);
    const { rows } = await tx.query('insert into identity_staff (id, username, name, email, password_hash) values ($1, $1, $2, $3, $4) on conflict do nothing returning id', [username, name, email, unusable]);
    if (rows.length === 0) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `username: '${username}' is taken; choose another with --username`, [{ where: '--username', message: `The username ${username} is already taken` }]);
    await tx.query("insert into identity_membership (staff_id, department_id, role) values ($1, $2, 'admin')", [username, ADMINISTRATION_DEPARTMENT]);
    await appendEvent(tx, { type: 'identity.staff-created', actor, data: { staff: username, name, role: 'admin' } });
  });
  return { staffId: username, ...await issueEnrolment(db, username, actor) };
}
