import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { DEMO_STAFF } from '../../src/identity/index.js';
import { describeEachBackend } from '../support/databases.js';
import { signInStaff } from '../support/sign-in.js';
import { startIdentityServer, type IdentityServer } from './support.js';

const hidden = (page: string, name: string): string => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
const cookieOf = (r: Response): string | null => /govflow_session=([^;]*)/.exec(r.headers.get('set-cookie') ?? '')?.[0] ?? null;

describeEachBackend('identity: attacks', (backend) => {
  let s: IdentityServer;
  before(async () => {
    s = await startIdentityServer(backend, { maxFailures: 5 });
  });
  after(() => s.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.base}${path}`, { headers, redirect: 'manual' });
  const postForm = (path: string, cookie: string, body: string) => fetch(`${s.base}${path}`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body,
  });

  it('refuses forged, tampered and expired session cookies', async () => {
    const cookie = await signInStaff(s.base, 'ada');
    assert.equal((await get('/api/incidents', { cookie })).status, 200);
    const value = cookie.split('=')[1]!;
    const tampered = `govflow_session=${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [tampered, 'govflow_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'govflow_session=ada', "govflow_session=' or 1=1 --", `govflow_session=${'A'.repeat(5000)}`]) {
      assert.equal((await get('/api/incidents', { cookie: forged })).status, 401, forged.slice(0, 40));
    }
    // Time passes: the session was last seen 31 minutes ago (idle limit 30), then one created 13 hours ago (limit 12).
    await s.db.query("update identity_session set last_seen_at = now() - interval '31 minutes' where principal_id = 'ada'");
    assert.equal((await get('/api/incidents', { cookie })).status, 401, 'idle too long: the session expired');
    const again = await signInStaff(s.base, 'ada');
    await s.db.query("update identity_session set expires_at = now() - interval '1 second' where principal_id = 'ada'");
    assert.equal((await get('/api/incidents', { cookie: again })).status, 401, 'past its absolute lifetime');
  });

  it('survives a burst of 50 wrong passwords: lockout engages, no 5xx, the right password is refused while locked', async () => {
    const start = await get('/staff/sign-in');
    const cookie = cookieOf(start)!;
    const csrf = hidden(await start.text(), 'csrf');
    const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) => postForm('/staff/sign-in', cookie, new URLSearchParams({ csrf, username: 'ben', password: `guess-${i}` }).toString()).then((r) => r.status)));
    assert.ok(statuses.every((x) => x === 400 || x === 429), statuses.join(','));
    assert.ok(statuses.includes(429), 'the lockout engaged');
    assert.ok(statuses.filter((x) => x === 400).length <= 5, 'no more than the limit of guesses were even checked, however parallel');
    const right = await postForm('/staff/sign-in', cookie, new URLSearchParams({ csrf, username: 'ben', password: DEMO_STAFF.find((x) => x.username === 'ben')!.password }).toString());
    assert.equal(right.status, 429);
  });

  it('treats SQL injection and script payloads in sign-in fields as text: refused, escaped, no 5xx', async () => {
    for (const payload of ["' or '1'='1", "ada' --", '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']) {
      const start = await get('/staff/sign-in');
      const cookie = cookieOf(start)!;
      const r = await postForm('/staff/sign-in', cookie, new URLSearchParams({ csrf: hidden(await start.text(), 'csrf'), username: payload, password: payload }).toString());
      assert.ok(r.status === 400 || r.status === 429, `${payload}: ${r.status}`);
      assert.equal(cookieOf(r), null, 'no session for an injection');
      const text = await r.text();
      assert.ok(!text.includes('<script>alert') && !text.includes('<img src=x'), 'the payload is escaped');
      const next = await get(`/staff/sign-in?next=${encodeURIComponent(payload)}`);
      assert.ok(!(await next.text()).includes('<script>alert'));
    }
  });

  it('refuses oversized sign-in bodies without a 5xx', async () => {
    const start = await get('/staff/sign-in');
    const r = await postForm('/staff/sign-in', cookieOf(start)!, `csrf=x&username=${'a'.repeat(200_000)}`);
    assert.ok(r.status >= 400 && r.status < 500, String(r.status));
  });

  it('never signs in or fails with 5xx, whatever form is posted (property)', async () => {
    const start = await get('/staff/sign-in');
    const cookie = cookieOf(start)!;
    const csrf = hidden(await start.text(), 'csrf');
    await fc.assert(fc.asyncProperty(fc.dictionary(fc.constantFrom('csrf', 'username', 'password', 'next', 'code', 'x'), fc.string({ maxLength: 60 })), fc.boolean(), async (fields, withCsrf) => {
      const body = new URLSearchParams({ ...fields, ...(withCsrf ? { csrf } : {}) }).toString();
      for (const path of ['/staff/sign-in', '/staff/sign-in/code']) {
        const r = await postForm(path, cookie, body);
        assert.ok(r.status < 500, `${path}: ${r.status}`);
        assert.notEqual(r.status, 200);
      }
    }), { numRuns: 25 });
  });
});
