import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLanguage, LANGUAGE_COOKIE, type Language } from '../i18n/index.js';
import type { Database, Queryable } from '../store/index.js';
import { parseCookies } from '../web/index.js';
import type { Principal, StaffRole } from './principal.js';
import { staffFrom } from './principals.js';
import { safeEqual, SESSION_COOKIE, sessionIdFromCookies, sha256, token } from './tokens.js';

/**
 * Browser sessions (identity_session): anonymous ones carry only a CSRF token; signing in, each sign-in step and
 * signing out replace the session id (no fixation). Only the SHA-256 of the cookie's id is stored.
 */
export interface SessionRow {
  id_hash: string;
  csrf_token: string;
  principal_kind: 'citizen' | 'staff' | null;
  principal_id: string | null;
  pending_staff_id: string | null;
  /** null: the TOTP code is next; 'new-password': a forced password change is next. */
  pending_step: 'new-password' | null;
  webauthn_challenge: string | null;
  oidc_flow: { kind?: 'citizen' | 'staff'; state: string; nonce: string; verifier: string; next: string } | string | null;
  last_seen_at: Date | string;
  expires_at: Date | string;
}

export interface PageSession {
  readonly principal: Principal | null;
  /** Empty when there is no session (a read-only visitor): forms need `create: true`. */
  readonly csrfToken: string;
  /** The language the signed-in account last chose (kept at sign-in and sign-out); undefined when never chosen. */
  readonly language?: Language;
}

/** Who a new session belongs to: nobody yet, a signed-in principal, or a staff member half-way through signing in. */
export interface SessionOwner {
  readonly kind: 'citizen' | 'staff' | null;
  readonly id: string | null;
  readonly pendingStaff?: string | null;
  readonly pendingStep?: 'new-password' | null;
}

export interface SessionStore {
  load(request: FastifyRequest): Promise<SessionRow | null>;
  loadWithPrincipal(request: FastifyRequest): Promise<{ row: SessionRow; principal: Principal | null; language?: Language } | null>;
  rotate(reply: FastifyReply, old: SessionRow | null, who: SessionOwner): Promise<SessionRow>;
  pageSession(request: FastifyRequest, reply: FastifyReply, how?: { create?: boolean }): Promise<PageSession>;
  checkCsrf(request: FastifyRequest, given: unknown): Promise<boolean>;
}

export function createSessionStore(db: Database, options: { idleMs: number; absoluteMs: number; secureCookies: boolean }): SessionStore {
  async function load(request: FastifyRequest): Promise<SessionRow | null> {
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
    if (new Date(row.expires_at).getTime() <= now || new Date(row.last_seen_at).getTime() + options.idleMs <= now) {
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
  async function loadWithPrincipal(request: FastifyRequest): Promise<{ row: SessionRow; principal: Principal | null; language?: Language } | null> {
    const id = sessionIdFromCookies(request.headers.cookie);
    if (!id) return null;
    const { rows } = await db.query<SessionRow & { person_name: string | null; businesses: string[] | null; staff_name: string | null; staff_disabled: boolean | null; memberships: { department: string; role: StaffRole }[] | null; account_language: string | null }>(
      `select s.id_hash, s.csrf_token, s.principal_kind, s.principal_id, s.pending_staff_id, s.pending_step, s.webauthn_challenge, s.oidc_flow, s.last_seen_at, s.expires_at,
              p.name as person_name, coalesce(st.language, p.language) as account_language,
              case when p.id is null then null else array(select b.business_code from identity_person_business b where b.person_id = p.id order by b.business_code) end as businesses,
              st.name as staff_name, st.disabled as staff_disabled,
              case when st.id is null then null else (select coalesce(json_agg(json_build_object('department', m.department_id, 'role', m.role) order by m.department_id, m.role), '[]'::json)
                                                      from identity_membership m where m.staff_id = st.id) end as memberships
       from identity_session s
       left join identity_person p on s.principal_kind is distinct from 'staff' and p.id = s.principal_id
       left join identity_staff st on s.principal_kind = 'staff' and st.id = s.principal_id
       where s.id_hash = $1`, [sha256(id)], { name: 'identity-session-with-principal-v3' });
    const found = rows[0];
    if (!found) return null;
    const { person_name: personName, businesses, staff_name: staffName, staff_disabled: staffDisabled, memberships, account_language: accountLanguage, ...row } = found;
    if (!(await keepAlive(row))) return null;
    let principal: Principal | null = null;
    if (row.principal_id && row.principal_kind === 'staff') principal = staffFrom(row.principal_id, staffName, staffDisabled, memberships ?? []);
    else if (row.principal_id && personName !== null) principal = { kind: 'citizen', id: row.principal_id, name: personName, roles: ['citizen'], businesses: businesses ?? [] };
    return { row, principal, ...(principal && isLanguage(accountLanguage) ? { language: accountLanguage } : {}) };
  }

  /**
   * Keeps the language this browser chose (the switcher's cookie) with the account that signs in or out: a POST that
   * writes anyway, so choosing a language stays a plain link (GET pages never write). Only the four languages.
   */
  async function rememberLanguage(tx: Queryable, reply: FastifyReply, account: { kind: 'citizen' | 'staff' | null; id: string | null }): Promise<void> {
    const chosen = parseCookies(reply.request.headers.cookie)[LANGUAGE_COOKIE];
    if (!account.id || !account.kind || !isLanguage(chosen)) return;
    await tx.query(account.kind === 'staff'
      ? 'update identity_staff set language = $2 where id = $1 and language is distinct from $2'
      : 'update identity_person set language = $2 where id = $1 and language is distinct from $2', [account.id, chosen]);
  }

  function setCookie(reply: FastifyReply, id: string): void {
    void reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${options.secureCookies ? '; Secure' : ''}`);
  }

  /** A fresh session (new id and CSRF token) for whoever is now on this browser; the old one is deleted. */
  async function rotate(reply: FastifyReply, old: SessionRow | null, who: SessionOwner): Promise<SessionRow> {
    const id = token();
    const csrf = token();
    const row = await db.transaction(async (tx) => {
      if (old) await tx.query('delete from identity_session where id_hash = $1', [old.id_hash]);
      // Signing in keeps the new account's choice; signing out, the leaving account's (chosen while signed in).
      await rememberLanguage(tx, reply, who.id ? who : { kind: old?.principal_kind ?? null, id: old?.principal_id ?? null });
      const { rows } = await tx.query<SessionRow>(
        `insert into identity_session (id_hash, csrf_token, principal_kind, principal_id, pending_staff_id, pending_step, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning *`,
        [sha256(id), csrf, who.kind, who.id, who.pendingStaff ?? null, who.pendingStep ?? null, new Date(Date.now() + options.absoluteMs)]);
      return rows[0]!;
    });
    setCookie(reply, id);
    return row;
  }

  async function pageSession(request: FastifyRequest, reply: FastifyReply, how: { create?: boolean } = {}): Promise<PageSession> {
    const found = await loadWithPrincipal(request);
    if (found) return { principal: found.principal, csrfToken: found.row.csrf_token, ...(found.language ? { language: found.language } : {}) };
    if (!how.create) return { principal: null, csrfToken: '' };
    const created = await rotate(reply, null, { kind: null, id: null });
    return { principal: null, csrfToken: created.csrf_token };
  }

  async function checkCsrf(request: FastifyRequest, given: unknown): Promise<boolean> {
    const row = await load(request);
    return !!row && typeof given === 'string' && safeEqual(given, row.csrf_token);
  }

  return { load, loadWithPrincipal, rotate, pageSession, checkCsrf };
}
