import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookies } from '../web/index.js';

export const SESSION_COOKIE = 'govflow_session';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
export const token = (bytes = 32): string => randomBytes(bytes).toString('base64url');
/** Session ids and API keys are 43-character base64url strings; anything else is refused before a lookup. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True for a string shaped like a token we issue (session ids, API keys, enrolment links). */
export const isTokenShaped = (value: unknown): value is string => typeof value === 'string' && TOKEN_SHAPE.test(value);

/** `Authorization: Bearer gfk_…` → the key, or null for any other shape. */
export function parseBearer(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header.trim());
  return match ? match[1]! : null;
}

/** The session id from a Cookie header, or null when absent or not shaped like one we issue. */
export function sessionIdFromCookies(header: unknown): string | null {
  if (typeof header !== 'string' || header.length > 8192) return null;
  const value = parseCookies(header)[SESSION_COOKIE];
  return isTokenShaped(value) ? value : null;
}
