import { fields, validateAnswers, type FieldComponent, type FormSchema, type RawInput } from './form-schema.js';

/**
 * Every error a form can show, found by sending it the answers that go wrong (nothing, the wrong type, out of
 * range, a date that does not exist) through the real validation. The content test checks each message against
 * the GOV.UK patterns and `npm run docs:error-messages` lists them in docs/portal.md for review.
 */
export interface ProbedError {
  readonly key: string;
  readonly label: string;
  /** What was sent: "empty", "not a number", "too small", "bad date: 31/2/2024", … */
  readonly probe: string;
  readonly message: string;
}

/** Strings that fail a pattern more often than not: one of them is kept only if it really fails. */
const PATTERN_MISSES = ['!!', 'zz', '0', 'A'];

function probesFor(field: FieldComponent): { probe: string; input: RawInput }[] {
  const v = field.validate;
  const k = field.key;
  const out: { probe: string; input: RawInput }[] = [];
  if (v.required || field.type === 'checkbox') out.push({ probe: 'empty', input: {} });
  switch (field.type) {
    case 'number':
      out.push({ probe: 'not a number', input: { [k]: 'twelve' } });
      if (field.decimalDigits !== undefined) out.push({ probe: 'too many decimals', input: { [k]: `1.${'5'.repeat(field.decimalDigits + 1)}` } });
      if (v.min !== undefined) out.push({ probe: 'too small', input: { [k]: String(v.min - 1) } });
      if (v.max !== undefined) out.push({ probe: 'too big', input: { [k]: String(v.max + 1) } });
      break;
    case 'textfield':
    case 'textarea':
      if (v.minLength !== undefined && v.minLength > 1) out.push({ probe: 'too short', input: { [k]: 'x'.repeat(v.minLength - 1) } });
      if (v.maxLength !== undefined) out.push({ probe: 'too long', input: { [k]: 'x'.repeat(v.maxLength + 1) } });
      if (v.validationType === 'email') out.push({ probe: 'not an email address', input: { [k]: 'name.example.com' } });
      if (v.pattern !== undefined) {
        const pattern = new RegExp(`^(?:${v.pattern})$`, 'u');
        const miss = PATTERN_MISSES.find((s) => !pattern.test(s));
        if (miss !== undefined) out.push({ probe: `wrong format: ${miss}`, input: { [k]: miss } });
      }
      break;
    case 'radio':
    case 'select':
    case 'checklist':
      out.push({ probe: 'a value not offered', input: { [k]: '\u0000not-offered' } });
      break;
    case 'datetime':
      if (field.subtype !== 'time') {
        out.push({ probe: 'bad date: 31/2/2024', input: { [`${k}-day`]: '31', [`${k}-month`]: '2', [`${k}-year`]: '2024' } });
        out.push({ probe: 'date without a month', input: { [`${k}-day`]: '3', [`${k}-year`]: '2024' } });
        out.push({ probe: 'date in words', input: { [`${k}-day`]: 'third', [`${k}-month`]: 'May', [`${k}-year`]: '24' } });
      }
      if (field.subtype !== 'date') out.push({ probe: 'bad time: 25:61', input: { [`${k}-time`]: '25:61', ...(field.subtype === 'datetime' ? { [`${k}-day`]: '3', [`${k}-month`]: '5', [`${k}-year`]: '2024' } : {}) } });
      if (field.subtype === 'datetime') out.push({ probe: 'date without a time', input: { [`${k}-day`]: '3', [`${k}-month`]: '5', [`${k}-year`]: '2024' } });
      break;
    default:
      break;
  }
  return out;
}

/** The errors of every field of a form, one per probe, each message as validation words it. */
export function probeFormErrors(schema: FormSchema): ProbedError[] {
  const out: ProbedError[] = [];
  for (const field of fields(schema)) {
    for (const { probe, input } of probesFor(field)) {
      const error = validateAnswers(schema, input).errors.find((e) => e.key === field.key);
      if (error) out.push({ key: field.key, label: field.label, probe, message: error.message });
    }
  }
  return out;
}
