import type { FieldComponent } from './form-schema.js';
import { currentLanguage, intlLocale, t } from '../i18n/index.js';

/**
 * Error messages worded after the GOV.UK Design System's error message guidance: say what to do ("Enter the
 * floor area", "Select the type of work") or what must be true ("Floor area must be a number"), never a question
 * and never the field's label pasted into a sentence. The form schema carries the wording in the component's
 * form-js `properties` (kept by the Camunda modeller):
 * - `errorName`: the field as the object of a sentence ("the floor area", "your full name", "the date you plan
 *   to start"). Needed when the label is a question or an instruction ("When do you plan to start?").
 * - `errorSubject`: the field as the start of a sentence ("Floor area"); defaults to `errorName` capitalised (with
 *   "a"/"an" turned into "The").
 * - `errorMessageRequired`, `errorMessageFormat`, `errorMessageMin`, `errorMessageMax`: the whole message for one
 *   kind of problem (empty; wrong type, format or choice; too small or short; too big or long).
 * - `errorMessage`: one message for every problem (a declaration's single checkbox), `patternMessage` for a pattern.
 * Without them the wording comes from the label when the label is a noun phrase ("Site plan", "Email address").
 */

/** Words a label starts with when it is a question or an instruction rather than the name of something (a question
 * starting with "What" or "When" is known by its question mark). */
const NOT_A_NAME = /^(are|is|do|does|did|has|have|can|could|will|would|should|describe|tell|give|enter|select|choose|list|explain|say|upload|confirm)\b/i;
/** A clause such as "What you did about the delay" names something without an article. */
const CLAUSE = /^(what|where|when|which|who|why|how|whether)\b/i;

/** True when a label names the thing asked for, so that it can stand in a sentence ("Site plan must be …"). */
export function labelIsAName(label: string): boolean {
  const cleaned = cleanLabel(label);
  return !cleaned.includes('?') && !NOT_A_NAME.test(cleaned) && cleaned !== '';
}

/** The label without "(optional)" and closing punctuation. */
function cleanLabel(label: string): string {
  return label.replace(/\s*\(optional\)\s*/gi, ' ').replace(/[.:]+\s*$/, '').trim();
}

const lcFirst = (s: string): string => (s.length > 1 && s[1] !== s[1]!.toUpperCase() ? s[0]!.toLowerCase() + s.slice(1) : s);
const ucFirst = (s: string): string => (s === '' ? s : s[0]!.toUpperCase() + s.slice(1));

export interface FieldWording {
  /** After a verb: "Enter {object}". */
  readonly object: string;
  /** At the start of a sentence: "{subject} must be a number". */
  readonly subject: string;
  /** False when the schema gives no name and the label cannot serve as one: the messages fall back to "your answer". */
  readonly named: boolean;
}

/** How messages name a field: the schema's `errorName`/`errorSubject`, else the label when it is a name. */
export function fieldWording(field: FieldComponent): FieldWording {
  const name = field.properties['errorName']?.trim();
  const subject = field.properties['errorSubject']?.trim();
  // "a site plan" after a verb, "The site plan" at the start of a sentence.
  if (name) return { object: name, subject: subject || ucFirst(name.replace(/^(a|an) /i, 'the ')), named: true };
  if (labelIsAName(field.label)) {
    const cleaned = cleanLabel(field.label);
    const object = /^(your|the|a|an)\b/i.test(cleaned) || CLAUSE.test(cleaned) ? lcFirst(cleaned) : `the ${lcFirst(cleaned)}`;
    return { object, subject: subject || ucFirst(cleaned), named: true };
  }
  return { object: t('errors.yourAnswer'), subject: subject || t('errors.yourAnswerSubject'), named: false };
}

const formatNumber = (n: number): string => n.toLocaleString(intlLocale(currentLanguage()), { maximumFractionDigits: 6 });

/** The kinds of problem a field can have; each maps to one message. */
export type ErrorKind =
  | 'required' | 'not-a-number' | 'too-many-decimals' | 'too-small' | 'too-big' | 'too-short' | 'too-long' | 'email' | 'pattern' | 'not-a-choice'
  | 'date-missing-part' | 'date-not-real' | 'time-not-real' | 'datetime-incomplete';

/**
 * The message for one kind of problem with a field. `detail` carries the missing date parts ("month", "day and
 * year") for `date-missing-part`.
 */
export function errorMessageFor(field: FieldComponent, kind: ErrorKind, detail = ''): string {
  const p = field.properties;
  if (p['errorMessage']) return p['errorMessage'];
  const { object, subject } = fieldWording(field);
  const v = field.validate;
  const choose = field.type === 'radio' || field.type === 'select' || field.type === 'checklist' || field.type === 'checkbox';
  const required = (): string => p['errorMessageRequired']
    ?? (field.type === 'checkbox' ? t('errors.confirm', { object }) : choose || field.type === 'filepicker' ? t('errors.select', { object }) : t('errors.enter', { object }));
  const range = (): string | undefined => (v.min !== undefined && v.max !== undefined ? t('errors.between', { subject, min: formatNumber(v.min), max: formatNumber(v.max) }) : undefined);
  switch (kind) {
    case 'required':
      return required();
    case 'not-a-choice':
      // A radio or list cannot be answered wrongly in a browser: a value not offered gets the same instruction.
      return p['errorMessageFormat'] ?? required();
    case 'not-a-number':
      return p['errorMessageFormat'] ?? t('errors.number', { subject });
    case 'too-many-decimals':
      return p['errorMessageFormat'] ?? (field.decimalDigits ? t('errors.decimals', { subject, max: formatNumber(field.decimalDigits) }) : t('errors.wholeNumber', { subject }));
    case 'too-small':
      return p['errorMessageMin'] ?? range() ?? t('errors.min', { subject, min: formatNumber(v.min ?? 0) });
    case 'too-big':
      return p['errorMessageMax'] ?? range() ?? t('errors.max', { subject, max: formatNumber(v.max ?? 0) });
    case 'too-short':
      return p['errorMessageMin'] ?? t('errors.minLength', { subject, min: formatNumber(v.minLength ?? 0) });
    case 'too-long':
      return p['errorMessageMax'] ?? t('errors.maxLength', { subject, max: formatNumber(v.maxLength ?? 0) });
    case 'email':
      return p['errorMessageFormat'] ?? t('errors.email', { object });
    case 'pattern':
      return p['patternMessage'] ?? p['errorMessageFormat'] ?? t('errors.pattern', { object });
    case 'date-missing-part':
      return t('errors.datePart', { subject, part: detail });
    case 'date-not-real':
      return p['errorMessageFormat'] ?? t('errors.realDate', { subject });
    case 'time-not-real':
      return p['errorMessageFormat'] ?? t('errors.realTime', { subject });
    case 'datetime-incomplete':
      return t('errors.dateAndTime', { subject });
  }
}
