import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { localiseService, offeredIn, processingTimes, type Catalogue, type Service, type ServicePage } from '../catalogue/index.js';
import type { Engine, ProcessInstanceView } from '../engine/index.js';
import type { Identity } from '../identity/index.js';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Payments } from '../payments/index.js';
import type { Privacy } from '../privacy/index.js';
import type { Database } from '../store/index.js';
import { formatDateTime, page, pageNotFound, type HtmlValue, signInAddress } from '../web/index.js';
import { PortalStore, type Submission } from './portal-store.js';
import type { OnSubmitted } from './submission-hooks.js';
import { createCaseStarts } from './case-starts.js';
import { answerInEnglish, currentLanguage, t } from '../i18n/index.js';

/**
 * What every route module of the citizen portal shares (src/portal/*-routes.ts): the options, the store, the page
 * sender in the portal's layout, the signed-in citizen (from `request.principal`, the one session system), the
 * ownership checks and the start of a submission's case.
 */

export interface PortalOptions {
  readonly engine: Engine;
  readonly db: Database;
  readonly catalogue: Catalogue;
  readonly logger?: Logger;
  /** Deploys each service's BPMN file at start (unchanged files are not deployed again). Default true. */
  readonly deployProcesses?: boolean;
  /** Fee payments (issue 5): the status page offers "Pay the fee" when the case waits for one. */
  readonly payments?: Payments;
  /** How long the measured processing time of a service is cached (default 5 minutes). */
  readonly processingTimeCacheMs?: number;
  /**
   * Sign-in from the identity module: citizens' sessions are identity's (`request.principal`, set by its web session
   * plugin, which the API server registers before this plugin); the portal has no session store of its own.
   */
  readonly identity: Pick<Identity, 'pageSession' | 'signInCitizen' | 'signOut'> & Partial<Pick<Identity, 'oidcEnabled'>>;
  /** "Who has seen my data" and the data download at /my-data (src/portal/data-usage-page.ts). */
  readonly privacy?: Pick<Privacy, 'listAccess' | 'exportPersonData'> & { readonly vault?: Pick<Privacy['vault'], 'records'> };
  /**
   * Called once per case, in the transaction that records the started case (the composition root queues the
   * submission e-mail there): if it throws, nothing of that step is kept. The portal itself knows no e-mail.
   */
  readonly onSubmitted?: OnSubmitted;
  /** The demo citizen picker at /sign-in (GOVFLOW_DEMO_SIGN_IN); default on. Production turns it off. */
  readonly demoSignIn?: boolean;
}

export interface SendExtra {
  readonly status?: number;
  readonly backLink?: string;
  readonly hasErrors?: boolean;
  readonly current?: 'home' | 'applications' | 'sign-in' | undefined;
}

export interface PortalContext {
  readonly options: PortalOptions;
  readonly engine: Engine;
  readonly catalogue: Catalogue;
  readonly db: Database;
  readonly store: PortalStore;
  readonly log: Logger;
  /** The measured processing time of a service, as a sentence (cached). */
  readonly measured: (processKey: string) => Promise<string | null>;
  /** A page in the portal's layout, with the signed-in citizen's name and the session's CSRF token. */
  send(request: FastifyRequest, reply: FastifyReply, title: string, content: HtmlValue, extra?: SendExtra): FastifyReply;
  /** The signed-in citizen's id, or null after redirecting to the sign-in page (back to `next` afterwards). */
  citizen(request: FastifyRequest, reply: FastifyReply, next?: string): string | null;
  /** The service in the reader's language (a page that shows it turns to English when it is not offered in it). */
  serviceOr404(id: string): Service;
  /** For a list: the service in the reader's language if offered in it, else the English one. */
  localised(service: Service): Service;
  localisedById(id: string): Service | undefined;
  pageOr404(service: Service, pageId: string): ServicePage;
  /** The signed-in citizen's submission (404 for anyone else's: it looks exactly like one that does not exist). */
  ownSubmission(request: FastifyRequest, reference: string): Promise<Submission>;
  /** The case of a submission, started now if its start failed or died before. */
  instanceOf(submission: Submission): Promise<ProcessInstanceView | null>;
  startCase(submission: Submission): Promise<number | null>;
}

/** Beside the citizen's name in the header: their own data, with who has used it (issue 23). */
const accountLinks = (): readonly { href: string; label: string }[] => [{ href: '/my-data', label: t('nav.myData') }];

export const REFERENCE = /^[A-Z]{1,5}-\d{4}-\d{6,12}$/;
/** The one-time token of a submit or an answer form (a UUID): a resent form is one submission. */
export const TOKEN = /^[0-9a-f-]{36}$/;


/** Times on citizen pages are in the municipality's time zone (GOVFLOW_TIME_ZONE, see src/web/time-zone.ts). */
export const formatDate = (iso: string): string => formatDateTime(iso);

/** Deploys every service's BPMN with its DMN files (one deployment: a business rule task never runs before its table). */
export async function deployServices(engine: Engine, catalogue: Catalogue): Promise<void> {
  for (const service of catalogue.services) {
    const decisions = service.decisions.map((d) => ({ name: path.basename(d.file), content: d.xml }));
    if (service.process.bpmn) await engine.deploy([{ name: path.basename(service.process.bpmnFile ?? `${service.id}.bpmn`), content: service.process.bpmn }, ...decisions], { name: `service ${service.id}`, actor: 'portal' });
  }
}

export function createPortalContext(options: PortalOptions): PortalContext {
  const { engine, catalogue, db } = options;
  const store = new PortalStore(db);
  const log = options.logger ?? createLogger({ name: 'portal' });
  const measured = processingTimes(engine, options.processingTimeCacheMs === undefined ? {} : { ttlMs: options.processingTimeCacheMs });

  const citizenOf = (request: FastifyRequest) => (request.principal?.kind === 'citizen' ? request.principal : null);

  /** The service in the reader's language; one not offered in it turns the page to English (the layout says so). */
  const localised = (service: Service): Service => {
    const language = currentLanguage();
    if (!offeredIn(service, language)) answerInEnglish();
    return localiseService(service, currentLanguage());
  };
  const serviceOr404 = (id: string): Service => {
    const service = catalogue.get(id);
    if (!service) throw pageNotFound();
    return localised(service);
  };
  /** For lists: the service in the reader's language if offered in it, else in English (marked `lang="en"` by the page). */
  const listed = (service: Service): Service => localiseService(service, currentLanguage());
  const localisedById = (id: string): Service | undefined => {
    const service = catalogue.get(id);
    return service ? listed(service) : undefined;
  };

  // The submit request starts the case; a submission left without one is finished by the case-start loop (case-starts.ts), never by a page.
  const startCase = createCaseStarts(options).start;

  return {
    options, engine, catalogue, db, store, log, measured, serviceOr404, startCase, localised: listed, localisedById,
    send(request, reply, title, content, extra = {}) {
      const body = page({ title, content, citizen: citizenOf(request)?.name ?? null, csrfToken: request.csrfToken, app: true, ...(options.privacy ? { accountLinks: accountLinks() } : {}), ...extra });
      return reply.status(extra.status ?? 200).type('text/html; charset=utf-8').send(body.value);
    },
    citizen(request, reply, next = request.url) {
      const citizen = citizenOf(request);
      if (citizen) return citizen.id;
      void reply.redirect(signInAddress('citizen', next), 303);
      return null;
    },
    pageOr404(service, pageId) {
      const p = service.pages.find((x) => x.id === pageId);
      if (!p) throw pageNotFound();
      return p;
    },
    async ownSubmission(request, reference) {
      const submission = REFERENCE.test(reference) ? await store.getSubmission(reference) : null;
      if (!submission || submission.citizenId !== citizenOf(request)?.id) throw pageNotFound(t('error.noApplication'));
      return submission;
    },
    // Pages only read: a submission without a case is "Received" until the case-start loop starts it.
    async instanceOf(submission) {
      return submission.instanceId === null ? null : engine.getInstance(submission.instanceId);
    },
  };
}
