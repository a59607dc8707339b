// The Camunda 7 model the converter tests wrap their elements in.

/** A Camunda 7 model: `body` inside process p, a none start event `s` → `task` (if any) → end `e` when `flow`. */
export function c7(body: string, { flow = true, processAttrs = '' } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true"${processAttrs}>
    <bpmn:startEvent id="s" />
${body}
    <bpmn:endEvent id="e" />
${flow ? '    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="task" />\n    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="e" />' : ''}
  </bpmn:process>
</bpmn:definitions>
`;
}
