/**
 * Serves the public side of "Updates to citizens": news and report status changes per service, department and
 * project, their Atom and RSS feeds, a news item's page (with Open Graph and Twitter-card metadata, so it shares well), and
 * e-mail subscriptions with double opt-in and RFC 8058 one-click unsubscribe. Server-rendered, no script.
 */
import type { FastifyReply, FastifyRequest, FastifyInstance } from 'fastify';
import { formatDay, t, type MessageKey } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import { formBody, formText, html, htmlPageEdge, page, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, type SafeHtml } from '../web/index.js';
import { EMAIL, paragraphs, type FeedEntry, type Topic, type Updates } from './updates.js';
import { TOPIC_KINDS, type NewsView } from './updates-store.js';

/** A session for an anonymous visitor's form (its CSRF token), made by identity; the composition root passes it. */
export type EnsureSession = (request: FastifyRequest, reply: FastifyReply) => Promise<string>;

export interface UpdatesPageOptions {
  readonly updates: Updates;
  readonly publicUrl: string;
  readonly agencyName: string;
  readonly ensureSession: EnsureSession;
  readonly logger: Logger;
}

// A topic's id is a catalogue or organisation slug, or a project's id (which may be a number): the token shape,
// checked against the topics themselves (404 for any other).
const TOPIC_PARAMS = paramsSchema({ kind: PARAM.slug, id: PARAM.token });
const TOKEN_PARAMS = paramsSchema({ token: PARAM.token });

const dateOf = (iso: string): string => formatDay(iso);

function entryList(entries: readonly FeedEntry[]): SafeHtml {
  if (entries.length === 0) return html`<p class="govuk-body">${t('updates.none')}</p>`;
  return html`<ul class="govuk-list govuk-list--spaced">${entries.map((e) => html`<li>
<h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="${e.href}">${e.title}</a></h3>
<p class="govuk-body-s govuk-!-margin-bottom-1"><time datetime="${e.date}">${dateOf(e.date)}</time>${e.kind === 'report' ? ` · ${t('updates.problemReport')}` : ''}</p>
<p class="govuk-body">${e.summary}</p>
</li>`)}</ul>`;
}

function newsMeta(n: NewsView, url: string, agencyName: string): SafeHtml {
  return html`<meta name="description" content="${n.summary}">
<link rel="canonical" href="${url}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="${agencyName}">
<meta property="og:title" content="${n.title}">
<meta property="og:description" content="${n.summary}">
<meta property="og:url" content="${url}">
<meta property="og:locale" content="en_GB">
<meta property="article:published_time" content="${n.publishedAt}">
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${n.title}">
<meta name="twitter:description" content="${n.summary}">`;
}

const feedLinks = (topic: Topic, path: string): SafeHtml => html`<link rel="alternate" type="application/atom+xml" title="${topic.name} (Atom)" href="${path}/atom.xml">
<link rel="alternate" type="application/rss+xml" title="${topic.name} (RSS)" href="${path}/rss.xml">`;

function subscribeForm(topic: Topic, path: string, csrf: string, email: string, errors: readonly FieldError[]): SafeHtml {
  const error = errors[0];
  return html`<a href="${path}" class="govuk-back-link">${t('layout.back')}</a>
${renderErrorSummary(errors)}
<form method="post" action="${path}/subscribe" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="email">${t('updates.getEmails', { topic: topic.name })}</label></h1>
<div id="email-hint" class="govuk-hint">${t('updates.subscribe.hint')}</div>
${error ? html`<p id="email-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('layout.errorPrefix')}</span> ${error.message}</p>` : html``}<input class="govuk-input" id="email" name="email" type="email" spellcheck="false" autocomplete="email" value="${email}" aria-describedby="email-hint${error ? ' email-error' : ''}">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('updates.subscribe.button')}</button>
</form>`;
}

function checkAddress(email: string): FieldError[] {
  if (email === '') return [{ key: 'email', anchor: 'email', message: t('updates.error.empty') }];
  if (email.length > 254 || !EMAIL.test(email)) return [{ key: 'email', anchor: 'email', message: t('updates.error.format') }];
  return [];
}

const buttonForm = (action: string, csrf: string, label: string, warning = false): SafeHtml => html`<form method="post" action="${action}" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" class="govuk-button${warning ? ' govuk-button--warning' : ''}" data-module="govuk-button">${label}</button>
</form>`;

export function registerUpdatesPages(options: UpdatesPageOptions): (server: FastifyInstance) => Promise<void> {
  const { updates } = options;
  const base = options.publicUrl.replace(/\/$/, '');
  const send = (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, extra: { status?: number; hasErrors?: boolean; head?: SafeHtml; csrf?: string } = {}): FastifyReply =>
    reply.status(extra.status ?? 200).type('text/html; charset=utf-8').send(page({
      title, content, citizen: request.principal?.kind === 'citizen' ? request.principal.name : null, csrfToken: extra.csrf ?? request.csrfToken,
      hasErrors: extra.hasErrors ?? false, ...(extra.head ? { head: extra.head } : {}),
    }).value);
  const topicOr404 = async (request: FastifyRequest): Promise<Topic> => {
    const { kind, id } = request.params as { kind: string; id: string };
    const topic = (TOPIC_KINDS as readonly string[]).includes(kind) ? await updates.topic(kind, id) : null;
    if (!topic) throw pageNotFound(t('updates.notFound'));
    return topic;
  };
  const csrfOf = async (request: FastifyRequest, reply: FastifyReply): Promise<string> => request.csrfToken !== '' ? request.csrfToken : options.ensureSession(request, reply);

  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 16 * 1024,
        errors: { render: (request, reply, title, content, status) => send(request, reply, title, content, { status }), log: options.logger, home: { href: '/updates', get label() { return t('updates.home'); } } },
      });

      scope.get('/updates', async (request, reply) => {
        const topics = await updates.topics();
        const latest = await updates.latestNews(10);
        const nameOf = new Map(topics.map((x) => [`${x.kind}:${x.id}`, x.name]));
        return send(request, reply, t('updates.title'), html`<h1 class="govuk-heading-l">${t('updates.title')}</h1>
<p class="govuk-body">${t('updates.intro')}</p>
<h2 class="govuk-heading-m">${t('updates.latestNews')}</h2>
${latest.length === 0 ? html`<p class="govuk-body">${t('updates.noNews')}</p>` : html`<ul class="govuk-list govuk-list--spaced">${latest.map((n) => html`<li><a class="govuk-link" href="/updates/news/${String(n.id)}">${n.title}</a> (${nameOf.get(`${n.topicKind}:${n.topicId}`) ?? n.topicId}, <time datetime="${n.publishedAt}">${dateOf(n.publishedAt)}</time>)</li>`)}</ul>`}
${TOPIC_KINDS.filter((k) => topics.some((x) => x.kind === k)).map((k) => html`<h2 class="govuk-heading-m">${t(`updates.kind.${k}` as MessageKey)}</h2>
<ul class="govuk-list">${topics.filter((x) => x.kind === k).map((x) => html`<li><a class="govuk-link" href="${updates.topicPath(x)}">${x.name}</a></li>`)}</ul>`)}`);
      });

      scope.get('/updates/:kind/:id', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const topic = await topicOr404(request);
        const path = updates.topicPath(topic);
        const [before = '', middle = '', after = ''] = t('updates.feeds', { atom: '\u0000', rss: '\u0000' }).split('\u0000');
        return send(request, reply, t('updates.topicTitle', { topic: topic.name }), html`<span class="govuk-caption-l">${t('updates.title')}</span>
<h1 class="govuk-heading-l">${topic.name}</h1>
<p class="govuk-body"><a class="govuk-link" href="${path}/subscribe">${t('updates.getEmails', { topic: topic.name })}</a></p>
<p class="govuk-body">${before}<a class="govuk-link" href="${path}/atom.xml">${t('updates.atom')}</a>${middle}<a class="govuk-link" href="${path}/rss.xml">${t('updates.rss')}</a>${after}</p>
<h2 class="govuk-heading-m">${t('updates.latest')}</h2>
${entryList(await updates.entries(topic))}`, { head: feedLinks(topic, path) });
      });

      scope.get('/updates/:kind/:id/atom.xml', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const topic = await topicOr404(request);
        return reply.type('application/atom+xml; charset=utf-8').header('cache-control', 'public, max-age=60').send(await updates.feedDocument(topic, 'atom'));
      });
      scope.get('/updates/:kind/:id/rss.xml', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const topic = await topicOr404(request);
        return reply.type('application/rss+xml; charset=utf-8').header('cache-control', 'public, max-age=60').send(await updates.feedDocument(topic, 'rss'));
      });

      scope.get('/updates/news/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
        const n = await updates.getNews(Number((request.params as { id: string }).id));
        const topic = n ? await updates.topic(n.topicKind, n.topicId) : null;
        if (!n || !topic) throw pageNotFound(t('updates.news.notFound'));
        const url = `${base}/updates/news/${n.id}`;
        const [before = '', after = ''] = t('updates.news.published', { date: '\u0000', author: n.authorName }).split('\u0000');
        return send(request, reply, n.title, html`<a href="${updates.topicPath(topic)}" class="govuk-back-link">${t('updates.news.allUpdates', { topic: topic.name })}</a>
<article>
<span class="govuk-caption-l">${topic.name}</span>
<h1 class="govuk-heading-l">${n.title}</h1>
<p class="govuk-body-s">${before}<time datetime="${n.publishedAt}">${dateOf(n.publishedAt)}</time>${after}</p>
<p class="govuk-body-l">${n.summary}</p>
${paragraphs(n.body)}
</article>
<p class="govuk-body"><a class="govuk-link" href="${updates.topicPath(topic)}/subscribe">${t('updates.getEmails', { topic: topic.name })}</a></p>`, { head: html`${newsMeta(n, url, options.agencyName)}\n${feedLinks(topic, updates.topicPath(topic))}` });
      });

      scope.get('/updates/:kind/:id/subscribe', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const topic = await topicOr404(request);
        const csrf = await csrfOf(request, reply);
        return send(request, reply, t('updates.getEmails', { topic: topic.name }), subscribeForm(topic, updates.topicPath(topic), csrf, '', []), { csrf });
      });
      scope.post('/updates/:kind/:id/subscribe', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const topic = await topicOr404(request);
        const email = formText(formBody(request), 'email').trim();
        const errors = checkAddress(email);
        if (errors.length > 0) return send(request, reply, t('updates.getEmails', { topic: topic.name }), subscribeForm(topic, updates.topicPath(topic), request.csrfToken, email, errors), { status: 400, hasErrors: true });
        await updates.subscribe(topic, email);
        return send(request, reply, t('updates.check.title'), html`<h1 class="govuk-heading-l">${t('updates.check.title')}</h1>
<p class="govuk-body">${t('updates.check.sent', { email, topic: topic.name })}</p>
<p class="govuk-body">${t('updates.check.spam')}</p>
<p class="govuk-body"><a class="govuk-link" href="${updates.topicPath(topic)}">${t('updates.backTo', { topic: topic.name })}</a></p>`);
      });

      scope.get('/updates/confirm/:token', { schema: TOKEN_PARAMS }, async (request, reply) => {
        const found = await updates.byConfirmToken((request.params as { token: string }).token);
        if (!found || found.subscription.status === 'ended') throw pageNotFound(t('updates.confirm.invalid'));
        const name = found.topic?.name ?? t('updates.theseUpdates');
        if (found.subscription.status === 'active') return send(request, reply, t('updates.subscribed.title'), html`<h1 class="govuk-heading-l">${t('updates.subscribed.title')}</h1><p class="govuk-body">${t('updates.subscribed.already', { topic: name })}</p>`);
        const csrf = await csrfOf(request, reply);
        return send(request, reply, t('updates.confirm.title'), html`<h1 class="govuk-heading-l">${t('updates.confirm.title')}</h1>
<p class="govuk-body">${t('updates.confirm.text', { topic: name })}</p>
${buttonForm(request.url, csrf, t('updates.confirm.button'))}`, { csrf });
      });
      scope.post('/updates/confirm/:token', { schema: TOKEN_PARAMS }, async (request, reply) => {
        const found = await updates.byConfirmToken((request.params as { token: string }).token);
        if (!found || found.subscription.status === 'ended') throw pageNotFound(t('updates.confirm.invalid'));
        await updates.confirm(found.subscription.id);
        const name = found.topic?.name ?? t('updates.theseUpdates');
        return send(request, reply, t('updates.subscribed.title'), html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('updates.subscribed.title')}</h1>
<div class="govuk-panel__body">${t('updates.subscribed.will', { topic: name })}</div></div>
<p class="govuk-body">${t('updates.subscribed.link')}</p>`);
      });

      scope.get('/updates/unsubscribe/:token', { schema: TOKEN_PARAMS }, async (request, reply) => {
        const found = await updates.byUnsubscribeToken((request.params as { token: string }).token);
        if (!found) throw pageNotFound(t('updates.unsubscribe.invalid'));
        const name = found.topic?.name ?? t('updates.theseUpdates');
        if (found.subscription.status === 'ended') return send(request, reply, t('updates.unsubscribed.title'), html`<h1 class="govuk-heading-l">${t('updates.unsubscribed.title')}</h1><p class="govuk-body">${t('updates.unsubscribed.noLonger', { topic: name })}</p>`);
        const csrf = await csrfOf(request, reply);
        return send(request, reply, t('updates.unsubscribe.title'), html`<h1 class="govuk-heading-l">${t('updates.unsubscribe.title')}</h1>
<p class="govuk-body">${t('updates.unsubscribe.text', { topic: name })}</p>
${buttonForm(request.url, csrf, t('updates.unsubscribe.title'), true)}`, { csrf });
      });
      // RFC 8058: the mail provider posts `List-Unsubscribe=One-Click` here without a session (identity's CSRF hook
      // lets exactly that body through on this route); the page's own button posts with the session's token.
      scope.post('/updates/unsubscribe/:token', { schema: TOKEN_PARAMS, config: { oneClickUnsubscribe: true } }, async (request, reply) => {
        const found = await updates.byUnsubscribeToken((request.params as { token: string }).token);
        if (!found) throw pageNotFound(t('updates.unsubscribe.invalid'));
        await updates.unsubscribe(found.subscription.id);
        return send(request, reply, t('updates.unsubscribed.title'), html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('updates.unsubscribed.title')}</h1>
<div class="govuk-panel__body">${t('updates.unsubscribed.noMore', { topic: found.topic?.name ?? t('updates.theseUpdates') })}</div></div>
<p class="govuk-body">${t('updates.unsubscribed.deleted')}</p>`);
      });
    });
  };
}
