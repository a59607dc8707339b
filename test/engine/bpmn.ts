/**
 * Writes small BPMN 2.0 test models: the elements as XML (default namespace bpmn, `zeebe:` for extensions) and the
 * sequence flows as `a -> b`, `a -> b [= x > 1]` (condition), `a -> b (default)`.
 */
export function bpmn(processId: string, body: string, flows = '', extra = ''): string {
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
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_${processId}" targetNamespace="http://govflow.test">
  ${extra}
  <process id="${processId}" isExecutable="true">
    ${xml}
    ${flowXml.join('\n    ')}
  </process>
</definitions>`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A service task worked by external workers of `type`. */
export const job = (id: string, type: string, extra = '') => `<serviceTask id="${id}"><extensionElements><zeebe:taskDefinition type="${type}"/>${extra}</extensionElements></serviceTask>`;
export const userTask = (id: string, extra = '') => `<userTask id="${id}" name="${id}"><extensionElements>${extra}</extensionElements></userTask>`;
