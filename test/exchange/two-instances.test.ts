/**
 * Acceptance 1 and the process half of 2 (issue 25): two govflow instances — the city on PGlite, the fire service
 * on PostgreSQL (PGlite too when no test server runs) — exchange messages over the X-Road REST protocol with mutual
 * TLS and signatures, as the administrators of each set it up through the admin API.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { DEMO_CITIZENS } from '../../src/identity/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { apiKeyFor, signInCitizen } from '../support/sign-in.js';

const CITY = 'GOV/GOV/city/CASES';
const FIRE = 'GOV/GOV/fire/REVIEWS';
const FIRE_REVIEW = 'GOV/GOV/fire/REVIEWS/fire-review';

interface Instance { govflow: Govflow; running: Awaited<ReturnType<typeof startServer>>; key: string; dataDir: string }

async function start(member: string, postgres: boolean): Promise<Instance> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-exchange-'));
  const databaseUrl = postgres && pgUrl ? await createServerDatabase() : undefined;
  const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', ...(databaseUrl ? { databaseUrl } : {}) } });
  const running = await startServer(govflow, { rateLimits: 'off', exchange: { member } });
  return { govflow, running, key: await apiKeyFor(govflow.db, { roles: ['admin'] }), dataDir };
}

async function api(at: Instance, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(new URL(url, at.running.url), { method, headers: { authorization: `Bearer ${at.key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const bpmn = (id: string, body: string, messages = ''): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="${id}-d" targetNamespace="https://govflow.example/test">
${messages}<bpmn:process id="${id}" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;

const call = (id: string, headers: Record<string, string>): string => `<bpmn:serviceTask id="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="exchange-call" retries="3" /><zeebe:taskHeaders>${Object.entries(headers).map(([k, v]) => `<zeebe:header key="${k}" value="${v}" />`).join('')}</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>`;

// The city asks for a fire-safety review and waits for the answer, which comes back as a message (an X-Road call to it).
const PERMIT = bpmn('permit-review', `<bpmn:startEvent id="s" />${call('ask-fire', { service: FIRE_REVIEW, purpose: 'building permit fire-safety review', input: 'address,floors', issue: 'permitRef', receiver: 'Regional Fire Service' })}
<bpmn:receiveTask id="await-review" messageRef="m-answer" /><bpmn:endEvent id="e" />
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask-fire" /><bpmn:sequenceFlow id="f2" sourceRef="ask-fire" targetRef="await-review" /><bpmn:sequenceFlow id="f3" sourceRef="await-review" targetRef="e" />`,
`<bpmn:message id="m-answer" name="fire-review-answer"><bpmn:extensionElements><zeebe:subscription correlationKey="=permitRef" /></bpmn:extensionElements></bpmn:message>`);

// The fire service's own process: it answers the city through the city's published message service.
const REVIEW = bpmn('fire-review', `<bpmn:startEvent id="s" />${call('answer-city', { service: `${CITY}/review-answer`, purpose: 'fire-safety review answer', input: 'verdict', issue: 'exchangeIssue' })}<bpmn:endEvent id="e" />
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="answer-city" /><bpmn:sequenceFlow id="f2" sourceRef="answer-city" targetRef="e" />`);

describe('exchange between two govflow instances (city on PGlite, fire service on PostgreSQL)', () => {
  let city: Instance;
  let fire: Instance;

  before(async () => {
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    process.env['GOVFLOW_REGISTRY'] = 'off';
    const t0 = Date.now();
    [city, fire] = await Promise.all([start(CITY, false), start(FIRE, true)]);
    if (process.env['GOVFLOW_TEST_TIMING']) console.log('two instances started in', Date.now() - t0, 'ms');
    // Each administrator trusts the other member: its address and certificate (X-Road's global configuration).
    const [c, f] = await Promise.all([api(city, 'GET', '/api/exchange/member'), api(fire, 'GET', '/api/exchange/member')]);
    assert.equal((await api(city, 'POST', '/api/exchange/peers', { memberId: 'GOV/GOV/fire', baseUrl: f.json['endpoint'], certificate: f.json['certificate'] })).status, 201);
    assert.equal((await api(fire, 'POST', '/api/exchange/peers', { memberId: 'GOV/GOV/city', baseUrl: c.json['endpoint'], certificate: c.json['certificate'] })).status, 201);
    await fire.govflow.engine.deploy([{ name: 'fire-review.bpmn', content: REVIEW }]);
    await city.govflow.engine.deploy([{ name: 'permit-review.bpmn', content: PERMIT }]);
    assert.equal((await api(fire, 'POST', '/api/exchange/services', { serviceCode: 'fire-review', title: 'Fire-safety review of a building permit', kind: 'start-process', target: 'fire-review' })).status, 201);
    assert.equal((await api(city, 'POST', '/api/exchange/services', { serviceCode: 'review-answer', title: 'Answer to a fire-safety review', kind: 'message', target: 'fire-review-answer' })).status, 201);
  });

  after(async () => {
    for (const i of [city, fire]) {
      if (!i) continue;
      await i.running.stop();
      await i.govflow.close();
      await rm(i.dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a client without access (the protocol error), allows it once granted, refuses it again after revocation; both logs and ledgers verify', async () => {
    const services = (await api(fire, 'GET', '/api/exchange/services')).json['services'] as { serviceCode: string; openapi: { openapi: string; paths: Record<string, unknown> } }[];
    assert.equal(services[0]?.openapi.openapi, '3.0.3');
    assert.ok(services[0]?.openapi.paths['/']);
    // The city's process calls before any grant: the fire service refuses with Server.ServerProxy.AccessDenied.
    // The case is about a citizen (its applicant): the disclosure to the fire service goes into their access log.
    const alex = DEMO_CITIZENS.find((c) => c.username === 'alex')!;
    const first = await city.govflow.engine.startInstance('permit-review', { variables: { permitRef: 'BP-1', address: '1 Main St', floors: 4, applicant: alex.id } });
    const refused = await eventually('the refusal in the job', async () => {
      const events = await city.govflow.engine.getEvents(first.id);
      return events.find((e) => e.type === 'job.failed' && JSON.stringify(e.data).includes('AccessDenied'));
    });
    assert.match(JSON.stringify(refused.data), /has no access/);
    // Retries run out while nobody has access: an incident, as for any failing job.
    const [incident] = await eventually('an incident after the retries', async () => {
      const list = await city.govflow.engine.listIncidents({ instanceId: first.id });
      return list.length > 0 ? list : null;
    });

    assert.deepEqual((await api(fire, 'POST', '/api/exchange/access', { service: 'fire-review', client: CITY })).json, { granted: true });
    assert.deepEqual((await api(city, 'POST', '/api/exchange/access', { service: 'review-answer', client: FIRE })).json, { granted: true });
    await city.govflow.engine.resolveIncident(incident!.id, { actor: 'staff:admin' });
    // The job's retry now goes through: the fire service's case starts and its answer comes back to the city's case.
    const done = await eventually('the city case completed by the fire service answer', async () => {
      const instance = await city.govflow.engine.getInstance(first.id);
      return instance.state === 'completed' ? instance : null;
    }, { timeoutMs: 20_000 });
    assert.equal(done.variables['exchangeAnswer'] !== undefined, true);
    const fireCases = await fire.govflow.engine.listInstances({ processKey: 'fire-review' });
    assert.equal(fireCases.length, 1, 'one fire-service case, however often the city retried');
    assert.equal(fireCases[0]?.variables['address'], '1 Main St');

    // The citizen's "Who has seen my data" page at the city shows the call: who received it, what, why, which case.
    const page = await (await fetch(new URL('/my-data', city.running.url), { headers: { cookie: await signInCitizen(city.running.url, 'alex') } })).text();
    const row = /<tr class="govuk-table__row">(?:(?!<\/tr>)[\s\S])*Regional Fire Service(?:(?!<\/tr>)[\s\S])*<\/tr>/.exec(page)?.[0];
    assert.ok(row, 'a row naming the fire service');
    assert.match(row, /Sent details of your application to another organisation/);
    assert.match(row, /building permit fire-safety review/);
    assert.equal((await city.govflow.db.query("select 1 from personal_data_access where action = 'exchange.disclosed' and subject = $1", [alex.id])).rows.length, 1, 'one record for the one answered call, refused tries not counted');

    // Revoked: refused again.
    assert.deepEqual((await api(fire, 'POST', '/api/exchange/access/revoke', { service: 'fire-review', client: CITY })).json, { revoked: true });
    const second = await city.govflow.engine.startInstance('permit-review', { variables: { permitRef: 'BP-2', address: '2 Main St', floors: 2 } });
    await eventually('the refusal after revocation', async () => (await city.govflow.engine.getEvents(second.id)).find((e) => e.type === 'job.failed' && JSON.stringify(e.data).includes('AccessDenied')));

    // Both message logs hold every call, with hashes and signatures, and both ledgers verify with them sealed.
    const [cityLog, fireLog] = await Promise.all([api(city, 'GET', '/api/exchange/messages'), api(fire, 'GET', '/api/exchange/messages')]);
    const sent = (cityLog.json['messages'] as { direction: string; serviceId: string; errorType: string | null; requestHash: string; responseSignature: string | null }[]);
    const received = (fireLog.json['messages'] as { direction: string; serviceId: string; errorType: string | null; requestHash: string; requestSignature: string | null }[]);
    const toFire = sent.filter((m) => m.direction === 'out' && m.serviceId === FIRE_REVIEW);
    assert.ok(toFire.some((m) => m.errorType === 'Server.ServerProxy.AccessDenied') && toFire.some((m) => m.errorType === null));
    for (const m of toFire) {
      assert.ok(m.responseSignature, 'every answer is signed');
      assert.ok(received.some((r) => r.direction === 'in' && r.requestHash === m.requestHash && r.requestSignature), 'the fire service logged the same request (same hash)');
    }
    for (const side of [city, fire]) {
      const report = await eventually('the ledger sealed and verified', async () => {
        const r = await verifyLedger(side.govflow.db);
        return r.ok && r.pending === 0 && r.treeSize > 0 ? r : null;
      }, { timeoutMs: 15_000 });
      assert.equal(report.ok, true);
      const { rows } = await side.govflow.db.query<{ n: string }>("select count(*) as n from event_log where type = 'exchange.message'");
      assert.ok(Number(rows[0]!.n) >= 2);
    }
  });
});
