/**
 * Which flows a step takes, straight through the pure runtime (applyCommand, no database): exclusive and inclusive
 * gateways with the default flow in any position, conditional flows out of a task, and parallel and inclusive joins.
 * Expected paths are worked out from BPMN 2.0's rules. The database-backed gateway tests cover the same through the
 * engine; this file is what `npm run mutate -- engine-runtime` runs first, a second per mutant instead of a minute.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCommand, compileBpmn, type Command, type ExecutionState, type ProcessModel, type StepResult, type Variables } from '../../src/engine/index.js';
import { bpmn, userTask } from './bpmn.js';

const NOW = new Date('2026-05-04T09:00:00Z');

/** An instance driven one command at a time, as the engine does, keeping every event it produced. */
class Instance {
  state: ExecutionState | null = null;
  variables: Variables = {};
  status = 'active';
  readonly events: StepResult['events'] = [];
  readonly effects: StepResult['effects'] = [];
  constructor(private readonly model: ProcessModel) {}

  send(command: Command): StepResult {
    const result = applyCommand({ model: this.model, state: this.state, variables: this.variables, now: NOW, hasParent: false }, command, { inlineHandlers: new Map() });
    this.state = result.state;
    this.variables = result.variables;
    this.status = result.status;
    this.events.push(...result.events);
    this.effects.push(...result.effects);
    return result;
  }

  /** Element ids activated so far, in order. */
  activated(): string[] {
    return this.events.filter((e) => e.type === 'element.activated').map((e) => e.elementId!);
  }

  /** The user tasks waiting now, by element id. */
  waitingTasks(): string[] {
    return Object.values(this.state?.tokens ?? {}).filter((t) => t.wait === 'task').map((t) => t.elementId).sort();
  }

  complete(elementId: string, variables: Variables = {}): StepResult {
    const token = Object.values(this.state!.tokens).find((t) => t.elementId === elementId && t.wait === 'task');
    assert.ok(token, `task ${elementId} is waiting`);
    return this.send({ type: 'taskCompleted', elementInstance: token.id, variables });
  }
}

async function start(body: string, flows: string, variables: Variables): Promise<Instance> {
  const { processes } = await compileBpmn(bpmn('p', body, flows), 'p.bpmn');
  const instance = new Instance(processes[0]!);
  instance.send({ type: 'start', variables });
  return instance;
}

const tasks = (...ids: string[]): string => ids.map((id) => userTask(id)).join('');

describe('runtime: exclusive gateway', () => {
  const body = `<startEvent id="s"/><exclusiveGateway id="g"/>${tasks('a', 'b', 'c')}`;
  // The default flow first in the XML: it must be skipped while another condition holds.
  const defaultFirst = 's -> g; g -> a (default); g -> b [= x > 1]; g -> c [= x > 10]';

  it('takes the first flow whose condition holds, skipping a default flow listed before it', async () => {
    assert.deepEqual((await start(body, defaultFirst, { x: 5 })).waitingTasks(), ['b']);
    // Two conditions hold: only the first in document order.
    assert.deepEqual((await start(body, defaultFirst, { x: 50 })).waitingTasks(), ['b']);
  });

  it('takes the default flow only when no condition holds', async () => {
    const instance = await start(body, defaultFirst, { x: 0 });
    assert.deepEqual(instance.waitingTasks(), ['a']);
    assert.deepEqual(instance.activated(), ['s', 'g', 'a']);
  });

  it('takes an unconditioned flow as holding', async () => {
    assert.deepEqual((await start(body, 's -> g; g -> a (default); g -> b [= x > 1]; g -> c', { x: 0 })).waitingTasks(), ['c']);
  });

  it('raises an incident at the gateway when nothing holds and there is no default, and goes nowhere', async () => {
    const instance = await start(body, 's -> g; g -> b [= x > 1]; g -> c [= x > 10]', { x: 0 });
    assert.deepEqual(instance.waitingTasks(), []);
    const incident = instance.effects.find((e) => e.type === 'incident');
    assert.ok(incident && incident.type === 'incident', JSON.stringify(instance.effects));
    assert.equal(incident.elementId, 'g');
    assert.equal(incident.kind, 'condition');
    assert.match(incident.message, /no outgoing flow of g/);
    assert.equal(instance.status, 'active');
  });
});

describe('runtime: inclusive gateway', () => {
  const body = `<startEvent id="s"/><inclusiveGateway id="g"/>${tasks('a', 'b', 'c')}<inclusiveGateway id="j"/><endEvent id="e"/>`;
  const flows = 's -> g; g -> a (default); g -> b [= x > 1]; g -> c [= x > 10]; a -> j; b -> j; c -> j; j -> e';

  it('takes every flow whose condition holds and not the default; the join waits for exactly those', async () => {
    const instance = await start(body, flows, { x: 50 });
    assert.deepEqual(instance.waitingTasks(), ['b', 'c']);
    instance.complete('b');
    assert.equal(instance.status, 'active', 'the join waits for c, which can still arrive');
    assert.ok(!instance.activated().includes('j'), 'the join has not fired');
    instance.complete('c');
    assert.equal(instance.status, 'completed');
    assert.deepEqual(instance.activated().filter((id) => id === 'j' || id === 'e'), ['j', 'e'], 'the join fired once');
  });

  it('with one condition holding the join fires when that branch arrives', async () => {
    const instance = await start(body, flows, { x: 5 });
    assert.deepEqual(instance.waitingTasks(), ['b']);
    instance.complete('b');
    assert.equal(instance.status, 'completed');
  });

  it('takes the default flow when no condition holds', async () => {
    const instance = await start(body, flows, { x: 0 });
    assert.deepEqual(instance.waitingTasks(), ['a']);
    instance.complete('a');
    assert.equal(instance.status, 'completed');
  });
});

describe('runtime: flows out of a task and parallel joins', () => {
  it('a task takes its unconditioned flows and those whose condition holds; its default only when none holds', async () => {
    const body = `<startEvent id="s"/>${tasks('t', 'a', 'b', 'c')}`;
    const flows = 's -> t; t -> a [= x > 1]; t -> b (default); t -> c';
    const held = await start(body, flows, {});
    held.complete('t', { x: 5 });
    assert.deepEqual(held.waitingTasks(), ['a', 'c']);
    const none = await start(body, flows, {});
    none.complete('t', { x: 0 });
    assert.deepEqual(none.waitingTasks(), ['b', 'c']);
  });

  it('a task with one outgoing flow takes it even when it is marked default', async () => {
    const instance = await start(`<startEvent id="s"/>${tasks('t', 'a')}`, 's -> t; t -> a (default)', {});
    instance.complete('t');
    assert.deepEqual(instance.waitingTasks(), ['a']);
  });

  it('a task with a default flow and an unconditioned one takes only the unconditioned one', async () => {
    const instance = await start(`<startEvent id="s"/>${tasks('t', 'a', 'b')}`, 's -> t; t -> a (default); t -> b', {});
    instance.complete('t');
    assert.deepEqual(instance.waitingTasks(), ['b']);
  });

  it('a condition written on a default flow does not make it conditional: it is still taken only when no other condition holds', async () => {
    const instance = await start(`<startEvent id="s"/>${tasks('t', 'a', 'b')}`, 's -> t; t -> a [= true] (default); t -> b', {});
    instance.complete('t');
    assert.deepEqual(instance.waitingTasks(), ['b']);
  });

  it('a parallel join waits for every incoming flow, then continues once; the process then completes', async () => {
    const body = `<startEvent id="s"/><parallelGateway id="f"/>${tasks('a', 'b')}<parallelGateway id="j"/><endEvent id="e"/>`;
    const instance = await start(body, 's -> f; f -> a; f -> b; a -> j; b -> j; j -> e', {});
    assert.deepEqual(instance.waitingTasks(), ['a', 'b']);
    instance.complete('b', { fromB: 1 });
    assert.equal(instance.status, 'active');
    assert.ok(!instance.activated().includes('e'));
    instance.complete('a', { fromA: 2 });
    assert.equal(instance.status, 'completed');
    assert.deepEqual(instance.activated().filter((id) => id === 'e'), ['e']);
    assert.deepEqual(instance.variables, { fromA: 2, fromB: 1 });
    assert.deepEqual(instance.state?.tokens ?? {}, {});
  });
});
