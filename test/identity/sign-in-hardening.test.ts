/**
 * Issue 13, acceptance 5 (identity's part): a TOTP code works once, the lockout cannot be dodged by writing the
 * user name differently, behind a proxy the lockout is per real client (and somebody else's failures slow a correct
 * password without refusing it), no session fixation, sign-out and a password change end sessions, and an initial
 * password must be replaced at first sign-in.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { generateSync } from 'otplib';
import { createStaff, DEMO_STAFF } from '../../src/identity/index.js';
import { describeEachBackend } from '../support/databases.js';
import { freshTotp, signInStaff, signInStaffWith } from '../support/sign-in.js';
import { startIdentityServer, type IdentityServer } from './support.js';

const hidden = (page: string, name: string): string => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
const cookieOf = (r: Response): string | null => /govflow_session=([^;]*)/.exec(r.headers.get('set-cookie') ?? '')?.[0] ?? null;
const demo = (username: string): (typeof DEMO_STAFF)[number] => DEMO_STAFF.find((s) => s.username === username)!;

function client(base: string, headers: Record<string, string> = {}) {
  const get = (path: string, cookie = '') => fetch(`${base}${path}`, { redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
  const post = (path: string, cookie: string, fields: Record<string, string>) => fetch(`${base}${path}`, {
    method: 'POST', redirect: 'manual', headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
  });
  /** The password step: a fresh anonymous session, then the form. */
  async function password(username: string, passwordText: string): Promise<Response> {
    const start = await get('/staff/sign-in');
    return post('/staff/sign-in', cookieOf(start)!, { csrf: hidden(await start.text(), 'csrf'), username, password: passwordText });
  }
  /** The code step of a half-signed-in session. */
  async function code(half: string, value: string): Promise<Response> {
    const page = await get('/staff/sign-in/code', half);
    return post('/staff/sign-in/code', half, { csrf: hidden(await page.text(), 'csrf'), code: value });
  }
  return { get, post, password, code };
}

describeEachBackend('identity: staff sign-in hardening (issue 13)', (backend) => {
  let s: IdentityServer;
  let proxied: IdentityServer;
  before(async () => {
    s = await startIdentityServer(backend, { maxFailures: 5 });
    // Behind a TLS proxy on this machine: X-Forwarded-For from loopback names the client.
    proxied = await startIdentityServer(backend, { maxFailures: 5 }, 0, undefined, { trustProxy: 'loopback' });
  });
  after(async () => {
    await s.close();
    await proxied.close();
  });

  it('shows the demo as a demo: a "Demo" phase banner on the sign-in pages', async () => {
    for (const path of ['/staff/sign-in', '/sign-in', '/']) {
      const page = await (await fetch(`${s.base}${path}`)).text();
      assert.match(page, /<strong class="govuk-tag govuk-phase-banner__content__tag">Demo<\/strong>/, path);
    }
  });

  it('accepts an authenticator code once: the same code is refused afterwards, also when two sign-ins race with it', async () => {
    const c = client(s.base);
    const code = await freshTotp(demo('bob').totpSecret);
    const first = await c.code(cookieOf(await c.password('bob', demo('bob').password))!, code);
    assert.equal(first.status, 303, 'the code signs in');
    const replay = await c.code(cookieOf(await c.password('bob', demo('bob').password))!, code);
    assert.equal(replay.status, 400, 'the same code again is refused');
    assert.match(await replay.text(), /Each code works once/);

    const next = await freshTotp(demo('bob').totpSecret);
    const halves = await Promise.all([1, 2].map(async () => cookieOf(await c.password('bob', demo('bob').password))!));
    const raced = await Promise.all(halves.map((half) => c.code(half, next)));
    assert.deepEqual(raced.map((r) => r.status).sort(), [303, 400], 'one of two simultaneous uses wins');
    const { rows } = await s.db.query<{ n: string | number }>("select count(*) as n from event_log where type = 'identity.signed-in' and actor = 'staff:bob'");
    assert.equal(Number(rows[0]!.n), 2);
  });

  it('counts failures per normalised user name: case and whitespace do not start a new count', async () => {
    const c = client(s.base);
    for (const typed of ['fay', 'FAY', ' Fay ', 'fay\t', 'F ay']) assert.equal((await c.password(typed, 'wrong-password')).status, 400, typed);
    assert.equal((await c.password('fAy  ', demo('fay').password)).status, 429, 'a sixth try, spelt differently, is refused');
    assert.equal((await c.password('fay', demo('fay').password)).status, 429);
  });

  it('behind a proxy, locks out the guessing client only; the owner\'s correct password is slowed, not refused', async () => {
    const attacker = client(proxied.base, { 'x-forwarded-for': '203.0.113.9' });
    const owner = client(proxied.base, { 'x-forwarded-for': '198.51.100.7' });
    for (let i = 0; i < 5; i++) assert.equal((await attacker.password('lin', `guess-${i}`)).status, 400);
    assert.equal((await attacker.password('lin', 'guess-5')).status, 429, 'the guessing client is locked out');
    assert.equal((await attacker.password('lin', demo('lin').password)).status, 429, 'even with the right password');
    const started = Date.now();
    const ownPassword = await owner.password('lin', demo('lin').password);
    const took = Date.now() - started;
    assert.equal(ownPassword.status, 303, 'the owner, from another address, gets in');
    assert.ok(took >= 450, `but only after a delay (${took} ms)`);
    assert.equal((await owner.code(cookieOf(ownPassword)!, await freshTotp(demo('lin').totpSecret))).status, 303);
    const addresses = (await proxied.db.query<{ ip: string }>("select distinct ip from identity_sign_in_attempt where account_key = 'staff:lin'")).rows.map((r) => r.ip);
    assert.deepEqual(addresses, ['203.0.113.9'], 'failures are recorded against the real client');
  });

  it('without a trusted proxy, X-Forwarded-For is ignored: a guesser cannot escape the lockout by inventing addresses', async () => {
    const guess = (i: number) => client(s.base, { 'x-forwarded-for': `192.0.2.${i}` }).password('ben', `guess-${i}`);
    for (let i = 0; i < 5; i++) assert.equal((await guess(i)).status, 400);
    assert.equal((await guess(9)).status, 429);
  });

  it('gives a new session id at sign-in, so a session planted before it is worth nothing (citizen and staff)', async () => {
    const c = client(s.base);
    const planted = await c.get('/sign-in');
    const fixed = cookieOf(planted)!;
    const signedIn = await c.post('/sign-in', fixed, { csrf: hidden(await planted.text(), 'csrf'), citizen: 'demo-citizen-kim', next: '/applications' });
    assert.equal(signedIn.status, 303);
    const own = cookieOf(signedIn)!;
    assert.notEqual(own, fixed);
    assert.equal((await c.get('/applications', own)).status, 200, 'the citizen is signed in on the new id');
    assert.equal((await c.get('/applications', fixed)).status, 303, 'the planted id is not signed in');
    const { rows } = await s.db.query<{ n: string | number }>('select count(*) as n from identity_session where principal_id = $1', ['demo-citizen-kim']);
    assert.equal(Number(rows[0]!.n), 1);

    const staffPlanted = await c.get('/staff/sign-in');
    const staffFixed = cookieOf(staffPlanted)!;
    const half = await c.post('/staff/sign-in', staffFixed, { csrf: hidden(await staffPlanted.text(), 'csrf'), username: 'pat', password: demo('pat').password });
    const full = cookieOf(await c.code(cookieOf(half)!, await freshTotp(demo('pat').totpSecret)))!;
    assert.equal((await c.get('/api/tasks', full)).status, 200);
    assert.equal((await c.get('/api/tasks', staffFixed)).status, 401);
  });

  it('ends the session at sign-out (other sessions stay), and a password change ends every other session', async () => {
    const c = client(s.base);
    const one = await signInStaff(s.base, 'mia');
    const two = await signInStaff(s.base, 'mia');
    const page = await (await c.get('/staff/account', one)).text();
    const csrf = hidden(page, 'csrf');
    assert.equal((await c.post('/staff/sign-out', one, { csrf })).status, 303);
    assert.equal((await c.get('/api/tasks', one)).status, 401, 'the signed-out cookie is worth nothing');
    // The one CSRF hook answers first now: the ended session has no token, so the form is refused (403 "Your session
    // has expired", which links to sign-in) before the handler; and mia's password is still the old one.
    assert.equal((await c.post('/staff/account/password', one, { csrf, current: demo('mia').password, password: 'x'.repeat(20), confirm: 'x'.repeat(20) })).status, 403, 'its forms are refused');
    await signInStaff(s.base, 'mia');
    assert.equal((await c.get('/staff/account', one)).headers.get('location'), '/staff/sign-in?next=%2Fstaff%2Faccount');
    assert.equal((await c.get('/api/tasks', two)).status, 200, 'the other session is untouched');

    const aud = await signInStaff(s.base, 'aud');
    const elsewhere = await signInStaff(s.base, 'aud');
    const form = await (await c.get('/staff/account/password', aud)).text();
    const weak = await c.post('/staff/account/password', aud, { csrf: hidden(form, 'csrf'), current: demo('aud').password, password: 'short', confirm: 'short' });
    assert.equal(weak.status, 400);
    assert.match(await weak.text(), /at least 12 characters/);
    const wrongCurrent = await c.post('/staff/account/password', aud, { csrf: hidden(form, 'csrf'), current: 'not-it', password: 'a new long passphrase', confirm: 'a new long passphrase' });
    assert.equal(wrongCurrent.status, 400);
    const changed = await c.post('/staff/account/password', aud, { csrf: hidden(form, 'csrf'), current: demo('aud').password, password: 'a new long passphrase', confirm: 'a new long passphrase' });
    assert.equal(changed.status, 303);
    assert.equal((await c.get('/staff/account', elsewhere)).status, 303, 'the other session ended');
    assert.equal((await c.get('/staff/account', cookieOf(changed)!)).status, 200, 'this one continues on a new id');
    assert.equal((await c.get('/staff/account', aud)).status, 303, 'under a new id');
    await assert.rejects(signInStaffWith(s.base, 'aud', demo('aud').password, demo('aud').totpSecret), /refused the password/);
    await signInStaffWith(s.base, 'aud', 'a new long passphrase', demo('aud').totpSecret);
  });

  it('makes an initial password be replaced at first sign-in, before the account can do anything', async () => {
    const masterKey = randomBytes(32);
    const other = await startIdentityServer(backend, { masterKey });
    try {
      const created = await createStaff(other.db, masterKey, { username: 'nia', name: 'Nia New', email: 'nia@example.org' }, 'staff:ada');
      await other.identity.setMembership('nia', { department: 'planning', role: 'caseworker' }, true, 'staff:ada');
      const c = client(other.base);
      const half = cookieOf(await c.password('nia', created.password))!;
      const step = await c.code(half, generateSync({ secret: created.totpSecret }));
      // No page was asked for (next=/): after the change, staff land on their own work (issue 23).
      assert.equal(step.headers.get('location'), '/staff/sign-in/new-password');
      const pending = cookieOf(step)!;
      assert.equal((await c.get('/api/tasks', pending)).status, 401, 'not signed in until the password is changed');
      const form = await (await c.get('/staff/sign-in/new-password', pending)).text();
      const same = await c.post('/staff/sign-in/new-password', pending, { csrf: hidden(form, 'csrf'), password: created.password, confirm: created.password });
      assert.equal(same.status, 400, 'the handed-over password cannot be kept');
      const done = await c.post('/staff/sign-in/new-password', pending, { csrf: hidden(form, 'csrf'), password: 'she picked this herself', confirm: 'she picked this herself' });
      assert.equal(done.status, 303);
      assert.equal((await c.get('/api/tasks', cookieOf(done)!)).status, 200);
      const { rows } = await other.db.query<{ password_change_required: boolean }>("select password_change_required from identity_staff where id = 'nia'");
      assert.equal(rows[0]!.password_change_required, false);
    } finally {
      await other.close();
    }
  });
});
