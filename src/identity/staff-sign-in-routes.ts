/** Serves staff sign-in: password, then the authenticator code, and the new password a first sign-in sets. */
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { t } from '../i18n/index.js';
import { appendEvent } from '../store/index.js';
import { html } from '../web/index.js';
import { normaliseUsername } from './attempts.js';
import { signedIn, type IdentityContext } from './context.js';
import { errorSummary, field, passkeyButton, passwordProblem, safeNext, sendPage, staffLanding, textInput } from './pages.js';
import { registerPasskeySignIn } from './passkeys.js';
import { staffPrincipal } from './principals.js';
import { safeEqual } from './tokens.js';
import { acceptTotpOnce } from './totp.js';

// A real argon2id hash of a random string: verifying against it costs what verifying a real account costs.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$FvSNNyh3qPxojhKKaQ4tsQ$7aPhDDwOxsXE99EkbjrKuZsfhfEP1uU9mCUX42mB3jU';

const expired = (reply: FastifyReply): FastifyReply => sendPage(reply, t('staff.signIn.expired'), html`<h1 class="govuk-heading-l">${t('staff.signIn.expired')}</h1><p class="govuk-body"><a class="govuk-link" href="/staff/sign-in">${t('staff.signIn.expiredLink')}</a>.</p>`, '', 403);

function passwordPage(ctx: IdentityContext, reply: FastifyReply, csrf: string, next: string, error: string | null, username = '', status = 200): FastifyReply {
  return sendPage(reply, t('staff.signIn.title'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${error ? errorSummary(error, '#username') : ''}<h1 class="govuk-heading-l">${t('staff.signIn.title')}</h1>
<form method="post" action="/staff/sign-in" novalidate>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="next" value="${next}">
${textInput({ id: 'username', label: t('staff.signIn.username'), autocomplete: 'username webauthn', error, value: username })}
${textInput({ id: 'password', label: t('staff.password.password'), type: 'password', autocomplete: 'current-password' })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('common.continue')}</button>
</form>
<h2 class="govuk-heading-m">${t('staff.signIn.passkeyHeading')}</h2>
<p class="govuk-body">${t('staff.signIn.passkeyText')}</p>
${passkeyButton({ label: t('staff.signIn.passkeyButton'), mode: 'sign-in', options: '/staff/sign-in/passkey/options', verify: '/staff/sign-in/passkey' })}
${ctx.staffOidc ? html`<h2 class="govuk-heading-m">${t('staff.signIn.agencyHeading')}</h2>
<p class="govuk-body">${t('staff.signIn.agencyText')}</p>
<a href="/staff/sign-in/oidc?next=${encodeURIComponent(next)}" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.signIn.agencyButton')}</a>` : ''}</div></div>`, csrf, status, !!error, true);
}

function codePage(reply: FastifyReply, csrf: string, next: string, error: string | null, status = 200): FastifyReply {
  return sendPage(reply, t('staff.signIn.code'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${error ? errorSummary(error, '#code') : ''}<form method="post" action="/staff/sign-in/code" novalidate>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="next" value="${next}">
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="code">${t('staff.signIn.code')}</label></h1>
<div id="code-hint" class="govuk-hint">${t('staff.signIn.codeHint')}</div>
${error ? html`<p id="code-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error}</p>` : ''}<input class="govuk-input govuk-input--width-5" id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" spellcheck="false" aria-describedby="code-hint${error ? ' code-error' : ''}">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.signIn.submit')}</button>
</form></div></div>`, csrf, status, !!error);
}

/** The new-password form: the forced change at first sign-in, and a staff member's own change (with `current`). */
export function newPasswordPage(reply: FastifyReply, o: { action: string; csrf: string; next: string; error: string | null; current: boolean; heading: string; intro: string; status?: number }): FastifyReply {
  return sendPage(reply, o.heading, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${o.error ? errorSummary(o.error, o.current ? '#current' : '#password') : ''}<h1 class="govuk-heading-l">${o.heading}</h1>
<p class="govuk-body">${o.intro}</p>
<form method="post" action="${o.action}" novalidate>
<input type="hidden" name="csrf" value="${o.csrf}"><input type="hidden" name="next" value="${o.next}">
${o.current ? textInput({ id: 'current', label: t('staff.password.current'), type: 'password', autocomplete: 'current-password' }) : ''}
${textInput({ id: 'password', label: t('staff.password.new'), type: 'password', autocomplete: 'new-password', hint: t('staff.password.hint'), error: o.error })}
${textInput({ id: 'confirm', label: t('staff.password.confirmNew'), type: 'password', autocomplete: 'new-password' })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.password.save')}</button>
</form></div></div>`, o.csrf, o.status ?? (o.error ? 400 : 200), !!o.error);
}

/** Stores a new password (argon2id) and clears a forced change; recorded as a platform event. */
export async function setPassword(ctx: IdentityContext, staffId: string, password: string, how: 'changed' | 'forced-change' | 'enrolment'): Promise<void> {
  const hash = await argonHash(password);
  await ctx.db.transaction(async (tx) => {
    await tx.query('update identity_staff set password_hash = $2, password_change_required = false where id = $1', [staffId, hash]);
    await appendEvent(tx, { type: 'identity.password-changed', actor: `staff:${staffId}`, data: { staff: staffId, how } });
  });
}

/** Staff sign-in: password then authenticator code (each step a new session id), or a passkey; sign-out. */
export function registerStaffSignIn(server: FastifyInstance, ctx: IdentityContext): void {
  const { db, sessions, attempts } = ctx;
  registerPasskeySignIn(server, ctx);

  // Without a `next`, '' travels through the steps and the landing is chosen once the person is known (staffLanding).
  server.get<{ Querystring: { next?: string } }>('/staff/sign-in', async (request, reply) => {
    const s = await sessions.pageSession(request, reply, { create: true });
    return passwordPage(ctx, reply, s.csrfToken, safeNext(request.query.next, ''), null);
  });

  server.post('/staff/sign-in', async (request, reply) => {
    const row = await sessions.load(request);
    if (!row || !safeEqual(field(request.body, 'csrf'), row.csrf_token)) return expired(reply);
    const typed = field(request.body, 'username').slice(0, 100);
    const username = normaliseUsername(typed);
    const password = field(request.body, 'password').slice(0, 1000);
    const next = safeNext(field(request.body, 'next'), '');
    const accountKey = `staff:${username}`;
    const attempt = await attempts.start(accountKey, request);
    if (attempt.locked) return passwordPage(ctx, reply, row.csrf_token, next, t('staff.password.locked'), typed, 429);
    const { rows } = await db.query<{ id: string; password_hash: string; disabled: boolean }>('select id, password_hash, disabled from identity_staff where username = $1', [username]);
    const staff = rows[0];
    // Verify against a dummy hash for unknown users too, so timing does not tell which usernames exist.
    const ok = await argonVerify(staff?.password_hash ?? DUMMY_HASH, password).catch(() => false);
    if (!staff || staff.disabled || !ok) {
      await attempts.failed(accountKey, 'password');
      return passwordPage(ctx, reply, row.csrf_token, next, t('staff.signIn.wrongPassword'), typed, 400);
    }
    await attempts.succeeded(attempt);
    // Half signed in: a new session that only knows whose code to ask for.
    await sessions.rotate(reply, row, { kind: null, id: null, pendingStaff: staff.id });
    return reply.redirect(next ? `/staff/sign-in/code?next=${encodeURIComponent(next)}` : '/staff/sign-in/code', 303);
  });

  server.get<{ Querystring: { next?: string } }>('/staff/sign-in/code', async (request, reply) => {
    const row = await sessions.load(request);
    if (!row?.pending_staff_id || row.pending_step !== null) return reply.redirect('/staff/sign-in', 303);
    return codePage(reply, row.csrf_token, safeNext(request.query.next, ''), null);
  });

  server.post('/staff/sign-in/code', async (request, reply) => {
    const row = await sessions.load(request);
    if (!row?.pending_staff_id || row.pending_step !== null || !safeEqual(field(request.body, 'csrf'), row.csrf_token)) return reply.redirect('/staff/sign-in', 303);
    const next = safeNext(field(request.body, 'next'), '');
    const code = field(request.body, 'code').replace(/\s+/g, '');
    const staffId = row.pending_staff_id;
    const accountKey = `staff:${staffId}`;
    const attempt = await attempts.start(accountKey, request);
    if (attempt.locked) return codePage(reply, row.csrf_token, next, t('staff.password.locked'), 429);
    if (!(await acceptTotpOnce(db, ctx.masterKey, staffId, code))) {
      await attempts.failed(accountKey, 'code');
      return codePage(reply, row.csrf_token, next, t('staff.signIn.codeWrong'), 400);
    }
    await attempts.succeeded(attempt);
    const principal = await staffPrincipal(db, staffId);
    if (!principal) return reply.redirect('/staff/sign-in', 303);
    const { rows } = await db.query<{ password_change_required: boolean }>('select password_change_required from identity_staff where id = $1', [staffId]);
    if (rows[0]?.password_change_required) {
      // An initial or reset password was handed over by someone else: it is replaced before anything else.
      await sessions.rotate(reply, row, { kind: null, id: null, pendingStaff: staffId, pendingStep: 'new-password' });
      return reply.redirect(next ? `/staff/sign-in/new-password?next=${encodeURIComponent(next)}` : '/staff/sign-in/new-password', 303);
    }
    await sessions.rotate(reply, row, { kind: 'staff', id: staffId });
    await signedIn(ctx, principal, 'password+totp');
    return reply.redirect(next || staffLanding(principal), 303);
  });

  // Built per request: the words are in the reader's language.
  const forced = (): { action: string; current: boolean; heading: string; intro: string } => ({ action: '/staff/sign-in/new-password', current: false, heading: t('staff.signIn.newPassword'), intro: t('staff.signIn.newPasswordIntro') });
  server.get<{ Querystring: { next?: string } }>('/staff/sign-in/new-password', async (request, reply) => {
    const row = await sessions.load(request);
    if (!row?.pending_staff_id || row.pending_step !== 'new-password') return reply.redirect('/staff/sign-in', 303);
    return newPasswordPage(reply, { ...forced(), csrf: row.csrf_token, next: safeNext(request.query.next, ''), error: null });
  });

  server.post('/staff/sign-in/new-password', async (request, reply) => {
    const row = await sessions.load(request);
    if (!row?.pending_staff_id || row.pending_step !== 'new-password' || !safeEqual(field(request.body, 'csrf'), row.csrf_token)) return reply.redirect('/staff/sign-in', 303);
    const next = safeNext(field(request.body, 'next'), '');
    const staffId = row.pending_staff_id;
    const { rows } = await db.query<{ username: string; email: string | null; password_hash: string }>('select username, email, password_hash from identity_staff where id = $1', [staffId]);
    const password = field(request.body, 'password');
    let problem = passwordProblem(password, field(request.body, 'confirm'), [rows[0]?.username ?? '', rows[0]?.email ?? '']);
    if (!problem && rows[0] && await argonVerify(rows[0].password_hash, password).catch(() => false)) problem = t('staff.signIn.newPasswordSame');
    if (problem) return newPasswordPage(reply, { ...forced(), csrf: row.csrf_token, next, error: problem });
    const principal = await staffPrincipal(db, staffId);
    if (!principal) return reply.redirect('/staff/sign-in', 303);
    await setPassword(ctx, staffId, password, 'forced-change');
    await sessions.rotate(reply, row, { kind: 'staff', id: staffId });
    await signedIn(ctx, principal, 'password+totp');
    return reply.redirect(next || staffLanding(principal), 303);
  });
}
