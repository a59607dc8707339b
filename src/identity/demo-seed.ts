import { hash as argonHash } from '@node-rs/argon2';
import { sealSecret } from '../kernel/index.js';
import { createVault, type Vault } from '../privacy/index.js';
import type { Database } from '../store/index.js';
import { setStaffDisabled } from './organisation.js';
import { DEMO_AGENCIES, DEMO_CITIZENS, DEMO_DEPARTMENTS, DEMO_STAFF } from './demo-organisation.js';

/** Issuer recorded for persons created by the demo sign-in (no eID provider configured). */
export const DEMO_ISSUER = 'demo';

/** Seeds the demo organisation, staff (published passwords and TOTP secrets) and citizens; idempotent. */
export async function seedDemoOrganisation(db: Database, masterKey: string | Buffer, vault: Vault = createVault({ db, masterKey })): Promise<void> {
  // The demo citizens' national IDs (the population registry's), only in the vault: the demo sign-in stands in for
  // an eID, and registry look-ups use the signed-in person's number (issue 13). Also added to older demo databases.
  for (const c of DEMO_CITIZENS) {
    if (!(await vault.findPersonByIdentifier('national-id', c.nationalId))) await db.transaction((tx) => vault.putIdentifier(tx, c.id, 'national-id', c.nationalId));
  }
  const { rows } = await db.query<{ n: string | number }>("select count(*) as n from identity_staff where id = 'ada'");
  if (Number(rows[0]!.n) > 0) return;
  const hashes = await Promise.all(DEMO_STAFF.map((s) => argonHash(s.password)));
  await db.transaction(async (tx) => {
    for (const a of DEMO_AGENCIES) await tx.query('insert into identity_agency (id, name) values ($1, $2) on conflict do nothing', [a.id, a.name]);
    for (const d of DEMO_DEPARTMENTS) await tx.query('insert into identity_department (id, agency_id, name) values ($1, $2, $3) on conflict do nothing', [d.id, d.agency, d.name]);
    for (const [i, s] of DEMO_STAFF.entries()) {
      await tx.query('insert into identity_staff (id, username, name, email, password_hash, totp_secret_sealed) values ($1, $1, $2, $3, $4, $5) on conflict do nothing',
        [s.username, s.name, `${s.username}@demo-municipality.example`, hashes[i], sealSecret(s.totpSecret, masterKey, `totp:${s.username}`)]);
      for (const m of s.memberships) await tx.query('insert into identity_membership (staff_id, department_id, role) values ($1, $2, $3) on conflict do nothing', [s.username, m.department, m.role]);
    }
    for (const c of DEMO_CITIZENS) {
      await tx.query('insert into identity_person (id, issuer, subject, name, email) values ($1, $2, $3, $4, $5) on conflict do nothing', [c.id, DEMO_ISSUER, c.id, c.name, `${c.id}@example.org`]);
      for (const b of c.businesses) await tx.query('insert into identity_person_business (person_id, business_code) values ($1, $2) on conflict do nothing', [c.id, b]);
    }
  });
}

/**
 * The demo staff accounts (published passwords and secrets) still active in this database: production mode refuses
 * to start while any is left (a database first run as the demo and then put into service).
 */
export async function activeDemoAccounts(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('select id from identity_staff where not disabled and id = any($1::text[]) order by id', [DEMO_STAFF.map((s) => s.username)]);
  return rows.map((r) => r.id);
}

/** Deactivates the demo staff accounts and ends their sessions (`govflow admin disable-demo`). */
export async function disableDemoAccounts(db: Database, actor: string | null): Promise<string[]> {
  const ids = await activeDemoAccounts(db);
  for (const id of ids) await setStaffDisabled(db, id, true, actor);
  return ids;
}
