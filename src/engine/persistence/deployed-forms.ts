import type { Queryable } from '../../store/index.js';
import type { FormBindingSpec } from '../model/types.js';

/**
 * The form a user task names (`zeebe:formDefinition formId`), found among the forms deployed as resources, with
 * Zeebe's binding semantics. Zeebe pins the form when the task is created; "the newest at or before the task's
 * creation" gives the same answer without storing it, because deployed resources never change.
 */
export interface DeployedTaskForm {
  readonly formId: string;
  readonly deploymentId: number;
  /** The file name it was deployed as. */
  readonly resourceName: string;
  readonly content: string;
  readonly binding: FormBindingSpec['type'] | 'latest';
}

interface TaskRow { form_key: string | null; created_at: Date | string; deployment_id: number | string; binding: FormBindingSpec | string | null }
interface ResourceRow { deployment_id: number | string; name: string; content: string }

function parsedBinding(raw: TaskRow['binding']): FormBindingSpec | null {
  const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (typeof value !== 'object' || value === null) return null;
  const { type, versionTag } = value as { type?: unknown; versionTag?: unknown };
  if (type === 'deployment') return { type };
  if (type === 'versionTag' && typeof versionTag === 'string') return { type, versionTag };
  return null;
}

/** The form's own `id` and `versionTag`, or null for a file that is not a form object. */
function formHeader(content: string): { id: unknown; versionTag: unknown } | null {
  try {
    const json: unknown = JSON.parse(content);
    return typeof json === 'object' && json !== null ? { id: (json as { id?: unknown }).id, versionTag: (json as { versionTag?: unknown }).versionTag } : null;
  } catch {
    return null;
  }
}

/**
 * The deployed form of a user task: `latest` (the default) is the newest form with that id deployed at or before
 * the task was created, `deployment` the one deployed with the task's process version, `versionTag` the newest
 * carrying that tag (deployed at or before the task's creation). Null when the task names no form, names an
 * embedded one (`camunda-forms:bpmn:…`), or no deployed form matches.
 */
export async function deployedTaskForm(q: Queryable, taskId: number): Promise<DeployedTaskForm | null> {
  const task = (await q.query<TaskRow>(
    `select t.form_key, t.created_at, p.deployment_id, p.model->'elements'->t.element_id->'userTask'->'formBinding' as binding
     from user_task t join process_definition p on p.id = t.definition_id where t.id = $1`, [taskId])).rows[0];
  const formId = task?.form_key;
  if (!task || !formId || formId.startsWith('camunda-forms:')) return null;
  const binding = parsedBinding(task.binding);
  // The id is matched on the parsed JSON below; the text search only keeps other forms from being read.
  const { rows } = await q.query<ResourceRow>(
    `select r.deployment_id, r.name, r.content from deployment_resource r join deployment d on d.id = r.deployment_id
     where r.kind = 'form' and strpos(r.content, $1) > 0 and (case when $2 then r.deployment_id = $3 else d.created_at <= $4 end)
     order by r.deployment_id desc, r.id desc`,
    [JSON.stringify(formId), binding?.type === 'deployment', task.deployment_id, new Date(task.created_at)]);
  for (const row of rows) {
    const header = formHeader(row.content);
    if (header?.id !== formId) continue;
    if (binding?.type === 'versionTag' && header.versionTag !== binding.versionTag) continue;
    return { formId, deploymentId: Number(row.deployment_id), resourceName: row.name, content: row.content, binding: binding?.type ?? 'latest' };
  }
  return null;
}
