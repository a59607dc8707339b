import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { ERROR_CATALOGUE } from '../../src/kernel/index.js';
import { describeEachBackend } from '../support/databases.js';
import { sharedPath, skipWithoutSharedData } from '../support/shared-data.js';
import { bpmn, job, userTask } from '../engine/bpmn.js';
import { startTestApi, type TestApi } from './support.js';

const approval = bpmn('approval', `<startEvent id="s"/>${userTask('review', '<zeebe:assignmentDefinition candidateGroups="clerks"/>')}${job('notify', 'notify')}<endEvent id="e"/>`, 's -> review; review -> notify; notify -> e');

describeEachBackend('engine HTTP API', (backend) => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi(backend);
  });
  after(async () => api.close());

  async function countRows(table: string): Promise<number> {
    const { rows } = await api.db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    return rows[0]!.n;
  }

  it('deploys, starts, completes a task and a job through HTTP, and the history shows each step', async () => {
    const deployed = await api.request('POST', '/api/deployments', { resources: [{ name: 'approval.bpmn', content: approval }] });
    assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
    assert.deepEqual(deployed.body.processes.map((p: { key: string; version: number }) => [p.key, p.version]), [['approval', 1]]);

    const started = await api.request('POST', '/api/process-instances', { processKey: 'approval', variables: { applicantName: 'Ada' }, businessKey: 'A-1' });
    assert.equal(started.status, 201);
    assert.deepEqual(started.body.activeElements.map((a: { elementId: string }) => a.elementId), ['review']);

    const inbox = await api.request('GET', '/api/tasks?candidateGroup=clerks');
    assert.equal(inbox.status, 200);
    const task = inbox.body.find((t: { instanceId: number }) => t.instanceId === started.body.id);
    assert.ok(task, 'the task is in the clerks inbox');
    // The actor is the caller (issue 13): the task is claimed by the operator's key, not by a name in the body.
    assert.equal((await api.request('POST', `/api/tasks/${task.id}/claim`, {})).status, 200);
    const colleague = `Bearer ${(await api.identity.createApiKey({ id: 'second-clerk', roles: ['caseworker'] })).key}`;
    assert.equal((await api.request('POST', `/api/tasks/${task.id}/claim`, {}, { authorization: colleague })).body.code, 'GOVFLOW_ERR_TASK_CLAIMED');
    const done = await api.request('POST', `/api/tasks/${task.id}/complete`, { variables: { approved: true } });
    assert.equal(done.status, 200, JSON.stringify(done.body));

    const jobs = await api.request('POST', '/api/jobs/activate', { type: 'notify', worker: 'mailer', maxJobs: 5 });
    assert.equal(jobs.body.length, 1);
    assert.equal(jobs.body[0].variables.approved, true);
    assert.equal((await api.request('POST', `/api/jobs/${jobs.body[0].id}/complete`, { worker: 'someone-else' })).status, 409);
    assert.equal((await api.request('POST', `/api/jobs/${jobs.body[0].id}/complete`, { worker: 'mailer', variables: { sent: true } })).status, 200);

    const instance = await api.request('GET', `/api/process-instances/${started.body.id}`);
    assert.equal(instance.body.state, 'completed');
    const events = await api.request('GET', `/api/process-instances/${started.body.id}/events`);
    const seqs = events.body.map((e: { seq: number }) => e.seq);
    assert.deepEqual(seqs, seqs.map((_: number, i: number) => i + 1), 'sequence numbers are gap-free');
    const types = events.body.map((e: { type: string }) => e.type);
    for (const type of ['process.started', 'task.created', 'task.claimed', 'task.completed', 'job.created', 'job.completed', 'process.completed']) assert.ok(types.includes(type), `history has ${type}`);
    assert.equal(events.body[0].actor, 'staff:key-test-operator', 'the actor is the authenticated caller, not a header');
  });

  it('two people completing the same task at once: one success, one 409', async () => {
    const started = await api.request('POST', '/api/process-instances', { processKey: 'approval' });
    const task = (await api.request('GET', `/api/tasks?instanceId=${started.body.id}`)).body[0];
    const [a, b] = await Promise.all([
      api.request('POST', `/api/tasks/${task.id}/complete`, { variables: { by: 'a' } }),
      api.request('POST', `/api/tasks/${task.id}/complete`, { variables: { by: 'b' } }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const events = await api.request('GET', `/api/process-instances/${started.body.id}/events`);
    assert.equal(events.body.filter((e: { type: string }) => e.type === 'task.completed').length, 1);
  });

  it('bad input gets a coded 4xx naming the problem, and writes nothing', async () => {
    const deploymentsBefore = await countRows('deployment');
    const cases: [string, unknown, number, string][] = [
      ['malformed XML', { resources: [{ name: 'broken.bpmn', content: '<definitions><process id="p">' }] }, 400, 'GOVFLOW_ERR_BPMN_PARSE'],
      ['unknown reference', { resources: [{ name: 'ref.bpmn', content: bpmn('ref', '<startEvent id="s"/><endEvent id="e"/>', 's -> nowhere') }] }, 422, 'GOVFLOW_ERR_BPMN_INVALID'],
      ['cycle without a wait state', { resources: [{ name: 'loop.bpmn', content: bpmn('loop', '<startEvent id="s"/><exclusiveGateway id="g"/><task id="t"/>', 's -> g; g -> t; t -> g') }] }, 422, 'GOVFLOW_ERR_BPMN_INVALID'],
      ['FEEL syntax error', { resources: [{ name: 'feel.bpmn', content: bpmn('feel', '<startEvent id="s"/><exclusiveGateway id="g"/><endEvent id="e"/><endEvent id="e2"/>', 's -> g; g -> e [= amount > ]; g -> e2 (default)') }] }, 422, 'GOVFLOW_ERR_FEEL_SYNTAX'],
      ['unsupported element', { resources: [{ name: 'cx.bpmn', content: bpmn('cx', '<startEvent id="s"/><complexGateway id="c"/><endEvent id="e"/>', 's -> c; c -> e') }] }, 422, 'GOVFLOW_ERR_BPMN_UNSUPPORTED'],
      ['JavaScript script', { resources: [{ name: 'js.bpmn', content: bpmn('scripted', '<startEvent id="s"/><scriptTask id="js" scriptFormat="javascript"><script>process.exit(1)</script></scriptTask>', 's -> js') }] }, 422, 'GOVFLOW_ERR_BPMN_UNSUPPORTED'],
      ['no resources', { resources: [] }, 400, 'GOVFLOW_ERR_VALIDATION'],
      ['oversized file', { resources: [{ name: 'big.bpmn', content: 'x'.repeat(5 * 1024 * 1024 + 10) }] }, 400, 'GOVFLOW_ERR_VALIDATION'],
    ];
    for (const [what, body, status, code] of cases) {
      const response = await api.request('POST', '/api/deployments', body);
      assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body).slice(0, 300)}`);
      assert.equal(response.body.code, code, what);
      assert.ok(typeof response.body.message === 'string' && !/\n\s+at /.test(response.body.message), `${what}: a message, never a stack trace`);
    }
    const unsupported = await api.request('POST', '/api/deployments', cases[4]![1]);
    assert.ok(unsupported.body.details.some((d: { where: string; line: number; message: string }) => d.where === 'c' && d.line > 0 && /ComplexGateway/.test(d.message)), 'names the element, its type and line');
    const huge = await api.request('POST', '/api/deployments', JSON.stringify({ resources: [{ name: 'huge.bpmn', content: 'x'.repeat(7 * 1024 * 1024) }] }));
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'GOVFLOW_ERR_PAYLOAD_TOO_LARGE');
    assert.equal(await countRows('deployment'), deploymentsBefore, 'no partial deployment');

    const wrongVariables = await api.request('POST', '/api/process-instances', { processKey: 'approval', variables: [1, 2] });
    assert.equal(wrongVariables.status, 400);
    assert.equal(wrongVariables.body.code, 'GOVFLOW_ERR_VALIDATION');
    assert.equal((await api.request('POST', '/api/process-instances', { processKey: 'nope' })).body.code, 'GOVFLOW_ERR_PROCESS_NOT_FOUND');
    assert.equal((await api.request('GET', '/api/process-instances/999999')).status, 404);
    assert.equal((await api.request('GET', '/api/no-such-route')).body.code, 'GOVFLOW_ERR_NOT_FOUND');
    assert.equal((await api.request('POST', '/api/messages', { name: 'nobody-waits', timeToLiveMs: 0 })).body.code, 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED');
  });

  it('evaluates root conditional start events: each process whose condition holds starts with the variables', async () => {
    const model = bpmn('api_conditional', `<startEvent id="big"><conditionalEventDefinition><condition xsi:type="tFormalExpression">= amount &gt; 100</condition></conditionalEventDefinition></startEvent>${job('check', 'api.check')}<endEvent id="e"/>`, 'big -> check; check -> e');
    assert.equal((await api.request('POST', '/api/deployments', { resources: [{ name: 'cond.bpmn', content: model }] })).status, 201);
    const small = await api.request('POST', '/api/conditionals/evaluation', { processKey: 'api_conditional', variables: { amount: 5 } });
    assert.equal(small.status, 200, JSON.stringify(small.body));
    assert.deepEqual(small.body.startedInstances, []);
    const large = await api.request('POST', '/api/conditionals/evaluation', { variables: { amount: 500 } });
    assert.equal(large.body.startedInstances.length, 1);
    const started = await api.request('GET', `/api/process-instances/${large.body.startedInstances[0]}`);
    assert.equal(started.body.processKey, 'api_conditional');
    assert.equal(started.body.variables.amount, 500);
  });

  it('serves an OpenAPI 3.1 document that lists every route with its error codes', async () => {
    const doc = (await api.request('GET', '/api/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    const operations = Object.values(doc.paths as Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>).flatMap((p) => Object.values(p));
    for (const id of ['deploy', 'startInstance', 'getInstance', 'completeTask', 'activateJobs', 'completeJob', 'failJob', 'resolveIncident', 'publishMessage', 'broadcastSignal', 'evaluateDecision', 'evaluateConditionals']) {
      assert.ok(operations.some((o) => o.operationId === id), `documents ${id}`);
    }
    assert.deepEqual(doc.components.schemas.ErrorCode.enum, Object.keys(ERROR_CATALOGUE));
    assert.ok(operations.every((o) => Object.keys(o.responses).some((s) => s.startsWith('2'))));
  });

  it('deploys the Camunda 8 reference models C.9.0–C.9.2 from the MIWG suite', { skip: skipWithoutSharedData('bpmn-miwg/C.9.0.bpmn', 'bpmn-miwg/C.9.1.bpmn', 'bpmn-miwg/C.9.2.bpmn') }, async () => {
    for (const name of ['C.9.0.bpmn', 'C.9.1.bpmn', 'C.9.2.bpmn']) {
      const content = await readFile(sharedPath(`bpmn-miwg/${name}`), 'utf8');
      const response = await api.request('POST', '/api/deployments', { resources: [{ name, content }] });
      assert.equal(response.status, 201, `${name}: ${JSON.stringify(response.body).slice(0, 400)}`);
    }
  });
});

describeEachBackend('process intelligence over HTTP', (backend) => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi(backend);
  });
  after(async () => api.close());

  it('mines the event log of a deployed process: cases, variants and the directly-follows graph', async () => {
    await api.request('POST', '/api/deployments', { resources: [{ name: 'approval.bpmn', content: approval }] });
    for (let i = 0; i < 3; i++) {
      const started = await api.request('POST', '/api/process-instances', { processKey: 'approval' });
      const task = (await api.request('GET', `/api/tasks?instanceId=${started.body.id}`)).body[0];
      await api.request('POST', `/api/tasks/${task.id}/complete`, {});
      const jobs = await api.request('POST', '/api/jobs/activate', { type: 'notify', worker: 'w' });
      await api.request('POST', `/api/jobs/${jobs.body[0].id}/complete`, { worker: 'w' });
    }
    const mined = await api.request('GET', '/api/process-definitions/approval/mining?version=1');
    assert.equal(mined.status, 200, JSON.stringify(mined.body).slice(0, 300));
    assert.equal(mined.body.cases, 3);
    assert.equal(mined.body.variants, 1);
    assert.ok(mined.body.dfg.some((e: { from: string; to: string; count: number }) => e.count === 3), 'each edge seen in all three cases');
    assert.equal((await api.request('GET', '/api/process-definitions/nope/mining')).body.code, 'GOVFLOW_ERR_PROCESS_NOT_FOUND');
  });
});

describeEachBackend('decisions over HTTP', (backend) => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi(backend);
  });
  after(async () => api.close());

  it('deploys a DMN file with the other resources and evaluates it, saying which rules matched', async () => {
    const dmn = await readFile(new URL('../conformance/fixtures/risk_check.dmn', import.meta.url), 'utf8');
    const deployed = await api.request('POST', '/api/deployments', { resources: [{ name: 'risk_check.dmn', content: dmn }, { name: 'approval.bpmn', content: approval }] });
    assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
    assert.deepEqual(deployed.body.decisions.map((d: { key: string; version: number }) => [d.key, d.version]), [['risk_check', 1]]);
    const result = await api.request('POST', '/api/decisions/risk_check/evaluate', { variables: { score: 300, applicant: { age: 16 } } });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(result.body.value, [{ riskLevel: 'red', risk: 'very low credit score' }, { riskLevel: 'red', risk: 'applicant is a minor' }]);
    assert.equal(result.body.version, 1);
    const matched = JSON.stringify(result.body.explanation);
    assert.match(matched, /very_low_score/);
    assert.match(matched, /minor/);
    assert.equal((await api.request('POST', '/api/decisions/nope/evaluate', { variables: {} })).body.code, 'GOVFLOW_ERR_DECISION_NOT_FOUND');
    const broken = await api.request('POST', '/api/deployments', { resources: [{ name: 'broken.dmn', content: dmn.replace('&lt; 400', '&lt; &lt;') }] });
    assert.equal(broken.status, 422, JSON.stringify(broken.body));
    assert.ok(broken.body.details.some((d: { where?: string }) => d.where !== undefined), 'names the element');
  });
});
