/** Handing tasks over (workbench: reassign, escalate), paging work lists, and the deployed XML of a definition. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, userTask } from './bpmn.js';
import { deploy, eventLog, useEngine } from './harness.js';

const model = bpmn('handover', `<startEvent id="s"/>${userTask('review', '<zeebe:assignmentDefinition candidateGroups="planning"/>')}<endEvent id="e"/>`, 's -> review; review -> e');

describeEachBackend('engine: task hand-over', (backend) => {
  const h = useEngine(backend);

  it('assigns on someone\'s behalf and escalates to other groups, each an event with its actor', async () => {
    await deploy(h, model);
    const instance = await h.engine.startInstance('handover', { businessKey: 'HO-1' });
    const task = (await h.engine.listTasks({ instanceId: instance.id }))[0]!;
    assert.equal((await h.engine.assignTask(task.id, { assignee: 'staff:pat', actor: 'staff:mia' })).assignee, 'staff:pat');
    assert.equal((await h.engine.assignTask(task.id, { assignee: 'staff:pat', actor: 'staff:mia' })).assignee, 'staff:pat', 'the same assignee again changes nothing');
    const escalated = await h.engine.escalateTask(task.id, { candidateGroups: ['planning/manager'], actor: 'staff:pat', reason: 'two zones' });
    assert.deepEqual([escalated.candidateGroups, escalated.assignee, escalated.state], [['planning/manager'], null, 'created']);
    const events = (await eventLog(h, instance.id)).filter((e) => e.type.startsWith('task.'));
    assert.deepEqual(events.map((e) => [e.type, e.actor]), [['task.created', null], ['task.assigned', 'staff:mia'], ['task.escalated', 'staff:pat']]);
    assert.deepEqual(events[1]!.data, { taskId: task.id, assignee: 'staff:pat', previousAssignee: null });
    assert.deepEqual(events[2]!.data, { taskId: task.id, from: ['planning'], to: ['planning/manager'], previousAssignee: 'staff:pat', reason: 'two zones' });
    await h.engine.completeTask(task.id, { actor: 'staff:mia' });
    await assert.rejects(h.engine.assignTask(task.id, { assignee: 'staff:pat', actor: 'staff:mia' }), { code: 'GOVFLOW_ERR_TASK_ALREADY_COMPLETED' });
    await assert.rejects(h.engine.escalateTask(task.id, { candidateGroups: ['x'], actor: 'staff:mia', reason: 'r' }), { code: 'GOVFLOW_ERR_TASK_ALREADY_COMPLETED' });
    await assert.rejects(h.engine.assignTask(987654, { assignee: null, actor: 'staff:mia' }), { code: 'GOVFLOW_ERR_TASK_NOT_FOUND' });
  });

  it('returns the XML a definition was deployed from', async () => {
    const [deployed] = (await deploy(h, model)).processes;
    assert.equal(await h.engine.getProcessXml(deployed!.id), model);
    await assert.rejects(h.engine.getProcessXml(987654), { code: 'GOVFLOW_ERR_PROCESS_NOT_FOUND' });
  });

  it('pages a work list: every matching task exactly once, counted, filtered like a scan of all tasks', async () => {
    await deploy(h, model);
    const keys = ['AB-1', 'AB-2', 'XY_1', 'X%Y', 'ab-3', 'Q-9', 'AB-10'];
    for (const key of keys) await h.engine.startInstance('handover', { businessKey: key });
    const all = (await h.engine.listTasks({ state: 'created', candidateGroups: ['planning'], limit: 1000 }));
    const open = all.filter((t) => t.processKey === 'handover');
    const withKey = await Promise.all(open.map(async (t) => ({ task: t, key: (await h.engine.getInstance(t.instanceId)).businessKey ?? '' })));
    await h.engine.claimTask(open[0]!.id, 'staff:pat');
    await fc.assert(fc.asyncProperty(fc.constantFrom('', 'ab', 'AB-1', '%', '_', 'x%y', 'Q'), fc.integer({ min: 1, max: 4 }), fc.constantFrom<'nobody' | 'anyone' | 'staff:pat'>('nobody', 'anyone', 'staff:pat'), async (search, size, assigned) => {
      const expected = withKey.filter(({ task, key }) => key.toLowerCase().includes(search.toLowerCase())
        && (assigned === 'anyone' || (assigned === 'nobody' ? task.id !== open[0]!.id : task.id === open[0]!.id))).map(({ task }) => task.id).sort((a, b) => a - b);
      const seen: number[] = [];
      for (let offset = 0; ; offset += size) {
        const page = await h.engine.listTaskPage({ candidateGroups: ['planning'], processKeys: ['handover'], assigned, ...(search ? { businessKeyContains: search } : {}), limit: size, offset });
        assert.equal(page.total, expected.length);
        seen.push(...page.tasks.map((t) => t.id));
        if (page.tasks.length < size) break;
      }
      assert.deepEqual(seen.sort((a, b) => a - b), expected);
    }), { numRuns: 25 });
    assert.equal((await h.engine.listTaskPage({ candidateGroups: ['fire-safety'], limit: 10, offset: 0 })).total, 0, 'other groups see none');
  });
});
