/**
 * Text among a model's elements (a model edited by hand; one of the real Camunda 8 models has "0ex" inside
 * extensionElements, and Zeebe deploys it) is not part of BPMN: the model deploys with a warning naming the text and
 * its line. Markup that does not parse is broken structure and is refused with its line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileBpmn } from '../../src/engine/index.js';

const model = (inside: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements>
        ${inside}
        <zeebe:taskDefinition type="work"/>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;

describe('text among elements', () => {
  it('deploys a model with stray text, with a warning that names the text and its line', async () => {
    const compiled = await compileBpmn(model('0ex'), 'stray.bpmn');
    assert.equal(compiled.processes.length, 1);
    assert.equal(compiled.processes[0]!.elements['work']?.taskType, 'work');
    const warning = compiled.warnings.find((w) => w.includes("'0ex'"));
    assert.ok(warning, `warnings: ${JSON.stringify(compiled.warnings)}`);
    assert.match(warning, /line 7\b/);
  });

  it('still refuses markup that does not parse, with its line', async () => {
    await assert.rejects(compileBpmn(model('<zeebe:taskHeaders><zeebe:header key="a" value="b"></zeebe:taskHeaders>'), 'broken.bpmn'), (error: { code?: string; message?: string }) => {
      assert.equal(error.code, 'GOVFLOW_ERR_BPMN_PARSE', error.message);
      return true;
    });
  });
});
