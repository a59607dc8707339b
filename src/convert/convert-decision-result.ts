import type { Conversion } from './convert.js';
import { attr, type XNode } from './xml.js';

/**
 * Camunda 7's read of a decision's single result in a business rule task's output mapping,
 * `${decisionResult.getSingleResult().risico}`: the entry `risico` of the one matched rule (null when no rule
 * matched). govflow (Camunda 8) stores the result by hit policy in the task's result variable: a context for a
 * single-hit decision with several outputs, the value itself for one with one output. The FEEL reads both, so it
 * is the same as Camunda 7 for a single-hit decision with several outputs or with its one output named so; the
 * review note names the cases that differ (one output of another name, a multi-hit policy).
 */
const SINGLE_RESULT = /^\s*[$#]\{\s*decisionResult\s*\.\s*getSingleResult\s*\(\s*\)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\s*$/;

/** The FEEL (without '=') for such an output parameter, with its review note; undefined when it is not that pattern. */
export function decisionResultRead(c: Conversion, param: XNode, owner: XNode): string | undefined {
  const decision = c.partsOf(owner).calledDecision;
  const entry = SINGLE_RESULT.exec(param.text)?.[1];
  if (param.local !== 'outputParameter' || owner.local !== 'businessRuleTask' || !decision || !entry) return undefined;
  const result = decision.resultVariable;
  const name = attr(param, '', 'name')?.value ?? '';
  c.note('review', param, `camunda:outputParameter '${name}' ${param.text.trim()} → '=if ${result} instance of context then ${result}.${entry} else ${result}': the decision's single result, as getSingleResult() read it, when the decision has a single-hit policy and several outputs or its one output is '${entry}'; with one output of another name Camunda 7 gave null and govflow gives that output, and with a multi-hit policy (COLLECT, RULE ORDER) govflow gives the list where Camunda 7 failed on more than one match`);
  return `if ${result} instance of context then ${result}.${entry} else ${result}`;
}
