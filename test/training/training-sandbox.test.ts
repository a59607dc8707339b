/**
 * The training sandbox (issue 20, acceptance 6), over real HTTP: a planning caseworker opens a sandbox for housing
 * benefit (not their department's service), works a synthetic case through the real task form to a decision,
 * finishes and reads the feedback. Every real table is compared row by row before and after: working the sandbox
 * changes nothing; finishing adds exactly one row, the session's training record (`training.session-finished` in
 * the event log); the ledger's tables, the tree head among them, and the e-mail outbox stay as they were, and the
 * real SMTP server the instance is configured to send through receives nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import type { Database } from '../../src/store/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';
import { startSmtp, type SmtpSink } from '../support/smtp-sink.js';

/** Every row of every real table, by table: a set of the rows' JSON (the session's idle-expiry touch left out). */
async function everyRow(db: Database): Promise<Map<string, Set<string>>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') order by 1`);
  const out = new Map<string, Set<string>>();
  for (const { name } of tables) {
    const { rows } = await db.query<{ row: string }>(`select (to_jsonb(t) - 'last_seen_at')::text as row from "${name}" t`);
    out.set(name, new Set(rows.map((r) => r.row)));
  }
  return out;
}

/** The rows added and removed (a changed row is both), per table. */
function difference(before: Map<string, Set<string>>, after: Map<string, Set<string>>): { table: string; added: string[]; removed: string[] }[] {
  return [...after].map(([table, rows]) => ({ table, added: [...rows].filter((r) => !before.get(table)?.has(r)), removed: [...before.get(table) ?? []].filter((r) => !rows.has(r)) }))
    .filter((d) => d.added.length > 0 || d.removed.length > 0);
}

const hidden = (page: string): string => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? assert.fail('no CSRF token on the page');

describeEachBackend('training sandbox: nothing outside the sandbox, no e-mail', (backend) => {
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  let smtp: SmtpSink;
  let cookie: string;
  const others: Record<string, string> = {};
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-training-'));
    smtp = await startSmtp();
    for (const [name, value] of Object.entries({ GOVFLOW_SMTP_URL: smtp.url, GOVFLOW_REGISTRY: 'off', GOVFLOW_EXCHANGE: 'off' })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow, { background: false, rateLimits: 'off' });
    // Everyone signs in first: a sign-in writes (a session, the authenticator's last step), working a sandbox must not.
    cookie = await signInStaff(running.url, 'pat');
    others['mia'] = await signInStaff(running.url, 'mia');
    others['alex'] = await signInCitizen(running.url, 'alex');
  });
  after(async () => {
    await running?.stop();
    await govflow?.close();
    await smtp?.stop();
    for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name]; else process.env[name] = value;
    await rm(dataDir, { recursive: true, force: true });
  });

  const get = async (url: string, as = cookie): Promise<{ status: number; body: string; location: string | null }> => {
    const response = await fetch(`${running.url}${url}`, { headers: { cookie: as }, redirect: 'manual' });
    return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  };
  const post = async (url: string, form: Record<string, string>): Promise<{ status: number; body: string; location: string | null }> => {
    const response = await fetch(`${running.url}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual' });
    return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  };

  it('a session is worked to a decision with the real workbench and writes only its training record, and no e-mail', async () => {
    const start = await get('/staff/training');
    assert.equal(start.status, 200, start.body);
    const csrf = hidden(start.body);
    const real = await everyRow(govflow.db);

    const opened = await post('/staff/training', { csrf, service: 'housing-benefit' });
    assert.equal(opened.status, 303, opened.body);
    const base = opened.location ?? '';
    assert.match(base, /^\/staff\/sandbox\/[A-Za-z0-9_-]{16}$/);
    const sandboxId = base.split('/').at(-1)!;

    // The sandbox's inbox is the real workbench's, its links kept inside the sandbox.
    const inbox = await get(base);
    assert.equal(inbox.status, 200, inbox.body);
    assert.match(inbox.body, /Training sandbox/);
    const caseLinks = [...inbox.body.matchAll(/href="([^"]*\/cases\/\d+)"/g)].map((m) => m[1]!);
    assert.ok(caseLinks.length >= 1, 'synthetic cases wait in the sandbox inbox');
    assert.ok(caseLinks.every((href) => href.startsWith(`${base}/cases/`)), `every case link stays in the sandbox: ${caseLinks.join(' ')}`);
    assert.match(inbox.body, /HB-\d{4}-9\d{6}/, 'synthetic references');

    const casePath = caseLinks[0]!;
    const casePage = await get(casePath);
    assert.equal(casePage.status, 200, casePage.body);
    const claim = new RegExp(`action="(${base}/tasks/(\\d+)/claim)"`).exec(casePage.body) ?? assert.fail('the case page offers to claim the review task');
    assert.equal((await post(claim[1]!, { csrf })).status, 303);
    // The real task form, through its real validation: a refusal without reasons is sent back with the error.
    const complete = `${base}/tasks/${claim[2]}/complete`;
    const refused = await post(complete, { csrf, decision: 'refused' });
    assert.equal(refused.status, 400, 'the form asks for the reasons of a refusal');
    assert.match(refused.body, /Enter the reasons for the refusal/);
    const decided = await post(complete, { csrf, decision: 'refused', decisionReasons: 'The rent is too close to a quarter of the income.' });
    assert.equal(decided.status, 303, decided.body);
    assert.equal(decided.location, casePath);
    const afterDecision = await get(casePath);
    assert.doesNotMatch(afterDecision.body, new RegExp(`${base}/tasks/${claim[2]}/complete`), 'the task is done');

    // Outside the sandbox: nobody else reaches it, a citizen is refused, and nothing at all was written.
    assert.equal((await get(base, others['mia'])).status, 404, 'another staff member, their manager too, does not find the sandbox');
    assert.equal((await get(base, others['alex'])).status, 403, 'a citizen is refused');
    assert.match((await get(base, '')).location ?? '', /^\/staff\/sign-in\?next=/);
    const beforeFinish = await everyRow(govflow.db);
    assert.deepEqual(difference(real, beforeFinish), [], 'working the sandbox wrote nothing outside it');

    // Finishing writes the one training record and gives feedback.
    const finished = await post(`/staff/training/${sandboxId}/finish`, { csrf });
    assert.equal(finished.status, 303, finished.body);
    const changes = difference(beforeFinish, await everyRow(govflow.db));
    assert.deepEqual(changes.map((c) => [c.table, c.added.length, c.removed.length]), [['event_log', 1, 0]], 'finishing added one row, nothing else');
    const record = JSON.parse(changes[0]!.added[0]!) as { type: string; actor: string; instance_id: number | null; data: { serviceId: string; feedback: { offered: number; worked: number } } };
    assert.equal(record.type, 'training.session-finished');
    assert.equal(record.instance_id, null);
    assert.equal(record.data.serviceId, 'housing-benefit');
    assert.equal(record.data.feedback.worked, 1);
    assert.ok(record.data.feedback.offered >= 1);

    const feedback = await get(finished.location ?? '');
    assert.equal(feedback.status, 200, feedback.body);
    assert.match(feedback.body, /Training feedback: Claim housing benefit/);
    assert.match(feedback.body, /1 of \d+ worked/);
    assert.match(feedback.body, /refused/);
    assert.match(feedback.body, /Within SLA|Past the SLA/);
    // The sandbox is gone; the managers of the trainee's departments see the record.
    assert.equal((await get(base)).status, 404);
    const records = await get('/staff/training/records', others['mia']);
    assert.match(records.body, /Pat Planner/);

    // No e-mail: the outbox was compared above (unchanged), and the SMTP server the instance sends through got nothing.
    assert.equal(smtp.received.length, 0);
    const ledger = [...(await everyRow(govflow.db))].filter(([t]) => t.startsWith('ledger_'));
    assert.deepEqual(ledger.map(([t, rows]) => [t, [...rows].sort()]), [...real].filter(([t]) => t.startsWith('ledger_')).map(([t, rows]) => [t, [...rows].sort()]), 'the ledger, its tree head included, is unchanged');
  });
});
