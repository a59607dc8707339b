/**
 * Serves the managers' page of the assistant (`/staff/assistant`): over the last 30 days, how many conversations,
 * how many questions it answered itself (deflection), handed over, declined or asked back about (unanswered), and
 * how citizens rated its replies. Counts only: no text of any conversation is opened here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../kernel/index.js';
import { html, htmlPageEdge, page, PageError, type SafeHtml } from '../web/index.js';
import type { Database } from '../store/index.js';
import { assistantFigures } from './assistant-store.js';

const DAYS = 30;
const pct = (n: number, of: number): string => (of === 0 ? '–' : `${String(Math.round((n / of) * 1000) / 10)} %`);

function send(request: FastifyRequest, reply: FastifyReply, content: SafeHtml, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(page({
    title: 'The assistant', content, section: { name: 'Staff workbench', href: '/staff' }, wide: true, current: 'assistant',
    navigation: [{ href: '/staff', label: 'Inbox', key: 'inbox' }, { href: '/staff/assistant', label: 'Assistant', key: 'assistant' }],
    citizen: request.principal?.name ?? null, csrfToken: request.csrfToken, signOutAction: '/staff/sign-out',
  }).value);
}

export function registerManagersPage(options: { db: Database; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, { formBodyLimit: 1024, errors: { render: (request, reply, _title, content, status) => send(request, reply, content, status), log: options.logger, home: { href: '/staff', label: 'Go to your inbox' } } });
      scope.get('/staff/assistant', async (request, reply) => {
        const p = request.principal;
        if (!p) return reply.redirect('/staff/sign-in?next=%2Fstaff%2Fassistant', 303);
        if (p.kind !== 'staff' || !p.roles.some((r) => r === 'manager' || r === 'admin' || r === 'auditor')) {
          throw new PageError(403, 'You cannot see the assistant\'s figures', 'They are for managers, administrators and auditors.');
        }
        const f = await assistantFigures(options.db, new Date(Date.now() - DAYS * 86_400_000));
        const all = Object.values(f.replies).reduce((a, b) => a + b, 0);
        const row = (key: string, value: string, share: string): SafeHtml => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${key}</th><td class="govuk-table__cell govuk-table__cell--numeric">${value}</td><td class="govuk-table__cell govuk-table__cell--numeric">${share}</td></tr>`;
        return send(request, reply, html`<h1 class="govuk-heading-l">The assistant</h1>
<p class="govuk-body">The last ${String(DAYS)} days. Counts only: no conversation is opened on this page.</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Replies</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">What</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Number</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Share</th></tr></thead>
<tbody class="govuk-table__body">
${row('Conversations', String(f.conversations), '')}
${row('Answered by the assistant (deflection: answers and case statuses)', String(f.replies.answer + f.replies.status), pct(f.replies.answer + f.replies.status, all))}
${row('Handed over to staff (conversations with an enquiry)', String(f.handovers), pct(f.handovers, f.conversations))}
${row('Unanswered: declined', String(f.replies.decline), pct(f.replies.decline, all))}
${row('Unanswered: asked back for more', String(f.replies.clarify), pct(f.replies.clarify, all))}
${row('Rated helpful', String(f.helpful), pct(f.helpful, f.helpful + f.notHelpful))}
${row('Rated not helpful', String(f.notHelpful), pct(f.notHelpful, f.helpful + f.notHelpful))}
</tbody></table>`);
      });
    });
  };
}
