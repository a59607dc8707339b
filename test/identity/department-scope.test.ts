import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, userTask } from '../engine/bpmn.js';
import { apiKeyFor, signInStaff } from '../support/sign-in.js';
import { startIdentityServer, type IdentityServer } from './support.js';

// A case whose only task is for building control.
const renewal = bpmn('renewal', `<startEvent id="s"/>${userTask('check', '<zeebe:assignmentDefinition candidateGroups="licensing"/>')}<endEvent id="e"/>`, 's -> check; check -> e');
const inspection = bpmn('inspection', `<startEvent id="s"/>${userTask('inspect', '<zeebe:assignmentDefinition candidateGroups="building-control"/>')}<endEvent id="e"/>`, 's -> inspect; inspect -> e');

describeEachBackend('identity: department scope on cases', (backend) => {
  let s: IdentityServer;
  let instanceId: number;
  let taskId: number;
  before(async () => {
    // The catalogue's mapping of processes to services, as compose.ts derives it from services/.
    s = await startIdentityServer(backend, {}, 0, (key) => ({ inspection: 'building-permit', renewal: 'business-licence-renewal' } as Record<string, string>)[key]);
    await s.engine.deploy([{ name: 'inspection.bpmn', content: inspection }, { name: 'renewal.bpmn', content: renewal }]);
    instanceId = (await s.engine.startInstance('inspection', {})).id;
    taskId = (await s.engine.listTasks({ instanceId }))[0]!.id;
  });
  after(() => s.close());

  const status = async (path: string, headers: Record<string, string>) => (await fetch(`${s.base}${path}`, { headers })).status;

  it('lets a building-control caseworker read the case and its task, but not a licensing caseworker', async () => {
    const bob = { cookie: await signInStaff(s.base, 'bob') };
    const lin = { cookie: await signInStaff(s.base, 'lin') };
    for (const path of [`/api/process-instances/${instanceId}`, `/api/process-instances/${instanceId}/events`, `/api/tasks/${taskId}`]) {
      assert.equal(await status(path, bob), 200, `bob: ${path}`);
      assert.equal(await status(path, lin), 403, `lin: ${path}`);
    }
  });

  it('lets the managers of the department, admins and auditors read it', async () => {
    assert.equal(await status(`/api/process-instances/${instanceId}`, { cookie: await signInStaff(s.base, 'mia') }), 200);
    assert.equal(await status(`/api/process-instances/${instanceId}`, { cookie: await signInStaff(s.base, 'aud') }), 200);
    assert.equal(await status(`/api/process-instances/${instanceId}`, { authorization: `Bearer ${await apiKeyFor(s.db, { roles: ['admin'] })}` }), 200);
  });

  it('limits lists to the caller\'s departments: inbox and cases', async () => {
    const json = async (path: string, cookie: string) => (await (await fetch(`${s.base}${path}`, { headers: { cookie } })).json()) as { id: number; instanceId?: number }[];
    const bob = await signInStaff(s.base, 'bob');
    const lin = await signInStaff(s.base, 'lin');
    assert.ok((await json('/api/tasks', bob)).some((t) => t.id === taskId), 'bob sees the building-control task');
    assert.ok(!(await json('/api/tasks', lin)).some((t) => t.id === taskId), 'lin does not');
    assert.ok(!(await json('/api/tasks?candidateGroup=building-control', lin)).some((t) => t.id === taskId), 'not even by asking for the group');
    assert.ok(!(await json('/api/tasks?candidateUser=bob', lin)).some((t) => t.id === taskId), 'nor as another user');
    assert.ok((await json('/api/process-instances', bob)).some((i) => i.id === instanceId));
    assert.ok(!(await json('/api/process-instances', lin)).some((i) => i.id === instanceId));
  });

  it('lets only the task\'s department claim, give back or complete it, and set the case\'s variables', async () => {
    // A state-changing API call made with a session cookie sends the session's CSRF token (src/identity/web-session.ts).
    const tokenOf = async (cookie: string): Promise<string> => /name="csrf" value="([^"]*)"/.exec(await (await fetch(`${s.base}/staff/sign-in`, { headers: { cookie } })).text())?.[1] ?? '';
    const send = async (method: string, path: string, cookie: string, body: unknown) => (await fetch(`${s.base}${path}`, { method, headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': await tokenOf(cookie) }, body: JSON.stringify(body) })).status;
    const lin = await signInStaff(s.base, 'lin');
    const bob = await signInStaff(s.base, 'bob');
    assert.equal(await send('POST', `/api/tasks/${taskId}/claim`, lin, { user: 'lin' }), 403);
    assert.equal(await send('POST', `/api/tasks/${taskId}/complete`, lin, {}), 403);
    assert.equal(await send('PATCH', `/api/process-instances/${instanceId}/variables`, lin, { variables: { hijacked: true } }), 403);
    assert.equal((await s.engine.getTask(taskId)).assignee, null, 'nothing changed');
    assert.equal((await s.engine.getInstance(instanceId)).variables['hijacked'], undefined);
    assert.equal(await send('POST', `/api/tasks/${taskId}/claim`, bob, { user: 'bob' }), 200);
    assert.equal(await send('POST', `/api/tasks/${taskId}/unclaim`, lin, { user: 'bob' }), 403);
    assert.equal(await send('POST', `/api/tasks/${taskId}/unclaim`, bob, { user: 'bob' }), 200);
  });

  it('limits an agency system\'s API key to its services: start and read', async () => {
    const headers = { authorization: `Bearer ${await apiKeyFor(s.db, { roles: ['agency-system'], services: ['building-permit'] })}`, 'content-type': 'application/json' };
    const start = (processKey: string) => fetch(`${s.base}/api/process-instances`, { method: 'POST', headers, body: JSON.stringify({ processKey }) });
    assert.equal((await start('inspection')).status, 201);
    assert.equal((await start('renewal')).status, 403);
    const other = (await s.engine.startInstance('renewal', {})).id;
    assert.equal(await status(`/api/process-instances/${other}`, headers), 403);
    assert.equal(await status(`/api/process-instances/${instanceId}`, headers), 200);
    assert.equal((await s.engine.listInstances({ processKey: 'renewal' })).length, 1, 'the refused start created nothing');
    const listed = (await (await fetch(`${s.base}/api/process-instances`, { headers: { ...headers, 'x-govflow-purpose': 'reconciling our cases' } })).json()) as { processKey: string }[];
    assert.ok(listed.length > 0 && listed.every((i) => i.processKey === 'inspection'), 'its list holds only its services\' cases');
  });
});
