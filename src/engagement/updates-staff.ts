/**
 * Serves the staff side of "Updates to citizens" at /staff/updates: a department's managers (and administrators, for
 * anything) write news about their department, its services and projects. Publishing also e-mails the topic's
 * confirmed subscribers.
 * A separate page in the workbench's navigation; server-rendered, no script.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDay, t } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import { formBody, formText, html, htmlPageEdge, page, PageError, renderErrorSummary, type FieldError, type FormBody, type NavigationItem, type SafeHtml, redirectToSignIn } from '../web/index.js';
import type { Topic, Updates } from './updates.js';

const navigation = (): readonly NavigationItem[] => [{ href: '/staff', label: t('staff.nav.inbox'), key: 'inbox' }, { href: '/staff/updates', label: t('staff.updates.title'), key: 'updates' }];
const LIMITS = { title: 120, summary: 300, body: 5000 } as const;

type Principal = NonNullable<FastifyRequest['principal']>;
type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

/** An administrator publishes about anything; a manager about their department's topics. Nobody else. */
export function mayPublish(principal: StaffPrincipal, topic: Topic): boolean {
  if (principal.roles.includes('admin')) return true;
  return topic.department !== null && principal.memberships.some((m) => m.department === topic.department && m.role === 'manager');
}

const keyOf = (topic: Topic): string => `${topic.kind}:${topic.id}`;

function field(key: 'title' | 'summary' | 'body', label: string, hint: string, body: FormBody, errors: readonly FieldError[]): SafeHtml {
  const error = errors.find((e) => e.key === key);
  const described = `${key}-hint${error ? ` ${key}-error` : ''}`;
  const value = formText(body, key);
  return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<label class="govuk-label govuk-label--s" for="${key}">${label}</label>
<div id="${key}-hint" class="govuk-hint">${hint}</div>
${error ? html`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : html``}${key === 'title'
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
<label class="govuk-label govuk-label--s" for="topic">${t('staff.updates.about')}</label>
${topicError ? html`<p id="topic-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${topicError.message}</p>` : html``}<select class="govuk-select" id="topic" name="topic"${topicError ? html` aria-describedby="topic-error"` : html``}>
<option value="">${t('staff.updates.choose')}</option>
${topics.map((topic) => html`<option value="${keyOf(topic)}"${keyOf(topic) === chosen ? html` selected` : html``}>${t('staff.updates.topic', { name: topic.name, kind: topic.kind })}</option>`)}
</select>
</div>
${field('title', t('staff.updates.titleLabel'), t('staff.updates.titleHint', { max: LIMITS.title }), body, errors)}
${field('summary', t('staff.updates.summaryLabel'), t('staff.updates.summaryHint', { max: LIMITS.summary }), body, errors)}
${field('body', t('staff.updates.bodyLabel'), t('staff.updates.bodyHint'), body, errors)}
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span>${t('staff.updates.warning')}</strong></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.updates.publish')}</button>
</form>`;
}

function check(topics: readonly Topic[], body: FormBody): { errors: FieldError[]; topic: Topic | undefined; title: string; summary: string; text: string } {
  const topic = topics.find((candidate) => keyOf(candidate) === formText(body, 'topic'));
  const title = formText(body, 'title').trim();
  const summary = formText(body, 'summary').trim();
  const text = formText(body, 'body').trim();
  const errors: FieldError[] = [];
  if (!topic) errors.push({ key: 'topic', anchor: 'topic', message: t('staff.updates.topicMissing') });
  for (const [key, value] of [['title', title], ['summary', summary], ['body', text]] as const) {
    if (value === '') errors.push({ key, anchor: key, message: t('staff.updates.missing', { field: key }) });
    else if (value.length > LIMITS[key]) errors.push({ key, anchor: key, message: t('staff.updates.tooLong', { field: key, max: LIMITS[key] }) });
  }
  return { errors, topic, title, summary, text };
}

export function registerUpdatesStaffPage(options: { updates: Updates; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  const { updates } = options;
  const send = (reply: FastifyReply, staff: StaffPrincipal | null, csrf: string, title: string, content: SafeHtml, status = 200, hasErrors = false): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').send(page({
      title, content, navigation: navigation(), current: 'updates', section: { name: t('staff.section'), href: '/staff' }, citizen: staff?.name ?? null, csrfToken: csrf, hasErrors, languageSwitcher: true,
    }).value);

  /** The publisher signed in, or a redirect to the staff sign-in (null after replying); a 403 for anyone else. */
  async function publisher(request: FastifyRequest, reply: FastifyReply): Promise<{ staff: StaffPrincipal; topics: Topic[] } | null> {
    const principal = request.principal;
    if (!principal) {
      await redirectToSignIn(reply, 'staff', request, '/staff/updates');
      return null;
    }
    if (principal.kind !== 'staff') throw new PageError(403, t('staff.updates.forbiddenTitle'), t('staff.error.notStaffText'));
    const topics = (await updates.topics()).filter((topic) => mayPublish(principal, topic));
    if (topics.length === 0) throw new PageError(403, t('staff.updates.forbiddenTitle'), t('staff.updates.forbiddenText'));
    return { staff: principal, topics };
  }

  async function render(reply: FastifyReply, who: { staff: StaffPrincipal; topics: Topic[] }, csrf: string, body: FormBody, errors: FieldError[], published: number | null): Promise<FastifyReply> {
    const recent = await updates.latestNews(50);
    const mine = recent.filter((n) => who.topics.some((topic) => topic.kind === n.topicKind && topic.id === n.topicId)).slice(0, 10);
    return send(reply, who.staff, csrf, t('staff.updates.title'), html`${published !== null ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="published-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="published-title">${t('common.success')}</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('staff.updates.published')} <a class="govuk-notification-banner__link" href="/updates/news/${String(published)}">${t('staff.updates.seeAsCitizens')}</a>.</p></div>
</div>` : html``}
${renderErrorSummary(errors)}
<h1 class="govuk-heading-l">${t('staff.updates.title')}</h1>
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${form(who.topics, body, csrf, errors)}
</div><div class="govuk-grid-column-one-third">
<h2 class="govuk-heading-m">${t('staff.updates.recent')}</h2>
${mine.length === 0 ? html`<p class="govuk-body">${t('staff.updates.nothingYet')}</p>` : html`<ul class="govuk-list">${mine.map((n) => html`<li><a class="govuk-link" href="/updates/news/${String(n.id)}">${n.title}</a> (${formatDay(n.publishedAt.slice(0, 10))})</li>`)}</ul>`}
</div></div>`, errors.length > 0 ? 400 : 200, errors.length > 0);
  }

  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 32 * 1024,
        errors: { render: (request, reply, title, content, status) => send(reply, request.principal?.kind === 'staff' ? request.principal : null, request.csrfToken, title, content, status), log: options.logger, home: { href: '/staff', get label() { return t('staff.backToInbox'); } } },
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
