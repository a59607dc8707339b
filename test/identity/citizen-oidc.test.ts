/**
 * Citizens sign in through a real OpenID Connect provider on loopback (the test eID), in Chromium: authorization
 * code + PKCE, state and nonce checked by openid-client; the person is keyed by the provider's `sub`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { startTestEid, type TestEid } from '../support/test-eid.js';
import { startIdentityServer, type IdentityServer } from './support.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('citizen sign-in through OpenID Connect (loopback eID, Chromium)', () => {
  let eid: TestEid;
  let s: IdentityServer;
  let browser: Browser;
  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    eid = await startTestEid(() => `${publicUrl}/sign-in/callback`);
    s = await startIdentityServer('pglite', { oidc: { issuer: eid.issuer, clientId: eid.clientId, clientSecret: eid.clientSecret, publicUrl } }, port);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser.close();
    await s.close();
    await eid.close();
  });

  it('signs a citizen in at the eID and back; the person is created from the sub and name claims', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${s.base}/sign-in/oidc?next=/applications`);
    assert.ok(page.url().startsWith(eid.issuer), `at the eID: ${page.url()}`);
    await page.locator('input[name="login"]').fill('eid-riley');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    // oidc-provider's development consent page
    await page.waitForLoadState();
    if (page.url().startsWith(eid.issuer)) await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.href.startsWith(s.base));
    assert.equal(new URL(page.url()).pathname, '/applications');
    assert.match(await page.content(), /Riley Tester/);
    const { rows } = await s.db.query<{ issuer: string; subject: string; name: string }>("select issuer, subject, name from identity_person where subject = 'eid-riley'");
    assert.deepEqual(rows.map((r) => [r.issuer.replace(/\/$/, ''), r.subject, r.name]), [[eid.issuer, 'eid-riley', 'Riley Tester']]);
    await context.close();
  });

  it('refuses a callback whose state was not issued to this browser', async () => {
    const r = await fetch(`${s.base}/sign-in/callback?code=forged&state=forged`, { redirect: 'manual' });
    assert.equal(r.status, 400);
    assert.equal(/govflow_session=/.test(r.headers.get('set-cookie') ?? ''), false, 'no session');
  });
});
