/** Serves passkey registration and sign-in (WebAuthn options and responses) and the two browser scripts they need. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t } from '../i18n/index.js';
import { appendEvent } from '../store/index.js';
import { relyingParty, signedIn, type IdentityContext } from './context.js';
import { safeNext, staffLanding } from './pages.js';
import { actorOf } from './principal.js';
import { staffPrincipal } from './principals.js';
import type { SessionRow } from './sessions.js';
import { safeEqual } from './tokens.js';

// @simplewebauthn/server (some 70 modules) loads with the first passkey ceremony, not at start-up.
const webauthn = () => import('@simplewebauthn/server');

/**
 * Passkeys (WebAuthn, `@simplewebauthn/server`): a staff member registers one at enrolment or from their account
 * page, and then signs in with it alone — it is possession (the device) and user verification (PIN or biometric)
 * in one, bound to govflow's origin so a look-alike site cannot use it. Credentials are discoverable, so the
 * sign-in needs no user name. Each ceremony's challenge lives on the session and is used once.
 */

const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const json = (reply: FastifyReply, status: number, body: unknown): FastifyReply => reply.status(status).header('cache-control', 'no-store').send(body);
const refuse = (reply: FastifyReply, status: number, message: string): FastifyReply => json(reply, status, { message });

/** The session of a passkey request, when its CSRF token (JSON field or `x-csrf-token` header) matches. */
async function checkedSession(ctx: IdentityContext, request: FastifyRequest): Promise<SessionRow | null> {
  const row = await ctx.sessions.load(request);
  const body = request.body as Record<string, unknown> | null;
  const given = typeof body?.['csrf'] === 'string' ? body['csrf'] : request.headers['x-csrf-token'];
  return row && typeof given === 'string' && safeEqual(given, row.csrf_token) ? row : null;
}

async function storeChallenge(ctx: IdentityContext, row: SessionRow, challenge: string): Promise<void> {
  await ctx.db.query('update identity_session set webauthn_challenge = $2 where id_hash = $1', [row.id_hash, challenge]);
}

/** The challenge of this session's ceremony, taken so it cannot be answered twice. */
async function takeChallenge(ctx: IdentityContext, row: SessionRow): Promise<string | null> {
  const { rows } = await ctx.db.query<{ challenge: string | null }>(
    'update identity_session s set webauthn_challenge = null from (select id_hash, webauthn_challenge as challenge from identity_session where id_hash = $1 for update) old where s.id_hash = old.id_hash returning old.challenge', [row.id_hash]);
  return rows[0]?.challenge ?? null;
}

/** Registration for the staff member `staffOf` names on this session (an enrolment, or a signed-in member). */
export function registerPasskeyRegistration(server: FastifyInstance, ctx: IdentityContext, prefix: string, staffOf: (row: SessionRow) => Promise<string | null>, done: string): void {
  server.post(`${prefix}/options`, async (request, reply) => {
    const row = await checkedSession(ctx, request);
    const staffId = row ? await staffOf(row) : null;
    if (!row || !staffId) return refuse(reply, 403, t('staff.signIn.passkeyExpiredStart'));
    const { rows } = await ctx.db.query<{ username: string; name: string }>('select username, name from identity_staff where id = $1', [staffId]);
    const existing = await ctx.db.query<{ credential_id: string; transports: string[] }>('select credential_id, transports from identity_passkey where staff_id = $1', [staffId]);
    const { rpID } = relyingParty(ctx, request);
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: 'govflow', rpID, userName: rows[0]!.username, userDisplayName: rows[0]!.name, userID: new TextEncoder().encode(staffId), attestationType: 'none',
      excludeCredentials: existing.rows.map((c) => ({ id: c.credential_id, transports: c.transports as AuthenticatorTransportFuture[] })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    await storeChallenge(ctx, row, options.challenge);
    return json(reply, 200, options);
  });

  server.post(prefix, async (request, reply) => {
    const row = await checkedSession(ctx, request);
    const staffId = row ? await staffOf(row) : null;
    if (!row || !staffId) return refuse(reply, 403, t('staff.signIn.passkeyExpiredStart'));
    const expectedChallenge = await takeChallenge(ctx, row);
    const response = (request.body as { credential?: RegistrationResponseJSON } | null)?.credential;
    if (!expectedChallenge || !response || typeof response !== 'object') return refuse(reply, 400, t('staff.signIn.passkeyNotCreated'));
    const { rpID, origin } = relyingParty(ctx, request);
    const result = await (await webauthn()).verifyRegistrationResponse({ response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true }).catch(() => null);
    if (!result?.verified) return refuse(reply, 400, t('staff.signIn.passkeyNotVerified'));
    const { credential } = result.registrationInfo;
    await ctx.db.transaction(async (tx) => {
      await tx.query('insert into identity_passkey (credential_id, staff_id, public_key, counter, transports) values ($1, $2, $3, $4, $5)',
        [credential.id, staffId, Buffer.from(credential.publicKey).toString('base64url'), credential.counter, (credential.transports ?? []).filter((t) => TRANSPORTS.has(t))]);
      await appendEvent(tx, { type: 'identity.passkey-registered', actor: `staff:${staffId}`, data: { staff: staffId } });
    });
    return json(reply, 200, { redirect: done });
  });
}

/** Sign-in with a passkey: options for any of this site's discoverable credentials, then the assertion. */
export function registerPasskeySignIn(server: FastifyInstance, ctx: IdentityContext): void {
  server.post('/staff/sign-in/passkey/options', async (request, reply) => {
    const row = await checkedSession(ctx, request);
    if (!row) return refuse(reply, 403, t('staff.signIn.passkeyExpired'));
    const options = await (await webauthn()).generateAuthenticationOptions({ rpID: relyingParty(ctx, request).rpID, userVerification: 'required' });
    await storeChallenge(ctx, row, options.challenge);
    return json(reply, 200, options);
  });

  server.post('/staff/sign-in/passkey', async (request, reply) => {
    const row = await checkedSession(ctx, request);
    if (!row) return refuse(reply, 403, t('staff.signIn.passkeyExpired'));
    const body = request.body as { credential?: AuthenticationResponseJSON; next?: unknown } | null;
    const response = body?.credential;
    const credentialId = typeof response?.id === 'string' ? response.id.slice(0, 1024) : '';
    const accountKey = `passkey:${credentialId}`;
    const attempt = await ctx.attempts.start(accountKey, request);
    if (attempt.locked) return refuse(reply, 429, t('staff.password.locked'));
    const expectedChallenge = await takeChallenge(ctx, row);
    const { rows } = await ctx.db.query<{ staff_id: string; public_key: string; counter: string | number; transports: string[] }>(
      'select staff_id, public_key, counter, transports from identity_passkey where credential_id = $1', [credentialId]);
    const stored = rows[0];
    const { rpID, origin } = relyingParty(ctx, request);
    const result = stored && expectedChallenge && response ? await (await webauthn()).verifyAuthenticationResponse({
      response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true,
      credential: { id: credentialId, publicKey: new Uint8Array(Buffer.from(stored.public_key, 'base64url')), counter: Number(stored.counter), transports: stored.transports as AuthenticatorTransportFuture[] },
    }).catch(() => null) : null;
    const principal = result?.verified && stored ? await staffPrincipal(ctx.db, stored.staff_id) : null;
    if (!result?.verified || !stored || !principal) {
      await ctx.attempts.failed(accountKey, 'passkey');
      return refuse(reply, 400, t('staff.signIn.passkeyRefused'));
    }
    await ctx.attempts.succeeded(attempt);
    await ctx.db.query('update identity_passkey set counter = $2, last_used_at = now() where credential_id = $1', [credentialId, result.authenticationInfo.newCounter]);
    await ctx.sessions.rotate(reply, row, { kind: 'staff', id: stored.staff_id });
    await signedIn(ctx, principal, 'passkey');
    ctx.log.debug({ actor: actorOf(principal) }, 'passkey sign-in');
    return json(reply, 200, { redirect: safeNext(body?.next, staffLanding(principal)) });
  });
}

/** The browser side: @simplewebauthn/browser's bundle and a few lines that drive the buttons (no inline script). */
// The package exports only its module entry (script/index.js); the browser bundle sits beside it in dist/bundle.
const browserBundle = (): string => path.join(path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js');
const GLUE = `(function () {
  'use strict';
  var csrf = function () { var el = document.querySelector('input[name=csrf]'); return el ? el.value : ''; };
  var next = function () { var el = document.querySelector('input[name=next]'); return el ? el.value : undefined; };
  var post = function (url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() }, body: JSON.stringify(Object.assign({ csrf: csrf(), next: next() }, body)) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || 'It did not work. Try again.'); return j; }); });
  };
  if (!window.PublicKeyCredential || !window.SimpleWebAuthnBrowser) return;
  document.querySelectorAll('[data-passkey]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var status = document.getElementById('passkey-status');
      var lib = window.SimpleWebAuthnBrowser;
      status.textContent = '';
      post(button.getAttribute('data-options'), {})
        .then(function (options) { return button.getAttribute('data-passkey') === 'register' ? lib.startRegistration({ optionsJSON: options }) : lib.startAuthentication({ optionsJSON: options }); })
        .then(function (credential) { return post(button.getAttribute('data-verify'), { credential: credential }); })
        .then(function (done) { window.location.assign(done.redirect); })
        .catch(function (error) { status.textContent = error && error.message ? error.message : button.getAttribute('data-failed') || 'The passkey did not work. Try again.'; });
    });
  });
})();
`;

export function registerPasskeyAssets(server: FastifyInstance): void {
  let bundle: Promise<Buffer> | undefined;
  server.get('/staff/assets/simplewebauthn-browser.js', async (_request, reply) => {
    bundle ??= readFile(browserBundle());
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').send(await bundle);
  });
  server.get('/staff/assets/passkey.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').send(GLUE));
}
