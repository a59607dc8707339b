/**
 * Issue 16: `govflow convert`, rule by rule. Each Camunda 7 construct is converted and the result is compiled by
 * govflow's own BPMN compiler, which must read what the Camunda 7 model meant (job type, mappings, assignment…);
 * what cannot be converted is reported as blocked with its line and left in place; the converted text keeps the
 * original's line numbers; bad input is refused with the line of the problem.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertCamunda7, convertReport, formatReport, type ConvertResult } from '../../src/convert/index.js';
import { compileBpmn, type ElementModel } from '../../src/engine/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { c7 } from './c7-model.js';


async function compiled(result: ConvertResult, id = 'task'): Promise<ElementModel> {
  assert.deepEqual(result.blocked, [], 'nothing blocked');
  const deployment = await compileBpmn(result.xml);
  const element = deployment.processes[0]!.elements[id];
  assert.ok(element, `element ${id} compiled`);
  return element;
}

const lineOf = (xml: string, text: string): number => xml.slice(0, xml.indexOf(text)).split('\n').length;

describe('govflow convert: service tasks, decisions, scripts', () => {
  it('camunda:class, delegateExpression and expression become job types named after them', async () => {
    for (const [attrs, type] of [
      ['camunda:class="org.example.SendMail"', 'org.example.SendMail'],
      ['camunda:delegateExpression="${mailer}"', 'mailer'],
      ['camunda:expression="${mailService.send(execution, &quot;x&quot;)}"', 'mailService.send'],
      ['camunda:type="external" camunda:topic="invoiceCreator"', 'invoiceCreator'],
    ] as const) {
      const r = convertCamunda7(c7(`    <bpmn:serviceTask id="task" ${attrs} />`));
      const task = await compiled(r);
      assert.equal(task.taskType, type, attrs);
      assert.ok(r.changes.some((n) => n.severity === 'review' && n.message.includes(`job type '${type}'`)), 'the report says a worker must do the delegate\'s work');
    }
  });

  it('an expression with arguments keeps the original expression in a job header, and says so', async () => {
    const r = convertCamunda7(c7('    <bpmn:sendTask id="task" camunda:expression="${notifier.notify(execution, order)}" />'));
    const task = await compiled(r);
    assert.equal(task.headers?.['camunda7Expression'], '${notifier.notify(execution, order)}');
    assert.ok(r.changes.some((n) => n.message.includes('camunda7Expression')));
  });

  it('a message throw event with a delegate becomes a job-based message event; a JUEL expression language is dropped', async () => {
    const xml = c7(`    <bpmn:intermediateThrowEvent id="task"><bpmn:messageEventDefinition id="md" camunda:delegateExpression="\${notifyCitizen}" /></bpmn:intermediateThrowEvent>`)
      .replace('targetNamespace="t"', 'targetNamespace="t" expressionLanguage="http://camunda.org/juel"');
    const r = convertCamunda7(xml);
    const event = await compiled(r);
    assert.equal(event.taskType, 'notifyCitizen');
    assert.ok(r.changes.some((n) => n.attribute === 'expressionLanguage'));
  });

  it('string fields become job headers; failedJobRetryTimeCycle sets the retries', async () => {
    const r = convertCamunda7(c7(`    <bpmn:serviceTask id="task" camunda:class="org.Mail">
      <bpmn:extensionElements>
        <camunda:field name="template" stringValue="welcome" />
        <camunda:field name="subject"><camunda:string>Hello</camunda:string></camunda:field>
        <camunda:failedJobRetryTimeCycle>R5/PT10M</camunda:failedJobRetryTimeCycle>
      </bpmn:extensionElements>
    </bpmn:serviceTask>`));
    const task = await compiled(r);
    assert.deepEqual(task.headers, { template: 'welcome', subject: 'Hello' });
    assert.equal(task.retries, 5);
  });

  it('camunda:decisionRef becomes zeebe:calledDecision with the binding; the result mapping difference is flagged', async () => {
    const r = convertCamunda7(c7('    <bpmn:businessRuleTask id="task" camunda:decisionRef="approver" camunda:resultVariable="groups" camunda:mapDecisionResult="collectEntries" camunda:decisionRefBinding="versionTag" camunda:decisionRefVersionTag="2024" />'));
    const task = await compiled(r);
    assert.deepEqual(task.decision, { decisionId: 'approver', resultVariable: 'groups', binding: { type: 'versionTag', versionTag: '2024' } });
    assert.ok(r.changes.some((n) => n.severity === 'review' && /collectEntries/.test(n.message)));
    const version = convertCamunda7(c7('    <bpmn:businessRuleTask id="task" camunda:decisionRef="d" camunda:decisionRefBinding="version" camunda:decisionRefVersion="3" />'));
    assert.equal(version.blocked.length, 1, 'a version binding has no Camunda 8 form');
  });

  it('a FEEL script task becomes zeebe:script; groovy and javascript are blocked', async () => {
    const r = convertCamunda7(c7('    <bpmn:scriptTask id="task" scriptFormat="feel" camunda:resultVariable="total"><bpmn:script>a + b</bpmn:script></bpmn:scriptTask>'));
    const task = await compiled(r);
    assert.deepEqual(task.script, { expression: 'a + b', resultVariable: 'total' });
    const groovy = convertCamunda7(c7('    <bpmn:scriptTask id="task" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'));
    assert.equal(groovy.blocked[0]?.elementId, 'task');
    assert.match(groovy.blocked[0]!.message, /groovy/);
  });
});

describe('govflow convert: conditions, mappings, call activities', () => {
  it('JUEL conditions become FEEL conditions the compiler accepts', async () => {
    const xml = c7(`    <bpmn:exclusiveGateway id="task" />
    <bpmn:sequenceFlow id="yes" sourceRef="task" targetRef="e"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${amount &gt; 1000 &amp;&amp; !approved}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="task" targetRef="e"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"><![CDATA[\${amount <= 1000 || approved}]]></bpmn:conditionExpression></bpmn:sequenceFlow>`, { flow: false }).replace('<bpmn:endEvent id="e" />', '<bpmn:endEvent id="e" /><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="task" />');
    const r = convertCamunda7(xml);
    assert.deepEqual(r.blocked, []);
    const flows = (await compileBpmn(r.xml)).processes[0]!.flows;
    assert.equal(flows['yes']!.condition, 'amount > 1000 and not(approved)');
    assert.equal(flows['no']!.condition, 'amount <= 1000 or approved');
  });

  it('camunda:inputOutput becomes zeebe:ioMapping: expressions, static text, lists and maps', async () => {
    const r = convertCamunda7(c7(`    <bpmn:serviceTask id="task" camunda:type="external" camunda:topic="t">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="total">\${price * quantity}</camunda:inputParameter>
          <camunda:inputParameter name="greeting">Hello</camunda:inputParameter>
          <camunda:inputParameter name="nothing" />
          <camunda:inputParameter name="tags"><camunda:list><camunda:value>a</camunda:value><camunda:value>\${tag}</camunda:value></camunda:list></camunda:inputParameter>
          <camunda:inputParameter name="who"><camunda:map><camunda:entry key="name">\${name}</camunda:entry><camunda:entry key="kind">person</camunda:entry></camunda:map></camunda:inputParameter>
          <camunda:outputParameter name="result">\${response.code}</camunda:outputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>`));
    const task = await compiled(r);
    assert.deepEqual(task.inputs, [
      { source: 'price * quantity', target: 'total' }, { source: '"Hello"', target: 'greeting' }, { source: 'null', target: 'nothing' },
      { source: '["a", tag]', target: 'tags' }, { source: '{"name": name, "kind": "person"}', target: 'who' },
    ]);
    assert.deepEqual(task.outputs, [{ source: 'response.code', target: 'result' }]);
    assert.ok(r.changes.some((n) => n.severity === 'review' && /only the mapped variables/.test(n.message)));
  });

  it('a parameter computed by a script blocks the whole camunda:inputOutput, with the line of the parameter', () => {
    const xml = c7(`    <bpmn:serviceTask id="task" camunda:type="external" camunda:topic="t">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="ok">\${1}</camunda:inputParameter>
          <camunda:inputParameter name="bad"><camunda:script scriptFormat="groovy">1 + 1</camunda:script></camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>`);
    const r = convertCamunda7(xml);
    assert.ok(r.blocked.some((b) => b.line === lineOf(xml, 'name="bad"') && /groovy script/.test(b.message)));
    assert.ok(r.xml.includes('<camunda:inputOutput>'), 'left in place');
    assert.ok(r.xml.includes('xmlns:camunda='), 'the namespace of what is left stays declared');
  });

  it('a call activity passes only what camunda:in / camunda:out map (Camunda 7), variables="all" passes everything', async () => {
    const mapped = convertCamunda7(c7(`    <bpmn:callActivity id="task" calledElement="child">
      <bpmn:extensionElements>
        <camunda:in source="amount" target="sum" />
        <camunda:in sourceExpression="\${amount * 2}" target="double" />
        <camunda:out source="clarified" target="clarified" />
      </bpmn:extensionElements>
    </bpmn:callActivity>`));
    const call = await compiled(mapped);
    assert.deepEqual(call.calledElement, { processId: 'child', propagateAllParentVariables: false, propagateAllChildVariables: false });
    assert.deepEqual(call.inputs, [{ source: 'amount', target: 'sum' }, { source: 'amount * 2', target: 'double' }]);
    assert.deepEqual(call.outputs, [{ source: 'clarified', target: 'clarified' }]);
    const plain = await compiled(convertCamunda7(c7('    <bpmn:callActivity id="task" calledElement="child" />')));
    assert.deepEqual(plain.calledElement, { processId: 'child', propagateAllParentVariables: false, propagateAllChildVariables: false }, 'no mapping: nothing passes, as in Camunda 7');
    const all = await compiled(convertCamunda7(c7(`    <bpmn:callActivity id="task" calledElement="\${childId}" camunda:calledElementBinding="latest">
      <bpmn:extensionElements><camunda:in variables="all" /><camunda:out variables="all" /></bpmn:extensionElements>
    </bpmn:callActivity>`)));
    assert.deepEqual(all.calledElement, { processId: '=childId', propagateAllParentVariables: true, propagateAllChildVariables: true });
    const local = convertCamunda7(c7('    <bpmn:callActivity id="task" calledElement="c"><bpmn:extensionElements><camunda:in source="a" target="a" local="true" /><camunda:in businessKey="${k}" /></bpmn:extensionElements></bpmn:callActivity>'));
    assert.equal(local.blocked.length, 2, 'local="true" and businessKey are blocked');
    const io = convertCamunda7(c7('    <bpmn:callActivity id="task" calledElement="c"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="x">1</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:callActivity>'));
    assert.match(io.blocked[0]?.message ?? '', /call activity/, 'an input parameter would reach the called process in Zeebe, not in Camunda 7');
  });

  it('multi-instance camunda:collection becomes zeebe:loopCharacteristics; nrOf… become numberOf… in the completion condition', async () => {
    const r = convertCamunda7(c7(`    <bpmn:serviceTask id="task" camunda:type="external" camunda:topic="t">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="\${reviewers}" camunda:elementVariable="reviewer" camunda:asyncBefore="true">
        <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">\${nrOfCompletedInstances / nrOfInstances &gt;= 0.5}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:serviceTask>`));
    const task = await compiled(r);
    assert.equal(task.multiInstance?.inputCollection, 'reviewers');
    assert.equal(task.multiInstance?.inputElement, 'reviewer');
    assert.equal(task.multiInstance?.completionCondition, 'numberOfCompletedInstances / numberOfInstances >= 0.5');
    const bare = await compiled(convertCamunda7(c7('    <bpmn:userTask id="task"><bpmn:multiInstanceLoopCharacteristics camunda:collection="items" /></bpmn:userTask>')));
    assert.equal(bare.multiInstance?.inputCollection, 'items', 'a bare collection name is a variable');
    const counted = await compiled(convertCamunda7(c7('    <bpmn:userTask id="task"><bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>${reviewers + 1}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>')));
    assert.equal(counted.multiInstance?.loopCardinality, 'reviewers + 1');
  });
});

describe('govflow convert: user tasks, listeners, neutral and blocked attributes', () => {
  it('assignee, candidates, dates, priority and form key carry over (literal or expression)', async () => {
    const r = convertCamunda7(c7('    <bpmn:userTask id="task" camunda:assignee="${initiator}" camunda:candidateGroups="accounting, sales" camunda:candidateUsers="${users}" camunda:dueDate="${dateTime().plusDays(2).toDate()}" camunda:followUpDate="2026-01-01T10:00:00Z" camunda:priority="70" camunda:formKey="camunda-forms:deployment:approve.form" />'));
    const task = await compiled(r);
    assert.equal(task.userTask?.assignee, '=initiator');
    assert.equal(task.userTask?.candidateGroups, 'accounting, sales');
    assert.equal(task.userTask?.candidateUsers, '=users');
    assert.equal(task.userTask?.formKey, 'camunda-forms:deployment:approve.form');
    assert.ok(r.xml.includes('dueDate="=now() + duration(&quot;P2D&quot;)"'));
    assert.ok(r.xml.includes('<zeebe:priorityDefinition priority="70" />'));
  });

  it('execution listeners become job listeners; script and take listeners are blocked with their lines', async () => {
    const xml = c7(`    <bpmn:serviceTask id="task" camunda:class="org.Work">
      <bpmn:extensionElements>
        <camunda:executionListener event="start" delegateExpression="\${statusUpdater}" />
        <camunda:executionListener event="end" class="org.Audit" />
        <camunda:executionListener event="end"><camunda:script scriptFormat="groovy">println 1</camunda:script></camunda:executionListener>
      </bpmn:extensionElements>
    </bpmn:serviceTask>`);
    const r = convertCamunda7(xml);
    assert.equal(r.blocked.length, 1);
    assert.equal(r.blocked[0]!.line, lineOf(xml, '<camunda:executionListener event="end"><camunda:script'));
    const ok = convertCamunda7(xml.replace(/<camunda:executionListener event="end"><camunda:script[^\n]*\n/, ''));
    const task = await compiled(ok);
    assert.deepEqual(task.listeners?.map((l) => [l.eventType, l.jobType]), [['start', 'statusUpdater'], ['end', 'org.Audit']]);
  });

  it('a start listener on a start event becomes its end listener, which Zeebe runs at the same point', async () => {
    const xml = c7('    <bpmn:task id="task" />').replace('<bpmn:startEvent id="s" />', '<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:executionListener event="start" class="org.OnStart" /></bpmn:extensionElements></bpmn:startEvent>');
    const r = convertCamunda7(xml);
    const start = await compiled(r, 's');
    assert.deepEqual(start.listeners?.map((l) => [l.eventType, l.jobType]), [['end', 'org.OnStart']]);
    assert.ok(r.changes.some((n) => n.severity === 'review' && /an end listener/.test(n.message)));
  });

  it('task listeners become zeebe:taskListeners with Zeebe event names; timeout is blocked', () => {
    const r = convertCamunda7(c7(`    <bpmn:userTask id="task">
      <bpmn:extensionElements>
        <camunda:taskListener event="create" class="org.OnCreate" />
        <camunda:taskListener event="assignment" delegateExpression="\${onAssign}" />
        <camunda:taskListener event="complete" class="org.OnComplete" />
        <camunda:taskListener event="delete" class="org.OnDelete" />
        <camunda:taskListener event="timeout" class="org.Late" id="late"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></camunda:taskListener>
      </bpmn:extensionElements>
    </bpmn:userTask>`));
    const listeners = [...r.xml.matchAll(/<zeebe:taskListener eventType="(\w+)" type="([\w.]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    assert.deepEqual(listeners, ['creating:org.OnCreate', 'assigning:onAssign', 'completing:org.OnComplete', 'canceling:org.OnDelete']);
    assert.equal(r.blocked.length, 1);
    assert.match(r.blocked[0]!.message, /timeout/);
  });

  it('behaviour-neutral attributes are dropped with a note each; anything else in the namespace is blocked', () => {
    const r = convertCamunda7(c7('    <bpmn:serviceTask id="task" camunda:class="org.X" camunda:asyncBefore="true" camunda:asyncAfter="true" camunda:exclusive="false" camunda:jobPriority="5" />', { processAttrs: ' camunda:historyTimeToLive="P30D" camunda:versionTag="1.2" camunda:isStartableInTasklist="false"' }));
    const dropped = r.changes.filter((n) => /dropped/.test(n.message)).map((n) => n.attribute).sort();
    assert.deepEqual(dropped, ['camunda:asyncAfter', 'camunda:asyncBefore', 'camunda:exclusive', 'camunda:historyTimeToLive', 'camunda:isStartableInTasklist', 'camunda:jobPriority', 'camunda:versionTag']);
    assert.ok(!r.xml.includes('camunda:'), 'nothing of Camunda 7 is left');
    const blocked = convertCamunda7(c7('    <bpmn:serviceTask id="task" camunda:class="org.X" camunda:somethingNew="1" />', { processAttrs: ' camunda:formHandlerClass="org.Form"' }));
    assert.deepEqual(blocked.blocked.map((b) => b.attribute).sort(), ['camunda:formHandlerClass', 'camunda:somethingNew']);
    const unknownElement = convertCamunda7(c7('    <bpmn:serviceTask id="task" camunda:class="org.X"><bpmn:extensionElements><camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>'));
    assert.match(unknownElement.blocked[0]!.message, /connector/);
  });

  it('an untranslatable JUEL expression is blocked with the element, the line and what to do', () => {
    const xml = c7(`    <bpmn:exclusiveGateway id="task" />
    <bpmn:sequenceFlow id="odd" sourceRef="task" targetRef="e">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${myService.isOdd(number)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>`, { flow: false });
    const r = convertCamunda7(xml);
    assert.equal(r.blocked.length, 1);
    const [b] = r.blocked;
    assert.equal(b!.elementId, 'odd');
    assert.equal(b!.elementType, 'SequenceFlow');
    assert.equal(b!.line, lineOf(xml, '<bpmn:conditionExpression'));
    assert.match(b!.message, /isOdd.*job worker/);
    assert.ok(r.xml.includes('${myService.isOdd(number)}'), 'left as it was: never changed silently');
  });
});

describe('govflow convert: text, lines, bad input, report', () => {
  it('keeps every line where it was, so the report and the compiler point at the same lines in both files', () => {
    const xml = c7(`    <bpmn:userTask id="task" camunda:assignee="demo">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="a">\${b}</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:userTask>`);
    const r = convertCamunda7(xml);
    const before = xml.split('\n');
    const after = r.xml.split('\n');
    assert.equal(after.length, before.length);
    assert.equal(after.findIndex((l) => l.includes('id="e"')), before.findIndex((l) => l.includes('id="e"')));
    assert.equal(after.findIndex((l) => l.includes('id="task"')), before.findIndex((l) => l.includes('id="task"')));
  });

  it('reads models written on one line, with elements directly next to each other', async () => {
    const xml = c7('<bpmn:userTask id="task" camunda:assignee="a"><bpmn:extensionElements><camunda:properties><camunda:property name="k" value="v"/></camunda:properties><camunda:inputOutput><camunda:inputParameter name="x">${y}</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask><bpmn:userTask id="next" camunda:assignee="b"/>');
    const r = convertCamunda7(xml);
    const task = await compiled(r);
    assert.equal(task.userTask?.assignee, 'a');
    assert.deepEqual(task.inputs, [{ source: 'y', target: 'x' }]);
    assert.equal((await compileBpmn(r.xml)).processes[0]!.elements['next']!.userTask?.assignee, 'b');
  });

  it('reads Camunda 7 models in the older Activiti namespace as Camunda 7 does', async () => {
    const xml = c7('    <bpmn:serviceTask id="task" activiti:class="org.Legacy" />').replace('xmlns:camunda="http://camunda.org/schema/1.0/bpmn"', 'xmlns:activiti="http://activiti.org/bpmn"');
    const r = convertCamunda7(xml);
    assert.equal((await compiled(r)).taskType, 'org.Legacy');
    assert.ok(!r.xml.includes('activiti'), 'the namespace goes with its last attribute');
  });

  it('refuses text that is not XML or not BPMN with a clear message naming the line', () => {
    const cases: [string, RegExp, number][] = [
      ['', /empty/, 1],
      ['this is not xml', /not XML: the file starts with text/, 1],
      ['\n\n  plain notes\n<a/>', /not XML/, 3],
      ['<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n  <bpmn:process id="p">\n</bpmn:definitions>', /not well-formed XML/, 4],
      ['<?xml version="1.0"?>\n\n<dmn:definitions xmlns:dmn="https://www.omg.org/spec/DMN/20191111/MODEL/" />', /not a BPMN 2.0 file.*dmn:definitions/, 3],
    ];
    for (const [text, message, line] of cases) {
      assert.throws(() => convertCamunda7(text), (e: unknown) => {
        assert.ok(isGovflowError(e));
        assert.equal(e.code, 'GOVFLOW_ERR_BPMN_PARSE');
        assert.match(e.message, message);
        assert.equal(e.details[0]?.line, line, e.message);
        return true;
      });
    }
  });

  it('writes a report like the Migration Analyzer: rows with line, element, type, severity, message and link', () => {
    const xml = c7('    <bpmn:serviceTask id="task" camunda:class="org.X" camunda:asyncBefore="true" camunda:initiator="x" />');
    const result = convertCamunda7(xml);
    const report = convertReport('model.bpmn', result);
    assert.equal(report.converted, false);
    assert.deepEqual(report.summary, { info: 1, review: 1, blocked: 1 });
    assert.ok(report.rows.every((r) => r.elementId === 'task' && r.elementType === 'ServiceTask' && r.line === lineOf(xml, 'id="task"') && r.link.startsWith('docs/convert.md#')));
    const text = formatReport(report, 100);
    assert.match(text, /model\.bpmn: NOT converted: 1 info, 1 to review, 1 blocked/);
    assert.match(text, /Line +Element +Type +Severity +Message/);
    assert.ok(text.split('\n').every((l) => l.length <= 100), 'wrapped to the width');
  });
});
