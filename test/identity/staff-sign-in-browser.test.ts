/** The staff sign-in pages in real Chromium: the helper signs in through them; both steps pass axe-core (WCAG 2.2 AA). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { signInCitizenInBrowser, signInStaffInBrowser } from '../support/sign-in.js';
import { startIdentityServer, type IdentityServer } from './support.js';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function axeViolations(page: Page): Promise<string[]> {
  return page.evaluate(async (tags) => {
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run((globalThis as unknown as { document: never }).document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.help}`);
  }, WCAG_TAGS);
}

describe('staff sign-in in Chromium', () => {
  let s: IdentityServer;
  let browser: Browser;
  before(async () => {
    s = await startIdentityServer('pglite');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser.close();
    await s.close();
  });

  it('shows accessible pages, announces a wrong password, and signs in with password + code', async () => {
    const context = await browser.newContext();
    await context.addInitScript({ content: axe.source });
    const page = await context.newPage();
    await page.goto(`${s.base}/staff/sign-in`);
    assert.deepEqual(await axeViolations(page), []);
    await page.getByLabel('Username').fill('pat');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter a valid username and password/);
    assert.deepEqual(await axeViolations(page), []);
    await signInStaffInBrowser(page, s.base, 'pat');
    // Issue 23: a caseworker who opened the sign-in page directly lands on their inbox, not the citizen start page.
    assert.equal(new URL(page.url()).pathname, '/staff');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'govflow_session');
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(session?.sameSite, 'Lax');
    const tasks = await page.request.get(`${s.base}/api/tasks`);
    assert.equal(tasks.status(), 200, 'the browser session is a caseworker');
    await context.close();
  });

  it('lands an administrator of no department\'s cases on the administration pages', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInStaffInBrowser(page, s.base, 'ada');
    assert.equal(new URL(page.url()).pathname, '/admin');
    await context.close();
  });

  it('signs a citizen in through the portal page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInCitizenInBrowser(page, s.base, 'kim');
    assert.match(await page.content(), /Kim Sample/);
    await context.close();
  });
});
