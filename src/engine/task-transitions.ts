import { GovflowError } from '../kernel/index.js';
import type { ProcessModel } from './model/types.js';
import type { InstanceRow } from './persistence/instance-store.js';
import type { JobResult, TaskCorrections, TaskListenerEvent } from './runtime/types.js';

/**
 * The engine's edge for user task listeners (runtime/task-listeners.ts): whether a transition has listeners to
 * wait for, whether a task is already waiting for some, and the job result a listener's worker returns.
 */

/** Whether a user task has listeners of `event` (of any event when left out). */
export function hasTaskListeners(model: ProcessModel, elementId: string, event?: TaskListenerEvent): boolean {
  return model.elements[elementId]?.taskListeners?.some((l) => event === undefined || l.eventType === event) === true;
}

/** A task whose transition waits for its listeners takes no other change until they are done (as in Camunda 8). */
export function refusePendingTask(instance: Pick<InstanceRow, 'execution'> | undefined, task: { id: number; element_instance: string }): void {
  const pending = instance?.execution.tokens[task.element_instance]?.taskListener;
  if (pending) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `task ${task.id} waits for its ${pending.event} task listeners; try again when they are done`);
}

const CORRECTION_KEYS = new Set(['assignee', 'dueDate', 'followUpDate', 'candidateUsers', 'candidateGroups', 'priority']);

/**
 * Camunda's job result (`POST /v2/jobs/{key}/completion` body `result`): `denied`, `deniedReason`, `corrections`
 * (a null correction keeps the attribute, as in Camunda; "" clears a date or the assignee, [] a list).
 */
export function checkJobResult(value: unknown): JobResult | undefined {
  if (value === undefined || value === null) return undefined;
  const bad = (message: string) => new GovflowError('GOVFLOW_ERR_VALIDATION', `job result: ${message}`, [{ where: 'result', message }]);
  if (typeof value !== 'object' || Array.isArray(value)) throw bad('must be an object with denied, deniedReason and corrections');
  const { denied, deniedReason, corrections, type, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw bad(`unknown field ${Object.keys(rest).join(', ')}`);
  if (type !== undefined && type !== null && type !== 'userTask') throw bad(`type '${String(type)}' is not userTask`);
  if (denied !== undefined && denied !== null && typeof denied !== 'boolean') throw bad('denied must be true or false');
  if (deniedReason !== undefined && deniedReason !== null && typeof deniedReason !== 'string') throw bad('deniedReason must be text');
  const result: { denied?: boolean; deniedReason?: string; corrections?: TaskCorrections } = {};
  if (denied === true) result.denied = true;
  if (typeof deniedReason === 'string' && deniedReason !== '') result.deniedReason = deniedReason;
  if (corrections !== undefined && corrections !== null) {
    if (typeof corrections !== 'object' || Array.isArray(corrections)) throw bad('corrections must be an object');
    const checked: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(corrections as Record<string, unknown>)) {
      if (!CORRECTION_KEYS.has(key)) throw bad(`corrections.${key} cannot be corrected; Camunda corrects ${[...CORRECTION_KEYS].join(', ')}`);
      if (v === null || v === undefined) continue;
      if (key === 'priority' ? typeof v !== 'number' : key.startsWith('candidate') ? !Array.isArray(v) || v.some((x) => typeof x !== 'string') : typeof v !== 'string') {
        throw bad(`corrections.${key} has the wrong type`);
      }
      checked[key] = v;
    }
    if (Object.keys(checked).length > 0) result.corrections = checked as TaskCorrections;
  }
  if (result.denied && result.corrections) throw bad('a denied transition takes no corrections');
  return Object.keys(result).length > 0 ? result : undefined;
}
