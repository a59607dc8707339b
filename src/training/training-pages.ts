import type { FastifyInstance } from 'fastify';
import { t } from '../i18n/index.js';
import { formatDateTime, html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import type { CaseFeedback } from './feedback.js';
import { getTrainingRecord, listTrainingRecords, maySeeRecord, type TrainingRecord } from './records.js';
import type { TrainingContext } from './training-plugin.js';

/**
 * Serves the training pages that read: `/staff/training` (the services to train on, the caller's open sessions),
 * `/staff/training/records` (who trained on what: the caller's own records, a manager's department members',
 * everyone's for admins and auditors) and `/staff/training/records/:id` (one session's feedback, case by case).
 */

const when = (iso: string | null): string => (iso ? formatDateTime(iso) : '—');
const yesNo = (v: boolean | null, yes: string, no: string): SafeHtml => (v === null ? html`<span class="govuk-body-s">—</span>` : v ? html`<strong class="govuk-tag govuk-tag--green">${yes}</strong>` : html`<strong class="govuk-tag govuk-tag--red">${no}</strong>`);

function caseRow(c: CaseFeedback): SafeHtml {
  const rules = c.expected === null
    ? html`${t('staff.training.noRule')}`
    : c.ruleMissed ? html`<strong class="govuk-tag govuk-tag--red">${t('staff.training.ruleMissed')}</strong> ${t('staff.training.rulesCallFor', { expected: c.expected })}` : html`${t('staff.training.asRulesDecide', { expected: c.expected })}`;
  return html`<tr class="govuk-table__row"><td class="govuk-table__cell">${c.reference}</td><td class="govuk-table__cell">${c.worked ? c.decision ?? t('staff.training.workedNoDecision') : t('staff.training.notWorked')}</td>
<td class="govuk-table__cell">${yesNo(c.withinSla, t('staff.training.withinSla'), t('staff.training.pastSla'))}<br><span class="govuk-body-s">${t('staff.training.due', { when: when(c.dueAt) })}</span></td>
<td class="govuk-table__cell">${rules}${c.rulesSaid.length > 0 ? html`<ul class="govuk-list govuk-body-s">${c.rulesSaid.map((r) => html`<li>${r}</li>`)}</ul>` : ''}</td></tr>`;
}

export function recordPage(record: TrainingRecord): SafeHtml {
  const f = record.feedback;
  return html`<h1 class="govuk-heading-l">${t('staff.training.feedbackTitle', { service: record.serviceTitle })}</h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.training.trainee')}</dt><dd class="govuk-summary-list__value">${record.trainee.name}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.training.session')}</dt><dd class="govuk-summary-list__value">${t('staff.training.fromTo', { from: when(record.startedAt), to: when(record.finishedAt) })}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.training.score')}</dt><dd class="govuk-summary-list__value" data-score="${f.score}">${t('staff.training.percent', { score: f.score })}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.training.cases')}</dt><dd class="govuk-summary-list__value">${t('staff.training.casesSummary', { worked: f.worked, offered: f.offered, withinSla: f.withinSla, rulesMissed: f.rulesMissed })}</dd></div>
</dl>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('staff.training.caseByCase')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.common.case')}</th><th scope="col" class="govuk-table__header">${t('staff.training.yourDecision')}</th><th scope="col" class="govuk-table__header">${t('staff.training.sla')}</th><th scope="col" class="govuk-table__header">${t('staff.training.theRules')}</th></tr></thead>
<tbody class="govuk-table__body">${f.cases.map(caseRow)}</tbody></table>
<p class="govuk-body"><a class="govuk-link" href="/staff/training">${t('staff.training.again')}</a></p>`;
}

export function registerTrainingPages(server: FastifyInstance, ctx: TrainingContext): void {
  const { db, catalogue, send, staffOnly, sandboxes } = ctx;

  server.get('/staff/training', async (request, reply) => {
    const staff = await staffOnly(request, reply);
    if (!staff) return reply;
    const mine = [...sandboxes.values()].filter((s) => s.owner.id === staff.principal.id);
    const services = catalogue.services.filter((s) => s.process.bpmn);
    return send(reply, staff, t('staff.training.title'), html`<h1 class="govuk-heading-l">${t('staff.training.title')}</h1>
<p class="govuk-body">${t('staff.training.intro')}</p>
${mine.length > 0 ? html`<h2 class="govuk-heading-m">${t('staff.training.openSessions')}</h2><ul class="govuk-list">${mine.map((s) => html`<li><a class="govuk-link" href="/staff/sandbox/${s.id}">${s.service.title}</a> ${t('staff.training.started', { when: when(s.startedAt) })}</li>`)}</ul>` : ''}
<form method="post" action="/staff/training" novalidate><input type="hidden" name="csrf" value="${staff.csrfToken}">
<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${t('staff.training.service')}</legend>
<div class="govuk-radios" data-module="govuk-radios">${services.map((s, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="service-${i}" name="service" type="radio" value="${s.id}"${i === 0 ? html` checked` : ''}><label class="govuk-label govuk-radios__label" for="service-${i}">${s.title}</label></div>`)}</div>
</fieldset></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.training.start')}</button></form>`);
  });

  server.get('/staff/training/records', async (request, reply) => {
    const staff = await staffOnly(request, reply);
    if (!staff) return reply;
    const records = (await listTrainingRecords(db)).filter((r) => maySeeRecord(staff.principal, r));
    return send(reply, staff, t('staff.training.records'), html`<h1 class="govuk-heading-l">${t('staff.training.records')}</h1>
<p class="govuk-body">${staff.principal.memberships.some((m) => m.role === 'manager') ? t('staff.training.recordsIntroManager') : t('staff.training.recordsIntro')}</p>
${records.length === 0 ? html`<p class="govuk-body">${t('staff.training.noRecords')}</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('staff.training.sessions', { count: records.length })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.training.who')}</th><th scope="col" class="govuk-table__header">${t('staff.common.service')}</th><th scope="col" class="govuk-table__header">${t('staff.training.finished')}</th><th scope="col" class="govuk-table__header">${t('staff.training.score')}</th></tr></thead>
<tbody class="govuk-table__body">${records.map((r) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${r.trainee.name}</td><td class="govuk-table__cell"><a class="govuk-link" href="/staff/training/records/${r.id}">${r.serviceTitle}</a></td><td class="govuk-table__cell">${when(r.finishedAt)}</td><td class="govuk-table__cell">${t('staff.training.percent', { score: r.feedback.score })}</td></tr>`)}</tbody></table>`}`, 200, 'records');
  });

  server.get<{ Params: { id: string } }>('/staff/training/records/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const staff = await staffOnly(request, reply);
    if (!staff) return reply;
    const record = await getTrainingRecord(db, Number(request.params.id));
    if (!record || !maySeeRecord(staff.principal, record)) throw new PageError(404, t('staff.error.notFound'), t('staff.training.noSuchRecord'));
    return send(reply, staff, t('staff.training.feedbackTitle', { service: record.serviceTitle }), recordPage(record), 200, 'records');
  });
}
