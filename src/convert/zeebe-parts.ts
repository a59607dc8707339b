import { escapeAttr } from './xml.js';

/**
 * What the converter adds to one BPMN element, gathered from all its Camunda 7 attributes and extension elements
 * (an element's camunda:inputOutput and camunda:in/out become one zeebe:ioMapping), written out at the end.
 */
export interface ZeebeParts {
  taskDefinition?: { type: string; retries?: string };
  headers: { key: string; value: string }[];
  inputs: { source: string; target: string }[];
  outputs: { source: string; target: string }[];
  calledElement?: { processId: string; propagateAllParentVariables: boolean; propagateAllChildVariables: boolean };
  calledDecision?: { decisionId: string; resultVariable: string; bindingType?: string; versionTag?: string };
  assignment: { assignee?: string; candidateUsers?: string; candidateGroups?: string };
  schedule: { dueDate?: string; followUpDate?: string };
  priority?: string;
  form?: { formKey?: string; formId?: string };
  loop?: { inputCollection?: string; inputElement?: string };
  script?: { expression: string; resultVariable?: string };
  executionListeners: { eventType: string; type: string; retries?: string; headers?: { key: string; value: string }[] }[];
  taskListeners: { eventType: string; type: string }[];
  properties: { name: string; value: string }[];
}

export function emptyParts(): ZeebeParts {
  return { headers: [], inputs: [], outputs: [], assignment: {}, schedule: {}, executionListeners: [], taskListeners: [], properties: [] };
}

function tag(p: string, name: string, attrs: Record<string, string | undefined>, children = ''): string {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${escapeAttr(v!)}"`).join('');
  return children ? `<${p}:${name}${a}>${children}</${p}:${name}>` : `<${p}:${name}${a} />`;
}

/** The zeebe extension elements for one element, on one line (the converter keeps the original's line numbers). */
export function renderParts(parts: ZeebeParts, p: string): string {
  const out: string[] = [];
  if (parts.taskDefinition) out.push(tag(p, 'taskDefinition', { type: parts.taskDefinition.type, retries: parts.taskDefinition.retries }));
  if (parts.headers.length) out.push(tag(p, 'taskHeaders', {}, parts.headers.map((h) => tag(p, 'header', { key: h.key, value: h.value })).join('')));
  if (parts.calledDecision) out.push(tag(p, 'calledDecision', { ...parts.calledDecision }));
  if (parts.calledElement) {
    const c = parts.calledElement;
    out.push(tag(p, 'calledElement', { processId: c.processId, propagateAllParentVariables: String(c.propagateAllParentVariables), propagateAllChildVariables: String(c.propagateAllChildVariables) }));
  }
  if (parts.inputs.length || parts.outputs.length) {
    out.push(tag(p, 'ioMapping', {}, [...parts.inputs.map((m) => tag(p, 'input', m)), ...parts.outputs.map((m) => tag(p, 'output', m))].join('')));
  }
  if (parts.form) out.push(tag(p, 'formDefinition', parts.form));
  if (Object.keys(parts.assignment).length) out.push(tag(p, 'assignmentDefinition', parts.assignment));
  if (Object.keys(parts.schedule).length) out.push(tag(p, 'taskSchedule', parts.schedule));
  if (parts.priority !== undefined) out.push(tag(p, 'priorityDefinition', { priority: parts.priority }));
  if (parts.loop) out.push(tag(p, 'loopCharacteristics', parts.loop));
  if (parts.script) out.push(tag(p, 'script', parts.script));
  if (parts.executionListeners.length) {
    // A listener's own headers (a Camunda 7 expression's arguments) go inside it, over the element's headers.
    const listener = ({ headers, ...l }: ZeebeParts['executionListeners'][number]) => tag(p, 'executionListener', l, headers?.length ? tag(p, 'taskHeaders', {}, headers.map((h) => tag(p, 'header', h)).join('')) : '');
    out.push(tag(p, 'executionListeners', {}, parts.executionListeners.map(listener).join('')));
  }
  if (parts.taskListeners.length) out.push(tag(p, 'taskListeners', {}, parts.taskListeners.map((l) => tag(p, 'taskListener', l)).join('')));
  if (parts.properties.length) out.push(tag(p, 'properties', {}, parts.properties.map((x) => tag(p, 'property', x)).join('')));
  return out.join('');
}
