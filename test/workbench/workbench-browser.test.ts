/** The workbench in real Chromium: inbox → case page → claim → complete, each page axe-core clean and valid HTML; screenshots for docs/. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { withDemoBrowser } from '../support/demo-browser.js';
import { auditPage, SCREENSHOTS } from '../support/page-audit.js';
import { signInStaffInBrowser } from '../support/sign-in.js';

const check = auditPage;

describe('staff workbench in Chromium', () => {
  const demo = withDemoBrowser('workbench-browser');

  it('intake works a case from the inbox: diagram, task form with errors, escalation; pages accessible', async () => {
    for (const n of [1, 2]) await demo.govflow.engine.startInstance('building-permit', { businessKey: `BP-2026-90010${n}`, variables: { applicant: `person-${n}`, applicantName: `Applicant ${n}`, applicationId: `BP-2026-90010${n}` } });
    const context = await demo.newContext({ viewport: { width: 1200, height: 900 }, axe: true });
    // Every CSP violation on the page, as the browser reports it (the console does not always say).
    await context.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text()); });
    await signInStaffInBrowser(page, demo.base, 'pat');
    await page.goto(`${demo.base}/staff`);
    assert.equal(await page.locator('h1').innerText(), 'Inbox');
    assert.match(await page.locator('table').innerText(), /Case deadline[\s\S]*60 days left/);
    await check(page, 'the inbox');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'staff-inbox.png'), fullPage: true });
    await page.getByRole('link', { name: 'BP-2026-900101' }).click();
    assert.equal(await page.locator('h1').innerText(), 'BP-2026-900101');

    // The diagram: bpmn-js draws the case's process, the open task carries the "active" marker.
    await page.locator('#case-diagram[data-state="rendered"]').waitFor({ timeout: 20_000 });
    const active = page.locator('#case-diagram svg .djs-element.govflow-active[data-element-id="check-completeness"]');
    assert.equal(await active.count(), 1, 'the current task is marked active in the SVG');
    assert.ok(await page.locator('#case-diagram svg .djs-element.govflow-completed[data-element-id="application-received"]').count() === 1, 'the start event is marked passed');
    assert.match(await page.locator('#current-steps').innerText(), /Check completeness/);
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp), [], 'the viewer runs under the case page CSP');
    await check(page, 'the case page with the diagram, unassigned');
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.locator('#case-diagram[data-state="rendered"]').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'staff-case.png'), fullPage: true });

    // The completeness form from the catalogue: "No" without a question is refused next to the field and in the summary.
    await page.getByLabel('No, ask the applicant for more information').check();
    await page.getByRole('button', { name: 'Complete task' }).click();
    assert.equal(await page.locator('.govuk-error-summary').count(), 1);
    assert.match(await page.locator('#informationRequested-error').innerText(), /Enter what the applicant should send/);
    assert.match(await page.title(), /^Error: /);
    await page.locator('#case-diagram[data-state="rendered"]').waitFor({ timeout: 20_000 });
    await check(page, 'the case page with a validation error');
    await page.getByLabel('Yes', { exact: true }).check();
    await page.getByRole('button', { name: 'Complete task' }).click();
    assert.match(await page.locator('main').innerText(), /Zoning review/);

    // Zoning review: pat takes it, then escalates it to the planning managers with a reason.
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.locator('summary', { hasText: 'Escalate to a manager of planning' }).click();
    await page.getByRole('button', { name: 'Escalate' }).click();
    assert.match(await page.locator('#reason-error, .govuk-error-summary').first().innerText(), /Enter why a manager/);
    await page.locator('#case-diagram[data-state="rendered"]').waitFor({ timeout: 20_000 });
    await check(page, 'the case page, escalation without a reason');
    await page.getByLabel('Why does a manager need to take this task?').fill('The site is on the border of two zones.');
    await page.getByRole('button', { name: 'Escalate' }).click();
    // pat still sees the case (the completeness check was theirs), the timeline has the escalation with its reason.
    assert.equal(await page.locator('h1').innerText(), 'BP-2026-900101');
    assert.match(await page.locator('#case-history').innerText(), /Pat Planner escalated the task “Zoning review” to planning\/manager: The site is on the border of two zones\./);
    assert.equal(await page.getByRole('button', { name: 'Assign to me' }).count(), 0, 'the escalated task is for the managers now');
    await page.goto(`${demo.base}/staff?view=mine`);
    await check(page, 'my tasks');
    assert.deepEqual(cspViolations, [], 'the pages run under their CSP without violations');
    await context.close();
  });
});
