// Several processes, one database (the topology of docker-compose.yml without Docker): two `govflow serve`
// processes on one throwaway PostgreSQL server. An admin's edit in one is served by the other within a second; a
// deployment and a deactivated account count in both at once; a timer fires exactly once; a rate limit counts
// requests to both.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/store/index.js';
import { bpmn, timer } from '../engine/bpmn.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { apiKeyFor, signInStaff, signInStaffWith } from '../support/sign-in.js';

interface Served {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
}

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** Starts `govflow serve` on a free port and resolves once it says where it listens. */
function serve(env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/govflow.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`govflow serve did not start in 120 s:\n${text}`)), 120_000);
    const read = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /govflow is running at (http:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timeout);
        resolve({ url: match[1]!, child, output: () => text });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`govflow serve exited with ${code}:\n${text}`));
    });
  });
}

async function stop(served: Served | undefined): Promise<void> {
  if (!served || served.child.exitCode !== null) return;
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  const timer = setTimeout(() => served.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

describe('several govflow processes on one PostgreSQL server', { skip: pgUrl ? false : 'no PostgreSQL test server' }, () => {
  let a: Served | undefined;
  let b: Served | undefined;
  let db: Database;
  let dir: string;
  let adminKey: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'govflow-two-'));
    const databaseUrl = await createServerDatabase();
    const env = {
      ...process.env, GOVFLOW_DATABASE_URL: databaseUrl, GOVFLOW_MASTER_KEY: randomBytes(32).toString('base64url'), GOVFLOW_LEDGER_KEY_FILE: path.join(dir, 'ledger-key.pem'),
      GOVFLOW_REGISTRY: 'off', GOVFLOW_LOG_LEVEL: 'warn', GOVFLOW_RATE_LIMITS: 'verify=6/1m',
    };
    // One after the other: the first migrates and seeds the demo; the second finds it done (as in docker compose,
    // where the processes may also start together: migrations and seeding take an advisory lock).
    a = await serve({ ...env, GOVFLOW_DATA_DIR: path.join(dir, 'a') });
    b = await serve({ ...env, GOVFLOW_DATA_DIR: path.join(dir, 'b') });
    db = await openDatabase({ url: databaseUrl, migrate: false, poolSize: 2 });
    adminKey = await apiKeyFor(db, { roles: ['admin'] });
  });
  after(async () => {
    await Promise.all([stop(a), stop(b)]);
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const api = async <T>(served: Served, method: string, url: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${served.url}${url}`, { method, headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${url} on ${served.url}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  it("serves an admin's catalogue edit made in one process from the other within a second", async () => {
    const ada = await signInStaff(a!.url, 'ada');
    const form = await (await fetch(`${a!.url}/admin/services/building-permit`, { headers: { cookie: ada } })).text();
    const unescape = (v: string): string => v.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const fields = {
      ...Object.fromEntries([...form.matchAll(/<input class="govuk-input[^"]*" id="([^"]+)" name="[^"]+" type="text" value="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)])),
      ...Object.fromEntries([...form.matchAll(/<textarea[^>]* id="([^"]+)" name="[^"]+"[^>]*>([\s\S]*?)<\/textarea>/g)].map((m) => [m[1]!, unescape(m[2]!)])),
    };
    const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    const title = `Apply for building permission ${randomBytes(3).toString('hex')}`;
    assert.doesNotMatch(await (await fetch(`${b!.url}/services/building-permit`)).text(), new RegExp(title));

    const post = async (url: string, cookie: string, body: Record<string, string>): Promise<Response> => {
      const token = /name="csrf" value="([^"]+)"/.exec(await (await fetch(`${a!.url}/admin`, { headers: { cookie } })).text())?.[1] ?? '';
      return fetch(`${a!.url}${url}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...body, csrf: token }) });
    };
    const saved = await fetch(`${a!.url}/admin/services/building-permit`, { method: 'POST', redirect: 'manual', headers: { cookie: ada, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...fields, csrf, title }) });
    assert.equal(saved.status, 303, await saved.text());
    const draft = Number(/[?]saved=(\d+)/.exec(saved.headers.get('location') ?? '')?.[1] ?? NaN);
    // The save is a draft (issue 23): a second administrator, made through the organisation pages, publishes it.
    const made = await post('/admin/staff', ada, { username: 'bea', name: 'Bea Second', email: '' });
    const madeText = await made.text();
    assert.equal(made.status, 201, madeText);
    assert.equal((await post('/admin/staff/bea/memberships', ada, { action: 'grant', department: 'digital', role: 'admin' })).status, 303);
    const bea = await signInStaffWith(a!.url, 'bea', /<code id="initial-password">([^<]+)<\/code>/.exec(madeText)![1]!, /<code id="totp-secret">([^<]+)<\/code>/.exec(madeText)![1]!, { newPassword: 'bea-chose-this-one' });
    assert.ok(Number.isInteger(draft), `the save redirected to its draft: ${saved.headers.get('location')}`);
    const approved = await post(`/admin/services/building-permit/versions/${draft}/review`, bea, { decision: 'approved' });
    assert.equal(approved.status, 303, await approved.text());
    const savedAt = performance.now();
    let seenAfter = Infinity;
    while (performance.now() - savedAt < 3000) {
      if ((await (await fetch(`${b!.url}/services/building-permit`)).text()).includes(title)) {
        seenAfter = performance.now() - savedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(seenAfter < 1000, `the other process served the new title after ${seenAfter} ms`);
  });

  it('starts the version deployed in the other process, and refuses an account deactivated there', async () => {
    const model = (name: string) => bpmn('two-process-version', `<startEvent id="s"/><task id="t" name="${name}"/><endEvent id="e"/>`, 's -> t; t -> e');
    await api(a!, 'POST', '/api/deployments', { resources: [{ name: 'v.bpmn', content: model('first') }] });
    assert.equal((await api<{ version: number }>(b!, 'POST', '/api/process-instances', { processKey: 'two-process-version' })).version, 1);
    await api(a!, 'POST', '/api/deployments', { resources: [{ name: 'v.bpmn', content: model('second') }] });
    assert.equal((await api<{ version: number }>(b!, 'POST', '/api/process-instances', { processKey: 'two-process-version' })).version, 2);

    await signInStaff(b!.url, 'pat');
    const ada = await signInStaff(a!.url, 'ada');
    const page = await (await fetch(`${a!.url}/admin/staff/pat`, { headers: { cookie: ada } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const done = await fetch(`${a!.url}/admin/staff/pat/status`, { method: 'POST', redirect: 'manual', headers: { cookie: ada, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, action: 'deactivate' }) });
    assert.equal(done.status, 303);
    await assert.rejects(signInStaff(b!.url, 'pat'), /refused/);
  });

  it('fires each timer exactly once although both processes run timers', async () => {
    await api(a!, 'POST', '/api/deployments', { resources: [{ name: 'timer.bpmn', content: bpmn('two-process-timer', `<startEvent id="s"/><intermediateCatchEvent id="wait">${timer('timeDuration', 'PT1S')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e') }] });
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push((await api<{ id: number }>(i % 2 === 0 ? a! : b!, 'POST', '/api/process-instances', { processKey: 'two-process-timer' })).id);
    const deadline = Date.now() + 20_000;
    for (const id of ids) {
      while ((await api<{ state: string }>(a!, 'GET', `/api/process-instances/${id}`)).state !== 'completed') {
        assert.ok(Date.now() < deadline, `instance ${id} did not complete`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // Give a second firing (if there were one) the time to happen, then count.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const id of ids) {
      const events = await api<{ type: string }[]>(b!, 'GET', `/api/process-instances/${id}/events`);
      assert.equal(events.filter((e) => e.type === 'timer.fired').length, 1, `instance ${id}: ${events.map((e) => e.type).join(', ')}`);
    }
  });

  it('counts a rate limit across both processes', async () => {
    const statuses: number[] = [];
    for (const served of [a!, b!, a!, b!, a!, b!, b!, a!]) {
      const response = await fetch(`${served.url}/verify/ABCDEF`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    // verify=6/1m: three requests to each process pass, the seventh and eighth are refused, whichever answers.
    assert.ok(statuses.slice(0, 6).every((s) => s !== 429 && s < 500), statuses.join(' '));
    assert.deepEqual(statuses.slice(6), [429, 429]);
  });
});
