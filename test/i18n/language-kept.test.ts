/**
 * Issue 21: the language a person chose is kept where it is needed later, not only in this browser's cookie.
 * - A case whose start failed when the citizen sent the application (here: its process not yet deployed) is started
 *   later by the case-start loop, and speaks the language the citizen applied in (the `language` variable its
 *   e-mails and letter read), not English.
 * - The language a citizen or staff member chose with the switcher is kept with their account when they sign in or
 *   out, so a later sign-in on a browser that never chose one opens in it (switcher, then account, then
 *   Accept-Language); a browser that chose another keeps its own choice.
 * The portal server with identity, real sign-in pages over HTTP, on PGlite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createCaseStarts } from '../../src/portal/index.js';
import { describeEachBackend } from '../support/databases.js';
import { signInStaff } from '../support/sign-in.js';
import { samplePdf, startTestPortal, type TestPortal } from '../portal/support.js';

/** A browser's cookies (the session and the switcher's language), kept per name like a browser does. */
class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly base: string, cookie = '') {
    this.take(cookie);
  }
  private take(header: string): void {
    for (const part of header.split('; ')) {
      const at = part.indexOf('=');
      if (at > 0) this.cookies.set(part.slice(0, at), part.slice(at + 1));
    }
  }
  get cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async send(method: 'GET' | 'POST', url: string, body?: URLSearchParams | FormData) {
    const response = await fetch(this.base + url, {
      method, redirect: 'manual', ...(body ? { body } : {}),
      headers: { cookie: this.cookie, 'accept-language': 'en-GB,en;q=0.9', ...(body instanceof URLSearchParams ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    for (const set of response.headers.getSetCookie()) this.take(set.split(';')[0]!);
    return { status: response.status, language: response.headers.get('content-language'), body: await response.text(), location: response.headers.get('location') };
  }
  async csrf(url: string): Promise<string> {
    const m = /name="csrf" value="([^"]+)"/.exec((await this.send('GET', url)).body);
    assert.ok(m, `a form with a CSRF token on ${url}`);
    return m[1]!;
  }
  async post(url: string, fields: Record<string, string | string[]>, formUrl = url) {
    const body = new URLSearchParams({ csrf: await this.csrf(formUrl) });
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return this.send('POST', url, body);
  }
  async signInCitizen(citizen: string): Promise<void> {
    assert.equal((await this.post('/sign-in', { citizen, next: '/' })).status, 303);
  }
}

const PAGES: Record<string, Record<string, string | string[]>> = {
  'about-you': { applicantName: 'Sam Ejemplo', email: 'sam@example.org', applicantRole: 'agent' },
  'the-building': { siteAddress: 'Carrer de Prova 2', workType: 'new-building', floorArea: '600', workDescription: 'Una biblioteca nueva.', 'plannedStart-day': '1', 'plannedStart-month': '2', 'plannedStart-year': '2028', features: ['basement'] },
  declaration: { declaration: 'true' },
};

describeEachBackend('the language chosen is kept', (backend) => {
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal(backend, { deployProcesses: false });
  });
  after(async () => {
    await portal?.close();
  });

  it('a case the start loop starts later speaks the language the citizen applied in', async () => {
    const browser = new Browser(portal.base);
    await browser.signInCitizen('demo-citizen-sam');
    assert.equal((await browser.send('GET', '/applications?lang=es')).language, 'es', 'the switcher chose Spanish');
    const csrf = await browser.csrf('/applications');
    for (const [pageId, fields] of Object.entries(PAGES)) {
      let body: URLSearchParams | FormData;
      if (pageId === 'the-building') {
        const form = new FormData();
        form.append('csrf', csrf);
        for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
        form.append('sitePlan', new Blob([await samplePdf()]), 'plano.pdf');
        body = form;
      } else body = new URLSearchParams({ csrf, ...fields as Record<string, string> });
      const page = await browser.send('POST', `/services/building-permit/apply/${pageId}`, body);
      assert.equal(page.status, 303, `${pageId}: ${page.body.slice(0, 200)}`);
    }
    const check = await browser.send('GET', '/services/building-permit/check');
    const token = /name="token" value="([^"]+)"/.exec(check.body)?.[1];
    assert.ok(token, 'the check page carries the submission token');
    // The process is not deployed: the submission is kept, its case not started.
    const failed = await browser.post('/services/building-permit/submit', { token }, '/services/building-permit/check');
    assert.notEqual(failed.status, 303, 'the start failed');
    const service = portal.catalogue.get('building-permit')!;
    await portal.engine.deploy([{ name: 'building-permit.bpmn', content: service.process.bpmn! }]);
    const starts = createCaseStarts({ engine: portal.engine, db: portal.db, catalogue: portal.catalogue });
    assert.equal(await starts.startPending({ graceMs: 0 }), 1, 'the loop starts the waiting case');
    const [instance, ...more] = await portal.engine.listInstances({ processKey: 'building-permit' });
    assert.equal(more.length, 0);
    assert.equal(instance?.variables['language'], 'es', 'the case speaks the language the citizen applied in');
  });

  it('a citizen\'s choice is kept at sign-out and opens their next sign-in on another browser in it', async () => {
    const first = new Browser(portal.base);
    await first.signInCitizen('demo-citizen-kim');
    assert.equal((await first.send('GET', '/applications')).language, 'en', 'no choice yet: Accept-Language');
    assert.equal((await first.send('GET', '/applications?lang=ca')).language, 'ca');
    assert.equal((await first.post('/sign-out', {}, '/applications')).status, 303);
    const other = new Browser(portal.base);
    assert.equal((await other.send('GET', '/applications')).language, 'en', 'a visitor: Accept-Language');
    await other.signInCitizen('demo-citizen-kim');
    assert.equal((await other.send('GET', '/applications')).language, 'ca', 'signed in: the account\'s choice');
    // A browser that chose a language keeps its own choice, and signing in with it makes it the account's.
    const third = new Browser(portal.base, 'govflow_lang=et');
    await third.signInCitizen('demo-citizen-kim');
    assert.equal((await third.send('GET', '/applications')).language, 'et');
    const fourth = new Browser(portal.base);
    await fourth.signInCitizen('demo-citizen-kim');
    assert.equal((await fourth.send('GET', '/applications')).language, 'et', 'the last choice is the account\'s');
  });

  it('a staff member\'s choice is kept with their account too, and a pseudo-language or junk is never kept', async () => {
    const staff = new Browser(portal.base, await signInStaff(portal.base, 'pat'));
    assert.equal((await staff.send('GET', '/?lang=es')).language, 'es');
    const signedOut = await staff.post('/staff/sign-out', {}, '/staff/account');
    assert.equal(signedOut.status, 303);
    const again = new Browser(portal.base, `${await signInStaff(portal.base, 'pat')}; govflow_lang=xx`);
    assert.equal((await again.send('GET', '/')).language, 'es', 'an unknown cookie value is ignored; the account\'s choice applies');
    assert.equal((await again.post('/staff/sign-out', {}, '/staff/account')).status, 303);
    const later = new Browser(portal.base, await signInStaff(portal.base, 'pat'));
    assert.equal((await later.send('GET', '/')).language, 'es', 'signing out with junk in the cookie kept the earlier choice');
  });
});
