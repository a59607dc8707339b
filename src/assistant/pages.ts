/**
 * Serves the assistant's page at /assistant: a form that posts the question and the conversation rendered on the
 * server (every reply escaped by the html template), so it works without JavaScript; each reply can be rated.
 * A signed-out citizen's conversation is addressed by its random id (?c=), a signed-in one's is theirs alone.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDay, t } from '../i18n/index.js';
import { isGovflowError, type Logger } from '../kernel/index.js';
import { formText, html, htmlPageEdge, page, renderErrorSummary, type FieldError, type SafeHtml } from '../web/index.js';
import type { Assistant, Caller, ConversationView, ShownMessage } from './assistant.js';
import { WIDGET_SCRIPT } from './widget-script.js';

/** The page's one script (the widget) from 'self', and its calls to the API. */
const ASSISTANT_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const MAX_QUESTION = 1000;
const CONVERSATION = /^[A-Za-z0-9_-]{22}$/;

const WHO = { citizen: 'assistant.who.citizen', assistant: 'assistant.who.assistant', staff: 'assistant.who.staff' } as const;

function message(m: ShownMessage, conversationId: string, csrf: string, last: boolean): SafeHtml {
  const rating = m.role === 'assistant' && m.kind !== null
    ? m.rating
      ? html`<p class="govuk-body-s">${t(m.rating === 'helpful' ? 'assistant.ratedHelpful' : 'assistant.ratedNotHelpful')}</p>`
      : html`<form method="post" action="/assistant/rating" class="govuk-!-margin-bottom-2"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="c" value="${conversationId}"><input type="hidden" name="m" value="${String(m.id)}">
<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('assistant.wasHelpful')}</legend>
<div class="govuk-button-group"><button type="submit" name="helpful" value="yes" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">${t('assistant.yes')}<span class="govuk-visually-hidden">${t('assistant.yesHidden', { id: String(m.id) })}</span></button>
<button type="submit" name="helpful" value="no" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">${t('assistant.no')}<span class="govuk-visually-hidden">${t('assistant.noHidden', { id: String(m.id) })}</span></button></div></fieldset></form>`
    : html``;
  const links = [...m.sources.map((s) => html`<li>${t('assistant.source')} <a class="govuk-link" href="${s.url}">${s.title}</a></li>`), ...m.actions.map((a) => html`<li><a class="govuk-link" href="${a.href}">${a.label}</a></li>`)];
  return html`<div class="govuk-!-margin-bottom-4 assistant-message assistant-message--${m.role}"${last ? html` id="latest" tabindex="-1"` : html``}>
<h3 class="govuk-heading-s govuk-!-margin-bottom-1">${t(WHO[m.role])}</h3>
<p class="govuk-body">${m.text}</p>
${links.length > 0 ? html`<ul class="govuk-list govuk-body-s">${links}</ul>` : html``}
${rating}</div>`;
}

function assistantPage(view: ConversationView | null, csrf: string, errors: readonly FieldError[], text: string, past: readonly { id: string; lastAt: string; enquiry: boolean }[]): SafeHtml {
  const error = errors[0];
  return html`<h1 class="govuk-heading-l">${t('assistant.title')}</h1>
${renderErrorSummary(errors)}
<p class="govuk-body">${t('assistant.intro')}</p>
${view?.enquiry ? html`<div class="govuk-inset-text">${t(view.enquiry.open ? 'assistant.enquiryOpen' : 'assistant.enquiryAnswered', { reference: view.enquiry.reference })}</div>` : html``}
<section aria-labelledby="conversation-heading"><h2 class="govuk-heading-m" id="conversation-heading">${t('assistant.conversation')}</h2>
${view && view.messages.length > 0 ? view.messages.map((m, i) => message(m, view.id, csrf, i === view.messages.length - 1)) : html`<p class="govuk-body">${t('assistant.nothingYet')}</p>`}
<div id="assistant-live" aria-live="polite"></div></section>
<form method="post" action="/assistant" novalidate id="assistant-form">
<input type="hidden" name="csrf" value="${csrf}">${view ? html`<input type="hidden" name="c" value="${view.id}">` : html``}
<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label govuk-label--m" for="text">${t('assistant.question')}</label>
<div id="text-hint" class="govuk-hint">${t('assistant.questionHint')}</div>
${error ? html`<p class="govuk-error-message" id="text-error"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : html``}
<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="text" name="text" rows="3" aria-describedby="text-hint${error ? ' text-error' : ''}">${text}</textarea></div>
<div class="govuk-button-group"><button type="submit" class="govuk-button" data-module="govuk-button">${t('assistant.ask')}</button>
${view ? html`<a class="govuk-link" href="/assistant">${t('assistant.newConversation')}</a>` : html``}</div>
</form>
${past.length > 0 ? html`<h2 class="govuk-heading-m">${t('assistant.earlier')}</h2><ul class="govuk-list">${past.map((p) => html`<li><a class="govuk-link" href="/assistant?c=${p.id}">${t('assistant.conversationOf', { day: formatDay(p.lastAt.slice(0, 10)) })}</a>${p.enquiry ? ` ${t('assistant.passedToStaff')}` : ''}</li>`)}</ul>` : html``}`;
}

/** A form token for a visitor without a session (identity's, passed in by compose): asking needs no sign-in. */
export type EnsureSession = (request: FastifyRequest, reply: FastifyReply) => Promise<string>;

export function registerAssistantPages(options: { assistant: Assistant; ensureSession: EnsureSession; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  const { assistant } = options;
  const citizenOf = (request: FastifyRequest): { id: string; name: string } | null => (request.principal?.kind === 'citizen' ? request.principal : null);
  const callerOf = (request: FastifyRequest): Caller => ({ citizenId: citizenOf(request)?.id ?? null });
  const send = (request: FastifyRequest, reply: FastifyReply, content: SafeHtml, status = 200, hasErrors = false): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').send(page({ title: t('assistant.title'), content, citizen: citizenOf(request)?.name ?? null, csrfToken: request.csrfToken, hasErrors, scripts: ['/assistant/widget.js'] }).value);
  const render = async (request: FastifyRequest, reply: FastifyReply, id: string, errors: readonly FieldError[] = [], text = ''): Promise<FastifyReply> => {
    const citizen = citizenOf(request);
    const view = CONVERSATION.test(id) ? await assistant.conversation(callerOf(request), id).catch((e: unknown) => {
      if (isGovflowError(e) && e.code === 'GOVFLOW_ERR_NOT_FOUND') return null;
      throw e;
    }) : null;
    const past = citizen ? (await assistant.conversationsOf(citizen.id)).filter((p) => p.id !== view?.id) : [];
    const csrf = request.csrfToken !== '' ? request.csrfToken : await options.ensureSession(request, reply);
    request.csrfToken = csrf;
    return send(request, reply, assistantPage(view, csrf, errors, text, past), errors.length > 0 ? 400 : 200, errors.length > 0);
  };

  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 16 * 1024, cspFor: () => ASSISTANT_CSP,
        errors: { render: (request, reply, title, content, status) => send(request, reply, content, status), log: options.logger, home: { href: '/assistant', get label() { return t('assistant.title'); } } },
      });
      scope.get('/assistant/widget.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(WIDGET_SCRIPT));
      // ?q= comes from the small form on a service page: the question is put in the box, ready to send (a GET never asks).
      scope.get('/assistant', async (request, reply) => {
        const query = request.query as Record<string, unknown>;
        return render(request, reply, String(query['c'] ?? ''), [], typeof query['q'] === 'string' ? query['q'].slice(0, MAX_QUESTION) : '');
      });
      scope.post('/assistant', async (request, reply) => {
        const text = formText(request.body, 'text').trim();
        const c = formText(request.body, 'c');
        if (text === '' || text.length > MAX_QUESTION) {
          return render(request, reply, c, [{ key: 'text', anchor: 'text', message: text === '' ? t('assistant.enterQuestion') : t('assistant.questionTooLong', { max: String(MAX_QUESTION) }) }], text);
        }
        const answered = await assistant.send(callerOf(request), { text, conversationId: CONVERSATION.test(c) ? c : undefined });
        return reply.redirect(`/assistant?c=${answered.conversationId}#latest`, 303);
      });
      scope.post('/assistant/rating', async (request, reply) => {
        const c = formText(request.body, 'c');
        const m = Number(formText(request.body, 'm'));
        const helpful = formText(request.body, 'helpful');
        if (CONVERSATION.test(c) && Number.isSafeInteger(m) && (helpful === 'yes' || helpful === 'no')) await assistant.rate(callerOf(request), c, m, helpful === 'yes');
        return reply.redirect(`/assistant?c=${CONVERSATION.test(c) ? c : ''}`, 303);
      });
    });
  };
}
