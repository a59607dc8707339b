/**
 * Issue 13: agency API keys issued, scoped, rotated and revoked in /admin (the key shown once) and with
 * `govflow apikey create|list|rotate|revoke` (the key printed once, stored hashed). A scoped key acts only under its
 * scopes' paths; a rotated key's old value and a revoked key stop working at once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, it } from 'node:test';
import { createIdentity } from '../../src/identity/index.js';
import { openDatabase } from '../../src/store/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { signInStaff } from '../support/sign-in.js';

const run = promisify(execFile);
const bin = new URL('../../bin/govflow.mjs', import.meta.url).pathname;

describeEachBackend('agency API keys in /admin', (backend) => {
  let server: DemoServer;
  let base: string;
  let ada: string;
  const page = async (url: string, cookie: string) => {
    const response = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, text: await response.text() };
  };
  const form = async (url: string, cookie: string, fields: [string, string][]) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec((await page('/admin/api-keys', cookie)).text)?.[1] ?? '';
    const response = await fetch(`${base}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams([['csrf', csrf], ...fields]), redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  const api = async (key: string, url: string, body: unknown) => (await fetch(`${base}${url}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
  const activate = (key: string) => api(key, '/api/jobs/activate', { type: 'nothing-waits-here', worker: 'tax-office' });

  before(async () => {
    server = await startDemoServer('api-keys', { databaseUrl: backend === 'postgres' ? await createServerDatabase() : undefined });
    base = server.running.url;
    ada = await signInStaff(base, 'ada');
  });
  after(() => server.stop());

  it('issues a scoped key shown once, stored only hashed; it works under its scope and nowhere else', async () => {
    const refused = await form('/admin/api-keys', ada, [['name', 'Tax office']]);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /Choose at least one scope/);
    const issued = await form('/admin/api-keys', ada, [['name', 'Tax office'], ['scope', 'jobs'], ['department', 'benefits'], ['services', 'housing-benefit']]);
    assert.equal(issued.status, 201);
    const key = /<code id="api-key">([^<]+)<\/code>/.exec(issued.text)?.[1] ?? '';
    assert.ok(key.startsWith('gfk_'));
    const { rows } = await server.govflow.db.query<{ key_hash: string; roles: string[] }>("select key_hash, roles from identity_api_client where name = 'Tax office'");
    assert.equal(rows[0]!.key_hash, createHash('sha256').update(key).digest('hex'));
    assert.ok(!JSON.stringify(rows).includes(key), 'the key itself is not stored');
    assert.deepEqual(rows[0]!.roles, ['agency-system', 'scope:jobs', 'department:benefits']);
    const list = await page('/admin/api-keys', ada);
    assert.match(list.text, /Tax office/);
    assert.ok(!list.text.includes(key), 'the list never shows the key again');
    assert.equal(await activate(key), 200, 'the jobs scope opens /api/jobs');
    assert.equal(await api(key, '/api/process-instances', { processKey: 'housing-benefit' }), 401, 'outside its scope the key is no key');
  });

  it('rotating gives a new key and the old one stops; revoking stops the new one; only admins reach the page', async () => {
    const issued = await form('/admin/api-keys', ada, [['name', 'Payments gateway'], ['scope', 'jobs']]);
    const key = /<code id="api-key">([^<]+)<\/code>/.exec(issued.text)![1]!;
    const id = /id="key-(key-[a-z0-9-]+)"><td class="govuk-table__cell">Payments gateway/.exec((await page('/admin/api-keys', ada)).text)![1]!;
    const rotated = await form(`/admin/api-keys/${id}/rotate`, ada, []);
    assert.equal(rotated.status, 200);
    const fresh = /<code id="api-key">([^<]+)<\/code>/.exec(rotated.text)![1]!;
    assert.notEqual(fresh, key);
    assert.equal(await activate(key), 401, 'the old key stopped working');
    assert.equal(await activate(fresh), 200);
    const revoked = await form(`/admin/api-keys/${id}/revoke`, ada, []);
    assert.equal(revoked.status, 303);
    assert.equal(await activate(fresh), 401, 'a revoked key stops working at once');
    assert.equal((await form(`/admin/api-keys/${id}/revoke`, ada, [])).status, 404, 'revoked already');
    assert.equal((await page('/admin/api-keys', await signInStaff(base, 'mia'))).status, 403);
  });
});

describeEachBackend('govflow apikey on the command line', () => {
  let env: NodeJS.ProcessEnv;
  const govflow = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, 'apikey', ...args], { env, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    const url = await createServerDatabase();
    env = { ...process.env, GOVFLOW_DATABASE_URL: url, GOVFLOW_LOG_LEVEL: 'warn' };
    const db = await openDatabase({ url, poolSize: 2 });
    await createIdentity({ db, masterKey: Buffer.alloc(32) }).seedDemo();
    await db.close();
  });

  it('creates a key printed once, lists it without the key, refuses an unknown scope by name, revokes it', async () => {
    const bad = await govflow('create', '--name', 'Registry', '--scope', 'everything');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /'everything' is not a scope: use jobs, registry, open311, decisions/);
    const created = await govflow('create', '--name', 'Registry', '--scope', 'registry', '--scope', 'decisions', '--department', 'planning', '--service', 'building-permit');
    assert.equal(created.code, 0, created.stderr);
    const [, id, key] = /created API key (\S+);[^\n]*\n(gfk_\S+)/.exec(created.stdout) ?? [];
    assert.ok(id && key);
    const list = await govflow('list');
    assert.match(list.stdout, new RegExp(`${id}\\tRegistry\\tgfk_\\S+…\\tregistry,decisions\\tplanning\\tbuilding-permit\\tactive`));
    assert.ok(!list.stdout.includes(key), 'list never prints the key');
    assert.equal((await govflow('revoke', id)).code, 0);
    assert.match((await govflow('list')).stdout, new RegExp(`${id}\\t.*\\trevoked `));
    const again = await govflow('revoke', id);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /no active API key/);
  });
}, { backends: ['postgres'] });
