import { extension, nodes, text, type Node } from './moddle-read.js';
import type { TaskListenerSpec } from './types.js';
import type { ListenerSite } from './compile-listeners.js';

/** The user task events govflow runs listeners for (Camunda 8.8 also has updating and canceling). */
const RUN: ReadonlySet<string> = new Set(['creating', 'assigning', 'completing']);

/** Zeebe's other events, refused with what to do instead rather than left unrun. */
const REFUSED: Readonly<Record<string, string>> = {
  updating: 'user task listeners with eventType "updating" do not run in govflow: a task is only updated by escalation, which no listener can hold up; check the change in an "assigning" or "completing" listener instead',
  canceling: 'user task listeners with eventType "canceling" do not run in govflow: a cancelled task ends with its case or the interrupting event at once; react to the boundary event\'s path or to the case\'s task.created/element.terminated events instead',
};

/**
 * Reads `zeebe:taskListeners` of a user task with Zeebe's rules: eventType one of Camunda's lifecycle events, a job
 * type (static or `=FEEL`), whole-number retries (3 when left out). Several listeners of one event type run in
 * model order. Events govflow does not run are refused, so a listener is never dropped silently.
 */
export function compileTaskListeners(node: Node, site: Pick<ListenerSite, 'value' | 'unsupported' | 'invalid'>): TaskListenerSpec[] | undefined {
  const declared = nodes(extension(node, 'zeebe:TaskListeners'), 'listeners');
  if (declared.length === 0) return undefined;
  const listeners: TaskListenerSpec[] = [];
  for (const listener of declared) {
    const eventType = text(listener, 'eventType');
    const jobType = text(listener, 'type');
    if (eventType === undefined) {
      site.invalid('a user task listener has no eventType; write one of creating, assigning, updating, completing, canceling');
      continue;
    }
    if (REFUSED[eventType]) {
      site.unsupported(REFUSED[eventType]);
      continue;
    }
    if (!RUN.has(eventType)) {
      site.invalid(`user task listener eventType '${eventType}' is not one of creating, assigning, updating, completing, canceling`);
      continue;
    }
    if (!jobType) {
      site.invalid(`a user task listener (${eventType}) has no job type (type="…")`);
      continue;
    }
    const retries = text(listener, 'retries');
    if (retries !== undefined && !/^\d+$/.test(retries.trim())) {
      site.invalid(`user task listener '${jobType}' has retries '${retries}'; write a whole number`);
      continue;
    }
    const checked = site.value(jobType, `user task listener job type '${jobType}'`);
    if (checked === undefined) continue;
    listeners.push({ eventType: eventType as TaskListenerSpec['eventType'], jobType: checked, retries: retries === undefined ? 3 : Number(retries.trim()) });
  }
  return listeners.length > 0 ? listeners : undefined;
}
