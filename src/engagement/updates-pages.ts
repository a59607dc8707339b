/**
 * Serves the public side of "Updates to citizens": news and report status changes per service, department and
 * project, their Atom and RSS feeds, a news item's page (with Open Graph and Twitter-card metadata, so it shares well), and
 * e-mail subscriptions with double opt-in and RFC 8058 one-click unsubscribe. Server-rendered, no script.
 */
import type { FastifyReply, FastifyRequest, FastifyInstance } from 'fastify';
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

const KIND_HEADINGS: Readonly<Record<string, string>> = { service: 'Services', department: 'Departments', project: 'Projects' };
// A topic's id is a catalogue or organisation slug, or a project's id (which may be a number): the token shape,
// checked against the topics themselves (404 for any other).
const TOPIC_PARAMS = paramsSchema({ kind: PARAM.slug, id: PARAM.token });
const TOKEN_PARAMS = paramsSchema({ token: PARAM.token });

const dateOf = (iso: string): string => new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function entryList(entries: readonly FeedEntry[]): SafeHtml {
  if (entries.length === 0) return html`<p class="govuk-body">There are no updates yet.</p>`;
  return html`<ul class="govuk-list govuk-list--spaced">${entries.map((e) => html`<li>
<h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="${e.href}">${e.title}</a></h3>
<p class="govuk-body-s govuk-!-margin-bottom-1"><time datetime="${e.date}">${dateOf(e.date)}</time>${e.kind === 'report' ? ' · problem report' : ''}</p>
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

const feedLinks = (t: Topic, path: string): SafeHtml => html`<link rel="alternate" type="application/atom+xml" title="${t.name} (Atom)" href="${path}/atom.xml">
<link rel="alternate" type="application/rss+xml" title="${t.name} (RSS)" href="${path}/rss.xml">`;

function subscribeForm(t: Topic, path: string, csrf: string, email: string, errors: readonly FieldError[]): SafeHtml {
  const error = errors[0];
  return html`<a href="${path}" class="govuk-back-link">Back</a>
${renderErrorSummary(errors)}
<form method="post" action="${path}/subscribe" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="email">Get e-mails about ${t.name}</label></h1>
<div id="email-hint" class="govuk-hint">We will send you an e-mail to check it is your address. We use it only to send these updates, and delete it when you unsubscribe.</div>
${error ? html`<p id="email-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : html``}<input class="govuk-input" id="email" name="email" type="email" spellcheck="false" autocomplete="email" value="${email}" aria-describedby="email-hint${error ? ' email-error' : ''}">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Subscribe</button>
</form>`;
}

function checkAddress(email: string): FieldError[] {
  if (email === '') return [{ key: 'email', anchor: 'email', message: 'Enter your e-mail address' }];
  if (email.length > 254 || !EMAIL.test(email)) return [{ key: 'email', anchor: 'email', message: 'Enter an e-mail address in the correct format, like name@example.com' }];
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
    const t = (TOPIC_KINDS as readonly string[]).includes(kind) ? await updates.topic(kind, id) : null;
    if (!t) throw pageNotFound('There are no updates about this.');
    return t;
  };
  const csrfOf = async (request: FastifyRequest, reply: FastifyReply): Promise<string> => request.csrfToken !== '' ? request.csrfToken : options.ensureSession(request, reply);

  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 16 * 1024,
        errors: { render: (request, reply, title, content, status) => send(request, reply, title, content, { status }), log: options.logger, home: { href: '/updates', label: 'Go to News and updates' } },
      });

      scope.get('/updates', async (request, reply) => {
        const topics = await updates.topics();
        const latest = await updates.latestNews(10);
        const nameOf = new Map(topics.map((t) => [`${t.kind}:${t.id}`, t.name]));
        return send(request, reply, 'News and updates', html`<h1 class="govuk-heading-l">News and updates</h1>
<p class="govuk-body">News from our services and departments, and the progress of reported problems. Follow what interests you by e-mail or with a feed reader.</p>
<h2 class="govuk-heading-m">Latest news</h2>
${latest.length === 0 ? html`<p class="govuk-body">There is no news yet.</p>` : html`<ul class="govuk-list govuk-list--spaced">${latest.map((n) => html`<li><a class="govuk-link" href="/updates/news/${String(n.id)}">${n.title}</a> (${nameOf.get(`${n.topicKind}:${n.topicId}`) ?? n.topicId}, <time datetime="${n.publishedAt}">${dateOf(n.publishedAt)}</time>)</li>`)}</ul>`}
${TOPIC_KINDS.filter((k) => topics.some((t) => t.kind === k)).map((k) => html`<h2 class="govuk-heading-m">${KIND_HEADINGS[k] ?? k}</h2>
<ul class="govuk-list">${topics.filter((t) => t.kind === k).map((t) => html`<li><a class="govuk-link" href="${updates.topicPath(t)}">${t.name}</a></li>`)}</ul>`)}`);
      });

      scope.get('/updates/:kind/:id', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const t = await topicOr404(request);
        const path = updates.topicPath(t);
        return send(request, reply, `${t.name}: updates`, html`<span class="govuk-caption-l">News and updates</span>
<h1 class="govuk-heading-l">${t.name}</h1>
<p class="govuk-body"><a class="govuk-link" href="${path}/subscribe">Get e-mails about ${t.name}</a></p>
<p class="govuk-body">Or follow it in a feed reader: <a class="govuk-link" href="${path}/atom.xml">Atom feed</a>, <a class="govuk-link" href="${path}/rss.xml">RSS feed</a>.</p>
<h2 class="govuk-heading-m">Latest updates</h2>
${entryList(await updates.entries(t))}`, { head: feedLinks(t, path) });
      });

      scope.get('/updates/:kind/:id/atom.xml', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const t = await topicOr404(request);
        return reply.type('application/atom+xml; charset=utf-8').header('cache-control', 'public, max-age=60').send(await updates.feedDocument(t, 'atom'));
      });
      scope.get('/updates/:kind/:id/rss.xml', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const t = await topicOr404(request);
        return reply.type('application/rss+xml; charset=utf-8').header('cache-control', 'public, max-age=60').send(await updates.feedDocument(t, 'rss'));
      });

      scope.get('/updates/news/:id', { schema: paramsSchema({ id: PARAM.id }) }, async (request, reply) => {
        const n = await updates.getNews(Number((request.params as { id: string }).id));
        const t = n ? await updates.topic(n.topicKind, n.topicId) : null;
        if (!n || !t) throw pageNotFound('There is no such news item.');
        const url = `${base}/updates/news/${n.id}`;
        return send(request, reply, n.title, html`<a href="${updates.topicPath(t)}" class="govuk-back-link">${t.name}: all updates</a>
<article>
<span class="govuk-caption-l">${t.name}</span>
<h1 class="govuk-heading-l">${n.title}</h1>
<p class="govuk-body-s">Published <time datetime="${n.publishedAt}">${dateOf(n.publishedAt)}</time> by ${n.authorName}</p>
<p class="govuk-body-l">${n.summary}</p>
${paragraphs(n.body)}
</article>
<p class="govuk-body"><a class="govuk-link" href="${updates.topicPath(t)}/subscribe">Get e-mails about ${t.name}</a></p>`, { head: html`${newsMeta(n, url, options.agencyName)}\n${feedLinks(t, updates.topicPath(t))}` });
      });

      scope.get('/updates/:kind/:id/subscribe', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const t = await topicOr404(request);
        const csrf = await csrfOf(request, reply);
        return send(request, reply, `Get e-mails about ${t.name}`, subscribeForm(t, updates.topicPath(t), csrf, '', []), { csrf });
      });
      scope.post('/updates/:kind/:id/subscribe', { schema: TOPIC_PARAMS }, async (request, reply) => {
        const t = await topicOr404(request);
        const email = formText(formBody(request), 'email').trim();
        const errors = checkAddress(email);
        if (errors.length > 0) return send(request, reply, `Get e-mails about ${t.name}`, subscribeForm(t, updates.topicPath(t), request.csrfToken, email, errors), { status: 400, hasErrors: true });
        await updates.subscribe(t, email);
        return send(request, reply, 'Check your e-mail', html`<h1 class="govuk-heading-l">Check your e-mail</h1>
<p class="govuk-body">We have sent a link to ${email}. Open it to start your e-mails about ${t.name}.</p>
<p class="govuk-body">If it does not arrive within a few minutes, check your spam folder.</p>
<p class="govuk-body"><a class="govuk-link" href="${updates.topicPath(t)}">Back to ${t.name}</a></p>`);
      });

      scope.get('/updates/confirm/:token', { schema: TOKEN_PARAMS }, async (request, reply) => {
        const found = await updates.byConfirmToken((request.params as { token: string }).token);
        if (!found || found.subscription.status === 'ended') throw pageNotFound('This confirmation link is not valid. It may have been used to unsubscribe already.');
        const name = found.topic?.name ?? 'these updates';
        if (found.subscription.status === 'active') return send(request, reply, 'You are subscribed', html`<h1 class="govuk-heading-l">You are subscribed</h1><p class="govuk-body">You already get e-mails about ${name}.</p>`);
        const csrf = await csrfOf(request, reply);
        return send(request, reply, 'Confirm your subscription', html`<h1 class="govuk-heading-l">Confirm your subscription</h1>
<p class="govuk-body">Press the button to start getting e-mails about ${name}.</p>
${buttonForm(request.url, csrf, 'Confirm subscription')}`, { csrf });
      });
      scope.post('/updates/confirm/:token', { schema: TOKEN_PARAMS }, async (request, reply) => {
        const found = await updates.byConfirmToken((request.params as { token: string }).token);
        if (!found || found.subscription.status === 'ended') throw pageNotFound('This confirmation link is not valid. It may have been used to unsubscribe already.');
        await updates.confirm(found.subscription.id);
        const name = found.topic?.name ?? 'these updates';
        return send(request, reply, 'You are subscribed', html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">You are subscribed</h1>
<div class="govuk-panel__body">You will get e-mails about ${name}</div></div>
<p class="govuk-body">Every e-mail has a link to unsubscribe.</p>`);
      });

      scope.get('/updates/unsubscribe/:token', { schema: TOKEN_PARAMS }, async (request, reply) => {
        const found = await updates.byUnsubscribeToken((request.params as { token: string }).token);
        if (!found) throw pageNotFound('This unsubscribe link is not valid.');
        const name = found.topic?.name ?? 'these updates';
        if (found.subscription.status === 'ended') return send(request, reply, 'You are unsubscribed', html`<h1 class="govuk-heading-l">You are unsubscribed</h1><p class="govuk-body">You no longer get e-mails about ${name}.</p>`);
        const csrf = await csrfOf(request, reply);
        return send(request, reply, 'Unsubscribe', html`<h1 class="govuk-heading-l">Unsubscribe</h1>
<p class="govuk-body">Press the button to stop e-mails about ${name}. We will delete your e-mail address.</p>
${buttonForm(request.url, csrf, 'Unsubscribe', true)}`, { csrf });
      });
      // RFC 8058: the mail provider posts `List-Unsubscribe=One-Click` here without a session (identity's CSRF hook
      // lets exactly that body through on this route); the page's own button posts with the session's token.
      scope.post('/updates/unsubscribe/:token', { schema: TOKEN_PARAMS, config: { oneClickUnsubscribe: true } }, async (request, reply) => {
        const found = await updates.byUnsubscribeToken((request.params as { token: string }).token);
        if (!found) throw pageNotFound('This unsubscribe link is not valid.');
        await updates.unsubscribe(found.subscription.id);
        return send(request, reply, 'You are unsubscribed', html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">You are unsubscribed</h1>
<div class="govuk-panel__body">You will get no more e-mails about ${found.topic?.name ?? 'these updates'}</div></div>
<p class="govuk-body">We have deleted your e-mail address.</p>`);
      });
    });
  };
}
