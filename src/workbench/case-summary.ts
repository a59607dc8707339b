import { decisionReasonsInWords, decisionsApplied, valueInWords, type Service } from '../catalogue/index.js';
import type { EventView, ProcessInstanceView, TaskView } from '../engine/index.js';
import { displayAnswer, fields, html, type FormSchema, type SafeHtml } from '../web/index.js';
import { formatDate, plural } from './workbench-context.js';

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
  if (pages.length === 0) return html`<p class="govuk-body">This case was not started from an application form.</p>`;
  return html`${pages.map((p) => html`<h3 class="govuk-heading-s">${p.title}</h3><dl class="govuk-summary-list govuk-!-margin-bottom-6">${p.rows}</dl>`)}`;
}

/** The business registry's record of the business (company data, not personal: kept as the `business` variable). */
export function businessRecord(variables: Variables): SafeHtml | '' {
  const b = variables['business'];
  if (!isRecord(b) || typeof b['name'] !== 'string') return '';
  const violations = Array.isArray(b['licenceViolations']) ? b['licenceViolations'].filter(isRecord) : [];
  return html`<h2 class="govuk-heading-m">From the business registry</h2>
<dl class="govuk-summary-list" id="business-record">${row('Business', String(b['name']))}${typeof b['code'] === 'string' ? row('Business code', b['code']) : ''}${typeof b['address'] === 'string' ? row('Registered address', b['address']) : ''}${typeof b['status'] === 'string' ? row('Registry status', b['status'] === 'active' ? 'Active' : b['status']) : ''}
${row('Recorded violations', violations.length === 0 ? 'None' : html`<ul class="govuk-list govuk-list--bullet">${violations.map((v) => html`<li>${typeof v['date'] === 'string' ? `${formatDay(v['date'])}: ` : ''}${String(v['description'] ?? '')}</li>`)}</ul>`)}</dl>`;
}

const DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const formatDay = (iso: string): string => (Number.isNaN(Date.parse(iso)) ? iso : DAY.format(new Date(iso)));

/**
 * "How the rules decided": every decision the rules took on the case (catalogue's decisionsApplied: the explanation
 * the engine stored when the decision ran, not a re-evaluation): the inputs as the table saw them, the rules that
 * matched with their annotation, and the output; then the same reasons in the plain words the letter uses.
 */
export function decisionExplanations(service: Service | undefined, events: readonly EventView[], stepName: (elementId: string) => string): SafeHtml {
  const applied = decisionsApplied(service, events);
  if (applied.length === 0) return html`<p class="govuk-body">No decision table has been applied to this case yet.</p>`;
  return html`${applied.map((a, n) => {
    const name = a.traces.at(-1)?.name ?? (a.decisionId || 'Decision');
    const reasons = decisionReasonsInWords([a]);
    return html`<div class="govuk-summary-card" id="decision-${n + 1}"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${name}</h3></div><div class="govuk-summary-card__content">
<p class="govuk-body-s">Applied at the step “${stepName(a.elementId ?? '')}”, ${formatDate(a.occurredAt)}; version ${a.version} of the table.</p>
${a.traces.map((t) => html`<dl class="govuk-summary-list">
${t.inputs.map((i) => row(i.label, valueInWords(i.value)))}
${row('Rules that matched', t.matched.length === 0 ? 'None' : html`<ul class="govuk-list">${t.matched.map((r) => html`<li>Rule ${r.index}${r.id !== null ? html` (${r.id})` : ''}${r.annotation !== null ? html`: ${r.annotation}` : ''}</li>`)}</ul>`)}
${row('Outcome', valueInWords(t.output))}</dl>`)}
${reasons.length > 0 ? html`<p class="govuk-body" data-reason>Why, in the words of the decision letter: ${reasons.join(' ')}</p>` : ''}</div></div>`;
  })}`;
}

/** "What the reviewers found": one section per completed task, its form's answers labelled, who and when. */
export function reviewerFindings(service: Service | undefined, events: readonly EventView[], tasks: readonly TaskView[], nameOf: (actor: string) => string): SafeHtml {
  const completed = events.filter((e) => e.type === 'task.completed' && e.elementId);
  if (completed.length === 0) return html`<p class="govuk-body">No one has completed a task on this case yet.</p>`;
  return html`${completed.map((e) => {
    const form = service?.taskForms[e.elementId!]?.form;
    const values = isRecord(e.data['variables']) ? e.data['variables'] : {};
    const rows = form ? answerRows(form, values) : [];
    const title = tasks.find((t) => t.elementId === e.elementId)?.name ?? e.elementId!;
    // A card, not a landmark: the same task completed twice (rework) would give two landmarks of one name.
    return html`<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${title}</h3></div><div class="govuk-summary-card__content">
<p class="govuk-body-s">By ${e.actor ? nameOf(e.actor) : 'the system'}, ${formatDate(e.occurredAt)}.</p>
${rows.length > 0 ? html`<dl class="govuk-summary-list">${rows}</dl>` : html`<p class="govuk-body">Completed without a form.</p>`}</div></div>`;
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
  if (instance.state === 'completed') return decision === 'approved' ? 'Closed: approved' : decision === 'refused' ? 'Closed: refused' : 'Closed';
  if (instance.state !== 'active') return 'Closed without a decision';
  if (f.incidents.length > 0) return `Stuck: ${f.incidents.map((i) => f.stepName(i.elementId)).join(', ')} failed. It waits for someone to retry it`;
  const parts: string[] = [];
  if (f.openTasks.length > 0) parts.push(`Waiting for staff: ${f.openTasks.map((t) => `${t.name ?? f.stepName(t.elementId)} (${t.candidateGroups.join(', ') || 'anyone'})`).join('; ')}`);
  for (const step of f.currentSteps) {
    if (f.openTasks.some((t) => t.elementId === step)) continue;
    if (service?.payment && step === service.payment.waitingAt) parts.push('Waiting for the applicant to pay the fee');
    else if (service?.informationRequest && step === service.informationRequest.waitingAt) parts.push('Waiting for the applicant to send the information asked for');
    else parts.push(`Being processed automatically: ${f.stepName(step)}`);
  }
  return parts.length > 0 ? parts.join('. ') : 'In progress';
}

/** One event of the case as a sentence for the history, or null for the engine's bookkeeping a person need not read. */
export function historyLine(e: EventView, stepName: (elementId: string) => string, nameOf: (actor: string) => string, service: Service | undefined): string | null {
  const step = e.elementId ? stepName(e.elementId) : '';
  const who = e.actor ? nameOf(e.actor) : 'The system';
  const d = e.data;
  switch (e.type) {
    case 'process.started': return 'The application was received';
    case 'process.completed': return 'The case was closed';
    case 'process.terminated': return 'The case was stopped';
    case 'task.created': return `Task “${step}” was created`;
    case 'task.claimed': return `${nameOf(String(d['assignee'] ?? e.actor ?? ''))} took the task “${step}”`;
    case 'task.unclaimed': return `${who} released the task “${step}”`;
    case 'task.assigned': return d['assignee'] ? `${who} assigned the task “${step}” to ${nameOf(String(d['assignee']))}` : `${who} unassigned the task “${step}”`;
    case 'task.escalated': return `${who} escalated the task “${step}” to ${(d['to'] as string[] | undefined)?.join(', ') ?? 'a manager'}: ${String(d['reason'] ?? '')}`;
    case 'task.completed': return `${who} completed the task “${step}”`;
    case 'decision.evaluated': return `The rules at “${step}” gave: ${valueInWords(d['output'])}`;
    case 'decision.issued': return 'The signed decision was issued';
    case 'registry.queried': return `${step || 'A registry look-up'}: the ${String(d['registry'] ?? '')} registry was asked (${String(d['purpose'] ?? '')})`;
    case 'incident.raised': return `${step} failed: ${String(d['message'] ?? '')}`;
    case 'incident.resolved': return `${who} retried “${step}”`;
    case 'job.failed': return `An attempt at “${step}” failed`;
    case 'message.correlated': {
      const at = String(d['catchElementId'] ?? e.elementId ?? '');
      if (service?.payment && at === service.payment.waitingAt) return 'The applicant paid the fee';
      if (service?.informationRequest && at === service.informationRequest.waitingAt) return 'The applicant sent the information asked for';
      return `A message arrived at “${stepName(at)}”`;
    }
    case 'timer.fired': return `A deadline passed at “${step}”`;
    case 'case.note-added': return `${who} added a note`;
    case 'error.thrown': return `“${step}” ended with an error`;
    default: return null;
  }
}

export function historyTable(events: readonly EventView[], line: (e: EventView) => string | null): SafeHtml {
  const rows = events.map((e) => ({ e, text: line(e) })).filter((r): r is { e: EventView; text: string } => r.text !== null);
  return html`<table class="govuk-table govflow-fit-table" id="case-history"><caption class="govuk-table__caption govuk-table__caption--s">${plural(rows.length, 'step')} of the case, oldest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">What happened</th></tr></thead>
<tbody class="govuk-table__body">${rows.map((r) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${formatDate(r.e.occurredAt)}</td><td class="govuk-table__cell">${r.text}</td></tr>`)}</tbody></table>`;
}
