/**
 * Serves the citizen's feedback and complaint pages: GOV.UK's satisfaction question (five levels and a comment) after a
 * decision or a closed report, and formal complaints (`/complaints`), each with its own status page showing the
 * statutory deadline and the department's answer. Server-rendered, no script, the GOV.UK error summary.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t, type MessageKey } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import { formatDateTime, formBody, formText, html, htmlPageEdge, page, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type FormBody, type SafeHtml, redirectToSignIn } from '../web/index.js';
import type { Complaints } from './complaints.js';
import type { Engagement } from './engagement.js';
import * as feedback from './feedback-store.js';
import * as reports from './report-store.js';

const MAX_COMMENT = 1200;
const MAX_COMPLAINT = 4000;

const errorOf = (errors: readonly FieldError[], key: string): SafeHtml => {
  const e = errors.find((x) => x.key === key);
  return e ? html`<p class="govuk-error-message" id="${key}-error"><span class="govuk-visually-hidden">${t('layout.errorPrefix')}</span> ${e.message}</p>` : html``;
};
const groupClass = (errors: readonly FieldError[], key: string): string => `govuk-form-group${errors.some((e) => e.key === key) ? ' govuk-form-group--error' : ''}`;

/** What feedback is about: `case:<reference>` (a decided case of the citizen's) or `report:<id>` (their closed report). */
const SUBJECT = /^(case:[A-Z]{2,6}-\d{4}-\d{6}|report:\d{1,15})$/;

function feedbackForm(about: string, what: string, body: FormBody, csrf: string, errors: readonly FieldError[]): SafeHtml {
  const rating = formText(body, 'rating');
  return html`<h1 class="govuk-heading-l">${t('feedback.title')}</h1>
${renderErrorSummary(errors)}
<p class="govuk-body">${t('feedback.intro', { what })}</p>
<form method="post" action="/feedback" novalidate>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="about" value="${about}">
<div class="${groupClass(errors, 'rating')}"><fieldset class="govuk-fieldset"${errors.some((e) => e.key === 'rating') ? html` aria-describedby="rating-error"` : html``}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${t('feedback.question')}</legend>
${errorOf(errors, 'rating')}<div class="govuk-radios" data-module="govuk-radios">
${feedback.RATINGS.map((r, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="rating${i === 0 ? '' : `-${i}`}" name="rating" type="radio" value="${String(r.value)}"${rating === String(r.value) ? html` checked` : html``}>
<label class="govuk-label govuk-radios__label" for="rating${i === 0 ? '' : `-${i}`}">${t(`feedback.rating.${r.value}` as MessageKey)}</label></div>
`)}</div></fieldset></div>
<div class="${groupClass(errors, 'comment')}"><label class="govuk-label govuk-label--s" for="comment">${t('feedback.improve')}</label>
<div id="comment-hint" class="govuk-hint">${t('feedback.improveHint')}</div>
${errorOf(errors, 'comment')}<textarea class="govuk-textarea" id="comment" name="comment" rows="5" aria-describedby="comment-hint">${formText(body, 'comment')}</textarea></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('feedback.send')}</button>
</form>`;
}

function complaintForm(services: readonly { id: string; title: string }[], body: FormBody, csrf: string, errors: readonly FieldError[]): SafeHtml {
  const kind = formText(body, 'kind');
  const service = formText(body, 'service');
  return html`<a href="/complaints" class="govuk-back-link">${t('layout.back')}</a>
<h1 class="govuk-heading-l">${t('complaints.new.title')}</h1>
${renderErrorSummary(errors)}
<p class="govuk-body">${t('complaints.new.intro')}</p>
<form method="post" action="/complaints" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<div class="${groupClass(errors, 'kind')}"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${t('complaints.new.about')}</legend>
${errorOf(errors, 'kind')}<div class="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="kind" name="kind" type="radio" value="case"${kind === 'case' ? html` checked` : html``}><label class="govuk-label govuk-radios__label" for="kind">${t('complaints.new.aboutCase')}</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="kind-1" name="kind" type="radio" value="service"${kind === 'service' ? html` checked` : html``}><label class="govuk-label govuk-radios__label" for="kind-1">${t('complaints.new.aboutService')}</label></div>
</div></fieldset></div>
<div class="${groupClass(errors, 'reference')}"><label class="govuk-label" for="reference">${t('complaints.new.reference')}</label><div id="reference-hint" class="govuk-hint">${t('complaints.new.referenceHint', { example: 'BP-2026-000123' })}</div>
${errorOf(errors, 'reference')}<input class="govuk-input govuk-input--width-20" id="reference" name="reference" type="text" spellcheck="false" value="${formText(body, 'reference')}" aria-describedby="reference-hint"></div>
<div class="${groupClass(errors, 'service')}"><label class="govuk-label" for="service">${t('complaints.new.service')}</label>
${errorOf(errors, 'service')}<select class="govuk-select" id="service" name="service"><option value="">${t('complaints.new.chooseService')}</option>${services.map((s) => html`<option value="${s.id}"${s.id === service ? html` selected` : html``}>${s.title}</option>`)}</select></div>
<div class="${groupClass(errors, 'description')}"><label class="govuk-label govuk-label--m" for="description">${t('complaints.new.description')}</label><div id="description-hint" class="govuk-hint">${t('complaints.new.descriptionHint')}</div>
${errorOf(errors, 'description')}<textarea class="govuk-textarea" id="description" name="description" rows="6" aria-describedby="description-hint">${formText(body, 'description')}</textarea></div>
<div class="${groupClass(errors, 'email')}"><label class="govuk-label" for="email">${t('complaints.new.email')}</label><div id="email-hint" class="govuk-hint">${t('complaints.new.emailHint')}</div>
${errorOf(errors, 'email')}<input class="govuk-input" id="email" name="email" type="email" spellcheck="false" autocomplete="email" value="${formText(body, 'email')}" aria-describedby="email-hint"></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('complaints.new.send')}</button>
</form>`;
}

const statusText = (status: 'received' | 'answered' | 'closed'): string => t(`complaints.status.${status}`);

function complaintPage(complaints: Complaints, c: feedback.ComplaintView, title: string): SafeHtml {
  const row = (key: string, value: SafeHtml | string): SafeHtml => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${key}</dt><dd class="govuk-summary-list__value">${value}</dd></div>`;
  const deadline = complaints.deadlineOf(c.madeAt);
  return html`<a href="/complaints" class="govuk-back-link">${t('complaints.list.title')}</a>
<h1 class="govuk-heading-l">${t('complaints.page.title', { id: `CO-${c.id}` })}</h1>
<dl class="govuk-summary-list">
${row(t('complaints.page.about'), title)}
${row(t('complaints.page.status'), html`<strong class="govuk-tag${c.status === 'answered' ? ' govuk-tag--green' : c.status === 'closed' ? ' govuk-tag--grey' : ''}">${statusText(c.status)}</strong>`)}
${row(t('complaints.page.made'), formatDateTime(c.madeAt))}
${c.status === 'received' && deadline ? row(t('complaints.page.answerBy'), deadline) : html``}
${row(t('complaints.page.yours'), c.description)}
${c.answer ? row(t('complaints.page.answer'), c.answer) : html``}
</dl>`;
}

export function registerFeedbackPages(options: { engagement: Engagement; complaints: Complaints; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  const { engagement, complaints } = options;
  const { db } = engagement;
  const citizenOf = (request: FastifyRequest): { id: string; name: string } | null => (request.principal?.kind === 'citizen' ? request.principal : null);
  const send = (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status = 200, hasErrors = false): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').send(page({ title, content, citizen: citizenOf(request)?.name ?? null, csrfToken: request.csrfToken, hasErrors, app: true }).value);
  const signInFirst = (request: FastifyRequest, reply: FastifyReply): { id: string; name: string } | null => {
    const citizen = citizenOf(request);
    if (!citizen) void redirectToSignIn(reply, 'citizen', request, request.url);
    return citizen;
  };
  const titleOf = async (c: feedback.ComplaintView): Promise<string> => c.subjectKind === 'case' ? t('complaints.case', { reference: c.subject }) : (await complaints.subjects.services()).find((s) => s.id === c.subject)?.title ?? c.subject;

  /** What the citizen may give feedback on, described; null when the subject is not theirs or not finished. */
  const feedbackSubject = async (citizenId: string, about: string): Promise<string | null> => {
    if (!SUBJECT.test(about)) return null;
    const [kind, ref] = about.split(':') as ['case' | 'report', string];
    if (kind === 'case') return (await complaints.subjects.caseOf(citizenId, ref))?.decided ? t('feedback.aboutCase', { reference: ref }) : null;
    const report = await reports.getReport(db, null, Number(ref));
    return report && report.citizenId === citizenId && report.status === 'closed' ? t('feedback.aboutReport', { id: ref }) : null;
  };
  const notFeedbackable = (): never => {
    throw pageNotFound(t('feedback.nothing'));
  };

  return async (server) => {
    await server.register(async (scope) => {
      // The citizen's status pages carry the installable app (the service worker keeps them for reading offline).
      await scope.register(htmlPageEdge, {
        app: true, formBodyLimit: 32 * 1024,
        errors: { render: (request, reply, title, content, status) => send(request, reply, title, content, status), log: options.logger, home: { href: '/complaints', get label() { return t('complaints.home'); } } },
      });
      scope.get('/feedback', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const about = String((request.query as Record<string, unknown>)['about'] ?? '');
        const what = await feedbackSubject(citizen.id, about) ?? notFeedbackable();
        if (await feedback.hasFeedback(db, about, citizen.id)) {
          const [before = '', after = ''] = t('feedback.complainInstead', { link: '\u0000' }).split('\u0000');
          return send(request, reply, t('feedback.thanks'), html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('feedback.thanks')}</h1><div class="govuk-panel__body">${t('feedback.thanksAbout', { what })}</div></div>
<p class="govuk-body">${before}<a class="govuk-link" href="/complaints/new">${t('feedback.complainLink')}</a>${after}</p>`);
        }
        return send(request, reply, t('feedback.title'), feedbackForm(about, what, {}, request.csrfToken, []));
      });
      scope.post('/feedback', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const body = formBody(request);
        const about = formText(body, 'about');
        const what = await feedbackSubject(citizen.id, about) ?? notFeedbackable();
        const rating = Number(formText(body, 'rating'));
        const comment = formText(body, 'comment').trim();
        const errors: FieldError[] = [];
        if (!feedback.RATINGS.some((r) => r.value === rating)) errors.push({ key: 'rating', anchor: 'rating', message: t('feedback.error.rating') });
        if (comment.length > MAX_COMMENT) errors.push({ key: 'comment', anchor: 'comment', message: t('feedback.error.comment', { max: MAX_COMMENT }) });
        if (errors.length > 0) return send(request, reply, t('feedback.title'), feedbackForm(about, what, body, request.csrfToken, errors), 400, true);
        await feedback.insertFeedback(db, { subject: about, rating, comment, citizenId: citizen.id });
        return reply.redirect(`/feedback?about=${encodeURIComponent(about)}`, 303);
      });

      scope.get('/complaints', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const mine = await feedback.complaintsOf(db, citizen.id);
        return send(request, reply, t('complaints.list.title'), html`<h1 class="govuk-heading-l">${t('complaints.list.title')}</h1>
<p class="govuk-body"><a class="govuk-button" href="/complaints/new" role="button" draggable="false" data-module="govuk-button">${t('complaints.new.title')}</a></p>
${mine.length === 0 ? html`<p class="govuk-body">${t('complaints.list.none')}</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('complaints.list.caption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('complaints.list.complaint')}</th><th scope="col" class="govuk-table__header">${t('complaints.page.about')}</th><th scope="col" class="govuk-table__header">${t('complaints.page.status')}</th></tr></thead>
<tbody class="govuk-table__body">${await Promise.all(mine.map(async (c) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/complaints/${String(c.id)}">CO-${String(c.id)}</a></td><td class="govuk-table__cell">${await titleOf(c)}</td><td class="govuk-table__cell">${statusText(c.status)}</td></tr>`))}</tbody></table>`}`);
      });
      scope.get('/complaints/new', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const about = String((request.query as Record<string, unknown>)['about'] ?? '');
        const prefill: FormBody = /^[A-Z]{2,6}-\d{4}-\d{6}$/.test(about) ? { kind: 'case', reference: about } : {};
        return send(request, reply, t('complaints.new.title'), complaintForm(await complaints.subjects.services(), prefill, request.csrfToken, []));
      });
      scope.post('/complaints', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const body = formBody(request);
        const kind = formText(body, 'kind');
        const reference = formText(body, 'reference').trim().toUpperCase();
        const service = formText(body, 'service');
        const description = formText(body, 'description').trim();
        const email = formText(body, 'email').trim();
        const errors: FieldError[] = [];
        if (kind !== 'case' && kind !== 'service') errors.push({ key: 'kind', anchor: 'kind', message: t('complaints.error.kind') });
        if (kind === 'case' && !(reference !== '' && await complaints.subjects.caseOf(citizen.id, reference))) errors.push({ key: 'reference', anchor: 'reference', message: t('complaints.error.reference', { example: 'BP-2026-000123' }) });
        if (kind === 'service' && !(await complaints.subjects.services()).some((s) => s.id === service)) errors.push({ key: 'service', anchor: 'service', message: t('complaints.error.service') });
        if (description === '') errors.push({ key: 'description', anchor: 'description', message: t('complaints.error.description') });
        if (description.length > MAX_COMPLAINT) errors.push({ key: 'description', anchor: 'description', message: t('complaints.error.descriptionLong', { max: MAX_COMPLAINT }) });
        if (email !== '' && (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) errors.push({ key: 'email', anchor: 'email', message: t('complaints.error.email') });
        if (errors.length > 0) return send(request, reply, t('complaints.new.title'), complaintForm(await complaints.subjects.services(), body, request.csrfToken, errors), 400, true);
        const id = await complaints.make({ subjectKind: kind as 'case' | 'service', subject: kind === 'case' ? reference : service, description, contact: email === '' ? {} : { email }, citizenId: citizen.id });
        return reply.redirect(`/complaints/${id}`, 303);
      });
      scope.get('/complaints/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const id = (request.params as { id: string }).id;
        const c = /^\d{1,15}$/.test(id) ? await feedback.getComplaint(db, Number(id)) : null;
        // Another citizen's complaint is as unknown as a missing one: its existence is theirs.
        if (!c || c.citizenId !== citizen.id) throw pageNotFound(t('complaints.notFound'));
        return send(request, reply, t('complaints.page.title', { id: `CO-${c.id}` }), complaintPage(complaints, c, await titleOf(c)));
      });
    });
  };
}
