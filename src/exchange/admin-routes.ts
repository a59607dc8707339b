/**
 * Serves the exchange's administration (issue 25): `/admin/exchange` (a page: this member, its certificate, trusted
 * peers, published services with their OpenAPI descriptions, access rights with grant and revoke, the message log)
 * and the same as JSON under `/api/exchange/…`. Administrators only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t, type MessageKey } from '../i18n/index.js';
import { GovflowError, type Logger } from '../kernel/index.js';
import { html, htmlPageEdge, page, PageError, type SafeHtml, redirectToSignIn } from '../web/index.js';
import type { Exchange } from './exchange.js';
import { SERVICE_KINDS } from './exchange-store.js';

type Body = Record<string, string | string[] | undefined>;

/** What a published service does, as the reader says it (the stored kind stays the code's word). */
const KIND_KEYS: Readonly<Record<string, MessageKey>> = { 'start-process': 'admin.exchange.kindStartProcess', 'message': 'admin.exchange.kindMessage', 'case-status': 'admin.exchange.kindCaseStatus' };
const kindName = (kind: string): string => (KIND_KEYS[kind] ? t(KIND_KEYS[kind]) : kind);

/** The signed-in administrator's actor name; anyone else is refused (a visitor is sent to sign in on pages). */
function adminActor(request: FastifyRequest): string | null {
  const p = request.principal;
  return p?.kind === 'staff' && p.roles.includes('admin') ? `staff:${p.id}` : null;
}

const text = (body: unknown, name: string): string => {
  const v = body && typeof body === 'object' ? (body as Body)[name] : undefined;
  return typeof v === 'string' ? v : '';
};

/** Identity's check of an API key or session (the composition root passes it in; exchange does not import identity). */
export type Authenticate = (request: FastifyRequest) => Promise<FastifyRequest['principal']>;

function apiRoutes(exchange: Exchange, authenticate: Authenticate) {
  return async (server: FastifyInstance) => {
    server.addHook('onRequest', async (request) => {
      request.principal ??= await authenticate(request);
      if (request.principal === null) throw new GovflowError('GOVFLOW_ERR_UNAUTHENTICATED', 'sign in or send an API key');
      if (!adminActor(request)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'only administrators manage the exchange');
    });
    const actor = (request: FastifyRequest): string => adminActor(request)!;
    server.get('/api/exchange/member', async () => ({ client: exchange.client, endpoint: exchange.endpointUrl, certificate: exchange.certificate, fingerprint: exchange.fingerprint }));
    server.get('/api/exchange/services', async () => ({ services: await exchange.listServices() }));
    server.get('/api/exchange/access', async () => ({ access: await exchange.listAccess() }));
    server.get('/api/exchange/peers', async () => ({ peers: await exchange.listPeers() }));
    server.get('/api/exchange/messages', async () => ({ messages: await exchange.listMessages() }));
    server.post('/api/exchange/services', async (request, reply) => {
      await exchange.publish({ serviceCode: text(request.body, 'serviceCode'), title: text(request.body, 'title'), kind: text(request.body, 'kind'), target: text(request.body, 'target') }, actor(request));
      return reply.status(201).send({ published: text(request.body, 'serviceCode') });
    });
    server.post('/api/exchange/peers', async (request, reply) => {
      await exchange.addPeer({ memberId: text(request.body, 'memberId'), baseUrl: text(request.body, 'baseUrl'), certificate: text(request.body, 'certificate') }, actor(request));
      return reply.status(201).send({ added: text(request.body, 'memberId') });
    });
    server.post('/api/exchange/access', async (request) => ({ granted: await exchange.grant(text(request.body, 'service'), text(request.body, 'client'), actor(request)) }));
    server.post('/api/exchange/access/revoke', async (request) => ({ revoked: await exchange.revoke(text(request.body, 'service'), text(request.body, 'client'), actor(request)) }));
  };
}

function pageRoutes(exchange: Exchange, logger: Logger) {
  const send = (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status = 200): FastifyReply => reply.status(status).type('text/html; charset=utf-8').send(page({
    title, content, section: { name: t('admin.section'), href: '/admin' }, wide: true, current: 'exchange', languageSwitcher: true,
    navigation: [{ href: '/admin', label: t('admin.nav.overview'), key: 'overview' }, { href: '/admin/exchange', label: t('admin.nav.exchange'), key: 'exchange' }],
    citizen: request.principal?.name ?? null, csrfToken: request.csrfToken, signOutAction: '/staff/sign-out', hasErrors: status >= 400,
  }).value);
  return async (server: FastifyInstance) => {
    await server.register(htmlPageEdge, { formBodyLimit: 64 * 1024, errors: { render: (request, reply, title, content, status) => send(request, reply, title, content, status), log: logger, home: { href: '/admin/exchange', get label() { return t('admin.exchange.back'); } }, userMessages: true } });
    server.addHook('onRequest', async (request, reply) => {
      if (adminActor(request)) return;
      if (request.principal) throw new PageError(403, t('admin.error.notAdminTitle'), t('admin.error.notAdminText'));
      await redirectToSignIn(reply, 'staff', request, '/admin/exchange');
    });
    const csrf = (request: FastifyRequest): SafeHtml => html`<input type="hidden" name="csrf" value="${request.csrfToken}">`;
    const cell = (v: unknown): SafeHtml => html`<td class="govuk-table__cell">${v === null || v === undefined ? '' : String(v)}</td>`;
    server.get('/admin/exchange', async (request, reply) => {
      const [services, access, peers, messages] = await Promise.all([exchange.listServices(), exchange.listAccess(true), exchange.listPeers(), exchange.listMessages(20)]);
      const token = csrf(request);
      return send(request, reply, t('admin.exchange.title'), html`<h1 class="govuk-heading-l">${t('admin.exchange.title')}</h1>
<p class="govuk-body">${t('admin.exchange.subsystem')} <code>${exchange.client}</code>${t('admin.exchange.callAt')} <code>${exchange.endpointUrl}/r1/…</code>.</p>
<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('admin.exchange.ownCertificate')}</span></summary><div class="govuk-details__text"><label class="govuk-label" for="own-certificate">${t('admin.exchange.certificate')}</label><textarea class="govuk-textarea" id="own-certificate" rows="8" readonly>${exchange.certificate}</textarea><p class="govuk-body">SHA-256 <code>${exchange.fingerprint}</code></p></div></details>
<h2 class="govuk-heading-m">${t('admin.exchange.published')}</h2>
<table class="govuk-table"><thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.exchange.serviceCode')}</th><th scope="col" class="govuk-table__header">${t('admin.common.title')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.does')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.openapi')}</th></tr></thead>
<tbody class="govuk-table__body">${services.map((s) => html`<tr class="govuk-table__row">${cell(s.serviceCode)}${cell(s.title)}${cell(`${kindName(s.kind)}: ${s.target}`)}<td class="govuk-table__cell"><details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('admin.exchange.description')}</span></summary><label class="govuk-label" for="openapi-${s.serviceCode}">${t('admin.exchange.openapiOf', { code: s.serviceCode })}</label><textarea class="govuk-textarea" id="openapi-${s.serviceCode}" rows="8" readonly>${JSON.stringify(s.openapi, null, 2)}</textarea></details></td></tr>`)}</tbody></table>
<form method="post" action="/admin/exchange/services" novalidate>${token}
<div class="govuk-form-group"><label class="govuk-label" for="serviceCode">${t('admin.exchange.serviceCode')}</label><input class="govuk-input govuk-input--width-20" id="serviceCode" name="serviceCode" type="text"></div>
<div class="govuk-form-group"><label class="govuk-label" for="title">${t('admin.common.title')}</label><input class="govuk-input" id="title" name="title" type="text"></div>
<div class="govuk-form-group"><label class="govuk-label" for="kind">${t('admin.exchange.whatItDoes')}</label><select class="govuk-select" id="kind" name="kind">${SERVICE_KINDS.map((k) => html`<option value="${k}">${kindName(k)}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="target">${t('admin.exchange.target')}</label><input class="govuk-input govuk-input--width-20" id="target" name="target" type="text"></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.exchange.publish')}</button></form>
<h2 class="govuk-heading-m">${t('admin.exchange.access')}</h2>
<table class="govuk-table"><thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.common.service')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.client')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.granted')}</th><th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('admin.keys.actions')}</span></th></tr></thead>
<tbody class="govuk-table__body">${access.map((a) => html`<tr class="govuk-table__row">${cell(a.serviceCode)}${cell(a.clientId)}${cell(t('admin.exchange.grantedBy', { at: a.grantedAt, by: a.grantedBy }))}<td class="govuk-table__cell"><form method="post" action="/admin/exchange/access/revoke" novalidate>${token}<input type="hidden" name="service" value="${a.serviceCode}"><input type="hidden" name="client" value="${a.clientId}"><button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button">${t('admin.keys.revoke')}<span class="govuk-visually-hidden"> ${t('admin.exchange.revokeFrom', { client: a.clientId, service: a.serviceCode })}</span></button></form></td></tr>`)}</tbody></table>
<form method="post" action="/admin/exchange/access" novalidate>${token}
<div class="govuk-form-group"><label class="govuk-label" for="service">${t('admin.exchange.serviceCode')}</label><input class="govuk-input govuk-input--width-20" id="service" name="service" type="text"></div>
<div class="govuk-form-group"><label class="govuk-label" for="client">${t('admin.exchange.clientLabel')}</label><input class="govuk-input" id="client" name="client" type="text"></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.exchange.grant')}</button></form>
<h2 class="govuk-heading-m">${t('admin.exchange.trusted')}</h2>
<table class="govuk-table"><thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.exchange.member')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.address')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.certificateHash')}</th></tr></thead>
<tbody class="govuk-table__body">${peers.map((p) => html`<tr class="govuk-table__row">${cell(p.memberId)}${cell(p.baseUrl)}${cell(p.fingerprint)}</tr>`)}</tbody></table>
<form method="post" action="/admin/exchange/peers" novalidate>${token}
<div class="govuk-form-group"><label class="govuk-label" for="memberId">${t('admin.exchange.memberLabel')}</label><input class="govuk-input" id="memberId" name="memberId" type="text"></div>
<div class="govuk-form-group"><label class="govuk-label" for="baseUrl">${t('admin.exchange.address')}</label><input class="govuk-input" id="baseUrl" name="baseUrl" type="url"></div>
<div class="govuk-form-group"><label class="govuk-label" for="certificate">${t('admin.exchange.certificate')}</label><textarea class="govuk-textarea" id="certificate" name="certificate" rows="6"></textarea></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.exchange.trust')}</button></form>
<h2 class="govuk-heading-m">${t('admin.exchange.log')}</h2>
<table class="govuk-table"><thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.exchange.when')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.way')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.clientShort')}</th><th scope="col" class="govuk-table__header">${t('admin.common.service')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.answer')}</th><th scope="col" class="govuk-table__header">${t('admin.exchange.hash')}</th></tr></thead>
<tbody class="govuk-table__body">${messages.map((m) => html`<tr class="govuk-table__row">${cell(m.createdAt)}${cell(m.direction === 'in' ? t('admin.exchange.received') : t('admin.exchange.sent'))}${cell(m.clientId)}${cell(m.serviceId)}${cell(m.errorType ?? m.status)}<td class="govuk-table__cell"><code>${m.requestHash.slice(0, 16)}…</code></td></tr>`)}</tbody></table>`);
    });
    const act = (run: (body: unknown, actor: string) => Promise<unknown>) => async (request: FastifyRequest, reply: FastifyReply) => {
      await run(request.body, adminActor(request)!);
      return reply.redirect('/admin/exchange', 303);
    };
    server.post('/admin/exchange/services', act((b, a) => exchange.publish({ serviceCode: text(b, 'serviceCode'), title: text(b, 'title'), kind: text(b, 'kind'), target: text(b, 'target') }, a)));
    server.post('/admin/exchange/peers', act((b, a) => exchange.addPeer({ memberId: text(b, 'memberId'), baseUrl: text(b, 'baseUrl'), certificate: text(b, 'certificate') }, a)));
    server.post('/admin/exchange/access', act((b, a) => exchange.grant(text(b, 'service'), text(b, 'client'), a)));
    server.post('/admin/exchange/access/revoke', act((b, a) => exchange.revoke(text(b, 'service'), text(b, 'client'), a)));
  };
}

export function createExchangePlugin(exchange: Exchange, logger: Logger, authenticate: Authenticate): (server: FastifyInstance) => Promise<void> {
  return async (server) => {
    await server.register(apiRoutes(exchange, authenticate));
    await server.register(pageRoutes(exchange, logger));
  };
}
