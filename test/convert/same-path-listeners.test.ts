/**
 * Issue 16, acceptance 4, for the listener expressions of the Valtimo models (valtimo-bezwaar,
 * valtimo-evenementenvergunning in the real-model corpus): a case status update at the start of a task
 * (`setInternalStatus(execution, 'in-behandeling')`) and document reads that set variables
 * (`execution.setVariable("getPermit", findValueByJsonPointer("/getPermit", execution))`), then a gateway on what was
 * read. The model below is written for this test after those models' pattern (they are not in the repository).
 * In Camunda 7 the listeners run at these points, in this order, and the gateway follows the document; the
 * converted model must ask the job worker for the same calls at the same points and take the same path. The worker
 * records what each listener job asked (its camunda7Calls header) and answers the reads from a document.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { convertCamunda7 } from '../../src/convert/index.js';
import { describeEachBackend } from '../support/databases.js';
import { assertCompleted, eventLog, tasksOf, useEngine, type Harness } from '../engine/harness.js';

const status = (s: string) => `<camunda:executionListener event="start" expression="\${documentDelegateService.setInternalStatus(execution,&#39;${s}&#39;)}" />`;
const read = (event: string, v: string) => `<camunda:executionListener event="${event}" expression="\${execution.setVariable(&#34;${v}&#34;,documentDelegateService.findValueByJsonPointer(&#34;/${v}&#34;,execution))}" />`;

const MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="objection" isExecutable="true">
    <bpmn:startEvent id="received">
      <bpmn:extensionElements>
        ${read('start', 'email')}
        ${read('start', 'lastName')}
      </bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:userTask id="handle" camunda:candidateGroups="ROLE_USER">
      <bpmn:extensionElements>
        ${status('in-behandeling')}
        ${read('end', 'getPermit')}
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="granted" />
    <bpmn:userTask id="sendPermit" />
    <bpmn:endEvent id="rejected">
      <bpmn:extensionElements>${status('afgewezen')}</bpmn:extensionElements>
    </bpmn:endEvent>
    <bpmn:endEvent id="done" />
    <bpmn:sequenceFlow id="f1" sourceRef="received" targetRef="handle" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="granted" />
    <bpmn:sequenceFlow id="yes" sourceRef="granted" targetRef="sendPermit"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${getPermit == "Ja"}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="granted" targetRef="rejected"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${getPermit == "Nee"}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="sendPermit" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
`;

interface Call { expression: string; arguments: unknown[]; resultVariable?: string }

/** A Valtimo-like worker: records each listener job's calls; reads answer from the document by JSON pointer. */
async function work(h: Harness, document: Record<string, unknown>, asked: string[], statuses: string[]): Promise<number> {
  let done = 0;
  for (const type of ['documentDelegateService.setInternalStatus', 'documentDelegateService.findValueByJsonPointer']) {
    for (const job of await h.engine.activateJobs({ type, worker: 'valtimo', maxJobs: 10 })) {
      const calls = JSON.parse(job.headers['camunda7Calls']!) as Call[];
      const variables: Record<string, unknown> = {};
      for (const call of calls) {
        asked.push(`${job.elementId} ${job.listener}: ${type}(${JSON.stringify(call.arguments)})`);
        if (type.endsWith('setInternalStatus')) statuses.push(call.arguments[1] as string);
        else variables[call.resultVariable!] = document[(call.arguments[0] as string).slice(1)];
      }
      await h.engine.completeJob(job.id, { worker: 'valtimo', variables });
      done++;
    }
  }
  return done;
}

describeEachBackend('a converted model with Valtimo\'s listener expressions runs the path Camunda 7 runs', (backend) => {
  const h = useEngine(backend);

  const run = async (getPermit: string) => {
    const result = convertCamunda7(MODEL);
    assert.deepEqual(result.blocked, []);
    await h.engine.deploy([{ name: 'objection.bpmn', content: result.xml }]);
    const started = await h.engine.startInstance('objection');
    const asked: string[] = [];
    const statuses: string[] = [];
    const document = { email: 'a@example.org', lastName: 'Jansen', getPermit };
    for (let round = 0; round < 10; round++) {
      if (await work(h, document, asked, statuses) > 0) continue;
      const [task] = await tasksOf(h, started.id);
      if (!task) break;
      await h.engine.completeTask(task.id, { variables: {}, actor: 'demo' });
    }
    return { started, asked, statuses };
  };

  it('rejected: the reads at the start, the status when the task starts, the read when it ends, the status at the end event', async () => {
    const { started, asked, statuses } = await run('Nee');
    const done = await assertCompleted(h, started.id);
    assert.deepEqual(asked, [
      'received end: documentDelegateService.findValueByJsonPointer(["/email",{"ref":"execution"}])',
      'received end: documentDelegateService.findValueByJsonPointer(["/lastName",{"ref":"execution"}])',
      'handle start: documentDelegateService.setInternalStatus([{"ref":"execution"},"in-behandeling"])',
      'handle end: documentDelegateService.findValueByJsonPointer(["/getPermit",{"ref":"execution"}])',
      'rejected start: documentDelegateService.setInternalStatus([{"ref":"execution"},"afgewezen"])',
    ]);
    assert.deepEqual(statuses, ['in-behandeling', 'afgewezen']);
    // execution.setVariable wrote to the process instance in Camunda 7: so here.
    assert.deepEqual({ email: done.variables['email'], lastName: done.variables['lastName'], getPermit: done.variables['getPermit'] }, { email: 'a@example.org', lastName: 'Jansen', getPermit: 'Nee' });
    const path = (await eventLog(h, started.id)).filter((e) => e.type === 'element.completed' && e.elementId).map((e) => e.elementId);
    assert.deepEqual(path, ['received', 'handle', 'granted', 'rejected']);
  });

  it('granted: the gateway follows the document read by the end listener', async () => {
    const { started, statuses } = await run('Ja');
    await assertCompleted(h, started.id);
    assert.deepEqual(statuses, ['in-behandeling']);
    const path = (await eventLog(h, started.id)).filter((e) => e.type === 'element.completed' && e.elementId).map((e) => e.elementId);
    assert.deepEqual(path, ['received', 'handle', 'granted', 'sendPermit', 'done']);
  });
});
