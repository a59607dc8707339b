/**
 * Serves the staff side of "Updates to citizens" at /staff/updates: a department's managers (and administrators, for
 * anything) write news about their department, its services and projects. Publishing also e-mails the topic's
 * confirmed subscribers.
 * A separate page in the workbench's navigation; server-rendered, no script.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../kernel/index.js';
import { formBody, formText, html, htmlPageEdge, page, PageError, renderErrorSummary, type FieldError, type FormBody, type NavigationItem, type SafeHtml } from '../web/index.js';
import type { Topic, Updates } from './updates.js';

const NAVIGATION: readonly NavigationItem[] = [{ href: '/staff', label: 'Inbox', key: 'inbox' }, { href: '/staff/updates', label: 'News and updates', key: 'updates' }];
const LIMITS = { title: 120, summary: 300, body: 5000 } as const;

type Principal = NonNullable<FastifyRequest['principal']>;
type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

/** An administrator publishes about anything; a manager about their department's topics. Nobody else. */
export function mayPublish(principal: StaffPrincipal, topic: Topic): boolean {
  if (principal.roles.includes('admin')) return true;
  return topic.department !== null && principal.memberships.some((m) => m.department === topic.department && m.role === 'manager');
}

const keyOf = (t: Topic): string => `${t.kind}:${t.id}`;

function field(key: 'title' | 'summary' | 'body', label: string, hint: string, body: FormBody, errors: readonly FieldError[]): SafeHtml {
  const error = errors.find((e) => e.key === key);
  const described = `${key}-hint${error ? ` ${key}-error` : ''}`;
  const value = formText(body, key);
  return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<label class="govuk-label govuk-label--s" for="${key}">${label}</label>
<div id="${key}-hint" class="govuk-hint">${hint}</div>
${error ? html`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : html``}${key === 'title'
    ? html`<input class="govuk-input" id="${key}" name="${key}" type="text" value="${value}" aria-describedby="${described}">`
    : html`<textarea class="govuk-textarea" id="${key}" name="${key}" rows="${key === 'body' ? '8' : '3'}" aria-describedby="${described}">${value}</textarea>`}
</div>`;
}

function form(topics: readonly Topic[], body: FormBody, csrf: string, errors: readonly FieldError[]): SafeHtml {
  const chosen = formText(body, 'topic');
  const topicError = errors.find((e) => e.key === 'topic');
  return html`<form method="post" action="/staff/updates" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
<div class="govuk-form-group${topicError ? ' govuk-form-group--error' : ''}">
<label class="govuk-label govuk-label--s" for="topic">What is it about?</label>
${topicError ? html`<p id="topic-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${topicError.message}</p>` : html``}<select class="govuk-select" id="topic" name="topic"${topicError ? html` aria-describedby="topic-error"` : html``}>
<option value="">Choose a service, department or project</option>
${topics.map((t) => html`<option value="${keyOf(t)}"${keyOf(t) === chosen ? html` selected` : html``}>${t.name} (${t.kind})</option>`)}
</select>
</div>
${field('title', 'Title', `Up to ${LIMITS.title} characters. Say what changes for people, not who decided it.`, body, errors)}
${field('summary', 'Summary', `One or two sentences, up to ${LIMITS.summary} characters: shown in lists, feeds, e-mails and when the page is shared.`, body, errors)}
${field('body', 'The news', 'Plain text. Leave an empty line between paragraphs.', body, errors)}
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>Publishing makes it public at once and e-mails everyone subscribed to the topic.</strong></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Publish</button>
</form>`;
}

function check(topics: readonly Topic[], body: FormBody): { errors: FieldError[]; topic: Topic | undefined; title: string; summary: string; text: string } {
  const topic = topics.find((t) => keyOf(t) === formText(body, 'topic'));
  const title = formText(body, 'title').trim();
  const summary = formText(body, 'summary').trim();
  const text = formText(body, 'body').trim();
  const errors: FieldError[] = [];
  if (!topic) errors.push({ key: 'topic', anchor: 'topic', message: 'Choose what the news is about' });
  for (const [key, value, name] of [['title', title, 'title'], ['summary', summary, 'summary'], ['body', text, 'news']] as const) {
    if (value === '') errors.push({ key, anchor: key, message: `Enter the ${name}` });
    else if (value.length > LIMITS[key]) errors.push({ key, anchor: key, message: `The ${name} must be ${LIMITS[key]} characters or fewer` });
  }
  return { errors, topic, title, summary, text };
}

export function registerUpdatesStaffPage(options: { updates: Updates; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  const { updates } = options;
  const send = (reply: FastifyReply, staff: StaffPrincipal | null, csrf: string, title: string, content: SafeHtml, status = 200, hasErrors = false): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').send(page({
      title, content, navigation: NAVIGATION, current: 'updates', section: { name: 'Staff workbench', href: '/staff' }, citizen: staff?.name ?? null, csrfToken: csrf, hasErrors,
    }).value);

  /** The publisher signed in, or a redirect to the staff sign-in (null after replying); a 403 for anyone else. */
  async function publisher(request: FastifyRequest, reply: FastifyReply): Promise<{ staff: StaffPrincipal; topics: Topic[] } | null> {
    const principal = request.principal;
    if (!principal) {
      await reply.redirect(`/staff/sign-in?next=${encodeURIComponent('/staff/updates')}`, 303);
      return null;
    }
    if (principal.kind !== 'staff') throw new PageError(403, 'You cannot publish updates', 'This part of the site is for the staff of the municipality.');
    const topics = (await updates.topics()).filter((t) => mayPublish(principal, t));
    if (topics.length === 0) throw new PageError(403, 'You cannot publish updates', 'Managers publish news about their department\'s services and projects; administrators about anything.');
    return { staff: principal, topics };
  }

  async function render(reply: FastifyReply, who: { staff: StaffPrincipal; topics: Topic[] }, csrf: string, body: FormBody, errors: FieldError[], published: number | null): Promise<FastifyReply> {
    const recent = await updates.latestNews(50);
    const mine = recent.filter((n) => who.topics.some((t) => t.kind === n.topicKind && t.id === n.topicId)).slice(0, 10);
    return send(reply, who.staff, csrf, 'News and updates', html`${published !== null ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="published-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="published-title">Success</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">Published. <a class="govuk-notification-banner__link" href="/updates/news/${String(published)}">See it as citizens do</a>.</p></div>
</div>` : html``}
${renderErrorSummary(errors)}
<h1 class="govuk-heading-l">News and updates</h1>
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${form(who.topics, body, csrf, errors)}
</div><div class="govuk-grid-column-one-third">
<h2 class="govuk-heading-m">Recently published</h2>
${mine.length === 0 ? html`<p class="govuk-body">Nothing yet.</p>` : html`<ul class="govuk-list">${mine.map((n) => html`<li><a class="govuk-link" href="/updates/news/${String(n.id)}">${n.title}</a> (${n.publishedAt.slice(0, 10)})</li>`)}</ul>`}
</div></div>`, errors.length > 0 ? 400 : 200, errors.length > 0);
  }

  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 32 * 1024,
        errors: { render: (request, reply, title, content, status) => send(reply, request.principal?.kind === 'staff' ? request.principal : null, request.csrfToken, title, content, status), log: options.logger, home: { href: '/staff', label: 'Go to the workbench' } },
      });
      scope.get('/staff/updates', async (request, reply) => {
        const who = await publisher(request, reply);
        if (!who) return reply;
        const published = /^[1-9][0-9]{0,14}$/.exec(String((request.query as Record<string, unknown>)['published'] ?? ''));
        return render(reply, who, request.csrfToken, {}, [], published ? Number(published[0]) : null);
      });
      scope.post('/staff/updates', async (request, reply) => {
        const who = await publisher(request, reply);
        if (!who) return reply;
        const body = formBody(request);
        const { errors, topic, title, summary, text } = check(who.topics, body);
        if (errors.length > 0 || !topic) return render(reply, who, request.csrfToken, body, errors, null);
        const news = await updates.publish(topic, { title, summary, body: text }, { id: who.staff.id, name: who.staff.name });
        return reply.redirect(`/staff/updates?published=${news.id}`, 303);
      });
    });
  };
}
