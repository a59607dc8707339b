/**
 * Camunda Forms (the form-js JSON schema), the subset the portal renders: textfield, textarea, number, checkbox,
 * checklist, radio, select, datetime and text. A schema is checked once when the catalogue loads; answers are
 * checked on every POST with the schema's rules (required, min/max, minLength/maxLength, pattern, email).
 */
import { errorMessageFor, type ErrorKind } from './error-messages.js';
import { formatDay, t } from '../i18n/index.js';

export type FieldType = 'textfield' | 'textarea' | 'number' | 'checkbox' | 'checklist' | 'radio' | 'select' | 'datetime' | 'filepicker';
export const FIELD_TYPES: readonly FieldType[] = ['textfield', 'textarea', 'number', 'checkbox', 'checklist', 'radio', 'select', 'datetime', 'filepicker'];

export interface FieldValidation {
  readonly required?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly validationType?: 'email';
}

export interface FieldComponent {
  readonly type: FieldType;
  readonly key: string;
  readonly label: string;
  readonly description?: string;
  readonly validate: FieldValidation;
  readonly values?: readonly { readonly label: string; readonly value: string }[];
  /** datetime only: `date`, `time` or `datetime` (form-js `subtype`). */
  readonly subtype?: 'date' | 'time' | 'datetime';
  /** filepicker only (form-js `accept`): comma-separated extensions or media types, e.g. ".pdf,.png,.jpg". */
  readonly accept?: string;
  /** filepicker only (form-js `multiple`). */
  readonly multiple?: boolean;
  /** number only (form-js `decimalDigits`): at most this many digits after the point; 0 asks for a whole number. */
  readonly decimalDigits?: number;
  /** form-js `properties`: `patternMessage`, `autocomplete`, `checkboxLabel`, `width` (e.g. "10"). */
  readonly properties: Readonly<Record<string, string>>;
}

export interface TextComponent {
  readonly type: 'text';
  readonly text: string;
}

export type FormComponent = FieldComponent | TextComponent;

export interface FormSchema {
  readonly id: string;
  readonly components: readonly FormComponent[];
}

export interface SchemaProblem {
  readonly where: string;
  readonly message: string;
}

const KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const ACCEPT = /^\s*(\.[A-Za-z0-9]{1,10}|[a-z]+\/[a-z0-9.+*-]{1,60})(\s*,\s*(\.[A-Za-z0-9]{1,10}|[a-z]+\/[a-z0-9.+*-]{1,60}))*\s*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a form-js schema, collecting every problem (with its JSON path) instead of stopping at the first. */
export function parseFormSchema(input: unknown): { schema?: FormSchema; problems: SchemaProblem[] } {
  const problems: SchemaProblem[] = [];
  const problem = (where: string, message: string): void => void problems.push({ where, message });
  if (!isRecord(input)) return { problems: [{ where: '$', message: 'must be a JSON object (a form-js schema)' }] };
  const id = typeof input['id'] === 'string' ? input['id'] : 'form';
  if (!Array.isArray(input['components'])) {
    problem('components', 'must be an array of form components');
    return { problems };
  }
  const components: FormComponent[] = [];
  const keys = new Set<string>();
  input['components'].forEach((raw: unknown, index) => {
    const at = `components[${index}]`;
    if (!isRecord(raw)) return problem(at, 'must be an object');
    const type = raw['type'];
    if (type === 'text') {
      if (typeof raw['text'] !== 'string') return problem(`${at}.text`, 'must be a string');
      components.push({ type: 'text', text: raw['text'] });
      return;
    }
    if (typeof type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(type)) {
      return problem(`${at}.type`, `must be one of text, ${FIELD_TYPES.join(', ')}`);
    }
    const key = raw['key'];
    if (typeof key !== 'string' || !KEY.test(key)) return problem(`${at}.key`, 'must be a name like floorArea (letters, digits, _)');
    if (keys.has(key)) return problem(`${at}.key`, `'${key}' is used twice`);
    keys.add(key);
    const label = raw['label'];
    if (typeof label !== 'string' || label.trim() === '') return problem(`${at}.label`, 'must be a non-empty string');
    const description = raw['description'];
    if (description !== undefined && typeof description !== 'string') problem(`${at}.description`, 'must be a string');
    const validateRaw = raw['validate'] ?? {};
    const validate: Record<string, unknown> = {};
    if (!isRecord(validateRaw)) problem(`${at}.validate`, 'must be an object');
    else {
      for (const [name, value] of Object.entries(validateRaw)) {
        if (name === 'required') {
          if (typeof value !== 'boolean') problem(`${at}.validate.required`, 'must be true or false');
          else validate[name] = value;
        } else if (name === 'minLength' || name === 'maxLength' || name === 'min' || name === 'max') {
          if (typeof value !== 'number' || !Number.isFinite(value)) problem(`${at}.validate.${name}`, 'must be a number');
          else validate[name] = value;
        } else if (name === 'pattern') {
          if (typeof value !== 'string') problem(`${at}.validate.pattern`, 'must be a regular expression string');
          else {
            try {
              new RegExp(value, 'u');
              validate[name] = value;
            } catch {
              problem(`${at}.validate.pattern`, 'is not a valid regular expression');
            }
          }
        } else if (name === 'validationType') {
          if (value !== 'email') problem(`${at}.validate.validationType`, "only 'email' is supported");
          else validate[name] = value;
        }
      }
    }
    const propertiesRaw = raw['properties'] ?? {};
    const properties: Record<string, string> = {};
    if (!isRecord(propertiesRaw)) problem(`${at}.properties`, 'must be an object of strings');
    else for (const [name, value] of Object.entries(propertiesRaw)) if (typeof value === 'string') properties[name] = value;
    let values: { label: string; value: string }[] | undefined;
    if (type === 'radio' || type === 'select' || type === 'checklist') {
      const rawValues = raw['values'];
      if (!Array.isArray(rawValues) || rawValues.length === 0) problem(`${at}.values`, 'must be a non-empty array of { label, value }');
      else {
        values = [];
        rawValues.forEach((v: unknown, j) => {
          if (!isRecord(v) || typeof v['label'] !== 'string' || typeof v['value'] !== 'string' || v['value'] === '') problem(`${at}.values[${j}]`, 'must be { label, value } with non-empty strings');
          else values!.push({ label: v['label'], value: v['value'] });
        });
      }
    }
    let subtype: 'date' | 'time' | 'datetime' | undefined;
    if (type === 'datetime') {
      const s = raw['subtype'] ?? 'date';
      if (s !== 'date' && s !== 'time' && s !== 'datetime') problem(`${at}.subtype`, "must be 'date', 'time' or 'datetime'");
      else subtype = s;
    }
    let accept: string | undefined;
    let multiple: boolean | undefined;
    if (type === 'filepicker') {
      const a = raw['accept'];
      // Only extensions and media types: the value lands in an HTML attribute and the hint the citizen reads.
      if (a !== undefined && (typeof a !== 'string' || !ACCEPT.test(a))) problem(`${at}.accept`, 'must be a comma-separated list like .pdf,.png,image/jpeg');
      else if (typeof a === 'string') accept = a.replace(/\s+/g, '');
      const m = raw['multiple'];
      if (m !== undefined && typeof m !== 'boolean') problem(`${at}.multiple`, 'must be true or false');
      else if (m === true) multiple = true;
    }
    let decimalDigits: number | undefined;
    if (type === 'number' && raw['decimalDigits'] !== undefined) {
      const d = raw['decimalDigits'];
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) problem(`${at}.decimalDigits`, 'must be a whole number, 0 or more');
      else decimalDigits = d;
    }
    components.push({
      type: type as FieldType, key, label,
      ...(decimalDigits !== undefined ? { decimalDigits } : {}),
      ...(accept ? { accept } : {}),
      ...(multiple ? { multiple } : {}),
      ...(typeof description === 'string' && description !== '' ? { description } : {}),
      validate: validate as FieldValidation, properties,
      ...(values ? { values } : {}),
      ...(subtype ? { subtype } : {}),
    });
  });
  return problems.length > 0 ? { problems } : { schema: { id, components }, problems };
}

/** What the browser sent: urlencoded fields, repeated names as arrays. */
export type RawInput = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface FieldError {
  readonly key: string;
  /** The id of the input the error summary links to. */
  readonly anchor: string;
  readonly message: string;
}

export type Answers = Record<string, unknown>;

export const fields = (schema: FormSchema): FieldComponent[] => schema.components.filter((c): c is FieldComponent => c.type !== 'text');

function one(input: RawInput, name: string): string {
  const v = input[name];
  const s = Array.isArray(v) ? (v[0] ?? '') : typeof v === 'string' ? v : '';
  return s.trim();
}

function many(input: RawInput, name: string): string[] {
  const v = input[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NUMBER = /^-?\d{1,15}(\.\d{1,6})?$/;
const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

function dateAnchor(field: FieldComponent): string {
  return field.subtype === 'time' ? `${field.key}-time` : `${field.key}-day`;
}

const MISSING_PARTS = { day: 'form.missingDay', month: 'form.missingMonth', year: 'form.missingYear' } as const;

/** Validates one date (day, month, year fields); returns the ISO date or an error message. */
function readDate(field: FieldComponent, input: RawInput): { value?: string; error?: string; empty: boolean } {
  const [d, m, y] = ['day', 'month', 'year'].map((p) => one(input, `${field.key}-${p}`));
  if (!d && !m && !y) return { empty: true };
  const missing = [['day', d], ['month', m], ['year', y]].filter(([, v]) => !v).map(([n]) => n);
  if (missing.length > 0) return { empty: false, error: errorMessageFor(field, 'date-missing-part', missing.map((part) => t(MISSING_PARTS[part as keyof typeof MISSING_PARTS])).join(t('form.and'))) };
  if (![d, m, y].every((v) => /^\d+$/.test(v!)) || y!.length !== 4) return { empty: false, error: errorMessageFor(field, 'date-not-real') };
  const day = Number(d), month = Number(m), year = Number(y);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return { empty: false, error: errorMessageFor(field, 'date-not-real') };
  return { empty: false, value: `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}` };
}

/**
 * Checks the answers to one form against its rules. Never throws, whatever the input: every problem becomes a
 * message for the field, worded after the GOV.UK Design System's error messages.
 */
export function validateAnswers(schema: FormSchema, input: RawInput): { values: Answers; errors: FieldError[] } {
  const values: Answers = {};
  const errors: FieldError[] = [];
  for (const field of fields(schema)) {
    const v = field.validate;
    const fail = (kind: ErrorKind, anchor = field.key): void => void errors.push({ key: field.key, anchor, message: errorMessageFor(field, kind) });
    switch (field.type) {
      case 'textfield':
      case 'textarea': {
        const text = one(input, field.key);
        if (text === '') {
          if (v.required) fail('required');
          break;
        }
        values[field.key] = text;
        const length = [...text].length;
        if (v.minLength !== undefined && length < v.minLength) fail('too-short');
        else if (v.maxLength !== undefined && length > v.maxLength) fail('too-long');
        else if (v.validationType === 'email' && !EMAIL.test(text)) fail('email');
        else if (v.pattern !== undefined && !new RegExp(`^(?:${v.pattern})$`, 'u').test(text)) fail('pattern');
        break;
      }
      case 'number': {
        const text = one(input, field.key).replace(/,/g, '');
        if (text === '') {
          if (v.required) fail('required');
          break;
        }
        if (!NUMBER.test(text)) {
          values[field.key] = text;
          fail('not-a-number');
          break;
        }
        const n = Number(text) + 0; // + 0 turns -0 into 0
        values[field.key] = n;
        if (field.decimalDigits !== undefined && (text.split('.')[1]?.length ?? 0) > field.decimalDigits) fail('too-many-decimals');
        else if (v.min !== undefined && n < v.min) fail('too-small');
        else if (v.max !== undefined && n > v.max) fail('too-big');
        break;
      }
      case 'checkbox': {
        const checked = many(input, field.key).includes('true');
        values[field.key] = checked;
        if (v.required && !checked) fail('required');
        break;
      }
      case 'checklist': {
        const allowed = new Set((field.values ?? []).map((x) => x.value));
        const chosen = many(input, field.key);
        const valid = chosen.filter((c) => allowed.has(c));
        values[field.key] = valid;
        if (valid.length !== chosen.length) fail('not-a-choice');
        else if (v.required && valid.length === 0) fail('required');
        break;
      }
      case 'radio':
      case 'select': {
        const chosen = one(input, field.key);
        if (chosen === '') {
          if (v.required) fail('required');
          break;
        }
        if (!(field.values ?? []).some((x) => x.value === chosen)) fail('not-a-choice');
        else values[field.key] = chosen;
        break;
      }
      case 'filepicker': {
        // The file bytes are checked (type by content, size) by the portal's multipart handling, which stores them
        // and hands over the ids of the stored uploads here; this only enforces `required`.
        const ids = many(input, field.key).filter((x) => /^\d{1,15}$/.test(x));
        if (ids.length > 0) values[field.key] = field.multiple ? ids.map(Number) : Number(ids[0]);
        else if (v.required) fail('required');
        break;
      }
      case 'datetime': {
        const anchor = dateAnchor(field);
        let date: string | undefined;
        let time: string | undefined;
        let empty = true;
        if (field.subtype !== 'time') {
          const r = readDate(field, input);
          empty = r.empty;
          if (r.error) {
            errors.push({ key: field.key, anchor, message: r.error });
            break;
          }
          date = r.value;
        }
        if (field.subtype !== 'date') {
          const t = one(input, `${field.key}-time`);
          if (t !== '') {
            empty = false;
            if (!TIME.test(t)) {
              fail('time-not-real', field.subtype === 'time' ? anchor : `${field.key}-time`);
              break;
            }
            time = t.padStart(5, '0');
          }
        }
        if (empty) {
          if (v.required) fail('required', anchor);
          break;
        }
        if (field.subtype === 'datetime' && (!date || !time)) {
          fail('datetime-incomplete', date ? `${field.key}-time` : anchor);
          break;
        }
        values[field.key] = field.subtype === 'date' ? date : field.subtype === 'time' ? time : `${date}T${time}`;
        break;
      }
    }
  }
  return { values, errors };
}

/** The inverse of {@link validateAnswers}: stored answers back into the raw fields a form shows. */
export function answersToInput(schema: FormSchema, answers: Answers): Record<string, string | string[]> {
  const input: Record<string, string | string[]> = {};
  for (const field of fields(schema)) {
    const value = answers[field.key];
    if (value === undefined || value === null) continue;
    if (field.type === 'checkbox') input[field.key] = value === true ? 'true' : '';
    else if (field.type === 'checklist') input[field.key] = Array.isArray(value) ? value.map(String) : [];
    else if (field.type === 'filepicker') input[field.key] = Array.isArray(value) ? value.map(String) : [String(value)];
    else if (field.type === 'datetime') {
      const text = String(value);
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
      if (m) Object.assign(input, { [`${field.key}-day`]: String(Number(m[3])), [`${field.key}-month`]: String(Number(m[2])), [`${field.key}-year`]: m[1]! });
      const t = /(\d{2}:\d{2})$/.exec(text);
      if (t && field.subtype !== 'date') input[`${field.key}-time`] = t[1]!;
    } else input[field.key] = String(value);
  }
  return input;
}

/** How an answer reads on the check-answers page. */
export function displayAnswer(field: FieldComponent, value: unknown): string {
  if (value === undefined || value === null || value === '') return t('answer.notGiven');
  switch (field.type) {
    case 'checkbox':
      return value === true ? t('answer.yes') : t('answer.no');
    case 'checklist':
      return Array.isArray(value) && value.length > 0 ? value.map((v) => field.values?.find((x) => x.value === v)?.label ?? String(v)).join(', ') : t('answer.none');
    case 'radio':
    case 'select':
      return field.values?.find((x) => x.value === value)?.label ?? String(value);
    case 'filepicker': {
      // Names and sizes live with the stored uploads; the portal shows those. Here only how many there are.
      const n = Array.isArray(value) ? value.length : 1;
      return n === 0 ? t('answer.notGiven') : t('answer.files', { count: n });
    }
    case 'datetime': {
      const text = String(value);
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
      const date = m ? formatDay(text) : '';
      const time = /(\d{2}:\d{2})$/.exec(text)?.[1] ?? '';
      return date && time ? t('answer.dateAtTime', { date, time }) : date || time || text;
    }
    default:
      return String(value);
  }
}
