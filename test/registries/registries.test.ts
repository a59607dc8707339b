import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createEngine, startWorkerLoop, type Engine } from '../../src/engine/index.js';
import {
  createRegistryLookupHandler, formatSignatureHeader, generateSigningKey, loadOrCreateClientKey, parseSignatureHeader, REQUEST_SIGNATURE_HEADER,
  PURPOSE_HEADER, setUpRegistryConnector, signRequest, startAgencySimulator, type PersonalDataRead, type RunningSimulator, type SigningKey,
} from '../../src/registries/index.js';
import type { Database } from '../../src/store/index.js';
import { createPrivacy } from '../../src/privacy/index.js';
import { COMPANIES, PEOPLE } from '../../simulator/agency-simulator.js';
import { describeEachBackend } from '../support/databases.js';
import { registriesDatabase } from './support.js';

const ALEX = '19850412-1001';

function lookupBpmn(id: string, registry: string, input: string, purpose: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://govflow.test">
  <process id="${id}" isExecutable="true">
    <startEvent id="s"/>
    <serviceTask id="lookup"><extensionElements><zeebe:taskDefinition type="registry-lookup" retries="2"/>
      <zeebe:taskHeaders><zeebe:header key="registry" value="${registry}"/><zeebe:header key="purpose" value="${purpose}"/><zeebe:header key="input" value="${input}"/></zeebe:taskHeaders>
    </extensionElements></serviceTask>
    <userTask id="review"/>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="lookup"/><sequenceFlow id="f2" sourceRef="lookup" targetRef="review"/><sequenceFlow id="f3" sourceRef="review" targetRef="e"/>
  </process>
</definitions>`;
}

async function get(sim: RunningSimulator, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, sim.url), { headers });
}

describe('agency simulator (a real child process on loopback)', () => {
  const client = generateSigningKey('govflow');
  const stranger = generateSigningKey('govflow'); // same key id, a different (forged) key
  let sim: RunningSimulator;
  before(async () => { sim = await startAgencySimulator({ clients: { govflow: client.publicKey } }); });
  after(async () => { await sim?.stop(); });

  it('answers a signed request and refuses unsigned, forged, replayed, stale and purpose-less ones', async () => {
    const path = `/population/v1/persons/${ALEX}`;
    const signed = signRequest(client, { method: 'GET', path, purpose: 'housing-benefit-eligibility' });
    const ok = await get(sim, path, signed.headers);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json() as { name: string }).name, 'Alex Demo');
    assert.ok(ok.headers.get('registry-signature'));

    assert.equal((await get(sim, path)).status, 401, 'unsigned');
    assert.equal((await get(sim, path, signRequest(stranger, { method: 'GET', path, purpose: 'x' }).headers)).status, 401, 'forged');
    assert.equal((await get(sim, path, signed.headers)).status, 401, 'replayed');
    assert.equal((await get(sim, path, signRequest(client, { method: 'GET', path, purpose: 'x' }, Date.now() - 10 * 60_000).headers)).status, 401, 'stale');
    // A signature for one record does not open another.
    const other = signRequest(client, { method: 'GET', path, purpose: 'x' });
    assert.equal((await get(sim, '/population/v1/persons/19790203-2002', other.headers)).status, 401, 'path not covered by signature');
    // Changing the declared purpose after signing breaks the signature.
    const swapped = signRequest(client, { method: 'GET', path, purpose: 'x' });
    assert.equal((await get(sim, path, { ...swapped.headers, [PURPOSE_HEADER]: 'y' })).status, 401, 'purpose swapped');
    const noPurpose = signRequest(client, { method: 'GET', path, purpose: 'x' });
    assert.equal((await get(sim, path, { [REQUEST_SIGNATURE_HEADER]: noPurpose.headers[REQUEST_SIGNATURE_HEADER]! })).status, 401, 'no purpose');

    const log = await (await get(sim, '/log')).json() as { status: number; purpose: string | null; refusal?: string }[];
    assert.equal(log.filter((e) => e.status === 200).length, 1);
    assert.equal(log.find((e) => e.status === 200)?.purpose, 'housing-benefit-eligibility');
    assert.ok(log.some((e) => e.refusal?.includes('replay')));
    assert.ok(log.some((e) => e.refusal?.includes('stale')));
  });
});

describe('signature header parsing (properties)', () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,11}$/);
  const value = fc.stringMatching(/^[A-Za-z0-9+/=_.:-]{0,40}$/);
  it('format then parse gives back the parameters', () => {
    fc.assert(fc.property(fc.dictionary(token, value, { minKeys: 1, maxKeys: 6 }), (params) => {
      assert.deepEqual(Object.entries(parseSignatureHeader(formatSignatureHeader(params))), Object.entries(params));
    }));
  });
  it('any string either parses or fails with the coded signature error, never anything else', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a=', 'a="b', 'a="b" c="d"', 'a=1,,b=2', 'a="1", a="2"', '=x', '__proto__="x"', 'constructor=1')), (raw) => {
      try {
        const parsed = parseSignatureHeader(raw);
        assert.ok(Object.keys(parsed).length > 0);
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'GOVFLOW_ERR_REGISTRY_SIGNATURE');
      }
    }));
  });
  it('refuses duplicates and junk after a value', () => {
    assert.throws(() => parseSignatureHeader('a="1", a="2"'), /twice/);
    assert.throws(() => parseSignatureHeader('a="1" b="2"'), /cannot be read/);
  });
});

describeEachBackend('registry-lookup connector', (backend) => {
  let db: Database;
  let engine: Engine;
  let sim: RunningSimulator;
  let clientKey: SigningKey & { publicKey: string };
  const masterKey = randomBytes(32).toString('base64url');
  const reads: PersonalDataRead[] = [];

  before(async () => {
    db = await registriesDatabase(backend);
    engine = createEngine(db);
    clientKey = await loadOrCreateClientKey(db, masterKey);
    sim = await startAgencySimulator({ clients: { govflow: clientKey.publicKey } });
    await engine.deploy([
      { name: 'benefit.bpmn', content: lookupBpmn('benefit_prefill', 'population', 'nationalId', 'housing-benefit-household-check') },
      { name: 'licence.bpmn', content: lookupBpmn('licence_prefill', 'business', 'businessCode', 'licence-renewal-violations-check') },
    ]);
  });
  after(async () => {
    await sim?.stop();
    await db?.close();
  });

  it('keeps its own key sealed: the same key comes back, and the stored box is not the key', async () => {
    const again = await loadOrCreateClientKey(db, masterKey);
    assert.equal(again.publicKey, clientKey.publicKey);
    const { rows } = await db.query<{ private_key_box: string }>('select private_key_box from registry_client_key');
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.private_key_box, /^gfbox1\./);
    await assert.rejects(loadOrCreateClientKey(db, 'another master key'), /master key/);
  });

  it('prefills a running process through the real worker loop and logs the signed answer on the case', async () => {
    const privacy = createPrivacy({ db, masterKey });
    // Alex's national ID is known to govflow's identifier vault: the access log names the person, not the number.
    await db.transaction((tx) => privacy.vault.putIdentifier(tx, 'alex', 'national-id', ALEX));
    const handler = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: sim.publicKey, clientKey, privacy, onPersonalDataRead: (r) => { reads.push(r); } });
    const person = await engine.startInstance('benefit_prefill', { variables: { nationalId: ALEX } });
    const company = await engine.startInstance('licence_prefill', { variables: { businessCode: 'BR-300400' } });
    const loop = startWorkerLoop(engine, { handlers: { 'registry-lookup': handler }, timers: false, maxPollMs: 50 });
    try {
      for (let i = 0; i < 100 && (await engine.listTasks({ state: 'created' })).filter((t) => [person.id, company.id].includes(t.instanceId)).length < 2; i++) await loop.poll();
    } finally {
      await loop.stop();
    }
    const prefilled = await engine.getInstance(person.id);
    assert.deepEqual(prefilled.variables['person'], PEOPLE[ALEX]);
    assert.deepEqual((await engine.getInstance(company.id)).variables['business'], COMPANIES['BR-300400']);
    const events = await db.query<{ type: string; actor: string; data: Record<string, unknown> }>("select type, actor, data from event_log where instance_id = $1 and type = 'registry.queried'", [person.id]);
    assert.equal(events.rows.length, 1);
    const data = events.rows[0]!.data;
    assert.equal(events.rows[0]!.actor, 'system:registry-connector');
    assert.equal(data['registry'], 'population');
    assert.equal(data['purpose'], 'housing-benefit-household-check');
    assert.equal(data['status'], 200);
    assert.match(String(data['responseDigest']), /^sha-256=/);
    assert.deepEqual(data['response'], PEOPLE[ALEX]);
    // The simulator's own log agrees on who asked what, for which purpose, with the same request id.
    const log = await (await fetch(new URL('/log', sim.url))).json() as { client: string; purpose: string; requestId: string; path: string }[];
    const theirs = log.find((e) => e.requestId === data['requestId']);
    assert.equal(theirs?.purpose, 'housing-benefit-household-check');
    assert.equal(theirs?.client, 'govflow');
    assert.ok(reads.some((r) => r.subject === ALEX && r.purpose === 'housing-benefit-household-check' && r.actor === 'system:registry-connector'));
    const access = await privacy.listAccess('alex');
    const entry = access.entries.find((a) => a.reference === `case:${person.id}`);
    assert.equal(entry?.actor, 'system:registry-connector');
    assert.equal(entry?.action, 'registry.population.read');
    assert.equal(entry?.purpose, 'housing-benefit-household-check');
    assert.ok(entry?.dataCategories.includes('household'));
  });

  it('a tampered answer is refused by the connector; nothing is prefilled or logged as received', async () => {
    // A man in the middle on loopback: forwards the signed request and alters one byte of the answer.
    const { createServer } = await import('node:http');
    const proxy = createServer((req, res) => {
      void (async () => {
        const upstream = await fetch(new URL(req.url!, sim.url), { headers: req.headers as Record<string, string> });
        const body = (await upstream.text()).replace('Alex Demo', 'Alex Dem0');
        res.writeHead(upstream.status, { 'content-type': 'application/json', 'registry-signature': upstream.headers.get('registry-signature') ?? '' }).end(body);
      })();
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    try {
      const handler = createRegistryLookupHandler({ engine, baseUrl: `http://127.0.0.1:${port}`, registryPublicKey: sim.publicKey, clientKey });
      const started = await engine.startInstance('benefit_prefill', { variables: { nationalId: ALEX } });
      const [job] = (await engine.activateJobs({ type: 'registry-lookup', worker: 't', maxJobs: 10 })).filter((j) => j.instanceId === started.id);
      await assert.rejects(handler(job!), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_SIGNATURE' && /digest/.test(e.message));
      // Also refused: an answer signed by a key other than the registry's.
      const impostor = generateSigningKey('agency-simulator');
      const wrongKey = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: impostor.publicKey, clientKey });
      await assert.rejects(wrongKey(job!), (e: { code?: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_SIGNATURE');
      const events = await db.query("select 1 from event_log where instance_id = $1 and type = 'registry.queried'", [started.id]);
      assert.equal(events.rows.length, 0);
      await engine.failJob(job!.id, { worker: 't', retries: 0 });
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('an unknown identifier is logged as a 404 answer and raises a clear coded error; a missing purpose is refused before any request', async () => {
    const handler = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: sim.publicKey, clientKey });
    const started = await engine.startInstance('licence_prefill', { variables: { businessCode: 'BR-999999' } });
    const [job] = (await engine.activateJobs({ type: 'registry-lookup', worker: 't', maxJobs: 10 })).filter((j) => j.instanceId === started.id);
    await assert.rejects(handler(job!), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_NOT_FOUND' && e.message.includes("'businessCode'"));
    const events = await db.query<{ data: { status: number } }>("select data from event_log where instance_id = $1 and type = 'registry.queried'", [started.id]);
    assert.equal(events.rows[0]?.data.status, 404);
    await assert.rejects(handler({ ...job!, headers: { ...job!.headers, purpose: ' ' } }), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_INPUT' && /purpose/.test(e.message));
    await assert.rejects(handler({ ...job!, variables: {} }), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_INPUT' && e.message.includes("'businessCode'"));
    await engine.failJob(job!.id, { worker: 't', retries: 0 });
  });

  it('registry down: the job is retried, then an incident is raised on the case', async () => {
    // A port nobody listens on: start and stop a server to get one.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const handler = createRegistryLookupHandler({ engine, baseUrl: `http://127.0.0.1:${port}`, registryPublicKey: sim.publicKey, clientKey, timeoutMs: 500 });
    const started = await engine.startInstance('benefit_prefill', { variables: { nationalId: ALEX } });
    const loop = startWorkerLoop(engine, { handlers: { 'registry-lookup': handler }, timers: false, maxPollMs: 50 });
    try {
      for (let i = 0; i < 100 && (await engine.listIncidents({ instanceId: started.id })).length === 0; i++) {
        await loop.poll();
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await loop.stop();
    }
    const incidents = await engine.listIncidents({ instanceId: started.id });
    assert.equal(incidents.length, 1);
    assert.match(incidents[0]!.message, /did not answer/);
    const failures = await db.query("select 1 from event_log where instance_id = $1 and type = 'job.failed'", [started.id]);
    assert.equal(failures.rows.length, 2, 'two attempts (retries="2") before the incident');
  });

  it('the composition-root setup spawns the simulator trusting govflow\'s stored key, and lookups through it verify', async () => {
    const setup = await setUpRegistryConnector({ db, engine, masterKey, env: {} });
    try {
      assert.ok(setup.handler && setup.url);
      const started = await engine.startInstance('licence_prefill', { variables: { businessCode: 'BR-100200' } });
      const [job] = (await engine.activateJobs({ type: 'registry-lookup', worker: 's', maxJobs: 10 })).filter((j) => j.instanceId === started.id);
      assert.deepEqual(await setup.handler(job!), { business: COMPANIES['BR-100200'] });
      await engine.completeJob(job!.id, { worker: 's', variables: {} });
    } finally {
      await setup.stop();
    }
    assert.equal((await setUpRegistryConnector({ db, engine, masterKey, env: { GOVFLOW_REGISTRY: 'off' } })).handler, undefined);
  });
});
