/**
 * Issue 16 (Camunda 8 complete: conditional events with FEEL): the intermediate conditional catch event (true at
 * once, or waits for a variable change that makes it true, filtered by zeebe:conditionalFilter), interrupting and
 * non-interrupting conditional boundary events and event sub-process starts, root-level conditional start events
 * started through the engine's evaluation call, and the incident a condition that fails to evaluate raises.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, conditional, job, message, messageRef, subProcess, userTask } from './bpmn.js';
import { activeElements, assertCompleted, assertInOrder, count, deploy, oneJob, rejection, rowCount, tasksOf, traceOf, useEngine, type Harness } from './harness.js';

async function complete(h: Harness, type: string, variables: Record<string, unknown> = {}): Promise<void> {
  const j = await oneJob(h, type);
  await h.engine.completeJob(j.id, { worker: 'w', variables });
}

const catchEvent = (id: string, condition: string, filter?: Parameters<typeof conditional>[1]) =>
  `<intermediateCatchEvent id="${id}">${conditional(condition, filter)}</intermediateCatchEvent>`;

describeEachBackend('engine: conditional events', (backend) => {
  const h = useEngine(backend);

  it('an intermediate conditional catch event passes at once when its condition holds, else waits for a variable change that makes it hold', async () => {
    await deploy(h, bpmn('cond_wait', `<startEvent id="s"/>${catchEvent('ready', '= stock >= amount')}${job('ship', 'cw.ship')}<endEvent id="e"/>`, 's -> ready; ready -> ship; ship -> e'));
    const at = await h.engine.startInstance('cond_wait', { variables: { stock: 5, amount: 3 } });
    assert.deepEqual(await activeElements(h, at.id), ['ship'], 'true on arrival: the event completes at once');
    const waits = await h.engine.startInstance('cond_wait', { variables: { stock: 1, amount: 3 } });
    assert.deepEqual(await activeElements(h, waits.id), ['ready']);
    await h.engine.setVariables(waits.id, { stock: 2 });
    assert.deepEqual(await activeElements(h, waits.id), ['ready'], 'still false after the change: it keeps waiting');
    await h.engine.setVariables(waits.id, { stock: 4 });
    assert.deepEqual(await activeElements(h, waits.id), ['ship']);
    const log = await traceOf(h, waits.id);
    assertInOrder(log, ['element.activated:ready', 'variables.updated', 'variables.updated', 'condition.triggered:ready', 'element.completed:ready', 'element.activated:ship']);
    assert.equal(count(log, 'condition.triggered:ready'), 1);
  });

  it('a job completed with variables, a user task completed and a correlated message each re-evaluate a waiting condition', async () => {
    await deploy(h, bpmn('cond_sources',
      `<startEvent id="s"/><parallelGateway id="fork"/>${job('count', 'cs.count')}${userTask('approve')}<receiveTask id="hear" messageRef="m"/>
       ${catchEvent('w1', '= counted = true')}${catchEvent('w2', '= approved = true')}${catchEvent('w3', '= heard = true')}
       <parallelGateway id="join"/><endEvent id="e"/>`,
      's -> fork; fork -> count; fork -> approve; fork -> hear; fork -> w1; fork -> w2; fork -> w3; count -> join; approve -> join; hear -> join; w1 -> join; w2 -> join; w3 -> join; join -> e',
      message('m', 'cs.heard', '= ref')));
    const { id } = await h.engine.startInstance('cond_sources', { variables: { ref: 'R1' } });
    assert.deepEqual((await activeElements(h, id)).filter((e) => e.startsWith('w')).sort(), ['w1', 'w2', 'w3']);
    await complete(h, 'cs.count', { counted: true });
    assert.deepEqual((await activeElements(h, id)).filter((e) => e.startsWith('w')).sort(), ['w2', 'w3']);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id, { variables: { approved: true }, actor: 'clerk' });
    assert.deepEqual((await activeElements(h, id)).filter((e) => e.startsWith('w')), ['w3']);
    await h.engine.publishMessage({ name: 'cs.heard', correlationKey: 'R1', variables: { heard: true } });
    await assertCompleted(h, id);
  });

  it('only a change the condition can see makes it be evaluated again: a local of another scope does not', async () => {
    await deploy(h, bpmn('cond_scope',
      `<startEvent id="s"/><parallelGateway id="fork"/>
       ${subProcess('side', `<startEvent id="ss"/>${userTask('note')}<endEvent id="se"/>`, 'ss -> note; note -> se', '', '<extensionElements><zeebe:ioMapping><zeebe:input source="= 0" target="notes"/></zeebe:ioMapping></extensionElements>')}
       ${catchEvent('late', '= now() >= date and time("2026-03-02T11:00:00Z")')}<endEvent id="e1"/><endEvent id="e2"/>`,
      's -> fork; fork -> side; fork -> late; side -> e1; late -> e2'));
    h.clock.set('2026-03-02T09:00:00Z');
    const { id } = await h.engine.startInstance('cond_scope', {});
    assert.ok((await activeElements(h, id)).includes('late'));
    h.clock.advance(3 * 3_600_000);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id, { variables: { notes: 1 }, actor: 'clerk' });
    assert.deepEqual(await activeElements(h, id), ['late'], 'the sub-process\'s local changed: the catch event cannot see it and is not evaluated');
    await h.engine.setVariables(id, { seen: true });
    await assertCompleted(h, id);
  });

  it('a conditional filter: only changes of the named variables, of the named kind, make the condition be evaluated again', async () => {
    await deploy(h, bpmn('cond_filter',
      `<startEvent id="s"/><parallelGateway id="fork"/>${catchEvent('byName', '= a + b > 10', { variableNames: 'b' })}${catchEvent('onCreate', '= c > 0', { variableEvents: 'create' })}
       <endEvent id="e1"/><endEvent id="e2"/>`,
      's -> fork; fork -> byName; fork -> onCreate; byName -> e1; onCreate -> e2'));
    const { id } = await h.engine.startInstance('cond_filter', { variables: { a: 1, b: 1, c: 0 } });
    await h.engine.setVariables(id, { a: 100 });
    assert.deepEqual((await activeElements(h, id)).sort(), ['byName', 'onCreate'], 'a change of a is not looked at, though a + b > 10 now holds');
    await h.engine.setVariables(id, { b: 2 });
    assert.deepEqual(await activeElements(h, id), ['onCreate'], 'a change of b is');
    await h.engine.setVariables(id, { c: 5 });
    assert.deepEqual(await activeElements(h, id), ['onCreate'], 'c existed: an update is not a create');
    await h.engine.setVariables(id, { d: 1 });
    await assertCompleted(h, id);
  });

  it('an interrupting conditional boundary event ends its activity when the condition becomes true, and fires on entry when it already holds', async () => {
    await deploy(h, bpmn('cond_boundary',
      `<startEvent id="s"/>${userTask('review')}<boundaryEvent id="withdrawn" attachedToRef="review">${conditional('= withdrawn = true')}</boundaryEvent>
       ${job('close', 'cb.close')}<endEvent id="e"/><endEvent id="done"/>`,
      's -> review; review -> done; withdrawn -> close; close -> e'));
    const { id } = await h.engine.startInstance('cond_boundary', { variables: { withdrawn: false } });
    assert.deepEqual(await activeElements(h, id), ['review']);
    await h.engine.setVariables(id, { withdrawn: true });
    assert.deepEqual(await activeElements(h, id), ['close']);
    assert.equal((await tasksOf(h, id)).filter((t) => t.state === 'open').length, 0, 'the user task was withdrawn');
    const log = await traceOf(h, id);
    assertInOrder(log, ['condition.triggered:review', 'element.terminated:review', 'element.activated:withdrawn', 'element.activated:close']);
    const entry = await h.engine.startInstance('cond_boundary', { variables: { withdrawn: true } });
    assert.deepEqual(await activeElements(h, entry.id), ['close'], 'true when the activity is entered: it fires at once');
  });

  it('a non-interrupting conditional boundary event fires on each change from false to true while its activity runs', async () => {
    await deploy(h, bpmn('cond_nonint',
      `<startEvent id="s"/>${job('work', 'cn.work')}<boundaryEvent id="late" attachedToRef="work" cancelActivity="false">${conditional('= hours > 8')}</boundaryEvent>
       ${job('remind', 'cn.remind')}<endEvent id="e"/><endEvent id="re"/>`,
      's -> work; work -> e; late -> remind; remind -> re'));
    const { id } = await h.engine.startInstance('cond_nonint', { variables: { hours: 1 } });
    await h.engine.setVariables(id, { hours: 9 });
    await h.engine.setVariables(id, { hours: 10 });
    await h.engine.setVariables(id, { hours: 2 });
    await h.engine.setVariables(id, { hours: 12 });
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:late'), 2, 'true, still true, false, true: two rising edges');
    const reminders = await h.engine.activateJobs({ type: 'cn.remind', worker: 'w', maxJobs: 10 });
    assert.equal(reminders.length, 2);
    for (const r of reminders) await h.engine.completeJob(r.id, { worker: 'w' });
    assert.deepEqual(await activeElements(h, id), ['work'], 'the activity goes on');
    await complete(h, 'cn.work', { hours: 20 });
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'element.activated:late'), 2, 'a change made by the completion itself comes after the activity left');
  });

  it('conditional event sub-process starts: interrupting ends the scope\'s work, non-interrupting runs beside it; both only while the scope is active', async () => {
    await deploy(h, bpmn('cond_esp',
      `<startEvent id="s"/>${job('work', 'ce.work')}<endEvent id="e"/>
       ${subProcess('cancelled', `<startEvent id="cs">${conditional('= cancelled = true')}</startEvent>${job('undo', 'ce.undo')}<endEvent id="ce"/>`, 'cs -> undo; undo -> ce', 'triggeredByEvent="true"')}
       ${subProcess('noted', `<startEvent id="ns" isInterrupting="false">${conditional('= priority = "high"', { variableNames: 'priority' })}</startEvent>${job('notify', 'ce.notify')}<endEvent id="ne"/>`, 'ns -> notify; notify -> ne', 'triggeredByEvent="true"')}`,
      's -> work; work -> e'));
    const a = await h.engine.startInstance('cond_esp', { variables: { cancelled: false } });
    await h.engine.setVariables(a.id, { priority: 'high' });
    assert.deepEqual((await activeElements(h, a.id)).sort(), ['noted', 'notify', 'work']);
    await complete(h, 'ce.notify');
    await h.engine.setVariables(a.id, { cancelled: true });
    assert.deepEqual((await activeElements(h, a.id)).sort(), ['cancelled', 'undo']);
    await complete(h, 'ce.undo');
    await assertCompleted(h, a.id);
    const b = await h.engine.startInstance('cond_esp', { variables: { cancelled: false } });
    await complete(h, 'ce.work', { cancelled: true });
    const view = await assertCompleted(h, b.id);
    assert.equal(view.variables['cancelled'], true);
    assert.equal(count(await traceOf(h, b.id), 'condition.triggered'), 0, 'the process had ended: nothing listens any more');
  });

  it('a conditional intermediate event after an event-based gateway wins against a message', async () => {
    await deploy(h, bpmn('cond_race',
      `<startEvent id="s"/><eventBasedGateway id="g"/>${catchEvent('paid', '= paid = true')}<intermediateCatchEvent id="letter">${messageRef('m')}</intermediateCatchEvent><endEvent id="e1"/><endEvent id="e2"/>`,
      's -> g; g -> paid; g -> letter; paid -> e1; letter -> e2', message('m', 'cr.letter', '= ref')));
    const { id } = await h.engine.startInstance('cond_race', { variables: { ref: 'X', paid: false } });
    await h.engine.setVariables(id, { paid: true });
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['condition.triggered:g', 'element.completed:g', 'element.activated:paid', 'element.completed:e1']);
    const late = await rejection(() => h.engine.publishMessage({ name: 'cr.letter', correlationKey: 'X', timeToLiveMs: 0 }));
    assert.equal(late.code, 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED', 'the message subscription was withdrawn');
  });

  it('a condition that fails to evaluate raises an incident naming the event and the FEEL error; resolving it evaluates again', async () => {
    await deploy(h, bpmn('cond_fail',
      `<startEvent id="s"/>${catchEvent('check', '= nosuch(x)')}<endEvent id="e"/>`,
      's -> check; check -> e'));
    const { id } = await h.engine.startInstance('cond_fail', {});
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.ok(incident, 'an incident is raised');
    assert.match(incident.message, /check/);
    assert.match(incident.message, /nosuch/);
    assert.equal(incident.elementId, 'check');
    await h.engine.resolveIncident(incident.id);
    assert.equal((await h.engine.listIncidents({ instanceId: id, state: 'open' })).length, 1, 'still failing: a new incident');

    await deploy(h, bpmn('cond_fail_b',
      `<startEvent id="s"/>${userTask('t')}<boundaryEvent id="watch" attachedToRef="t">${conditional('= (if items = null then nosuch() else count(items)) > 2')}</boundaryEvent><endEvent id="te"/>${job('big', 'cf.big')}<endEvent id="we"/>`,
      's -> t; t -> te; watch -> big; big -> we'));
    const b = await h.engine.startInstance('cond_fail_b', {});
    const [bi] = await h.engine.listIncidents({ instanceId: b.id, state: 'open' });
    assert.ok(bi);
    assert.equal(bi.elementId, 'watch', 'the incident names the boundary event');
    assert.match(bi.message, /watch/);
    assert.deepEqual(await activeElements(h, b.id), ['t'], 'the activity goes on');
    await h.engine.setVariables(b.id, { items: [1, 2, 3] });
    assert.deepEqual(await activeElements(h, b.id), ['t'], 'a failed event listens no more until its incident is resolved');
    await h.engine.resolveIncident(bi.id);
    assert.deepEqual(await activeElements(h, b.id), ['big']);
    assert.equal((await h.engine.listIncidents({ instanceId: b.id, state: 'open' })).length, 0);

    const c = await h.engine.startInstance('cond_fail_b', {});
    assert.equal((await h.engine.listIncidents({ instanceId: c.id, state: 'open' })).length, 1);
    const [ct] = await tasksOf(h, c.id);
    await h.engine.completeTask(ct!.id, { actor: 'clerk' });
    await assertCompleted(h, c.id);
    assert.equal((await h.engine.listIncidents({ instanceId: c.id, state: 'open' })).length, 0, 'the activity left: its boundary event\'s incident is moot');
  });

  it('root-level conditional start events: the evaluation call starts every latest process whose condition holds, with the variables', async () => {
    const started = (id: string, condition: string) => bpmn(id, `<startEvent id="cs">${conditional(condition)}</startEvent>${job('t', `${id}.t`)}<endEvent id="e"/>`, 'cs -> t; t -> e');
    await deploy(h, started('cond_root_a', '= amount > 100'), 'a.bpmn');
    await deploy(h, started('cond_root_b', '= amount > 1000'), 'b.bpmn');
    const none = await h.engine.evaluateConditionalStarts({ variables: { amount: 50 } });
    assert.deepEqual(none.startedInstances, []);
    const one = await h.engine.evaluateConditionalStarts({ variables: { amount: 500 }, actor: 'api' });
    assert.equal(one.startedInstances.length, 1);
    const view = await h.engine.getInstance(one.startedInstances[0]!);
    assert.equal(view.processKey, 'cond_root_a');
    assert.equal(view.variables['amount'], 500);
    assert.deepEqual(await activeElements(h, view.id), ['t']);
    const both = await h.engine.evaluateConditionalStarts({ variables: { amount: 5000 } });
    assert.equal(both.startedInstances.length, 2);
    const onlyB = await h.engine.evaluateConditionalStarts({ variables: { amount: 5000 }, processKey: 'cond_root_b' });
    assert.equal(onlyB.startedInstances.length, 1);
    await deploy(h, started('cond_root_bad', '= nosuch(amount)'), 'bad.bpmn');
    const before = await rowCount(h, 'select 1 from process_instance');
    const refused = await rejection(() => h.engine.evaluateConditionalStarts({ variables: { amount: 5000 } }));
    assert.equal(refused.code, 'GOVFLOW_ERR_FEEL_EVALUATION');
    assert.match(refused.message, /cs/);
    assert.equal(await rowCount(h, 'select 1 from process_instance'), before, 'a failed evaluation starts nothing');
  });

  it('refused at deploy: a JUEL condition, a missing condition, and a delete variable event', async () => {
    const cases: [string, string, RegExp][] = [
      ['juel', conditional('${x > 1}'), /JUEL/],
      ['missing', '<conditionalEventDefinition/>', /has no condition/],
    ];
    for (const [name, definition, pattern] of cases) {
      const refused = await rejection(() => deploy(h, bpmn(`cond_bad_${name}`, `<startEvent id="s"/><intermediateCatchEvent id="c">${definition}</intermediateCatchEvent><endEvent id="e"/>`, 's -> c; c -> e')));
      assert.match(refused.message, pattern, name);
    }
    const camunda = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <process id="cond_c7" isExecutable="true"><startEvent id="s"/><intermediateCatchEvent id="c"><conditionalEventDefinition camunda:variableName="x" camunda:variableEvents="delete"><condition xsi:type="tFormalExpression">= x = null</condition></conditionalEventDefinition></intermediateCatchEvent><endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="c"/><sequenceFlow id="f2" sourceRef="c" targetRef="e"/></process></definitions>`;
    const refused = await rejection(() => deploy(h, camunda));
    assert.match(refused.message, /variable event 'delete' of conditional event c is not supported/);
  });
});
