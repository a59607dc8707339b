import { createPublicKey } from 'node:crypto';
import { openSecret, sealSecret } from '../kernel/index.js';
import { rewrapSealedColumn, type Database, type Queryable, type RewrapOptions } from '../store/index.js';
import { exportPublicKey, generateSigningKey, importPrivateKey, type SigningKey } from './signature.js';

/**
 * govflow's own Ed25519 key for signing registry requests. The private half is kept in the database sealed under
 * the master key (sealSecret, bound to its key id), so a database dump alone cannot impersonate the municipality.
 */
export async function loadOrCreateClientKey(db: Queryable, masterKey: string | Buffer, keyId = 'govflow'): Promise<SigningKey & { publicKey: string }> {
  const context = `registry-client-key:${keyId}`;
  const existing = await db.query<{ private_key_box: string }>('select private_key_box from registry_client_key where key_id = $1', [keyId]);
  if (!existing.rows[0]) {
    const fresh = generateSigningKey(keyId);
    const box = sealSecret(fresh.privateKey.export({ format: 'der', type: 'pkcs8' }), masterKey, context);
    // Two processes starting at once: the first insert wins and both use the stored key.
    await db.query('insert into registry_client_key (key_id, public_key, private_key_box) values ($1, $2, $3) on conflict (key_id) do nothing', [keyId, fresh.publicKey, box]);
  }
  const { rows } = await db.query<{ private_key_box: string }>('select private_key_box from registry_client_key where key_id = $1', [keyId]);
  const privateKey = importPrivateKey(openSecret(rows[0]!.private_key_box, masterKey, context).toString('base64url'));
  return { keyId, privateKey, publicKey: exportPublicKey(createPublicKey(privateKey)) };
}

/** Re-seals govflow's registry client keys under a new master key (`govflow keys rotate master`). */
export function rewrapClientKeys(db: Database, keys: { from: string | Buffer; to: string | Buffer }, options: RewrapOptions): Promise<number> {
  return rewrapSealedColumn(db, { table: 'registry_client_key', keyColumn: 'key_id', column: 'private_key_box', context: (keyId) => `registry-client-key:${keyId}` }, keys, options);
}
