import type { XAttr, XNode } from './xml.js';

/**
 * Camunda 7 attributes whose meaning govflow has no place for, but whose removal changes a stated, knowable thing:
 * the converter drops them and writes a REVIEW row that says exactly what is different now, so the reader can act
 * on it. Each applies on the elements named; elsewhere the attribute stays blocked.
 */
interface Change {
  readonly on: ReadonlySet<string>;
  readonly message: (a: XAttr, node: XNode) => string;
}

const evaluated = (a: XAttr) => (/[$#]\{/.test(a.value) ? ` (its expression '${a.value}' is no longer evaluated)` : '');

/** Why dropping a Camunda 7 starter list changes what it changes; `what` names the list and `who` its entries. */
export function startersDropped(what: string, who: string): string {
  return `${what} dropped: govflow has no list of who may start a process. Camunda 7 used it to offer the process to those users and groups (the startableByUser query, e.g. in Tasklist) and did not check it when an instance was started through the API. In govflow an instance is started by an admin, by an agency system whose services include this process, or by a citizen through a published service that names it; ${who} are not offered it, and nobody is refused by it. If only they may start it, publish no service for it and start it from the system those people use`;
}

const STARTERS: Change = {
  on: new Set(['process']),
  message: (a) => startersDropped(`${a.name}="${a.value}"`, `members of ${a.value}`),
};

const TENANT: Change = {
  on: new Set(['callActivity', 'businessRuleTask']),
  message: (a, node) => `${a.name}="${a.value}" dropped: govflow has one tenant, so the called ${node.local === 'callActivity' ? 'process' : 'decision'} is found by its id only${evaluated(a)}. If several tenants deploy a ${node.local === 'callActivity' ? 'process' : 'decision'} with this id in Camunda 7, run one govflow per tenant`,
};

const CHANGES: Readonly<Record<string, Change>> = {
  candidateStarterGroups: STARTERS,
  candidateStarterUsers: STARTERS,
  calledElementTenantId: TENANT,
  decisionRefTenantId: TENANT,
};

/** The review message for dropping this attribute from this element, or undefined when it stays blocked. */
export function changedAttribute(a: XAttr, node: XNode): string | undefined {
  const change = CHANGES[a.local];
  return change?.on.has(node.local) ? change.message(a, node) : undefined;
}
