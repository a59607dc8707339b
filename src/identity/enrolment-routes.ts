/** Serves staff enrolment from a one-time link: /staff/enrol/:token, the authenticator step and the finish. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateSecret, generateURI } from 'otplib';
import { createRequire } from 'node:module';
import type * as QRCodeLib from 'qrcode';
import { t } from '../i18n/index.js';
import { openSecret, sealSecret } from '../kernel/index.js';
import { appendEvent } from '../store/index.js';
import { html, PARAM, paramsSchema } from '../web/index.js';
import type { IdentityContext } from './context.js';
import { ENROLMENT_SESSION_MS } from './enrolment.js';
import { errorSummary, field, passkeyButton, passwordProblem, sendPage, textInput } from './pages.js';
import { registerPasskeyRegistration } from './passkeys.js';
import type { SessionRow } from './sessions.js';
import { setPassword } from './staff-sign-in-routes.js';
import { isTokenShaped, safeEqual, sha256 } from './tokens.js';
import { totpStep } from './totp.js';

/**
 * Enrolment from a one-time link: the holder sets a password (which uses the link up and ties the rest of the
 * enrolment to this browser session for an hour), then enrols an authenticator app (QR code and the secret as text,
 * confirmed with a code) and/or a passkey, and finishes by signing in normally.
 */
interface Enrolling { staffId: string; username: string; totpSealed: string | null; hasTotp: boolean; passkeys: number }

const notValid = (reply: FastifyReply): FastifyReply => sendPage(reply, t('staff.enrol.notValidTitle'), html`<h1 class="govuk-heading-l">${t('staff.enrol.notValidTitle')}</h1>
<p class="govuk-body">${t('staff.enrol.notValidText', { hours: 24 })}</p>`, '', 404);

async function enrolling(ctx: IdentityContext, row: SessionRow | null): Promise<Enrolling | null> {
  if (!row) return null;
  const { rows } = await ctx.db.query<{ staff_id: string; username: string; totp_secret_sealed: string | null; has_totp: boolean; passkeys: string | number }>(
    `select e.staff_id, s.username, e.totp_secret_sealed, s.totp_secret_sealed is not null as has_totp,
            (select count(*) from identity_passkey p where p.staff_id = e.staff_id) as passkeys
       from identity_enrolment e join identity_staff s on s.id = e.staff_id
      where e.session_hash = $1 and e.used_at > $2`, [row.id_hash, new Date(Date.now() - ENROLMENT_SESSION_MS)]);
  const r = rows[0];
  return r ? { staffId: r.staff_id, username: r.username, totpSealed: r.totp_secret_sealed, hasTotp: r.has_totp, passkeys: Number(r.passkeys) } : null;
}

async function validLink(ctx: IdentityContext, secret: string): Promise<{ staff_id: string; username: string; email: string | null } | null> {
  if (!isTokenShaped(secret)) return null;
  const { rows } = await ctx.db.query<{ staff_id: string; username: string; email: string | null }>(
    'select e.staff_id, s.username, s.email from identity_enrolment e join identity_staff s on s.id = e.staff_id where e.token_hash = $1 and e.used_at is null and e.expires_at > now()', [sha256(secret)]);
  return rows[0] ?? null;
}

function passwordStep(reply: FastifyReply, secret: string, csrf: string, username: string, error: string | null): FastifyReply {
  return sendPage(reply, t('staff.enrol.setUpTitle'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${error ? errorSummary(error, '#password') : ''}<h1 class="govuk-heading-l">${t('staff.enrol.setUpTitle')}</h1>
<p class="govuk-body">${t('staff.enrol.yourUsername')} <strong>${username}</strong>. ${t('staff.enrol.choosePassword')}</p>
<form method="post" action="/staff/enrol/${secret}" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
${textInput({ id: 'password', label: t('staff.password.password'), type: 'password', autocomplete: 'new-password', hint: t('staff.password.hint'), error })}
${textInput({ id: 'confirm', label: t('staff.password.confirm'), type: 'password', autocomplete: 'new-password' })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('common.continue')}</button>
</form></div></div>`, csrf, error ? 400 : 200, !!error);
}

async function authenticatorStep(ctx: IdentityContext, reply: FastifyReply, row: SessionRow, e: Enrolling, error: string | null): Promise<FastifyReply> {
  let secretText = '';
  let qr = '';
  if (!e.hasTotp && e.totpSealed) {
    secretText = openSecret(e.totpSealed, ctx.masterKey, `enrol-totp:${e.staffId}`).toString('utf8');
    qr = await (createRequire(import.meta.url)('qrcode') as typeof QRCodeLib).toDataURL(generateURI({ issuer: 'govflow', label: e.username, secret: secretText }), { margin: 2, width: 240 });
  }
  const done = e.hasTotp || e.passkeys > 0;
  return sendPage(reply, t('staff.enrol.proveTitle'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${error ? errorSummary(error, '#code') : ''}<h1 class="govuk-heading-l">${t('staff.enrol.proveTitle')}</h1>
<p class="govuk-body">${t('staff.enrol.proveIntro')}</p>
<h2 class="govuk-heading-m">${t('staff.enrol.authenticator')}</h2>
${e.hasTotp ? html`<p class="govuk-body" id="totp-done">${t('staff.enrol.authenticatorDone')}</p>` : html`<p class="govuk-body">${t('staff.enrol.scan')}</p>
<img src="${qr}" alt="${t('staff.enrol.qrAlt')}" width="240" height="240" id="totp-qr">
<p class="govuk-body">${t('staff.enrol.byHand')} <code class="govflow-secret" id="totp-secret">${secretText}</code></p>
<form method="post" action="/staff/enrol/authenticator" novalidate>
<input type="hidden" name="csrf" value="${row.csrf_token}">
${textInput({ id: 'code', label: t('staff.enrol.codeLabel'), autocomplete: 'one-time-code', error, width: 'govuk-input--width-5' })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.enrol.confirmCode')}</button>
</form>`}
<h2 class="govuk-heading-m">${t('staff.enrol.passkey')}</h2>
<p class="govuk-body">${e.passkeys > 0 ? t('staff.enrol.passkeysAdded', { count: e.passkeys }) : t('staff.enrol.passkeyIntro')}</p>
<input type="hidden" name="csrf" value="${row.csrf_token}">
${passkeyButton({ label: t('staff.account.addPasskey'), mode: 'register', options: '/staff/enrol/passkey/options', verify: '/staff/enrol/passkey' })}
${done ? html`<form method="post" action="/staff/enrol/finish" novalidate><input type="hidden" name="csrf" value="${row.csrf_token}">
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.enrol.finish')}</button></form>` : ''}
</div></div>`, row.csrf_token, error ? 400 : 200, !!error, true);
}

export function registerEnrolment(server: FastifyInstance, ctx: IdentityContext): void {
  const { db, sessions } = ctx;

  server.get<{ Params: { token: string } }>('/staff/enrol/:token', { schema: paramsSchema({ token: PARAM.token }) }, async (request, reply) => {
    const link = await validLink(ctx, request.params.token);
    if (!link) return notValid(reply);
    const s = await sessions.pageSession(request, reply, { create: true });
    return passwordStep(reply, request.params.token, s.csrfToken, link.username, null);
  });

  server.post<{ Params: { token: string } }>('/staff/enrol/:token', { schema: paramsSchema({ token: PARAM.token }) }, async (request, reply) => {
    const row = await sessions.load(request);
    const link = await validLink(ctx, request.params.token);
    if (!link) return notValid(reply);
    if (!row || !safeEqual(field(request.body, 'csrf'), row.csrf_token)) return passwordStep(reply, request.params.token, row?.csrf_token ?? '', link.username, t('staff.enrol.sessionExpired'));
    const password = field(request.body, 'password');
    const problem = passwordProblem(password, field(request.body, 'confirm'), [link.username, link.email ?? '']);
    if (problem) return passwordStep(reply, request.params.token, row.csrf_token, link.username, problem);
    // A new session for the rest of the enrolment; the link is used up in the same step (a second use finds nothing).
    const fresh = await sessions.rotate(reply, row, { kind: null, id: null });
    const used = await db.query('update identity_enrolment set used_at = now(), session_hash = $2, totp_secret_sealed = $3 where token_hash = $1 and used_at is null and expires_at > now() returning staff_id',
      [sha256(request.params.token), fresh.id_hash, sealSecret(generateSecret(), ctx.masterKey, `enrol-totp:${link.staff_id}`)]);
    if (used.rows.length === 0) return notValid(reply);
    await setPassword(ctx, link.staff_id, password, 'enrolment');
    return reply.redirect('/staff/enrol/authenticator', 303);
  });

  const expired = (reply: FastifyReply): FastifyReply => sendPage(reply, t('staff.enrol.expiredTitle'), html`<h1 class="govuk-heading-l">${t('staff.enrol.expiredTitle')}</h1><p class="govuk-body">${t('staff.enrol.expiredText')}</p>`, '', 403);

  server.get('/staff/enrol/authenticator', async (request, reply) => {
    const row = await sessions.load(request);
    const e = await enrolling(ctx, row);
    if (!row || !e) return expired(reply);
    return authenticatorStep(ctx, reply, row, e, null);
  });

  server.post('/staff/enrol/authenticator', async (request, reply) => {
    const row = await sessions.load(request);
    const e = await enrolling(ctx, row);
    if (!row || !e || !safeEqual(field(request.body, 'csrf'), row.csrf_token)) return expired(reply);
    if (e.hasTotp || !e.totpSealed) return reply.redirect('/staff/enrol/authenticator', 303);
    const secret = openSecret(e.totpSealed, ctx.masterKey, `enrol-totp:${e.staffId}`).toString('utf8');
    const step = totpStep(secret, field(request.body, 'code').replace(/\s+/g, ''));
    if (step === null) return authenticatorStep(ctx, reply, row, e, t('staff.enrol.codeMissing'));
    // The confirming code's step counts as used: it cannot sign anyone in afterwards.
    await db.transaction(async (tx) => {
      await tx.query('update identity_staff set totp_secret_sealed = $2, totp_last_step = $3 where id = $1', [e.staffId, sealSecret(secret, ctx.masterKey, `totp:${e.staffId}`), step]);
      await tx.query('update identity_enrolment set totp_secret_sealed = null where staff_id = $1', [e.staffId]);
      await appendEvent(tx, { type: 'identity.authenticator-enrolled', actor: `staff:${e.staffId}`, data: { staff: e.staffId } });
    });
    return reply.redirect('/staff/enrol/authenticator', 303);
  });

  registerPasskeyRegistration(server, ctx, '/staff/enrol/passkey', async (row) => (await enrolling(ctx, row))?.staffId ?? null, '/staff/enrol/authenticator');

  server.post('/staff/enrol/finish', async (request: FastifyRequest, reply) => {
    const row = await sessions.load(request);
    const e = await enrolling(ctx, row);
    if (!row || !e || !safeEqual(field(request.body, 'csrf'), row.csrf_token)) return expired(reply);
    if (!e.hasTotp && e.passkeys === 0) return reply.redirect('/staff/enrol/authenticator', 303);
    await db.transaction(async (tx) => {
      await tx.query('delete from identity_enrolment where staff_id = $1', [e.staffId]);
      await appendEvent(tx, { type: 'identity.enrolled', actor: `staff:${e.staffId}`, data: { staff: e.staffId, authenticator: e.hasTotp, passkeys: e.passkeys } });
    });
    await sessions.rotate(reply, row, { kind: null, id: null });
    return reply.redirect('/staff/sign-in', 303);
  });
}
