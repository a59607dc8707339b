/** The workbench in real Chromium: inbox → case page → claim → complete, each page axe-core clean and valid HTML; screenshots for docs/. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { HtmlValidate } from 'html-validate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { signInStaffInBrowser } from '../support/sign-in.js';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SCREENSHOTS = path.resolve('docs', 'screenshots');
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: {
  'prefer-native-element': ['error', { exclude: ['button'] }],
  'no-trailing-whitespace': 'off',
  'long-title': 'off',
  'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
} });

async function check(page: Page, what: string): Promise<void> {
  const violations = await page.evaluate(async (tags) => {
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run((globalThis as unknown as { document: never }).document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => n.html).join(' | ').slice(0, 300)}`);
  }, WCAG_TAGS);
  assert.deepEqual(violations, [], `axe on ${what}`);
  // The markup as served (the DOM serialiser would rewrite boolean attributes).
  const report = await validator.validateString(await (await page.request.get(page.url())).text());
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), [], `html-validate on ${what}`);
}

describe('staff workbench in Chromium', () => {
  let dataDir: string;
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-workbench-browser-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
    running = await startServer(govflow);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser.close();
    await running.stop();
    await govflow.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('intake works a case from the inbox, with accessible pages', async () => {
    for (const n of [1, 2]) await govflow.engine.startInstance('building-permit', { businessKey: `BP-2026-90010${n}`, variables: { applicant: `person-${n}`, applicantName: `Applicant ${n}`, applicationId: `BP-2026-90010${n}` } });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.addInitScript({ content: axe.source });
    const page = await context.newPage();
    await signInStaffInBrowser(page, running.url, 'pat');
    await page.goto(`${running.url}/staff`);
    assert.equal(await page.locator('h1').innerText(), 'Inbox');
    await check(page, 'the inbox');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'staff-inbox.png'), fullPage: true });
    await page.getByRole('link', { name: 'BP-2026-900101' }).click();
    assert.equal(await page.locator('h1').innerText(), 'BP-2026-900101');
    await check(page, 'the case page, unassigned');
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByLabel('Yes').check();
    await check(page, 'the case page, assigned');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'staff-case.png'), fullPage: true });
    await page.getByRole('button', { name: 'Complete task' }).click();
    assert.match(await page.locator('main').innerText(), /No open tasks|Zoning review/);
    await page.goto(`${running.url}/staff?view=mine`);
    await check(page, 'my tasks');
    await context.close();
  });
});
