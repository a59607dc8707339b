import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { createManualClock } from '../../src/engine/index.js';
import { describeEachBackend } from '../support/databases.js';
import { sharedPath, skipWithoutSharedData } from '../support/shared-data.js';
import { startTestApi, type TestApi } from '../api/support.js';

const MODELS = ['C.9.0.bpmn', 'C.9.1.bpmn', 'C.9.2.bpmn'];
const skip = skipWithoutSharedData(...MODELS.map((m) => `bpmn-miwg/${m}`));
const DAY = 86_400_000;

/**
 * The executable Camunda 8 models of the MIWG suite (C.9.0 customer onboarding, C.9.1 document request, C.9.2
 * manual check), driven to completion through the HTTP API. Stand-ins: a real DMN table for `risk_check`, and
 * this test as the external worker for every job type the models name.
 */
describeEachBackend('MIWG Camunda 8 models C.9.0–C.9.2 run to completion', (backend) => {
  let api: TestApi;
  const clock = createManualClock('2026-03-02T09:00:00Z');

  before(async () => {
    api = await startTestApi(backend, { clock });
    const resources = await Promise.all(MODELS.map(async (name) => ({ name, content: await readFile(sharedPath(`bpmn-miwg/${name}`), 'utf8') })));
    resources.push({ name: 'risk_check.dmn', content: await readFile(new URL('./fixtures/risk_check.dmn', import.meta.url), 'utf8') });
    const deployed = await api.request('POST', '/api/deployments', { resources });
    assert.equal(deployed.status, 201, JSON.stringify(deployed.body).slice(0, 500));
    assert.deepEqual(deployed.body.decisions.map((d: { key: string }) => d.key), ['risk_check']);
  });
  after(async () => api.close());

  async function work(type: string, variables: Record<string, unknown> = {}, expected = 1): Promise<Record<string, unknown>[]> {
    const jobs = await api.request('POST', '/api/jobs/activate', { type, worker: 'c9-worker', maxJobs: 10 });
    assert.equal(jobs.status, 200);
    assert.equal(jobs.body.length, expected, `${type}: ${expected} job(s) expected, got ${jobs.body.length}`);
    for (const job of jobs.body) {
      const done = await api.request('POST', `/api/jobs/${job.id}/complete`, { worker: 'c9-worker', variables });
      assert.equal(done.status, 200, JSON.stringify(done.body));
    }
    return jobs.body.map((j: { variables: Record<string, unknown> }) => j.variables);
  }

  async function completeTask(instanceId: number | undefined, elementId: string, variables: Record<string, unknown>, group?: string): Promise<void> {
    const query = group ? `candidateGroup=${group}` : `instanceId=${instanceId}`;
    const tasks = (await api.request('GET', `/api/tasks?${query}`)).body.filter((t: { elementId: string }) => t.elementId === elementId);
    assert.equal(tasks.length, 1, `one open ${elementId} task`);
    const done = await api.request('POST', `/api/tasks/${tasks[0].id}/complete`, { variables });
    assert.equal(done.status, 200, JSON.stringify(done.body));
  }

  async function instance(id: number): Promise<{ state: string; variables: Record<string, unknown>; activeElements: { elementId: string }[] }> {
    return (await api.request('GET', `/api/process-instances/${id}`)).body;
  }

  async function gapFree(id: number): Promise<string[]> {
    const events = (await api.request('GET', `/api/process-instances/${id}/events`)).body as { seq: number; type: string; elementId: string | null }[];
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
    return events.map((e) => `${e.type}${e.elementId ? `@${e.elementId}` : ''}`);
  }

  const applicant = { name: 'Ada Lovelace', age: 36, email: 'ada@example.org' };

  it('C.9.0, low risk: credit score, the DMN risk check, policy issued and confirmation sent', async () => {
    const started = await api.request('POST', '/api/process-instances', { processKey: 'customer_onboarding_en', variables: { applicant, applicationNumber: 'A-1', corporation: 'Demo Insurance', product: 'home' } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.id;
    assert.ok(typeof (await instance(id)).variables['documentReferenceId'] === 'string', 'the start event output mapping ran');
    await work('calculateScore', { score: 720 });
    assert.deepEqual((await instance(id)).variables['riskLevels'], ['green']);
    await work('issuePolicy');
    const mail = await work('io.camunda:sendgrid:1');
    assert.deepEqual(mail[0]!['to'], { name: 'Ada Lovelace', email: 'ada@example.org' }, 'input mappings with nested targets');
    assert.equal((mail[0]!['from'] as { email: string }).email, 'demo@camunda.com', 'a static input value');
    assert.equal((await instance(id)).state, 'completed');
    const history = await gapFree(id);
    assert.ok(history.includes('decision.evaluated@BusinessRuleTask_CheckApplicationAutomatically'));
    assert.ok(history.at(-2)?.endsWith('@EndEvent_ApplicationIssued'));
    const events = (await api.request('GET', `/api/process-instances/${id}/events`)).body as { type: string; data: { explanation?: { trace?: unknown[] } } }[];
    const decision = events.find((e) => e.type === 'decision.evaluated')!;
    assert.match(JSON.stringify(decision.data.explanation), /good_score/, 'the explanation names the matched rule');
  });

  it('C.9.0, severe risk: rejected and the rejection sent', async () => {
    const id = (await api.request('POST', '/api/process-instances', { processKey: 'customer_onboarding_en', variables: { applicant: { ...applicant, age: 16 }, applicationNumber: 'A-2', corporation: 'Demo Insurance' } })).body.id;
    await work('calculateScore', { score: 300 });
    await work('rejectPolicy');
    await work('io.camunda:sendgrid:1');
    assert.equal((await instance(id)).state, 'completed');
    assert.ok((await gapFree(id)).includes('element.completed@EndEvent_ApplicationRejected'));
  });

  it('C.9.0 → C.9.2, moderate risk: the manual check finds fraud; the error ends the call and fraud is reported', async () => {
    const id = (await api.request('POST', '/api/process-instances', { processKey: 'customer_onboarding_en', variables: { applicant, applicationNumber: 'A-3', corporation: 'Demo Insurance', fraudSuspectedId: 'F-3' } })).body.id;
    await work('calculateScore', { score: 500 });
    const children = (await api.request('GET', '/api/process-instances?processKey=ManualCheck&state=active')).body.filter((c: { parentInstanceId: number }) => c.parentInstanceId === id);
    assert.equal(children.length, 1, 'ManualCheck was called');
    const child = children[0].id as number;
    const published = await api.request('POST', '/api/messages', { name: 'Message_FraudSuspected', correlationKey: 'F-3' });
    assert.deepEqual(published.body.correlatedInstances, [child]);
    await completeTask(child, 'UserTask_CheckForFraud', { fraud: true });
    assert.equal((await instance(child)).state, 'terminated', 'the error left the called process');
    await work('reportFraud');
    assert.equal((await instance(id)).state, 'completed');
    const history = await gapFree(id);
    assert.ok(history.includes('element.completed@ErrorBoundaryEvent_FraudDetected'));
    assert.ok(history.includes('element.completed@TerminateEvent_ApplicationCanceledFraud'));
  });

  it('C.9.0: a cancellation request starts the interrupting event sub-process', async () => {
    const id = (await api.request('POST', '/api/process-instances', { processKey: 'customer_onboarding_en', variables: { applicant, applicationNumber: 'A-4', corporation: 'Demo Insurance' } })).body.id;
    const published = await api.request('POST', '/api/messages', { name: 'Message_CancellationRequested', correlationKey: '1' });
    assert.deepEqual(published.body.correlatedInstances, [id]);
    const jobs = await api.request('POST', '/api/jobs/activate', { type: 'calculateScore', worker: 'c9-worker' });
    assert.equal(jobs.body.length, 0, 'the credit score job was withdrawn');
    await work('cancelApplication');
    await work('informCustomerSuccessfulCancelation');
    await work('informOperationsSuccessfulCancelation');
    assert.equal((await instance(id)).state, 'completed');
  });

  it('C.9.2 with C.9.1: documents requested for each item (multi-instance calls), a delay notice after 5 days, then the decision', async () => {
    const id = (await api.request('POST', '/api/process-instances', { processKey: 'ManualCheck', variables: { applicant, risks: ['low credit score', 'new customer'], documentReferenceId: 'DOC-5' } })).body.id;
    const task = (await api.request('GET', `/api/tasks?instanceId=${id}`)).body[0];
    assert.equal(task.elementId, 'UserTask_DecideOnApplication');
    assert.deepEqual(task.candidateGroups, ['clerks']);
    const requested = await api.request('POST', '/api/messages', { name: 'Message_DocumentRequested', correlationKey: 'DOC-5', variables: { documents: ['payslip', 'passport'] } });
    assert.deepEqual(requested.body.correlatedInstances, [id]);
    const sent = await work('email', {}, 2);
    assert.deepEqual(sent.map((v) => v['document']).sort(), ['passport', 'payslip'], 'each called process got its item');
    const received = await api.request('POST', '/api/messages', { name: 'MESSAGE_documentReceived', correlationKey: 'DOC-5' });
    assert.equal(received.body.correlatedInstances.length, 2, 'both document requests were answered');
    clock.advance(5 * DAY + 1000);
    assert.ok((await api.engine.runDueTimers()) >= 1);
    await work('notifyCustomerDelay');
    await completeTask(id, 'UserTask_AccelerateDecision', {});
    await completeTask(id, 'UserTask_DecideOnApplication', { approved: true });
    assert.equal((await instance(id)).state, 'completed');
    const history = await gapFree(id);
    assert.equal(history.filter((h) => h === 'element.completed@CallActivity_RequestDocument').length, 3, 'two inner instances and the multi-instance body');
  });

  it('C.9.1: daily reminders while waiting, then the customer is called after a week', async () => {
    const id = (await api.request('POST', '/api/process-instances', { processKey: 'requestDocument_en', variables: { documentReferenceId: 'DOC-6' } })).body.id;
    await work('email');
    for (let day = 1; day <= 6; day++) {
      clock.advance(DAY);
      await api.engine.runDueTimers();
      await work('email');
    }
    clock.advance(DAY);
    await api.engine.runDueTimers();
    await work('email', {}, 0);
    await completeTask(id, 'UserTask_CallCustomer', {});
    assert.equal((await instance(id)).state, 'completed');
    const history = await gapFree(id);
    assert.equal(history.filter((h) => h === 'element.completed@EndEvent_ReminderSent').length, 6, 'R6: six reminders');
    assert.ok(history.includes('element.completed@EndEvent_TalkedToCustomer'));
  });
}, { skip });
