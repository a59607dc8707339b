import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { DEMO_STAFF, parseBearer, sessionIdFromCookies } from '../../src/identity/index.js';
import { describeEachBackend } from '../support/databases.js';
import { apiKeyFor, signInCitizen, signInStaff, totpFor } from '../support/sign-in.js';
import { startIdentityServer, type IdentityServer } from './support.js';

const hidden = (page: string, name: string): string => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
const cookieOf = (r: Response): string | null => /govflow_session=([^;]*)/.exec(r.headers.get('set-cookie') ?? '')?.[0] ?? null;

describeEachBackend('identity: sessions, staff sign-in, API keys', (backend) => {
  let s: IdentityServer;
  before(async () => {
    s = await startIdentityServer(backend, { maxFailures: 5 });
  });
  after(() => s.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.base}${path}`, { headers, redirect: 'manual' });
  const post = (path: string, cookie: string, fields: Record<string, string>) => fetch(`${s.base}${path}`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
  });

  async function passwordStep(username: string, password: string): Promise<{ response: Response; before: string }> {
    const start = await get('/staff/sign-in');
    const before = cookieOf(start)!;
    return { response: await post('/staff/sign-in', before, { csrf: hidden(await start.text(), 'csrf'), username, password }), before };
  }

  it('signs staff in with password and TOTP code; the session carries their roles; sign-out ends it', async () => {
    const cookie = await signInStaff(s.base, 'pat');
    assert.equal((await get('/api/tasks', { cookie })).status, 200, 'a caseworker lists tasks');
    assert.equal((await get('/api/incidents', { cookie })).status, 403, 'but is no manager');
    const ada = await signInStaff(s.base, 'ada');
    assert.equal((await get('/api/incidents', { cookie: ada })).status, 200);
    const page = await (await get('/staff/sign-in', { cookie })).text();
    const out = await post('/staff/sign-out', cookie, { csrf: hidden(page, 'csrf') });
    assert.equal(out.status, 303);
    assert.equal((await get('/api/tasks', { cookie })).status, 401, 'the old cookie is worth nothing after sign-out');
    const { rows } = await s.db.query<{ type: string; actor: string }>("select type, actor from event_log where type like 'identity.%' and actor = 'staff:pat' order by id");
    assert.deepEqual(rows.map((r) => r.type), ['identity.signed-in', 'identity.signed-out']);
  });

  it('rotates the session id at each step, so a cookie planted before sign-in is useless after', async () => {
    const { response, before } = await passwordStep('bob', DEMO_STAFF.find((x) => x.username === 'bob')!.password);
    assert.equal(response.status, 303);
    const half = cookieOf(response)!;
    assert.notEqual(half, before);
    assert.equal((await get('/api/tasks', { cookie: half })).status, 401, 'a password alone does not sign in');
    const page = await (await get('/staff/sign-in/code', { cookie: half })).text();
    const done = await post('/staff/sign-in/code', half, { csrf: hidden(page, 'csrf'), code: await totpFor('bob') });
    const full = cookieOf(done)!;
    assert.notEqual(full, half);
    assert.equal((await get('/api/tasks', { cookie: full })).status, 200);
    assert.equal((await get('/api/tasks', { cookie: before })).status, 401);
    assert.equal((await get('/api/tasks', { cookie: half })).status, 401);
  });

  it('gives the same message for an unknown user and a wrong password, and logs neither password', async () => {
    const unknown = await passwordStep('nobody-here', 'secret-guess-1');
    const wrong = await passwordStep('fay', 'secret-guess-2');
    assert.equal(unknown.response.status, 400);
    assert.equal(wrong.response.status, 400);
    const message = (t: string) => /govuk-error-message">.*?<\/span>([^<]*)/.exec(t)?.[1];
    assert.equal(message(await unknown.response.text()), message(await wrong.response.text()));
    const { rows } = await s.db.query<{ data: unknown }>("select data from event_log where type = 'identity.sign-in-failed'");
    assert.ok(rows.length >= 2);
    assert.ok(!JSON.stringify(rows).includes('secret-guess'), 'no password in the event log');
  });

  it('locks an account after repeated failures: even the right password is then refused', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await passwordStep('lin', `wrong-${i}`)).response.status, 400);
    const right = await passwordStep('lin', DEMO_STAFF.find((x) => x.username === 'lin')!.password);
    assert.equal(right.response.status, 429);
    const { rows } = await s.db.query("select 1 from event_log where type = 'identity.locked'");
    assert.equal(rows.length, 1);
  });

  it('refuses a sign-in form without the session\'s CSRF token', async () => {
    const start = await get('/staff/sign-in');
    const r = await post('/staff/sign-in', cookieOf(start)!, { csrf: 'forged', username: 'ben', password: DEMO_STAFF.find((x) => x.username === 'ben')!.password });
    assert.equal(r.status, 403);
    assert.equal(cookieOf(r), null, 'no session was issued');
  });

  it('signs citizens in through the portal; a citizen may not use staff routes', async () => {
    const cookie = await signInCitizen(s.base, 'sam');
    const p = await s.identity.authenticate({ headers: { cookie } } as never);
    assert.equal(p?.kind, 'citizen');
    assert.deepEqual(p?.kind === 'citizen' ? p.businesses : null, ['BR-100200']);
    assert.equal((await get('/api/tasks', { cookie })).status, 403);
    assert.equal((await get('/applications', { cookie })).status, 200, 'the portal sees the identity session');
  });

  it('authenticates API keys until they are revoked', async () => {
    const key = await apiKeyFor(s.db, { roles: ['agency-system'], services: ['building-permit'] });
    const headers = { authorization: `Bearer ${key}` };
    assert.equal((await get('/api/process-instances', headers)).status, 200);
    assert.equal((await get('/api/tasks', headers)).status, 403);
    const { rows } = await s.db.query<{ id: string }>('select id from identity_api_client where key_hash is not null order by created_at desc limit 1');
    assert.equal(await s.identity.revokeApiKey(rows[0]!.id, 'staff:ada'), true);
    assert.equal((await get('/api/process-instances', headers)).status, 401);
    assert.equal((await get('/api/process-instances', { authorization: 'Bearer not-a-real-key-0123456789' })).status, 401);
    const events = await s.db.query<{ type: string; actor: string | null; data: unknown }>("select type, actor, data from event_log where type like 'identity.api-key-%' order by id");
    assert.deepEqual(events.rows.slice(-2).map((e) => e.type), ['identity.api-key-created', 'identity.api-key-revoked']);
    assert.equal(events.rows.at(-1)!.actor, 'staff:ada');
    assert.ok(!JSON.stringify(events.rows).includes(key), 'the key itself is never in the event log');
  });

  it('records role changes, and the new role applies to the next request', async () => {
    const cookie = await signInStaff(s.base, 'fay');
    assert.equal((await get('/api/incidents', { cookie })).status, 403);
    await s.identity.setMembership('fay', { department: 'fire-safety', role: 'manager' }, true, 'staff:ada');
    assert.equal((await get('/api/incidents', { cookie })).status, 200);
    const { rows } = await s.db.query<{ actor: string; data: { staff: string; role: string; granted: boolean } }>("select actor, data from event_log where type = 'identity.role-changed'");
    assert.deepEqual(rows.map((r) => [r.actor, r.data.staff, r.data.role, r.data.granted]), [['staff:ada', 'fay', 'manager', true]]);
  });
});

it('parses bearer tokens and session cookies without throwing; only our token shape is accepted', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
    const bearer = parseBearer(text);
    if (bearer !== null) assert.match(bearer, /^[A-Za-z0-9_-]{20,100}$/);
    const id = sessionIdFromCookies(text);
    if (id !== null) assert.match(id, /^[A-Za-z0-9_-]{20,100}$/);
  }));
  fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{20,100}$/), fc.string({ maxLength: 40 }).filter((x) => !/[;=]/.test(x)), (id, other) => {
    assert.equal(sessionIdFromCookies(`other=${other}; govflow_session=${id}`), id);
    assert.equal(parseBearer(`Bearer ${id}`), id);
  }));
});
