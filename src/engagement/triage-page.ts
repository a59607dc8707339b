/**
 * Serves the workbench's triage page (`/staff/triage`): the latest open problem reports, each with the category it was
 * filed under and the classifier's guess; one click on a category corrects the guess, which teaches the classifier
 * and, when the category changes, re-routes the report (its Open311 service code and its case's department). A
 * "try a text" form shows the guess for any text (a phone call, a letter) without storing anything.
 */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine/index.js';
import { t } from '../i18n/index.js';
import { GovflowError, type Logger } from '../kernel/index.js';
import { formBody, formText, html, htmlPageEdge, PageError, renderErrorSummary, type SafeHtml } from '../web/index.js';
import type { Engagement } from './engagement.js';
import * as store from './report-store.js';
import { sendStaffPage, staffUser } from './staff-pages.js';
import type { Triage, TriageGuess } from './triage.js';

const LISTED = 20;
const MAX_TRY_TEXT = 2000;

const percent = (p: number): string => t('staff.triage.percent', { value: Math.round(p * 100) });

function guessList(guesses: readonly TriageGuess[]): SafeHtml {
  return html`<ol class="govuk-list govuk-list--number">${guesses.slice(0, 3).map((g) => html`<li>${g.name} (${g.department}): ${percent(g.probability)}</li>`)}</ol>`;
}

function reportRow(engagement: Engagement, r: store.ReportView, guesses: readonly TriageGuess[], csrf: string, decides: boolean): SafeHtml {
  const filed = engagement.categories.find((c) => c.code === r.serviceCode);
  const top = guesses[0]!;
  const agrees = top.category === r.serviceCode;
  return html`<div class="govuk-summary-card" id="report-${String(r.id)}"><div class="govuk-summary-card__title-wrapper"><h2 class="govuk-summary-card__title">${t('staff.triage.report', { id: r.id })}</h2>
<ul class="govuk-summary-card__actions"><li class="govuk-summary-card__action"><a class="govuk-link" href="/reports/${String(r.id)}">${t('staff.triage.publicPage')}<span class="govuk-visually-hidden"> ${t('staff.triage.ofReport', { id: r.id })}</span></a></li></ul></div>
<div class="govuk-summary-card__content"><dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.triage.text')}</dt><dd class="govuk-summary-list__value">${r.description}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.triage.filedAs')}</dt><dd class="govuk-summary-list__value">${r.categoryGuessed ? html`<strong class="govuk-tag govuk-tag--blue">${t('staff.triage.guessed')}</strong> ` : html``}${filed?.name ?? r.serviceCode} (${filed?.department ?? t('staff.triage.noDepartment')})${r.categoryGuessed ? html`: ${t('staff.triage.citizenDidNotKnow')}` : html``}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.triage.classifierGuess')}</dt><dd class="govuk-summary-list__value">${agrees ? html`<strong class="govuk-tag govuk-tag--green">${t('staff.triage.agrees')}</strong> ` : html`<strong class="govuk-tag govuk-tag--yellow">${t('staff.triage.differs')}</strong> `}${top.name}: ${percent(top.probability)}</dd></div>
</dl>
${decides ? html`<form method="post" action="/staff/triage/corrections" novalidate>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="report" value="${String(r.id)}">
<p class="govuk-body govuk-!-margin-bottom-2">${t('staff.triage.itIsReally')}</p>
<div class="govuk-button-group">${engagement.categories.map((c) => html`<button type="submit" name="category" value="${c.code}" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-1" data-module="govuk-button">${c.name}<span class="govuk-visually-hidden"> (${t('staff.triage.report', { id: r.id })})</span></button>`)}</div>
</form>
<form method="post" action="/staff/triage/merges" novalidate><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="report" value="${String(r.id)}">
<div class="govuk-form-group"><label class="govuk-label" for="into-${String(r.id)}">${t('staff.triage.mergeLabel', { id: r.id })}</label>
<div class="govuk-hint" id="into-${String(r.id)}-hint">${t('staff.triage.mergeHint')}</div>
<input class="govuk-input govuk-input--width-5" id="into-${String(r.id)}" name="into" type="text" inputmode="numeric" spellcheck="false" aria-describedby="into-${String(r.id)}-hint"></div>
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('staff.triage.merge')}<span class="govuk-visually-hidden"> ${t('staff.triage.report', { id: r.id })}</span></button></form>` : html``}</div></div>`;
}

const MERGE_REFUSALS: Partial<Record<string, number>> = { GOVFLOW_ERR_VALIDATION: 400, GOVFLOW_ERR_NOT_FOUND: 400, GOVFLOW_ERR_FORBIDDEN: 403, GOVFLOW_ERR_CONFLICT: 409 };

export function registerTriagePage(options: { engagement: Engagement; engine: Engine; triage: Triage; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  const { engagement, engine, triage } = options;
  const { db } = engagement;

  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 16 * 1024,
        errors: { render: (request, reply, title, content, status) => sendStaffPage(request, reply, { title, content, status: status ?? 500, current: 'triage' }), log: options.logger, home: { href: '/staff/triage', get label() { return t('staff.triage.back'); } } },
      });

      scope.get('/staff/triage', async (request, reply) => {
        const staff = await staffUser(request, reply);
        if (!staff) return reply;
        const query = request.query as Record<string, unknown>;
        const tryText = typeof query['text'] === 'string' ? query['text'].trim() : '';
        const tooLong = tryText.length > MAX_TRY_TEXT;
        const corrected = typeof query['corrected'] === 'string' && /^\d{1,15}$/.test(query['corrected']) ? query['corrected'] : null;
        const merged = typeof query['merged'] === 'string' && /^\d{1,15}$/.test(query['merged']) ? query['merged'] : null;
        const reports = await store.listReports(db, { jurisdictionId: engagement.jurisdictions[0]!, statuses: ['open'], limit: LISTED, offset: 0 });
        const rows: SafeHtml[] = [];
        for (const r of reports) rows.push(reportRow(engagement, r, await triage.guess(r.description), request.csrfToken, staff.decides));
        const errors = tooLong ? [{ key: 'text', anchor: 'text', message: t('staff.triage.tooLong', { max: MAX_TRY_TEXT }) }] : [];
        const content = html`<h1 class="govuk-heading-l">${t('staff.triage.title')}</h1>
${renderErrorSummary(errors)}
${corrected ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="corrected-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="corrected-title">${t('common.success')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('staff.triage.corrected', { id: corrected })}</p></div></div>` : html``}
${merged ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="merged-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="merged-title">${t('common.success')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('staff.triage.merged', { id: merged })}</p></div></div>` : html``}
<p class="govuk-body">${t('staff.triage.learns', { count: await triage.corrections() })}</p>
<form method="get" action="/staff/triage" novalidate><div class="govuk-form-group${tooLong ? ' govuk-form-group--error' : ''}">
<label class="govuk-label govuk-label--m" for="text">${t('staff.triage.tryText')}</label><div id="text-hint" class="govuk-hint">${t('staff.triage.tryHint')}</div>
${tooLong ? html`<p class="govuk-error-message" id="text-error"><span class="govuk-visually-hidden">${t('form.error')}</span> ${errors[0]!.message}</p>` : html``}<textarea class="govuk-textarea" id="text" name="text" rows="2" aria-describedby="text-hint">${tryText}</textarea></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.triage.guess')}</button></form>
${tryText !== '' && !tooLong ? html`<h2 class="govuk-heading-m">${t('staff.triage.guesses')}</h2>${guessList(await triage.guess(tryText))}` : html``}
<h2 class="govuk-heading-m">${t('staff.triage.openReports')}</h2>
${rows.length === 0 ? html`<p class="govuk-body">${t('staff.triage.noOpenReports')}</p>` : rows}`;
        return sendStaffPage(request, reply, { title: t('staff.triage.title'), content, status: tooLong ? 400 : 200, hasErrors: tooLong, current: 'triage' });
      });

      scope.post('/staff/triage/corrections', async (request, reply) => {
        const staff = await staffUser(request, reply);
        if (!staff) return reply;
        if (!staff.decides) throw new PageError(403, t('staff.triage.mayNotCorrectTitle'), t('staff.triage.mayNotCorrectText'));
        const body = formBody(request);
        const id = formText(body, 'report');
        const category = engagement.categories.find((c) => c.code === formText(body, 'category'));
        const report = /^\d{1,15}$/.test(id) ? await store.getReport(db, null, Number(id)) : null;
        if (!report) throw new PageError(400, t('staff.triage.noSuchReportTitle'), t('staff.triage.noSuchReportText'));
        if (!category) throw new PageError(400, t('staff.triage.chooseCategoryTitle'), t('staff.triage.chooseCategoryText'));
        const guessed = (await triage.guess(report.description))[0]!.category;
        await db.transaction(async (tx) => {
          await triage.correct({ text: report.description, category: category.code, guessed, subject: `report:${report.id}`, staffId: staff.id }, tx);
          if (category.code !== report.serviceCode || report.categoryGuessed) await store.setReportCategory(tx, report.id, category.code);
        });
        // The case is re-routed after the commit: its department task is assigned from `department` when it starts.
        if (category.code !== report.serviceCode && report.instanceId !== null && report.status === 'open') {
          await engine.setVariables(report.instanceId, { serviceCode: category.code, category: category.name, department: category.department }, { actor: `staff:${staff.id}` });
        }
        return reply.redirect(`/staff/triage?corrected=${report.id}#report-${report.id}`, 303);
      });

      scope.post('/staff/triage/merges', async (request, reply) => {
        const staff = await staffUser(request, reply);
        if (!staff) return reply;
        const principal = request.principal!;
        // Who may merge at all, before the reports are looked at; which reports is mayMerge's question.
        if (!staff.decides && !(principal.roles as readonly string[]).includes('admin')) throw new PageError(403, t('staff.triage.mayNotMergeTitle'), t('staff.triage.mayNotMergeText'));
        const body = formBody(request);
        const id = formText(body, 'report');
        const into = formText(body, 'into').trim();
        if (!/^\d{1,15}$/.test(id)) throw new PageError(400, t('staff.triage.noSuchReportTitle'), t('staff.triage.noSuchReportText'));
        if (!/^\d{1,15}$/.test(into)) throw new PageError(400, t('staff.triage.enterIntoTitle'), t('staff.triage.enterIntoText'));
        try {
          await engagement.mergeReport({ duplicateId: Number(id), mainId: Number(into), by: { id: staff.id, roles: principal.roles, memberships: principal.kind === 'staff' ? principal.memberships : [], ...(principal.kind === 'staff' && principal.apiKey ? { apiKey: true as const } : {}) } });
        } catch (error) {
          const status = error instanceof GovflowError ? MERGE_REFUSALS[error.code] : undefined;
          if (status === undefined) throw error;
          throw new PageError(status, status === 403 ? t('staff.triage.mayNotMergeTheseTitle') : t('staff.triage.notMergedTitle'), `${(error as Error).message.replace(/^./, (c) => c.toUpperCase())}.`);
        }
        return reply.redirect(`/staff/triage?merged=${id}`, 303);
      });
    });
  };
}
