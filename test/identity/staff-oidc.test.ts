/**
 * Staff sign in through their agency's OpenID Connect provider (a real `oidc-provider` on loopback, Chromium): the
 * verified e-mail picks an existing, active staff account and binds the provider's `sub` to it; roles come only from
 * govflow's memberships; unknown, unverified, disabled and impostor accounts are refused with a clear page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { HtmlValidate } from 'html-validate';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { startTestEid, type EidClaims, type TestEid } from '../support/test-eid.js';
import { freePort, principalOfSession, signInAtProvider } from './oidc-support.js';
import { startIdentityServer, type IdentityServer } from './support.js';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: {
  // GOV.UK Frontend's documented pattern: a link styled and announced as a button.
  'prefer-native-element': ['error', { exclude: ['button'] }],
  'no-trailing-whitespace': 'off',
  'long-title': 'off',
} });

describe('staff sign-in through the agency\'s OpenID Connect provider (loopback, Chromium)', () => {
  let idp: TestEid;
  let s: IdentityServer;
  let browser: Browser;
  const people: Record<string, EidClaims> = {
    // The provider says Bob is an admin: govflow must not believe it.
    'idp-bob': { name: 'Bob Builder', email: 'BOB@demo-municipality.example', email_verified: true, roles: ['admin'], groups: ['digital'] },
    'idp-bob-impostor': { name: 'Not Bob', email: 'bob@demo-municipality.example', email_verified: true },
    'idp-pat-unverified': { name: 'Pat?', email: 'pat@demo-municipality.example', email_verified: false },
    'idp-stranger': { name: 'Stranger', email: 'stranger@elsewhere.example', email_verified: true },
    'idp-fay': { name: 'Fay Fireside', email: 'fay@demo-municipality.example', email_verified: true },
  };
  const signIn = (login: string) => signInAtProvider(browser, s.base, idp.issuer, '/staff/sign-in?next=/staff', login, { button: 'Sign in with your agency account' });
  const failures = async () => (await s.db.query<{ reason: string }>("select data->>'reason' as reason from event_log where type = 'identity.sign-in-failed' order by id")).rows.map((r) => r.reason);

  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    idp = await startTestEid(() => `${publicUrl}/staff/sign-in/oidc/callback`, { people });
    s = await startIdentityServer('pglite', { staffOidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, publicUrl, scope: 'openid profile email roles' } }, port);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await idp?.close();
  });

  it('signs Bob in by his verified e-mail, in a new session, with govflow\'s roles only, and audits it', async () => {
    const r = await signIn('idp-bob');
    assert.equal(r.url.pathname, '/staff');
    assert.ok(r.sessionBefore && r.session && r.session !== r.sessionBefore, 'the session id is rotated');
    assert.equal(await principalOfSession(s.db, r.sessionBefore), null, 'the old session is gone');
    assert.deepEqual(await principalOfSession(s.db, r.session), { kind: 'staff', id: 'bob' });
    const cookie = `govflow_session=${r.session}`;
    // Bob is a building-control caseworker in govflow: the provider's "admin" role gives him nothing.
    assert.equal((await fetch(`${s.base}/api/incidents`, { headers: { cookie } })).status, 403);
    assert.equal((await fetch(`${s.base}/api/tasks`, { headers: { cookie } })).status, 200);
    const events = await s.db.query<{ actor: string; data: { method: string } }>("select actor, data from event_log where type = 'identity.signed-in' order by id");
    assert.deepEqual(events.rows.map((e) => [e.actor, e.data.method]), [['staff:bob', 'agency-oidc']]);
  });

  it('keeps finding Bob by the bound sub after his e-mail changes at the provider', async () => {
    people['idp-bob'] = { ...people['idp-bob'], email: 'robert@new-address.example' };
    const r = await signIn('idp-bob');
    assert.deepEqual(await principalOfSession(s.db, r.session), { kind: 'staff', id: 'bob' });
  });

  it('refuses another provider account with Bob\'s e-mail once Bob is bound', async () => {
    const r = await signIn('idp-bob-impostor');
    assert.equal((await principalOfSession(s.db, r.session))?.kind ?? null, null);
    assert.match(r.content, /You cannot sign in to govflow with this account/);
    assert.match(r.content, /already linked to a different agency account/);
    assert.deepEqual((await failures()).slice(-1), ['oidc-staff-bound-elsewhere']);
  });

  it('refuses unknown people, unverified e-mail addresses and disabled accounts with a clear page', async () => {
    const stranger = await signIn('idp-stranger');
    assert.equal((await principalOfSession(s.db, stranger.session))?.kind ?? null, null);
    assert.match(stranger.content, /No govflow staff account belongs to stranger@elsewhere\.example/);
    const unverified = await signIn('idp-pat-unverified');
    assert.equal((await principalOfSession(s.db, unverified.session))?.kind ?? null, null);
    assert.match(unverified.content, /did not give govflow a verified e-mail address/);
    await s.db.query("update identity_staff set disabled = true where id = 'fay'");
    const fay = await signIn('idp-fay');
    assert.equal((await principalOfSession(s.db, fay.session))?.kind ?? null, null);
    assert.match(fay.content, /Your staff account is not active/);
    assert.deepEqual((await failures()).slice(-3), ['oidc-unknown-staff', 'oidc-email-unverified', 'oidc-staff-disabled']);
    const signedIn = await s.db.query("select 1 from event_log where type = 'identity.signed-in' and actor <> 'staff:bob'");
    assert.equal(signedIn.rows.length, 0, 'nobody else signed in');
  });

  it('offers the agency sign-in as an accessible, valid button (axe, html-validate); the refusal page is valid HTML', async () => {
    const pages = { signIn: await (await fetch(`${s.base}/staff/sign-in?next=/staff/cases/1`)).text() };
    assert.match(pages.signIn, /href="\/staff\/sign-in\/oidc\?next=%2Fstaff%2Fcases%2F1"/, 'the button keeps where to go next');
    const context = await browser.newContext();
    await context.addInitScript({ content: axe.source });
    try {
      const page = await context.newPage();
      for (const url of [`${s.base}/staff/sign-in`]) {
        await page.goto(url);
        const violations = await page.evaluate(async (tags) => (await (globalThis as unknown as { axe: typeof axe }).axe.run((globalThis as unknown as { document: never }).document, { runOnly: { type: 'tag', values: tags } })).violations.map((v) => v.id), WCAG_TAGS);
        assert.deepEqual(violations, [], url);
      }
    } finally {
      await context.close();
    }
    const refusal = (await signIn('idp-stranger')).content;
    for (const [name, source] of Object.entries({ ...pages, refusal })) {
      const report = await validator.validateString(source, `${name}.html`);
      assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`)), [], `${name}: html-validate`);
    }
  });

  it('refuses a callback whose state was not issued to this browser', async () => {
    const r = await fetch(`${s.base}/staff/sign-in/oidc/callback?code=forged&state=forged`, { redirect: 'manual' });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /Sign-in did not work/);
  });
});
