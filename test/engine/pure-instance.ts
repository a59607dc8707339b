/**
 * One process instance driven through the pure runtime (applyCommand: no database, no engine), one command at a
 * time as the engine would, keeping every event and effect. The pure runtime tests use it so that
 * `npm run mutate -- engine-runtime` can run them in a second per mutant.
 */
import assert from 'node:assert/strict';
import { applyCommand, compileBpmn, type Command, type ExecutionState, type InlineHandler, type ProcessModel, type StepResult, type Variables } from '../../src/engine/index.js';

type Token = ExecutionState['tokens'][string];
type JobResult = NonNullable<Extract<Command, { type: 'jobCompleted' }>['result']>;

export const NOW = new Date('2026-05-04T09:00:00Z');

type Event = StepResult['events'][number];
type Effect = StepResult['effects'][number];

export class PureInstance {
  state: ExecutionState | null = null;
  variables: Variables = {};
  status = 'active';
  now = NOW;
  readonly events: Event[] = [];
  readonly effects: Effect[] = [];
  /** The last step's events and effects only. */
  last: StepResult | undefined;
  constructor(readonly model: ProcessModel, private readonly options: { hasParent?: boolean; inline?: Record<string, InlineHandler>; decisions?: Parameters<typeof applyCommand>[0]['decisions'] } = {}) {}

  send(command: Command): StepResult {
    const result = applyCommand(
      { model: this.model, state: this.state, variables: this.variables, now: this.now, hasParent: this.options.hasParent ?? false, ...(this.options.decisions ? { decisions: this.options.decisions } : {}) },
      command,
      { inlineHandlers: new Map(Object.entries(this.options.inline ?? {})) },
    );
    this.state = result.state;
    this.variables = result.variables;
    this.status = result.status;
    this.events.push(...result.events);
    this.effects.push(...result.effects);
    this.last = result;
    return result;
  }

  start(variables: Variables = {}, startEventId?: string): StepResult {
    return this.send({ type: 'start', variables, ...(startEventId ? { startEventId } : {}) });
  }

  tokens(): Token[] {
    return Object.values(this.state?.tokens ?? {});
  }

  /** The one live token of an element. */
  token(elementId: string): Token {
    const found = this.tokens().filter((t) => t.elementId === elementId);
    assert.equal(found.length, 1, `one token of ${elementId}, found ${found.length}: ${JSON.stringify(this.tokens())}`);
    return found[0]!;
  }

  /** Element ids of the tokens waiting now (not scopes), sorted. */
  waiting(): string[] {
    return this.tokens().filter((t) => t.wait !== undefined && t.wait !== 'scope' && t.wait !== 'mi').map((t) => t.elementId).sort();
  }

  /** `type:elementId` of every event so far (or only of the given types). */
  trace(...types: string[]): string[] {
    return this.events.filter((e) => types.length === 0 || types.includes(e.type)).map((e) => (e.elementId ? `${e.type}:${e.elementId}` : e.type));
  }

  activated(): string[] {
    return this.events.filter((e) => e.type === 'element.activated').map((e) => e.elementId!);
  }

  effectsOf<T extends Effect['type']>(type: T): Extract<Effect, { type: T }>[] {
    return this.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
  }

  /** The first token of an element waiting for `wait` (in order of creation). */
  waitingFor(elementId: string, wait: Token['wait']): Token {
    const found = this.tokens().filter((t) => t.elementId === elementId && t.wait === wait).sort((a, b) => Number(a.id) - Number(b.id));
    assert.ok(found[0], `a token of ${elementId} waits for a ${wait}: ${JSON.stringify(this.tokens())}`);
    return found[0];
  }

  completeJob(elementId: string, variables: Variables = {}, result?: JobResult): StepResult {
    return this.send({ type: 'jobCompleted', elementInstance: this.waitingFor(elementId, 'job').id, variables, ...(result ? { result } : {}) });
  }

  jobError(elementId: string, errorCode: string, variables: Variables = {}): StepResult {
    return this.send({ type: 'jobError', elementInstance: this.waitingFor(elementId, 'job').id, errorCode, variables });
  }

  completeTask(elementId: string, variables: Variables = {}): StepResult {
    return this.send({ type: 'taskCompleted', elementInstance: this.waitingFor(elementId, 'task').id, variables });
  }

  /** The data of the only event of `type` (of `elementId` when given). */
  data(type: string, elementId?: string): Record<string, unknown> {
    const found = this.events.filter((e) => e.type === type && (elementId === undefined || e.elementId === elementId));
    assert.equal(found.length, 1, `one ${type} event${elementId ? ` of ${elementId}` : ''}, found ${found.length}`);
    return found[0]!.data;
  }

  /** A message, timer or signal for `catchId`, owned by the token of `ownerId` (the catch event, its gateway or the activity it is attached to). */
  trigger(trigger: 'message' | 'timer' | 'signal', catchId: string, ownerId = catchId, variables: Variables = {}): StepResult {
    return this.send({ type: 'trigger', trigger, elementId: catchId, elementInstance: this.token(ownerId).id, variables });
  }

  /** A trigger for an event sub-process start, owned by the scope's token (the process: its root). */
  triggerScope(trigger: 'message' | 'timer' | 'signal', startId: string, scopeToken: Token, variables: Variables = {}): StepResult {
    return this.send({ type: 'trigger', trigger, elementId: startId, elementInstance: scopeToken.id, variables });
  }

  root(): Token {
    const found = this.tokens().find((t) => t.scope === null);
    assert.ok(found, 'the instance has a root token');
    return found;
  }
}

export async function compile(xml: string, processId?: string): Promise<ProcessModel> {
  const { processes } = await compileBpmn(xml, 'p.bpmn');
  const found = processId ? processes.find((p) => p.id === processId) : processes[0];
  assert.ok(found, `process ${processId ?? '(first)'} compiled`);
  return found;
}

export async function started(xml: string, variables: Variables = {}, options?: ConstructorParameters<typeof PureInstance>[1]): Promise<PureInstance> {
  const instance = new PureInstance(await compile(xml), options);
  instance.start(variables);
  return instance;
}

/** Each expected field of an event's data (events also carry the element's type and name). */
export function assertFields(data: Record<string, unknown> | undefined, expected: Record<string, unknown>): void {
  assert.ok(data, 'the event exists');
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(data[key], value, `${key} of ${JSON.stringify(data)}`);
}
