import type { FastifyInstance, FastifyReply } from 'fastify';
import { insertFormVersion, insertServiceVersion, listServiceVersions, parseServiceFields, type CreatedStructure, type ServiceFieldError } from '../catalogue/index.js';
import { listDeployedDefinitions } from '../engine/index.js';
import { t } from '../i18n/index.js';
import { appendEvent } from '../store/index.js';
import { html, type SafeHtml } from '../web/index.js';
import { serviceTextFields } from './service-versions-html.js';
import { describedBy, fieldError, groupClass, SERVICE_ID, str, summary, type AdminContext, type AdminSession } from './admin-context.js';

/**
 * Serves the creation of a new service in the browser (`/admin/services/new`, issue 20): its catalogue entry, the
 * deployed process it starts (drawn in the modeller) and its first question page. It is saved as draft version 1 with
 * a starting form; the form editor edits the form, and the service reaches citizens once another admin approves the
 * draft (publishing-routes.ts).
 */

/** The starting form of the first question page: one question, for the form editor to change. */
const STARTING_FORM = JSON.stringify({
  type: 'default', id: 'new-service-form', schemaVersion: 16,
  components: [{ type: 'textarea', key: 'details', label: 'Tell us about your application', validate: { required: true } }],
}, null, 2);

const pageIdOf = (title: string): string => title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'your-application';

export function registerServiceCreateRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post, csrfField } = ctx;
  const { db, catalogue } = ctx.options;

  async function createPage(reply: FastifyReply, admin: AdminSession, values: Record<string, string>, errors: readonly ServiceFieldError[], status = 200): Promise<FastifyReply> {
    const processes = [...new Set((await listDeployedDefinitions(db)).processes.map((p) => p.key))];
    const v = (name: string): string => values[name] ?? '';
    const input = (name: string, label: string, hint?: string): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label govuk-label--s" for="${name}">${label}</label>${hint ? html`<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ''}${fieldError(errors, name)}<input class="govuk-input${errors.some((e) => e.field === name) ? ' govuk-input--error' : ''}" id="${name}" name="${name}" type="text" value="${v(name)}"${describedBy(errors, name, hint ? `${name}-hint` : undefined)}></div>`;
    const area = (name: string, label: string, hint: string): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label govuk-label--s" for="${name}">${label}</label><div id="${name}-hint" class="govuk-hint">${hint}</div>${fieldError(errors, name)}<textarea class="govuk-textarea${errors.some((e) => e.field === name) ? ' govuk-textarea--error' : ''}" id="${name}" name="${name}" rows="3"${describedBy(errors, name, `${name}-hint`)}>${v(name)}</textarea></div>`;
    return send(reply, admin, errors.length > 0 ? `${t('form.error')} ${t('admin.create.title')}` : t('admin.create.title'), html`${summary(errors)}<h1 class="govuk-heading-l">${t('admin.create.title')}</h1>
<p class="govuk-body">${t('admin.create.intro1')} <a class="govuk-link" href="/admin/processes">${t('admin.create.modeller')}</a> ${t('admin.create.intro2')}</p>
<form method="post" action="/admin/services/new" novalidate>
${csrfField(admin)}
${input('id', t('admin.create.id'), t('admin.create.idHint'))}
${input('referencePrefix', t('admin.create.prefix'), t('admin.create.prefixHint'))}
<div class="${groupClass(errors, 'processKey')}"><label class="govuk-label govuk-label--s" for="processKey">${t('admin.create.process')}</label>${fieldError(errors, 'processKey')}<select class="govuk-select" id="processKey" name="processKey"${describedBy(errors, 'processKey')}><option value="">${t('admin.create.chooseProcess')}</option>${processes.map((key) => html`<option value="${key}"${key === v('processKey') ? html` selected` : ''}>${key}</option>`)}</select></div>
${input('pageTitle', t('admin.create.pageTitle'))}
${serviceTextFields(input, area)}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.create.submit')}</button>
</form>`, { current: 'services', status, hasErrors: errors.length > 0, backLink: '/admin/services' });
  }

  server.get('/admin/services/new', async (request, reply) => createPage(reply, adminOf(request), {}, []));

  server.post('/admin/services/new', async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const values = Object.fromEntries(['id', 'referencePrefix', 'processKey', 'pageTitle', 'title', 'summary', 'description', 'whoCanApply', 'documentsNeeded', 'fee', 'expectedTime', 'department'].map((k) => [k, str(body, k).trim()]));
    const errors: ServiceFieldError[] = [];
    const id = values['id']!;
    if (!SERVICE_ID.test(id) || id === 'new') errors.push({ field: 'id', message: t('admin.create.enterId') });
    else if (catalogue.get(id) || (await listServiceVersions(db, id)).length > 0) errors.push({ field: 'id', message: t('admin.create.idTaken', { id }) });
    const prefix = values['referencePrefix']!;
    if (!/^[A-Z]{1,5}$/.test(prefix)) errors.push({ field: 'referencePrefix', message: t('admin.create.enterPrefix') });
    else if (catalogue.services.some((s) => s.referencePrefix === prefix)) errors.push({ field: 'referencePrefix', message: t('admin.create.prefixTaken', { service: catalogue.services.find((s) => s.referencePrefix === prefix)!.title, prefix }) });
    const processKey = values['processKey']!;
    if (!(await listDeployedDefinitions(db)).processes.some((p) => p.key === processKey)) errors.push({ field: 'processKey', message: t('admin.create.chooseProcess') });
    const pageTitle = values['pageTitle']!;
    if (pageTitle === '' || pageTitle.length > 120) errors.push({ field: 'pageTitle', message: t('admin.create.enterPageTitle', { max: 120 }) });
    const { fields, errors: fieldErrors } = parseServiceFields(body, { sla: null });
    errors.push(...fieldErrors);
    if (!fields || errors.length > 0) return createPage(reply, admin, values, errors, 400);
    const created: CreatedStructure = { referencePrefix: prefix, processKey, pages: [{ id: pageIdOf(pageTitle), title: pageTitle }] };
    await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`admin-service:${id}`]);
      await insertServiceVersion(tx, id, { ...fields, created }, actor, { draft: true });
      await insertFormVersion(tx, id, created.pages[0]!.id, STARTING_FORM, actor);
      await appendEvent(tx, { type: 'catalogue.service-created', actor, data: { service: id, processKey, referencePrefix: prefix } });
    });
    return reply.redirect(`/admin/services/${id}/versions/1`, 303);
  });
}
