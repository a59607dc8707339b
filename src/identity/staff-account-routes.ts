/** Serves a signed-in staff member's account pages (/staff/account, password change) and /staff/sign-out. */
import { verify as argonVerify } from '@node-rs/argon2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t } from '../i18n/index.js';
import { html, redirectToSignIn } from '../web/index.js';
import type { IdentityContext } from './context.js';
import { field, passkeyButton, passwordProblem, safeNext, sendPage } from './pages.js';
import { registerPasskeyRegistration } from './passkeys.js';
import { newPasswordPage, setPassword } from './staff-sign-in-routes.js';
import { safeEqual } from './tokens.js';

/**
 * A signed-in staff member's own account: change their password (the current one asked again, every other session
 * of theirs ended) and add a passkey. Sign-out lives here too.
 */
export function registerStaffAccount(server: FastifyInstance, ctx: IdentityContext, signOut: (request: FastifyRequest, reply: FastifyReply) => Promise<void>): void {
  const { db, sessions } = ctx;
  const own = (): { action: string; current: true; heading: string; intro: string } => ({ action: '/staff/account/password', current: true, heading: t('staff.account.changePassword'), intro: t('staff.password.changeIntro') });

  server.get('/staff/account', async (request, reply) => {
    const found = await sessions.loadWithPrincipal(request);
    if (found?.principal?.kind !== 'staff') return redirectToSignIn(reply, 'staff', request, '/staff/account');
    const { rows } = await db.query<{ n: string | number }>('select count(*) as n from identity_passkey where staff_id = $1', [found.principal.id]);
    return sendPage(reply, t('staff.account.title'), html`<h1 class="govuk-heading-l">${t('staff.account.title')}</h1>
<p class="govuk-body"><a class="govuk-link" href="/staff/account/password">${t('staff.account.changePassword')}</a></p>
<h2 class="govuk-heading-m">${t('staff.account.passkeys')}</h2>
<p class="govuk-body">${t('staff.account.passkeyCount', { count: Number(rows[0]!.n) })}</p>
<input type="hidden" name="csrf" value="${found.row.csrf_token}">
${passkeyButton({ label: t('staff.account.addPasskey'), mode: 'register', options: '/staff/account/passkey/options', verify: '/staff/account/passkey' })}`, found.row.csrf_token, 200, false, true);
  });

  registerPasskeyRegistration(server, ctx, '/staff/account/passkey', async (row) => (row.principal_kind === 'staff' ? row.principal_id : null), '/staff/account');

  server.get<{ Querystring: { next?: string } }>('/staff/account/password', async (request, reply) => {
    const found = await sessions.loadWithPrincipal(request);
    if (found?.principal?.kind !== 'staff') return redirectToSignIn(reply, 'staff', request, '/staff/account/password');
    return newPasswordPage(reply, { ...own(), csrf: found.row.csrf_token, next: safeNext(request.query.next, '/staff/account'), error: null });
  });

  server.post('/staff/account/password', async (request, reply) => {
    const found = await sessions.loadWithPrincipal(request);
    if (found?.principal?.kind !== 'staff' || !safeEqual(field(request.body, 'csrf'), found.row.csrf_token)) return redirectToSignIn(reply, 'staff', request, '/staff/account/password');
    const staffId = found.principal.id;
    const next = safeNext(field(request.body, 'next'), '/staff/account');
    const accountKey = `staff:${staffId}`;
    const attempt = await ctx.attempts.start(accountKey, request);
    const { rows } = await db.query<{ username: string; email: string | null; password_hash: string }>('select username, email, password_hash from identity_staff where id = $1', [staffId]);
    const current = field(request.body, 'current').slice(0, 1000);
    if (attempt.locked || !rows[0] || !(await argonVerify(rows[0].password_hash, current).catch(() => false))) {
      if (!attempt.locked) await ctx.attempts.failed(accountKey, 'password-change');
      return newPasswordPage(reply, { ...own(), csrf: found.row.csrf_token, next, error: attempt.locked ? t('staff.password.locked') : t('staff.password.enterCurrent'), status: attempt.locked ? 429 : 400 });
    }
    await ctx.attempts.succeeded(attempt);
    const password = field(request.body, 'password');
    let problem = passwordProblem(password, field(request.body, 'confirm'), [rows[0].username, rows[0].email ?? '']);
    if (!problem && password === current) problem = t('staff.password.sameAsCurrent');
    if (problem) return newPasswordPage(reply, { ...own(), csrf: found.row.csrf_token, next, error: problem });
    await setPassword(ctx, staffId, password, 'changed');
    // Whoever else may hold a session of this account (a forgotten browser, a stolen cookie) is signed out.
    await db.query("delete from identity_session where ((principal_kind = 'staff' and principal_id = $1) or pending_staff_id = $1) and id_hash <> $2", [staffId, found.row.id_hash]);
    await sessions.rotate(reply, found.row, { kind: 'staff', id: staffId });
    return reply.redirect(next, 303);
  });

  server.post('/staff/sign-out', async (request, reply) => {
    if (!(await sessions.checkCsrf(request, field(request.body, 'csrf')))) return reply.redirect('/staff/sign-in', 303);
    await signOut(request, reply);
    return reply.redirect('/staff/sign-in', 303);
  });
}
