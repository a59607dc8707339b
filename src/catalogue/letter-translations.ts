import { isLanguage, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoText, type AnyLanguage } from '../i18n/index.js';
import type { Service } from './catalogue.js';
import { decisionTexts } from './decision-reasons.js';
import type { LetterLine, LetterTemplate } from './letter.js';

/**
 * A decision letter's own words in other languages (issue 21), as service.json carries the service's: letter.json's
 * `translations` maps, per language, the place of an English text (`headline.approved`, `decidedOn.2.value`,
 * `terms.refused.0`, `appeal.text`, `decidedBy.1.role`, …) to its translation. The words of the service's decision
 * tables that the letter's "The rules we applied" prints sit there too (`decisions.<decisionId>.name`,
 * `decisions.input.<inputId>`, `decisions.rule.<ruleId>`): the letter is the only place a citizen reads them. A
 * translation names the same `{{values}}` as the English text (a dropped `{{appealBy|date}}` would drop the
 * deadline), and a service is offered in a language only when its letter is complete in it.
 */
export type LetterTranslations = Readonly<Record<string, Readonly<Record<string, string>>>>;

type Fail = (field: string, message: string) => void;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads letter.json's `translations`: a language code → { place: text }; completeness is checked with the service. */
export function parseLetterTranslations(raw: unknown, fail: Fail): LetterTranslations {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    fail('letter.translations', 'must be { "es": { "headline.approved": "…" } }');
    return {};
  }
  const out: Record<string, Record<string, string>> = {};
  for (const [language, texts] of Object.entries(raw)) {
    if (!isLanguage(language) || language === 'en' || !isRecord(texts) || !Object.values(texts).every((v) => typeof v === 'string')) fail(`letter.translations.${language}`, 'must be one of es, ca, et with { place: text }');
    else out[language] = texts as Record<string, string>;
  }
  return out;
}

type Texts = Omit<LetterTemplate, 'translations'>;

/** Every place of English text the letter prints (its own, then its decision tables'), with the text. */
export function letterTexts(letter: Texts, service?: Pick<Service, 'decisions'>): [string, string][] {
  const out: [string, string][] = [['serviceName', letter.serviceName], ['headline.approved', letter.headline.approved], ['headline.refused', letter.headline.refused], ['applicant', letter.applicant]];
  letter.decidedOn.forEach((line, i) => out.push([`decidedOn.${i}.label`, line.label], [`decidedOn.${i}.value`, line.value]));
  for (const outcome of ['approved', 'refused'] as const) letter.terms[outcome].forEach((term, i) => out.push([`terms.${outcome}.${i}`, term]));
  out.push(['appeal.text', letter.appeal.text]);
  letter.decidedBy.forEach((rule, i) => out.push([`decidedBy.${i}.role`, rule.role]));
  return [...out, ...decisionTexts(service)];
}

const PLACEHOLDERS = /\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|\s*(date|money|number))?\s*\}\}/g;
const placeholders = (text: string): string => [...new Set([...text.matchAll(PLACEHOLDERS)].map((m) => `{{${m[1]}${m[2] ? `|${m[2]}` : ''}}}`))].sort().join(' ');

/** Each language the service is offered in: the letter's places without a translation, or naming other values. */
export function letterTranslationProblems(letter: LetterTemplate, service: Pick<Service, 'decisions'> | undefined, languages: readonly string[]): { where: string; message: string }[] {
  const problems: { where: string; message: string }[] = [];
  const texts = letterTexts(letter, service);
  for (const language of languages) {
    if (!isLanguage(language) || language === 'en') continue;
    const given = letter.translations?.[language] ?? {};
    const missing = texts.filter(([place]) => !given[place]?.trim()).map(([place]) => place);
    if (missing.length > 0) problems.push({ where: `letter.translations.${language}`, message: `the letter is not complete in '${language}': missing ${missing.join(', ')}` });
    const wrong = texts.filter(([place, english]) => given[place]?.trim() && placeholders(given[place]) !== placeholders(english)).map(([place, english]) => `${place} (needs ${placeholders(english) || 'no {{values}}'})`);
    if (wrong.length > 0) problems.push({ where: `letter.translations.${language}`, message: `the letter in '${language}' names other values than the English: ${wrong.join(', ')}` });
  }
  return problems;
}

const PLACEHOLDER_SPLIT = /(\{\{[^}]*\}\})/;
/** The pseudo-language (tests): the text's own words marked, its `{{values}}` left to be filled. */
const pseudo = (text: string): string => text.split(PLACEHOLDER_SPLIT).map((part, i) => (i % 2 === 1 || !/[A-Za-z]/.test(part) ? part : `${PSEUDO_OPEN}${pseudoText(part)}${PSEUDO_CLOSE}`)).join('');
const isPseudo = (language: AnyLanguage): boolean => language === 'qps' || language === 'qps-rtl';

/** A text of the letter in `language`: its translation where the letter has one, English otherwise. */
function sayer(letter: LetterTemplate | null | undefined, language: AnyLanguage): ((place: string, english: string) => string) | null {
  if (isPseudo(language)) return (_place, english) => pseudo(english);
  const given = language === 'en' ? undefined : letter?.translations?.[language];
  return given ? (place, english) => (given[place]?.trim() ? given[place] : english) : null;
}

/** The letter as a reader of `language` reads it: its texts translated where the letter has them, English otherwise. */
export function localiseLetter(letter: LetterTemplate, language: AnyLanguage): LetterTemplate {
  const say = sayer(letter, language);
  if (!say) return letter;
  const line = (l: LetterLine, i: number): LetterLine => ({ ...l, label: say(`decidedOn.${i}.label`, l.label), value: say(`decidedOn.${i}.value`, l.value) });
  return {
    ...letter,
    serviceName: say('serviceName', letter.serviceName),
    headline: { approved: say('headline.approved', letter.headline.approved), refused: say('headline.refused', letter.headline.refused) },
    applicant: say('applicant', letter.applicant),
    decidedOn: letter.decidedOn.map(line),
    terms: { approved: letter.terms.approved.map((t, i) => say(`terms.approved.${i}`, t)), refused: letter.terms.refused.map((t, i) => say(`terms.refused.${i}`, t)) },
    appeal: { ...letter.appeal, text: say('appeal.text', letter.appeal.text) },
    decidedBy: letter.decidedBy.map((r, i) => ({ ...r, role: say(`decidedBy.${i}.role`, r.role) })),
  };
}

/** The words of the service's decision tables in `language`, from the letter's translations (English where none). */
export function letterDecisionWords(letter: LetterTemplate | null | undefined, language: AnyLanguage): (place: string, english: string) => string {
  return sayer(letter, language) ?? ((_place, english) => english);
}
