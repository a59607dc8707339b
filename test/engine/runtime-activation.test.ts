/**
 * An element's activation as Zeebe (Camunda 8) runs it, straight through the pure runtime (applyCommand and the
 * compiler, no database): input mappings (all or nothing), then the start listeners, then the boundary events, then
 * the element's work. An activation that fails before the work leaves nothing behind, and resolving its incident
 * runs it again from where it failed, so the element gets its locals and its boundary events. An event sub-process
 * applies its input mappings into its own scope when it starts, before its start event runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpmn, conditional, ioMapping, job, message, messageRef, subProcess, timer, userTask } from './bpmn.js';
import { started, type PureInstance } from './pure-instance.js';

/** Fails (no such function) until `ok` is set: the cause an operator fixes before resolving the incident. */
const UNTIL_OK = (value: string) => `= if ok = true then ${value} else nosuchfn(1)`;
const incidents = (i: PureInstance) => i.effectsOf('incident').map((e) => [e.elementId, e.kind]);
const resolve = (i: PureInstance, elementId: string) => i.send({ type: 'resolveIncident', elementInstance: i.token(elementId).id });
const listeners = (...types: string[]) => `<zeebe:executionListeners>${types.map((t) => `<zeebe:executionListener eventType="start" type="${t}"/>`).join('')}</zeebe:executionListeners>`;

describe('runtime: resolving an incident of a failed input mapping runs the activation again from the mappings', () => {
  const late = `<boundaryEvent id="late" attachedToRef="t">${timer('timeDuration', 'PT1H')}</boundaryEvent>${userTask('chase')}`;
  const model = (extra = '') => bpmn('p', `<startEvent id="s"/>${job('t', 'w.t', `${ioMapping({ limit: '= 10', name: UNTIL_OK('applicant.name') })}${extra}`)}${late}<endEvent id="e"/>`,
    's -> t; t -> e; late -> chase');

  it('the task then has its locals and its boundary timer, and runs', async () => {
    const i = await started(model(), { applicant: { name: 'Ada' } });
    assert.deepEqual(incidents(i), [['t', 'expression']]);
    assert.deepEqual(i.effectsOf('createTimer'), [], 'nothing listens while the activation has failed');
    assert.deepEqual(i.effectsOf('createJob'), []);
    i.send({ type: 'setVariables', variables: { ok: true } });
    resolve(i, 't');
    const t = i.token('t');
    assert.deepEqual(t.vars, { limit: 10, name: 'Ada' });
    assert.deepEqual(i.effectsOf('createTimer').map((e) => [e.elementId, e.elementInstance]), [['late', t.id]]);
    assert.deepEqual(i.effectsOf('createJob').map((e) => [e.jobType, e.elementInstance]), [['w.t', t.id]]);
    assert.deepEqual(i.trace('element.activated').filter((e) => e.endsWith(':t')), ['element.activated:t'], 'the element is activated once');
    i.trigger('timer', 'late', 't');
    assert.deepEqual(i.waiting(), ['chase'], 'the boundary timer interrupts the task');
  });

  it('no mapping applies when one fails (Zeebe maps them as one context); resolving before the cause is fixed fails again the same way', async () => {
    const i = await started(model(), { applicant: { name: 'Ada' } });
    assert.equal(Object.hasOwn(i.token('t'), 'vars'), false, 'limit, mapped before the failure, is not kept');
    resolve(i, 't');
    assert.deepEqual(incidents(i), [['t', 'expression'], ['t', 'expression']]);
    assert.equal(i.token('t').wait, 'incident');
    assert.equal(Object.hasOwn(i.token('t'), 'vars'), false);
    assert.deepEqual(i.effectsOf('createTimer'), []);
  });

  it('the start listeners run after the mappings, then the timer and the job come', async () => {
    const i = await started(model(listeners('l.start')), { applicant: { name: 'Ada' } });
    i.send({ type: 'setVariables', variables: { ok: true } });
    resolve(i, 't');
    assert.deepEqual(i.effectsOf('createJob').map((e) => e.jobType), ['l.start']);
    assert.deepEqual(i.token('t').vars, { limit: 10, name: 'Ada' });
    i.completeJob('t');
    assert.deepEqual(i.effectsOf('createJob').map((e) => e.jobType), ['l.start', 'w.t']);
    assert.deepEqual(i.effectsOf('createTimer').map((e) => e.elementId), ['late']);
  });

  it('an instance of a multi-instance activity keeps its item and loop counter and gets its mappings', async () => {
    const mi = `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/>${ioMapping({ label: UNTIL_OK('"#" + string(item)') })}</extensionElements>`
      + '<multiInstanceLoopCharacteristics isSequential="true"><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>';
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi}<endEvent id="e"/>`, 's -> w; w -> e'), { items: [7, 8] });
    const inner = i.tokens().find((t) => t.wait === 'incident')!;
    assert.deepEqual(inner.vars, { loopCounter: 1, item: 7 });
    i.send({ type: 'setVariables', variables: { ok: true } });
    i.send({ type: 'resolveIncident', elementInstance: inner.id });
    assert.deepEqual(i.tokens().find((t) => t.id === inner.id)!.vars, { loopCounter: 1, item: 7, label: '#7' });
    assert.deepEqual(i.effectsOf('createJob').map((e) => e.elementInstance), [inner.id]);
  });

  it('a boundary event that cannot subscribe withdraws the ones before it; resolving subscribes each once, then the task runs', async () => {
    const boundaries = `<boundaryEvent id="poke" attachedToRef="t" cancelActivity="false">${messageRef('m')}</boundaryEvent>`
      + `<boundaryEvent id="flagged" attachedToRef="t" cancelActivity="false">${conditional('= flag = true')}</boundaryEvent>`
      + `<boundaryEvent id="late" attachedToRef="t">${timer('timeDuration', UNTIL_OK('"PT1H"'))}</boundaryEvent>${userTask('chase')}${userTask('poked')}${userTask('noted')}`;
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', 'w.t', ioMapping({ limit: '= 10' }))}${boundaries}<endEvent id="e"/>`,
      's -> t; t -> e; late -> chase; poke -> poked; flagged -> noted', message('m', 'poke', '= "k"')), { flag: true });
    assert.deepEqual(incidents(i), [['t', 'expression']]);
    assert.deepEqual([...i.effectsOf('subscribe'), ...i.effectsOf('createTimer'), ...i.effectsOf('createJob')], []);
    assert.equal(i.state!.conditions, undefined, 'the conditional boundary event does not listen either');
    assert.deepEqual(i.waiting(), ['t'], 'so it did not fire, though its condition holds');
    assert.equal(Object.hasOwn(i.token('t'), 'hasWaits'), false);
    i.send({ type: 'setVariables', variables: { ok: true } });
    resolve(i, 't');
    assert.deepEqual(i.waiting(), ['noted', 't'], 'the conditional boundary event listens again, and fires');
    assert.deepEqual(i.effectsOf('subscribe').map((e) => e.elementId), ['poke']);
    assert.deepEqual(i.effectsOf('createTimer').map((e) => e.elementId), ['late']);
    assert.deepEqual(i.effectsOf('createJob').map((e) => e.jobType), ['w.t']);
    assert.deepEqual(i.token('t').vars, { limit: 10 });
  });

  it('a boundary event that cannot subscribe after the start listeners is resolved without running them again', async () => {
    const xml = bpmn('p', `<startEvent id="s"/>${job('t', 'w.t', listeners('l.start'))}<boundaryEvent id="late" attachedToRef="t">${timer('timeDuration', UNTIL_OK('"PT1H"'))}</boundaryEvent>${userTask('chase')}<endEvent id="e"/>`,
      's -> t; t -> e; late -> chase');
    const i = await started(xml);
    i.completeJob('t');
    assert.deepEqual(incidents(i), [['t', 'expression']]);
    i.send({ type: 'setVariables', variables: { ok: true } });
    resolve(i, 't');
    assert.deepEqual(i.effectsOf('createJob').map((e) => e.jobType), ['l.start', 'w.t']);
    assert.deepEqual(i.effectsOf('createTimer').map((e) => e.elementId), ['late']);
  });

  it('a task whose work fails after its boundary events subscribed runs the work again only: the timer is not created twice', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${job('t', '= kind', ioMapping({ limit: '= 10' }))}${`<boundaryEvent id="late" attachedToRef="t">${timer('timeDuration', 'PT1H')}</boundaryEvent>`}${userTask('chase')}<endEvent id="e"/>`,
      's -> t; t -> e; late -> chase'));
    assert.deepEqual(incidents(i), [['t', 'configuration']]);
    assert.equal(i.effectsOf('createTimer').length, 1);
    i.send({ type: 'setVariables', variables: { kind: 'w.t' } });
    resolve(i, 't');
    assert.equal(i.effectsOf('createTimer').length, 1);
    assert.deepEqual(i.effectsOf('createJob').map((e) => e.jobType), ['w.t']);
    assert.deepEqual(i.token('t').vars, { limit: 10 });
  });
});

describe('runtime: an event sub-process applies its input mappings into its own scope when it starts (as in Zeebe)', () => {
  const model = (interrupting: boolean, source = '= amount * 2') => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="${interrupting}">${messageRef('m')}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee',
      'triggeredByEvent="true"', `<extensionElements>${ioMapping({ doubled: source, stage: '= "escalated"' })}</extensionElements>`);
    return bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e', '<message id="m" name="poke"/>');
  };

  for (const interrupting of [true, false]) {
    it(`${interrupting ? 'interrupting' : 'non-interrupting'}: its locals are visible inside it and go with it`, async () => {
      const i = await started(model(interrupting), { amount: 21, stage: 'open' });
      i.triggerScope('message', 'es', i.root(), { note: 'hi' });
      assert.deepEqual(i.token('esp').vars, { doubled: 42, stage: 'escalated' });
      assert.equal(i.token('esp').wait, 'scope');
      assert.equal(i.activated().at(-1), 'handle', 'the start event ran after the mappings');
      assert.deepEqual(i.waiting(), interrupting ? ['handle'] : ['handle', 'work']);
      i.completeTask('handle', { doubled: 1 });
      assert.equal(i.variables['doubled'], undefined, 'the local took the result and ended with the event sub-process');
      assert.equal(i.variables['stage'], 'open', 'the process variable of the same name is not touched');
      assert.equal(i.variables['note'], 'hi', 'the message\'s variables still reach the process');
      assert.equal(i.status, interrupting ? 'completed' : 'active');
    });
  }

  it('a mapping that fails is an incident on the event sub-process; resolving it maps again and runs the start event', async () => {
    const i = await started(model(false, UNTIL_OK('amount * 2')), { amount: 21 });
    i.triggerScope('message', 'es', i.root(), { note: 'hi' });
    assert.deepEqual(incidents(i), [['esp', 'expression']]);
    assert.equal(i.token('esp').vars, undefined);
    assert.deepEqual(i.activated().filter((id) => id === 'es'), [], 'the start event does not run');
    assert.deepEqual(i.waiting(), ['esp', 'work']);
    i.send({ type: 'setVariables', variables: { ok: true } });
    resolve(i, 'esp');
    assert.deepEqual(i.token('esp').vars, { doubled: 42, stage: 'escalated' });
    assert.equal(i.token('esp').wait, 'scope');
    assert.deepEqual(i.waiting(), ['handle', 'work']);
    i.completeTask('handle');
    assert.equal(i.variables['note'], 'hi', 'the trigger\'s variables were kept for the start event');
    assert.deepEqual(i.trace('element.completed').filter((e) => e.endsWith(':esp')), ['element.completed:esp']);
  });
});
