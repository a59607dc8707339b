/** Serves identity's pages through `createIdentity(...).plugin`: staff sign-in, enrolment, account, OpenID Connect and passkeys. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t } from '../i18n/index.js';
import { createLogger, GovflowError, type Logger } from '../kernel/index.js';
import { createVault, type Vault } from '../privacy/index.js';
import { appendEvent, type Database } from '../store/index.js';
import { htmlErrorHandler, parseForm, useReaderLanguage } from '../web/index.js';
import { sendPage } from './pages.js';
import { apiKeyMayReach, revokeApiKey as revokeApiKeyOf } from './api-keys.js';
import { createAttempts } from './attempts.js';
import type { IdentityContext } from './context.js';
import { signedIn } from './context.js';
import { seedDemoOrganisation } from './demo-seed.js';
import { registerEnrolment } from './enrolment-routes.js';
import { registerOidcRoutes, type OidcProviderOptions } from './oidc-routes.js';
import { registerPasskeyAssets } from './passkeys.js';
import { actorOf, type Membership, type Principal, type Role } from './principal.js';
import { apiKeyPrincipal, citizenPrincipal, staffPrincipal } from './principals.js';
import { createSessionStore, type PageSession } from './sessions.js';
import { registerStaffAccount } from './staff-account-routes.js';
import { registerStaffSignIn } from './staff-sign-in-routes.js';
import { parseBearer, sha256, token } from './tokens.js';

/**
 * Identity and access: the composition of sessions (sessions.ts), staff sign-in with password + TOTP or a passkey
 * (staff-sign-in-routes.ts, passkeys.ts), the staff member's own account (staff-account-routes.ts), enrolment from a
 * one-time link (enrolment-routes.ts), the citizens' eID and staff agency sign-in (oidc-routes.ts), and API keys.
 */
export interface IdentityOptions {
  readonly db: Database;
  /** Seals TOTP secrets at rest (`resolveMasterKey(config)`). */
  readonly masterKey: string | Buffer;
  readonly logger?: Logger;
  /** Seed the demo organisation, staff and citizens (idempotent). */
  readonly demo?: boolean;
  /** `Secure` cookies: set when the public URL is https. */
  readonly secureCookies?: boolean;
  /** The public address (GOVFLOW_PUBLIC_URL): passkeys are bound to its host; without it, to the host the browser used. */
  readonly publicUrl?: string;
  readonly idleTimeoutMs?: number;
  readonly absoluteTimeoutMs?: number;
  /** Failed sign-ins per account and client (×4 per client) within the window before that client is refused. */
  readonly maxFailures?: number;
  readonly failureWindowMs?: number;
  /**
   * The national eID as an OpenID Connect provider (GOVFLOW_OIDC_ISSUER/_CLIENT_ID/_CLIENT_SECRET). Citizens sign in
   * at `/sign-in/oidc`; the provider returns them to `<publicUrl>/sign-in/callback`.
   */
  readonly oidc?: OidcProviderOptions & {
    /**
     * The claim holding the national identification number (GOVFLOW_OIDC_NATIONAL_ID_CLAIM, default
     * `national_id`). When the eID sends it, it is kept only in the privacy vault (encrypted, blind-indexed) and later
     * sign-ins find the person by it.
     */
    readonly nationalIdClaim?: string;
  };
  /**
   * The agency's own OpenID Connect provider for staff (GOVFLOW_STAFF_OIDC_ISSUER/_CLIENT_ID/_CLIENT_SECRET): staff
   * sign in at `/staff/sign-in/oidc`, returning to `<publicUrl>/staff/sign-in/oidc/callback`. The verified e-mail (or
   * the `sub` bound at an earlier sign-in) picks an existing, active staff account; roles come only from govflow.
   */
  readonly staffOidc?: OidcProviderOptions;
  /** Where national IDs and staff OIDC bindings are kept; by default a vault over `db` and `masterKey`. */
  readonly vault?: Vault;
}

export interface ApiKeyRequest {
  readonly id: string;
  readonly name?: string;
  readonly roles: readonly Role[];
  readonly services?: readonly string[];
  readonly actor?: string | null;
}

export interface Identity {
  authenticate(request: FastifyRequest): Promise<Principal | null>;
  /** The principal an API key stands for (null when unknown or revoked). */
  principalForApiKey(key: string): Promise<Principal | null>;
  pageSession(request: FastifyRequest, reply: FastifyReply, how?: { create?: boolean }): Promise<PageSession>;
  checkCsrf(request: FastifyRequest, token: unknown): Promise<boolean>;
  /** Signs a citizen in on this browser (a new session id), after the eID provider (or the demo page) vouched for them. */
  signInCitizen(request: FastifyRequest, reply: FastifyReply, personId: string): Promise<void>;
  signOut(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  readonly plugin: (server: FastifyInstance) => Promise<void>;
  /** True when citizens sign in through an OpenID Connect provider (the national eID) at `/sign-in/oidc`. */
  readonly oidcEnabled: boolean;
  /** True when staff may sign in through their agency's OpenID Connect provider at `/staff/sign-in/oidc`. */
  readonly staffOidcEnabled: boolean;
  /** Creates the demo organisation (idempotent); done by `plugin` too when `demo` is set. */
  seedDemo(): Promise<void>;
  createApiKey(request: ApiKeyRequest): Promise<{ id: string; key: string; prefix: string }>;
  revokeApiKey(id: string, actor: string | null): Promise<boolean>;
  getPerson(id: string): Promise<{ id: string; name: string; email: string | null } | null>;
  setMembership(staffId: string, membership: Membership, grant: boolean, actor: string | null): Promise<void>;
}

export function createIdentity(options: IdentityOptions): Identity {
  const { db, masterKey } = options;
  const sessions = createSessionStore(db, { idleMs: options.idleTimeoutMs ?? 30 * 60_000, absoluteMs: options.absoluteTimeoutMs ?? 12 * 3600_000, secureCookies: options.secureCookies ?? false });
  const ctx: IdentityContext = {
    db, masterKey, sessions,
    log: options.logger ?? createLogger({ name: 'identity' }),
    vault: options.vault ?? createVault({ db, masterKey }),
    attempts: createAttempts(db, { maxFailures: options.maxFailures ?? 5, windowMs: options.failureWindowMs ?? 15 * 60_000 }),
    publicUrl: options.publicUrl,
    staffOidc: !!options.staffOidc,
  };
  let seeded: Promise<void> | undefined;

  async function authenticate(request: FastifyRequest): Promise<Principal | null> {
    const bearer = parseBearer(request.headers.authorization);
    if (bearer) {
      // A scoped agency key is no key at all outside its scopes' paths.
      const principal = await apiKeyPrincipal(db, bearer);
      return principal && apiKeyMayReach(principal, request.url) ? principal : null;
    }
    return (await sessions.loadWithPrincipal(request))?.principal ?? null;
  }

  async function seedDemo(): Promise<void> {
    seeded ??= seedDemoOrganisation(db, masterKey, ctx.vault);
    try {
      await seeded;
    } catch (error) {
      seeded = undefined;
      throw error;
    }
  }

  async function createApiKey(request: ApiKeyRequest): Promise<{ id: string; key: string; prefix: string }> {
    const key = `gfk_${token()}`;
    const prefix = key.slice(0, 10);
    await db.transaction(async (tx) => {
      await tx.query('insert into identity_api_client (id, name, key_prefix, key_hash, roles, services, created_by) values ($1, $2, $3, $4, $5, $6, $7)',
        [request.id, request.name ?? request.id, prefix, sha256(key), [...request.roles], [...(request.services ?? [])], request.actor ?? null]);
      await appendEvent(tx, { type: 'identity.api-key-created', actor: request.actor ?? null, data: { client: request.id, prefix, roles: [...request.roles], services: [...(request.services ?? [])] } });
    });
    return { id: request.id, key, prefix };
  }

  const revokeApiKey = (id: string, actor: string | null): Promise<boolean> => revokeApiKeyOf(db, id, actor);

  async function setMembership(staffId: string, m: Membership, grant: boolean, actor: string | null): Promise<void> {
    await db.transaction(async (tx) => {
      if (grant) await tx.query('insert into identity_membership (staff_id, department_id, role) values ($1, $2, $3) on conflict do nothing', [staffId, m.department, m.role]);
      else await tx.query('delete from identity_membership where staff_id = $1 and department_id = $2 and role = $3', [staffId, m.department, m.role]);
      await appendEvent(tx, { type: 'identity.role-changed', actor, data: { staff: staffId, department: m.department, role: m.role, granted: grant } });
    });
  }

  async function getPerson(id: string): Promise<{ id: string; name: string; email: string | null } | null> {
    const { rows } = await db.query<{ id: string; name: string; email: string | null }>('select id, name, email from identity_person where id = $1', [id]);
    return rows[0] ?? null;
  }

  async function signInCitizen(request: FastifyRequest, reply: FastifyReply, personId: string): Promise<void> {
    const principal = await citizenPrincipal(db, personId);
    if (!principal) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'citizen: no such person', [{ where: 'body.citizen', message: 'is not a known person' }]);
    await sessions.rotate(reply, await sessions.load(request), { kind: 'citizen', id: personId });
    await signedIn(ctx, principal, 'citizen');
  }

  /** Ends the session (a new, anonymous one replaces it, so the old cookie is worth nothing). */
  async function signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const row = await sessions.load(request);
    const principal = !row?.principal_id ? null : row.principal_kind === 'staff' ? await staffPrincipal(db, row.principal_id) : await citizenPrincipal(db, row.principal_id);
    await sessions.rotate(reply, row, { kind: null, id: null });
    if (principal) await db.transaction((tx) => appendEvent(tx, { type: 'identity.signed-out', actor: actorOf(principal) }));
  }

  const plugin = async (server: FastifyInstance): Promise<void> => {
    if (options.oidc) registerOidcRoutes(server, ctx, { kind: 'citizen', provider: options.oidc, signInCitizen, ...(options.oidc.nationalIdClaim ? { nationalIdClaim: options.oidc.nationalIdClaim } : {}) });
    if (options.staffOidc) registerOidcRoutes(server, ctx, { kind: 'staff', provider: options.staffOidc, signInCitizen });
    if (options.demo) await seedDemo();
    // The account and enrolment pages in the reader's language (switcher, cookie, Accept-Language), as every other area's.
    useReaderLanguage(server);
    // The sign-in pages' errors (a refused CSRF token from the web session plugin's hook among them) as HTML pages;
    // the link's words are read when a page is rendered, in its reader's language.
    server.setErrorHandler(htmlErrorHandler({ render: (request, reply, title, content, status) => sendPage(reply, title, content, request.csrfToken, status), log: ctx.log, home: { href: '/staff/sign-in', get label() { return t('staff.signIn.expiredLink'); } }, userMessages: true }));
    if (!server.hasContentTypeParser('application/x-www-form-urlencoded')) {
      server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
        done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
      });
    }
    registerPasskeyAssets(server);
    registerStaffSignIn(server, ctx);
    registerStaffAccount(server, ctx, signOut);
    registerEnrolment(server, ctx);
  };

  return {
    authenticate, principalForApiKey: (key) => apiKeyPrincipal(db, key), pageSession: sessions.pageSession, checkCsrf: sessions.checkCsrf, signInCitizen, signOut, plugin,
    oidcEnabled: !!options.oidc, staffOidcEnabled: !!options.staffOidc, seedDemo, createApiKey, revokeApiKey, getPerson, setMembership,
  };
}
