// The public verification pages in real Chromium: typing a code into the form, a genuine decision, a revoked one,
// an unknown code and a mistyped one. Each page is checked with axe-core (WCAG 2.x A/AA) and html-validate on the
// HTML the server sent. The pages have no script of their own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { HtmlValidate } from 'html-validate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, useDocuments } from './support.js';

declare const document: unknown;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: {
  'no-trailing-whitespace': 'off',
  'long-title': 'off',
  // GOV.UK's button markup carries data-module for its (here absent) script.
  'prefer-native-element': ['error', { exclude: ['button'] }],
} });

async function audit(page: Page, source: string, name: string): Promise<void> {
  const report = await validator.validateString(source, `${name}.html`);
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`)), [], `${name}: html-validate`);
  const result = await page.evaluate(async (tags) => {
    const r = await (globalThis as unknown as { axe: typeof axe }).axe.run(document as never, { runOnly: { type: 'tag', values: tags } });
    return { passes: r.passes.length, violations: r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`) };
  }, WCAG_TAGS);
  assert.ok(result.passes > 0, `${name}: axe-core ran`);
  assert.deepEqual(result.violations, [], `${name}: axe-core`);
}

// One backend is enough here: the pages read through the same Documents API the backend suites cover.
describe('the verification pages in Chromium [pglite]', () => {
  const h = useDocuments('pglite');
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
  });

  it('a person types the code and sees genuine, then revoked; unknown and mistyped codes are explained', async () => {
    const permit = await h.documents.issueDecision({
      service: 'building-permit', reference: 'BP-2026-0042', decisionType: 'permit', outcome: 'approved',
      reasons: ['Private reason that must not be shown'], subjectName: 'Alex Demo', validUntil: '2028-03-02', details: { secret: 'detail-xyz' },
    });
    // JavaScript stays on only so the test can run axe-core; the pages have no script of their own (CSP forbids it).
    const context = await browser.newContext({ bypassCSP: true });
    // axe-core is injected by the test (CSP bypassed for it only); the pages themselves have no script.
    await context.addInitScript({ content: axe.source });
    const page = await context.newPage();
    try {
      let response = await page.goto(`${h.baseUrl}/verify`);
      assert.equal(response?.status(), 200);
      await audit(page, await response!.text(), 'verify-form');
      // Lower case with spaces is forgiven.
      await page.getByLabel('Check a decision is genuine').fill(permit.code.toLowerCase().replace(/-/g, ' '));
      await Promise.all([page.waitForURL(`**/verify/${permit.code}`), page.getByRole('button', { name: 'Check' }).click()]);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'This decision is genuine');
      const genuine = await page.content();
      assert.match(genuine, /Alex Demo/); // a permit shows its holder
      assert.doesNotMatch(genuine, /Private reason|detail-xyz/);
      response = await page.goto(`${h.baseUrl}/verify/${permit.code}`);
      await audit(page, await response!.text(), 'verify-genuine');

      await h.documents.revokeDecision(permit.code, 'Issued in error', 'staff:mia');
      response = await page.goto(`${h.baseUrl}/verify/${permit.code}`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'This decision has been revoked');
      assert.match(await page.content(), /Issued in error/);
      await audit(page, await response!.text(), 'verify-revoked');

      response = await page.goto(`${h.baseUrl}/verify/2222-3333-4444`);
      assert.equal(response?.status(), 404);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'We could not find a decision with this code');
      await audit(page, await response!.text(), 'verify-unknown');

      response = await page.goto(`${h.baseUrl}/verify?code=${encodeURIComponent('<script>O0I1</script>')}`);
      assert.equal(response?.status(), 400);
      assert.match(await page.locator('.govuk-error-summary').textContent() ?? '', /12 letters and numbers/);
      assert.equal(await page.getByLabel('Check a decision is genuine').inputValue(), '<script>O0I1</script>');
      await audit(page, await response!.text(), 'verify-mistyped');
    } finally {
      await context.close();
    }
  });
});
