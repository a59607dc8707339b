// The accessibility and markup check the staff-side browser tests run on every page they visit: axe-core for WCAG
// 2.0–2.2 A/AA in the page as drawn (script-drawn canvases included), html-validate on the markup as served (the DOM
// serialiser would rewrite boolean attributes). Needs axe-core injected into the page (context.addInitScript).
import assert from 'node:assert/strict';
import path from 'node:path';
import type axe from 'axe-core';
import { HtmlValidate } from 'html-validate';
import type { Locator, Page } from 'playwright-core';

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const SCREENSHOTS = path.resolve('docs', 'screenshots');

/** html-validate's recommended rules, with the three places where GOV.UK Frontend's documented markup differs. */
export const markupValidator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: {
  // GOV.UK Frontend's own markup: the start button is a link with role="button" (its documented pattern).
  'prefer-native-element': ['error', { exclude: ['button'] }],
  'no-trailing-whitespace': 'off',
  // GOV.UK's title pattern "Error: question – service – site" is longer than 70 characters by design.
  'long-title': 'off',
  // A checklist is several checkboxes sharing one name, as HTML intends.
  'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
} });

/** `served`: the markup as the server sent it, when the test has it (a page answering a POST cannot be fetched again). */
export async function auditPage(page: Page, what: string, served?: string): Promise<void> {
  const violations = await page.evaluate(async (tags) => {
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run((globalThis as unknown as { document: never }).document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => n.html).join(' | ').slice(0, 300)}`);
  }, WCAG_TAGS);
  assert.deepEqual(violations, [], `axe on ${what}`);
  const report = await markupValidator.validateString(served || await (await page.request.get(page.url())).text());
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), [], `html-validate on ${what}`);
}

/**
 * Clicks a link and waits until the browser is at another address. `click()` returns once the click is sent, so an
 * audit right after it could meet the old page or a document being swapped out (axe: no documentElement).
 */
export async function followLink(page: Page, link: Locator): Promise<void> {
  const from = page.url();
  await link.click();
  await page.waitForURL((url) => url.href !== from);
}
