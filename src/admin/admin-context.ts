import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveCatalogue } from '../catalogue/index.js';
import { MAX_BPMN_BYTES, type Engine } from '../engine/index.js';
import { actorOf, type Identity, type StaffPrincipal } from '../identity/index.js';
import type { GovflowError} from '../kernel/index.js';
import { createLogger, type Logger } from '../kernel/index.js';
import { t } from '../i18n/index.js';
import type { Database } from '../store/index.js';
import { formBody, formatDateTime, html, page, PageError, renderErrorSummary, type FieldError, type FormBody, type HtmlValue, type NavigationItem, type SafeHtml } from '../web/index.js';

/**
 * What every route module of the administration pages shares (process-routes.ts, service-routes.ts,
 * organisation-routes.ts): the options, the page sender in the admin layout, the signed-in administrator (decided
 * once per request by the admin plugin's hook), form helpers and the error rows of a form.
 */

export interface AdminOptions {
  readonly engine: Engine;
  readonly db: Database;
  readonly catalogue: LiveCatalogue;
  readonly identity: Pick<Identity, 'setMembership'>;
  /** Seals new staff members' TOTP secrets (`resolveMasterKey(config)`). */
  readonly masterKey: string | Buffer;
  readonly logger?: Logger;
}

/** The administration menu, in the reader's language (built per page: the words depend on who reads). */
export const navigation = (): readonly NavigationItem[] => [
  { href: '/admin', label: t('admin.nav.overview'), key: 'overview' },
  { href: '/admin/processes', label: t('admin.nav.processes'), key: 'processes' },
  { href: '/admin/services', label: t('admin.nav.services'), key: 'services' },
  { href: '/admin/organisation', label: t('admin.nav.organisation'), key: 'organisation' },
  { href: '/admin/api-keys', label: t('admin.nav.apiKeys'), key: 'api-keys' },
];

/**
 * The modeller and form editor pages run bpmn-js / form-js, which need more than the site-wide policy (no script
 * at all). Measured in Chromium (test/admin/admin-browser.test.ts fails on any CSP violation): script from 'self'
 * only (the bundles and our boot files, never inline, no eval); `data:` images, which bpmn-js.css uses for the
 * breadcrumb separator of a drilled-down sub-process and form-js for icons of its palette. Styles stay 'self': both
 * libraries set styles through the CSSOM, which CSP does not restrict. The properties panel's FEEL editor
 * (CodeMirror) writes style attributes, so those are allowed (`style-src-attr`; an attribute cannot run script).
 * Everything else as in SECURITY_HEADERS.
 */
export const EDITOR_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Form bodies are small, except the modeller's and form editor's, which carry a whole BPMN / form document. */
export const FORM_BODY_LIMIT = 3 * MAX_BPMN_BYTES;
export const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/;
export const SERVICE_ID = /^[a-z][a-z0-9-]{0,62}$/;

export interface AdminSession {
  readonly principal: StaffPrincipal;
  readonly csrfToken: string;
}

export type Body = FormBody;
export const str = (body: Body, name: string): string => (typeof body[name] === 'string' ? (body[name] as string) : '');

/** A moment as administrators read it: in their language, in the municipality's time zone (the web layer's one formatter). */
export const formatDate = (value: string | Date): string => formatDateTime(new Date(value));

/** The problems of a refused deployment, one line each, naming the file, element and line where the engine did. */
export function deploymentProblems(error: GovflowError, fallbackWhere: string): string[] {
  if (error.details.length === 0) return [error.message];
  return error.details.map((d) => {
    const where = [d.where ?? fallbackWhere, d.line !== undefined ? t('admin.common.line', { line: d.line }) : null].filter((x) => x !== null).join(', ');
    return `${where}: ${d.message}`;
  });
}

export const fieldError = (errors: readonly { field: string; message: string }[], name: string): SafeHtml | '' => {
  const e = errors.find((x) => x.field === name);
  return e ? html`<p id="${name}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${e.message}</p>` : '';
};
export const groupClass = (errors: readonly { field: string }[], name: string): string => `govuk-form-group${errors.some((x) => x.field === name) ? ' govuk-form-group--error' : ''}`;
export const describedBy = (errors: readonly { field: string }[], name: string, hint?: string): SafeHtml | '' => {
  const ids = [hint, errors.some((x) => x.field === name) ? `${name}-error` : undefined].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
};
/**
 * The XML of an editor page (the modeller's BPMN, the decision editor's DMN), also its no-script form: the textarea
 * the editor's script fills before posting, with the deploy refusal beside it (its details are in the summary).
 */
export function xmlSourceGroup(label: string, refusal: string, problems: readonly string[], xml: string): SafeHtml {
  const failed = problems.length > 0;
  return html`<div class="govuk-form-group${failed ? ' govuk-form-group--error' : ''}" id="xml-group">
<label class="govuk-label" for="xml">${label}</label>
${failed ? html`<p id="xml-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${refusal}</p>` : ''}
<textarea class="govuk-textarea${failed ? ' govuk-textarea--error' : ''}" id="xml" name="xml" rows="20" spellcheck="false"${failed ? html` aria-describedby="xml-error"` : ''}>${xml}</textarea>
</div>`;
}

export const summary = (errors: readonly { field: string; message: string }[]): SafeHtml => renderErrorSummary(errors.map((e): FieldError => ({ key: e.field, anchor: e.field, message: e.message })));

export interface SendExtra { status?: number; hasErrors?: boolean; current?: string; editor?: { scripts: string[]; stylesheets: string[] }; backLink?: string }

export interface AdminContext {
  readonly options: AdminOptions;
  readonly log: Logger;
  /** The administrator of each request, set by the admin plugin's onRequest hook. */
  readonly sessions: WeakMap<FastifyRequest, AdminSession>;
  /** Replies that show an editor (modeller, form editor), whose CSP allows their scripts. */
  readonly editorPages: WeakSet<FastifyReply>;
  send(reply: FastifyReply, admin: AdminSession | null, title: string, content: HtmlValue, extra?: SendExtra): FastifyReply;
  adminOf(request: FastifyRequest): AdminSession;
  /** The administrator and the form body of a POST (its CSRF token was checked by the web session plugin). */
  post(request: FastifyRequest): Promise<{ admin: AdminSession; body: Body; actor: string }>;
  csrfField(admin: AdminSession): SafeHtml;
}


export function createAdminContext(options: AdminOptions): AdminContext {
  const log = options.logger ?? createLogger({ name: 'admin' });
  const sessions = new WeakMap<FastifyRequest, AdminSession>();
  const editorPages = new WeakSet<FastifyReply>();

  function send(reply: FastifyReply, admin: AdminSession | null, title: string, content: HtmlValue, extra: { status?: number; hasErrors?: boolean; current?: string; editor?: { scripts: string[]; stylesheets: string[] }; backLink?: string } = {}): FastifyReply {
    if (extra.editor) editorPages.add(reply);
    return reply.status(extra.status ?? 200).type('text/html; charset=utf-8').send(page({
      title, content, navigation: navigation(), current: extra.current ?? '', section: { name: t('admin.section'), href: '/admin' }, wide: true, languageSwitcher: true,
      citizen: admin?.principal.name ?? null, signOutAction: '/staff/sign-out', ...(admin ? { csrfToken: admin.csrfToken } : {}),
      stylesheets: [...(extra.editor?.stylesheets ?? []), '/admin/assets/admin.css'], ...(extra.editor ? { scripts: extra.editor.scripts } : {}),
      ...(extra.hasErrors ? { hasErrors: true } : {}), ...(extra.backLink ? { backLink: extra.backLink } : {}),
    }).value);
  }

  const adminOf = (request: FastifyRequest): AdminSession => {
    const s = sessions.get(request);
    if (!s) throw new PageError(403, t('admin.error.notAdminTitle'), t('admin.error.notAdminText'));
    return s;
  };

  /** The admin and the form body of a POST whose CSRF token matched. */
  async function post(request: FastifyRequest): Promise<{ admin: AdminSession; body: Body; actor: string }> {
    const admin = adminOf(request);
    return { admin, body: formBody(request), actor: actorOf(admin.principal) };
  }

  const csrfField = (admin: AdminSession): SafeHtml => html`<input type="hidden" name="csrf" value="${admin.csrfToken}">`;

  return { options, log, sessions, editorPages, send, adminOf, post, csrfField };
}
