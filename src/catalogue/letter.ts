import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDay, intlLocale, type AnyLanguage } from '../i18n/index.js';
import { displayAnswer, fields } from '../web/index.js';
import type { Service } from './catalogue.js';
import { localiseLetter, parseLetterTranslations, type LetterTranslations } from './letter-translations.js';

/**
 * The decision letter of a service, as an administrator edits it: `services/<id>/letter.json`. Text may name the
 * case's variables as `{{path.to.value}}` (dotted paths; `.count` and `.last` on lists) with an optional format,
 * `{{floorArea|number}}`, `{{plannedStart|date}}`, `{{monthlyAmount|money}}`. A line whose values are missing is
 * left out (a refusal has no payment schedule), so one template serves both outcomes.
 */
export interface LetterTemplate {
  /** The service's name as people say it ("Building permit"), not its id nor its start-page title. */
  readonly serviceName: string;
  /** The headline per outcome ("Your building permit is granted"). */
  readonly headline: { readonly approved: string; readonly refused: string };
  /** Who the decision is for, as the case identified them ("Alex Demo, signed in with the national eID"). */
  readonly applicant: string;
  /** What was decided on: label/value rows, each for both outcomes unless `outcome` says one. */
  readonly decidedOn: readonly LetterLine[];
  /** Conditions and what happens next, per outcome. */
  readonly terms: { readonly approved: readonly string[]; readonly refused: readonly string[] };
  /** How to appeal; `{{appealBy}}` is the last day, `days` after the decision. */
  readonly appeal: { readonly days: number; readonly text: string };
  /** Who decided: the first rule whose `when` matches (or has none). The department is the service's. */
  readonly decidedBy: readonly { readonly when?: Readonly<Record<string, string>>; readonly role: string }[];
  /** Approved decisions valid for this many months from the day of issue (a licence period), if any. */
  readonly validForMonths?: number;
  /** Per language, the place of an English text → its translation (letter-translations.ts). */
  readonly translations?: LetterTranslations;
}

export interface LetterLine {
  readonly label: string;
  readonly value: string;
  readonly outcome?: 'approved' | 'refused';
}

type Fail = (field: string, message: string) => void;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LIMIT = 2000;

function str(raw: Record<string, unknown>, key: string, at: string, fail: Fail): string {
  const v = raw[key];
  if (typeof v !== 'string' || v.trim() === '' || v.length > LIMIT) {
    fail(`${at}${key}`, `must be a non-empty text of at most ${LIMIT} characters`);
    return '';
  }
  return v;
}

function strings(raw: unknown, at: string, fail: Fail): string[] {
  if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string' || s.length > LIMIT)) {
    fail(at, 'must be a list of texts');
    return [];
  }
  return raw as string[];
}

/** Checks a letter template, naming every wrong field through `fail`. */
export function parseLetterTemplate(raw: unknown, fail: Fail): LetterTemplate | null {
  if (!isRecord(raw)) {
    fail('letter', 'must be an object { serviceName, headline, applicant, decidedOn, terms, appeal, decidedBy }');
    return null;
  }
  const headline = isRecord(raw['headline']) ? raw['headline'] : {};
  const terms = isRecord(raw['terms']) ? raw['terms'] : {};
  const appeal = isRecord(raw['appeal']) ? raw['appeal'] : {};
  const days = appeal['days'];
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 365) fail('letter.appeal.days', 'must be a whole number of days from 1 to 365');
  const decidedOn: LetterLine[] = [];
  if (!Array.isArray(raw['decidedOn'])) fail('letter.decidedOn', 'must be a list of { label, value, outcome? }');
  else for (const [i, line] of raw['decidedOn'].entries()) {
    if (!isRecord(line)) { fail(`letter.decidedOn[${i}]`, 'must be { label, value, outcome? }'); continue; }
    const outcome = line['outcome'];
    if (outcome !== undefined && outcome !== 'approved' && outcome !== 'refused') fail(`letter.decidedOn[${i}].outcome`, "must be 'approved' or 'refused'");
    decidedOn.push({ label: str(line, 'label', `letter.decidedOn[${i}].`, fail), value: str(line, 'value', `letter.decidedOn[${i}].`, fail), ...(outcome === 'approved' || outcome === 'refused' ? { outcome } : {}) });
  }
  const decidedBy: { when?: Record<string, string>; role: string }[] = [];
  if (!Array.isArray(raw['decidedBy']) || raw['decidedBy'].length === 0) fail('letter.decidedBy', 'must be a non-empty list of { when?, role }');
  else for (const [i, rule] of raw['decidedBy'].entries()) {
    if (!isRecord(rule)) { fail(`letter.decidedBy[${i}]`, 'must be { when?, role }'); continue; }
    const when = rule['when'];
    if (when !== undefined && (!isRecord(when) || Object.values(when).some((v) => typeof v !== 'string'))) fail(`letter.decidedBy[${i}].when`, 'must map variable paths to texts');
    decidedBy.push({ role: str(rule, 'role', `letter.decidedBy[${i}].`, fail), ...(isRecord(when) ? { when: when as Record<string, string> } : {}) });
  }
  const translations = parseLetterTranslations(raw['translations'], fail);
  const months = raw['validForMonths'];
  if (months !== undefined && (typeof months !== 'number' || !Number.isInteger(months) || months < 1 || months > 120)) fail('letter.validForMonths', 'must be a whole number of months from 1 to 120');
  return {
    serviceName: str(raw, 'serviceName', 'letter.', fail),
    headline: { approved: str(headline, 'approved', 'letter.headline.', fail), refused: str(headline, 'refused', 'letter.headline.', fail) },
    applicant: str(raw, 'applicant', 'letter.', fail),
    decidedOn,
    terms: { approved: strings(terms['approved'], 'letter.terms.approved', fail), refused: strings(terms['refused'], 'letter.terms.refused', fail) },
    appeal: { days: typeof days === 'number' ? days : 0, text: str(appeal, 'text', 'letter.appeal.', fail) },
    decidedBy,
    ...(typeof months === 'number' ? { validForMonths: months } : {}),
    ...(Object.keys(translations).length > 0 ? { translations } : {}),
  };
}

/** Reads `letter.json` from the service folder; a service without one issues letters without these sections. */
export async function readLetterTemplate(directory: string, fail: Fail): Promise<LetterTemplate | null> {
  let text: string;
  try {
    text = await readFile(path.join(directory, 'letter.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    return parseLetterTemplate(JSON.parse(text), fail);
  } catch {
    fail('letter', 'letter.json is not valid JSON');
    return null;
  }
}

function lookup(variables: Record<string, unknown>, dotted: string): unknown {
  let value: unknown = variables;
  for (const part of dotted.split('.')) {
    if (Array.isArray(value)) value = part === 'count' ? value.length : part === 'last' ? value[value.length - 1] : /^\d+$/.test(part) ? value[Number(part)] : undefined;
    else if (isRecord(value) && Object.hasOwn(value, part)) value = value[part];
    else return undefined;
  }
  return value;
}

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** 3 April 2027, for a date or date-time (the date as written, not shifted by a zone); in `language` through Intl. */
export function letterDate(value: string, language: AnyLanguage = 'en'): string {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(value)?.[0];
  if (!day) return value;
  return language === 'en' ? DAY.format(new Date(`${day}T00:00:00Z`)) : formatDay(day, language);
}

// English letters keep the form they were issued in ("EUR 1,250.00"); other languages are Intl's ("1.250,00 EUR").
const number = (value: number, language: AnyLanguage, options: Intl.NumberFormatOptions = {}): string => value.toLocaleString(intlLocale(language), options);

function format(value: unknown, how: string | undefined, language: AnyLanguage): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (how === 'date' && typeof value === 'string') return letterDate(value, language);
  if (how === 'money' && typeof value === 'number') {
    return language === 'en' ? `EUR ${number(value, language, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : number(value, language, { style: 'currency', currency: 'EUR', currencyDisplay: 'code', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  if (how === 'number' && typeof value === 'number') return number(value, language);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return undefined;
}

/** Fills `{{…}}` (values formatted for `language`); null when any value is missing (the line is then left out). */
export function fillLetterText(text: string, variables: Record<string, unknown>, language: AnyLanguage = 'en'): string | null {
  let missing = false;
  const out = text.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|\s*(date|money|number))?\s*\}\}/g, (_m, key: string, how: string | undefined) => {
    const v = format(lookup(variables, key), how, language);
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? null : out;
}

function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate() - 1));
  return end.toISOString().slice(0, 10);
}

/**
 * The letter for one case: the template filled from the case's variables (`variables`, as the one letter-data
 * function returns them), the outcome and the day of issue. Every text is resolved: what the signed decision
 * carries (documents' `DecisionLetter`, plus the licence period) needs nothing from the reader's software.
 * `rulesApplied` is the case's decisions in plain words (decision-reasons.ts), the letter's "the rules we applied".
 * `language` is the case's (the citizen's when they applied): the letter's words and its dates, numbers and money.
 */
export function composeLetter(english: LetterTemplate, department: string, variables: Record<string, unknown>, outcome: 'approved' | 'refused', issuedAt: string, rulesApplied: readonly string[] = [], language: AnyLanguage = 'en') {
  const template = localiseLetter(english, language);
  const validity = outcome === 'approved' && template.validForMonths ? { validFrom: issuedAt.slice(0, 10), validUntil: addMonths(issuedAt, template.validForMonths) } : {};
  const appealBy = new Date(Date.parse(issuedAt) + template.appeal.days * 86_400_000).toISOString().slice(0, 10);
  const all: Record<string, unknown> = { ...variables, ...validity, issuedAt, appealBy, appealDays: template.appeal.days, department };
  const fill = (text: string): string | null => fillLetterText(text, all, language);
  const rule = template.decidedBy.find((r) => Object.entries(r.when ?? {}).every(([key, want]) => String(lookup(all, key)) === want)) ?? template.decidedBy[template.decidedBy.length - 1]!;
  return {
    serviceName: template.serviceName,
    headline: fill(template.headline[outcome]) ?? template.headline[outcome],
    applicant: fill(template.applicant) ?? String(all['applicantName'] ?? ''),
    decidedOn: template.decidedOn.filter((l) => !l.outcome || l.outcome === outcome).flatMap((l) => {
      const value = fill(l.value);
      return value === null ? [] : [{ label: l.label, value }];
    }),
    terms: template.terms[outcome].map(fill).filter((t): t is string => t !== null),
    appeal: { text: fill(template.appeal.text) ?? template.appeal.text, by: appealBy },
    decidedBy: { role: fill(rule.role) ?? rule.role, department },
    ...(rulesApplied.length > 0 ? { rulesApplied } : {}),
    ...validity,
  };
}

/** The citizen's answers as the check-answers page showed them (labels of choices, dates in words), by field key. */
export function answersAsShown(service: Pick<Service, 'pages'>, variables: Record<string, unknown>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const page of service.pages) {
    for (const field of fields(page.form)) if (field.type !== 'filepicker' && variables[field.key] !== undefined) shown[field.key] = displayAnswer(field, variables[field.key]);
  }
  return shown;
}
