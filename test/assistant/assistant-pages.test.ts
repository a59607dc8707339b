// The /assistant page and the service page's small assistant form in Chromium, on one demo server and one browser:
// with JavaScript off and only the keyboard, a question is asked, answered with its source, rated, and a question
// carrying markup is shown as text; with script on, the widget answers in place (no page load) and every page
// passes axe-core (WCAG 2.2 A/AA) and html-validate.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { auditPage } from '../support/page-audit.js';

let server: DemoServer;
let browser: Browser;

before(async () => {
  server = await startDemoServer('assistant-pages');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(javaScript: boolean): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, bypassCSP: false });
  if (javaScript) await context.addInitScript({ content: axe.source });
  return context.newPage();
}

/** Tabs until the element matching `selector` has the focus (at most 40 presses), as a keyboard user would. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.locator(selector).evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement)) return;
  }
  assert.fail(`${selector} is not reachable with the keyboard`);
}

it('works with JavaScript off and by keyboard, and with the widget; every page passes axe', async () => {
  const base = server.running.url;
  const plain = await newPage(false);
  await plain.goto(`${base}/assistant`);
  await tabTo(plain, 'textarea#text');
  await plain.keyboard.type('How long does it take to get a building permit?');
  await tabTo(plain, 'form#assistant-form button[type=submit]');
  await plain.keyboard.press('Enter');
  await plain.waitForURL(/\/assistant\?c=/);
  const latest = plain.locator('#latest');
  assert.match(await latest.innerText(), /60 days/);
  assert.equal(await latest.getByRole('link', { name: 'Apply for a building permit' }).first().getAttribute('href'), '/services/building-permit');
  await tabTo(plain, 'button[name=helpful][value=yes]');
  await plain.keyboard.press('Enter');
  await plain.waitForLoadState();
  assert.match(await plain.locator('main').innerText(), /You rated this reply: helpful/);
  // Markup in a question is text, in the reply's page too.
  await plain.getByLabel('Your question').fill('<img src=x onerror=alert(1)> what documents for housing benefit?');
  await plain.getByRole('button', { name: 'Ask', exact: true }).click();
  await plain.waitForLoadState();
  assert.match(await plain.locator('main').innerText(), /<img src=x onerror=alert\(1\)> what documents/);
  assert.equal(await plain.locator('main img').count(), 0);
  const conversation = plain.url();

  const audited = await newPage(true);
  await audited.goto(`${base}/assistant`);
  await auditPage(audited, 'assistant (empty)');
  await audited.getByRole('button', { name: 'Ask', exact: true }).click();
  await audited.waitForLoadState();
  assert.match(await audited.locator('.govuk-error-summary').innerText(), /Enter your question/);
  await auditPage(audited, 'assistant with an error');
  await audited.goto(conversation);
  await auditPage(audited, 'assistant with a conversation');
  await audited.goto(`${base}/services/building-permit`);
  await auditPage(audited, 'service page with the assistant form');
  // The service page's form opens the assistant with the question ready; the widget answers in place.
  await audited.getByLabel('Ask the assistant about this service').fill('Which department handles building permits?');
  await audited.getByLabel('Ask the assistant about this service').press('Enter');
  await audited.waitForURL(/\/assistant\?q=/);
  const before = audited.url();
  await audited.getByRole('button', { name: 'Ask', exact: true }).click();
  await audited.locator('#assistant-live .assistant-message--assistant').waitFor();
  assert.match(await audited.locator('#assistant-live').innerText(), /Planning and Building Control/);
  assert.equal(audited.url(), before, 'answered without a page load');
  await auditPage(audited, 'assistant after the widget answered');
});
