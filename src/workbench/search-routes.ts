import type { FastifyInstance } from 'fastify';
import { actorOf, candidateGroupsOf, inDepartment, listStaffOfDepartment, listStaffOfDepartments, mayDecide, type StaffMember, type StaffPrincipal } from '../identity/index.js';
import { html, PageError, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml } from '../web/index.js';
import { CASE_STATES, deleteFilter, listSavedFilters, saveFilter, searchCases, SEARCH_SORTS, type CaseQuery, type CaseState, type FoundCase, type SearchSort, type SearchTokens } from './case-search.js';
import { t } from '../i18n/index.js';
import { caseLabel, departmentOf, formatDay, isManagerGroup, MAX_REASON, pagination, text, type StaffSession, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the case search (`/staff/search`, issue 20): every case of the staff member's departments in any state, by
 * reference, applicant name and address (through the vault's blind index), service, state, date range and assignee,
 * paged and sorted; saved searches; and bulk claim, reassign and escalate over the cases ticked, one task — so one
 * audit event — per case.
 */

export const SEARCH_PAGE_SIZE = 25;
const COLLEAGUES_TTL_MS = 30_000;
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

/** A case's state in the reader's words. */
// ICU select keys cannot hold a hyphen: waiting-applicant is asked for as waitingApplicant.
const stateWords = (state: CaseState): string => t('staff.state', { state: state.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) });

/** The search the query string asks for, with a message for each criterion it cannot use. */
export function readCaseQuery(raw: RawQuery, serviceIds: readonly string[]): { query: CaseQuery; serviceIds: string[]; errors: FieldError[]; page: number } {
  const errors: FieldError[] = [];
  const field = (key: string, max: number): string => {
    const v = one(raw, key);
    if ([...v].length > max) errors.push({ key, anchor: key, message: t('staff.search.tooLong', { max }) });
    return v.slice(0, max);
  };
  const reference = field('reference', 40);
  const name = field('name', 200);
  const address = field('address', 200);
  const assignee = field('assignee', 200);
  const services = many(raw, 'service');
  const unknownService = services.find((s) => !serviceIds.includes(s));
  if (unknownService) errors.push({ key: 'service', anchor: 'service', message: t('staff.search.serviceUnknown') });
  const statuses = many(raw, 'status');
  if (statuses.some((s) => !(CASE_STATES as readonly string[]).includes(s))) errors.push({ key: 'status', anchor: 'status', message: t('staff.search.stateUnknown') });
  const from = one(raw, 'from');
  const to = one(raw, 'to');
  if (from && !validDay(from)) errors.push({ key: 'from', anchor: 'from', message: t('staff.search.fromInvalid') });
  if (to && !validDay(to)) errors.push({ key: 'to', anchor: 'to', message: t('staff.search.toInvalid') });
  if (from && to && validDay(from) && validDay(to) && from > to) errors.push({ key: 'to', anchor: 'to', message: t('staff.search.toBeforeFrom') });
  const sortRaw = one(raw, 'sort') || 'started';
  const sort: SearchSort = (SEARCH_SORTS as readonly string[]).includes(sortRaw) ? sortRaw as SearchSort : 'started';
  if (sort !== sortRaw) errors.push({ key: 'sort', anchor: 'sort', message: t('staff.search.sortUnknown') });
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

  // The colleagues only fill the form's choices (filter by assignee, reassign to): a bulk reassignment checks the
  // department again when posted. So each department set's list is read at most every COLLEAGUES_TTL_MS, not on
  // every search: a colleague added in the admin shows up within that time.
  const colleagueLists = new Map<string, { at: number; list: Promise<StaffMember[]> }>();
  function colleaguesOf(principal: StaffPrincipal): Promise<StaffMember[]> {
    if (!db) return Promise.resolve([]);
    const departments = [...new Set(principal.memberships.map((m) => m.department))].sort();
    const key = departments.join('\n');
    const cached = colleagueLists.get(key);
    if (cached && Date.now() - cached.at < COLLEAGUES_TTL_MS) return cached.list;
    const list = listStaffOfDepartments(db, departments).then((staff) => staff.sort((a, b) => a.name.localeCompare(b.name)));
    list.catch(() => colleagueLists.delete(key));
    if (colleagueLists.size > 500) colleagueLists.clear();
    colleagueLists.set(key, { at: Date.now(), list });
    return list;
  }

  server.get<{ Querystring: RawQuery }>('/staff/search', async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    if (!db || !tokens) throw new PageError(503, t('staff.search.unavailableTitle'), t('staff.search.unavailableText'));
    const raw = request.query;
    const { query, serviceIds, errors, page } = readCaseQuery(raw, catalogue.services.map((s) => s.id));
    const processKeys = serviceIds.map((id) => catalogue.get(id)?.process.key).filter((k): k is string => !!k);
    const searched = Object.keys(raw).some((k) => k !== 'page' && k !== 'sort' && k !== 'order');
    // Three independent reads: on PostgreSQL each has its own pooled connection.
    const [found, colleagues, saved] = await Promise.all([
      errors.length === 0 && searched ? searchCases(db, { ...query, processKeys }, scopeOf(staff.principal), tokens) : null,
      colleaguesOf(staff.principal),
      listSavedFilters(db, actorOf(staff.principal)),
    ]);
    const nameOf = (actor: string): string => colleagues.find((c) => c.actor === actor)?.name ?? actor.replace(/^staff:/, '');
    const link = (p: number): string => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(raw)) if (k !== 'page') for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) params.append(k, x);
      if (p > 1) params.set('page', String(p));
      return `/staff/search?${params.toString()}`;
    };
    const pages = found ? Math.max(1, Math.ceil(found.total / SEARCH_PAGE_SIZE)) : 1;
    return send(reply, staff, `${errors.length > 0 ? t('layout.errorPrefix') : ''}${page > 1 ? t('staff.search.titlePaged', { page, pages }) : t('staff.search.title')}`, html`${renderErrorSummary(errors)}<h1 class="govuk-heading-l">${t('staff.search.title')}</h1>
<p class="govuk-body">${staff.principal.departments.length > 0 ? t('staff.search.intro', { departments: staff.principal.departments.join(', ') }) : t('staff.search.introNone')}</p>
${savedFilters(saved, staff)}
${searchForm(raw, query, serviceIds, errors, colleagues, catalogue.services.map((s) => ({ id: s.id, title: serviceOf(s.process.key)?.title ?? s.title })))}
${found ? results(found, staff, page, pages, link, (k) => serviceOf(k)?.title ?? k, nameOf, colleagues) : ''}`, errors.length > 0 ? 400 : 200, { current: 'search' });
  });

  server.post('/staff/search/filters', async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post || !db) return reply;
    const name = text(post.body, 'filterName');
    const query = typeof post.body['query'] === 'string' ? post.body['query'] : '';
    if (name === '' || [...name].length > 80) throw new PageError(400, t('staff.search.nameTitle'), t('staff.search.nameText'));
    // The query is read again like a search, so a saved one holds only criteria the page understands, without names.
    const raw = Object.fromEntries([...new URLSearchParams(query.slice(0, 2000)).keys()].map((k) => [k, new URLSearchParams(query).getAll(k)]));
    if (readCaseQuery(raw, catalogue.services.map((s) => s.id)).errors.length > 0) throw new PageError(400, t('staff.search.unsavableTitle'), t('staff.search.unsavableText'));
    await saveFilter(db, actorOf(post.principal), name, savedQueryOf(raw));
    return reply.redirect(`/staff/search?${savedQueryOf(raw)}`, 303);
  });

  server.post<{ Params: { id: string } }>('/staff/search/filters/:id/delete', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post || !db) return reply;
    if (!await deleteFilter(db, actorOf(post.principal), Number(request.params.id))) throw new PageError(404, t('staff.error.notFound'), t('staff.search.noSuchSaved'));
    return reply.redirect('/staff/search', 303);
  });

  server.post('/staff/search/bulk', async (request, reply) => {
    const post = await postStaff(request, reply);
    if (!post) return reply;
    const action = text(post.body, 'action') as BulkAction;
    if (!(BULK_ACTIONS as readonly string[]).includes(action)) throw new PageError(400, t('staff.bulk.chooseTitle'), t('staff.bulk.chooseText'));
    const raw = post.body['case'];
    const ids = [...new Set((Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter((x) => /^[1-9]\d{0,14}$/.test(x)).map(Number))];
    if (ids.length === 0 || ids.length > SEARCH_PAGE_SIZE) throw new PageError(400, t('staff.bulk.selectTitle'), t('staff.bulk.selectText', { max: SEARCH_PAGE_SIZE }));
    const reason = text(post.body, 'reason');
    const assignee = text(post.body, 'assignee');
    if (action === 'escalate' && (reason === '' || [...reason].length > MAX_REASON)) throw new PageError(400, t('staff.bulk.reasonTitle'), t('staff.bulk.reasonText', { max: MAX_REASON }));
    const outcomes: { id: number; reference: string; done: boolean; message: string }[] = [];
    for (const id of ids) {
      const { instance, tasks } = await caseInScope(post.principal, id).catch(() => ({ instance: null, tasks: [] }));
      if (!instance) { outcomes.push({ id, reference: caseLabel(id), done: false, message: t('staff.bulk.notYourCase') }); continue; }
      const reference = instance.businessKey ?? caseLabel(id);
      const message = await bulkOnCase(post.principal, action, tasks.filter((task) => task.state === 'created'), { reason, assignee });
      outcomes.push({ id, reference, done: message === null, message: message ?? t('staff.bulk.done') });
    }
    return send(reply, post, t('staff.bulk.title'), html`<h1 class="govuk-heading-l">${t('staff.bulk.heading', { action, count: outcomes.filter((o) => o.done).length })}</h1>
<ul class="govuk-list" id="bulk-outcomes">${outcomes.map((o) => html`<li><a class="govuk-link" href="/staff/cases/${o.id}">${o.reference}</a>: ${o.message}</li>`)}</ul>
<p class="govuk-body"><a class="govuk-link" href="/staff/search">${t('staff.bulk.back')}</a></p>`, 200, { current: 'search' });
  });

  /** One task per case (the first the action applies to): one event in the case's history. Null when done, else why not. */
  async function bulkOnCase(principal: StaffPrincipal, action: BulkAction, open: Awaited<ReturnType<WorkbenchContext['caseInScope']>>['tasks'], input: { reason: string; assignee: string }): Promise<string | null> {
    const me = actorOf(principal);
    // A task waiting for its task listeners' checks takes no other action until they are done.
    const mine = open.filter((t) => mayDecide(principal, t.candidateGroups) && !t.pending);
    if (action === 'claim') {
      const task = mine.find((t) => !t.assignee);
      if (!task) return t('staff.bulk.noUnassigned');
      await engine.claimTask(task.id, me);
      return null;
    }
    if (action === 'reassign') {
      const task = mine.find((t) => { const d = departmentOf(t); return !!d && inDepartment(principal, d, 'manager'); });
      if (!task || !db) return t('staff.bulk.noManaged');
      const department = departmentOf(task)!;
      const colleagues = await listStaffOfDepartment(db, department, isManagerGroup(task) ? 'manager' : undefined);
      if (input.assignee !== '' && !colleagues.some((c) => c.actor === input.assignee)) return t('staff.bulk.notInDepartment', { department });
      if (task.assignee === (input.assignee || null)) return t('staff.bulk.alreadySo');
      await engine.assignTask(task.id, { assignee: input.assignee || null, actor: me });
      return null;
    }
    const task = mine.find((t) => { const d = departmentOf(t); return !!d && !isManagerGroup(t) && (t.assignee === me || inDepartment(principal, d, 'manager')); });
    if (!task) return t('staff.bulk.noEscalatable');
    await engine.escalateTask(task.id, { candidateGroups: [`${departmentOf(task)!}/manager`], actor: me, reason: input.reason });
    return null;
  }
}

function savedFilters(saved: readonly { id: number; name: string; query: string }[], staff: StaffSession): SafeHtml {
  if (saved.length === 0) return html``;
  return html`<h2 class="govuk-heading-s">${t('staff.search.saved')}</h2><ul class="govuk-list" id="saved-searches">${saved.map((f) => html`<li><a class="govuk-link" href="/staff/search?${f.query}">${f.name}</a>
<form method="post" action="/staff/search/filters/${f.id}/delete" class="govflow-inline-form" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">${t('staff.search.delete')}<span class="govuk-visually-hidden"> ${f.name}</span></button></form></li>`)}</ul>`;
}

function searchForm(raw: RawQuery, query: CaseQuery, serviceIds: readonly string[], errors: readonly FieldError[], colleagues: readonly StaffMember[], services: readonly { id: string; title: string }[]): SafeHtml {
  const errorOf = (key: string): FieldError | undefined => errors.find((e) => e.key === key);
  const input = (key: string, label: string, type = 'text', width = 'govuk-input--width-20'): SafeHtml => {
    const error = errorOf(key);
    return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="${key}">${label}</label>${error ? html`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}<input class="govuk-input ${width}${error ? ' govuk-input--error' : ''}" id="${key}" name="${key}" type="${type}" value="${one(raw, key)}"${error ? html` aria-describedby="${key}-error"` : ''}></div>`;
  };
  const statuses = query.statuses ?? [];
  return html`<form method="get" action="/staff/search" novalidate id="case-search">
<div class="govflow-search-grid">
${input('reference', t('staff.search.reference'))}
${input('name', t('staff.search.name'))}
${input('address', t('staff.search.address'))}
<div class="govuk-form-group"><label class="govuk-label" for="service">${t('staff.common.service')}</label><select class="govuk-select" id="service" name="service"><option value="">${t('staff.common.allServices')}</option>${services.map((s) => html`<option value="${s.id}"${serviceIds.includes(s.id) ? html` selected` : ''}>${s.title}</option>`)}</select></div>
<div class="govuk-form-group"><fieldset class="govuk-fieldset" id="status"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('staff.search.state')}</legend><div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">${CASE_STATES.map((s) => html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="status-${s}" name="status" type="checkbox" value="${s}"${statuses.includes(s) ? html` checked` : ''}><label class="govuk-label govuk-checkboxes__label" for="status-${s}">${stateWords(s)}</label></div>`)}</div></fieldset></div>
${input('from', t('staff.search.from'), 'text', 'govuk-input--width-10')}
${input('to', t('staff.search.to'), 'text', 'govuk-input--width-10')}
<div class="govuk-form-group"><label class="govuk-label" for="assignee">${t('staff.common.assignedTo')}</label><select class="govuk-select" id="assignee" name="assignee"><option value="">${t('staff.search.anyone')}</option>${colleagues.map((c) => html`<option value="${c.actor}"${query.assignee === c.actor ? html` selected` : ''}>${c.name}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="sort">${t('staff.search.orderBy')}</label><select class="govuk-select" id="sort" name="sort">${SEARCH_SORTS.map((s) => html`<option value="${s}"${query.sort === s ? html` selected` : ''}>${t('staff.search.sort', { sort: s })}</option>`)}</select>
<select class="govuk-select" id="order" name="order" aria-label="${t('staff.search.direction')}"><option value="desc"${query.descending ? html` selected` : ''}>${t('staff.search.descending')}</option><option value="asc"${query.descending ? '' : html` selected`}>${t('staff.search.ascending')}</option></select></div>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.search.submit')}</button>
</form>`;
}

function results(found: { cases: FoundCase[]; total: number; more: boolean }, staff: StaffSession, page: number, pages: number, link: (p: number) => string, titleOf: (processKey: string) => string, nameOf: (actor: string) => string, colleagues: readonly StaffMember[]): SafeHtml {
  const first = (page - 1) * SEARCH_PAGE_SIZE + 1;
  const query = link(1).replace(/^\/staff\/search\?/, '');
  return html`<form method="post" action="/staff/search/filters" class="govuk-!-margin-bottom-6" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}"><input type="hidden" name="query" value="${query}">
<div class="govuk-form-group"><label class="govuk-label" for="filterName">${t('staff.search.saveAs')}</label><input class="govuk-input govuk-input--width-20" id="filterName" name="filterName" type="text"></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.search.save')}</button></form>
${found.cases.length === 0 ? html`<p class="govuk-body" id="no-cases">${t('staff.search.none')}</p>` : html`<form method="post" action="/staff/search/bulk" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}">
<table class="govuk-table govflow-fit-table" id="found-cases"><caption class="govuk-table__caption govuk-table__caption--m">${found.more ? t('staff.search.countMore', { count: found.total }) : t('staff.search.count', { count: found.total })}${pages > 1 ? t('staff.common.showing', { first, last: first + found.cases.length - 1 }) : ''}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.search.select')}</th><th scope="col" class="govuk-table__header">${t('staff.common.case')}</th><th scope="col" class="govuk-table__header">${t('staff.common.service')}</th><th scope="col" class="govuk-table__header">${t('staff.search.state')}</th><th scope="col" class="govuk-table__header">${t('staff.search.started')}</th><th scope="col" class="govuk-table__header">${t('staff.common.assignedTo')}</th></tr></thead>
<tbody class="govuk-table__body">${found.cases.map((c) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><div class="govuk-checkboxes govuk-checkboxes--small"><div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="case-${c.instanceId}" name="case" type="checkbox" value="${c.instanceId}"><label class="govuk-label govuk-checkboxes__label" for="case-${c.instanceId}"><span class="govuk-visually-hidden">${t('staff.search.selectCase', { reference: c.reference ?? caseLabel(c.instanceId) })}</span></label></div></div></td>
<td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${c.instanceId}">${c.reference ?? caseLabel(c.instanceId)}</a></td><td class="govuk-table__cell">${titleOf(c.processKey)}</td><td class="govuk-table__cell" data-state="${c.status}">${stateWords(c.status)}</td><td class="govuk-table__cell">${formatDay(c.startedAt)}</td><td class="govuk-table__cell">${c.assignees.length ? c.assignees.map(nameOf).join(', ') : t('staff.common.nobody')}</td></tr>`)}</tbody></table>
<div class="govuk-form-group"><label class="govuk-label" for="action">${t('staff.bulk.withTicked')}</label><select class="govuk-select" id="action" name="action"><option value="claim">${t('staff.task.claim')}</option><option value="reassign">${t('staff.bulk.reassign')}</option><option value="escalate">${t('staff.bulk.escalate')}</option></select></div>
<div class="govuk-form-group"><label class="govuk-label" for="bulk-assignee">${t('staff.bulk.reassignTo')}</label><select class="govuk-select" id="bulk-assignee" name="assignee"><option value="">${t('staff.common.nobody')}</option>${colleagues.map((c) => html`<option value="${c.actor}">${c.name}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="reason">${t('staff.bulk.reason')}</label><textarea class="govuk-textarea" id="reason" name="reason" rows="2"></textarea></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.bulk.apply')}</button></form>`}
${pagination(page, pages, link, t('staff.search.pages'))}`;
}
