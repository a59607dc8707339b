import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Selfsigned from 'selfsigned';
import { GovflowError, openSecret, sealSecret } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';

/**
 * This member's key and certificate: one ECDSA P-256 key serves both mutual TLS (the certificate) and the JWS
 * signatures (ES256) over messages, as an X-Road member's authentication and signing keys would. The private key
 * is kept sealed under the master key, bound to the member id, so a database dump alone cannot act as the member.
 */
export interface MemberKey {
  readonly memberId: string;
  readonly certificate: string;
  readonly privateKeyPem: string;
  readonly privateKey: KeyObject;
  readonly fingerprint: string;
}

const context = (memberId: string): string => `exchange-member-key:${memberId}`;

export async function loadOrCreateMemberKey(db: Queryable, masterKey: string | Buffer, memberId: string): Promise<MemberKey> {
  const read = () => db.query<{ certificate: string; private_key_box: string }>('select certificate, private_key_box from exchange_member_key where member_id = $1', [memberId]);
  let { rows } = await read();
  if (!rows[0]) {
    // selfsigned and its X.509 stack (some 250 modules) only when a member first needs a certificate.
    const { generate } = createRequire(import.meta.url)('selfsigned') as typeof Selfsigned;
    const made = await generate([{ name: 'commonName', value: memberId.slice(0, 64) }, { name: 'organizationName', value: memberId.split('/')[2] ?? memberId }], {
      keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notAfterDate: new Date(Date.now() + 825 * 86_400_000),
      // Loopback names: the embedded default runs both members on this machine; behind a security server TLS ends there.
      extensions: [{ name: 'basicConstraints', cA: false }, { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    });
    // Two processes starting at once: the first insert wins and both use the stored key.
    await db.query('insert into exchange_member_key (member_id, certificate, private_key_box) values ($1, $2, $3) on conflict (member_id) do nothing',
      [memberId, made.cert, sealSecret(Buffer.from(made.private), masterKey, context(memberId))]);
    ({ rows } = await read());
  }
  const privateKeyPem = openSecret(rows[0]!.private_key_box, masterKey, context(memberId)).toString('utf8');
  return { memberId, certificate: rows[0]!.certificate, privateKeyPem, privateKey: createPrivateKey(privateKeyPem), fingerprint: fingerprintOf(rows[0]!.certificate) };
}

/** SHA-256 fingerprint of a PEM certificate; refuses anything that is not one certificate. */
export function fingerprintOf(pem: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'the certificate is not a PEM X.509 certificate', [{ where: 'certificate', message: 'is not a PEM X.509 certificate' }]);
  }
}
