import { taskFormOf, type Service, type TaskForm } from '../catalogue/index.js';
import { deployedTaskForm, type Engine, type TaskView } from '../engine/index.js';
import { requiredWhenRules } from './task-form.js';

/**
 * The form a task is completed with: its service's (the catalogue's forms/ folder) when it has one, else the form
 * deployed with the process (`govflow deploy`, `deploy --convert`), as Camunda 8's Tasklist shows it. A deployed form
 * the workbench cannot read is not an error page: the task shows why (`unreadable`); a form id with no deployed form
 * is `missing` (the task completes without answers, as before forms were deployed).
 */
export type TaskFormLookup =
  | { readonly kind: 'form'; readonly form: TaskForm }
  | { readonly kind: 'unreadable'; readonly formId: string; readonly file: string; readonly problem: string }
  | { readonly kind: 'missing'; readonly formId: string }
  | null;

type DeployedLookup = Exclude<TaskFormLookup, null | { kind: 'missing' }>;

function readDeployed(formId: string, file: string, content: string): DeployedLookup {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { kind: 'unreadable', formId, file, problem: 'not valid JSON' }; // deploy refuses it; kept for files deployed before it did
  }
  const { form, problems } = taskFormOf(json, content, file);
  const rules = form ? requiredWhenRules(form.form).problems : [];
  const all = [...problems.map((p) => `${p.where}: ${p.message}`), ...rules];
  return form && all.length === 0 ? { kind: 'form', form } : { kind: 'unreadable', formId, file, problem: all.join('; ') || 'not a form' };
}

export function taskFormResolver(engine: Pick<Engine, 'db'>, serviceOf: (processKey: string) => Service | undefined): (task: TaskView) => Promise<TaskFormLookup> {
  // Deployed resources never change, so a form read once per (form id, deployment) serves every task that binds it.
  const parsed = new Map<string, DeployedLookup>();
  return async (task) => {
    const own = serviceOf(task.processKey)?.taskForms[task.elementId];
    if (own) return { kind: 'form', form: own };
    if (!task.formKey || task.formKey.startsWith('camunda-forms:')) return null;
    const deployed = await deployedTaskForm(engine.db, task.id);
    if (!deployed) return { kind: 'missing', formId: task.formKey };
    const key = `${deployed.formId}\u0000${deployed.deploymentId}`;
    let found = parsed.get(key);
    if (!found) {
      found = readDeployed(deployed.formId, deployed.resourceName, deployed.content);
      if (parsed.size > 500) parsed.clear();
      parsed.set(key, found);
    }
    return found;
  };
}
