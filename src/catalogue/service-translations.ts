import { isLanguage, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoText, type AnyLanguage, type Language } from '../i18n/index.js';
import type { FormComponent, FormSchema } from '../web/index.js';
import type { Service, ServicePage } from './catalogue.js';
import { letterTranslationProblems } from './letter-translations.js';

/**
 * A service's own words in other languages (issue 21). `service.json` carries `languages` (those it is offered in,
 * English always) and `translations`: per language, the English text's place (`title`, `description.0`,
 * `pages.about-you.title`, `forms.about-you.applicantName.label`, `forms.about-you.applicantRole.values.owner`, …)
 * → its translation. A service is offered in a language only when every place has one; the loader and the admin's
 * publishing refuse otherwise, naming the places missing.
 */
export type ServiceTranslations = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The field properties whose words a citizen reads (GOV.UK error messages are built from them). */
const FIELD_PROPERTIES = ['checkboxLabel', 'errorName', 'errorSubject', 'errorMessage', 'errorMessageRequired', 'patternMessage', 'errorMessageRequiredWhen'] as const;

type Texts = Pick<Service, 'title' | 'summary' | 'description' | 'whoCanApply' | 'documentsNeeded' | 'fee' | 'expectedTime' | 'department' | 'pages' | 'informationRequest' | 'documents'>;

/** Every place of English text a citizen reads, with the text, in a stable order. */
export function translatableTexts(svc: Texts): [string, string][] {
  const out: [string, string][] = [];
  for (const key of ['title', 'summary', 'fee', 'expectedTime', 'department'] as const) if (svc[key]) out.push([key, svc[key]]);
  for (const key of ['description', 'whoCanApply', 'documentsNeeded'] as const) svc[key].forEach((text, i) => out.push([`${key}.${i}`, text]));
  const formTexts = (place: string, form: FormSchema): void => {
    form.components.forEach((c, i) => {
      if (c.type === 'text') {
        out.push([`${place}.text.${i}`, c.text]);
        return;
      }
      out.push([`${place}.${c.key}.label`, c.label]);
      if (c.description) out.push([`${place}.${c.key}.description`, c.description]);
      for (const v of c.values ?? []) out.push([`${place}.${c.key}.values.${v.value}`, v.label]);
      for (const p of FIELD_PROPERTIES) if (c.properties[p]) out.push([`${place}.${c.key}.${p}`, c.properties[p]]);
    });
  };
  for (const p of svc.pages) {
    out.push([`pages.${p.id}.title`, p.title]);
    formTexts(`forms.${p.id}`, p.form);
  }
  if (svc.informationRequest) formTexts('forms.information-request', svc.informationRequest.form);
  for (const [page, rules] of Object.entries(svc.documents)) for (const [key, rule] of Object.entries(rules)) out.push([`documents.${page}.${key}.label`, rule.label]);
  return out;
}

/** The places without a translation in `language` (none for English). */
export function missingTranslations(svc: Texts, translations: ServiceTranslations | undefined, language: Language): string[] {
  if (language === 'en') return [];
  const given = translations?.[language] ?? {};
  return translatableTexts(svc).map(([place]) => place).filter((place) => !given[place]?.trim());
}

/**
 * Every declared language complete: the problems, one per language, naming the places missing; the decision letter
 * (letter.json) too when the service has one, since a letter sent later is in the case's language.
 */
export function translationProblems(svc: Texts & Partial<Pick<Service, 'letter' | 'decisions'>>, languages: readonly string[], translations: ServiceTranslations | undefined): { where: string; message: string }[] {
  const problems: { where: string; message: string }[] = [];
  for (const language of languages) {
    if (!isLanguage(language)) {
      problems.push({ where: 'languages', message: `'${language}' is not one of en, es, ca, et` });
      continue;
    }
    const missing = missingTranslations(svc, translations, language);
    if (missing.length > 0) problems.push({ where: `translations.${language}`, message: `is not complete in '${language}': missing ${missing.join(', ')}` });
  }
  if (svc.letter) problems.push(...letterTranslationProblems(svc.letter, { decisions: svc.decisions ?? [] }, languages));
  return problems;
}

const localised = new WeakMap<Service, Map<AnyLanguage, Service>>();

/**
 * The service as a reader of `language` reads it: its texts translated when the service is offered in that
 * language, the English service otherwise (the page then says so). A pseudo-language marks every text.
 */
export function localiseService(svc: Service, language: AnyLanguage): Service {
  if (language === 'en') return svc;
  const pseudo = language === 'qps' || language === 'qps-rtl';
  if (!pseudo && !(svc.languages ?? []).includes(language)) return svc;
  let byLanguage = localised.get(svc);
  if (!byLanguage) {
    byLanguage = new Map();
    localised.set(svc, byLanguage);
  }
  const known = byLanguage.get(language);
  if (known) return known;
  const given = pseudo ? {} : svc.translations?.[language] ?? {};
  const say = (place: string, english: string): string => (pseudo ? `${PSEUDO_OPEN}${pseudoText(english)}${PSEUDO_CLOSE}` : given[place] ?? english);
  const list = (key: 'description' | 'whoCanApply' | 'documentsNeeded'): string[] => svc[key].map((text, i) => say(`${key}.${i}`, text));
  const form = (place: string, schema: FormSchema): FormSchema => ({
    ...schema,
    components: schema.components.map((c, i): FormComponent => (c.type === 'text' ? { ...c, text: say(`${place}.text.${i}`, c.text) } : {
      ...c,
      label: say(`${place}.${c.key}.label`, c.label),
      ...(c.description ? { description: say(`${place}.${c.key}.description`, c.description) } : {}),
      ...(c.values ? { values: c.values.map((v) => ({ ...v, label: say(`${place}.${c.key}.values.${v.value}`, v.label) })) } : {}),
      properties: Object.fromEntries(Object.entries(c.properties).map(([k, v]) => [k, (FIELD_PROPERTIES as readonly string[]).includes(k) ? say(`${place}.${c.key}.${k}`, v) : v])),
    })),
  });
  const pages: ServicePage[] = svc.pages.map((p) => ({ ...p, title: say(`pages.${p.id}.title`, p.title), form: form(`forms.${p.id}`, p.form) }));
  const out: Service = {
    ...svc, title: say('title', svc.title), summary: say('summary', svc.summary), fee: say('fee', svc.fee), expectedTime: say('expectedTime', svc.expectedTime),
    department: say('department', svc.department), description: list('description'), whoCanApply: list('whoCanApply'), documentsNeeded: list('documentsNeeded'), pages,
    informationRequest: svc.informationRequest ? { ...svc.informationRequest, form: form('forms.information-request', svc.informationRequest.form) } : null,
    documents: Object.fromEntries(Object.entries(svc.documents).map(([page, rules]) => [page, Object.fromEntries(Object.entries(rules).map(([key, rule]) => [key, { ...rule, label: say(`documents.${page}.${key}.label`, rule.label) }]))])),
  };
  byLanguage.set(language, out);
  return out;
}

/** Is the service offered in this language (English always; a pseudo-language in tests always)? */
export const offeredIn = (svc: Pick<Service, 'languages'>, language: AnyLanguage): boolean =>
  language === 'en' || language === 'qps' || language === 'qps-rtl' || (svc.languages ?? []).includes(language);
