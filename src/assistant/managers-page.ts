/**
 * Serves the managers' page of the assistant (`/staff/assistant`): over the last 30 days, how many conversations,
 * how many questions it answered itself (deflection), handed over, declined or asked back about (unanswered), and
 * how citizens rated its replies. Counts only: no text of any conversation is opened here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../kernel/index.js';
import { html, htmlPageEdge, page, PageError, type SafeHtml, redirectToSignIn } from '../web/index.js';
import type { Database } from '../store/index.js';
import { formatNumber, t } from '../i18n/index.js';
import { assistantFigures } from './assistant-store.js';

const DAYS = 30;
const pct = (n: number, of: number): string => (of === 0 ? '–' : t('staff.assistant.percent', { value: Math.round((n / of) * 1000) / 10 }));

function send(request: FastifyRequest, reply: FastifyReply, content: SafeHtml, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(page({
    title: t('staff.assistant.title'), content, section: { name: t('staff.section'), href: '/staff' }, wide: true, languageSwitcher: true, current: 'assistant',
    navigation: [{ href: '/staff', label: t('staff.nav.inbox'), key: 'inbox' }, { href: '/staff/assistant', label: t('staff.nav.assistant'), key: 'assistant' }],
    citizen: request.principal?.name ?? null, csrfToken: request.csrfToken, signOutAction: '/staff/sign-out',
  }).value);
}

export function registerManagersPage(options: { db: Database; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, { formBodyLimit: 1024, errors: { render: (request, reply, _title, content, status) => send(request, reply, content, status), log: options.logger, home: { href: '/staff', get label() { return t('staff.backToInbox'); } } } });
      scope.get('/staff/assistant', async (request, reply) => {
        const p = request.principal;
        if (!p) return redirectToSignIn(reply, 'staff', request, '/staff/assistant');
        if (p.kind !== 'staff' || !p.roles.some((r) => r === 'manager' || r === 'admin' || r === 'auditor')) {
          throw new PageError(403, t('staff.assistant.forbiddenTitle'), t('staff.assistant.forbiddenText'));
        }
        const f = await assistantFigures(options.db, new Date(Date.now() - DAYS * 86_400_000));
        const all = Object.values(f.replies).reduce((a, b) => a + b, 0);
        const row = (key: string, value: string, share: string): SafeHtml => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${key}</th><td class="govuk-table__cell govuk-table__cell--numeric">${value}</td><td class="govuk-table__cell govuk-table__cell--numeric">${share}</td></tr>`;
        return send(request, reply, html`<h1 class="govuk-heading-l">${t('staff.assistant.title')}</h1>
<p class="govuk-body">${t('staff.assistant.intro', { days: DAYS })}</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('staff.assistant.replies')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.assistant.what')}</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">${t('staff.assistant.number')}</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">${t('staff.assistant.share')}</th></tr></thead>
<tbody class="govuk-table__body">
${row(t('staff.assistant.conversations'), formatNumber(f.conversations), '')}
${row(t('staff.assistant.answered'), formatNumber(f.replies.answer + f.replies.status), pct(f.replies.answer + f.replies.status, all))}
${row(t('staff.assistant.handedOver'), formatNumber(f.handovers), pct(f.handovers, f.conversations))}
${row(t('staff.assistant.declined'), formatNumber(f.replies.decline), pct(f.replies.decline, all))}
${row(t('staff.assistant.clarified'), formatNumber(f.replies.clarify), pct(f.replies.clarify, all))}
${row(t('staff.assistant.helpful'), formatNumber(f.helpful), pct(f.helpful, f.helpful + f.notHelpful))}
${row(t('staff.assistant.notHelpful'), formatNumber(f.notHelpful), pct(f.notHelpful, f.helpful + f.notHelpful))}
</tbody></table>`);
      });
    });
  };
}
