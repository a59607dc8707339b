import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseFormSchema, type FormSchema } from '../web/index.js';

/** The form staff complete a user task with (a Camunda form referenced by the task's `zeebe:formDefinition`). */
export interface TaskForm {
  /** The form-js schema's `id`, which the BPMN names in `<zeebe:formDefinition formId="…"/>`. */
  readonly formId: string;
  readonly formFile: string;
  readonly form: FormSchema;
  /** First 16 hex digits of the SHA-256 of the file, like the citizen forms' versions. */
  readonly formVersion: string;
  /** The components' form-js `defaultValue`s (strings, numbers and booleans, as the form's raw input), shown on a fresh form. */
  readonly defaults: Readonly<Record<string, string>>;
}

function defaultsOf(json: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const components = (json as { components?: unknown }).components;
  if (!Array.isArray(components)) return out;
  for (const c of components as unknown[]) {
    if (typeof c !== 'object' || c === null) continue;
    const { key, defaultValue, type } = c as { key?: unknown; defaultValue?: unknown; type?: unknown };
    // A date field's input is three boxes (day, month, year), so its ISO default is split the way answers are.
    const day = type === 'datetime' && typeof key === 'string' && typeof defaultValue === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(defaultValue) : null;
    if (day) {
      Object.assign(out, { [`${String(key)}-day`]: String(Number(day[3])), [`${String(key)}-month`]: String(Number(day[2])), [`${String(key)}-year`]: day[1]! });
      continue;
    }
    if (typeof key === 'string' && (typeof defaultValue === 'string' || typeof defaultValue === 'boolean' || typeof defaultValue === 'number')) out[key] = String(defaultValue);
  }
  return out;
}

/**
 * Reads one task form file (already parsed as JSON; `text` is its bytes, for the version): the same reader for a
 * service's forms/ folder and for forms deployed with a process, so both validate and version answers alike.
 */
export function taskFormOf(json: unknown, text: string, formFile: string): { form: TaskForm | null; problems: { where: string; message: string }[] } {
  const formId = typeof json === 'object' && json !== null && typeof (json as { id?: unknown }).id === 'string' ? (json as { id: string }).id : '';
  const { schema, problems } = parseFormSchema(json);
  return { form: schema ? { formId, formFile, form: schema, formVersion: createHash('sha256').update(text).digest('hex').slice(0, 16), defaults: defaultsOf(json) } : null, problems: [...problems] };
}

const USER_TASK = /<(?:[A-Za-z][\w-]*:)?userTask\b([^>]*?)(\/>|>([\s\S]*?)<\/(?:[A-Za-z][\w-]*:)?userTask>)/g;
const ID_ATTR = /\bid="([^"]+)"/;
const FORM_ID = /<(?:[A-Za-z][\w-]*:)?formDefinition\b[^>]*?\bformId="([^"]+)"/;

/** User task id → the `formId` its `zeebe:formDefinition` names (tasks without one are left out). */
export function userTaskFormIds(bpmn: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of bpmn.matchAll(USER_TASK)) {
    const id = ID_ATTR.exec(m[1] ?? '')?.[1];
    const formId = FORM_ID.exec(m[3] ?? '')?.[1];
    if (id && formId) out[id] = formId;
  }
  return out;
}

/**
 * Loads the task forms of a service: every `forms/*.form` file is read once and indexed by its `id`, then each
 * user task that names a form gets it. A task naming a form that no file has, or an unreadable form, is reported
 * through `fail` (the catalogue stops the start with every problem at once).
 */
export async function readTaskForms(directory: string, bpmn: string | null, fail: (field: string, message: string) => void): Promise<Record<string, TaskForm>> {
  if (!bpmn) return {};
  const wanted = userTaskFormIds(bpmn);
  if (Object.keys(wanted).length === 0) return {};
  const byId = new Map<string, TaskForm>();
  let files: string[] = [];
  try {
    files = (await readdir(path.join(directory, 'forms'))).filter((f) => f.endsWith('.form')).sort();
  } catch {
    files = [];
  }
  const wantedIds = new Set(Object.values(wanted));
  for (const file of files) {
    const text = await readFile(path.join(directory, 'forms', file), 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue; // citizen forms are checked where the service names them; only forms a task names matter here
    }
    const formId = typeof json === 'object' && json !== null && typeof (json as { id?: unknown }).id === 'string' ? (json as { id: string }).id : null;
    if (!formId || !wantedIds.has(formId)) continue;
    if (byId.has(formId)) {
      fail('process.bpmn', `form id '${formId}' is used by two files (${byId.get(formId)!.formFile}, forms/${file})`);
      continue;
    }
    const { form, problems } = taskFormOf(json, text, `forms/${file}`);
    for (const p of problems) fail('process.bpmn', `forms/${file} ${p.where}: ${p.message}`);
    if (form) byId.set(formId, form);
  }
  const out: Record<string, TaskForm> = {};
  for (const [taskId, formId] of Object.entries(wanted)) {
    const form = byId.get(formId);
    if (form) out[taskId] = form;
    else fail('process.bpmn', `user task '${taskId}' names form '${formId}', but no file in forms/ has that id`);
  }
  return out;
}
