import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { slaState, taskKindOf } from '../../src/workbench/index.js';
import { bpmn, userTask } from '../engine/bpmn.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';

// A decision task as the services name it, for the planning managers.
const decisionProcess = bpmn('decision-test', `<startEvent id="s"/>${userTask('decide', '<zeebe:assignmentDefinition candidateGroups="planning/manager"/>')}<endEvent id="e"/>`, 's -> decide; decide -> e');

describeEachBackend('staff workbench', (backend) => {
  let dataDir: string;
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  let permitCase: number;
  const cookies = new Map<string, string>();
  const staff = async (who: string): Promise<string> => {
    if (!cookies.has(who)) cookies.set(who, await signInStaff(base, who));
    return cookies.get(who)!;
  };
  const get = async (url: string, cookie: string) => {
    const response = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  const csrfOf = async (cookie: string): Promise<string> => /name="csrf" value="([^"]+)"/.exec((await get('/staff', cookie)).text)?.[1] ?? '';
  const post = async (url: string, cookie: string, fields: Record<string, string>, csrf?: string) => {
    const body = new URLSearchParams({ csrf: csrf ?? await csrfOf(cookie), ...fields });
    const response = await fetch(`${base}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-workbench-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow);
    base = running.url;
    await govflow.engine.deploy([{ name: 'decision-test.bpmn', content: decisionProcess }]);
    permitCase = (await govflow.engine.startInstance('building-permit', { businessKey: 'BP-2026-900001', variables: { applicant: 'person-alex-test', applicantName: 'Alex Demo', applicationId: 'BP-2026-900001' } })).id;
  });
  after(async () => {
    await running.stop();
    await govflow.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows intake its unassigned task with the SLA countdown, and other departments nothing', async () => {
    const inbox = await get('/staff', await staff('pat'));
    assert.equal(inbox.status, 200);
    assert.match(inbox.text, /BP-2026-900001/);
    assert.match(inbox.text, /Check completeness/);
    assert.match(inbox.text, /3 days left/, 'the catalogue gives the completeness check 3 days');
    const bob = await get('/staff', await staff('bob'));
    assert.doesNotMatch(bob.text, /BP-2026-900001/);
    assert.equal((await get(`/staff/cases/${permitCase}`, await staff('lin'))).status, 404, 'a case of another department is not found');
  });

  it('keeps citizens and anonymous visitors out', async () => {
    assert.equal((await get('/staff', await signInCitizen(base, 'alex'))).status, 403);
    const anonymous = await fetch(`${base}/staff`, { redirect: 'manual' });
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location') ?? '', /^\/staff\/sign-in\?next=/);
  });

  it('claims, notes (escaped) and asks the applicant for more information; the case waits and the read is logged', async () => {
    const pat = await staff('pat');
    assert.equal((await post(`/staff/tasks/999999/claim`, pat, {})).status, 404);
    const task = (await govflow.engine.listTasks({ instanceId: permitCase }))[0]!;
    assert.equal((await post(`/staff/tasks/${task.id}/claim`, pat, {}, 'not-the-token')).status, 403, 'a wrong CSRF token changes nothing');
    assert.equal((await govflow.engine.getTask(task.id)).assignee, null);
    assert.equal((await post(`/staff/tasks/${task.id}/claim`, pat, {})).status, 303);
    assert.equal((await govflow.engine.getTask(task.id)).assignee, 'staff:pat');

    assert.equal((await post(`/staff/cases/${permitCase}/notes`, pat, { note: '<script>alert(1)</script> site plan missing' })).status, 303);
    const page = await get(`/staff/cases/${permitCase}`, pat);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<script>alert(1)</script>'));
    assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt; site plan missing/);
    assert.match(page.text, /case\.note-added/, 'the note is on the timeline from the event log');

    assert.equal((await post(`/staff/tasks/${task.id}/complete`, pat, { complete: 'no', question: '' })).status, 400, 'a question is required');
    assert.equal((await post(`/staff/tasks/${task.id}/complete`, pat, { complete: 'no', question: 'Please send the site plan.' })).status, 303);
    const instance = await govflow.engine.getInstance(permitCase);
    assert.equal((instance.variables as Record<string, unknown>)['informationRequested'], 'Please send the site plan.');
    assert.equal((await govflow.engine.getTask(task.id)).state, 'completed');
    const reads = await govflow.db.query<{ subject: string; actor: string; action: string; purpose: string }>('select subject, actor, action, purpose from personal_data_access');
    assert.ok(reads.rows.some((r) => r.subject === 'person-alex-test' && r.actor === 'staff:pat' && r.action === 'case.viewed' && r.purpose === 'case handling'), 'the case page read is in the applicant\'s access log');
  });

  it('a manager approves or refuses with reasons, which become the decision variables', async () => {
    const mia = await staff('mia');
    for (const [decision, reasons] of [['refused', 'The building is higher than the zoning plan allows.'], ['approved', '']] as const) {
      const id = (await govflow.engine.startInstance('decision-test', { businessKey: `T-${decision}` })).id;
      const task = (await govflow.engine.listTasks({ instanceId: id }))[0]!;
      assert.equal((await post(`/staff/tasks/${task.id}/claim`, await staff('pat'), {})).status, 404, 'a caseworker cannot take a managers\' task');
      await post(`/staff/tasks/${task.id}/claim`, mia, {});
      if (decision === 'refused') assert.equal((await post(`/staff/tasks/${task.id}/complete`, mia, { decision })).status, 400, 'a refusal needs reasons');
      assert.equal((await post(`/staff/tasks/${task.id}/complete`, mia, { decision, reasons })).status, 303);
      const done = await govflow.engine.getInstance(id);
      assert.equal(done.state, 'completed');
      assert.deepEqual([(done.variables as Record<string, unknown>)['decision'], (done.variables as Record<string, unknown>)['decisionReasons']], [decision, reasons]);
      const events = await govflow.engine.getEvents(id);
      assert.ok(events.some((e) => e.actor === 'staff:mia'), 'the decision is recorded with its author');
    }
  });
});

it('SLA countdown: days left round up, overdue counts days past', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  assert.deepEqual(slaState('2026-03-10T13:00:00Z', now), { overdue: false, days: 1 });
  assert.deepEqual(slaState('2026-03-13T12:00:00Z', now), { overdue: false, days: 3 });
  assert.deepEqual(slaState('2026-03-08T11:00:00Z', now), { overdue: true, days: 3 });
  assert.equal(taskKindOf('check-completeness'), 'completeness');
  assert.equal(taskKindOf('decide'), 'decision');
  assert.equal(taskKindOf('zoning-review'), 'review');
});
