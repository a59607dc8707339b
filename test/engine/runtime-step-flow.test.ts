/**
 * How tokens move on, straight through the pure runtime (applyCommand, no database), for `npm run mutate --
 * engine-runtime`: a completion whose outgoing flow cannot be evaluated, inclusive joins that fire late, wait for an
 * upstream join or receive two tokens on one flow, scopes that end while a join elsewhere waits, terminate end
 * events, nested output targets, and what multi-instance expressions are called in their incidents. Expected
 * outcomes follow BPMN 2.0: an inclusive join fires once no token that can still reach one of its empty incoming
 * flows is left, consuming one token per flow; a terminate end event ends its own scope only; a condition that
 * cannot be evaluated stops the token where it is (an incident) until it is resolved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpmn, escapeXml, ioMapping, job, subProcess, userTask } from './bpmn.js';
import { started } from './pure-instance.js';

/** Holds only once `ok` is true; before that it cannot be evaluated (there is no function `nosuchfn`). */
const guarded = (condition: string) => `if ok = true then ${condition} else nosuchfn(1)`;
const listeners = (...entries: string[]) => `<zeebe:executionListeners>${entries.map((e) => {
  const [eventType, type] = e.split('|');
  return `<zeebe:executionListener eventType="${eventType}" type="${escapeXml(type!)}"/>`;
}).join('')}</zeebe:executionListeners>`;

describe('runtime: an outgoing flow that cannot be evaluated', () => {
  it('is an incident on the finished task; resolving it completes the task again with the job\'s variables, through its output mappings', async () => {
    const t = job('t', 'w.t', ioMapping({}, { total: '= amount' }));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}${userTask('big')}${userTask('small')}`, `s -> t; t -> big [= ${guarded('total > 10')}] as toBig; t -> small (default)`));
    i.completeJob('t', { amount: 50 });
    const [incident] = i.effectsOf('incident');
    assert.equal(incident?.elementId, 't');
    assert.equal(incident?.kind, 'expression');
    assert.match(incident!.message, /^condition of flow toBig of t could not be evaluated: .*nosuchfn/);
    assert.equal(i.token('t').wait, 'incident');
    assert.deepEqual(i.waiting(), ['t'], 'neither flow is taken');
    assert.deepEqual(i.effectsOf('createJob').length, 1);

    i.send({ type: 'setVariables', variables: { ok: true } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.deepEqual(i.waiting(), ['big'], 'the output mapping saw the job\'s amount again: total is 50');
    assert.equal(i.variables['total'], 50);
    assert.equal(i.variables['amount'], undefined, 'the job\'s variables went through the mapping only');
    assert.equal(i.effectsOf('createJob').length, 1, 'the task is not run again');
    assert.deepEqual(i.trace('element.completed'), ['element.completed:s', 'element.completed:t']);
  });

  it('after the end listeners: resolving it moves on without running them again', async () => {
    const t = job('t', 'w.t', listeners('end|l.end'));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}${userTask('big')}${userTask('small')}`, `s -> t; t -> big [= ${guarded('n > 10')}] as toBig; t -> small (default)`), { n: 20 });
    i.completeJob('t');
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['w.t', 'l.end']);
    i.completeJob('t', { n: 5 });
    assert.equal(i.effectsOf('incident').length, 1);
    assert.equal(i.variables['n'], 5, 'the listener\'s variables are set before the flow is chosen');
    i.send({ type: 'setVariables', variables: { ok: true } });
    i.send({ type: 'resolveIncident', elementInstance: i.token('t').id });
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['w.t', 'l.end'], 'no second end listener job');
    assert.deepEqual(i.waiting(), ['small'], 'n is 5 now: the default flow');
  });

  it('an exclusive gateway\'s condition that fails is an incident on the gateway naming the flow', async () => {
    const i = await started(bpmn('p', `<startEvent id="s"/><exclusiveGateway id="g"/>${userTask('a')}${userTask('b')}`, `s -> g; g -> a [= ${guarded('true')}] as toA; g -> b (default)`));
    assert.match(i.effectsOf('incident')[0]!.message, /^condition of flow toA of g could not be evaluated/);
    assert.equal(i.effectsOf('incident')[0]!.elementId, 'g');
  });
});

describe('runtime: an inclusive gateway that joins and forks', () => {
  // Both branches are taken; b's branch may leave through x instead of reaching the join, so the join can only
  // fire once b has chosen: then, with the queue empty, as a late firing.
  const model = (joinExtra = '', joinOut = 'j -> c1 [= n > 1]; j -> c2 [= n > 10]') => bpmn('p',
    `<startEvent id="s"/><inclusiveGateway id="g"/>${userTask('a')}${userTask('b')}<exclusiveGateway id="x"/>${userTask('away')}<inclusiveGateway id="j">${joinExtra ? `<extensionElements>${joinExtra}</extensionElements>` : ''}</inclusiveGateway>${userTask('c1')}${userTask('c2')}`,
    `s -> g; g -> a [= true]; g -> b [= true]; a -> j; b -> x; x -> j [= route = "join"]; x -> away (default); ${joinOut}`);

  it('fires once the last token that could reach it went elsewhere, and takes every flow whose condition holds', async () => {
    const i = await started(model(), { n: 50, route: 'skip' });
    i.completeTask('a');
    assert.ok(!i.activated().includes('j'), 'b can still reach the join');
    i.completeTask('b');
    assert.deepEqual(i.waiting(), ['away', 'c1', 'c2']);
    assert.deepEqual(i.activated().filter((id) => id === 'j'), ['j'], 'activated once');
    assert.deepEqual(i.trace('element.completed').filter((e) => e.endsWith(':j')), ['element.completed:j']);
  });

  it('with no condition holding and no default flow it is an incident, as when it fires at once', async () => {
    const i = await started(model(), { n: 0, route: 'skip' });
    i.completeTask('a');
    i.completeTask('b');
    assert.deepEqual(i.effectsOf('incident').map((e) => [e.elementId, e.kind]), [['j', 'condition']]);
    assert.match(i.effectsOf('incident')[0]!.message, /no outgoing flow of j/);
    assert.deepEqual(i.waiting(), ['away', 'j']);
  });

  it('runs its start listeners before moving on', async () => {
    const i = await started(model(listeners('start|l.j')), { n: 5, route: 'skip' });
    i.completeTask('a');
    i.completeTask('b');
    assert.deepEqual(i.waiting(), ['away', 'j'], 'the join waits for its listener');
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['l.j']);
    i.completeJob('j');
    assert.deepEqual(i.waiting(), ['away', 'c1']);
  });

  it('consumes one token per incoming flow: a second token on the same flow passes it again', async () => {
    // t1 and t2 both lead to m, so m -> j carries two tokens; c's branch leaves through x.
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('t1')}${userTask('t2')}${userTask('m')}${userTask('c')}<exclusiveGateway id="x"/>${userTask('away')}<inclusiveGateway id="j"/>${userTask('after')}`,
      's -> f; f -> t1; f -> t2; f -> c; t1 -> m; t2 -> m; m -> j; c -> x; x -> j [= false]; x -> away (default); j -> after');
    const i = await started(xml);
    i.completeTask('t1');
    i.completeTask('t2');
    i.completeTask('m');
    i.completeTask('m');
    assert.ok(!i.activated().includes('j'), 'c can still reach the join');
    i.completeTask('c');
    assert.deepEqual(i.waiting(), ['after', 'after', 'away'], 'two tokens arrived on m -> j: the join fired twice');
  });

  it('fires when every incoming flow has a token, even while another token upstream could arrive again', async () => {
    // c leads to b, so a token at c is upstream of b -> j; a and b have both arrived.
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}${userTask('b')}${userTask('c')}<inclusiveGateway id="j"/>${userTask('after')}`,
      's -> f; f -> a; f -> b; f -> c; c -> b; a -> j; b -> j; j -> after');
    const i = await started(xml);
    i.completeTask('a');
    i.completeTask('b');
    assert.deepEqual(i.waiting(), ['after', 'c']);
  });

  it('waits for an upstream inclusive join that still waits, and fires once after it', async () => {
    // j1 -> j2 and c -> j2: c arrives first, then a at j1; b leaves through x, so j1 fires late — j2 must not
    // fire before it with c alone.
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}${userTask('b')}${userTask('c')}<exclusiveGateway id="x"/>${userTask('away')}<inclusiveGateway id="j1"/><inclusiveGateway id="j2"/>${userTask('after')}`,
      's -> f; f -> a; f -> b; f -> c; a -> j1; b -> x; x -> j1 [= false]; x -> away (default); j1 -> j2; c -> j2; j2 -> after');
    const i = await started(xml);
    i.completeTask('c');
    i.completeTask('a');
    assert.deepEqual(i.waiting(), ['b']);
    i.completeTask('b');
    assert.deepEqual(i.waiting(), ['after', 'away'], 'after is reached once, with both tokens');
    assert.deepEqual(i.activated().filter((id) => id === 'j2'), ['j2']);
  });

  it('waits for a token on its way in the same step', async () => {
    // g sends one token straight to j and one through the pass-through m: both arrive in the same step.
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="g"/><manualTask id="m"/><inclusiveGateway id="j"/>${userTask('after')}`,
      's -> g; g -> j; g -> m; m -> j; j -> after');
    const i = await started(xml);
    assert.deepEqual(i.waiting(), ['after']);
    assert.deepEqual(i.activated().filter((id) => id === 'j'), ['j'], 'fired once, with both tokens');
  });

  it('in parallel sub-process instances a join waits only for upstream joins of its own instance', async () => {
    // Instance 2 takes b and c too; its j1 waits for b. Instance 1 takes only a: its j1 and then j2 fire at once.
    const inner = subProcess('per', `<startEvent id="ss"/><inclusiveGateway id="g"/>${userTask('a')}${userTask('b')}${userTask('c')}<inclusiveGateway id="j1"/><inclusiveGateway id="j2"/><endEvent id="se"/>`,
      'ss -> g; g -> a [= true]; g -> b [= item = 2]; g -> c [= item = 2]; a -> j1; b -> j1; j1 -> j2; c -> j2; j2 -> se', '',
      '<multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= [1, 2]" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics>');
    const i = await started(bpmn('p', `<startEvent id="s"/>${inner}${userTask('after')}`, 's -> per; per -> after'));
    const inInstance = (item: number) => i.tokens().find((t) => t.elementId === 'a' && i.state!.tokens[t.scope!]!.vars?.['item'] === item)!;
    i.send({ type: 'taskCompleted', elementInstance: inInstance(2).id, variables: {} });
    i.send({ type: 'taskCompleted', elementInstance: inInstance(1).id, variables: {} });
    assert.deepEqual(i.waiting(), ['b', 'c'], 'instance 1 finished beside instance 2\'s waiting j1');
    assert.equal(i.trace('element.completed').filter((e) => e === 'element.completed:per').length, 1);
  });

  it('in parallel sub-process instances each instance\'s join waits only for its own tokens', async () => {
    const inner = subProcess('per', `<startEvent id="ss"/><inclusiveGateway id="g"/>${userTask('a')}${userTask('b')}<inclusiveGateway id="j"/><endEvent id="se"/>`,
      'ss -> g; g -> a [= true]; g -> b [= item = 2]; a -> j; b -> j; j -> se', '', '<multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="= [1, 2]" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics>');
    const i = await started(bpmn('p', `<startEvent id="s"/>${inner}${userTask('after')}`, 's -> per; per -> after'));
    assert.deepEqual(i.waiting(), ['a', 'a', 'b']);
    const first = i.tokens().find((t) => t.elementId === 'a' && i.state!.tokens[t.scope!]!.vars?.['item'] === 1)!;
    i.send({ type: 'taskCompleted', elementInstance: first.id, variables: {} });
    assert.deepEqual(i.waiting(), ['a', 'b'], 'the first instance finished: its join did not wait for the second instance\'s tokens');
    assert.equal(i.trace('element.completed').filter((e) => e === 'element.completed:per').length, 1);
  });
});

describe('runtime: scopes ending', () => {
  it('a sub-process completes while a join outside it waits for it', async () => {
    const sub = subProcess('S', `<startEvent id="ss"/>${userTask('inner')}<endEvent id="se"/>`, 'ss -> inner; inner -> se');
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}${sub}<inclusiveGateway id="j"/>${userTask('after')}`,
      's -> f; f -> a; f -> S; a -> j; S -> j; j -> after');
    const i = await started(xml);
    i.completeTask('a');
    i.completeTask('inner');
    assert.deepEqual(i.waiting(), ['after']);
    assert.deepEqual(i.trace('element.completed').filter((e) => e === 'element.completed:S'), ['element.completed:S']);
  });

  it('a terminate end event ends its sub-process only: the sub-process completes, a join outside keeps its token', async () => {
    const sub = subProcess('S', `<startEvent id="ss"/><parallelGateway id="sf"/>${userTask('inner')}<endEvent id="stop"><terminateEventDefinition/></endEvent>`, 'ss -> sf; sf -> inner; sf -> stop');
    const i = await started(bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${userTask('a')}${userTask('go')}${sub}<parallelGateway id="j"/>${userTask('after')}`,
      's -> f; f -> a; f -> go; go -> S; a -> j; S -> j; j -> after'));
    i.completeTask('a');
    i.completeTask('go');
    assert.deepEqual(i.waiting(), ['after'], 'S ended at its terminate event and moved on; the join still had a\'s token');
    assert.deepEqual(i.trace('element.terminated'), ['element.terminated:inner']);
    assert.deepEqual(i.trace('element.completed').filter((e) => e === 'element.completed:S'), ['element.completed:S']);
    assert.equal(i.status, 'active');
  });

  it('a sub-process whose branches end in the same step completes once: one run of its end listeners, one incident', async () => {
    // sf sends both tokens to end events at once, so both reach the end of the sub-process in one step.
    const inner = '<startEvent id="ss"/><parallelGateway id="sf"/><endEvent id="e1"/><endEvent id="e2"/>';
    const innerFlows = 'ss -> sf; sf -> e1; sf -> e2';
    const withListener = subProcess('S', inner, innerFlows, '', `<extensionElements>${listeners('end|l.end')}</extensionElements>`);
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('go')}${withListener}${userTask('after')}`, 's -> go; go -> S; S -> after'));
    i.completeTask('go');
    assert.deepEqual(i.effectsOf('createJob').map((j) => j.jobType), ['l.end']);
    i.completeJob('S');
    assert.deepEqual(i.waiting(), ['after']);
    assert.equal(i.trace('element.completed').filter((e) => e === 'element.completed:S').length, 1);

    const failing = await started(bpmn('p', `<startEvent id="s"/>${userTask('go')}${subProcess('S', inner, innerFlows)}${userTask('after')}${userTask('other')}`,
      `s -> go; go -> S; S -> after [= ${guarded('true')}]; S -> other (default)`));
    failing.completeTask('go');
    assert.deepEqual(failing.effectsOf('incident').map((e) => e.elementId), ['S']);
    assert.equal(failing.token('S').wait, 'incident');
    // While S waits in its incident, nothing completes it again.
    failing.send({ type: 'setVariables', variables: { unrelated: 1 } });
    assert.equal(failing.effectsOf('incident').length, 1);
    failing.send({ type: 'setVariables', variables: { ok: true } });
    failing.send({ type: 'resolveIncident', elementInstance: failing.token('S').id });
    assert.deepEqual(failing.waiting(), ['after']);
  });

  it('a sub-process that ends while another branch is still on its way completes', async () => {
    // The manual tasks pass at once, so their operations are in the queue when S is found empty: another scope's
    // operations must not hold S. S with and without a nested sub-process meets them at different points.
    const chain = [1, 2, 3, 4, 5, 6, 7].map((n) => `<manualTask id="m${n}"/>`).join('');
    const nested = subProcess('S2', '<startEvent id="s2s"/><endEvent id="s2e"/>', 's2s -> s2e');
    for (const [inner, innerFlows] of [['', 'ss -> se'], [nested, 'ss -> S2; S2 -> se']] as const) {
      const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${subProcess('S', `<startEvent id="ss"/>${inner}<endEvent id="se"/>`, innerFlows)}${chain}${userTask('u')}${userTask('afterS')}`,
        's -> f; f -> S; f -> m1; m1 -> m2; m2 -> m3; m3 -> m4; m4 -> m5; m5 -> m6; m6 -> m7; m7 -> u; S -> afterS');
      const i = await started(xml);
      assert.deepEqual(i.waiting(), ['afterS', 'u'], inner ? 'S with a nested sub-process' : 'S with a start and an end');
    }
  });

  it('an event sub-process that completes releases what it listened for', async () => {
    const nested = subProcess('inner', '<startEvent id="is" isInterrupting="false"><messageEventDefinition messageRef="m"/></startEvent><endEvent id="ie"/>', 'is -> ie', 'triggeredByEvent="true"');
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false"><conditionalEventDefinition><condition xsi:type="tFormalExpression">= level &gt; 2</condition></conditionalEventDefinition></startEvent>${userTask('alert')}<endEvent id="ee"/>${nested}`,
      'es -> alert; alert -> ee', 'triggeredByEvent="true"');
    const i = await started(bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e', '<message id="m" name="poke"/>'), { level: 0 });
    i.send({ type: 'setVariables', variables: { level: 3 } });
    const instance = i.token('esp').id;
    assert.ok(i.effectsOf('subscribe').some((e) => e.elementInstance === instance), 'the nested message start listens');
    i.completeTask('alert');
    assert.deepEqual(i.trace('element.completed').filter((e) => e === 'element.completed:esp'), ['element.completed:esp']);
    assert.ok(i.effectsOf('cancelWaits').some((e) => e.elementInstance === instance), 'and stops listening when its event sub-process completes');
    assert.deepEqual(i.waiting(), ['work']);
  });

  it('a sub-process held by the incident of its outgoing flow stays there when an event sub-process inside it ends', async () => {
    const esp = subProcess('note', `<startEvent id="ns" isInterrupting="false"><conditionalEventDefinition><condition xsi:type="tFormalExpression">= poke = true</condition></conditionalEventDefinition></startEvent><endEvent id="ne"/>`, 'ns -> ne', 'triggeredByEvent="true"');
    const sub = subProcess('S', `<startEvent id="ss"/>${userTask('inner')}<endEvent id="se"/>${esp}`, 'ss -> inner; inner -> se');
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}${userTask('after')}${userTask('other')}`, `s -> S; S -> after [= ${guarded('true')}]; S -> other (default)`));
    i.completeTask('inner');
    assert.equal(i.token('S').wait, 'incident');
    i.send({ type: 'setVariables', variables: { poke: true } });
    assert.deepEqual(i.trace('element.completed').filter((e) => e === 'element.completed:note'), ['element.completed:note'], 'the event sub-process ran');
    assert.equal(i.token('S').wait, 'incident', 'S still waits for its incident to be resolved');
    assert.equal(i.effectsOf('incident').length, 1);
  });

  it('a task completed by an inline handler in the step its scope is terminated is not completed', async () => {
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${job('t', 'inline.ok')}<endEvent id="stop"><terminateEventDefinition/></endEvent>${userTask('after')}`,
      's -> f; f -> t; f -> stop; t -> after');
    const i = await started(xml, {}, { inline: { 'inline.ok': () => ({ done: true }) } });
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.trace('element.terminated'), ['element.terminated:t']);
    assert.ok(!i.activated().includes('after'));
  });

  it('a terminate end event reached after its start listener ends its sub-process', async () => {
    // The listener job makes the terminate happen in a later step, when no check of the sub-process is pending.
    const stop = `<endEvent id="stop"><extensionElements>${listeners('start|l.stop')}</extensionElements><terminateEventDefinition/></endEvent>`;
    const sub = subProcess('S', `<startEvent id="ss"/><parallelGateway id="sf"/>${userTask('inner')}${stop}`, 'ss -> sf; sf -> inner; sf -> stop');
    const i = await started(bpmn('p', `<startEvent id="s"/>${sub}${userTask('after')}`, 's -> S; S -> after'));
    assert.deepEqual(i.waiting(), ['inner', 'stop']);
    i.completeJob('stop');
    assert.deepEqual(i.trace('element.terminated'), ['element.terminated:inner']);
    assert.deepEqual(i.waiting(), ['after']);
  });

  it('a terminate end event at the top ends the instance; a task in incident there is released', async () => {
    const xml = bpmn('p', `<startEvent id="s"/><parallelGateway id="f"/>${job('bad', '= nosuchfn(1)')}${userTask('go')}<endEvent id="stop"><terminateEventDefinition/></endEvent>`,
      's -> f; f -> bad; f -> go; go -> stop');
    const i = await started(xml);
    const bad = i.token('bad').id;
    assert.equal(i.token('bad').wait, 'incident');
    assert.deepEqual(i.effectsOf('incident').map((e) => e.kind), ['expression']);
    assert.match(i.effectsOf('incident')[0]!.message, /^job type of bad could not be evaluated/);
    i.completeTask('go');
    assert.equal(i.status, 'completed');
    assert.deepEqual(i.effectsOf('resolveIncidents').map((e) => e.elementInstance), [bad]);
  });
});

describe('runtime: variables', () => {
  it('an output target with a path sets a field, making a non-object an object', async () => {
    const t = job('t', 'w.t', ioMapping({}, { 'a.b': '= 1', 'l.x': '= 2', 'n.y': '= 3', 's.z': '= 4', 'o.k': '= 5' }));
    const i = await started(bpmn('p', `<startEvent id="s"/>${t}<endEvent id="e"/>`, 's -> t; t -> e'), { l: [1], n: null, s: 'text', o: { keep: true } });
    i.completeJob('t');
    assert.deepEqual(i.variables, { a: { b: 1 }, l: { x: 2 }, n: { y: 3 }, s: { z: 4 }, o: { keep: true, k: 5 } });
  });
});

describe('runtime: multi-instance expressions and waits', () => {
  const mi = (loop: string, extra = '') => `<serviceTask id="w"><extensionElements><zeebe:taskDefinition type="w"/></extensionElements><multiInstanceLoopCharacteristics isSequential="false">${loop}</multiInstanceLoopCharacteristics></serviceTask>${extra}`;
  const collection = (attrs: string) => `<extensionElements><zeebe:loopCharacteristics ${attrs}/></extensionElements>`;

  it('an expression of the loop that cannot be evaluated is an incident that says which one', async () => {
    const cases: [string, string, (i: Awaited<ReturnType<typeof started>>) => void][] = [
      ['input collection', collection('inputCollection="= nosuchfn(1)" inputElement="x"'), () => {}],
      ['loop cardinality', '<loopCardinality>= nosuchfn(1)</loopCardinality>', () => {}],
      ['output element', collection('inputCollection="= [1]" inputElement="x" outputCollection="out" outputElement="= nosuchfn(x)"'), (i) => i.completeJob('w')],
      ['completion condition', `${collection('inputCollection="= [1, 2]" inputElement="x"')}<completionCondition>= nosuchfn(1)</completionCondition>`, (i) => i.completeJob('w')],
    ];
    for (const [what, loop, drive] of cases) {
      const i = await started(bpmn('p', `<startEvent id="s"/>${mi(loop)}<endEvent id="e"/>`, 's -> w; w -> e'));
      drive(i);
      const incidents = i.effectsOf('incident');
      assert.equal(incidents.length, 1, what);
      assert.equal(incidents[0]!.elementId, 'w');
      assert.equal(incidents[0]!.kind, 'expression');
      assert.ok(incidents[0]!.message.startsWith(`${what} of w could not be evaluated`), `${what}: ${incidents[0]!.message}`);
      assert.equal(i.status, 'active');
    }
  });

  it('what an instance and the body waited for is released when they complete: each job, the body\'s timer', async () => {
    const timerBoundary = '<boundaryEvent id="late" attachedToRef="w"><timerEventDefinition><timeDuration xsi:type="tFormalExpression">PT1H</timeDuration></timerEventDefinition></boundaryEvent><endEvent id="e2"/>';
    const i = await started(bpmn('p', `<startEvent id="s"/>${mi(collection('inputCollection="= [1, 2]" inputElement="x"'), timerBoundary)}<endEvent id="e"/>`, 's -> w; w -> e; late -> e2'));
    const body = i.tokens().find((t) => t.elementId === 'w' && t.mi)!.id;
    const inner = i.tokens().filter((t) => t.elementId === 'w' && t.wait === 'job').map((t) => t.id);
    assert.equal(inner.length, 2);
    i.completeJob('w');
    assert.deepEqual(i.effectsOf('cancelWaits').map((e) => e.elementInstance), [inner[0]]);
    i.completeJob('w');
    assert.deepEqual(i.effectsOf('cancelWaits').map((e) => e.elementInstance), [...inner, body], 'the boundary timer goes with the body');
    assert.equal(i.status, 'completed');
  });
});

describe('runtime: the process ending', () => {
  it('a finished top-level instance releases its event sub-process subscriptions and notifies no parent', async () => {
    const esp = subProcess('esp', `<startEvent id="es" isInterrupting="false"><messageEventDefinition messageRef="m"/></startEvent><endEvent id="ee"/>`, 'es -> ee', 'triggeredByEvent="true"');
    const xml = bpmn('p', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>${esp}`, 's -> work; work -> e', '<message id="m" name="poke"/>');
    const i = await started(xml);
    const root = i.root().id;
    i.completeTask('work');
    assert.equal(i.status, 'completed');
    assert.ok(i.effectsOf('cancelWaits').some((e) => e.elementInstance === root), 'the message start of the event sub-process stops listening');
    assert.deepEqual(i.effectsOf('notifyParent'), []);
  });
});
