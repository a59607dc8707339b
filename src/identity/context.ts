import type { FastifyRequest } from 'fastify';
import type { Logger } from '../kernel/index.js';
import type { Vault } from '../privacy/index.js';
import { appendEvent, type Database } from '../store/index.js';
import type { Attempts } from './attempts.js';
import { actorOf, type Principal } from './principal.js';
import type { SessionStore } from './sessions.js';

/** What the identity route modules share: created once by `createIdentity`. */
export interface IdentityContext {
  readonly db: Database;
  readonly masterKey: string | Buffer;
  readonly log: Logger;
  readonly vault: Vault;
  readonly sessions: SessionStore;
  readonly attempts: Attempts;
  /** The public address (GOVFLOW_PUBLIC_URL): the passkeys' relying party; without it, the request's own host. */
  readonly publicUrl: string | undefined;
  /** True when staff may also use their agency's OpenID Connect provider (a button on the sign-in page). */
  readonly staffOidc: boolean;
}

export async function signedIn(ctx: IdentityContext, principal: Principal, method: string): Promise<void> {
  ctx.log.info({ actor: actorOf(principal), method }, 'signed in');
  await ctx.db.transaction((tx) => appendEvent(tx, { type: 'identity.signed-in', actor: actorOf(principal), data: { method } }));
}

/** The WebAuthn relying party for a request: the public URL's host, or (in a local demo) the host the browser used. */
export function relyingParty(ctx: IdentityContext, request: FastifyRequest): { rpID: string; origin: string } {
  if (ctx.publicUrl) {
    const url = new URL(ctx.publicUrl);
    return { rpID: url.hostname, origin: url.origin };
  }
  return { rpID: request.hostname, origin: `${request.protocol}://${request.host}` };
}
