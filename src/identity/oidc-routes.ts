/** Serves the OpenID Connect sign-in routes: the redirect to the provider and its callback, for citizens and for staff. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidcClient from 'openid-client';
import { t } from '../i18n/index.js';
import { appendEvent } from '../store/index.js';
import { html, type HtmlValue } from '../web/index.js';
import type { IdentityContext } from './context.js';
import { safeNext, sendPage } from './pages.js';
import { actorOf } from './principal.js';
import { staffPrincipal } from './principals.js';
import { sha256 } from './tokens.js';

/**
 * The two OpenID Connect sign-ins (authorization code + PKCE): citizens at the national eID, staff at their
 * agency's provider. They share one flow; what differs is who the verified claims resolve to.
 */
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

export interface OidcRouteOptions {
  readonly kind: 'citizen' | 'staff';
  readonly provider: OidcProviderOptions;
  readonly nationalIdClaim?: string;
  readonly signInCitizen: (request: FastifyRequest, reply: FastifyReply, personId: string) => Promise<void>;
}

/**
 * The person for an eID sign-in, created on the first. With a national ID the person is found by its blind index
 * first (the same person even if the provider's `sub` changed); it is stored only in the vault, encrypted. A sub
 * and a national ID that point at two different persons, or a person whose stored national ID differs from the
 * one sent now, are refused rather than merged or overwritten.
 */
async function personFor(ctx: IdentityContext, issuer: string, claims: { sub: string; name?: unknown; given_name?: unknown; family_name?: unknown; email?: unknown }, nationalId: string | null): Promise<string> {
  const { db, vault } = ctx;
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
      // A person the vault knows only from a registry look-up (a household member) gets their account row now.
      await tx.query(`insert into identity_person (id, issuer, subject, name, email) values ($1, $4, $5, $2, $3)
        on conflict (id) do update set name = excluded.name, email = excluded.email`, [id, name, email, issuer, claims.sub]);
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
async function staffFor(ctx: IdentityContext, issuer: string, claims: Record<string, unknown> & { sub: string }): Promise<{ staffId: string; bind: string | null }> {
  const { db, vault } = ctx;
  const subjectHash = sha256(`${issuer}\n${claims.sub}`);
  const bound = await vault.findPersonByIdentifier(STAFF_OIDC_KIND, subjectHash);
  const refuse = (reason: string, detail: HtmlValue): OidcRefusal => new OidcRefusal(reason, {
    title: t('staff.signIn.cannotTitle'), status: 403,
    body: html`<h1 class="govuk-heading-l">${t('staff.signIn.cannotTitle')}</h1>${detail}<p class="govuk-body">${t('staff.signIn.cannotAsk')} <a class="govuk-link" href="/staff/sign-in">${t('staff.signIn.cannotLink')}</a>.</p>`,
  });
  if (bound?.startsWith('staff:')) return { staffId: bound.slice('staff:'.length), bind: null };
  const email = typeof claims['email'] === 'string' ? claims['email'].trim() : '';
  if (!email || claims['email_verified'] !== true) {
    throw refuse('oidc-email-unverified', html`<p class="govuk-body">${t('staff.signIn.unverified')}</p>`);
  }
  const { rows } = await db.query<{ id: string }>('select id from identity_staff where lower(email) = lower($1) limit 2', [email.slice(0, 320)]);
  if (rows.length !== 1) throw refuse('oidc-unknown-staff', html`<p class="govuk-body">${t('staff.signIn.unknownStaff', { email })}</p>`);
  const staffId = rows[0]!.id;
  const existing = (await vault.identifiersOf(db, `staff:${staffId}`))[STAFF_OIDC_KIND];
  if (existing !== undefined && existing !== subjectHash) {
    throw refuse('oidc-staff-bound-elsewhere', html`<p class="govuk-body">${t('staff.signIn.boundElsewhere', { email })}</p>`);
  }
  return { staffId, bind: existing === undefined ? subjectHash : null };
}

/** The two OpenID Connect sign-ins (citizens at the eID, staff at their agency) share one flow. */
export function registerOidcRoutes(server: FastifyInstance, ctx: IdentityContext, route: OidcRouteOptions): void {
  const { db, vault, log } = ctx;
  const { kind, provider: o } = route;
  const configuration = discoverer(o);
  const prefix = kind === 'citizen' ? '/sign-in' : '/staff/sign-in';
  const callback = `${o.publicUrl.replace(/\/$/, '')}${kind === 'citizen' ? '/sign-in/callback' : '/staff/sign-in/oidc/callback'}`;
  const startAgain = kind === 'citizen' ? '/sign-in' : '/staff/sign-in';
  server.get<{ Querystring: { next?: string } }>(`${prefix}/oidc`, async (request, reply) => {
    const config = await configuration();
    const flow: OidcFlow = { kind, state: oidcClient.randomState(), nonce: oidcClient.randomNonce(), verifier: oidcClient.randomPKCECodeVerifier(), next: safeNext(request.query.next, kind === 'citizen' ? '/applications' : '/staff') };
    const row = await ctx.sessions.rotate(reply, await ctx.sessions.load(request), { kind: null, id: null });
    await db.query('update identity_session set oidc_flow = $2::jsonb where id_hash = $1', [row.id_hash, JSON.stringify(flow)]);
    const url = oidcClient.buildAuthorizationUrl(config, {
      redirect_uri: callback, scope: o.scope ?? 'openid profile email', response_type: 'code',
      state: flow.state, nonce: flow.nonce, code_challenge: await oidcClient.calculatePKCECodeChallenge(flow.verifier), code_challenge_method: 'S256',
    });
    return reply.redirect(url.href, 303);
  });
  server.get(new URL(callback).pathname, async (request, reply) => {
    const row = await ctx.sessions.load(request);
    const flow = typeof row?.oidc_flow === 'string' ? JSON.parse(row.oidc_flow) as OidcFlow : row?.oidc_flow;
    // Citizens' and staff's alike (one flow): the words are the staff catalogue's, in the reader's language.
    const failed = (status = 400, title = t('staff.signIn.failed'), body: HtmlValue = html`<h1 class="govuk-heading-l">${t('staff.signIn.failed')}</h1><p class="govuk-body"><a class="govuk-link" href="${startAgain}">${t('staff.signIn.failedLink')}</a>.</p>`): FastifyReply =>
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
        const claimName = route.nationalIdClaim ?? DEFAULT_NATIONAL_ID_CLAIM;
        const raw = (profile as Record<string, unknown>)[claimName];
        const nationalId = raw === undefined || raw === null ? null : parseNationalId(raw);
        if (raw !== undefined && raw !== null && nationalId === null) throw new OidcRefusal('oidc-national-id-malformed');
        await route.signInCitizen(request, reply, await personFor(ctx, issuer, profile, nationalId));
        return reply.redirect(flow.next, 303);
      }
      const { staffId, bind } = await staffFor(ctx, issuer, profile);
      const principal = await staffPrincipal(db, staffId);
      if (!principal) {
        throw new OidcRefusal('oidc-staff-disabled', { title: t('staff.signIn.inactiveTitle'), status: 403,
          body: html`<h1 class="govuk-heading-l">${t('staff.signIn.inactiveTitle')}</h1><p class="govuk-body">${t('staff.signIn.inactiveText')}</p>` });
      }
      await ctx.sessions.rotate(reply, row, { kind: 'staff', id: staffId });
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
      await ctx.attempts.recordFailure(`oidc:${request.ip}`, request, reason);
      if (error instanceof OidcRefusal && error.page) return failed(error.page.status, error.page.title, error.page.body);
      return failed();
    }
  });
}
