/**
 * Serves the public proposal pages (Decidim, CONSUL): the list with each proposal's state, a signed-in citizen's new
 * proposal, a proposal's page (its supports against the threshold, the department's answer with reasons and the
 * date it is due, its discussion), the support button, and the citizen's public name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formBody, formText, html, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml, signInAddress } from '../web/index.js';
import { t, type MessageKey } from '../i18n/index.js';
import { renderMarkdown } from './discussion-markdown.js';
import { renderDiscussion } from './discussion-pages.js';
import * as talk from './discussion-store.js';
import { checkText, citizenOf, send, signInFirst, textField, tooManyPosts, topicField, topicNameOf, when, type PagesContext } from './participation-kit.js';
import * as store from './proposals-store.js';

const STATE: Readonly<Record<store.ProposalState, string>> = {
  collecting: 'govuk-tag--grey', 'awaiting-answer': 'govuk-tag--yellow', accepted: 'govuk-tag--green', evaluating: 'govuk-tag--blue', rejected: 'govuk-tag--red',
};
const stateTag = (s: store.ProposalState): SafeHtml => html`<strong class="govuk-tag ${STATE[s]}">${t(`proposals.state.${s}` as MessageKey)}</strong>`;

/** A message with one part marked up (`{name}` in it) where the translator placed it. */
const around = (key: MessageKey, name: string, values: Readonly<Record<string, string | number>>, part: SafeHtml): SafeHtml => {
  const [before = '', after = ''] = t(key, { ...values, [name]: '\u0000' }).split('\u0000');
  return html`${before}${part}${after}`;
};

/** A chosen public name: letters (any script), digits, spaces and . - ' only, so it cannot pose as markup or a link. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} .'-]{1,39}$/u;
const RESERVED = /\b(official|moderator|council|municipality|admin)\b/i;

export function registerProposalRoutes(scope: FastifyInstance, ctx: PagesContext): void {
  const { participation } = ctx;
  const { db } = participation;
  const topicName = (code: string): string => { const topic = participation.topics.find((x) => x.code === code); return topic ? topicNameOf(topic) : code; };
  const proposalOr404 = async (request: FastifyRequest): Promise<store.ProposalView> => {
    const p = await store.getProposal(db, Number((request.params as { id: string }).id));
    if (!p) throw pageNotFound(t('proposals.notFound'));
    return p;
  };

  const newForm = async (request: FastifyRequest, reply: FastifyReply, body: Record<string, string | string[]>, errors: FieldError[]): Promise<FastifyReply> => {
    const name = (await store.publicNameOf(db, citizenOf(request)!.id)) ?? t('proposals.numbered');
    const [before = '', middle = '', after = ''] = t('proposals.new.intro', { name: '\u0000', change: '\u0000', threshold: participation.threshold }).split('\u0000');
    return send(request, reply, t('proposals.make'), html`<a href="/proposals" class="govuk-back-link">${t('layout.back')}</a>
<h1 class="govuk-heading-l">${t('proposals.make')}</h1>${renderErrorSummary(errors)}
<p class="govuk-body">${before}<strong>${name}</strong>${middle}<a class="govuk-link" href="/participation/name">${t('proposals.new.change')}</a>${after}</p>
<form method="post" action="/proposals" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${topicField(participation, formText(body, 'topic'), errors)}
${textField({ key: 'title', label: t('proposals.new.titleLabel'), hint: t('proposals.new.titleHint'), value: formText(body, 'title'), errors })}
${textField({ key: 'body', label: t('proposals.new.bodyLabel'), hint: t('proposals.new.bodyHint'), value: formText(body, 'body'), errors, rows: 10 })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('proposals.new.publish')}</button></form>`, errors.length > 0 ? 400 : 200, errors.length > 0);
  };

  scope.get('/proposals', async (request, reply) => {
    const proposals = await store.listProposals(db, { limit: 100, offset: 0 });
    return send(request, reply, t('proposals.title'), html`<h1 class="govuk-heading-l">${t('proposals.title')}</h1>
<p class="govuk-body">${t('proposals.intro', { threshold: participation.threshold })} <a class="govuk-link" href="/debates">${t('proposals.seeDebates')}</a>.</p>
<p class="govuk-body"><a class="govuk-button" data-module="govuk-button" role="button" draggable="false" href="/proposals/new">${t('proposals.make')}</a></p>
${proposals.length === 0 ? html`<p class="govuk-body">${t('proposals.none')}</p>` : html`<ul class="govuk-list govuk-list--spaced">${proposals.map((p) => html`<li><a class="govuk-link govuk-!-font-weight-bold" href="/proposals/${String(p.id)}">${p.title}</a> ${stateTag(p.state)}<br>
<span class="govuk-body-s">${t('proposals.listLine', { topic: topicName(p.topic), author: p.author, supports: p.supports, threshold: p.threshold })}</span></li>`)}</ul>`}`);
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
    if (!participation.topics.some((t) => t.code === topic)) errors.push({ key: 'topic', anchor: 'topic', message: t('proposals.error.topic') });
    const title = checkText(errors, 'title', 'title', formText(body, 'title'), 10, 150);
    const text = checkText(errors, 'body', 'proposal', formText(body, 'body'), 30, 5000);
    if (errors.length > 0) return newForm(request, reply, body, errors);
    if (!(await participation.mayPost(citizen.id))) throw tooManyPosts();
    const id = await participation.propose(citizen.id, { topic, title, body: text });
    return reply.redirect(`/proposals/${id}`, 303);
  });

  scope.get('/proposals/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const p = await proposalOr404(request);
    if (p.hidden) {
      return send(request, reply, t('proposals.hidden.title'), html`<a href="/proposals" class="govuk-back-link">${t('proposals.title')}</a><h1 class="govuk-heading-l">${t('proposals.hidden.title')}</h1>
<p class="govuk-body">${t('proposals.hidden.text', { when: when(p.hidden.at), reason: p.hidden.reason })}</p>`);
    }
    const citizen = citizenOf(request);
    const supported = citizen ? await store.hasSupported(db, p.id, citizen.id) : false;
    const debate = await talk.debateOfProposal(db, p.id);
    const due = participation.answerDueBy(p);
    const supportBox = supported
      ? html`<p class="govuk-body"><strong>${t('proposals.youSupport')}</strong></p>`
      : citizen
        ? html`<form method="post" action="/proposals/${String(p.id)}/support" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}"><button type="submit" class="govuk-button" data-module="govuk-button">${t('proposals.support')}</button></form>`
        : html`<p class="govuk-body"><a class="govuk-link" href="${signInAddress('citizen', `/proposals/${p.id}`)}">${t('proposals.signInToSupport')}</a>.</p>`;
    return send(request, reply, p.title, html`<a href="/proposals" class="govuk-back-link">${t('proposals.title')}</a>
<span class="govuk-caption-l">${t('proposals.caption', { id: String(p.id), topic: topicName(p.topic) })}</span>
<h1 class="govuk-heading-l">${p.title}</h1>
<p class="govuk-body">${stateTag(p.state)}</p>
<p class="govuk-body-s">${t('proposals.proposedBy', { author: p.author, when: when(p.createdAt) })}</p>
<div>${renderMarkdown(p.body)}</div>
<h2 class="govuk-heading-m">${t('proposals.supports')}</h2>
<p class="govuk-body">${around('proposals.supportsNeeded', 'supports', { threshold: p.threshold }, html`<strong>${String(p.supports)}</strong>`)}</p>
${supportBox}
<h2 class="govuk-heading-m">${t('proposals.officialAnswer')}</h2>
${p.answeredAt ? html`<div class="govuk-inset-text"><p class="govuk-body">${stateTag(p.state)} ${t('proposals.answeredOn', { when: when(p.answeredAt) })}</p>${renderMarkdown(p.answerReasons ?? '')}</div>` : html``}
${p.state === 'collecting' ? html`<p class="govuk-body">${t('proposals.answersAt', { threshold: p.threshold })}</p>` : html``}
${due ? html`<p class="govuk-body">${around(p.state === 'evaluating' ? 'proposals.mustAnswerFinal' : 'proposals.mustAnswer', 'due', {}, html`<strong>${due}</strong>`)}</p>` : html``}
<p class="govuk-body-s"><a class="govuk-link" href="/report-abuse/proposal/${String(p.id)}">${t('proposals.report')}</a></p>
${debate ? await renderDiscussion(ctx, request, debate) : html``}`);
  });

  scope.post('/proposals/:id/support', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    const p = await proposalOr404(request);
    const outcome = await participation.support(p.id, citizenOf(request)!.id);
    if (outcome.kind === 'hidden') throw pageNotFound(t('proposals.hiddenSupport'));
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
