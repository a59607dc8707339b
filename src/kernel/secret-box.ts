import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { GovflowError } from './errors.js';

/**
 * Authenticated encryption of small secrets kept in the database (private signing keys, TOTP secrets, data keys),
 * under the deployment's master key (GOVFLOW_MASTER_KEY). AES-256-GCM; the output is self-describing
 * (`gfbox1.<iv>.<tag>.<ciphertext>`, base64url) so the format can change without guessing. `context` is bound as
 * associated data: a box sealed for one purpose (say, a TOTP secret of user 7) does not open as another.
 */
const PREFIX = 'gfbox1';

function keyOf(masterKey: string | Buffer): Buffer {
  // Any length of master key is accepted; SHA-256 turns it into the 32 bytes AES-256 needs.
  return createHash('sha256').update(masterKey).digest();
}

export function sealSecret(plaintext: string | Buffer, masterKey: string | Buffer, context = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(masterKey), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [PREFIX, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function openSecret(box: string, masterKey: string | Buffer, context = ''): Buffer {
  const parts = box.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) throw new GovflowError('GOVFLOW_ERR_INTERNAL', 'a stored secret is not in the expected format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(masterKey), Buffer.from(parts[1]!, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]);
  } catch {
    throw new GovflowError('GOVFLOW_ERR_INTERNAL', 'a stored secret does not open with the master key (wrong GOVFLOW_MASTER_KEY?)');
  }
}

/**
 * A box re-sealed under `to` for a master-key rotation, or null when it already opens under `to` (moved by an
 * earlier, interrupted run): trying the new key first is what makes re-running a rotation safe. Throws when
 * neither key opens it, so a wrong key is reported instead of silently skipped.
 */
export function resealSecret(box: string, keys: { from: string | Buffer; to: string | Buffer }, context = ''): string | null {
  try {
    openSecret(box, keys.to, context);
    return null;
  } catch {
    // Not yet moved: it must open under the old key.
  }
  try {
    return sealSecret(openSecret(box, keys.from, context), keys.to, context);
  } catch {
    throw new GovflowError('GOVFLOW_ERR_KEY_ROTATION', `a stored secret (${context || 'no context'}) opens under neither the old nor the new master key`);
  }
}
