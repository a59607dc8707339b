import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { GovflowError } from '../kernel/index.js';

/**
 * Signed exchanges between govflow and another agency's registry (X-Road style, after RFC 9421's idea of a
 * signature over named request components, in a simpler single header so both sides fit in a few lines).
 *
 * Request header `Govflow-Signature: keyId="govflow", created=1767000000, nonce="…", sig="…"`; the Ed25519
 * signature covers method, path, purpose header, created and nonce, one per line. `created` bounds staleness
 * and the nonce makes each request unique, so the registry can refuse replays by remembering nonces for the
 * staleness window only.
 *
 * Response header `Registry-Signature: keyId="…", nonce="<request nonce>", digest="sha-256=…", sig="…"` covers
 * the status, the request nonce (binding the answer to our question) and the body's digest: govflow can later
 * prove what the registry said.
 */
export const REQUEST_SIGNATURE_HEADER = 'govflow-signature';
export const RESPONSE_SIGNATURE_HEADER = 'registry-signature';
export const PURPOSE_HEADER = 'govflow-purpose';

export type SignatureParams = Record<string, string>;

const TOKEN = /^[A-Za-z][A-Za-z0-9_-]*$/;
const VALUE = /^[A-Za-z0-9+/=_.:-]*$/;

/** Parses `k="v", k2=123` into a map; refuses anything else with a coded error (never throws a TypeError). */
export function parseSignatureHeader(header: string): SignatureParams {
  if (header.length > 2048) throw signatureError('the signature header is too long');
  // No prototype: a parameter named `__proto__` or `constructor` is just a name.
  const params: SignatureParams = Object.create(null) as SignatureParams;
  const re = /\s*([^=,\s]+)\s*=\s*(?:"([^"]*)"|([^,\s"]*))\s*(,|$)/y;
  let pos = 0;
  while (pos < header.length) {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (!m || m[0].length === 0) throw signatureError(`the signature header cannot be read at position ${pos}`);
    const key = m[1]!;
    const value = m[2] ?? m[3] ?? '';
    if (!TOKEN.test(key)) throw signatureError(`'${key}' is not a valid signature parameter name`);
    if (!VALUE.test(value)) throw signatureError(`the signature parameter '${key}' has characters that are not allowed`);
    if (Object.hasOwn(params, key)) throw signatureError(`the signature parameter '${key}' appears twice`);
    params[key] = value;
    pos = re.lastIndex;
    if (m[4] === '' && pos < header.length) throw signatureError(`the signature header cannot be read at position ${pos}`);
  }
  if (Object.keys(params).length === 0) throw signatureError('the signature header is empty');
  return params;
}

export function formatSignatureHeader(params: SignatureParams): string {
  return Object.entries(params).map(([k, v]) => {
    if (!TOKEN.test(k) || !VALUE.test(v)) throw new GovflowError('GOVFLOW_ERR_INTERNAL', `signature parameter '${k}' cannot be written`);
    return `${k}="${v}"`;
  }).join(', ');
}

function signatureError(message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_REGISTRY_SIGNATURE', message, [{ where: 'signature header', message }]);
}

export function requestSignatureBase(p: { method: string; path: string; purpose: string; created: string; nonce: string }): Buffer {
  return Buffer.from([p.method.toUpperCase(), p.path, p.purpose, p.created, p.nonce].join('\n'), 'utf8');
}

export function responseSignatureBase(p: { status: number; nonce: string; digest: string }): Buffer {
  return Buffer.from([String(p.status), p.nonce, p.digest].join('\n'), 'utf8');
}

export function bodyDigest(body: string | Buffer): string {
  return `sha-256=${createHash('sha256').update(body).digest('base64url')}`;
}

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

export function generateSigningKey(keyId: string): SigningKey & { publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey: exportPublicKey(publicKey) };
}

/** Public keys travel as base64url SPKI DER (one line, fits an environment variable). */
export function exportPublicKey(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).toString('base64url');
}

export function importPublicKey(text: string): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(text, 'base64url'), format: 'der', type: 'spki' });
  } catch {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'a registry public key is not base64url SPKI DER', [{ where: 'public key', message: 'not base64url SPKI DER' }]);
  }
}

export function exportPrivateKey(key: KeyObject): string {
  return key.export({ format: 'der', type: 'pkcs8' }).toString('base64url');
}

export function importPrivateKey(text: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(text, 'base64url'), format: 'der', type: 'pkcs8' });
}

/** Headers for a signed registry request. */
export function signRequest(key: SigningKey, request: { method: string; path: string; purpose: string }, now = Date.now()): { headers: Record<string, string>; nonce: string } {
  const created = String(Math.floor(now / 1000));
  const nonce = randomBytes(16).toString('base64url');
  const sig = sign(null, requestSignatureBase({ ...request, created, nonce }), key.privateKey).toString('base64url');
  return {
    nonce,
    headers: { [PURPOSE_HEADER]: request.purpose, [REQUEST_SIGNATURE_HEADER]: formatSignatureHeader({ keyId: key.keyId, created, nonce, sig }) },
  };
}

export function signResponse(key: SigningKey, response: { status: number; nonce: string; body: string }): string {
  const digest = bodyDigest(response.body);
  const sig = sign(null, responseSignatureBase({ status: response.status, nonce: response.nonce, digest }), key.privateKey).toString('base64url');
  return formatSignatureHeader({ keyId: key.keyId, nonce: response.nonce, digest, sig });
}

/** Checks a registry's answer: signed by the key we trust, for our request nonce, over exactly this body. */
export function verifyResponse(publicKey: KeyObject, header: string | undefined, response: { status: number; nonce: string; body: string }): { digest: string; signature: string } {
  if (!header) throw signatureError('the registry response is not signed');
  const params = parseSignatureHeader(header);
  const digest = bodyDigest(response.body);
  if (params['nonce'] !== response.nonce) throw signatureError('the registry response answers a different request (nonce mismatch)');
  if (params['digest'] !== digest) throw signatureError('the registry response body does not match its signed digest');
  const sig = Buffer.from(params['sig'] ?? '', 'base64url');
  if (!verify(null, responseSignatureBase({ status: response.status, nonce: response.nonce, digest }), publicKey, sig)) {
    throw signatureError('the registry response signature does not verify');
  }
  return { digest, signature: params['sig']! };
}
