import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine, EventView, ProcessInstanceView } from '../engine/index.js';
import { createLogger, isGovflowError, safeEqual, toGovflowError, type Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';
// The citizens of the clearly labelled demo sign-in: the demo organisation's one list.
import { DEMO_CITIZENS, type Identity } from '../identity/index.js';
import { citizenStatus, citizenTimeline, explainStatus, processingTimes, type Catalogue, type CitizenStatus, type Service, type ServicePage } from '../catalogue/index.js';
import {
  answersToInput, displayAnswer, fields, html, page, parseCookies, parseFormSchema, readGovukAsset, renderErrorSummary, renderFormFields, useHtmlPageEdge, validateAnswers, type FieldError, type HtmlValue, type RawInput, type SafeHtml,
} from '../web/index.js';
import { registerDataUsagePages } from './data-usage-page.js';
import type { Privacy } from '../privacy/index.js';
import { caseActions, registerPaymentPages } from './payment-pages.js';
import { informationUploadRules, listUploads, registerUploadRoutes, uploadedDocumentsVariable, uploadForm, type StoredUpload } from './uploads.js';
import type { Payments } from '../payments/index.js';
import { PortalStore, signSessionId, verifySessionCookie, type Session, type Submission } from './portal-store.js';
import { answerText, attachDraftUploads, checkPageFiles, currentFiles, draftUploads, fileAnswerInput, formForPage, incomingFiles, keptFiles, pageFileRules, pageHasFiles, registerWithMultipart, storePageFiles, uploadIdsOf, type UploadSummary } from './question-uploads.js';
import { createCaseStarts } from './case-starts.js';
import type { OnSubmitted } from './submission-hooks.js';


export interface PortalOptions {
  readonly engine: Engine;
  readonly db: Database;
  readonly catalogue: Catalogue;
  readonly logger?: Logger;
  /** Signs the session cookie. All processes sharing one database must use the same secret; default: random per process. */
  readonly sessionSecret?: string;
  /** Adds `Secure` to the cookie (behind HTTPS). */
  readonly secureCookies?: boolean;
  /** Deploys each service's BPMN file at start (unchanged files are not deployed again). Default true. */
  readonly deployProcesses?: boolean;
  /** Fee payments (issue 5): the status page offers "Pay the fee" when the case waits for one. */
  readonly payments?: Payments;
  /** How long the measured processing time of a service is cached (default 5 minutes). */
  readonly processingTimeCacheMs?: number;
  /**
   * Sessions and sign-in from the identity module (issue 6): its session cookie, CSRF token and citizen sign-in.
   * Without it the portal keeps its own demo sessions (its older tests run that way).
   */
  readonly identity?: Pick<Identity, 'pageSession' | 'signInCitizen' | 'signOut'> & Partial<Pick<Identity, 'oidcEnabled'>>;
  /** "Who has seen my data" and the data download at /my-data (src/portal/data-usage-page.ts). */
  readonly privacy?: Pick<Privacy, 'listAccess' | 'exportPersonData'>;
  /**
   * Called once per case, in the transaction that records the started case (the composition root queues the
   * submission e-mail there): if it throws, nothing of that step is kept. The portal itself knows no e-mail.
   */
  readonly onSubmitted?: OnSubmitted;
  /** The demo citizen picker at /sign-in (GOVFLOW_DEMO_SIGN_IN); default on. Production turns it off. */
  readonly demoSignIn?: boolean;
}

const COOKIE = 'govflow_session';
const NO_SESSION: Session = Object.freeze({ id: '', citizenId: null, csrfToken: '' });
const SERVICE_ID = /^[a-z][a-z0-9-]{0,62}$/;
const REFERENCE = /^[A-Z]{1,5}-\d{4}-\d{6,12}$/;
const TOKEN = /^[0-9a-f-]{36}$/;
const FORM_BODY_LIMIT = 256 * 1024;

class PortalHttpError extends Error {
  constructor(readonly status: number, readonly title: string, readonly body: string) {
    super(title);
  }
}

/** The optional reason a citizen gives when withdrawing an application. */
const WITHDRAW_FORM = parseFormSchema({ components: [
  { type: 'textarea', key: 'reason', label: 'Why are you withdrawing your application? (optional)', validate: { maxLength: 500 } },
] }).schema!;

/** GOV.UK tag colours for the citizen-facing statuses. */
const TAG_CLASS: Record<CitizenStatus, string> = {
  Received: 'govuk-tag--blue', 'In review': 'govuk-tag--light-blue', 'Information needed': 'govuk-tag--yellow', 'Decision made': 'govuk-tag--green', Closed: 'govuk-tag--grey',
};

// One formatter per process: Date#toLocaleString builds a new Intl.DateTimeFormat on every call (≈ 0.15 ms each,
// the largest single cost of a status page before).
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const formatDate = (iso: string): string => DATE_TIME.format(new Date(iso)) + ' UTC';

/** A Fastify plugin with the citizen portal's pages: register it with `createApiServer({ plugins: [...] })`. */
export function createPortalPlugin(options: PortalOptions): (server: FastifyInstance) => Promise<void> {
  const { engine, catalogue } = options;
  const store = new PortalStore(options.db);
  const starts = createCaseStarts(options);
  const log = options.logger ?? createLogger({ name: 'portal' });
  const secret = options.sessionSecret ?? randomBytes(32).toString('hex');
  let deployed: Promise<void> | undefined;
  const measured = processingTimes(engine, options.processingTimeCacheMs === undefined ? {} : { ttlMs: options.processingTimeCacheMs });

  async function deployAll(): Promise<void> {
    for (const service of catalogue.services) {
      // The service's DMN files go in the same deployment, so a business rule task never runs before its table.
      const decisions = service.decisions.map((d) => ({ name: path.basename(d.file), content: d.xml }));
      if (service.process.bpmn) await engine.deploy([{ name: path.basename(service.process.bpmnFile ?? `${service.id}.bpmn`), content: service.process.bpmn }, ...decisions], { name: `service ${service.id}`, actor: 'portal' });
    }
  }

  return async (server: FastifyInstance) => {
    if (options.deployProcesses !== false) {
      deployed ??= deployAll();
      await deployed;
    }

    useHtmlPageEdge(server, { formBodyLimit: FORM_BODY_LIMIT });

    // ------------------------------------------------------------------ sessions

    /**
     * The browser's session. Visitors who only read get none (no row, no cookie); the sign-in page creates one, so
     * its form has a CSRF token to carry.
     */
    async function session(request: FastifyRequest, reply: FastifyReply, how: { create?: boolean } = {}): Promise<Session> {
      if (options.identity) {
        const ps = await options.identity.pageSession(request, reply, how);
        if (!ps.csrfToken) return NO_SESSION;
        const citizen = ps.principal?.kind === 'citizen' ? ps.principal : null;
        const s: Session = { id: 'identity', citizenId: citizen?.id ?? null, csrfToken: ps.csrfToken };
        if (citizen) names.set(s, citizen.name);
        return s;
      }
      const id = verifySessionCookie(parseCookies(request.headers.cookie)[COOKIE], secret);
      const existing = id ? await store.getSession(id) : null;
      if (existing) return existing;
      if (!how.create) return NO_SESSION;
      const created = await store.createSession();
      setCookie(reply, created.id);
      return created;
    }

    function setCookie(reply: FastifyReply, id: string): void {
      void reply.header('set-cookie', `${COOKIE}=${signSessionId(id, secret)}; Path=/; HttpOnly; SameSite=Lax${options.secureCookies ? '; Secure' : ''}`);
    }

    const names = new WeakMap<Session, string>();
    const citizenName = (s: Session): string | null => names.get(s) ?? DEMO_CITIZENS.find((c) => c.id === s.citizenId)?.name ?? null;

    function send(reply: FastifyReply, s: Session, title: string, content: HtmlValue, extra: { status?: number; backLink?: string; hasErrors?: boolean; current?: 'home' | 'applications' | 'sign-in' | undefined } = {}): FastifyReply {
      const body = page({ title, content, citizen: citizenName(s), csrfToken: s.csrfToken, ...extra });
      return reply.status(extra.status ?? 200).type('text/html; charset=utf-8').send(body.value);
    }

    /** Every POST carries the session's CSRF token; without it nothing changes. */
    async function postSession(request: FastifyRequest, reply: FastifyReply): Promise<{ s: Session; body: RawInput }> {
      const s = await session(request, reply);
      const body = (request.body ?? {}) as RawInput;
      const given = body['csrf'];
      if (s === NO_SESSION || typeof given !== 'string' || !safeEqual(given, s.csrfToken)) {
        throw new PortalHttpError(403, 'Your session has expired', 'For your security, we could not accept that form. Go back, reload the page and try again.');
      }
      return { s, body };
    }

    function serviceOr404(id: string): Service {
      const service = SERVICE_ID.test(id) ? catalogue.get(id) : undefined;
      if (!service) throw new PortalHttpError(404, 'Page not found', 'If you typed the web address, check it is correct.');
      return service;
    }

    function pageOr404(service: Service, pageId: string): ServicePage {
      const p = service.pages.find((x) => x.id === pageId);
      if (!p) throw new PortalHttpError(404, 'Page not found', 'If you typed the web address, check it is correct.');
      return p;
    }

    /** The citizen signed in on this session, or a redirect to the demo sign-in page. */
    function requireCitizen(s: Session, request: FastifyRequest, reply: FastifyReply, next = request.url): string | null {
      if (s.citizenId) return s.citizenId;
      void reply.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303);
      return null;
    }

    server.setErrorHandler(async (error, request, reply) => {
      if (error instanceof PortalHttpError) {
        const s = await session(request, reply).catch(() => null);
        const content = html`<h1 class="govuk-heading-l">${error.title}</h1><p class="govuk-body">${error.body}</p><p class="govuk-body"><a class="govuk-link" href="/">Go to the list of services</a></p>`;
        return reply.status(error.status).type('text/html; charset=utf-8').send(page({ title: error.title, content, citizen: s ? citizenName(s) : null, ...(s ? { csrfToken: s.csrfToken } : {}) }).value);
      }
      const coded = toGovflowError(error);
      const status = (error as { statusCode?: number }).statusCode;
      const userError = coded.kind === 'user' || (status !== undefined && status >= 400 && status < 500);
      const reference = request.id;
      if (!userError) log.error({ err: error, reference, url: request.url }, 'portal request failed');
      const title = userError ? 'There is a problem with your request' : 'Sorry, there is a problem with the service';
      const content = html`<h1 class="govuk-heading-l">${title}</h1>
<p class="govuk-body">${userError ? 'Go back and try again.' : 'Try again later. Your answers have been saved.'}</p>
<p class="govuk-body">If you contact us about this, quote the reference <strong>${reference}</strong>.</p>
<p class="govuk-body"><a class="govuk-link" href="/">Go to the list of services</a></p>`;
      return reply.status(userError ? (status ?? coded.status) : 500).type('text/html; charset=utf-8').send(page({ title, content }).value);
    });

    // ------------------------------------------------------------------ assets

    const sendAsset = async (reply: FastifyReply, file: string): Promise<FastifyReply> => {
      const asset = await readGovukAsset(file);
      if (!asset) throw new PortalHttpError(404, 'Page not found', 'There is no such file.');
      return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(asset.content);
    };
    server.get('/assets/govuk-frontend.min.css', async (_request, reply) => sendAsset(reply, 'govuk-frontend.min.css'));
    server.get<{ Params: { kind: string; file: string } }>('/assets/:kind/:file', async (request, reply) => sendAsset(reply, `${request.params.kind}/${request.params.file}`));

    // ------------------------------------------------------------------ sign-in (demo)

    const safeNext = (next: unknown): string => (typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/applications');

    server.get<{ Querystring: { next?: string } }>('/sign-in', async (request, reply) => {
      const s = await session(request, reply, { create: true });
      const next = safeNext(request.query.next);
      // With a national eID configured, citizens sign in there; the demo picker stays only in demo mode, below it.
      const eid = options.identity?.oidcEnabled ? html`<h2 class="govuk-heading-m">Sign in with your national eID</h2>
<p class="govuk-body"><a class="govuk-button" href="/sign-in/oidc?next=${encodeURIComponent(next)}" role="button" draggable="false" data-module="govuk-button">Continue to the eID sign-in</a></p>` : '';
      return send(reply, s, 'Sign in (demo)', html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">${options.identity?.oidcEnabled ? 'Sign in' : 'Sign in (demo)'}</h1>
${eid}
${options.demoSignIn === false ? (options.identity?.oidcEnabled ? '' : html`<p class="govuk-body">Signing in is not available yet. Try again later.</p>`) : html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> This is a demonstration sign-in. There is no password: pick a demo citizen. A real deployment signs citizens in with the national eID (OpenID Connect).</strong></div>
<form method="post" action="/sign-in" novalidate>
<input type="hidden" name="csrf" value="${s.csrfToken}">
<input type="hidden" name="next" value="${next}">
<div class="govuk-form-group">
<fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Who are you?</legend>
<div class="govuk-radios" data-module="govuk-radios">
${DEMO_CITIZENS.map((c, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="${i === 0 ? 'citizen' : `citizen-${i + 1}`}" name="citizen" type="radio" value="${c.id}"${i === 0 ? html` checked` : ''}><label class="govuk-label govuk-radios__label" for="${i === 0 ? 'citizen' : `citizen-${i + 1}`}">${c.name} (demo citizen)</label></div>
`)}</div>
</fieldset>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Sign in</button>
</form>`}
</div></div>`, { current: 'sign-in' });
    });

    server.post('/sign-in', async (request, reply) => {
      const { s, body } = await postSession(request, reply);
      if (options.demoSignIn === false) throw new PortalHttpError(404, 'Page not found', 'If you typed the web address, check it is correct.');
      const citizen = DEMO_CITIZENS.find((c) => c.id === body['citizen']);
      if (!citizen) throw new PortalHttpError(400, 'Choose a demo citizen', 'Go back and choose one of the demo citizens.');
      if (options.identity) {
        await options.identity.signInCitizen(request, reply, citizen.id);
        return reply.redirect(safeNext(body['next']), 303);
      }
      // A new session on sign-in, so a session id known before signing in is worth nothing after.
      await store.deleteSession(s.id);
      const signedIn = await store.createSession(citizen.id);
      setCookie(reply, signedIn.id);
      return reply.redirect(safeNext(body['next']), 303);
    });

    server.post('/sign-out', async (request, reply) => {
      const { s } = await postSession(request, reply);
      if (options.identity) {
        await options.identity.signOut(request, reply);
        return reply.redirect('/', 303);
      }
      await store.deleteSession(s.id);
      const fresh = await store.createSession();
      setCookie(reply, fresh.id);
      return reply.redirect('/', 303);
    });

    // ------------------------------------------------------------------ catalogue

    server.get('/', async (request, reply) => {
      const s = await session(request, reply);
      return send(reply, s, 'Services', html`<h1 class="govuk-heading-xl">Services</h1>
<p class="govuk-body-l">Apply online to ${catalogue.services.length === 1 ? 'this service' : 'these services'} of the municipality and follow your application.</p>
<ul class="govuk-list">
${catalogue.services.map((svc) => html`<li><h2 class="govuk-heading-m govuk-!-margin-bottom-1"><a class="govuk-link" href="/services/${svc.id}">${svc.title}</a></h2><p class="govuk-body">${svc.summary}</p></li>
`)}</ul>`, { current: 'home' });
    });

    server.get<{ Params: { id: string } }>('/services/:id', async (request, reply) => {
      const s = await session(request, reply);
      const svc = serviceOr404(request.params.id);
      const live = await measured(svc.process.key);
      const list = (items: readonly string[]): SafeHtml => html`<ul class="govuk-list govuk-list--bullet">${items.map((i) => html`<li>${i}</li>`)}</ul>`;
      return send(reply, s, svc.title, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-xl">${svc.title}</h1>
${svc.description.map((p) => html`<p class="govuk-body">${p}</p>`)}
<h2 class="govuk-heading-m">Who can apply</h2>
${list(svc.whoCanApply)}
<h2 class="govuk-heading-m">What you need</h2>
${list(svc.documentsNeeded)}
<h2 class="govuk-heading-m">Fee</h2>
<p class="govuk-body">${svc.fee}</p>
<h2 class="govuk-heading-m">How long it takes</h2>
<p class="govuk-body">${svc.expectedTime}</p>
${live ? html`<p class="govuk-body" id="measured-time">${live}</p>` : ''}
<a href="/services/${svc.id}/apply" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">Start now<svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false"><path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/></svg></a>
<p class="govuk-body">Your answers are saved as you go, so you can come back later.</p>
</div>
<div class="govuk-grid-column-one-third">
<aside class="govuk-!-margin-top-6" aria-labelledby="responsible">
<h2 class="govuk-heading-s" id="responsible">Responsible department</h2>
<p class="govuk-body-s">${svc.department}</p>
</aside>
</div></div>`, { backLink: '/' });
    });

    // ------------------------------------------------------------------ questions

    /** The first page whose answers are missing or were given on an older version of its form, if any. */
    function firstIncompletePage(svc: Service, draft: { answers: Record<string, unknown>; pageVersions: Record<string, string> }): ServicePage | undefined {
      return svc.pages.find((p) => draft.pageVersions[p.id] !== p.formVersion || validateAnswers(p.form, answersToInput(p.form, draft.answers)).errors.length > 0);
    }

    server.get<{ Params: { id: string } }>('/services/:id/apply', async (request, reply) => {
      const s = await session(request, reply);
      const svc = serviceOr404(request.params.id);
      const citizen = requireCitizen(s, request, reply);
      if (!citizen) return reply;
      const draft = await store.getDraft(citizen, svc.id);
      const next = firstIncompletePage(svc, draft);
      return reply.redirect(next ? `/services/${svc.id}/apply/${next.id}` : `/services/${svc.id}/check`, 303);
    });

    function questionPage(reply: FastifyReply, s: Session, svc: Service, p: ServicePage, input: RawInput, errors: FieldError[], opts: { change: boolean; updated: boolean; uploads?: ReadonlyMap<number, UploadSummary> }): FastifyReply {
      const index = svc.pages.indexOf(p);
      const back = index > 0 ? `/services/${svc.id}/apply/${svc.pages[index - 1]!.id}` : `/services/${svc.id}`;
      return send(reply, s, `${p.title} – ${svc.title}`, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${renderErrorSummary(errors)}
${opts.updated ? html`<div class="govuk-notification-banner" role="region" aria-labelledby="form-updated-title"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="form-updated-title">Important</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">The questions on this page have changed since you answered them. Check your answers and continue.</p></div></div>` : ''}
<span class="govuk-caption-l">${svc.title}</span>
<h1 class="govuk-heading-l">${p.title}</h1>
<p class="govuk-body govuk-hint">Step ${index + 1} of ${svc.pages.length}</p>
<form method="post" action="/services/${svc.id}/apply/${p.id}${opts.change ? '?change=1' : ''}"${pageHasFiles(svc, p) ? html` enctype="multipart/form-data"` : ''} novalidate>
<input type="hidden" name="csrf" value="${s.csrfToken}">
${renderFormFields(formForPage(svc, p), input, errors, { files: currentFiles(svc, p, input, opts.uploads ?? new Map()) })}
<button type="submit" class="govuk-button" data-module="govuk-button">${opts.change ? 'Save and return to check your answers' : 'Continue'}</button>
</form>
</div></div>`, { status: errors.length > 0 ? 400 : 200, backLink: back, hasErrors: errors.length > 0 });
    }

    server.get<{ Params: { id: string; page: string }; Querystring: { change?: string } }>('/services/:id/apply/:page', async (request, reply) => {
      const s = await session(request, reply);
      const svc = serviceOr404(request.params.id);
      const p = pageOr404(svc, request.params.page);
      const citizen = requireCitizen(s, request, reply);
      if (!citizen) return reply;
      const draft = await store.getDraft(citizen, svc.id);
      const updated = draft.pageVersions[p.id] !== undefined && draft.pageVersions[p.id] !== p.formVersion;
      const uploads = pageHasFiles(svc, p) ? await draftUploads(options.db, citizen, svc.id) : undefined;
      return questionPage(reply, s, svc, p, answersToInput(p.form, draft.answers), [], { change: request.query.change === '1', updated, ...(uploads ? { uploads } : {}) });
    });

    // A page with a file upload comes as multipart/form-data (src/portal/question-uploads.ts); others urlencoded.
    registerWithMultipart(server, (scope) => scope.post<{ Params: { id: string; page: string }; Querystring: { change?: string } }>('/services/:id/apply/:page', async (request, reply) => {
      const { s, body } = await postSession(request, reply);
      const svc = serviceOr404(request.params.id);
      const p = pageOr404(svc, request.params.page);
      const citizen = requireCitizen(s, request, reply, `/services/${svc.id}/apply/${p.id}`);
      if (!citizen) return reply;
      const change = request.query.change === '1';
      const rules = pageFileRules(svc, p);
      const draft = rules.size > 0 ? await store.getDraft(citizen, svc.id) : null;
      const files = rules.size > 0 ? await checkPageFiles(rules, incomingFiles(request)) : { accepted: new Map(), errors: [] };
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
        return questionPage(reply, s, svc, p, shown, errors, { change, updated: false, ...(draft ? { uploads: await draftUploads(options.db, citizen, svc.id) } : {}) });
      }
      const { values } = validated;
      await store.savePage(citizen, svc.id, p.id, p.formVersion, values, fields(p.form).map((f) => f.key),
        rules.size > 0 ? (tx) => storePageFiles(tx, { citizenId: citizen, serviceId: svc.id, rules, accepted: files.accepted, values, at: engine.clock.now() }) : undefined);
      const index = svc.pages.indexOf(p);
      const next = svc.pages[index + 1];
      return reply.redirect(change || !next ? `/services/${svc.id}/check` : `/services/${svc.id}/apply/${next.id}`, 303);
    }));

    // ------------------------------------------------------------------ check answers and submit

    server.get<{ Params: { id: string } }>('/services/:id/check', async (request, reply) => {
      const s = await session(request, reply);
      const svc = serviceOr404(request.params.id);
      const citizen = requireCitizen(s, request, reply);
      if (!citizen) return reply;
      const draft = await store.getDraft(citizen, svc.id);
      const incomplete = firstIncompletePage(svc, draft);
      if (incomplete) return reply.redirect(`/services/${svc.id}/apply/${incomplete.id}`, 303);
      const uploads = await draftUploads(options.db, citizen, svc.id);
      return send(reply, s, `Check your answers – ${svc.title}`, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<span class="govuk-caption-l">${svc.title}</span>
<h1 class="govuk-heading-l">Check your answers before sending your application</h1>
${svc.pages.map((p) => html`<h2 class="govuk-heading-m">${p.title}</h2>
<dl class="govuk-summary-list govuk-!-margin-bottom-9">
${fields(p.form).map((f) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${f.label}</dt><dd class="govuk-summary-list__value">${answerText(f, draft.answers[f.key], uploads)}</dd><dd class="govuk-summary-list__actions"><a class="govuk-link" href="/services/${svc.id}/apply/${p.id}?change=1">Change<span class="govuk-visually-hidden"> ${f.label.toLowerCase()}</span></a></dd></div>
`)}</dl>
`)}
<h2 class="govuk-heading-m">Now send your application</h2>
<p class="govuk-body">By sending this application you confirm that, to the best of your knowledge, the details you are providing are correct.</p>
<form method="post" action="/services/${svc.id}/submit" novalidate>
<input type="hidden" name="csrf" value="${s.csrfToken}">
<input type="hidden" name="token" value="${randomUUID()}">
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">Accept and send</button>
</form>
</div></div>`, { backLink: `/services/${svc.id}/apply/${svc.pages.at(-1)!.id}` });
    });

    server.post<{ Params: { id: string } }>('/services/:id/submit', async (request, reply) => {
      const { s, body } = await postSession(request, reply);
      const svc = serviceOr404(request.params.id);
      const citizen = requireCitizen(s, request, reply, `/services/${svc.id}/check`);
      if (!citizen) return reply;
      const token = body['token'];
      if (typeof token !== 'string' || !TOKEN.test(token)) throw new PortalHttpError(400, 'There is a problem with your request', 'Go back to check your answers and send your application again.');
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
      const recorded = await store.recordSubmission({ token, citizenId: citizen, serviceId: svc.id, processKey: svc.process.key, prefix: svc.referencePrefix, year: engine.clock.now().getUTCFullYear(), answers, formVersions },
        (tx, sub) => attachDraftUploads(tx, { reference: sub.reference, citizenId: citizen, serviceId: svc.id, ids: uploadIdsOf(svc, answers) }));
      await starts.start(recorded);
      return reply.redirect(`/applications/${recorded.reference}/confirmation`, 303);
    });

    // ------------------------------------------------------------------ applications

    async function ownSubmission(s: Session, reference: string) {
      const submission = REFERENCE.test(reference) ? await store.getSubmission(reference) : null;
      // Someone else's reference looks exactly like one that does not exist.
      if (!submission || submission.citizenId !== s.citizenId) throw new PortalHttpError(404, 'Page not found', 'There is no application with this reference in your account.');
      return submission;
    }

    // Pages only read: a submission without a case is "Received" until the case-start loop starts it (case-starts.ts).
    const instanceOf = (submission: Submission) => (submission.instanceId === null ? null : engine.getInstance(submission.instanceId));

    server.get<{ Params: { ref: string } }>('/applications/:ref/confirmation', async (request, reply) => {
      const s = await session(request, reply);
      if (!requireCitizen(s, request, reply)) return reply;
      const submission = await ownSubmission(s, request.params.ref);
      const svc = serviceOr404(submission.serviceId);
      return send(reply, s, 'Application sent', html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<div class="govuk-panel govuk-panel--confirmation">
<h1 class="govuk-panel__title">Application sent</h1>
<div class="govuk-panel__body">Your reference number<br><strong id="reference">${submission.reference}</strong></div>
</div>
<p class="govuk-body">We have received your application: ${svc.title.replace(/^Apply for /, '')}.</p>
<h2 class="govuk-heading-m">What happens next</h2>
<p class="govuk-body">${svc.department} will review your application. ${svc.expectedTime}</p>
<p class="govuk-body">We will contact you if we need more information.</p>
<p class="govuk-body"><a class="govuk-link" href="/applications/${submission.reference}">Follow the progress of your application</a></p>
</div></div>`, { current: 'applications' });
    });

    /**
     * The status page reads three things, one statement each: the session (identity), the submission with its
     * uploads (here, `uploads` when the caller has them) and the case with its events (engine).
     */
    async function statusPage(reply: FastifyReply, s: Session, submission: Submission, form: { input: RawInput; errors: FieldError[]; sent: boolean; withdrawn?: boolean }, preloaded?: { uploads: readonly StoredUpload[]; found: { instance: ProcessInstanceView; events: EventView[] } | null }): Promise<FastifyReply> {
      const svc = serviceOr404(submission.serviceId);
      const id = submission.instanceId;
      const found = preloaded?.found ?? (id === null ? null : await engine.getInstanceWithEvents(id));
      const instance = found?.instance ?? null;
      const status = instance ? citizenStatus(svc, instance) : 'Received';
      const timeline = found ? citizenTimeline(svc, found.events, submission.submittedAt) : [{ status: 'Received' as const, at: submission.submittedAt, text: explainStatus('Received') }];
      const ir = svc.informationRequest;
      const waiting = Boolean(ir && instance && instance.state === 'active' && instance.activeElements.some((e) => e.elementId === ir.waitingAt));
      const question = ir?.questionVariable && instance ? instance.variables[ir.questionVariable] : undefined;
      const errors = waiting ? form.errors : [];
      return send(reply, s, `Application ${submission.reference}`, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${renderErrorSummary(errors)}
${form.sent || form.withdrawn ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="sent-title"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="sent-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${form.withdrawn ? 'Your application was withdrawn.' : 'Your information was sent.'}</p></div></div>` : ''}
<span class="govuk-caption-l">${svc.title}</span>
<h1 class="govuk-heading-l">Application ${submission.reference}</h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Status</dt><dd class="govuk-summary-list__value"><strong class="govuk-tag ${TAG_CLASS[status]}" id="status">${status}</strong></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Sent</dt><dd class="govuk-summary-list__value">${formatDate(submission.submittedAt)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Department</dt><dd class="govuk-summary-list__value">${svc.department}</dd></div>
</dl>
<p class="govuk-body">${explainStatus(status)}${status === 'Information needed' && !waiting ? ' We will tell you here what we need.' : ''}</p>
${caseActions(svc, instance, submission.reference, s.csrfToken)}
${instance?.state === 'active' && Object.keys(informationUploadRules(svc)).length > 0 ? uploadForm(svc, submission.reference, s.csrfToken, preloaded?.uploads ?? await listUploads(options.db, submission.reference), null) : ''}
${waiting && ir ? html`<div class="govuk-inset-text" id="information-request">
<h2 class="govuk-heading-m">We need more information</h2>
${typeof question === 'string' && question.trim() !== '' ? html`<p class="govuk-body" id="question">${question}</p>` : ''}
<form method="post" action="/applications/${submission.reference}/information" novalidate>
<input type="hidden" name="csrf" value="${s.csrfToken}">
<input type="hidden" name="token" value="${randomUUID()}">
${renderFormFields(ir.form, form.input, errors)}
<button type="submit" class="govuk-button" data-module="govuk-button">Send information</button>
</form>
</div>` : ''}
${instance && withdrawable(instance, status) ? html`<p class="govuk-body"><a class="govuk-link" href="/applications/${submission.reference}/withdraw">Withdraw your application</a></p>` : ''}
<h2 class="govuk-heading-m">Timeline</h2>
<ol class="govuk-list" id="timeline" reversed>
${[...timeline].reverse().map((e) => html`<li class="govuk-!-margin-bottom-4"><h3 class="govuk-heading-s govuk-!-margin-bottom-1">${e.status}</h3><p class="govuk-body govuk-!-margin-bottom-1">${e.text}</p><p class="govuk-body-s govuk-!-margin-bottom-0"><time datetime="${e.at}">${formatDate(e.at)}</time></p></li>
`)}</ol>
<h2 class="govuk-heading-m">Your answers</h2>
${svc.pages.map((p) => html`<h3 class="govuk-heading-s">${p.title}</h3>
<dl class="govuk-summary-list">
${fields(p.form).map((f) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${f.label}</dt><dd class="govuk-summary-list__value">${displayAnswer(f, submission.answers[f.key])}</dd></div>
`)}</dl>
`)}
</div></div>`, { backLink: '/applications', current: 'applications', status: errors.length > 0 ? 400 : 200, hasErrors: errors.length > 0 });
    }

    server.get<{ Params: { ref: string }; Querystring: { sent?: string; withdrawn?: string } }>('/applications/:ref', async (request, reply) => {
      const s = await session(request, reply);
      if (!requireCitizen(s, request, reply)) return reply;
      const own = REFERENCE.test(request.params.ref) ? await store.getSubmissionWithCase(request.params.ref) : null;
      // Someone else's reference looks exactly like one that does not exist (as in ownSubmission).
      if (!own || own.submission.citizenId !== s.citizenId) throw new PortalHttpError(404, 'Page not found', 'There is no application with this reference in your account.');
      return statusPage(reply, s, own.submission, { input: {}, errors: [], sent: request.query.sent === '1', withdrawn: request.query.withdrawn === '1' }, own);
    });

    // Fee payment pages (src/portal/payment-pages.ts), on this plugin's sessions and ownership checks.
    registerPaymentPages(server, {
      payments: options.payments, session, postSession, requireCitizen: requireCitizen as never, send: send as never,
      ownCase: (async (s: Session, reference: string) => {
        const submission = await ownSubmission(s, reference);
        return { reference: submission.reference, serviceId: submission.serviceId, instance: await instanceOf(submission), service: serviceOr404(submission.serviceId) };
      }) as never,
    });

    // Document uploads (src/portal/uploads.ts): multipart in its own scope; the CSRF token comes in the multipart body.
    registerUploadRoutes(server, {
      db: options.db, session, requireCitizen: requireCitizen as never, send: send as never,
      checkCsrf: (s, given) => s.csrfToken !== '' && typeof given === 'string' && safeEqual(given, s.csrfToken),
      ownCase: (async (s: Session, reference: string) => {
        const submission = await ownSubmission(s, reference);
        return { reference: submission.reference, serviceId: submission.serviceId, service: serviceOr404(submission.serviceId) };
      }) as never,
    });

    // ------------------------------------------------------------------ withdrawal

    const withdrawable = (instance: { state: string }, status: CitizenStatus): boolean =>
      instance.state === 'active' && (status === 'Received' || status === 'In review' || status === 'Information needed');

    function withdrawPage(reply: FastifyReply, s: Session, submission: Submission, input: RawInput, errors: FieldError[]): FastifyReply {
      return send(reply, s, `Withdraw application ${submission.reference}`, html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
${renderErrorSummary(errors)}
<h1 class="govuk-heading-l">Are you sure you want to withdraw application ${submission.reference}?</h1>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> We will stop working on it. You cannot undo this: to go ahead later, you will need to apply again.</strong></div>
<form method="post" action="/applications/${submission.reference}/withdraw" novalidate>
<input type="hidden" name="csrf" value="${s.csrfToken}">
${renderFormFields(WITHDRAW_FORM, input, errors)}
<div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Withdraw application</button>
<a class="govuk-link" href="/applications/${submission.reference}">Cancel</a>
</div>
</form>
</div></div>`, { backLink: `/applications/${submission.reference}`, current: 'applications', status: errors.length > 0 ? 400 : 200, hasErrors: errors.length > 0 });
    }

    server.get<{ Params: { ref: string } }>('/applications/:ref/withdraw', async (request, reply) => {
      const s = await session(request, reply);
      if (!requireCitizen(s, request, reply)) return reply;
      const submission = await ownSubmission(s, request.params.ref);
      const instance = await instanceOf(submission);
      if (!instance || !withdrawable(instance, citizenStatus(serviceOr404(submission.serviceId), instance))) return reply.redirect(`/applications/${submission.reference}`, 303);
      return withdrawPage(reply, s, submission, {}, []);
    });

    server.post<{ Params: { ref: string } }>('/applications/:ref/withdraw', async (request, reply) => {
      const { s, body } = await postSession(request, reply);
      if (!requireCitizen(s, request, reply, `/applications/${request.params.ref}`)) return reply;
      const submission = await ownSubmission(s, request.params.ref);
      const { values, errors } = validateAnswers(WITHDRAW_FORM, body);
      if (errors.length > 0) return withdrawPage(reply, s, submission, body, errors);
      const instance = await instanceOf(submission);
      // Withdrawn already (a double click) or decided meanwhile: the status page tells which.
      if (!instance || !withdrawable(instance, citizenStatus(serviceOr404(submission.serviceId), instance))) return reply.redirect(`/applications/${submission.reference}`, 303);
      const reason = typeof values['reason'] === 'string' ? `withdrawn by the applicant: ${values['reason']}` : 'withdrawn by the applicant';
      try {
        await engine.cancelInstance(instance.id, { actor: `citizen:${submission.citizenId}`, reason });
      } catch (error) {
        if (!(isGovflowError(error) && error.code === 'GOVFLOW_ERR_INSTANCE_NOT_ACTIVE')) throw error;
        return reply.redirect(`/applications/${submission.reference}`, 303);
      }
      return reply.redirect(`/applications/${submission.reference}?withdrawn=1`, 303);
    });

    /** The citizen answers a request for more information: the answer is the message the case waits for. */
    server.post<{ Params: { ref: string } }>('/applications/:ref/information', async (request, reply) => {
      const { s, body } = await postSession(request, reply);
      if (!requireCitizen(s, request, reply, `/applications/${request.params.ref}`)) return reply;
      const submission = await ownSubmission(s, request.params.ref);
      const svc = serviceOr404(submission.serviceId);
      const ir = svc.informationRequest;
      const token = body['token'];
      if (!ir || typeof token !== 'string' || !TOKEN.test(token)) return reply.redirect(`/applications/${submission.reference}`, 303);
      const { values, errors } = validateAnswers(ir.form, body);
      if (errors.length > 0) return statusPage(reply, s, submission, { input: body, errors, sent: false });
      try {
        // The token as message id: a resent form is one answer. Nothing is buffered if the case no longer waits.
        await engine.publishMessage({ name: ir.message, correlationKey: submission.reference, variables: { ...values, ...(await uploadedDocumentsVariable(options.db, svc, submission.reference)) }, timeToLiveMs: 0, messageId: `portal-${token}`, actor: `citizen:${submission.citizenId}` });
      } catch (error) {
        if (!(isGovflowError(error) && error.code === 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED')) throw error;
      }
      return reply.redirect(`/applications/${submission.reference}?sent=1`, 303);
    });

    // Mistyped addresses under the portal's own paths get the friendly page (the API keeps its JSON 404 elsewhere).
    const notFound = async (): Promise<never> => {
      throw new PortalHttpError(404, 'Page not found', 'If you typed the web address, check it is correct.');
    };
    server.get('/services/*', notFound);
    server.get('/applications/*', notFound);
    server.get('/assets/*', notFound);

    server.get('/applications', async (request, reply) => {
      const s = await session(request, reply);
      const citizen = requireCitizen(s, request, reply);
      if (!citizen) return reply;
      const submissions = await store.listSubmissions(citizen);
      const rows: SafeHtml[] = [];
      for (const sub of submissions) {
        const svc = catalogue.get(sub.serviceId);
        const instance = await instanceOf(sub);
        const status = svc && instance ? citizenStatus(svc, instance) : 'Received';
        rows.push(html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/applications/${sub.reference}">${sub.reference}</a></td><td class="govuk-table__cell">${svc?.title ?? sub.serviceId}</td><td class="govuk-table__cell">${formatDate(sub.submittedAt)}</td><td class="govuk-table__cell"><strong class="govuk-tag ${TAG_CLASS[status]}">${status}</strong></td></tr>
`);
      }
      const drafts = await store.listDraftServices(citizen);
      return send(reply, s, 'My applications', html`<h1 class="govuk-heading-l">My applications</h1>
${drafts.length > 0 ? html`<h2 class="govuk-heading-m">Not sent yet</h2><ul class="govuk-list">${drafts.map((serviceId) => {
  const svc = catalogue.get(serviceId);
  return svc ? html`<li><a class="govuk-link" href="/services/${svc.id}/apply">Continue your application: ${svc.title}</a></li>` : '';
})}</ul>` : ''}
${rows.length === 0 ? html`<p class="govuk-body">You have not sent any applications yet. <a class="govuk-link" href="/">See the services you can apply for</a>.</p>` : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">Sent applications</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Reference</th><th scope="col" class="govuk-table__header">Service</th><th scope="col" class="govuk-table__header">Sent</th><th scope="col" class="govuk-table__header">Status</th></tr></thead>
<tbody class="govuk-table__body">
${rows}</tbody>
</table>`}`, { current: 'applications' });
    });

    if (options.privacy) {
      registerDataUsagePages(server, {
        privacy: options.privacy,
        citizen: async (request, reply) => requireCitizen(await session(request, reply), request, reply),
        send: async (request, reply, title, content) => send(reply, await session(request, reply), title, content),
      });
    }
  };
}
