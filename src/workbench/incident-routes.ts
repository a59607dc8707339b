import type { FastifyInstance } from 'fastify';
import type { IncidentView } from '../engine/index.js';
import { actorOf, inCaseScope, mayDecide, type StaffPrincipal } from '../identity/index.js';
import { html, PageError, PARAM, paramsSchema } from '../web/index.js';
import { t } from '../i18n/index.js';
import { caseLabel, formatDate, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the department's incident list (`/staff/incidents`): the cases of the staff member's departments that are
 * stuck on a step that failed (a registry that did not answer, a failed expression), with a "Retry" for those who
 * work the department's cases. Before this page an incident was visible to administrators only (/operations), so a
 * case stuck before its first task was seen by no one in the department (issue 23).
 */

/** A case's departments, as its scope: from its tasks, or, before its first task, from its process's user tasks. */
const departmentsOf = (groups: readonly string[]): string[] => [...new Set(groups.map((g) => g.split('/')[0]!).filter((d) => d !== ''))];

export interface ScopedIncident extends IncidentView {
  readonly departments: readonly string[];
  readonly businessKey: string | null;
  readonly processKey: string;
  readonly stepName: string;
}

/** The open incidents (of one case when `instanceId` is given) the staff member may see, with their case's departments. */
export async function incidentsInScope(ctx: WorkbenchContext, principal: StaffPrincipal, instanceId?: number): Promise<ScopedIncident[]> {
  const incidents = await ctx.engine.listIncidents({ state: 'open', ...(instanceId ? { instanceId } : {}) });
  const out: ScopedIncident[] = [];
  for (const incident of incidents) {
    const instance = await ctx.engine.getInstance(incident.instanceId).catch(() => null);
    if (!instance) continue;
    const diagram = await ctx.diagramFor(instance.definitionId).catch(() => null);
    const departments = departmentsOf(await ctx.caseGroups(instance));
    if (!inCaseScope(principal, departments)) continue;
    out.push({ ...incident, departments, businessKey: instance.businessKey, processKey: instance.processKey, stepName: diagram?.names.get(incident.elementId) ?? incident.elementId });
  }
  return out;
}

/** What went wrong, in words a clerk reads: the step and the engine's message (which names the registry that failed). */
export const incidentSentence = (i: ScopedIncident): string => t('staff.history.failed', { step: i.stepName, message: i.message });

export function registerIncidentRoutes(server: FastifyInstance, ctx: WorkbenchContext): void {
  const { send, staffSession, serviceOf } = ctx;

  server.get<{ Querystring: { retried?: string } }>('/staff/incidents', async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const incidents = await incidentsInScope(ctx, staff.principal);
    const retried = typeof request.query.retried === 'string' && /^\d{1,15}$/.test(request.query.retried) ? request.query.retried : null;
    const mayRetry = (i: ScopedIncident): boolean => mayDecide(staff.principal, i.departments);
    const anyRetry = incidents.some(mayRetry);
    return send(reply, staff, t('staff.incidents.title'), html`${retried ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="retried-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="retried-title">${t('common.success')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('staff.incidents.retried')}</p></div></div>` : ''}
<h1 class="govuk-heading-l">${t('staff.incidents.title')}</h1>
<p class="govuk-body">${staff.principal.departments.length > 0 ? t('staff.incidents.intro', { departments: staff.principal.departments.join(', ') }) : t('staff.incidents.introNone')}</p>
${incidents.length === 0 ? html`<p class="govuk-body" id="no-incidents">${t('staff.incidents.none')}</p>` : html`<table class="govuk-table govflow-fit-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('staff.incidents.count', { count: incidents.length })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.common.case')}</th><th scope="col" class="govuk-table__header">${t('staff.incidents.what')}</th><th scope="col" class="govuk-table__header">${t('staff.incidents.since')}</th>${anyRetry ? html`<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('staff.incidents.action')}</span></th>` : ''}</tr></thead>
<tbody class="govuk-table__body">${incidents.map((i) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${i.instanceId}">${i.businessKey ?? caseLabel(i.instanceId)}</a><br><span class="govuk-body-s">${serviceOf(i.processKey)?.title ?? i.processKey}</span></td><td class="govuk-table__cell">${incidentSentence(i)}</td><td class="govuk-table__cell">${formatDate(i.createdAt)}</td>${anyRetry ? html`<td class="govuk-table__cell">${mayRetry(i) ? html`<form method="post" action="/staff/incidents/${i.id}/retry" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">${t('staff.incidents.retry')}<span class="govuk-visually-hidden"> ${i.businessKey ?? caseLabel(i.instanceId)}</span></button></form>` : ''}</td>` : ''}</tr>`)}</tbody></table>`}`,
    200, { stylesheets: ['/staff/assets/case-page.css'], current: 'incidents' });
  });

  server.post<{ Params: { id: string } }>('/staff/incidents/:id/retry', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const post = await ctx.postStaff(request, reply);
    if (!post) return reply;
    const id = Number(request.params.id);
    // Only incidents of the person's departments: any other id is "not found", so nothing about other cases leaks.
    const incident = (await incidentsInScope(ctx, post.principal)).find((i) => i.id === id);
    if (!incident) throw new PageError(404, t('staff.error.notFound'), t('staff.incidents.noSuch'));
    if (!mayDecide(post.principal, incident.departments)) throw new PageError(403, t('staff.incidents.mayNotTitle'), t('staff.incidents.mayNotText'));
    await ctx.engine.resolveIncident(id, { actor: actorOf(post.principal) });
    return reply.redirect(`/staff/incidents?retried=${id}`, 303);
  });
}
