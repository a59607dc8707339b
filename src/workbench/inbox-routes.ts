import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { actorOf, candidateGroupsOf } from '../identity/index.js';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import type { CaseSla } from './sla.js';
import { caseSlaTag, INBOX_PAGE_SIZE, plural, slaTag, type WorkbenchContext } from './workbench-context.js';

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
    if (!asset) throw new PageError(404, 'Page not found', 'There is no such file.');
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
    const cases = await engine.getInstancesWithEvents(tasks.map((t) => t.instanceId), { eventsOfElements: pauseElements() });
    const caseSlas = new Map<number, CaseSla | null>();
    for (const [id, { instance, events }] of cases) caseSlas.set(id, caseSla(instance, needsEvents(instance.processKey) ? events : null));
    const link = (p: number): string => `/staff?${new URLSearchParams({ view, ...(serviceFilter ? { service: serviceFilter } : {}), ...(q ? { q } : {}), ...(p > 1 ? { page: String(p) } : {}) }).toString()}`;
    const tab = (v: View, label: string): SafeHtml => html`<li class="govuk-service-navigation__item${v === view ? ' govuk-service-navigation__item--active' : ''}"><a class="govuk-service-navigation__link" href="/staff?view=${v}"${v === view ? html` aria-current="page"` : ''}>${label}</a></li>`;
    const first = (pageNumber - 1) * INBOX_PAGE_SIZE + 1;
    return send(reply, staff, pageNumber > 1 ? `Inbox (page ${pageNumber} of ${pages})` : 'Inbox', html`<h1 class="govuk-heading-l">Inbox</h1>
<p class="govuk-body">Tasks for ${principal.departments.join(', ') || 'no department'}.</p>
<nav aria-label="Inbox views" class="govuk-!-margin-bottom-4"><ul class="govuk-service-navigation__list">${tab('unassigned', 'Unassigned')}${tab('mine', 'Assigned to me')}${isManager ? tab('team', 'Team') : ''}</ul></nav>
<form method="get" action="/staff" class="govuk-!-margin-bottom-4" novalidate>
<input type="hidden" name="view" value="${view}">
<div class="govuk-form-group"><label class="govuk-label" for="service">Service</label>
<select class="govuk-select" id="service" name="service"><option value="">All services</option>${catalogue.services.map((s) => html`<option value="${s.id}"${s.id === serviceFilter ? html` selected` : ''}>${s.title}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="q">Reference</label><input class="govuk-input govuk-input--width-20" id="q" name="q" type="search" value="${q}"></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Filter</button>
</form>
${tasks.length === 0 ? html`<p class="govuk-body">There are no tasks here.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${plural(total, 'task')}${pages > 1 ? html`, showing ${first} to ${first + tasks.length - 1}` : ''}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Case</th><th scope="col" class="govuk-table__header">Service</th><th scope="col" class="govuk-table__header">Task</th><th scope="col" class="govuk-table__header">Task deadline</th><th scope="col" class="govuk-table__header">Case deadline</th><th scope="col" class="govuk-table__header">Assigned to</th></tr></thead>
<tbody class="govuk-table__body">${tasks.map((t) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${t.instanceId}">${t.businessKey ?? `Case ${t.instanceId}`}</a></td><td class="govuk-table__cell">${serviceOf(t.processKey)?.title ?? t.processKey}</td><td class="govuk-table__cell">${t.name ?? t.elementId}</td><td class="govuk-table__cell">${slaTag(taskSla(t))}</td><td class="govuk-table__cell">${caseSlaTag(caseSlas.get(t.instanceId) ?? null)}</td><td class="govuk-table__cell">${t.assignee ?? 'Nobody'}</td></tr>`)}</tbody></table>`}
${pages > 1 ? html`<nav class="govuk-pagination" aria-label="Inbox pages">
${pageNumber > 1 ? html`<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="${link(pageNumber - 1)}" rel="prev"><span class="govuk-pagination__link-title">Previous<span class="govuk-visually-hidden"> page</span></span></a></div>` : ''}
<p class="govuk-body govuk-!-margin-bottom-0">Page ${pageNumber} of ${pages}</p>
${pageNumber < pages ? html`<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="${link(pageNumber + 1)}" rel="next"><span class="govuk-pagination__link-title">Next<span class="govuk-visually-hidden"> page</span></span></a></div>` : ''}
</nav>` : ''}`);
  });
}
