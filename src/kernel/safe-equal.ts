import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets (CSRF tokens, signed cookies) in time that does not depend on where they differ, so a
 * guesser learns nothing from timing; different lengths are unequal at once (a length is no secret here).
 */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
