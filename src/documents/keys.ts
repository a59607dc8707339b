import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { GovflowError, openSecret, sealSecret } from '../kernel/index.js';
import { appendEvent, rewrapSealedColumn, type Database, type Queryable, type RewrapOptions } from '../store/index.js';

/** A public Ed25519 key as published in the JWKS (RFC 8037 OKP key). */
export interface PublicSigningJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** The private key's box is bound to its kid, so a box copied onto another key row does not open. */
const boxContext = (kid: string): string => `documents.signing-key:${kid}`;

/**
 * The agency's signing keys. The kid is the RFC 7638 thumbprint of the public key, so anyone holding the JWK can
 * recompute it and no registry of names is needed.
 */
export class SigningKeys {
  constructor(private readonly db: Database, private readonly masterKey: string) {}

  private async create(tx: Queryable): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x! });
    const publicJwk: PublicSigningJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid, alg: 'EdDSA', use: 'sig' };
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    await tx.query(`update signing_key set active = false, retired_at = now() where active`);
    await tx.query('insert into signing_key (kid, public_jwk, private_key_box, active) values ($1, $2::jsonb, $3, true)',
      [kid, JSON.stringify(publicJwk), sealSecret(pem, this.masterKey, boxContext(kid))]);
    return kid;
  }

  /** The key that signs now; the first call of a fresh installation creates it. */
  async active(tx: Queryable = this.db): Promise<SigningKey> {
    let { rows } = await tx.query<{ kid: string; private_key_box: string }>('select kid, private_key_box from signing_key where active');
    if (!rows[0]) {
      // Two processes starting at once may both try; the partial unique index lets one win, the other re-reads.
      await this.db.transaction(async (t) => {
        const again = await t.query('select 1 from signing_key where active');
        if (again.rows.length === 0) {
          const kid = await this.create(t);
          await appendEvent(t, { type: 'documents.key-rotated', actor: 'system:documents', data: { kid, previousKid: null } });
        }
      }).catch(() => undefined);
      ({ rows } = await this.db.query<{ kid: string; private_key_box: string }>('select kid, private_key_box from signing_key where active'));
      if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_INTERNAL', 'no active signing key could be created');
    }
    const row = rows[0];
    return { kid: row.kid, privateKey: createPrivateKey(openSecret(row.private_key_box, this.masterKey, boxContext(row.kid)).toString('utf8')) };
  }

  /** A new key signs from now on; the old one is retired but stays published for verification forever. */
  async rotate(actor: string | null): Promise<{ kid: string; previousKid: string | null }> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ kid: string }>('select kid from signing_key where active');
      const previousKid = rows[0]?.kid ?? null;
      const kid = await this.create(tx);
      await appendEvent(tx, { type: 'documents.key-rotated', actor, data: { kid, previousKid } });
      return { kid, previousKid };
    });
  }

  /** Every public key, active first then newest first: the JWKS. */
  async jwks(): Promise<{ keys: PublicSigningJwk[] }> {
    const { rows } = await this.db.query<{ public_jwk: PublicSigningJwk | string }>('select public_jwk from signing_key order by active desc, created_at desc, kid');
    return { keys: rows.map((r) => (typeof r.public_jwk === 'string' ? JSON.parse(r.public_jwk) as PublicSigningJwk : r.public_jwk)) };
  }
}

/** A KeyObject for a published JWK (used by the verifier). */
export function publicKeyOf(jwk: PublicSigningJwk): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
}

/** Re-seals every private signing key under a new master key (`govflow keys rotate master`); see rewrapSealedColumn. */
export function rewrapSigningKeyBoxes(db: Database, keys: { from: string | Buffer; to: string | Buffer }, options: RewrapOptions): Promise<number> {
  return rewrapSealedColumn(db, { table: 'signing_key', keyColumn: 'kid', column: 'private_key_box', context: boxContext }, keys, options);
}
