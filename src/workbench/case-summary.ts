import { decisionReasonsInWords, decisionsApplied, type Service } from '../catalogue/index.js';
import type { EventView, ProcessInstanceView, TaskView } from '../engine/index.js';
import { displayAnswer, fields, html, type FormSchema, type SafeHtml } from '../web/index.js';
import { formatNumber, t } from '../i18n/index.js';
import { formatDate, formatDay } from './workbench-context.js';

/**
 * The parts of the clerk's case page that say what the case is in words (issue 23): the application as the citizen
 * saw it (labels from the service's forms, values formatted as the portal shows them), the business registry's
 * record, each decision the rules took with its explanation, each reviewer's findings, the status and a history a
 * person reads. Raw variable names and engine event names never reach the page: anything a form does not label is
 * left out rather than shown by its key.
 */

type Variables = Readonly<Record<string, unknown>>;
const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const row = (key: string, value: SafeHtml | string, id?: string): SafeHtml => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${key}</dt><dd class="govuk-summary-list__value"${id ? html` id="${id}"` : ''}>${value}</dd></div>`;

/** The answers of one form that the case holds, labelled as the form labels them. */
function answerRows(form: FormSchema, values: Variables): SafeHtml[] {
  return fields(form).filter((f) => f.type !== 'filepicker' && values[f.key] !== undefined).map((f) => row(f.label, displayAnswer(f, values[f.key])));
}

/** "The application": each page of the service's form with the citizen's answers, in the order they gave them. */
export function applicationSummary(service: Service | undefined, variables: Variables): SafeHtml {
  const pages = (service?.pages ?? []).map((p) => ({ title: p.title, rows: answerRows(p.form, variables) })).filter((p) => p.rows.length > 0);
  if (pages.length === 0) return html`<p class="govuk-body">${t('staff.summary.noForm')}</p>`;
  return html`${pages.map((p) => html`<h3 class="govuk-heading-s">${p.title}</h3><dl class="govuk-summary-list govuk-!-margin-bottom-6">${p.rows}</dl>`)}`;
}

/** The business registry's record of the business (company data, not personal: kept as the `business` variable). */
export function businessRecord(variables: Variables): SafeHtml | '' {
  const b = variables['business'];
  if (!isRecord(b) || typeof b['name'] !== 'string') return '';
  const violations = Array.isArray(b['licenceViolations']) ? b['licenceViolations'].filter(isRecord) : [];
  return html`<h2 class="govuk-heading-m">${t('staff.summary.businessRegistry')}</h2>
<dl class="govuk-summary-list" id="business-record">${row(t('staff.summary.business'), String(b['name']))}${typeof b['code'] === 'string' ? row(t('staff.summary.businessCode'), b['code']) : ''}${typeof b['address'] === 'string' ? row(t('staff.summary.registeredAddress'), b['address']) : ''}${typeof b['status'] === 'string' ? row(t('staff.summary.registryStatus'), b['status'] === 'active' ? t('staff.summary.active') : b['status']) : ''}
${row(t('staff.summary.violations'), violations.length === 0 ? t('staff.summary.none') : html`<ul class="govuk-list govuk-list--bullet">${violations.map((v) => html`<li>${typeof v['date'] === 'string' ? `${formatDay(v['date'])}: ` : ''}${String(v['description'] ?? '')}</li>`)}</ul>`)}</dl>`;
}

/** A value a decision table read or gave, in the reader's words (the staff page's own copy of catalogue's valueInWords, which the English letter keeps). */
function valueInWords(value: unknown): string {
  if (value === null || value === undefined) return t('staff.value.nothing');
  if (typeof value === 'boolean') return value ? t('staff.value.yes') : t('staff.value.no');
  if (typeof value === 'number') return formatNumber(value);
  // FEEL decimals reach the log as exact decimal text (2666.666…667): a person reads them rounded, grouped.
  if (typeof value === 'string') return /^-?\d+\.\d{4,}$/.test(value) ? formatNumber(Math.round(Number(value) * 100) / 100) : value;
  if (Array.isArray(value)) return value.length === 0 ? t('staff.summary.none') : value.map(valueInWords).join('; ');
  if (isRecord(value)) return Object.entries(value).map(([k, v]) => `${k}: ${valueInWords(v)}`).join(', ');
  return String(value);
}

/**
 * "How the rules decided": every decision the rules took on the case (catalogue's decisionsApplied: the explanation
 * the engine stored when the decision ran, not a re-evaluation): the inputs as the table saw them, the rules that
 * matched with their annotation, and the output; then the same reasons in the plain words the letter uses.
 */
export function decisionExplanations(service: Service | undefined, events: readonly EventView[], stepName: (elementId: string) => string): SafeHtml {
  const applied = decisionsApplied(service, events);
  if (applied.length === 0) return html`<p class="govuk-body">${t('staff.summary.noDecision')}</p>`;
  return html`${applied.map((a, n) => {
    const name = a.traces.at(-1)?.name ?? (a.decisionId || t('staff.summary.decision'));
    const reasons = decisionReasonsInWords([a]);
    return html`<div class="govuk-summary-card" id="decision-${n + 1}"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${name}</h3></div><div class="govuk-summary-card__content">
<p class="govuk-body-s">${t('staff.summary.appliedAt', { step: stepName(a.elementId ?? ''), date: formatDate(a.occurredAt), version: a.version })}</p>
${a.traces.map((trace) => html`<dl class="govuk-summary-list">
${trace.inputs.map((i) => row(i.label, valueInWords(i.value)))}
${row(t('staff.summary.rulesMatched'), trace.matched.length === 0 ? t('staff.summary.none') : html`<ul class="govuk-list">${trace.matched.map((r) => html`<li>${t('staff.summary.rule', { index: r.index })}${r.id !== null ? html` (${r.id})` : ''}${r.annotation !== null ? html`: ${r.annotation}` : ''}</li>`)}</ul>`)}
${row(t('staff.summary.outcome'), valueInWords(trace.output))}</dl>`)}
${reasons.length > 0 ? html`<p class="govuk-body" data-reason>${t('staff.summary.letterWords')} ${reasons.join(' ')}</p>` : ''}</div></div>`;
  })}`;
}

/** "What the reviewers found": one section per completed task, its form's answers labelled, who and when. */
export function reviewerFindings(events: readonly EventView[], tasks: readonly TaskView[], nameOf: (actor: string) => string, formOf: (task: TaskView) => FormSchema | undefined): SafeHtml {
  const completed = events.filter((e) => e.type === 'task.completed' && e.elementId);
  if (completed.length === 0) return html`<p class="govuk-body">${t('staff.summary.noFindings')}</p>`;
  return html`${completed.map((e) => {
    // The task this completion closed (by element and time; a reworked step has several), whose form it was filled in with.
    const sameStep = tasks.filter((task) => task.elementId === e.elementId);
    const task = sameStep.find((candidate) => candidate.completedAt === e.occurredAt) ?? sameStep[0];
    const form = task ? formOf(task) : undefined;
    const values = isRecord(e.data['variables']) ? e.data['variables'] : {};
    const rows = form ? answerRows(form, values) : [];
    const title = tasks.find((task) => task.elementId === e.elementId)?.name ?? e.elementId!;
    // A card, not a landmark: the same task completed twice (rework) would give two landmarks of one name.
    return html`<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${title}</h3></div><div class="govuk-summary-card__content">
<p class="govuk-body-s">${e.actor ? t('staff.summary.by', { name: nameOf(e.actor), date: formatDate(e.occurredAt) }) : t('staff.summary.bySystem', { date: formatDate(e.occurredAt) })}</p>
${rows.length > 0 ? html`<dl class="govuk-summary-list">${rows}</dl>` : html`<p class="govuk-body">${t('staff.summary.noFormCompleted')}</p>`}</div></div>`;
  })}`;
}

export interface StatusFacts {
  readonly instance: ProcessInstanceView;
  readonly service: Service | undefined;
  readonly openTasks: readonly TaskView[];
  readonly incidents: readonly { readonly elementId: string; readonly message: string }[];
  readonly currentSteps: readonly string[];
  stepName(elementId: string): string;
}

/**
 * The case's status in words, from where it waits (its active elements and open tasks), never from the name of a
 * BPMN element alone: a case waiting at the "Fee paid" catch event is waiting for the applicant to pay.
 */
export function statusInWords(f: StatusFacts): string {
  const { instance, service } = f;
  const decision = instance.variables['decision'];
  if (instance.state === 'completed') return decision === 'approved' ? t('staff.status.approved') : decision === 'refused' ? t('staff.status.refused') : t('staff.status.closed');
  if (instance.state !== 'active') return t('staff.status.closedNoDecision');
  if (f.incidents.length > 0) return t('staff.status.stuck', { steps: f.incidents.map((i) => f.stepName(i.elementId)).join(', ') });
  const parts: string[] = [];
  if (f.openTasks.length > 0) parts.push(t('staff.status.waitingForStaff', { tasks: f.openTasks.map((task) => `${task.name ?? f.stepName(task.elementId)} (${task.candidateGroups.join(', ') || t('staff.status.anyone')})`).join('; ') }));
  for (const step of f.currentSteps) {
    if (f.openTasks.some((task) => task.elementId === step)) continue;
    if (service?.payment && step === service.payment.waitingAt) parts.push(t('staff.status.waitingForFee'));
    else if (service?.informationRequest && step === service.informationRequest.waitingAt) parts.push(t('staff.status.waitingForInformation'));
    else parts.push(t('staff.status.automatic', { step: f.stepName(step) }));
  }
  return parts.length > 0 ? parts.join('. ') : t('staff.status.inProgress');
}

/** One event of the case as a sentence for the history, or null for the engine's bookkeeping a person need not read. */
export function historyLine(e: EventView, stepName: (elementId: string) => string, nameOf: (actor: string) => string, service: Service | undefined): string | null {
  const step = e.elementId ? stepName(e.elementId) : '';
  // A transition that waited for user task listeners is recorded by the listener's step; `by` is who asked for it.
  const by = typeof e.data['by'] === 'string' ? e.data['by'] : e.actor;
  const who = by ? nameOf(by) : t('staff.history.system');
  const d = e.data;
  switch (e.type) {
    case 'process.started': return t('staff.history.received');
    case 'process.completed': return t('staff.history.closed');
    case 'process.terminated': return t('staff.history.stopped');
    case 'task.created': return t('staff.history.taskCreated', { step });
    case 'task.claimed': return t('staff.history.taskClaimed', { who: nameOf(String(d['assignee'] ?? e.actor ?? '')), step });
    case 'task.unclaimed': return t('staff.history.taskReleased', { who, step });
    case 'task.assigned':
      // Through assigning listeners, a claim or a release is recorded as the assignment it became.
      if (d['action'] === 'claim' && d['assignee']) return t('staff.history.taskClaimed', { who: nameOf(String(d['assignee'])), step });
      if (d['action'] === 'unclaim') return t('staff.history.taskReleased', { who, step });
      return d['assignee'] ? t('staff.history.taskAssigned', { who, step, to: nameOf(String(d['assignee'])) }) : t('staff.history.taskUnassigned', { who, step });
    case 'task.escalated': return t('staff.history.taskEscalated', { who, step, to: (d['to'] as string[] | undefined)?.join(', ') ?? t('staff.history.aManager'), reason: String(d['reason'] ?? '') });
    case 'task.completed': return t('staff.history.taskCompleted', { who, step });
    case 'task.denied': {
      const reason = typeof d['reason'] === 'string' ? d['reason'] : t('staff.task.noReasonGiven');
      return d['event'] === 'completing' ? t('staff.history.taskCompletionRefused', { who, step, reason }) : t('staff.history.taskAssignmentRefused', { who, step, reason });
    }
    case 'decision.evaluated': return t('staff.history.rulesGave', { step, output: valueInWords(d['output']) });
    case 'decision.issued': return t('staff.history.decisionIssued');
    case 'registry.queried': return t('staff.history.registryAsked', { step: step || t('staff.history.registryLookUp'), registry: String(d['registry'] ?? ''), purpose: String(d['purpose'] ?? '') });
    case 'incident.raised': return t('staff.history.failed', { step, message: String(d['message'] ?? '') });
    case 'incident.resolved': return t('staff.history.retried', { who, step });
    case 'job.failed': return t('staff.history.attemptFailed', { step });
    case 'message.correlated': {
      const at = String(d['catchElementId'] ?? e.elementId ?? '');
      if (service?.payment && at === service.payment.waitingAt) return t('staff.history.paid');
      if (service?.informationRequest && at === service.informationRequest.waitingAt) return t('staff.history.informationSent');
      return t('staff.history.messageArrived', { step: stepName(at) });
    }
    case 'timer.fired': return t('staff.history.deadlinePassed', { step });
    case 'case.note-added': return t('staff.history.noteAdded', { who });
    case 'error.thrown': return t('staff.history.endedWithError', { step });
    default: return null;
  }
}

export function historyTable(events: readonly EventView[], line: (e: EventView) => string | null): SafeHtml {
  const rows = events.map((e) => ({ e, text: line(e) })).filter((r): r is { e: EventView; text: string } => r.text !== null);
  return html`<table class="govuk-table govflow-fit-table" id="case-history"><caption class="govuk-table__caption govuk-table__caption--s">${t('staff.history.caption', { count: rows.length })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.history.when')}</th><th scope="col" class="govuk-table__header">${t('staff.history.what')}</th></tr></thead>
<tbody class="govuk-table__body">${rows.map((r) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${formatDate(r.e.occurredAt)}</td><td class="govuk-table__cell">${r.text}</td></tr>`)}</tbody></table>`;
}
