import type { FastifyReply, FastifyRequest } from 'fastify';
import { localiseService, serviceCaseSla, slaClock, slaCounting, slaPauseElements, type Catalogue, type Service } from '../catalogue/index.js';
import type { Engine, EventView, ProcessInstanceView, TaskView } from '../engine/index.js';
import { actorOf, decidesCases, inCaseScope, type StaffPrincipal } from '../identity/index.js';
import { createLogger, GovflowError, type Logger } from '../kernel/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Queryable } from '../store/index.js';
import { currentLanguage, formatDay as formatCalendarDay, formatNumber, t } from '../i18n/index.js';
import { formBody, formatDateTime, html, page, PageError, type FieldError, type FormBody, type HtmlValue, type NavigationItem, type RawInput, type SafeHtml, redirectToSignIn } from '../web/index.js';
import { diagramOf, type ProcessDiagram } from './diagram.js';
import { slaState, type CaseSla, type SlaState } from './sla.js';
import { requiredWhenRules } from './task-form.js';
import { taskFormResolver, type TaskFormLookup } from './deployed-form.js';

/**
 * What every route module of the staff workbench shares (inbox-routes.ts, case-routes.ts, task-routes.ts): the
 * options, the page sender in the workbench's layout, the signed-in staff member (from `request.principal`, the one
 * session system), the case scope check, SLA arithmetic, the access log of reads and the diagram cache.
 */

export interface WorkbenchOptions {
  readonly engine: Engine;
  readonly catalogue: Catalogue;
  /** Reads of applicant data on the case page and downloads of their documents are logged for the person when given. */
  readonly privacy?: Pick<Privacy, 'recordInstanceAccess' | 'db'> & { readonly vault?: Pick<Privacy['vault'], 'records'> & Partial<Pick<Privacy['vault'], 'searchTokens'>> };
  /** The database of the staff directory; defaults to the privacy module's. */
  readonly db?: Queryable;
  /** The applicant's uploaded documents of a case (the portal's `caseDocuments`); none shown when not given. */
  readonly caseDocuments?: {
    list(reference: string): Promise<readonly { id: number; key: string; filename: string; mediaType: string; sizeBytes: number; sha256: string; createdAt: string }[]>;
    read(id: number, reference: string): Promise<{ filename: string; mediaType: string; content: Uint8Array } | null>;
  };
  readonly agency?: { readonly code: string; readonly name: string };
  /** Signed decisions (documents' status and revocation): a case's decision shows its status, and a manager of the case's department may revoke it. */
  readonly decisions?: {
    status(code: string): Promise<{ readonly status: 'current' | 'revoked'; readonly revokedAt: string | null; readonly revokedReason: string | null } | null>;
    revoke(code: string, reason: string, actor: string): Promise<unknown>;
  };
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** The workbench's menu, in the reader's language (built per page: the words depend on who reads). */
export const navigation = (): readonly NavigationItem[] => [{ href: '/staff', label: t('staff.nav.inbox'), key: 'inbox' }, { href: '/staff/search', label: t('staff.nav.search'), key: 'search' }, { href: '/staff/incidents', label: t('staff.nav.incidents'), key: 'incidents' }];
/** Rows per inbox page; the engine counts and pages in the database, so a department with 10,000 tasks pages too. */
export const INBOX_PAGE_SIZE = 50;
export const MAX_REASON = 2000;

export type StaffSession = { principal: StaffPrincipal; csrfToken: string };
/** What a POST sent back to the case page with its problems: the errors show next to the fields and in a summary. */
export interface FormState {
  readonly taskId: number;
  readonly action: 'complete' | 'assign' | 'escalate' | 'note' | 'revoke';
  readonly input: RawInput;
  readonly errors: readonly FieldError[];
}

/** A moment as staff read it: in their language, in the municipality's time zone (the web layer's one formatter). */
export const formatDate = (iso: string): string => formatDateTime(iso);
/** A calendar day in the reader's language. */
export const formatDay = (iso: string): string => (Number.isNaN(Date.parse(iso)) ? iso : formatCalendarDay(iso.slice(0, 10)));

/** A share (0.125) as a percentage in the reader's language ("12.5%", "12,5 %"). */
export const formatPercent = (share: number): string => t('staff.percent', { share: Math.round(share * 1000) / 1000 });

export function slaTag(sla: SlaState | null): SafeHtml {
  if (!sla) return html`<span class="govuk-body-s">${t('staff.sla.none')}</span>`;
  // The words carry the meaning; the colour only repeats it (WCAG 1.4.1).
  if (sla.overdue) return html`<strong class="govuk-tag govuk-tag--red">${t('staff.sla.overdue', { days: sla.days })}</strong>`;
  return html`<strong class="govuk-tag ${sla.days <= 2 ? 'govuk-tag--orange' : 'govuk-tag--grey'}">${t('staff.sla.left', { days: sla.days })}</strong>`;
}

export function caseSlaTag(sla: CaseSla | null): SafeHtml {
  if (!sla) return html`<span class="govuk-body-s">${t('staff.sla.none')}</span>`;
  if (sla.paused) return html`<strong class="govuk-tag govuk-tag--blue">${t('staff.sla.paused', { days: sla.days })}</strong>`;
  return slaTag(sla);
}

/** "Case 12" for a case without a reference. */
export const caseLabel = (id: number): string => t('staff.common.caseNumber', { id: String(id) });

/** GOV.UK pagination: previous, "Page 2 of 5", next. */
export function pagination(current: number, pages: number, link: (page: number) => string, label: string): SafeHtml | '' {
  if (pages <= 1) return '';
  const hidden = html`<span class="govuk-visually-hidden">${t('staff.pagination.page')}</span>`;
  return html`<nav class="govuk-pagination" aria-label="${label}">
${current > 1 ? html`<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="${link(current - 1)}" rel="prev"><span class="govuk-pagination__link-title">${t('staff.pagination.previous')}${hidden}</span></a></div>` : ''}
<p class="govuk-body govuk-!-margin-bottom-0">${t('staff.pagination.pageOf', { page: current, pages })}</p>
${current < pages ? html`<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="${link(current + 1)}" rel="next"><span class="govuk-pagination__link-title">${t('staff.pagination.next')}${hidden}</span></a></div>` : ''}
</nav>`;
}

export const bytes = (n: number): string => (n < 1024 ? t('staff.bytes', { count: n }) : n < 1024 * 1024 ? `${formatNumber(Math.round(n / 102.4) / 10)} KB` : `${formatNumber(Math.round(n / 104857.6) / 10)} MB`);
/** A file name fit for a Content-Disposition header (ASCII, no quotes or separators), the full name in filename*. */
export const dispositionOf = (name: string): string => `attachment; filename="${name.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 150) || 'document'}"; filename*=UTF-8''${encodeURIComponent(name)}`;
export const departmentOf = (task: TaskView): string | null => task.candidateGroups[0]?.split('/')[0] ?? null;
export const isManagerGroup = (task: TaskView): boolean => task.candidateGroups.length > 0 && task.candidateGroups.every((g) => g.endsWith('/manager'));
export const text = (body: FormBody, name: string): string => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');

export interface WorkbenchContext {
  readonly options: WorkbenchOptions;
  readonly engine: Engine;
  readonly catalogue: Catalogue;
  readonly log: Logger;
  readonly db: Queryable | null;
  /** Replies that show the diagram, whose CSP allows the bpmn-js viewer. */
  readonly diagramPages: WeakSet<FastifyReply>;
  serviceOf(processKey: string): Service | undefined;
  diagramFor(definitionId: number): Promise<ProcessDiagram>;
  /** The form a task is completed with: the service's, else the one deployed with the process (deployed-form.ts). */
  taskFormOf(task: TaskView): Promise<TaskFormLookup>;
  send(reply: FastifyReply, staff: StaffSession | null, title: string, content: HtmlValue, status?: number, extra?: { scripts?: string[]; stylesheets?: string[]; current?: string }): FastifyReply;
  /** The signed-in staff member, or a redirect to the staff sign-in (null is returned after replying). */
  staffSession(request: FastifyRequest, reply: FastifyReply): Promise<StaffSession | null>;
  /** The staff member and the form body of a POST (its CSRF token was checked by the web session plugin). */
  postStaff(request: FastifyRequest, reply: FastifyReply): Promise<(StaffSession & { body: FormBody }) | null>;
  caseId(raw: string): number;
  caseInScope(principal: StaffPrincipal, id: number): Promise<{ instance: ProcessInstanceView; tasks: TaskView[] }>;
  /** Whose case it is: its tasks' candidate groups, or before its first task its process's (see ProcessDiagram). */
  caseGroups(instance: ProcessInstanceView): Promise<string[]>;
  taskSla(task: TaskView): SlaState | null;
  caseSla(instance: ProcessInstanceView, events: readonly EventView[] | null): CaseSla | null;
  needsEvents(processKey: string): boolean;
  pauseElements(): string[];
  recordRead(principal: StaffPrincipal, instance: ProcessInstanceView, action: string, categories: string[]): Promise<void>;
  revealRecords(principal: StaffPrincipal, instance: ProcessInstanceView): Promise<Record<string, unknown>>;
}

export function createWorkbenchContext(options: WorkbenchOptions): WorkbenchContext {
  const { engine, catalogue } = options;
  const log = options.logger ?? createLogger({ name: 'workbench' });
  const now = options.now ?? (() => new Date());
  const db = options.db ?? options.privacy?.db ?? null;
  // The service as the reader reads it: its own words in their language where the service offers it (catalogue's translations).
  const serviceOf = (processKey: string): Service | undefined => {
    const service = catalogue.services.find((s) => s.process.key === processKey);
    return service ? localiseService(service, currentLanguage()) : undefined;
  };
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
  const taskFormOf = taskFormResolver(engine, serviceOf);


  function send(reply: FastifyReply, staff: StaffSession | null, title: string, content: HtmlValue, status = 200, extra: { scripts?: string[]; stylesheets?: string[]; current?: string } = {}): FastifyReply {
    const { current = 'inbox', ...assets } = extra;
    return reply.status(status).type('text/html; charset=utf-8').send(page({
      title, content, navigation: navigation(), current, section: { name: t('staff.section'), href: '/staff' }, wide: true, languageSwitcher: true,
      citizen: staff?.principal.name ?? null, ...(staff ? { csrfToken: staff.csrfToken } : {}), ...assets,
    }).value);
  }

  /** The signed-in staff member, or a redirect to the staff sign-in (null is returned after replying). */
  async function staffSession(request: FastifyRequest, reply: FastifyReply): Promise<StaffSession | null> {
    const principal = request.principal;
    if (principal?.kind === 'staff') return { principal, csrfToken: request.csrfToken };
    if (principal) throw new PageError(403, t('staff.error.notStaffTitle'), t('staff.error.notStaffText'));
    await redirectToSignIn(reply, 'staff', request, '/staff');
    return null;
  }

  async function postStaff(request: FastifyRequest, reply: FastifyReply): Promise<(StaffSession & { body: FormBody }) | null> {
    const staff = await staffSession(request, reply);
    // Reads and writes are checked separately (issue 13): an auditor reads only, an admin administers; only a
    // caseworker or manager role decides cases (claims, completes, annotates), and only in its department.
    if (staff && !decidesCases(staff.principal)) throw new PageError(403, t('staff.error.readOnlyTitle'), t('staff.error.readOnlyText'));
    return staff ? { ...staff, body: formBody(request) } : null;
  }

  const caseId = (raw: string): number => {
    const id = Number(raw);
    if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(id) || id <= 0) throw new PageError(404, t('staff.error.notFound'), t('staff.error.noSuchCase'));
    return id;
  };

  /** A case the staff member may see: one of its user tasks is (or was) for their groups. Anything else is "not found". */
  async function caseInScope(principal: StaffPrincipal, id: number): Promise<{ instance: ProcessInstanceView; tasks: TaskView[] }> {
    const instance = await engine.getInstance(id).catch(() => null);
    if (!instance) throw new PageError(404, t('staff.error.notFound'), t('staff.error.noSuchCase'));
    const tasks = [...await engine.listTasks({ instanceId: id, state: 'created', limit: 1000 }), ...await engine.listTasks({ instanceId: id, state: 'completed', limit: 1000 })];
    // A case stuck before its first task (an incident) belongs to the departments of its process's user tasks, so
    // that whoever sees it in the incident list can open it; a case without tasks and without an incident stays out.
    const groups = tasks.length > 0 ? tasks.flatMap((t) => t.candidateGroups) : (await engine.listIncidents({ instanceId: id })).length > 0 ? await caseGroups(instance) : [];
    if (!inCaseScope(principal, groups)) throw new PageError(404, t('staff.error.notFound'), t('staff.error.noSuchCaseHere'));
    return { instance, tasks };
  }

  async function caseGroups(instance: ProcessInstanceView): Promise<string[]> {
    const groups = await engine.caseCandidateGroups(instance.id);
    if (groups.length > 0) return groups;
    return [...(await diagramFor(instance.definitionId).catch(() => null))?.candidateGroups ?? []];
  }

  /** A task's own due date (set by the model), else its service's SLA for it read from the one SLA clock (sla-clock.ts). */
  const taskSla = (task: TaskView): SlaState | null => {
    if (task.dueAt) return slaState(task.dueAt, now());
    const sla = serviceOf(task.processKey)?.sla;
    const declared = sla?.tasks?.[task.elementId];
    if (!declared) return null;
    try {
      const reading = slaClock(task.createdAt, { duration: declared, ...slaCounting(sla) }, [], now());
      return { overdue: reading.overdue, days: reading.days };
    } catch {
      return null; // the catalogue validates SLAs at load; an unreadable one shows as "no deadline", not an error page
    }
  };

  /** The case SLA from the one clock (catalogue's serviceCaseSla), with the waits for the applicant taken out when the service says so. */
  function caseSla(instance: ProcessInstanceView, events: readonly EventView[] | null): CaseSla | null {
    const service = serviceOf(instance.processKey);
    return service ? serviceCaseSla(service, instance.startedAt, events ?? [], now(), instance.endedAt) : null;
  }
  const needsEvents = (processKey: string): boolean => !!serviceOf(processKey)?.sla?.pauseWhileWaitingForApplicant;
  /** Every element where a case of a pausing service waits for the applicant: the only events an inbox row reads. */
  const pauseElements = (): string[] => [...new Set(catalogue.services.flatMap((s) => slaPauseElements(s)))];

  async function recordRead(principal: StaffPrincipal, instance: ProcessInstanceView, action: string, categories: string[]): Promise<void> {
    if (!options.privacy) return;
    await options.privacy.recordInstanceAccess(instance.id, {
      actor: actorOf(principal), receiverCode: options.agency?.code ?? 'demo-municipality', receiverName: options.agency?.name ?? 'Demo Municipality',
      receiverSystem: 'govflow-workbench', action, dataCategories: categories, purpose: 'case handling', reference: instance.businessKey ?? `case:${instance.id}`,
    });
  }
  /**
   * The case's variables with the vault's records opened (registry answers are kept as `vault:` references): each
   * person whose record is shown (the applicant, a household member) gets an access-log entry of their own.
   */
  async function revealRecords(principal: StaffPrincipal, instance: ProcessInstanceView): Promise<Record<string, unknown>> {
    const variables = instance.variables as Record<string, unknown>;
    const records = options.privacy?.vault?.records;
    if (!records) return variables;
    return records.reveal(variables, {
      actor: actorOf(principal), purpose: 'case handling', action: 'personal-record.read', reference: instance.businessKey ?? `case:${instance.id}`,
      receiverCode: options.agency?.code ?? 'demo-municipality', receiverName: options.agency?.name ?? 'Demo Municipality', receiverSystem: 'govflow-workbench',
    });
  }
  return { options, engine, catalogue, log, db, diagramPages, serviceOf, diagramFor, taskFormOf, send, staffSession, postStaff, caseId, caseInScope, caseGroups, taskSla, caseSla, needsEvents, pauseElements, recordRead, revealRecords };
}
