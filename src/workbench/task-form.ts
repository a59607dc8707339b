import { errorMessageFor, fields, validateAnswers, type FieldError, type FormSchema, type RawInput } from '../web/index.js';

/**
 * A rule form-js validation cannot express: "this field is required when another field has this value" (the
 * question to the applicant when the application is incomplete, the reasons of a refusal). It lives in the form
 * file as the component's custom property `requiredWhen: "<key>=<value>"` (form-js keeps custom properties), with
 * an optional `errorMessageRequiredWhen`; the workbench checks it after the schema's own rules.
 */
export interface RequiredWhen {
  readonly field: string;
  readonly whenKey: string;
  readonly whenValue: string;
  readonly message: string;
}

const RULE = /^([A-Za-z][A-Za-z0-9_]{0,63})=([^=]{1,200})$/;

/** Reads `requiredWhen` properties; an unreadable one is a problem of the form file (reported, never ignored). */
export function requiredWhenRules(schema: FormSchema): { rules: RequiredWhen[]; problems: string[] } {
  const rules: RequiredWhen[] = [];
  const problems: string[] = [];
  const keys = new Set(fields(schema).map((f) => f.key));
  for (const f of fields(schema)) {
    const raw = f.properties['requiredWhen'];
    if (raw === undefined) continue;
    const m = RULE.exec(raw.trim());
    if (!m || !keys.has(m[1]!) || m[1] === f.key) {
      problems.push(`${f.key}: requiredWhen must be "<other field key>=<value>", got ${JSON.stringify(raw)}`);
      continue;
    }
    rules.push({ field: f.key, whenKey: m[1]!, whenValue: m[2]!.trim(), message: f.properties['errorMessageRequiredWhen'] ?? errorMessageFor(f, 'required') });
  }
  return { rules, problems };
}

/** A radio or select whose only values are "true" and "false" answers yes/no: the process gets a boolean. */
function isYesNo(values: readonly { value: string }[] | undefined): boolean {
  return !!values && values.length === 2 && values.every((v) => v.value === 'true' || v.value === 'false');
}

/**
 * Checks what staff sent for a task against its form and turns it into the task's completion variables. Text
 * fields left empty become "" (a process reading `decisionReasons` finds a string, not a missing variable); yes/no
 * choices become booleans. Never throws: every problem is a message for its field.
 */
export function readTaskForm(schema: FormSchema, input: RawInput): { variables: Record<string, unknown>; errors: FieldError[] } {
  const { values, errors } = validateAnswers(schema, input);
  const failed = new Set(errors.map((e) => e.key));
  const out: FieldError[] = [...errors];
  for (const rule of requiredWhenRules(schema).rules) {
    if (failed.has(rule.field)) continue;
    const when = values[rule.whenKey];
    const empty = values[rule.field] === undefined || values[rule.field] === '';
    if (String(when) === rule.whenValue && empty) out.push({ key: rule.field, anchor: rule.field, message: rule.message });
  }
  const variables: Record<string, unknown> = {};
  for (const f of fields(schema)) {
    const v = values[f.key];
    if ((f.type === 'radio' || f.type === 'select') && isYesNo(f.values) && (v === 'true' || v === 'false')) variables[f.key] = v === 'true';
    else if (v !== undefined) variables[f.key] = v;
    else if (f.type === 'textarea' || f.type === 'textfield') variables[f.key] = '';
  }
  // Order the errors as the fields appear, so the summary reads top to bottom like the form.
  const order = new Map(fields(schema).map((f, i) => [f.key, i]));
  out.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  return { variables, errors: out };
}
