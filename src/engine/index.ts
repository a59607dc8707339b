/** The process engine: BPMN 2.0 compiled at deploy time and executed durably on the store. */
export { BUILTIN_HANDLERS as builtinInlineHandlers, createEngine, Engine, instanceWithEventsJson, parseInstanceWithEvents } from './engine.js';
export type {
  ActivatedJob, DecisionEngine, DeployedProcess, DeploymentResult, DeployResource, EngineOptions, EventView, IncidentView, ProcessInstanceView, TaskView,
} from './engine.js';
export { createManualClock, systemClock } from './clock.js';
export type { Clock, ManualClock } from './clock.js';
export { createDmnDecisionService } from './decision-service.js';
export { CASE_EVENT_TYPES, ENGINE_APPENDED_EVENT_TYPES, isEventType, RUNTIME_EVENT_TYPES } from './event-types.js';
export type { CaseEventType, EngineAppendedEventType, EventType, RuntimeEventType } from './event-types.js';
export { compileBpmn, MAX_BPMN_BYTES } from './model/compile-bpmn.js';
export { EXTENSION_TABLE } from './model/extensions.js';
export type { ExtensionHandling } from './model/extensions.js';
export type { CompiledDeployment } from './model/compile-bpmn.js';
export type { DecisionBindingSpec, DecisionSpec, ElementModel, FormBindingSpec, ProcessModel } from './model/types.js';
export { applyCommand } from './runtime/execution.js';
export { conditionalStartsHolding } from './runtime/conditional-events.js';
export { computeTimer } from './runtime/timers.js';
export type { StepInput, StepResult } from './runtime/execution.js';
export type {
  BoundDecision, Command, DecisionBinding, DecisionBindings, EngineEvent, ExecutionState, InlineHandler, RuntimeHooks, Variables,
} from './runtime/types.js';
export { JobBpmnError, startWorkerLoop } from './worker-loop.js';
export type { JobHandler } from './worker-loop.js';
export type { WorkerLoop, WorkerLoopOptions } from './worker-loop.js';
export { moveCaseTimer } from './persistence/work-store.js';
export { deployedTaskForm } from './persistence/deployed-forms.js';
export type { DeployedTaskForm } from './persistence/deployed-forms.js';
export { caseElementEvents, caseProcessKey, caseStartedAt, deployedReach, deployedSource, instanceOfJob, isDecisionDeployed, latestDecisionVersion, latestDecisionVersions, listDeployedDefinitions, processDefinitionId } from './persistence/shared-reads.js';
export type { DeployedDefinition, ElementReach } from './persistence/shared-reads.js';
export {
  applicantOfInstanceSql, caseFamily, casesAmong, endedCasesSql, eraseInstanceVariables, eventsWithData, instanceForExport, instancesOfApplicant,
} from './persistence/personal-data.js';
export { workBacklog } from './persistence/backlog.js';
export type { WorkBacklog } from './persistence/backlog.js';
