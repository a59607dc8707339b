import { rewrapSealedColumn, type Database, type RewrapOptions } from '../store/index.js';

/**
 * Re-seals identity's secrets under a new master key (`govflow keys rotate master`): staff authenticator secrets
 * (bound to the staff id) and the secrets offered on enrolment pages not yet confirmed. Returns how many moved.
 */
export async function rewrapIdentitySecrets(db: Database, keys: { from: string | Buffer; to: string | Buffer }, options: RewrapOptions): Promise<number> {
  const staff = await rewrapSealedColumn(db, { table: 'identity_staff', keyColumn: 'id', column: 'totp_secret_sealed', context: (id) => `totp:${id}` }, keys, options);
  const enrolments = await rewrapSealedColumn(db, {
    table: 'identity_enrolment', keyColumn: 'token_hash', column: 'totp_secret_sealed', contextColumn: 'staff_id', context: (staffId) => `enrol-totp:${staffId}`,
  }, keys, options);
  return staff + enrolments;
}
