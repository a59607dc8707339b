/**
 * The engine's public shapes: its options, what a deployment returns, and the views of instances, events, tasks,
 * jobs and incidents that callers read; plus the small conversions from the engine's rows to those views.
 */
import { GovflowError, type Logger } from '../kernel/index.js';
import type { Clock } from './clock.js';
import type { EventType } from './event-types.js';
import type { InstanceRow } from './persistence/instance-store.js';
import type { InlineHandler, Token, Variables } from './runtime/types.js';

/** What the engine needs from a decision service (DMN); wired in by the composition root so the engine stays small. */
export interface DecisionEngine {
  /** Validates a DMN file and lists its decisions; throws a coded error naming the element when it cannot load. */
  describe(xml: string, source: string): { decisions: { id: string; name: string; versionTag?: string | undefined }[] };
  /**
   * Evaluates one decision of a DMN file; results are deterministic. `now` is the step's clock, which FEEL's
   * now() and today() read (never the machine's), so a replay on any later date gives the same result.
   */
  evaluate(xml: string, source: string, decisionId: string, context: Variables, now: Date): { value: unknown; explanation: unknown };
}

export interface EngineOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly inlineHandlers?: Record<string, InlineHandler>;
  readonly decisions?: DecisionEngine;
  /** How long a message waits for a subscriber when nobody waits yet (ms); per message overridable. */
  readonly defaultMessageTtlMs?: number;
  /** Lock duration for activated jobs when the worker does not say (ms). */
  readonly defaultJobLockMs?: number;
}

export interface DeployResource {
  readonly name: string;
  readonly content: string;
}

export interface DeployedProcess {
  readonly id: number;
  readonly key: string;
  readonly version: number;
  readonly name: string | null;
  /** False when the model was identical to the latest version, which was kept. */
  readonly isNew: boolean;
}

export interface DeploymentResult {
  readonly deploymentId: number;
  readonly processes: DeployedProcess[];
  readonly decisions: { id: number; key: string; version: number; isNew: boolean; versionTag?: string }[];
  readonly warnings: string[];
}

export interface ProcessInstanceView {
  readonly id: number;
  readonly definitionId: number;
  readonly processKey: string;
  readonly version: number;
  readonly businessKey: string | null;
  readonly state: string;
  readonly variables: Variables;
  readonly parentInstanceId: number | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** Where the instance is now: the elements holding a token, with what they wait for. */
  readonly activeElements: { elementId: string; elementInstance: string; waitingFor: string | null }[];
}

export interface EventView {
  readonly id: number;
  readonly seq: number | null;
  readonly type: EventType;
  readonly elementId: string | null;
  readonly elementInstance: string | null;
  readonly actor: string | null;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
}

export interface TaskView {
  readonly id: number;
  readonly instanceId: number;
  readonly processKey: string;
  readonly elementId: string;
  readonly name: string | null;
  readonly state: string;
  readonly assignee: string | null;
  readonly candidateGroups: string[];
  readonly candidateUsers: string[];
  readonly formKey: string | null;
  readonly dueAt: string | null;
  readonly followUpAt: string | null;
  readonly priority: number;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly completedBy: string | null;
  /** A transition that waits for the task's listeners (the staff member sees "waiting for checks"). */
  readonly pending?: 'assigning' | 'completing';
  /** The last transition a task listener denied, with its reason (until the next one starts). */
  readonly denied?: { readonly event: 'assigning' | 'completing'; readonly reason: string | null };
}

export interface ActivatedJob {
  readonly id: number;
  readonly type: string;
  readonly instanceId: number;
  readonly processKey: string;
  readonly elementId: string;
  readonly elementInstance: string;
  readonly retries: number;
  readonly headers: Record<string, string>;
  readonly variables: Variables;
  readonly lockExpiresAt: string;
  /** Stable across retries and re-locks: make the job's side effect happen once per key. */
  readonly idempotencyKey: string;
  /**
   * Set on a listener's job (Zeebe's listener event type): an execution listener's (start, end) or a user task
   * listener's (creating, assigning, completing); absent on the element's own job.
   */
  readonly listener?: 'start' | 'end' | 'creating' | 'assigning' | 'completing';
}

export interface IncidentView {
  readonly id: number;
  readonly instanceId: number;
  readonly elementId: string;
  readonly elementInstance: string | null;
  readonly jobId: number | null;
  readonly kind: string;
  readonly message: string;
  readonly state: string;
  readonly createdAt: string;
}

/** PostgreSQL's JSON text of a timestamptz in UTC: `2026-12-07T02:53:17.870123+00:00`, the fraction trimmed or absent. */
const PG_UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00:00$/;

export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  // A page's events arrive as JSON text, dozens a page: the same string a Date would give (milliseconds, the rest
  // cut off), without parsing it into one first; any other form still goes through Date.
  const utc = PG_UTC_TIMESTAMP.exec(value);
  if (!utc) return new Date(value).toISOString();
  const fraction = utc[2] ?? '';
  return `${utc[1]}.${fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0')}Z`;
}

/** Where an instance is now: the elements holding a token, with what they wait for. */
export function activeElementsOf(tokens: Readonly<Record<string, Token>>): ProcessInstanceView['activeElements'] {
  return Object.values(tokens).filter((t) => t.scope !== null).map((t) => ({ elementId: t.elementId, elementInstance: t.id, waitingFor: t.wait ?? null }));
}

export function instanceView(row: Omit<InstanceRow, 'decision_bindings'> & { version: number }): ProcessInstanceView {
  return {
    id: row.id, definitionId: row.definition_id, processKey: row.process_key, version: row.version, businessKey: row.business_key,
    state: row.state, variables: row.variables, parentInstanceId: row.parent_instance_id, startedAt: iso(row.started_at)!, endedAt: iso(row.ended_at),
    activeElements: activeElementsOf(row.execution.tokens ?? {}),
  };
}

/** Process variables overlaid by the locals of every scope around an element instance (what a worker sees). */
export function visibleVariables(variables: Variables, tokens: Readonly<Record<string, Token>>, elementInstance: string): Variables {
  const chain: Token[] = [];
  for (let t: Token | undefined = tokens[elementInstance]; t; t = t.scope ? tokens[t.scope] : undefined) chain.push(t);
  let context: Variables = { ...variables };
  for (let i = chain.length - 1; i >= 0; i--) if (chain[i]!.vars) context = { ...context, ...chain[i]!.vars };
  return context;
}

/** Input is validated once, at the engine's edge: variables are a JSON object of name → value. */
export function checkVariables(variables: unknown, what = 'variables'): Variables {
  if (variables === undefined || variables === null) return {};
  if (typeof variables !== 'object' || Array.isArray(variables)) {
    throw new GovflowError('GOVFLOW_ERR_VARIABLE_TYPE', `${what} must be a JSON object of name → value`, [{ where: what, message: `got ${Array.isArray(variables) ? 'an array' : typeof variables}` }]);
  }
  return variables as Variables;
}
