/**
 * The authorisation matrix: every route the composed server registers × every role, with the expected answer
 * written down once below. A route without a row fails the test, so a new route must state who may call it.
 *
 * Allowed means "not refused for who you are": any status but 401/403 and no redirect to a sign-in page (a 404
 * for the made-up ids below is fine). Denied means 401/403 or a redirect to `/sign-in?next=` / `/staff/sign-in?next=`.
 * Browser roles carry a session with its CSRF token on every form post; agency systems send only their API key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { apiKeyFor, signInCitizen, signInStaff } from '../support/sign-in.js';

const ROLES = ['anonymous', 'citizen', 'caseworker', 'manager', 'admin', 'auditor', 'agency-system'] as const;
type MatrixRole = (typeof ROLES)[number];

const ALL: readonly MatrixRole[] = ROLES;
// Pages' forms are for people in a browser: an agency system's API key acts only under /api/ (src/identity/web-session.ts).
const BROWSER: readonly MatrixRole[] = ['anonymous', 'citizen', 'caseworker', 'manager', 'admin', 'auditor'];
const CITIZEN: readonly MatrixRole[] = ['citizen'];
const STAFF_READ: readonly MatrixRole[] = ['caseworker', 'manager', 'admin', 'auditor', 'agency-system'];
const TASKS: readonly MatrixRole[] = ['caseworker', 'manager'];
const WORKERS: readonly MatrixRole[] = ['agency-system', 'admin'];
const STAFF: readonly MatrixRole[] = ['caseworker', 'manager', 'admin', 'auditor'];
// Who decides cases (issue 13): a caseworker or manager role; an admin or auditor role alone never does.
const DECIDERS: readonly MatrixRole[] = ['caseworker', 'manager'];
const NOBODY: readonly MatrixRole[] = [];

/** `METHOD url` → the roles allowed. Written by hand from the role model in docs/identity.md, not from the code. */
const MATRIX: Readonly<Record<string, readonly MatrixRole[]>> = {
  // identity pages
  'GET /staff/sign-in': ALL,
  'POST /staff/sign-in': BROWSER,
  'GET /staff/sign-in/code': ALL,
  'POST /staff/sign-in/code': BROWSER,
  'POST /staff/sign-out': BROWSER,
  // passkeys (issue 13): the scripts are public; the sign-in ceremony needs a browser session (and its CSRF token)
  'GET /staff/assets/simplewebauthn-browser.js': ALL,
  'GET /staff/assets/passkey.js': ALL,
  'POST /staff/sign-in/passkey/options': BROWSER,
  'POST /staff/sign-in/passkey': BROWSER,
  // the forced change of an initial password: only a half-signed-in session gets past the redirect to sign-in
  'GET /staff/sign-in/new-password': ALL,
  'POST /staff/sign-in/new-password': BROWSER,
  // the staff member's own account
  'GET /staff/account': STAFF,
  'POST /staff/account/passkey/options': STAFF,
  'POST /staff/account/passkey': STAFF,
  'GET /staff/account/password': STAFF,
  'POST /staff/account/password': STAFF,
  // enrolment: the link's page answers everyone (404 for a made-up token); the later steps only the session that
  // used a link, which none of the roles here is
  'GET /staff/enrol/:token': ALL,
  'POST /staff/enrol/:token': BROWSER,
  'GET /staff/enrol/authenticator': NOBODY,
  'POST /staff/enrol/authenticator': NOBODY,
  'POST /staff/enrol/passkey/options': NOBODY,
  'POST /staff/enrol/passkey': NOBODY,
  'POST /staff/enrol/finish': NOBODY,
  // staff workbench: every staff member reads (an admin or auditor of no department sees an empty inbox; cases
  // outside their departments are "not found"); only caseworkers and managers act on cases
  'GET /staff': STAFF,
  'GET /staff/cases/:id': STAFF,
  'POST /staff/tasks/:id/claim': DECIDERS,
  'POST /staff/tasks/:id/complete': DECIDERS,
  'POST /staff/cases/:id/notes': DECIDERS,
  // the department's stuck cases (issue 23): every staff member reads those of their departments; deciders retry
  'GET /staff/incidents': STAFF,
  // the case search (issue 20): reading is for staff; saved searches and bulk actions for those who decide cases
  'GET /staff/search': STAFF,
  'POST /staff/search/filters': DECIDERS,
  'POST /staff/search/filters/:id/delete': DECIDERS,
  'POST /staff/search/bulk': DECIDERS,
  'POST /staff/incidents/:id/retry': DECIDERS,
  // process intelligence (issue 20): managers of the service's departments, and those who oversee every process
  'GET /staff/intelligence': ['manager', 'admin', 'auditor'],
  'GET /staff/intelligence/:service': ['manager', 'admin', 'auditor'],
  'GET /staff/intelligence/:service/map.svg': ['manager', 'admin', 'auditor'],
  // a manager of the case's department revokes its signed decision (other managers: 403 inside, or not found)
  'POST /staff/cases/:id/revoke-decision': ['manager'],
  // administration (src/admin/): admins only; visitors are sent to the staff sign-in
  'GET /admin': ['admin'],
  'GET /admin/assets/*': ['admin'],
  'GET /admin/processes': ['admin'],
  'POST /admin/processes': ['admin'],
  'GET /admin/processes/:key/:version': ['admin'],
  'GET /admin/decisions/:key/:version': ['admin'],
  'GET /admin/modeller/:key': ['admin'],
  'POST /admin/modeller/:key': ['admin'],
  'GET /admin/modeller': ['admin'],
  'GET /admin/decision-editor/:key': ['admin'],
  'POST /admin/decision-editor/:key': ['admin'],
  'POST /admin/decision-editor/:key/evaluate': ['admin'],
  'GET /admin/services': ['admin'],
  'GET /admin/services/:id': ['admin'],
  // a new service created in the browser (issue 20)
  'GET /admin/services/new': ['admin'],
  'POST /admin/services/new': ['admin'],
  'POST /admin/services/:id': ['admin'],
  'GET /admin/services/:id/forms/:page': ['admin'],
  'POST /admin/services/:id/forms/:page': ['admin'],
  'GET /admin/services/:id/forms/:page/versions/:version': ['admin'],
  // the publishing workflow of service text (issue 23): a draft, its citizen preview, a second admin's review
  'GET /admin/services/:id/versions/:version': ['admin'],
  'GET /admin/services/:id/versions/:version/preview': ['admin'],
  'POST /admin/services/:id/versions/:version/review': ['admin'],
  'GET /admin/organisation': ['admin'],
  'POST /admin/departments': ['admin'],
  'POST /admin/staff': ['admin'],
  'GET /admin/staff/:id': ['admin'],
  'POST /admin/staff/:id/memberships': ['admin'],
  'POST /admin/staff/:id/status': ['admin'],
  'POST /admin/staff/:id/credentials': ['admin'],
  // agency API keys (issue 13): admins issue, rotate and revoke them
  'GET /admin/api-keys': ['admin'],
  'POST /admin/api-keys': ['admin'],
  'POST /admin/api-keys/:id/rotate': ['admin'],
  'POST /admin/api-keys/:id/revoke': ['admin'],
  // exchange between agencies (issue 25): admins publish services, trust members and grant or revoke access
  'GET /admin/exchange': ['admin'],
  'POST /admin/exchange/services': ['admin'],
  'POST /admin/exchange/peers': ['admin'],
  'POST /admin/exchange/access': ['admin'],
  'POST /admin/exchange/access/revoke': ['admin'],
  'GET /api/exchange/member': ['admin'],
  'GET /api/exchange/services': ['admin'],
  'GET /api/exchange/access': ['admin'],
  'GET /api/exchange/peers': ['admin'],
  'GET /api/exchange/messages': ['admin'],
  'POST /api/exchange/services': ['admin'],
  'POST /api/exchange/peers': ['admin'],
  'POST /api/exchange/access': ['admin'],
  'POST /api/exchange/access/revoke': ['admin'],
  'POST /staff/tasks/:id/release': DECIDERS,
  'POST /staff/tasks/:id/assign': DECIDERS,
  'POST /staff/tasks/:id/escalate': DECIDERS,
  'GET /staff/cases/:id/diagram.bpmn': STAFF,
  'GET /staff/cases/:id/documents/:uploadId': STAFF,
  // the process diagram viewer's files (bpmn-js and its boot script): public, like the other assets
  'GET /staff/assets/:file': ALL,
  // operations (src/operations/): admins and auditors read; only admins retry and resend. /metrics also answers
  // the metrics token (GOVFLOW_METRICS_TOKEN), which no role here holds.
  'GET /metrics': ['admin', 'auditor'],
  'GET /operations': ['admin', 'auditor'],
  'GET /operations/audit': ['admin', 'auditor'],
  'GET /operations/incidents': ['admin', 'auditor'],
  'POST /operations/incidents/:id/retry': ['admin'],
  'GET /operations/notifications': ['admin', 'auditor'],
  'POST /operations/notifications/:id/resend': ['admin'],
  // portal (citizen pages)
  'GET /assets/govuk-frontend.min.css': ALL,
  'GET /assets/:kind/:file': ALL,
  'GET /assets/*': ALL,
  'GET /sign-in': ALL,
  'POST /sign-in': BROWSER,
  'POST /sign-out': BROWSER,
  'GET /': ALL,
  'GET /services/:id': ALL,
  'GET /services/*': ALL,
  'GET /services/:id/apply': CITIZEN,
  'GET /services/:id/apply/:page': CITIZEN,
  'POST /services/:id/apply/:page': CITIZEN,
  'GET /services/:id/check': CITIZEN,
  'POST /services/:id/submit': CITIZEN,
  'GET /applications': CITIZEN,
  'GET /applications/*': CITIZEN,
  'GET /applications/:ref': CITIZEN,
  'GET /applications/:ref/confirmation': CITIZEN,
  'GET /applications/:ref/withdraw': CITIZEN,
  'POST /applications/:ref/withdraw': CITIZEN,
  'POST /applications/:ref/information': CITIZEN,
  'POST /applications/:ref/pay': CITIZEN,
  'GET /applications/:ref/payment/:paymentId': CITIZEN,
  'POST /applications/:ref/documents': CITIZEN,
  // the built-in test payment provider's pages (stands in for a payment service provider)
  'GET /payments/test/:id': ALL,
  'POST /payments/test/:id': BROWSER,
  // signed decisions
  // engagement (issue 18): Open311 reads are public; posting needs an API key with the open311 scope, which no
  // role here holds (403 before the resource is looked at); reporting a problem needs a signed-in citizen, and a
  // report's status page and photo are public like Open311's GET requests.
  'GET /open311/v2/*': ALL,
  'POST /open311/v2/*': NOBODY,
  'GET /report-a-problem': CITIZEN,
  'GET /report-a-problem/details': CITIZEN,
  'POST /report-a-problem': CITIZEN,
  'GET /reports/:id': ALL,
  'GET /reports/:id/photo': ALL,
  // updates to citizens (issue 18): news, feeds and the subscription pages are public (subscribing needs only a
  // browser session, the confirm and unsubscribe links carry their own token; an unknown topic or token is a 404);
  // a department's managers publish about its topics, administrators about any (caseworkers and auditors: 403)
  'GET /updates': ALL,
  'GET /updates/:kind/:id': ALL,
  'GET /updates/:kind/:id/atom.xml': ALL,
  'GET /updates/:kind/:id/rss.xml': ALL,
  'GET /updates/news/:id': ALL,
  'GET /updates/:kind/:id/subscribe': ALL,
  'POST /updates/:kind/:id/subscribe': BROWSER,
  'GET /updates/confirm/:token': ALL,
  'POST /updates/confirm/:token': BROWSER,
  'GET /updates/unsubscribe/:token': ALL,
  'POST /updates/unsubscribe/:token': BROWSER,
  'GET /staff/updates': ['manager', 'admin'],
  'POST /staff/updates': ['manager', 'admin'],
  // engagement (issue 18, triage and feedback): the triage page for staff, corrections by those who route reports;
  // feedback and complaints are the signed-in citizen's own
  'GET /staff/triage': STAFF,
  'POST /staff/triage/corrections': DECIDERS,
  // merging a duplicate report: caseworkers and managers within a category, across categories a manager of both
  // departments or an administrator (report-merge.ts); auditors only read
  'POST /staff/triage/merges': ['caseworker', 'manager', 'admin'],
  'GET /feedback': CITIZEN,
  'POST /feedback': CITIZEN,
  'GET /complaints': CITIZEN,
  'GET /complaints/new': CITIZEN,
  'POST /complaints': CITIZEN,
  'GET /complaints/:id': CITIZEN,
  // proposals and debates (issue 18): public to read; proposing, supporting, a public name and abuse reports need a
  // signed-in citizen; comments a citizen or staff who act (an official reply), not an auditor; moderation managers
  // and admins (other staff 403, visitors to the staff sign-in).
  'GET /proposals': ALL,
  'GET /proposals/new': CITIZEN,
  'POST /proposals': CITIZEN,
  'GET /proposals/:id': ALL,
  'POST /proposals/:id/support': CITIZEN,
  'GET /participation/name': CITIZEN,
  'POST /participation/name': CITIZEN,
  'GET /debates': ALL,
  'GET /debates/new': CITIZEN,
  'POST /debates': CITIZEN,
  'GET /debates/:id': ALL,
  'POST /debates/:id/comments': ['citizen', 'caseworker', 'manager', 'admin'],
  // debates about a project (issue 18): public to read; opened by a signed-in citizen, or for the municipality by
  // whoever edits the project's department (its managers, communications, admins); other staff 403 before any lookup
  'GET /debates/projects/:slug': ALL,
  'GET /debates/projects/:slug/new': ['citizen', 'manager', 'admin'],
  'POST /debates/projects/:slug': ['citizen', 'manager', 'admin'],
  'GET /report-abuse/:kind/:id': CITIZEN,
  'POST /report-abuse/:kind/:id': CITIZEN,
  'GET /staff/moderation': ['manager', 'admin'],
  'POST /staff/moderation/:kind/:id/hide': ['manager', 'admin'],
  'POST /staff/moderation/:kind/:id/restore': ['manager', 'admin'],
  // the installable web app (issue 18): its manifest, icons, service worker and script, and the offline page, public
  'GET /manifest.webmanifest': ALL,
  'GET /sw.js': ALL,
  'GET /app.js': ALL,
  'GET /app-icon.svg': ALL,
  'GET /app-icon-192.png': ALL,
  'GET /app-icon-512.png': ALL,
  'GET /offline': ALL,
  'GET /verify': ALL,
  'GET /verify/:code': ALL,
  'GET /decisions/:file': ['caseworker', 'manager', 'admin'],
  'GET /.well-known/jwks.json': ALL,
  'GET /api/verify/:code': ALL,
  'POST /api/verify': ALL,
  'POST /api/decisions/:code/revoke': ['manager', 'admin'],
  // engine API
  'POST /api/deployments': ['admin'],
  'POST /api/process-instances': ['admin', 'agency-system'],
  // An agency system may evaluate only with the processKey of one of its services (api-key-services.test.ts); the
  // matrix's probe sends no body fields, so it is refused here for who it is.
  'POST /api/conditionals/evaluation': ['admin'],
  'GET /api/process-instances': STAFF_READ,
  'GET /api/process-instances/:id': STAFF_READ,
  'GET /api/process-instances/:id/events': STAFF_READ,
  'POST /api/process-instances/:id/cancel': ['manager', 'admin'],
  'PATCH /api/process-instances/:id/variables': DECIDERS,
  'GET /api/tasks': TASKS,
  'GET /api/tasks/:id': TASKS,
  'POST /api/tasks/:id/claim': TASKS,
  'POST /api/tasks/:id/unclaim': TASKS,
  'POST /api/tasks/:id/complete': TASKS,
  'POST /api/jobs/activate': WORKERS,
  'POST /api/jobs/:id/complete': WORKERS,
  'POST /api/jobs/:id/fail': WORKERS,
  'POST /api/jobs/:id/error': WORKERS,
  'GET /api/incidents': ['manager', 'admin'],
  'POST /api/incidents/:id/resolve': ['admin'],
  'POST /api/messages': WORKERS,
  'POST /api/signals': WORKERS,
  'POST /api/decisions/:key/evaluate': ['caseworker', 'manager', 'admin', 'agency-system'],
  'GET /api/process-definitions/:key/mining': ['manager', 'admin', 'auditor'],
  // privacy
  'GET /api/v2/findUsage': ['citizen', 'auditor'],
  'GET /api/v2/my-data': CITIZEN,
  'GET /my-data': CITIZEN,
  'GET /my-data/download': CITIZEN,
  // ledger: reads public, as Certificate Transparency logs are (docs/ledger.md)
  'GET /api/ledger/tree-head': ALL,
  'POST /api/ledger/tree-heads': ['admin'],
  'GET /api/ledger/proofs/inclusion': ALL,
  'GET /api/ledger/proofs/consistency': ALL,
  'GET /api/ledger/checkpoints': ALL,
  'GET /api/ledger/keys': ALL,
  // transparency (issue 17): public figures, open data and the CKAN-compatible read API, for everyone
  'GET /performance': ALL,
  'GET /performance/services/:id': ALL,
  'GET /performance/services/:id/figures.csv': ALL,
  'GET /performance/departments/:id': ALL,
  'GET /performance/departments/:id/figures.csv': ALL,
  'GET /open-data': ALL,
  'GET /open-data/performance.csv': ALL,
  'GET /open-data/performance.csv-metadata.json': ALL,
  'GET /open-data/performance.json': ALL,
  'GET /open-data/catalog': ALL,
  'GET /open-data/catalog.ttl': ALL,
  'GET /open-data/catalog.jsonld': ALL,
  'GET /open-data/catalog.rdf': ALL,
  'GET /open-data/datasets/:id': ALL,
  'GET /api/3/action/package_list': ALL,
  'GET /api/3/action/package_show': ALL,
  'GET /api/3/action/package_search': ALL,
  'GET /api/3/action/organization_list': ALL,
  // transparency: project timelines (issue 17): public pages and files; a department's managers (and the
  // communications department, and administrators) edit them, other staff get 403 before any project is looked at
  'GET /projects': ALL,
  'GET /projects/:slug': ALL,
  'GET /open-data/projects.csv': ALL,
  'GET /open-data/projects.json': ALL,
  'GET /staff/projects': ['manager', 'admin'],
  'POST /staff/projects': ['manager', 'admin'],
  'GET /staff/projects/:slug': ['manager', 'admin'],
  'POST /staff/projects/:slug/updates': ['manager', 'admin'],
  'POST /staff/projects/:slug/milestones': ['manager', 'admin'],
  'POST /staff/projects/:slug/milestones/:id/reached': ['manager', 'admin'],
  // transparency: spending, fees and benefits, public contracts (issue 17 acc 2)
  'GET /spending': ALL,
  'GET /open-data/spending.csv': ALL,
  'GET /open-data/spending.csv-metadata.json': ALL,
  'GET /open-data/fees-and-benefits.csv': ALL,
  'GET /open-data/contracts.json': ALL,
  // the assistant (issue 19): anyone may ask and rate; a conversation is read by its id (a signed-in citizen's by them only)
  'GET /assistant': ALL,
  'GET /assistant/widget.js': ALL,
  'POST /assistant': BROWSER,
  'POST /assistant/rating': BROWSER,
  'POST /api/assistant/messages': ALL,
  'GET /api/assistant/conversations/:id': ALL,
  'POST /api/assistant/messages/:id/rating': ALL,
  // the managers' figures: counts only, for managers, admins and auditors
  'GET /staff/assistant': ['manager', 'admin', 'auditor'],
  // sensors (issue 22): storing readings over NGSI-LD needs an API key with the sensors scope, which no role here
  // holds; staff read (the API and the operations pages), citizens and scope-less keys do not.
  'POST /ngsi-ld/v1/entities': NOBODY,
  'GET /ngsi-ld/v1/entities': STAFF,
  'GET /ngsi-ld/v1/entities/:id': STAFF,
  'PATCH /ngsi-ld/v1/entities/:id/attrs': NOBODY,
  'POST /ngsi-ld/v1/entities/:id/attrs': NOBODY,
  'POST /ngsi-ld/v1/entityOperations/upsert': NOBODY,
  'POST /ngsi-ld/v1/notify': NOBODY,
  'GET /ngsi-ld/v1/temporal/entities': STAFF,
  'GET /ngsi-ld/v1/temporal/entities/:id': STAFF,
  'GET /ngsi-ld/*': STAFF,
  'POST /ngsi-ld/*': NOBODY,
  'PATCH /ngsi-ld/*': NOBODY,
  'PUT /ngsi-ld/*': NOBODY,
  'DELETE /ngsi-ld/*': NOBODY,
  'GET /staff/sensors': STAFF,
  'GET /staff/sensors/route': STAFF,
  'GET /staff/sensors/assets/:id': STAFF,
  // the training sandbox (issue 20): every staff member trains on made-up cases in a sandbox of their own (another
  // person's is "not found"); the records page shows each their own, managers their departments', admins and auditors all
  'GET /staff/training': STAFF,
  'POST /staff/training': STAFF,
  'POST /staff/training/:sandboxId/finish': STAFF,
  'GET /staff/training/records': STAFF,
  'GET /staff/training/records/:id': STAFF,
  'GET /staff/sandbox/:sandboxId': STAFF,
  'POST /staff/sandbox/:sandboxId': STAFF,
  'GET /staff/sandbox/:sandboxId/*': STAFF,
  'POST /staff/sandbox/:sandboxId/*': STAFF,
};

/**
 * The write column (issue 13): every state-changing route (any method but GET) is a write, and its row above is its
 * allow/deny per role. Writes on the caller's own session and account are the only ones an auditor makes; every
 * other write denies the auditor. Case decisions deny the admin role (an admin who is also a caseworker of the
 * department is a caseworker there: test/identity/roles-and-actors.test.ts).
 */
const OWN_SESSION_OR_ACCOUNT = /^POST \/(staff\/)?(sign-in|sign-out|account|enrol)(\/|$)/;
/** A visitor's own e-mail subscription to public news (issue 18): anyone's, an auditor's too, like their own session. */
const OWN_SUBSCRIPTION = /^POST \/updates\//;
/** A visitor's own conversation with the assistant (issue 19): asking and rating are anyone's, an auditor's too. */
const OWN_CONVERSATION = /^POST \/(api\/)?assistant(\/|$)/;
/** A staff member's own training (issue 20): the sandbox is theirs and thrown away; finishing writes only their own training record. */
const OWN_TRAINING = /^POST \/staff\/(training|sandbox)(\/|$)/;
/** POSTs that change nothing of govflow's: checking a document, and the external payment provider's stand-in page. */
const NOT_GOVFLOW_WRITES = new Set(['POST /api/verify', 'POST /payments/test/:id']);
const CASE_DECISIONS = /^(POST \/staff\/(tasks|cases)\/|POST \/api\/tasks\/|PATCH \/api\/process-instances\/:id\/variables)/;

/**
 * Rows whose answer cannot be told from the status with made-up ids: the download answers 404 to everyone for a
 * file that does not exist (so it does not reveal which exist). Their row still forces a decision; the documents
 * module's own tests check the download policy with real files.
 */
const NEEDS_REAL_OBJECT = new Set([
  'GET /decisions/:file',
  // a multipart upload: a form-encoded probe is refused (415) for its content type before anyone is asked who they are
  'POST /applications/:ref/documents',
]);

const PARAMS: Record<string, string> = { id: '1', uploadId: '1', service: 'building-permit', ref: 'BP-2026-000001', page: 'about-you', kind: 'css', file: 'x.css', code: 'ABCDEF', key: 'approval', sandboxId: 'A'.repeat(16) };
// Path parameters are well-formed (a malformed one is a 400 before any access decision: test/security/csrf-and-params.test.ts);
// `/applications/*` is probed with a well-formed reference, as before the references had a declared shape; an
// NGSI-LD entity id is a URN.
const concrete = (url: string): string => url.replace(/^\/services\/:id/, '/services/building-permit').replace(/:([A-Za-z]+)/g, (_m, name: string) => PARAMS[name] ?? 'x').replace(/^\/applications\/\*$/, `/applications/${PARAMS['ref']}`).replace(/\*$/, 'x')
  .replace(/^(\/ngsi-ld\/v1\/(?:temporal\/)?entities|\/staff\/sensors\/assets)\/1(?=\/|$)/, '$1/urn:ngsi-ld:WasteContainer:none');

describe('authorisation matrix (every registered route × every role)', () => {
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  const credentials = new Map<MatrixRole, { cookie?: string; authorization?: string }>();

  async function credentialFor(role: MatrixRole): Promise<{ cookie?: string; authorization?: string }> {
    const base = running.url;
    switch (role) {
      case 'anonymous': {
        const r = await fetch(`${base}/staff/sign-in`);
        return { cookie: /govflow_session=[^;]*/.exec(r.headers.get('set-cookie') ?? '')![0] };
      }
      case 'citizen': return { cookie: await signInCitizen(base, 'alex') };
      case 'caseworker': return { cookie: await signInStaff(base, 'pat') };
      case 'manager': return { cookie: await signInStaff(base, 'mia') };
      case 'admin': return { cookie: await signInStaff(base, 'ada') };
      case 'auditor': return { cookie: await signInStaff(base, 'aud') };
      case 'agency-system': return { authorization: `Bearer ${await apiKeyFor(govflow.db, { roles: ['agency-system'], services: ['building-permit', 'business-licence'] })}` };
    }
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-matrix-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const config = { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined };
    govflow = await openGovflow({ config });
    // Rate limits have their own burst tests (test/operations); here every role posts to sign-in many times over.
    running = await startServer(govflow, { rateLimits: 'off' });
    for (const role of ROLES) credentials.set(role, await credentialFor(role));
  });
  after(async () => {
    await running.stop();
    await govflow.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function call(method: string, url: string, role: MatrixRole): Promise<{ status: number; location: string }> {
    // Sign-out posts end the session: give them a fresh one so the shared ones survive. (Sign-in posts replace the
    // session only when they succeed, which these probes, sending no credentials, never do; so they keep the shared
    // one, and every staff member signs in three times in all, which their authenticator allows in one 30-second
    // step window: a fresh sign-in per probe made the test wait for the clock.)
    const replaces = /sign-out/.test(url) && method === 'POST';
    let cred = replaces ? await credentialFor(role) : credentials.get(role)!;
    let csrf = '';
    if (!cred.cookie && method !== 'GET' && !url.startsWith('/api/')) {
      // A browser posting a page form has a session (the page gave it one), even when it also sends an API key.
      const start = await fetch(`${running.url}/staff/sign-in`);
      cred = { ...cred, cookie: /govflow_session=[^;]*/.exec(start.headers.get('set-cookie') ?? '')?.[0] ?? '' };
    }
    if (cred.cookie && method !== 'GET') {
      const page = await (await fetch(`${running.url}/staff/sign-in`, { headers: { cookie: cred.cookie } })).text();
      csrf = /name="csrf" value="([^"]*)"/.exec(page)?.[1] ?? '';
    }
    const api = url.startsWith('/api/');
    const headers: Record<string, string> = { ...(cred.cookie ? { cookie: cred.cookie } : {}), ...(cred.authorization ? { authorization: cred.authorization } : {}) };
    let body: string | undefined;
    if (method !== 'GET') {
      headers['content-type'] = api ? 'application/json' : 'application/x-www-form-urlencoded';
      // API calls made with the session cookie carry its CSRF token in a header (src/identity/web-session.ts).
      if (api && cred.cookie) headers['x-csrf-token'] = csrf;
      body = api ? '{}' : new URLSearchParams({ csrf }).toString();
    }
    const r = await fetch(`${running.url}${concrete(url)}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });
    await r.arrayBuffer();
    return { status: r.status, location: r.headers.get('location') ?? '' };
  }

  it('has a row for every registered route (add one for each new route)', () => {
    const registered = new Set(running.routes.flatMap((r) => [r.method].flat().filter((m) => m !== 'HEAD' && m !== 'OPTIONS').map((m) => `${m} ${r.url}`)));
    const missing = [...registered].filter((k) => !(k in MATRIX) && k !== 'GET /api/health' && k !== 'GET /api/openapi.json');
    assert.deepEqual(missing, [], 'routes without a row in MATRIX');
    const stale = Object.keys(MATRIX).filter((k) => !registered.has(k));
    assert.deepEqual(stale, [], 'rows for routes that are no longer registered');
  });

  it('has a write column: every state-changing route denies the auditor (but for their own session) and case decisions deny the admin role', () => {
    const writes = Object.keys(MATRIX).filter((k) => !k.startsWith('GET ') && !NOT_GOVFLOW_WRITES.has(k));
    assert.ok(writes.length > 40, `the registered writes (${writes.length})`);
    const auditorWrites = writes.filter((k) => MATRIX[k]!.includes('auditor') && !OWN_SESSION_OR_ACCOUNT.test(k) && !OWN_SUBSCRIPTION.test(k) && !OWN_CONVERSATION.test(k) && !OWN_TRAINING.test(k));
    assert.deepEqual(auditorWrites, [], 'writes open to the auditor');
    const decisions = writes.filter((k) => CASE_DECISIONS.test(k));
    assert.ok(decisions.length >= 10, `case decisions found (${decisions.join(', ')})`);
    assert.deepEqual(decisions.filter((k) => MATRIX[k]!.includes('admin')), [], 'case decisions open to the admin role');
  });

  it('answers every route as the matrix says, for every role', async () => {
    const wrong: string[] = [];
    for (const [key, allowed] of Object.entries(MATRIX)) {
      if (NEEDS_REAL_OBJECT.has(key)) continue;
      const [method, url] = key.split(' ') as [string, string];
      for (const role of ROLES) {
        const { status, location } = await call(method, url, role);
        const denied = status === 401 || status === 403 || /^\/(staff\/)?sign-in\?next=/.test(location);
        if (status >= 500) wrong.push(`${key} as ${role}: ${status}`);
        else if (denied === allowed.includes(role)) wrong.push(`${key} as ${role}: ${status}${location ? ` → ${location}` : ''} (expected ${allowed.includes(role) ? 'allowed' : 'denied'})`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
