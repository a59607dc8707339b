import type { FastifyInstance } from 'fastify';
import { getServiceVersion, newestCreatedService, reviewServiceDraft, serviceStartContent, translationProblems, type ReviewRefusal, type Service, type ServiceFields } from '../catalogue/index.js';
import { t, type MessageKey } from '../i18n/index.js';
import { actorOf } from '../identity/index.js';
import { appendEvent } from '../store/index.js';
import { html, PageError, PARAM, paramsSchema } from '../web/index.js';
import { SERVICE_ID, str, type AdminContext } from './admin-context.js';
import { changedFields, fieldTexts, reviewText, stateTag, successBanner } from './service-versions-html.js';

/**
 * Serves the publishing workflow of a service's text (catalogue/service-publishing.ts): each saved draft's page (what it
 * changes against what citizens see, its state), a preview of the draft as citizens would read it, and the second
 * admin's review — approve (citizens see it at once) or return it with a note. Each step is an event.
 */

const LABELS: Record<string, MessageKey> = {
  'title': 'admin.field.title', 'summary': 'admin.field.summary', 'description': 'admin.field.description', 'whoCanApply': 'admin.field.whoCanApply', 'documentsNeeded': 'admin.field.documentsNeeded',
  'fee': 'admin.field.fee', 'expectedTime': 'admin.field.expectedTime', 'department': 'admin.field.department', 'sla-case': 'admin.field.slaCase',
};
const fieldLabel = (k: string): string => {
  const key = LABELS[k];
  return key ? t(key) : k.startsWith('sla-task-') ? t('admin.field.slaTask', { task: k.slice('sla-task-'.length) }) : k;
};

/**
 * A service is published only in languages it is complete in (issue 21): a draft that adds or changes text the
 * service's other languages have no translation for is refused, naming each language and the places missing.
 */
function refuseIncompleteLanguages(service: Service, fields: ServiceFields): void {
  const merged = { ...service, ...fields };
  const problems = translationProblems(merged, merged.languages ?? [], merged.translations);
  if (problems.length > 0) {
    throw new PageError(409, t('admin.publish.incompleteTitle'), t('admin.publish.incompleteText', { problems: problems.map((p) => `${p.where} ${p.message}`).join('; ') }));
  }
}

const REFUSALS: Record<ReviewRefusal, [number, MessageKey]> = {
  'own-draft': [403, 'admin.publish.ownDraft'],
  'already-reviewed': [409, 'admin.publish.alreadyReviewed'],
  'replaced': [409, 'admin.publish.replaced'],
  'no-such-draft': [404, 'admin.publish.noSuchDraft'],
};

export function registerPublishingRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post, csrfField } = ctx;
  const { db, catalogue } = ctx.options;

  // A service created in the browser is reviewed before citizens can see it: its newest stored version stands in.
  const serviceOr404 = async (id: string): Promise<Service> => {
    const service = SERVICE_ID.test(id) ? catalogue.get(id) ?? await newestCreatedService(db, id) : undefined;
    if (!service) throw new PageError(404, t('admin.common.notFound'), t('admin.services.noSuchService'));
    return service;
  };
  const versionOr404 = async (service: Service, text: string) => {
    const n = Number(text);
    const found = Number.isSafeInteger(n) && n > 0 ? await getServiceVersion(db, service.id, n) : null;
    if (!found) throw new PageError(404, t('admin.common.notFound'), t('admin.publish.noSuchVersion'));
    return found;
  };
  type Params = { Params: { id: string; version: string }; Querystring: { reviewed?: string } };
  const params = { schema: paramsSchema({ id: PARAM.slug, version: PARAM.id }) };

  server.get<Params>('/admin/services/:id/versions/:version', params, async (request, reply) => {
    const admin = adminOf(request);
    const service = await serviceOr404(request.params.id);
    const v = await versionOr404(service, request.params.version);
    const now = fieldTexts(service);
    const then = fieldTexts(v.fields);
    const changed = new Set(changedFields(service, v.fields));
    const own = v.actor === actorOf(admin.principal);
    const base = `/admin/services/${service.id}/versions/${v.version}`;
    const version = String(v.version);
    const reviewed = request.query.reviewed === 'approved' ? successBanner(t('admin.publish.published', { version }))
      : request.query.reviewed === 'returned' ? successBanner(v.actor ? t('admin.publish.returnedTo', { version, actor: v.actor }) : t('admin.publish.returnedToAuthor', { version })) : '';
    return send(reply, admin, t('admin.publish.title', { title: service.title, version }), html`${reviewed}<span class="govuk-caption-l">${service.title}</span>
<h1 class="govuk-heading-l">${t('admin.common.version', { version })}</h1>
<p class="govuk-body">${stateTag(v.state)} ${t('admin.publish.savedBy', { actor: v.actor ?? t('admin.common.unknown') })}${v.review ? ` ${reviewText({ decision: v.review.decision, actor: v.review.actor, note: v.review.note })}.` : ''}</p>
<p class="govuk-body"><a class="govuk-link" href="${base}/preview">${t('admin.publish.previewLink', { version })}</a></p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('admin.publish.differences', { count: changed.size })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.publish.field')}</th><th scope="col" class="govuk-table__header">${t('admin.publish.now')}</th><th scope="col" class="govuk-table__header">${t('admin.common.version', { version })}</th></tr></thead>
<tbody class="govuk-table__body">${[...changed].map((k) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${fieldLabel(k)}</th><td class="govuk-table__cell govflow-pre-wrap">${now[k] ?? ''}</td><td class="govuk-table__cell govflow-pre-wrap">${then[k] ?? ''}</td></tr>`)}</tbody></table>
${v.state !== 'awaiting-review' ? '' : own ? html`<div class="govuk-inset-text">${t('admin.publish.own')}</div>` : html`<h2 class="govuk-heading-m">${t('admin.publish.review')}</h2>
<form method="post" action="${base}/review" novalidate>
${csrfField(admin)}
<div class="govuk-form-group"><label class="govuk-label" for="note">${v.actor ? t('admin.publish.noteTo', { actor: v.actor }) : t('admin.publish.noteToAuthor')}</label><div id="note-hint" class="govuk-hint">${t('admin.publish.noteHint')}</div><textarea class="govuk-textarea" id="note" name="note" rows="3" aria-describedby="note-hint"></textarea></div>
<div class="govuk-button-group"><button type="submit" class="govuk-button" name="decision" value="approved" data-module="govuk-button">${t('admin.publish.approve')}</button><button type="submit" class="govuk-button govuk-button--secondary" name="decision" value="returned" data-module="govuk-button">${t('admin.publish.return')}</button></div>
</form>`}`, { current: 'services', backLink: `/admin/services/${service.id}` });
  });

  server.get<Params>('/admin/services/:id/versions/:version/preview', params, async (request, reply) => {
    const service = await serviceOr404(request.params.id);
    const v = await versionOr404(service, request.params.version);
    return send(reply, adminOf(request), t('admin.preview.title', { title: v.fields.title }), html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('admin.preview.of', { version: String(v.version) })} (${stateTag(v.state)})${t('admin.preview.how')}</strong></div>
<div class="govflow-preview">${serviceStartContent({ ...service, ...v.fields }, null, null)}</div>`, { current: 'services', backLink: `/admin/services/${service.id}/versions/${v.version}` });
  });

  server.post<Params>('/admin/services/:id/versions/:version/review', params, async (request, reply) => {
    const { body, actor } = await post(request);
    const service = await serviceOr404(request.params.id);
    const version = (await versionOr404(service, request.params.version)).version;
    const decision = str(body, 'decision');
    if (decision !== 'approved' && decision !== 'returned') throw new PageError(400, t('error.badRequestTitle'), t('admin.publish.chooseDecision'));
    const note = str(body, 'note').trim().replace(/\s+/g, ' ').slice(0, 500);
    if (decision === 'approved') refuseIncompleteLanguages(service, (await versionOr404(service, request.params.version)).fields);
    const outcome = await db.transaction(async (tx) => {
      // The same lock as a save: a draft cannot be approved while a newer one is being saved.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`admin-service:${service.id}`]);
      const result = await reviewServiceDraft(tx, service.id, version, decision, actor, note);
      if (!result.ok) return result;
      await appendEvent(tx, { type: decision === 'approved' ? 'catalogue.service-draft-approved' : 'catalogue.service-draft-returned', actor, data: { service: service.id, version, author: result.draft.actor, ...(note ? { note } : {}) } });
      // Publishing is the change citizens see: the event every reader of catalogue changes already follows.
      if (decision === 'approved') await appendEvent(tx, { type: 'catalogue.service-changed', actor, data: { service: service.id, version, changed: changedFields(service, result.draft.fields), author: result.draft.actor, approvedBy: actor } });
      return result;
    });
    if (!outcome.ok) {
      const [status, message] = REFUSALS[outcome.refusal];
      throw new PageError(status, status === 403 ? t('admin.publish.ownTitle') : t('admin.publish.notReviewed'), t(message));
    }
    await catalogue.refresh();
    return reply.redirect(`/admin/services/${service.id}/versions/${version}?reviewed=${decision}`, 303);
  });
}
