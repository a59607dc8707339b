/**
 * Semantics the engine runtime's mutation run found unpinned, decided as Zeebe (Camunda 8) behaves, straight through
 * the pure runtime (applyCommand and the compiler, no database): where a completion's variables go, a parallel join
 * that can no longer fire, an event sub-process's output mappings, what cancelling resolves, a timer cycle that
 * starts now, what the compiler refuses (an input element without a collection, an event-based gateway leading to
 * something that waits for no event), a variable without a name, the exact step limit, and the order of events
 * where branches meet in one step. The order is the runtime's token semantics: operations run first in, first out,
 * so parallel branches advance one element at a time in turn, and a join or scope acts in the round it becomes able
 * to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileBpmn, computeTimer } from '../../src/engine/index.js';
import { GovflowError } from '../../src/kernel/index.js';
import { bpmn, compensation, conditional, ioMapping, job, messageRef, subProcess, timer, userTask } from './bpmn.js';
import { NOW, PureInstance, compile, started } from './pure-instance.js';

const code = (expected: string) => (error: unknown): boolean => error instanceof GovflowError && error.code === expected;

/** The compiler's refusal of a model, with the message of each problem. */
async function refusals(xml: string): Promise<string[]> {
  try {
    await compileBpmn(xml, 'p.bpmn');
  } catch (error) {
    assert.ok(error instanceof GovflowError, String(error));
    assert.equal(error.code, 'GOVFLOW_ERR_BPMN_INVALID');
    return error.details.map((d) => d.message);
  }
  return [];
}

describe('runtime: where a completion\'s variables go (as in Zeebe: from the element\'s own scope)', () => {
  it('a job variable named like a local of its own task (an input mapping) updates that local, which goes with the task', async () => {
    const t = job('t', 'w.t', ioMapping({ limit: '= 10' }));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}${userTask('next')}`, 's -> t; t -> next'), { limit: 1 });
    assert.deepEqual(i.token('t').vars, { limit: 10 });
    i.completeJob('t', { limit: 99, found: true });
    assert.equal(i.variables['limit'], 1, 'the process variable of the same name is not touched');
    assert.equal(i.variables['found'], true, 'a name the task has no local of goes outward, to the process');
    assert.deepEqual(i.waiting(), ['next']);
  });

  it('a user task\'s result does the same; with no local of that name it updates the nearest scope that has one', async () => {
    const inner = `<startEvent id="ss"/>${userTask('review', ioMapping({ note: '= "draft"' }))}<endEvent id="se"/>`;
    const sub = subProcess('S', inner, 'ss -> review; review -> se', '', `<extensionElements>${ioMapping({ level: '= 1' })}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}${userTask('after')}`, 's -> S; S -> after'), { level: 0, note: 'kept' });
    const review = i.token('review');
    i.send({ type: 'taskCompleted', elementInstance: review.id, variables: { note: 'final', level: 2 } });
    assert.equal(i.variables['note'], 'kept');
    assert.equal(i.variables['level'], 0, 'level lived on S, which took the 2 and ended with it');
    assert.deepEqual(i.waiting(), ['after']);
  });
});

describe('runtime: joins and scopes (as in Zeebe: a flow taken to a join is an active path of its scope)', () => {
  it('a parallel join whose other flow can no longer be taken keeps the process open, with its token waiting there', async () => {
    // x sends its token away from the join, so j gets only a's token.
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}<exclusiveGateway id="x"/><endEvent id="away"/><parallelGateway id="j"/>${userTask('after')}`,
      's -> f; f -> a; f -> x; x -> j [= false]; x -> away (default); a -> j; j -> after');
    const i = await started(xml);
    i.completeTask('a');
    assert.equal(i.status, 'active');
    assert.deepEqual(i.trace('process.completed'), []);
    assert.deepEqual(Object.values(i.state!.joins), [[i.model.elements['a']!.outgoing[0]]], 'a\'s flow is still at the join');
    assert.deepEqual(i.waiting(), []);
    i.send({ type: 'cancel' });
    assert.equal(i.status, 'terminated');
  });

  it('in a sub-process it keeps the sub-process open: the flow after it is not taken', async () => {
    const inner = `<startEvent id="ss"/><parallelGateway id="f"/>${userTask('a')}<exclusiveGateway id="x"/><endEvent id="away"/><parallelGateway id="j"/><endEvent id="se"/>`;
    const sub = subProcess('S', inner, 'ss -> f; f -> a; f -> x; x -> j [= false]; x -> away (default); a -> j; j -> se');
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}${userTask('after')}`, 's -> S; S -> after'));
    i.completeTask('a');
    assert.deepEqual(i.trace('element.completed').filter((e) => e.endsWith(':S')), []);
    assert.ok(i.token('S'));
    assert.deepEqual(i.waiting(), []);
  });

  it('an inclusive join fires as its token arrives when no other token can reach it: before the branch its split sent on after it', async () => {
    // g takes its flows in document order: to j, then to u; m is not taken, so nothing else can reach j.
    const xml = bpmn('p', `<startEvent id="s"/><inclusiveGateway id="g"/>${userTask('m')}<inclusiveGateway id="j"/>${userTask('u')}${userTask('after')}`,
      's -> g; g -> j [= true]; g -> m [= false]; g -> u [= true]; m -> j; j -> after');
    const i = await started(xml);
    assert.deepEqual(i.activated(), ['s', 'g', 'j', 'u', 'after']);
  });

  it('an inclusive join in one instance of a parallel multi-instance sub-process is not held by a token on its way in another instance', async () => {
    // Both instances reach x in the same round; instance 1 goes straight to the join g, instance 2 by way of lag.
    // g in instance 1 has its token on the only flow that can still bring one, so it joins in that round.
    const inner = `<startEvent id="ss"/><exclusiveGateway id="x"/><manualTask id="lag"/><inclusiveGateway id="g"/>${userTask('u')}`;
    const per = subProcess('per', inner, 'ss -> x; x -> g [= loopCounter = 1]; x -> lag (default); lag -> g; g -> u')
      .replace('</subProcess>', '<multiInstanceLoopCharacteristics isSequential="false"><loopCardinality>= 2</loopCardinality></multiInstanceLoopCharacteristics></subProcess>');
    const i = await started(bpmn('p', `<startEvent id="s"/>${per}`, 's -> per'));
    const activated = i.activated();
    assert.deepEqual(activated.slice(activated.indexOf('x')), ['x', 'x', 'g', 'lag', 'u', 'g', 'u'], 'instance 1\'s g in the round of instance 2\'s lag, before it');
  });

  it('a sub-process ended by its terminate end event completes in that round, before a parallel branch moves on', async () => {
    // f starts S and m1 in one round; ss runs beside m1, stop beside m2: S is empty then and completes before m3.
    const chain = [1, 2, 3, 4].map((n) => `<manualTask id="m${n}"/>`).join('');
    const sub = subProcess('S', '<startEvent id="ss"/><endEvent id="stop"><terminateEventDefinition/></endEvent>', 'ss -> stop');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${sub}${chain}${userTask('u')}${userTask('afterS')}`,
      's -> f; f -> S; f -> m1; m1 -> m2; m2 -> m3; m3 -> m4; m4 -> u; S -> afterS'));
    const trace = i.trace('element.activated', 'element.completed');
    assert.ok(trace.indexOf('element.completed:stop') < trace.indexOf('element.activated:m3'), trace.join(' '));
    assert.ok(trace.indexOf('element.completed:S') < trace.indexOf('element.activated:m3'), trace.join(' '));
    assert.deepEqual(i.waiting(), ['afterS', 'u']);
  });
});

describe('runtime: an event sub-process completing (as in Zeebe: like any sub-process)', () => {
  it('applies its output mappings to the scope it belongs to', async () => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false">${messageRef('m')}</startEvent><endEvent id="ee"/>`, 'es -> ee', 'triggeredByEvent="true"',
      `<extensionElements>${ioMapping({}, { noted: '= amount * 2' })}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e', '<message id="m" name="poke"/>'));
    i.triggerScope('message', 'es', i.root(), { amount: 21 });
    assert.deepEqual(i.trace('element.completed').filter((e) => e.endsWith(':esp')), ['element.completed:esp']);
    assert.equal(i.variables['noted'], 42);
    assert.deepEqual(i.waiting(), ['work']);
  });
});

describe('runtime: cancelling (as in Zeebe: terminating an element resolves its incidents)', () => {
  const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${job('t', 'w.t')}${userTask('u')}<callActivity id="c"><extensionElements><zeebe:calledElement processId="child"/></extensionElements></callActivity>
    <boundaryEvent id="late" attachedToRef="t">${timer('timeDuration', 'PT1H')}</boundaryEvent>${userTask('chase')}`, 's -> f; f -> t; f -> u; f -> c; late -> chase');

  it('resolves the incidents the engine may have opened on a job (out of retries) or a call (process not deployed); a user task has none', async () => {
    const i = await started(xml);
    const ids = { t: i.token('t').id, c: i.token('c').id };
    i.send({ type: 'cancel' });
    assert.deepEqual(i.last!.effects.filter((e) => e.type === 'resolveIncidents').map((e) => e.type === 'resolveIncidents' && e.elementInstance).sort(), [ids.t, ids.c].sort());
  });

  it('an interrupting boundary event does the same for its task', async () => {
    const i = await started(xml);
    const t = i.token('t').id;
    i.trigger('timer', 'late', 't');
    assert.deepEqual(i.last!.effects.filter((e) => e.type === 'resolveIncidents'), [{ type: 'resolveIncidents', elementInstance: t }]);
    assert.deepEqual(i.waiting(), ['c', 'chase', 'u']);
  });
});

describe('runtime: a transaction cancelled in the step a split in it started its branches', () => {
  it('ends the branches that have not run yet: they do not start while the compensation runs', async () => {
    // f sends one token to the cancel end event and one to w; the cancel end event runs first and a's handler is a
    // job, so the transaction is still there (compensating) when w's activation comes up.
    const tx = `<transaction id="tx"><startEvent id="ts"/>${job('a', 'c.a')}${compensation('a', 'c.undoA')}<parallelGateway id="f"/>${userTask('w')}<endEvent id="abort"><cancelEventDefinition/></endEvent>
      <sequenceFlow id="t1" sourceRef="ts" targetRef="a"/><sequenceFlow id="t2" sourceRef="a" targetRef="f"/><sequenceFlow id="t3" sourceRef="f" targetRef="abort"/><sequenceFlow id="t4" sourceRef="f" targetRef="w"/></transaction>`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${tx}<boundaryEvent id="cancelled" attachedToRef="tx"><cancelEventDefinition/></boundaryEvent><endEvent id="done"/><endEvent id="undone"/>`,
      's -> tx; tx -> done; cancelled -> undone'));
    i.completeJob('a');
    assert.deepEqual(i.waiting(), ['abort', 'c.undoA']);
    assert.ok(!i.activated().includes('w'));
    assert.deepEqual(i.effectsOf('createTask'), []);
    i.completeJob('c.undoA');
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.trace('element.completed').slice(-2), ['element.completed:cancelled', 'element.completed:undone']);
  });
});

describe('runtime: a conditional event after changes in two scopes in one step', () => {
  it('sees the change of a variable in a scope it can see, after a change of a same-named local in one it cannot', async () => {
    // Completing tb updates B's x, then B's output mapping updates A's x: cc (in A, beside B) sees only A's.
    const inner = `<startEvent id="bs"/>${userTask('tb')}<endEvent id="be"/>`;
    const b = subProcess('B', inner, 'bs -> tb; tb -> be', '', `<extensionElements>${ioMapping({ x: '= 0' }, { x: '= x' })}</extensionElements>`);
    const a = subProcess('A', `<startEvent id="as"/><parallelGateway id="af"/>${b}<intermediateCatchEvent id="cc">${conditional('= x = 5')}</intermediateCatchEvent>${userTask('after')}<endEvent id="ae"/>`,
      'as -> af; af -> B; af -> cc; cc -> after; B -> ae', '', `<extensionElements>${ioMapping({ x: '= 0' })}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${a}`, 's -> A'));
    assert.deepEqual(i.waiting(), ['cc', 'tb']);
    i.completeTask('tb', { x: 5 });
    assert.deepEqual(i.waiting(), ['after']);
    assert.equal(i.token('A').vars?.['x'], 5);
  });
});

describe('runtime: a timer cycle that starts now (as in Zeebe: its first fire is at the start)', () => {
  it('fires first at the start, counting that fire', () => {
    assert.deepEqual(computeTimer('cycle', 'R3/2026-05-04T09:00:00Z/PT1H', NOW, 'tick'), { dueAt: NOW.toISOString(), cycle: 'R2/PT1H' });
    assert.deepEqual(computeTimer('cycle', 'R3/2026-05-04T09:00:00.001Z/PT1H', NOW, 'tick'), { dueAt: '2026-05-04T09:00:00.001Z', cycle: 'R2/PT1H' });
  });
});

describe('compiler: what the runtime could not run is refused at deploy', () => {
  it('a multi-instance input element without an input collection (Zeebe has none without one)', async () => {
    const loop = (attrs: string, cardinality = '<loopCardinality>= 2</loopCardinality>') =>
      `<startEvent id="s"/><userTask id="w"><multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics ${attrs}/></extensionElements>${cardinality}</multiInstanceLoopCharacteristics></userTask>`;
    assert.deepEqual(await refusals(bpmn('p', loop('inputElement="item"'), 's -> w')), ['multi-instance w names an input element \'item\' but no input collection to take it from']);
    assert.deepEqual(await refusals(bpmn('p', loop('inputCollection="= [1, 2]" inputElement="item"', ''), 's -> w')), []);
  });

  it('an event-based gateway whose flow leads to something that waits for no event', async () => {
    const gateway = (target: string) => bpmn('p', `<startEvent id="s"/><eventBasedGateway id="g"/><intermediateCatchEvent id="m">${messageRef('msg')}</intermediateCatchEvent>${target}<endEvent id="e1"/><endEvent id="e2"/>`,
      's -> g; g -> m; g -> x; m -> e1; x -> e2', '<message id="msg" name="go"/>');
    const [task] = await refusals(gateway(userTask('x')));
    assert.match(task ?? '', /^event-based gateway g leads to x \(userTask\), which waits for no event/);
    const [link] = await refusals(gateway('<intermediateCatchEvent id="x"><linkEventDefinition name="l"/></intermediateCatchEvent>'));
    assert.match(link ?? '', /^event-based gateway g leads to x \(intermediateCatchEvent, link\)/);
    for (const waits of [`<intermediateCatchEvent id="x">${timer('timeDuration', 'PT1H')}</intermediateCatchEvent>`, `<intermediateCatchEvent id="x">${conditional('= go = true')}</intermediateCatchEvent>`, '<receiveTask id="x" messageRef="msg"/>']) {
      assert.deepEqual(await refusals(gateway(waits)), [], waits);
    }
  });
});

describe('runtime: a variable without a name', () => {
  it('is refused with the command (a job\'s or the API\'s), which changes nothing', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t')}${userTask('next')}`, 's -> t; t -> next'), { a: 1 });
    for (const name of ['', '.x']) {
      assert.throws(() => i.completeJob('t', { [name]: 1 }), code('GOVFLOW_ERR_VALIDATION'), `'${name}'`);
      assert.throws(() => i.send({ type: 'setVariables', variables: { [name]: 1 } }), (e: Error) => code('GOVFLOW_ERR_VALIDATION')(e) && e.message.startsWith(`variable name '${name}' is empty or starts with a dot`));
    }
    assert.deepEqual(i.variables, { a: 1 });
    i.completeJob('t', { 'b.c': 2 });
    assert.deepEqual(i.variables, { a: 1, b: { c: 2 } }, 'a dot inside a name sets a field');
  });

  it('a model that would write one is refused at deploy: a mapping target or an output collection with an empty name before or after a dot', async () => {
    for (const target of ['.x', 'x.', 'a..b']) {
      assert.deepEqual(await refusals(bpmn('p', `<startEvent id="s"/>${job('t', 'w', `<zeebe:ioMapping><zeebe:output source="= 1" target="${target}"/></zeebe:ioMapping>`)}`, 's -> t')),
        [`output mapping target '${target}' names no variable: it has an empty name before or after a dot`]);
    }
    const collecting = (collection: string) => bpmn('p', `<startEvent id="s"/><userTask id="w"><multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="= [1]" outputCollection="${collection}" outputElement="= 1"/></extensionElements></multiInstanceLoopCharacteristics></userTask>`, 's -> w');
    assert.deepEqual(await refusals(collecting('.all')), ['multi-instance w\'s output collection \'.all\' names no variable: it has an empty name before or after a dot']);
    assert.deepEqual(await refusals(collecting('report.all')), []);
  });
});

describe('runtime: the step limit, exactly', () => {
  it('a step of exactly 20,000 operations runs; one of 20,002 is stopped', async () => {
    // Each activation, completion and scope check is one operation. Starting this model: the start event (activated,
    // completed: 2), the body (activated) and the check of the process scope s's completion queued (2), each of the n
    // inner instances activated and completed (2n), the end event activated and the check the body's completion
    // queued (2), the end event completed and the check that finds the process empty (2): 2n + 8.
    const model = await compile(bpmn('p', '<startEvent id="s"/><task id="t"><multiInstanceLoopCharacteristics isSequential="true"><loopCardinality>= n</loopCardinality></multiInstanceLoopCharacteristics></task><endEvent id="e"/>', 's -> t; t -> e'));
    const exact = new PureInstance(model);
    exact.start({ n: (20_000 - 8) / 2 });
    assert.equal(exact.status, 'completed');
    assert.equal(exact.trace('element.completed').length, 9_996 + 3, 'every inner instance, the body, the start and the end event');
    assert.throws(() => new PureInstance(model).start({ n: (20_002 - 8) / 2 }), (e: Error) => code('GOVFLOW_ERR_BPMN_INVALID')(e) && /ran 20000 steps without waiting/.test(e.message));
  });
});
