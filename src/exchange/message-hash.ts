import { createHash, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { GovflowError } from '../kernel/index.js';

/**
 * The request hash of PR-REST §4.3: base64(SHA512(SHA512(headers) + SHA512(body))), or base64(SHA512(headers))
 * without a body. The spec leaves open which headers; govflow hashes the request line and the X-Road headers that
 * say who asks what and why, in this fixed order, one `name: value` per line (absent ones left out), so both sides
 * compute the same value whatever order or case the headers travelled in.
 */
export const HASHED_HEADERS = ['x-road-client', 'x-road-id', 'x-road-userid', 'x-road-issue', 'content-type'] as const;

/** The signature header (an extension header: PR-REST §4.3 leaves those to contracts between information systems). */
export const SIGNATURE_HEADER = 'x-govflow-signature';

export type HeaderLookup = (name: string) => string | undefined;

const sha512 = (data: Buffer | string): Buffer => createHash('sha512').update(data).digest();

export function canonicalRequestHeaders(method: string, target: string, header: HeaderLookup): string {
  const lines = [`${method.toUpperCase()} ${target}`];
  for (const name of HASHED_HEADERS) {
    const value = header(name);
    if (value !== undefined) lines.push(`${name}: ${value.trim()}`);
  }
  return lines.join('\n');
}

export function requestHash(method: string, target: string, header: HeaderLookup, body: Buffer): string {
  const headers = sha512(canonicalRequestHeaders(method, target, header));
  // Without a body the hash is SHA512(headers) itself (§4.3), not a hash of it.
  return (body.length === 0 ? headers : sha512(Buffer.concat([headers, sha512(body)]))).toString('base64');
}

/** The response's own hash, bound to the request's: what the provider answered to which question. */
export function responseHash(request: string, status: number, contentType: string | undefined, body: Buffer): string {
  return sha512(Buffer.concat([Buffer.from(`${request}\n${status}\n${contentType ?? ''}\n`), sha512(body)])).toString('base64');
}

/** What a signature vouches for: the message's hash and who sent it to whom. */
export interface SignedClaims {
  readonly kind: 'request' | 'response';
  readonly id: string;
  readonly client: string;
  readonly service: string;
  readonly hash: string;
}

/** A compact JWS (ES256, the member's key) over the claims: the receiver verifies it with the sender's certificate. */
export async function signClaims(key: KeyObject, keyId: string, claims: SignedClaims): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ alg: 'ES256', kid: keyId }).sign(key);
}

export async function verifyClaims(key: KeyObject, jws: string | undefined, expected: SignedClaims): Promise<void> {
  if (!jws) throw signatureError(`the ${expected.kind} is not signed`);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, key, { algorithms: ['ES256'] }));
  } catch {
    throw signatureError(`the ${expected.kind} signature does not verify with the sender's certificate`);
  }
  let claims: Partial<SignedClaims>;
  try {
    claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<SignedClaims>;
  } catch {
    throw signatureError(`the ${expected.kind} signature holds no claims`);
  }
  for (const field of ['kind', 'id', 'client', 'service', 'hash'] as const) {
    if (claims[field] !== expected[field]) throw signatureError(`the ${expected.kind} signature is for another message (${field} differs)`);
  }
}

function signatureError(message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_EXCHANGE_SIGNATURE', message, [{ where: SIGNATURE_HEADER, message }]);
}
