// The portal over plain HTTP: sessions, CSRF, authorisation, double submit, stale form versions, the catalogue's
// validation and friendly errors. The browser journeys are in citizen-journey.test.ts.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../../src/catalogue/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { createCaseStarts } from '../../src/portal/index.js';
import { samplePdf, startTestPortal, type TestPortal } from './support.js';

/** A browser without a browser: keeps the session cookie, reads hidden fields, follows no redirects. */
class Client {
  cookie = '';
  constructor(readonly base: string) {}
  async get(url: string): Promise<{ status: number; location: string | null; body: string; headers: Headers }> {
    return this.send('GET', url);
  }
  async post(url: string, fields: Record<string, string | string[]>): Promise<{ status: number; location: string | null; body: string; headers: Headers }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return this.send('POST', url, body.toString());
  }
  /** A form with a file input: multipart/form-data, as a browser sends it. */
  async postMultipart(url: string, fields: Record<string, string | string[]>, files: Record<string, { bytes: Uint8Array; name: string }>): Promise<{ status: number; location: string | null; body: string; headers: Headers }> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
    for (const [k, f] of Object.entries(files)) form.append(k, new Blob([f.bytes]), f.name);
    return this.send('POST', url, form);
  }
  private async send(method: string, url: string, body?: string | FormData) {
    const response = await fetch(this.base + url, {
      method, redirect: 'manual',
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return { status: response.status, location: response.headers.get('location'), body: await response.text(), headers: response.headers };
  }
  static hidden(html: string, name: string): string {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    assert.ok(m, `hidden field ${name}`);
    return m[1]!;
  }
  async csrf(): Promise<string> {
    return Client.hidden((await this.get('/sign-in')).body, 'csrf');
  }
  async signIn(citizen: string): Promise<void> {
    const r = await this.post('/sign-in', { csrf: await this.csrf(), citizen, next: '/' });
    assert.equal(r.status, 303);
  }
}

/** Staff and workers take a building permit to its decision through the engine's API (the workbench is not built yet). */
async function driveToDecision(portal: TestPortal, instanceId: number, approved: boolean): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const tasks = await portal.engine.listTasks({ instanceId, state: 'created' });
    for (const task of tasks) {
      const variables = task.elementId === 'check-completeness' ? { complete: true } : task.elementId === 'decide' ? { decision: approved ? 'approved' : 'refused', decisionReasons: 'test' } : {};
      await portal.engine.completeTask(task.id, { variables, actor: `staff-${task.elementId}` });
    }
    // The fee is paid (the payments module sends this message) and the applicant is told (notifications).
    const view = await portal.engine.getInstance(instanceId);
    if (view.activeElements.some((e) => e.elementId === 'payment-received')) await portal.engine.publishMessage({ name: 'payment-received', correlationKey: String(view.variables['applicationId']), messageId: `test-payment-${instanceId}` });
    for (const job of await portal.engine.activateJobs({ type: 'notify-applicant', worker: 'test' })) await portal.engine.completeJob(job.id, { worker: 'test' });
    const jobs = await portal.engine.activateJobs({ type: 'issue-decision', worker: 'test' });
    for (const job of jobs) await portal.engine.completeJob(job.id, { worker: 'test' });
    if ((await portal.engine.getInstance(instanceId)).state !== 'active') return;
  }
  assert.fail('the case did not reach a decision');
}

const ANSWERS: Record<string, Record<string, string | string[]>> = {
  'about-you': { applicantName: 'Sam Example', email: 'sam@example.org', applicantRole: 'agent' },
  'the-building': { siteAddress: '2 Test Road', workType: 'new-building', floorArea: '600', workDescription: 'A new library building.', 'plannedStart-day': '1', 'plannedStart-month': '2', 'plannedStart-year': '2028', features: ['basement', 'public-access'] },
  declaration: { declaration: 'true' },
};

async function fillAll(client: Client): Promise<string> {
  const csrf = await client.csrf();
  for (const [pageId, fields] of Object.entries(ANSWERS)) {
    // The building page has the site plan: a file upload, so the browser sends it as multipart.
    const r = pageId === 'the-building'
      ? await client.postMultipart(`/services/building-permit/apply/${pageId}`, { csrf, ...fields }, { sitePlan: { bytes: await samplePdf(), name: 'site-plan.pdf' } })
      : await client.post(`/services/building-permit/apply/${pageId}`, { csrf, ...fields });
    assert.equal(r.status, 303, `${pageId}: ${r.body.slice(0, 200)}`);
  }
  const check = await client.get('/services/building-permit/check');
  assert.equal(check.status, 200);
  return check.body;
}

describe('the citizen portal over HTTP', () => {
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal('pglite');
  });
  after(async () => {
    await portal?.close();
  });

  it('sets a signed HttpOnly SameSite=Lax session cookie and security headers, with no inline script', async () => {
    const client = new Client(portal.base);
    const home = await client.get('/');
    assert.equal(home.status, 200);
    assert.equal(home.headers.get('set-cookie'), null, 'reading needs no session');
    assert.match(home.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    // The one script is the installable app's, from 'self' (issue 18; the page works without it): no inline script.
    assert.deepEqual(home.body.match(/<script[^>]*>/gi), ['<script src="/app.js" defer>']);
    const r = await client.get('/sign-in');
    assert.match(r.headers.get('set-cookie') ?? '', /^govflow_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal((await client.get('/sign-in')).headers.get('set-cookie'), null, 'the session is kept');
    // A tampered cookie is not accepted: a new session is issued.
    const forged = new Client(portal.base);
    forged.cookie = `${client.cookie}x`;
    const again = await forged.get('/sign-in');
    assert.ok(again.headers.get('set-cookie'));
    assert.notEqual(forged.cookie, client.cookie);
  });

  it('refuses a POST without the session\'s CSRF token', async () => {
    const client = new Client(portal.base);
    await client.get('/');
    const r = await client.post('/sign-in', { csrf: 'wrong', citizen: 'demo-citizen-alex' });
    assert.equal(r.status, 403);
    assert.match(r.body, /Your session has expired/);
  });

  it('asks to sign in before the questions, and comes back to them', async () => {
    const client = new Client(portal.base);
    const r = await client.get('/services/building-permit/apply');
    assert.equal(r.status, 303);
    assert.equal(r.location, '/sign-in?next=%2Fservices%2Fbuilding-permit%2Fapply');
    const mine = await client.get('/applications');
    assert.equal(mine.status, 303);
    // An open redirect through next= is not possible.
    const signIn = await client.post('/sign-in', { csrf: await client.csrf(), citizen: 'demo-citizen-alex', next: '//evil.example/' });
    assert.equal(signIn.location, '/applications');
  });

  it('a double submit creates one case; a citizen sees only their own cases', async () => {
    const sam = new Client(portal.base);
    await sam.signIn('demo-citizen-sam');
    const check = await fillAll(sam);
    const csrf = Client.hidden(check, 'csrf');
    const token = Client.hidden(check, 'token');
    const [first, second] = await Promise.all([
      sam.post('/services/building-permit/submit', { csrf, token }),
      sam.post('/services/building-permit/submit', { csrf, token }),
    ]);
    assert.equal(first.status, 303);
    assert.equal(second.status, 303);
    assert.equal(first.location, second.location);
    const reference = /\/applications\/(BP-\d{4}-\d{6})\/confirmation/.exec(first.location ?? '')?.[1];
    assert.ok(reference, first.location ?? '');
    const third = await sam.post('/services/building-permit/submit', { csrf, token });
    assert.equal(third.location, first.location);
    const instances = await portal.engine.listInstances({ businessKey: reference });
    assert.equal(instances.length, 1);
    const { rows } = await portal.db.query<{ n: number; form_versions: Record<string, string> }>('select count(*)::int as n, max(form_versions::text)::jsonb as form_versions from portal_submission where citizen_id = $1', ['demo-citizen-sam']);
    assert.equal(rows[0]!.n, 1);
    const service = portal.catalogue.get('building-permit')!;
    assert.deepEqual(rows[0]!.form_versions, Object.fromEntries(service.pages.map((p) => [p.id, p.formVersion])), 'the submission records each form version');
    assert.equal(instances[0]!.variables['floorArea'], 600);
    assert.deepEqual(instances[0]!.variables['features'], ['basement', 'public-access']);

    assert.equal((await sam.get(`/applications/${reference}`)).status, 200);
    const alex = new Client(portal.base);
    await alex.signIn('demo-citizen-alex');
    const other = await alex.get(`/applications/${reference}`);
    assert.equal(other.status, 404);
    assert.doesNotMatch(other.body, /Sam Example/);
    assert.equal((await alex.get(`/applications/${reference}/confirmation`)).status, 404);
    assert.doesNotMatch((await alex.get('/applications')).body, new RegExp(reference));
  });

  it('follows a case to its decision, and the start page shows measured processing times', async () => {
    const sam = new Client(portal.base);
    await sam.signIn('demo-citizen-sam');
    const [submission] = (await portal.db.query<{ reference: string; instance_id: string }>('select reference, instance_id from portal_submission where citizen_id = $1', ['demo-citizen-sam'])).rows;
    assert.ok(submission, 'the case from the double-submit test');
    await driveToDecision(portal, Number(submission.instance_id), false);
    const status = await sam.get(`/applications/${submission.reference}`);
    assert.match(status.body, /<strong class="govuk-tag govuk-tag--red" id="status">Refused<\/strong>/);
    const timeline = [...status.body.matchAll(/<h3 class="govuk-heading-s govuk-!-margin-bottom-1">([^<]+)<\/h3>/g)].map((m) => m[1]);
    assert.deepEqual(timeline, ['We made a decision', 'You paid the fee', 'We asked you to pay the fee', 'We started reviewing your application', 'Application sent']);
    assert.doesNotMatch(status.body, /staff-|Zoning review|approved/, 'no staff names, task names or variables');

    assert.doesNotMatch((await sam.get('/services/building-permit')).body, /measured-time/, 'one decided case is not enough to measure');
    for (const approved of [true, false]) {
      const instance = await portal.engine.startInstance('building-permit', { businessKey: `TEST-${String(approved)}`, variables: { applicationId: `TEST-${String(approved)}`, floorArea: 80 } });
      await driveToDecision(portal, instance.id, approved);
    }
    const start = await fetch(`${portal.base}/services/building-permit`).then((r) => r.text());
    assert.match(start, /id="measured-time">Recently, half of the applications got a decision within less than a day \(the last 3 decided\)/);
  });

  it('the citizen answers a request for more information, once', async () => {
    const alex = new Client(portal.base);
    await alex.signIn('demo-citizen-alex');
    const check = await fillAll(alex);
    const sent = await alex.post('/services/building-permit/submit', { csrf: Client.hidden(check, 'csrf'), token: Client.hidden(check, 'token') });
    const reference = /\/applications\/([A-Z]+-\d{4}-\d{6})\//.exec(sent.location ?? '')![1]!;
    const [instance] = await portal.engine.listInstances({ businessKey: reference });
    const [intake] = await portal.engine.listTasks({ instanceId: instance!.id, state: 'created' });
    await portal.engine.completeTask(intake!.id, { variables: { complete: false, informationRequested: 'Send the <b>site plan</b>, please.' } });
    // Until the request has gone out, the citizen sees the status but no form yet.
    let status = await alex.get(`/applications/${reference}`);
    assert.match(status.body, /id="status">We are preparing a question for you</);
    assert.doesNotMatch(status.body, /id="information-request"/);
    for (const job of await portal.engine.activateJobs({ type: 'notify-applicant', worker: 'test' })) await portal.engine.completeJob(job.id, { worker: 'test' });
    status = await alex.get(`/applications/${reference}`);
    assert.match(status.body, /<p class="govuk-body" id="question">Send the &lt;b&gt;site plan&lt;\/b&gt;, please\.<\/p>/);
    const csrf = Client.hidden(status.body, 'csrf');
    const token = Client.hidden(status.body, 'token');
    const empty = await alex.post(`/applications/${reference}/information`, { csrf, token, informationResponse: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.body, /<a href="#informationResponse">Enter your answer<\/a>/);
    const answer = { csrf, token, informationResponse: 'The site plan is attached to my e-mail of today.' };
    const [first, second] = [await alex.post(`/applications/${reference}/information`, answer), await alex.post(`/applications/${reference}/information`, answer)];
    assert.equal(first.location, `/applications/${reference}?sent=1`);
    assert.equal(second.location, first.location, 'a resent answer changes nothing');
    const after = await portal.engine.getInstance(instance!.id);
    // The case runs inside the handle-application sub-process (it carries the 60-day SLA timer).
    assert.deepEqual(after.activeElements.map((e) => e.elementId).filter((id) => id !== 'handle-application'), ['check-completeness'], 'back with intake');
    assert.equal(after.variables['informationResponse'], answer.informationResponse);
    status = await alex.get(`/applications/${reference}?sent=1`);
    assert.match(status.body, /Your information was sent/);
    const timeline = [...status.body.matchAll(/<h3 class="govuk-heading-s govuk-!-margin-bottom-1">([^<]+)<\/h3>/g)].map((m) => m[1]);
    assert.deepEqual(timeline, ['You answered our question', 'We asked you a question', 'Application sent'], 'newest first, each thing once');
    // Someone else cannot answer for Alex.
    const sam = new Client(portal.base);
    await sam.signIn('demo-citizen-sam');
    assert.equal((await sam.post(`/applications/${reference}/information`, { ...answer, csrf: await sam.csrf() })).status, 404);
  });

  it('the citizen withdraws an application, once; a decided one cannot be withdrawn', async () => {
    const alex = new Client(portal.base);
    await alex.signIn('demo-citizen-alex');
    const [submission] = (await portal.db.query<{ reference: string }>('select reference from portal_submission where citizen_id = $1', ['demo-citizen-alex'])).rows;
    const reference = submission!.reference;
    assert.match((await alex.get(`/applications/${reference}`)).body, /Withdraw your application/);
    const confirm = await alex.get(`/applications/${reference}/withdraw`);
    assert.equal(confirm.status, 200);
    const csrf = Client.hidden(confirm.body, 'csrf');
    const tooLong = await alex.post(`/applications/${reference}/withdraw`, { csrf, reason: 'x'.repeat(501) });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body, /<a href="#reason">Your reason must be 500 characters or less<\/a>/);
    const sam = new Client(portal.base);
    await sam.signIn('demo-citizen-sam');
    assert.equal((await sam.post(`/applications/${reference}/withdraw`, { csrf: await sam.csrf() })).status, 404, 'only the applicant can withdraw');
    const done = await alex.post(`/applications/${reference}/withdraw`, { csrf, reason: 'We sold the house.' });
    assert.equal(done.location, `/applications/${reference}?withdrawn=1`);
    assert.equal((await alex.post(`/applications/${reference}/withdraw`, { csrf })).location, `/applications/${reference}`, 'a second click changes nothing');
    const [instance] = await portal.engine.listInstances({ businessKey: reference });
    assert.equal(instance!.state, 'terminated');
    const status = await alex.get(`/applications/${reference}?withdrawn=1`);
    assert.match(status.body, /Your application was withdrawn/);
    assert.match(status.body, /id="status">Closed</);
    assert.doesNotMatch(status.body, /Withdraw your application/);
    const events = await portal.engine.getEvents(instance!.id);
    assert.equal(events.at(-1)!.actor, 'citizen:demo-citizen-alex');
    // Sam's case was decided: there is nothing to withdraw.
    const [samCase] = (await portal.db.query<{ reference: string }>('select reference from portal_submission where citizen_id = $1', ['demo-citizen-sam'])).rows;
    assert.equal((await sam.get(`/applications/${samCase!.reference}/withdraw`)).location, `/applications/${samCase!.reference}`);
  });

  it('keeps a draft to come back to, and sends the citizen back to a page whose form changed', async () => {
    const kim = new Client(portal.base);
    await kim.signIn('demo-citizen-kim');
    const csrf = await kim.csrf();
    await kim.post('/services/building-permit/apply/about-you', { csrf, ...ANSWERS['about-you']! });
    // Later, in a new session: the draft is still there and the journey resumes at the next page.
    const later = new Client(portal.base);
    await later.signIn('demo-citizen-kim');
    assert.equal((await later.get('/services/building-permit/apply')).location, '/services/building-permit/apply/the-building');
    assert.match((await later.get('/applications')).body, /Continue your application/);
    // The form of page 1 is published in a new version: its answers must be checked again.
    await portal.db.query(`update portal_draft set page_versions = jsonb_set(page_versions, '{about-you}', '"0000000000000000"') where citizen_id = $1`, ['demo-citizen-kim']);
    assert.equal((await later.get('/services/building-permit/apply')).location, '/services/building-permit/apply/about-you');
    const stale = await later.get('/services/building-permit/apply/about-you');
    assert.match(stale.body, /questions on this page have changed/);
    assert.match(stale.body, /value="Sam Example"/, 'the answers given before are shown again');
  });

  it('shows errors next to each field and in the summary, escaping what was typed', async () => {
    const client = new Client(portal.base);
    await client.signIn('demo-citizen-alex');
    const csrf = await client.csrf();
    const r = await client.post('/services/building-permit/apply/about-you', { csrf, applicantName: '<script>alert(1)</script>', email: 'not-an-email', phone: 'x', applicantRole: 'king' });
    assert.equal(r.status, 400);
    assert.doesNotMatch(r.body, /<script>alert/);
    assert.match(r.body, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    for (const [anchor, message] of [['email', 'Enter your email address in the correct format, like name@example.com'], ['phone', 'Enter a phone number'], ['applicantRole', 'Select yes if you are the owner']]) {
      assert.match(r.body, new RegExp(`<a href="#${anchor}">${message}`), anchor);
      assert.match(r.body, new RegExp(`id="${anchor}-error"`), anchor);
    }
  });

  it('shows a friendly page, never a stack trace, for unknown pages and failures', async () => {
    const client = new Client(portal.base);
    for (const url of ['/services/no-such-service', '/services/building-permit/apply/no-such-page', '/services/building-permit/x/y/z', '/applications/a/b/c', '/assets/images/x.exe']) {
      const missing = await client.get(url);
      assert.equal(missing.status, 404, url);
      assert.match(missing.body, /Page not found/, url);
    }
    // A path parameter that is not even shaped like one (issue 13): 400, before any handler, on the friendly page.
    for (const url of ['/assets/fonts/%2e%2e%2f%2e%2e%2fpackage.json', '/applications/%3Cscript%3E', '/services/NO_SUCH']) {
      const malformed = await client.get(url);
      assert.equal(malformed.status, 400, url);
      assert.match(malformed.body, /There is a problem with your request/, url);
      assert.doesNotMatch(malformed.body, /<script>/, url);
    }
    assert.equal((await client.get('/api/no-such-route')).body.startsWith('{'), true, 'the API keeps its JSON 404');
    await client.signIn('demo-citizen-alex');
    assert.equal((await client.get('/applications/BP-2026-999999')).status, 404);
    // A database failure inside a page: a reference, not the error.
    await portal.db.exec('alter table portal_submission rename to portal_submission_moved');
    try {
      const broken = await client.get('/applications');
      assert.equal(broken.status, 500);
      assert.match(broken.body, /Sorry, there is a problem with the service/);
      assert.match(broken.body, /quote the reference <strong>[0-9a-f-]{36}<\/strong>/);
      assert.doesNotMatch(broken.body, /portal_submission|at \w+ \(|\.ts:/);
    } finally {
      await portal.db.exec('alter table portal_submission_moved rename to portal_submission');
    }
  });
});

describe('a case whose start fails', () => {
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal('pglite', { deployProcesses: false });
  });
  after(async () => {
    await portal?.close();
  });

  it('keeps the answers and starts the case when the citizen tries again, once', async () => {
    const client = new Client(portal.base);
    await client.signIn('demo-citizen-sam');
    const check = await fillAll(client);
    const form = { csrf: Client.hidden(check, 'csrf'), token: Client.hidden(check, 'token') };
    // The process is not deployed: the start fails, the citizen gets a page without internals.
    const failed = await client.post('/services/building-permit/submit', form);
    assert.equal(failed.status, 404);
    assert.match(failed.body, /There is a problem with your request/);
    assert.doesNotMatch(failed.body, /GOVFLOW_ERR|building-permit' is deployed/);
    const service = portal.catalogue.get('building-permit')!;
    await portal.engine.deploy([{ name: 'building-permit.bpmn', content: service.process.bpmn! }]);
    const [again, twice] = [await client.post('/services/building-permit/submit', form), await client.post('/services/building-permit/submit', form)];
    assert.equal(again.status, 303);
    assert.equal(twice.location, again.location);
    const reference = /(BP-\d{4}-\d{6})/.exec(again.location ?? '')![1]!;
    assert.equal((await portal.engine.listInstances({ businessKey: reference })).length, 1);
    const { rows } = await portal.db.query<{ n: number }>('select count(*)::int as n from portal_submission');
    assert.equal(rows[0]!.n, 1, 'one submission, one reference');
    assert.equal((await portal.db.query('select 1 from portal_draft')).rows.length, 0, 'the draft is gone once the case started');
  });

  it('a submission left without a case: the status page only reads (Received), the case-start loop starts it once', async () => {
    const client = new Client(portal.base);
    await client.signIn('demo-citizen-kim');
    const check = await fillAll(client);
    const form = { csrf: Client.hidden(check, 'csrf'), token: Client.hidden(check, 'token') };
    // Simulate a process that died between recording the submission and starting the case.
    await portal.db.query(`insert into portal_submission (token, reference, citizen_id, service_id, process_key, answers, form_versions, start_claimed_at, submitted_at)
      values ($1, 'BP-2026-900001', 'demo-citizen-kim', 'building-permit', 'building-permit', '{"floorArea": 42}', '{}', now() - interval '2 minutes', now() - interval '2 minutes')`, [form.token]);
    const status = await client.get('/applications/BP-2026-900001');
    assert.equal(status.status, 200);
    assert.match(status.body, /id="status">We have received your application</);
    assert.deepEqual(await portal.engine.listInstances({ businessKey: 'BP-2026-900001' }), [], 'a GET starts no case');
    const starts = createCaseStarts({ engine: portal.engine, db: portal.db, catalogue: portal.catalogue });
    assert.equal(await starts.startPending(), 1);
    assert.equal(await starts.startPending(), 0, 'started once');
    const [instance, ...more] = await portal.engine.listInstances({ businessKey: 'BP-2026-900001' });
    assert.equal(instance?.variables['floorArea'], 42);
    assert.equal(more.length, 0);
    const after = await client.get('/applications/BP-2026-900001');
    assert.match(after.body, /id="status">We have received your application</);
    assert.equal(Number((await portal.db.query<{ instance_id: string | number }>(`select instance_id from portal_submission where reference = 'BP-2026-900001'`)).rows[0]!.instance_id), instance.id);
  });
});

describe('the service catalogue', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-catalogue-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the building permit with its forms, versions and status map', async () => {
    const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const service = catalogue.get('building-permit')!;
    assert.equal(service.process.key, 'building-permit');
    assert.deepEqual(service.pages.map((p) => p.id), ['about-you', 'the-building', 'declaration']);
    for (const p of service.pages) assert.match(p.formVersion, /^[0-9a-f]{16}$/);
    assert.equal(service.elementStatuses['check-completeness'], 'Received');
  });

  async function brokenCatalogue(edit: (service: Record<string, unknown>) => void, form?: string): Promise<unknown> {
    const root = await mkdtemp(path.join(dir, 'c-'));
    await cp(path.join(DEFAULT_CATALOGUE_DIR, 'building-permit'), path.join(root, 'building-permit'), { recursive: true });
    const file = path.join(root, 'building-permit', 'service.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    json['process'] = { key: 'building-permit', bpmn: path.resolve('examples/building-permit.bpmn') };
    edit(json);
    await writeFile(file, JSON.stringify(json));
    if (form !== undefined) await writeFile(path.join(root, 'building-permit', 'forms', 'about-you.form'), form);
    return loadCatalogue(root).then(() => assert.fail('a broken catalogue must not load'), (error: unknown) => error);
  }

  it('names the file and the field of each problem', async () => {
    const error = await brokenCatalogue((s) => {
      delete s['fee'];
      (s['statuses'] as { elements: Record<string, string> }).elements['no-such-task'] = 'Pending';
    });
    assert.ok(isGovflowError(error));
    assert.equal(error.code, 'GOVFLOW_ERR_VALIDATION');
    assert.match(error.message, /building-permit\/service\.json: field 'fee' must be a non-empty string/);
    assert.match(error.message, /field 'statuses\.elements\.no-such-task' must be one of Received, In review, Information needed, Decision made, Closed/);
  });

  it('checks the form schemas', async () => {
    const error = await brokenCatalogue(() => {}, JSON.stringify({ components: [{ type: 'number', key: 'x y', label: 'X' }, { type: 'radio', key: 'r', label: 'R' }, { type: 'textfield', key: 't', label: 'T', validate: { pattern: '(' } }] }));
    assert.ok(isGovflowError(error));
    assert.match(error.message, /field 'pages\[0\]\.form' forms\/about-you\.form components\[0\]\.key: must be a name/);
    assert.match(error.message, /components\[1\]\.values: must be a non-empty array/);
    assert.match(error.message, /components\[2\]\.validate\.pattern: is not a valid regular expression/);
  });
});
