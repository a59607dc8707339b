/**
 * Issue 25, acceptance 2, the restart half: no message lost or answered twice across a restart of either side.
 * Two govflow instances on loopback — the city (consumer) on a PGlite data directory, the fire service (provider) on
 * PostgreSQL (PGlite too without a test server) — with mutual TLS and signatures, each exchange listener on a port
 * pinned for its restart. The city reaches the fire service through a TCP relay in this file, the network between
 * them, which can keep back what the fire service sends: the request arrives and is processed, the answer does not
 * arrive. A "crash" closes an instance's database first (nothing of that process writes after that instant: a locked
 * job stays locked, an unanswered message stays unanswered), then drops its in-memory state; the restart opens the
 * same database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIRE_SERVICE_CATALOGUE, openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import type { EngineOptions } from '../../src/engine/index.js';
import { loadConfig, type GovflowConfig } from '../../src/kernel/index.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { apiKeyFor } from '../support/sign-in.js';

const CITY = 'GOV/GOV/city/CASES';
const FIRE = 'GOV/GOV/fire/REVIEWS';
const FIRE_REVIEW = `${FIRE}/fire-review`;
// A claimed job whose process died is taken again when its lock expires: short here, so the test waits little.
const CITY_ENGINE: EngineOptions = { defaultJobLockMs: 2000 };

interface Instance { govflow: Govflow; running: Awaited<ReturnType<typeof startServer>>; key: string }
interface Side { member: string; config: GovflowConfig; exchangePort: number; engine?: EngineOptions; now: Instance }

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function open(side: Omit<Side, 'now'>, opened?: Govflow): Promise<Instance> {
  const t0 = Date.now();
  const govflow = opened ?? await openGovflow({ config: side.config, ...(side.engine ? { engine: side.engine } : {}) });
  const t1 = Date.now();
  // A one-service catalogue (the demo fire service's) keeps each start light: the catalogue plays no part here.
  const running = await startServer(govflow, { rateLimits: 'off', servicesDir: FIRE_SERVICE_CATALOGUE, exchange: { member: side.member, port: side.exchangePort } });
  if (process.env['GOVFLOW_TEST_TIMING']) console.log(side.member, 'opened in', t1 - t0, 'ms, served in', Date.now() - t1, 'ms');
  return { govflow, running, key: await apiKeyFor(govflow.db, { roles: ['admin'] }) };
}

/** The database closes first, as when the process dies: whatever its in-memory state was doing writes nothing more. */
async function crash(side: Side, meanwhile: () => void = () => {}): Promise<void> {
  await side.now.govflow.close();
  meanwhile();
  await side.now.running.stop().catch(() => { /* its parts find the database gone: a dead process does not stop cleanly either */ });
}

/**
 * The network between the city and the fire service. `holdAnswers()`: what the server sends once the client has sent
 * its request is kept back (on a new TLS connection, after the client's second chunk: its certificate and finished
 * message, then the request), so the request is delivered and answered but the answer never arrives; `cut()` then
 * breaks those connections.
 */
async function startRelay(targetPort: number) {
  let holding = false;
  const held = new Set<Socket>();
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    // Opened while holding: the server's handshake flight passes, what follows the client's second chunk is held.
    // Opened before (a kept-alive connection): what follows the client's next chunk, its request, is held.
    const threshold = holding ? 2 : 1;
    let sentWhileHolding = 0;
    open.add(client);
    client.on('data', (chunk: Buffer) => {
      if (holding) sentWhileHolding++;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding && sentWhileHolding >= threshold) held.add(client);
      else client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      held.delete(client);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holdAnswers() {
      holding = true;
    },
    held: () => held.size,
    cut() {
      holding = false;
      for (const socket of [...held]) socket.destroy();
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function api(at: Instance, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(new URL(url, at.running.url), { method, headers: { authorization: `Bearer ${at.key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

interface Logged { direction: string; xroadId: string; serviceId: string; status: number | null; issue: string | null; responseSignature: string | null }
const messages = async (at: Instance): Promise<Logged[]> => (await api(at, 'GET', '/api/exchange/messages')).json['messages'] as Logged[];
const proofsOf = async (at: Instance, xroadId: string): Promise<number> => Number((await at.govflow.db.query<{ n: string }>("select count(*) as n from event_log where type = 'exchange.message' and data->>'xroadId' = $1", [xroadId])).rows[0]!.n);

const definitions = (id: string, body: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="${id}-d" targetNamespace="https://govflow.example/test">
<bpmn:process id="${id}" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;

// The city asks the fire service for a review (the call's answer, the fire service's case, goes into the case).
// Retries enough for a fire service that takes a while to come back: each try it refuses meanwhile is one.
const PERMIT = definitions('permit-review', `<bpmn:startEvent id="s" /><bpmn:serviceTask id="ask-fire"><bpmn:extensionElements><zeebe:taskDefinition type="exchange-call" retries="20" /><zeebe:taskHeaders>
<zeebe:header key="service" value="${FIRE_REVIEW}" /><zeebe:header key="purpose" value="building permit fire-safety review" /><zeebe:header key="input" value="address" /><zeebe:header key="issue" value="permitRef" />
</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="e" />
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask-fire" /><bpmn:sequenceFlow id="f2" sourceRef="ask-fire" targetRef="e" />`);
// The fire service's effect: a review case, waiting for its staff.
const REVIEW = definitions('review-case', `<bpmn:startEvent id="s" /><bpmn:userTask id="review" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review" />`);

describe('exchange across a restart of either side (city on a PGlite directory, fire service on PostgreSQL)', () => {
  const dirs: string[] = [];
  let city: Side;
  let fire: Side;
  let relay: Awaited<ReturnType<typeof startRelay>>;

  const side = async (member: string, postgres: boolean, engine?: EngineOptions): Promise<{ base: Omit<Side, 'now'>; govflow: Govflow }> => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-exchange-restart-'));
    dirs.push(dataDir);
    const databaseUrl = postgres && pgUrl ? await createServerDatabase() : undefined;
    const base = { member, config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', ...(databaseUrl ? { databaseUrl } : {}) }, exchangePort: await freePort(), ...(engine ? { engine } : {}) };
    return { base, govflow: await openGovflow({ config: base.config, ...(engine ? { engine } : {}) }) };
  };

  /** The city's case for `permitRef`, once its call is answered and it completed. */
  const completedCase = (permitRef: string) => eventually(`the city case ${permitRef} completed with the answer`, async () => {
    const [found] = await city.now.govflow.engine.listInstances({ processKey: 'permit-review', businessKey: permitRef, limit: 1 });
    return found?.state === 'completed' ? found : null;
  });

  /** The fire service's answer to the request for `permitRef` (logged, so processed), kept back by the relay. */
  const answeredButHeld = async (permitRef: string): Promise<Logged> => {
    const answered = await eventually(`the fire service answered ${permitRef}`, async () => (await messages(fire.now)).find((m) => m.direction === 'in' && m.issue === permitRef && m.status === 201));
    await eventually('the answer kept back by the relay', async () => relay.held() > 0);
    return answered;
  };

  /** Each message once on both sides, answered by the fire service's first (stored) answer; one review case per call. */
  const assertOnce = async (permitRef: string, firstAnswer: Logged, reviews: number): Promise<void> => {
    const done = await completedCase(permitRef);
    const answer = done.variables['exchangeAnswer'] as { caseId: number; reference: string };
    const xroadId = done.variables['exchangeId'] as string;
    assert.equal(xroadId, firstAnswer.xroadId, 'the retry is the same message (X-Road-Id)');
    const cases = await fire.now.govflow.engine.listInstances({ processKey: 'review-case' });
    assert.equal(cases.length, reviews, 'one review case per call, however often it was sent');
    assert.equal(cases.find((c) => c.businessKey === answer.reference)?.id, answer.caseId, 'the answer names the case the first delivery started');
    const [sent, received] = [(await messages(city.now)).filter((m) => m.xroadId === xroadId), (await messages(fire.now)).filter((m) => m.xroadId === xroadId)];
    assert.deepEqual(sent.map((m) => [m.direction, m.status]), [['out', 201]], 'the city logged the message once');
    assert.deepEqual(received.map((m) => [m.direction, m.status]), [['in', 201]], 'the fire service logged the message once');
    // ES256 signatures are randomised: the same signature is the stored answer, not a second run signed anew.
    assert.equal(sent[0]!.responseSignature, firstAnswer.responseSignature, 'the retry got the stored answer');
    assert.deepEqual([await proofsOf(city.now, xroadId), await proofsOf(fire.now, xroadId)], [1, 1], 'one proof of the exchange on each side');
    const completions = (await city.now.govflow.engine.getEvents(done.id)).filter((e) => e.type === 'job.completed');
    assert.equal(completions.length, 1, 'the answer landed in the case once');
  };

  before(async () => {
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    process.env['GOVFLOW_REGISTRY'] = 'off';
    // The databases open together; the servers start one after the other (one event loop: together, each start's
    // plugins would take twice as long, which a crowded machine can push past Fastify's plugin timeout).
    const [c0, f0] = await Promise.all([side(CITY, false, CITY_ENGINE), side(FIRE, true)]);
    city = { ...c0.base, now: await open(c0.base, c0.govflow) };
    fire = { ...f0.base, now: await open(f0.base, f0.govflow) };
    relay = await startRelay(fire.exchangePort);
    const [c, f] = await Promise.all([api(city.now, 'GET', '/api/exchange/member'), api(fire.now, 'GET', '/api/exchange/member')]);
    // The city knows the fire service at the relay's address; the fire service comes back behind it on its own port.
    assert.equal((await api(city.now, 'POST', '/api/exchange/peers', { memberId: 'GOV/GOV/fire', baseUrl: relay.url, certificate: f.json['certificate'] })).status, 201);
    assert.equal((await api(fire.now, 'POST', '/api/exchange/peers', { memberId: 'GOV/GOV/city', baseUrl: c.json['endpoint'], certificate: c.json['certificate'] })).status, 201);
    await fire.now.govflow.engine.deploy([{ name: 'review-case.bpmn', content: REVIEW }]);
    await city.now.govflow.engine.deploy([{ name: 'permit-review.bpmn', content: PERMIT }]);
    assert.equal((await api(fire.now, 'POST', '/api/exchange/services', { serviceCode: 'fire-review', title: 'Fire-safety review', kind: 'start-process', target: 'review-case' })).status, 201);
    assert.deepEqual((await api(fire.now, 'POST', '/api/exchange/access', { service: 'fire-review', client: CITY })).json, { granted: true });
  });

  after(async () => {
    await relay?.stop();
    for (const s of [city, fire]) {
      if (!s) continue;
      await s.now.running.stop().catch(() => { /* a failed restart left a crashed instance */ });
      await s.now.govflow.close().catch(() => {});
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('the provider dies after answering, the answer lost on the way: after its restart on the same address the retry gets the stored answer, one review case', async () => {
    relay.holdAnswers();
    const started = await city.now.govflow.engine.startInstance('permit-review', { businessKey: 'BP-1', variables: { permitRef: 'BP-1', address: '1 Main St' } });
    const first = await answeredButHeld('BP-1');
    assert.equal((await city.now.govflow.engine.getInstance(started.id)).state, 'active', 'the city has no answer yet');
    await crash(fire);
    relay.cut();
    // The city's call failed (the connection broke); its retry finds the fire service down, or already back.
    await eventually('the city job failed', async () => (await city.now.govflow.engine.getEvents(started.id)).some((e) => e.type === 'job.failed'));
    fire.now = await open(fire);
    await assertOnce('BP-1', first, 1);
  });

  it('the consumer dies with its call claimed and unanswered: after its restart on the same database the call is sent again and answered once', async () => {
    relay.holdAnswers();
    const started = await city.now.govflow.engine.startInstance('permit-review', { businessKey: 'BP-2', variables: { permitRef: 'BP-2', address: '2 Main St' } });
    const first = await answeredButHeld('BP-2');
    // The city dies with the job locked by it and its message logged unanswered; then the connection breaks.
    await crash(city, () => relay.cut());
    city.now = await open(city);
    assert.equal((await city.now.govflow.engine.getInstance(started.id)).state, 'active', 'the call is still pending after the restart');
    await assertOnce('BP-2', first, 2);
    // No failure was recorded: the job stayed claimed through the crash and was taken again when its lock expired.
    assert.deepEqual((await city.now.govflow.engine.getEvents(started.id)).filter((e) => e.type === 'job.failed'), []);
  });
});
