import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { caseDecisionReasons, serviceCaseSla, type Service } from '../catalogue/index.js';
import type { EventView, ProcessInstanceView } from '../engine/index.js';
import { GovflowError } from '../kernel/index.js';

/**
 * The trainee's feedback when a sandbox session ends: per synthetic case, whether the trainee decided it within the
 * service's case SLA (the one SLA clock, `serviceCaseSla`, read at the moment of the trainee's last action on it),
 * what the service's DMN tables said about it (the stored `decision.evaluated` events, in the rules' own words), and
 * whether the trainee's decision differs from the one the rules give on the same inputs — a "rule missed".
 *
 * Which form field holds a decision and which DMN answer means which decision is the service's business, so it is
 * declared next to the service: `services/<id>/training.json` (`{ "decisionField": "decision", "rules": [{
 * "variable": "eligibility.eligibility", "expected": { "eligible": "approved", "not-eligible": "refused" } }] }`).
 * A DMN answer the file does not map (an edge case that goes to a person on purpose) expects nothing: a judgement
 * call, shown with the rules' words but never counted as missed.
 */

export interface TrainingRules {
  /** The task form field whose value is the case's decision (default `decision`). */
  readonly decisionField: string;
  /** A variable path (`eligibility.eligibility`) and the decision each of its values calls for. */
  readonly rules: readonly { readonly variable: string; readonly expected: Readonly<Record<string, string>> }[];
}

export const DEFAULT_TRAINING_RULES: TrainingRules = { decisionField: 'decision', rules: [] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `training.json` of a service (none: the default rules); a malformed file is named, never half-read. */
export async function readTrainingRules(service: Pick<Service, 'id' | 'directory'>): Promise<TrainingRules> {
  const file = path.join(service.directory, 'training.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return DEFAULT_TRAINING_RULES;
  }
  const problem = (message: string): GovflowError => new GovflowError('GOVFLOW_ERR_VALIDATION', `services/${service.id}/training.json: ${message}`, [{ where: `services/${service.id}/training.json`, message }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw problem(`not JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed)) throw problem('must be an object');
  const field = parsed['decisionField'] ?? 'decision';
  if (typeof field !== 'string' || field === '') throw problem('decisionField must be a form field key');
  const rules = parsed['rules'] ?? [];
  if (!Array.isArray(rules)) throw problem('rules must be a list');
  return {
    decisionField: field,
    rules: rules.map((r, i) => {
      if (!isRecord(r) || typeof r['variable'] !== 'string' || !isRecord(r['expected']) || !Object.values(r['expected']).every((v) => typeof v === 'string')) {
        throw problem(`rules[${i}] needs "variable" (a variable path) and "expected" (DMN answer → decision, both strings)`);
      }
      return { variable: r['variable'], expected: r['expected'] as Record<string, string> };
    }),
  };
}

export interface CaseFeedback {
  readonly reference: string;
  /** Whether the trainee acted on the case at all (completed one of its tasks). */
  readonly worked: boolean;
  readonly decision: string | null;
  /** The decision the rules call for on the case's inputs; null where no rule decides (a judgement call). */
  readonly expected: string | null;
  readonly ruleMissed: boolean;
  /** Decided within the case SLA; null for a case the trainee did not work or a service without one. */
  readonly withinSla: boolean | null;
  readonly dueAt: string | null;
  readonly decidedAt: string | null;
  /** What the DMN tables said, in their own words. */
  readonly rulesSaid: readonly string[];
}

export interface SessionFeedback {
  readonly cases: readonly CaseFeedback[];
  readonly offered: number;
  readonly worked: number;
  readonly withinSla: number;
  readonly rulesMissed: number;
  /** Per cent of the cases offered that the trainee decided within the SLA without missing a rule. */
  readonly score: number;
}

const valueAt = (variables: Record<string, unknown>, dotted: string): unknown =>
  dotted.split('.').reduce<unknown>((v, key) => (isRecord(v) ? v[key] : undefined), variables);

export function caseFeedback(service: Pick<Service, 'sla' | 'informationRequest' | 'payment' | 'decisions'>, rules: TrainingRules, trainee: string, instance: ProcessInstanceView, events: readonly EventView[]): CaseFeedback {
  const mine = events.filter((e) => e.type === 'task.completed' && e.actor === trainee);
  const decidedAt = mine.at(-1)?.occurredAt ?? null;
  const variables = instance.variables as Record<string, unknown>;
  const raw = decidedAt ? variables[rules.decisionField] : undefined;
  const decision = typeof raw === 'string' ? raw : null;
  const expectations = rules.rules.map((r) => r.expected[String(valueAt(variables, r.variable))]).filter((v): v is string => v !== undefined);
  const expected = expectations[0] ?? null;
  const sla = decidedAt ? serviceCaseSla(service, instance.startedAt, events, new Date(decidedAt), null) : null;
  return {
    reference: instance.businessKey ?? `case ${instance.id}`, worked: decidedAt !== null, decision, expected,
    ruleMissed: decision !== null && expected !== null && decision !== expected,
    withinSla: decidedAt && sla ? !sla.overdue : null, dueAt: sla?.dueAt ?? null, decidedAt,
    rulesSaid: caseDecisionReasons(service, events),
  };
}

export function sessionFeedback(cases: readonly CaseFeedback[]): SessionFeedback {
  const worked = cases.filter((c) => c.worked);
  const good = worked.filter((c) => c.withinSla !== false && !c.ruleMissed).length;
  return {
    cases, offered: cases.length, worked: worked.length,
    withinSla: worked.filter((c) => c.withinSla === true).length,
    rulesMissed: cases.filter((c) => c.ruleMissed).length,
    score: cases.length === 0 ? 0 : Math.round((100 * good) / cases.length),
  };
}
