/**
 * Issue 16: a user task listener's worker answers through the job API with Camunda's job result
 * (`POST /api/jobs/:id/complete` body `result`): validated at the edge, then the task's completion is denied or
 * goes through with the corrections.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, userTask } from '../engine/bpmn.js';
import { startTestApi, type TestApi } from './support.js';

const checked = bpmn('checked', `<startEvent id="s"/>${userTask('review', '<zeebe:userTask/><zeebe:assignmentDefinition candidateGroups="clerks"/><zeebe:taskListeners><zeebe:taskListener eventType="completing" type="check"/></zeebe:taskListeners>')}<endEvent id="e"/>`, 's -> review; review -> e');

describeEachBackend('job API: a user task listener\'s job result', (backend) => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi(backend);
    assert.equal((await api.request('POST', '/api/deployments', { resources: [{ name: 'checked.bpmn', content: checked }] })).status, 201);
  });
  after(async () => api.close());

  const checkJob = async () => {
    const jobs = await api.request('POST', '/api/jobs/activate', { type: 'check', worker: 'checker' });
    assert.equal(jobs.status, 200);
    assert.equal(jobs.body.length, 1);
    assert.equal(jobs.body[0].listener, 'completing', 'the worker can tell a task listener job');
    return jobs.body[0] as { id: number; headers: Record<string, string> };
  };

  it('denies a completion with a reason, then lets it through with corrections (Camunda\'s nulls keep an attribute)', async () => {
    const started = await api.request('POST', '/api/process-instances', { processKey: 'checked' });
    const [task] = (await api.request('GET', `/api/tasks?instanceId=${started.body.id}`)).body as { id: number }[];
    const pending = await api.request('POST', `/api/tasks/${task!.id}/complete`, { variables: { answer: 42 } });
    assert.equal(pending.status, 200);
    assert.equal(pending.body.pending, 'completing');
    const first = await checkJob();
    assert.equal(first.headers['io.camunda.zeebe:userTaskKey'], String(task!.id));
    const malformed = await api.request('POST', `/api/jobs/${first.id}/complete`, { worker: 'checker', result: { denied: 'yes' } });
    assert.equal(malformed.status, 400, 'validated at the edge');
    assert.equal((await api.request('POST', `/api/jobs/${first.id}/complete`, { worker: 'checker', result: { corrections: { owner: 'x' } } })).status, 400);
    assert.equal((await api.request('POST', `/api/jobs/${first.id}/complete`, { worker: 'checker', variables: { x: 1 } })).body.code, 'GOVFLOW_ERR_VALIDATION', 'no variables from a task listener');
    const denied = await api.request('POST', `/api/jobs/${first.id}/complete`, { worker: 'checker', result: { type: 'userTask', denied: true, deniedReason: 'answer out of range', corrections: null } });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    const open = (await api.request('GET', `/api/tasks/${task!.id}`)).body;
    assert.equal(open.state, 'created');
    assert.deepEqual(open.denied, { event: 'completing', reason: 'answer out of range' });

    assert.equal((await api.request('POST', `/api/tasks/${task!.id}/complete`, { variables: { answer: 7 } })).status, 200);
    const second = await checkJob();
    const done = await api.request('POST', `/api/jobs/${second.id}/complete`, { worker: 'checker', result: { denied: false, corrections: { priority: 75, dueDate: null, candidateUsers: ['ann'] } } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const completed = (await api.request('GET', `/api/tasks/${task!.id}`)).body;
    assert.equal(completed.state, 'completed');
    assert.equal(completed.priority, 75);
    assert.deepEqual(completed.candidateUsers, ['ann']);
    assert.equal((await api.request('GET', `/api/process-instances/${started.body.id}`)).body.variables.answer, 7);
  });
});
