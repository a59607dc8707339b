import { createApiServer, type RegisteredRoute } from '../api/index.js';
import { caseElementEvents, createEngine, deployedSource, latestDecisionVersions, startWorkerLoop, type Engine, type EngineOptions, type WorkerLoop } from '../engine/index.js';
import { createLogger, deploymentMode, GovflowError, isGovflowError, loadConfig, masterKeyRefusal, productionRefusal, resolveMasterKey, type DeploymentMode, type GovflowConfig, type Logger } from '../kernel/index.js';
import { DEFAULT_CATALOGUE_DIR, loadCatalogueWithOverrides, localiseService, serviceCaseSla, slaPauseElements, type LiveCatalogue } from '../catalogue/index.js';
import { createAdminPlugin } from '../admin/index.js';
import { applicantContact, caseDocuments, citizenCaseSummaries, createActionEmailProjector, createCaseStarts, createPortalPlugin, isApplicant, portalPersonalData, type PortalOptions } from '../portal/index.js';
import { createCaseSearchProjector, createSlaEscalationProjector, createWorkbenchPlugin, runConformanceChecks, type SearchService } from '../workbench/index.js';
import { createTrainingPlugin } from '../training/index.js';
import { createDocuments, createDocumentsPlugin, createIssueDecisionHandler, documentRoutes } from '../documents/index.js';
import { activeDemoAccounts, createIdentity, inCaseScope, inDepartment, listDepartments, mayDecide, type Identity, type Principal } from '../identity/index.js';
import { appShellPlugin, configureSite, DEFAULT_TIME_ZONE, errorPageDocument, isPageAddress, SECURITY_HEADERS } from '../web/index.js';
import { ensureCliAdminKey } from './api-client.js';
import { openSealedRecipient, setUpUpdates } from './compose-updates.js';
import { caseEmailValues } from './case-email-values.js';
import { decisionLetters } from './decision-letters.js';
import { setUpRegistryConnector } from '../registries/index.js';
import { createExchange, createExchangePlugin } from '../exchange/index.js';
import { joinDemoPair, type DemoRole } from './demo-exchange.js';
import { createPrivacy, startRetentionLoop, type Privacy } from '../privacy/index.js';
import { createSealer, createWriteGuard, eraseEventData, loadOrCreateSigner } from '../ledger/index.js';
import path from 'node:path';
import { setUpNotifications } from '../notifications/index.js';
import { createPayments, createRecordPaymentScheduleHandler, createTestPaymentProvider, createTestProviderPages, type PaymentProvider } from '../payments/index.js';
import { openDatabaseFromConfig, projectPending, type Database, type Queryable } from '../store/index.js';
import { countProjectDebates, createComplaints, createEngagement, createEngagementPlugin, createParticipation, createParticipationPlugin, OPEN311_SCOPE, startPendingReportsLoop } from '../engagement/index.js';
import { createTransparencyPlugin, createTransparencyProjector, listProjectNames, mayEditProjectsOf, registerProjectsStaffPages, seedDemoProjects, type PublishedService } from '../transparency/index.js';
import type { Catalogue } from '../catalogue/index.js';
import { assistantRoutes, createAssistant, createAssistantPlugin, createPhrasing } from '../assistant/index.js';
import { attachRules, connectToBroker, createSensors, createSensorsPlugin, SENSORS_SCOPE, startEmbeddedBroker, type MqttIngest, type Sensors } from '../sensors/index.js';
import { configureRateLimits, createMetrics, createOversightPlugin, startChangeFeed, startTracing, useRateLimits } from '../operations/index.js';
import { currentLanguage } from '../i18n/index.js';

/** Production without a payment provider configured: a fee cannot be paid online (the citizen is told to try later). */
const NO_PAYMENT_PROVIDER: PaymentProvider = {
  name: 'none',
  create: () => Promise.reject(new Error('no payment provider is configured (GOVFLOW_PAYMENT_PROVIDER)')),
  status: () => Promise.reject(new Error('no payment provider is configured')),
  refund: () => Promise.reject(new Error('no payment provider is configured')),
};

/** The catalogue's services as the transparency figures publish them (read on every projector round and refresh). */
export function publishedServices(catalogue: Catalogue): PublishedService[] {
  return catalogue.services.map((s) => ({
    id: s.id, title: s.title, processKey: s.process.key, department: s.department,
    translations: Object.fromEntries(Object.entries(s.translations ?? {}).map(([language, said]) => [language, { title: said['title'], department: said['department'] }])),
    // The dashboard's deadline from the one SLA clock, over the case's waits for the applicant read in the projector's transaction.
    ...(s.sla?.case ? { sla: s.sla.case, slaPausesAt: slaPauseElements(s), slaDeadline: async (tx: Queryable, id: number, receivedAt: string, at: string) => serviceCaseSla(s, receivedAt, await caseElementEvents(tx, id, slaPauseElements(s)), new Date(at))?.dueAt ?? null } : {}),
  }));
}

/** Where each catalogued service's cases wait for the applicant: an answer or a payment (the case search's states). */
export function searchServices(catalogue: Catalogue): SearchService[] {
  return catalogue.services.map((s) => ({ processKey: s.process.key, waitingForApplicant: s.informationRequest?.waitingAt ? [s.informationRequest.waitingAt] : [], waitingForPayment: s.payment?.waitingAt ? [s.payment.waitingAt] : [] }));
}

/** The composition root: the one place that wires the modules together for a running govflow process. */
export interface Govflow {
  readonly config: GovflowConfig;
  readonly db: Database;
  readonly engine: Engine;
  readonly logger: Logger;
  close(): Promise<void>;
}

export async function openGovflow(options: { config?: GovflowConfig; engine?: EngineOptions } = {}): Promise<Govflow> {
  const config = options.config ?? loadConfig();
  const logger = createLogger();
  const db = await openDatabaseFromConfig(config);
  const engine = createEngine(db, { logger, ...options.engine });
  return { config, db, engine, logger, close: () => db.close() };
}

/**
 * Demo or production (issue 13): production refuses to start with any demo setting on, or with the demo staff
 * accounts still active in its database, naming what to change (docs/security.md, docs/operations.md).
 */
async function checkMode(govflow: Govflow, mode: DeploymentMode): Promise<void> {
  const refusal = productionRefusal(mode) ?? masterKeyRefusal(govflow.config, mode.production);
  if (refusal) throw new GovflowError('GOVFLOW_ERR_CONFIG', refusal);
  if (!mode.production) return;
  const demoStaff = await activeDemoAccounts(govflow.db);
  if (demoStaff.length > 0) {
    throw new GovflowError('GOVFLOW_ERR_CONFIG', `production mode refuses to start while the demo staff accounts (${demoStaff.join(', ')}) are active in the database: run npx govflow admin disable-demo`);
  }
}

/**
 * The ledger (issue 6): every process runs a sealer (safe concurrently: sealing takes turns on the state row) and
 * publishes signed tree heads at an interval; health and the optional write guard judge its lag. See docs/ledger.md.
 */
async function createLedgerSealer(govflow: Govflow): Promise<{ sealer: ReturnType<typeof createSealer>; ledgerLimitsSet: { maxUnsealed?: number; maxLagSeconds?: number } }> {
  const envNumber = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
  const ledgerLimits = { maxUnsealed: envNumber('GOVFLOW_LEDGER_MAX_LAG_EVENTS'), maxLagSeconds: envNumber('GOVFLOW_LEDGER_MAX_LAG_SECONDS') };
  const ledgerLimitsSet = Object.fromEntries(Object.entries(ledgerLimits).filter(([, v]) => v !== undefined)) as { maxUnsealed?: number; maxLagSeconds?: number };
  const sealer = createSealer(govflow.db, {
    logger: govflow.logger, headIntervalMs: envNumber('GOVFLOW_LEDGER_TREE_HEAD_INTERVAL_MS') ?? 60_000,
    signer: await loadOrCreateSigner(process.env['GOVFLOW_LEDGER_KEY_FILE'] || path.join(govflow.config.dataDir, 'ledger-signing-key.pem')),
  });
  return { sealer, ledgerLimitsSet };
}

/** The submission e-mail, queued in the transaction that records the started case (a failed start sends nothing). */
function submissionEmail(govflow: Govflow, notifications: () => Awaited<ReturnType<typeof setUpNotifications>> | undefined): NonNullable<PortalOptions['onSubmitted']> {
  return async (tx, submitted) => {
    const contact = applicantContact(submitted.answers);
    const outbox = notifications();
    if (!outbox || !contact.email) return;
    try {
      await outbox.enqueue(tx, { template: 'submission-received', to: contact.email, instanceId: submitted.instanceId, idempotencyKey: `submit:${submitted.reference}`,
        values: { applicantName: contact.name ?? 'applicant', reference: submitted.reference, serviceName: submitted.serviceTitle, serviceId: submitted.serviceId, date: submitted.submittedAt.slice(0, 10), ...(submitted.language ? { language: submitted.language } : {}) } });
    } catch (error) {
      // An address the outbox cannot send to must not stop the case: it is checked before anything is written.
      if (!(isGovflowError(error) && error.code === 'GOVFLOW_ERR_NOTIFICATION_INPUT')) throw error;
      govflow.logger.warn({ reference: submitted.reference, err: error.message }, 'no submission e-mail: the address cannot be used');
    }
  };
}

/** Identity's options (issue 6): sessions, staff sign-in, and the OpenID Connect providers named in the environment. */
function identityOptions(govflow: Govflow, demo: boolean): Parameters<typeof createIdentity>[0] {
  return {
    db: govflow.db, masterKey: resolveMasterKey(govflow.config), logger: govflow.logger, demo,
    secureCookies: govflow.config.publicUrl?.startsWith('https:') ?? false,
    ...(govflow.config.publicUrl ? { publicUrl: govflow.config.publicUrl } : {}),
    // Citizens' national eID (any OpenID Connect provider); without it the portal's demo sign-in is used.
    ...(process.env['GOVFLOW_OIDC_ISSUER'] ? { oidc: {
      issuer: process.env['GOVFLOW_OIDC_ISSUER'], clientId: process.env['GOVFLOW_OIDC_CLIENT_ID'] ?? '', clientSecret: process.env['GOVFLOW_OIDC_CLIENT_SECRET'] ?? '',
      publicUrl: publicUrlOf(govflow.config),
      ...(process.env['GOVFLOW_OIDC_SCOPE'] ? { scope: process.env['GOVFLOW_OIDC_SCOPE'] } : {}),
      ...(process.env['GOVFLOW_OIDC_NATIONAL_ID_CLAIM'] ? { nationalIdClaim: process.env['GOVFLOW_OIDC_NATIONAL_ID_CLAIM'] } : {}),
    } } : {}),
    // Staff through their agency's OpenID Connect provider (docs/identity.md); password + TOTP stays available.
    ...(process.env['GOVFLOW_STAFF_OIDC_ISSUER'] ? { staffOidc: {
      issuer: process.env['GOVFLOW_STAFF_OIDC_ISSUER'], clientId: process.env['GOVFLOW_STAFF_OIDC_CLIENT_ID'] ?? '', clientSecret: process.env['GOVFLOW_STAFF_OIDC_CLIENT_SECRET'] ?? '',
      publicUrl: publicUrlOf(govflow.config),
      ...(process.env['GOVFLOW_STAFF_OIDC_SCOPE'] ? { scope: process.env['GOVFLOW_STAFF_OIDC_SCOPE'] } : {}),
    } } : {}),
  };
}

/**
 * `background: false` starts no background work (sealer, worker loop, e-mail sender, retention, case starts): for
 * tests that compare the database before and after a request, so that only the request can have changed it.
 */
export async function startServer(govflow: Govflow, options: { demo?: boolean; mode?: DeploymentMode; rateLimits?: string; background?: boolean; exchange?: { member?: string; tls?: boolean; port?: number; pair?: { directory: string; role: DemoRole; everyMs?: number } }; servicesDir?: string } = {}): Promise<{ url: string; worker: WorkerLoop; identity: Identity; routes: readonly RegisteredRoute[]; stop(): Promise<void> }> {
  const mode = options.mode ?? deploymentMode(process.env, { noDemo: options.demo === false });
  await checkMode(govflow, mode);
  configureSite({ demo: !mode.production, timeZone: process.env['GOVFLOW_TIME_ZONE'] ?? DEFAULT_TIME_ZONE, ...(mode.production ? { name: process.env['GOVFLOW_AGENCY_NAME'] ?? 'govflow' } : {}) });
  // Identity (issue 6): sessions, staff sign-in (password + TOTP or passkey), API keys; the demo organisation in the demo.
  const demo = mode.demoAccounts;
  const background = options.background ?? true;
  const registered: RegisteredRoute[] = [];
  const servicesDir = options.servicesDir ?? process.env['GOVFLOW_SERVICES_DIR'] ?? DEFAULT_CATALOGUE_DIR;
  const identity = createIdentity(identityOptions(govflow, demo));
  if (demo) await identity.seedDemo();
  // The demo municipality's public projects (issue 17), created once.
  if (demo) await seedDemoProjects(govflow.db);
  // The CLI on this machine talks to the API with an admin key kept in the data directory (GOVFLOW_API_KEY overrides).
  if (demo && govflow.db.backend === 'pglite') await ensureCliAdminKey(identity, govflow.config.dataDir);
  // Personal-data protection (issue 6): access log of reads, findUsage, my-data, identifier vault.
  const privacy = createPrivacy({ db: govflow.db, masterKey: resolveMasterKey(govflow.config), holders: [portalPersonalData] });
  // The citizen portal (issue 5): the service catalogue in services/ (GOVFLOW_SERVICES_DIR), pages at /.
  // Admins' edits (issue 5, src/admin/) are stored versions laid over the files; portal and workbench read the merge.
  // Several processes on one database (docs/operations.md): an admin's catalogue edit in any process reaches this one
  // through LISTEN/NOTIFY; portal, workbench and admin all hold the catalogue the change feed hands out.
  const changeFeed = await startChangeFeed({ db: govflow.db, catalogue: await loadCatalogueWithOverrides(govflow.db, servicesDir), logger: govflow.logger });
  const catalogue = changeFeed.catalogue;
  // Fee payments (issue 5): the built-in test provider (a hosted page at /payments/test/:id); a successful payment
  // publishes payment-received to the case, message id = payment id so a replayed confirmation is one payment.
  const payments = createPayments({
    db: govflow.db, provider: mode.testPayments ? createTestPaymentProvider({ db: govflow.db }) : NO_PAYMENT_PROVIDER,
    onPaymentReceived: async (p) => {
      await govflow.engine.publishMessage({ name: 'payment-received', correlationKey: p.reference, messageId: p.paymentId, variables: { paymentId: p.paymentId }, actor: p.actor });
    },
  });
  const portalOptions: PortalOptions = {
    engine: govflow.engine, db: govflow.db, catalogue, logger: govflow.logger, identity, privacy, payments,
    onSubmitted: submissionEmail(govflow, () => notifications),
    demoSignIn: mode.demoSignIn,
  };
  const portal = createPortalPlugin(portalOptions);
  // A submission whose case did not start (a failed start, a process that died) is started here, never by a page.
  const caseStarts = background ? createCaseStarts(portalOptions).startLoop() : undefined;
  const { documents, documentsPlugin } = setUpDocuments(govflow, { catalogue, identity, privacy });
  const { engagement, complaints, engagementPlugin, participation, participationPlugin } = setUpEngagement(govflow, { catalogue, identity, privacy });
  // The cases that did not start are started here: problem reports', proposals' answers past their threshold, complaints'.
  const pendingReports = background ? startPendingReportsLoop({ ...engagement, startPending: async (n) => (await engagement.startPending(n)) + (await participation.startPending(n)) }) : undefined;
  const updates = setUpUpdates({ db: govflow.db, engagement, catalogue, identity, privacy, agencyName: agency().name, logger: govflow.logger, notifications: () => notifications });
  const pendingComplaints = background ? startPendingReportsLoop(complaints) : undefined;
  const assistant = setUpAssistant(govflow, { catalogue, privacy, identity });
  const { sealer, ledgerLimitsSet } = await createLedgerSealer(govflow);
  const sensors = setUpSensors(govflow, identity);
  // Exchange between agencies (issue 25): X-Road REST on its own mutual-TLS listener when this govflow is a member.
  // The demo is a member of a demo X-Road instance unless GOVFLOW_EXCHANGE=off; production only with GOVFLOW_EXCHANGE_MEMBER.
  const exchangeMember = options.exchange?.member ?? process.env['GOVFLOW_EXCHANGE_MEMBER'] ?? (demo && process.env['GOVFLOW_EXCHANGE'] !== 'off' ? `DEMO/GOV/${encodeURIComponent(agency().code)}/govflow` : undefined);
  const exchange = exchangeMember ? await createExchange({ db: govflow.db, engine: govflow.engine, masterKey: resolveMasterKey(govflow.config), member: exchangeMember, tls: options.exchange?.tls ?? process.env['GOVFLOW_EXCHANGE_TLS'] !== 'off', host: govflow.config.host, privacy, logger: govflow.logger, ...exchangePort(options.exchange?.port) }) : undefined;
  if (background) sealer.start();
  // Observability (docs/operations.md): Prometheus metrics at /metrics, OpenTelemetry traces when a collector is set.
  const tracing = await startTracing(process.env, govflow.logger);
  const metrics = createMetrics({ db: govflow.db, engine: govflow.engine, logger: govflow.logger, authenticate: identity.authenticate, ...(process.env['GOVFLOW_METRICS_TOKEN'] ? { token: process.env['GOVFLOW_METRICS_TOKEN'] } : {}) });
  metrics.instrumentEngine(govflow.engine, tracing?.stepObserver);
  // Rate limits for the whole server from one table (counters in the database, shared by every process).
  const rateLimits = configureRateLimits(options.rateLimits ?? process.env['GOVFLOW_RATE_LIMITS']);
  const ledgerGuard = createWriteGuard(govflow.db, { ...ledgerLimitsSet, refuseWrites: process.env['GOVFLOW_LEDGER_REFUSE_WRITES_WHEN_BEHIND'] === 'true' });
  const { server } = await createApiServer({
    ledger: { publishNow: () => sealer.publishNow(), limits: ledgerLimitsSet, guard: ledgerGuard },
    instruments: [...(tracing ? [tracing.instrumentServer] : []), metrics.instrumentServer, (server) => useRateLimits(server, { db: govflow.db, rules: rateLimits, logger: govflow.logger })],
    engine: govflow.engine, db: govflow.db, logger: govflow.logger, plugins: [identity.plugin, portal, appShellPlugin, createWorkbenchPlugin({ engine: govflow.engine, catalogue, privacy, caseDocuments: caseDocuments(govflow.db), decisions: { status: (code) => documents.status(code), revoke: (code, reason, actor) => documents.revokeDecision(code, reason, actor) }, logger: govflow.logger }), createTrainingPlugin({ db: govflow.db, catalogue, logger: govflow.logger, ...(govflow.config.pgliteSnapshotDir ? { migratedSnapshotDir: govflow.config.pgliteSnapshotDir } : {}) }), createAdminPlugin({ engine: govflow.engine, db: govflow.db, catalogue, identity, masterKey: resolveMasterKey(govflow.config), logger: govflow.logger }), documentsPlugin, transparencyPages(govflow, catalogue), registerProjectsStaffPages({ db: govflow.db, departments: () => listDepartments(govflow.db), logger: govflow.logger }), ...(mode.testPayments ? [createTestProviderPages({ db: govflow.db })] : []), metrics.plugin, engagementPlugin, participationPlugin, updates.plugin, assistant.plugin, sensors.plugin, ...(exchange ? [createExchangePlugin(exchange, govflow.logger, identity.authenticate)] : []), createOversightPlugin({ engine: govflow.engine, db: govflow.db, identity, logger: govflow.logger })], extraRoutes: [...documentRoutes(documents, { mayRevoke: mayRevokeIn(govflow.engine) }), ...assistant.routes],
    authenticate: identity.authenticate,
    htmlErrors: { isPage: isPageAddress, document: errorPageDocument, headers: SECURITY_HEADERS },
    // One session system for every page, and the one CSRF hook of every state-changing route (src/identity/web-session.ts).
    webSession: identity,
    serviceOfProcess: (key) => catalogue.services.find((service) => service.process.key === key)?.id,
    departmentOfProcess: (key) => catalogue.services.find((service) => service.process.key === key)?.department,
    processKeysOf: (services) => catalogue.services.filter((service) => services.includes(service.id)).map((service) => service.process.key),
    onRoute: (r) => registered.push(r),
    trustProxy: mode.trustProxy,
    privacy: Object.assign(privacy, { routeOptions: { agencyCode: agency().code, agencyName: agency().name } }),
    ...(govflow.config.publicUrl ? { publicUrl: govflow.config.publicUrl } : {}),
  });
  // Other agencies' registries (issue 5): the agency simulator is spawned unless GOVFLOW_REGISTRY_URL is set.
  const registries = await setUpRegistryConnector({
    db: govflow.db, engine: govflow.engine, masterKey: resolveMasterKey(govflow.config), logger: govflow.logger,
    privacy,
  });
  // Notifications (issue 5): outbox + sender; log-only unless GOVFLOW_SMTP_URL is set.
  const notifications = await setUpNotifications({
    db: govflow.db, logger: govflow.logger, agencyName: agency().name,
    publicUrl: publicUrlOf(govflow.config),
    onAttempt: (outcome) => metrics.countNotificationAttempt(outcome),
    openRecipient: openSealedRecipient(privacy),
    localise: caseEmailValues(() => catalogue),
  });
  const sender = background ? notifications?.start() : undefined;
  const mqttIngest = background ? await startMqtt(govflow, sensors.sensors, identity) : undefined;
  // Retention (issue 6): erases personal data of ended cases past their service's retention.personalData period.
  const retention = background ? startRetentionLoop({ db: govflow.db, vault: privacy.vault, holders: privacy.holders, eraseEventData, servicesDir, logger: govflow.logger }) : undefined;
  const worker: WorkerLoop = !background ? { stop: async () => {}, poll: async () => {} } : startWorkerLoop(govflow.engine, { logger: govflow.logger,
    // The read models follow the log live (exactly once, any number of processes: store/projector.ts).
    tasks: [() => projectPending(govflow.db, createTransparencyProjector(publishedServices(catalogue))), () => assistant.assistant.eraseExpired(),
      // The managers' daily conformance check (issue 20): once per day and service, on the engine's clock.
      () => runConformanceChecks({ db: govflow.db, engine: govflow.engine, services: catalogue.services, now: govflow.engine.clock.now() }).then((made) => made.length),
      // The SLA escalation timers follow the one SLA clock (pauses move them): workbench/sla-escalation.ts.
      () => projectPending(govflow.db, createSlaEscalationProjector(() => catalogue)),
      () => projectPending(govflow.db, createCaseSearchProjector({ services: () => searchServices(catalogue), tokens: (kind, text) => privacy.vault.searchTokens(kind, text) })),
      ...(notifications ? [() => projectPending(govflow.db, createActionEmailProjector({ catalogue, engine: govflow.engine, enqueue: (tx, input) => notifications.enqueue(tx, input), logger: govflow.logger }))] : [])],
    handlers: {
    'issue-decision': createIssueDecisionHandler(documents, { letter: decisionLetters(catalogue, (id) => govflow.engine.getEvents(id)), nationalIdOf: async (job) => {
      const subject = await privacy.subjectOfInstance(job.instanceId);
      return subject ? privacy.vault.getIdentifier(subject, 'national-id', { actor: 'system:issue-decision', purpose: 'signed decision', receiverSystem: 'govflow-documents', reference: `case:${job.instanceId}` }) : null;
    } }),
    'record-payment-schedule': createRecordPaymentScheduleHandler({ db: govflow.db }),
    ...(registries.handler ? { 'registry-lookup': metrics.timeRegistryLookups(registries.handler) } : {}),
    ...(notifications ? { 'notify-applicant': notifications.handler() } : {}),
    ...(exchange ? { 'exchange-call': exchange.handler() } : {}),
  } });
  const address = await server.listen({ host: govflow.config.host, port: govflow.config.port });
  // The demo pair (src/cli/demo-exchange.ts): the city and the fire service find and trust each other; after the
  // portal deployed the catalogue's processes, so the city's building permit that asks the fire service is the latest.
  const demoPair = exchange && options.exchange?.pair ? await joinDemoPair({ ...options.exchange.pair, exchange, engine: govflow.engine, logger: govflow.logger }) : undefined;
  return {
    url: address,
    worker,
    identity,
    routes: registered,
    async stop() {
      // Every part stops even when one fails (its database already gone, as after a crash): none keeps a port or a timer.
      await stopAll([() => server.close(), () => mqttIngest?.stop(), () => worker.stop(), () => ledgerGuard.stop(), () => sealer.stop(), () => sender?.stop(),
        () => retention?.stop(), () => caseStarts?.stop(), () => pendingReports?.stop(), () => pendingComplaints?.stop(), () => registries.stop(), () => demoPair?.stop(),
        () => exchange?.stop(), () => changeFeed.stop(), () => tracing?.shutdown()]);
    },
  };
}

/**
 * Signed decisions (issue 6): the issue-decision job, /verify pages, JWKS, downloads. Who may download: the case's
 * applicant (portal_submission), staff whose departments work the case (as the workbench decides who may open it),
 * admins and auditors everywhere; agency systems read decisions through the API.
 */
function setUpDocuments(govflow: Govflow, parts: { catalogue: LiveCatalogue; identity: Identity; privacy: Privacy }) {
  const { catalogue, identity, privacy } = parts;
  const documents = createDocuments({
    db: govflow.db, engine: govflow.engine, masterKey: resolveMasterKey(govflow.config), logger: govflow.logger,
    publicUrl: publicUrlOf(govflow.config),
    issuer: { agency: agency().code, name: agency().name },
  });
  const documentsPlugin = createDocumentsPlugin({
    documents, authenticate: identity.authenticate,
    serviceName: (id) => catalogue.get(id)?.letter?.serviceName ?? catalogue.get(id)?.title,
    // The applicant of the case (portal_submission), and staff whose departments work the case (as the workbench
    // decides who may open it); admins and auditors everywhere. Agency systems read decisions through the API.
    canDownload: async (principal, reference) => {
      const p = principal as Principal;
      if (p.kind === 'citizen') return isApplicant(govflow.db, p.id, reference);
      if (p.kind !== 'staff') return false;
      const instance = await caseOfReference(govflow.engine, reference);
      if (!instance) return false;
      return inCaseScope(p, await govflow.engine.caseCandidateGroups(instance.id));
    },
    // Staff downloads are reads of the person's data (the citizen downloading their own decision is not).
    onDownload: async (principal, reference, what) => {
      const p = principal as Principal;
      if (p.kind !== 'staff') return;
      const instance = await caseOfReference(govflow.engine, reference);
      if (!instance) return;
      await privacy.recordInstanceAccess(instance.id, {
        actor: `staff:${p.id}`, receiverCode: agency().code, receiverName: agency().name,
        receiverSystem: 'govflow-documents', action: 'decision.downloaded', dataCategories: ['decision'], purpose: p.roles.length === 1 && p.roles[0] === 'auditor' ? 'audit' : 'case handling', reference: what,
      });
    },
  });
  return { documents, documentsPlugin };
}

/**
 * Citizen engagement (issue 18): problem reports from /report-a-problem and Open311 clients, each a problem-report
 * case (services/problem-report: its SLA). Open311 posts need an API key carrying the open311 scope.
 */
function setUpEngagement(govflow: Govflow, parts: { catalogue: LiveCatalogue; identity: Identity; privacy: Privacy }) {
  const { catalogue, identity, privacy } = parts;
  const publicUrl = publicUrlOf(govflow.config);
  const engagement = createEngagement({
    db: govflow.db, engine: govflow.engine, publicUrl, logger: govflow.logger,
    caseSla: catalogue.get('problem-report')?.sla?.case ?? null,
    jurisdictions: (process.env['GOVFLOW_OPEN311_JURISDICTIONS'] ?? agency().code).split(',').map((j) => j.trim()).filter((j) => j !== ''),
  });
  // Complaints and feedback are about the portal's cases and the catalogue's services: resolved here, where both are known.
  const complaints = createComplaints({
    db: govflow.db, engine: govflow.engine, logger: govflow.logger, sla: catalogue.get('complaint')?.sla?.case ?? null,
    sealContact: (tx, subject, value) => privacy.vault.records.seal(tx, { subject, kind: 'complaint-contact', value }),
    subjects: {
      async caseOf(citizenId, reference) {
        if (!(await isApplicant(govflow.db, citizenId, reference))) return null;
        const instance = await caseOfReference(govflow.engine, reference);
        if (!instance) return null;
        const groups = await govflow.engine.caseCandidateGroups(instance.id);
        const department = groups.find((g) => !g.includes('/') && !g.startsWith('=')) ?? 'intake';
        // Decided once a decision was issued (its code), or the case ended.
        const view = await govflow.engine.getInstance(instance.id);
        return { department, decided: view.state !== 'active' || typeof view.variables['decisionCode'] === 'string' };
      },
      // The catalogue names a service's department for people; a name identity does not know goes to intake. The
      // title is the reader's (the complaint form lists them).
      async services() {
        const titleIn = (id: string, title: string): string => { const svc = catalogue.get(id); return svc ? localiseService(svc, currentLanguage()).title : title; };
        const departments = await listDepartments(govflow.db);
        return publishedServices(catalogue).filter((s) => s.id !== 'complaint')
          .map((s) => ({ id: s.id, title: titleIn(s.id, s.title), department: departments.find((d) => d.name.toLowerCase() === s.department.toLowerCase())?.id ?? 'intake' }));
      },
    },
  });
  const engagementPlugin = createEngagementPlugin({
    engagement, engine: govflow.engine, logger: govflow.logger, complaints,
    checkKey: async (key) => {
      const principal = await identity.principalForApiKey(key);
      return principal && principal.kind === 'agency-system' && hasOpen311Scope(principal) ? { clientId: principal.id } : null;
    },
  });
  // Proposals, supports and debates (issue 18): a proposal with GOVFLOW_PROPOSAL_THRESHOLD supports (default 25)
  // starts a proposal-answer case; its answer task's SLA is the "must answer by" date on the public page.
  const participation = createParticipation({
    db: govflow.db, engine: govflow.engine, logger: govflow.logger,
    threshold: process.env['GOVFLOW_PROPOSAL_THRESHOLD'] ? Number(process.env['GOVFLOW_PROPOSAL_THRESHOLD']) : 25,
    answerSla: catalogue.get('proposal-answer')?.sla?.tasks['answer'] ?? null,
  });
  // Debates about projects (issue 18): transparency's project timelines, read through its index; its rule for who
  // edits a department's projects is also who opens an official debate on one.
  const participationPlugin = createParticipationPlugin({ participation, logger: govflow.logger, projects: { list: () => listProjectNames(govflow.db), mayOpen: mayEditProjectsOf } });
  return { engagement, complaints, engagementPlugin, participation, participationPlugin };
}

/**
 * The deployed DMN of a decision, kept per version: each call reads only the latest version number and reads the
 * DMN again only when a new version was deployed (by any process), instead of its whole text per reply. Replies
 * asking at the same moment share one version check, of all the decisions they ask about: it starts after every
 * one of them asked (at the next turn of the event loop, or once the check under way has ended), so no reply reads
 * a version older than its own request, and a busy server checks once per batch of replies, not once per reply.
 */
function deployedDecisions(db: Database): (decisionId: string) => Promise<string | null> {
  const kept = new Map<string, { version: number; xml: string }>();
  let asking: { keys: Set<string>; versions: Promise<Map<string, number>> } | null = null;
  let checking: Promise<unknown> = Promise.resolve();
  const latestVersion = (key: string): Promise<number | null> => {
    if (!asking) {
      const keys = new Set<string>();
      const versions = checking.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => {
        asking = null; // who asks from now on waits for the next check
        return latestDecisionVersions(db, [...keys]);
      });
      asking = { keys, versions };
      checking = versions.catch(() => undefined);
    }
    asking.keys.add(key);
    return asking.versions.then((found) => found.get(key) ?? null);
  };
  return async (decisionId) => {
    const version = await latestVersion(decisionId);
    if (version === null) return null;
    const cached = kept.get(decisionId);
    if (cached?.version === version) return cached.xml;
    const source = await deployedSource(db, 'decision', decisionId, version);
    if (source) kept.set(decisionId, { version, xml: source.xml });
    return source?.xml ?? null;
  };
}

/**
 * The assistant (issue 19): the published catalogue, the deployed decisions, the citizen's cases as their status
 * pages state them, enquiries routed to the department of the service talked about; texts sealed in the vault.
 */
function setUpAssistant(govflow: Govflow, parts: { catalogue: LiveCatalogue; privacy: Privacy; identity: Identity }) {
  const { catalogue, privacy, identity } = parts;
  const assistant = createAssistant({
    db: govflow.db, engine: govflow.engine, logger: govflow.logger,
    catalogue: () => catalogue.services,
    deployedDecision: deployedDecisions(govflow.db),
    ownCases: (citizenId) => citizenCaseSummaries({ db: govflow.db, engine: govflow.engine, catalogue }, citizenId),
    departmentOf: async (serviceId) => {
      const name = serviceId ? catalogue.get(serviceId)?.department : undefined;
      // "Planning and Building Control" is answered by the department named "Planning" (or with the id planning).
      const words = name?.toLowerCase().split(/[^a-z0-9]+/) ?? [];
      const departments = name ? await listDepartments(govflow.db) : [];
      return departments.find((d) => d.name.toLowerCase() === name?.toLowerCase())?.id ?? departments.find((d) => words.includes(d.id) || words.includes(d.name.toLowerCase()))?.id ?? 'intake';
    },
    vault: {
      sealingStatement: (records, firstParam) => privacy.vault.records.sealingStatement(records, firstParam),
      staleKey: (error) => privacy.vault.records.staleKey(error),
      reveal: (tx, value, reader) => privacy.vault.records.revealIn(tx, value, reader),
      eraseOf: (tx, subject) => privacy.vault.records.eraseOf(tx, subject),
    },
    phrase: createPhrasing(process.env['GOVFLOW_ASSISTANT_LLM_URL'], { ...(process.env['GOVFLOW_ASSISTANT_LLM_MODEL'] ? { model: process.env['GOVFLOW_ASSISTANT_LLM_MODEL'] } : {}) }),
    ...(process.env['GOVFLOW_ASSISTANT_RETENTION_DAYS'] ? { retentionDays: Number(process.env['GOVFLOW_ASSISTANT_RETENTION_DAYS']) } : {}),
  });
  return { assistant, plugin: createAssistantPlugin({ assistant, db: govflow.db, logger: govflow.logger, ensureSession: async (request, reply) => (await identity.pageSession(request, reply, { create: true })).csrfToken }), routes: assistantRoutes(assistant) };
}

/**
 * Revocation through the API is scoped to the caller's departments (issue 13): a manager revokes decisions of cases
 * their department works; admins operate the platform everywhere.
 */
function mayRevokeIn(engine: Engine) {
  return async (principal: unknown, reference: string): Promise<boolean> => {
    const p = principal as Principal | null;
    if (p?.kind !== 'staff') return false;
    if (p.roles.includes('admin')) return true;
    const instance = await caseOfReference(engine, reference);
    if (instance === undefined) return false;
    const groups = await engine.caseCandidateGroups(instance.id);
    // The workbench's rule (a manager of a department the case belongs to): a caseworker of that department who
    // manages another one may not revoke through the API what the case page would not let them revoke.
    if (p.apiKey) return mayDecide(p, groups);
    return groups.some((group) => inDepartment(p, group.split('/')[0]!, 'manager'));
  };
}

/**
 * Smart-city sensors (issue 22): the NGSI-LD API at /ngsi-ld/v1, and the rules that open cases. Devices and brokers store readings with an API key of
 * the `sensors` scope; staff and such keys read them.
 */
function setUpSensors(govflow: Govflow, identity: Identity): { sensors: Sensors; plugin: ReturnType<typeof createSensorsPlugin> } {
  const sensors = createSensors({ db: govflow.db, logger: govflow.logger });
  // The sensor rules (examples/sensor-rules.dmn) open and close sensor-alarm cases after each stored batch.
  attachRules(sensors, { engine: govflow.engine, logger: govflow.logger });
  const plugin = createSensorsPlugin({ sensors, logger: govflow.logger, authorise: async (request, access) => {
    const principal = await identity.authenticate(request);
    if (principal?.kind === 'agency-system') return principal.scopes?.includes(SENSORS_SCOPE) ?? false;
    return access === 'read' && principal?.kind === 'staff';
  } });
  return { sensors, plugin };
}

/**
 * MQTT ingestion (issue 22): a subscription to the city's broker when GOVFLOW_MQTT_URL is set, else the embedded
 * broker when GOVFLOW_MQTT_PORT is set (devices sign in with an API key of the sensors scope as password).
 */
async function startMqtt(govflow: Govflow, sensors: Sensors, identity: Identity): Promise<MqttIngest | undefined> {
  const url = process.env['GOVFLOW_MQTT_URL'];
  if (url) return connectToBroker({ sensors, url, logger: govflow.logger, ...(process.env['GOVFLOW_MQTT_CLIENT_ID'] ? { clientId: process.env['GOVFLOW_MQTT_CLIENT_ID'] } : {}) });
  const port = process.env['GOVFLOW_MQTT_PORT'];
  if (port === undefined || port === '') return undefined;
  const broker = await startEmbeddedBroker({ sensors, port: Number(port), host: process.env['GOVFLOW_MQTT_HOST'] ?? govflow.config.host, logger: govflow.logger,
    checkKey: async (key) => {
      const principal = key.length <= 200 ? await identity.principalForApiKey(key) : null;
      return principal?.kind === 'agency-system' && (principal.scopes?.includes(SENSORS_SCOPE) ?? false);
    } });
  govflow.logger.info({ url: broker.url }, 'embedded MQTT broker listening');
  return broker;
}

/** Public performance figures and open data (issue 17): `/performance`, `/open-data`, the CKAN-compatible read API. */
function transparencyPages(govflow: Govflow, catalogue: LiveCatalogue) {
  return createTransparencyPlugin({
    db: govflow.db, services: () => publishedServices(catalogue),
    threshold: process.env['GOVFLOW_TRANSPARENCY_THRESHOLD'] ? Number(process.env['GOVFLOW_TRANSPARENCY_THRESHOLD']) : 5,
    ...(govflow.config.publicUrl ? { publicUrl: govflow.config.publicUrl } : {}),
    publisher: { id: agency().code, name: agency().name, email: process.env['GOVFLOW_OPEN_DATA_EMAIL'] ?? 'open-data@example.org', homepage: govflow.config.publicUrl ?? 'https://example.org' },
    ...(process.env['GOVFLOW_OCDS_PREFIX'] ? { ocidPrefix: process.env['GOVFLOW_OCDS_PREFIX'] } : {}),
    // The project page links to engagement's debates about it (the two services meet only here).
    debatesAbout: async (slug) => ({ href: `/debates/projects/${slug}`, count: await countProjectDebates(govflow.db, slug) }),
    departmentNames: async () => new Map((await listDepartments(govflow.db)).map((d) => [d.id, d.name])),
  });
}

/**
 * An API key may post to Open311 when it carries the `open311` scope (`govflow apikey create --scope open311`). A
 * key issued before scopes existed (no scopes) counts when its services list `open311`, so older keys keep working.
 */
function hasOpen311Scope(principal: Principal): boolean {
  if (principal.kind !== 'agency-system') return false;
  return principal.scopes !== undefined && principal.scopes.length > 0 ? principal.scopes.includes(OPEN311_SCOPE) : principal.services.includes(OPEN311_SCOPE);
}

/** The address people reach this deployment at: GOVFLOW_PUBLIC_URL, else the address it listens on. */
/** Runs each stop in order, all of them; the first failure is thrown after the last. */
async function stopAll(parts: readonly (() => unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const part of parts) {
    try {
      await part();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/**
 * The exchange listener's port: the option, else GOVFLOW_EXCHANGE_PORT, else a free one. A restarted member must come
 * back on the address its peers registered (their baseUrl), so a deployment pins it.
 */
function exchangePort(option: number | undefined): { port?: number } {
  const port = option ?? (process.env['GOVFLOW_EXCHANGE_PORT'] ? Number(process.env['GOVFLOW_EXCHANGE_PORT']) : undefined);
  return port === undefined ? {} : { port };
}

function publicUrlOf(config: GovflowConfig): string {
  return config.publicUrl ?? `http://${config.host}:${config.port}`;
}

/** Who runs this deployment (GOVFLOW_AGENCY, GOVFLOW_AGENCY_NAME): the issuer of decisions, the receiver in the access log. */
function agency(): { code: string; name: string } {
  return { code: process.env['GOVFLOW_AGENCY'] ?? 'demo-municipality', name: process.env['GOVFLOW_AGENCY_NAME'] ?? 'Demo Municipality' };
}

/** The case a business reference (BP-2026-…) names, if any. */
async function caseOfReference(engine: Engine, reference: string): Promise<{ id: number } | undefined> {
  const [instance] = await engine.listInstances({ businessKey: reference, limit: 1 });
  return instance;
}
