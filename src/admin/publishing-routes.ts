import type { FastifyInstance } from 'fastify';
import { getServiceVersion, newestCreatedService, reviewServiceDraft, serviceStartContent, translationProblems, type ReviewRefusal, type Service, type ServiceFields } from '../catalogue/index.js';
import { actorOf } from '../identity/index.js';
import { appendEvent } from '../store/index.js';
import { html, PageError, PARAM, paramsSchema } from '../web/index.js';
import { SERVICE_ID, str, type AdminContext } from './admin-context.js';
import { changedFields, fieldTexts, stateTag, successBanner } from './service-versions-html.js';

/**
 * Serves the publishing workflow of a service's text (catalogue/service-publishing.ts): each saved draft's page (what it
 * changes against what citizens see, its state), a preview of the draft as citizens would read it, and the second
 * admin's review — approve (citizens see it at once) or return it with a note. Each step is an event.
 */

const LABELS: Record<string, string> = {
  'title': 'Title', 'summary': 'Summary', 'description': 'Description', 'whoCanApply': 'Who can apply', 'documentsNeeded': 'Documents needed',
  'fee': 'Fee', 'expectedTime': 'Expected time', 'department': 'Responsible department', 'sla-case': 'SLA: the whole case',
};

/**
 * A service is published only in languages it is complete in (issue 21): a draft that adds or changes text the
 * service's other languages have no translation for is refused, naming each language and the places missing.
 */
function refuseIncompleteLanguages(service: Service, fields: ServiceFields): void {
  const merged = { ...service, ...fields };
  const problems = translationProblems(merged, merged.languages ?? [], merged.translations);
  if (problems.length > 0) {
    throw new PageError(409, 'The draft cannot be published in all its languages', `Translate these first, or stop offering the service in the language: ${problems.map((p) => `${p.where} ${p.message}`).join('; ')}.`);
  }
}

const REFUSALS: Record<ReviewRefusal, [number, string]> = {
  'own-draft': [403, 'You saved this draft, so another administrator must review it. Ask a colleague to approve it.'],
  'already-reviewed': [409, 'This draft has already been reviewed. Nothing was changed.'],
  'replaced': [409, 'A later draft replaced this one. Review the latest draft instead.'],
  'no-such-draft': [404, 'There is no such draft.'],
};

export function registerPublishingRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post, csrfField } = ctx;
  const { db, catalogue } = ctx.options;

  // A service created in the browser is reviewed before citizens can see it: its newest stored version stands in.
  const serviceOr404 = async (id: string): Promise<Service> => {
    const service = SERVICE_ID.test(id) ? catalogue.get(id) ?? await newestCreatedService(db, id) : undefined;
    if (!service) throw new PageError(404, 'Page not found', 'There is no such service.');
    return service;
  };
  const versionOr404 = async (service: Service, text: string) => {
    const n = Number(text);
    const found = Number.isSafeInteger(n) && n > 0 ? await getServiceVersion(db, service.id, n) : null;
    if (!found) throw new PageError(404, 'Page not found', 'There is no such version of this service.');
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
    const reviewed = request.query.reviewed === 'approved' ? successBanner(`Version ${v.version} is published. Citizens see it now.`)
      : request.query.reviewed === 'returned' ? successBanner(`Version ${v.version} was returned to ${v.actor ?? 'its author'}.`) : '';
    return send(reply, admin, `${service.title}: version ${v.version}`, html`${reviewed}<span class="govuk-caption-l">${service.title}</span>
<h1 class="govuk-heading-l">Version ${v.version}</h1>
<p class="govuk-body">${stateTag(v.state)} Saved by ${v.actor ?? 'unknown'}.${v.review ? ` ${v.review.decision === 'approved' ? 'Approved' : 'Returned'} by ${v.review.actor}${v.review.note ? `: ${v.review.note}` : ''}.` : ''}</p>
<p class="govuk-body"><a class="govuk-link" href="${base}/preview">Preview version ${v.version} as a citizen</a></p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${changed.size === 0 ? 'No differences from what citizens see now' : `${changed.size} ${changed.size === 1 ? 'field differs' : 'fields differ'} from what citizens see now`}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Field</th><th scope="col" class="govuk-table__header">Citizens see now</th><th scope="col" class="govuk-table__header">Version ${v.version}</th></tr></thead>
<tbody class="govuk-table__body">${[...changed].map((k) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${LABELS[k] ?? k.replace(/^sla-task-/, 'SLA: task ')}</th><td class="govuk-table__cell govflow-pre-wrap">${now[k] ?? ''}</td><td class="govuk-table__cell govflow-pre-wrap">${then[k] ?? ''}</td></tr>`)}</tbody></table>
${v.state !== 'awaiting-review' ? '' : own ? html`<div class="govuk-inset-text">You saved this draft, so another administrator must review it.</div>` : html`<h2 class="govuk-heading-m">Review</h2>
<form method="post" action="${base}/review" novalidate>
${csrfField(admin)}
<div class="govuk-form-group"><label class="govuk-label" for="note">Note to ${v.actor ?? 'the author'} (optional)</label><div id="note-hint" class="govuk-hint">Say what to change when you return the draft.</div><textarea class="govuk-textarea" id="note" name="note" rows="3" aria-describedby="note-hint"></textarea></div>
<div class="govuk-button-group"><button type="submit" class="govuk-button" name="decision" value="approved" data-module="govuk-button">Approve and publish</button><button type="submit" class="govuk-button govuk-button--secondary" name="decision" value="returned" data-module="govuk-button">Return to the author</button></div>
</form>`}`, { current: 'services', backLink: `/admin/services/${service.id}` });
  });

  server.get<Params>('/admin/services/:id/versions/:version/preview', params, async (request, reply) => {
    const service = await serviceOr404(request.params.id);
    const v = await versionOr404(service, request.params.version);
    return send(reply, adminOf(request), `Preview: ${v.fields.title}`, html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Preview of version ${v.version} (${stateTag(v.state)}): this is how citizens would read the start page of the service.</strong></div>
<div class="govflow-preview">${serviceStartContent({ ...service, ...v.fields }, null, null)}</div>`, { current: 'services', backLink: `/admin/services/${service.id}/versions/${v.version}` });
  });

  server.post<Params>('/admin/services/:id/versions/:version/review', params, async (request, reply) => {
    const { body, actor } = await post(request);
    const service = await serviceOr404(request.params.id);
    const version = (await versionOr404(service, request.params.version)).version;
    const decision = str(body, 'decision');
    if (decision !== 'approved' && decision !== 'returned') throw new PageError(400, 'There is a problem with your request', 'Choose whether to approve or return the draft.');
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
      throw new PageError(status, status === 403 ? 'You cannot approve your own draft' : 'The draft was not reviewed', message);
    }
    await catalogue.refresh();
    return reply.redirect(`/admin/services/${service.id}/versions/${version}?reviewed=${decision}`, 303);
  });
}
