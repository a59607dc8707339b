/**
 * API keys of agency systems act only on their services' cases on every engine route (issue 6, least privilege):
 * activating and completing jobs, publishing messages and signals, reading instances (including the processes a
 * case called) and evaluating decisions. Real server on loopback, both backends.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { bpmn, job, message, messageRef, signal, signalRef } from '../engine/bpmn.js';
import { describeEachBackend } from '../support/databases.js';
import { apiKeyFor } from '../support/sign-in.js';
import { startIdentityServer, type IdentityServer } from './support.js';

// building-permit's process: a job, then a called process (another job), then it waits for a message. A second,
// message start event and a signal start event can also start it. Its decision sits on a branch never taken.
const inspection = bpmn('inspection', `<startEvent id="s"/><startEvent id="ms">${messageRef('m-shared')}</startEvent><startEvent id="ss">${signalRef('sig-campaign')}</startEvent>
  ${job('verify', 'verify')}<exclusiveGateway id="gw"/>
  <callActivity id="call"><extensionElements><zeebe:calledElement processId="visit" propagateAllChildVariables="false"/></extensionElements></callActivity>
  <intermediateCatchEvent id="done">${messageRef('m-done')}</intermediateCatchEvent><endEvent id="e"/>
  <businessRuleTask id="fee"><extensionElements><zeebe:calledDecision decisionId="building-permit-fee" resultVariable="fee"/></extensionElements></businessRuleTask><endEvent id="e2"/>`,
's -> verify; ms -> verify; ss -> verify; verify -> gw; gw -> call (default); gw -> fee [= false]; fee -> e2; call -> done; done -> e',
`${message('m-done', 'inspection-done', '=ref')}${message('m-shared', 'shared-notice')}${signal('sig-campaign', 'inspection-campaign')}`);
const visit = bpmn('visit', `<startEvent id="s"/>${job('verify', 'verify')}<endEvent id="e"/>`, 's -> verify; verify -> e');
// business-licence-renewal's process: a job, then it waits for its own message; the shared message starts it too.
const renewal = bpmn('renewal', `<startEvent id="s"/><startEvent id="ms">${messageRef('m-shared')}</startEvent>${job('verify', 'verify')}
  <intermediateCatchEvent id="paid">${messageRef('m-paid')}</intermediateCatchEvent><exclusiveGateway id="gw"/><endEvent id="e"/>
  <businessRuleTask id="risk"><extensionElements><zeebe:calledDecision decisionId="risk_check" resultVariable="risk"/></extensionElements></businessRuleTask><endEvent id="e2"/>`,
's -> verify; ms -> verify; verify -> paid; paid -> gw; gw -> e (default); gw -> risk [= false]; risk -> e2',
`${message('m-paid', 'renewal-paid', '=ref')}${message('m-shared', 'shared-notice')}`);

const SERVICES: Record<string, string> = { inspection: 'building-permit', renewal: 'business-licence-renewal' };

describeEachBackend('identity: agency API keys act only on their services', (backend) => {
  let s: IdentityServer;
  let permitKey: Record<string, string>;
  let licenceKey: Record<string, string>;
  let adminKey: Record<string, string>;
  let inspectionId: number;
  let renewalId: number;
  before(async () => {
    s = await startIdentityServer(backend, {}, 0, (key) => SERVICES[key]);
    const dmn = async (file: URL) => readFile(file, 'utf8');
    await s.engine.deploy([
      { name: 'inspection.bpmn', content: inspection }, { name: 'visit.bpmn', content: visit }, { name: 'renewal.bpmn', content: renewal },
      { name: 'building-permit-fee.dmn', content: await dmn(new URL('../../examples/building-permit-fee.dmn', import.meta.url)) },
      { name: 'risk_check.dmn', content: await dmn(new URL('../conformance/fixtures/risk_check.dmn', import.meta.url)) },
    ]);
    const bearer = async (spec: Parameters<typeof apiKeyFor>[1]) => ({ authorization: `Bearer ${await apiKeyFor(s.db, spec)}`, 'content-type': 'application/json' });
    permitKey = await bearer({ roles: ['agency-system'], services: ['building-permit'] });
    licenceKey = await bearer({ roles: ['agency-system'], services: ['business-licence-renewal'] });
    adminKey = await bearer({ roles: ['admin'] });
    inspectionId = (await s.engine.startInstance('inspection', { variables: { ref: 'I-1' } })).id;
    renewalId = (await s.engine.startInstance('renewal', { variables: { ref: 'R-1' } })).id;
  });
  after(() => s.close());

  const post = async (path: string, headers: Record<string, string>, body: unknown) => {
    const r = await fetch(`${s.base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() as Record<string, unknown> & { code?: string } };
  };
  const get = async (path: string, headers: Record<string, string>) => (await fetch(`${s.base}${path}`, { headers })).status;
  const activate = async (headers: Record<string, string>, worker: string) => {
    const r = await post('/api/jobs/activate', headers, { type: 'verify', worker, maxJobs: 50 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as unknown as { id: number; instanceId: number; processKey: string }[];
  };

  it('hands a worker only jobs of its services\' cases, including the processes those cases called', async () => {
    const permitJobs = await activate(permitKey, 'permit-worker');
    assert.deepEqual(permitJobs.map((j) => j.instanceId), [inspectionId], 'the inspection\'s job, not the renewal\'s');
    assert.equal((await post(`/api/jobs/${permitJobs[0]!.id}/complete`, permitKey, { worker: 'permit-worker' })).status, 200);
    // The inspection now runs the called process `visit`: its job belongs to the building-permit case too.
    const childJobs = await activate(permitKey, 'permit-worker');
    assert.deepEqual(childJobs.map((j) => j.processKey), ['visit']);
    const childInstance = childJobs[0]!.instanceId;
    assert.equal(await get(`/api/process-instances/${childInstance}`, permitKey), 200, 'a called process of its case');
    assert.equal(await get(`/api/process-instances/${childInstance}/events`, permitKey), 200);
    assert.equal(await get(`/api/process-instances/${childInstance}`, licenceKey), 403);
    assert.equal(await get(`/api/process-instances/${childInstance}/events`, licenceKey), 403);
    assert.equal((await post(`/api/jobs/${childJobs[0]!.id}/complete`, permitKey, { worker: 'permit-worker' })).status, 200);

    const licenceJobs = await activate(licenceKey, 'licence-worker');
    assert.deepEqual(licenceJobs.map((j) => j.instanceId), [renewalId]);
    assert.deepEqual(await activate(licenceKey, 'licence-worker'), [], 'nothing of the building permit');
  });

  it('refuses to complete, fail or throw an error on another service\'s job, even with the right worker name', async () => {
    // The renewal's job, locked by the licence service's worker in the test before.
    const { rows } = await s.db.query<{ id: string | number }>("select id from job where instance_id = $1 and kind = 'task'", [renewalId]);
    assert.equal(rows.length, 1);
    const jobId = Number(rows[0]!.id);
    for (const [path, body] of [['complete', { worker: 'licence-worker' }], ['fail', { worker: 'licence-worker', retries: 0 }], ['error', { worker: 'licence-worker', errorCode: 'x' }]] as const) {
      const r = await post(`/api/jobs/${jobId}/${path}`, permitKey, body);
      assert.equal(r.status, 403, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'GOVFLOW_ERR_FORBIDDEN');
    }
    const still = await s.db.query<{ state: string; retries: number; lock_owner: string }>('select state, retries, lock_owner from job where id = $1', [jobId]);
    assert.equal(still.rows[0]?.state, 'locked', 'the job is untouched');
    assert.equal(still.rows[0]?.lock_owner, 'licence-worker');
    assert.equal((await post('/api/jobs/999999/complete', permitKey, { worker: 'w' })).status, 404, 'an unknown job is a 404 as for anyone');
    assert.equal((await post(`/api/jobs/${jobId}/complete`, licenceKey, { worker: 'licence-worker' })).status, 200, 'its own service\'s key completes it');
  });

  it('publishes a message or signal only when every process that can receive it is of the key\'s services', async () => {
    const waiting = async (id: number) => (await s.engine.getInstance(id)).activeElements.map((e) => e.elementId);
    assert.deepEqual(await waiting(renewalId), ['paid']);
    const intoRenewal = await post('/api/messages', permitKey, { name: 'renewal-paid', correlationKey: 'R-1' });
    assert.equal(intoRenewal.status, 403, JSON.stringify(intoRenewal.body));
    assert.deepEqual(await waiting(renewalId), ['paid'], 'the renewal still waits');
    assert.equal((await post('/api/messages', licenceKey, { name: 'inspection-done', correlationKey: 'I-1' })).status, 403);
    assert.deepEqual(await waiting(inspectionId), ['done']);
    assert.equal((await post('/api/messages', permitKey, { name: 'nobody-receives-this', timeToLiveMs: 60_000 })).status, 403, 'not even into the buffer');
    const shared = await post('/api/messages', permitKey, { name: 'shared-notice' });
    assert.equal(shared.status, 403, 'a message the other service also receives');
    assert.match(String(shared.body['message']), /also received/);
    const before = (await s.engine.listInstances({ processKey: 'renewal' })).length;
    assert.equal((await post('/api/signals', licenceKey, { name: 'inspection-campaign' })).status, 403);
    const campaign = await post('/api/signals', permitKey, { name: 'inspection-campaign' });
    assert.equal(campaign.status, 200, JSON.stringify(campaign.body));
    assert.equal((campaign.body['startedInstances'] as number[]).length, 1);
    assert.equal((await s.engine.listInstances({ processKey: 'renewal' })).length, before, 'no renewal started by the refused messages');

    const done = await post('/api/messages', permitKey, { name: 'inspection-done', correlationKey: 'I-1' });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(done.body['correlatedInstances'], [inspectionId]);
    const paid = await post('/api/messages', licenceKey, { name: 'renewal-paid', correlationKey: 'R-1' });
    assert.deepEqual(paid.body['correlatedInstances'], [renewalId]);
    assert.equal((await post('/api/messages', adminKey, { name: 'shared-notice' })).status, 200, 'an admin is not limited to services');
  });

  it('evaluates conditional start events only of one process of the key\'s services', async () => {
    const everything = await post('/api/conditionals/evaluation', permitKey, { variables: { amount: 1 } });
    assert.equal(everything.status, 403, 'without a process key it would reach every service');
    assert.equal((await post('/api/conditionals/evaluation', permitKey, { processKey: 'renewal', variables: {} })).status, 403);
    const mine = await post('/api/conditionals/evaluation', permitKey, { processKey: 'inspection', variables: {} });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(mine.body['startedInstances'], [], 'inspection has no conditional start event');
  });

  it('refuses every other message, signal and decision name from an agency key, never with a 2xx or 5xx (property)', async () => {
    const receivable = new Set(['inspection-done', 'inspection-campaign', 'shared-notice', 'renewal-paid', 'building-permit-fee', 'risk_check']);
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme' }), fc.constantFrom('messages', 'signals', 'decisions'), async (name, route) => {
      fc.pre(!receivable.has(name));
      const r = route === 'decisions'
        ? await post(`/api/decisions/${encodeURIComponent(name)}/evaluate`, permitKey, { variables: {} })
        : await post(`/api/${route}`, permitKey, { name, timeToLiveMs: 60_000 });
      // 403 (not its services'), 404 (an unknown decision), 400 (a name the edge refuses, e.g. NUL)
      assert.ok([400, 403, 404].includes(r.status), `${route} '${name}': ${r.status} ${JSON.stringify(r.body)}`);
    }), { numRuns: 40 });
    const buffered = await s.db.query("select count(*)::int as n from message_buffer where expires_at > now()");
    assert.equal(Number((buffered.rows[0] as { n: number }).n), 0, 'nothing was left in the message buffer');
  });

  it('evaluates only the decisions its services\' processes use; unknown ones are 404 as for anyone', async () => {
    const fee = await post('/api/decisions/building-permit-fee/evaluate', permitKey, { variables: { floorArea: 120, features: [] } });
    assert.equal(fee.status, 200, JSON.stringify(fee.body));
    assert.equal((await post('/api/decisions/risk_check/evaluate', permitKey, { variables: { score: 1 } })).status, 403);
    assert.equal((await post('/api/decisions/risk_check/evaluate', licenceKey, { variables: { score: 1 } })).status, 200);
    assert.equal((await post('/api/decisions/building-permit-fee/evaluate', licenceKey, { variables: { floorArea: 120, features: [] } })).status, 403);
    assert.equal((await post('/api/decisions/no-such-decision/evaluate', permitKey, { variables: {} })).status, 404);
  });
});
