import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidcClient from 'openid-client';
import { verifySync } from 'otplib';
import { createLogger, GovflowError, openSecret, sealSecret, type Logger } from '../kernel/index.js';
import { createVault, type Vault } from '../privacy/index.js';
import { appendEvent, type Database, type Queryable } from '../store/index.js';
import { html, htmlErrorHandler, page, parseCookies, parseForm, SECURITY_HEADERS, type HtmlValue } from '../web/index.js';
import { DEMO_AGENCIES, DEMO_CITIZENS, DEMO_DEPARTMENTS, DEMO_STAFF } from './demo-organisation.js';
import { actorOf, STAFF_ROLES, type Membership, type Principal, type Role, type StaffRole } from './principal.js';

export const SESSION_COOKIE = 'govflow_session';
/** Issuer recorded for persons created by the demo sign-in (no eID provider configured). */
export const DEMO_ISSUER = 'demo';

export interface IdentityOptions {
  readonly db: Database;
  /** Seals TOTP secrets at rest (`resolveMasterKey(config)`). */
  readonly masterKey: string | Buffer;
  readonly logger?: Logger;
  /** Seed the demo organisation, staff and citizens (idempotent) and offer the demo citizen sign-in. */
  readonly demo?: boolean;
  /** `Secure` cookies: set when the public URL is https. */
  readonly secureCookies?: boolean;
  readonly idleTimeoutMs?: number;
  readonly absoluteTimeoutMs?: number;
  /** Failed sign-ins per account (or per client address ×4) within the window before further attempts are refused. */
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

export interface OidcProviderOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly publicUrl: string;
  /** Scopes asked for (GOVFLOW_OIDC_SCOPE / GOVFLOW_STAFF_OIDC_SCOPE); default `openid profile email`. */
  readonly scope?: string;
}

/** The vault kind of a citizen's national identification number. */
export const NATIONAL_ID_KIND = 'national-id';
/** The vault kind binding a staff member to their agency provider's (issuer, sub), kept as a hash. */
const STAFF_OIDC_KIND = 'staff-oidc-subject';
export const DEFAULT_NATIONAL_ID_CLAIM = 'national_id';

/**
 * A national identification number as an eID sends it, normalised (trimmed, upper case), or null when it is not
 * shaped like one: 1 to 64 characters, letters and digits, optionally separated by `/ . - _ : +` (personal codes
 * such as 38001085718, country-prefixed ones such as EE38001085718, eIDAS identifiers such as EE/DE/38001085718).
 */
export function parseNationalId(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim().toUpperCase();
  return /^[A-Z0-9](?:[A-Z0-9]|[/.\-_:+](?=[A-Z0-9])){0,63}$/.test(text) ? text : null;
}

export interface PageSession {
  readonly principal: Principal | null;
  /** Empty when there is no session (a read-only visitor): forms need `create: true`. */
  readonly csrfToken: string;
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

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const token = (bytes = 32): string => randomBytes(bytes).toString('base64url');
/** Session ids and API keys are 43-character base64url strings; anything else is refused before a lookup. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

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
  return value && TOKEN_SHAPE.test(value) ? value : null;
}

interface SessionRow {
  id_hash: string;
  csrf_token: string;
  principal_kind: 'citizen' | 'staff' | null;
  principal_id: string | null;
  pending_staff_id: string | null;
  oidc_flow: { kind?: 'citizen' | 'staff'; state: string; nonce: string; verifier: string; next: string } | string | null;
  last_seen_at: Date | string;
  expires_at: Date | string;
}

export function createIdentity(options: IdentityOptions): Identity {
  const { db, masterKey } = options;
  const log = options.logger ?? createLogger({ name: 'identity' });
  const idleMs = options.idleTimeoutMs ?? 30 * 60_000;
  const absoluteMs = options.absoluteTimeoutMs ?? 12 * 3600_000;
  const maxFailures = options.maxFailures ?? 5;
  const windowMs = options.failureWindowMs ?? 15 * 60_000;
  let seeded: Promise<void> | undefined;

  // ---------------------------------------------------------------- principals

  async function staffPrincipal(q: Queryable, staffId: string): Promise<Principal | null> {
    const { rows } = await q.query<{ id: string; name: string; disabled: boolean }>('select id, name, disabled from identity_staff where id = $1', [staffId]);
    const staff = rows[0];
    if (!staff || staff.disabled) return null;
    const m = await q.query<{ department_id: string; role: StaffRole }>('select department_id, role from identity_membership where staff_id = $1 order by department_id, role', [staffId]);
    const memberships = m.rows.map((r) => ({ department: r.department_id, role: r.role }));
    return {
      kind: 'staff', id: staff.id, name: staff.name, memberships,
      roles: STAFF_ROLES.filter((role) => memberships.some((x) => x.role === role)),
      departments: [...new Set(memberships.map((x) => x.department))],
    };
  }

  async function citizenPrincipal(q: Queryable, personId: string): Promise<Principal | null> {
    const { rows } = await q.query<{ id: string; name: string }>('select id, name from identity_person where id = $1', [personId]);
    if (!rows[0]) return null;
    const b = await q.query<{ business_code: string }>('select business_code from identity_person_business where person_id = $1 order by business_code', [personId]);
    return { kind: 'citizen', id: rows[0].id, name: rows[0].name, roles: ['citizen'], businesses: b.rows.map((r) => r.business_code) };
  }

  async function apiKeyPrincipal(key: string): Promise<Principal | null> {
    const { rows } = await db.query<{ id: string; name: string; roles: string[]; services: string[] }>(
      'select id, name, roles, services from identity_api_client where key_hash = $1 and revoked_at is null', [sha256(key)], { name: 'identity-api-key' });
    const client = rows[0];
    if (!client) return null;
    if (client.roles.includes('agency-system')) return { kind: 'agency-system', id: client.id, name: client.name, roles: ['agency-system'], services: client.services };
    // A key for a staff role (the CLI's admin key): acts as a staff member of no department.
    const roles = STAFF_ROLES.filter((r) => client.roles.includes(r));
    return { kind: 'staff', id: `key-${client.id}`, name: client.name, roles, departments: [], memberships: [] };
  }

  // ---------------------------------------------------------------- sessions

  async function loadSession(request: FastifyRequest): Promise<SessionRow | null> {
    const id = sessionIdFromCookies(request.headers.cookie);
    if (!id) return null;
    const { rows } = await db.query<SessionRow>('select * from identity_session where id_hash = $1', [sha256(id)]);
    const row = rows[0];
    if (!row) return null;
    return (await keepAlive(row)) ? row : null;
  }

  /** False (and the row deleted) for an expired or idle session; touches a live one at most once a minute. */
  async function keepAlive(row: SessionRow): Promise<boolean> {
    const now = Date.now();
    if (new Date(row.expires_at).getTime() <= now || new Date(row.last_seen_at).getTime() + idleMs <= now) {
      await db.query('delete from identity_session where id_hash = $1', [row.id_hash]);
      return false;
    }
    // Touch at most once a minute: idle expiry needs no finer grain, and reads stay reads.
    if (new Date(row.last_seen_at).getTime() + 60_000 < now) await db.query('update identity_session set last_seen_at = now() where id_hash = $1', [row.id_hash]);
    return true;
  }

  /**
   * The session and whoever it belongs to (person and businesses, or staff member and memberships) in one named
   * statement: every page view and API call with a cookie runs it, so it is one round trip instead of three.
   */
  async function loadSessionWithPrincipal(request: FastifyRequest): Promise<{ row: SessionRow; principal: Principal | null } | null> {
    const id = sessionIdFromCookies(request.headers.cookie);
    if (!id) return null;
    const { rows } = await db.query<SessionRow & { person_name: string | null; businesses: string[] | null; staff_name: string | null; staff_disabled: boolean | null; memberships: { department: string; role: StaffRole }[] | null }>(
      `select s.id_hash, s.csrf_token, s.principal_kind, s.principal_id, s.pending_staff_id, s.oidc_flow, s.last_seen_at, s.expires_at,
              p.name as person_name,
              case when p.id is null then null else array(select b.business_code from identity_person_business b where b.person_id = p.id order by b.business_code) end as businesses,
              st.name as staff_name, st.disabled as staff_disabled,
              case when st.id is null then null else (select coalesce(json_agg(json_build_object('department', m.department_id, 'role', m.role) order by m.department_id, m.role), '[]'::json)
                                                      from identity_membership m where m.staff_id = st.id) end as memberships
       from identity_session s
       left join identity_person p on s.principal_kind is distinct from 'staff' and p.id = s.principal_id
       left join identity_staff st on s.principal_kind = 'staff' and st.id = s.principal_id
       where s.id_hash = $1`, [sha256(id)], { name: 'identity-session-with-principal' });
    const found = rows[0];
    if (!found) return null;
    const { person_name: personName, businesses, staff_name: staffName, staff_disabled: staffDisabled, memberships: m, ...row } = found;
    if (!(await keepAlive(row))) return null;
    let principal: Principal | null = null;
    if (row.principal_id && row.principal_kind === 'staff') {
      if (staffName !== null && !staffDisabled) {
        const memberships = (m ?? []).map((x) => ({ department: x.department, role: x.role }));
        principal = {
          kind: 'staff', id: row.principal_id, name: staffName, memberships,
          roles: STAFF_ROLES.filter((role) => memberships.some((x) => x.role === role)),
          departments: [...new Set(memberships.map((x) => x.department))],
        };
      }
    } else if (row.principal_id && personName !== null) {
      principal = { kind: 'citizen', id: row.principal_id, name: personName, roles: ['citizen'], businesses: businesses ?? [] };
    }
    return { row, principal };
  }

  function setCookie(reply: FastifyReply, id: string): void {
    void reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${options.secureCookies ? '; Secure' : ''}`);
  }

  /** A fresh session (new id and CSRF token) for whoever is now on this browser; the old one is deleted. */
  async function rotate(reply: FastifyReply, old: SessionRow | null, who: { kind: 'citizen' | 'staff' | null; id: string | null; pendingStaff?: string | null }): Promise<SessionRow> {
    const id = token();
    const csrf = token();
    const row = await db.transaction(async (tx) => {
      if (old) await tx.query('delete from identity_session where id_hash = $1', [old.id_hash]);
      const { rows } = await tx.query<SessionRow>(
        `insert into identity_session (id_hash, csrf_token, principal_kind, principal_id, pending_staff_id, expires_at)
         values ($1, $2, $3, $4, $5, $6) returning *`,
        [sha256(id), csrf, who.kind, who.id, who.pendingStaff ?? null, new Date(Date.now() + absoluteMs)]);
      return rows[0]!;
    });
    setCookie(reply, id);
    return row;
  }

  async function principalOf(row: SessionRow | null): Promise<Principal | null> {
    if (!row?.principal_id) return null;
    return row.principal_kind === 'staff' ? staffPrincipal(db, row.principal_id) : citizenPrincipal(db, row.principal_id);
  }

  async function authenticate(request: FastifyRequest): Promise<Principal | null> {
    const bearer = parseBearer(request.headers.authorization);
    if (bearer) return apiKeyPrincipal(bearer);
    return (await loadSessionWithPrincipal(request))?.principal ?? null;
  }

  async function pageSession(request: FastifyRequest, reply: FastifyReply, how: { create?: boolean } = {}): Promise<PageSession> {
    const found = await loadSessionWithPrincipal(request);
    if (found) return { principal: found.principal, csrfToken: found.row.csrf_token };
    if (!how.create) return { principal: null, csrfToken: '' };
    const created = await rotate(reply, null, { kind: null, id: null });
    return { principal: null, csrfToken: created.csrf_token };
  }

  async function checkCsrf(request: FastifyRequest, given: unknown): Promise<boolean> {
    const row = await loadSession(request);
    return !!row && typeof given === 'string' && safeEqual(given, row.csrf_token);
  }

  // ---------------------------------------------------------------- rate limits and audit

  const clientIp = (request: FastifyRequest): string => request.ip || 'unknown';

  /**
   * Records an attempt *before* checking anything, then counts attempts up to and including it: parallel guesses
   * each see the ones committed before them, so a burst cannot slip more than the limit past a check-then-act race.
   * A successful sign-in deletes its row again (`attemptSucceeded`); a failed one leaves it counted.
   */
  async function startAttempt(accountKey: string, ip: string): Promise<{ id: number; locked: boolean }> {
    const inserted = await db.query<{ id: string | number }>('insert into identity_sign_in_attempt (account_key, ip) values ($1, $2) returning id', [accountKey, ip]);
    const id = Number(inserted.rows[0]!.id);
    const since = new Date(Date.now() - windowMs);
    const { rows } = await db.query<{ account: string | number; address: string | number }>(
      `select (select count(*) from identity_sign_in_attempt where account_key = $1 and at > $3 and id <= $4) as account,
              (select count(*) from identity_sign_in_attempt where ip = $2 and at > $3 and id <= $4) as address`, [accountKey, ip, since, id]);
    const account = Number(rows[0]!.account);
    const locked = account > maxFailures || Number(rows[0]!.address) > maxFailures * 4;
    if (locked) {
      await db.transaction(async (tx) => {
        await appendEvent(tx, { type: 'identity.sign-in-failed', actor: null, data: { account: sha256(accountKey).slice(0, 16), reason: 'locked' } });
        if (account === maxFailures + 1) await appendEvent(tx, { type: 'identity.locked', actor: null, data: { account: sha256(accountKey).slice(0, 16) } });
      });
    }
    return { id, locked };
  }

  async function attemptFailed(accountKey: string, reason: string): Promise<void> {
    // The account key is what was typed (possibly not an account): logged as a hash, never a password or code.
    await db.transaction((tx) => appendEvent(tx, { type: 'identity.sign-in-failed', actor: null, data: { account: sha256(accountKey).slice(0, 16), reason } }));
  }

  async function attemptSucceeded(id: number): Promise<void> {
    await db.query('delete from identity_sign_in_attempt where id = $1', [id]);
  }

  /** A failure outside the password/code pages (an eID callback that did not verify): counted for the address. */
  async function recordFailure(accountKey: string, ip: string, reason: string): Promise<void> {
    await db.query('insert into identity_sign_in_attempt (account_key, ip) values ($1, $2)', [accountKey, ip]);
    await attemptFailed(accountKey, reason);
  }

  async function signedIn(principal: Principal, method: string): Promise<void> {
    log.info({ actor: actorOf(principal), method }, 'signed in');
    await db.transaction((tx) => appendEvent(tx, { type: 'identity.signed-in', actor: actorOf(principal), data: { method } }));
  }

  // ---------------------------------------------------------------- organisation

  async function seedDemo(): Promise<void> {
    seeded ??= (async () => {
      const { rows } = await db.query<{ n: string | number }>("select count(*) as n from identity_staff where id = 'ada'");
      if (Number(rows[0]!.n) > 0) return;
      const hashes = await Promise.all(DEMO_STAFF.map((s) => argonHash(s.password)));
      await db.transaction(async (tx) => {
        for (const a of DEMO_AGENCIES) await tx.query('insert into identity_agency (id, name) values ($1, $2) on conflict do nothing', [a.id, a.name]);
        for (const d of DEMO_DEPARTMENTS) await tx.query('insert into identity_department (id, agency_id, name) values ($1, $2, $3) on conflict do nothing', [d.id, d.agency, d.name]);
        for (const [i, s] of DEMO_STAFF.entries()) {
          await tx.query('insert into identity_staff (id, username, name, email, password_hash, totp_secret_sealed) values ($1, $1, $2, $3, $4, $5) on conflict do nothing',
            [s.username, s.name, `${s.username}@demo-municipality.example`, hashes[i], sealSecret(s.totpSecret, masterKey, `totp:${s.username}`)]);
          for (const m of s.memberships) await tx.query('insert into identity_membership (staff_id, department_id, role) values ($1, $2, $3) on conflict do nothing', [s.username, m.department, m.role]);
        }
        for (const c of DEMO_CITIZENS) {
          await tx.query('insert into identity_person (id, issuer, subject, name, email) values ($1, $2, $3, $4, $5) on conflict do nothing', [c.id, DEMO_ISSUER, c.id, c.name, `${c.id}@example.org`]);
          for (const b of c.businesses) await tx.query('insert into identity_person_business (person_id, business_code) values ($1, $2) on conflict do nothing', [c.id, b]);
        }
      });
    })();
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

  async function revokeApiKey(id: string, actor: string | null): Promise<boolean> {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query('update identity_api_client set revoked_at = now() where id = $1 and revoked_at is null returning id', [id]);
      if (rows.length === 0) return false;
      await appendEvent(tx, { type: 'identity.api-key-revoked', actor, data: { client: id } });
      return true;
    });
  }

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
    await rotate(reply, await loadSession(request), { kind: 'citizen', id: personId });
    await signedIn(principal, 'citizen');
  }

  async function signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const row = await loadSession(request);
    const principal = await principalOf(row);
    await rotate(reply, row, { kind: null, id: null });
    if (principal) await db.transaction((tx) => appendEvent(tx, { type: 'identity.signed-out', actor: actorOf(principal) }));
  }

  // ---------------------------------------------------------------- pages

  const safeNext = (next: unknown, fallback: string): string => (typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : fallback);
  const field = (body: unknown, name: string): string => {
    const v = (body as Record<string, unknown> | null)?.[name];
    return typeof v === 'string' ? v : '';
  };

  function sendPage(reply: FastifyReply, title: string, content: HtmlValue, csrfToken: string, status = 200, hasErrors = false): FastifyReply {
    return reply.status(status).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(page({ title, content, csrfToken, hasErrors }).value);
  }

  const errorSummary = (message: string, href: string): HtmlValue => html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2><div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"><li><a href="${href}">${message}</a></li></ul></div></div></div>`;

  function passwordPage(reply: FastifyReply, csrf: string, next: string, error: string | null, username = '', status = 200): FastifyReply {
    return sendPage(reply, error ? 'Error: Staff sign in' : 'Staff sign in', html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${error ? errorSummary(error, '#username') : ''}<h1 class="govuk-heading-l">Staff sign in</h1>
<form method="post" action="/staff/sign-in" novalidate>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="next" value="${next}">
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<label class="govuk-label" for="username">Username</label>
${error ? html`<p id="username-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error}</p>` : ''}<input class="govuk-input govuk-!-width-one-half" id="username" name="username" type="text" autocomplete="username" spellcheck="false" value="${username}">
</div>
<div class="govuk-form-group"><label class="govuk-label" for="password">Password</label>
<input class="govuk-input govuk-!-width-one-half" id="password" name="password" type="password" autocomplete="current-password"></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Continue</button>
</form>${options.staffOidc ? html`<h2 class="govuk-heading-m">Or use your agency account</h2>
<p class="govuk-body">Sign in through your agency's sign-in service. You need a govflow staff account with the same e-mail address.</p>
<a href="/staff/sign-in/oidc?next=${encodeURIComponent(next)}" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button">Sign in with your agency account</a>` : ''}</div></div>`, csrf, status, !!error);
  }

  function codePage(reply: FastifyReply, csrf: string, next: string, error: string | null, status = 200): FastifyReply {
    return sendPage(reply, error ? 'Error: Enter your security code' : 'Enter your security code', html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${error ? errorSummary(error, '#code') : ''}<form method="post" action="/staff/sign-in/code" novalidate>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="next" value="${next}">
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="code">Enter your security code</label></h1>
<div id="code-hint" class="govuk-hint">The 6-digit code from your authenticator app</div>
${error ? html`<p id="code-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error}</p>` : ''}<input class="govuk-input govuk-input--width-5" id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" spellcheck="false" aria-describedby="code-hint${error ? ' code-error' : ''}">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Sign in</button>
</form></div></div>`, csrf, status, !!error);
  }

  const GENERIC = 'Enter a valid username and password';
  const LOCKED = 'Too many attempts. Wait 15 minutes and try again';

  // ---------------------------------------------------------------- OpenID Connect (authorization code + PKCE)

  const vault = options.vault ?? createVault({ db, masterKey });
  type OidcFlow = { kind?: 'citizen' | 'staff'; state: string; nonce: string; verifier: string; next: string };

  /** Discovery of one provider, cached (and forgotten again when it failed, so a provider that was down is retried). */
  function discoverer(o: OidcProviderOptions): () => Promise<oidcClient.Configuration> {
    let discovered: Promise<oidcClient.Configuration> | undefined;
    return () => {
      // Plain http only for a loopback provider (tests, local demos); anything else must be https.
      const loopback = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(o.issuer.endsWith('/') ? o.issuer : `${o.issuer}/`);
      discovered ??= oidcClient.discovery(new URL(o.issuer), o.clientId, o.clientSecret, undefined, loopback ? { execute: [oidcClient.allowInsecureRequests] } : {});
      discovered.catch(() => { discovered = undefined; });
      return discovered;
    };
  }

  /** A sign-in that must not go ahead, with the reason for the audit event (never a claim's value). */
  class OidcRefusal extends Error {
    constructor(readonly reason: string, readonly page?: { title: string; body: HtmlValue; status: number }) {
      super(reason);
    }
  }

  /**
   * The person for an eID sign-in, created on the first. With a national ID the person is found by its blind index
   * first (the same person even if the provider's `sub` changed); it is stored only in the vault, encrypted. A sub
   * and a national ID that point at two different persons, or a person whose stored national ID differs from the
   * one sent now, are refused rather than merged or overwritten.
   */
  async function personFor(issuer: string, claims: { sub: string; name?: unknown; given_name?: unknown; family_name?: unknown; email?: unknown }, nationalId: string | null): Promise<string> {
    const name = (typeof claims.name === 'string' && claims.name ? claims.name : [claims.given_name, claims.family_name].filter((x) => typeof x === 'string').join(' ') || 'Citizen').slice(0, 200);
    const email = typeof claims.email === 'string' ? claims.email.slice(0, 320) : null;
    const byNationalId = nationalId ? await vault.findPersonByIdentifier(NATIONAL_ID_KIND, nationalId) : null;
    const bySubject = (await db.query<{ id: string }>('select id from identity_person where issuer = $1 and subject = $2', [issuer, claims.sub])).rows[0]?.id ?? null;
    if (byNationalId && bySubject && byNationalId !== bySubject) throw new OidcRefusal('oidc-identity-conflict');
    if (nationalId && !byNationalId && bySubject) {
      // The person reading their own identifier: not a use of their data by anyone else (not access-logged).
      const stored = await vault.getIdentifier(bySubject, NATIONAL_ID_KIND, { actor: `citizen:${bySubject}`, purpose: 'sign-in' });
      if (stored !== null && stored !== nationalId) throw new OidcRefusal('oidc-identity-conflict');
    }
    return db.transaction(async (tx) => {
      let id: string;
      if (byNationalId) {
        id = byNationalId;
        await tx.query('update identity_person set name = $2, email = $3 where id = $1', [id, name, email]);
      } else {
        const { rows } = await tx.query<{ id: string }>(`insert into identity_person (id, issuer, subject, name, email) values ($1, $2, $3, $4, $5)
          on conflict (issuer, subject) do update set name = excluded.name, email = excluded.email returning id`, [`person-${sha256(`${issuer}\n${claims.sub}`).slice(0, 24)}`, issuer, claims.sub, name, email]);
        id = rows[0]!.id;
        if (nationalId) await vault.putIdentifier(tx, id, NATIONAL_ID_KIND, nationalId);
      }
      return id;
    });
  }

  /**
   * The staff account for an agency sign-in: the one bound to this (issuer, sub) at an earlier sign-in, else the one
   * whose e-mail the provider says it verified — and that account is then bound to this sub, so a later change of
   * e-mail at the provider still finds it and another provider account with the same e-mail does not. The binding
   * is a hash of issuer and sub, kept in the vault (blind index), so it needs no table of its own.
   */
  async function staffFor(issuer: string, claims: Record<string, unknown> & { sub: string }): Promise<{ staffId: string; bind: string | null }> {
    const subjectHash = sha256(`${issuer}\n${claims.sub}`);
    const bound = await vault.findPersonByIdentifier(STAFF_OIDC_KIND, subjectHash);
    const refuse = (reason: string, detail: HtmlValue): OidcRefusal => new OidcRefusal(reason, {
      title: 'You cannot sign in to govflow with this account', status: 403,
      body: html`<h1 class="govuk-heading-l">You cannot sign in to govflow with this account</h1>${detail}<p class="govuk-body">Ask a govflow administrator in your agency to set up your staff account, or <a class="govuk-link" href="/staff/sign-in">sign in with your username and password</a>.</p>`,
    });
    if (bound?.startsWith('staff:')) return { staffId: bound.slice('staff:'.length), bind: null };
    const email = typeof claims['email'] === 'string' ? claims['email'].trim() : '';
    if (!email || claims['email_verified'] !== true) {
      throw refuse('oidc-email-unverified', html`<p class="govuk-body">Your agency account did not give govflow a verified e-mail address, so govflow cannot tell which staff account is yours.</p>`);
    }
    const { rows } = await db.query<{ id: string }>('select id from identity_staff where lower(email) = lower($1) limit 2', [email.slice(0, 320)]);
    if (rows.length !== 1) throw refuse('oidc-unknown-staff', html`<p class="govuk-body">No govflow staff account belongs to ${email}.</p>`);
    const staffId = rows[0]!.id;
    const existing = (await vault.identifiersOf(db, `staff:${staffId}`))[STAFF_OIDC_KIND];
    if (existing !== undefined && existing !== subjectHash) {
      throw refuse('oidc-staff-bound-elsewhere', html`<p class="govuk-body">The govflow staff account for ${email} is already linked to a different agency account.</p>`);
    }
    return { staffId, bind: existing === undefined ? subjectHash : null };
  }

  /** The two OpenID Connect sign-ins (citizens at the eID, staff at their agency) share one flow. */
  function oidcRoutes(server: FastifyInstance, kind: 'citizen' | 'staff', o: OidcProviderOptions): void {
    const configuration = discoverer(o);
    const prefix = kind === 'citizen' ? '/sign-in' : '/staff/sign-in';
    const callback = `${o.publicUrl.replace(/\/$/, '')}${kind === 'citizen' ? '/sign-in/callback' : '/staff/sign-in/oidc/callback'}`;
    const startAgain = kind === 'citizen' ? '/sign-in' : '/staff/sign-in';
    server.get<{ Querystring: { next?: string } }>(`${prefix}/oidc`, async (request, reply) => {
      const config = await configuration();
      const flow: OidcFlow = { kind, state: oidcClient.randomState(), nonce: oidcClient.randomNonce(), verifier: oidcClient.randomPKCECodeVerifier(), next: safeNext(request.query.next, kind === 'citizen' ? '/applications' : '/staff') };
      const row = await rotate(reply, await loadSession(request), { kind: null, id: null });
      await db.query('update identity_session set oidc_flow = $2::jsonb where id_hash = $1', [row.id_hash, JSON.stringify(flow)]);
      const url = oidcClient.buildAuthorizationUrl(config, {
        redirect_uri: callback, scope: o.scope ?? 'openid profile email', response_type: 'code',
        state: flow.state, nonce: flow.nonce, code_challenge: await oidcClient.calculatePKCECodeChallenge(flow.verifier), code_challenge_method: 'S256',
      });
      return reply.redirect(url.href, 303);
    });
    server.get(new URL(callback).pathname, async (request, reply) => {
      const row = await loadSession(request);
      const flow = typeof row?.oidc_flow === 'string' ? JSON.parse(row.oidc_flow) as OidcFlow : row?.oidc_flow;
      const failed = (status = 400, title = 'Sign-in did not work', body: HtmlValue = html`<h1 class="govuk-heading-l">Sign-in did not work</h1><p class="govuk-body"><a class="govuk-link" href="${startAgain}">Try signing in again</a>.</p>`): FastifyReply =>
        sendPage(reply, title, body, row?.csrf_token ?? '', status);
      // A flow started for the other kind of sign-in (older rows have no kind: citizen) does not finish here.
      if (!row || !flow || (flow.kind ?? 'citizen') !== kind) return failed();
      await db.query('update identity_session set oidc_flow = null where id_hash = $1', [row.id_hash]);
      const config = await configuration();
      const current = new URL(request.url, callback);
      try {
        const tokens = await oidcClient.authorizationCodeGrant(config, new URL(`${callback}${current.search}`), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
        const claims = tokens.claims();
        if (!claims) return failed();
        // Profile claims come from the userinfo endpoint (providers keep ID tokens minimal); its sub must match.
        const profile = { ...claims, ...await oidcClient.fetchUserInfo(config, tokens.access_token, claims.sub), sub: claims.sub };
        const issuer = config.serverMetadata().issuer;
        if (kind === 'citizen') {
          const claimName = options.oidc?.nationalIdClaim ?? DEFAULT_NATIONAL_ID_CLAIM;
          const raw = (profile as Record<string, unknown>)[claimName];
          const nationalId = raw === undefined || raw === null ? null : parseNationalId(raw);
          if (raw !== undefined && raw !== null && nationalId === null) throw new OidcRefusal('oidc-national-id-malformed');
          await signInCitizen(request, reply, await personFor(issuer, profile, nationalId));
          return reply.redirect(flow.next, 303);
        }
        const { staffId, bind } = await staffFor(issuer, profile);
        const principal = await staffPrincipal(db, staffId);
        if (!principal) {
          throw new OidcRefusal('oidc-staff-disabled', { title: 'Your staff account is not active', status: 403,
            body: html`<h1 class="govuk-heading-l">Your staff account is not active</h1><p class="govuk-body">Ask a govflow administrator in your agency.</p>` });
        }
        await rotate(reply, row, { kind: 'staff', id: staffId });
        log.info({ actor: actorOf(principal), method: 'agency-oidc' }, 'signed in');
        await db.transaction(async (tx) => {
          if (bind) await vault.putIdentifier(tx, `staff:${staffId}`, STAFF_OIDC_KIND, bind);
          await appendEvent(tx, { type: 'identity.signed-in', actor: actorOf(principal), data: { method: 'agency-oidc', issuer, ...(bind ? { bound: true } : {}) } });
        });
        return reply.redirect(flow.next, 303);
      } catch (error) {
        const reason = error instanceof OidcRefusal ? error.reason : 'oidc';
        // The reason only: an error here must never carry a claim's value (a national ID) into the log.
        log.warn({ reason, err: error instanceof OidcRefusal ? undefined : error instanceof Error ? error.message : String(error) }, 'OpenID Connect sign-in failed');
        await recordFailure(`oidc:${clientIp(request)}`, clientIp(request), reason);
        if (error instanceof OidcRefusal && error.page) return failed(error.page.status, error.page.title, error.page.body);
        return failed();
      }
    });
  }

  const plugin = async (server: FastifyInstance): Promise<void> => {
    if (options.oidc) oidcRoutes(server, 'citizen', options.oidc);
    if (options.staffOidc) oidcRoutes(server, 'staff', options.staffOidc);
    if (options.demo) await seedDemo();
    // The sign-in pages' errors (a refused CSRF token from the web session plugin's hook among them) as HTML pages.
    server.setErrorHandler(htmlErrorHandler({ render: (request, reply, title, content, status) => sendPage(reply, title, content, request.csrfToken, status), log, home: { href: '/staff/sign-in', label: 'Start signing in again' }, userMessages: true }));
    if (!server.hasContentTypeParser('application/x-www-form-urlencoded')) {
      server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
        done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
      });
    }

    server.get<{ Querystring: { next?: string } }>('/staff/sign-in', async (request, reply) => {
      const s = await pageSession(request, reply, { create: true });
      return passwordPage(reply, s.csrfToken, safeNext(request.query.next, '/'), null);
    });

    server.post('/staff/sign-in', async (request, reply) => {
      const row = await loadSession(request);
      const csrf = field(request.body, 'csrf');
      if (!row || !safeEqual(csrf, row.csrf_token)) return sendPage(reply, 'Your session has expired', html`<h1 class="govuk-heading-l">Your session has expired</h1><p class="govuk-body"><a class="govuk-link" href="/staff/sign-in">Start signing in again</a>.</p>`, '', 403);
      const username = field(request.body, 'username').slice(0, 100);
      const password = field(request.body, 'password').slice(0, 1000);
      const next = safeNext(field(request.body, 'next'), '/');
      const ip = clientIp(request);
      const accountKey = `staff:${username.toLowerCase()}`;
      const attempt = await startAttempt(accountKey, ip);
      if (attempt.locked) return passwordPage(reply, row.csrf_token, next, LOCKED, username, 429);
      const { rows } = await db.query<{ id: string; password_hash: string; disabled: boolean }>('select id, password_hash, disabled from identity_staff where username = $1', [username]);
      const staff = rows[0];
      // Verify against a dummy hash for unknown users too, so timing does not tell which usernames exist.
      const ok = await argonVerify(staff?.password_hash ?? DUMMY_HASH, password).catch(() => false);
      if (!staff || staff.disabled || !ok) {
        await attemptFailed(accountKey, 'password');
        return passwordPage(reply, row.csrf_token, next, GENERIC, username, 400);
      }
      await attemptSucceeded(attempt.id);
      // Half signed in: a new session that only knows whose code to ask for.
      await rotate(reply, row, { kind: null, id: null, pendingStaff: staff.id });
      return reply.redirect(`/staff/sign-in/code?next=${encodeURIComponent(next)}`, 303);
    });

    server.get<{ Querystring: { next?: string } }>('/staff/sign-in/code', async (request, reply) => {
      const row = await loadSession(request);
      if (!row?.pending_staff_id) return reply.redirect('/staff/sign-in', 303);
      return codePage(reply, row.csrf_token, safeNext(request.query.next, '/'), null);
    });

    server.post('/staff/sign-in/code', async (request, reply) => {
      const row = await loadSession(request);
      if (!row?.pending_staff_id || !safeEqual(field(request.body, 'csrf'), row.csrf_token)) return reply.redirect('/staff/sign-in', 303);
      const next = safeNext(field(request.body, 'next'), '/');
      const code = field(request.body, 'code').replace(/\s+/g, '');
      const ip = clientIp(request);
      const staffId = row.pending_staff_id;
      const accountKey = `staff:${staffId}`;
      const attempt = await startAttempt(accountKey, ip);
      if (attempt.locked) return codePage(reply, row.csrf_token, next, LOCKED, 429);
      const { rows } = await db.query<{ totp_secret_sealed: string }>('select totp_secret_sealed from identity_staff where id = $1', [staffId]);
      let valid = false;
      if (/^\d{6}$/.test(code) && rows[0]) {
        const secret = openSecret(rows[0].totp_secret_sealed, masterKey, `totp:${staffId}`).toString('utf8');
        valid = verifySync({ token: code, secret, epochTolerance: 30 }).valid;
      }
      if (!valid) {
        await attemptFailed(accountKey, 'code');
        return codePage(reply, row.csrf_token, next, 'Enter the 6-digit code shown in your authenticator app', 400);
      }
      await attemptSucceeded(attempt.id);
      const principal = await staffPrincipal(db, staffId);
      if (!principal) return reply.redirect('/staff/sign-in', 303);
      await rotate(reply, row, { kind: 'staff', id: staffId });
      await signedIn(principal, 'password+totp');
      return reply.redirect(next, 303);
    });

    server.post('/staff/sign-out', async (request, reply) => {
      if (!(await checkCsrf(request, field(request.body, 'csrf')))) return reply.redirect('/staff/sign-in', 303);
      await signOut(request, reply);
      return reply.redirect('/staff/sign-in', 303);
    });
  };

  return { authenticate, principalForApiKey: apiKeyPrincipal, pageSession, checkCsrf, signInCitizen, signOut, plugin, oidcEnabled: !!options.oidc, staffOidcEnabled: !!options.staffOidc, seedDemo, createApiKey, revokeApiKey, getPerson, setMembership };
}

// A real argon2id hash of a random string: verifying against it costs what verifying a real account costs.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$FvSNNyh3qPxojhKKaQ4tsQ$7aPhDDwOxsXE99EkbjrKuZsfhfEP1uU9mCUX42mB3jU';
