/**
 * Complete access log (issue 13, acceptance 4), generated from the route table: every route the composed server
 * registers is called as every staff role and an agency system, with the ids of a case about a known person; any
 * answer that carries that person's data must come from a route that declares `personalData` and must have written
 * an access-log entry for them (test/support/access-log-probe.ts). A second test plants a route that returns a
 * person's data without logging and checks that the same generated check flags it, and only it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createApiServer, type RegisteredRoute } from '../../src/api/index.js';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { createEngine } from '../../src/engine/index.js';
import { createIdentity } from '../../src/identity/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { createPrivacy } from '../../src/privacy/index.js';
import { bpmn, job, userTask } from '../engine/bpmn.js';
import { accessLogViolations, type Caller, type ProbeCase } from '../support/access-log-probe.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { apiKeyFor, signInStaff } from '../support/sign-in.js';

const SUBJECT = 'person-zebedee-probe';
const NAME = 'Zebedee Quartermaine';
// A case of intake (where pat works) and a job that hands the case's variables to an agency system's worker.
// A third branch issues a signed decision about the person, for the decision download.
const probeProcess = bpmn('access-probe', `<startEvent id="s"/><parallelGateway id="fork"/>${userTask('review', '<zeebe:assignmentDefinition candidateGroups="intake"/>')}${job('handover', 'probe-handover')}${job('decide', 'issue-decision')}<parallelGateway id="join"/><endEvent id="e"/>`,
  's -> fork; fork -> review; fork -> handover; fork -> decide; review -> join; handover -> join; decide -> join; join -> e');

/**
 * Routes the probe cannot reach with its case, each with the test that checks its logging instead. The uploaded
 * document needs a citizen's upload through the portal's journey.
 */
const CHECKED_ELSEWHERE: Readonly<Record<string, string>> = {
  'GET /staff/cases/:id/documents/:uploadId': 'test/workbench/workbench.test.ts (each download is in the person\'s access log)',
};

/** Path parameters of the probe's case: `:id` is the case on case routes and the task on task routes. */
function paramsFor(ids: { instanceId: number; taskId: number; reference: string; decisionCode?: string }) {
  return (url: string, name: string): string | undefined => {
    if (name === 'id') return url.includes('/tasks/') ? String(ids.taskId) : url.includes('/cases/') || url.includes('/process-instances/') ? String(ids.instanceId) : undefined;
    if (name === 'ref') return ids.reference;
    if (name === 'key') return 'access-probe';
    if (name === 'file' && url.startsWith('/decisions/')) return ids.decisionCode ? `${ids.decisionCode}.pdf` : undefined;
    return undefined;
  };
}

const PURPOSE = { 'x-govflow-purpose': 'access-log coverage test' };

describe('access log coverage (generated from the route table)', () => {
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  let probe: ProbeCase;
  const callers: Caller[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-access-log-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
    // Background work on: the worker loop issues the decision (the probe's own job type has no handler, so it waits).
    running = await startServer(govflow, { rateLimits: 'off' });
    await govflow.engine.deploy([{ name: 'access-probe.bpmn', content: probeProcess }]);
    const reference = 'AP-2026-000001';
    const instanceId = (await govflow.engine.startInstance('access-probe', { businessKey: reference, variables: {
      applicant: SUBJECT, applicantName: NAME, reference, serviceId: 'access-probe', decision: 'approved', decisionType: 'benefit', decisionReasons: 'You qualify.',
    } })).id;
    const taskId = (await govflow.engine.listTasks({ instanceId }))[0]!.id;
    const decisionCode = await eventually('the decision is issued', async () => (await govflow.engine.getInstance(instanceId)).variables['decisionCode'] as string | undefined);
    probe = {
      subject: SUBJECT, markers: [NAME, SUBJECT], params: paramsFor({ instanceId, taskId, reference, decisionCode }),
      bodies: { 'POST /api/jobs/activate': { type: 'probe-handover', worker: 'probe-worker', maxJobs: 1, lockMs: 100 } },
    };
    for (const who of ['pat', 'mia', 'ada', 'aud']) {
      const cookie = await signInStaff(running.url, who);
      const csrf = async () => /name="csrf" value="([^"]*)"/.exec(await (await fetch(`${running.url}/staff/sign-in`, { headers: { cookie } })).text())?.[1] ?? '';
      callers.push({ name: who, headers: { cookie }, csrf });
    }
    callers.push({ name: 'admin API key', headers: { authorization: `Bearer ${await apiKeyFor(govflow.db, { roles: ['admin'] })}`, ...PURPOSE } });
  });
  after(async () => {
    await running.stop();
    await govflow.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds every route that returns the person\'s data declared and logged, list routes, job activation and the workbench included', async () => {
    const routes = running.routes.filter((r) => ![r.method].flat().some((m) => `${m} ${r.url}` in CHECKED_ELSEWHERE));
    const { violations, exercised } = await accessLogViolations(running.url, govflow.db, routes, probe, callers);
    assert.deepEqual(violations, []);
    // The probe reached the routes the issue names, so an empty list above means something.
    for (const key of ['GET /api/process-instances', 'GET /api/process-instances/:id', 'POST /api/jobs/activate', 'GET /staff/cases/:id', 'GET /decisions/:file']) assert.ok(exercised.includes(key), `${key} exercised (${exercised.join(', ')})`);
  });
});

describe('access log coverage: the generated check catches a new route that does not log', () => {
  it('flags a planted route that returns a person\'s data without declaring or logging it, and passes the declared ones', async () => {
    const db = await freshDatabase('pglite');
    const engine = createEngine(db);
    const identity = createIdentity({ db, masterKey: Buffer.alloc(32) });
    const privacy = createPrivacy({ db, masterKey: Buffer.alloc(32) });
    const registered: RegisteredRoute[] = [];
    const planted = {
      method: 'GET' as const, url: '/api/planted/:id', operationId: 'planted', summary: 'returns a case without logging', tag: 'test', status: 200 as const,
      params: Type.Object({ id: Type.Integer() }), response: Type.Unknown(), access: ['admin'] as const,
      handler: async ({ params }: { params: unknown }) => engine.getInstance((params as { id: number }).id),
    };
    const { server } = await createApiServer({ engine, db, privacy, authenticate: identity.authenticate, extraRoutes: [planted], onRoute: (r) => registered.push(r) });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      await engine.deploy([{ name: 'access-probe.bpmn', content: probeProcess }]);
      const instanceId = (await engine.startInstance('access-probe', { variables: { applicant: SUBJECT, applicantName: NAME } })).id;
      const taskId = (await engine.listTasks({ instanceId }))[0]!.id;
      const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
      const admin: Caller = { name: 'admin API key', headers: { authorization: `Bearer ${(await identity.createApiKey({ id: 'probe-admin', roles: ['admin'] })).key}`, ...PURPOSE } };
      const params = paramsFor({ instanceId, taskId, reference: 'none' });
      // The planted route and a declared one the admin key may call, through the same generated check.
      const checked = registered.filter((r) => r.url === '/api/planted/:id' || r.url === '/api/process-instances/:id');
      const { violations, exercised } = await accessLogViolations(base, db, checked, { subject: SUBJECT, markers: [NAME], params: (url, name) => (url.startsWith('/api/planted/') ? String(instanceId) : params(url, name)) }, [admin]);
      assert.deepEqual(violations, [
        'GET /api/planted/:id as admin API key: returns the person\'s data but does not declare personalData',
        'GET /api/planted/:id as admin API key: returns the person\'s data but wrote no access-log entry for them',
      ]);
      assert.ok(exercised.includes('GET /api/process-instances/:id'), 'the declared, logging route passed the same check');
    } finally {
      await server.close();
      await db.close();
    }
  });
});
