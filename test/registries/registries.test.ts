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
const ROBIN = '20150301-1011';
/** The people of these tests and their national IDs (Riley's is not in the population registry). */
const NATIONAL_IDS: Record<string, string> = { alex: ALEX, sam: '19790203-2002', kim: '19920718-3003', riley: '49403136526' };

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

  /** The privacy module with the demo citizens' national IDs in its vault, as eID sign-ins leave them. */
  async function privacyWithPeople() {
    const privacy = createPrivacy({ db, masterKey });
    for (const [person, id] of Object.entries(NATIONAL_IDS)) {
      if (!(await privacy.vault.findPersonByIdentifier('national-id', id))) await db.transaction((tx) => privacy.vault.putIdentifier(tx, person, 'national-id', id));
    }
    return privacy;
  }
  const simulatorLog = async () => (await (await fetch(new URL('/log', sim.url))).json()) as { client: string; purpose: string; requestId: string; path: string; status: number }[];
  async function jobOf(instanceId: number) {
    const [job] = (await engine.activateJobs({ type: 'registry-lookup', worker: 't', maxJobs: 10 })).filter((j) => j.instanceId === instanceId);
    assert.ok(job, `a registry-lookup job for instance ${instanceId}`);
    return job;
  }

  it('prefills a running process through the real worker loop: records sealed in the vault, each read logged for the person it is about', async () => {
    const privacy = await privacyWithPeople();
    const handler = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: sim.publicKey, clientKey, privacy, onPersonalDataRead: (r) => { reads.push(r); } });
    // The applicant is the signed-in person (the `applicant` variable here); nothing typed names anyone.
    const person = await engine.startInstance('benefit_prefill', { variables: { applicant: 'alex' } });
    const company = await engine.startInstance('licence_prefill', { variables: { applicant: 'sam', businessCode: 'BR-300400' } });
    const loop = startWorkerLoop(engine, { handlers: { 'registry-lookup': handler }, timers: false, maxPollMs: 50 });
    try {
      for (let i = 0; i < 100 && (await engine.listTasks({ state: 'created' })).filter((t) => [person.id, company.id].includes(t.instanceId)).length < 2; i++) await loop.poll();
    } finally {
      await loop.stop();
    }
    const prefilled = (await engine.getInstance(person.id)).variables['person'] as { record: string; householdMembers: { record: string; relation: string }[] };
    // The case holds references only; opening them gives the registry's records, Alex's and their child's.
    assert.match(prefilled.record, /^vault:pd1_/);
    assert.deepEqual(prefilled.householdMembers.map((m) => m.relation), ['child']);
    const opened = await privacy.vault.records.reveal(prefilled, { actor: 'staff:test', purpose: 'test' });
    assert.deepEqual(opened.record, PEOPLE[ALEX]);
    assert.deepEqual(opened.householdMembers[0]!.record, PEOPLE[ROBIN]);
    const { representatives, ...companyRecord } = COMPANIES['BR-300400']!;
    assert.ok(representatives.length > 0);
    assert.deepEqual((await engine.getInstance(company.id)).variables['business'], companyRecord, 'the business record, without the representatives (other people\'s data)');
    const events = await db.query<{ type: string; actor: string; data: Record<string, unknown> }>("select type, actor, data from event_log where instance_id = $1 and type = 'registry.queried' order by id", [person.id]);
    assert.equal(events.rows.length, 2, 'the applicant\'s record and the household member\'s');
    const data = events.rows[0]!.data;
    assert.equal(events.rows[0]!.actor, 'system:registry-connector');
    assert.equal(data['registry'], 'population');
    assert.equal(data['purpose'], 'housing-benefit-household-check');
    assert.equal(data['status'], 200);
    assert.match(String(data['responseDigest']), /^sha-256=/);
    assert.equal(data['record'], prefilled.record);
    for (const e of events.rows) {
      for (const secret of [ALEX, ROBIN, 'Alex Demo', 'Robin Demo', '12 Harbour Street']) assert.ok(!JSON.stringify(e.data).includes(secret), `no '${secret}' in the event`);
    }
    // The simulator's own log agrees on who asked what, for which purpose, with the same request id.
    const theirs = (await simulatorLog()).find((e) => e.requestId === data['requestId']);
    assert.equal(theirs?.purpose, 'housing-benefit-household-check');
    assert.equal(theirs?.client, 'govflow');
    assert.ok(reads.some((r) => r.subject === 'alex' && r.purpose === 'housing-benefit-household-check' && r.actor === 'system:registry-connector'));
    const access = await privacy.listAccess('alex');
    const entry = access.entries.find((a) => a.reference === `case:${person.id}`);
    assert.equal(entry?.actor, 'system:registry-connector');
    assert.equal(entry?.action, 'registry.population.read');
    assert.equal(entry?.purpose, 'housing-benefit-household-check');
    assert.ok(entry?.dataCategories.includes('household'));
    // The child's record was read for Alex's claim: logged against the child, under the person id the vault gave them.
    const robin = await privacy.vault.findPersonByIdentifier('national-id', ROBIN);
    assert.ok(robin && robin !== 'alex');
    const robinsLog = (await privacy.listAccess(robin)).entries;
    // Newest first: this test's own opening of the records above (staff:test), then the connector's read.
    assert.deepEqual(robinsLog.map((a) => [a.action, a.actor, a.reference]), [['personal-record.read', 'staff:test', null], ['registry.population.household-member.read', 'system:registry-connector', `case:${person.id}`]]);
    // The export of each person holds their own record, decrypted.
    assert.deepEqual((await db.transaction((tx) => privacy.vault.records.recordsOf(tx, robin))).map((r) => r.value), [PEOPLE[ROBIN]]);
  });

  it('a typed national ID is never looked up: refused with a clear message, nothing fetched, nothing logged', async () => {
    const privacy = await privacyWithPeople();
    const handler = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: sim.publicKey, clientKey, privacy });
    const before = (await simulatorLog()).length;
    const typed = await engine.startInstance('benefit_prefill', { variables: { applicant: 'kim', nationalId: ALEX } });
    const job = await jobOf(typed.id);
    await assert.rejects(handler(job), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_LOOKUP_NOT_ALLOWED' && /typed national identity number is never looked up/.test(e.message) && e.message.includes("'nationalId'"));
    // Even the applicant's own number, typed, is not used: the look-up always takes the signed-in identity.
    const own = await engine.startInstance('benefit_prefill', { variables: { applicant: 'kim', nationalId: NATIONAL_IDS['kim']! } });
    await assert.rejects(handler(await jobOf(own.id)), (e: { code?: string }) => e.code === 'GOVFLOW_ERR_LOOKUP_NOT_ALLOWED');
    // A case without a signed-in applicant asks nobody.
    const nobody = await engine.startInstance('benefit_prefill', { variables: {} });
    await assert.rejects(handler(await jobOf(nobody.id)), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_LOOKUP_NOT_ALLOWED' && /no signed-in applicant/.test(e.message));
    assert.equal((await simulatorLog()).length, before, 'the registry was not asked anything');
    const events = await db.query("select 1 from event_log where instance_id = any($1::bigint[]) and type = 'registry.queried'", [[typed.id, own.id, nobody.id]]);
    assert.equal(events.rows.length, 0);
    const alexPerson = await privacy.vault.findPersonByIdentifier('national-id', ALEX);
    assert.equal((await privacy.listAccess(alexPerson!)).entries.filter((a) => a.reference === `case:${typed.id}`).length, 0, 'nothing about Alex was read for Kim\'s case');
    for (const j of [job]) await engine.failJob(j.id, { worker: 't', retries: 0 });
  });

  it('a licence renewal for a business the applicant does not represent is refused before anything about the business is fetched', async () => {
    const privacy = await privacyWithPeople();
    const handler = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: sim.publicKey, clientKey, privacy });
    const before = (await simulatorLog()).length;
    const started = await engine.startInstance('licence_prefill', { variables: { applicant: 'kim', businessCode: 'BR-100200' } });
    const job = await jobOf(started.id);
    await assert.rejects(handler(job), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_NOT_REPRESENTATIVE' && e.message.includes('does not list the applicant as representing BR-100200'));
    const asked = (await simulatorLog()).slice(before);
    // Only Kim's own representations were asked for (by her number, which the event does not carry), never the company.
    assert.deepEqual(asked.map((e) => e.path), [`/business/v1/representatives/${NATIONAL_IDS['kim']}/companies`]);
    const events = await db.query<{ data: Record<string, unknown> }>("select data from event_log where instance_id = $1 and type = 'registry.queried'", [started.id]);
    assert.deepEqual(events.rows.map((r) => [r.data['representation'], r.data['represents']]), [['BR-100200', false]]);
    assert.ok(!JSON.stringify(events.rows).includes(NATIONAL_IDS['kim']!));
    await engine.failJob(job.id, { worker: 't', retries: 0 });
  });

  it('a tampered answer is refused by the connector; nothing is prefilled or logged as received', async () => {
    const privacy = await privacyWithPeople();
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
      const handler = createRegistryLookupHandler({ engine, baseUrl: `http://127.0.0.1:${port}`, registryPublicKey: sim.publicKey, clientKey, privacy });
      const started = await engine.startInstance('benefit_prefill', { variables: { applicant: 'alex' } });
      const job = await jobOf(started.id);
      await assert.rejects(handler(job), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_SIGNATURE' && /digest/.test(e.message));
      // Also refused: an answer signed by a key other than the registry's.
      const impostor = generateSigningKey('agency-simulator');
      const wrongKey = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: impostor.publicKey, clientKey, privacy });
      await assert.rejects(wrongKey(job), (e: { code?: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_SIGNATURE');
      const events = await db.query("select 1 from event_log where instance_id = $1 and type = 'registry.queried'", [started.id]);
      assert.equal(events.rows.length, 0);
      await engine.failJob(job.id, { worker: 't', retries: 0 });
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('an unknown person or business is logged as a 404 answer and raises a clear coded error; a missing purpose is refused before any request', async () => {
    const privacy = await privacyWithPeople();
    const handler = createRegistryLookupHandler({ engine, baseUrl: sim.url, registryPublicKey: sim.publicKey, clientKey, privacy });
    const started = await engine.startInstance('benefit_prefill', { variables: { applicant: 'riley' } });
    const job = await jobOf(started.id);
    await assert.rejects(handler(job), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_NOT_FOUND' && e.message.includes('no record for the applicant'));
    const events = await db.query<{ data: { status: number } }>("select data from event_log where instance_id = $1 and type = 'registry.queried'", [started.id]);
    assert.equal(events.rows[0]?.data.status, 404);
    await assert.rejects(handler({ ...job, headers: { ...job.headers, purpose: ' ' } }), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_INPUT' && /purpose/.test(e.message));
    await engine.failJob(job.id, { worker: 't', retries: 0 });
    const licence = await engine.startInstance('licence_prefill', { variables: { applicant: 'sam' } });
    const licenceJob = await jobOf(licence.id);
    await assert.rejects(handler(licenceJob), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_REGISTRY_INPUT' && e.message.includes("'businessCode'"));
    await engine.failJob(licenceJob.id, { worker: 't', retries: 0 });
  });

  it('registry down: the job is retried, then an incident is raised on the case', async () => {
    // A port nobody listens on: start and stop a server to get one.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const handler = createRegistryLookupHandler({ engine, baseUrl: `http://127.0.0.1:${port}`, registryPublicKey: sim.publicKey, clientKey, privacy: await privacyWithPeople(), timeoutMs: 500 });
    const started = await engine.startInstance('benefit_prefill', { variables: { applicant: 'alex' } });
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
    const privacy = await privacyWithPeople();
    const setup = await setUpRegistryConnector({ db, engine, masterKey, env: {}, privacy });
    try {
      assert.ok(setup.handler && setup.url);
      const started = await engine.startInstance('licence_prefill', { variables: { applicant: 'sam', businessCode: 'BR-100200' } });
      const [job] = (await engine.activateJobs({ type: 'registry-lookup', worker: 's', maxJobs: 10 })).filter((j) => j.instanceId === started.id);
      const { representatives: _representatives, ...company } = COMPANIES['BR-100200']!;
      assert.deepEqual(await setup.handler(job!), { business: company });
      await engine.completeJob(job!.id, { worker: 's', variables: {} });
    } finally {
      await setup.stop();
    }
    assert.equal((await setUpRegistryConnector({ db, engine, masterKey, env: { GOVFLOW_REGISTRY: 'off' }, privacy })).handler, undefined);
  });
});
