import { randomBytes } from 'node:crypto';

/**
 * Verification codes people type from paper: 12 characters from a 32-letter alphabet without 0/O, 1/I (5 bits
 * each, so 60 random bits), shown in groups of four (`K7QX-M2PA-9F3D`). 32 divides 256, so `byte & 31` is uniform.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 12;

export function newVerificationCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[bytes[i]! & 31];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/**
 * Normalises what a person typed (any case, spaces or dashes anywhere) to the canonical `XXXX-XXXX-XXXX`, or null
 * when it cannot be a code. Lower-case and separators are forgiven; characters outside the alphabet are not
 * guessed at (an O could have been a 0 or a Q), so a mistyped code is reported as unknown rather than matched.
 */
export function parseVerificationCode(input: string): string | null {
  if (input.length > 64) return null;
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== CODE_LENGTH) return null;
  for (const c of compact) if (!CODE_ALPHABET.includes(c)) return null;
  return `${compact.slice(0, 4)}-${compact.slice(4, 8)}-${compact.slice(8)}`;
}
