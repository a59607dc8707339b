/**
 * Issue 16: the converter drops nothing silently. The test walks camunda-bpmn-moddle's descriptor (the Camunda 7
 * namespace as Camunda Modeler writes it) and puts each attribute on an element it extends and each extension
 * element where it is allowed, one at a time: every one must come out of the converter with a report row naming
 * it (converted, dropped with a reason, or blocked), and whatever is not blocked must be gone from the output.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { convertCamunda7 } from '../../src/convert/index.js';

interface Descriptor { types: { name: string; extends?: string[]; meta?: { allowedIn?: string[] }; properties?: { name: string; isAttr?: boolean; type?: string }[] }[] }
const require = createRequire(import.meta.url);
const descriptor = JSON.parse(readFileSync(require.resolve('camunda-bpmn-moddle/resources/camunda.json'), 'utf8')) as Descriptor;

/** A model with `fragment` in process p (or `root` attributes on the definitions, `process` on the process). */
function model(fragment: string, { root = '', process = '' } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t"${root}>
  <bpmn:error id="err" name="E" errorCode="E1" />
  <bpmn:collaboration id="c"><bpmn:participant id="pp" processRef="p" /></bpmn:collaboration>
  <bpmn:process id="p" isExecutable="true"${process}>
    <bpmn:startEvent id="s" />
${fragment}
  </bpmn:process>
</bpmn:definitions>
`;
}

const ATTR_VALUE: Record<string, string> = { type: 'external', async: 'true', asyncBefore: 'true', asyncAfter: 'true', exclusive: 'true', collection: 'items', calledElementBinding: 'deployment', mapDecisionResult: 'singleEntry', decisionRefBinding: 'deployment' };

/** The model for one attribute on one BPMN type the descriptor type extends. */
function withAttribute(host: string, attribute: string): string {
  const a = ` camunda:${attribute}="${ATTR_VALUE[attribute] ?? 'x'}"`;
  const hosts: Record<string, () => string> = {
    'bpmn:Definitions': () => model('', { root: a }),
    'bpmn:Process': () => model('', { process: a }),
    'bpmn:Collaboration': () => model('').replace('<bpmn:collaboration id="c"', `<bpmn:collaboration id="c"${a}`),
    'bpmn:Error': () => model('').replace('<bpmn:error id="err"', `<bpmn:error id="err"${a}`),
    'bpmn:SignalEventDefinition': () => model(`    <bpmn:intermediateCatchEvent id="el"><bpmn:signalEventDefinition id="ed"${a} /></bpmn:intermediateCatchEvent>`),
    'bpmn:ErrorEventDefinition': () => model(`    <bpmn:endEvent id="el"><bpmn:errorEventDefinition id="ed" errorRef="err"${a} /></bpmn:endEvent>`),
    'bpmn:EscalationEventDefinition': () => model(`    <bpmn:endEvent id="el"><bpmn:escalationEventDefinition id="ed"${a} /></bpmn:endEvent>`),
    'bpmn:MessageEventDefinition': () => model(`    <bpmn:intermediateThrowEvent id="el"><bpmn:messageEventDefinition id="ed"${a} /></bpmn:intermediateThrowEvent>`),
    'bpmn:ConditionalEventDefinition': () => model(`    <bpmn:intermediateCatchEvent id="el"><bpmn:conditionalEventDefinition id="ed"${a}><bpmn:condition xsi:type="bpmn:tFormalExpression">\${ok}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>`),
    'bpmn:FormalExpression': () => model(`    <bpmn:sequenceFlow id="el" sourceRef="s" targetRef="s"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"${a}>\${ok}</bpmn:conditionExpression></bpmn:sequenceFlow>`),
    'bpmn:MultiInstanceLoopCharacteristics': () => model(`    <bpmn:task id="el"><bpmn:multiInstanceLoopCharacteristics${a} /></bpmn:task>`),
    'bpmn:StartEvent': () => model('').replace('<bpmn:startEvent id="s"', `<bpmn:startEvent id="s"${a}`),
  };
  const element = host.replace(/^(bpmn|camunda):/, '');
  if (hosts[host]) return hosts[host]();
  const tag = ({ Activity: 'task', Gateway: 'exclusiveGateway', Event: 'intermediateThrowEvent', FlowElement: 'task', AsyncCapable: 'task', ServiceTaskLike: 'serviceTask', ExternalCapable: 'serviceTask' } as Record<string, string>)[element]
    ?? `${element.charAt(0).toLowerCase()}${element.slice(1)}`;
  return model(`    <bpmn:${tag} id="el"${a} />`);
}

const attributes = descriptor.types.flatMap((t) => (t.extends ?? []).flatMap((host) =>
  (t.properties ?? []).filter((p) => p.isAttr).map((p) => ({ type: t.name, host, attribute: p.name.replace(/^camunda:/, '') }))));

describe('every Camunda 7 attribute and extension element is converted, dropped with a reason, or blocked', () => {
  it(`the descriptor has attributes to walk (${attributes.length})`, () => assert.ok(attributes.length > 50));

  for (const { type, host, attribute } of attributes) {
    it(`camunda:${attribute} (${type}) on ${host}`, () => {
      const result = convertCamunda7(withAttribute(host, attribute));
      const rows = [...result.changes, ...result.blocked].filter((n) => n.attribute === `camunda:${attribute}` || n.message.includes(`camunda:${attribute}`) || n.message.includes(`${attribute}=`));
      assert.ok(rows.length > 0, `no report row names camunda:${attribute}: ${JSON.stringify([...result.changes, ...result.blocked])}`);
      if (!result.blocked.some((n) => n.attribute === `camunda:${attribute}`)) {
        assert.ok(!result.xml.includes(`camunda:${attribute}=`), 'converted or dropped: not left in the output');
      }
    });
  }

  const elements = [...descriptor.types.filter((t) => t.meta?.allowedIn).map((t) => t.name), 'PotentialStarter'];
  for (const name of elements) {
    it(`camunda:${name} as an extension element`, () => {
      const local = `${name.charAt(0).toLowerCase()}${name.slice(1)}`;
      const host = name === 'In' || name === 'Out' ? 'callActivity calledElement="child"' : name === 'TaskListener' || name.startsWith('Form') ? 'userTask' : 'serviceTask camunda:class="org.X"';
      const xml = model(`    <bpmn:${host.split(' ')[0]} id="el"${host.includes(' ') ? ` ${host.split(' ').slice(1).join(' ')}` : ''}><bpmn:extensionElements><camunda:${local} /></bpmn:extensionElements></bpmn:${host.split(' ')[0]}>`);
      const result = convertCamunda7(xml);
      const rows = [...result.changes, ...result.blocked].filter((n) => n.message.includes(`camunda:${local}`) && n.elementId === 'el');
      assert.ok(rows.length > 0, `no report row names camunda:${local}: ${JSON.stringify([...result.changes, ...result.blocked])}`);
      const blocked = result.blocked.some((n) => n.message.includes(`camunda:${local}`));
      assert.equal(result.xml.includes(`<camunda:${local}`), blocked, blocked ? 'a blocked element stays' : 'a converted element is gone');
    });
  }
});
