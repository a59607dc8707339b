/**
 * Issue 16 in the workbench: completing a task whose completing listener has not answered yet shows "waiting for
 * checks" instead of the actions; a listener that refuses the completion puts the task back with its reason.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Govflow } from '../../src/cli/index.js';
import { bpmn, userTask } from '../engine/bpmn.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { signInStaff, staffPages } from '../support/sign-in.js';

const checkedProcess = bpmn('checked-post', `<startEvent id="s"/>${userTask('sort-post', '<zeebe:userTask/><zeebe:assignmentDefinition candidateGroups="benefits"/><zeebe:taskListeners><zeebe:taskListener eventType="completing" type="post.check"/></zeebe:taskListeners>')}<endEvent id="e"/>`, 's -> sort-post; sort-post -> e');

describeEachBackend('workbench: a task whose completing listener checks the completion', (backend) => {
  let server: DemoServer;
  let govflow: Govflow;
  let base: string;
  let cookie: string;
  const { get, post } = staffPages(() => ({ base, cookie }));

  before(async () => {
    server = await startDemoServer('task-listeners', { databaseUrl: backend === 'postgres' ? await createServerDatabase() : undefined });
    ({ govflow } = server);
    base = server.running.url;
    await govflow.engine.deploy([{ name: 'checked-post.bpmn', content: checkedProcess }]);
    cookie = await signInStaff(base, 'ben');
  });
  after(() => server.stop());

  it('shows "waiting for checks" until the listener answers, then the refusal with its reason, then completes', async () => {
    const started = await govflow.engine.startInstance('checked-post', { businessKey: 'CP-0001' });
    const [task] = await govflow.engine.listTasks({ instanceId: started.id });
    assert.equal((await post(`/staff/tasks/${task!.id}/claim`)).status, 303);
    assert.equal((await post(`/staff/tasks/${task!.id}/complete`)).status, 303);
    const waiting = await get(`/staff/cases/${started.id}`);
    assert.match(waiting.text, /Waiting for checks: the task is completed when they are done\./);
    assert.doesNotMatch(waiting.text, new RegExp(`action="/staff/tasks/${task!.id}/complete"`), 'no actions while the checks run');
    const again = await post(`/staff/tasks/${task!.id}/complete`);
    assert.equal(again.status, 409);
    assert.match(again.text, /The task is waiting for checks/);

    const [check] = await govflow.engine.activateJobs({ type: 'post.check', worker: 'checker' });
    await govflow.engine.completeJob(check!.id, { worker: 'checker', result: { denied: true, deniedReason: 'the envelope has no reference' } });
    const refused = await get(`/staff/cases/${started.id}`);
    assert.match(refused.text, /The checks refused to complete the task: the envelope has no reference/);
    assert.match(refused.text, new RegExp(`action="/staff/tasks/${task!.id}/complete"`), 'the staff member can complete it again');
    assert.match(refused.text, /asked to complete the task .{0,40}sort-post.{0,40}; the checks refused: the envelope has no reference/, 'the history says so too');

    assert.equal((await post(`/staff/tasks/${task!.id}/complete`)).status, 303);
    const [second] = await govflow.engine.activateJobs({ type: 'post.check', worker: 'checker' });
    await govflow.engine.completeJob(second!.id, { worker: 'checker' });
    assert.equal((await govflow.engine.getInstance(started.id)).state, 'completed');
    assert.equal((await govflow.engine.getTask(task!.id)).completedBy, 'staff:ben');
  });
});
