/**
 * Compensation, user task listeners and conditional events straight through the pure runtime (applyCommand, no
 * database). The database-backed suites (compensation, task-listeners, conditional-events) check the same through
 * the engine; this file is what `npm run mutate -- engine-runtime` runs, a second per mutant instead of a minute.
 * Expected outcomes follow BPMN 2.0 and Camunda 8's documented behaviour: handlers in reverse order of completion,
 * one at a time, while the throw event waits; listener jobs in model order, a denial keeping the task as it was;
 * a conditional event firing when its condition becomes true.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpmn, compensateEnd, compensateThrow, compensation, conditional, error, errorRef, escapeXml, ioMapping, job, subProcess, userTask } from './bpmn.js';
import { assertFields, started } from './pure-instance.js';

describe('runtime: compensation', () => {
  const twoSteps = (after: string) => bpmn('p',
    `<startEvent id="s"/>${job('book', 'c.book')}${compensation('book', 'c.unbook')}${job('charge', 'c.charge')}${compensation('charge', 'c.refund')}${after}`,
    's -> book; book -> charge; charge -> undo; undo -> e');

  it('a throw event undoes the completed activities in reverse order, one at a time, waiting for each, then moves on', async () => {
    const i = await started(twoSteps(`${compensateThrow('undo')}<endEvent id="e"/>`), { order: 7 });
    i.completeJob('book', { booked: true });
    i.completeJob('charge');
    assert.deepEqual(i.waiting(), ['c.refund', 'undo'], 'the last completed is undone first; the throw event waits');
    assert.equal(i.token('c.refund').scope, i.token('undo').id, 'the handler runs as a child of the throw event');
    assert.equal(i.token('undo').wait, 'compensation');
    assert.equal(i.data('compensation.thrown', 'undo')['activityRef'], null);
    assert.equal(i.data('compensation.started')['activityId'], 'charge');
    assert.equal(i.data('compensation.started')['handlerId'], 'c.refund');
    assert.deepEqual(i.state?.compensable, undefined, 'every record of the scope was taken by the throw');
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['c.book', 'c.charge', 'c.refund']);
    i.completeJob('c.refund', { refunded: true });
    assert.deepEqual(i.waiting(), ['c.unbook', 'undo']);
    assert.equal(i.status, 'active');
    i.completeJob('c.unbook');
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { order: 7, booked: true, refunded: true });
    assert.deepEqual(i.trace('element.completed').slice(-4), ['element.completed:c.refund', 'element.completed:c.unbook', 'element.completed:undo', 'element.completed:e']);
    assert.equal(i.trace().at(-1), 'process.completed');
  });

  it('an activity not completed yet is not compensated; with nothing to undo the throw event passes at once', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('book', 'c.book')}${compensation('book', 'c.unbook')}${compensateThrow('undo')}<endEvent id="e"/>`, 's -> undo; undo -> book; book -> e'));
    assert.deepEqual(i.waiting(), ['book']);
    assert.ok(i.trace().includes('element.completed:undo'));
    assert.ok(!i.trace().includes('compensation.started:undo'));
    assert.equal(i.state?.compensable, undefined, 'no records: none made up');
    i.completeJob('book');
    assert.equal(i.status, 'completed');
    assert.equal(i.state?.compensable, undefined, 'the process completed: nothing left to record in');
  });

  it('records each completed activity with a handler in its scope, in order of completion', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('book', 'c.book')}${compensation('book', 'c.unbook')}${job('plain', 'c.plain')}${job('charge', 'c.charge')}${compensation('charge', 'c.refund')}<endEvent id="e"/>`,
      's -> book; book -> plain; plain -> charge; charge -> e'));
    const root = i.root().id;
    i.completeJob('book');
    i.completeJob('plain');
    assert.deepEqual(i.state?.compensable, [{ elementId: 'book', scope: root }], 'an activity without a handler is not recorded');
    i.completeJob('charge');
    assert.equal(i.status, 'completed');
  });

  it('activityRef undoes only that activity and leaves the others recorded', async () => {
    const i = await started(twoSteps(`${compensateThrow('undo', 'book')}<endEvent id="e"/>`));
    const root = i.root().id;
    i.completeJob('book');
    i.completeJob('charge');
    assert.deepEqual(i.waiting(), ['c.unbook', 'undo']);
    assert.equal(i.data('compensation.thrown')['activityRef'], 'book');
    assert.deepEqual(i.state?.compensable, [{ elementId: 'charge', scope: root }]);
    i.completeJob('c.unbook');
    assert.equal(i.status, 'completed');
  });

  it('a compensation end event undoes the scope and then ends it', async () => {
    const i = await started(twoSteps(`${compensateEnd('undo')}<endEvent id="e"/>`).replace("sourceRef=\"undo\" targetRef=\"e\"", 'sourceRef="e" targetRef="e"').replace(/<sequenceFlow id="f4_undo_e"[^>]*\/>/, ''));
    i.completeJob('book');
    i.completeJob('charge');
    i.completeJob('c.refund');
    i.completeJob('c.unbook');
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.trace('compensation.started'), ['compensation.started:undo', 'compensation.started:undo']);
  });

  it('reaches into a completed embedded sub-process (by the sub-process as activityRef too); a throw inside a sub-process stays in it', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/>${job('a', 'c.a')}${compensation('a', 'c.undoA')}<endEvent id="se"/>`, 'ss -> a; a -> se');
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('x', 'c.x')}${compensation('x', 'c.undoX')}${inner}${compensateThrow('undo', 'sub')}<endEvent id="e"/>`,
      's -> x; x -> sub; sub -> undo; undo -> e'));
    const root = i.root().id;
    i.completeJob('x');
    i.completeJob('a');
    // Only c.undoA: x is outside the sub-process named by activityRef.
    assert.deepEqual(i.waiting(), ['c.undoA', 'undo']);
    assert.deepEqual(i.state?.compensable, [{ elementId: 'x', scope: root }]);
    i.completeJob('c.undoA');
    assert.equal(i.status, 'completed');

    const local = await started(bpmn('p', `<startEvent id="s"/>${job('x', 'c.x')}${compensation('x', 'c.undoX')}${subProcess('sub', `<startEvent id="ss"/>${job('a', 'c.a')}${compensation('a', 'c.undoA')}${compensateThrow('inside')}<endEvent id="se"/>`, 'ss -> a; a -> inside; inside -> se')}<endEvent id="e"/>`,
      's -> x; x -> sub; sub -> e'));
    local.completeJob('x');
    local.completeJob('a');
    assert.deepEqual(local.waiting(), ['c.undoA', 'inside'], 'x, outside the sub-process, is not undone from inside it');
    local.completeJob('c.undoA');
    assert.equal(local.status, 'completed');
    assert.deepEqual(local.state?.compensable, undefined);
  });

  it('a completed sub-process moves its records to the enclosing scope, naming itself', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/>${job('a', 'c.a')}${compensation('a', 'c.undoA')}<endEvent id="se"/>`, 'ss -> a; a -> se');
    const i = await started(bpmn('p', `<startEvent id="s"/>${inner}${userTask('wait')}<endEvent id="e"/>`, 's -> sub; sub -> wait; wait -> e'));
    const sub = i.token('sub').id;
    i.completeJob('a');
    assert.ok(i.state?.compensable === undefined || i.state.compensable.every((r) => r.scope !== sub));
    assert.deepEqual(i.state?.compensable, [{ elementId: 'a', scope: i.root().id, within: ['sub'] }]);
  });

  it('each completed multi-instance instance is undone with its own item; the body itself is not recorded', async () => {
    const mi = `<serviceTask id="pay"><extensionElements><zeebe:taskDefinition type="c.pay"/></extensionElements><multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}${compensation('pay', 'c.unpay')}${compensateThrow('undo')}<endEvent id="e"/>`, 's -> pay; pay -> undo; undo -> e'), { items: ['a', 'b'] });
    i.completeJob('pay');
    i.completeJob('pay');
    assert.deepEqual(i.waiting(), ['c.unpay', 'undo']);
    assert.deepEqual(i.token('undo').vars, { item: 'b', loopCounter: 2 }, 'the last instance first, with its item');
    i.completeJob('c.unpay');
    assert.deepEqual(i.token('undo').vars, { item: 'a', loopCounter: 1 });
    i.completeJob('c.unpay');
    assert.equal(i.status, 'completed');
  });

  it('inside a multi-instance sub-process each instance\'s records carry its item; a record without locals clears the last one\'s', async () => {
    const per = `<subProcess id="per"><multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics>
      <startEvent id="ps"/>${job('book', 'c.book')}${compensation('book', 'c.unbook')}<endEvent id="pe"/><sequenceFlow id="q1" sourceRef="ps" targetRef="book"/><sequenceFlow id="q2" sourceRef="book" targetRef="pe"/></subProcess>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('first', 'c.first')}${compensation('first', 'c.unfirst')}${per}${compensateThrow('undo')}<endEvent id="e"/>`, 's -> first; first -> per; per -> undo; undo -> e'), { items: ['x', 'y'] });
    i.completeJob('first');
    i.completeJob('book');
    i.completeJob('book');
    assert.deepEqual(i.waiting(), ['c.unbook', 'undo']);
    assert.deepEqual(i.token('undo').vars, { item: 'y', loopCounter: 2 });
    i.completeJob('c.unbook');
    assert.deepEqual(i.token('undo').vars, { item: 'x', loopCounter: 1 });
    i.completeJob('c.unbook');
    assert.deepEqual(i.waiting(), ['c.unfirst', 'undo']);
    assert.equal(i.token('undo').vars, undefined, 'the handler of an activity outside the instances sees no item');
    i.completeJob('c.unfirst');
    assert.equal(i.status, 'completed');
  });

  it('a compensation throw in an event sub-process reaches the activities of the scope it belongs to', async () => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false"><messageEventDefinition messageRef="m"/></startEvent>${compensateThrow('undo')}<endEvent id="ee"/>`, 'es -> undo; undo -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('book', 'c.book')}${compensation('book', 'c.unbook')}${userTask('wait')}<endEvent id="e"/>${esp}`, 's -> book; book -> wait; wait -> e', '<message id="m" name="undo"/>'));
    i.completeJob('book');
    i.triggerScope('message', 'es', i.root());
    assert.deepEqual(i.waiting(), ['c.unbook', 'undo', 'wait']);
    i.completeJob('c.unbook');
    assert.deepEqual(i.waiting(), ['wait']);
  });

  it('a cancelled sub-process is never compensated: its records go with it, the others stay', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/>${job('a', 'c.a')}${compensation('a', 'c.undoA')}${job('b', 'c.b')}<endEvent id="se"/>`, 'ss -> a; a -> b; b -> se');
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('x', 'c.x')}${compensation('x', 'c.undoX')}${inner}<boundaryEvent id="oops" attachedToRef="sub">${errorRef('err')}</boundaryEvent>${userTask('wait')}${compensateThrow('undo')}<endEvent id="e"/><endEvent id="e2"/>`,
      's -> x; x -> sub; sub -> e2; oops -> wait; wait -> undo; undo -> e', error('err', 'FAIL')));
    const root = i.root().id;
    i.completeJob('x');
    i.completeJob('a');
    assert.equal(i.state?.compensable?.length, 2);
    i.jobError('b', 'FAIL');
    assert.deepEqual(i.state?.compensable, [{ elementId: 'x', scope: root }], 'the records of the cancelled sub-process are dropped');
    i.completeTask('wait');
    assert.deepEqual(i.waiting(), ['c.undoX', 'undo'], 'only x is undone');
    i.completeJob('c.undoX');
    assert.equal(i.status, 'completed');

    const only = await started(bpmn('p', `<startEvent id="s"/>${inner}<boundaryEvent id="oops" attachedToRef="sub">${errorRef('err')}</boundaryEvent>${userTask('wait')}<endEvent id="e2"/>`,
      's -> sub; sub -> e2; oops -> wait', error('err', 'FAIL')));
    only.completeJob('a');
    only.jobError('b', 'FAIL');
    assert.deepEqual(only.waiting(), ['wait']);
    assert.equal(only.state?.compensable, undefined, 'no records left: none kept');
  });

  it('a handler sees only a multi-instance instance\'s locals, not those of a sub-process or of the activity\'s own input mappings', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/>${job('a', 'c.a', ioMapping({ mine: '= 1' }))}${compensation('a', 'c.undoA')}<endEvent id="se"/>`, 'ss -> a; a -> se', '', `<extensionElements>${ioMapping({ local: '= 2' })}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${inner}${compensateThrow('undo')}<endEvent id="e"/>`, 's -> sub; sub -> undo; undo -> e'));
    i.completeJob('a');
    assert.deepEqual(i.state?.compensable, undefined);
    assert.deepEqual(i.waiting(), ['c.undoA', 'undo']);
    assert.equal(i.token('undo').vars, undefined);
    assert.deepEqual(i.tokens().find((t) => t.elementId === 'undo'), { id: i.token('undo').id, elementId: 'undo', scope: i.root().id, wait: 'compensation', compensation: { pending: [] } });
  });

  it('a cancel end event ends the rest of the transaction, undoes what completed in it, then leaves through the cancel boundary', async () => {
    const tx = `<transaction id="tx"><startEvent id="ts"/><parallelGateway id="f"/>${job('a', 'c.a')}${compensation('a', 'c.undoA')}${userTask('w')}<endEvent id="abort"><cancelEventDefinition/></endEvent>
      <sequenceFlow id="t1" sourceRef="ts" targetRef="f"/><sequenceFlow id="t2" sourceRef="f" targetRef="a"/><sequenceFlow id="t3" sourceRef="f" targetRef="w"/><sequenceFlow id="t4" sourceRef="a" targetRef="abort"/></transaction>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('before', 'c.before')}${compensation('before', 'c.unbefore')}${tx}<boundaryEvent id="failed" attachedToRef="tx"><errorEventDefinition/></boundaryEvent><boundaryEvent id="cancelled" attachedToRef="tx"><cancelEventDefinition/></boundaryEvent><endEvent id="done"/><endEvent id="undone"/><endEvent id="broken"/>`,
      's -> before; before -> tx; tx -> done; cancelled -> undone; failed -> broken'));
    i.completeJob('before');
    assert.deepEqual(i.waiting(), ['a', 'w']);
    i.completeJob('a');
    assert.deepEqual(i.waiting(), ['abort', 'c.undoA'], 'the user task is ended; the handler runs');
    assert.ok(i.effectsOf('cancelWaits').some((e) => e.elementInstance !== undefined));
    assert.equal(i.data('transaction.cancelled')['transaction'], 'tx');
    i.completeJob('c.undoA');
    assert.ok(!i.activated().includes('c.unbefore'), 'what completed before the transaction is not undone by its cancellation');
    assert.equal(i.status, 'completed');
    assert.ok(i.activated().includes('cancelled'));
    assert.ok(!i.activated().includes('done'));
    assert.ok(!i.activated().includes('failed'), 'left through the cancel boundary, not the error boundary listed before it');
    assert.ok(i.trace().includes('element.terminated:tx'));
    assert.deepEqual(i.trace('element.completed').slice(-3), ['element.completed:abort', 'element.completed:cancelled', 'element.completed:undone']);
  });
});

/** `zeebe:taskListeners` with `eventType|jobType[|retries]` entries. */
const listeners = (...entries: string[]) => `<zeebe:taskListeners>${entries.map((e) => {
  const [eventType, type, retries] = e.split('|');
  return `<zeebe:taskListener eventType="${eventType}" type="${escapeXml(type!)}"${retries ? ` retries="${retries}"` : ''}/>`;
}).join('')}</zeebe:taskListeners>`;
const review = (extra: string) => bpmn('p', `<startEvent id="s"/>${userTask('review', `<zeebe:userTask/>${extra}`)}<endEvent id="e"/>`, 's -> review; review -> e');
const task = { assignee: null, candidateGroups: ['clerks'], candidateUsers: [], dueAt: null, followUpAt: null, priority: 50 };

describe('runtime: user task listeners', () => {
  it('creating listeners run in model order before the task is offered; corrections are applied and named', async () => {
    const i = await started(review(`<zeebe:assignmentDefinition candidateGroups="clerks"/>${listeners('creating|l.route', 'creating|="l." + kind|2')}`), { kind: 'look' });
    assert.deepEqual(i.effectsOf('createTask'), [], 'not offered while creating listeners run');
    const first = i.effectsOf('createJob');
    assert.equal(first.length, 1);
    assert.equal(first[0]!.jobType, 'l.route');
    assert.equal(first[0]!.retries, 3);
    assert.deepEqual(first[0]!.listener, { event: 'creating', index: 0, round: 1 });
    assert.equal(first[0]!.headers['io.camunda.zeebe:action'], 'create');
    assert.equal(first[0]!.headers['io.camunda.zeebe:candidateGroups'], '["clerks"]');
    assert.equal(first[0]!.headers['io.camunda.zeebe:assignee'], undefined);
    assert.equal(first[0]!.headers['io.camunda.zeebe:changedAttributes'], '[]');
    assert.equal(first[0]!.headers['io.camunda.zeebe:userTaskKey'], undefined, 'no task row yet');
    i.completeJob('review', {}, { corrections: { assignee: 'dana', priority: 80, dueDate: '2026-05-10T12:00:00Z' } });
    const second = i.effectsOf('createJob')[1]!;
    assert.equal(second.jobType, 'l.look');
    assert.equal(second.retries, 2);
    assert.deepEqual(second.listener, { event: 'creating', index: 1, round: 1 });
    assert.equal(second.headers['io.camunda.zeebe:assignee'], 'dana', 'a later listener sees the earlier corrections');
    assert.equal(second.headers['io.camunda.zeebe:priority'], '80');
    assert.equal(second.headers['io.camunda.zeebe:dueDate'], '2026-05-10T12:00:00.000Z');
    assert.deepEqual(JSON.parse(second.headers['io.camunda.zeebe:changedAttributes']!), ['assignee', 'dueDate', 'priority']);
    i.completeJob('review');
    const [created] = i.effectsOf('createTask');
    assert.equal(created?.name, 'review');
    assert.equal(created?.elementId, 'review');
    assert.equal(created?.assignee, 'dana');
    assert.equal(created?.priority, 80);
    assert.equal(created?.dueAt, '2026-05-10T12:00:00.000Z');
    assert.deepEqual(created?.candidateGroups, ['clerks']);
    const offered = i.events.find((e) => e.type === 'task.created');
    assert.deepEqual(offered?.data['corrected'], ['assignee', 'dueDate', 'priority']);
    assert.equal(i.token('review').wait, 'task');
  });

  it('a creating listener may not deny, nor replace an assignee the process set, nor complete with variables', async () => {
    const i = await started(review(`<zeebe:assignmentDefinition assignee="erin"/>${listeners('creating|l.c')}`));
    assert.throws(() => i.completeJob('review', {}, { denied: true }), (e: Error & { code?: string }) => e.code === 'GOVFLOW_ERR_VALIDATION' && /cannot deny/.test(e.message));
    assert.throws(() => i.completeJob('review', {}, { corrections: { assignee: 'other' } }), /already set an assignee/);
    assert.throws(() => i.completeJob('review', { x: 1 }), /cannot be completed with variables/);
    assert.throws(() => i.completeJob('review', {}, { corrections: { priority: 101 } }), /priority 101 is not a whole number from 0 to 100/);
    assert.throws(() => i.completeJob('review', {}, { corrections: { priority: -1 } }), /priority -1/);
    assert.throws(() => i.completeJob('review', {}, { corrections: { priority: 2.5 } }), /priority 2.5/);
    assert.throws(() => i.completeJob('review', {}, { corrections: { dueDate: 'soon' } }), /dueDate 'soon' is not an ISO 8601 date-time/);
    assert.throws(() => i.completeJob('review', {}, { corrections: { followUpDate: 'later' } }), /followUpDate 'later'/);
    i.completeJob('review', {}, { corrections: { priority: 0, followUpDate: '2026-05-09T08:00:00Z', candidateUsers: ['u1'], candidateGroups: ['g1'] } });
    const [created] = i.effectsOf('createTask');
    assert.equal(created?.assignee, 'erin');
    assert.equal(created?.priority, 0);
    assert.equal(created?.followUpAt, '2026-05-09T08:00:00.000Z');
    assert.deepEqual(created?.candidateUsers, ['u1']);
    assert.deepEqual(created?.candidateGroups, ['g1']);
    assert.deepEqual(i.data('task.created')['corrected'], ['candidateGroups', 'candidateUsers', 'followUpDate', 'priority'], 'by Camunda\'s attribute names');
  });

  it('a completing transition waits for its listeners; the task completes with the variables and the actor only after the last', async () => {
    const i = await started(review(`<zeebe:assignmentDefinition candidateGroups="clerks"/>${listeners('completing|l.check', 'completing|l.audit')}`));
    const id = i.token('review').id;
    i.send({ type: 'taskTransition', elementInstance: id, event: 'completing', action: 'complete', taskId: 42, task, variables: { approved: true }, actor: 'clerk' });
    assert.equal(i.status, 'active');
    assert.equal(i.variables['approved'], undefined, 'the completion variables wait for the listeners');
    const check = i.effectsOf('createJob')[0]!;
    assert.equal(check.headers['io.camunda.zeebe:action'], 'complete');
    assert.equal(check.headers['io.camunda.zeebe:userTaskKey'], '42');
    assert.throws(() => i.send({ type: 'taskTransition', elementInstance: id, event: 'completing', action: 'complete', taskId: 42, task, actor: 'x' }), /waits for its task listeners \(completing\)/);
    i.completeJob('review');
    assert.deepEqual(i.effectsOf('createJob')[1]!.listener, { event: 'completing', index: 1, round: 1 });
    i.completeJob('review');
    assert.deepEqual(i.effectsOf('updateTask'), [{ type: 'updateTask', elementInstance: id, changes: {}, completedBy: 'clerk' }]);
    assertFields(i.events.find((e) => e.type === 'task.completed')?.data, { variables: { approved: true }, by: 'clerk' });
    assert.equal(i.status, 'completed');
    assert.equal(i.variables['approved'], true);
  });

  it('a denied completion leaves the task open as it was, with the reason; the next transition is a new round', async () => {
    const i = await started(review(listeners('completing|l.check')));
    const id = i.token('review').id;
    i.send({ type: 'taskTransition', elementInstance: id, event: 'completing', action: 'complete', taskId: 7, task, variables: { ok: true }, actor: 'clerk' });
    i.completeJob('review', {}, { denied: true, deniedReason: 'missing signature', corrections: { priority: 99 } });
    assert.equal(i.token('review').wait, 'task');
    assert.deepEqual(i.token('review').taskDenied, { event: 'completing', reason: 'missing signature' });
    assertFields(i.events.find((e) => e.type === 'task.denied')?.data, { taskId: 7, event: 'completing', action: 'complete', reason: 'missing signature', by: 'clerk' });
    assert.deepEqual(i.effectsOf('updateTask'), [], 'nothing applied');
    assert.equal(i.variables['ok'], undefined);
    i.send({ type: 'taskTransition', elementInstance: id, event: 'completing', action: 'complete', taskId: 7, task, actor: null });
    assert.equal(i.token('review').taskDenied, undefined, 'a new transition clears the last denial');
    assert.deepEqual(i.effectsOf('createJob')[1]!.listener, { event: 'completing', index: 0, round: 2 });
    i.completeJob('review');
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.effectsOf('updateTask')[0]?.completedBy, null);
  });

  it('an assigning transition applies the new assignee with the corrections and names what changed', async () => {
    const i = await started(review(listeners('assigning|l.who')));
    const id = i.token('review').id;
    i.send({ type: 'taskTransition', elementInstance: id, event: 'assigning', action: 'claim', taskId: 3, task, assignee: 'gina', actor: 'gina' });
    const job = i.effectsOf('createJob')[0]!;
    assert.equal(job.headers['io.camunda.zeebe:action'], 'claim');
    assert.equal(job.headers['io.camunda.zeebe:assignee'], 'gina');
    assert.equal(job.headers['io.camunda.zeebe:changedAttributes'], '["assignee"]');
    i.completeJob('review', {}, { corrections: { candidateGroups: ['seniors'] } });
    assert.deepEqual(i.effectsOf('updateTask'), [{ type: 'updateTask', elementInstance: id, changes: { assignee: 'gina', candidateGroups: ['seniors'] } }]);
    assertFields(i.events.find((e) => e.type === 'task.assigned')?.data, { taskId: 3, assignee: 'gina', previousAssignee: null, action: 'claim', by: 'gina' });
    assert.equal(i.token('review').wait, 'task', 'still open: assigning does not complete it');
    i.send({ type: 'taskTransition', elementInstance: id, event: 'assigning', action: 'unclaim', taskId: 3, task: { ...task, assignee: 'gina' }, assignee: null, actor: 'gina' });
    i.completeJob('review', {}, { corrections: { assignee: '' } });
    assert.deepEqual(i.effectsOf('updateTask')[1]?.changes, { assignee: null });
  });

  it('a process assignee on a task with assigning listeners is offered unassigned, then assigned through them', async () => {
    const i = await started(review(`<zeebe:assignmentDefinition assignee="erin"/>${listeners('assigning|l.who')}`));
    assert.equal(i.effectsOf('createTask').length, 1, 'offered once');
    assert.equal(i.effectsOf('createTask')[0]?.assignee, null);
    assert.deepEqual(i.data('task.created')['corrected'], [], 'no listener corrected anything');
    const job = i.effectsOf('createJob')[0]!;
    assert.equal(job.headers['io.camunda.zeebe:action'], 'assign');
    assert.equal(job.headers['io.camunda.zeebe:assignee'], 'erin');
    i.completeJob('review');
    assert.deepEqual(i.effectsOf('updateTask')[0]?.changes, { assignee: 'erin' });
  });

  it('a job type that does not evaluate is an incident on the task; resolving it runs the transition again from the first listener', async () => {
    const i = await started(review(listeners('creating|l.first', 'creating|= kind')));
    i.completeJob('review', {}, { corrections: { priority: 10 } });
    const incident = i.effectsOf('incident')[0];
    assert.equal(incident?.elementId, 'review');
    assert.equal(incident?.kind, 'configuration');
    assert.match(incident!.message, /creating task listener 2 of review has an empty job type/);
    assert.equal(i.token('review').wait, 'incident');
    i.variables = { kind: 'l.second' };
    i.send({ type: 'resolveIncident', elementInstance: i.token('review').id });
    const jobs = i.effectsOf('createJob');
    assert.deepEqual(jobs.map((j) => j.jobType), ['l.first', 'l.first'], 'from the first listener again');
    assert.equal(jobs.at(-1)!.headers['io.camunda.zeebe:priority'], '50', 'with the task as first requested');
  });

  it('an inline handler lets the listener through inside the step; one that sets variables or fails is an incident', async () => {
    const ok = await started(review(listeners('creating|inline.ok')), {}, { inline: { 'inline.ok': () => undefined } });
    assert.equal(ok.effectsOf('createTask').length, 1);
    assert.equal(ok.effectsOf('createJob').length, 0);
    const sets = await started(review(listeners('creating|inline.sets')), {}, { inline: { 'inline.sets': () => ({ x: 1 }) } });
    assert.match(sets.effectsOf('incident')[0]!.message, /set variables; a user task listener cannot/);
    const fails = await started(review(listeners('creating|inline.fails')), {}, { inline: { 'inline.fails': () => { throw new Error('boom'); } } });
    assert.equal(fails.effectsOf('incident')[0]!.message, "task listener handler 'inline.fails' failed: boom");
    assert.equal(fails.effectsOf('incident')[0]!.kind, 'handler');
  });

  it('a listener job\'s headers carry the task as it is: users, groups, dates, form and priority', async () => {
    const i = await started(review(`<zeebe:formDefinition formKey="forms:r"/><zeebe:assignmentDefinition candidateUsers="u1,u2"/><zeebe:taskSchedule dueDate="2026-05-08T12:00:00Z" followUpDate="2026-05-07T12:00:00Z"/><zeebe:priorityDefinition priority="60"/>${listeners('creating|l.c')}`));
    const { headers } = i.effectsOf('createJob')[0]!;
    assert.deepEqual(headers, {
      'io.camunda.zeebe:action': 'create', 'io.camunda.zeebe:candidateGroups': '[]', 'io.camunda.zeebe:candidateUsers': '["u1","u2"]', 'io.camunda.zeebe:priority': '60',
      'io.camunda.zeebe:changedAttributes': '[]', 'io.camunda.zeebe:dueDate': '2026-05-08T12:00:00.000Z', 'io.camunda.zeebe:followUpDate': '2026-05-07T12:00:00.000Z', 'io.camunda.zeebe:formKey': 'forms:r',
    });
    i.completeJob('review', {}, { corrections: { dueDate: '', followUpDate: '' } });
    const [created] = i.effectsOf('createTask');
    assert.equal(created?.dueAt, null, 'an empty date correction clears it');
    assert.equal(created?.followUpAt, null);
    assert.equal(created?.formKey, 'forms:r');
    assert.deepEqual(i.data('task.created')['corrected'], ['dueDate', 'followUpDate']);
  });

  it('a transition is refused for what is not a waiting user task', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t')}<endEvent id="e"/>`, 's -> t; t -> e'));
    assert.throws(() => i.send({ type: 'taskTransition', elementInstance: i.token('t').id, event: 'completing', action: 'complete', taskId: 1, task, actor: null }),
      (e: Error & { code?: string }) => e.code === 'GOVFLOW_ERR_CONFLICT' && e.message === `element instance ${i.token('t').id} is not waiting for a user task`);
    assert.throws(() => i.send({ type: 'taskTransition', elementInstance: '99', event: 'completing', action: 'complete', taskId: 5, task, actor: null }),
      (e: Error & { code?: string }) => e.code === 'GOVFLOW_ERR_CONFLICT' && e.message === 'user task 5 waits for its task listeners; try again when they are done');
  });

  it('creating and assigning listeners with a process assignee: offered once, unassigned, after the creating ones; then assigned', async () => {
    const i = await started(review(`<zeebe:assignmentDefinition assignee="erin"/>${listeners('creating|l.c', 'assigning|l.a')}`));
    assert.deepEqual(i.effectsOf('createTask'), []);
    i.completeJob('review');
    assert.deepEqual(i.effectsOf('createTask').map((t) => t.assignee), [null]);
    assert.deepEqual(i.effectsOf('createJob').map((j) => [j.jobType, j.headers['io.camunda.zeebe:action']]), [['l.c', 'create'], ['l.a', 'assign']]);
    i.completeJob('review');
    assert.deepEqual(i.effectsOf('updateTask').map((u) => u.changes), [{ assignee: 'erin' }]);
  });

  it('listener jobs are logged with their event, index and result; a completing transition keeps the assignee; priority 100 is allowed', async () => {
    const i = await started(review(listeners('creating|l.c', 'completing|l.done')));
    assertFields(i.data('job.created', 'review'), { jobType: 'l.c', retries: 3, listener: 'creating', listenerIndex: 0 });
    i.completeJob('review', {}, { corrections: { priority: 100 } });
    assertFields(i.data('job.completed', 'review'), { variables: {}, listener: 'creating', result: { corrections: { priority: 100 } } });
    assert.equal(i.effectsOf('createTask')[0]?.priority, 100);
    const id = i.token('review').id;
    i.send({ type: 'taskTransition', elementInstance: id, event: 'completing', action: 'complete', taskId: 8, task: { ...task, assignee: 'gina' }, actor: 'gina' });
    i.completeJob('review');
    assert.deepEqual(i.effectsOf('updateTask'), [{ type: 'updateTask', elementInstance: id, changes: {}, completedBy: 'gina' }], 'completing changes no attribute');
  });

  it('a listener job type whose expression fails is an expression incident naming the listener; an inline handler gets the task\'s context and may return nothing or an empty object', async () => {
    const bad = await started(review(listeners('creating|= nosuchfn(1)')));
    const [incident] = bad.effectsOf('incident');
    assert.equal(incident?.kind, 'expression');
    assert.match(incident!.message, /creating task listener job type/);
    const seen: unknown[] = [];
    const ok = await started(review(listeners('creating|inline.empty')), { a: 1 }, { inline: { 'inline.empty': (input) => { seen.push(input); return {}; } } });
    assert.deepEqual(ok.effectsOf('incident'), []);
    assert.equal(ok.effectsOf('createTask').length, 1);
    assert.equal(seen.length, 1);
    const input = seen[0] as { variables: unknown; headers: Record<string, string>; elementId: string };
    assert.deepEqual(input.variables, { a: 1 });
    assert.equal(input.elementId, 'review');
    assert.equal(input.headers['io.camunda.zeebe:action'], 'create');
    const sets = await started(review(listeners('creating|inline.sets')), {}, { inline: { 'inline.sets': () => ({ x: 1 }) } });
    assert.deepEqual(sets.effectsOf('incident').map((e) => e.kind), ['handler']);
  });

  it('a listener job\'s headers leave out the dates and form a task does not have', async () => {
    const i = await started(review(listeners('creating|l.c')));
    assert.deepEqual(i.effectsOf('createJob')[0]?.headers, {
      'io.camunda.zeebe:action': 'create', 'io.camunda.zeebe:candidateGroups': '[]', 'io.camunda.zeebe:candidateUsers': '[]', 'io.camunda.zeebe:priority': '50', 'io.camunda.zeebe:changedAttributes': '[]',
    });
  });

  it('a job result is refused on a job that is not a task listener', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t')}<endEvent id="e"/>`, 's -> t; t -> e'));
    assert.throws(() => i.completeJob('t', {}, { denied: true }), /only for a user task listener/);
  });
});

const catchEvent = (id: string, condition: string, filter?: Parameters<typeof conditional>[1]) => `<intermediateCatchEvent id="${id}">${conditional(condition, filter)}</intermediateCatchEvent>`;

describe('runtime: conditional events', () => {
  it('a catch event passes at once when its condition holds, else waits for a change that makes it hold', async () => {
    const xml = bpmn('p', `<startEvent id="s"/>${catchEvent('ready', '= stock >= amount')}${userTask('ship')}<endEvent id="e"/>`, 's -> ready; ready -> ship; ship -> e');
    const at = await started(xml, { stock: 5, amount: 3 });
    assert.deepEqual(at.waiting(), ['ship']);
    assert.equal(at.state?.conditions, undefined, 'nothing listens any more');
    const waits = await started(xml, { stock: 1, amount: 3 });
    assert.deepEqual(waits.waiting(), ['ready']);
    assert.equal(waits.token('ready').wait, 'conditional');
    waits.send({ type: 'setVariables', variables: { stock: 2 } });
    assert.deepEqual(waits.waiting(), ['ready']);
    waits.send({ type: 'setVariables', variables: { stock: 4 } });
    assert.deepEqual(waits.waiting(), ['ship']);
    assert.deepEqual(waits.trace('condition.triggered'), ['condition.triggered:ready']);
    assertFields(waits.events.find((e) => e.type === 'condition.triggered')?.data, { catchElementId: 'ready' });
  });

  it('a filter on variable names or events leaves other changes out', async () => {
    const byName = await started(bpmn('p', `<startEvent id="s"/>${catchEvent('c', '= ok = true or other = true', { variableNames: 'ok' })}<endEvent id="e"/>`, 's -> c; c -> e'));
    byName.send({ type: 'setVariables', variables: { other: true } });
    assert.deepEqual(byName.waiting(), ['c'], 'a change of another variable is not looked at');
    byName.send({ type: 'setVariables', variables: { ok: false } });
    assert.equal(byName.status, 'completed', 'a change of ok makes it look again, and other holds');

    const onUpdate = await started(bpmn('p', `<startEvent id="s"/>${catchEvent('c', '= n > 1', { variableEvents: 'update' })}<endEvent id="e"/>`, 's -> c; c -> e'));
    onUpdate.send({ type: 'setVariables', variables: { n: 5 } });
    assert.deepEqual(onUpdate.waiting(), ['c'], 'creating n is not an update');
    onUpdate.send({ type: 'setVariables', variables: { n: 6 } });
    assert.equal(onUpdate.status, 'completed');

    const onCreate = await started(bpmn('p', `<startEvent id="s"/>${catchEvent('c', '= n > 1', { variableEvents: 'create' })}<endEvent id="e"/>`, 's -> c; c -> e'), { n: 0 });
    onCreate.send({ type: 'setVariables', variables: { n: 6 } });
    assert.deepEqual(onCreate.waiting(), ['c'], 'updating n is not a creation');
  });

  it('an interrupting boundary event ends the activity when its condition becomes true; a non-interrupting one fires each time it becomes true again', async () => {
    const interrupting = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="late" attachedToRef="work">${conditional('= late = true')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`,
      's -> work; work -> e; late -> e2'));
    interrupting.send({ type: 'setVariables', variables: { late: true } });
    assert.equal(interrupting.status, 'completed');
    assert.deepEqual(interrupting.trace().slice(-8), ['variables.updated', 'condition.triggered:work', 'element.terminated:work', 'element.activated:late', 'element.completed:late', 'element.activated:e2', 'element.completed:e2', 'process.completed']);
    assert.deepEqual(interrupting.effectsOf('cancelWaits').map((e) => e.elementInstance), [interrupting.events.find((e) => e.elementId === 'work')!.elementInstance]);

    const repeating = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">${conditional('= n > 2')}</boundaryEvent>${userTask('note')}<endEvent id="e"/>`,
      's -> work; work -> e; remind -> note'), { n: 0 });
    repeating.send({ type: 'setVariables', variables: { n: 3 } });
    repeating.send({ type: 'setVariables', variables: { n: 4 } });
    assert.deepEqual(repeating.waiting(), ['note', 'work'], 'still true: no second firing');
    repeating.send({ type: 'setVariables', variables: { n: 0 } });
    repeating.send({ type: 'setVariables', variables: { n: 9 } });
    assert.deepEqual(repeating.waiting(), ['note', 'note', 'work'], 'false then true again: fires again');
  });

  it('an event sub-process with a conditional start interrupts its scope when the condition becomes true', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${conditional('= stop = true')}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e'));
    i.send({ type: 'setVariables', variables: { stop: true } });
    assert.deepEqual(i.waiting(), ['handle']);
    i.completeTask('handle');
    assert.equal(i.status, 'completed');
  });

  it('a condition that fails to evaluate is an incident naming the event; resolving it evaluates again', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${catchEvent('c', '= nosuchfn(1) > 0')}<endEvent id="e"/>`, 's -> c; c -> e'));
    const [incident] = i.effectsOf('incident');
    assert.equal(incident?.elementId, 'c');
    assert.equal(incident?.kind, 'expression');
    assert.match(incident!.message, /^conditional event condition of c could not be evaluated: .*nosuchfn/);
    assert.equal(i.status, 'active');
    i.send({ type: 'resolveIncident', elementInstance: i.token('c').id });
    assert.equal(i.effectsOf('incident').length, 2, 'evaluated again, and it still fails');
  });

  it('a boundary condition that fails is an incident on the activity; resolving it evaluates again, and what ends the activity drops it', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="late" attachedToRef="work">${conditional('= if x then nosuchfn(1) else false')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`,
      's -> work; work -> e; late -> e2'), { x: false });
    assert.deepEqual(i.effectsOf('incident'), []);
    i.send({ type: 'setVariables', variables: { x: true } });
    const [incident] = i.effectsOf('incident');
    assert.equal(incident?.elementId, 'late');
    assert.equal(incident?.elementInstance, i.token('work').id, 'raised on the activity that owns the event');
    i.send({ type: 'setVariables', variables: { x: false } });
    assert.equal(i.effectsOf('incident').length, 1, 'a failed condition is not evaluated again until resolved');
    i.send({ type: 'resolveIncident', elementInstance: i.token('work').id });
    assert.deepEqual(i.effectsOf('resolveIncidents').map((e) => e.elementInstance), [i.token('work').id]);
    assert.equal(i.effectsOf('incident').length, 1, 'evaluated again: false now, no new incident');
    assert.equal(i.token('work').wait, 'task', 'the task still waits');
    i.completeTask('work');
    assert.equal(i.status, 'completed');
    assert.ok(!i.activated().includes('e2'));
  });

  it('only a change the condition can see makes it be evaluated again: a local of another scope does not', async () => {
    const side = subProcess('side', `<startEvent id="ss"/>${userTask('note')}<endEvent id="se"/>`, 'ss -> note; note -> se', '', `<extensionElements>${'<zeebe:ioMapping><zeebe:input source="= 0" target="notes"/></zeebe:ioMapping>'}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${side}${catchEvent('late', '= now() >= date and time("2026-05-04T11:00:00Z")')}<endEvent id="e1"/><endEvent id="e2"/>`,
      's -> f; f -> side; f -> late; side -> e1; late -> e2'));
    assert.deepEqual(i.waiting(), ['late', 'note']);
    i.now = new Date('2026-05-04T12:00:00Z');
    i.send({ type: 'setVariables', variables: { notes: 1 }, elementInstance: i.token('side').id, local: true });
    assert.deepEqual(i.waiting(), ['late', 'note'], 'the sub-process\'s local is not visible to the catch event: not evaluated');
    i.send({ type: 'setVariables', variables: { notes: 2 }, elementInstance: i.token('side').id });
    assert.deepEqual(i.waiting(), ['late', 'note'], 'it lives in the sub-process, so it stays there');
    i.send({ type: 'setVariables', variables: { seen: true } });
    assert.deepEqual(i.waiting(), ['note'], 'a process variable changed: evaluated, and now it holds');
  });

  it('a non-interrupting conditional event sub-process starts each time its condition becomes true, beside the scope', async () => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false">${conditional('= level > 2')}</startEvent>${userTask('alert')}<endEvent id="ee"/>`, 'es -> alert; alert -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e'), { level: 0 });
    i.send({ type: 'setVariables', variables: { level: 3 } });
    assert.deepEqual(i.waiting(), ['alert', 'work']);
    i.send({ type: 'setVariables', variables: { level: 4 } });
    assert.deepEqual(i.waiting(), ['alert', 'work']);
    i.send({ type: 'setVariables', variables: { level: 1 } });
    i.send({ type: 'setVariables', variables: { level: 5 } });
    assert.deepEqual(i.waiting(), ['alert', 'alert', 'work']);
    assert.equal(i.state?.conditions?.length, 1, 'still listening');
  });

  it('an event sub-process start condition that fails is an incident on the scope, naming the start event; it ends with the scope', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${conditional('= if x then nosuchfn(1) else false')}</startEvent>${userTask('alert')}<endEvent id="ee"/>`, 'es -> alert; alert -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e'), { x: false });
    const root = i.root().id;
    i.send({ type: 'setVariables', variables: { x: true } });
    assert.deepEqual(i.effectsOf('incident').map((e) => [e.elementId, e.elementInstance, e.kind]), [['es', root, 'expression']]);
    assertFields(i.data('incident.raised'), { catchElementId: 'es', kind: 'expression' });
    assert.deepEqual(i.waiting(), ['work'], 'the process goes on');
    assert.deepEqual(i.state?.conditions, [{ owner: root, elementId: 'es', held: false, failed: true }]);
  });

  it('an incident of a boundary condition is resolved when its activity ends', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}${userTask('next')}<boundaryEvent id="late" attachedToRef="work">${conditional('= if x then nosuchfn(1) else false')}</boundaryEvent><endEvent id="e2"/>`,
      's -> work; work -> next; late -> e2'), { x: true });
    const work = i.token('work').id;
    assert.equal(i.effectsOf('incident').length, 1);
    i.completeTask('work');
    assert.deepEqual(i.effectsOf('resolveIncidents').map((e) => e.elementInstance), [work]);
    assert.equal(i.state?.conditions, undefined);
  });

  it('an interrupting conditional event sub-process withdraws the other conditional starts of its scope', async () => {
    const esp = (id: string, condition: string, attrs = '') => subProcess(id, `<startEvent id="${id}_s"${attrs}>${conditional(condition)}</startEvent>${userTask(`${id}_t`)}<endEvent id="${id}_e"/>`, `${id}_s -> ${id}_t; ${id}_t -> ${id}_e`, 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp('stop', '= stop = true')}${esp('note', '= level > 2', ' isInterrupting="false"')}`, 's -> work; work -> e'), { level: 0 });
    const root = i.root().id;
    assert.deepEqual(i.state?.conditions?.map((w) => w.elementId).sort(), ['note_s', 'stop_s']);
    i.send({ type: 'setVariables', variables: { stop: true } });
    assert.deepEqual(i.waiting(), ['stop_t']);
    assert.deepEqual(i.state?.conditions, undefined, 'neither start listens once the scope was interrupted');
    i.send({ type: 'setVariables', variables: { level: 5 } });
    assert.deepEqual(i.waiting(), ['stop_t'], 'the non-interrupting one no longer fires');
    assert.ok(i.effectsOf('cancelWaits').some((e) => e.elementInstance === root && JSON.stringify(e.elementIds) === JSON.stringify(['stop_s', 'note_s'])));
  });

  it('after an event-based gateway the first condition to hold wins and the other events are withdrawn', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><eventBasedGateway id="g"/>${catchEvent('a', '= pick = "a"')}${catchEvent('b', '= pick = "b"')}<endEvent id="ea"/><endEvent id="eb"/>`,
      's -> g; g -> a; g -> b; a -> ea; b -> eb'));
    assert.deepEqual(i.waiting(), ['g']);
    i.send({ type: 'setVariables', variables: { pick: 'b' } });
    assert.equal(i.status, 'completed');
    assert.ok(i.activated().includes('eb'));
    assert.ok(!i.activated().includes('ea'));
    assert.equal(i.state?.conditions, undefined);
  });
});
