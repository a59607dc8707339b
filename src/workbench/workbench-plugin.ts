import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalogue, Service } from '../catalogue/index.js';
import type { Engine, EventView, ProcessInstanceView, TaskView } from '../engine/index.js';
import { actorOf, candidateGroupsOf, inCaseScope, inDepartment, listStaffOfDepartment, type Identity, type StaffMember, type StaffPrincipal } from '../identity/index.js';
import { createLogger, GovflowError, isGovflowError, toGovflowError, type Logger } from '../kernel/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Queryable } from '../store/index.js';
import { html, page, renderErrorSummary, renderFormFields, useHtmlPageEdge, type FieldError, type HtmlValue, type NavigationItem, type RawInput, type SafeHtml } from '../web/index.js';
import { diagramOf, type ProcessDiagram } from './diagram.js';
import { addIsoDuration, applicantPauses, caseSlaState, slaState, type CaseSla, type SlaState } from './sla.js';
import { readTaskForm, requiredWhenRules } from './task-form.js';

export interface WorkbenchOptions {
  readonly engine: Engine;
  readonly catalogue: Catalogue;
  readonly identity: Pick<Identity, 'pageSession' | 'checkCsrf'>;
  /** Reads of applicant data on the case page and downloads of their documents are logged for the person when given. */
  readonly privacy?: Pick<Privacy, 'recordInstanceAccess' | 'db'>;
  /** The database of the staff directory; defaults to the privacy module's. */
  readonly db?: Queryable;
  /** The applicant's uploaded documents of a case (the portal's `caseDocuments`); none shown when not given. */
  readonly caseDocuments?: {
    list(reference: string): Promise<readonly { id: number; key: string; filename: string; mediaType: string; sizeBytes: number; sha256: string; createdAt: string }[]>;
    read(id: number, reference: string): Promise<{ filename: string; mediaType: string; content: Uint8Array } | null>;
  };
  readonly agency?: { readonly code: string; readonly name: string };
  readonly logger?: Logger;
  readonly now?: () => Date;
}

const NAVIGATION: readonly NavigationItem[] = [{ href: '/staff', label: 'Inbox', key: 'inbox' }];
const VIEWS = ['unassigned', 'mine', 'team'] as const;
type View = (typeof VIEWS)[number];
const FORM_BODY_LIMIT = 64 * 1024;
/** Rows per inbox page; the engine counts and pages in the database, so a department with 10,000 tasks pages too. */
export const INBOX_PAGE_SIZE = 50;
const MAX_REASON = 2000;

/**
 * The case page's policy: the layout's (nothing inline, nothing from elsewhere) plus exactly what the bpmn-js
 * viewer needs — its script and the boot script from 'self', and `fetch` of the case's BPMN from 'self'. The viewer
 * styles its SVG through the DOM (not inline `style` attributes), so styles stay 'self' only.
 */
export const CASE_PAGE_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const requireFromHere = createRequire(import.meta.url);
/** The files the diagram needs, served by this plugin under /staff/assets/ (a fixed list: no path from a request reaches the disk). */
const ASSETS: Readonly<Record<string, { file: () => string; type: string }>> = {
  'bpmn-viewer.js': { file: () => requireFromHere.resolve('bpmn-js/dist/bpmn-navigated-viewer.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'diagram-js.css': { file: () => requireFromHere.resolve('bpmn-js/dist/assets/diagram-js.css'), type: 'text/css; charset=utf-8' },
  'bpmn-js.css': { file: () => requireFromHere.resolve('bpmn-js/dist/assets/bpmn-js.css'), type: 'text/css; charset=utf-8' },
  'case-diagram.js': { file: () => fileURLToPath(new URL('./assets/case-diagram.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  'case-diagram.css': { file: () => fileURLToPath(new URL('./assets/case-diagram.css', import.meta.url)), type: 'text/css; charset=utf-8' },
};

class WorkbenchHttpError extends Error {
  constructor(readonly status: number, readonly title: string, readonly body: string) {
    super(title);
  }
}

type StaffSession = { principal: StaffPrincipal; csrfToken: string };
/** What a POST sent back to the case page with its problems: the errors show next to the fields and in a summary. */
interface FormState {
  readonly taskId: number;
  readonly action: 'complete' | 'assign' | 'escalate' | 'note';
  readonly input: RawInput;
  readonly errors: readonly FieldError[];
}

// One formatter per process: Date#toLocaleString builds a new Intl.DateTimeFormat on every call (≈ 0.15 ms each,
// the largest single cost of a status page before).
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const formatDate = (iso: string): string => DATE_TIME.format(new Date(iso)) + ' UTC';
const formatDay = (iso: string): string => DAY.format(new Date(iso));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function slaTag(sla: SlaState | null): SafeHtml {
  if (!sla) return html`<span class="govuk-body-s">No deadline</span>`;
  // The words carry the meaning; the colour only repeats it (WCAG 1.4.1).
  if (sla.overdue) return html`<strong class="govuk-tag govuk-tag--red">Overdue by ${plural(sla.days, 'day')}</strong>`;
  return html`<strong class="govuk-tag ${sla.days <= 2 ? 'govuk-tag--orange' : 'govuk-tag--grey'}">${plural(sla.days, 'day')} left</strong>`;
}

function caseSlaTag(sla: CaseSla | null): SafeHtml {
  if (!sla) return html`<span class="govuk-body-s">No deadline</span>`;
  if (sla.paused) return html`<strong class="govuk-tag govuk-tag--blue">Paused: waiting for the applicant (${plural(sla.days, 'day')} left)</strong>`;
  return slaTag(sla);
}

const bytes = (n: number): string => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
/** A file name fit for a Content-Disposition header (ASCII, no quotes or separators), the full name in filename*. */
const dispositionOf = (name: string): string => `attachment; filename="${name.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 150) || 'document'}"; filename*=UTF-8''${encodeURIComponent(name)}`;
const departmentOf = (task: TaskView): string | null => task.candidateGroups[0]?.split('/')[0] ?? null;
const isManagerGroup = (task: TaskView): boolean => task.candidateGroups.length > 0 && task.candidateGroups.every((g) => g.endsWith('/manager'));
const text = (body: Record<string, string | string[]>, name: string): string => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');

/**
 * The staff workbench: an inbox of the tasks of the signed-in person's departments with task and case SLA
 * countdowns, paged; a case page (applicant data and documents — each read logged for the person —, the process
 * diagram with the current position, open tasks with their catalogue forms, timeline from the event log, internal
 * notes) and the actions on a task (claim, release, reassign, escalate, complete).
 */
export function createWorkbenchPlugin(options: WorkbenchOptions): (server: FastifyInstance) => Promise<void> {
  const { engine, catalogue, identity } = options;
  const log = options.logger ?? createLogger({ name: 'workbench' });
  const now = options.now ?? (() => new Date());
  const db = options.db ?? options.privacy?.db ?? null;
  const serviceOf = (processKey: string): Service | undefined => catalogue.services.find((s) => s.process.key === processKey);
  // A `requiredWhen` the workbench cannot read is a broken catalogue: refuse to start rather than skip the rule.
  const formProblems = catalogue.services.flatMap((s) => Object.values(s.taskForms).flatMap((f) => requiredWhenRules(f.form).problems.map((p) => ({ where: `services/${s.id}/${f.formFile}`, message: p }))));
  if (formProblems.length > 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `task forms: ${formProblems.map((p) => `${p.where}: ${p.message}`).join('; ')}`, formProblems);
  const diagrams = new Map<number, Promise<ProcessDiagram>>();
  const diagramFor = (definitionId: number): Promise<ProcessDiagram> => {
    let d = diagrams.get(definitionId);
    if (!d) {
      // Definitions never change once deployed, so one layout per definition serves every case of it.
      d = engine.getProcessXml(definitionId).then(diagramOf);
      d.catch(() => diagrams.delete(definitionId));
      if (diagrams.size > 200) diagrams.clear();
      diagrams.set(definitionId, d);
    }
    return d;
  };
  const diagramPages = new WeakSet<FastifyReply>();

  return async (server: FastifyInstance) => {
    useHtmlPageEdge(server, { formBodyLimit: FORM_BODY_LIMIT, cspFor: (reply) => (diagramPages.has(reply) ? CASE_PAGE_CSP : undefined) });
    server.setErrorHandler(async (error, request, reply) => {
      diagramPages.delete(reply);
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

    function send(reply: FastifyReply, staff: StaffSession | null, title: string, content: HtmlValue, status = 200, extra: { scripts?: string[]; stylesheets?: string[] } = {}): FastifyReply {
      return reply.status(status).type('text/html; charset=utf-8').send(page({
        title, content, navigation: NAVIGATION, current: 'inbox', section: { name: 'Staff workbench', href: '/staff' }, wide: true,
        citizen: staff?.principal.name ?? null, ...(staff ? { csrfToken: staff.csrfToken } : {}), ...extra,
      }).value);
    }

    /** The signed-in staff member, or a redirect to the staff sign-in (null is returned after replying). */
    async function staffSession(request: FastifyRequest, reply: FastifyReply): Promise<StaffSession | null> {
      // No session is created here (a read never writes): the sign-in page it redirects to makes one.
      const s = await identity.pageSession(request, reply);
      if (s.principal?.kind === 'staff') return { principal: s.principal, csrfToken: s.csrfToken };
      if (s.principal) throw new WorkbenchHttpError(403, 'You cannot use the staff workbench', 'This part of the site is for the staff of the municipality.');
      await reply.redirect(`/staff/sign-in?next=${encodeURIComponent(request.url.split('?')[0] ?? '/staff')}`, 303);
      return null;
    }

    async function postStaff(request: FastifyRequest, reply: FastifyReply): Promise<(StaffSession & { body: Record<string, string | string[]> }) | null> {
      const staff = await staffSession(request, reply);
      if (!staff) return null;
      const body = (request.body ?? {}) as Record<string, string | string[]>;
      if (!(await identity.checkCsrf(request, body['csrf']))) throw new WorkbenchHttpError(403, 'Your session has expired', 'For your security, we could not accept that form. Go back, reload the page and try again.');
      return { ...staff, body };
    }

    const caseId = (raw: string): number => {
      const id = Number(raw);
      if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(id) || id <= 0) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such case.');
      return id;
    };

    /** A case the staff member may see: one of its user tasks is (or was) for their groups. Anything else is "not found". */
    async function caseInScope(principal: StaffPrincipal, id: number): Promise<{ instance: ProcessInstanceView; tasks: TaskView[] }> {
      const instance = await engine.getInstance(id).catch(() => null);
      if (!instance) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such case.');
      const tasks = [...await engine.listTasks({ instanceId: id, state: 'created', limit: 1000 }), ...await engine.listTasks({ instanceId: id, state: 'completed', limit: 1000 })];
      if (!inCaseScope(principal, tasks.flatMap((t) => t.candidateGroups))) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such case in your departments.');
      return { instance, tasks };
    }

    const taskSla = (task: TaskView): SlaState | null => {
      const declared = serviceOf(task.processKey)?.sla?.tasks?.[task.elementId];
      const due = task.dueAt ?? (declared ? addIsoDuration(task.createdAt, declared) : null);
      return due ? slaState(due, now()) : null;
    };

    /** The case SLA from the catalogue, with the time the case waited for the applicant taken out when the service says so. */
    function caseSla(instance: ProcessInstanceView, events: readonly EventView[] | null): CaseSla | null {
      const service = serviceOf(instance.processKey);
      if (!service?.sla?.case) return null;
      const waitingAt = [service.informationRequest?.waitingAt, service.payment?.waitingAt].filter((x): x is string => !!x);
      const pauses = service.sla.pauseWhileWaitingForApplicant && events ? applicantPauses(events, waitingAt) : [];
      return caseSlaState(instance.startedAt, service.sla.case, pauses, now(), instance.endedAt);
    }
    const needsEvents = (processKey: string): boolean => !!serviceOf(processKey)?.sla?.pauseWhileWaitingForApplicant;
    /** Every element where a case of a pausing service waits for the applicant: the only events an inbox row reads. */
    const pauseElements = (): string[] => [...new Set(catalogue.services.filter((s) => s.sla?.pauseWhileWaitingForApplicant).flatMap((s) => [s.informationRequest?.waitingAt, s.payment?.waitingAt]).filter((x): x is string => !!x))];

    async function recordRead(principal: StaffPrincipal, instance: ProcessInstanceView, action: string, categories: string[]): Promise<void> {
      if (!options.privacy) return;
      await options.privacy.recordInstanceAccess(instance.id, {
        actor: actorOf(principal), receiverCode: options.agency?.code ?? 'demo-municipality', receiverName: options.agency?.name ?? 'Demo Municipality',
        receiverSystem: 'govflow-workbench', action, dataCategories: categories, purpose: 'case handling', reference: instance.businessKey ?? `case:${instance.id}`,
      });
    }

    // ------------------------------------------------------------------ assets

    server.get<{ Params: { file: string } }>('/staff/assets/:file', async (request, reply) => {
      const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
      if (!asset) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such file.');
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

    // ------------------------------------------------------------------ case page

    server.get<{ Params: { id: string } }>('/staff/cases/:id', async (request, reply) => {
      const staff = await staffSession(request, reply);
      if (!staff) return reply;
      return renderCase(reply, staff, caseId(request.params.id), null);
    });

    const uploadsOf = async (reference: string | null) => (options.caseDocuments && reference ? options.caseDocuments.list(reference) : []);

    async function renderCase(reply: FastifyReply, staff: StaffSession, id: number, state: FormState | null): Promise<FastifyReply> {
      const { instance, tasks } = await caseInScope(staff.principal, id);
      const service = serviceOf(instance.processKey);
      // Showing the applicant's data is a read of personal data: logged for the person before it is shown.
      await recordRead(staff.principal, instance, 'case.viewed', ['application']);
      const events: EventView[] = await engine.getEvents(id);
      const notes = events.filter((e) => e.type === 'case.note-added');
      const open = tasks.filter((t) => t.state === 'created');
      const variables = Object.entries(instance.variables as Record<string, unknown>).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
      const title = instance.businessKey ?? `Case ${id}`;
      const sla = caseSla(instance, events);
      const uploads = await uploadsOf(instance.businessKey);
      const decisionCode = (instance.variables as Record<string, unknown>)['decisionCode'];
      const diagram = await diagramFor(instance.definitionId).catch((error: unknown) => {
        log.warn({ err: error, definitionId: instance.definitionId }, 'no diagram for the case');
        return null;
      });
      const activeIds = [...new Set(instance.activeElements.map((a) => a.elementId))];
      const currentSteps = activeIds.filter((a) => !diagram?.containers.has(a));
      const completedIds = [...new Set(events.filter((e) => e.type === 'element.completed' && e.elementId).map((e) => e.elementId!))];
      const stepName = (elementId: string): string => diagram?.names.get(elementId) ?? tasks.find((t) => t.elementId === elementId)?.name ?? elementId;
      const colleagues = new Map<string, StaffMember[]>();
      for (const t of open) {
        const department = departmentOf(t);
        if (db && department && inDepartment(staff.principal, department, 'manager') && !colleagues.has(`${department}${isManagerGroup(t) ? '/manager' : ''}`)) {
          colleagues.set(`${department}${isManagerGroup(t) ? '/manager' : ''}`, await listStaffOfDepartment(db, department, isManagerGroup(t) ? 'manager' : undefined));
        }
      }
      const errors = state?.errors ?? [];
      if (diagram) diagramPages.add(reply);
      const timelineDetail = (e: EventView): string => {
        if (e.type === 'case.note-added') return String(e.data['text'] ?? '');
        if (e.type === 'task.escalated') return `to ${(e.data['to'] as string[] | undefined)?.join(', ') ?? ''}: ${String(e.data['reason'] ?? '')}`;
        if (e.type === 'task.assigned') return e.data['assignee'] ? `to ${String(e.data['assignee'])}` : 'to nobody';
        if (e.type === 'task.claimed') return `to ${String(e.data['assignee'] ?? '')}`;
        if (e.type === 'task.unclaimed') return `released by ${String(e.data['previousAssignee'] ?? '')}`;
        return '';
      };
      return send(reply, staff, `${errors.length > 0 ? 'Error: ' : ''}${title}`, html`${renderErrorSummary(errors)}<span class="govuk-caption-l">${service?.title ?? instance.processKey}</span>
<h1 class="govuk-heading-l">${title}</h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Case deadline</dt><dd class="govuk-summary-list__value">${sla ? html`${caseSlaTag(sla)} <span class="govuk-body-s">${formatDay(sla.dueAt)}${service?.sla ? ` (${service.sla.case}${service.sla.pauseWhileWaitingForApplicant ? ', the clock stops while the case waits for the applicant' : ''})` : ''}${sla.pausedMs > 0 ? `; waited for the applicant ${plural(Math.round(sla.pausedMs / 3_600_000), 'hour')}` : ''}</span>` : 'No deadline'}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Current step</dt><dd class="govuk-summary-list__value" id="current-steps">${currentSteps.length === 0 ? (instance.state === 'active' ? 'None' : `The case is ${instance.state}`) : currentSteps.map(stepName).join(', ')}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Signed decision</dt><dd class="govuk-summary-list__value">${typeof decisionCode === 'string' && decisionCode ? html`<a class="govuk-link" href="/verify/${encodeURIComponent(decisionCode)}">Verify decision ${decisionCode}</a>` : 'Not issued yet'}</dd></div>
</dl>
<h2 class="govuk-heading-m">Open tasks</h2>
${open.length === 0 ? html`<p class="govuk-body">No open tasks.</p>` : open.map((t) => taskPanel(t, staff, state?.taskId === t.id ? state : null, colleagues.get(`${departmentOf(t) ?? ''}${isManagerGroup(t) ? '/manager' : ''}`) ?? null))}
<h2 class="govuk-heading-m">Process</h2>
${diagram ? html`<figure class="govuk-!-margin-0">
<figcaption class="govuk-body">Where the case is in the process: the current step${currentSteps.length === 1 ? ' is' : 's are'} outlined in thick blue, the steps passed in green.</figcaption>
<div id="case-diagram" class="govflow-diagram" data-src="/staff/cases/${id}/diagram.bpmn" data-active="${currentSteps.join(' ')}" data-active-scopes="${activeIds.filter((a) => diagram.containers.has(a)).join(' ')}" data-completed="${completedIds.join(' ')}"></div>
</figure>` : html`<p class="govuk-body">The diagram of this process cannot be shown.</p>`}
<h2 class="govuk-heading-m">Application</h2>
<dl class="govuk-summary-list">${variables.map(([k, v]) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${k}</dt><dd class="govuk-summary-list__value">${String(v)}</dd></div>`)}</dl>
<h2 class="govuk-heading-m">Documents</h2>
${uploads.length === 0 ? html`<p class="govuk-body">The applicant has not uploaded any documents.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Uploaded by the applicant (type checked by content)</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Document</th><th scope="col" class="govuk-table__header">Type</th><th scope="col" class="govuk-table__header">Size</th><th scope="col" class="govuk-table__header">SHA-256</th><th scope="col" class="govuk-table__header">Uploaded</th></tr></thead>
<tbody class="govuk-table__body">${uploads.map((u) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${id}/documents/${u.id}">${u.filename}</a></td><td class="govuk-table__cell">${u.mediaType}</td><td class="govuk-table__cell">${bytes(u.sizeBytes)}</td><td class="govuk-table__cell"><code class="govuk-!-font-size-14">${u.sha256}</code></td><td class="govuk-table__cell">${formatDate(u.createdAt)}</td></tr>`)}</tbody></table>`}
<h2 class="govuk-heading-m">Internal notes</h2>
${notes.length === 0 ? html`<p class="govuk-body">No notes yet.</p>` : html`<ul class="govuk-list">${notes.map((n) => html`<li><strong>${n.actor ?? ''}</strong>, ${formatDate(n.occurredAt)}: ${String(n.data['text'] ?? '')}</li>`)}</ul>`}
<form method="post" action="/staff/cases/${id}/notes" novalidate>
<input type="hidden" name="csrf" value="${staff.csrfToken}">
${noteField(state)}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Add note</button>
</form>
<h2 class="govuk-heading-m">Timeline</h2>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">Every recorded step of the case, from the event log</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">What</th><th scope="col" class="govuk-table__header">Step</th><th scope="col" class="govuk-table__header">Who</th><th scope="col" class="govuk-table__header">Details</th></tr></thead>
<tbody class="govuk-table__body">${events.map((e) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${formatDate(e.occurredAt)}</td><td class="govuk-table__cell">${e.type}</td><td class="govuk-table__cell">${e.elementId ?? ''}</td><td class="govuk-table__cell">${e.actor ?? ''}</td><td class="govuk-table__cell">${timelineDetail(e)}</td></tr>`)}</tbody></table>`,
      errors.length > 0 ? 400 : 200,
      diagram ? { scripts: ['/staff/assets/bpmn-viewer.js', '/staff/assets/case-diagram.js'], stylesheets: ['/staff/assets/diagram-js.css', '/staff/assets/bpmn-js.css', '/staff/assets/case-diagram.css'] } : {});
    }

    function noteField(state: FormState | null): SafeHtml {
      const error = state?.action === 'note' ? state.errors.find((e) => e.key === 'note') : undefined;
      const value = state?.action === 'note' ? String(state.input['note'] ?? '') : '';
      return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="note">Add a note (only staff see it)</label>${error ? html`<p id="note-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : ''}<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="note" name="note" rows="3"${error ? html` aria-describedby="note-error"` : ''}>${value}</textarea></div>`;
    }

    function taskPanel(task: TaskView, staff: StaffSession, state: FormState | null, colleagues: StaffMember[] | null): SafeHtml {
      const csrf = html`<input type="hidden" name="csrf" value="${staff.csrfToken}">`;
      const me = actorOf(staff.principal);
      const department = departmentOf(task);
      const isManager = !!department && inDepartment(staff.principal, department, 'manager');
      const nameOf = (actor: string): string => colleagues?.find((c) => c.actor === actor)?.name ?? actor;
      const heading = html`<h3 class="govuk-heading-s">${task.name ?? task.elementId} ${slaTag(taskSla(task))}</h3>`;
      const mayWork = inCaseScope(staff.principal, task.candidateGroups);
      const errorOf = (key: string): FieldError | undefined => state?.errors.find((e) => e.key === key);
      const parts: SafeHtml[] = [];
      if (!task.assignee) {
        parts.push(html`<p class="govuk-body">Nobody is working on this task.</p>${mayWork ? html`<form method="post" action="/staff/tasks/${task.id}/claim" novalidate>${csrf}<button type="submit" class="govuk-button" data-module="govuk-button">Assign to me</button></form>` : ''}`);
      } else if (task.assignee !== me) {
        parts.push(html`<p class="govuk-body">Assigned to ${nameOf(task.assignee)}.</p>`);
      } else {
        const form = serviceOf(task.processKey)?.taskForms[task.elementId];
        const input = state?.action === 'complete' ? state.input : (form?.defaults ?? {});
        parts.push(html`<p class="govuk-body">Assigned to you.</p><form method="post" action="/staff/tasks/${task.id}/complete" novalidate>${csrf}${form ? renderFormFields(form.form, input, state?.action === 'complete' ? state.errors : []) : ''}<button type="submit" class="govuk-button" data-module="govuk-button">Complete task</button></form>
<form method="post" action="/staff/tasks/${task.id}/release" novalidate>${csrf}<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Release task</button></form>`);
      }
      if (isManager && colleagues) {
        const chosen = state?.action === 'assign' ? String(state.input['assignee'] ?? '') : (task.assignee ?? '');
        const error = state?.action === 'assign' ? errorOf('assignee') : undefined;
        parts.push(html`<form method="post" action="/staff/tasks/${task.id}/assign" novalidate>${csrf}<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="assignee-${task.id}">Assign to a colleague</label>${error ? html`<p id="assignee-${task.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : ''}
<select class="govuk-select${error ? ' govuk-select--error' : ''}" id="assignee-${task.id}" name="assignee"${error ? html` aria-describedby="assignee-${task.id}-error"` : ''}><option value="">Nobody</option>${colleagues.map((c) => html`<option value="${c.actor}"${c.actor === chosen ? html` selected` : ''}>${c.name}</option>`)}</select></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Assign</button></form>`);
      }
      if ((task.assignee === me || isManager) && !isManagerGroup(task) && department) {
        const error = state?.action === 'escalate' ? errorOf('reason') : undefined;
        const value = state?.action === 'escalate' ? String(state.input['reason'] ?? '') : '';
        parts.push(html`<details class="govuk-details"${error ? html` open` : ''}><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Escalate to a manager of ${department}</span></summary><div class="govuk-details__text">
<form method="post" action="/staff/tasks/${task.id}/escalate" novalidate>${csrf}<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="reason-${task.id}">Why does a manager need to take this task?</label>${error ? html`<p id="reason-${task.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : ''}
<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="reason-${task.id}" name="reason" rows="3"${error ? html` aria-describedby="reason-${task.id}-error"` : ''}>${value}</textarea></div>
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Escalate</button></form></div></details>`);
      }
      return html`<div class="govuk-inset-text">${heading}${parts}</div>`;
    }

    // ------------------------------------------------------------------ case files

    server.get<{ Params: { id: string } }>('/staff/cases/:id/diagram.bpmn', async (request, reply) => {
      const staff = await staffSession(request, reply);
      if (!staff) return reply;
      const { instance } = await caseInScope(staff.principal, caseId(request.params.id));
      const diagram = await diagramFor(instance.definitionId);
      return reply.type('application/xml; charset=utf-8').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'").send(diagram.xml);
    });

    server.get<{ Params: { id: string; uploadId: string } }>('/staff/cases/:id/documents/:uploadId', async (request, reply) => {
      const staff = await staffSession(request, reply);
      if (!staff) return reply;
      const { instance } = await caseInScope(staff.principal, caseId(request.params.id));
      const uploadId = /^\d{1,15}$/.test(request.params.uploadId) ? Number(request.params.uploadId) : 0;
      const upload = options.caseDocuments && instance.businessKey && uploadId > 0 ? await options.caseDocuments.read(uploadId, instance.businessKey) : null;
      if (!upload) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such document on this case.');
      // A document of the applicant is personal data: each download is in their access log.
      await recordRead(staff.principal, instance, 'document.downloaded', ['documents']);
      return reply.type(upload.mediaType).header('content-disposition', dispositionOf(upload.filename)).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'; sandbox").send(Buffer.from(upload.content));
    });

    // ------------------------------------------------------------------ actions

    async function taskForAction(principal: StaffPrincipal, id: string): Promise<TaskView> {
      const taskId = /^\d{1,15}$/.test(id) ? Number(id) : 0;
      const task = taskId > 0 ? await engine.getTask(taskId).catch(() => null) : null;
      if (!task || !inCaseScope(principal, task.candidateGroups)) throw new WorkbenchHttpError(404, 'Page not found', 'There is no such task in your departments.');
      if (task.state !== 'created') throw new WorkbenchHttpError(409, 'The task is already done', 'Someone completed this task. Go back to the case to see what happens next.');
      return task;
    }

    /** After an action: back to the case, or to the inbox when the person no longer sees the case (they escalated its only task of theirs). */
    async function backToCase(reply: FastifyReply, principal: StaffPrincipal, instanceId: number): Promise<FastifyReply> {
      const inScope = await caseInScope(principal, instanceId).then(() => true, () => false);
      return reply.redirect(inScope ? `/staff/cases/${instanceId}` : '/staff', 303);
    }

    server.post<{ Params: { id: string } }>('/staff/tasks/:id/claim', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const task = await taskForAction(post.principal, request.params.id);
      await engine.claimTask(task.id, actorOf(post.principal));
      return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
    });

    server.post<{ Params: { id: string } }>('/staff/tasks/:id/release', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const task = await taskForAction(post.principal, request.params.id);
      if (task.assignee !== actorOf(post.principal)) throw new WorkbenchHttpError(409, 'The task is not assigned to you', 'Only the person a task is assigned to can release it; a manager can reassign it.');
      await engine.unclaimTask(task.id, actorOf(post.principal));
      return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
    });

    server.post<{ Params: { id: string } }>('/staff/tasks/:id/assign', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const task = await taskForAction(post.principal, request.params.id);
      const department = departmentOf(task);
      if (!department || !inDepartment(post.principal, department, 'manager') || !db) throw new WorkbenchHttpError(403, 'Only a manager can reassign this task', `Ask a manager of ${department ?? 'the department'} to reassign it.`);
      const assignee = text(post.body, 'assignee');
      const colleagues = await listStaffOfDepartment(db, department, isManagerGroup(task) ? 'manager' : undefined);
      if (assignee !== '' && !colleagues.some((c) => c.actor === assignee)) {
        return renderCase(reply, post, task.instanceId, { taskId: task.id, action: 'assign', input: post.body, errors: [{ key: 'assignee', anchor: `assignee-${task.id}`, message: `Select a colleague of ${department} from the list` }] });
      }
      await engine.assignTask(task.id, { assignee: assignee || null, actor: actorOf(post.principal) });
      return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
    });

    server.post<{ Params: { id: string } }>('/staff/tasks/:id/escalate', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const task = await taskForAction(post.principal, request.params.id);
      const department = departmentOf(task);
      const me = actorOf(post.principal);
      if (!department || (task.assignee !== me && !inDepartment(post.principal, department, 'manager'))) throw new WorkbenchHttpError(403, 'You cannot escalate this task', 'Assign the task to yourself first, or ask a manager.');
      if (isManagerGroup(task)) throw new WorkbenchHttpError(409, 'The task is already with the managers', 'A task for the managers cannot be escalated further here.');
      const reason = text(post.body, 'reason');
      const problem = reason === '' ? 'Enter why a manager needs to take this task' : [...reason].length > MAX_REASON ? `The reason must be ${MAX_REASON} characters or less` : null;
      if (problem) return renderCase(reply, post, task.instanceId, { taskId: task.id, action: 'escalate', input: post.body, errors: [{ key: 'reason', anchor: `reason-${task.id}`, message: problem }] });
      await engine.escalateTask(task.id, { candidateGroups: [`${department}/manager`], actor: me, reason });
      return backToCase(reply, post.principal, task.instanceId);
    });

    server.post<{ Params: { id: string } }>('/staff/tasks/:id/complete', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const task = await taskForAction(post.principal, request.params.id);
      if (task.assignee !== actorOf(post.principal)) throw new WorkbenchHttpError(409, 'Assign the task to yourself first', 'Only the person a task is assigned to can complete it.');
      const form = serviceOf(task.processKey)?.taskForms[task.elementId];
      let variables: Record<string, unknown> = {};
      if (form) {
        const read = readTaskForm(form.form, post.body);
        if (read.errors.length > 0) return renderCase(reply, post, task.instanceId, { taskId: task.id, action: 'complete', input: post.body, errors: read.errors });
        // The form's version goes with the answers, like a citizen's submission is pinned to the form it was filled in with.
        variables = { ...read.variables };
      }
      await engine.completeTask(task.id, { variables, actor: actorOf(post.principal) });
      if (form) await engine.recordCaseEvent(task.instanceId, { type: 'task.form-submitted', elementId: task.elementId, data: { taskId: task.id, formId: form.formId, formVersion: form.formVersion } }, { actor: actorOf(post.principal) });
      return reply.redirect(`/staff/cases/${task.instanceId}`, 303);
    });

    server.post<{ Params: { id: string } }>('/staff/cases/:id/notes', async (request, reply) => {
      const post = await postStaff(request, reply);
      if (!post) return reply;
      const id = caseId(request.params.id);
      await caseInScope(post.principal, id);
      const note = text(post.body, 'note');
      const problem = note === '' ? 'Enter a note' : [...note].length > 4000 ? 'The note must be 4,000 characters or less' : null;
      if (problem) return renderCase(reply, post, id, { taskId: 0, action: 'note', input: post.body, errors: [{ key: 'note', anchor: 'note', message: problem }] });
      await engine.recordCaseEvent(id, { type: 'case.note-added', data: { text: note } }, { actor: actorOf(post.principal) });
      return reply.redirect(`/staff/cases/${id}`, 303);
    });
  };
}
