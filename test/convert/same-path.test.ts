/**
 * Issue 16, acceptance 4: a converted Camunda 7 model runs the same path in govflow as the original does in
 * Camunda 7, for the variables its own documentation and test cases use. The models in test/convert/models/ are
 * re-written after public Camunda 7 examples and engine tests (SOURCES.md names each, with the behaviour asserted
 * here); they go through `convertCamunda7` unchanged, are deployed on both backends and run with job workers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { convertCamunda7 } from '../../src/convert/index.js';
import { describeEachBackend } from '../support/databases.js';
import { assertCompleted, eventLog, instance, oneJob, tasksOf, useEngine, type Harness } from '../engine/harness.js';

const model = (name: string) => readFileSync(new URL(`./models/${name}`, import.meta.url), 'utf8');

function converted(name: string): { name: string; content: string } {
  const result = convertCamunda7(model(name));
  assert.deepEqual(result.blocked, [], `${name} converts without anything blocked`);
  return { name, content: result.xml };
}

/** The activities an instance completed, in order (the path it took). */
async function path(h: Harness, id: number): Promise<string[]> {
  return (await eventLog(h, id)).filter((e) => e.type === 'element.completed' && e.elementId).map((e) => e.elementId!);
}

async function completeOnly(h: Harness, instanceId: number, elementId: string, variables: Record<string, unknown> = {}) {
  const tasks = await tasksOf(h, instanceId);
  assert.deepEqual(tasks.map((t) => t.elementId), [elementId], `the open task is ${elementId}`);
  await h.engine.completeTask(tasks[0]!.id, { variables, actor: tasks[0]!.assignee ?? 'demo' });
  return tasks[0]!;
}

describeEachBackend('converted Camunda 7 models run the path Camunda 7 runs', (backend) => {
  const h = useEngine(backend);

  it('gateway decisions (Camunda 7 engine tests testDecisionFunctionality): input selects the flows', async () => {
    await h.engine.deploy([converted('gateway-decisions.bpmn')]);
    // ExclusiveGatewayTest: input 1, 2, 3 reach Task 1, 2, 3; input 4 matches no flow, which Camunda 7 refuses.
    for (const [input, task] of [[1, 'theTask1'], [2, 'theTask2'], [3, 'theTask3']] as const) {
      const started = await h.engine.startInstance('exclusiveGateway', { variables: { input } });
      assert.deepEqual((await tasksOf(h, started.id)).map((t) => t.elementId), [task], `exclusive, input ${input}`);
    }
    const none = await h.engine.startInstance('exclusiveGateway', { variables: { input: 4 } });
    assert.deepEqual(await tasksOf(h, none.id), [], 'input 4 reaches no task');
    const [incident] = await h.engine.listIncidents({ instanceId: none.id, state: 'open' });
    assert.equal(incident?.elementId, 'exclusiveGw', 'govflow stops at the gateway with an incident where Camunda 7 throws');
    // InclusiveGatewayTest: input 1 → Tasks 1, 2, 3; 2 → Tasks 2, 3; 3 → Task 3.
    for (const [input, tasks] of [[1, ['theTask1_i', 'theTask2_i', 'theTask3_i']], [2, ['theTask2_i', 'theTask3_i']], [3, ['theTask3_i']]] as const) {
      const started = await h.engine.startInstance('inclusiveGateway', { variables: { input } });
      assert.deepEqual((await tasksOf(h, started.id)).map((t) => t.elementId).sort(), [...tasks], `inclusive, input ${input}`);
    }
  });

  it('loan granting (camunda-bpm-examples clients/java/loan-granting): scores above 5 are granted, the others rejected', async () => {
    await h.engine.deploy([converted('loan-granting.bpmn')]);
    const started = await h.engine.startInstance('loan_process');
    // The example's worker reads defaultScore and completes with creditScores = [defaultScore, 9, 1, 4, 10].
    const check = await oneJob(h, 'creditScoreChecker');
    assert.equal(check.variables['defaultScore'], 5, 'the input mapping gives the worker defaultScore');
    await h.engine.completeJob(check.id, { worker: 'w', variables: { creditScores: [check.variables['defaultScore'], 9, 1, 4, 10] } });
    const granted = await h.engine.activateJobs({ type: 'loanGranter', worker: 'w', maxJobs: 10 });
    const rejected = await h.engine.activateJobs({ type: 'requestRejecter', worker: 'w', maxJobs: 10 });
    assert.deepEqual(granted.map((j) => j.variables['score']).sort(), [10, 9].sort());
    assert.deepEqual(rejected.map((j) => j.variables['score']).sort(), [1, 4, 5]);
    for (const job of [...granted, ...rejected]) await h.engine.completeJob(job.id, { worker: 'w' });
    const done = await assertCompleted(h, started.id);
    // The converter's stated difference: the script's defaultScore is the task's own input, not kept on the process.
    assert.equal(done.variables['defaultScore'], undefined);
    const taken = await path(h, started.id);
    assert.equal(taken.filter((e) => e === 'Task_0v4gadf').length, 2);
    assert.equal(taken.filter((e) => e === 'Task_0j0sjlk').length, 3);
    assert.equal(taken.at(-1), 'EndEvent_0q9wl5o');
  });

  const invoiceVariables = { creditor: 'Great Pizza for Everyone Inc.', amount: 300.0, invoiceCategory: 'Travel Expenses', invoiceNumber: 'GPFE-23232323', invoiceDocument: 'invoice.pdf' };

  it('invoice (Camunda 7 invoice example, InvoiceTestCase.testHappyPathV2): approved, paid, archived', async () => {
    await h.engine.deploy([{ name: 'invoice-decisions.dmn', content: model('invoice-decisions.dmn') }, converted('invoice.bpmn'), converted('review-invoice.bpmn')]);
    const started = await h.engine.startInstance('invoice', { variables: invoiceVariables });
    const [approve] = await tasksOf(h, started.id);
    assert.equal(approve?.elementId, 'approveInvoice');
    assert.deepEqual([...approve!.candidateGroups].sort(), ['accounting', 'sales'], 'the decision\'s collected groups are the candidate groups');
    assert.ok(approve!.dueAt, 'the due date expression was evaluated');
    await completeOnly(h, started.id, 'approveInvoice', { approved: true });
    const transfer = await completeOnly(h, started.id, 'prepareBankTransfer');
    assert.deepEqual(transfer.candidateGroups, ['accounting']);
    const archive = await oneJob(h, 'org.camunda.bpm.example.invoice.service.ArchiveInvoiceService');
    await h.engine.completeJob(archive.id, { worker: 'w' });
    await assertCompleted(h, started.id);
    assert.deepEqual(await path(h, started.id), ['StartEvent_1', 'assignApprover', 'approveInvoice', 'invoice_approved', 'prepareBankTransfer', 'archiveInvoice', 'invoiceProcessed']);
  });

  it('invoice, not approved: the review gets only the mapped variables and returns only clarified and reviewComment', async () => {
    const started = await h.engine.startInstance('invoice', { variables: invoiceVariables });
    await completeOnly(h, started.id, 'approveInvoice', { approved: false });
    const [child] = (await h.engine.listInstances({ processKey: 'ReviewInvoice', state: 'active' })).filter((i) => i.parentInstanceId === started.id);
    assert.ok(child, 'the review process was called');
    // Camunda 7's camunda:in passes these five and nothing else (not approved, not approverGroups).
    assert.deepEqual(Object.keys(child.variables).sort(), ['amount', 'creditor', 'invoiceCategory', 'invoiceDocument', 'invoiceNumber']);
    const assign = await completeOnly(h, child.id, 'assignReviewer', { reviewer: 'mary' });
    assert.equal(assign.assignee, 'demo');
    const review = await completeOnly(h, child.id, 'reviewInvoice', { clarified: false, reviewComment: 'no purchase order' });
    assert.equal(review.assignee, 'mary', 'the assignee expression ${reviewer} was evaluated');
    await assertCompleted(h, started.id);
    const parent = await instance(h, started.id);
    assert.equal(parent.variables['clarified'], false);
    assert.equal(parent.variables['reviewComment'], 'no purchase order');
    assert.equal(parent.variables['reviewer'], undefined, 'camunda:out maps only clarified and reviewComment back');
    assert.deepEqual((await path(h, started.id)).slice(-3), ['invoiceClarification', 'clarificationSuccessful_gw', 'invoiceNotProcessed']);
  });

  it('invoice, clarified after review: back to approval', async () => {
    const started = await h.engine.startInstance('invoice', { variables: invoiceVariables });
    await completeOnly(h, started.id, 'approveInvoice', { approved: false });
    const [child] = (await h.engine.listInstances({ processKey: 'ReviewInvoice', state: 'active' })).filter((i) => i.parentInstanceId === started.id);
    await completeOnly(h, child!.id, 'assignReviewer', { reviewer: 'mary' });
    await completeOnly(h, child!.id, 'reviewInvoice', { clarified: true });
    await completeOnly(h, started.id, 'approveInvoice', { approved: true });
    assert.deepEqual((await tasksOf(h, started.id)).map((t) => t.elementId), ['prepareBankTransfer']);
  });
});
