/**
 * Roles that mean what they say (issue 13, acceptance 6): reads and writes are checked separately; an admin or an
 * auditor reads a case but never decides it (an admin who is also a caseworker of its department does); the actor
 * of every action is the signed-in principal, never a field of the request (a probe GENERATED from the API's route
 * table sends another user's id in every body field named like an actor); reserved variables cannot be set through
 * the API, and who a case is about comes from its start record; incidents and mining are scoped to the caller's
 * departments.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createStaff } from '../../src/identity/index.js';
import { subjectOfInstance } from '../../src/privacy/index.js';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, job, userTask } from '../engine/bpmn.js';
import { apiKeyFor, signInStaff, signInStaffWith } from '../support/sign-in.js';
import { startIdentityServer, type IdentityServer } from './support.js';

const inspection = bpmn('inspection', `<startEvent id="s"/>${userTask('inspect', '<zeebe:assignmentDefinition candidateGroups="building-control"/>')}${job('report', 'send-report')}<endEvent id="e"/>`, 's -> inspect; inspect -> report; report -> e');
const renewal = bpmn('renewal', `<startEvent id="s"/>${userTask('check', '<zeebe:assignmentDefinition candidateGroups="licensing"/>')}<endEvent id="e"/>`, 's -> check; check -> e');

const MASTER_KEY = randomBytes(32);

/** Body fields whose name says "who acts" (the brief's list, matched case-insensitively on the whole name). */
const ACTOR_FIELD = /^(actor|actorId|user|userId|username|by|actedBy|performedBy|createdBy|staff|staffId|assignee|owner)$/i;

describeEachBackend('identity: roles that mean what they say', (backend) => {
  let s: IdentityServer;
  const services: Record<string, string> = { inspection: 'building-permit', renewal: 'business-licence-renewal' };
  const departments: Record<string, string> = { inspection: 'building-control', renewal: 'licensing' };
  before(async () => {
    s = await startIdentityServer(backend, { masterKey: MASTER_KEY }, 0, (key) => services[key], { departmentOfProcess: (key) => departments[key] });
    await s.engine.deploy([{ name: 'inspection.bpmn', content: inspection }, { name: 'renewal.bpmn', content: renewal }]);
  });
  after(() => s.close());

  const tokenOf = async (cookie: string): Promise<string> => /name="csrf" value="([^"]*)"/.exec(await (await fetch(`${s.base}/staff/sign-in`, { headers: { cookie } })).text())?.[1] ?? '';
  async function send(method: string, path: string, cookie: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await fetch(`${s.base}${path}`, { method, headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': await tokenOf(cookie) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: r.status, body: await r.json() as Record<string, unknown> };
  }
  async function freshCase(): Promise<{ instanceId: number; taskId: number }> {
    const instanceId = (await s.engine.startInstance('inspection', { variables: { applicant: 'person-owner' } })).id;
    return { instanceId, taskId: (await s.engine.listTasks({ instanceId }))[0]!.id };
  }

  it('lets an admin and an auditor read a case but not claim, complete or change it; an admin who is also its department\'s caseworker may', async () => {
    const { instanceId, taskId } = await freshCase();
    for (const who of ['ada', 'aud']) {
      const cookie = await signInStaff(s.base, who);
      assert.equal((await send('GET', `/api/process-instances/${instanceId}`, cookie)).status, 200, `${who} reads`);
      assert.equal((await send('POST', `/api/tasks/${taskId}/claim`, cookie, {})).status, 403, `${who} claims`);
      assert.equal((await send('POST', `/api/tasks/${taskId}/complete`, cookie, {})).status, 403, `${who} completes`);
      assert.equal((await send('PATCH', `/api/process-instances/${instanceId}/variables`, cookie, { variables: { decided: true } })).status, 403, `${who} sets variables`);
    }
    assert.equal((await s.engine.getTask(taskId)).assignee, null, 'nothing changed');
    assert.equal((await s.engine.getInstance(instanceId)).variables['decided'], undefined);
    await s.identity.setMembership('ada', { department: 'building-control', role: 'caseworker' }, true, null);
    try {
      const ada = await signInStaff(s.base, 'ada');
      assert.equal((await send('POST', `/api/tasks/${taskId}/claim`, ada, {})).status, 200, 'a caseworker of building-control who is also an admin');
      assert.equal((await s.engine.getTask(taskId)).assignee, 'staff:ada');
    } finally {
      await s.identity.setMembership('ada', { department: 'building-control', role: 'caseworker' }, false, null);
    }
  });

  it('acts as the signed-in principal whatever user a body names: every actor-like field of the route table is refused or ignored', async () => {
    const document = await (await fetch(`${s.base}/api/openapi.json`)).json() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>> };
    const probes: { method: string; path: string; field: string }[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const properties = operation.requestBody?.content?.['application/json']?.schema?.properties ?? {};
        for (const field of Object.keys(properties)) if (ACTOR_FIELD.test(field)) probes.push({ method: method.toUpperCase(), path, field });
      }
    }
    // The generator found the task routes' `user` (if it found nothing, this test would prove nothing).
    assert.ok(probes.some((p) => p.path === '/api/tasks/{id}/claim' && p.field === 'user'), JSON.stringify(probes));
    const bob = await signInStaff(s.base, 'bob');
    const unprobed: string[] = [];
    for (const probe of probes) {
      if (!probe.path.startsWith('/api/tasks/{id}/')) { unprobed.push(`${probe.method} ${probe.path} ${probe.field}`); continue; }
      for (const other of ['lin', 'staff:lin']) {
        const { instanceId, taskId } = await freshCase();
        if (!probe.path.endsWith('/claim')) await s.engine.claimTask(taskId, 'staff:bob');
        const before = (await s.engine.getEvents(instanceId)).length;
        const r = await send(probe.method, probe.path.replace('{id}', String(taskId)), bob, { [probe.field]: other });
        if (r.status === 403) continue; // refused
        assert.ok(r.status < 300, `${probe.method} ${probe.path} with ${probe.field}=${other}: ${r.status} ${JSON.stringify(r.body)}`);
        const written = (await s.engine.getEvents(instanceId)).slice(before);
        assert.ok(written.length > 0 && written.every((e) => e.actor === 'staff:bob' || e.actor === null), `ignored: every event is bob's (${JSON.stringify(written.map((e) => e.actor))})`);
        assert.notEqual((await s.engine.getTask(taskId)).assignee, 'staff:lin');
      }
    }
    // A new actor-like field on another route needs a probe here: this fails until one is written.
    assert.deepEqual(unprobed, []);
  });

  it('refuses reserved variables through every API and takes the case\'s person from its start record', async () => {
    const { instanceId, taskId } = await freshCase();
    const bob = await signInStaff(s.base, 'bob');
    const admin = `Bearer ${await apiKeyFor(s.db, { roles: ['admin'] })}`;
    const json = { 'content-type': 'application/json' };
    const start = await fetch(`${s.base}/api/process-instances`, { method: 'POST', headers: { ...json, authorization: admin }, body: JSON.stringify({ processKey: 'inspection', variables: { applicant: 'person-victim' } }) });
    assert.equal(start.status, 400);
    assert.match(((await start.json()) as { message: string }).message, /body\.variables\.applicant is reserved/);
    const patch = await send('PATCH', `/api/process-instances/${instanceId}/variables`, bob, { variables: { applicant: 'person-victim' } });
    assert.equal(patch.status, 400);
    await s.engine.claimTask(taskId, 'staff:bob');
    assert.equal((await send('POST', `/api/tasks/${taskId}/complete`, bob, { variables: { applicant: 'person-victim' } })).status, 400);
    assert.equal((await s.engine.getInstance(instanceId)).variables['applicant'], 'person-owner', 'nothing written');
    // Even a write from inside (a script, a connector) does not move the case to another person.
    await s.engine.setVariables(instanceId, { applicant: 'person-victim' });
    assert.equal(await subjectOfInstance(s.db, [], instanceId), 'person-owner');
  });

  it('scopes incidents and mining to the departments a manager manages', async () => {
    const made = await createStaff(s.db, MASTER_KEY, { username: 'lena', name: 'Lena Licensing Manager', email: '' }, null);
    await s.identity.setMembership('lena', { department: 'licensing', role: 'manager' }, true, null);
    const lena = await signInStaffWith(s.base, 'lena', made.password, made.totpSecret, { newPassword: 'fresh-licensing-words' });
    const mia = await signInStaff(s.base, 'mia');
    const { taskId } = await freshCase();
    await s.engine.claimTask(taskId, 'staff:bob');
    await s.engine.completeTask(taskId, { actor: 'staff:bob' });
    const [activated] = await s.engine.activateJobs({ type: 'send-report', worker: 'w' });
    await s.engine.failJob(activated!.id, { worker: 'w', retries: 0, errorMessage: 'down' });
    const incidentsOf = async (cookie: string) => ((await (await fetch(`${s.base}/api/incidents`, { headers: { cookie } })).json()) as { instanceId: number }[]).map((i) => i.instanceId);
    assert.ok((await incidentsOf(mia)).includes(activated!.instanceId), 'the manager of building control sees it');
    assert.ok(!(await incidentsOf(lena)).includes(activated!.instanceId), 'the manager of licensing does not');
    const mine = async (cookie: string, key: string) => (await fetch(`${s.base}/api/process-definitions/${key}/mining`, { headers: { cookie } })).status;
    assert.equal(await mine(lena, 'inspection'), 403);
    assert.equal(await mine(lena, 'renewal'), 200);
    assert.equal(await mine(mia, 'inspection'), 200);
  });
});
