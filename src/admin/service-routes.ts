import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  getFormVersion, insertFormVersion, insertServiceVersion, listFormVersions, listServiceVersions, parseFormVersion, parseServiceFields, slaTaskField,
  type FormVersionRow, type Service, type ServiceFieldError,
} from '../catalogue/index.js';
import { t } from '../i18n/index.js';
import { appendEvent } from '../store/index.js';
import { fields as formFields, html, PageError, PARAM, paramsSchema, renderErrorSummary, type SafeHtml } from '../web/index.js';
import { describedBy, fieldError, formatDate, groupClass, SERVICE_ID, str, summary, type AdminContext, type AdminSession } from './admin-context.js';
import { changedFields, serviceTextFields, slaInputs, slaValues, successBanner, versionTable } from './service-versions-html.js';

/**
 * Serves the catalogue's administration: the services list, each service's plain-language fields and SLA as stored
 * versions (`/admin/services/:id`), and the form editor of each question page with its versions.
 */

/** The pages and helpers of registerServiceRoutes's routes, apart so that no function grows past the size limit. */
function servicePages(ctx: AdminContext) {
  const { send, csrfField } = ctx;
  const { db, catalogue } = ctx.options;

  const serviceOr404 = (id: string): Service => {
    const service = SERVICE_ID.test(id) ? catalogue.get(id) : undefined;
    if (!service) throw new PageError(404, t('admin.common.notFound'), t('admin.services.noSuchService'));
    return service;
  };

  async function servicePage(reply: FastifyReply, admin: AdminSession, service: Service, values: Record<string, string>, errors: readonly ServiceFieldError[], saved: number | null, status = 200): Promise<FastifyReply> {
    const versions = await listServiceVersions(db, service.id);
    // The version this page shows (0: the file): a save made on top of an older one is refused (see the post).
    const baseVersion = versions[0]?.version ?? 0;
    const pending = versions[0]?.state === 'awaiting-review' ? versions[0] : undefined;
    const input = (name: string, label: string, hint?: string): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label govuk-label--s" for="${name}">${label}</label>${hint ? html`<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ''}${fieldError(errors, name)}<input class="govuk-input${errors.some((e) => e.field === name) ? ' govuk-input--error' : ''}" id="${name}" name="${name}" type="text" value="${values[name] ?? ''}"${describedBy(errors, name, hint ? `${name}-hint` : undefined)}></div>`;
    const area = (name: string, label: string, hint: string, rows = 5): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label govuk-label--s" for="${name}">${label}</label><div id="${name}-hint" class="govuk-hint">${hint}</div>${fieldError(errors, name)}<textarea class="govuk-textarea${errors.some((e) => e.field === name) ? ' govuk-textarea--error' : ''}" id="${name}" name="${name}" rows="${rows}"${describedBy(errors, name, `${name}-hint`)}>${values[name] ?? ''}</textarea></div>`;
    return send(reply, admin, t('admin.service.title', { title: service.title }), html`${summary(errors)}${saved !== null ? successBanner(t('admin.service.saved', { version: String(saved) }), html`<a class="govuk-notification-banner__link" href="/admin/services/${service.id}/versions/${saved}/preview">${t('admin.service.previewLink')}</a> ${t('admin.service.or')} <a class="govuk-notification-banner__link" href="/admin/services/${service.id}/versions/${saved}">${t('admin.service.changesLink')}</a>.`) : ''}
<span class="govuk-caption-l">${t('admin.common.service')}</span>
<h1 class="govuk-heading-l">${t('admin.service.title', { title: service.title })}</h1>
<p class="govuk-body">${t('admin.service.intro')}</p>
${pending ? html`<div class="govuk-inset-text">${t('admin.service.pending', { version: String(pending.version), actor: pending.actor ?? t('admin.common.unknown') })} <a class="govuk-link" href="/admin/services/${service.id}/versions/${pending.version}">${t('admin.service.reviewVersion', { version: String(pending.version) })}</a>.</div>` : ''}
<form method="post" action="/admin/services/${service.id}" novalidate>
${csrfField(admin)}
<input type="hidden" name="base-version" value="${baseVersion}">
${serviceTextFields(input, area)}
<h2 class="govuk-heading-m">${t('admin.service.sla')}</h2>
${slaInputs(service, values, errors)}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.service.saveDraft')}</button>
</form>
<h2 class="govuk-heading-m" id="versions">${t('admin.common.versions')}</h2>
${versionTable(service, versions)}`, { current: 'services', status, hasErrors: errors.length > 0, backLink: '/admin/services' });
  }

  /** The form's values of a service, or of the draft waiting for review (which the page edits further). */
  const valuesOf = (service: Service): Record<string, string> => ({
    title: service.title, summary: service.summary, description: service.description.join('\n\n'), whoCanApply: service.whoCanApply.join('\n'), documentsNeeded: service.documentsNeeded.join('\n'),
    fee: service.fee, expectedTime: service.expectedTime, department: service.department,
    ...slaValues('sla-case', service.sla?.case),
    ...Object.fromEntries(Object.entries(service.sla?.tasks ?? {}).flatMap(([k, v]) => Object.entries(slaValues(slaTaskField(k), v)))),
  });

  const pageOr404 = (service: Service, pageId: string): Service['pages'][number] => {
    const found = service.pages.find((p) => p.id === pageId);
    if (!found) throw new PageError(404, t('admin.common.notFound'), t('admin.form.noSuchPage'));
    return found;
  };

  async function formPage(reply: FastifyReply, admin: AdminSession, service: Service, pageId: string, schemaText: string, problems: string[], saved: number | null, status = 200): Promise<FastifyReply> {
    const questionPage = pageOr404(service, pageId);
    const versions = await listFormVersions(db, service.id, pageId);
    return send(reply, admin, t('admin.form.title', { title: questionPage.title }), html`${problems.length > 0 ? renderErrorSummary(problems.map((message) => ({ key: 'schema', anchor: 'schema', message }))) : ''}${saved !== null ? successBanner(t('admin.form.saved', { version: String(saved) })) : ''}
<span class="govuk-caption-l">${service.title}</span>
<h1 class="govuk-heading-l">${t('admin.form.heading', { title: questionPage.title })}</h1>
<p class="govuk-body">${t('admin.form.current', { version: questionPage.formVersion })}</p>
<p class="govuk-body" id="form-editor-status" role="status">${t('admin.form.withoutScript')}</p>
<div id="form-editor" class="govflow-form-editor" hidden></div>
<form method="post" action="/admin/services/${service.id}/forms/${pageId}" id="form-editor-form" novalidate>
${csrfField(admin)}
<input type="hidden" name="base-form-version" value="${questionPage.formVersion}">
<div class="govuk-form-group${problems.length > 0 ? ' govuk-form-group--error' : ''}" id="schema-group">
<label class="govuk-label" for="schema">${t('admin.form.schema')}</label>
${problems.length > 0 ? html`<p id="schema-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${t('admin.form.notSaved')}</p>` : ''}
<textarea class="govuk-textarea${problems.length > 0 ? ' govuk-textarea--error' : ''}" id="schema" name="schema" rows="20" spellcheck="false"${problems.length > 0 ? html` aria-describedby="schema-error"` : ''}>${schemaText}</textarea>
</div>
<button type="submit" class="govuk-button govuk-!-margin-top-4" data-module="govuk-button">${t('admin.form.save')}</button>
</form>
<h2 class="govuk-heading-m">${t('admin.common.versions')}</h2>
<ul class="govuk-list">${versions.map((v) => html`<li><a class="govuk-link" href="/admin/services/${service.id}/forms/${pageId}/versions/${v.version}">${t('admin.common.version', { version: String(v.version) })}</a> ${t('admin.form.versionRow', { checksum: v.checksum, at: formatDate(v.createdAt), actor: v.actor ?? t('admin.common.unknown') })}</li>`)}<li>${t('admin.form.file', { file: questionPage.formFile, dir: `services/${service.id}/` })}</li></ul>`, {
      current: 'services', status, hasErrors: problems.length > 0, backLink: '/admin/services',
      editor: { scripts: ['/admin/assets/form-js/form-editor.js', '/admin/assets/form-editor.js'], stylesheets: ['/admin/assets/form-js/form-js.css', '/admin/assets/form-js/form-js-editor.css', '/admin/assets/form-js/properties-panel.css'] },
    });
  }

  return { serviceOr404, servicePage, valuesOf, pageOr404, formPage };
}

export function registerServiceRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post } = ctx;
  const { db, catalogue } = ctx.options;
  const { serviceOr404, servicePage, valuesOf, pageOr404, formPage } = servicePages(ctx);

  // ------------------------------------------------------------------ services (catalogue)

  server.get('/admin/services', async (request, reply) => {
    const admin = adminOf(request);
    return send(reply, admin, t('admin.nav.services'), html`<h1 class="govuk-heading-l">${t('admin.nav.services')}</h1>
<p class="govuk-body">${t('admin.services.intro1')} <code>services/</code> ${t('admin.services.intro2')}</p>
<p class="govuk-body"><a class="govuk-link" href="/admin/services/new">${t('admin.create.title')}</a></p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('admin.services.count', { count: catalogue.services.length })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.common.service')}</th><th scope="col" class="govuk-table__header">${t('admin.common.department')}</th><th scope="col" class="govuk-table__header">${t('admin.services.pages')}</th></tr></thead>
<tbody class="govuk-table__body">${catalogue.services.map((s) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/admin/services/${s.id}">${s.title}</a></td><td class="govuk-table__cell">${s.department}</td><td class="govuk-table__cell"><ul class="govuk-list">${s.pages.map((p) => html`<li><a class="govuk-link" href="/admin/services/${s.id}/forms/${p.id}">${p.title}<span class="govuk-visually-hidden"> (${s.title})</span></a></li>`)}</ul></td></tr>`)}</tbody></table>`, { current: 'services' });
  });

  server.get<{ Params: { id: string }; Querystring: { saved?: string } }>('/admin/services/:id', { schema: paramsSchema({ id: PARAM.slug }) }, async (request, reply) => {
    const service = serviceOr404(request.params.id);
    const saved = Number(request.query.saved);
    // A draft waiting for review is what the next save builds on, so the form shows it.
    const [newest] = await listServiceVersions(db, service.id);
    const shown = newest?.state === 'awaiting-review' ? { ...service, ...newest.fields } : service;
    return servicePage(reply, adminOf(request), service, valuesOf(shown), [], Number.isSafeInteger(saved) && saved > 0 ? saved : null);
  });

  server.post<{ Params: { id: string } }>('/admin/services/:id', { schema: paramsSchema({ id: PARAM.slug }) }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const service = serviceOr404(request.params.id);
    const { fields, errors } = parseServiceFields(body, service);
    if (!fields) {
      const values = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'csrf').map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v]));
      return servicePage(reply, admin, service, values, errors, null, 400);
    }
    const base = str(body, 'base-version');
    const version = await db.transaction(async (tx) => {
      // One save of a service at a time (two at once would both number theirs max + 1), and none on top of a version
      // the admin has not seen.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`admin-service:${service.id}`]);
      const [latest] = await listServiceVersions(tx, service.id);
      if (base !== '' && base !== String(latest?.version ?? 0)) return { conflict: latest?.version ?? 0, by: latest?.actor ?? null };
      // Every save is a draft: citizens keep the published text until a second admin approves it
      // (publishing-routes.ts). `changed` is against what citizens see now.
      const v = await insertServiceVersion(tx, service.id, fields, actor, { draft: true });
      await appendEvent(tx, { type: 'catalogue.service-draft-saved', actor, data: { service: service.id, version: v, changed: changedFields(service, fields) } });
      return v;
    });
    if (typeof version !== 'number') {
      await catalogue.refresh();
      const values = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'csrf' && k !== 'base-version').map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v]));
      return servicePage(reply, admin, catalogue.get(service.id) ?? service, values, [{ field: 'versions', message: version.by ? t('admin.service.conflictBy', { version: String(version.conflict), by: version.by }) : t('admin.service.conflict', { version: String(version.conflict) }) }], null, 409);
    }
    await catalogue.refresh();
    return reply.redirect(`/admin/services/${service.id}?saved=${version}`, 303);
  });

  // ------------------------------------------------------------------ form editor

  server.get<{ Params: { id: string; page: string }; Querystring: { saved?: string } }>('/admin/services/:id/forms/:page', { schema: paramsSchema({ id: PARAM.slug, page: PARAM.slug }) }, async (request, reply) => {
    const service = serviceOr404(request.params.id);
    const questionPage = pageOr404(service, request.params.page);
    const stored = (await listFormVersions(db, service.id, questionPage.id))[0];
    // The text as stored or as on disk (not the parsed schema, which keeps only what the portal renders).
    const text = stored && stored.checksum === questionPage.formVersion ? stored.schema
      : await readFile(path.resolve(service.directory, questionPage.formFile), 'utf8').catch(() => JSON.stringify(questionPage.form, null, 2));
    const saved = Number(request.query.saved);
    return formPage(reply, adminOf(request), service, questionPage.id, text, [], Number.isSafeInteger(saved) && saved > 0 ? saved : null);
  });

  server.post<{ Params: { id: string; page: string } }>('/admin/services/:id/forms/:page', { schema: paramsSchema({ id: PARAM.slug, page: PARAM.slug }) }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const service = serviceOr404(request.params.id);
    const questionPage = pageOr404(service, request.params.page);
    const text = str(body, 'schema');
    const base = str(body, 'base-form-version');
    const conflict = async (): Promise<FastifyReply> => {
      await catalogue.refresh();
      const now = catalogue.get(service.id) ?? service;
      return formPage(reply, admin, now, questionPage.id, text, [t('admin.form.conflict')], null, 409);
    };
    // The stored versions are the truth (another govflow process may have saved one this catalogue has not read).
    const currentVersion = (stored: FormVersionRow | undefined): string => stored?.checksum ?? questionPage.formVersion;
    const [current] = await listFormVersions(db, service.id, questionPage.id);
    if (base !== '' && base !== currentVersion(current)) return conflict();
    const required = formFields(questionPage.form).map((f) => f.key);
    const { schema, problems } = parseFormVersion(text, required);
    if (schema) {
      // Keys are unique across a service's pages: the answers of all pages become one set of process variables.
      const others = new Set(service.pages.filter((p) => p.id !== questionPage.id).flatMap((p) => formFields(p.form).map((f) => f.key)));
      for (const f of formFields(schema)) if (others.has(f.key)) problems.push(t('admin.form.keyUsed', { key: f.key }));
    }
    if (!schema || problems.length > 0) return formPage(reply, admin, service, questionPage.id, text, problems.length > 0 ? problems : [t('admin.form.notValid')], null, 400);
    // Stored as formatted JSON, so a version differs from the last only when the form does.
    const normalised = JSON.stringify(JSON.parse(text), null, 2);
    if (current && current.schema === normalised && current.checksum === questionPage.formVersion) return reply.redirect(`/admin/services/${service.id}/forms/${questionPage.id}?saved=${current.version}`, 303);
    const saved = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`admin-form:${service.id}/${questionPage.id}`]);
      if (base !== '' && base !== currentVersion((await listFormVersions(tx, service.id, questionPage.id))[0])) return null;
      const v = await insertFormVersion(tx, service.id, questionPage.id, normalised, actor);
      await appendEvent(tx, { type: 'catalogue.service-changed', actor, data: { service: service.id, page: questionPage.id, formVersion: v.checksum, version: v.version } });
      return v;
    });
    if (!saved) return conflict();
    await catalogue.refresh();
    return reply.redirect(`/admin/services/${service.id}/forms/${questionPage.id}?saved=${saved.version}`, 303);
  });

  server.get<{ Params: { id: string; page: string; version: string } }>('/admin/services/:id/forms/:page/versions/:version', { schema: paramsSchema({ id: PARAM.slug, page: PARAM.slug, version: PARAM.id }) }, async (request, reply) => {
    const service = serviceOr404(request.params.id);
    const questionPage = pageOr404(service, request.params.page);
    const version = Number(request.params.version);
    const found = Number.isSafeInteger(version) && version > 0 ? await getFormVersion(db, service.id, questionPage.id, version) : null;
    if (!found) throw new PageError(404, t('admin.common.notFound'), t('admin.form.noSuchVersion'));
    return reply.type('application/json; charset=utf-8').header('x-govflow-form-version', found.checksum).send(found.schema);
  });
}
