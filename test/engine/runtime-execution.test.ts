/**
 * What src/engine/runtime/execution.ts decides, straight through the pure runtime (applyCommand, no database), for
 * the cases the other runtime files leave out: an expression that fails names where it failed; task kinds that
 * fall back to a job; incidents and what resolving them runs again; which boundary events and event sub-processes
 * listen and which catch an error or escalation; triggers that cannot be routed; links, terminate end events and
 * decision bindings. Expected outcomes follow BPMN 2.0 and Camunda 8 (Zeebe): a terminate end event ends everything
 * in its scope; an error thrown in an event sub-process is not caught by that same event sub-process; a boundary
 * event belongs to the multi-instance activity, not to each instance; a non-interrupting message event sub-process
 * can start again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpmn, error, errorRef, escalation, escalationRef, escapeXml, ioMapping, job, message, messageRef, signal, signalRef, subProcess, timer, userTask } from './bpmn.js';
import { PureInstance, compile, started } from './pure-instance.js';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const incidents = (i: PureInstance) => i.effectsOf('incident').map((e) => [e.elementId, e.kind, e.message]);
/** `zeebe:executionListeners` with `eventType|jobType` entries. */
const listeners = (...entries: string[]) => `<zeebe:executionListeners>${entries.map((e) => {
  const [eventType, type] = e.split('|');
  return `<zeebe:executionListener eventType="${eventType}" type="${escapeXml(type!)}"/>`;
}).join('')}</zeebe:executionListeners>`;
const FAILS = '= nosuchfn(1)';

describe('runtime execution: an expression that fails is an incident naming where it failed', () => {
  const oneIncident = (i: PureInstance, elementId: string, what: RegExp) => {
    const found = i.effectsOf('incident');
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.elementId, elementId);
    assert.equal(found[0]!.kind, 'expression');
    assert.match(found[0]!.message, what);
    assert.match(found[0]!.message, /nosuchfn/);
  };

  it('an input mapping, a script, a job type and a called process id', async () => {
    const mapping = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w', ioMapping({ a: FAILS }))}<endEvent id="e"/>`, 's -> t; t -> e'));
    oneIncident(mapping, 't', /^input mapping 'a' of t could not be evaluated/);
    assert.deepEqual(mapping.effectsOf('createJob'), [], 'the task does not run');
    const script = await started(bpmn('p', `<startEvent id="s"/><scriptTask id="sc"><extensionElements><zeebe:script expression="${FAILS}" resultVariable="r"/></extensionElements></scriptTask><endEvent id="e"/>`, 's -> sc; sc -> e'));
    oneIncident(script, 'sc', /^script of sc could not be evaluated/);
    const jobType = await started(bpmn('p', `<startEvent id="s"/>${job('t', FAILS)}<endEvent id="e"/>`, 's -> t; t -> e'));
    oneIncident(jobType, 't', /^job type of t could not be evaluated/);
    const call = await started(bpmn('p', `<startEvent id="s"/><callActivity id="c"><extensionElements><zeebe:calledElement processId="${FAILS}"/></extensionElements></callActivity><endEvent id="e"/>`, 's -> c; c -> e'));
    oneIncident(call, 'c', /^called process id of c could not be evaluated/);
    assert.deepEqual(call.effectsOf('startChild'), []);
  });

  it('each attribute of a user task', async () => {
    const attributes: [string, string][] = [
      ['assignment', `<zeebe:assignmentDefinition assignee="${FAILS}"/>`], ['priority', `<zeebe:priorityDefinition priority="${FAILS}"/>`],
      ['candidate groups', `<zeebe:assignmentDefinition candidateGroups="${FAILS}"/>`], ['candidate users', `<zeebe:assignmentDefinition candidateUsers="${FAILS}"/>`],
      ['due date', `<zeebe:taskSchedule dueDate="${FAILS}"/>`], ['follow-up date', `<zeebe:taskSchedule followUpDate="${FAILS}"/>`],
    ];
    for (const [what, extension] of attributes) {
      const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('review', extension)}<endEvent id="e"/>`, 's -> review; review -> e'));
      oneIncident(i, 'review', new RegExp(`^${what === 'assignment' ? 'assignee' : what} of review could not be evaluated`));
      assert.deepEqual(i.effectsOf('createTask'), [], `${what}: no task is offered`);
    }
  });

  it('a correlation key of a catch and of a throw event, and a timer', async () => {
    const catcher = await started(bpmn('p', `<startEvent id="s"/><receiveTask id="r" messageRef="m"/><endEvent id="e"/>`, 's -> r; r -> e', message('m', 'paid', FAILS)));
    oneIncident(catcher, 'r', /^correlation key of r could not be evaluated/);
    assert.deepEqual(catcher.effectsOf('subscribe'), []);
    const thrower = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="t">${messageRef('m')}</intermediateThrowEvent><endEvent id="e"/>`, 's -> t; t -> e', message('m', 'paid', FAILS)));
    oneIncident(thrower, 't', /^correlation key of t could not be evaluated/);
    assert.deepEqual(thrower.effectsOf('publishMessage'), []);
    const waits = await started(bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="t">${timer('timeDuration', FAILS)}</intermediateCatchEvent><endEvent id="e"/>`, 's -> t; t -> e'));
    oneIncident(waits, 't', /^timer \w+ of t could not be evaluated/);
    assert.deepEqual(waits.effectsOf('createTimer'), []);
  });

  it('a timer expression that evaluates to nothing is refused as an empty timer text', async () => {
    await assert.rejects(started(bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="t">${timer('timeDuration', '= missing')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> t; t -> e')),
      /timer duration '' of t is not valid/);
  });
});

describe('runtime execution: user tasks, jobs and calls', () => {
  it('a list of candidate groups skips empty entries; an assignee that evaluates to null and a due date that is empty are none; a follow-up date that is no date is an incident', async () => {
    const ut = userTask('review', '<zeebe:assignmentDefinition assignee="= who" candidateGroups="clerks, ,seniors,"/><zeebe:taskSchedule dueDate="= due"/>');
    const i = await started(bpmn('p', `<startEvent id="s"/>${ut}<endEvent id="e"/>`, 's -> review; review -> e'), { due: '' });
    const [task] = i.effectsOf('createTask');
    assert.deepEqual(task?.candidateGroups, ['clerks', 'seniors']);
    assert.equal(task?.assignee, null);
    assert.equal(task?.dueAt, null);
    const bad = await started(bpmn('p', `<startEvent id="s"/>${userTask('review', '<zeebe:taskSchedule followUpDate="soon"/>')}<endEvent id="e"/>`, 's -> review; review -> e'));
    assert.deepEqual(incidents(bad), [['review', 'expression', "follow-up date 'soon' of review is neither an ISO 8601 date nor a duration"]]);
  });

  it('a business-rule task, a script task and a message throw event with a job type are jobs; a message end event without a message just ends', async () => {
    const brt = await started(bpmn('p', `<startEvent id="s"/><businessRuleTask id="d"><extensionElements><zeebe:taskDefinition type="dmn.x"/></extensionElements></businessRuleTask><endEvent id="e"/>`, 's -> d; d -> e'));
    assert.deepEqual(brt.effectsOf('createJob').map((j) => [j.elementId, j.jobType]), [['d', 'dmn.x']]);
    const script = await started(bpmn('p', `<startEvent id="s"/><scriptTask id="sc"><extensionElements><zeebe:taskDefinition type="script.x"/></extensionElements></scriptTask><endEvent id="e"/>`, 's -> sc; sc -> e'));
    assert.deepEqual(script.effectsOf('createJob').map((j) => [j.elementId, j.jobType]), [['sc', 'script.x']]);
    script.completeJob('sc', { r: 1 });
    assert.equal(script.status, 'completed');
    assert.deepEqual(script.variables, { r: 1 });
    const thrower = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="t"><extensionElements><zeebe:taskDefinition type="mail"/></extensionElements>${messageRef('m')}</intermediateThrowEvent><endEvent id="e"/>`, 's -> t; t -> e', message('m', 'billed')));
    assert.deepEqual(thrower.effectsOf('createJob').map((j) => [j.elementId, j.jobType]), [['t', 'mail']]);
    assert.deepEqual(thrower.effectsOf('publishMessage'), [], 'the job sends the message, not the engine');
    const end = await started(bpmn('p', `<startEvent id="s"/><endEvent id="e"><messageEventDefinition/></endEvent>`, 's -> e'));
    assert.equal(end.status, 'completed');
    assert.deepEqual(end.effectsOf('publishMessage'), []);
  });

  it('a message throw event whose correlation key evaluates to null publishes without a key', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="t">${messageRef('m')}</intermediateThrowEvent><endEvent id="e"/>`, 's -> t; t -> e', message('m', 'billed', '= ref')));
    assert.deepEqual(i.effectsOf('publishMessage'), [{ type: 'publishMessage', name: 'billed', correlationKey: null, variables: {} }]);
  });

  it('a call activity passes only its input mappings when it does not propagate the parent\'s variables, and takes none of the child\'s when it does not propagate those', async () => {
    const call = `<callActivity id="c"><extensionElements><zeebe:calledElement processId="child" propagateAllParentVariables="false" propagateAllChildVariables="false"/>${ioMapping({ n: '= amount' })}</extensionElements></callActivity>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${call}<endEvent id="e"/>`, 's -> c; c -> e'), { amount: 3, secret: 'x' });
    assert.deepEqual(i.effectsOf('startChild').map((e) => e.variables), [{ n: 3 }]);
    i.send({ type: 'childCompleted', elementInstance: i.token('c').id, variables: { got: 2 } });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { amount: 3, secret: 'x' });
  });

  it('a called process id that evaluates to null is an incident', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><callActivity id="c"><extensionElements><zeebe:calledElement processId="= child"/></extensionElements></callActivity><endEvent id="e"/>`, 's -> c; c -> e'));
    assert.deepEqual(incidents(i), [['c', 'expression', 'call activity c evaluated to an empty process id']]);
    assert.deepEqual(i.effectsOf('startChild'), []);
  });

  it('a job type that evaluates to null is an incident, not a job', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', '= kind')}<endEvent id="e"/>`, 's -> t; t -> e'));
    assert.deepEqual(incidents(i), [['t', 'configuration', 't has no job type']]);
    assert.deepEqual(i.effectsOf('createJob'), []);
  });

  it('a multi-instance output element that is an expression creates no local of that text', async () => {
    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/></extensionElements><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item" outputCollection="out" outputElement="= item * k"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: [1, 2], k: 10 });
    assert.deepEqual(i.tokens().filter((t) => t.wait === 'job').map((t) => t.vars), [{ loopCounter: 1, item: 1 }, { loopCounter: 2, item: 2 }]);
    i.completeJob('w');
    i.completeJob('w');
    assert.deepEqual(i.variables['out'], [10, 20]);
  });

  it('an input mapping whose target starts with a dot names no variable: refused at deploy (as Zeebe refuses a target that is not a path)', async () => {
    await assert.rejects(compile(bpmn('p', `<startEvent id="s"/>${job('t', 'w', '<zeebe:ioMapping><zeebe:input source="= 1" target=".x"/></zeebe:ioMapping>')}<endEvent id="e"/>`, 's -> t; t -> e')),
      (e: Error & { details?: { message: string }[] }) => code('GOVFLOW_ERR_BPMN_INVALID')(e) && e.details?.[0]?.message === 'input mapping target \'.x\' names no variable: it has an empty name before or after a dot');
  });
});

describe('runtime execution: incidents and what resolving them runs again', () => {
  it('resolving an element instance that does not exist is a conflict', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('a')}<endEvent id="e"/>`, 's -> a; a -> e'));
    assert.throws(() => i.send({ type: 'resolveIncident', elementInstance: '999' }), (e: Error) => code('GOVFLOW_ERR_CONFLICT')(e) && /element instance 999 has no open incident/.test(e.message));
  });

  it('resolving without fixing the cause raises the incident again', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', '= kind')}<endEvent id="e"/>`, 's -> t; t -> e'));
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.deepEqual(incidents(i), [['t', 'configuration', 't has no job type'], ['t', 'configuration', 't has no job type']]);
    assert.equal(i.token('t').wait, 'incident');
    assert.deepEqual(i.effectsOf('createJob'), []);
  });

  it('an output mapping that fails is resolved by mapping the job\'s variables again, without running the task again', async () => {
    const t = job('t', 'w', ioMapping({}, { r: '= if ok then value else nosuchfn(1)' }));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'), { ok: false });
    i.completeJob('t', { value: 42 });
    assert.equal(incidents(i).length, 1);
    i.send({ type: 'setVariables', variables: { ok: true } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.equal(i.effectsOf('createJob').length, 1, 'the job is not created again');
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { ok: true, r: 42 });
  });

  it('a flow condition that fails after the end listeners ran is resolved without running them again', async () => {
    const t = job('t', 'w', listeners('end|l.end'));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}${userTask('next')}<endEvent id="e"/>`, 's -> t; t -> next [= if ok then true else nosuchfn(1)]; next -> e'), { ok: false });
    i.completeJob('t', { r: 1 });
    i.completeJob('t');
    assert.equal(incidents(i).length, 1);
    assert.equal(i.effectsOf('createJob').length, 2, 'the task\'s job and its end listener\'s');
    i.send({ type: 'setVariables', variables: { ok: true } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.equal(i.effectsOf('createJob').length, 2, 'the end listener does not run again');
    assert.deepEqual(i.waiting(), ['next']);
    assert.equal(i.variables['r'], 1);
  });

  it('resolving a multi-instance collection incident starts the instances', async () => {
    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/></extensionElements><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: 'x' });
    assert.equal(incidents(i).length, 1);
    i.send({ type: 'setVariables', variables: { items: [1, 2] } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('w').id });
    assert.deepEqual(i.tokens().filter((t) => t.wait === 'job').map((t) => [t.index, t.vars]), [[0, { loopCounter: 1, item: 1 }], [1, { loopCounter: 2, item: 2 }]]);
    assert.equal(i.effectsOf('createJob').length, 2);
  });

  it('resolving a completing task listener\'s incident runs the completion again, without offering the task again', async () => {
    const taskListeners = '<zeebe:taskListeners><zeebe:taskListener eventType="completing" type="l.check"/><zeebe:taskListener eventType="completing" type="= kind"/></zeebe:taskListeners>';
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('review', `<zeebe:userTask/>${taskListeners}`)}<endEvent id="e"/>`, 's -> review; review -> e'));
    const id = i.token('review').id;
    const task = { assignee: null, candidateGroups: [], candidateUsers: [], dueAt: null, followUpAt: null, priority: 50 };
    i.send({ type: 'taskTransition', elementInstance: id, event: 'completing', action: 'complete', taskId: 7, task, variables: { ok: true }, actor: 'ann' });
    i.completeJob('review');
    assert.equal(incidents(i).length, 1);
    i.send({ type: 'setVariables', variables: { kind: 'l.audit' } });
    i.send({ type: 'resolveIncident', elementInstance: id });
    assert.equal(i.effectsOf('createTask').length, 1, 'the task is not offered again');
    assert.deepEqual(i.effectsOf('createJob').map((j) => [j.jobType, j.listener?.event]), [['l.check', 'completing'], ['l.check', 'completing']]);
    i.completeJob('review');
    i.completeJob('review');
    assert.equal(i.status, 'completed');
    assert.equal(i.variables['ok'], true);
  });

  it('resolving an activity\'s own incident also resolves it when a boundary condition failed too', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', '= kind')}<boundaryEvent id="b" attachedToRef="t" cancelActivity="false"><conditionalEventDefinition><condition xsi:type="tFormalExpression">${escapeXml(FAILS)}</condition></conditionalEventDefinition></boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`,
      's -> t; t -> e; b -> e2'));
    assert.equal(i.token('t').wait, 'incident');
    i.send({ type: 'setVariables', variables: { kind: 'k' } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['k']);
    assert.equal(i.token('t').wait, 'job');
  });
});

describe('runtime execution: execution listeners around an element\'s work', () => {
  it('a process started at a message start event with a start listener keeps the message\'s variables', async () => {
    const xml = bpmn('p', `<extensionElements>${listeners('start|l.ps')}</extensionElements><startEvent id="m">${messageRef('msg')}</startEvent>${userTask('a')}`, 'm -> a', message('msg', 'go'));
    const i = new PureInstance(await compile(xml));
    i.start({ parcel: 9 }, 'm');
    assert.deepEqual(i.activated(), []);
    i.send({ type: 'jobCompleted', elementInstance: i.root().id, variables: {} });
    assert.deepEqual(i.waiting(), ['a']);
    assert.equal(i.variables['parcel'], 9);
  });

  it('boundary events listen once the start listeners are done; a behaviour that then fails is an incident', async () => {
    const xml = (type: string) => bpmn('p', `<startEvent id="s"/>${job('t', type, listeners('start|l.s'))}<boundaryEvent id="late" attachedToRef="t">${timer('timeDuration', 'PT1H')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`, 's -> t; t -> e; late -> e2');
    const i = await started(xml('w'));
    assert.deepEqual(i.effectsOf('createTimer'), []);
    i.completeJob('t');
    assert.deepEqual(i.effectsOf('createTimer').map((e) => e.elementId), ['late']);
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['l.s', 'w']);
    const bad = await started(xml('= kind'));
    bad.completeJob('t');
    assert.deepEqual(incidents(bad), [['t', 'configuration', 't has no job type']]);
    bad.send({ type: 'setVariables', variables: { kind: 'k' } });
    bad.send({ type: 'resolveIncident', elementInstance: bad.token('t').id });
    assert.deepEqual(bad.effectsOf('createJob').map((j) => j.jobType).at(-1), 'k');
  });

  it('a multi-instance activity\'s boundary timer is created once, for the activity, with or without start listeners', async () => {
    for (const extra of ['', listeners('start|l.s')]) {
      const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/>${extra}</extensionElements><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
      const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<boundaryEvent id="late" attachedToRef="w">${timer('timeDuration', 'PT1H')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`, 's -> w; w -> e; late -> e2'), { items: [1, 2, 3] });
      for (let n = 0; n < 10 && i.effectsOf('createJob').some((j) => j.listener) && i.tokens().some((t) => t.wait === 'job' && t.listener); n++) {
        i.send({ type: 'jobCompleted', elementInstance: i.tokens().find((t) => t.wait === 'job' && t.listener)!.id, variables: {} });
      }
      const body = i.tokens().find((t) => t.elementId === 'w' && t.index === undefined)!;
      assert.deepEqual(i.effectsOf('createTimer').map((e) => [e.elementId, e.elementInstance]), [['late', body.id]], `listeners: ${extra !== ''}`);
    }
  });
});

describe('runtime execution: what listens for boundary events and event sub-processes', () => {
  it('a signal boundary event listens while its activity waits and interrupts it', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="b" attachedToRef="work">${signalRef('sig')}</boundaryEvent>${userTask('after')}<endEvent id="e"/>`, 's -> work; work -> e; b -> after', signal('sig', 'recall')));
    assert.deepEqual(i.effectsOf('subscribe').map((e) => [e.kind, e.name, e.elementId, e.elementInstance]), [['signal', 'recall', 'b', i.token('work').id]]);
    i.trigger('signal', 'b', 'work');
    assert.deepEqual(i.waiting(), ['after']);
  });

  it('a sub-process with a timer boundary event withdraws it when it completes; one with only an error boundary has nothing to withdraw', async () => {
    const xml = (boundary: string) => bpmn('p', `<startEvent id="s"/>${subProcess('sub', `<startEvent id="ss"/>${userTask('a')}<endEvent id="se"/>`, 'ss -> a; a -> se')}${boundary}<endEvent id="e"/><endEvent id="e2"/>`, 's -> sub; sub -> e; b -> e2', error('err', 'E'));
    const timed = await started(xml(`<boundaryEvent id="b" attachedToRef="sub">${timer('timeDuration', 'PT1H')}</boundaryEvent>`));
    const sub = timed.token('sub').id;
    timed.completeTask('a');
    assert.equal(timed.status, 'completed');
    assert.ok(timed.effectsOf('cancelWaits').some((e) => e.elementInstance === sub), 'the timer of the sub-process is withdrawn');
    const errors = await started(xml(`<boundaryEvent id="b" attachedToRef="sub">${errorRef('err')}</boundaryEvent>`));
    const quiet = errors.token('sub').id;
    errors.completeTask('a');
    assert.equal(errors.status, 'completed');
    assert.ok(!errors.effectsOf('cancelWaits').some((e) => e.elementInstance === quiet), 'an error boundary is caught when thrown, not listened for');
  });

  it('a process whose only event sub-process starts on an error listens for nothing', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${errorRef()}</startEvent><endEvent id="ee"/>`, 'es -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('a')}<endEvent id="e"/>${esp}`, 's -> a; a -> e'));
    const root = i.root().id;
    i.completeTask('a');
    assert.equal(i.status, 'completed');
    assert.ok(!i.effectsOf('cancelWaits').some((e) => e.elementInstance === root));
  });

  it('an event sub-process inside a sub-process listens on the sub-process; when it interrupts, what runs outside goes on', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${messageRef('m')}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const other = subProcess('esp2', `<startEvent id="es2" isInterrupting="false">${messageRef('m2')}</startEvent><endEvent id="ee2"/>`, 'es2 -> ee2', 'triggeredByEvent="true"');
    const sub = subProcess('sub', `<startEvent id="ss"/>${userTask('inside')}<endEvent id="se"/>${esp}${other}`, 'ss -> inside; inside -> se');
    const top = subProcess('top', `<startEvent id="ts">${messageRef('m3')}</startEvent><endEvent id="te"/>`, 'ts -> te', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${sub}${userTask('outside')}<endEvent id="e"/><endEvent id="e3"/>${top}`, 's -> f; f -> sub; f -> outside; sub -> e; outside -> e3',
      message('m', 'stop') + message('m2', 'note') + message('m3', 'halt')));
    const subToken = i.token('sub');
    assert.deepEqual(i.effectsOf('subscribe').map((e) => [e.name, e.elementInstance]).sort(), [['halt', i.root().id], ['note', subToken.id], ['stop', subToken.id]]);
    i.triggerScope('message', 'es', subToken);
    assert.deepEqual(i.waiting(), ['handle', 'outside']);
    assert.deepEqual(i.effectsOf('cancelWaits').at(-1), { type: 'cancelWaits', elementInstance: subToken.id, elementIds: ['es', 'es2'] });
    assert.ok(i.trace().includes('element.terminated:inside'));
  });

  it('a non-interrupting message event sub-process listens again after each start; a timer one and an interrupting one do not', async () => {
    const xml = (start: string, interrupting: boolean) => bpmn('p',
      `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${subProcess('esp', `<startEvent id="es" isInterrupting="${interrupting}">${start}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"')}`,
      's -> work; work -> e', message('m', 'note'));
    const again = await started(xml(messageRef('m'), false));
    again.triggerScope('message', 'es', again.root());
    again.triggerScope('message', 'es', again.root());
    assert.deepEqual(again.waiting(), ['handle', 'handle', 'work']);
    assert.equal(again.effectsOf('subscribe').length, 3, 'subscribed at the start and after each message');
    const timed = await started(xml(timer('timeDuration', 'PT1H'), false));
    timed.triggerScope('timer', 'es', timed.root());
    assert.deepEqual(timed.waiting(), ['handle', 'work']);
    assert.equal(timed.effectsOf('createTimer').length, 1, 'a timer is not created again by the runtime');
    const once = await started(xml(messageRef('m'), true));
    once.triggerScope('message', 'es', once.root());
    assert.deepEqual(once.waiting(), ['handle']);
    assert.equal(once.effectsOf('subscribe').length, 1);
  });

  it('an event sub-process inside an event sub-process listens once its parent has started', async () => {
    const inner = subProcess('esp2', `<startEvent id="es2" isInterrupting="false">${messageRef('m2')}</startEvent><endEvent id="ee2"/>`, 'es2 -> ee2', 'triggeredByEvent="true"');
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false">${messageRef('m')}</startEvent>${userTask('h')}<endEvent id="ee"/>${inner}`, 'es -> h; h -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('w')}<endEvent id="e"/>${esp}`, 's -> w; w -> e', message('m', 'M') + message('m2', 'M2')));
    i.triggerScope('message', 'es', i.root());
    assert.deepEqual(i.effectsOf('subscribe').filter((e) => e.name === 'M2').map((e) => e.elementInstance), [i.token('esp').id]);
  });
});

describe('runtime execution: which catch event an error or escalation reaches', () => {
  it('a timer boundary event does not catch an error', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w')}<boundaryEvent id="b" attachedToRef="t">${timer('timeDuration', 'PT1H')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`, 's -> t; t -> e; b -> e2'));
    i.jobError('t', 'E1');
    assert.deepEqual(incidents(i), [['t', 'unhandled-error', "error 'E1' thrown by t was not caught"]]);
  });

  it('an escalation is caught by a boundary event without a code, not by one of another code nor by a timer', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/><intermediateThrowEvent id="up">${escalationRef('late')}</intermediateThrowEvent>${userTask('more')}<endEvent id="se"/>`, 'ss -> up; up -> more; more -> se');
    const xml = (boundary: string) => bpmn('p', `<startEvent id="s"/>${inner}${boundary}${userTask('told')}<endEvent id="e"/>`, 's -> sub; sub -> e; b -> told', escalation('late', 'LATE') + escalation('other', 'OTHER'));
    const any = await started(xml(`<boundaryEvent id="b" attachedToRef="sub">${escalationRef()}</boundaryEvent>`));
    assert.deepEqual(any.waiting(), ['told']);
    for (const boundary of [`<boundaryEvent id="b" attachedToRef="sub">${escalationRef('other')}</boundaryEvent>`, `<boundaryEvent id="b" attachedToRef="sub">${timer('timeDuration', 'PT1H')}</boundaryEvent>`]) {
      const none = await started(xml(boundary));
      assert.deepEqual(none.waiting(), ['more'], boundary);
    }
  });

  it('an error thrown inside an error event sub-process is not caught by that event sub-process again', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${errorRef()}</startEvent>${job('h', 'handle')}<endEvent id="ee"/>`, 'es -> h; h -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w')}<endEvent id="e"/>${esp}`, 's -> t; t -> e'));
    i.jobError('t', 'E1');
    assert.deepEqual(i.waiting(), ['h']);
    i.jobError('h', 'E2');
    assert.deepEqual(incidents(i), [['h', 'unhandled-error', "error 'E2' thrown by h was not caught"]]);
    assert.equal(i.effectsOf('createJob').length, 2, 'the event sub-process does not start again');
  });

  it('an escalation thrown inside an escalation event sub-process is not caught by it again', async () => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false">${escalationRef()}</startEvent><intermediateThrowEvent id="again">${escalationRef('esc')}</intermediateThrowEvent>${userTask('h')}<endEvent id="ee"/>`, 'es -> again; again -> h; h -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="up">${escalationRef('esc')}</intermediateThrowEvent>${userTask('w')}<endEvent id="e"/>${esp}`, 's -> up; up -> w; w -> e', escalation('esc', 'X')));
    assert.deepEqual(i.waiting(), ['h', 'w']);
    assert.equal(i.trace('escalation.thrown').length, 2);
  });

  it('an error in a sub-process is caught by the sub-process\'s own event sub-process before the process\'s', async () => {
    const mk = (id: string, task: string) => subProcess(id, `<startEvent id="${id}s">${errorRef()}</startEvent>${userTask(task)}<endEvent id="${id}e"/>`, `${id}s -> ${task}; ${task} -> ${id}e`, 'triggeredByEvent="true"');
    const sub = subProcess('sub', `<startEvent id="ss"/>${job('t', 'w')}<endEvent id="se"/>${mk('inner', 'innerHandle')}`, 'ss -> t; t -> se');
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}<endEvent id="e"/>${mk('outer', 'outerHandle')}`, 's -> sub; sub -> e'));
    i.jobError('t', 'E1');
    assert.deepEqual(i.waiting(), ['innerHandle']);
  });

  it('an escalation in one instance of a multi-instance sub-process reaches the boundary event of the whole activity', async () => {
    const per = `<subProcess id="per"><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics><startEvent id="ss"/><exclusiveGateway id="g" default="toWork"/><intermediateThrowEvent id="up">${escalationRef('esc')}</intermediateThrowEvent>${userTask('work')}<endEvent id="se"/>
      <sequenceFlow id="a1" sourceRef="ss" targetRef="g"/><sequenceFlow id="toUp" sourceRef="g" targetRef="up"><conditionExpression xsi:type="tFormalExpression">= item = 2</conditionExpression></sequenceFlow><sequenceFlow id="toWork" sourceRef="g" targetRef="work"/><sequenceFlow id="a3" sourceRef="up" targetRef="se"/><sequenceFlow id="a4" sourceRef="work" targetRef="se"/></subProcess>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${per}<boundaryEvent id="b" attachedToRef="per">${escalationRef('esc')}</boundaryEvent>${userTask('told')}<endEvent id="e"/>`, 's -> per; per -> e; b -> told', escalation('esc', 'LATE')), { items: [1, 2, 3] });
    assert.deepEqual(i.waiting(), ['told'], 'every instance ends with the activity');
    assert.deepEqual(i.tokens().filter((t) => t.elementId === 'per'), []);
  });
});

describe('runtime execution: triggers, links and ends', () => {
  it('a boundary event triggered through an instance it is not attached to, or a catch event inside an event sub-process triggered through the scope, is a conflict', async () => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false">${messageRef('m')}</startEvent><intermediateCatchEvent id="wait">${messageRef('m2')}</intermediateCatchEvent><endEvent id="ee"/>`, 'es -> wait; wait -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}${userTask('other')}<boundaryEvent id="b" attachedToRef="a">${messageRef('m')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/><endEvent id="e3"/>${esp}`,
      's -> f; f -> a; f -> other; a -> e; other -> e2; b -> e3', message('m', 'M') + message('m2', 'M2')));
    assert.throws(() => i.trigger('message', 'b', 'other'), (e: Error) => code('GOVFLOW_ERR_CONFLICT')(e) && /cannot be triggered through b/.test(e.message));
    assert.throws(() => i.triggerScope('message', 'wait', i.root()), (e: Error) => code('GOVFLOW_ERR_CONFLICT')(e) && /cannot be triggered through wait/.test(e.message));
    assert.deepEqual(i.waiting(), ['a', 'other']);
  });

  it('the event-based gateway, a terminate end event and a link throw event each complete', async () => {
    const gw = await started(bpmn('p', `<startEvent id="s"/><eventBasedGateway id="g"/><intermediateCatchEvent id="m">${messageRef('msg')}</intermediateCatchEvent><intermediateCatchEvent id="t">${timer('timeDuration', 'PT1H')}</intermediateCatchEvent><endEvent id="e1"/><endEvent id="e2"/>`,
      's -> g; g -> m; g -> t; m -> e1; t -> e2', message('msg', 'M')));
    gw.trigger('message', 'm', 'g');
    assert.deepEqual(gw.trace('element.completed').slice(0, 2), ['element.completed:s', 'element.completed:g']);
    const stop = await started(bpmn('p', `<startEvent id="s"/><endEvent id="stop"><terminateEventDefinition/></endEvent>`, 's -> stop'));
    assert.deepEqual(stop.trace('element.completed'), ['element.completed:s', 'element.completed:stop']);
    const link = await started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="go"><linkEventDefinition name="n"/></intermediateThrowEvent><intermediateCatchEvent id="land"><linkEventDefinition name="n"/></intermediateCatchEvent><endEvent id="e"/>`, 's -> go; land -> e'));
    assert.deepEqual(link.trace('element.completed'), ['element.completed:s', 'element.completed:go', 'element.completed:land', 'element.completed:e']);
  });

  it('a link goes to the catch event of its own name in its own scope; without one the model is invalid', async () => {
    const links = (name: string) => `<intermediateThrowEvent id="go_${name}"><linkEventDefinition name="${name}"/></intermediateThrowEvent><intermediateCatchEvent id="land_${name}"><linkEventDefinition name="${name}"/></intermediateCatchEvent>`;
    const inSub = subProcess('sub', `<startEvent id="ss"/><intermediateThrowEvent id="go_in"><linkEventDefinition name="B"/></intermediateThrowEvent><intermediateCatchEvent id="land_in"><linkEventDefinition name="B"/></intermediateCatchEvent>${userTask('inner')}`, 'ss -> go_in; land_in -> inner');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${links('A')}${links('B')}${userTask('afterA')}${userTask('afterB')}${inSub}`,
      's -> f; f -> go_B; f -> sub; land_A -> afterA; land_B -> afterB'));
    assert.deepEqual(i.waiting(), ['afterB', 'inner']);
    await assert.rejects(started(bpmn('p', `<startEvent id="s"/><intermediateThrowEvent id="go"><linkEventDefinition name="nowhere"/></intermediateThrowEvent>`, 's -> go')),
      (e: Error) => code('GOVFLOW_ERR_BPMN_INVALID')(e) && /no link catch event named 'nowhere' for go/.test(e.message));
  });

  it('a terminate end event also ends the branches a parallel split started in the same step', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/><endEvent id="stop"><terminateEventDefinition/></endEvent>${userTask('a')}${job('b', 'w')}`, 's -> f; f -> stop; f -> a; f -> b'));
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.tokens(), []);
    assert.deepEqual(i.effectsOf('createTask'), []);
    assert.deepEqual(i.effectsOf('createJob'), []);
  });

  it('an interrupting event sub-process also ends the branches started in the same step', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${errorRef()}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/><endEvent id="boom">${errorRef('err')}</endEvent>${userTask('a')}<endEvent id="e"/>${esp}`, 's -> f; f -> boom; f -> a; a -> e', error('err', 'E')));
    assert.deepEqual(i.waiting(), ['handle']);
    assert.deepEqual(i.effectsOf('createTask').map((t) => t.elementId), ['handle']);
  });

  it('an error end event that ends its sub-process first leaves the other branch of the split unstarted', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/><parallelGateway id="f"/><endEvent id="boom">${errorRef('err')}</endEvent>${userTask('other')}`, 'ss -> f; f -> boom; f -> other');
    const i = await started(bpmn('p', `<startEvent id="s"/>${inner}<boundaryEvent id="b" attachedToRef="sub">${errorRef('err')}</boundaryEvent>${userTask('fix')}<endEvent id="e"/>`, 's -> sub; sub -> e; b -> fix', error('err', 'E1')));
    assert.deepEqual(i.waiting(), ['fix']);
    assert.ok(!i.activated().includes('other'));
    assert.deepEqual(i.effectsOf('createTask').map((t) => t.elementId), ['fix']);
  });
});

describe('runtime execution: decision bindings', () => {
  it('an unbound decision\'s incident names the binding that found no version', async () => {
    const brt = (attrs: string) => bpmn('p', `<startEvent id="s"/><businessRuleTask id="d"><extensionElements><zeebe:calledDecision decisionId="fee" resultVariable="fee"${attrs}/></extensionElements></businessRuleTask><endEvent id="e"/>`, 's -> d; d -> e');
    const message = async (attrs: string) => incidents(await started(brt(attrs)))[0]?.[2];
    assert.match(String(await message(' bindingType="deployment"')), /\(the one deployed with the process\)/);
    assert.match(String(await message(' bindingType="versionTag" versionTag="v2"')), /\(version tag 'v2'\)/);
    assert.match(String(await message('')), /\(latest when the case started\)/);
  });
});

describe('runtime execution: more edges of steering, incidents and scopes', () => {
  const conditionalBoundary = (condition: string, events: string) =>
    `<boundaryEvent id="b" attachedToRef="work" cancelActivity="false"><conditionalEventDefinition><extensionElements><zeebe:conditionalFilter variableEvents="${events}"/></extensionElements><condition xsi:type="tFormalExpression">${escapeXml(condition)}</condition></conditionalEventDefinition></boundaryEvent>`;

  it('a local variable set on an element instance is an update when the element has it, else a creation', async () => {
    const updated = await started(bpmn('p', `<startEvent id="s"/>${userTask('work', ioMapping({ n: '= 0' }))}${conditionalBoundary('= n > 5', 'update')}${userTask('note')}<endEvent id="e"/>`, 's -> work; work -> e; b -> note'));
    updated.send({ type: 'setVariables', variables: { n: 9 }, elementInstance: updated.token('work').id, local: true });
    assert.deepEqual(updated.waiting(), ['note', 'work'], 'n existed on the task: an update');
    const created = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}${conditionalBoundary('= m > 5', 'create')}${userTask('note')}<endEvent id="e"/>`, 's -> work; work -> e; b -> note'));
    created.send({ type: 'setVariables', variables: { m: 9 }, elementInstance: created.token('work').id, local: true });
    assert.deepEqual(created.waiting(), ['note', 'work'], 'm is new on the task: a creation');
    assert.deepEqual(created.token('work').vars, { m: 9 });
  });

  it('a timer text that turns out invalid when a start listener is done or an incident is resolved refuses the command', async () => {
    const catcher = (extra: string, expression: string) => bpmn('p', `<startEvent id="s"/><intermediateCatchEvent id="t">${extra}${timer('timeDuration', expression)}</intermediateCatchEvent><endEvent id="e"/>`, 's -> t; t -> e');
    const listened = await started(catcher(`<extensionElements>${listeners('start|l.s')}</extensionElements>`, '= "soon"'));
    assert.throws(() => listened.completeJob('t'), /timer duration 'soon' of t is not valid/);
    const resolved = await started(catcher('', '= if ok then "soon" else nosuchfn(1)'), { ok: false });
    assert.equal(incidents(resolved).length, 1);
    resolved.send({ type: 'setVariables', variables: { ok: true } });
    assert.throws(() => resolved.send({ type: 'resolveIncident', elementInstance: resolved.token('t').id }), /timer duration 'soon' of t is not valid/);
  });

  it('an empty collection gives an empty output collection', async () => {
    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/></extensionElements><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item" outputCollection="out" outputElement="= r"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: [] });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables['out'], []);
  });

  it('resolving one instance\'s incident of a multi-instance activity runs that instance again', async () => {
    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="= kind"/></extensionElements><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: [1, 2] });
    const inner = i.tokens().filter((t) => t.wait === 'incident');
    assert.deepEqual(inner.map((t) => t.index), [0, 1]);
    i.send({ type: 'setVariables', variables: { kind: 'w.pay' } });
    i.send({ type: 'resolveIncident', elementInstance: inner[0]!.id });
    assert.deepEqual(i.effectsOf('createJob').map((j) => [j.elementInstance, j.jobType]), [[inner[0]!.id, 'w.pay']]);
    assert.equal(i.tokens().find((t) => t.id === inner[1]!.id)?.wait, 'incident', 'the other instance keeps its incident');
  });

  it('an event sub-process with a none start event never starts, and an error thrown beside it is an incident', async () => {
    const esp = subProcess('esp', `<startEvent id="es"/>${userTask('h')}<endEvent id="ee"/>`, 'es -> h; h -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w')}<endEvent id="e"/>${esp}`, 's -> t; t -> e'));
    assert.deepEqual(i.effectsOf('subscribe'), []);
    i.jobError('t', 'E1');
    assert.deepEqual(incidents(i), [['t', 'unhandled-error', "error 'E1' thrown by t was not caught"]]);
  });

  it('a terminate end event in a sub-process leaves the branches outside it running', async () => {
    // The branch outside is a chain of plain tasks, so that its next activation is still queued when the sub-process terminates.
    const sub = subProcess('sub', `<startEvent id="ss"/><task id="x1"/><endEvent id="stop"><terminateEventDefinition/></endEvent>`, 'ss -> x1; x1 -> stop');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${sub}<task id="t1"/><task id="t2"/><task id="t3"/>${userTask('a')}<endEvent id="e"/><endEvent id="e2"/>`,
      's -> f; f -> t1; f -> sub; t1 -> t2; t2 -> t3; t3 -> a; sub -> e; a -> e2'));
    assert.deepEqual(i.waiting(), ['a']);
    assert.deepEqual(i.activated().filter((id) => id === 'e'), ['e'], 'the terminated sub-process completes and leaves');
  });

  it('a send task without a job type is a configuration incident', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><sendTask id="t"/><endEvent id="e"/>`, 's -> t; t -> e'));
    assert.deepEqual(incidents(i), [['t', 'configuration', 't has no job type']]);
    assert.deepEqual(i.effectsOf('createJob'), []);
  });

  it('a gateway whose output mapping fails keeps the flow it chose when the incident is resolved', async () => {
    const gateway = `<exclusiveGateway id="g"><extensionElements>${ioMapping({}, { r: '= if ok then 1 else nosuchfn(1)' })}</extensionElements></exclusiveGateway>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${gateway}${userTask('big')}${userTask('small')}`, 's -> g; g -> big [= x > 5]; g -> small (default)'), { x: 10, ok: false });
    assert.equal(incidents(i).length, 1);
    i.send({ type: 'setVariables', variables: { x: 0, ok: true } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('g').id });
    assert.deepEqual(i.waiting(), ['big'], 'chosen when the gateway was reached, with x = 10');
    assert.equal(i.variables['r'], 1);
  });

  it('an unbound decision bound to a version number names that version', async () => {
    const model = await compile(bpmn('p', `<startEvent id="s"/><businessRuleTask id="d"><extensionElements><zeebe:calledDecision decisionId="fee" resultVariable="fee"/></extensionElements></businessRuleTask><endEvent id="e"/>`, 's -> d; d -> e'));
    const d = model.elements['d']!;
    const versioned = { ...model, elements: { ...model.elements, d: { ...d, decision: { ...d.decision!, binding: { type: 'version' as const, version: 3 } } } } };
    const i = new PureInstance(versioned);
    i.start({});
    assert.match(String(incidents(i)[0]?.[2]), /\(version 3\)/);
  });
});
