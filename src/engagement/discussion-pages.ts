/**
 * Serves the debates per topic (those about a project too: project-debates.ts) and the discussion of each proposal: threaded comments (a reply form under each comment,
 * a plain <details>, so it works without script), official replies marked as such, Markdown rendered inert
 * (discussion-markdown.ts), abuse reports. Hidden items keep their place with the moderator's reason.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formBody, formText, html, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml, signInAddress } from '../web/index.js';
import { t } from '../i18n/index.js';
import { renderMarkdown } from './discussion-markdown.js';
import * as talk from './discussion-store.js';
import { authorOf, checkText, citizenOf, isKind, officialOf, projectNamed, send, signInFirst, textField, tooManyPosts, topicField, topicNameOf, when, type PagesContext } from './participation-kit.js';
import * as store from './proposals-store.js';

const MAX_DEPTH = 6;
const idOf = (request: FastifyRequest): number => Number((request.params as { id: string }).id);

function commentTree(comments: readonly talk.CommentView[], parentId: number | null, depth: number, replyForm: (c: talk.CommentView) => SafeHtml): SafeHtml {
  const children = comments.filter((c) => c.parentId === parentId);
  if (children.length === 0) return html``;
  return html`<ul class="govuk-list govuk-!-margin-left-${depth === 0 ? '0' : '4'}">${children.map((c) => html`<li>
<article class="govuk-!-margin-bottom-4" id="comment-${String(c.id)}" aria-labelledby="comment-${String(c.id)}-by">
<p class="govuk-body-s govuk-!-margin-bottom-1" id="comment-${String(c.id)}-by"><strong>${c.author}</strong>${c.official ? html` <strong class="govuk-tag govuk-tag--blue">${t('discussion.officialTag')}</strong> ${c.official.department}` : html``} <span class="govuk-hint govuk-!-display-inline">${when(c.createdAt)}</span></p>
${c.hidden ? html`<p class="govuk-body govuk-hint">${t('discussion.hiddenComment', { reason: c.hidden.reason })}</p>` : html`<div>${renderMarkdown(c.body)}</div>
${replyForm(c)}<p class="govuk-body-s"><a class="govuk-link" href="/report-abuse/comment/${String(c.id)}">${t('discussion.reportComment')}<span class="govuk-visually-hidden"> ${t('discussion.by', { author: c.author })}</span></a></p>`}
${depth < MAX_DEPTH ? commentTree(comments, c.id, depth + 1, replyForm) : html``}
</article></li>`)}</ul>`;
}

/** The comments of a debate and the forms to add one, for the debate's page or its proposal's. */
export async function renderDiscussion(ctx: PagesContext, request: FastifyRequest, debate: talk.DebateView): Promise<SafeHtml> {
  const comments = await talk.listComments(ctx.participation.db, debate.id);
  const canWrite = citizenOf(request) !== null || officialOf(request) !== null;
  const csrf = request.csrfToken;
  const form = (parentId: number | null, key: string, label: string): SafeHtml => html`<form method="post" action="/debates/${String(debate.id)}/comments" novalidate>
<input type="hidden" name="csrf" value="${csrf}">${parentId !== null ? html`<input type="hidden" name="parent" value="${String(parentId)}">` : html``}
${textField({ key, label, hint: t('discussion.markdownHint'), value: '', errors: [], rows: 4 })}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${officialOf(request) ? t('discussion.postOfficial') : t('discussion.post')}</button></form>`;
  const replyForm = (c: talk.CommentView): SafeHtml => (canWrite
    ? html`<details class="govuk-details govuk-!-margin-bottom-1"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('discussion.reply')}<span class="govuk-visually-hidden"> ${t('discussion.to', { author: c.author })}</span></span></summary>
<div class="govuk-details__text">${form(c.id, `reply-${String(c.id)}`, t('discussion.yourReply'))}</div></details>`
    : html``);
  return html`<h2 class="govuk-heading-m" id="discussion">${t('discussion.title', { count: comments.filter((c) => !c.hidden).length })}</h2>
${commentTree(comments, null, 0, replyForm)}
${canWrite ? form(null, 'comment', t('discussion.add')) : html`<p class="govuk-body"><a class="govuk-link" href="${signInAddress('citizen', request.url)}">${t('discussion.signIn')}</a>.</p>`}`;
}

export function registerDiscussionRoutes(scope: FastifyInstance, ctx: PagesContext): void {
  const { participation } = ctx;
  const { db } = participation;
  const topicName = (code: string): string => { const topic = participation.topics.find((x) => x.code === code); return topic ? topicNameOf(topic) : code; };
  const byWhom = (author: string | null): string => author ?? t('debates.theMunicipality');

  const newDebateForm = (request: FastifyRequest, reply: FastifyReply, body: Record<string, string | string[]>, errors: FieldError[]): FastifyReply => send(request, reply, t('debates.start'), html`<a href="/debates" class="govuk-back-link">${t('layout.back')}</a>
<h1 class="govuk-heading-l">${t('debates.start')}</h1>${renderErrorSummary(errors)}
<form method="post" action="/debates" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${topicField(participation, formText(body, 'topic'), errors)}
${textField({ key: 'title', label: t('debates.new.titleLabel'), value: formText(body, 'title'), errors })}
${textField({ key: 'body', label: t('debates.new.bodyLabel'), hint: t('debates.new.bodyHint'), value: formText(body, 'body'), errors, rows: 8 })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('debates.new.submit')}</button></form>`, errors.length > 0 ? 400 : 200, errors.length > 0);

  scope.get('/debates', async (request, reply) => {
    const asked = (request.query as Record<string, unknown>)['topic'];
    const topic = typeof asked === 'string' && participation.topics.some((x) => x.code === asked) ? asked : null;
    const debates = await talk.listDebates(db, { topic, limit: 100 });
    const projects = debates.some((d) => d.project !== null) ? await ctx.projects?.list() ?? [] : [];
    const subjectOf = (d: talk.DebateView): string => (d.project !== null ? t('debates.projectSubject', { project: projects.find((p) => p.slug === d.project)?.title ?? d.project }) : topicName(d.topic));
    const [before = '', after = ''] = t('debates.orProject', { link: '\u0000' }).split('\u0000');
    return send(request, reply, t('debates.title'), html`<h1 class="govuk-heading-l">${t('debates.title')}</h1>
<p class="govuk-body">${t('debates.intro')} <a class="govuk-link" href="/proposals">${t('debates.seeProposals')}</a>${ctx.projects ? html`, ${before}<a class="govuk-link" href="/projects">${t('debates.project')}</a>${after}` : html``}.</p>
<p class="govuk-body"><a class="govuk-button" data-module="govuk-button" role="button" draggable="false" href="/debates/new">${t('debates.start')}</a></p>
<nav aria-label="${t('debates.topics')}"><ul class="govuk-list">${[html`<li><a class="govuk-link" href="/debates"${topic === null ? html` aria-current="page"` : html``}>${t('debates.allTopics')}</a></li>`,
  ...participation.topics.map((x) => html`<li><a class="govuk-link" href="/debates?topic=${x.code}"${x.code === topic ? html` aria-current="page"` : html``}>${topicNameOf(x)}</a></li>`)]}</ul></nav>
${debates.length === 0 ? html`<p class="govuk-body">${t(topic ? 'debates.noneOnTopic' : 'debates.none')}</p>` : html`<ul class="govuk-list govuk-list--spaced">${debates.map((d) => html`<li><a class="govuk-link govuk-!-font-weight-bold" href="/debates/${String(d.id)}">${d.title}</a><br><span class="govuk-body-s">${t('debates.listLine', { subject: subjectOf(d), author: byWhom(d.author), comments: d.comments })}</span></li>`)}</ul>`}`);
  });

  scope.get('/debates/new', async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    return newDebateForm(request, reply, {}, []);
  });

  scope.post('/debates', async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    const citizen = citizenOf(request)!;
    const body = formBody(request);
    const errors: FieldError[] = [];
    const topic = formText(body, 'topic');
    if (!participation.topics.some((t) => t.code === topic)) errors.push({ key: 'topic', anchor: 'topic', message: t('debates.error.topic') });
    const title = checkText(errors, 'title', 'title', formText(body, 'title'), 3, 150);
    const text = checkText(errors, 'body', 'debate', formText(body, 'body'), 10, 5000);
    if (errors.length > 0) return newDebateForm(request, reply, body, errors);
    if (!(await participation.mayPost(citizen.id))) throw tooManyPosts();
    const id = await participation.startDebate(citizen.id, { topic, title, body: text });
    return reply.redirect(`/debates/${id}`, 303);
  });

  scope.get('/debates/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    const debate = await talk.getDebate(db, idOf(request));
    if (!debate) throw pageNotFound(t('debates.notFound'));
    if (debate.proposalId !== null) return reply.redirect(`/proposals/${debate.proposalId}#discussion`, 303);
    const project = debate.project !== null ? await projectNamed(ctx, debate.project) : null;
    const back = debate.project !== null
      ? html`<a href="/debates/projects/${debate.project}" class="govuk-back-link">${t('debates.aboutProject', { project: project?.title ?? t('debates.theProject') })}</a>`
      : html`<a href="/debates?topic=${debate.topic}" class="govuk-back-link">${topicName(debate.topic)}</a>`;
    return send(request, reply, debate.hidden ? t('debates.hidden.title') : debate.title, html`${back}
${debate.hidden ? html`<h1 class="govuk-heading-l">${t('debates.hidden.title')}</h1><p class="govuk-body">${t('debates.hidden.text', { reason: debate.hidden.reason })}</p>` : html`<span class="govuk-caption-l">${t('debates.caption')} · ${debate.project !== null ? html`${t('debates.projectLabel')} <a class="govuk-link" href="/projects/${debate.project}">${project?.title ?? debate.project}</a>` : topicName(debate.topic)}</span>
<h1 class="govuk-heading-l">${debate.title}</h1>
<p class="govuk-body-s">${t('debates.startedBy', { author: byWhom(debate.author), when: when(debate.createdAt) })}</p>
<div>${renderMarkdown(debate.body)}</div>
<p class="govuk-body-s"><a class="govuk-link" href="/report-abuse/debate/${String(debate.id)}">${t('debates.report')}</a></p>
${await renderDiscussion(ctx, request, debate)}`}`);
  });

  scope.post('/debates/:id/comments', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
    // Who may write is decided before what is looked up (an auditor is refused alike for any debate number).
    if (!authorOf(request, null)) {
      if (signInFirst(request, reply)) return reply;
      return send(request, reply, t('debates.cannotComment'), html`<h1 class="govuk-heading-l">${t('debates.cannotComment')}</h1><p class="govuk-body">${t('debates.auditors')}</p>`, 403);
    }
    const debate = await talk.getDebate(db, idOf(request));
    if (!debate) throw pageNotFound(t('debates.notFound'));
    const proposal = debate.proposalId !== null ? await store.getProposal(db, debate.proposalId) : null;
    // An official reply names the department the proposal or project belongs to, when the official is in it.
    const project = debate.project !== null ? await projectNamed(ctx, debate.project) : null;
    const author = authorOf(request, proposal?.department ?? project?.department ?? null)!;
    const body = formBody(request);
    const parentText = formText(body, 'parent');
    const parent = /^[1-9]\d{0,14}$/.test(parentText) ? await talk.getComment(db, Number(parentText)) : null;
    if (parentText !== '' && (!parent || parent.debateId !== debate.id)) throw pageNotFound(t('debates.replyNotHere'));
    const key = parent ? `reply-${String(parent.id)}` : 'comment';
    const errors: FieldError[] = [];
    const text = checkText(errors, key, 'comment', formText(body, key), 1, 5000);
    const back = debate.proposalId !== null ? `/proposals/${debate.proposalId}` : `/debates/${debate.id}`;
    if (debate.hidden || proposal?.hidden) errors.push({ key, anchor: key, message: t('debates.closed') });
    if (errors.length > 0) {
      return send(request, reply, t('debates.commentProblem'), html`<a href="${back}" class="govuk-back-link">${t('layout.back')}</a><h1 class="govuk-heading-l">${t('debates.yourComment')}</h1>${renderErrorSummary(errors)}
<form method="post" action="/debates/${String(debate.id)}/comments" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">${parent ? html`<input type="hidden" name="parent" value="${String(parent.id)}">` : html``}
${textField({ key, label: t('debates.yourComment'), value: formText(body, key), errors, rows: 4 })}<button type="submit" class="govuk-button" data-module="govuk-button">${t('discussion.post')}</button></form>`, 400, true);
    }
    if (author.kind === 'citizen' && !(await participation.mayPost(author.citizenId))) throw tooManyPosts();
    const id = await participation.comment({ debateId: debate.id, parentId: parent?.id ?? null, author, body: text });
    return reply.redirect(`${back}#comment-${id}`, 303);
  });

  const reportForm = (request: FastifyRequest, reply: FastifyReply, kind: string, id: number, what: string, reason: string, errors: FieldError[]): FastifyReply => send(request, reply, t('abuse.title'), html`<h1 class="govuk-heading-l">${t('abuse.heading', { kind })}</h1>${renderErrorSummary(errors)}
<p class="govuk-body">${t('abuse.reporting', { what })}</p>
<form method="post" action="/report-abuse/${kind}/${String(id)}" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${textField({ key: 'reason', label: t('abuse.label'), hint: t('abuse.hint'), value: reason, errors, rows: 4 })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('abuse.send')}</button></form>`, errors.length > 0 ? 400 : 200, errors.length > 0);
  const targetOf = async (request: FastifyRequest): Promise<{ kind: talk.ModerationTarget; id: number; text: string; href: string }> => {
    const { kind, id } = request.params as { kind: string; id: string };
    const target = isKind(kind) ? await talk.describeTarget(db, kind, Number(id)) : null;
    if (!target || !isKind(kind)) throw pageNotFound(t('abuse.nothing'));
    return { kind, id: Number(id), ...target };
  };
  const reportParams = { schema: paramsSchema({ kind: PARAM.slug, id: PARAM.id }) };
  scope.get('/report-abuse/:kind/:id', reportParams, async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    const target = await targetOf(request);
    return reportForm(request, reply, target.kind, target.id, target.text, '', []);
  });
  scope.post('/report-abuse/:kind/:id', reportParams, async (request, reply) => {
    if (signInFirst(request, reply)) return reply;
    const target = await targetOf(request);
    const errors: FieldError[] = [];
    const reason = checkText(errors, 'reason', 'abuse', formText(formBody(request), 'reason'), 5, 1000);
    if (errors.length > 0) return reportForm(request, reply, target.kind, target.id, target.text, formText(formBody(request), 'reason'), errors);
    await participation.reportAbuse({ kind: target.kind, id: target.id, reporterId: citizenOf(request)!.id, reason });
    return send(request, reply, t('abuse.thanksTitle'), html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('abuse.thanks')}</h1></div>
<p class="govuk-body">${t('abuse.willLook')} <a class="govuk-link" href="${target.href}">${t('abuse.goBack')}</a>.</p>`);
  });
}
