import { changedAttribute } from './changed-attributes.js';
import type { Conversion } from './convert.js';
import { jobTypeOf } from './juel.js';
import { attr, BPMN_NS, CAMUNDA_NS, type XAttr, type XNode } from './xml.js';

/**
 * Camunda 7 attributes on BPMN elements (camunda:class, camunda:assignee, …): each is converted to its Zeebe form,
 * dropped with a note when it has no run-time meaning in govflow, or reported as blocked (and left in place).
 */

/** Attributes that change nothing in govflow: dropped, each with a note saying why. */
const NEUTRAL: Record<string, string> = {
  async: 'govflow commits at every wait state and job, so an asynchronous continuation changes nothing',
  asyncBefore: 'govflow commits at every wait state and job, so an asynchronous continuation changes nothing',
  asyncAfter: 'govflow commits at every wait state and job, so an asynchronous continuation changes nothing',
  exclusive: 'job exclusivity is a Camunda 7 job-executor setting; govflow runs one step of a case at a time',
  jobPriority: 'govflow hands out jobs in the order they were created',
  taskPriority: 'govflow hands out jobs in the order they were created',
  historyTimeToLive: 'retention is set per service (service.json), not per model',
  versionTag: 'a version tag is a label; govflow calls the latest version of a process',
  isStartableInTasklist: 'cases start through services and the API, not a Tasklist start form',
  diagramRelationId: 'modeller metadata',
  modelerTemplate: 'modeller metadata (element templates)',
  modelerTemplateVersion: 'modeller metadata (element templates)',
  errorMessage: 'the message text of an error is documentation',
};

/** Attributes govflow cannot honour: blocked, with what to do instead. */
const BLOCKED: Record<string, string> = {
  initiator: 'the starting user is recorded on the case; read it from the case instead of a variable',
  candidateStarterGroups: 'who may start a case is set on the service (services/*/service.json); dropping it would let anyone start',
  candidateStarterUsers: 'who may start a case is set on the service (services/*/service.json); dropping it would let anyone start',
  formHandlerClass: 'Java form handlers do not run; link a form with formKey',
  calledElementVersion: 'govflow calls the latest version of a process; remove the version binding',
  calledElementVersionTag: 'govflow calls the latest version of a process; remove the version binding',
  calledElementTenantId: 'govflow has no tenants; remove it',
  decisionRefTenantId: 'govflow has no tenants; remove it',
  caseRef: 'CMMN cases do not run in govflow; call a BPMN process instead',
  caseBinding: 'CMMN cases do not run in govflow',
  caseVersion: 'CMMN cases do not run in govflow',
  caseTenantId: 'CMMN cases do not run in govflow',
  variableMappingClass: 'Java variable mappings do not run; use camunda:in / camunda:out',
  variableMappingDelegateExpression: 'Java variable mappings do not run; use camunda:in / camunda:out',
  errorCodeVariable: 'read the error code from the variables the worker throws the error with',
  errorMessageVariable: 'read the error message from the variables the worker throws the error with',
  escalationCodeVariable: 'the escalation code is known from the catching event',
  variableName: 'conditional event variable filters are not converted; remove it (the condition is still evaluated)',
  variableEvents: 'conditional event variable filters are not converted; remove it',
  resource: 'an external script or expression resource is not read; write the FEEL inline',
  resultVariable: 'nothing converted here produces a result for it (a FEEL script, a decision or a delegate expression does)',
};

const JOB_ELEMENTS = new Set(['serviceTask', 'sendTask', 'businessRuleTask', 'messageEventDefinition']);

/** The element that carries zeebe parts for an attribute: the event for a message event definition. */
function jobOwner(node: XNode): XNode {
  return node.local === 'messageEventDefinition' && node.parent ? node.parent : node;
}

export function convertAttributes(c: Conversion, node: XNode): void {
  const camunda = node.attrs.filter((a) => a.uri === CAMUNDA_NS);
  // A call activity is converted even without camunda attributes: Camunda 7 passes it no variables unless mapped.
  if (camunda.length === 0 && node.local !== 'callActivity') return;
  const handled = new Set<XAttr>();
  const take = (local: string): XAttr | undefined => {
    const a = camunda.find((x) => x.local === local);
    if (a) handled.add(a);
    return a;
  };
  const done = (a: XAttr | undefined, severity: 'info' | 'review', message: string) => {
    if (!a) return;
    c.removeAttr(a);
    c.note(severity, node, message, { attribute: a.name, offset: a.start });
  };
  if (JOB_ELEMENTS.has(node.local)) convertJob(c, node, take, done);
  if (node.local === 'userTask') convertUserTask(c, node, take, done);
  if (node.local === 'userTask' || node.local === 'startEvent') convertForm(c, node, take, done);
  if (node.local === 'callActivity') convertCallActivity(c, node, take, done);
  if (node.local === 'multiInstanceLoopCharacteristics') convertLoop(c, node, take, done);
  if (node.local === 'scriptTask' && c.parts.get(node)?.script) {
    const rv = take('resultVariable');
    if (rv) c.removeAttr(rv); // written into zeebe:script, whose note names it
  }
  for (const a of camunda) {
    if (handled.has(a)) continue;
    const neutral = NEUTRAL[a.local];
    const changed = changedAttribute(a, node);
    if (neutral) {
      handled.add(a);
      done(a, 'info', `${a.name} dropped: ${neutral}`);
    } else if (changed) {
      handled.add(a);
      done(a, 'review', changed);
    } else {
      c.note('blocked', node, `${a.name}="${a.value}" is not converted: ${BLOCKED[a.local] ?? 'govflow has no equivalent; remove it or model the behaviour another way'}`, { attribute: a.name, offset: a.start });
    }
  }
}

type Take = (local: string) => XAttr | undefined;
type Done = (a: XAttr | undefined, severity: 'info' | 'review', message: string) => void;

function convertJob(c: Conversion, node: XNode, take: Take, done: Done): void {
  const owner = jobOwner(node);
  const parts = c.partsOf(owner);
  const klass = take('class');
  const delegate = take('delegateExpression');
  const expression = take('expression');
  const type = take('type');
  const topic = take('topic');
  const decisionRef = take('decisionRef');
  if (decisionRef) {
    convertDecision(c, node, decisionRef, take, done);
    return;
  }
  if (type && type.value !== 'external') {
    c.note('blocked', node, `camunda:type="${type.value}" (a Camunda 7 connector) does not run; use camunda:type="external" with a topic or a job worker`, { attribute: type.name, offset: type.start });
    return;
  }
  const source = topic ?? klass ?? delegate ?? expression;
  const others = [klass, delegate, expression].filter((a) => a && a !== source);
  if (others.length > 0) {
    c.note('blocked', node, `${[source, ...others].map((a) => a!.name).join(' and ')}: one element with two implementations; keep one`, { attribute: others[0]!.name, offset: others[0]!.start });
    return;
  }
  if (!source) {
    if (type) c.note('blocked', node, 'camunda:type="external" without camunda:topic names no job type; add the topic', { attribute: type.name, offset: type.start });
    return;
  }
  const jobType = topic ? topic.value : jobTypeOf(source.value);
  parts.taskDefinition = { type: jobType, ...(parts.taskDefinition?.retries ? { retries: parts.taskDefinition.retries } : {}) };
  if (type) done(type, 'info', 'camunda:type="external" → zeebe:taskDefinition (external task topic = job type)');
  const what = topic ? 'external task topic' : klass ? 'Java class' : delegate ? 'delegate expression' : 'expression';
  done(source, 'review', `${what} '${source.value}' → job type '${jobType}': a job worker of that type must do what the ${what} did`);
  if (expression && /\(/.test(expression.value)) {
    const header = c.options.expressionHeader ?? 'camunda7Expression';
    parts.headers.push({ key: header, value: expression.value });
    c.note('review', node, `the expression's arguments are not evaluated; the worker finds the original expression in the job header '${header}'`, { attribute: expression.name, offset: expression.start });
  }
  const rv = take('resultVariable');
  done(rv, 'review', `camunda:resultVariable '${rv?.value ?? ''}' dropped: the job worker must complete the job with the variable '${rv?.value ?? ''}'`);
}

function convertDecision(c: Conversion, node: XNode, ref: XAttr, take: Take, done: Done): void {
  const parts = c.partsOf(node);
  const binding = take('decisionRefBinding');
  const version = take('decisionRefVersion');
  const tag = take('decisionRefVersionTag');
  const rv = take('resultVariable');
  const map = take('mapDecisionResult');
  const decisionId = c.attempt(node, 'decisionRef', { attribute: ref.name, offset: ref.start }, () => c.value(ref.value));
  if (decisionId === undefined) return;
  const kind = binding?.value ?? 'latest';
  if (kind === 'version') {
    c.note('blocked', node, `decisionRefBinding="version" (version ${version?.value ?? '?'}) has no Camunda 8 form; give that decision version a versionTag and bind with decisionRefBinding="versionTag"`, { attribute: binding!.name, offset: binding!.start });
    return;
  }
  parts.calledDecision = {
    decisionId, resultVariable: rv?.value ?? 'decisionResult',
    ...(kind !== 'latest' ? { bindingType: kind } : {}), ...(kind === 'versionTag' && tag ? { versionTag: tag.value } : {}),
  };
  done(ref, 'info', `camunda:decisionRef → zeebe:calledDecision decisionId '${decisionId}'${kind !== 'latest' ? ` (binding ${kind})` : ''}`);
  done(binding, 'info', `decisionRefBinding '${kind}' → zeebe:calledDecision bindingType`);
  done(tag, 'info', 'decisionRefVersionTag → zeebe:calledDecision versionTag');
  if (version) done(version, 'info', 'decisionRefVersion dropped: the binding is not "version"');
  if (!rv) c.note('review', node, 'no camunda:resultVariable: Camunda 7 kept the result only for output mappings; govflow stores it in \'decisionResult\'');
  else done(rv, 'info', `camunda:resultVariable '${rv.value}' → zeebe:calledDecision resultVariable`);
  // Camunda 7 maps the result as asked (resultList by default); Camunda 8 by the hit policy. They agree only in
  // the cases named below, which depend on the DMN file, so the note says which to check.
  const mapping = map?.value ?? 'resultList';
  const same: Record<string, string> = {
    singleEntry: 'the same for a decision with one output and a single-hit policy (a value)',
    singleResult: 'the same for a decision with several outputs and a single-hit policy (a context)',
    collectEntries: 'the same for a COLLECT decision with one output (a list of values)',
    resultList: 'the same only for a COLLECT decision with several outputs (a list of contexts); a single-hit decision now gives a value or context, not a list',
  };
  const message = `the result variable holds the decision result by hit policy (Camunda 8), where Camunda 7 applied mapDecisionResult="${mapping}": ${same[mapping] ?? 'check the DMN file'}`;
  if (map) done(map, 'review', message);
  else if (rv) c.note('review', node, message);
}

function convertUserTask(c: Conversion, node: XNode, take: Take, done: Done): void {
  const parts = c.partsOf(node);
  for (const key of ['assignee', 'candidateUsers', 'candidateGroups', 'dueDate', 'followUpDate', 'priority'] as const) {
    const a = take(key);
    if (!a) continue;
    const value = c.attempt(node, `camunda:${key} '${a.value}'`, { attribute: a.name, offset: a.start }, () => c.value(a.value));
    if (value === undefined) continue;
    if (key === 'dueDate' || key === 'followUpDate') parts.schedule[key] = value;
    else if (key === 'priority') parts.priority = value;
    else parts.assignment[key] = value;
    const target = key === 'dueDate' || key === 'followUpDate' ? 'zeebe:taskSchedule' : key === 'priority' ? 'zeebe:priorityDefinition' : 'zeebe:assignmentDefinition';
    done(a, 'info', `camunda:${key} '${a.value}' → ${target} ${key === 'priority' ? 'priority' : key} '${value}'`);
  }
}

function convertForm(c: Conversion, node: XNode, take: Take, done: Done): void {
  const key = take('formKey');
  const ref = take('formRef');
  const binding = take('formRefBinding');
  const version = take('formRefVersion');
  const value = key ? c.attempt(node, 'camunda:formKey', { attribute: key.name, offset: key.start }, () => c.value(key.value)) : undefined;
  if (key && value !== undefined) {
    c.partsOf(node).form = { formKey: value };
    const embedded = /^(embedded|app|deployment):/.test(value) || value.startsWith('camunda-forms:app:');
    done(key, embedded ? 'review' : 'info', `camunda:formKey '${key.value}' → zeebe:formDefinition formKey${embedded ? '; an HTML or app form of Camunda 7 is not shown by the workbench: link a govflow form (formId) when you have one' : ''}`);
  }
  if (!ref) {
    for (const a of [binding, version]) if (a) c.note('blocked', node, `${a.name} without camunda:formRef binds no form; remove it or add the formRef`, { attribute: a.name, offset: a.start });
  }
  if (ref) {
    if (binding && binding.value !== 'latest') {
      c.note('blocked', node, `formRefBinding="${binding.value}": govflow links the latest version of a form; remove the binding`, { attribute: binding.name, offset: binding.start });
      return;
    }
    c.partsOf(node).form = { formId: ref.value };
    done(ref, 'info', `camunda:formRef '${ref.value}' → zeebe:formDefinition formId`);
    done(binding, 'info', 'formRefBinding latest is govflow\'s only binding');
    if (version) done(version, 'info', 'formRefVersion dropped: the binding is latest');
  }
}

function convertCallActivity(c: Conversion, node: XNode, take: Take, done: Done): void {
  const binding = take('calledElementBinding');
  if (binding) {
    if (binding.value === 'latest') done(binding, 'info', 'calledElementBinding latest is govflow\'s binding');
    else c.note('blocked', node, `calledElementBinding="${binding.value}": govflow calls the latest version of a process; remove the binding`, { attribute: binding.name, offset: binding.start });
  }
  const called = attr(node, '', 'calledElement');
  if (!called) return;
  const id = c.attempt(node, 'calledElement', { attribute: 'calledElement', offset: called.start }, () => c.value(called.value));
  if (id === undefined) return;
  // Camunda 7 passes only what camunda:in / camunda:out map; extension-rules.ts turns variables="all" on.
  c.partsOf(node).calledElement = { processId: id, propagateAllParentVariables: false, propagateAllChildVariables: false };
  c.note('info', node, `calledElement '${called.value}' → zeebe:calledElement processId '${id}', passing only the variables camunda:in / camunda:out map (Camunda 7's semantics; variables="all" passes all)`, { attribute: 'calledElement', offset: called.start });
}

function convertLoop(c: Conversion, node: XNode, take: Take, done: Done): void {
  const collection = take('collection');
  const element = take('elementVariable');
  if (!collection) {
    if (element) c.note('blocked', node, 'camunda:elementVariable without camunda:collection', { attribute: element.name, offset: element.start });
    return;
  }
  const raw = collection.value.trim();
  const feel = c.attempt(node, `camunda:collection '${raw}'`, { attribute: collection.name, offset: collection.start }, () => c.value(raw));
  if (feel === undefined) return;
  // Without ${ } Camunda 7 reads the collection as a variable name.
  const inputCollection = feel.startsWith('=') ? feel : `=${raw}`;
  c.partsOf(node).loop = { inputCollection, ...(element ? { inputElement: element.value } : {}) };
  done(collection, 'info', `camunda:collection '${raw}' → zeebe:loopCharacteristics inputCollection '${inputCollection}'`);
  done(element, 'info', 'camunda:elementVariable → zeebe:loopCharacteristics inputElement');
  if (node.children.some((ch) => ch.uri === BPMN_NS && ch.local === 'loopCardinality')) {
    c.note('review', node, 'loopCardinality next to a collection: govflow runs one instance per collection item and ignores the cardinality');
  }
}
