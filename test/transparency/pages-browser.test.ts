// Issue 17 acceptance 4: every public transparency page in Chromium passes axe (WCAG 2.0–2.2 A/AA) and
// html-validate, works with JavaScript off (same content, charts included: they are SVG, not script) and gives
// its charts a text alternative; screenshots for docs/open-data.md.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { projectPending, type Database } from '../../src/store/index.js';
import { createTransparencyPlugin, createTransparencyProjector, importContracts, importSpending } from '../../src/transparency/index.js';
import { readGovukAsset } from '../../src/web/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { freshDatabase } from '../support/databases.js';
import { auditPage, SCREENSHOTS } from '../support/page-audit.js';
import { driveServices, GOOD_CONTRACTS, GOOD_SPENDING, payFees, publishedOf } from './support.js';

const PAGES = [
  '/performance',
  '/performance/services/business-licence-renewal',
  '/performance/services/housing-benefit?period=week',
  '/performance/departments/benefits',
  '/open-data',
  '/open-data/datasets/performance-housing-benefit',
  '/spending',
  '/open-data/datasets/public-contracts',
];

describe('transparency pages in Chromium', () => {
  let db: Database;
  let server: FastifyInstance;
  let base: string;
  let browser: Browser;
  before(async () => {
    db = await freshDatabase('pglite');
    const run = await driveServices(db, { days: 45, perDay: 3 });
    const services = publishedOf(run.services);
    const { rows } = await db.query<{ business_key: string }>("select business_key from process_instance where business_key like 'BL-%' order by id limit 7");
    await payFees(db, rows.map((r) => r.business_key), 12_000);
    await importContracts(db, GOOD_CONTRACTS);
    await importSpending(db, GOOD_SPENDING);
    await projectPending(db, createTransparencyProjector(services));
    server = Fastify();
    server.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
      const asset = await readGovukAsset(request.params['*']);
      return asset ? reply.type(asset.type).send(asset.content) : reply.status(404).send();
    });
    await server.register(createTransparencyPlugin({ db, services: () => services, cacheMs: 0, now: () => run.clock.now() }));
    base = await server.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await db?.close();
  });

  it('every page passes axe and html-validate; charts have a title, a description and the table beside them', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addInitScript({ content: axe.source });
    const page = await context.newPage();
    for (const url of PAGES) {
      const response = await page.goto(base + url);
      assert.equal(response?.status(), 200, url);
      await auditPage(page, url);
      for (const svg of await page.locator('svg').all()) {
        const labelledBy = (await svg.getAttribute('aria-labelledby'))!.split(' ');
        assert.equal(await svg.getAttribute('role'), 'img');
        for (const id of labelledBy) assert.ok((await page.locator(`[id="${id}"]`).textContent())!.length > 10, `${url}: #${id} says what the chart shows`);
        assert.ok(await page.locator('table').count() > 0, `${url}: the chart's data table`);
      }
    }
    await page.goto(`${base}/performance/services/business-licence-renewal`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'transparency-service.png'), fullPage: true });
    await page.goto(`${base}/spending`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'transparency-spending.png'), fullPage: true });
    await context.close();
  });

  it('with JavaScript off every page shows the same headings, chart, table and download link', async () => {
    const on = await browser.newContext();
    const off = await browser.newContext({ javaScriptEnabled: false });
    const [a, b] = [await on.newPage(), await off.newPage()];
    for (const url of PAGES) {
      await a.goto(base + url);
      await b.goto(base + url);
      assert.equal(await b.locator('h1').innerText(), await a.locator('h1').innerText(), url);
      assert.equal(await b.locator('svg').count(), await a.locator('svg').count(), url);
      assert.equal(await b.locator('main').innerText(), await a.locator('main').innerText(), url);
    }
    await b.goto(`${base}/performance/services/housing-benefit`);
    assert.equal(await b.locator('svg rect').count() > 2, true);
    const csv = b.locator('a[download]').first();
    assert.match((await csv.getAttribute('href'))!, /figures\.csv\?period=month$/);
    await on.close();
    await off.close();
  });
});
