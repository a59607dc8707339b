/**
 * Serves the public proposal pages (Decidim, CONSUL): the list with each proposal's state, a signed-in citizen's new
 * proposal, a proposal's page (its supports against the threshold, the department's answer with reasons and the
 * date it is due, its discussion), the support button, and the citizen's public name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formBody, formText, html, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml } from '../web/index.js';
import { t } from '../i18n/index.js';
import { renderMarkdown } from './discussion-markdown.js';
import { renderDiscussion } from './discussion-pages.js';
import * as talk from './discussion-store.js';
import { checkText, citizenOf, send, signInFirst, textField, tooManyPosts, topicField, when, type PagesContext } from './participation-kit.js';
import * as store from './proposals-store.js';

const STATE: Readonly<Record<store.ProposalState, { label: string; tag: string }>> = {
  collecting: { label: 'Collecting supports', tag: 'govuk-tag--grey' },
  'awaiting-answer': { label: 'Waiting for the official answer', tag: 'govuk-tag--yellow' },
  accepted: { label: 'Accepted', tag: 'govuk-tag--green' },
  evaluating: { label: 'Being evaluated', tag: 'govuk-tag--blue' },
  rejected: { label: 'Rejected', tag: 'govuk-tag--red' },
};
const stateTag = (s: store.ProposalState): SafeHtml => html`<strong class="govuk-tag ${STATE[s].tag}">${STATE[s].label}</strong>`;

/** A chosen public name: letters (any script), digits, spaces and . - ' only, so it cannot pose as markup or a link. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} .'-]{1,39}$/u;
const RESERVED = /\b(official|moderator|council|municipality|admin)\b/i;

export function registerProposalRoutes(scope: FastifyInstance, ctx: PagesContext): void {
  const { participation } = ctx;
  const { db } = participation;
  const topicName = (code: string): string => participation.topics.find((t) => t.code === code)?.name ?? code;
  const proposalOr404 = async (request: FastifyRequest): Promise<store.ProposalView> => {
    const p = await store.getProposal(db, Number((request.params as { id: string }).id));
    if (!p) throw pageNotFound('There is no proposal with this number.');
    return p;
  };

  const newForm = async (request: FastifyRequest, reply: FastifyReply, body: Record<string, string | string[]>, errors: FieldError[]): Promise<FastifyReply> => {
    const name = (await store.publicNameOf(db, citizenOf(request)!.id)) ?? 'a numbered resident, such as Resident 12';
    return send(request, reply, 'Make a proposal', html`<a href="/proposals" class="govuk-back-link">Back</a>
<h1 class="govuk-heading-l">Make a proposal</h1>${renderErrorSummary(errors)}
<p class="govuk-body">Your proposal is public and shown with your public name, <strong>${name}</strong> (<a class="govuk-link" href="/participation/name">change it</a>). When ${String(participation.threshold)} people support it, the department it concerns must publish an official answer.</p>
<form method="post" action="/proposals" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${topicField(participation, formText(body, 'topic'), errors)}
${textField({ key: 'title', label: 'Title', hint: 'What you propose, in one line.', value: formText(body, 'title'), errors })}
${textField({ key: 'body', label: 'Your proposal', hint: 'Why it matters and what should be done. You can use Markdown. Do not include personal details.', value: formText(body, 'body'), errors, rows: 10 })}
<button type="submit" class="govuk-button" data-module="govuk-button">Publish the proposal</button></form>`, errors.length > 0 ? 400 : 200, errors.length > 0);
  };

  scope.get('/proposals', async (request, reply) => {
    const proposals = await store.listProposals(db, { limit: 100, offset: 0 });
    return send(request, reply, 'Proposals', html`<h1 class="govuk-heading-l">Proposals</h1>
<p class="govuk-body">Residents propose, others support. A proposal with ${String(participation.threshold)} supports gets an official answer from the department it concerns. <a class="govuk-link" href="/debates">See the debates</a>.</p>
<p class="govuk-body"><a class="govuk-button" data-module="govuk-button" role="button" draggable="false" href="/proposals/new">Make a proposal</a></p>
${proposals.length === 0 ? html`<p class="govuk-body">There are no proposals yet.</p>` : html`<ul class="govuk-list govuk-list--spaced">${proposals.map((p) => html`<li><a class="govuk-link govuk-!-font-weight-bold" href="/proposals/${String(p.id)}">${p.title}</a> ${stateTag(p.state)}<br>
<span class="govuk-body-s">${topicName(p.topic)} · by ${p.author} · ${String(p.supports)} of ${String(p.threshold)} supports</span></li>`)}</ul>`}`);
  });

  scope.get('/proposals/new', async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    return newForm(request, reply, {}, []);
  });

  scope.post('/proposals', async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    const citizen = citizenOf(request)!;
    const body = formBody(request);
    const errors: FieldError[] = [];
    const topic = formText(body, 'topic');
    if (!participation.topics.some((t) => t.code === topic)) errors.push({ key: 'topic', anchor: 'topic', message: 'Select the topic of your proposal' });
    const title = checkText(errors, 'title', 'a title', formText(body, 'title'), 10, 150);
    const text = checkText(errors, 'body', 'your proposal', formText(body, 'body'), 30, 5000);
    if (errors.length > 0) return newForm(request, reply, body, errors);
    if (!(await participation.mayPost(citizen.id))) throw tooManyPosts();
    const id = await participation.propose(citizen.id, { topic, title, body: text });
    return reply.redirect(`/proposals/${id}`, 303);
  });

  scope.get('/proposals/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const p = await proposalOr404(request);
    if (p.hidden) {
      return send(request, reply, 'Hidden proposal', html`<a href="/proposals" class="govuk-back-link">Proposals</a><h1 class="govuk-heading-l">Hidden proposal</h1>
<p class="govuk-body">A moderator hid this proposal on ${when(p.hidden.at)}: ${p.hidden.reason}</p>`);
    }
    const citizen = citizenOf(request);
    const supported = citizen ? await store.hasSupported(db, p.id, citizen.id) : false;
    const debate = await talk.debateOfProposal(db, p.id);
    const due = participation.answerDueBy(p);
    const supportBox = supported
      ? html`<p class="govuk-body"><strong>You support this proposal.</strong></p>`
      : citizen
        ? html`<form method="post" action="/proposals/${String(p.id)}/support" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}"><button type="submit" class="govuk-button" data-module="govuk-button">Support this proposal</button></form>`
        : html`<p class="govuk-body"><a class="govuk-link" href="/sign-in?next=${encodeURIComponent(`/proposals/${p.id}`)}">Sign in to support this proposal</a>.</p>`;
    return send(request, reply, p.title, html`<a href="/proposals" class="govuk-back-link">Proposals</a>
<span class="govuk-caption-l">Proposal ${String(p.id)} · ${topicName(p.topic)}</span>
<h1 class="govuk-heading-l">${p.title}</h1>
<p class="govuk-body">${stateTag(p.state)}</p>
<p class="govuk-body-s">Proposed by ${p.author} on ${when(p.createdAt)}</p>
<div>${renderMarkdown(p.body)}</div>
<h2 class="govuk-heading-m">Supports</h2>
<p class="govuk-body"><strong>${String(p.supports)}</strong> of ${String(p.threshold)} supports needed for an official answer.</p>
${supportBox}
<h2 class="govuk-heading-m">Official answer</h2>
${p.answeredAt ? html`<div class="govuk-inset-text"><p class="govuk-body">${stateTag(p.state)} on ${when(p.answeredAt)}</p>${renderMarkdown(p.answerReasons ?? '')}</div>` : html``}
${p.state === 'collecting' ? html`<p class="govuk-body">The department answers once the proposal has ${String(p.threshold)} supports.</p>` : html``}
${due ? html`<p class="govuk-body">The department must ${p.state === 'evaluating' ? 'give its final answer' : 'answer'} by <strong>${due}</strong>.</p>` : html``}
<p class="govuk-body-s"><a class="govuk-link" href="/report-abuse/proposal/${String(p.id)}">Report this proposal</a></p>
${debate ? await renderDiscussion(ctx, request, debate) : html``}`);
  });

  scope.post('/proposals/:id/support', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    const p = await proposalOr404(request);
    const outcome = await participation.support(p.id, citizenOf(request)!.id);
    if (outcome.kind === 'hidden') throw pageNotFound('This proposal was hidden by a moderator; it cannot be supported.');
    return reply.redirect(`/proposals/${p.id}`, 303);
  });

  const nameForm = async (request: FastifyRequest, reply: FastifyReply, value: string, errors: FieldError[]): Promise<FastifyReply> => {
    const current = (await store.publicNameOf(db, citizenOf(request)!.id)) ?? t('participation.name.numbered');
    // The name in bold where the translator placed it.
    const [before = '', after = ''] = t('participation.name.intro', { name: '\u0000' }).split('\u0000');
    return send(request, reply, t('participation.name.title'), html`<h1 class="govuk-heading-l">${t('participation.name.title')}</h1>${renderErrorSummary(errors)}
<p class="govuk-body">${before}<strong>${current}</strong>${after}</p>
<form method="post" action="/participation/name" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${textField({ key: 'name', label: t('participation.name.label'), hint: t('participation.name.hint'), value, errors })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('participation.name.save')}</button></form>`, errors.length > 0 ? 400 : 200, errors.length > 0);
  };
  scope.get('/participation/name', async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    return nameForm(request, reply, '', []);
  });
  scope.post('/participation/name', async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    const name = formText(formBody(request), 'name').trim().replace(/\s+/g, ' ');
    const errors: FieldError[] = [];
    if (name !== '' && !NAME.test(name)) errors.push({ key: 'name', anchor: 'name', message: t('participation.name.invalid') });
    else if (RESERVED.test(name)) errors.push({ key: 'name', anchor: 'name', message: t('participation.name.reserved') });
    if (errors.length > 0) return nameForm(request, reply, name, errors);
    await store.setDisplayName(db, citizenOf(request)!.id, name === '' ? null : name);
    return reply.redirect('/proposals', 303);
  });
}
