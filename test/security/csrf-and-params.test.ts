/**
 * Generated from the routes the composed server really registers (Fastify's onRoute, `startServer().routes`), never
 * from a hand list, so a route added later is covered without a change here (issue 13, acceptance 5):
 *
 * - CSRF: every state-changing route (POST, PUT, PATCH, DELETE) is posted to from a signed-in session without a
 *   token, with an explicitly empty token and with another session's token: 403 every time, naming the refusal,
 *   and nothing written. Pages carry the token in the form; API calls made with the session cookie in
 *   X-CSRF-Token; API calls with an API key (Bearer) are exempt, and that is checked too.
 * - Path parameters: every route with one declares its shape; malformed and out-of-range values (20-digit numbers,
 *   negative, words, exponents, 5,000 characters) get 400, on every route, never a 5xx.
 * - Every response carries X-Content-Type-Options: nosniff.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '../../src/api/index.js';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { createEngine } from '../../src/engine/index.js';
import { createIdentity, isApiPath } from '../../src/identity/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { freshDatabase } from '../support/databases.js';
import { apiKeyFor, signInCitizen, signInStaff } from '../support/sign-in.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BAD_VALUES = ['99999999999999999999', '-1', 'abc', '1e3', 'x'.repeat(5000)] as const;
/** Values a well-formed parameter may take, tried in order until the route's declared shape accepts one. */
const WELL_FORMED = ['1', 'building-permit', 'BP-2026-000001', 'ada', 'K7QXM2PA9F3D', 'x.css', 'urn:ngsi-ld:WasteContainer:none', 'AAAAAAAAAAAAAAAA'] as const;

interface Schema { type?: string; pattern?: string; properties?: Record<string, Schema> }
interface Registered { method: string; url: string; schema?: { params?: unknown } }

const ajv = new Ajv({ coerceTypes: 'array', strict: false });
const paramNames = (url: string): string[] => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
const propertiesOf = (r: Registered): Record<string, Schema> => ((r.schema?.params ?? {}) as Schema).properties ?? {};
/** Does the declared shape of a parameter accept this value (integers: only plain digits within 2^53, as the server's rule)? */
function accepts(shape: Schema, value: string): boolean {
  if (shape.type === 'integer' && !/^(0|[1-9][0-9]{0,15})$/.test(value)) return false;
  return ajv.compile({ type: 'object', properties: { v: shape }, required: ['v'] })({ v: value });
}
function concrete(r: Registered, override?: { name: string; value: string }): string | null {
  let url = r.url.replace(/\*$/, 'x');
  for (const name of paramNames(r.url)) {
    const shape = propertiesOf(r)[name];
    const value = override?.name === name ? override.value : WELL_FORMED.find((v) => shape && accepts(shape, v));
    if (value === undefined) return null;
    url = url.replace(`:${name}`, encodeURIComponent(value));
  }
  return url;
}

describe('generated from the registered routes: CSRF, path parameters, nosniff', () => {
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  let base: string;
  let routes: Registered[] = [];
  let staff: string;
  let citizen: string;
  let bearer: string;
  const eventCount = async (): Promise<number> => Number((await govflow.db.query<{ n: number | string }>('select count(*) as n from event_log')).rows[0]!.n);
  const tokenOf = async (cookie: string): Promise<string> => /name="csrf" value="([^"]+)"/.exec(await (await fetch(`${base}/staff/sign-in`, { headers: { cookie } })).text())?.[1] ?? '';

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-csrf-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'fatal';
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
    // Rate limits off: this test sends hundreds of requests per route family on purpose (the limits have their own tests).
    running = await startServer(govflow, { rateLimits: 'off' });
    base = running.url.replace('localhost', '127.0.0.1');
    staff = await signInStaff(base, 'ada');
    citizen = await signInCitizen(base, 'alex');
    bearer = `Bearer ${await apiKeyFor(govflow.db, { roles: ['admin'] })}`;
    routes = running.routes.flatMap((r) => [r.method].flat().filter((m) => m !== 'HEAD' && m !== 'OPTIONS').map((m) => ({ method: m, url: r.url, ...(r.schema ? { schema: r.schema } : {}) })));
  });
  after(async () => {
    await running?.stop();
    await govflow?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds the state-changing routes of every area (the generator is not empty)', () => {
    const changing = routes.filter((r) => STATE_CHANGING.has(r.method)).map((r) => r.url);
    for (const url of ['/sign-in', '/services/:id/submit', '/staff/tasks/:id/complete', '/admin/staff', '/staff/sign-in', '/api/process-instances']) assert.ok(changing.includes(url), url);
  });

  it('CSRF: every state-changing route refuses a signed-in post without a token, with an empty one and with another session\'s: 403, nothing written', async () => {
    const problems: string[] = [];
    const otherToken = await tokenOf(citizen);
    assert.ok(otherToken.length > 20);
    for (const r of routes.filter((x) => STATE_CHANGING.has(x.method))) {
      const url = concrete(r);
      if (url === null) {
        problems.push(`${r.method} ${r.url}: no well-formed value for its parameters (declare their shape)`);
        continue;
      }
      // API paths (the API and Open311) take the token as a header; their refusal is the coded error, not a page.
      const api = isApiPath(url);
      for (const [how, token] of [['no token', undefined], ['empty token', ''], ['another session\'s token', otherToken]] as const) {
        const before = await eventCount();
        const headers: Record<string, string> = { cookie: staff };
        let body: string | undefined;
        if (api) {
          headers['content-type'] = 'application/json';
          if (token !== undefined) headers['x-csrf-token'] = token;
          body = '{}';
        } else {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = new URLSearchParams({ citizen: 'demo-citizen-alex', username: 'ada', password: 'x', ...(token !== undefined ? { csrf: token } : {}) }).toString();
        }
        const response = await fetch(`${base}${url}`, { method: r.method, headers, body, redirect: 'manual' });
        const text = await response.text();
        if (response.status !== 403) problems.push(`${r.method} ${r.url} (${how}): ${response.status}, expected 403`);
        else if (!(api ? /CSRF/ : /Your session has expired/).test(text)) problems.push(`${r.method} ${r.url} (${how}): 403 but not the CSRF refusal: ${text.slice(0, 120)}`);
        if ((await eventCount()) !== before) problems.push(`${r.method} ${r.url} (${how}): the event log grew`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('CSRF: API calls with an API key are exempt (their refusals, if any, are never the CSRF one)', async () => {
    const problems: string[] = [];
    for (const r of routes.filter((x) => STATE_CHANGING.has(x.method) && x.url.startsWith('/api/'))) {
      const url = concrete(r);
      if (url === null) continue;
      const response = await fetch(`${base}${url}`, { method: r.method, headers: { authorization: bearer, 'content-type': 'application/json' }, body: '{}' });
      if (/CSRF/.test(await response.text())) problems.push(`${r.method} ${r.url}: refused as CSRF with an API key`);
    }
    assert.deepEqual(problems, []);
  });

  it('path parameters: every route declares their shape; malformed and out-of-range values get 400 on every route, never a 5xx', async () => {
    const problems: string[] = [];
    const csrf = await tokenOf(staff);
    for (const r of routes.filter((x) => paramNames(x.url).length > 0)) {
      for (const name of paramNames(r.url)) {
        const shape = propertiesOf(r)[name];
        if (!shape) {
          problems.push(`${r.method} ${r.url}: :${name} has no declared shape`);
          continue;
        }
        for (const value of BAD_VALUES) {
          const url = concrete(r, { name, value });
          if (url === null) continue;
          // API paths (the API and Open311) take the token as a header; their refusal is the coded error, not a page.
      const api = isApiPath(url);
          const headers: Record<string, string> = api ? { authorization: bearer } : { cookie: staff };
          const body = r.method === 'GET' ? undefined : api ? '{}' : new URLSearchParams({ csrf }).toString();
          if (body !== undefined) headers['content-type'] = api ? 'application/json' : 'application/x-www-form-urlencoded';
          const response = await fetch(`${base}${url}`, { method: r.method, headers, body, redirect: 'manual' });
          await response.arrayBuffer();
          const label = `${r.method} ${r.url} with :${name} = ${value.length > 30 ? `${value.slice(0, 10)}… (${value.length})` : value}`;
          if (response.status >= 500) problems.push(`${label}: ${response.status}`);
          else if (!accepts(shape, value) && response.status !== 400) problems.push(`${label}: ${response.status}, expected 400`);
        }
        // Integer ids and every string parameter must refuse the out-of-range and overlong values outright.
        for (const value of shape.type === 'integer' ? BAD_VALUES : [BAD_VALUES[4]]) if (accepts(shape, value)) problems.push(`${r.method} ${r.url}: :${name} accepts ${value.slice(0, 20)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('every response carries X-Content-Type-Options: nosniff (pages, files, JSON, errors, redirects)', async () => {
    const problems: string[] = [];
    const gets = routes.filter((r) => r.method === 'GET').map((r) => concrete(r)).filter((u): u is string => u !== null);
    for (const url of [...new Set([...gets, '/no-such-page', '/api/no-such-route'])]) {
      for (const headers of [{}, { cookie: staff }, { cookie: citizen }] as Record<string, string>[]) {
        const response = await fetch(`${base}${url}`, { headers, redirect: 'manual' });
        await response.arrayBuffer();
        if (response.headers.get('x-content-type-options') !== 'nosniff') problems.push(`GET ${url} (${Object.keys(headers).join() || 'anonymous'}): ${response.status} without nosniff`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('a route added later is protected without remembering to be (a planted route)', () => {
  it('refuses a post or delete to a new route without the session\'s token (none, empty, forged, no session) and accepts it with the token', async () => {
    const db = await freshDatabase('pglite');
    const identity = createIdentity({ db, masterKey: randomBytes(32) });
    let changes = 0;
    // A plugin that knows nothing about CSRF: no check in its handlers.
    const planted = async (server: FastifyInstance): Promise<void> => {
      server.post('/planted', async () => ({ changed: ++changes }));
      server.delete('/planted/:id', async () => ({ changed: ++changes }));
    };
    const { server } = await createApiServer({ engine: createEngine(db), db, authenticate: identity.authenticate, webSession: identity, plugins: [identity.plugin, planted] });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    try {
      const start = await fetch(`${base}/staff/sign-in`);
      const cookie = /govflow_session=[^;]*/.exec(start.headers.get('set-cookie') ?? '')![0];
      const token = /name="csrf" value="([^"]+)"/.exec(await start.text())![1]!;
      // The planted plugin parses no forms: its body is JSON, and the hook reads the token from it all the same.
      const post = (body: unknown, headers: Record<string, string> = { cookie }) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      assert.equal((await fetch(`${base}/planted`, post({ x: 1 }))).status, 403);
      assert.equal((await fetch(`${base}/planted`, post({ csrf: '' }))).status, 403);
      assert.equal((await fetch(`${base}/planted`, post({ csrf: 'forged-token-0000000000000000000000' }))).status, 403);
      assert.equal((await fetch(`${base}/planted/1`, { method: 'DELETE', headers: { cookie } })).status, 403);
      assert.equal((await fetch(`${base}/planted`, post({ csrf: token }, {}))).status, 403, 'no session at all');
      assert.equal(changes, 0, 'no handler ran');
      assert.equal((await fetch(`${base}/planted`, post({ csrf: token }))).status, 200);
      assert.equal((await fetch(`${base}/planted/1`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': token } })).status, 200);
      assert.equal(changes, 2);
    } finally {
      await server.close();
      await db.close();
    }
  });
});
