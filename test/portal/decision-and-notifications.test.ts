// The whole govflow server (startServer: identity, portal, documents, notifications, worker loop with the real
// issue-decision and notify-applicant handlers), on PGlite and PostgreSQL over real HTTP. For each of the three
// services a citizen applies through the portal; staff steps and other agencies' registry answers are given
// through the engine. Checked: the applicant's e-mails at submission, information requested and decision (the
// outbox, log-only transport), the decision on the status page (download link, verification code, /verify link,
// the reasons of a refusal), and who may download the signed PDF (the applicant and staff; not another citizen,
// not an anonymous visitor).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';
import { applyThroughPortal, type PortalPage } from './support.js';

describeEachBackend('decisions and notifications of the three services, end to end', (backend) => {
  let dataDir: string;
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    for (const k of ['GOVFLOW_REGISTRY', 'GOVFLOW_LOG_LEVEL', 'GOVFLOW_SMTP_URL']) saved[k] = process.env[k];
    // Other agencies' registries are answered by the test through the engine (the simulator is tested elsewhere).
    process.env['GOVFLOW_REGISTRY'] = 'off';
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    delete process.env['GOVFLOW_SMTP_URL'];
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-decisions-'));
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow);
    base = running.url;
  });
  after(async () => {
    await running?.stop();
    await govflow?.close();
    await rm(dataDir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });

  const get = async (url: string, cookie = ''): Promise<{ status: number; body: string; type: string; bytes: Buffer }> => {
    const r = await fetch(`${base}${url}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
    const bytes = Buffer.from(await r.arrayBuffer());
    return { status: r.status, body: bytes.toString('utf8'), type: r.headers.get('content-type') ?? '', bytes };
  };
  /** Applies through the portal's pages; returns the reference. */
  const apply = (cookie: string, serviceId: string, pages: Record<string, PortalPage>): Promise<string> => applyThroughPortal(base, cookie, serviceId, pages);

  /** Kim's housing benefit claim through the portal's pages; returns the reference. */
  const claimBenefit = (cookie: string, monthlyIncome: number, monthlyRent: number): Promise<string> => apply(cookie, 'housing-benefit', {
    'about-you': { fields: { applicantName: 'Kim Sample', email: 'kim@example.org' } },
    'income-and-rent': { fields: { monthlyIncome: String(monthlyIncome), monthlyRent: String(monthlyRent) } },
    declaration: { fields: { declaration: 'true' } },
  });

  async function instanceOf(reference: string) {
    const [instance] = await govflow.engine.listInstances({ businessKey: reference });
    assert.ok(instance, `a case for ${reference}`);
    return instance;
  }

  /** Waits until the worker loop has moved the case on (jobs run in the background). */
  const until = <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => eventually(what, probe);

  async function completeTasks(instanceId: number, variables: (elementId: string) => Record<string, unknown>): Promise<string[]> {
    const tasks = (await govflow.engine.listTasks({ instanceId, state: 'created' })).filter((t) => t.elementId !== 'escalate');
    for (const t of tasks) await govflow.engine.completeTask(t.id, { variables: variables(t.elementId), actor: 'staff:test' });
    return tasks.map((t) => t.elementId);
  }

  async function answerRegistry(instanceId: number, variables: Record<string, unknown>): Promise<void> {
    await until('the registry-lookup job', async () => {
      const jobs = await govflow.engine.activateJobs({ type: 'registry-lookup', worker: 'test', maxJobs: 10, lockMs: 60_000 });
      const mine = jobs.find((j) => j.instanceId === instanceId);
      for (const other of jobs) if (other !== mine) await govflow.engine.failJob(other.id, { worker: 'test', retries: other.retries, backoffMs: 0 });
      if (mine) await govflow.engine.completeJob(mine.id, { worker: 'test', variables });
      return mine !== undefined;
    });
  }

  const mails = async (instanceId: number) => (await govflow.db.query<{ template: string; recipient: string; subject: string; status: string }>(
    'select template, recipient, subject, status from notification_outbox where instance_id = $1 order by id', [instanceId])).rows;

  it('building permit: e-mails at submission, information requested and decision; the applicant downloads the signed decision', async () => {
    const alex = await signInCitizen(base, 'alex');
    const reference = await apply(alex, 'building-permit', {
      'about-you': { fields: { applicantName: 'Alex Demo', email: 'alex@example.org', applicantRole: 'owner' } },
      'the-building': { fields: { siteAddress: '1 Demo Street', workType: 'extension', floorArea: '80', workDescription: 'A two-room extension at the back.', 'plannedStart-day': '1', 'plannedStart-month': '6', 'plannedStart-year': '2028' }, file: 'sitePlan' },
      declaration: { fields: { declaration: 'true' } },
    });
    const instance = await instanceOf(reference);
    // Intake asks for more information; the notify-applicant job (real handler) queues the e-mail with the question.
    await completeTasks(instance.id, () => ({ complete: false, informationRequested: 'Please send the roof plan.' }));
    await until('the information-requested e-mail', async () => (await mails(instance.id)).some((m) => m.template === 'information-requested'));
    // The e-mail is queued by the job before the job's completion moves the case on: the answer is sent (as the
    // portal offers it) only once the case waits for it.
    await until('the case waiting for the answer', async () => (await govflow.engine.getInstance(instance.id)).activeElements.some((e) => e.elementId === 'information-received'));
    await govflow.engine.publishMessage({ name: 'information-received', correlationKey: reference, messageId: `test-${reference}`, variables: { informationResponse: 'Attached.' } });
    await until('the case back at intake', async () => (await govflow.engine.listTasks({ instanceId: instance.id, state: 'created' })).some((t) => t.elementId === 'check-completeness'));
    await completeTasks(instance.id, () => ({ complete: true }));
    assert.deepEqual((await completeTasks(instance.id, () => ({}))).sort(), ['fire-safety-review', 'structural-review', 'zoning-review']);
    await until('the fee', async () => (await govflow.engine.getInstance(instance.id)).activeElements.some((e) => e.elementId === 'payment-received'));
    // Waiting for the fee is an action for the applicant: the action e-mail projector queues "Pay the fee".
    const payMail = await until('the payment-requested e-mail', async () => (await govflow.db.query<{ subject: string; text_body: string }>(
      `select subject, text_body from notification_outbox where instance_id = $1 and template = 'payment-requested'`, [instance.id])).rows[0]);
    assert.equal(payMail.subject, `Pay the fee for ${reference}`);
    assert.match(payMail.text_body, /Pay the fee of €250\.00 to get a decision/);
    assert.match(payMail.text_body, new RegExp(`/applications/${reference}`));
    await govflow.engine.publishMessage({ name: 'payment-received', correlationKey: reference, messageId: `pay-${reference}` });
    await until('the decide task', async () => (await govflow.engine.listTasks({ instanceId: instance.id, state: 'created' })).some((t) => t.elementId === 'decide'));
    await completeTasks(instance.id, () => ({ decision: 'approved', decisionReasons: 'The plans meet the zoning plan.' }));
    const done = await until('the decision', async () => { const v = await govflow.engine.getInstance(instance.id); return v.state === 'completed' ? v : undefined; });
    const code = done.variables['decisionCode'] as string;
    assert.match(code, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);

    const sent = await until('four e-mails sent', async () => { const m = await mails(instance.id); return m.length === 4 && m.every((x) => x.status === 'sent') ? m : undefined; });
    assert.deepEqual(sent.map((m) => [m.template, m.recipient]), [['submission-received', 'alex@example.org'], ['information-requested', 'alex@example.org'], ['payment-requested', 'alex@example.org'], ['decision-made', 'alex@example.org']]);
    assert.equal(sent[0]!.subject, `We received your application ${reference}`);

    const status = await get(`/applications/${reference}`, alex);
    assert.match(status.body, new RegExp(`<a class="govuk-link" href="/decisions/${code}.pdf" download>Download your decision \\(PDF\\)</a>`));
    assert.match(status.body, new RegExp(`Verification code: <strong id="verification-code">${code}</strong>`));
    assert.match(status.body, new RegExp(`<a class="govuk-link" href="/verify/${code}">`));
    assert.match(status.body, /Your application was <strong>approved<\/strong>/);
    assert.doesNotMatch(status.body, /Why your application was refused/);

    // The applicant downloads the PDF; staff of the case's departments may; another citizen and an anonymous visitor may not.
    const pdf = await get(`/decisions/${code}.pdf`, alex);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.type, 'application/pdf');
    assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal((await get(`/decisions/${code}.pdf`, await signInCitizen(base, 'kim'))).status, 403);
    assert.equal((await get(`/decisions/${code}.pdf`)).status, 401);
    assert.equal((await get(`/decisions/${code}.pdf`, await signInStaff(base, 'pat'))).status, 200);
    // Staff of a department that has no part in the case (benefits) may not; an administrator may.
    assert.equal((await get(`/decisions/${code}.pdf`, await signInStaff(base, 'ben'))).status, 403);
    assert.equal((await get(`/decisions/${code}.pdf`, await signInStaff(base, 'ada'))).status, 200);
    // The verify page anyone can open says it is genuine.
    assert.match((await get(`/verify/${code}`)).body, /This decision is genuine/);
  });

  it('business licence renewal (automatic approval) and housing benefit (automatic refusal): decision e-mails; the refusal shows its reasons', async () => {
    const sam = await signInCitizen(base, 'sam');
    const licence = await apply(sam, 'business-licence-renewal', {
      'the-business': { fields: { applicantName: 'Sam Example', email: 'sam@example.org', businessCode: 'BR-100200' } },
      declaration: { fields: { declaration: 'true' } },
    });
    const kim = await signInCitizen(base, 'kim');
    const benefit = await claimBenefit(kim, 3000, 700);
    const licenceCase = await instanceOf(licence);
    const benefitCase = await instanceOf(benefit);
    await answerRegistry(licenceCase.id, { business: { name: 'Example Bakery', address: '1 Mill Lane', status: 'active', violations: [] } });
    await answerRegistry(benefitCase.id, { person: { name: 'Kim Sample', householdMembers: [] } });
    for (const [reference, id, to] of [[licence, licenceCase.id, 'sam@example.org'], [benefit, benefitCase.id, 'kim@example.org']] as const) {
      await until(`the decision of ${reference}`, async () => (await govflow.engine.getInstance(id)).state === 'completed');
      const sent = await until(`the e-mails of ${reference}`, async () => { const m = await mails(id); return m.length === 2 && m.every((x) => x.status === 'sent') ? m : undefined; });
      assert.deepEqual(sent.map((m) => [m.template, m.recipient]), [['submission-received', to], ['decision-made', to]]);
    }
    const refused = await get(`/applications/${benefit}`, kim);
    assert.match(refused.body, /Your application was <strong>refused<\/strong>/);
    const reasons = /<ul class="govuk-list govuk-list--bullet" id="decision-reasons"><li>([^<]+)<\/li><\/ul>/.exec(refused.body);
    assert.ok(reasons, 'the reasons of the refusal are on the status page');
    assert.equal(reasons[1], (await govflow.engine.getInstance(benefitCase.id)).variables['decisionReasons'], 'the reasons the DMN gave');
    assert.match(refused.body, /Download your decision \(PDF\)/);
    const code = (await govflow.engine.getInstance(benefitCase.id)).variables['decisionCode'] as string;
    assert.equal((await get(`/decisions/${code}.pdf`, kim)).status, 200);
    assert.equal((await get(`/decisions/${code}.pdf`, sam)).status, 403, 'not the applicant');
  });

  it('housing benefit: the caseworker asks for more information; the applicant answers on the status page and the claim returns to review', async () => {
    const kim = await signInCitizen(base, 'kim');
    // Income 1,000 alone, rent 270: an edge case for a benefits caseworker.
    const reference = await claimBenefit(kim, 1000, 270);
    const instance = await instanceOf(reference);
    await answerRegistry(instance.id, { person: { name: 'Kim Sample', householdMembers: [] } });
    await until('the caseworker review', async () => (await govflow.engine.listTasks({ instanceId: instance.id, state: 'created' })).some((t) => t.elementId === 'caseworker-review'));
    await completeTasks(instance.id, () => ({ decision: 'information', informationRequested: 'Please send your tenancy agreement.' }));
    await until('the case waiting for the answer', async () => (await govflow.engine.getInstance(instance.id)).activeElements.some((e) => e.elementId === 'information-received'));
    await until('the information-requested e-mail', async () => (await mails(instance.id)).some((m) => m.template === 'information-requested'));

    const status = await get(`/applications/${reference}`, kim);
    assert.match(status.body, /<strong class="govuk-tag [^"]*" id="status">Answer our question<\/strong>/);
    assert.match(status.body, /<p class="govuk-body" id="question">Please send your tenancy agreement.<\/p>/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(status.body)![1]!;
    const token = /<form method="post" action="\/applications\/[^"]+\/information"[\s\S]*?name="token" value="([^"]+)"/.exec(status.body)![1]!;
    const empty = await fetch(`${base}/applications/${reference}/information`, { method: 'POST', redirect: 'manual', headers: { cookie: kim, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, token, informationResponse: '' }).toString() });
    assert.equal(empty.status, 400, 'an empty answer is refused on the page');
    const answered = await fetch(`${base}/applications/${reference}/information`, { method: 'POST', redirect: 'manual', headers: { cookie: kim, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, token, informationResponse: 'The agreement is attached; the rent includes 40 of service charges.' }).toString() });
    assert.equal(answered.status, 303);
    await until('the claim back at review', async () => (await govflow.engine.listTasks({ instanceId: instance.id, state: 'created' })).some((t) => t.elementId === 'caseworker-review'));
    assert.equal((await govflow.engine.getInstance(instance.id)).variables['informationResponse'], 'The agreement is attached; the rent includes 40 of service charges.');
    assert.match((await get(`/applications/${reference}`, kim)).body, /id="status">We are reviewing your application</);
  });
});
