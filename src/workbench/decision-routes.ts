import type { FastifyInstance } from 'fastify';
import type { TaskView } from '../engine/index.js';
import { actorOf, inDepartment, type StaffPrincipal } from '../identity/index.js';
import { t } from '../i18n/index.js';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import type { RenderCase } from './case-routes.js';
import { departmentOf, formatDay, MAX_REASON, text, type FormState, type StaffSession, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the case's signed decision on the case page (its status, and a "Revoke" button) and its revocation. Only a
 * manager of a department the case's tasks belong to may revoke: a manager of another department, a caseworker, an
 * auditor or an admin of no such department sees the status only, and their post is refused. The reason is
 * required because the public verification page (/verify) shows it.
 */
export function mayRevoke(principal: StaffPrincipal, tasks: readonly TaskView[]): boolean {
  return tasks.some((t) => {
    const department = departmentOf(t);
    return department !== null && inDepartment(principal, department, 'manager');
  });
}

const decisionCodeOf = (variables: unknown): string | null => {
  const code = (variables as Record<string, unknown>)['decisionCode'];
  return typeof code === 'string' && code !== '' ? code : null;
};

/** The "Signed decision" row of the case page's summary list. */
export async function decisionRow(ctx: WorkbenchContext, staff: StaffSession, caseId: number, variables: unknown, tasks: readonly TaskView[], state: FormState | null): Promise<SafeHtml> {
  const code = decisionCodeOf(variables);
  const row = (value: SafeHtml | string): SafeHtml => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.decision.signed')}</dt><dd class="govuk-summary-list__value" id="signed-decision">${value}</dd></div>`;
  if (!code) return row(t('staff.decision.notIssued'));
  const link = html`<a class="govuk-link" href="/verify/${encodeURIComponent(code)}">${t('staff.decision.verify', { code })}</a>`;
  const status = await ctx.options.decisions?.status(code) ?? null;
  if (status?.status === 'revoked') return row(html`${link}<p class="govuk-body"><strong class="govuk-tag govuk-tag--red">${t('staff.decision.revoked')}</strong> ${t('staff.decision.revokedOn', { date: formatDay(status.revokedAt!) })} ${status.revokedReason ?? ''}</p>`);
  if (!status || !mayRevoke(staff.principal, tasks)) return row(link);
  const error = state?.action === 'revoke' ? state.errors.find((e) => e.key === 'reason') : undefined;
  const value = state?.action === 'revoke' ? String(state.input['reason'] ?? '') : '';
  return row(html`${link}
<details class="govuk-details govuk-!-margin-top-2"${error ? html` open` : ''}><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('staff.decision.revokeSummary')}</span></summary><div class="govuk-details__text">
<form method="post" action="/staff/cases/${caseId}/revoke-decision" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}">
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="revoke-reason">${t('staff.decision.revokeReason')}</label>${error ? html`<p id="revoke-reason-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}
<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="revoke-reason" name="reason" rows="3"${error ? html` aria-describedby="revoke-reason-error"` : ''}>${value}</textarea></div>
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('staff.decision.revoke')}</button></form></div></details>`);
}

export function registerDecisionRoutes(server: FastifyInstance, ctx: WorkbenchContext, renderCase: RenderCase): void {
  server.post<{ Params: { id: string } }>('/staff/cases/:id/revoke-decision', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const post = await ctx.postStaff(request, reply);
    if (!post) return reply;
    // Only managers revoke; asked before the case is looked up, so others learn nothing about which cases exist.
    if (!post.principal.memberships.some((m) => m.role === 'manager')) throw new PageError(403, t('staff.error.revokeTitle'), t('staff.error.revokeText'));
    const id = ctx.caseId(request.params.id);
    const { instance, tasks } = await ctx.caseInScope(post.principal, id);
    const code = decisionCodeOf(instance.variables);
    const decisions = ctx.options.decisions;
    if (!code || !decisions) throw new PageError(404, t('staff.error.notFound'), t('staff.error.noDecision'));
    if (!mayRevoke(post.principal, tasks)) throw new PageError(403, t('staff.error.revokeTitle'), t('staff.error.revokeText'));
    const reason = text(post.body, 'reason');
    const problem = reason === '' ? t('staff.decision.reasonMissing') : [...reason].length > MAX_REASON ? t('staff.common.reasonTooLong', { max: MAX_REASON }) : null;
    if (problem) return renderCase(reply, post, id, { taskId: 0, action: 'revoke', input: post.body, errors: [{ key: 'reason', anchor: 'revoke-reason', message: problem }] });
    await decisions.revoke(code, reason, actorOf(post.principal));
    return reply.redirect(`/staff/cases/${id}`, 303);
  });
}
