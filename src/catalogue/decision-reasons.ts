import type { EventView } from '../engine/index.js';
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
  readonly inputs: readonly { readonly label: string; readonly value: unknown }[];
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

/** A decision's value in words: text as is, numbers grouped, yes/no, lists and records spelled out. */
export function valueInWords(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return value.toLocaleString('en-GB');
  // FEEL decimals reach the log as exact decimal text (2666.666…667): a person reads them rounded, grouped.
  if (typeof value === 'string') return /^-?\d+\.\d{4,}$/.test(value) ? Number(value).toLocaleString('en-GB', { maximumFractionDigits: 2 }) : value;
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(valueInWords).join('; ');
  if (isRecord(value)) return Object.entries(value).map(([k, v]) => `${k}: ${valueInWords(v)}`).join(', ');
  return String(value);
}

interface DmnLabels { readonly inputs: ReadonlyMap<string, string>; readonly rules: ReadonlyMap<string, string> }
const unescapeXml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const labelCache = new WeakMap<Service, DmnLabels>();

/**
 * The words a DMN file gives its table: each input expression's label, each rule's annotation (DMN 1.3
 * `<description>` or a Camunda `annotationEntry`). Read from the service's own files, which are what it deploys.
 */
function dmnLabels(service: Pick<Service, 'decisions'> | undefined): DmnLabels {
  if (!service) return { inputs: new Map(), rules: new Map() };
  const cached = labelCache.get(service as Service);
  if (cached) return cached;
  const inputs = new Map<string, string>();
  const rules = new Map<string, string>();
  for (const d of service.decisions) {
    for (const m of d.xml.matchAll(/<(?:\w+:)?input\b[^>]*\blabel="([^"]*)"[^>]*>\s*<(?:\w+:)?inputExpression\b[^>]*>\s*<(?:\w+:)?text>([\s\S]*?)<\/(?:\w+:)?text>/g)) inputs.set(unescapeXml(m[2]!.trim()), unescapeXml(m[1]!));
    for (const m of d.xml.matchAll(/<(?:\w+:)?rule\b[^>]*\bid="([^"]*)"[^>]*>([\s\S]*?)<\/(?:\w+:)?rule>/g)) {
      const note = /<(?:\w+:)?description>([\s\S]*?)<\/(?:\w+:)?description>/.exec(m[2]!) ?? /<(?:\w+:)?annotationEntry>\s*<(?:\w+:)?text>([\s\S]*?)<\/(?:\w+:)?text>/.exec(m[2]!);
      if (note) rules.set(m[1]!, unescapeXml(note[1]!.trim()));
    }
  }
  const labels = { inputs, rules };
  labelCache.set(service as Service, labels);
  return labels;
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
        return { label: labels.inputs.get(expression) ?? `Input: ${expression}`, value: i['value'] };
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

/**
 * The letter's "why", one plain sentence per decision table that matched a rule: the table, what its matched rules
 * say, and the facts that made them match ("Licence renewal route: Any recorded violation sends the renewal to a
 * licensing officer. Based on: Registry status: active; Violations: 2.").
 */
export function decisionReasonsInWords(applied: readonly DecisionApplied[]): string[] {
  return applied.flatMap((a) => a.traces.filter((t) => t.matched.length > 0).map((t) => {
    const said = t.matched.map((r) => r.annotation ?? `rule ${r.index} of the table applies.`).join(' ');
    const facts = t.inputs.map((i) => `${i.label}: ${valueInWords(i.value)}`).join('; ');
    return `${t.name}: ${said}${facts ? ` Based on: ${facts}.` : ''}`;
  }));
}

/** As {@link decisionReasonsInWords} for a case's events, for callers holding the events rather than the readings. */
export function caseDecisionReasons(service: Pick<Service, 'decisions'> | undefined, events: readonly Pick<EventView, 'type' | 'elementId' | 'occurredAt' | 'data'>[]): string[] {
  return decisionReasonsInWords(decisionsApplied(service, events));
}
