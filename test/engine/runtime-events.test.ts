/**
 * Jobs, user tasks, timers, messages, signals, boundary events, errors and escalations, event sub-processes,
 * multi-instance, call activities and the commands that steer an instance, straight through the pure runtime
 * (applyCommand, no database). The database-backed engine suites check the same through the engine; this file is
 * what `npm run mutate -- engine-runtime` runs, a second per mutant instead of a minute. Expected outcomes follow
 * BPMN 2.0 and Camunda 8's documented behaviour (an interrupting boundary event ends its activity, a
 * non-interrupting one leaves it running; an exact error code beats a catch-all; a timer duration counts from now).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpmn, error, errorRef, escalation, escalationRef, ioMapping, job, message, messageRef, signal, signalRef, subProcess, timer, userTask } from './bpmn.js';
import { NOW, PureInstance, assertFields, compile, started } from './pure-instance.js';

const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const HOUR = 3_600_000;
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

describe('runtime: jobs and user tasks', () => {
  it('a service task creates a job of its type with its retries and headers, and completes with the job variables', async () => {
    const xml = bpmn('p', `<startEvent id="s"/><serviceTask id="t"><extensionElements><zeebe:taskDefinition type="= &quot;svc.&quot; + kind" retries="5"/><zeebe:taskHeaders><zeebe:header key="registry" value="land"/></zeebe:taskHeaders></extensionElements></serviceTask><endEvent id="e"/>`, 's -> t; t -> e');
    const i = await started(xml, { kind: 'lookup' });
    assert.deepEqual(i.effectsOf('createJob'), [{ type: 'createJob', elementId: 't', elementInstance: i.token('t').id, jobType: 'svc.lookup', retries: 5, headers: { registry: 'land' } }]);
    assertFields(i.data('job.created', 't'), { jobType: 'svc.lookup', retries: 5 });
    assert.equal(i.token('t').wait, 'job');
    i.completeJob('t', { owner: 'ann' });
    assertFields(i.data('job.completed', 't'), { variables: { owner: 'ann' } });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { kind: 'lookup', owner: 'ann' });
    assert.deepEqual(i.effectsOf('cancelWaits').map((e) => e.elementInstance), [i.events.find((e) => e.elementId === 't')!.elementInstance]);
  });

  it('a job type that evaluates to nothing is an incident; resolving it after the variable is set activates the task again', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', '= kind')}<endEvent id="e"/>`, 's -> t; t -> e'));
    const [incident] = i.effectsOf('incident');
    assert.deepEqual(incident, { type: 'incident', elementId: 't', elementInstance: i.token('t').id, kind: 'configuration', message: 't has no job type' });
    assert.equal(i.token('t').wait, 'incident');
    assertFields(i.data('incident.raised', 't'), { kind: 'configuration', message: 't has no job type' });
    assert.throws(() => i.completeJob('t'), /waits for a job/);
    i.send({ type: 'setVariables', variables: { kind: 'k' } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.deepEqual(i.effectsOf('resolveIncidents').map((e) => e.elementInstance), [i.token('t').id]);
    assert.equal(i.effectsOf('createJob')[0]?.jobType, 'k');
    assert.deepEqual(i.trace('incident.resolved'), ['incident.resolved:t']);
    assert.throws(() => i.send({ type: 'resolveIncident', elementInstance: i.token('t').id }), /has no open incident to resolve/);
  });

  it('an inline handler completes the task within the step; one that throws is a handler incident', async () => {
    const seen: unknown[] = [];
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'inline.add', '<zeebe:taskHeaders><zeebe:header key="h" value="1"/></zeebe:taskHeaders>')}<endEvent id="e"/>`, 's -> t; t -> e'), { a: 2 }, {
      inline: { 'inline.add': (input) => { seen.push(input); return { b: Number(input.variables['a']) + 1 }; } },
    });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { a: 2, b: 3 });
    assert.deepEqual(seen, [{ variables: { a: 2 }, headers: { h: '1' }, elementId: 't' }]);
    assert.deepEqual(i.effectsOf('createJob'), []);
    const fails = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'inline.fail')}<endEvent id="e"/>`, 's -> t; t -> e'), {}, { inline: { 'inline.fail': () => { throw new Error('no'); } } });
    assert.deepEqual(fails.effectsOf('incident').map((e) => [e.kind, e.message]), [['handler', "handler 'inline.fail' failed: no"]]);
  });

  it('a user task is offered with its evaluated assignment, schedule, form and priority', async () => {
    const ut = userTask('review', `<zeebe:assignmentDefinition assignee="= who" candidateGroups="clerks, seniors" candidateUsers="= users"/><zeebe:taskSchedule dueDate="= due" followUpDate="2026-05-06T10:00:00Z"/><zeebe:formDefinition formKey="forms:review"/><zeebe:priorityDefinition priority="= prio"/>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${ut}<endEvent id="e"/>`, 's -> review; review -> e'), { who: 'ann', users: ['u1', 'u2'], due: 'P2D', prio: 70 });
    assert.deepEqual(i.effectsOf('createTask'), [{
      type: 'createTask', elementId: 'review', elementInstance: i.token('review').id, name: 'review', assignee: 'ann', candidateGroups: ['clerks', 'seniors'], candidateUsers: ['u1', 'u2'],
      dueAt: at(48 * HOUR), followUpAt: '2026-05-06T10:00:00.000Z', formKey: 'forms:review', priority: 70,
    }]);
    assertFields(i.data('task.created'), { assignee: 'ann', candidateGroups: ['clerks', 'seniors'], dueAt: at(48 * HOUR) });
    i.completeTask('review', { ok: true });
    assertFields(i.data('task.completed'), { variables: { ok: true } });
    assert.equal(i.status, 'completed');
  });

  it('an empty assignment is no assignee, a priority that is not a number is the default 50; a due date that is no date is an incident', async () => {
    const ut = userTask('review', `<zeebe:assignmentDefinition assignee="= who"/><zeebe:taskSchedule dueDate="= due"/><zeebe:priorityDefinition priority="= prio"/>`);
    const xml = bpmn('p', `<startEvent id="s"/>${ut}<endEvent id="e"/>`, 's -> review; review -> e');
    const i = await started(xml, { who: '', due: null, prio: 'high' });
    const [task] = i.effectsOf('createTask');
    assert.equal(task?.assignee, null);
    assert.equal(task?.dueAt, null);
    assert.equal(task?.priority, 50);
    assert.equal(task?.formKey, null);
    assert.deepEqual(task?.candidateGroups, []);
    const bad = await started(xml, { who: 'x', due: 'next week', prio: 1 });
    assert.deepEqual(bad.effectsOf('createTask'), []);
    assert.deepEqual(bad.effectsOf('incident').map((e) => [e.kind, e.message]), [['expression', "due date 'next week' of review is neither an ISO 8601 date nor a duration"]]);
  });

  it('a task and a manual task pass at once; a script task sets its result variable', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><task id="a"/><manualTask id="b"/><scriptTask id="c"><extensionElements><zeebe:script expression="= x * 2" resultVariable="y"/></extensionElements></scriptTask><endEvent id="e"/>`,
      's -> a; a -> b; b -> c; c -> e'), { x: 21 });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { x: 21, y: 42 });
    assert.deepEqual(i.activated(), ['s', 'a', 'b', 'c', 'e']);
  });

  it('input mappings are the task\'s locals; output mappings decide what reaches the process', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t', ioMapping({ parcelId: '= parcel.id', 'deep.x': '= 1' }, { owner: '= result.owner' }))}<endEvent id="e"/>`, 's -> t; t -> e'), { parcel: { id: 9 } });
    assert.deepEqual(i.token('t').vars, { parcelId: 9, deep: { x: 1 } });
    i.completeJob('t', { result: { owner: 'ann' }, noise: 1 });
    assert.deepEqual(i.variables, { parcel: { id: 9 }, owner: 'ann' });
  });

  it('a business-rule task runs its bound decision with the case variables; without a binding it is an incident', async () => {
    const xml = bpmn('p', `<startEvent id="s"/><businessRuleTask id="d"><extensionElements><zeebe:calledDecision decisionId="fee" resultVariable="fee"/></extensionElements></businessRuleTask><endEvent id="e"/>`, 's -> d; d -> e');
    const model = await compile(xml);
    const seen: unknown[] = [];
    const bound = new PureInstance(model, { decisions: { d: { decisionKey: 'fee', decisionDefinitionId: 4, version: 2, evaluate: (ctx, now) => { seen.push([ctx, now]); return { value: Number(ctx['size']) * 10, explanation: { rule: 1 } }; } } } });
    bound.start({ size: 3 });
    assert.equal(bound.status, 'completed');
    assert.equal(bound.variables['fee'], 30);
    assert.deepEqual(seen, [[{ size: 3 }, NOW]]);
    assertFields(bound.data('decision.evaluated', 'd'), { decisionId: 'fee', decisionKey: 'fee', version: 2, output: 30, explanation: { rule: 1 } });
    const unbound = new PureInstance(model);
    unbound.start({});
    assert.deepEqual(unbound.effectsOf('incident').map((e) => [e.kind, e.message]), [['decision', "decision 'fee' of d is not bound to a deployed version (latest when the case started); deploy it and resolve the incident"]]);
    const failing = new PureInstance(model, { decisions: { d: { decisionKey: 'fee', decisionDefinitionId: 4, version: 2, evaluate: () => { throw new Error('no rule'); } } } });
    failing.start({});
    assert.deepEqual(failing.effectsOf('incident').map((e) => [e.kind, e.message]), [['decision', "decision 'fee' failed: no rule"]]);
  });
});

describe('runtime: timers', () => {
  it('a timer catch event waits until its duration from now, then moves on when it fires', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="w">${timer('timeDuration', 'PT1H')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> w; w -> e'));
    assert.deepEqual(i.effectsOf('createTimer'), [{ type: 'createTimer', elementId: 'w', elementInstance: i.token('w').id, dueAt: at(HOUR) }]);
    assert.equal(i.token('w').wait, 'timer');
    i.trigger('timer', 'w');
    assertFields(i.data('timer.fired', 'w'), { timerElementId: 'w' });
    assert.equal(i.status, 'completed');
  });

  it('a date, an expression and a cycle: the cycle text counts down its repetitions', async () => {
    const date = await started(bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="w">${timer('timeDate', '2026-06-01T00:00:00Z')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> w; w -> e'));
    assert.equal(date.effectsOf('createTimer')[0]?.dueAt, '2026-06-01T00:00:00.000Z');
    const expr = await started(bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="w">${timer('timeDuration', '= wait')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> w; w -> e'), { wait: 'PT2H' });
    assert.equal(expr.effectsOf('createTimer')[0]?.dueAt, at(2 * HOUR));
    const cycle = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">${timer('timeCycle', 'R3/PT10M')}</boundaryEvent>${userTask('note')}<endEvent id="e"/>`,
      's -> work; work -> e; remind -> note'));
    assert.deepEqual(cycle.effectsOf('createTimer'), [{ type: 'createTimer', elementId: 'remind', elementInstance: cycle.token('work').id, dueAt: at(600_000), cycle: 'R2/PT10M' }]);
  });

  it('a timer text that is not valid when evaluated is an error naming it', async () => {
    const xml = bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="w">${timer('timeDuration', '= wait')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> w; w -> e');
    await assert.rejects(async () => started(xml, { wait: 'soon' }), /timer duration 'soon' of w is not valid ISO 8601 or cron/);
  });

  it('an interrupting timer boundary event ends its activity; a non-interrupting one leaves it waiting and does not re-arm itself', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="late" attachedToRef="work">${timer('timeDuration', 'P1D')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`,
      's -> work; work -> e; late -> e2'));
    const work = i.token('work').id;
    assert.deepEqual(i.effectsOf('createTimer'), [{ type: 'createTimer', elementId: 'late', elementInstance: work, dueAt: at(24 * HOUR) }]);
    i.trigger('timer', 'late', 'work');
    assert.deepEqual(i.effectsOf('cancelWaits').map((e) => e.elementInstance), [work]);
    assert.deepEqual(i.trace().slice(-7), ['timer.fired:work', 'element.terminated:work', 'element.activated:late', 'element.completed:late', 'element.activated:e2', 'element.completed:e2', 'process.completed']);

    const n = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">${timer('timeDuration', 'P1D')}</boundaryEvent>${userTask('note')}<endEvent id="e"/>`,
      's -> work; work -> e; remind -> note'));
    n.trigger('timer', 'remind', 'work');
    assert.deepEqual(n.waiting(), ['note', 'work']);
    assert.equal(n.effectsOf('createTimer').length, 1, 'a timer is re-armed by its cycle, not by the runtime');
  });
});

describe('runtime: messages and signals', () => {
  it('a receive task subscribes with its evaluated correlation key and completes with the message variables', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><receiveTask id="r" messageRef="m"/><endEvent id="e"/>`, 's -> r; r -> e', message('m', 'paid', '= orderId')), { orderId: 42 });
    assert.deepEqual(i.effectsOf('subscribe'), [{ type: 'subscribe', kind: 'message', name: 'paid', correlationKey: '42', elementId: 'r', elementInstance: i.token('r').id }]);
    assert.equal(i.token('r').wait, 'message');
    i.trigger('message', 'r', 'r', { amount: 5 });
    assertFields(i.data('message.correlated', 'r'), { catchElementId: 'r', variables: { amount: 5 } });
    assert.equal(i.status, 'completed');
    assert.equal(i.variables['amount'], 5);
  });

  it('a message catch event without a correlation key subscribes with none', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="c">${messageRef('m')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> c; c -> e', message('m', 'ping')));
    assert.deepEqual(i.effectsOf('subscribe').map((s) => [s.name, s.correlationKey, s.elementId]), [['ping', null, 'c']]);
    assert.equal(i.token('c').wait, 'message');
  });

  it('a message throw event publishes its name, key and input mappings; a send task with a job type is a job', async () => {
    const thrower = `<intermediateThrowEvent id="t"><extensionElements>${ioMapping({ total: '= amount * 2' })}</extensionElements>${messageRef('m')}</intermediateThrowEvent>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${thrower}<endEvent id="e"/>`, 's -> t; t -> e', message('m', 'billed', '= ref')), { amount: 4, ref: 7 });
    assert.deepEqual(i.effectsOf('publishMessage'), [{ type: 'publishMessage', name: 'billed', correlationKey: '7', variables: { total: 8 } }]);
    assertFields(i.data('message.published', 't'), { messageName: 'billed', correlationKey: 7 });
    assert.equal(i.status, 'completed');
    const send = await started(bpmn('p', `<startEvent id="s"/><sendTask id="t"><extensionElements><zeebe:taskDefinition type="mail"/></extensionElements></sendTask><endEvent id="e"/>`, 's -> t; t -> e'));
    assert.equal(send.effectsOf('createJob')[0]?.jobType, 'mail');
  });

  it('a signal throw event broadcasts; a signal catch event subscribes and moves on when it is received', async () => {
    const thrown = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="t">${signalRef('sg')}</intermediateThrowEvent><endEvent id="e"/>`, 's -> t; t -> e', signal('sg', 'alarm')));
    assert.deepEqual(thrown.effectsOf('broadcastSignal'), [{ type: 'broadcastSignal', name: 'alarm', variables: {} }]);
    assertFields(thrown.data('signal.thrown', 't'), { signalName: 'alarm' });
    assert.equal(thrown.status, 'completed');
    const caught = await started(bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="c">${signalRef('sg')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> c; c -> e', signal('sg', 'alarm')));
    assert.deepEqual(caught.effectsOf('subscribe'), [{ type: 'subscribe', kind: 'signal', name: 'alarm', correlationKey: null, elementId: 'c', elementInstance: caught.token('c').id }]);
    assert.equal(caught.token('c').wait, 'signal');
    caught.trigger('signal', 'c', 'c', { level: 2 });
    assertFields(caught.data('signal.received', 'c'), { catchElementId: 'c', variables: { level: 2 } });
    assert.equal(caught.variables['level'], 2);
    assert.equal(caught.status, 'completed');
  });

  it('a non-interrupting message boundary event fires and subscribes again; an interrupting one ends the activity', async () => {
    const xml = (interrupting: boolean) => bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="b" attachedToRef="work"${interrupting ? '' : ' cancelActivity="false"'}>${messageRef('m')}</boundaryEvent>${userTask('note')}<endEvent id="e"/>`,
      's -> work; work -> e; b -> note', message('m', 'ask'));
    const n = await started(xml(false));
    n.trigger('message', 'b', 'work');
    assert.deepEqual(n.waiting(), ['note', 'work']);
    assert.equal(n.effectsOf('subscribe').length, 2, 'subscribed again for the next message');
    n.trigger('message', 'b', 'work');
    assert.deepEqual(n.waiting(), ['note', 'note', 'work']);
    const y = await started(xml(true));
    y.trigger('message', 'b', 'work');
    assert.deepEqual(y.waiting(), ['note']);
    assert.equal(y.effectsOf('subscribe').length, 1);
  });

  it('after an event-based gateway the first event wins: the gateway completes, its subscriptions are withdrawn', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><eventBasedGateway id="g"/><intermediateCatchEvent id="m">${messageRef('msg')}</intermediateCatchEvent><intermediateCatchEvent id="t">${timer('timeDuration', 'PT5M')}</intermediateCatchEvent><endEvent id="em"/><endEvent id="et"/>`,
      's -> g; g -> m; g -> t; m -> em; t -> et', message('msg', 'reply')));
    const g = i.token('g').id;
    assert.equal(i.token('g').wait, 'gateway');
    assert.deepEqual(i.effectsOf('subscribe').map((s) => [s.elementId, s.elementInstance]), [['m', g]]);
    assert.deepEqual(i.effectsOf('createTimer').map((s) => [s.elementId, s.elementInstance, s.dueAt]), [['t', g, at(300_000)]]);
    i.trigger('timer', 't', 'g');
    assert.deepEqual(i.effectsOf('cancelWaits').map((e) => e.elementInstance)[0], g);
    assert.ok(i.activated().includes('et'));
    assert.ok(!i.activated().includes('em'));
    assert.equal(i.status, 'completed');
  });

  it('a trigger for an element instance that is gone, or that cannot be triggered that way, is a conflict', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>`, 's -> work; work -> e'));
    assert.throws(() => i.send({ type: 'trigger', trigger: 'message', elementId: 'work', elementInstance: '999', variables: {} }), /element instance 999 is no longer waiting for work/);
    assert.throws(() => i.send({ type: 'trigger', trigger: 'message', elementId: 'nope', elementInstance: i.token('work').id, variables: {} }), /is no longer waiting for nope/);
    assert.throws(() => i.send({ type: 'trigger', trigger: 'message', elementId: 'e', elementInstance: i.token('work').id, variables: {} }), /cannot be triggered through e/);
  });
});

describe('runtime: errors, escalations and event sub-processes', () => {
  const caught = (boundaries: string, extra = '') => bpmn('p', `<startEvent id="s"/>${job('t', 'w.t')}${boundaries}${userTask('exact')}${userTask('any')}<endEvent id="e"/>`,
    `s -> t; t -> e; ${boundaries.includes('id="bExact"') ? 'bExact -> exact;' : ''} ${boundaries.includes('id="bAny"') ? 'bAny -> any' : ''}`, `${error('err1', 'E1')}${error('err2', 'E2')}${extra}`);
  const exact = '<boundaryEvent id="bExact" attachedToRef="t"><errorEventDefinition errorRef="err1"/></boundaryEvent>';
  const any = '<boundaryEvent id="bAny" attachedToRef="t"><errorEventDefinition/></boundaryEvent>';

  it('a job error is caught by the boundary event with its code before a catch-all, whatever their order', async () => {
    for (const order of [any + exact, exact + any]) {
      const i = await started(caught(order));
      i.jobError('t', 'E1', { why: 'x' });
      assert.deepEqual(i.waiting(), ['exact']);
      assertFields(i.data('error.thrown', 't'), { errorCode: 'E1', message: null });
      assert.equal(i.variables['why'], 'x');
      const other = await started(caught(order));
      other.jobError('t', 'E2');
      assert.deepEqual(other.waiting(), ['any'], 'another code goes to the catch-all');
    }
  });

  it('an error nothing catches is an incident on the thrower; in a called process it ends the child and goes to the parent', async () => {
    const i = await started(caught(exact));
    i.jobError('t', 'E9');
    assert.deepEqual(i.effectsOf('incident').map((e) => [e.elementId, e.kind, e.message]), [['t', 'unhandled-error', "error 'E9' thrown by t was not caught"]]);
    assert.equal(i.status, 'active');
    const child = new PureInstance(await compile(caught(exact)), { hasParent: true });
    child.start({});
    child.jobError('t', 'E9', { detail: 1 });
    assert.equal(child.status, 'terminated');
    assert.deepEqual(child.effectsOf('notifyParent'), [{ type: 'notifyParent', command: { type: 'childError', elementInstance: '', errorCode: 'E9', variables: { detail: 1 } } }]);
    assertFields(child.data('process.terminated'), { reason: 'error E9 propagated to the calling process' });
    assert.deepEqual(child.tokens(), []);
  });

  it('an error end event in a sub-process is caught by the sub-process\'s boundary event, ending the sub-process', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/><parallelGateway id="f"/>${userTask('other')}<endEvent id="boom">${errorRef('err1')}</endEvent>`, 'ss -> f; f -> other; f -> boom');
    const i = await started(bpmn('p', `<startEvent id="s"/>${inner}<boundaryEvent id="b" attachedToRef="sub">${errorRef('err1')}</boundaryEvent>${userTask('fix')}<endEvent id="e"/>`, 's -> sub; sub -> e; b -> fix', error('err1', 'E1')));
    assert.deepEqual(i.waiting(), ['fix']);
    assertFields(i.data('error.thrown', 'boom'), { errorCode: 'E1' });
    assert.ok(i.trace().includes('element.terminated:other'));
    assert.ok(i.trace().includes('element.terminated:sub'));
  });

  it('an error event sub-process catches an error thrown in its scope and replaces what ran there', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${errorRef('err1')}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${job('t', 'w.t')}${userTask('side')}<endEvent id="e"/>${esp}`, 's -> f; f -> t; f -> side; t -> e; side -> e', error('err1', 'E1')));
    i.jobError('t', 'E1');
    assert.deepEqual(i.waiting(), ['handle']);
    assert.equal(i.token('esp').esp, true);
    i.completeTask('handle');
    assert.equal(i.status, 'completed');
  });

  it('an escalation caught by a non-interrupting boundary event lets the sub-process go on; an interrupting one ends it; an uncaught one passes', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/><intermediateThrowEvent id="up">${escalationRef('esc')}</intermediateThrowEvent>${userTask('more')}<endEvent id="se"/>`, 'ss -> up; up -> more; more -> se');
    const xml = (attrs: string) => bpmn('p', `<startEvent id="s"/>${inner}<boundaryEvent id="b" attachedToRef="sub"${attrs}>${escalationRef('esc')}</boundaryEvent>${userTask('told')}<endEvent id="e"/>`, 's -> sub; sub -> e; b -> told', escalation('esc', 'LATE'));
    const n = await started(xml(' cancelActivity="false"'));
    assert.deepEqual(n.waiting(), ['more', 'told']);
    assertFields(n.data('escalation.thrown', 'up'), { escalationCode: 'LATE' });
    const y = await started(xml(''));
    assert.deepEqual(y.waiting(), ['told']);
    assert.ok(!y.activated().includes('more'));
    const none = await started(bpmn('p', `<startEvent id="s"/>${inner}<endEvent id="e"/>`, 's -> sub; sub -> e', escalation('esc', 'LATE')));
    assert.deepEqual(none.waiting(), ['more'], 'an uncaught escalation is not an error: the flow goes on');
  });

  it('an escalation event sub-process (non-interrupting) runs beside the scope', async () => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false">${escalationRef('esc')}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="up">${escalationRef('esc')}</intermediateThrowEvent>${userTask('more')}<endEvent id="e"/>${esp}`, 's -> up; up -> more; more -> e', escalation('esc', 'LATE')));
    assert.deepEqual(i.waiting(), ['handle', 'more']);
  });

  it('a message event sub-process interrupts the process when its message arrives, withdrawing the other starts', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${messageRef('m')}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e', message('m', 'stop')));
    const root = i.root();
    assert.deepEqual(i.effectsOf('subscribe').map((s) => [s.name, s.elementId, s.elementInstance]), [['stop', 'es', root.id]]);
    i.triggerScope('message', 'es', root, { why: 'asked' });
    assert.deepEqual(i.waiting(), ['handle']);
    assert.deepEqual(i.effectsOf('cancelWaits').at(-1), { type: 'cancelWaits', elementInstance: root.id, elementIds: ['es'] });
    assert.equal(i.variables['why'], 'asked');
    i.completeTask('handle');
    assert.equal(i.status, 'completed');
  });
});

describe('runtime: ending, links and steering commands', () => {
  it('a terminate end event ends everything else in its scope', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}<endEvent id="stop"><terminateEventDefinition/></endEvent>`, 's -> f; f -> a; f -> stop'));
    assert.equal(i.status, 'completed');
    assert.ok(i.trace().includes('element.terminated:a'));
    assert.deepEqual(i.tokens(), []);
  });

  it('a link throw event continues at the link catch event of the same name', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="go"><linkEventDefinition name="next"/></intermediateThrowEvent><intermediateCatchEvent id="land"><linkEventDefinition name="next"/></intermediateCatchEvent>${userTask('after')}`,
      's -> go; land -> after'));
    assert.deepEqual(i.waiting(), ['after']);
    assert.deepEqual(i.activated(), ['s', 'go', 'land', 'after']);
  });

  it('cancel terminates the instance with its reason and withdraws what waits', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('a')}<endEvent id="e"/>`, 's -> a; a -> e'));
    const a = i.token('a').id;
    i.send({ type: 'cancel', reason: 'withdrawn' });
    assert.equal(i.status, 'terminated');
    assertFields(i.data('process.terminated'), { reason: 'withdrawn' });
    assert.ok(i.effectsOf('cancelWaits').some((e) => e.elementInstance === a));
    assert.deepEqual(i.tokens(), []);
    i.send({ type: 'cancel' });
    assert.equal(i.trace('process.terminated').length, 1, 'cancelling an ended instance does nothing');
  });

  it('setVariables sets process variables, or a local one on an element instance', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t', ioMapping({ n: '= 1' }))}<endEvent id="e"/>`, 's -> t; t -> e'), { x: 1 });
    const t = i.token('t').id;
    i.send({ type: 'setVariables', variables: { x: 2, y: 3 } });
    assert.deepEqual(i.variables, { x: 2, y: 3 });
    assertFields(i.data('variables.updated'), { variables: { x: 2, y: 3 } });
    i.send({ type: 'setVariables', variables: { n: 5, m: 6 }, elementInstance: t, local: true });
    assert.deepEqual(i.token('t').vars, { n: 5, m: 6 });
    assert.deepEqual(i.variables, { x: 2, y: 3 });
    i.send({ type: 'setVariables', variables: { n: 7 }, elementInstance: t });
    assert.deepEqual(i.token('t').vars, { n: 7, m: 6 }, 'a name the element has locally is set there');
    i.send({ type: 'setVariables', variables: { z: 1 }, elementInstance: t });
    assert.deepEqual(i.variables, { x: 2, y: 3, z: 1 }, 'any other name goes up to the process');
  });

  it('commands for what is not waiting are conflicts; a second start is refused', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('a')}${job('j', 'w.j')}<endEvent id="e"/>`, 's -> a; a -> j; j -> e'));
    const a = i.token('a').id;
    assert.throws(() => i.send({ type: 'jobCompleted', elementInstance: a, variables: {} }), (e: Error) => code('GOVFLOW_ERR_CONFLICT')(e) && e.message === `element instance ${a} is not waiting for a job`);
    assert.throws(() => i.send({ type: 'childCompleted', elementInstance: a, variables: {} }), new RegExp(`element instance ${a} is not waiting for a called process`));
    assert.throws(() => i.send({ type: 'taskCompleted', elementInstance: '77', variables: {} }), /element instance 77 is not waiting for a user task/);
    assert.throws(() => i.start({}), /the instance has already started/);
    assert.throws(() => i.send({ type: 'resolveIncident', elementInstance: a }), /element instance \d+ has no open incident to resolve/);
  });

  it('a process without a none start event cannot be started plainly; it starts at a named start event', async () => {
    const xml = bpmn('p', `<startEvent id="m">${messageRef('msg')}</startEvent>${userTask('a')}`, 'm -> a', message('msg', 'go'));
    const i = new PureInstance(await compile(xml));
    assert.throws(() => i.start({}), /process p has no none start event/);
    i.start({ v: 1 }, 'm');
    assert.deepEqual(i.waiting(), ['a']);
  });

  it('a step that never reaches a wait state is stopped (the compiler refuses cycles without one; a huge loop count is not a cycle)', async () => {
    const xml = bpmn('p', `<startEvent id="s"/><task id="t"><multiInstanceLoopCharacteristics isSequential="true"><loopCardinality>= n</loopCardinality></multiInstanceLoopCharacteristics></task><endEvent id="e"/>`, 's -> t; t -> e');
    await assert.rejects(async () => started(xml, { n: 25_000 }), (e: Error) => code('GOVFLOW_ERR_BPMN_INVALID')(e) && /^process p ran 20000 steps without waiting/.test(e.message));
    assert.equal((await started(xml, { n: 100 })).status, 'completed');
  });
});

describe('runtime: multi-instance and call activities', () => {
  const mi = (sequential: boolean, extra = '') => `<serviceTask id="pay"><extensionElements><zeebe:taskDefinition type="pay"/></extensionElements><multiInstanceLoopCharacteristics isSequential="${sequential}"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"${extra}/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;

  it('a parallel multi-instance task runs an instance per item at once and collects the outputs in item order', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi(false, ' outputCollection="results" outputElement="= item * 10"')}<endEvent id="e"/>`, 's -> pay; pay -> e'), { items: [1, 2, 3] });
    const inner = i.tokens().filter((t) => t.elementId === 'pay' && t.wait === 'job');
    assert.deepEqual(inner.map((t) => [t.index, t.vars]), [[0, { loopCounter: 1, item: 1 }], [1, { loopCounter: 2, item: 2 }], [2, { loopCounter: 3, item: 3 }]]);
    assert.equal(i.effectsOf('createJob').length, 3);
    i.send({ type: 'jobCompleted', elementInstance: inner[2]!.id, variables: {} });
    i.send({ type: 'jobCompleted', elementInstance: inner[0]!.id, variables: {} });
    assert.equal(i.status, 'active');
    i.send({ type: 'jobCompleted', elementInstance: inner[1]!.id, variables: {} });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables['results'], [10, 20, 30]);
  });

  it('a sequential one runs them one after the other; an empty collection completes at once', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi(true)}<endEvent id="e"/>`, 's -> pay; pay -> e'), { items: ['a', 'b'] });
    assert.equal(i.effectsOf('createJob').length, 1);
    assert.deepEqual(i.waitingFor('pay', 'job').vars, { loopCounter: 1, item: 'a' });
    i.completeJob('pay');
    assert.deepEqual(i.waitingFor('pay', 'job').vars, { loopCounter: 2, item: 'b' });
    i.completeJob('pay');
    assert.equal(i.status, 'completed');
    const empty = await started(bpmn('p', `<startEvent id="s"/>${mi(true)}<endEvent id="e"/>`, 's -> pay; pay -> e'), { items: [] });
    assert.equal(empty.status, 'completed');
    assert.equal(empty.effectsOf('createJob').length, 0);
  });

  it('a collection that is not a list is an incident', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi(false)}<endEvent id="e"/>`, 's -> pay; pay -> e'), { items: 5 });
    assert.deepEqual(i.effectsOf('incident').map((e) => [e.elementId, e.kind]), [['pay', 'expression']]);
    assert.match(i.effectsOf('incident')[0]!.message, /input collection of pay is not a/);
  });

  it('an error in one instance is caught by the boundary event on the multi-instance activity, ending all instances', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi(false)}<boundaryEvent id="b" attachedToRef="pay">${errorRef()}</boundaryEvent>${userTask('fix')}<endEvent id="e"/>`, 's -> pay; pay -> e; b -> fix'), { items: [1, 2] });
    i.jobError('pay', 'ANY');
    assert.deepEqual(i.waiting(), ['fix']);
    assert.equal(i.tokens().filter((t) => t.elementId === 'pay').length, 0);
  });

  it('a call activity starts the child with the case variables, continues with its result, and takes its error to a boundary event', async () => {
    const call = `<callActivity id="c"><extensionElements><zeebe:calledElement processId="= child" propagateAllChildVariables="true"/></extensionElements></callActivity>`;
    const xml = bpmn('p', `<startEvent id="s"/>${call}<boundaryEvent id="b" attachedToRef="c">${errorRef('err1')}</boundaryEvent>${userTask('fix')}<endEvent id="e"/>`, 's -> c; c -> e; b -> fix', error('err1', 'E1'));
    const i = await started(xml, { child: 'sub', n: 1 });
    const c = i.token('c').id;
    assert.deepEqual(i.effectsOf('startChild'), [{ type: 'startChild', elementInstance: c, processId: 'sub', variables: { child: 'sub', n: 1 } }]);
    assert.equal(i.token('c').wait, 'call');
    i.send({ type: 'childCompleted', elementInstance: c, variables: { got: 2 } });
    assert.equal(i.status, 'completed');
    assert.equal(i.variables['got'], 2);
    const failing = await started(xml, { child: 'sub' });
    failing.send({ type: 'childError', elementInstance: failing.token('c').id, errorCode: 'E1', variables: {} });
    assert.deepEqual(failing.waiting(), ['fix']);
    const cancelled = await started(xml, { child: 'sub' });
    const waiting = cancelled.token('c').id;
    cancelled.send({ type: 'cancel' });
    assert.deepEqual(cancelled.effectsOf('cancelChild'), [{ type: 'cancelChild', elementInstance: waiting }], 'cancelling the case cancels the called process');
    const empty = await started(xml, { child: '' });
    assert.deepEqual(empty.effectsOf('incident').map((e) => e.message), ['call activity c evaluated to an empty process id']);
  });
});
