/**
 * Issue 20, acceptance 5, in one real Chromium against one server: an administrator draws a new process in the
 * modeller (a user task for licensing, set in the properties panel), creates a service for it in /admin, a second
 * administrator approves and so publishes it, the first changes its question in the form editor; a citizen then
 * applies for it in the portal and a licensing clerk decides the case in the workbench.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { withDemoBrowser } from '../support/demo-browser.js';
import { eventually } from '../support/eventually.js';
import { signInCitizenInBrowser, signInStaff, signInStaffInBrowser, signInStaffWith } from '../support/sign-in.js';

/** The modeller's canvas, drawn through bpmn-js's modeling service (as the palette does): start → decide → end. */
const DRAW = `(() => {
  const m = window.govflowModeler;
  const modeling = m.get('modeling');
  const factory = m.get('elementFactory');
  const registry = m.get('elementRegistry');
  const root = m.get('canvas').getRootElement();
  const start = registry.get('start');
  const decide = modeling.createShape(factory.createShape({ type: 'bpmn:UserTask' }), { x: 330, y: 178 }, root);
  modeling.updateProperties(decide, { id: 'decide' });
  modeling.updateLabel(decide, 'Decide the application');
  const done = modeling.createShape(factory.createShape({ type: 'bpmn:EndEvent' }), { x: 500, y: 178 }, root);
  modeling.updateProperties(done, { id: 'done' });
  modeling.connect(start, decide);
  modeling.connect(decide, done);
})()`;

async function asStaff(context: BrowserContext, base: string, cookie: string): Promise<void> {
  await context.addCookies(cookie.split(/;\s*/).filter(Boolean).map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: base })));
}

async function postForm(base: string, url: string, cookie: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const csrf = /name="csrf" value="([^"]+)"/.exec(await (await fetch(`${base}/admin`, { headers: { cookie }, redirect: 'manual' })).text())?.[1] ?? '';
  const response = await fetch(`${base}${url}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, ...fields }).toString() });
  return { status: response.status, text: await response.text() };
}

describe('a new service built in the browser', () => {
  const demo = withDemoBrowser('service-builder');

  it('is drawn, created and published by administrators, applied for by a citizen and decided by a clerk', async () => {
    const { base, server, browser } = demo;
    const admin = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await admin.newPage();
    await signInStaffInBrowser(page, base, 'ada');

    // 1. The process, drawn in the modeller; its task goes to licensing through the properties panel.
    await page.goto(`${base}/admin/processes`);
    await page.getByLabel('Process id').fill('pet-licence');
    await page.getByRole('button', { name: 'Open an empty diagram' }).click();
    await page.locator('#modeller-canvas[data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.evaluate(DRAW);
    await page.evaluate(`window.govflowModeler.get('selection').select(window.govflowModeler.get('elementRegistry').get('decide'))`);
    await page.locator('#modeller-properties .bio-properties-panel-header-type', { hasText: /user task/i }).waitFor({ timeout: 5000 });
    const assignment = page.locator('#modeller-properties .bio-properties-panel-group-header', { hasText: 'Assignment' }).first();
    if (!(await assignment.getAttribute('class'))?.includes('open')) await assignment.click();
    await page.locator('#modeller-properties [data-entry-id*="andidateGroups"] input, #modeller-properties [data-entry-id*="andidateGroups"] [contenteditable="true"]').first().click();
    await page.keyboard.type('licensing');
    await page.getByRole('button', { name: 'Save and deploy a new version' }).click();
    await page.waitForURL(/\/admin\/processes\?deployment=\d+$/);

    // 2. The catalogue entry, with its process and first question page, saved as a draft.
    await page.goto(`${base}/admin/services`);
    await page.getByRole('link', { name: 'Create a service' }).click();
    const fields: [string, string][] = [['Service id', 'pet-licence'], ['Reference prefix', 'PET'], ['Title of the first question page', 'About your pet'],
      ['Title', 'Apply for a pet licence'], ['Summary', 'A licence to keep a dangerous pet.'], ['Description', 'Some pets need a licence.'],
      ['Who can apply', 'pet owners'], ['Documents needed', 'none'], ['Fee', 'There is no fee.'], ['Expected time', 'Within 10 days.'], ['Responsible department', 'Licensing']];
    for (const [label, value] of fields) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByLabel('Process').selectOption('pet-licence');
    await page.getByRole('button', { name: 'Create as a draft' }).click();
    await page.waitForURL(/\/admin\/services\/pet-licence\/versions\/1$/);
    assert.equal((await fetch(`${base}/services/pet-licence`)).status, 404, 'citizens do not see a draft');

    // 3. A second administrator approves it: citizens see it now.
    const ada = await signInStaff(base, 'ada');
    const made = await postForm(base, '/admin/staff', ada, { username: 'bea', name: 'Bea Second', email: '' });
    assert.equal((await postForm(base, '/admin/staff/bea/memberships', ada, { action: 'grant', department: 'digital', role: 'admin' })).status, 303);
    const bea = await signInStaffWith(base, 'bea', /<code id="initial-password">([^<]+)<\/code>/.exec(made.text)![1]!, /<code id="totp-secret">([^<]+)<\/code>/.exec(made.text)![1]!, { newPassword: 'bea-chose-this-one' });
    const reviewer = await browser.newContext();
    await asStaff(reviewer, base, bea);
    const review = await reviewer.newPage();
    await review.goto(`${base}/admin/services/pet-licence/versions/1`);
    await review.getByRole('button', { name: 'Approve and publish' }).click();
    await review.waitForURL(/reviewed=approved$/);
    await reviewer.close();

    // 4. The question, changed in the form editor.
    await page.goto(`${base}/admin/services/pet-licence/forms/about-your-pet`);
    await page.locator('#form-editor[data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.evaluate(() => {
      const editor = (globalThis as unknown as { govflowFormEditor: { get(name: string): { getAll(): { key?: string }[]; editFormField(field: unknown, key: string, value: unknown): void } } }).govflowFormEditor;
      const field = editor.get('formFieldRegistry').getAll().find((f) => f.key === 'details');
      editor.get('modeling').editFormField(field, 'label', 'What kind of pet is it?');
    });
    await page.getByRole('button', { name: 'Save a new form version' }).click();
    await page.waitForURL(/\?saved=2$/);
    await admin.close();

    // 5. A citizen applies.
    const citizen = await browser.newContext();
    const portal = await citizen.newPage();
    await signInCitizenInBrowser(portal, base, 'alex');
    await portal.goto(`${base}/`);
    await portal.getByRole('link', { name: 'Apply for a pet licence' }).click();
    await portal.getByRole('button', { name: 'Start now' }).click();
    await portal.getByLabel('What kind of pet is it?').fill('A small crocodile.');
    await portal.getByRole('button', { name: 'Continue' }).click();
    await portal.getByRole('button', { name: 'Accept and send' }).click();
    const reference = (await portal.locator('#reference').innerText()).trim();
    assert.match(reference, /^PET-\d{4}-\d{6}$/);
    await citizen.close();

    // 6. A licensing clerk decides it in the workbench.
    const clerk = await browser.newContext();
    const workbench = await clerk.newPage();
    await signInStaffInBrowser(workbench, base, 'lin');
    await eventually('the case in the inbox', async () => {
      await workbench.goto(`${base}/staff`);
      return (await workbench.getByRole('link', { name: reference }).count()) > 0;
    });
    await workbench.getByRole('link', { name: reference }).first().click();
    assert.match(await workbench.locator('main').innerText(), /A small crocodile\./);
    await workbench.getByRole('button', { name: 'Assign to me' }).click();
    await workbench.getByRole('button', { name: 'Complete task' }).click();
    await clerk.close();
    const [instance] = await server.govflow.engine.listInstances({ businessKey: reference });
    assert.ok(instance);
    await eventually('the case to be decided', async () => (await server.govflow.engine.getInstance(instance.id)).state === 'completed');
  });
});

