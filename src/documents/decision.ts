import canonicalize from 'canonicalize';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import type { SigningKey, PublicSigningJwk } from './keys.js';
import { publicKeyOf } from './keys.js';

export const DECISION_TYPE_ID = 'govflow-decision/1';
/** The JWS `typ` header: tells a verifier what the payload is (RFC 7515 §4.1.9). */
export const DECISION_JWS_TYP = 'govflow-decision+jws';

/**
 * What the letter says beyond the outcome, as the service's template filled it (src/catalogue/letter.ts); optional
 * so that decisions issued before letters had it still verify.
 */
export interface DecisionLetter {
  readonly serviceName: string;
  readonly headline: string;
  readonly applicant: string;
  readonly decidedOn: readonly { readonly label: string; readonly value: string }[];
  readonly terms: readonly string[];
  readonly appeal: { readonly text: string; readonly by: string };
  readonly decidedBy: { readonly role: string; readonly department: string };
  /** Why, in plain words: each decision table's matched rules (their annotations) and the facts that made them match. */
  readonly rulesApplied?: readonly string[];
}

/** The signed content of a decision. Canonicalised with RFC 8785 (JCS) before signing. */
export interface DecisionPayload {
  readonly type: typeof DECISION_TYPE_ID;
  readonly issuer: { readonly agency: string; readonly name: string };
  readonly service: string;
  readonly reference: string;
  readonly decisionType: string;
  readonly outcome: 'approved' | 'refused';
  readonly reasons: readonly string[];
  /** The person the decision is about; `nationalId` when the case knows it (from the vault, at issue time). */
  readonly subject: { readonly name: string; readonly nationalId?: string };
  readonly issuedAt: string;
  readonly validFrom?: string;
  readonly validUntil?: string;
  readonly details: Record<string, unknown>;
  readonly verificationCode: string;
  readonly letter?: DecisionLetter;
}

/** RFC 8785 canonical bytes of any JSON value. */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('the value has no JSON form');
  return Buffer.from(text, 'utf8');
}

/** Signs the canonical bytes of the payload: compact JWS, EdDSA (Ed25519), with the key id in the header. */
export async function signDecision(payload: DecisionPayload, key: SigningKey): Promise<string> {
  return new CompactSign(canonicalBytes(payload))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: DECISION_JWS_TYP })
    .sign(key.privateKey);
}

export type JwsCheck =
  | { readonly valid: true; readonly kid: string; readonly payload: DecisionPayload }
  | { readonly valid: false; readonly reason: string };

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Checks a compact JWS against the published keys. Stricter than a JOSE library alone, so that *any* changed
 * character fails: each part must be canonical base64url (the unused low bits of the last character must be zero,
 * otherwise two spellings decode to the same bytes), and the payload must be the JCS form of itself.
 */
export async function verifyDecisionJws(jws: string, jwks: { keys: readonly PublicSigningJwk[] }): Promise<JwsCheck> {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return { valid: false, reason: 'not a compact JWS (three dot-separated parts)' };
  for (const part of parts) {
    if (!B64URL.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part) {
      return { valid: false, reason: 'a part is not canonical base64url' };
    }
  }
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  try {
    header = decodeProtectedHeader(parts.join('.'));
  } catch {
    return { valid: false, reason: 'the protected header is not readable' };
  }
  if (header.alg !== 'EdDSA') return { valid: false, reason: 'the algorithm is not EdDSA' };
  if (header.typ !== DECISION_JWS_TYP) return { valid: false, reason: `the type is not ${DECISION_JWS_TYP}` };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return { valid: false, reason: 'signed with a key this agency never published' };
  let bytes: Uint8Array;
  try {
    ({ payload: bytes } = await compactVerify(parts.join('.'), publicKeyOf(jwk), { algorithms: ['EdDSA'] }));
  } catch {
    return { valid: false, reason: 'the signature does not match the content' };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { valid: false, reason: 'the payload is not JSON' };
  }
  if (!canonicalBytes(payload).equals(Buffer.from(bytes))) return { valid: false, reason: 'the payload is not in canonical (RFC 8785) form' };
  if (typeof payload !== 'object' || payload === null || (payload as { type?: unknown }).type !== DECISION_TYPE_ID) {
    return { valid: false, reason: `the payload is not a ${DECISION_TYPE_ID} document` };
  }
  return { valid: true, kid: jwk.kid, payload: payload as DecisionPayload };
}
