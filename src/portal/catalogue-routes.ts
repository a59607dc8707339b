import type { FastifyInstance, FastifyReply } from 'fastify';
import { offeredIn, serviceStartContent } from '../catalogue/index.js';
import { DEMO_CITIZENS } from '../identity/index.js';
import { formBody, formFiles, formText, html, PARAM, paramsSchema, PageError, pageNotFound, readGovukAsset, type SafeHtml } from '../web/index.js';
import type { PortalContext } from './portal-context.js';
import { currentLanguage, t } from '../i18n/index.js';

/**
 * Serves the portal's public pages: the GOV.UK assets, the citizen sign-in (eID button, demo picker) and sign-out,
 * the list of services and each service's start page.
 */

const safeNext = (next: unknown): string => (typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/applications');

export function registerCatalogueRoutes(server: FastifyInstance, ctx: PortalContext): void {
  const { catalogue, options } = ctx;

  const sendAsset = async (reply: FastifyReply, file: string): Promise<FastifyReply> => {
    const asset = await readGovukAsset(file);
    if (!asset) throw pageNotFound(t('error.noSuchFile'));
    return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(asset.content);
  };
  server.get('/assets/govuk-frontend.min.css', async (_request, reply) => sendAsset(reply, 'govuk-frontend.min.css'));
  server.get<{ Params: { kind: string; file: string } }>('/assets/:kind/:file', { schema: paramsSchema({ kind: PARAM.slug, file: PARAM.token }) },
    async (request, reply) => sendAsset(reply, `${request.params.kind}/${request.params.file}`));

  server.get<{ Querystring: { next?: string } }>('/sign-in', async (request, reply) => {
    // The sign-in page is where a session starts, so its form has a CSRF token to carry.
    if (!request.csrfToken) request.csrfToken = (await options.identity.pageSession(request, reply, { create: true })).csrfToken;
    const next = safeNext(request.query.next);
    // With a national eID configured, citizens sign in there; the demo picker stays only in demo mode, below it.
    const eid = options.identity.oidcEnabled ? html`<h2 class="govuk-heading-m">${t('signIn.eidHeading')}</h2>
<p class="govuk-body"><a class="govuk-button" href="/sign-in/oidc?next=${encodeURIComponent(next)}" role="button" draggable="false" data-module="govuk-button">${t('signIn.eidButton')}</a></p>` : '';
    return ctx.send(request, reply, t('nav.signInDemo'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">${options.identity.oidcEnabled ? t('nav.signIn') : t('nav.signInDemo')}</h1>
${eid}
${options.demoSignIn === false ? (options.identity.oidcEnabled ? '' : html`<p class="govuk-body">${t('signIn.unavailable')}</p>`) : html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('signIn.demoWarning')}</strong></div>
<form method="post" action="/sign-in" novalidate>
<input type="hidden" name="csrf" value="${request.csrfToken}">
<input type="hidden" name="next" value="${next}">
<div class="govuk-form-group">
<fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('signIn.whoAreYou')}</legend>
<div class="govuk-radios" data-module="govuk-radios">
${DEMO_CITIZENS.map((c, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="${i === 0 ? 'citizen' : `citizen-${i + 1}`}" name="citizen" type="radio" value="${c.id}"${i === 0 ? html` checked` : ''}><label class="govuk-label govuk-radios__label" for="${i === 0 ? 'citizen' : `citizen-${i + 1}`}">${t('signIn.demoCitizen', { name: c.name })}</label></div>
`)}</div>
</fieldset>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('nav.signIn')}</button>
</form>`}
</div></div>`, { current: 'sign-in' });
  });

  server.post('/sign-in', async (request, reply) => {
    const body = formBody(request);
    if (options.demoSignIn === false) throw pageNotFound();
    const citizen = DEMO_CITIZENS.find((c) => c.id === body['citizen']);
    if (!citizen) throw new PageError(400, t('signIn.chooseTitle'), t('signIn.chooseText'));
    // Identity starts a new session on sign-in, so a session id known before signing in is worth nothing after.
    await options.identity.signInCitizen(request, reply, citizen.id);
    return reply.redirect(safeNext(formText(body, 'next')), 303);
  });

  server.post('/sign-out', async (request, reply) => {
    // The sign-out form has one field: a post that carries files is not it (nothing is read from them).
    if (formFiles(request).length > 0) throw new PageError(400, t('error.badRequestTitle'), t('signIn.signOutNoFiles'));
    await options.identity.signOut(request, reply);
    // A shared computer: the pages the app kept for reading offline go with the session (its worker forgets them too).
    return reply.header('clear-site-data', '"storage"').redirect('/', 303);
  });

  server.get('/', async (request, reply) => ctx.send(request, reply, t('nav.services'), html`<h1 class="govuk-heading-xl">${t('nav.services')}</h1>
<p class="govuk-body-l">${t('home.intro', { count: catalogue.services.length })}</p>
<ul class="govuk-list">
${catalogue.services.map((english) => [ctx.localised(english), offeredIn(english, currentLanguage())] as const).map(([svc, offered]) => html`<li${offered ? '' : html` lang="en"`}><h2 class="govuk-heading-m govuk-!-margin-bottom-1"><a class="govuk-link" href="/services/${svc.id}">${svc.title}</a></h2><p class="govuk-body">${svc.summary}</p></li>
`)}</ul>`, { current: 'home' }));

  server.get<{ Params: { id: string } }>('/services/:id', { schema: paramsSchema({ id: PARAM.slug }) }, async (request, reply) => {
    const svc = ctx.serviceOr404(request.params.id);
    const live = await ctx.measured(svc.process.key);
    return ctx.send(request, reply, svc.title, html`${serviceStartContent(svc, live ?? null)}${assistantAsk(svc.title)}`, { backLink: '/' });
  });
}

/** The assistant's small form on a service page (issue 19): the question opens /assistant ready to send. */
const assistantAsk = (title: string) => html`<form method="get" action="/assistant" class="govuk-!-margin-top-6"><div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="assistant-q">${t('start.askAssistant')}</label><div class="govuk-hint" id="assistant-q-hint">${t('start.askAssistantHint', { title })}</div><input class="govuk-input" id="assistant-q" name="q" type="text" aria-describedby="assistant-q-hint"></div><button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('start.ask')}</button></form>`;
