import type { FastifyInstance } from 'fastify';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import type { CaseFeedback } from './feedback.js';
import { getTrainingRecord, listTrainingRecords, maySeeRecord, type TrainingRecord } from './records.js';
import type { TrainingContext } from './training-plugin.js';

/**
 * Serves the training pages that read: `/staff/training` (the services to train on, the caller's open sessions),
 * `/staff/training/records` (who trained on what: the caller's own records, a manager's department members',
 * everyone's for admins and auditors) and `/staff/training/records/:id` (one session's feedback, case by case).
 */

const DAY_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const when = (iso: string | null): string => (iso ? `${DAY_TIME.format(new Date(iso))} UTC` : '—');
const yesNo = (v: boolean | null, yes: string, no: string): SafeHtml => (v === null ? html`<span class="govuk-body-s">—</span>` : v ? html`<strong class="govuk-tag govuk-tag--green">${yes}</strong>` : html`<strong class="govuk-tag govuk-tag--red">${no}</strong>`);

function caseRow(c: CaseFeedback): SafeHtml {
  const rules = c.expected === null
    ? html`No rule decides it: a judgement call.`
    : c.ruleMissed ? html`<strong class="govuk-tag govuk-tag--red">Rule missed</strong> the rules call for “${c.expected}”` : html`As the rules decide (“${c.expected}”)`;
  return html`<tr class="govuk-table__row"><td class="govuk-table__cell">${c.reference}</td><td class="govuk-table__cell">${c.worked ? c.decision ?? 'worked, no decision' : 'not worked'}</td>
<td class="govuk-table__cell">${yesNo(c.withinSla, 'Within SLA', 'Past the SLA')}<br><span class="govuk-body-s">Due ${when(c.dueAt)}</span></td>
<td class="govuk-table__cell">${rules}${c.rulesSaid.length > 0 ? html`<ul class="govuk-list govuk-body-s">${c.rulesSaid.map((r) => html`<li>${r}</li>`)}</ul>` : ''}</td></tr>`;
}

export function recordPage(record: TrainingRecord): SafeHtml {
  const f = record.feedback;
  return html`<h1 class="govuk-heading-l">Training feedback: ${record.serviceTitle}</h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Trainee</dt><dd class="govuk-summary-list__value">${record.trainee.name}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Session</dt><dd class="govuk-summary-list__value">${when(record.startedAt)} to ${when(record.finishedAt)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Score</dt><dd class="govuk-summary-list__value" data-score="${f.score}">${f.score}%</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Cases</dt><dd class="govuk-summary-list__value">${f.worked} of ${f.offered} worked, ${f.withinSla} within the SLA, ${f.rulesMissed} with a rule missed</dd></div>
</dl>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Case by case</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Case</th><th scope="col" class="govuk-table__header">Your decision</th><th scope="col" class="govuk-table__header">SLA</th><th scope="col" class="govuk-table__header">The rules</th></tr></thead>
<tbody class="govuk-table__body">${f.cases.map(caseRow)}</tbody></table>
<p class="govuk-body"><a class="govuk-link" href="/staff/training">Train again</a></p>`;
}

export function registerTrainingPages(server: FastifyInstance, ctx: TrainingContext): void {
  const { db, catalogue, send, staffOnly, sandboxes } = ctx;

  server.get('/staff/training', async (request, reply) => {
    const staff = await staffOnly(request, reply);
    if (!staff) return reply;
    const mine = [...sandboxes.values()].filter((s) => s.owner.id === staff.principal.id);
    const services = catalogue.services.filter((s) => s.process.bpmn);
    return send(reply, staff, 'Training', html`<h1 class="govuk-heading-l">Training</h1>
<p class="govuk-body">Practise any service on made-up cases with the real workbench and forms. Nothing you do reaches real cases, the ledger or anyone's e-mail. When you finish, you see whether you decided each case within its deadline and where your decision differs from the service's rules; your manager sees that you trained.</p>
${mine.length > 0 ? html`<h2 class="govuk-heading-m">Your open sessions</h2><ul class="govuk-list">${mine.map((s) => html`<li><a class="govuk-link" href="/staff/sandbox/${s.id}">${s.service.title}</a> (started ${when(s.startedAt)})</li>`)}</ul>` : ''}
<form method="post" action="/staff/training" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}">
<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Service to train on</legend>
<div class="govuk-radios" data-module="govuk-radios">${services.map((s, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="service-${i}" name="service" type="radio" value="${s.id}"${i === 0 ? html` checked` : ''}><label class="govuk-label govuk-radios__label" for="service-${i}">${s.title}</label></div>`)}</div>
</fieldset></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Start training</button></form>`);
  });

  server.get('/staff/training/records', async (request, reply) => {
    const staff = await staffOnly(request, reply);
    if (!staff) return reply;
    const records = (await listTrainingRecords(db)).filter((r) => maySeeRecord(staff.principal, r));
    return send(reply, staff, 'Training records', html`<h1 class="govuk-heading-l">Training records</h1>
<p class="govuk-body">Who trained on which service, when, and their score. You see your own sessions${staff.principal.memberships.some((m) => m.role === 'manager') ? ' and those of the departments you manage' : ''}.</p>
${records.length === 0 ? html`<p class="govuk-body">There are no training records yet.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${records.length} session${records.length === 1 ? '' : 's'}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Who</th><th scope="col" class="govuk-table__header">Service</th><th scope="col" class="govuk-table__header">Finished</th><th scope="col" class="govuk-table__header">Score</th></tr></thead>
<tbody class="govuk-table__body">${records.map((r) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${r.trainee.name}</td><td class="govuk-table__cell"><a class="govuk-link" href="/staff/training/records/${r.id}">${r.serviceTitle}</a></td><td class="govuk-table__cell">${when(r.finishedAt)}</td><td class="govuk-table__cell">${r.feedback.score}%</td></tr>`)}</tbody></table>`}`, 200, 'records');
  });

  server.get<{ Params: { id: string } }>('/staff/training/records/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const staff = await staffOnly(request, reply);
    if (!staff) return reply;
    const record = await getTrainingRecord(db, Number(request.params.id));
    if (!record || !maySeeRecord(staff.principal, record)) throw new PageError(404, 'Page not found', 'There is no such training record you may see.');
    return send(reply, staff, `Training feedback: ${record.serviceTitle}`, recordPage(record), 200, 'records');
  });
}
