/**
 * The compiled, validated form of a BPMN process: what the runtime executes and what is stored as
 * `process_definition.model`. Plain JSON so it survives the database round trip unchanged; expressions stay as
 * FEEL text (validated at deploy time, compiled lazily and cached at run time).
 */
export const ELEMENT_TYPES = [
  'startEvent', 'endEvent', 'intermediateCatchEvent', 'intermediateThrowEvent', 'boundaryEvent',
  'task', 'userTask', 'serviceTask', 'sendTask', 'receiveTask', 'manualTask', 'scriptTask', 'businessRuleTask',
  'exclusiveGateway', 'parallelGateway', 'inclusiveGateway', 'eventBasedGateway',
  'subProcess', 'callActivity',
] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

export type EventKind = 'none' | 'message' | 'timer' | 'signal' | 'error' | 'escalation' | 'terminate' | 'link' | 'compensation' | 'cancel' | 'conditional';

export interface TimerSpec {
  readonly type: 'duration' | 'date' | 'cycle';
  /** ISO 8601 text, or a FEEL expression when it starts with `=`. */
  readonly expression: string;
}

export interface EventSpec {
  readonly kind: EventKind;
  readonly messageName?: string;
  /** FEEL expression (without the leading `=`) giving the correlation key. */
  readonly correlationKey?: string;
  readonly timer?: TimerSpec;
  readonly signalName?: string;
  /** Error or escalation code; undefined on a catch event means "catch all". */
  readonly code?: string;
  readonly linkName?: string;
  /** A compensation throw or end event: the one activity it compensates (same scope); absent for all of them. */
  readonly activityRef?: string;
  /** A conditional event: its FEEL condition (without `=`). */
  readonly condition?: string;
  /** A conditional event's filter (zeebe:conditionalFilter, camunda:variableName/variableEvents): absent = any. */
  readonly variableNames?: readonly string[];
  readonly variableEvents?: readonly ('create' | 'update')[];
}

/** A FEEL expression (`source`) whose value is written to a variable path (`target`, dots for nesting). */
export interface Mapping {
  readonly source: string;
  readonly target: string;
}

export interface MultiInstanceSpec {
  readonly sequential: boolean;
  readonly inputCollection?: string;
  readonly inputElement?: string;
  readonly outputCollection?: string;
  readonly outputElement?: string;
  readonly loopCardinality?: string;
  readonly completionCondition?: string;
}

export interface UserTaskSpec {
  readonly assignee?: string;
  readonly candidateGroups?: string;
  readonly candidateUsers?: string;
  readonly dueDate?: string;
  readonly followUpDate?: string;
  readonly formKey?: string;
  /** Which deployed version of the form the task shows; absent: `latest` (see FormBindingSpec). */
  readonly formBinding?: FormBindingSpec;
  readonly priority?: string;
}

/**
 * Which deployed form a user task shows (Zeebe `bindingType` on `zeebe:formDefinition`), resolved for the task's
 * creation: the one deployed with the process version, or the newest carrying a version tag (the form's own
 * `versionTag`). Latest, the default, is the newest form deployed when the task was created.
 */
export type FormBindingSpec = { readonly type: 'deployment' } | { readonly type: 'versionTag'; readonly versionTag: string };

/**
 * Which version of a decision a business-rule task runs. Absent: the newest version when the case starts
 * (`latest`). `deployment`: the newest version deployed no later than the process version, i.e. with it
 * (Zeebe `bindingType="deployment"`, Camunda 7 `decisionRefBinding="deployment"`). `version`: that version number
 * (Camunda 7 `decisionRefBinding="version"` + `decisionRefVersion`). `versionTag`: the newest version carrying that
 * tag (Zeebe `bindingType="versionTag"` + `versionTag`, Camunda 7 `decisionRefVersionTag`). Every kind is resolved
 * when the case starts and recorded on it.
 */
export type DecisionBindingSpec =
  | { readonly type: 'deployment' }
  | { readonly type: 'version'; readonly version: number }
  | { readonly type: 'versionTag'; readonly versionTag: string };

export interface DecisionSpec {
  readonly decisionId: string;
  readonly resultVariable: string;
  /** Left out for `latest`, so models compiled before bindings existed keep their checksum. */
  readonly binding?: DecisionBindingSpec;
}

/**
 * A Zeebe execution listener: a job of `jobType` (static or `=FEEL`) run before the element starts its work
 * (`start`) or after it completed, before the flow moves on (`end`). The element waits for each in turn.
 */
export interface ListenerSpec {
  readonly eventType: 'start' | 'end';
  readonly jobType: string;
  readonly retries: number;
  /** The listener's own headers; the element's headers are added under them when the job is created. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A Zeebe user task listener: a job of `jobType` (static or `=FEEL`) the task's lifecycle transition waits for
 * (`creating`: before the task is offered; `assigning`: before an assignee change takes effect; `completing`:
 * before the task completes). The job may deny the transition (not `creating`) or correct the task's attributes.
 */
export interface TaskListenerSpec {
  readonly eventType: 'creating' | 'assigning' | 'completing';
  readonly jobType: string;
  readonly retries: number;
}

export interface ElementModel {
  readonly id: string;
  readonly type: ElementType;
  readonly name?: string;
  /** The enclosing sub-process, or null at process level. */
  readonly parent: string | null;
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
  readonly defaultFlow?: string;
  readonly event?: EventSpec;
  /** Boundary events: the activity they are attached to, and whether they interrupt it. */
  readonly attachedTo?: string;
  readonly cancelActivity?: boolean;
  /** Activities: the boundary events attached to them. */
  readonly boundaryEvents?: readonly string[];
  /** Service/send tasks and message throw events handled by workers: the job type. */
  readonly taskType?: string;
  readonly retries?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly userTask?: UserTaskSpec;
  readonly inputs?: readonly Mapping[];
  readonly outputs?: readonly Mapping[];
  readonly script?: { readonly expression: string; readonly resultVariable?: string };
  readonly decision?: DecisionSpec;
  readonly calledElement?: {
    readonly processId: string;
    readonly propagateAllChildVariables: boolean;
    readonly propagateAllParentVariables: boolean;
  };
  readonly multiInstance?: MultiInstanceSpec;
  /** Sub-processes: an event sub-process is started by its start event, not by a flow. */
  readonly triggeredByEvent?: boolean;
  /** Scopes (sub-processes): their none start event and their event sub-processes. */
  readonly startEvent?: string;
  readonly eventSubProcesses?: readonly string[];
  /** Execution listeners in model order; left out when there are none (so older models keep their checksum). */
  readonly listeners?: readonly ListenerSpec[];
  /** An activity with a compensation boundary event: its handler (the activity marked isForCompensation). */
  readonly compensationHandler?: string;
  /** A compensation handler: it runs only when compensation is thrown, never through a flow. */
  readonly isForCompensation?: boolean;
  /** A transaction sub-process: a cancel end event inside compensates it and leaves through its cancel boundary. */
  readonly transaction?: boolean;
  /** User tasks: their task listeners in model order; left out when there are none. */
  readonly taskListeners?: readonly TaskListenerSpec[];
  /** Where it is in the source file, for messages that point at it. */
  readonly line?: number;
}

export interface FlowModel {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** FEEL condition (without `=`), if any. */
  readonly condition?: string;
}

export interface ProcessModel {
  readonly id: string;
  readonly name?: string;
  readonly isExecutable: boolean;
  readonly elements: Readonly<Record<string, ElementModel>>;
  readonly flows: Readonly<Record<string, FlowModel>>;
  /** The process-level none start event (instances started by the API begin there). */
  readonly startEvent?: string;
  /** Process-level start events with a trigger (message, timer, signal). */
  readonly triggeredStartEvents: readonly string[];
  readonly eventSubProcesses: readonly string[];
  /**
   * For inclusive joins: per gateway, the elements from which a token can still reach it (same scope).
   * Precomputed so the join check at run time is a set lookup.
   */
  readonly inclusiveJoinSources: Readonly<Record<string, readonly string[]>>;
  /** The process's own execution listeners (start: before its start event; end: before it completes). */
  readonly listeners?: readonly ListenerSpec[];
}
