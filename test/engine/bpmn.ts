/**
 * Writes small BPMN 2.0 test models: the elements as XML (default namespace bpmn, `zeebe:` for extensions) and the
 * sequence flows as `a -> b`, `a -> b [= x > 1]` (condition), `a -> b (default)`.
 */
export function bpmn(processId: string, body: string, flows = '', extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_${processId}" targetNamespace="http://govflow.test">
  ${extra}
  <process id="${processId}" isExecutable="true">
    ${withFlows(body, flows)}
  </process>
</definitions>`;
}

/** An embedded sub-process (or, with `triggeredByEvent="true"` in attrs, an event sub-process) with its own flows. */
export function subProcess(id: string, body: string, flows = '', attrs = '', extra = ''): string {
  return `<subProcess id="${id}"${attrs ? ` ${attrs}` : ''}>${extra}${withFlows(body, flows)}</subProcess>`;
}

/** The elements followed by the sequence flows written as `a -> b [= cond] (default) as id`. */
export function withFlows(body: string, flows = ''): string {
  const flowXml: string[] = [];
  const defaults = new Map<string, string>();
  let n = 0;
  for (const line of flows.split(/[;\n]/).map((l) => l.trim()).filter(Boolean)) {
    const m = /^(\S+)\s*->\s*(\S+)(?:\s*\[(.+)\])?(?:\s*\((default)\))?(?:\s+as\s+(\S+))?$/.exec(line);
    if (!m) throw new Error(`bad flow '${line}'`);
    const [, source, target, condition, isDefault, name] = m;
    const id = name ?? `f${++n}_${source}_${target}`;
    if (isDefault) defaults.set(source!, id);
    flowXml.push(condition
      ? `<sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"><conditionExpression xsi:type="tFormalExpression">${escapeXml(condition.trim())}</conditionExpression></sequenceFlow>`
      : `<sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"/>`);
  }
  let xml = body;
  for (const [source, id] of defaults) xml = xml.replace(new RegExp(`(<\\w+ id="${source}")`), `$1 default="${id}"`);
  return `${xml}\n    ${flowXml.join('\n    ')}`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A service task worked by external workers of `type`. */
export const job = (id: string, type: string, extra = '') => `<serviceTask id="${id}"><extensionElements><zeebe:taskDefinition type="${type}"/>${extra}</extensionElements></serviceTask>`;
export const userTask = (id: string, extra = '') => `<userTask id="${id}" name="${id}"><extensionElements>${extra}</extensionElements></userTask>`;

/** Event definitions and the root elements they refer to. */
export const timer = (kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string) =>
  `<timerEventDefinition><${kind} xsi:type="tFormalExpression">${escapeXml(value)}</${kind}></timerEventDefinition>`;
export const messageRef = (ref: string) => `<messageEventDefinition messageRef="${ref}"/>`;
export const signalRef = (ref: string) => `<signalEventDefinition signalRef="${ref}"/>`;
export const errorRef = (ref?: string) => (ref ? `<errorEventDefinition errorRef="${ref}"/>` : '<errorEventDefinition/>');
export const escalationRef = (ref?: string) => (ref ? `<escalationEventDefinition escalationRef="${ref}"/>` : '<escalationEventDefinition/>');
/** A message with an optional Zeebe correlation key expression (`=orderId`). */
export const message = (id: string, name: string, correlationKey?: string) =>
  correlationKey
    ? `<message id="${id}" name="${name}"><extensionElements><zeebe:subscription correlationKey="${escapeXml(correlationKey)}"/></extensionElements></message>`
    : `<message id="${id}" name="${name}"/>`;
export const signal = (id: string, name: string) => `<signal id="${id}" name="${name}"/>`;
export const error = (id: string, code: string) => `<error id="${id}" errorCode="${code}"/>`;
export const escalation = (id: string, code: string) => `<escalation id="${id}" escalationCode="${code}"/>`;
/** `zeebe:ioMapping` with inputs and outputs given as `target: =source`. */
export const ioMapping = (inputs: Record<string, string>, outputs: Record<string, string> = {}) =>
  `<zeebe:ioMapping>${Object.entries(inputs).map(([t, s]) => `<zeebe:input source="${escapeXml(s)}" target="${t}"/>`).join('')}${Object.entries(outputs).map(([t, s]) => `<zeebe:output source="${escapeXml(s)}" target="${t}"/>`).join('')}</zeebe:ioMapping>`;

/** A compensation boundary event on `activity`, associated with a service-task handler (element id = job type `handler`). */
export const compensation = (activity: string, handler: string, handlerExtensions = '') =>
  `<boundaryEvent id="${activity}_undo" attachedToRef="${activity}"><compensateEventDefinition/></boundaryEvent>
   <serviceTask id="${handler}" isForCompensation="true"><extensionElements><zeebe:taskDefinition type="${handler}"/>${handlerExtensions}</extensionElements></serviceTask>
   <association id="${activity}_assoc" associationDirection="One" sourceRef="${activity}_undo" targetRef="${handler}"/>`;
/** Compensation intermediate throw and end events: of one activity (`activityRef`), or of the whole scope. */
export const compensateThrow = (id: string, activityRef?: string) =>
  `<intermediateThrowEvent id="${id}"><compensateEventDefinition${activityRef ? ` activityRef="${activityRef}"` : ''}/></intermediateThrowEvent>`;
export const compensateEnd = (id: string, activityRef?: string) =>
  `<endEvent id="${id}"><compensateEventDefinition${activityRef ? ` activityRef="${activityRef}"` : ''}/></endEvent>`;

/** A conditional event definition with a FEEL condition and, optionally, a zeebe:conditionalFilter. */
export const conditional = (condition: string, filter?: { variableNames?: string; variableEvents?: string }) =>
  `<conditionalEventDefinition>${filter ? `<extensionElements><zeebe:conditionalFilter${filter.variableNames ? ` variableNames="${filter.variableNames}"` : ''}${filter.variableEvents ? ` variableEvents="${filter.variableEvents}"` : ''}/></extensionElements>` : ''}<condition xsi:type="tFormalExpression">${escapeXml(condition)}</condition></conditionalEventDefinition>`;
