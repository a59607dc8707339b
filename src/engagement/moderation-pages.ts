/**
 * Serves the moderators' page in the staff area (/staff/moderation): open abuse reports (the item, the first reason, how many reported it)
 * with a form to hide each with a reason, and the hidden items with a form to restore each, also with a reason.
 * Every action is an event on the event log (engagement.moderation.hidden / .restored, the moderator as actor),
 * so the audit view and the ledger keep them; hiding never deletes, so each one can be undone.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t } from '../i18n/index.js';
import { formBody, formatDateTime, formText, html, PageError, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml, redirectToSignIn } from '../web/index.js';
import * as talk from './discussion-store.js';
import { isKind, principalOf, send, textField, type PagesContext } from './participation-kit.js';

const MODERATORS = ['manager', 'admin'];

export function registerModerationRoutes(scope: FastifyInstance, ctx: PagesContext): void {
  const { participation } = ctx;
  const { db } = participation;

  /** The moderator, or: a visitor or citizen is sent to the staff sign-in, other staff are refused. */
  const moderatorOf = (request: FastifyRequest, reply: FastifyReply): { id: string } | null => {
    const p = principalOf(request);
    if (p?.kind === 'staff' && p.roles.some((r) => MODERATORS.includes(r))) return p;
    if (p?.kind === 'staff') throw new PageError(403, t('staff.moderation.forbiddenTitle'), t('staff.moderation.forbiddenText'));
    void redirectToSignIn(reply, 'staff', request, '/staff/moderation');
    return null;
  };

  const itemForm = (request: FastifyRequest, action: 'hide' | 'restore', kind: string, id: number, errors: readonly FieldError[], reason = ''): SafeHtml => {
    const key = `${action}-${kind}-${String(id)}`;
    return html`<form method="post" action="/staff/moderation/${kind}/${String(id)}/${action}" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${textField({ key, label: action === 'hide' ? t('staff.moderation.hideReason') : t('staff.moderation.restoreReason'), value: reason, errors, rows: 2 })}
<button type="submit" class="govuk-button ${action === 'hide' ? 'govuk-button--warning' : 'govuk-button--secondary'}" data-module="govuk-button">${action === 'hide' ? t('staff.moderation.hide') : t('staff.moderation.restore')}<span class="govuk-visually-hidden"> ${t('staff.moderation.item', { kind, id })}</span></button></form>`;
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, errors: FieldError[] = [], failed?: { action: 'hide' | 'restore'; kind: string; id: number; reason: string }): Promise<FastifyReply> => {
    const reports = await talk.openAbuseReports(db, 100);
    const hidden = await talk.hiddenItems(db, 100);
    const described = await Promise.all(reports.map(async (r) => ({ r, target: await talk.describeTarget(db, r.kind, r.targetId) })));
    const formFor = (action: 'hide' | 'restore', kind: string, id: number): SafeHtml =>
      itemForm(request, action, kind, id, failed && failed.action === action && failed.kind === kind && failed.id === id ? errors : [], failed?.kind === kind && failed.id === id ? failed.reason : '');
    return send(request, reply, t('staff.moderation.title'), html`<h1 class="govuk-heading-l">${t('staff.moderation.title')}</h1>${renderErrorSummary(errors)}
<p class="govuk-body">${t('staff.moderation.intro')}</p>
<h2 class="govuk-heading-m">${t('staff.moderation.reported', { count: reports.length })}</h2>
${described.length === 0 ? html`<p class="govuk-body">${t('staff.moderation.nothingWaiting')}</p>` : described.map(({ r, target }) => html`<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${t('staff.moderation.reportedItem', { kind: r.kind, id: r.targetId, count: r.count, since: formatDateTime(r.createdAt) })}</h3></div>
<div class="govuk-summary-card__content"><dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.moderation.itemLabel')}</dt><dd class="govuk-summary-list__value">${target ? html`<a class="govuk-link" href="${target.href}">${target.text}</a>` : t('staff.moderation.gone')}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.moderation.reasonGiven')}</dt><dd class="govuk-summary-list__value">${r.reason}</dd></div>
</dl>${formFor('hide', r.kind, r.targetId)}</div></div>`)}
<h2 class="govuk-heading-m">${t('staff.moderation.hidden', { count: hidden.length })}</h2>
${hidden.length === 0 ? html`<p class="govuk-body">${t('staff.moderation.nothingHidden')}</p>` : hidden.map((h) => html`<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${t('staff.moderation.hiddenItem', { kind: h.kind, id: h.id, when: formatDateTime(h.at) })}</h3></div>
<div class="govuk-summary-card__content"><p class="govuk-body">${h.title}</p><p class="govuk-body">${t('staff.moderation.reason', { reason: h.reason })}</p>${formFor('restore', h.kind, h.id)}</div></div>`)}`, errors.length > 0 ? 400 : 200, errors.length > 0);
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
      if (!isKind(kind)) throw pageNotFound(t('staff.moderation.nothingHere'));
      const key = `${action}-${kind}-${id}`;
      const errors: FieldError[] = [];
      const reason = formText(formBody(request), key).replace(/\r\n?/g, '\n').trim();
      if (reason === '') errors.push({ key, anchor: key, message: t('staff.moderation.reasonMissing') });
      else if (reason.length < 3 || reason.length > 500) errors.push({ key, anchor: key, message: t('staff.moderation.reasonLength', { min: 3, max: 500 }) });
      if (errors.length > 0) return render(request, reply, errors, { action, kind, id: Number(id), reason: formText(formBody(request), key) });
      if (!(await participation.moderate({ action, kind, id: Number(id), reason, actor: `staff:${moderator.id}` }))) throw pageNotFound(t('staff.moderation.nothingHere'));
      return reply.redirect('/staff/moderation', 303);
    });
  }
}
