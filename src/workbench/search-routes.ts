import type { FastifyInstance } from 'fastify';
import { actorOf, candidateGroupsOf, inDepartment, listStaffOfDepartment, mayDecide, type StaffMember, type StaffPrincipal } from '../identity/index.js';
import { html, PageError, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml } from '../web/index.js';
import { CASE_STATE_WORDS, CASE_STATES, deleteFilter, listSavedFilters, saveFilter, searchCases, SEARCH_SORTS, type CaseQuery, type CaseState, type FoundCase, type SearchSort, type SearchTokens } from './case-search.js';
import { departmentOf, formatDay, isManagerGroup, MAX_REASON, plural, text, type StaffSession, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the case search (`/staff/search`, issue 20): every case of the staff member's departments in any state, by
 * reference, applicant name and address (through the vault's blind index), service, state, date range and assignee,
 * paged and sorted; saved searches; and bulk claim, reassign and escalate over the cases ticked, one task — so one
 * audit event — per case.
 */

export const SEARCH_PAGE_SIZE = 25;
const BULK_ACTIONS = ['claim', 'reassign', 'escalate'] as const;
type BulkAction = (typeof BULK_ACTIONS)[number];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

type RawQuery = Record<string, string | string[] | undefined>;
const one = (raw: RawQuery, key: string): string => {
  const v = raw[key];
  return (typeof v === 'string' ? v : Array.isArray(v) ? v[0] ?? '' : '').trim();
};
const many = (raw: RawQuery, key: string): string[] => {
  const v = raw[key];
  return (typeof v === 'string' ? [v] : Array.isArray(v) ? v : []).map((x) => x.trim()).filter((x) => x !== '');
};
const validDay = (d: string): boolean => DAY.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** The search the query string asks for, with a message for each criterion it cannot use. */
export function readCaseQuery(raw: RawQuery, serviceIds: readonly string[]): { query: CaseQuery; serviceIds: string[]; errors: FieldError[]; page: number } {
  const errors: FieldError[] = [];
  const field = (key: string, max: number): string => {
    const v = one(raw, key);
    if ([...v].length > max) errors.push({ key, anchor: key, message: `Enter ${max} characters or fewer` });
    return v.slice(0, max);
  };
  const reference = field('reference', 40);
  const name = field('name', 200);
  const address = field('address', 200);
  const assignee = field('assignee', 200);
  const services = many(raw, 'service');
  const unknownService = services.find((s) => !serviceIds.includes(s));
  if (unknownService) errors.push({ key: 'service', anchor: 'service', message: 'Select a service from the list' });
  const statuses = many(raw, 'status');
  if (statuses.some((s) => !(CASE_STATES as readonly string[]).includes(s))) errors.push({ key: 'status', anchor: 'status', message: 'Select states from the list' });
  const from = one(raw, 'from');
  const to = one(raw, 'to');
  if (from && !validDay(from)) errors.push({ key: 'from', anchor: 'from', message: 'Started from must be a real date, like 2026-03-31' });
  if (to && !validDay(to)) errors.push({ key: 'to', anchor: 'to', message: 'Started to must be a real date, like 2026-03-31' });
  if (from && to && validDay(from) && validDay(to) && from > to) errors.push({ key: 'to', anchor: 'to', message: 'Started to must be the same as or after started from' });
  const sortRaw = one(raw, 'sort') || 'started';
  const sort: SearchSort = (SEARCH_SORTS as readonly string[]).includes(sortRaw) ? sortRaw as SearchSort : 'started';
  if (sort !== sortRaw) errors.push({ key: 'sort', anchor: 'sort', message: 'Select an order from the list' });
  const pageRaw = one(raw, 'page') || '1';
  const page = /^\d{1,6}$/.test(pageRaw) ? Math.max(1, Number(pageRaw)) : 1;
  const descending = (one(raw, 'order') || (sort === 'started' ? 'desc' : 'asc')) === 'desc';
  return {
    errors, page, serviceIds: services,
    query: {
      ...(reference ? { reference } : {}), ...(name ? { name } : {}), ...(address ? { address } : {}), ...(assignee ? { assignee } : {}),
      ...(statuses.length ? { statuses: statuses.filter((s): s is CaseState => (CASE_STATES as readonly string[]).includes(s)) } : {}),
      ...(from && validDay(from) ? { from } : {}), ...(to && validDay(to) ? { to } : {}),
      sort, descending, limit: SEARCH_PAGE_SIZE, offset: (page - 1) * SEARCH_PAGE_SIZE,
    },
  };
}

/** The query string of a search without the name and address: what a saved search keeps (no personal data). */
export function savedQueryOf(raw: RawQuery): string {
  const params = new URLSearchParams();
  for (const key of ['reference', 'service', 'status', 'from', 'to', 'assignee', 'sort', 'order']) for (const v of many(raw, key)) params.append(key, v);
  return params.toString();
}

/** Admins and auditors read every case; everyone else the cases of their departments' groups. */
const scopeOf = (principal: StaffPrincipal): string[] | null => (principal.roles.includes('admin') || principal.roles.includes('auditor') ? null : candidateGroupsOf(principal));

export function registerSearchRoutes(server: FastifyInstance, ctx: WorkbenchContext): void {
  const { engine, db, catalogue, send, staffSession, postStaff, caseInScope, serviceOf } = ctx;
  const searchTokens = ctx.options.privacy?.vault?.searchTokens;
  const tokens: SearchTokens | null = searchTokens ? (kind, t) => searchTokens(kind, t) : null;

  async function colleaguesOf(principal: StaffPrincipal): Promise<StaffMember[]> {
    if (!db) return [];
    const seen = new Map<string, StaffMember>();
    for (const m of principal.memberships) for (const s of await listStaffOfDepartment(db, m.department)) seen.set(s.actor, s);
    return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  server.get<{ Querystring: RawQuery }>('/staff/search', async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    if (!db || !tokens) throw new PageError(503, 'Search is not available', 'The case search needs the database and the vault.');
    const raw = request.query;
    const { query, serviceIds, errors, page } = readCaseQuery(raw, catalogue.services.map((s) => s.id));
    const processKeys = serviceIds.map((id) => catalogue.get(id)?.process.key).filter((k): k is string => !!k);
    const searched = Object.keys(raw).some((k) => k !== 'page' && k !== 'sort' && k !== 'order');
    const found = errors.length === 0 && searched ? await searchCases(db, { ...query, processKeys }, scopeOf(staff.principal), tokens) : null;
    const colleagues = await colleaguesOf(staff.principal);
    const saved = await listSavedFilters(db, actorOf(staff.principal));
    const nameOf = (actor: string): string => colleagues.find((c) => c.actor === actor)?.name ?? actor.replace(/^staff:/, '');
    const link = (p: number): string => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(raw)) if (k !== 'page') for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) params.append(k, x);
      if (p > 1) params.set('page', String(p));
      return `/staff/search?${params.toString()}`;
    };
    const pages = found ? Math.max(1, Math.ceil(found.total / SEARCH_PAGE_SIZE)) : 1;
    return send(reply, staff, `${errors.length > 0 ? 'Error: ' : ''}Find a case${page > 1 ? ` (page ${page} of ${pages})` : ''}`, html`${renderErrorSummary(errors)}<h1 class="govuk-heading-l">Find a case</h1>
<p class="govuk-body">Every case of ${staff.principal.departments.join(', ') || 'your departments'} in any state. A name or an address is matched by whole words, compared only as the vault's blind index.</p>
${savedFilters(saved, staff)}
${searchForm(raw, query, serviceIds, errors, colleagues, catalogue.services.map((s) => ({ id: s.id, title: s.title })))}
${found ? results(found, staff, page, pages, link, (k) => serviceOf(k)?.title ?? k, nameOf, colleagues) : ''}`, errors.length > 0 ? 400 : 200, { current: 'search' });
  });

  server.post('/staff/search/filters', async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post || !db) return reply;
    const name = text(post.body, 'filterName');
    const query = typeof post.body['query'] === 'string' ? post.body['query'] : '';
    if (name === '' || [...name].length > 80) throw new PageError(400, 'Give the search a name', 'Go back and enter a name of 1 to 80 characters for the search.');
    // The query is read again like a search, so a saved one holds only criteria the page understands, without names.
    const raw = Object.fromEntries([...new URLSearchParams(query.slice(0, 2000)).keys()].map((k) => [k, new URLSearchParams(query).getAll(k)]));
    if (readCaseQuery(raw, catalogue.services.map((s) => s.id)).errors.length > 0) throw new PageError(400, 'The search cannot be saved', 'Go back and correct the search first.');
    await saveFilter(db, actorOf(post.principal), name, savedQueryOf(raw));
    return reply.redirect(`/staff/search?${savedQueryOf(raw)}`, 303);
  });

  server.post<{ Params: { id: string } }>('/staff/search/filters/:id/delete', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post || !db) return reply;
    if (!await deleteFilter(db, actorOf(post.principal), Number(request.params.id))) throw new PageError(404, 'Page not found', 'There is no such saved search.');
    return reply.redirect('/staff/search', 303);
  });

  server.post('/staff/search/bulk', async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const action = text(post.body, 'action') as BulkAction;
    if (!(BULK_ACTIONS as readonly string[]).includes(action)) throw new PageError(400, 'Choose what to do', 'Go back and choose claim, reassign or escalate.');
    const raw = post.body['case'];
    const ids = [...new Set((Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter((x) => /^[1-9]\d{0,14}$/.test(x)).map(Number))];
    if (ids.length === 0 || ids.length > SEARCH_PAGE_SIZE) throw new PageError(400, 'Select cases', `Go back and tick between 1 and ${SEARCH_PAGE_SIZE} cases.`);
    const reason = text(post.body, 'reason');
    const assignee = text(post.body, 'assignee');
    if (action === 'escalate' && (reason === '' || [...reason].length > MAX_REASON)) throw new PageError(400, 'Enter why a manager needs to take these cases', `Go back and give a reason of 1 to ${MAX_REASON} characters.`);
    const outcomes: { id: number; reference: string; done: boolean; message: string }[] = [];
    for (const id of ids) {
      const { instance, tasks } = await caseInScope(post.principal, id).catch(() => ({ instance: null, tasks: [] }));
      if (!instance) { outcomes.push({ id, reference: `Case ${id}`, done: false, message: 'not a case of your departments' }); continue; }
      const reference = instance.businessKey ?? `Case ${id}`;
      const message = await bulkOnCase(post.principal, action, tasks.filter((t) => t.state === 'created'), { reason, assignee });
      outcomes.push({ id, reference, done: message === null, message: message ?? 'done' });
    }
    return send(reply, post, 'Cases changed', html`<h1 class="govuk-heading-l">${action === 'claim' ? 'Claim' : action === 'reassign' ? 'Reassign' : 'Escalate'}: ${plural(outcomes.filter((o) => o.done).length, 'case')} changed</h1>
<ul class="govuk-list" id="bulk-outcomes">${outcomes.map((o) => html`<li><a class="govuk-link" href="/staff/cases/${o.id}">${o.reference}</a>: ${o.message}</li>`)}</ul>
<p class="govuk-body"><a class="govuk-link" href="/staff/search">Back to the search</a></p>`, 200, { current: 'search' });
  });

  /** One task per case (the first the action applies to): one event in the case's history. Null when done, else why not. */
  async function bulkOnCase(principal: StaffPrincipal, action: BulkAction, open: Awaited<ReturnType<WorkbenchContext['caseInScope']>>['tasks'], input: { reason: string; assignee: string }): Promise<string | null> {
    const me = actorOf(principal);
    const mine = open.filter((t) => mayDecide(principal, t.candidateGroups));
    if (action === 'claim') {
      const task = mine.find((t) => !t.assignee);
      if (!task) return 'no unassigned task you can take';
      await engine.claimTask(task.id, me);
      return null;
    }
    if (action === 'reassign') {
      const task = mine.find((t) => { const d = departmentOf(t); return !!d && inDepartment(principal, d, 'manager'); });
      if (!task || !db) return 'no task you manage';
      const department = departmentOf(task)!;
      const colleagues = await listStaffOfDepartment(db, department, isManagerGroup(task) ? 'manager' : undefined);
      if (input.assignee !== '' && !colleagues.some((c) => c.actor === input.assignee)) return `the person chosen is not in ${department}`;
      if (task.assignee === (input.assignee || null)) return 'already assigned so';
      await engine.assignTask(task.id, { assignee: input.assignee || null, actor: me });
      return null;
    }
    const task = mine.find((t) => { const d = departmentOf(t); return !!d && !isManagerGroup(t) && (t.assignee === me || inDepartment(principal, d, 'manager')); });
    if (!task) return 'no task you can escalate (assign it to yourself first)';
    await engine.escalateTask(task.id, { candidateGroups: [`${departmentOf(task)!}/manager`], actor: me, reason: input.reason });
    return null;
  }
}

function savedFilters(saved: readonly { id: number; name: string; query: string }[], staff: StaffSession): SafeHtml {
  if (saved.length === 0) return html``;
  return html`<h2 class="govuk-heading-s">Your saved searches</h2><ul class="govuk-list" id="saved-searches">${saved.map((f) => html`<li><a class="govuk-link" href="/staff/search?${f.query}">${f.name}</a>
<form method="post" action="/staff/search/filters/${f.id}/delete" class="govflow-inline-form" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Delete<span class="govuk-visually-hidden"> ${f.name}</span></button></form></li>`)}</ul>`;
}

function searchForm(raw: RawQuery, query: CaseQuery, serviceIds: readonly string[], errors: readonly FieldError[], colleagues: readonly StaffMember[], services: readonly { id: string; title: string }[]): SafeHtml {
  const errorOf = (key: string): FieldError | undefined => errors.find((e) => e.key === key);
  const input = (key: string, label: string, type = 'text', width = 'govuk-input--width-20'): SafeHtml => {
    const error = errorOf(key);
    return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="${key}">${label}</label>${error ? html`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : ''}<input class="govuk-input ${width}${error ? ' govuk-input--error' : ''}" id="${key}" name="${key}" type="${type}" value="${one(raw, key)}"${error ? html` aria-describedby="${key}-error"` : ''}></div>`;
  };
  const statuses = query.statuses ?? [];
  return html`<form method="get" action="/staff/search" novalidate id="case-search">
<div class="govflow-search-grid">
${input('reference', 'Reference (or part of it)')}
${input('name', 'Applicant name (whole words)')}
${input('address', 'Address (whole words)')}
<div class="govuk-form-group"><label class="govuk-label" for="service">Service</label><select class="govuk-select" id="service" name="service"><option value="">All services</option>${services.map((s) => html`<option value="${s.id}"${serviceIds.includes(s.id) ? html` selected` : ''}>${s.title}</option>`)}</select></div>
<div class="govuk-form-group"><fieldset class="govuk-fieldset" id="status"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">State</legend><div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">${CASE_STATES.map((s) => html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="status-${s}" name="status" type="checkbox" value="${s}"${statuses.includes(s) ? html` checked` : ''}><label class="govuk-label govuk-checkboxes__label" for="status-${s}">${CASE_STATE_WORDS[s]}</label></div>`)}</div></fieldset></div>
${input('from', 'Started from (YYYY-MM-DD)', 'text', 'govuk-input--width-10')}
${input('to', 'Started to (YYYY-MM-DD)', 'text', 'govuk-input--width-10')}
<div class="govuk-form-group"><label class="govuk-label" for="assignee">Assigned to</label><select class="govuk-select" id="assignee" name="assignee"><option value="">Anyone or nobody</option>${colleagues.map((c) => html`<option value="${c.actor}"${query.assignee === c.actor ? html` selected` : ''}>${c.name}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="sort">Order by</label><select class="govuk-select" id="sort" name="sort">${SEARCH_SORTS.map((s) => html`<option value="${s}"${query.sort === s ? html` selected` : ''}>${s === 'started' ? 'Date started' : s === 'reference' ? 'Reference' : 'State'}</option>`)}</select>
<select class="govuk-select" id="order" name="order" aria-label="Direction"><option value="desc"${query.descending ? html` selected` : ''}>Newest or last first</option><option value="asc"${query.descending ? '' : html` selected`}>Oldest or first first</option></select></div>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Search</button>
</form>`;
}

function results(found: { cases: FoundCase[]; total: number }, staff: StaffSession, page: number, pages: number, link: (p: number) => string, titleOf: (processKey: string) => string, nameOf: (actor: string) => string, colleagues: readonly StaffMember[]): SafeHtml {
  const first = (page - 1) * SEARCH_PAGE_SIZE + 1;
  const query = link(1).replace(/^\/staff\/search\?/, '');
  return html`<form method="post" action="/staff/search/filters" class="govuk-!-margin-bottom-6" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}"><input type="hidden" name="query" value="${query}">
<div class="govuk-form-group"><label class="govuk-label" for="filterName">Save this search as (names and addresses are not saved)</label><input class="govuk-input govuk-input--width-20" id="filterName" name="filterName" type="text"></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Save search</button></form>
${found.cases.length === 0 ? html`<p class="govuk-body" id="no-cases">No case matches.</p>` : html`<form method="post" action="/staff/search/bulk" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}">
<table class="govuk-table govflow-fit-table" id="found-cases"><caption class="govuk-table__caption govuk-table__caption--m">${plural(found.total, 'case')}${pages > 1 ? html`, showing ${first} to ${first + found.cases.length - 1}` : ''}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Select</th><th scope="col" class="govuk-table__header">Case</th><th scope="col" class="govuk-table__header">Service</th><th scope="col" class="govuk-table__header">State</th><th scope="col" class="govuk-table__header">Started</th><th scope="col" class="govuk-table__header">Assigned to</th></tr></thead>
<tbody class="govuk-table__body">${found.cases.map((c) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><div class="govuk-checkboxes govuk-checkboxes--small"><div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="case-${c.instanceId}" name="case" type="checkbox" value="${c.instanceId}"><label class="govuk-label govuk-checkboxes__label" for="case-${c.instanceId}"><span class="govuk-visually-hidden">Select ${c.reference ?? `case ${c.instanceId}`}</span></label></div></div></td>
<td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${c.instanceId}">${c.reference ?? `Case ${c.instanceId}`}</a></td><td class="govuk-table__cell">${titleOf(c.processKey)}</td><td class="govuk-table__cell" data-state="${c.status}">${CASE_STATE_WORDS[c.status]}</td><td class="govuk-table__cell">${formatDay(c.startedAt)}</td><td class="govuk-table__cell">${c.assignees.length ? c.assignees.map(nameOf).join(', ') : 'Nobody'}</td></tr>`)}</tbody></table>
<div class="govuk-form-group"><label class="govuk-label" for="action">With the cases ticked</label><select class="govuk-select" id="action" name="action"><option value="claim">Assign to me</option><option value="reassign">Reassign (managers)</option><option value="escalate">Escalate to a manager</option></select></div>
<div class="govuk-form-group"><label class="govuk-label" for="bulk-assignee">Reassign to</label><select class="govuk-select" id="bulk-assignee" name="assignee"><option value="">Nobody</option>${colleagues.map((c) => html`<option value="${c.actor}">${c.name}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="reason">Why a manager needs to take them (for escalation)</label><textarea class="govuk-textarea" id="reason" name="reason" rows="2"></textarea></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Apply to the cases ticked</button></form>`}
${pages > 1 ? html`<nav class="govuk-pagination" aria-label="Result pages">
${page > 1 ? html`<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="${link(page - 1)}" rel="prev"><span class="govuk-pagination__link-title">Previous<span class="govuk-visually-hidden"> page</span></span></a></div>` : ''}
<p class="govuk-body govuk-!-margin-bottom-0">Page ${page} of ${pages}</p>
${page < pages ? html`<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="${link(page + 1)}" rel="next"><span class="govuk-pagination__link-title">Next<span class="govuk-visually-hidden"> page</span></span></a></div>` : ''}
</nav>` : ''}`;
}
