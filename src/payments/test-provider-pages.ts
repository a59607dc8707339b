/** Serves the built-in test payment provider's hosted page at /payments/test/:id (pay or decline). */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../store/index.js';
import { getTestPaymentSession, settleTestPaymentSession } from './provider.js';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const money = (minor: number, currency: string): string => `${currency === 'EUR' ? '€' : `${currency} `}${(minor / 100).toFixed(2)}`;

function hostedPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en" class="govuk-template"><head><meta charset="utf-8"><title>${escape(title)} – Test payment provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/assets/govuk-frontend.min.css"></head>
<body class="govuk-template__body"><header class="govuk-header"><div class="govuk-header__container govuk-width-container"><span class="govuk-header__link govuk-header__service-name">Test payment provider</span></div></header>
<div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>This is a test payment page. No money moves and no card details are asked for.</strong></div>
${body}</main></div></body></html>`;
}

/** The test session's id: a malformed one is a 400 before any handler runs. */
const ID_PARAMS = { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' } }, required: ['id'] } };

/**
 * Serves the built-in test payment provider's hosted page. The built-in test provider's hosted page, `/payments/test/:id` — the stand-in for GOV.UK Pay's card page. "Pay"
 * and "Decline" settle the test session and send the browser back to govflow's return URL, where govflow asks
 * the provider (not the browser) what happened. Works without JavaScript. Its form carries the browser's govflow CSRF
 * token (`request.csrfToken`, set by identity's web session plugin): like every state-changing page route, its POST
 * is refused without it.
 */
export function createTestProviderPages(options: { db: Database }): (server: FastifyInstance) => Promise<void> {
  return async (server) => {
    if (!server.hasContentTypeParser('application/x-www-form-urlencoded')) {
      server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
      });
    }
    server.get<{ Params: { id: string } }>('/payments/test/:id', { schema: ID_PARAMS }, async (request, reply) => {
      const session = await getTestPaymentSession(options.db, request.params.id);
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      if (!session) return reply.status(404).send(hostedPage('Payment not found', '<h1 class="govuk-heading-l">Payment not found</h1><p class="govuk-body">Go back to the service and start the payment again.</p>'));
      if (session.state !== 'created') {
        return reply.send(hostedPage('Payment finished', `<h1 class="govuk-heading-l">This payment is finished</h1><p class="govuk-body"><a class="govuk-link" href="${escape(session.returnUrl)}">Continue to the service</a></p>`));
      }
      return reply.send(hostedPage('Enter payment details', `<h1 class="govuk-heading-l">Pay ${escape(money(session.amountMinor, session.currency))}</h1>
<p class="govuk-body">${escape(session.description)}</p>
<form method="post" action="/payments/test/${escape(session.id)}" novalidate><input type="hidden" name="csrf" value="${escape(request.csrfToken ?? '')}"><div class="govuk-button-group">
<button type="submit" name="action" value="pay" class="govuk-button" data-module="govuk-button">Pay</button>
<button type="submit" name="action" value="decline" class="govuk-button govuk-button--warning" data-module="govuk-button">Decline</button>
</div></form>`));
    });
    server.post<{ Params: { id: string } }>('/payments/test/:id', { schema: ID_PARAMS }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const action = body['action'];
      if (action !== 'pay' && action !== 'decline') return reply.status(400).type('text/html; charset=utf-8').send(hostedPage('Choose an action', '<h1 class="govuk-heading-l">Choose Pay or Decline</h1>'));
      const session = await settleTestPaymentSession(options.db, request.params.id, action === 'pay' ? 'succeeded' : 'declined');
      if (!session) return reply.status(404).type('text/html; charset=utf-8').send(hostedPage('Payment not found', '<h1 class="govuk-heading-l">Payment not found</h1>'));
      return reply.redirect(session.returnUrl, 303);
    });
  };
}
