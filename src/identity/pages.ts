import type { FastifyReply } from 'fastify';
import { t } from '../i18n/index.js';
import { html, page, SECURITY_HEADERS, type HtmlValue } from '../web/index.js';
import { decidesCases, type Principal } from './principal.js';

/**
 * What the identity pages share: the page envelope, the GOV.UK error summary, form fields and `next` links. The
 * enrolment and sign-in pages that use passkeys load two scripts from 'self' and the enrolment page shows its QR
 * code as a data: image, so only those replies relax the policy, and only for that.
 */
const SCRIPT_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
export const PASSKEY_SCRIPTS = ['/staff/assets/simplewebauthn-browser.js', '/staff/assets/passkey.js'] as const;

export const safeNext = (next: unknown, fallback: string): string => (typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : fallback);

/**
 * Where a staff member lands after signing in without a page to return to: their work, not the citizen start page
 * (issue 23). Whoever decides cases lands on the inbox; an administrator of no department's cases on /admin; an
 * auditor on the operations pages they read.
 */
export function staffLanding(principal: Principal): string {
  if (decidesCases(principal) || principal.kind !== 'staff') return '/staff';
  if (principal.roles.includes('admin')) return '/admin';
  if (principal.roles.includes('auditor')) return '/operations';
  return '/staff';
}

export const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v : '';
};

export function sendPage(reply: FastifyReply, title: string, content: HtmlValue, csrfToken: string, status = 200, hasErrors = false, scripts = false): FastifyReply {
  return reply.status(status).headers(SECURITY_HEADERS).headers(scripts ? { 'content-security-policy': SCRIPT_CSP } : {}).type('text/html; charset=utf-8')
    .send(page({ title, content, csrfToken, hasErrors, ...(scripts ? { scripts: PASSKEY_SCRIPTS } : {}) }).value);
}

export const errorSummary = (message: string, href: string): HtmlValue => html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">${t('form.problem')}</h2><div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list"><li><a href="${href}">${message}</a></li></ul></div></div></div>`;

/** A GOV.UK text input with its label, optional hint and error message. */
export function textInput(o: { id: string; label: string; type?: string; autocomplete?: string; hint?: string; error?: string | null; value?: string; width?: string }): HtmlValue {
  const described = [o.hint ? `${o.id}-hint` : '', o.error ? `${o.id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="govuk-form-group${o.error ? ' govuk-form-group--error' : ''}">
<label class="govuk-label" for="${o.id}">${o.label}</label>
${o.hint ? html`<div id="${o.id}-hint" class="govuk-hint">${o.hint}</div>` : ''}${o.error ? html`<p id="${o.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${o.error}</p>` : ''}<input class="govuk-input ${o.width ?? 'govuk-!-width-one-half'}${o.error ? ' govuk-input--error' : ''}" id="${o.id}" name="${o.id}" type="${o.type ?? 'text'}"${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''} spellcheck="false"${described ? html` aria-describedby="${described}"` : ''}${o.value ? html` value="${o.value}"` : ''}>
</div>`;
}

/**
 * A new password: 12 to 200 characters, not the user name or e-mail, and not the current one. Returns the message
 * to show, or null when it is acceptable.
 */
export function passwordProblem(password: string, confirm: string, avoid: readonly string[]): string | null {
  if (password.length < 12) return t('staff.password.tooShort', { min: 12 });
  if (password.length > 200) return t('staff.password.tooLong', { max: 200 });
  if (password !== confirm) return t('staff.password.notSame');
  const lower = password.toLowerCase();
  if (avoid.some((a) => a.length >= 4 && lower.includes(a.toLowerCase()))) return t('staff.password.containsName');
  return null;
}

/** The passkey button: hidden until the script finds WebAuthn in the browser; the status line reports failures (a browser's own failure in the reader's words, `data-failed`). */
export function passkeyButton(o: { label: string; mode: 'register' | 'sign-in'; options: string; verify: string }): HtmlValue {
  return html`<button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-passkey="${o.mode}" data-options="${o.options}" data-verify="${o.verify}" data-failed="${t('staff.signIn.passkeyFailed')}" hidden>${o.label}</button>
<p class="govuk-body" id="passkey-status" role="status"></p>`;
}
