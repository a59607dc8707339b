import type { FastifyInstance, FastifyReply } from 'fastify';
import { API_KEY_SCOPES, issueApiKey, listApiKeys, listDepartments, revokeApiKey, rotateApiKey } from '../identity/index.js';
import { t, type MessageKey } from '../i18n/index.js';
import { GovflowError } from '../kernel/index.js';
import { html, PageError, PARAM, paramsSchema } from '../web/index.js';
import { describedBy, fieldError, formatDate, groupClass, str, summary, type AdminContext, type AdminSession, type Body } from './admin-context.js';

/**
 * Serves the agency API key pages (issue 13): issue a key for a receiving system with its scopes and, optionally, one department;
 * rotate it (a new key, the old one stops working) or revoke it. A key is shown once, on the response that made it.
 * The same functions serve `govflow apikey`.
 */

const KEY_PARAMS = paramsSchema({ id: PARAM.slug });
type Errors = readonly { field: string; message: string }[];

const SCOPE_HINTS: Readonly<Record<string, MessageKey>> = {
  jobs: 'admin.keys.scopeJobs',
  registry: 'admin.keys.scopeRegistry',
  open311: 'admin.keys.scopeOpen311',
  decisions: 'admin.keys.scopeDecisions',
  sensors: 'admin.keys.scopeSensors',
};

export function registerApiKeyRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post, csrfField } = ctx;
  const { db } = ctx.options;

  async function keysPage(reply: FastifyReply, admin: AdminSession, errors: Errors, values: Body, status = 200): Promise<FastifyReply> {
    const [keys, departments] = await Promise.all([listApiKeys(db), listDepartments(db)]);
    const chosen = new Set([values['scope'] ?? []].flat());
    const csrf = csrfField(admin);
    return send(reply, admin, t('admin.nav.apiKeys'), html`${summary(errors)}<h1 class="govuk-heading-l">${t('admin.nav.apiKeys')}</h1>
<p class="govuk-body">${t('admin.keys.intro')}</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('admin.keys.keys')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.common.name')}</th><th scope="col" class="govuk-table__header">${t('admin.keys.startsWith')}</th><th scope="col" class="govuk-table__header">${t('admin.keys.scopes')}</th><th scope="col" class="govuk-table__header">${t('admin.common.department')}</th><th scope="col" class="govuk-table__header">${t('admin.nav.services')}</th><th scope="col" class="govuk-table__header">${t('admin.keys.made')}</th><th scope="col" class="govuk-table__header">${t('admin.common.status')}</th><th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('admin.keys.actions')}</span></th></tr></thead>
<tbody class="govuk-table__body">${keys.map((k) => html`<tr class="govuk-table__row" id="key-${k.id}"><td class="govuk-table__cell">${k.name}</td><td class="govuk-table__cell"><code>${k.prefix}…</code></td><td class="govuk-table__cell">${k.scopes.join(', ') || t('admin.keys.allScopes')}</td><td class="govuk-table__cell">${k.department ?? t('admin.keys.any')}</td><td class="govuk-table__cell">${k.services.join(', ') || t('admin.common.none')}</td><td class="govuk-table__cell">${formatDate(k.createdAt)}</td>
<td class="govuk-table__cell">${k.revokedAt ? html`<strong class="govuk-tag govuk-tag--grey">${t('admin.keys.revoked')}</strong>` : html`<strong class="govuk-tag govuk-tag--green">${t('admin.org.active')}</strong>`}</td>
<td class="govuk-table__cell">${k.revokedAt ? '' : html`<form method="post" action="/admin/api-keys/${k.id}/rotate" novalidate>${csrf}<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-1" data-module="govuk-button">${t('admin.keys.rotate')}<span class="govuk-visually-hidden"> ${k.name}</span></button></form>
<form method="post" action="/admin/api-keys/${k.id}/revoke" novalidate>${csrf}<button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button">${t('admin.keys.revoke')}<span class="govuk-visually-hidden"> ${k.name}</span></button></form>`}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">${t('admin.keys.issue')}</h2>
<form method="post" action="/admin/api-keys" novalidate>
${csrf}
<div class="${groupClass(errors, 'name')}"><label class="govuk-label" for="name">${t('admin.keys.name')}</label>${fieldError(errors, 'name')}<input class="govuk-input govuk-input--width-20" id="name" name="name" type="text" value="${str(values, 'name')}"${describedBy(errors, 'name')}></div>
<div class="${groupClass(errors, 'scopes')}"><fieldset class="govuk-fieldset"${describedBy(errors, 'scopes')}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('admin.keys.scopes')}</legend>${fieldError(errors, 'scopes')}
<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">${API_KEY_SCOPES.map((s) => html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="scope-${s}" name="scope" type="checkbox" value="${s}"${chosen.has(s) ? html` checked` : ''}><label class="govuk-label govuk-checkboxes__label" for="scope-${s}">${s}: ${SCOPE_HINTS[s] ? t(SCOPE_HINTS[s]) : ''}</label></div>`)}</div></fieldset></div>
<div class="${groupClass(errors, 'department')}"><label class="govuk-label" for="department">${t('admin.keys.department')}</label>${fieldError(errors, 'department')}<select class="govuk-select" id="department" name="department"><option value="">${t('admin.keys.any')}</option>${departments.map((d) => html`<option value="${d.id}"${str(values, 'department') === d.id ? html` selected` : ''}>${d.name}</option>`)}</select></div>
<div class="${groupClass(errors, 'services')}"><label class="govuk-label" for="services">${t('admin.keys.services')}</label><div id="services-hint" class="govuk-hint">${t('admin.keys.servicesHint')}</div>${fieldError(errors, 'services')}<input class="govuk-input govuk-input--width-30" id="services" name="services" type="text" value="${str(values, 'services')}"${describedBy(errors, 'services', 'services-hint')}></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.keys.issueButton')}</button>
</form>`, { current: 'api-keys', status, hasErrors: errors.length > 0 });
  }

  // Shown once, on this response only (not a redirect): nothing keeps the key in clear.
  const shownOnce = (reply: FastifyReply, admin: AdminSession, title: string, issued: { id: string; key: string }, status: number): FastifyReply => send(reply, admin, title, html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${title}</h1></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('admin.keys.onlyTime')}</strong></div>
<dl class="govuk-summary-list"><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.keys.keyId', { id: issued.id })}</dt><dd class="govuk-summary-list__value"><code id="api-key">${issued.key}</code></dd></div></dl>
<p class="govuk-body"><a class="govuk-link" href="/admin/api-keys">${t('admin.keys.back')}</a></p>`, { current: 'api-keys', status });

  server.get('/admin/api-keys', async (request, reply) => keysPage(reply, adminOf(request), [], {}));

  server.post('/admin/api-keys', async (request, reply) => {
    const { admin, body, actor } = await post(request);
    try {
      const issued = await issueApiKey(db, { name: str(body, 'name'), scopes: [body['scope'] ?? []].flat(), department: str(body, 'department'), services: str(body, 'services').split(',') }, actor);
      return shownOnce(reply, admin, t('admin.keys.issued'), issued, 201);
    } catch (error) {
      if (!(error instanceof GovflowError) || error.code !== 'GOVFLOW_ERR_VALIDATION') throw error;
      // Worded in the reader's language where the page knows what the field asks for; anything else in identity's words.
      const chosen = [body['scope'] ?? []].flat();
      const message = (d: { where?: string; message: string }): string => d.where === 'name' ? t('admin.keys.error.name') : d.where === 'scopes' && chosen.length === 0 ? t('admin.keys.error.scopes', { scopes: API_KEY_SCOPES.join(', ') }) : d.message;
      return keysPage(reply, admin, error.details.map((d) => ({ field: d.where ?? 'name', message: message(d) })), body, 400);
    }
  });

  server.post<{ Params: { id: string } }>('/admin/api-keys/:id/rotate', { schema: KEY_PARAMS }, async (request, reply) => {
    const { admin, actor } = await post(request);
    const rotated = await rotateApiKey(db, request.params.id, actor);
    if (!rotated) throw new PageError(404, t('admin.common.notFound'), t('admin.keys.noSuchKey'));
    return shownOnce(reply, admin, t('admin.keys.rotated'), rotated, 200);
  });

  server.post<{ Params: { id: string } }>('/admin/api-keys/:id/revoke', { schema: KEY_PARAMS }, async (request, reply) => {
    const { actor } = await post(request);
    if (!(await revokeApiKey(db, request.params.id, actor))) throw new PageError(404, t('admin.common.notFound'), t('admin.keys.noSuchKey'));
    return reply.redirect('/admin/api-keys', 303);
  });
}
