/**
 * Issue 13: the "Revoke" button for a signed decision on the case page. Only a manager of a department the case
 * belongs to sees it and may post it; the reason is required; the public /verify page then shows the decision
 * revoked with that reason. The composed server, the real issue-decision job handler, real sign-in.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Govflow } from '../../src/cli/index.js';
import { bpmn, job, userTask } from '../engine/bpmn.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { eventually } from '../support/eventually.js';
import { createStaff } from '../../src/identity/index.js';
import { resolveMasterKey } from '../../src/kernel/index.js';
import { signInStaff, signInStaffWith } from '../support/sign-in.js';

// A decision issued by the real handler, then a planning task so the case is in the planning department.
const decided = bpmn('revoke-test', `<startEvent id="s"/>${job('issue', 'issue-decision')}${userTask('follow-up', '<zeebe:assignmentDefinition candidateGroups="planning"/>')}<endEvent id="e"/>`, 's -> issue; issue -> follow-up; follow-up -> e');

describeEachBackend('revoking a signed decision from the case page', (backend) => {
  let server: DemoServer;
  let govflow: Govflow;
  let base: string;
  let caseId: number;
  let code: string;
  const get = async (url: string, cookie: string) => {
    const response = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, text: await response.text() };
  };
  const post = async (url: string, cookie: string, fields: Record<string, string>) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec((await get('/staff', cookie)).text)?.[1] ?? '';
    const response = await fetch(`${base}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, ...fields }), redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };

  before(async () => {
    server = await startDemoServer('revoke', { databaseUrl: backend === 'postgres' ? await createServerDatabase() : undefined });
    ({ govflow } = server);
    base = server.running.url;
    await govflow.engine.deploy([{ name: 'revoke-test.bpmn', content: decided }]);
    caseId = (await govflow.engine.startInstance('revoke-test', { businessKey: 'RV-1', variables: { serviceId: 'building-permit', reference: 'RV-1', applicantName: 'Alex Demo', decision: 'approved', decisionType: 'permit', decisionReasons: 'meets the plan' } })).id;
    code = await eventually('the decision is issued', async () => {
      const v = (await govflow.engine.getInstance(caseId)).variables as Record<string, unknown>;
      return typeof v['decisionCode'] === 'string' ? v['decisionCode'] : null;
    });
  });
  after(() => server.stop());

  it('a caseworker sees the status but no button, and their post is refused; another department does not see the case', async () => {
    const pat = await signInStaff(base, 'pat');
    const page = await get(`/staff/cases/${caseId}`, pat);
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`Verify decision ${code}`));
    assert.doesNotMatch(page.text, /Revoke this decision/);
    assert.equal((await post(`/staff/cases/${caseId}/revoke-decision`, pat, { reason: 'I should not be able to' })).status, 403);
    const bob = await signInStaff(base, 'bob');
    // bob manages nothing: refused before the case is looked up, so the answer says nothing about which cases exist
    assert.equal((await post(`/staff/cases/${caseId}/revoke-decision`, bob, { reason: 'nor I' })).status, 403);
    assert.equal((await get(`/staff/cases/${caseId}`, bob)).status, 404);
    assert.match((await (await fetch(`${base}/verify/${code}`)).text()), /This decision is genuine/);
  });

  it('the API follows the same rule: a caseworker of the case\'s department who manages another one is refused', async () => {
    const made = await createStaff(govflow.db, resolveMasterKey(govflow.config), { username: 'kai', name: 'Kai Two Hats', email: '' }, null);
    await server.running.identity.setMembership('kai', { department: 'planning', role: 'caseworker' }, true, null);
    await server.running.identity.setMembership('kai', { department: 'licensing', role: 'manager' }, true, null);
    const kai = await signInStaffWith(base, 'kai', made.password, made.totpSecret, { newPassword: 'two-hats-but-one-pen' });
    const csrf = /name="csrf" value="([^"]+)"/.exec((await get('/staff', kai)).text)?.[1] ?? '';
    const viaApi = await fetch(`${base}/api/decisions/${code}/revoke`, { method: 'POST', headers: { cookie: kai, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ reason: 'not mine to revoke' }) });
    assert.equal(viaApi.status, 403);
    assert.equal((await post(`/staff/cases/${caseId}/revoke-decision`, kai, { reason: 'nor here' })).status, 403);
    assert.match((await (await fetch(`${base}/verify/${code}`)).text()), /This decision is genuine/);
  });

  it('a manager of the department revokes it with a reason; /verify then shows it revoked, with the reason', async () => {
    const mia = await signInStaff(base, 'mia');
    const page = await get(`/staff/cases/${caseId}`, mia);
    assert.match(page.text, /Revoke this decision/);
    const empty = await post(`/staff/cases/${caseId}/revoke-decision`, mia, { reason: '  ' });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /Enter why the decision is revoked/);
    const revoked = await post(`/staff/cases/${caseId}/revoke-decision`, mia, { reason: 'Issued on a forged site plan' });
    assert.equal(revoked.status, 303);
    assert.equal(revoked.location, `/staff/cases/${caseId}`);
    const after = await get(`/staff/cases/${caseId}`, mia);
    assert.match(after.text, /Revoked<\/strong> on .*: Issued on a forged site plan/);
    assert.doesNotMatch(after.text, /Revoke this decision/);
    const verify = await (await fetch(`${base}/verify/${code}`)).text();
    assert.match(verify, /This decision has been revoked/);
    assert.match(verify, /Issued on a forged site plan/);
    // Revoking twice is not possible: the button is gone and a replayed post is refused.
    assert.equal((await post(`/staff/cases/${caseId}/revoke-decision`, mia, { reason: 'again' })).status, 409);
  });
});
