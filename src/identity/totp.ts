import { verifySync } from 'otplib';
import { openSecret } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';

/** One 30-second step either side of now: an authenticator whose clock is a little off still works. */
const EPOCH_TOLERANCE_S = 30;

/** The time step `code` matches for `secret`, or null. */
export function totpStep(secret: string, code: string, afterTimeStep?: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({ token: code, secret, epochTolerance: EPOCH_TOLERANCE_S, ...(afterTimeStep !== undefined ? { afterTimeStep } : {}) });
  return result.valid && 'timeStep' in result && typeof result.timeStep === 'number' ? result.timeStep : null;
}

/**
 * Checks a staff member's authenticator code and accepts it once only: the time step it matched is stored, and a
 * code for that step or an earlier one is refused afterwards (a code seen over a shoulder or through a phishing
 * proxy cannot be used again). The update is conditional, so two requests racing with the same code cannot both win.
 */
export async function acceptTotpOnce(q: Queryable, masterKey: string | Buffer, staffId: string, code: string): Promise<boolean> {
  const { rows } = await q.query<{ totp_secret_sealed: string | null; totp_last_step: string | number | null }>('select totp_secret_sealed, totp_last_step from identity_staff where id = $1', [staffId]);
  const row = rows[0];
  if (!row?.totp_secret_sealed) return false;
  const secret = openSecret(row.totp_secret_sealed, masterKey, `totp:${staffId}`).toString('utf8');
  const last = row.totp_last_step === null ? undefined : Number(row.totp_last_step);
  const step = totpStep(secret, code, last);
  if (step === null) return false;
  const updated = await q.query('update identity_staff set totp_last_step = $2 where id = $1 and (totp_last_step is null or totp_last_step < $2) returning id', [staffId, step]);
  return updated.rows.length === 1;
}
