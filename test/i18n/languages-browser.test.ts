// The citizen journey's pages in Chromium in each language (issue 21, acceptance 2, within the test budget): ONE
// browser, the business-licence renewal (offered in all four languages) from the list of services to a question
// answered wrongly, in Spanish, Catalan and Estonian, each page checked by axe-core (WCAG 2.2 A/AA, `lang` on the
// page and on the switcher's links in other languages) and html-validate. English is the existing journeys' own
// (test/portal/citizen-journey.test.ts, test/e2e/services-journeys.test.ts run it in full).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser } from 'playwright-core';
import { translate } from '../../src/i18n/index.js';
import { auditPage } from '../support/page-audit.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startTestPortal, type TestPortal } from '../portal/support.js';

describe('the citizen pages in Chromium in Spanish, Catalan and Estonian', () => {
  let portal: TestPortal;
  let browser: Browser;
  before(async () => {
    portal = await startTestPortal('pglite');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await portal?.close();
  });

  for (const language of ['es', 'ca', 'et'] as const) {
    it(`${language}: switcher, start page, sign-in, a question and its errors`, async () => {
      const context = await browser.newContext({ locale: language });
      await context.addInitScript({ content: axe.source });
      const page = await context.newPage();
      try {
        // Accept-Language chooses the first page's language; the switcher's link keeps it (cookie) for the rest.
        await page.goto(`${portal.base}/`);
        assert.equal(await page.getAttribute('html', 'lang'), language);
        assert.equal(await page.locator('h1').textContent(), translate(language, 'nav.services'));
        await auditPage(page, `${language} services`);
        await page.getByRole('link', { name: 'English' }).click();
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        await page.locator(`a[hreflang="${language}"]`).click();
        assert.equal(await page.getAttribute('html', 'lang'), language);
        const title = portal.catalogue.get('business-licence-renewal')!.translations![language]!['title']!;
        await page.getByRole('link', { name: title }).click();
        assert.equal(await page.locator('h1').textContent(), title);
        await auditPage(page, `${language} start page`);
        await page.getByRole('button', { name: translate(language, 'start.startNow') }).click();
        await auditPage(page, `${language} sign-in`);
        await page.getByRole('button', { name: translate(language, 'nav.signIn') }).click();
        assert.match(page.url(), /\/apply\/the-business$/);
        await page.getByRole('button', { name: translate(language, 'common.continue') }).click();
        assert.match(await page.title(), new RegExp(`^${translate(language, 'layout.errorPrefix')}`));
        assert.equal(await page.locator('.govuk-error-summary__title').textContent(), translate(language, 'form.problem'));
        await auditPage(page, `${language} question with errors`);
      } finally {
        await context.close();
      }
    });
  }
});
