import { personalData } from '../kernel/index.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EventView, TaskView } from '../engine/index.js';
import { actorOf, inDepartment, listStaffOfDepartment, mayDecide, type StaffMember } from '../identity/index.js';
import { isRecordRef } from '../privacy/index.js';
import { html, PageError, renderRegistryRecords, PARAM, paramsSchema, renderErrorSummary, renderFormFields, type FieldError, type SafeHtml } from '../web/index.js';
import { applicationSummary, businessRecord, decisionExplanations, historyLine, historyTable, reviewerFindings, statusInWords } from './case-summary.js';
import { decisionRow } from './decision-routes.js';
import type { TaskFormLookup } from './deployed-form.js';
import { t } from '../i18n/index.js';
import { bytes, caseLabel, caseSlaTag, departmentOf, dispositionOf, formatDate, formatDay, isManagerGroup, slaTag, type FormState, type StaffSession, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the case page (`/staff/cases/:id`: applicant data, documents, the diagram with the current position, open
 * tasks with their forms, notes, the timeline) and its files (the BPMN for the viewer, the applicant's documents);
 * each read of personal data is logged for the person.
 */

/** Actor id → name of the staff of these departments (the names the history and reviewers' sections show). */
async function staffNames(db: NonNullable<WorkbenchContext['db']>, departments: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const department of departments) for (const member of await listStaffOfDepartment(db, department)) names.set(member.actor, member.name);
  return names;
}

export type RenderCase = (reply: FastifyReply, staff: StaffSession, id: number, state: FormState | null) => Promise<FastifyReply>;

/** The case page renderer, shared with the task actions (a refused form comes back on the case page). */
export function caseRenderer(ctx: WorkbenchContext): RenderCase {
  const { engine, db, log, send, caseInScope, taskSla, caseSla, recordRead, revealRecords, diagramFor, diagramPages, serviceOf, taskFormOf } = ctx;

  const uploadsOf = async (reference: string | null) => (ctx.options.caseDocuments && reference ? ctx.options.caseDocuments.list(reference) : []);

  async function renderCase(reply: FastifyReply, staff: StaffSession, id: number, state: FormState | null): Promise<FastifyReply> {
    const { instance, tasks } = await caseInScope(staff.principal, id);
    const service = serviceOf(instance.processKey);
    // Showing the applicant's data is a read of personal data: logged for the person before it is shown.
    await recordRead(staff.principal, instance, 'case.viewed', ['application']);
    // Registry records live in the vault: opened for this page only, each person's record logged for that person.
    const registryRecords = renderRegistryRecords(instance.variables as Record<string, unknown>, await revealRecords(staff.principal, instance), isRecordRef, {
      applicant: t('staff.case.applicant'), caption: t('staff.case.vaultCaption'),
    });
    const events: EventView[] = await engine.getEvents(id);
    const notes = events.filter((e) => e.type === 'case.note-added');
    const open = tasks.filter((t) => t.state === 'created');
    const title = instance.businessKey ?? caseLabel(id);
    const sla = caseSla(instance, events);
    const uploads = await uploadsOf(instance.businessKey);
    const incidents = await engine.listIncidents({ instanceId: id, state: 'open' });
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
    // Staff appear by name where the directory knows them (the case's departments), else by their sign-in id.
    const directory = db ? await staffNames(db, [...new Set(tasks.flatMap((t) => t.candidateGroups.map((g) => g.split('/')[0]!)))]) : new Map<string, string>();
    const nameOf = (actor: string): string => directory.get(actor) ?? actor.replace(/^staff:/, '');
    // Resolved before rendering: a deployed form is read from the engine (open tasks' forms, completed tasks' answers).
    const forms = new Map<number, TaskFormLookup>();
    for (const task of tasks) forms.set(task.id, await taskFormOf(task));
    const errors = state?.errors ?? [];
    if (diagram) diagramPages.add(reply);
    const status = statusInWords({ instance, service, openTasks: open, incidents, currentSteps, stepName });
    return send(reply, staff, `${errors.length > 0 ? t('layout.errorPrefix') : ''}${title}`, html`${renderErrorSummary(errors)}<span class="govuk-caption-l">${service?.title ?? instance.processKey}</span>
<h1 class="govuk-heading-l">${title}</h1>
${incidents.length > 0 ? html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('staff.case.stuck', { failures: incidents.map((i) => t('staff.case.stepFailed', { step: stepName(i.elementId), message: i.message })).join('; ') })} <a class="govuk-link" href="/staff/incidents">${t('staff.case.retryLink')}</a>.</strong></div>` : ''}
<dl class="govuk-summary-list">
${typeof instance.variables['applicantName'] === 'string' ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.case.applicant')}</dt><dd class="govuk-summary-list__value" id="applicant-name">${instance.variables['applicantName']}</dd></div>` : ''}
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.case.status')}</dt><dd class="govuk-summary-list__value" id="current-steps">${status}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.common.caseDeadline')}</dt><dd class="govuk-summary-list__value">${sla ? html`${caseSlaTag(sla)} <span class="govuk-body-s">${formatDay(sla.dueAt)}${service?.sla ? ` (${service.sla.pauseWhileWaitingForApplicant ? t('staff.case.slaPausing', { sla: service.sla.case }) : service.sla.case})` : ''}${sla.pausedMs > 0 ? t('staff.case.waitedHours', { hours: Math.round(sla.pausedMs / 3_600_000) }) : ''}</span>` : t('staff.sla.none')}</dd></div>
${await decisionRow(ctx, staff, id, instance.variables, tasks, state)}
</dl>
<h2 class="govuk-heading-m">${t('staff.case.openTasks')}</h2>
${open.length === 0 ? html`<p class="govuk-body">${t('staff.case.noOpenTasks')}</p>` : open.map((t) => taskPanel(t, staff, state?.taskId === t.id ? state : null, colleagues.get(`${departmentOf(t) ?? ''}${isManagerGroup(t) ? '/manager' : ''}`) ?? null, forms.get(t.id) ?? null))}
<h2 class="govuk-heading-m">${t('staff.case.application')}</h2>
<div id="application-summary">${applicationSummary(service, instance.variables)}</div>
${businessRecord(instance.variables)}
${registryRecords}
<h2 class="govuk-heading-m">${t('staff.case.rulesDecided')}</h2>
<div id="decision-explanations">${decisionExplanations(service, events, stepName)}</div>
<h2 class="govuk-heading-m">${t('staff.case.reviewersFound')}</h2>
<div id="reviewer-findings">${reviewerFindings(events, tasks, nameOf, (task) => { const f = forms.get(task.id); return f?.kind === 'form' ? f.form.form : undefined; })}</div>
<h2 class="govuk-heading-m">${t('staff.case.documents')}</h2>
${uploads.length === 0 ? html`<p class="govuk-body">${t('staff.case.noDocuments')}</p>` : html`<table class="govuk-table govflow-fit-table" id="case-documents"><caption class="govuk-table__caption govuk-table__caption--s">${t('staff.case.documentsCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.case.document')}</th><th scope="col" class="govuk-table__header">${t('staff.case.typeAndSize')}</th><th scope="col" class="govuk-table__header">${t('staff.case.uploaded')}</th></tr></thead>
<tbody class="govuk-table__body">${uploads.map((u) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/staff/cases/${id}/documents/${u.id}">${u.filename}</a><br><span class="govuk-body-s govflow-digest">SHA-256 ${u.sha256}</span></td><td class="govuk-table__cell">${u.mediaType}, ${bytes(u.sizeBytes)}</td><td class="govuk-table__cell">${formatDate(u.createdAt)}</td></tr>`)}</tbody></table>`}
<h2 class="govuk-heading-m">${t('staff.case.notes')}</h2>
${notes.length === 0 ? html`<p class="govuk-body">${t('staff.case.noNotes')}</p>` : html`<ul class="govuk-list">${notes.map((n) => html`<li><strong>${n.actor ? nameOf(n.actor) : ''}</strong>, ${formatDate(n.occurredAt)}: ${String(n.data['text'] ?? '')}</li>`)}</ul>`}
<form method="post" action="/staff/cases/${id}/notes" novalidate>
<input type="hidden" name="csrf" value="${staff.csrfToken}">
${noteField(state)}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.case.addNote')}</button>
</form>
<h2 class="govuk-heading-m">${t('staff.case.process')}</h2>
${diagram ? html`<figure class="govuk-!-margin-0">
<figcaption class="govuk-body">${t('staff.case.diagramCaption', { count: currentSteps.length })}</figcaption>
<div id="case-diagram" class="govflow-diagram" data-src="/staff/cases/${id}/diagram.bpmn" data-active="${currentSteps.join(' ')}" data-active-scopes="${activeIds.filter((a) => diagram.containers.has(a)).join(' ')}" data-completed="${completedIds.join(' ')}"></div>
</figure>` : html`<p class="govuk-body">${t('staff.case.noDiagram')}</p>`}
<h2 class="govuk-heading-m">${t('staff.case.history')}</h2>
${historyTable(events, (e) => historyLine(e, stepName, nameOf, service))}`,
    errors.length > 0 ? 400 : 200,
    { stylesheets: ['/staff/assets/case-page.css', ...(diagram ? ['/staff/assets/diagram-js.css', '/staff/assets/bpmn-js.css', '/staff/assets/case-diagram.css'] : [])], ...(diagram ? { scripts: ['/staff/assets/bpmn-viewer.js', '/staff/assets/case-diagram.js'] } : {}) });
  }

  function noteField(state: FormState | null): SafeHtml {
    const error = state?.action === 'note' ? state.errors.find((e) => e.key === 'note') : undefined;
    const value = state?.action === 'note' ? String(state.input['note'] ?? '') : '';
    return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="note">${t('staff.case.noteLabel')}</label>${error ? html`<p id="note-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="note" name="note" rows="3"${error ? html` aria-describedby="note-error"` : ''}>${value}</textarea></div>`;
  }

  function taskPanel(task: TaskView, staff: StaffSession, state: FormState | null, colleagues: StaffMember[] | null, lookup: TaskFormLookup): SafeHtml {
    const csrf = html`<input type="hidden" name="csrf" value="${staff.csrfToken}">`;
    const me = actorOf(staff.principal);
    const department = departmentOf(task);
    const isManager = !!department && inDepartment(staff.principal, department, 'manager');
    const nameOf = (actor: string): string => colleagues?.find((c) => c.actor === actor)?.name ?? actor;
    const heading = html`<h3 class="govuk-heading-s">${task.name ?? task.elementId} ${slaTag(taskSla(task))}</h3>`;
    const mayWork = mayDecide(staff.principal, task.candidateGroups);
    const errorOf = (key: string): FieldError | undefined => state?.errors.find((e) => e.key === key);
    const parts: SafeHtml[] = [];
    if (task.pending) {
      // A task listener checks the transition: no action until it lets it through or refuses it.
      const waiting = task.pending === 'completing' ? t('staff.task.waitingForChecksCompleting') : t('staff.task.waitingForChecksAssigning');
      return html`<div class="govuk-inset-text">${heading}<p class="govuk-body" role="status">${waiting}</p></div>`;
    }
    if (task.denied) {
      const reason = task.denied.reason ?? t('staff.task.noReasonGiven');
      parts.push(html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${task.denied.event === 'completing' ? t('staff.task.completionRefused', { reason }) : t('staff.task.assignmentRefused', { reason })}</strong></div>`);
    }
    if (lookup?.kind === 'unreadable') parts.push(html`<div class="govuk-warning-text" id="form-problem-${task.id}"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('staff.task.formUnreadable', { form: lookup.formId, file: lookup.file, problem: lookup.problem })}</strong></div>`);
    if (lookup?.kind === 'missing') parts.push(html`<p class="govuk-body" id="form-missing-${task.id}">${t('staff.task.formMissing', { form: lookup.formId })}</p>`);
    if (!task.assignee) {
      parts.push(html`<p class="govuk-body">${t('staff.task.nobody')}</p>${mayWork ? html`<form method="post" action="/staff/tasks/${task.id}/claim" novalidate>${csrf}<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.task.claim')}</button></form>` : ''}`);
    } else if (task.assignee !== me) {
      parts.push(html`<p class="govuk-body">${t('staff.task.assignedTo', { name: nameOf(task.assignee) })}</p>`);
    } else {
      const form = lookup?.kind === 'form' ? lookup.form : undefined;
      const input = state?.action === 'complete' ? state.input : (form?.defaults ?? {});
      parts.push(html`<p class="govuk-body">${t('staff.task.assignedToYou')}</p>${lookup?.kind === 'unreadable' ? '' : html`<form method="post" action="/staff/tasks/${task.id}/complete" novalidate>${csrf}${form ? renderFormFields(form.form, input, state?.action === 'complete' ? state.errors : []) : ''}<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.task.complete')}</button></form>`}
<form method="post" action="/staff/tasks/${task.id}/release" novalidate>${csrf}<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.task.release')}</button></form>`);
    }
    if (isManager && colleagues) {
      const chosen = state?.action === 'assign' ? String(state.input['assignee'] ?? '') : (task.assignee ?? '');
      const error = state?.action === 'assign' ? errorOf('assignee') : undefined;
      parts.push(html`<form method="post" action="/staff/tasks/${task.id}/assign" novalidate>${csrf}<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="assignee-${task.id}">${t('staff.task.assignToColleague')}</label>${error ? html`<p id="assignee-${task.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}
<select class="govuk-select${error ? ' govuk-select--error' : ''}" id="assignee-${task.id}" name="assignee"${error ? html` aria-describedby="assignee-${task.id}-error"` : ''}><option value="">${t('staff.common.nobody')}</option>${colleagues.map((c) => html`<option value="${c.actor}"${c.actor === chosen ? html` selected` : ''}>${c.name}</option>`)}</select></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.task.assign')}</button></form>`);
    }
    if ((task.assignee === me || isManager) && !isManagerGroup(task) && department) {
      const error = state?.action === 'escalate' ? errorOf('reason') : undefined;
      const value = state?.action === 'escalate' ? String(state.input['reason'] ?? '') : '';
      parts.push(html`<details class="govuk-details"${error ? html` open` : ''}><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('staff.task.escalateTo', { department })}</span></summary><div class="govuk-details__text">
<form method="post" action="/staff/tasks/${task.id}/escalate" novalidate>${csrf}<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label" for="reason-${task.id}">${t('staff.task.escalateReason')}</label>${error ? html`<p id="reason-${task.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}
<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="reason-${task.id}" name="reason" rows="3"${error ? html` aria-describedby="reason-${task.id}-error"` : ''}>${value}</textarea></div>
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('staff.task.escalate')}</button></form></div></details>`);
    }
    return html`<div class="govuk-inset-text">${heading}${parts}</div>`;
  }

  return renderCase;
}

export function registerCaseRoutes(server: FastifyInstance, ctx: WorkbenchContext, renderCase: RenderCase): void {
  const { db, staffSession, caseId, caseInScope, recordRead, diagramFor } = ctx;

  server.get<{ Params: { id: string } }>('/staff/cases/:id', { schema: paramsSchema({ id: PARAM.id }), ...personalData({ logged: 'case.viewed' }) }, async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    return renderCase(reply, staff, caseId(request.params.id), null);
  });

  // ------------------------------------------------------------------ case files

  server.get<{ Params: { id: string } }>('/staff/cases/:id/diagram.bpmn', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const { instance } = await caseInScope(staff.principal, caseId(request.params.id));
    const diagram = await diagramFor(instance.definitionId);
    return reply.type('application/xml; charset=utf-8').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'").send(diagram.xml);
  });

  server.get<{ Params: { id: string; uploadId: string } }>('/staff/cases/:id/documents/:uploadId', { schema: paramsSchema({ id: PARAM.id, uploadId: PARAM.id }), ...personalData({ logged: 'document.downloaded' }) }, async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const { instance } = await caseInScope(staff.principal, caseId(request.params.id));
    const uploadId = /^\d{1,15}$/.test(request.params.uploadId) ? Number(request.params.uploadId) : 0;
    const upload = ctx.options.caseDocuments && instance.businessKey && uploadId > 0 ? await ctx.options.caseDocuments.read(uploadId, instance.businessKey) : null;
    if (!upload) throw new PageError(404, t('staff.error.notFound'), t('staff.error.noSuchDocument'));
    // A document of the applicant is personal data: each download is in their access log.
    await recordRead(staff.principal, instance, 'document.downloaded', ['documents']);
    return reply.type(upload.mediaType).header('content-disposition', dispositionOf(upload.filename)).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'; sandbox").send(Buffer.from(upload.content));
  });
}
