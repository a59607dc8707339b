import type { EventView } from '../engine/index.js';
import { intlLocale, translate, type AnyLanguage } from '../i18n/index.js';
import type { Service } from './catalogue.js';

/**
 * Why the rules decided what they did (issue 20, "decisions explained"): each `decision.evaluated` event of a case
 * (the explanation the engine stored when the decision ran, never a re-evaluation) read with the words the service's
 * own DMN files give it: each input by its label, each rule that matched by its annotation. The clerk's case page
 * shows it in full; the decision letter says it in one sentence per decision. One reading, so the two never differ.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export interface MatchedRule {
  /** 1-based position in the table, as a person counts the rows. */
  readonly index: number;
  readonly id: string | null;
  /** The rule's annotation (DMN `<description>` or a Camunda `annotationEntry`), when the table gives one. */
  readonly annotation: string | null;
}

export interface DecisionReading {
  readonly decisionId: string;
  readonly name: string;
  /** `id`: the DMN input's id, when the service's file gives the expression one (the place of its translation). */
  readonly inputs: readonly { readonly label: string; readonly value: unknown; readonly id?: string }[];
  readonly matched: readonly MatchedRule[];
  readonly output: unknown;
}

export interface DecisionApplied {
  /** The BPMN step that applied the decision, the time, and the version of the table that ran. */
  readonly elementId: string | null;
  readonly occurredAt: string;
  readonly version: string;
  readonly decisionId: string;
  /** Each decision evaluated (required decisions first, the one asked for last). */
  readonly traces: readonly DecisionReading[];
}

/**
 * A decision's value in words: text as is, numbers grouped, yes/no, lists and records spelled out; in the reader's
 * language when one is given (a letter), English otherwise (the clerk's case page).
 */
export function valueInWords(value: unknown, language: AnyLanguage = 'en'): string {
  const locale = intlLocale(language);
  if (value === null || value === undefined) return translate(language, 'letter.value.nothing');
  if (typeof value === 'boolean') return translate(language, value ? 'letter.value.yes' : 'letter.value.no');
  if (typeof value === 'number') return value.toLocaleString(locale);
  // FEEL decimals reach the log as exact decimal text (2666.666…667): a person reads them rounded, grouped.
  if (typeof value === 'string') return /^-?\d+\.\d{4,}$/.test(value) ? Number(value).toLocaleString(locale, { maximumFractionDigits: 2 }) : value;
  if (Array.isArray(value)) return value.length === 0 ? translate(language, 'letter.value.none') : value.map((v) => valueInWords(v, language)).join('; ');
  if (isRecord(value)) return Object.entries(value).map(([k, v]) => `${k}: ${valueInWords(v, language)}`).join(', ');
  return String(value);
}

interface DmnLabels {
  /** Input expression → its label and id. */
  readonly inputs: ReadonlyMap<string, { readonly label: string; readonly id: string | null }>;
  readonly rules: ReadonlyMap<string, string>;
  /** Decision id → its name. */
  readonly names: ReadonlyMap<string, string>;
  /**
   * A rule's words for a person (a text output with a space in it, such as a refusal's reason; a code such as
   * "not-eligible" has none) → its place for a translation, `decisions.output.<ruleId>.<n>` (n: the output's
   * position). A process passes such a text on as the decision's reasons, so the letter and the status page say it.
   */
  readonly outputs: ReadonlyMap<string, string>;
}
const unescapeXml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const attribute = (attributes: string, name: string): string | null => {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(attributes);
  return m ? unescapeXml(m[1]!) : null;
};
const labelCache = new WeakMap<Pick<Service, 'decisions'>, DmnLabels>();

/** The text of a FEEL string literal (`"Your rent is…"`), or null for any other expression. */
function feelStringLiteral(expression: string): string | null {
  if (!/^"(?:[^"\\]|\\.)*"$/.test(expression)) return null;
  try {
    const text: unknown = JSON.parse(expression);
    return typeof text === 'string' ? text : null;
  } catch {
    return null;
  }
}

/**
 * The words a DMN file gives its table: each decision's name, each input expression's label, each rule's
 * annotation (DMN 1.3 `<description>` or a Camunda `annotationEntry`). Read from the service's own files, which are
 * what it deploys.
 */
function dmnLabels(service: Pick<Service, 'decisions'> | undefined): DmnLabels {
  if (!service) return { inputs: new Map(), rules: new Map(), names: new Map(), outputs: new Map() };
  const cached = labelCache.get(service);
  if (cached) return cached;
  const inputs = new Map<string, { label: string; id: string | null }>();
  const rules = new Map<string, string>();
  const names = new Map<string, string>();
  const outputs = new Map<string, string>();
  for (const d of service.decisions) {
    for (const m of d.xml.matchAll(/<(?:\w+:)?decision\b([^>]*)>/g)) {
      const id = attribute(m[1]!, 'id');
      const name = attribute(m[1]!, 'name');
      if (id && name) names.set(id, name);
    }
    for (const m of d.xml.matchAll(/<(?:\w+:)?input\b([^>]*)>\s*<(?:\w+:)?inputExpression\b[^>]*>\s*<(?:\w+:)?text>([\s\S]*?)<\/(?:\w+:)?text>/g)) {
      const label = attribute(m[1]!, 'label');
      if (label !== null) inputs.set(unescapeXml(m[2]!.trim()), { label, id: attribute(m[1]!, 'id') });
    }
    for (const m of d.xml.matchAll(/<(?:\w+:)?rule\b[^>]*\bid="([^"]*)"[^>]*>([\s\S]*?)<\/(?:\w+:)?rule>/g)) {
      const note = /<(?:\w+:)?description>([\s\S]*?)<\/(?:\w+:)?description>/.exec(m[2]!) ?? /<(?:\w+:)?annotationEntry>\s*<(?:\w+:)?text>([\s\S]*?)<\/(?:\w+:)?text>/.exec(m[2]!);
      if (note) rules.set(m[1]!, unescapeXml(note[1]!.trim()));
      [...m[2]!.matchAll(/<(?:\w+:)?outputEntry\b[^>]*>\s*<(?:\w+:)?text>([\s\S]*?)<\/(?:\w+:)?text>/g)].forEach((entry, n) => {
        const words = feelStringLiteral(unescapeXml(entry[1]!.trim()));
        if (words !== null && /\S\s+\S/.test(words) && !outputs.has(words)) outputs.set(words, `decisions.output.${m[1]!}.${n}`);
      });
    }
  }
  const labels = { inputs, rules, names, outputs };
  labelCache.set(service, labels);
  return labels;
}

/**
 * The words of a service's decision tables a letter prints, each with its place for a translation (letter.json's
 * `translations`): `decisions.<decisionId>.name`, `decisions.input.<inputId>`, `decisions.rule.<ruleId>`.
 */
export function decisionTexts(service: Pick<Service, 'decisions'> | undefined): [string, string][] {
  const labels = dmnLabels(service);
  return [
    ...[...labels.names].map(([id, name]): [string, string] => [`decisions.${id}.name`, name]),
    ...[...labels.inputs.values()].filter((i) => i.id !== null).map((i): [string, string] => [`decisions.input.${i.id!}`, i.label]),
    ...[...labels.rules].map(([id, note]): [string, string] => [`decisions.rule.${id}`, note]),
    ...[...labels.outputs].map(([words, place]): [string, string] => [place, words]),
  ];
}

/**
 * The decision's reasons in the reader's language: a reason that is a rule's own words (a table decided and the
 * process passed its text on) is said with its translation at its place; a reason a person wrote stays as written.
 */
export function reasonsInWords(service: Pick<Service, 'decisions'> | undefined, reasons: readonly string[], words: DecisionWords): string[] {
  const { outputs } = dmnLabels(service);
  return reasons.map((reason) => {
    const place = outputs.get(reason.trim());
    return place ? words(place, reason) : reason;
  });
}

/** Every decision the rules took on the case, in the order they ran, read with the service's own words. */
export function decisionsApplied(service: Pick<Service, 'decisions'> | undefined, events: readonly Pick<EventView, 'type' | 'elementId' | 'occurredAt' | 'data'>[]): DecisionApplied[] {
  const labels = dmnLabels(service);
  return events.filter((e) => e.type === 'decision.evaluated').map((e) => {
    const explanation = isRecord(e.data['explanation']) ? e.data['explanation'] : {};
    const traces = (Array.isArray(explanation['trace']) ? explanation['trace'] : []).filter(isRecord).map((t): DecisionReading => ({
      decisionId: String(t['decisionId'] ?? ''),
      name: typeof t['decisionName'] === 'string' ? t['decisionName'] : String(e.data['decisionId'] ?? 'Decision'),
      inputs: (Array.isArray(t['inputs']) ? t['inputs'] : []).filter(isRecord).map((i) => {
        const expression = String(i['expression'] ?? '').trim();
        const known = labels.inputs.get(expression);
        return { label: known?.label ?? `Input: ${expression}`, value: i['value'], ...(known?.id ? { id: known.id } : {}) };
      }),
      matched: (Array.isArray(t['matchedRules']) ? t['matchedRules'] : []).filter(isRecord).map((r) => {
        const id = typeof r['id'] === 'string' ? r['id'] : null;
        return { index: Number(r['index']), id, annotation: id === null ? null : labels.rules.get(id) ?? null };
      }),
      output: t['value'],
    }));
    return { elementId: e.elementId, occurredAt: e.occurredAt, version: String(e.data['version'] ?? ''), decisionId: String(e.data['decisionId'] ?? ''), traces };
  });
}

/** A text of a decision table in the reader's language: its translation at `place`, else the table's own words. */
export type DecisionWords = (place: string, english: string) => string;

/**
 * The letter's "why", one plain sentence per decision table that matched a rule: the table, what its matched rules
 * say, and the facts that made them match ("Licence renewal route: Any recorded violation sends the renewal to a
 * licensing officer. Based on: Registry status: active; Violations: 2."). In `language` with the table's words as
 * `words` gives them (a letter); in English with the table's own words otherwise (the clerk's case page).
 */
export function decisionReasonsInWords(applied: readonly DecisionApplied[], language: AnyLanguage = 'en', words: DecisionWords = (_place, english) => english): string[] {
  return applied.flatMap((a) => a.traces.filter((t) => t.matched.length > 0).map((t) => {
    const said = t.matched.map((r) => (r.annotation !== null && r.id !== null ? words(`decisions.rule.${r.id}`, r.annotation) : translate(language, 'letter.rules.ruleNumber', { index: r.index }))).join(' ');
    const facts = t.inputs.map((i) => `${i.id ? words(`decisions.input.${i.id}`, i.label) : i.label}: ${valueInWords(i.value, language)}`).join('; ');
    const decision = words(`decisions.${t.decisionId}.name`, t.name);
    return facts ? translate(language, 'letter.rules.withFacts', { decision, rules: said, facts }) : translate(language, 'letter.rules.withoutFacts', { decision, rules: said });
  }));
}

/** As {@link decisionReasonsInWords} for a case's events, for callers holding the events rather than the readings. */
export function caseDecisionReasons(service: Pick<Service, 'decisions'> | undefined, events: readonly Pick<EventView, 'type' | 'elementId' | 'occurredAt' | 'data'>[], language: AnyLanguage = 'en', words?: DecisionWords): string[] {
  return decisionReasonsInWords(decisionsApplied(service, events), language, words);
}
