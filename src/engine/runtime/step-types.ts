import type { ProcessModel } from '../model/types.js';
import type { BoundDecision, Effect, EngineEvent, ExecutionState, InstanceStatus, Variables } from './types.js';

export interface StepInput {
  readonly model: ProcessModel;
  readonly state: ExecutionState | null;
  readonly variables: Variables;
  /** The step's clock: every time the runtime computes comes from here, so replays are exact. */
  readonly now: Date;
  readonly hasParent: boolean;
  /**
   * The decisions the instance is bound to, by business-rule task element id. Passed in, never looked up from
   * inside the step: what is deployed today cannot change what a step does (or what its replay does).
   */
  readonly decisions?: Readonly<Record<string, BoundDecision>>;
}

export interface StepResult {
  readonly state: ExecutionState;
  readonly variables: Variables;
  readonly events: EngineEvent[];
  readonly effects: Effect[];
  readonly status: InstanceStatus;
}
