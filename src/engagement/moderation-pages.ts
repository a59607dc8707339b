/**
 * Serves the moderators' page in the staff area (/staff/moderation): open abuse reports (the item, the first reason, how many reported it)
 * with a form to hide each with a reason, and the hidden items with a form to restore each, also with a reason.
 * Every action is an event on the event log (engagement.moderation.hidden / .restored, the moderator as actor),
 * so the audit view and the ledger keep them; hiding never deletes, so each one can be undone.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formBody, formText, html, PageError, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml } from '../web/index.js';
import * as talk from './discussion-store.js';
import { checkText, isKind, principalOf, send, textField, when, type PagesContext } from './participation-kit.js';

const MODERATORS = ['manager', 'admin'];

export function registerModerationRoutes(scope: FastifyInstance, ctx: PagesContext): void {
  const { participation } = ctx;
  const { db } = participation;

  /** The moderator, or: a visitor or citizen is sent to the staff sign-in, other staff are refused. */
  const moderatorOf = (request: FastifyRequest, reply: FastifyReply): { id: string } | null => {
    const p = principalOf(request);
    if (p?.kind === 'staff' && p.roles.some((r) => MODERATORS.includes(r))) return p;
    if (p?.kind === 'staff') throw new PageError(403, 'You cannot moderate', 'Managers and administrators moderate proposals, debates and comments.');
    void reply.redirect(`/staff/sign-in?next=${encodeURIComponent('/staff/moderation')}`, 303);
    return null;
  };

  const itemForm = (request: FastifyRequest, action: 'hide' | 'restore', kind: string, id: number, errors: readonly FieldError[], reason = ''): SafeHtml => {
    const key = `${action}-${kind}-${String(id)}`;
    return html`<form method="post" action="/staff/moderation/${kind}/${String(id)}/${action}" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${textField({ key, label: action === 'hide' ? 'Reason for hiding (shown publicly in its place)' : 'Reason for restoring', value: reason, errors, rows: 2 })}
<button type="submit" class="govuk-button ${action === 'hide' ? 'govuk-button--warning' : 'govuk-button--secondary'}" data-module="govuk-button">${action === 'hide' ? 'Hide' : 'Restore'}<span class="govuk-visually-hidden"> ${kind} ${String(id)}</span></button></form>`;
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, errors: FieldError[] = [], failed?: { action: 'hide' | 'restore'; kind: string; id: number; reason: string }): Promise<FastifyReply> => {
    const reports = await talk.openAbuseReports(db, 100);
    const hidden = await talk.hiddenItems(db, 100);
    const described = await Promise.all(reports.map(async (r) => ({ r, target: await talk.describeTarget(db, r.kind, r.targetId) })));
    const formFor = (action: 'hide' | 'restore', kind: string, id: number): SafeHtml =>
      itemForm(request, action, kind, id, failed && failed.action === action && failed.kind === kind && failed.id === id ? errors : [], failed?.kind === kind && failed.id === id ? failed.reason : '');
    return send(request, reply, 'Moderation', html`<h1 class="govuk-heading-l">Moderation</h1>${renderErrorSummary(errors)}
<p class="govuk-body">Hidden items stay in place with your reason and can be restored. Every action is recorded with your name on the event log.</p>
<h2 class="govuk-heading-m">Reported (${String(reports.length)})</h2>
${described.length === 0 ? html`<p class="govuk-body">Nothing is waiting.</p>` : described.map(({ r, target }) => html`<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${r.kind} ${String(r.targetId)}, reported ${String(r.count)} ${r.count === 1 ? 'time' : 'times'} since ${when(r.createdAt)}</h3></div>
<div class="govuk-summary-card__content"><dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Item</dt><dd class="govuk-summary-list__value">${target ? html`<a class="govuk-link" href="${target.href}">${target.text}</a>` : 'no longer exists'}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Reason given</dt><dd class="govuk-summary-list__value">${r.reason}</dd></div>
</dl>${formFor('hide', r.kind, r.targetId)}</div></div>`)}
<h2 class="govuk-heading-m">Hidden (${String(hidden.length)})</h2>
${hidden.length === 0 ? html`<p class="govuk-body">Nothing is hidden.</p>` : hidden.map((h) => html`<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${h.kind} ${String(h.id)}, hidden ${when(h.at)}</h3></div>
<div class="govuk-summary-card__content"><p class="govuk-body">${h.title}</p><p class="govuk-body">Reason: ${h.reason}</p>${formFor('restore', h.kind, h.id)}</div></div>`)}`, errors.length > 0 ? 400 : 200, errors.length > 0);
  };

  scope.get('/staff/moderation', async (request, reply) => {
    if (!moderatorOf(request, reply)) return reply;
    return render(request, reply);
  });

  for (const action of ['hide', 'restore'] as const) {
    scope.post(`/staff/moderation/:kind/:id/${action}`, { schema: paramsSchema({ kind: PARAM.slug, id: PARAM.id }) }, async (request, reply) => {
      const moderator = moderatorOf(request, reply);
      if (!moderator) return reply;
      const { kind, id } = request.params as { kind: string; id: string };
      if (!isKind(kind)) throw pageNotFound('There is nothing to moderate at this address.');
      const key = `${action}-${kind}-${id}`;
      const errors: FieldError[] = [];
      const reason = checkText(errors, key, 'reason', formText(formBody(request), key), 3, 500);
      if (errors.length > 0) return render(request, reply, errors, { action, kind, id: Number(id), reason: formText(formBody(request), key) });
      if (!(await participation.moderate({ action, kind, id: Number(id), reason, actor: `staff:${moderator.id}` }))) throw pageNotFound('There is nothing to moderate at this address.');
      return reply.redirect('/staff/moderation', 303);
    });
  }
}
