import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { actorOf, candidateGroupsOf } from '../identity/index.js';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import type { CaseSla } from './sla.js';
import { t } from '../i18n/index.js';
import { caseLabel, caseSlaTag, INBOX_PAGE_SIZE, pagination, slaTag, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the workbench inbox (`/staff`: the tasks of the staff member's departments, paged, with task and case SLA
 * countdowns) and the diagram viewer's files under `/staff/assets/`.
 */

const VIEWS = ['unassigned', 'mine', 'team'] as const;
type View = (typeof VIEWS)[number];

const requireFromHere = createRequire(import.meta.url);
/** The files the diagram needs, served by this plugin under /staff/assets/ (a fixed list: no path from a request reaches the disk). */
const ASSETS: Readonly<Record<string, { file: () => string; type: string }>> = {
  'bpmn-viewer.js': { file: () => requireFromHere.resolve('bpmn-js/dist/bpmn-navigated-viewer.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'diagram-js.css': { file: () => requireFromHere.resolve('bpmn-js/dist/assets/diagram-js.css'), type: 'text/css; charset=utf-8' },
  'bpmn-js.css': { file: () => requireFromHere.resolve('bpmn-js/dist/assets/bpmn-js.css'), type: 'text/css; charset=utf-8' },
  'case-diagram.js': { file: () => fileURLToPath(new URL('./assets/case-diagram.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  'case-diagram.css': { file: () => fileURLToPath(new URL('./assets/case-diagram.css', import.meta.url)), type: 'text/css; charset=utf-8' },
  'case-page.css': { file: () => fileURLToPath(new URL('./assets/case-page.css', import.meta.url)), type: 'text/css; charset=utf-8' },
  'intelligence.css': { file: () => fileURLToPath(new URL('./assets/intelligence.css', import.meta.url)), type: 'text/css; charset=utf-8' },
};


export function registerInboxRoutes(server: FastifyInstance, ctx: WorkbenchContext): void {
  const { engine, catalogue, send, staffSession, serviceOf, taskSla, caseSla, needsEvents, pauseElements } = ctx;

  // ------------------------------------------------------------------ assets

  server.get<{ Params: { file: string } }>('/staff/assets/:file', { schema: paramsSchema({ file: PARAM.token }) }, async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
    if (!asset) throw new PageError(404, t('staff.error.notFound'), t('error.noSuchFile'));
    const body = await readFile(asset.file());
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').send(body);
  });

  // ------------------------------------------------------------------ inbox

  server.get<{ Querystring: { view?: string; service?: string; q?: string; page?: string } }>('/staff', async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const { principal } = staff;
    const isManager = principal.memberships.some((m) => m.role === 'manager');
    const requested = (VIEWS as readonly string[]).includes(request.query.view ?? '') ? request.query.view as View : 'unassigned';
    const view: View = requested === 'team' && !isManager ? 'unassigned' : requested;
    const groups = candidateGroupsOf(principal);
    const serviceFilter = typeof request.query.service === 'string' && catalogue.get(request.query.service) ? request.query.service : '';
    const q = typeof request.query.q === 'string' ? request.query.q.trim().slice(0, 100) : '';
    const pageNumber = /^\d{1,6}$/.test(request.query.page ?? '') ? Math.max(1, Number(request.query.page)) : 1;
    const { tasks, total } = groups.length === 0 ? { tasks: [], total: 0 } : await engine.listTaskPage({
      candidateGroups: groups, assigned: view === 'unassigned' ? 'nobody' : view === 'mine' ? actorOf(principal) : 'anyone',
      ...(serviceFilter ? { processKeys: [catalogue.get(serviceFilter)!.process.key] } : {}), ...(q ? { businessKeyContains: q } : {}),
      limit: INBOX_PAGE_SIZE, offset: (pageNumber - 1) * INBOX_PAGE_SIZE,
    });
    const pages = Math.max(1, Math.ceil(total / INBOX_PAGE_SIZE));
    // The case SLA needs the case (and, when the clock pauses, the events of where it waited for the applicant):
    // the page's cases in one statement, not one (or two) per row.
    const cases = await engine.getInstancesWithEvents(tasks.map((task) => task.instanceId), { eventsOfElements: pauseElements() });
    const caseSlas = new Map<number, CaseSla | null>();
    for (const [id, { instance, events }] of cases) caseSlas.set(id, caseSla(instance, needsEvents(instance.processKey) ? events : null));
    const link = (p: number): string => `/staff?${new URLSearchParams({ view, ...(serviceFilter ? { service: serviceFilter } : {}), ...(q ? { q } : {}), ...(p > 1 ? { page: String(p) } : {}) }).toString()}`;
    const tab = (v: View, label: string): SafeHtml => html`<li class="govuk-service-navigation__item${v === view ? ' govuk-service-navigation__item--active' : ''}"><a class="govuk-service-navigation__link" href="/staff?view=${v}"${v === view ? html` aria-current="page"` : ''}>${label}</a></li>`;
    const first = (pageNumber - 1) * INBOX_PAGE_SIZE + 1;
    const nobody = t('staff.common.nobody');
    return send(reply, staff, pageNumber > 1 ? t('staff.inbox.titlePaged', { page: pageNumber, pages }) : t('staff.inbox.title'), html`<h1 class="govuk-heading-l">${t('staff.inbox.title')}</h1>
<p class="govuk-body">${principal.departments.length > 0 ? t('staff.inbox.tasksFor', { departments: principal.departments.join(', ') }) : t('staff.inbox.tasksForNone')}</p>
<nav aria-label="${t('staff.inbox.views')}" class="govuk-!-margin-bottom-4"><ul class="govuk-service-navigation__list">${tab('unassigned', t('staff.inbox.unassigned'))}${tab('mine', t('staff.inbox.mine'))}${isManager ? tab('team', t('staff.inbox.team')) : ''}</ul></nav>
<form method="get" action="/staff" class="govuk-!-margin-bottom-4" novalidate>
<input type="hidden" name="view" value="${view}">
<div class="govuk-form-group"><label class="govuk-label" for="service">${t('staff.common.service')}</label>
<select class="govuk-select" id="service" name="service"><option value="">${t('staff.common.allServices')}</option>${catalogue.services.map((s) => html`<option value="${s.id}"${s.id === serviceFilter ? html` selected` : ''}>${serviceOf(s.process.key)?.title ?? s.title}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="q">${t('staff.common.reference')}</label><input class="govuk-input govuk-input--width-20" id="q" name="q" type="search" value="${q}"></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.inbox.filter')}</button>
</form>
${tasks.length === 0 ? html`<p class="govuk-body">${t('staff.inbox.empty')}</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('staff.inbox.count', { count: total })}${pages > 1 ? t('staff.common.showing', { first, last: first + tasks.length - 1 }) : ''}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.common.case')}</th><th scope="col" class="govuk-table__header">${t('staff.common.service')}</th><th scope="col" class="govuk-table__header">${t('staff.inbox.task')}</th><th scope="col" class="govuk-table__header">${t('staff.inbox.taskDeadline')}</th><th scope="col" class="govuk-table__header">${t('staff.common.caseDeadline')}</th><th scope="col" class="govuk-table__header">${t('staff.common.assignedTo')}</th></tr></thead>
<tbody class="govuk-table__body">${tasks.map((task) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${task.instanceId}">${task.businessKey ?? caseLabel(task.instanceId)}</a></td><td class="govuk-table__cell">${serviceOf(task.processKey)?.title ?? task.processKey}</td><td class="govuk-table__cell">${task.name ?? task.elementId}</td><td class="govuk-table__cell">${slaTag(taskSla(task))}</td><td class="govuk-table__cell">${caseSlaTag(caseSlas.get(task.instanceId) ?? null)}</td><td class="govuk-table__cell">${task.assignee ?? nobody}</td></tr>`)}</tbody></table>`}
${pagination(pageNumber, pages, link, t('staff.inbox.pages'))}`);
  });
}
