import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { citizenStatus, type CitizenStatus } from '../catalogue/index.js';
import type { EventView, ProcessInstanceView } from '../engine/index.js';
import { isGovflowError } from '../kernel/index.js';
import { isRecordRef } from '../privacy/index.js';
import {
  displayAnswer, fields, formBody, formText, html, PARAM, paramsSchema, pageNotFound, parseFormSchema, renderErrorSummary, renderFormFields, renderRegistryRecords, validateAnswers, type FieldError, type RawInput, type SafeHtml,
} from '../web/index.js';
import { caseActions } from './payment-pages.js';
import { plainStatus, readableTimeline, waitsForAnswer } from './citizen-view.js';
import { formatDate, REFERENCE, TOKEN, type PortalContext } from './portal-context.js';
import type { Submission } from './portal-store.js';
import { informationUploadRules, listUploads, uploadedDocumentsVariable, uploadForm, type StoredUpload } from './uploads.js';
import { t } from '../i18n/index.js';

/**
 * Serves the citizen's applications: the list, the confirmation after sending, the status page (timeline, fee,
 * decision, documents, answering a request for more information) and withdrawing an application.
 */

/** The optional reason a citizen gives when withdrawing an application (its words in the reader's language). */
const withdrawForm = () => parseFormSchema({ components: [
  { type: 'textarea', key: 'reason', label: t('withdraw.reasonLabel'), validate: { maxLength: 500 }, properties: { errorName: t('withdraw.reasonName'), errorSubject: t('withdraw.reasonSubject') } },
] }).schema!;

const REF_PARAMS = paramsSchema({ ref: PARAM.reference });

const withdrawable = (instance: { state: string }, status: CitizenStatus): boolean =>
  instance.state === 'active' && (status === 'Received' || status === 'In review' || status === 'Information needed');

interface StatusForm { input: RawInput; errors: FieldError[]; sent: boolean; withdrawn?: boolean }
interface Preloaded { uploads: readonly StoredUpload[]; found: { instance: ProcessInstanceView; events: EventView[] } | null }

/** The pages and helpers of registerApplicationRoutes's routes, apart so that no function grows past the size limit. */
function applicationPages(ctx: PortalContext) {
  const { engine, db, log } = ctx;

  /**
   * The status page reads three things, one statement each: the session (identity), the submission with its
   * uploads (here, `uploads` when the caller has them) and the case with its events (engine).
   */
  /**
   * What the registries told us for this case (kept in the vault): opened for the page; the applicant's own record
   * is not a use by someone else, a household member's is logged on that member's "Who has seen my data".
   */
  async function registrySection(submission: Submission, instance: ProcessInstanceView) {
    const records = ctx.options.privacy?.vault?.records;
    const variables = instance.variables as Record<string, unknown>;
    if (!records) return '';
    const revealed = await records.reveal(variables, {
      actor: `citizen:${submission.citizenId}`, self: submission.citizenId, purpose: 'showing the applicant their claim', action: 'personal-record.read',
      reference: submission.reference, receiverCode: 'govflow', receiverName: 'The applicant, on their application page', receiverSystem: 'govflow-portal',
    });
    return renderRegistryRecords(variables, revealed, isRecordRef, { applicant: t('registry.you'), caption: t('registry.caption') });
  }

  async function statusPage(request: FastifyRequest, reply: FastifyReply, submission: Submission, form: StatusForm, preloaded?: Preloaded): Promise<FastifyReply> {
    const svc = ctx.serviceOr404(submission.serviceId);
    // A read never starts a case: without one the status is "Received" until the case-start loop starts it.
    const id = submission.instanceId;
    const found = preloaded?.found ?? (id === null ? null : await engine.getInstanceWithEvents(id));
    const instance = found?.instance ?? null;
    const status = instance ? citizenStatus(svc, instance) : 'Received';
    const plain = plainStatus(svc, instance);
    const timeline = readableTimeline(svc, found?.events ?? [], submission.submittedAt, instance);
    const ir = svc.informationRequest;
    const waiting = waitsForAnswer(svc, instance);
    const csrf = request.csrfToken;
    const uploads = instance?.state === 'active' && Object.keys(informationUploadRules(svc)).length > 0
      ? uploadForm(svc, submission.reference, csrf, preloaded?.uploads ?? await listUploads(db, submission.reference), null) : '';
    const question = ir?.questionVariable && instance ? instance.variables[ir.questionVariable] : undefined;
    const errors = waiting ? form.errors : [];
    const registryRecords = instance ? await registrySection(submission, instance) : '';
    return ctx.send(request, reply, t('status.title', { reference: submission.reference }), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${renderErrorSummary(errors)}
${form.sent || form.withdrawn ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="sent-title"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="sent-title">${t('common.success')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${form.withdrawn ? t('status.withdrawnBanner') : t('status.sentBanner')}</p></div></div>` : ''}
<span class="govuk-caption-l">${svc.title}</span>
<h1 class="govuk-heading-l">${t('status.title', { reference: submission.reference })}</h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('status.status')}</dt><dd class="govuk-summary-list__value"><strong class="govuk-tag ${plain.tag}" id="status">${plain.words}</strong></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('status.sent')}</dt><dd class="govuk-summary-list__value">${formatDate(submission.submittedAt)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('status.department')}</dt><dd class="govuk-summary-list__value">${svc.department}</dd></div>
</dl>
<p class="govuk-body" id="status-explanation">${plain.explanation}</p>
${caseActions(svc, instance, submission.reference, csrf)}
${!waiting ? uploads : ''}
${waiting && ir ? html`<div class="govuk-inset-text" id="information-request">
<h2 class="govuk-heading-m">${t('status.answer')}</h2>
${typeof question === 'string' && question.trim() !== '' ? html`<p class="govuk-body" id="question">${question}</p>` : ''}
${uploads ? html`<p class="govuk-body">${t('status.addDocumentsFirst')}</p>${uploads}` : ''}
<form method="post" action="/applications/${submission.reference}/information" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="token" value="${randomUUID()}">
${renderFormFields(ir.form, form.input, errors)}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('status.sendInformation')}</button>
</form>
</div>` : ''}
${instance && withdrawable(instance, status) ? html`<p class="govuk-body"><a class="govuk-link" href="/applications/${submission.reference}/withdraw">${t('status.withdrawLink')}</a></p>` : ''}
<h2 class="govuk-heading-m">${t('status.whatHappened')}</h2>
<ol class="govuk-list" id="timeline" reversed>
${[...timeline].reverse().map((e) => html`<li class="govuk-!-margin-bottom-4"><h3 class="govuk-heading-s govuk-!-margin-bottom-1">${e.title}</h3><p class="govuk-body govuk-!-margin-bottom-1">${e.text}</p><p class="govuk-body-s govuk-!-margin-bottom-0"><time datetime="${e.at}">${formatDate(e.at)}</time></p></li>
`)}</ol>
${registryRecords}
<h2 class="govuk-heading-m">${t('status.yourAnswers')}</h2>
${svc.pages.map((p) => html`<h3 class="govuk-heading-s">${p.title}</h3>
<dl class="govuk-summary-list">
${fields(p.form).map((f) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${f.label}</dt><dd class="govuk-summary-list__value">${displayAnswer(f, submission.answers[f.key])}</dd></div>
`)}</dl>
`)}
</div></div>`, { backLink: '/applications', current: 'applications', status: errors.length > 0 ? 400 : 200, hasErrors: errors.length > 0 });
  }

  function withdrawPage(request: FastifyRequest, reply: FastifyReply, submission: Submission, input: RawInput, errors: FieldError[]): FastifyReply {
    return ctx.send(request, reply, t('withdraw.title', { reference: submission.reference }), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${renderErrorSummary(errors)}
<h1 class="govuk-heading-l">${t('withdraw.heading', { reference: submission.reference })}</h1>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('withdraw.warning')}</strong></div>
<form method="post" action="/applications/${submission.reference}/withdraw" novalidate>
<input type="hidden" name="csrf" value="${request.csrfToken}">
${renderFormFields(withdrawForm(), input, errors)}
<div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('withdraw.button')}</button>
<a class="govuk-link" href="/applications/${submission.reference}">${t('common.cancel')}</a>
</div>
</form>
</div></div>`, { backLink: `/applications/${submission.reference}`, current: 'applications', status: errors.length > 0 ? 400 : 200, hasErrors: errors.length > 0 });
  }

  return { statusPage, withdrawPage };
}

export function registerApplicationRoutes(server: FastifyInstance, ctx: PortalContext): void {
  const { engine, store, db, catalogue } = ctx;
  const { statusPage, withdrawPage } = applicationPages(ctx);

  server.get<{ Params: { ref: string } }>('/applications/:ref/confirmation', { schema: REF_PARAMS }, async (request, reply) => {
    if (!ctx.citizen(request, reply)) return reply;
    const submission = await ctx.ownSubmission(request, request.params.ref);
    const svc = ctx.serviceOr404(submission.serviceId);
    return ctx.send(request, reply, t('timeline.sent'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<div class="govuk-panel govuk-panel--confirmation">
<h1 class="govuk-panel__title">${t('timeline.sent')}</h1>
<div class="govuk-panel__body">${t('confirmation.reference')}<br><strong id="reference">${submission.reference}</strong></div>
</div>
<p class="govuk-body">${t('confirmation.received', { service: svc.title.replace(/^Apply for /, '') })}</p>
<h2 class="govuk-heading-m">${t('confirmation.next')}</h2>
<p class="govuk-body">${t('confirmation.review', { department: svc.department })} ${svc.expectedTime}</p>
<p class="govuk-body">${t('confirmation.contact')}</p>
<p class="govuk-body"><a class="govuk-link" href="/applications/${submission.reference}">${t('confirmation.follow')}</a></p>
</div></div>`, { current: 'applications' });
  });

  server.get<{ Params: { ref: string }; Querystring: { sent?: string; withdrawn?: string } }>('/applications/:ref', { schema: REF_PARAMS }, async (request, reply) => {
    const citizen = ctx.citizen(request, reply);
    if (!citizen) return reply;
    const own = REFERENCE.test(request.params.ref) ? await store.getSubmissionWithCase(request.params.ref) : null;
    // Someone else's reference looks exactly like one that does not exist (as in ownSubmission).
    if (!own || own.submission.citizenId !== citizen) throw pageNotFound(t('error.noApplication'));
    return statusPage(request, reply, own.submission, { input: {}, errors: [], sent: request.query.sent === '1', withdrawn: request.query.withdrawn === '1' }, own);
  });

  server.get<{ Params: { ref: string } }>('/applications/:ref/withdraw', { schema: REF_PARAMS }, async (request, reply) => {
    if (!ctx.citizen(request, reply)) return reply;
    const submission = await ctx.ownSubmission(request, request.params.ref);
    const instance = await ctx.instanceOf(submission);
    if (!instance || !withdrawable(instance, citizenStatus(ctx.serviceOr404(submission.serviceId), instance))) return reply.redirect(`/applications/${submission.reference}`, 303);
    return withdrawPage(request, reply, submission, {}, []);
  });

  server.post<{ Params: { ref: string } }>('/applications/:ref/withdraw', { schema: REF_PARAMS }, async (request, reply) => {
    const body = formBody(request);
    if (!ctx.citizen(request, reply, `/applications/${request.params.ref}`)) return reply;
    const submission = await ctx.ownSubmission(request, request.params.ref);
    const { values, errors } = validateAnswers(withdrawForm(), body);
    if (errors.length > 0) return withdrawPage(request, reply, submission, body, errors);
    const instance = await ctx.instanceOf(submission);
    // Withdrawn already (a double click) or decided meanwhile: the status page tells which.
    if (!instance || !withdrawable(instance, citizenStatus(ctx.serviceOr404(submission.serviceId), instance))) return reply.redirect(`/applications/${submission.reference}`, 303);
    const reason = typeof values['reason'] === 'string' ? `withdrawn by the applicant: ${values['reason']}` : 'withdrawn by the applicant';
    try {
      await engine.cancelInstance(instance.id, { actor: `citizen:${submission.citizenId}`, reason });
    } catch (error) {
      if (!(isGovflowError(error) && error.code === 'GOVFLOW_ERR_INSTANCE_NOT_ACTIVE')) throw error;
      return reply.redirect(`/applications/${submission.reference}`, 303);
    }
    return reply.redirect(`/applications/${submission.reference}?withdrawn=1`, 303);
  });

  /** The citizen answers a request for more information: the answer is the message the case waits for. */
  server.post<{ Params: { ref: string } }>('/applications/:ref/information', { schema: REF_PARAMS }, async (request, reply) => {
    const body = formBody(request);
    if (!ctx.citizen(request, reply, `/applications/${request.params.ref}`)) return reply;
    const submission = await ctx.ownSubmission(request, request.params.ref);
    const svc = ctx.serviceOr404(submission.serviceId);
    const ir = svc.informationRequest;
    const token = formText(body, 'token');
    if (!ir || !TOKEN.test(token)) return reply.redirect(`/applications/${submission.reference}`, 303);
    const { values, errors } = validateAnswers(ir.form, body);
    if (errors.length > 0) return statusPage(request, reply, submission, { input: body, errors, sent: false });
    try {
      // The token as message id: a resent form is one answer. Nothing is buffered if the case no longer waits.
      await engine.publishMessage({ name: ir.message, correlationKey: submission.reference, variables: { ...values, ...(await uploadedDocumentsVariable(db, svc, submission.reference)) }, timeToLiveMs: 0, messageId: `portal-${token}`, actor: `citizen:${submission.citizenId}` });
    } catch (error) {
      if (!(isGovflowError(error) && error.code === 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED')) throw error;
    }
    return reply.redirect(`/applications/${submission.reference}?sent=1`, 303);
  });

  server.get('/applications', async (request, reply) => {
    const citizen = ctx.citizen(request, reply);
    if (!citizen) return reply;
    const submissions = await store.listSubmissions(citizen);
    const rows: SafeHtml[] = [];
    for (const sub of submissions) {
      const svc = ctx.localisedById(sub.serviceId);
      const instance = await ctx.instanceOf(sub);
      const plain = svc ? plainStatus(svc, instance) : null;
      rows.push(html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/applications/${sub.reference}">${sub.reference}</a></td><td class="govuk-table__cell">${svc?.title ?? sub.serviceId}</td><td class="govuk-table__cell">${formatDate(sub.submittedAt)}</td><td class="govuk-table__cell"><strong class="govuk-tag ${plain?.tag ?? 'govuk-tag--blue'}">${plain?.words ?? t('status.received')}</strong></td></tr>
`);
    }
    const drafts = await store.listDraftServices(citizen);
    return ctx.send(request, reply, t('nav.applications'), html`<h1 class="govuk-heading-l">${t('nav.applications')}</h1>
${drafts.length > 0 ? html`<h2 class="govuk-heading-m">${t('applications.notSent')}</h2><ul class="govuk-list">${drafts.map((serviceId) => {
  const svc = ctx.localisedById(serviceId);
  return svc ? html`<li><a class="govuk-link" href="/services/${svc.id}/apply">${t('applications.continue', { service: svc.title })}</a></li>` : '';
})}</ul>` : ''}
${rows.length === 0 ? html`<p class="govuk-body">${t('applications.none')} <a class="govuk-link" href="/">${t('applications.seeServices')}</a></p>` : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">${t('applications.sentCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('applications.reference')}</th><th scope="col" class="govuk-table__header">${t('applications.service')}</th><th scope="col" class="govuk-table__header">${t('status.sent')}</th><th scope="col" class="govuk-table__header">${t('status.status')}</th></tr></thead>
<tbody class="govuk-table__body">
${rows}</tbody>
</table>`}`, { current: 'applications' });
  });
}
