import type { Conversion } from './convert.js';
import { attr, CAMUNDA_NS, type XNode } from './xml.js';

/**
 * Camunda 7's generated task forms (`camunda:formData`) become a Camunda Form (form-js JSON) that the user task
 * names with `zeebe:formDefinition formId`. Each field's key is the field's id, so completing the task sets the
 * variables Camunda 7 would set, with the same types: string → text, long → a whole number, boolean → true/false,
 * enum → the chosen value's id, date → an ISO date `yyyy-MM-dd` (Camunda 7 stores a java.util.Date; govflow's
 * variables are JSON, so a date travels as its ISO text, which FEEL reads with `date(x)`).
 * What has no exact form is blocked and the whole formData is left in place: custom types, custom validators,
 * readonly fields (they show a variable's current value, which govflow's task forms do not show), expressions
 * as default values, start forms.
 */

/** A form-js component as the converter writes it (the subset govflow's task forms read, src/web/form-schema.ts). */
export interface FormJsComponent {
  readonly id: string;
  readonly type: 'textfield' | 'number' | 'checkbox' | 'datetime' | 'select';
  readonly key: string;
  readonly label: string;
  readonly validate?: { required?: boolean; minLength?: number; maxLength?: number; min?: number; max?: number };
  readonly defaultValue?: string | number | boolean;
  readonly decimalDigits?: number;
  readonly subtype?: 'date';
  readonly dateLabel?: string;
  readonly values?: { label: string; value: string }[];
  readonly properties?: Record<string, string>;
}

export interface FormJsSchema {
  readonly id: string;
  readonly type: 'default';
  readonly schemaVersion: number;
  readonly executionPlatform: 'Camunda Cloud';
  readonly exporter: { readonly name: string; readonly version: string };
  readonly components: FormJsComponent[];
}

export interface GeneratedForm {
  /** The form's id, which the converted user task names in `zeebe:formDefinition formId`. */
  readonly id: string;
  /** The user task the form belongs to. */
  readonly userTask: string;
  readonly schema: FormJsSchema;
}

/** form-js's schema version of @bpmn-io/form-js 1.x, which Camunda Modeler 5 writes. */
const SCHEMA_VERSION = 16;
/** govflow's form keys (src/web/form-schema.ts): the names FEEL and the workbench read as variables. */
const KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Camunda 7's default date format (the process engine's `dd/MM/yyyy`), in which date default values are written. */
const C7_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const INTEGER = /^-?\d{1,15}$/;
const FIELD_ATTRS = new Set(['id', 'label', 'type', 'defaultValue', 'datePattern']);
const TYPES: Record<string, FormJsComponent['type']> = { string: 'textfield', long: 'number', boolean: 'checkbox', date: 'datetime', enum: 'select' };

class Blocked extends Error {
  constructor(readonly node: XNode, message: string) {
    super(message);
  }
}

const camunda = (node: XNode, local?: string): XNode[] => node.children.filter((ch) => ch.uri === CAMUNDA_NS && (local === undefined || ch.local === local));

function processIdOf(node: XNode): string {
  let n: XNode | undefined = node;
  while (n && n.local !== 'process') n = n.parent;
  return (n && attr(n, '', 'id')?.value) ?? 'process';
}

interface Constraints { required?: boolean; minLength?: number; maxLength?: number; min?: number; max?: number }

/** camunda:validation → form-js validate; Camunda 7's min/max check numbers only, minlength/maxlength text only. */
function constraints(field: XNode, type: string, infos: string[]): Constraints {
  const out: Constraints = {};
  for (const validation of camunda(field, 'validation')) {
    for (const child of validation.children) {
      if (child.uri !== CAMUNDA_NS || child.local !== 'constraint') throw new Blocked(child, `<${child.name}> in camunda:validation is not a constraint govflow knows; remove it`);
      const name = attr(child, '', 'name')?.value ?? '';
      const config = attr(child, '', 'config')?.value;
      const number = (): number => {
        if (config === undefined || !INTEGER.test(config.trim())) throw new Blocked(child, `camunda:constraint ${name} needs a whole number as config, got ${JSON.stringify(config ?? '')}`);
        return Number(config.trim());
      };
      switch (name) {
        case 'required':
          // A checkbox always answers (false when unticked), which is what Camunda 7's required asks of a boolean;
          // form-js's required on a checkbox would demand a tick instead.
          if (type === 'boolean') infos.push('required on a boolean is always met (an unticked box is false), so the form does not demand a tick');
          else out.required = true;
          break;
        case 'readonly':
          throw new Blocked(child, 'camunda:constraint readonly shows a variable\'s current value that staff may not change; govflow\'s task forms do not show process variables (the case view does): remove the field or the constraint');
        case 'minlength':
        case 'maxlength':
          if (type !== 'string') throw new Blocked(child, `camunda:constraint ${name} on a ${type} field fails in Camunda 7 too (it checks text only); remove it`);
          out[name === 'minlength' ? 'minLength' : 'maxLength'] = number();
          break;
        case 'min':
        case 'max':
          if (type !== 'long') throw new Blocked(child, `camunda:constraint ${name} on a ${type} field: Camunda 7 checks numbers only, so it fails on submit there; remove it`);
          out[name] = number();
          break;
        default:
          throw new Blocked(child, `camunda:constraint '${name}'${config ? ` (${config})` : ''} is a custom validator; Java validators do not run in govflow: check the value in a job worker or with a gateway after the task`);
      }
    }
  }
  return out;
}

function defaultValue(field: XNode, type: string, values: { value: string }[] | undefined): string | number | boolean | undefined {
  const raw = attr(field, '', 'defaultValue')?.value;
  if (raw === undefined) return undefined;
  if (/[$#]\{/.test(raw)) throw new Blocked(field, `defaultValue '${raw}' is an expression; form-js default values are fixed: set the variable before the task instead (Camunda 7 shows an existing variable's value too)`);
  switch (type) {
    case 'long':
      if (!INTEGER.test(raw.trim())) throw new Blocked(field, `defaultValue '${raw}' of a long field is not a whole number`);
      return Number(raw.trim());
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new Blocked(field, `defaultValue '${raw}' of a boolean field is not true or false`);
      return raw === 'true';
    case 'date': {
      const m = C7_DATE.exec(raw.trim());
      const iso = m ? `${m[3]}-${m[2]}-${m[1]}` : '';
      const d = new Date(`${iso}T00:00:00Z`);
      if (!m || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso) throw new Blocked(field, `defaultValue '${raw}' of a date field is not a date in Camunda 7's format dd/MM/yyyy`);
      return iso;
    }
    case 'enum':
      if (!values?.some((v) => v.value === raw)) throw new Blocked(field, `defaultValue '${raw}' is not one of the enum's value ids`);
      return raw;
    default:
      return raw;
  }
}

function component(field: XNode, seen: Set<string>, infos: string[]): FormJsComponent {
  for (const a of field.attrs) {
    if (a.name.startsWith('xmlns')) continue;
    if (a.uri !== '' || !FIELD_ATTRS.has(a.local)) throw new Blocked(field, `camunda:formField attribute ${a.name} is not one govflow knows; remove it`);
  }
  const id = attr(field, '', 'id')?.value ?? '';
  if (!KEY.test(id)) throw new Blocked(field, `camunda:formField id '${id}' is not a variable name govflow's forms can carry (a letter, then letters, digits or _, at most 64); rename the field and the variable`);
  if (seen.has(id)) throw new Blocked(field, `camunda:formField id '${id}' is used twice in the form`);
  seen.add(id);
  const type = attr(field, '', 'type')?.value ?? '';
  const formJsType = TYPES[type];
  if (!formJsType) throw new Blocked(field, `camunda:formField '${id}' has type '${type}', which is not one of Camunda 7's built-in types (string, long, boolean, date, enum); a custom form type has no govflow form: use one of those types`);
  const pattern = attr(field, '', 'datePattern')?.value;
  if (pattern !== undefined && pattern !== 'dd/MM/yyyy') throw new Blocked(field, `camunda:formField '${id}' datePattern '${pattern}': govflow reads dates as day, month and year (Camunda 7's default dd/MM/yyyy); remove the pattern`);
  for (const child of field.children) {
    if (child.uri !== CAMUNDA_NS || !['properties', 'validation', 'value'].includes(child.local)) throw new Blocked(child, `<${child.name}> in camunda:formField '${id}' is not converted; remove it`);
  }
  const label = attr(field, '', 'label')?.value?.trim() || id;
  let values: { label: string; value: string }[] | undefined;
  if (type === 'enum') {
    values = camunda(field, 'value').map((v) => {
      const value = attr(v, '', 'id')?.value ?? '';
      if (value === '') throw new Blocked(v, `a camunda:value of enum '${id}' has no id (the value the variable gets)`);
      return { label: attr(v, '', 'name')?.value || value, value };
    });
    if (values.length === 0) throw new Blocked(field, `enum field '${id}' has no camunda:value to choose from`);
  } else if (camunda(field, 'value').length > 0) {
    throw new Blocked(field, `camunda:value on the ${type} field '${id}': only enum fields have values`);
  }
  const properties: Record<string, string> = {};
  for (const group of camunda(field, 'properties')) {
    for (const p of camunda(group, 'property')) properties[attr(p, '', 'name')?.value ?? attr(p, '', 'id')?.value ?? ''] = attr(p, '', 'value')?.value ?? '';
  }
  const validate = constraints(field, type, infos);
  const initial = defaultValue(field, type, values);
  return {
    id: `Field_${id}`, type: formJsType, key: id, label,
    ...(Object.keys(validate).length ? { validate } : {}),
    ...(initial !== undefined ? { defaultValue: initial } : {}),
    ...(type === 'long' ? { decimalDigits: 0 } : {}),
    ...(type === 'date' ? { subtype: 'date' as const, dateLabel: label } : {}),
    ...(values ? { values } : {}),
    ...(Object.keys(properties).length ? { properties } : {}),
  };
}

const describe = (c: FormJsComponent): string => `${c.key} (${c.type === 'number' ? 'number, whole' : c.type === 'datetime' ? 'date, stored as yyyy-MM-dd' : c.type}${c.validate ? `; ${Object.entries(c.validate).map(([k, v]) => (v === true ? k : `${k} ${String(v)}`)).join(', ')}` : ''})`;

/**
 * Converts one camunda:formData on `owner` (a user task): adds the generated form to the conversion, links the
 * task to it and removes the formData; or reports what blocks it and leaves it as it was.
 */
export function convertFormData(c: Conversion, node: XNode, owner: XNode): void {
  if (owner.local !== 'userTask') {
    c.note('blocked', node, `camunda:formData on a ${owner.local} (a start form) is not converted: govflow starts cases from the service's application form (services/*/service.json); move the fields there`);
    return;
  }
  const linked = ['formKey', 'formRef'].map((a) => attr(owner, CAMUNDA_NS, a)).find(Boolean);
  if (linked) {
    c.note('blocked', node, `camunda:formData and ${linked.name} on one task: Camunda 7 shows the ${linked.local === 'formKey' ? 'form key\'s' : 'referenced'} form and hands it the fields; govflow links one form. Keep one of them`);
    return;
  }
  for (const a of node.attrs) {
    if (!a.name.startsWith('xmlns')) {
      c.note('blocked', node, `camunda:formData ${a.name}${a.local === 'businessKey' ? ': a business key field belongs to start forms' : ' is not an attribute govflow knows'}; remove it`);
      return;
    }
  }
  const infos: string[] = [];
  const seen = new Set<string>();
  const components: FormJsComponent[] = [];
  try {
    for (const child of node.children) {
      if (child.uri !== CAMUNDA_NS || child.local !== 'formField') throw new Blocked(child, `<${child.name}> in camunda:formData is not a form field govflow knows; remove it`);
      components.push(component(child, seen, infos));
    }
  } catch (error) {
    if (!(error instanceof Blocked)) throw error;
    c.note('blocked', error.node, `${error.message} (camunda:formData left unconverted)`);
    return;
  }
  const taskId = attr(owner, '', 'id')?.value ?? 'task';
  const id = `${processIdOf(owner)}-${taskId}`;
  c.forms.push({ id, userTask: taskId, schema: { id, type: 'default', schemaVersion: SCHEMA_VERSION, executionPlatform: 'Camunda Cloud', exporter: { name: 'govflow convert', version: '1' }, components } });
  c.partsOf(owner).form = { formId: id };
  c.removeNode(node);
  c.note('info', node, `camunda:formData → generated form '${id}' (zeebe:formDefinition formId), fields ${components.map(describe).join(', ')}${infos.length ? `; ${infos.join('; ')}` : ''}`);
  c.note('review', node, `camunda:formData: Camunda 7 shows a variable's current value in its field; the generated form starts from the field's default value, so submitting it unchanged writes the default (or nothing for an empty number, date or choice; "" for an empty text) over a variable set earlier${components.some((x) => x.type === 'datetime') ? '. Date fields give yyyy-MM-dd text where Camunda 7 gives a Date: compare them in FEEL with date(x)' : ''}`);
}
