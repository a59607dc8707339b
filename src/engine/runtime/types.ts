import type { RuntimeEventType } from '../event-types.js';

/** The runtime's data: execution state stored per instance, the commands that drive it, and what it asks of storage. */

export type WaitKind = 'job' | 'task' | 'message' | 'timer' | 'signal' | 'call' | 'gateway' | 'scope' | 'mi' | 'incident' | 'compensation' | 'conditional';

export interface MultiInstanceState {
  readonly sequential: boolean;
  items: unknown[] | null;
  total: number;
  next: number;
  completed: number;
  active: number;
  outputs: unknown[];
}

/** One element instance (a token), including scopes: the process itself, sub-processes and multi-instance bodies. */
export interface Token {
  readonly id: string;
  readonly elementId: string;
  /** The enclosing scope's token id; null for the process itself. */
  readonly scope: string | null;
  wait?: WaitKind;
  /** Local variables (input mappings, multi-instance element, loop counter). */
  vars?: Record<string, unknown>;
  mi?: MultiInstanceState;
  /** Multi-instance inner instance: its index in the collection. */
  index?: number;
  /** An event sub-process instance. */
  esp?: boolean;
  /** Something was scheduled for this token (job, timer, subscription, task) that must be cancelled with it. */
  hasWaits?: boolean;
  /**
   * What to retry when an incident on this token is resolved: the activation from its input mappings (`inputs`) or
   * from its boundary events (`boundaries`), with the variables that triggered it in `vars`; its behaviour
   * (`activate`); or its completion (`complete`, with `listenersDone` when the end listeners have run).
   */
  incident?: { phase: 'inputs' | 'boundaries' | 'activate' | 'complete'; vars?: Record<string, unknown>; takeFlows?: string[]; listenersDone?: boolean };
  /**
   * The execution listener this token waits for: which kind, which one (index into the element's listeners of that
   * kind), and what the element continues with once the last one completed (trigger or completion variables, the
   * flows a gateway chose, the start event a process begins at).
   */
  listener?: { event: 'start' | 'end'; index: number; vars?: Record<string, unknown>; takeFlows?: string[]; startEventId?: string };
  /**
   * A compensation throw or end event (or a transaction's cancel end event) running handlers: those still to run,
   * in order, one at a time as the throw's children; `cancel` leaves the transaction through its cancel boundary.
   */
  compensation?: { pending: Compensable[]; cancel?: boolean };
  /** The user task lifecycle transition waiting for its task listeners (see task-listeners.ts). */
  taskListener?: TaskListenerState;
  /** How many transitions with task listeners the task has had: keeps their jobs' idempotency keys apart. */
  taskRound?: number;
  /** The last transition a task listener denied, until the next one starts (the workbench shows the reason). */
  taskDenied?: { event: 'assigning' | 'completing'; reason: string | null };
}

/**
 * A completed activity whose compensation handler has not run. `scope` is the live scope it belongs to: when an
 * embedded sub-process (or a multi-instance body) completes, its records move to the enclosing scope and the
 * sub-process's element id is added to `within`, so compensating the scope (or that sub-process by activityRef)
 * still finds them. `vars`: the locals (item, loop counter) of the multi-instance instance it completed in, given to
 * its handler.
 */
export interface Compensable {
  readonly elementId: string;
  scope: string;
  within?: string[];
  vars?: Record<string, unknown>;
}

/** A user task's attributes a task listener sees in its job headers and may correct. */
export interface TaskAttributes {
  assignee: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  dueAt: string | null;
  followUpAt: string | null;
  priority: number;
}

export type TaskListenerEvent = 'creating' | 'assigning' | 'completing';
export type TaskAction = 'create' | 'claim' | 'unclaim' | 'assign' | 'complete';

export interface TaskListenerState {
  event: TaskListenerEvent;
  /** Index into the task's listeners of this event. */
  index: number;
  round: number;
  action: TaskAction;
  /** The task as the next listener sees it: the transition's change and the corrections so far. */
  task: TaskAttributes;
  /** The task before the transition (to tell what changed). */
  before: TaskAttributes;
  /** The task as the transition asked for it, before any correction (where a retried transition starts again). */
  requested: TaskAttributes;
  /** The user task's row id (absent while creating: there is no row yet). */
  taskId?: number;
  /** Completing: the completion variables; both: who asked for the transition. */
  vars?: Record<string, unknown>;
  actor?: string | null;
}

/**
 * What a worker may return with a user task listener's job (Camunda's job result, `POST /v2/jobs/{key}/completion`
 * body `result`): deny the transition, or correct the task's attributes.
 */
export interface JobResult {
  readonly denied?: boolean;
  readonly deniedReason?: string;
  readonly corrections?: TaskCorrections;
}

export interface TaskCorrections {
  readonly assignee?: string;
  readonly dueDate?: string;
  readonly followUpDate?: string;
  readonly candidateUsers?: readonly string[];
  readonly candidateGroups?: readonly string[];
  readonly priority?: number;
}

export interface ExecutionState {
  nextId: number;
  tokens: Record<string, Token>;
  /** Arrivals at joining gateways: key `${scopeTokenId}|${gatewayId}` → the flows that arrived. */
  joins: Record<string, string[]>;
  /** Completed activities with a compensation handler, in order of completion; absent until there is one. */
  compensable?: Compensable[];
  /** Conditional events waiting for their condition to become true; absent until there is one. */
  conditions?: ConditionWatch[];
}

/**
 * A conditional event that listens: an intermediate catch event (owner = its own token, or the event-based gateway
 * before it), a boundary event (owner = the activity) or an event sub-process start (owner = the scope). `held`:
 * the condition was true when last evaluated (a non-interrupting event fires again only after it was false);
 * `fresh`: not evaluated yet (evaluated once whatever changed); `failed`: its evaluation raised an incident.
 */
export interface ConditionWatch {
  readonly owner: string;
  readonly elementId: string;
  held?: boolean;
  fresh?: boolean;
  failed?: boolean;
}

export type Variables = Record<string, unknown>;

export type Command =
  | { readonly type: 'start'; readonly variables: Variables; readonly startEventId?: string }
  | { readonly type: 'jobCompleted'; readonly elementInstance: string; readonly variables: Variables; readonly result?: JobResult }
  | { readonly type: 'jobError'; readonly elementInstance: string; readonly errorCode: string; readonly message?: string; readonly variables: Variables }
  | { readonly type: 'taskCompleted'; readonly elementInstance: string; readonly variables: Variables }
  /** A task transition its task listeners must let through first (the engine sends it only when there are some). */
  | {
      readonly type: 'taskTransition'; readonly elementInstance: string; readonly event: 'assigning' | 'completing'; readonly action: TaskAction;
      readonly taskId: number; readonly task: TaskAttributes; readonly assignee?: string | null; readonly variables?: Variables; readonly actor: string | null;
    }
  | { readonly type: 'trigger'; readonly trigger: 'message' | 'timer' | 'signal'; readonly elementId: string; readonly elementInstance: string; readonly variables: Variables }
  | { readonly type: 'childCompleted'; readonly elementInstance: string; readonly variables: Variables }
  | { readonly type: 'childError'; readonly elementInstance: string; readonly errorCode: string; readonly message?: string; readonly variables: Variables }
  | { readonly type: 'resolveIncident'; readonly elementInstance: string }
  | { readonly type: 'setVariables'; readonly variables: Variables; readonly elementInstance?: string; readonly local?: boolean }
  | { readonly type: 'cancel'; readonly reason?: string };

export interface EngineEvent {
  readonly type: RuntimeEventType;
  readonly elementId?: string;
  readonly elementInstance?: string;
  readonly data: Record<string, unknown>;
}

export type Effect =
  | {
      readonly type: 'createJob'; readonly elementId: string; readonly elementInstance: string; readonly jobType: string; readonly retries: number; readonly headers: Record<string, string>;
      /** An execution listener's job: its own idempotency key (the element's job comes after it on the same token). */
      readonly listener?: { readonly event: 'start' | 'end' | TaskListenerEvent; readonly index: number; readonly round?: number };
    }
  | { readonly type: 'createTimer'; readonly elementId: string; readonly elementInstance: string; readonly dueAt: string; readonly cycle?: string }
  | {
      readonly type: 'createTask'; readonly elementId: string; readonly elementInstance: string; readonly name: string | null;
      readonly assignee: string | null; readonly candidateGroups: string[]; readonly candidateUsers: string[];
      readonly dueAt: string | null; readonly followUpAt: string | null; readonly formKey: string | null; readonly priority: number;
    }
  /** Applies a task transition its listeners let through: changed attributes, and the completion if it is one. */
  | { readonly type: 'updateTask'; readonly elementInstance: string; readonly changes: Partial<TaskAttributes>; readonly completedBy?: string | null }
  | { readonly type: 'subscribe'; readonly kind: 'message' | 'signal'; readonly name: string; readonly correlationKey: string | null; readonly elementId: string; readonly elementInstance: string }
  /** Removes jobs, timers, subscriptions and open tasks owned by a token (only those of `elementIds` when given). */
  | { readonly type: 'cancelWaits'; readonly elementInstance: string; readonly elementIds?: string[] }
  | { readonly type: 'startChild'; readonly elementInstance: string; readonly processId: string; readonly variables: Variables }
  | { readonly type: 'cancelChild'; readonly elementInstance: string }
  | { readonly type: 'notifyParent'; readonly command: Command }
  | { readonly type: 'broadcastSignal'; readonly name: string; readonly variables: Variables }
  | { readonly type: 'publishMessage'; readonly name: string; readonly correlationKey: string | null; readonly variables: Variables }
  | { readonly type: 'incident'; readonly elementId: string; readonly elementInstance: string; readonly kind: string; readonly message: string }
  | { readonly type: 'resolveIncidents'; readonly elementInstance: string };

export type InstanceStatus = 'active' | 'completed' | 'terminated';

export interface DecisionOutcome {
  readonly value: unknown;
  /** Which decision and version ran, which rules matched and why; stored with the event. */
  readonly explanation: unknown;
  readonly decisionKey: string;
  readonly version?: number;
}

/**
 * Which deployed decision a business-rule task runs: resolved outside the step when the instance starts (see
 * `zeebe:calledDecision bindingType` / `camunda:decisionRefBinding`) and recorded on the instance, so a case keeps
 * the decision it started with whatever is deployed later, and a replay needs nothing but the recorded binding.
 */
export interface DecisionBinding {
  readonly decisionKey: string;
  readonly decisionDefinitionId: number;
  readonly version: number;
  readonly versionTag?: string | null;
}

/** A case's bindings, by business-rule task element id (`process_instance.decision_bindings`). */
export type DecisionBindings = Readonly<Record<string, DecisionBinding>>;

/** A bound decision with its evaluator: pure, deterministic, and given the step's clock for FEEL's now()/today(). */
export interface BoundDecision extends DecisionBinding {
  evaluate(context: Variables, now: Date): { value: unknown; explanation: unknown };
}

export interface RuntimeHooks {
  /** Service-task types run synchronously inside the step's transaction (pure, fast, deterministic). */
  readonly inlineHandlers: ReadonlyMap<string, InlineHandler>;
}

export type InlineHandler = (input: { readonly variables: Variables; readonly headers: Readonly<Record<string, string>>; readonly elementId: string }) => Variables | undefined;
