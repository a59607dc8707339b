/**
 * Conditional events beside other listeners, straight through the pure runtime (applyCommand, no database), for
 * `npm run mutate -- engine-runtime`: what fires stops only its own listening, the others go on; a change is
 * looked at with its kind (created or updated) and name, whatever else changed in the step; a failed condition is
 * evaluated again when its incident is resolved. Expected outcomes follow BPMN 2.0 and Camunda 8's documented
 * behaviour for conditional events (a catch or interrupting event fires once; an event sub-process that interrupts
 * its scope ends only that scope's listening; an element's events no longer apply once its work is done).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpmn, conditional, escapeXml, message, messageRef, subProcess, userTask } from './bpmn.js';
import { compile, started } from './pure-instance.js';
import { conditionalStartsHolding } from '../../src/engine/index.js';

const catchEvent = (id: string, condition: string, filter?: Parameters<typeof conditional>[1]) => `<intermediateCatchEvent id="${id}">${conditional(condition, filter)}</intermediateCatchEvent>`;
const boundary = (id: string, on: string, condition: string, interrupting = true) =>
  `<boundaryEvent id="${id}" attachedToRef="${on}"${interrupting ? '' : ' cancelActivity="false"'}>${conditional(condition)}</boundaryEvent>`;
/** A catch event `other` in a parallel branch, waiting for `other = true`, to show that listening elsewhere goes on. */
const beside = (main: string, mainFlows: string) => bpmn('p',
  `<startEvent id="s"/><parallelGateway id="f"/>${main}${catchEvent('other', '= other = true')}${userTask('afterOther')}`,
  `s -> f; f -> ${mainFlows}; f -> other; other -> afterOther`);

describe('runtime: conditional events beside each other', () => {
  it('a catch event that fires, or fails, leaves another branch\'s catch event listening', async () => {
    const fires = await started(beside(`${catchEvent('c', '= go = true')}${userTask('next')}`, 'c; c -> next'));
    fires.send({ type: 'setVariables', variables: { go: true } });
    assert.deepEqual(fires.waiting(), ['next', 'other']);
    assert.deepEqual(fires.state?.conditions?.map((w) => w.elementId), ['other'], 'only the fired event stopped listening');
    fires.send({ type: 'setVariables', variables: { other: true } });
    assert.deepEqual(fires.waiting(), ['afterOther', 'next']);

    const fails = await started(beside(`${catchEvent('c', '= if go then nosuchfn(1) else false')}${userTask('next')}`, 'c; c -> next'), { go: false });
    fails.send({ type: 'setVariables', variables: { go: true } });
    assert.equal(fails.token('c').wait, 'incident', 'the catch event itself is in incident');
    assert.deepEqual(fails.effectsOf('incident').map((e) => e.elementId), ['c']);
    fails.send({ type: 'setVariables', variables: { other: true } });
    assert.deepEqual(fails.waiting(), ['afterOther', 'c']);
  });

  it('an interrupting and a non-interrupting boundary event that fire leave another branch\'s catch event listening', async () => {
    for (const interrupting of [true, false]) {
      const i = await started(beside(`${userTask('work')}${boundary('b', 'work', '= late = true', interrupting)}${userTask('chase')}`, 'work; b -> chase'));
      i.send({ type: 'setVariables', variables: { late: true } });
      assert.deepEqual(i.waiting(), interrupting ? ['chase', 'other'] : ['chase', 'other', 'work']);
      i.send({ type: 'setVariables', variables: { other: true } });
      assert.ok(i.waiting().includes('afterOther'), `interrupting: ${interrupting}`);
    }
  });

  it('after an event-based gateway the winning condition withdraws the gateway\'s other events only', async () => {
    const gateway = `<eventBasedGateway id="g"/>${catchEvent('a', '= pick = "a"')}<intermediateCatchEvent id="t"><timerEventDefinition><timeDuration xsi:type="tFormalExpression">PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>${userTask('ta')}${userTask('tt')}`;
    const i = await started(beside(gateway, 'g; g -> a; g -> t; a -> ta; t -> tt'));
    const g = i.token('g').id;
    i.send({ type: 'setVariables', variables: { pick: 'a' } });
    assert.deepEqual(i.waiting(), ['other', 'ta']);
    assert.ok(i.trace('element.completed').includes('element.completed:g'));
    assert.ok(i.effectsOf('cancelWaits').some((e) => e.elementInstance === g), 'the gateway\'s timer is withdrawn');
    i.send({ type: 'setVariables', variables: { other: true } });
    assert.deepEqual(i.waiting(), ['afterOther', 'ta']);
  });

  it('two interrupting event sub-processes whose conditions become true together: only the first starts', async () => {
    const esp = (id: string) => subProcess(id, `<startEvent id="${id}_s">${conditional('= stop = true')}</startEvent>${userTask(`${id}_t`)}<endEvent id="${id}_e"/>`, `${id}_s -> ${id}_t; ${id}_t -> ${id}_e`, 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp('one')}${esp('two')}`, 's -> work; work -> e'));
    i.send({ type: 'setVariables', variables: { stop: true } });
    assert.equal(i.waiting().length, 1, JSON.stringify(i.waiting()));
    assert.deepEqual(i.trace('condition.triggered').length, 1);
  });

  it('an event sub-process interrupting one sub-process instance leaves the other instances, and the process, listening', async () => {
    const esp = subProcess('esp', `<startEvent id="es">${conditional('= stop = item')}</startEvent>${userTask('handle')}<endEvent id="ee"/>`, 'es -> handle; handle -> ee', 'triggeredByEvent="true"');
    const per = subProcess('per', `<startEvent id="ss"/>${userTask('work')}<endEvent id="se"/>${esp}`, 'ss -> work; work -> se', '',
      '<multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= [1, 2]" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics>');
    const top = subProcess('note', `<startEvent id="ns" isInterrupting="false">${conditional('= level > 2')}</startEvent>${userTask('alert')}<endEvent id="ne"/>`, 'ns -> alert; alert -> ne', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${per}<endEvent id="e"/>${top}`, 's -> per; per -> e'), { level: 0 });
    i.send({ type: 'setVariables', variables: { stop: 1 } });
    assert.deepEqual(i.waiting(), ['handle', 'work']);
    i.send({ type: 'setVariables', variables: { stop: 2 } });
    assert.deepEqual(i.waiting(), ['handle', 'handle'], 'the second instance\'s event sub-process still listened');
    i.send({ type: 'setVariables', variables: { level: 5 } });
    assert.deepEqual(i.waiting(), ['alert', 'handle', 'handle'], 'the process\'s own event sub-process still listened');
  });
});

describe('runtime: which changes a condition looks at', () => {
  it('a change of the named variable counts even when another variable changed first in the same step', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${catchEvent('c', '= ok = true', { variableNames: 'ok' })}<endEvent id="e"/>`, 's -> c; c -> e'));
    i.send({ type: 'setVariables', variables: { other: 1, ok: true } });
    assert.equal(i.status, 'completed');
  });

  it('a variable created and then updated in one step counts as created', async () => {
    // t's job creates n; the script task after it updates n in the same step.
    const script = '<scriptTask id="inc"><extensionElements><zeebe:script expression="= n + 1" resultVariable="n"/></extensionElements></scriptTask>';
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${catchEvent('c', '= n > 0', { variableEvents: 'create' })}${userTask('t')}${script}${userTask('after')}<endEvent id="e"/>`,
      's -> f; f -> c; f -> t; t -> inc; inc -> after; c -> e');
    const i = await started(xml);
    i.completeTask('t', { n: 1 });
    assert.equal(i.variables['n'], 2);
    assert.deepEqual(i.waiting(), ['after'], 'the catch event saw the creation and passed');
  });

  it('a local variable of the catch event\'s own sub-process is visible to it', async () => {
    const sub = subProcess('S', `<startEvent id="ss"/>${catchEvent('c', '= notes > 1')}${userTask('next')}`, 'ss -> c; c -> next', '',
      `<extensionElements>${'<zeebe:ioMapping><zeebe:input source="= 0" target="notes"/></zeebe:ioMapping>'}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}`, 's -> S'));
    assert.deepEqual(i.waiting(), ['c']);
    i.send({ type: 'setVariables', variables: { notes: 2 }, elementInstance: i.token('S').id, local: true });
    assert.deepEqual(i.waiting(), ['next']);
  });

  it('a job\'s variable that lives in the sub-process is updated there: an update for a catch event inside it', async () => {
    const sub = subProcess('S', `<startEvent id="ss"/><parallelGateway id="sf"/>${catchEvent('c', '= notes > 1', { variableEvents: 'update' })}<serviceTask id="t"><extensionElements><zeebe:taskDefinition type="w.t"/></extensionElements></serviceTask>${userTask('next')}`,
      'ss -> sf; sf -> c; sf -> t; c -> next', '', `<extensionElements>${'<zeebe:ioMapping><zeebe:input source="= 0" target="notes"/></zeebe:ioMapping>'}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}`, 's -> S'));
    i.completeJob('t', { notes: 2 });
    assert.deepEqual(i.waiting(), ['next']);
    assert.equal(i.variables['notes'], undefined, 'it stayed in the sub-process');
  });

  it('a boundary event no longer fires once its activity waits for its end listeners', async () => {
    const work = userTask('work', `<zeebe:executionListeners><zeebe:executionListener eventType="end" type="${escapeXml('l.end')}"/></zeebe:executionListeners>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${work}${boundary('b', 'work', '= late = true')}${userTask('chase')}${userTask('next')}`, 's -> work; work -> next; b -> chase'));
    i.completeTask('work');
    i.send({ type: 'setVariables', variables: { late: true } });
    assert.deepEqual(i.trace('condition.triggered'), []);
    i.completeJob('work');
    assert.deepEqual(i.waiting(), ['next']);
  });
});

describe('runtime: resolving a condition\'s incident', () => {
  const failing = '= if x = true then nosuchfn(1) else y = true';

  it('evaluates the condition again at once: true now, the boundary event fires', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}${boundary('b', 'work', failing)}${userTask('chase')}${userTask('next')}`, 's -> work; work -> next; b -> chase'));
    i.send({ type: 'setVariables', variables: { x: true } });
    assert.equal(i.effectsOf('incident').length, 1);
    i.send({ type: 'setVariables', variables: { x: false, y: true } });
    assert.deepEqual(i.waiting(), ['work'], 'a failed condition is not evaluated again before its incident is resolved');
    i.send({ type: 'resolveIncident', elementInstance: i.token('work').id });
    assert.ok(i.trace('incident.resolved').includes('incident.resolved:work'));
    assert.deepEqual(i.waiting(), ['chase']);
  });

  it('an element instance with no incident cannot be resolved, whatever conditions listen elsewhere', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('work')}${boundary('b', 'work', failing)}${userTask('chase')}${userTask('calm')}${boundary('q', 'calm', '= false')}`,
      's -> f; f -> work; f -> calm; b -> chase'), { x: true });
    assert.deepEqual(i.effectsOf('incident').map((e) => e.elementId), ['b']);
    assert.throws(() => i.send({ type: 'resolveIncident', elementInstance: i.token('calm').id }), (e: Error & { code?: string }) => e.code === 'GOVFLOW_ERR_CONFLICT');
    assert.deepEqual(i.trace('incident.resolved'), []);
  });

  it('resolving an activity that has an incident of its own and a failed boundary condition resolves both', async () => {
    const work = userTask('work', '<zeebe:taskSchedule dueDate="= due"/>');
    const i = await started(bpmn('p', `<startEvent id="s"/>${work}${boundary('b', 'work', failing)}${userTask('chase')}${userTask('next')}`, 's -> work; work -> next; b -> chase'), { due: 'next week', x: true });
    assert.equal(i.token('work').wait, 'incident');
    assert.deepEqual(i.effectsOf('incident').map((e) => e.elementId).sort(), ['b', 'work']);
    i.send({ type: 'setVariables', variables: { due: 'P1D', x: false } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('work').id });
    assert.equal(i.token('work').wait, 'task', 'the task\'s own incident is resolved: it is created');
    assert.equal(i.effectsOf('createTask').length, 1);
    i.send({ type: 'setVariables', variables: { y: true } });
    assert.deepEqual(i.waiting(), ['chase'], 'its boundary condition listens again, once');
    assert.equal(i.trace('condition.triggered').length, 1);
  });

  it('a non-interrupting boundary event of an activity run again after its incident listens once', async () => {
    const work = userTask('work', '<zeebe:taskSchedule dueDate="= due"/>');
    const i = await started(bpmn('p', `<startEvent id="s"/>${work}${boundary('b', 'work', '= n > 2', false)}${userTask('chase')}${userTask('next')}`, 's -> work; work -> next; b -> chase'), { due: 'next week', n: 0 });
    i.send({ type: 'setVariables', variables: { due: 'P1D' } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('work').id });
    i.send({ type: 'setVariables', variables: { n: 3 } });
    assert.deepEqual(i.waiting(), ['chase', 'work'], 'one firing, not one per time the activity was entered');
  });
});

describe('runtime: root-level conditional start events', () => {
  // Several starts of one process: two conditional ones, a message start and a plain one.
  const starts = bpmn(
    'p',
    `<startEvent id="small">${conditional('= amount > 100')}</startEvent>
     <startEvent id="large">${conditional('= amount > 1000')}</startEvent>
     <startEvent id="byMessage">${messageRef('m')}</startEvent>
     <userTask id="work"/><endEvent id="e"/>`,
    'small -> work; large -> work; byMessage -> work; work -> e',
    message('m', 'go'),
  );

  it('are the conditional starts whose condition is true for the variables, in the model’s order; never a message start', async () => {
    const model = await compile(starts);
    const now = new Date('2026-05-04T09:00:00Z');
    assert.deepEqual(conditionalStartsHolding(model, { amount: 50 }, now), []);
    assert.deepEqual(conditionalStartsHolding(model, { amount: 500 }, now), ['small']);
    assert.deepEqual(conditionalStartsHolding(model, { amount: 5000 }, now), ['small', 'large']);
    assert.deepEqual(conditionalStartsHolding(model, {}, now), [], 'a condition on a missing variable is not true');
  });

  it('only a condition that is exactly true starts; the evaluation’s clock is the one given', async () => {
    const model = await compile(bpmn('p', `<startEvent id="yes">${conditional('= flag')}</startEvent><startEvent id="late">${conditional('= now() > date and time("2030-01-01T00:00:00Z")')}</startEvent><endEvent id="e"/>`, 'yes -> e; late -> e'));
    const before = new Date('2029-06-01T00:00:00Z');
    const after = new Date('2031-06-01T00:00:00Z');
    assert.deepEqual(conditionalStartsHolding(model, { flag: 'true' }, before), [], 'a string is not true');
    assert.deepEqual(conditionalStartsHolding(model, { flag: 1 }, before), []);
    assert.deepEqual(conditionalStartsHolding(model, { flag: true }, before), ['yes']);
    assert.deepEqual(conditionalStartsHolding(model, { flag: false }, after), ['late']);
  });

  it('a condition that fails to evaluate is an error naming the start event and that it is its condition', async () => {
    const model = await compile(bpmn('p', `<startEvent id="broken">${conditional('= nosuch(amount)')}</startEvent><endEvent id="e"/>`, 'broken -> e'));
    assert.throws(() => conditionalStartsHolding(model, { amount: 1 }, new Date()), (err: unknown) => {
      const e = err as { code?: string; message?: string };
      assert.equal(e.code, 'GOVFLOW_ERR_FEEL_EVALUATION');
      assert.match(e.message ?? '', /broken/);
      assert.match(e.message ?? '', /conditional start event condition/);
      return true;
    });
  });
});
