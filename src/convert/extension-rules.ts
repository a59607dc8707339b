import { startersDropped } from './changed-attributes.js';
import type { Conversion } from './convert.js';
import { convertFormData } from './convert-form-data.js';
import { decisionResultRead } from './convert-decision-result.js';
import { convertListenerCall } from './convert-listener-expressions.js';
import { scriptParameter } from './convert-scripts.js';
import { hasJuel, JuelUntranslatable, jobTypeOf } from './juel.js';
import { attr, CAMUNDA_NS, type XNode } from './xml.js';

/**
 * Camunda 7 extension elements (inside bpmn:extensionElements): each is rewritten to its Zeebe form and removed,
 * or reported as blocked and left in place. `owner` is the BPMN element whose extensionElements hold it.
 */

const BLOCKED: Record<string, string> = {
  connector: 'Camunda 7 connectors (HTTP, SOAP) do not run; use camunda:type="external" or a job worker',
  formProperty: 'the old form engine\'s form properties are not converted; rewrite them as camunda:formData fields (which become a generated form) or link a govflow form (formKey or formRef)',
  errorEventDefinition: 'error event definitions on external tasks are Camunda 7 only; throw a BPMN error from the worker',
};

const TASK_EVENTS: Record<string, string> = { create: 'creating', assignment: 'assigning', complete: 'completing', delete: 'canceling', update: 'updating' };
const JOB_OWNERS = new Set(['serviceTask', 'sendTask', 'businessRuleTask', 'intermediateThrowEvent', 'endEvent']);
const FEEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function children(node: XNode, local: string): XNode[] {
  return node.children.filter((ch) => ch.uri === CAMUNDA_NS && ch.local === local);
}

export function convertExtensionElement(c: Conversion, node: XNode, owner: XNode): void {
  switch (node.local) {
    case 'inputOutput':
      return inputOutput(c, node, owner);
    case 'in':
    case 'out':
      return callBinding(c, node, owner);
    case 'executionListener':
      return listener(c, node, owner, 'execution');
    case 'taskListener':
      return listener(c, node, owner, 'task');
    case 'properties': {
      const parts = c.partsOf(owner);
      for (const p of children(node, 'property')) parts.properties.push({ name: attr(p, '', 'name')?.value ?? '', value: attr(p, '', 'value')?.value ?? '' });
      c.removeNode(node);
      c.note('info', node, 'camunda:properties → zeebe:properties (documentation for people and tools in both)');
      return;
    }
    case 'field':
      return field(c, node, owner);
    case 'potentialStarter': {
      const deepText = (n: XNode): string => `${n.text} ${n.children.map(deepText).join(' ')}`;
      const who = deepText(node).trim().replace(/\s+/g, ' ');
      c.removeNode(node);
      c.note('review', node, startersDropped('camunda:potentialStarter', who ? `the starters it names (${who})` : 'the starters it names'));
      return;
    }
    case 'failedJobRetryTimeCycle':
      return retryCycle(c, node, owner);
    case 'formData':
      return convertFormData(c, node, owner);
    default:
      c.note('blocked', node, `camunda:${node.local} is not converted: ${BLOCKED[node.local] ?? 'govflow has no equivalent; remove it or model the behaviour another way'}`);
  }
}

/** A camunda:inputParameter / outputParameter's value as a FEEL expression (without '='), or a static string. */
function parameterValue(c: Conversion, param: XNode, owner: XNode): { feel: string } | { static: string } {
  const decisionRead = decisionResultRead(c, param, owner);
  if (decisionRead !== undefined) return { feel: decisionRead };
  const definition = param.children.find((ch) => ch.uri === CAMUNDA_NS);
  if (!definition) {
    const text = param.text.trim();
    if (text === '') return { feel: 'null' };
    const feel = c.value(text);
    return feel.startsWith('=') && hasJuel(text) ? { feel: feel.slice(1) } : { static: text };
  }
  return { feel: definitionFeel(c, definition) };
}

function definitionFeel(c: Conversion, def: XNode): string {
  const item = (x: XNode): string => {
    if (x.uri === CAMUNDA_NS && (x.local === 'list' || x.local === 'map' || x.local === 'script')) return definitionFeel(c, x);
    const text = x.text.trim();
    if (hasJuel(text)) return c.value(text).slice(1);
    return JSON.stringify(text);
  };
  switch (def.local) {
    case 'list':
      return `[${def.children.map((ch) => {
        const inner = ch.children.find((g) => g.uri === CAMUNDA_NS);
        return inner ? definitionFeel(c, inner) : item(ch);
      }).join(', ')}]`;
    case 'map':
      return `{${children(def, 'entry').map((e) => {
        const inner = e.children.find((g) => g.uri === CAMUNDA_NS);
        return `${JSON.stringify(attr(e, '', 'key')?.value ?? '')}: ${inner ? definitionFeel(c, inner) : item(e)}`;
      }).join(', ')}}`;
    case 'script':
      throw new JuelUntranslatable(`a ${attr(def, '', 'scriptFormat')?.value ?? ''} script computes this value; scripts do not run in govflow`);
    default:
      throw new JuelUntranslatable(`camunda:${def.local} is not a value govflow knows`);
  }
}

function inputOutput(c: Conversion, node: XNode, owner: XNode): void {
  if (owner.local === 'callActivity' && children(node, 'inputParameter').length > 0) {
    // Camunda 7 keeps these local to the call activity; Zeebe's input mappings are what the called process receives.
    c.note('blocked', node, 'camunda:inputParameter on a call activity makes a local variable the called process does not see in Camunda 7, but Zeebe passes input mappings to it; pass values with camunda:in (sourceExpression) instead');
    return;
  }
  const inputs: { source: string; target: string }[] = [];
  const outputs: { source: string; target: string }[] = [];
  let ok = true;
  for (const param of node.children.filter((ch) => ch.uri === CAMUNDA_NS)) {
    const name = attr(param, '', 'name')?.value ?? '';
    const scripted = scriptParameter(c, param, name);
    if (scripted !== 'not-script') {
      if (!scripted) ok = false;
      else {
        (param.local === 'inputParameter' ? inputs : outputs).push({ source: `=${scripted.value}`, target: name });
        if (scripted.extra) inputs.push(scripted.extra);
      }
      continue;
    }
    const value = c.attempt(param, `camunda:${param.local} '${name}'`, undefined, () => parameterValue(c, param, owner));
    if (!value) {
      ok = false;
      continue;
    }
    const source = 'feel' in value ? `=${value.feel}` : value.static;
    (param.local === 'inputParameter' ? inputs : outputs).push({ source, target: name });
  }
  if (!ok) {
    c.note('blocked', node, 'camunda:inputOutput left unconverted because one of its parameters could not be (see the notes on its lines)');
    return;
  }
  const parts = c.partsOf(owner);
  parts.inputs.push(...inputs);
  parts.outputs.push(...outputs);
  c.removeNode(node);
  c.note('info', node, `camunda:inputOutput → zeebe:ioMapping (${inputs.length} input${inputs.length === 1 ? '' : 's'}, ${outputs.length} output${outputs.length === 1 ? '' : 's'}); input values stay local to the element, as in Camunda 7`);
  if (outputs.length > 0 && JOB_OWNERS.has(owner.local)) {
    c.note('review', node, 'with output mappings only the mapped variables leave the job (Camunda 8); a Camunda 7 delegate set process variables directly: add an output for each variable the worker sets');
  }
}

function callBinding(c: Conversion, node: XNode, owner: XNode): void {
  const parts = c.partsOf(owner);
  const called = parts.calledElement;
  if (owner.local === 'callActivity' && !called) {
    c.note('blocked', node, `camunda:${node.local} is not converted because the call activity's called element was not (see its other notes)`);
    return;
  }
  if (!called) {
    c.note('blocked', node, `camunda:${node.local} on a ${owner.local} is not converted: variables pass to a called process only (on events, send them with the message or signal)`);
    return;
  }
  const get = (n: string) => attr(node, '', n)?.value;
  if (get('businessKey') !== undefined) {
    c.note('blocked', node, `camunda:${node.local} businessKey: a called process shares its parent's case; remove it`);
    return;
  }
  if (get('local') === 'true') {
    c.note('blocked', node, `camunda:${node.local} local="true" (only the call activity's local variables) has no Zeebe form; map the variables by name`);
    return;
  }
  if (get('variables') === 'all') {
    if (node.local === 'in') called.propagateAllParentVariables = true;
    else called.propagateAllChildVariables = true;
    c.removeNode(node);
    c.note('info', node, `camunda:${node.local} variables="all" → zeebe:calledElement ${node.local === 'in' ? 'propagateAllParentVariables' : 'propagateAllChildVariables'}="true"`);
    return;
  }
  const target = get('target');
  const source = get('source');
  const expression = get('sourceExpression');
  if (!target) {
    c.note('blocked', node, `camunda:${node.local} without a target`);
    return;
  }
  let feel: string | undefined;
  if (source !== undefined) {
    if (!FEEL_NAME.test(source)) {
      c.note('blocked', node, `camunda:${node.local} source '${source}' is not a FEEL variable name; rename the variable or use sourceExpression`);
      return;
    }
    feel = `=${source}`;
  } else if (expression !== undefined) {
    feel = c.attempt(node, `camunda:${node.local} sourceExpression '${expression}'`, undefined, () => c.value(expression));
    if (feel === undefined) return;
    if (!feel.startsWith('=')) feel = `=${JSON.stringify(feel)}`;
  } else {
    c.note('blocked', node, `camunda:${node.local} has neither source nor sourceExpression`);
    return;
  }
  (node.local === 'in' ? parts.inputs : parts.outputs).push({ source: feel, target });
  c.removeNode(node);
  c.note('info', node, `camunda:${node.local} ${source !== undefined ? `source '${source}'` : `sourceExpression '${expression}'`} target '${target}' → zeebe:${node.local === 'in' ? 'input' : 'output'} source '${feel}' target '${target}'`);
}

/** The job type of a listener or delegate: class, delegateExpression or expression. */
function delegateType(c: Conversion, node: XNode): { type: string; header?: string } | undefined {
  const klass = attr(node, '', 'class')?.value;
  const delegate = attr(node, '', 'delegateExpression')?.value;
  const expression = attr(node, '', 'expression')?.value;
  const raw = klass ?? delegate ?? expression;
  if (raw === undefined) return undefined;
  return { type: jobTypeOf(raw), ...(expression && /\(/.test(expression) ? { header: expression } : {}) };
}

function listener(c: Conversion, node: XNode, owner: XNode, kind: 'execution' | 'task'): void {
  const event = attr(node, '', 'event')?.value ?? (kind === 'execution' && owner.local === 'sequenceFlow' ? 'take' : kind === 'execution' ? 'start' : 'create');
  const label = `camunda:${kind}Listener (${event})`;
  if (children(node, 'script').length > 0) {
    c.note('blocked', node, `${label} runs a script; scripts do not run in govflow: make it a job worker (class, delegateExpression or expression become a job type)`);
    return;
  }
  if (children(node, 'field').length > 0) {
    c.note('blocked', node, `${label} with field injection: listener jobs carry no fields; pass the values as variables or remove the fields`);
    return;
  }
  const delegate = delegateType(c, node);
  if (!delegate) {
    c.note('blocked', node, `${label} names no class, delegateExpression or expression`);
    return;
  }
  if (delegate.header && kind === 'task') {
    c.note('blocked', node, `${label} expression '${delegate.header}' has arguments, which a task listener job cannot carry; use a delegateExpression or let the worker read the variables it needs`);
    return;
  }
  if (kind === 'execution') {
    if (event !== 'start' && event !== 'end') {
      c.note('blocked', node, `${label}: Zeebe has start and end execution listeners only; put a start listener on the flow's target element`);
      return;
    }
    // Zeebe runs no start listener on a start or boundary event; there the end listener runs at the same point of
    // the flow (the event completes at once) and, like Camunda 7's listener, sets variables in the enclosing scope.
    const eventType = event === 'start' && (owner.local === 'startEvent' || owner.local === 'boundaryEvent') ? 'end' : event;
    const moved = eventType !== event ? ` (an end listener: Zeebe has no start listener on a ${owner.local}, and this event ends as it starts)` : '';
    if (delegate.header) return convertListenerCall(c, node, owner, label, delegate.header, eventType, moved);
    c.partsOf(owner).executionListeners.push({ eventType, type: delegate.type });
    c.removeNode(node);
    c.note('review', node, `${label} → zeebe:executionListener ${eventType} job type '${delegate.type}'${moved}: a job worker of that type must do what the listener did, and the element waits for it`);
    return;
  }
  const eventType = TASK_EVENTS[event];
  if (!eventType) {
    c.note('blocked', node, `${label}: no Zeebe user task listener event matches '${event}'${event === 'timeout' ? '; put a non-interrupting timer boundary event on the user task' : ''}`);
    return;
  }
  c.partsOf(owner).taskListeners.push({ eventType, type: delegate.type });
  c.removeNode(node);
  c.note('review', node, `${label} → zeebe:taskListener ${eventType} job type '${delegate.type}': a job worker must do what the listener did; govflow deploys user task listeners only where its engine runs them (issue 16)`);
}

function field(c: Conversion, node: XNode, owner: XNode): void {
  const name = attr(node, '', 'name')?.value ?? '';
  const stringValue = attr(node, '', 'stringValue')?.value ?? children(node, 'string')[0]?.text;
  if (!JOB_OWNERS.has(owner.local) || !c.partsOf(owner).taskDefinition) {
    c.note('blocked', node, `camunda:field '${name}' injects into a Java delegate that does not run; remove it`);
    return;
  }
  if (stringValue === undefined) {
    c.note('blocked', node, `camunda:field '${name}' is an expression; job headers are static: pass the value as a variable (an input mapping) instead`);
    return;
  }
  c.partsOf(owner).headers.push({ key: name, value: stringValue });
  c.removeNode(node);
  c.note('info', node, `camunda:field '${name}' (injected into the delegate) → job header '${name}'`);
}

function retryCycle(c: Conversion, node: XNode, owner: XNode): void {
  const text = node.text.trim();
  const task = c.partsOf(owner).taskDefinition;
  const count = /^R(\d+)\//.exec(text)?.[1];
  if (task && count) task.retries = count;
  c.removeNode(node);
  c.note('review', node, `camunda:failedJobRetryTimeCycle '${text}' dropped${task && count ? `; the job gets ${count} retries` : ''}: the back-off between retries is the worker's choice (it fails the job with a retry back-off)`);
}
