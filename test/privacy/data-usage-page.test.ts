// "Who has seen my data" in Chromium: a citizen signs in through the identity module's demo sign-in, sees the uses
// of their data newest first in plain language, pages through them, downloads their data; axe-core and
// html-validate on every page; only their own entries are shown.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import axe from 'axe-core';
import { HtmlValidate } from 'html-validate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApiServer } from '../../src/api/index.js';
import { loadCatalogue, DEFAULT_CATALOGUE_DIR } from '../../src/catalogue/index.js';
import { createEngine } from '../../src/engine/index.js';
import { createIdentity } from '../../src/identity/index.js';
import { createPortalPlugin, portalPersonalData } from '../../src/portal/index.js';
import { createPrivacy, describeAction, type Privacy } from '../../src/privacy/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { signInCitizen, signInCitizenInBrowser } from '../support/sign-in.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';

const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'no-trailing-whitespace': 'off', 'long-title': 'off' } });
const ALEX = 'demo-citizen-alex';

describeEachBackend('"Who has seen my data" page', (backend) => {
  let db: Database;
  let privacy: Privacy;
  let base: string;
  let browser: Browser;
  let close: () => Promise<void>;
  before(async () => {
    db = await freshDatabase(backend);
    const engine = createEngine(db);
    const masterKey = randomBytes(32);
    privacy = createPrivacy({ db, masterKey, holders: [portalPersonalData] });
    const identity = createIdentity({ db, masterKey, demo: true });
    await identity.seedDemo();
    const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const portal = createPortalPlugin({ engine, db, catalogue, identity, privacy, deployProcesses: false });
    const { server } = await createApiServer({ engine, db, authenticate: identity.authenticate, webSession: identity, plugins: [identity.plugin, portal], privacy });
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    close = async () => { await browser.close(); await server.close(); await db.close(); };
    // 30 uses of Alex's data over 30 minutes (two pages), one of Kim's; an XSS attempt in a receiver name.
    const t0 = Date.UTC(2026, 0, 10, 9, 0);
    await db.transaction(async (tx) => {
      for (let i = 0; i < 30; i++) {
        await privacy.recordAccess(tx, {
          subject: ALEX, actor: i % 2 ? 'staff:pat' : 'system:tax-office', receiverCode: i % 2 ? 'demo-municipality' : 'tax-office',
          receiverName: i === 29 ? '<script>alert(1)</script>Tax' : i % 2 ? 'Demo Municipality' : 'Tax Office', receiverSystem: 'govflow-api',
          action: i % 2 ? 'case.viewed' : 'api.process-instance.read', dataCategories: ['case'], purpose: i % 2 ? 'case handling' : 'income verification',
          reference: i === 29 ? 'HB-2026-000007' : `case:${i}`, at: new Date(t0 + i * 60_000),
        });
      }
      await privacy.recordAccess(tx, { subject: 'demo-citizen-kim', actor: 'staff:pat', receiverCode: 'x', receiverName: 'Kim reader', receiverSystem: 'x', action: 'case.viewed', dataCategories: [], purpose: 'p' });
      await privacy.vault.putIdentifier(tx, ALEX, 'national-id', '38001010014');
    });
  });
  after(async () => close?.());

  async function audit(page: Page, name: string, html: string): Promise<void> {
    const report = await validator.validateString(html, `${name}.html`);
    assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`)), [], `${name}: html-validate`);
    const result = await page.evaluate(async () => {
      const r = await (globalThis as unknown as { axe: typeof axe }).axe.run((globalThis as unknown as { document: never }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
      return { passes: r.passes.length, violations: r.violations.map((v) => `${v.id}: ${v.help}`) };
    });
    assert.ok(result.passes > 0);
    assert.deepEqual(result.violations, [], `${name}: axe-core`);
  }

  it('lists the citizen\'s own data uses newest first in plain language, pages, passes axe-core and html-validate', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    await context.addInitScript({ content: axe.source });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await signInCitizenInBrowser(page, base, 'alex');
    const first = await page.goto(`${base}/my-data`);
    assert.equal(first?.status(), 200);
    assert.match(first?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    assert.equal(await page.locator('h1').textContent(), 'Who has seen my data');
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 25);
    const firstRow = await rows.nth(0).locator('td').allTextContents();
    assert.match(firstRow[0]!, /10 January 2026 at 10:29 CET/, 'in the municipality\'s time zone (Europe/Madrid by default)');
    assert.equal(firstRow[1], '<script>alert(1)</script>Tax', 'shown as text, not run');
    assert.equal(firstRow[2], describeAction('case.viewed'));
    assert.equal(firstRow[3], 'To handle your application');
    assert.equal(firstRow[4], 'HB-2026-000007: Claim housing benefit', 'the row names the application');
    assert.equal(await page.locator('header, .govuk-service-navigation').getByRole('link', { name: 'Who has seen my data' }).count(), 1, 'linked from the account');
    const second = await rows.nth(1).locator('td').allTextContents();
    assert.deepEqual(second.slice(1), ['Tax Office', describeAction('api.process-instance.read'), 'income verification', 'case:28']);
    assert.ok(!(await page.content()).includes('Kim reader'));
    await audit(page, 'my-data-1', await first!.text());
    await page.getByRole('link', { name: 'Older' }).click();
    await page.waitForURL(/page=2/);
    assert.equal(await rows.count(), 5);
    assert.match((await rows.nth(4).locator('td').allTextContents())[0]!, /10:00 CET/);
    // The markup as served (Chromium's serialised DOM writes boolean attributes such as `defer` with a value).
    await audit(page, 'my-data-2', await (await page.request.get(page.url())).text());
    assert.deepEqual(dialogs, []);
    await context.close();
  });

  it('downloads all the citizen\'s data as JSON; without a session the pages redirect to sign-in', async () => {
    const cookie = await signInCitizen(base, 'alex');
    const r = await fetch(`${base}/my-data/download`, { headers: { cookie } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-disposition') ?? '', /attachment/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const data = await r.json() as { personId: string; identifiers: Record<string, string>; accessLog: unknown[] };
    assert.equal(data.personId, ALEX);
    assert.equal(data.identifiers['national-id'], '38001010014');
    assert.equal(data.accessLog.length, 30);
    for (const path of ['/my-data', '/my-data/download']) {
      const anon = await fetch(`${base}${path}`, { redirect: 'manual' });
      assert.equal(anon.status, 303);
      assert.match(anon.headers.get('location') ?? '', /^\/sign-in/);
    }
  });
});
