import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalogue, Service } from '../catalogue/index.js';
import type { Engine, EventView, ProcessInstanceView, TaskView } from '../engine/index.js';
import { actorOf, candidateGroupsOf, inCaseScope, type Identity, type StaffPrincipal } from '../identity/index.js';
import { createLogger, isGovflowError, toGovflowError, type Logger } from '../kernel/index.js';
import type { Privacy } from '../privacy/index.js';
import { html, page, parseForm, SECURITY_HEADERS, type HtmlValue, type NavigationItem, type SafeHtml } from '../web/index.js';
import { addIsoDuration, slaState, taskKindOf, type SlaState } from './sla.js';

export interface WorkbenchOptions {
  readonly engine: Engine;
  readonly catalogue: Catalogue;
  readonly identity: Pick<Identity, 'pageSession' | 'checkCsrf'>;
  /** Reads of applicant data on the case page are logged for the person when given. */
  readonly privacy?: Pick<Privacy, 'recordAccess' | 'subjectOfInstance' | 'db'>;
  readonly agency?: { readonly code: string; readonly name: string };
  readonly logger?: Logger;
  readonly now?: () => Date;
}

const NAVIGATION: readonly NavigationItem[] = [{ href: '/staff', label: 'Inbox', key: 'inbox' }];
const VIEWS = ['unassigned', 'mine', 'team'] as const;
type View = (typeof VIEWS)[number];
const FORM_BODY_LIMIT = 64 * 1024;

class WorkbenchHttpError extends Error {
  constructor(readonly status: number, readonly title: string, readonly body: string) {
    super(title);
  }
}

const formatDate = (iso: string): string => new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }) + ' UTC';

function slaTag(sla: SlaState | null): SafeHtml {
  if (!sla) return html`<span class="govuk-body-s">No deadline</span>`;
  // The words carry the meaning; the colour only repeats it (WCAG 1.4.1).
  if (sla.overdue) return html`<strong class="govuk-tag govuk-tag--red">Overdue by ${sla.days} ${sla.days === 1 ? 'day' : 'days'}</strong>`;
  return html`<strong class="govuk-tag ${sla.days <= 2 ? 'govuk-tag--orange' : 'govuk-tag--grey'}">${sla.days} ${sla.days === 1 ? 'day' : 'days'} left</strong>`;
}

/**
 * The staff workbench: an inbox of the tasks of the signed-in person's departments with SLA countdowns, a case page
 * (applicant data — its read logged for the person —, open tasks, timeline from the event log, internal notes) and
 * the actions on a task (claim, complete, ask the applicant for more information, approve or refuse with reasons).
 */
export function createWorkbenchPlugin(options: WorkbenchOptions): (server: FastifyInstance) => Promise<void> {
  const { engine, catalogue, identity } = options;
  const log = options.logger ?? createLogger({ name: 'workbench' });
  const now = options.now ?? (() => new Date());
  const serviceOf = (processKey: string): Service | undefined => catalogue.services.find((s) => s.process.key === processKey);

  return async (server: FastifyInstance) => {
    server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
      done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
    });
    server.addHook('onSend', async (_request, reply, payload) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.headers(SECURITY_HEADERS);
      return payload;
    });
    server.setErrorHandler(async (error, request, reply) => {
      if (error instanceof WorkbenchHttpError) return send(reply, null, error.title, html`<h1 class="govuk-heading-l">${error.title}</h1><p class="govuk-body">${error.body}</p>`, error.status);
      // Fastify's own refusals (body too large, unsupported media type) keep their 4xx status.
      const fastifyStatus = (error as { statusCode?: number }).statusCode;
      if (!isGovflowError(error) && fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500) {
        return send(reply, null, 'There is a problem with your request', html`<h1 class="govuk-heading-l">There is a problem with your request</h1><p class="govuk-body">${fastifyStatus === 413 ? 'What you sent is too large.' : 'We could not read what you sent.'} Go back and try again.</p>`, fastifyStatus);
      }
      const coded = isGovflowError(error) ? error : toGovflowError(error);
      if (coded.kind === 'user') return send(reply, null, 'There is a problem', html`<h1 class="govuk-heading-l">There is a problem</h1><p class="govuk-body">${coded.message}</p><p class="govuk-body"><a class="govuk-link" href="/staff">Back to the inbox</a></p>`, coded.status);
      log.error({ err: error, reference: request.id, url: request.url }, 'workbench request failed');
      return send(reply, null, 'Sorry, there is a problem with the service', html`<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1><p class="govuk-body">Try again later. Reference: ${request.id}</p>`, 500);
    });

    function send(reply: FastifyReply, staff: { principal: StaffPrincipal; csrfToken: string } | null, title: string, content: HtmlValue, status = 200): FastifyReply {
      return reply.status(status).type('text/html; charset=utf-8').send(page({
        title, content, navigation: NAVIGATION, current: 'inbox', section: { name: 'Staff workbench', href: '/staff' }, wide: true,
        citizen: staff?.principal.name ?? null, ...(staff ? { csrfToken: staff.csrfToken } : {}),
      }).value);
    }

    /** The signed-in staff member, or a redirect to the staff sign-in (null is returned after replying). */
    async function staffSession(request: FastifyRequest, reply: FastifyReply): Promise<{ principal: StaffPrincipal; csrfToken: string } | null> {
      const s = await identity.pageSession(request, reply, { create: true });
      if (s.principal?.kind === 'staff') return { principal: s.principal, csrfToken: s.csrfToken };
      if (s.principal) throw new WorkbenchHttpError(403, 'You cannot use the staff workbench', 'This part of the site is for the staff of the municipality.');
      await reply.redirect(`/staff/sign-in?next=${encodeURIComponent(request.url.split('?')[0] ?? '/staff')}`, 303);
      return null;
    }

    async function postStaff(request: FastifyRequest, reply: FastifyReply): Promise<{ principal: StaffPrincipal; body: Record<string, string | string[]> } | null> {
      const staff = await staffSession(request, reply);
      if (!staff) return null;
      const body = (request.body ?? {}) as Record<string, string | string[]>;
      if (!(await identity.checkCsrf(request, body['csrf']))) throw new WorkbenchHttpError(403, 'Your session has expired', 'For your security, we could not accept that form. Go back, reload the page and try again.');
      return { principal: staff.principal, body };
    }

    /** A case the staff member may see: one of its user tasks is (or was) for their groups. Anything else is "not found". */
    async function caseInScope(principal: StaffPrincipal, id: number): Promise<{ instance: ProcessInstanceView; tasks: TaskView[] }> {
      const instance = await engine.getInstance(id).catch(() => null);
      if (!instance) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such case.');
      const tasks = [...await engine.listTasks({ instanceId: id, state: 'created', limit: 1000 }), ...await engine.listTasks({ instanceId: id, state: 'completed', limit: 1000 })];
      if (!inCaseScope(principal, tasks.flatMap((t) => t.candidateGroups))) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such case in your departments.');
      return { instance, tasks };
    }

    const taskSla = (task: TaskView): SlaState | null => {
      const service = serviceOf(task.processKey);
      const declared = service?.sla?.tasks?.[task.elementId];
      const due = task.dueAt ?? (declared ? addIsoDuration(task.createdAt, declared) : null);
      return due ? slaState(due, now()) : null;
    };

    // ------------------------------------------------------------------ inbox

    server.get<{ Querystring: { view?: string; service?: string; q?: string } }>('/staff', async (request, reply) => {
      const staff = await staffSession(request, reply);
      if (!staff) return reply;
      const { principal } = staff;
      const view: View = (VIEWS as readonly string[]).includes(request.query.view ?? '') ? request.query.view as View : 'unassigned';
      const groups = candidateGroupsOf(principal);
      const all = groups.length === 0 ? [] : await engine.listTasks({ state: 'created', candidateGroups: groups, limit: 500 });
      const isManager = principal.memberships.some((m) => m.role === 'manager');
      const serviceFilter = typeof request.query.service === 'string' ? request.query.service : '';
      const q = typeof request.query.q === 'string' ? request.query.q.trim().slice(0, 100) : '';
      const instances = new Map<number, ProcessInstanceView>();
      for (const t of all) if (!instances.has(t.instanceId)) instances.set(t.instanceId, await engine.getInstance(t.instanceId));
      const tasks = all.filter((t) => (view === 'unassigned' ? !t.assignee : view === 'mine' ? t.assignee === actorOf(principal) : isManager))
        .filter((t) => !serviceFilter || serviceOf(t.processKey)?.id === serviceFilter)
        .filter((t) => !q || (instances.get(t.instanceId)?.businessKey ?? '').toLowerCase().includes(q.toLowerCase()));
      const tab = (v: View, label: string): SafeHtml => html`<li class="govuk-service-navigation__item${v === view ? ' govuk-service-navigation__item--active' : ''}"><a class="govuk-service-navigation__link" href="/staff?view=${v}"${v === view ? html` aria-current="page"` : ''}>${label}</a></li>`;
      return send(reply, staff, 'Inbox', html`<h1 class="govuk-heading-l">Inbox</h1>
<p class="govuk-body">Tasks for ${principal.departments.join(', ') || 'no department'}.</p>
<nav aria-label="Inbox views" class="govuk-!-margin-bottom-4"><ul class="govuk-service-navigation__list">${tab('unassigned', 'Unassigned')}${tab('mine', 'Assigned to me')}${isManager ? tab('team', 'Team') : ''}</ul></nav>
<form method="get" action="/staff" class="govuk-!-margin-bottom-4" novalidate>
<input type="hidden" name="view" value="${view}">
<div class="govuk-form-group"><label class="govuk-label" for="service">Service</label>
<select class="govuk-select" id="service" name="service"><option value="">All services</option>${catalogue.services.map((s) => html`<option value="${s.id}"${s.id === serviceFilter ? html` selected` : ''}>${s.title}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="q">Reference</label><input class="govuk-input govuk-input--width-20" id="q" name="q" type="search" value="${q}"></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Filter</button>
</form>
${tasks.length === 0 ? html`<p class="govuk-body">There are no tasks here.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${tasks.length} ${tasks.length === 1 ? 'task' : 'tasks'}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Case</th><th scope="col" class="govuk-table__header">Service</th><th scope="col" class="govuk-table__header">Task</th><th scope="col" class="govuk-table__header">Deadline</th><th scope="col" class="govuk-table__header">Assigned to</th></tr></thead>
<tbody class="govuk-table__body">${tasks.map((t) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${t.instanceId}">${instances.get(t.instanceId)?.businessKey ?? `Case ${t.instanceId}`}</a></td><td class="govuk-table__cell">${serviceOf(t.processKey)?.title ?? t.processKey}</td><td class="govuk-table__cell">${t.name ?? t.elementId}</td><td class="govuk-table__cell">${slaTag(taskSla(t))}</td><td class="govuk-table__cell">${t.assignee ?? 'Nobody'}</td></tr>`)}</tbody></table>`}`);
    });

    // ------------------------------------------------------------------ case page

    server.get<{ Params: { id: string } }>('/staff/cases/:id', async (request, reply) => {
      const staff = await staffSession(request, reply);
      if (!staff) return reply;
      const id = Number(request.params.id);
      if (!Number.isSafeInteger(id) || id <= 0) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such case.');
      const { instance, tasks } = await caseInScope(staff.principal, id);
      const service = serviceOf(instance.processKey);
      // Showing the applicant's data is a read of personal data: logged for the person before it is shown.
      const subject = options.privacy ? await options.privacy.subjectOfInstance(id) : null;
      if (options.privacy && subject) {
        await options.privacy.recordAccess(options.privacy.db, {
          subject, actor: actorOf(staff.principal), receiverCode: options.agency?.code ?? 'demo-municipality', receiverName: options.agency?.name ?? 'Demo Municipality',
          receiverSystem: 'govflow-workbench', action: 'case.viewed', dataCategories: ['application'], purpose: 'case handling', reference: instance.businessKey ?? `case:${id}`,
        });
      }
      const events: EventView[] = await engine.getEvents(id);
      const notes = events.filter((e) => e.type === 'case.note-added');
      const open = tasks.filter((t) => t.state === 'created');
      const variables = Object.entries(instance.variables as Record<string, unknown>).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
      const title = instance.businessKey ?? `Case ${id}`;
      return send(reply, staff, title, html`<span class="govuk-caption-l">${service?.title ?? instance.processKey}</span>
<h1 class="govuk-heading-l">${title}</h1>
<h2 class="govuk-heading-m">Open tasks</h2>
${open.length === 0 ? html`<p class="govuk-body">No open tasks.</p>` : open.map((t) => taskPanel(t, staff))}
<h2 class="govuk-heading-m">Application</h2>
<dl class="govuk-summary-list">${variables.map(([k, v]) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${k}</dt><dd class="govuk-summary-list__value">${String(v)}</dd></div>`)}</dl>
<h2 class="govuk-heading-m">Internal notes</h2>
${notes.length === 0 ? html`<p class="govuk-body">No notes yet.</p>` : html`<ul class="govuk-list">${notes.map((n) => html`<li><strong>${n.actor ?? ''}</strong>, ${formatDate(n.occurredAt)}: ${String(n.data['text'] ?? '')}</li>`)}</ul>`}
<form method="post" action="/staff/cases/${id}/notes" novalidate>
<input type="hidden" name="csrf" value="${staff.csrfToken}">
<div class="govuk-form-group"><label class="govuk-label" for="note">Add a note (only staff see it)</label><textarea class="govuk-textarea" id="note" name="note" rows="3"></textarea></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Add note</button>
</form>
<h2 class="govuk-heading-m">Timeline</h2>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Every recorded step of the case, from the event log</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">What</th><th scope="col" class="govuk-table__header">Step</th><th scope="col" class="govuk-table__header">Who</th></tr></thead>
<tbody class="govuk-table__body">${events.map((e) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${formatDate(e.occurredAt)}</td><td class="govuk-table__cell">${e.type}</td><td class="govuk-table__cell">${e.elementId ?? ''}</td><td class="govuk-table__cell">${e.actor ?? ''}</td></tr>`)}</tbody></table>`);
    });

    function taskPanel(task: TaskView, staff: { principal: StaffPrincipal; csrfToken: string }): SafeHtml {
      const csrf = html`<input type="hidden" name="csrf" value="${staff.csrfToken}">`;
      const heading = html`<h3 class="govuk-heading-s">${task.name ?? task.elementId} ${slaTag(taskSla(task))}</h3>`;
      const mayWork = inCaseScope(staff.principal, task.candidateGroups);
      if (!task.assignee) {
        return html`<div class="govuk-inset-text">${heading}<p class="govuk-body">Nobody is working on this task.</p>${mayWork ? html`<form method="post" action="/staff/tasks/${task.id}/claim" novalidate>${csrf}<button type="submit" class="govuk-button" data-module="govuk-button">Assign to me</button></form>` : ''}</div>`;
      }
      if (task.assignee !== actorOf(staff.principal)) return html`<div class="govuk-inset-text">${heading}<p class="govuk-body">Assigned to ${task.assignee}.</p></div>`;
      const kind = taskKindOf(task.elementId);
      const fields = kind === 'completeness'
        ? html`<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Is the application complete?</legend>
<div class="govuk-radios" data-module="govuk-radios"><div class="govuk-radios__item"><input class="govuk-radios__input" id="complete-${task.id}" name="complete" type="radio" value="yes"><label class="govuk-label govuk-radios__label" for="complete-${task.id}">Yes</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="complete-${task.id}-2" name="complete" type="radio" value="no"><label class="govuk-label govuk-radios__label" for="complete-${task.id}-2">No, ask the applicant for more information</label></div></div></fieldset></div>
<div class="govuk-form-group"><label class="govuk-label" for="question-${task.id}">What should the applicant send? (the applicant sees this)</label><textarea class="govuk-textarea" id="question-${task.id}" name="question" rows="3"></textarea></div>`
        : kind === 'decision'
          ? html`<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Decision</legend>
<div class="govuk-radios" data-module="govuk-radios"><div class="govuk-radios__item"><input class="govuk-radios__input" id="decision-${task.id}" name="decision" type="radio" value="approved"><label class="govuk-label govuk-radios__label" for="decision-${task.id}">Approve</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="decision-${task.id}-2" name="decision" type="radio" value="refused"><label class="govuk-label govuk-radios__label" for="decision-${task.id}-2">Refuse</label></div></div></fieldset></div>
<div class="govuk-form-group"><label class="govuk-label" for="reasons-${task.id}">Reasons (the applicant sees these)</label><textarea class="govuk-textarea" id="reasons-${task.id}" name="reasons" rows="4"></textarea></div>`
          : html`<div class="govuk-form-group"><label class="govuk-label" for="comment-${task.id}">Findings (kept as an internal note)</label><textarea class="govuk-textarea" id="comment-${task.id}" name="comment" rows="3"></textarea></div>`;
      return html`<div class="govuk-inset-text">${heading}<form method="post" action="/staff/tasks/${task.id}/complete" novalidate>${csrf}${fields}<button type="submit" class="govuk-button" data-module="govuk-button">Complete task</button></form></div>`;
    }

    // ------------------------------------------------------------------ actions

    async function taskForAction(principal: StaffPrincipal, id: string): Promise<TaskView> {
      const taskId = Number(id);
      const task = Number.isSafeInteger(taskId) && taskId > 0 ? await engine.getTask(taskId).catch(() => null) : null;
      if (!task || !inCaseScope(principal, task.candidateGroups)) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such task in your departments.');
      return task;
    }

    server.post<{ Params: { id: string } }>('/staff/tasks/:id/claim', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const task = await taskForAction(post.principal, request.params.id);
      await engine.claimTask(task.id, actorOf(post.principal));
      return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
    });

    server.post<{ Params: { id: string } }>('/staff/tasks/:id/complete', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const task = await taskForAction(post.principal, request.params.id);
      if (task.assignee !== actorOf(post.principal)) throw new WorkbenchHttpError(409, 'Assign the task to yourself first', 'Only the person a task is assigned to can complete it.');
      const text = (name: string): string => (typeof post.body[name] === 'string' ? (post.body[name] as string).trim() : '');
      const actor = actorOf(post.principal);
      const kind = taskKindOf(task.elementId);
      let variables: Record<string, unknown> = {};
      if (kind === 'completeness') {
        const complete = text('complete');
        if (complete !== 'yes' && complete !== 'no') throw new WorkbenchHttpError(400, 'Say whether the application is complete', 'Go back and choose Yes or No.');
        if (complete === 'no' && (!text('question') || text('question').length > 2000)) throw new WorkbenchHttpError(400, 'Enter what the applicant should send', 'Go back and write the question (up to 2,000 characters).');
        variables = complete === 'yes' ? { complete: true } : { complete: false, informationRequested: text('question') };
      } else if (kind === 'decision') {
        const decision = text('decision');
        if (decision !== 'approved' && decision !== 'refused') throw new WorkbenchHttpError(400, 'Choose a decision', 'Go back and choose Approve or Refuse.');
        if (decision === 'refused' && !text('reasons')) throw new WorkbenchHttpError(400, 'Enter the reasons for the refusal', 'Go back and write the reasons; the applicant sees them.');
        if (text('reasons').length > 4000) throw new WorkbenchHttpError(400, 'The reasons are too long', 'Go back and shorten them to 4,000 characters or fewer.');
        variables = { decision, decisionReasons: text('reasons') };
      } else if (text('comment')) {
        if (text('comment').length > 4000) throw new WorkbenchHttpError(400, 'The findings are too long', 'Go back and shorten them to 4,000 characters or fewer.');
        await engine.recordCaseEvent(task.instanceId, { type: 'case.note-added', elementId: task.elementId, data: { text: text('comment') } }, { actor });
      }
      await engine.completeTask(task.id, { variables, actor });
      return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
    });

    server.post<{ Params: { id: string } }>('/staff/cases/:id/notes', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const id = Number(request.params.id);
      if (!Number.isSafeInteger(id) || id <= 0) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such case.');
      await caseInScope(post.principal, id);
      const note = typeof post.body['note'] === 'string' ? post.body['note'].trim() : '';
      if (!note || note.length > 4000) throw new WorkbenchHttpError(400, 'Enter a note', 'Go back and write a note of up to 4,000 characters.');
      await engine.recordCaseEvent(id, { type: 'case.note-added', data: { text: note } }, { actor: actorOf(post.principal) });
      return reply.redirect(`/staff/cases/${id}`, 303);
    });
  };
}
