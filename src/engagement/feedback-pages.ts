/**
 * Serves the citizen's feedback and complaint pages: GOV.UK's satisfaction question (five levels and a comment) after a
 * decision or a closed report, and formal complaints (`/complaints`), each with its own status page showing the
 * statutory deadline and the department's answer. Server-rendered, no script, the GOV.UK error summary.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../kernel/index.js';
import { formBody, formText, html, htmlPageEdge, page, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type FormBody, type SafeHtml } from '../web/index.js';
import type { Complaints } from './complaints.js';
import type { Engagement } from './engagement.js';
import * as feedback from './feedback-store.js';
import * as reports from './report-store.js';

const MAX_COMMENT = 1200;
const MAX_COMPLAINT = 4000;

const errorOf = (errors: readonly FieldError[], key: string): SafeHtml => {
  const e = errors.find((x) => x.key === key);
  return e ? html`<p class="govuk-error-message" id="${key}-error"><span class="govuk-visually-hidden">Error:</span> ${e.message}</p>` : html``;
};
const groupClass = (errors: readonly FieldError[], key: string): string => `govuk-form-group${errors.some((e) => e.key === key) ? ' govuk-form-group--error' : ''}`;

/** What feedback is about: `case:<reference>` (a decided case of the citizen's) or `report:<id>` (their closed report). */
const SUBJECT = /^(case:[A-Z]{2,6}-\d{4}-\d{6}|report:\d{1,15})$/;

function feedbackForm(about: string, what: string, body: FormBody, csrf: string, errors: readonly FieldError[]): SafeHtml {
  const rating = formText(body, 'rating');
  return html`<h1 class="govuk-heading-l">Give feedback</h1>
${renderErrorSummary(errors)}
<p class="govuk-body">About ${what}. Your answer helps us improve the service; it is published only as counts.</p>
<form method="post" action="/feedback" novalidate>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="about" value="${about}">
<div class="${groupClass(errors, 'rating')}"><fieldset class="govuk-fieldset"${errors.some((e) => e.key === 'rating') ? html` aria-describedby="rating-error"` : html``}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Overall, how did you feel about the service you received today?</legend>
${errorOf(errors, 'rating')}<div class="govuk-radios" data-module="govuk-radios">
${feedback.RATINGS.map((r, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="rating${i === 0 ? '' : `-${i}`}" name="rating" type="radio" value="${String(r.value)}"${rating === String(r.value) ? html` checked` : html``}>
<label class="govuk-label govuk-radios__label" for="rating${i === 0 ? '' : `-${i}`}">${r.label}</label></div>
`)}</div></fieldset></div>
<div class="${groupClass(errors, 'comment')}"><label class="govuk-label govuk-label--s" for="comment">How could we improve this service? (optional)</label>
<div id="comment-hint" class="govuk-hint">Do not include personal or financial information, like your National Insurance number or credit card details.</div>
${errorOf(errors, 'comment')}<textarea class="govuk-textarea" id="comment" name="comment" rows="5" aria-describedby="comment-hint">${formText(body, 'comment')}</textarea></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Send feedback</button>
</form>`;
}

function complaintForm(services: readonly { id: string; title: string }[], body: FormBody, csrf: string, errors: readonly FieldError[]): SafeHtml {
  const kind = formText(body, 'kind');
  const service = formText(body, 'service');
  return html`<a href="/complaints" class="govuk-back-link">Back</a>
<h1 class="govuk-heading-l">Make a formal complaint</h1>
${renderErrorSummary(errors)}
<p class="govuk-body">The department concerned investigates and answers within 20 days. You can follow your complaint online.</p>
<form method="post" action="/complaints" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<div class="${groupClass(errors, 'kind')}"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--m">What is your complaint about?</legend>
${errorOf(errors, 'kind')}<div class="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="kind" name="kind" type="radio" value="case"${kind === 'case' ? html` checked` : html``}><label class="govuk-label govuk-radios__label" for="kind">One of my cases</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="kind-1" name="kind" type="radio" value="service"${kind === 'service' ? html` checked` : html``}><label class="govuk-label govuk-radios__label" for="kind-1">A service in general</label></div>
</div></fieldset></div>
<div class="${groupClass(errors, 'reference')}"><label class="govuk-label" for="reference">If it is about a case: its reference</label><div id="reference-hint" class="govuk-hint">For example, BP-2026-000123</div>
${errorOf(errors, 'reference')}<input class="govuk-input govuk-input--width-20" id="reference" name="reference" type="text" spellcheck="false" value="${formText(body, 'reference')}" aria-describedby="reference-hint"></div>
<div class="${groupClass(errors, 'service')}"><label class="govuk-label" for="service">If it is about a service: which one</label>
${errorOf(errors, 'service')}<select class="govuk-select" id="service" name="service"><option value="">Choose a service</option>${services.map((s) => html`<option value="${s.id}"${s.id === service ? html` selected` : html``}>${s.title}</option>`)}</select></div>
<div class="${groupClass(errors, 'description')}"><label class="govuk-label govuk-label--m" for="description">What went wrong?</label><div id="description-hint" class="govuk-hint">What happened, when, and what you would like us to do.</div>
${errorOf(errors, 'description')}<textarea class="govuk-textarea" id="description" name="description" rows="6" aria-describedby="description-hint">${formText(body, 'description')}</textarea></div>
<div class="${groupClass(errors, 'email')}"><label class="govuk-label" for="email">Email address (optional)</label><div id="email-hint" class="govuk-hint">If you would like the answer by email as well. Kept in the protected vault.</div>
${errorOf(errors, 'email')}<input class="govuk-input" id="email" name="email" type="email" spellcheck="false" autocomplete="email" value="${formText(body, 'email')}" aria-describedby="email-hint"></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Send complaint</button>
</form>`;
}

const STATUS_TEXT = { received: 'Being investigated', answered: 'Answered', closed: 'Closed' } as const;

function complaintPage(complaints: Complaints, c: feedback.ComplaintView, title: string): SafeHtml {
  const row = (key: string, value: SafeHtml | string): SafeHtml => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${key}</dt><dd class="govuk-summary-list__value">${value}</dd></div>`;
  const deadline = complaints.deadlineOf(c.madeAt);
  return html`<a href="/complaints" class="govuk-back-link">Your complaints</a>
<h1 class="govuk-heading-l">Complaint CO-${String(c.id)}</h1>
<dl class="govuk-summary-list">
${row('About', title)}
${row('Status', html`<strong class="govuk-tag${c.status === 'answered' ? ' govuk-tag--green' : c.status === 'closed' ? ' govuk-tag--grey' : ''}">${STATUS_TEXT[c.status]}</strong>`)}
${row('Made', c.madeAt.replace('T', ' ').replace('Z', ' UTC'))}
${c.status === 'received' && deadline ? row('We will answer by', deadline) : html``}
${row('Your complaint', c.description)}
${c.answer ? row('Our answer', c.answer) : html``}
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
    if (!citizen) void reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
    return citizen;
  };
  const titleOf = async (c: feedback.ComplaintView): Promise<string> => c.subjectKind === 'case' ? `Case ${c.subject}` : (await complaints.subjects.services()).find((s) => s.id === c.subject)?.title ?? c.subject;

  /** What the citizen may give feedback on, described; null when the subject is not theirs or not finished. */
  const feedbackSubject = async (citizenId: string, about: string): Promise<string | null> => {
    if (!SUBJECT.test(about)) return null;
    const [kind, ref] = about.split(':') as ['case' | 'report', string];
    if (kind === 'case') return (await complaints.subjects.caseOf(citizenId, ref))?.decided ? `the decision on case ${ref}` : null;
    const report = await reports.getReport(db, null, Number(ref));
    return report && report.citizenId === citizenId && report.status === 'closed' ? `your report ${ref}` : null;
  };
  const notFeedbackable = (): never => {
    throw pageNotFound('There is nothing to give feedback on at this address: feedback is asked for once a case is decided or a report closed.');
  };

  return async (server) => {
    await server.register(async (scope) => {
      // The citizen's status pages carry the installable app (the service worker keeps them for reading offline).
      await scope.register(htmlPageEdge, {
        app: true, formBodyLimit: 32 * 1024,
        errors: { render: (request, reply, title, content, status) => send(request, reply, title, content, status), log: options.logger, home: { href: '/complaints', label: 'Go to your complaints' } },
      });
      scope.get('/feedback', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const about = String((request.query as Record<string, unknown>)['about'] ?? '');
        const what = await feedbackSubject(citizen.id, about) ?? notFeedbackable();
        if (await feedback.hasFeedback(db, about, citizen.id)) {
          return send(request, reply, 'Thank you for your feedback', html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Thank you for your feedback</h1><div class="govuk-panel__body">About ${what}</div></div>
<p class="govuk-body">If something went wrong, you can <a class="govuk-link" href="/complaints/new">make a formal complaint</a>.</p>`);
        }
        return send(request, reply, 'Give feedback', feedbackForm(about, what, {}, request.csrfToken, []));
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
        if (!feedback.RATINGS.some((r) => r.value === rating)) errors.push({ key: 'rating', anchor: 'rating', message: 'Select how you felt about the service' });
        if (comment.length > MAX_COMMENT) errors.push({ key: 'comment', anchor: 'comment', message: `Your comment must be ${MAX_COMMENT} characters or fewer` });
        if (errors.length > 0) return send(request, reply, 'Give feedback', feedbackForm(about, what, body, request.csrfToken, errors), 400, true);
        await feedback.insertFeedback(db, { subject: about, rating, comment, citizenId: citizen.id });
        return reply.redirect(`/feedback?about=${encodeURIComponent(about)}`, 303);
      });

      scope.get('/complaints', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const mine = await feedback.complaintsOf(db, citizen.id);
        return send(request, reply, 'Your complaints', html`<h1 class="govuk-heading-l">Your complaints</h1>
<p class="govuk-body"><a class="govuk-button" href="/complaints/new" role="button" draggable="false" data-module="govuk-button">Make a formal complaint</a></p>
${mine.length === 0 ? html`<p class="govuk-body">You have not made any complaints.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Complaints you made</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Complaint</th><th scope="col" class="govuk-table__header">About</th><th scope="col" class="govuk-table__header">Status</th></tr></thead>
<tbody class="govuk-table__body">${await Promise.all(mine.map(async (c) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/complaints/${String(c.id)}">CO-${String(c.id)}</a></td><td class="govuk-table__cell">${await titleOf(c)}</td><td class="govuk-table__cell">${STATUS_TEXT[c.status]}</td></tr>`))}</tbody></table>`}`);
      });
      scope.get('/complaints/new', async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const about = String((request.query as Record<string, unknown>)['about'] ?? '');
        const prefill: FormBody = /^[A-Z]{2,6}-\d{4}-\d{6}$/.test(about) ? { kind: 'case', reference: about } : {};
        return send(request, reply, 'Make a formal complaint', complaintForm(await complaints.subjects.services(), prefill, request.csrfToken, []));
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
        if (kind !== 'case' && kind !== 'service') errors.push({ key: 'kind', anchor: 'kind', message: 'Select whether your complaint is about one of your cases or a service' });
        if (kind === 'case' && !(reference !== '' && await complaints.subjects.caseOf(citizen.id, reference))) errors.push({ key: 'reference', anchor: 'reference', message: 'Enter the reference of one of your cases, like BP-2026-000123' });
        if (kind === 'service' && !(await complaints.subjects.services()).some((s) => s.id === service)) errors.push({ key: 'service', anchor: 'service', message: 'Choose the service your complaint is about' });
        if (description === '') errors.push({ key: 'description', anchor: 'description', message: 'Enter what went wrong' });
        if (description.length > MAX_COMPLAINT) errors.push({ key: 'description', anchor: 'description', message: `What went wrong must be ${MAX_COMPLAINT} characters or fewer` });
        if (email !== '' && (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) errors.push({ key: 'email', anchor: 'email', message: 'Enter an email address in the correct format, like name@example.com' });
        if (errors.length > 0) return send(request, reply, 'Make a formal complaint', complaintForm(await complaints.subjects.services(), body, request.csrfToken, errors), 400, true);
        const id = await complaints.make({ subjectKind: kind as 'case' | 'service', subject: kind === 'case' ? reference : service, description, contact: email === '' ? {} : { email }, citizenId: citizen.id });
        return reply.redirect(`/complaints/${id}`, 303);
      });
      scope.get('/complaints/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
        const citizen = signInFirst(request, reply);
        if (!citizen) return reply;
        const id = (request.params as { id: string }).id;
        const c = /^\d{1,15}$/.test(id) ? await feedback.getComplaint(db, Number(id)) : null;
        // Another citizen's complaint is as unknown as a missing one: its existence is theirs.
        if (!c || c.citizenId !== citizen.id) throw pageNotFound('There is no complaint of yours with this number.');
        return send(request, reply, `Complaint CO-${c.id}`, complaintPage(complaints, c, await titleOf(c)));
      });
    });
  };
}
