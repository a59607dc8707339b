import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Service, ServicePage } from '../catalogue/index.js';
import {
  answersToInput, fields, formBody, formFiles, formText, html, PageError, PARAM, paramsSchema, renderErrorSummary, renderFormFields, validateAnswers, type FieldError, type RawInput,
} from '../web/index.js';
import type { PortalContext } from './portal-context.js';
import { TOKEN } from './portal-context.js';
import {
  answerText, attachDraftUploads, checkPageFiles, currentFiles, draftUploads, fileAnswerInput, formForPage, keptFiles, pageFileRules, pageHasFiles, storePageFiles, uploadIdsOf, type UploadSummary,
} from './question-uploads.js';
import { currentLanguage, isLanguage, t, type Language } from '../i18n/index.js';

/**
 * Serves the application journey: the question pages (urlencoded, or multipart when a page asks for a file), check
 * your answers and the submission that records the application and starts its case.
 */

/** The first page whose answers are missing or were given on an older version of its form, if any. */
function firstIncompletePage(svc: Service, draft: { answers: Record<string, unknown>; pageVersions: Record<string, string> }): ServicePage | undefined {
  return svc.pages.find((p) => draft.pageVersions[p.id] !== p.formVersion || validateAnswers(p.form, answersToInput(p.form, draft.answers)).errors.length > 0);
}

/**
 * The language the case will speak when it is not English (the default, left unsaid so English cases are as
 * before); a pseudo-language, only in tests, is English underneath.
 */
const caseLanguage = (): { language?: Language } => {
  const language = currentLanguage();
  return isLanguage(language) && language !== 'en' ? { language } : {};
};

const SERVICE_PARAMS = paramsSchema({ id: PARAM.slug });
const PAGE_PARAMS = paramsSchema({ id: PARAM.slug, page: PARAM.slug });

/** `uploads`: the portal's scope that reads multipart bodies, for the question pages' posts (a page may carry files). */
export function registerApplyRoutes(server: FastifyInstance, uploads: FastifyInstance, ctx: PortalContext): void {
  const { store, engine, db } = ctx;

  server.get<{ Params: { id: string } }>('/services/:id/apply', { schema: SERVICE_PARAMS }, async (request, reply) => {
    const svc = ctx.serviceOr404(request.params.id);
    const citizen = ctx.citizen(request, reply);
    if (!citizen) return reply;
    const draft = await store.getDraft(citizen, svc.id);
    const next = firstIncompletePage(svc, draft);
    return reply.redirect(next ? `/services/${svc.id}/apply/${next.id}` : `/services/${svc.id}/check`, 303);
  });

  function questionPage(request: FastifyRequest, reply: FastifyReply, svc: Service, p: ServicePage, input: RawInput, errors: FieldError[], opts: { change: boolean; updated: boolean; uploads?: ReadonlyMap<number, UploadSummary> }): FastifyReply {
    const index = svc.pages.indexOf(p);
    const back = index > 0 ? `/services/${svc.id}/apply/${svc.pages[index - 1]!.id}` : `/services/${svc.id}`;
    return ctx.send(request, reply, `${p.title} – ${svc.title}`, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${renderErrorSummary(errors)}
${opts.updated ? html`<div class="govuk-notification-banner" role="region" aria-labelledby="form-updated-title"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="form-updated-title">${t('common.important')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('apply.formChanged')}</p></div></div>` : ''}
<span class="govuk-caption-l">${svc.title}</span>
<h1 class="govuk-heading-l">${p.title}</h1>
<p class="govuk-body govuk-hint">${t('apply.step', { step: index + 1, steps: svc.pages.length })}</p>
<form method="post" action="/services/${svc.id}/apply/${p.id}${opts.change ? '?change=1' : ''}"${pageHasFiles(svc, p) ? html` enctype="multipart/form-data"` : ''} novalidate>
<input type="hidden" name="csrf" value="${request.csrfToken}">
${renderFormFields(formForPage(svc, p), input, errors, { files: currentFiles(svc, p, input, opts.uploads ?? new Map()) })}
<button type="submit" class="govuk-button" data-module="govuk-button">${opts.change ? t('apply.saveAndReturn') : t('common.continue')}</button>
</form>
</div></div>`, { status: errors.length > 0 ? 400 : 200, backLink: back, hasErrors: errors.length > 0 });
  }

  server.get<{ Params: { id: string; page: string }; Querystring: { change?: string } }>('/services/:id/apply/:page', { schema: PAGE_PARAMS }, async (request, reply) => {
    const svc = ctx.serviceOr404(request.params.id);
    const p = ctx.pageOr404(svc, request.params.page);
    const citizen = ctx.citizen(request, reply);
    if (!citizen) return reply;
    const draft = await store.getDraft(citizen, svc.id);
    const updated = draft.pageVersions[p.id] !== undefined && draft.pageVersions[p.id] !== p.formVersion;
    const uploads = pageHasFiles(svc, p) ? await draftUploads(db, citizen, svc.id) : undefined;
    return questionPage(request, reply, svc, p, answersToInput(p.form, draft.answers), [], { change: request.query.change === '1', updated, ...(uploads ? { uploads } : {}) });
  });

  // A page with a file upload comes as multipart/form-data (read before the handler in the uploads scope); others urlencoded.
  uploads.post<{ Params: { id: string; page: string }; Querystring: { change?: string } }>('/services/:id/apply/:page', { schema: PAGE_PARAMS }, async (request, reply) => {
    const body = formBody(request);
    const svc = ctx.serviceOr404(request.params.id);
    const p = ctx.pageOr404(svc, request.params.page);
    const citizen = ctx.citizen(request, reply, `/services/${svc.id}/apply/${p.id}`);
    if (!citizen) return reply;
    const change = request.query.change === '1';
    const rules = pageFileRules(svc, p);
    const draft = rules.size > 0 ? await store.getDraft(citizen, svc.id) : null;
    const files = rules.size > 0 ? await checkPageFiles(rules, formFiles(request)) : { accepted: new Map(), errors: [] };
    const input = draft ? fileAnswerInput(body, rules, draft.answers, files.accepted, new Set(files.errors.map((e) => e.key))) : body;
    const validated = validateAnswers(p.form, input);
    // A file's own problem (type, size, empty) is the one message for its field.
    const errors = [...files.errors, ...validated.errors.filter((e) => !files.errors.some((f) => f.key === e.key))];
    if (errors.length > 0) {
      // A good file is kept even when another field is wrong (browsers never refill a file input); a refused file
      // stores nothing and the field keeps the file the draft held. The page shows what the draft now holds.
      const kept: Record<string, unknown> = {};
      const good = keptFiles(rules, files.accepted, errors);
      if (good.accepted.size > 0) await store.saveFiles(citizen, svc.id, kept, (tx) => storePageFiles(tx, { citizenId: citizen, serviceId: svc.id, ...good, values: kept, at: engine.clock.now() }));
      const shown = draft ? fileAnswerInput(body, rules, { ...draft.answers, ...kept }, new Map(), new Set()) : body;
      return questionPage(request, reply, svc, p, shown, errors, { change, updated: false, ...(draft ? { uploads: await draftUploads(db, citizen, svc.id) } : {}) });
    }
    const { values } = validated;
    await store.savePage(citizen, svc.id, p.id, p.formVersion, values, fields(p.form).map((f) => f.key),
      rules.size > 0 ? (tx) => storePageFiles(tx, { citizenId: citizen, serviceId: svc.id, rules, accepted: files.accepted, values, at: engine.clock.now() }) : undefined);
    const index = svc.pages.indexOf(p);
    const next = svc.pages[index + 1];
    return reply.redirect(change || !next ? `/services/${svc.id}/check` : `/services/${svc.id}/apply/${next.id}`, 303);
  });

  server.get<{ Params: { id: string } }>('/services/:id/check', { schema: SERVICE_PARAMS }, async (request, reply) => {
    const svc = ctx.serviceOr404(request.params.id);
    const citizen = ctx.citizen(request, reply);
    if (!citizen) return reply;
    const draft = await store.getDraft(citizen, svc.id);
    const incomplete = firstIncompletePage(svc, draft);
    if (incomplete) return reply.redirect(`/services/${svc.id}/apply/${incomplete.id}`, 303);
    const uploads = await draftUploads(db, citizen, svc.id);
    return ctx.send(request, reply, `${t('check.title')} – ${svc.title}`, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<span class="govuk-caption-l">${svc.title}</span>
<h1 class="govuk-heading-l">${t('check.heading')}</h1>
${svc.pages.map((p) => html`<h2 class="govuk-heading-m">${p.title}</h2>
<dl class="govuk-summary-list govuk-!-margin-bottom-9">
${fields(p.form).map((f) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${f.label}</dt><dd class="govuk-summary-list__value">${answerText(f, draft.answers[f.key], uploads)}</dd><dd class="govuk-summary-list__actions"><a class="govuk-link" href="/services/${svc.id}/apply/${p.id}?change=1">${t('common.change')}<span class="govuk-visually-hidden"> ${f.label.toLowerCase()}</span></a></dd></div>
`)}</dl>
`)}
<h2 class="govuk-heading-m">${t('check.sendHeading')}</h2>
<p class="govuk-body">${t('check.declaration')}</p>
<form method="post" action="/services/${svc.id}/submit" novalidate>
<input type="hidden" name="csrf" value="${request.csrfToken}">
<input type="hidden" name="token" value="${randomUUID()}">
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">${t('check.acceptAndSend')}</button>
</form>
</div></div>`, { backLink: `/services/${svc.id}/apply/${svc.pages.at(-1)!.id}` });
  });

  server.post<{ Params: { id: string } }>('/services/:id/submit', { schema: SERVICE_PARAMS }, async (request, reply) => {
    const svc = ctx.serviceOr404(request.params.id);
    const citizen = ctx.citizen(request, reply, `/services/${svc.id}/check`);
    if (!citizen) return reply;
    const token = formText(formBody(request), 'token');
    if (!TOKEN.test(token)) throw new PageError(400, t('error.badRequestTitle'), t('apply.sendAgain'));
    const draft = await store.getDraft(citizen, svc.id);
    const incomplete = firstIncompletePage(svc, draft);
    if (incomplete) {
      // Either a double submit whose first request already sent the draft, or answers still missing.
      const done = await store.submissionByToken(token);
      if (done && done.citizenId === citizen) return reply.redirect(`/applications/${done.reference}/confirmation`, 303);
      return reply.redirect(`/services/${svc.id}/apply/${incomplete.id}`, 303);
    }
    const answers: Record<string, unknown> = {};
    for (const p of svc.pages) Object.assign(answers, validateAnswers(p.form, answersToInput(p.form, draft.answers)).values);
    const formVersions = Object.fromEntries(svc.pages.map((p) => [p.id, p.formVersion]));
    const recorded = await store.recordSubmission({ token, citizenId: citizen, serviceId: svc.id, processKey: svc.process.key, prefix: svc.referencePrefix, year: engine.clock.now().getUTCFullYear(), answers, formVersions, ...caseLanguage() },
      (tx, sub) => attachDraftUploads(tx, { reference: sub.reference, citizenId: citizen, serviceId: svc.id, ids: uploadIdsOf(svc, answers) }));
    await ctx.startCase(recorded);
    return reply.redirect(`/applications/${recorded.reference}/confirmation`, 303);
  });
}
