/**
 * Multi-instance details, inclusive joins, scopes and execution listeners straight through the pure runtime
 * (applyCommand, no database), for `npm run mutate -- engine-runtime`. Expected outcomes follow BPMN 2.0 and Zeebe's
 * documented behaviour: a loop cardinality is a whole number; a completion condition ends the remaining instances;
 * an inclusive join waits while a token can still reach it; execution listeners run in model order, start listeners
 * before the element's work and end listeners after it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpmn, escapeXml, ioMapping, job, subProcess, timer, userTask } from './bpmn.js';
import { PureInstance, assertFields, compile, started } from './pure-instance.js';

describe('runtime: multi-instance details', () => {
  const cardinality = (extra = '') => `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/></extensionElements><multiInstanceLoopCharacteristics isSequential="false"><loopCardinality>= n</loopCardinality>${extra}</multiInstanceLoopCharacteristics></serviceTask>`;

  it('a loop cardinality runs that many instances, numbered from 1; one that is not a whole number ≥ 0 is an incident on the body', async () => {
    const xml = bpmn('p', `<startEvent id="s"/>${cardinality()}<endEvent id="e"/>`, 's -> w; w -> e');
    const i = await started(xml, { n: 2 });
    assert.deepEqual(i.tokens().filter((t) => t.wait === 'job').map((t) => t.vars), [{ loopCounter: 1 }, { loopCounter: 2 }]);
    for (const n of [-1, 1.5, '2', null]) {
      const bad = await started(xml, { n });
      assert.deepEqual(bad.effectsOf('incident').map((e) => [e.elementId, e.kind, e.message]), [['w', 'expression', 'loop cardinality of w is not a whole number ≥ 0']], `n = ${JSON.stringify(n)}`);
      assert.equal(bad.token('w').wait, 'incident');
      assert.deepEqual(bad.effectsOf('createJob'), []);
    }
    const zero = await started(xml, { n: 0 });
    assert.equal(zero.status, 'completed');
  });

  it('a completion condition that holds ends the other instances; the counts it sees are those after the instance completed', async () => {
    const xml = bpmn('p', `<startEvent id="s"/>${cardinality('<completionCondition>= numberOfCompletedInstances >= 2 or done = true</completionCondition>')}${userTask('next')}`, 's -> w; w -> next');
    const i = await started(xml, { n: 4, done: false });
    const jobs = i.tokens().filter((t) => t.wait === 'job');
    i.send({ type: 'jobCompleted', elementInstance: jobs[3]!.id, variables: {} });
    assert.equal(i.tokens().filter((t) => t.wait === 'job').length, 3, 'one completed: the condition does not hold yet');
    i.send({ type: 'jobCompleted', elementInstance: jobs[0]!.id, variables: {} });
    assert.deepEqual(i.waiting(), ['next'], 'two completed: the other two are ended, the flow moves on');
    assert.equal(i.trace('element.terminated').length, 2);
    const early = await started(xml, { n: 3, done: false });
    early.send({ type: 'jobCompleted', elementInstance: early.tokens().find((t) => t.wait === 'job')!.id, variables: { done: true } });
    assert.deepEqual(early.waiting(), ['next'], 'the completed instance\'s variables are visible to the condition');
  });

  it('the output collection holds each instance\'s output element at its index, null for one that set nothing', async () => {
    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/></extensionElements><multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item" outputCollection="out" outputElement="= result"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: ['a', 'b', 'c'] });
    i.completeJob('w', { result: 'A' });
    i.completeJob('w', {});
    i.completeJob('w', { result: 'C' });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables['out'], ['A', null, 'C']);
    assert.deepEqual(i.trace('element.completed').filter((t) => t === 'element.completed:w').length, 4, 'three instances and the body');
    assert.deepEqual(i.events.filter((e) => e.type === 'element.completed' && e.elementId === 'w').map((e) => e.data['loopCounter'] ?? e.data['multiInstanceBody']), [1, 2, 3, true]);
  });

  it('a multi-instance sub-process runs a scope per item, each with its item', async () => {
    const sub = `<subProcess id="per"><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics><startEvent id="ss"/>${job('w', 'w')}<endEvent id="se"/>
      <sequenceFlow id="a1" sourceRef="ss" targetRef="w"/><sequenceFlow id="a2" sourceRef="w" targetRef="se"/></subProcess>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}<endEvent id="e"/>`, 's -> per; per -> e'), { items: [7, 8] });
    assert.equal(i.effectsOf('createJob').length, 2);
    const jobs = i.tokens().filter((t) => t.wait === 'job');
    i.send({ type: 'jobCompleted', elementInstance: jobs[0]!.id, variables: {} });
    assert.equal(i.status, 'active');
    i.send({ type: 'jobCompleted', elementInstance: jobs[1]!.id, variables: {} });
    assert.equal(i.status, 'completed');
  });
});

describe('runtime: inclusive joins and scopes', () => {
  it('an inclusive join waits while a token upstream can still reach it, then fires once', async () => {
    // Two branches taken; the second passes a task first. The join must wait for it.
    const xml = bpmn('p', `<startEvent id="s"/><inclusiveGateway id="g"/>${userTask('a')}${userTask('b1')}${userTask('b2')}<inclusiveGateway id="j"/>${userTask('after')}`,
      's -> g; g -> a [= true]; g -> b1 [= true]; b1 -> b2; a -> j; b2 -> j; j -> after');
    const i = await started(xml);
    i.completeTask('a');
    assert.deepEqual(i.waiting(), ['b1'], 'b1 can still reach the join');
    i.completeTask('b1');
    assert.deepEqual(i.waiting(), ['b2']);
    i.completeTask('b2');
    assert.deepEqual(i.waiting(), ['after']);
    assert.deepEqual(i.activated().filter((e) => e === 'j'), ['j']);
    assert.deepEqual(i.state?.joins, {});
  });

  it('an inclusive join fires when the only other branch ended elsewhere', async () => {
    const xml = bpmn('p', `<startEvent id="s"/><inclusiveGateway id="g"/>${userTask('a')}${userTask('b')}<exclusiveGateway id="x"/><inclusiveGateway id="j"/>${userTask('after')}<endEvent id="out"/>`,
      's -> g; g -> a [= true]; g -> b [= true]; a -> j; b -> x; x -> j [= back = true]; x -> out (default); j -> after');
    const i = await started(xml, { back: false });
    i.completeTask('a');
    assert.deepEqual(i.waiting(), ['b']);
    i.completeTask('b');
    assert.deepEqual(i.waiting(), ['after'], 'b left through the other end: nothing else can arrive');
  });

  it('a sub-process completes when its last token ends and then leaves; a terminate end event inside ends only the sub-process', async () => {
    const inner = subProcess('sub', `<startEvent id="ss"/><parallelGateway id="f"/>${userTask('slow')}<endEvent id="stop"><terminateEventDefinition/></endEvent>`, 'ss -> f; f -> slow; f -> stop');
    const i = await started(bpmn('p', `<startEvent id="s"/>${inner}${userTask('after')}`, 's -> sub; sub -> after'));
    assert.deepEqual(i.waiting(), ['after']);
    assert.ok(i.trace().includes('element.terminated:slow'));
    assert.ok(i.trace().includes('element.completed:sub'));
    assert.equal(i.status, 'active');
  });

  it('an empty sub-process completes at once', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><subProcess id="sub"/>${userTask('after')}`, 's -> sub; sub -> after'));
    assert.deepEqual(i.waiting(), ['after']);
  });

  it('a called process that completes tells its parent, with its variables', async () => {
    const child = new PureInstance(await compile(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t')}<endEvent id="e"/>`, 's -> t; t -> e')), { hasParent: true });
    child.start({ a: 1 });
    assert.deepEqual(child.effectsOf('notifyParent'), []);
    child.completeJob('t', { b: 2 });
    assert.equal(child.status, 'completed');
    assert.deepEqual(child.effectsOf('notifyParent'), [{ type: 'notifyParent', command: { type: 'childCompleted', elementInstance: '', variables: { a: 1, b: 2 } } }]);
  });

  it('an output mapping into a path keeps the rest of the object', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t', ioMapping({}, { 'case.owner': '= who', 'case.meta.at': '= 1' }))}<endEvent id="e"/>`, 's -> t; t -> e'), { case: { id: 5, meta: { by: 'x' } } });
    i.completeJob('t', { who: 'ann' });
    assert.deepEqual(i.variables['case'], { id: 5, owner: 'ann', meta: { by: 'x', at: 1 } });
  });

  it('an interrupting event sub-process drops the arrivals of a parallel join in its scope', async () => {
    const esp = subProcess('esp', `<startEvent id="es"><messageEventDefinition messageRef="m"/></startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}${userTask('b')}<parallelGateway id="j"/><endEvent id="e"/>${esp}`, 's -> f; f -> a; f -> b; a -> j; b -> j; j -> e', '<message id="m" name="stop"/>'));
    i.completeTask('a');
    assert.equal(Object.keys(i.state!.joins).length, 1);
    i.triggerScope('message', 'es', i.root());
    assert.deepEqual(i.state?.joins, {});
    assert.deepEqual(i.waiting(), ['handle']);
  });
});

/** `zeebe:executionListeners` with `eventType|jobType[|retries]` entries. */
const listeners = (...entries: string[]) => `<zeebe:executionListeners>${entries.map((e) => {
  const [eventType, type, retries] = e.split('|');
  return `<zeebe:executionListener eventType="${eventType}" type="${escapeXml(type!)}"${retries ? ` retries="${retries}"` : ''}/>`;
}).join('')}</zeebe:executionListeners>`;

describe('runtime: execution listeners', () => {
  it('start listeners run in order before the element\'s job, their variables its locals; end listeners after it, theirs the scope\'s', async () => {
    const t = job('t', 'w.t', `${listeners('start|l.s1', 'start|l.s2|4', 'end|l.e1')}<zeebe:taskHeaders><zeebe:header key="h" value="v"/></zeebe:taskHeaders>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'));
    const jobs = () => i.effectsOf('createJob');
    assert.deepEqual(jobs().map((j) => [j.jobType, j.retries, j.listener, j.headers]), [['l.s1', 3, { event: 'start', index: 0 }, { h: 'v' }]]);
    i.completeJob('t', { fromS1: 1 });
    assert.deepEqual(jobs().map((j) => j.jobType), ['l.s1', 'l.s2']);
    assert.equal(jobs()[1]!.retries, 4);
    assertFields(i.events.filter((e) => e.type === 'job.completed')[0]?.data, { variables: { fromS1: 1 }, listener: 'start' });
    i.completeJob('t', {});
    assert.deepEqual(jobs().map((j) => j.jobType), ['l.s1', 'l.s2', 'w.t'], 'the element\'s own job after its start listeners');
    assert.deepEqual(i.token('t').vars, { fromS1: 1 });
    assert.equal(i.variables['fromS1'], undefined);
    i.completeJob('t', { r: 1 });
    assert.deepEqual(jobs().at(-1)!.listener, { event: 'end', index: 0 });
    assert.equal(i.status, 'active', 'waits for its end listener');
    assert.throws(() => i.jobError('t', 'X'), /waits for an execution listener job; a listener cannot throw a BPMN error/);
    i.completeJob('t', { fromEnd: 2 });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { r: 1, fromEnd: 2 });
  });

  it('process listeners: start before the start event, their variables the process\'s; end after the last element', async () => {
    const xml = bpmn('p', `<extensionElements>${listeners('start|l.ps', 'end|l.pe')}</extensionElements><startEvent id="s"/><endEvent id="e"/>`, 's -> e');
    const i = await started(xml);
    assert.deepEqual(i.activated(), [], 'nothing runs before the process start listener');
    i.send({ type: 'jobCompleted', elementInstance: i.root().id, variables: { v: 1 } });
    assert.deepEqual(i.variables, { v: 1 });
    assert.deepEqual(i.activated(), ['s', 'e']);
    assert.equal(i.status, 'active');
    i.send({ type: 'jobCompleted', elementInstance: i.root().id, variables: { w: 2 } });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables, { v: 1, w: 2 });
  });

  it('a listener job type that does not evaluate is an incident; resolving runs the listeners of that kind again from the first', async () => {
    const t = job('t', 'w.t', listeners('start|l.a', 'start|= next'));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'));
    i.completeJob('t');
    assert.deepEqual(i.effectsOf('incident').map((e) => [e.kind, e.message]), [['configuration', 'start listener 2 of t has an empty job type']]);
    i.send({ type: 'setVariables', variables: { next: 'l.b' } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['l.a', 'l.a']);
  });

  it('end listeners start once the element\'s boundary events are withdrawn; a multi-instance instance\'s output waits for its end listener', async () => {
    const t = userTask('work', listeners('end|l.end'));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}<boundaryEvent id="late" attachedToRef="work">${timer('timeDuration', 'P1D')}</boundaryEvent><endEvent id="e"/><endEvent id="e2"/>`, 's -> work; work -> e; late -> e2'));
    const work = i.token('work').id;
    i.completeTask('work', { ok: true });
    assert.deepEqual(i.last!.effects.map((e) => e.type), ['cancelWaits', 'createJob'], 'the timer is withdrawn before the end listener\'s job');
    assert.deepEqual(i.last!.effects[0], { type: 'cancelWaits', elementInstance: work });
    i.completeJob('work');
    assert.equal(i.status, 'completed');

    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/>${listeners('end|l.end')}</extensionElements><multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item" outputCollection="out" outputElement="= result"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const m = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: [1] });
    m.completeJob('w', { result: 'A' });
    assert.equal(m.status, 'active');
    m.completeJob('w');
    assert.equal(m.status, 'completed');
    assert.deepEqual(m.variables['out'], ['A']);
  });

  it('a listener job type whose expression fails is an expression incident naming the listener', async () => {
    const t = job('t', 'w.t', listeners('start|l.a', 'end|= nosuchfn(1)'));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'));
    i.completeJob('t');
    i.completeJob('t');
    const [incident] = i.effectsOf('incident');
    assert.equal(incident?.kind, 'expression');
    assert.match(incident!.message, /end listener job type/);
    assert.match(incident!.message, /nosuchfn/);
  });

  it('a task listener job cannot throw a BPMN error', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('review', '<zeebe:userTask/><zeebe:taskListeners><zeebe:taskListener eventType="creating" type="l.c"/></zeebe:taskListeners>')}<endEvent id="e"/>`, 's -> review; review -> e'));
    assert.throws(() => i.jobError('review', 'X'), (e: Error & { code?: string }) => e.code === 'GOVFLOW_ERR_VALIDATION' && /waits for a user task listener job; a task listener cannot throw a BPMN error/.test(e.message));
  });

  it('a listener job carries the element\'s headers', async () => {
    const t = job('t', 'w.t', `${listeners('start|l.s')}<zeebe:taskHeaders><zeebe:header key="k" value="v"/></zeebe:taskHeaders>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'));
    assert.deepEqual(i.effectsOf('createJob')[0]?.headers, { k: 'v' });
    assertFields(i.data('job.created', 't'), { jobType: 'l.s', retries: 3, listener: 'start', listenerIndex: 0 });
  });

  it('a listener\'s own header wins over the element\'s of the same key; an inline listener handler sees the variables, headers and element', async () => {
    const xml = (type: string) => bpmn('p', `<startEvent id="s"/><serviceTask id="t"><extensionElements><zeebe:taskDefinition type="w.t"/><zeebe:taskHeaders><zeebe:header key="from" value="task"/><zeebe:header key="shared" value="task"/></zeebe:taskHeaders>
      <zeebe:executionListeners><zeebe:executionListener eventType="start" type="${type}"><zeebe:taskHeaders><zeebe:header key="shared" value="listener"/></zeebe:taskHeaders></zeebe:executionListener></zeebe:executionListeners></extensionElements></serviceTask><endEvent id="e"/>`, 's -> t; t -> e');
    const i = await started(xml('l.s'), { a: 1 });
    assert.deepEqual(i.effectsOf('createJob')[0]?.headers, { from: 'task', shared: 'listener' });
    const seen: unknown[] = [];
    const inline = await started(xml('inline.l'), { a: 1 }, { inline: { 'inline.l': (input) => { seen.push(input); return undefined; } } });
    assert.deepEqual(seen, [{ variables: { a: 1 }, headers: { from: 'task', shared: 'listener' }, elementId: 't' }]);
    assert.deepEqual(inline.effectsOf('createJob').map((j) => j.jobType), ['w.t']);
  });

  it('cancelling the instance withdraws a listener\'s job', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t', listeners('start|l.s'))}<endEvent id="e"/>`, 's -> t; t -> e'));
    const t = i.token('t').id;
    i.send({ type: 'cancel' });
    assert.deepEqual(i.effectsOf('cancelWaits').map((e) => e.elementInstance), [t]);
  });

  it('a catch event after an event-based gateway with a start listener keeps the message\'s variables', async () => {
    const b = await started(bpmn('p', `<startEvent id="s"/><eventBasedGateway id="gw"/><intermediateCatchEvent id="ask"><extensionElements>${listeners('start|l.b')}</extensionElements><messageEventDefinition messageRef="m"/></intermediateCatchEvent><intermediateCatchEvent id="late">${timer('timeDuration', 'P1D')}</intermediateCatchEvent>${userTask('answer')}<endEvent id="e"/>`,
      's -> gw; gw -> ask; gw -> late; ask -> answer; late -> e', '<message id="m" name="ask"/>'));
    b.trigger('message', 'ask', 'gw', { question: 'why' });
    b.completeJob('ask');
    assert.deepEqual(b.waiting(), ['answer']);
    assert.equal(b.variables['question'], 'why', 'the message\'s variables, kept while the start listener ran');

  });

  it('a multi-instance instance\'s output element sees its job\'s unmapped variables after its end listener', async () => {
    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/>${ioMapping({}, { kept: '= raw + "!"' })}${listeners('end|l.end')}</extensionElements><multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item" outputCollection="out" outputElement="= raw"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: [1] });
    i.completeJob('w', { raw: 'A' });
    i.completeJob('w');
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.variables['out'], ['A']);
    assert.equal(i.variables['raw'], undefined, 'only the output mapping reaches the process');
    assert.equal(i.variables['kept'], 'A!');
  });

  it('an inline listener handler runs within the step; a failing one is an incident', async () => {
    const t = job('t', 'w.t', listeners('start|inline.l'));
    const ok = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'), {}, { inline: { 'inline.l': () => ({ x: 1 }) } });
    assert.deepEqual(ok.effectsOf('createJob').map((j) => j.jobType), ['w.t']);
    assert.deepEqual(ok.token('t').vars, { x: 1 });
    assertFields(ok.data('job.completed', 't'), { listener: 'start', jobType: 'inline.l', inline: true, variables: { x: 1 } });
    const bad = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'), {}, { inline: { 'inline.l': () => { throw new Error('nope'); } } });
    assert.deepEqual(bad.effectsOf('incident').map((e) => [e.kind, e.message]), [['handler', "listener handler 'inline.l' failed: nope"]]);
  });
});
