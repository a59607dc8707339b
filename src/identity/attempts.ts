import type { FastifyRequest } from 'fastify';
import { appendEvent, type Database } from '../store/index.js';
import { sha256 } from './tokens.js';

/**
 * Failed sign-ins, counted in identity_sign_in_attempt (shared by every process on the database) three ways:
 * - per account and client together: more than `maxFailures` refuses that client for that account (429);
 * - per client: more than `maxFailures × 4` over any accounts refuses the client (one address guessing widely);
 * - per account over all clients: past `maxFailures` every attempt is slowed (a growing delay), never refused, so
 *   somebody else's failures cannot lock a person out of their own account, but a guesser spread over many
 *   addresses gets few guesses an hour.
 * The client is `request.ip`, which honours GOVFLOW_TRUST_PROXY: behind a TLS proxy it must be configured, or every
 * client looks like the proxy.
 */
export interface Attempt {
  readonly id: number;
  readonly locked: boolean;
  /** How long this attempt was held back because of the account's failures (0 when it was not). */
  readonly slowedMs: number;
}

export interface Attempts {
  start(accountKey: string, request: FastifyRequest): Promise<Attempt>;
  failed(accountKey: string, reason: string): Promise<void>;
  succeeded(attempt: Attempt): Promise<void>;
  /** A failure outside the password/code pages (an eID callback that did not verify): counted for the client. */
  recordFailure(accountKey: string, request: FastifyRequest, reason: string): Promise<void>;
}

/** The account key of a typed user name: case and surrounding/inner whitespace folded, so `Pat ` is `pat`. */
export const normaliseUsername = (typed: string): string => typed.normalize('NFKC').replace(/\s+/g, '').toLowerCase().slice(0, 100);

export const clientIp = (request: FastifyRequest): string => request.ip || 'unknown';

/** The delay per failure beyond the limit, and its ceiling. */
const SLOW_STEP_MS = 500;
const SLOW_MAX_MS = 5_000;

export function createAttempts(db: Database, options: { maxFailures: number; windowMs: number }): Attempts {
  const { maxFailures, windowMs } = options;
  const audit = (accountKey: string, reason: string): Promise<unknown> =>
    // The account key is what was typed (possibly not an account): logged as a hash, never a password or code.
    db.transaction((tx) => appendEvent(tx, { type: 'identity.sign-in-failed', actor: null, data: { account: sha256(accountKey).slice(0, 16), reason } }));

  /**
   * Records an attempt *before* checking anything, then counts attempts up to and including it: parallel guesses
   * each see the ones committed before them, so a burst cannot slip more than the limit past a check-then-act race.
   * A successful sign-in deletes its row again; a failed one leaves it counted.
   */
  async function start(accountKey: string, request: FastifyRequest): Promise<Attempt> {
    const ip = clientIp(request);
    const inserted = await db.query<{ id: string | number }>('insert into identity_sign_in_attempt (account_key, ip) values ($1, $2) returning id', [accountKey, ip]);
    const id = Number(inserted.rows[0]!.id);
    const since = new Date(Date.now() - windowMs);
    const { rows } = await db.query<{ pair: string | number; address: string | number; account: string | number }>(
      `select (select count(*) from identity_sign_in_attempt where account_key = $1 and ip = $2 and at > $3 and id <= $4) as pair,
              (select count(*) from identity_sign_in_attempt where ip = $2 and at > $3 and id <= $4) as address,
              (select count(*) from identity_sign_in_attempt where account_key = $1 and at > $3 and id < $4) as account`, [accountKey, ip, since, id]);
    const pair = Number(rows[0]!.pair);
    const locked = pair > maxFailures || Number(rows[0]!.address) > maxFailures * 4;
    if (locked) {
      await db.transaction(async (tx) => {
        await appendEvent(tx, { type: 'identity.sign-in-failed', actor: null, data: { account: sha256(accountKey).slice(0, 16), reason: 'locked' } });
        if (pair === maxFailures + 1) await appendEvent(tx, { type: 'identity.locked', actor: null, data: { account: sha256(accountKey).slice(0, 16) } });
      });
      return { id, locked, slowedMs: 0 };
    }
    const beyond = Number(rows[0]!.account) - maxFailures;
    const slowedMs = beyond > 0 ? Math.min(SLOW_STEP_MS * beyond, SLOW_MAX_MS) : 0;
    if (slowedMs > 0) await new Promise((resolve) => setTimeout(resolve, slowedMs));
    return { id, locked, slowedMs };
  }

  async function succeeded(attempt: Attempt): Promise<void> {
    await db.query('delete from identity_sign_in_attempt where id = $1', [attempt.id]);
  }

  async function recordFailure(accountKey: string, request: FastifyRequest, reason: string): Promise<void> {
    await db.query('insert into identity_sign_in_attempt (account_key, ip) values ($1, $2)', [accountKey, clientIp(request)]);
    await audit(accountKey, reason);
  }

  return { start, failed: async (accountKey, reason) => { await audit(accountKey, reason); }, succeeded, recordFailure };
}
