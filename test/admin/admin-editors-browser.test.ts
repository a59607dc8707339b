/**
 * The admin editors of issue 23 in real Chromium (one browser): a process drawn from scratch in the modeller and
 * completed in its properties panel (job type, gateway condition, timer, user task form) deploys and runs through
 * the engine's job API down the path the condition chose; saving it unchanged deploys nothing. A fee changed in the
 * decision-table editor (after trying it in the test panel) changes the fee the next case computes. Every page
 * passes axe-core and html-validate, under its CSP without a violation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { watchPageProblems as watch, withDemoBrowser } from '../support/demo-browser.js';
import { bpmn } from '../engine/bpmn.js';
import { eventually } from '../support/eventually.js';
import { auditPage } from '../support/page-audit.js';
import { signInStaffInBrowser } from '../support/sign-in.js';


/**
 * Draws on the canvas through bpmn-js's modeling service (what the palette and context pad call). A string: the
 * test runner's transform would add helpers to a function that the page does not have.
 */
const DRAW = `(() => {
  const m = window.govflowModeler;
  const modeling = m.get('modeling');
  const factory = m.get('elementFactory');
  const registry = m.get('elementRegistry');
  const root = m.get('canvas').getRootElement();
  const start = registry.get('start');
  function shape(type, id, x, y, extra) {
    const s = modeling.createShape(factory.createShape(Object.assign({ type: type }, extra || {})), { x: x, y: y }, root);
    modeling.updateProperties(s, { id: id });
    return s;
  }
  const check = shape('bpmn:ServiceTask', 'check', 330, 178);
  const route = shape('bpmn:ExclusiveGateway', 'route', 480, 178);
  const review = shape('bpmn:UserTask', 'review', 630, 100);
  const wait = shape('bpmn:IntermediateCatchEvent', 'wait', 630, 280, { eventDefinitionType: 'bpmn:TimerEventDefinition' });
  const done = shape('bpmn:EndEvent', 'done', 800, 100);
  const later = shape('bpmn:EndEvent', 'later', 800, 280);
  function connect(a, b, id) { modeling.updateProperties(modeling.connect(a, b), { id: id }); }
  connect(start, check, 'f-start');
  connect(check, route, 'f-check');
  connect(route, review, 'big');
  connect(route, wait, 'small');
  connect(review, done, 'f-review');
  connect(wait, later, 'f-wait');
  modeling.updateLabel(review, 'Review the big one');
})()`;

/** Selects an element as a click on it does (a sequence flow is a thin line, hard to hit); the panel follows. */
async function select(page: Page, id: string, kind: RegExp): Promise<void> {
  await page.locator(`#modeller-canvas .djs-element[data-element-id="${id}"]`).first().click({ force: true });
  await page.evaluate(`window.govflowModeler.get('selection').select(window.govflowModeler.get('elementRegistry').get(${JSON.stringify(id)}))`);
  await page.locator('#modeller-properties .bio-properties-panel-header-type', { hasText: kind }).waitFor({ timeout: 5000 });
}
/** Opens a group of the properties panel by its title (groups start closed). */
async function group(page: Page, title: string): Promise<void> {
  const header = page.locator('#modeller-properties .bio-properties-panel-group-header', { hasText: title }).first();
  const found = await header.waitFor({ timeout: 5000 }).then(() => true, () => false);
  if (!found) assert.fail(`no group ${title} in the panel, only: ${(await page.locator('#modeller-properties .bio-properties-panel-group-header').allInnerTexts()).join(' | ')} ${await page.locator('#modeller-properties .bio-properties-panel-header').innerText()}`);
  if (!(await header.getAttribute('class'))?.includes('open')) await header.click();
}

describe('admin editors in Chromium', () => {
  const demo = withDemoBrowser('admin-editors');

  it('draws a process from scratch, completes it in the properties panel, deploys it and runs it down the chosen path', async () => {
    const context = await demo.newContext({ viewport: { width: 1400, height: 1000 }, axe: true });
    const problems = await watch(context);
    const page = await context.newPage();
    await signInStaffInBrowser(page, demo.base, 'ada');
    await page.goto(`${demo.base}/admin/processes`);
    await page.getByLabel('Process id').fill('drawn-permit');
    await page.getByRole('button', { name: 'Open an empty diagram' }).click();
    await page.locator('#modeller-canvas[data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.locator('#modeller-properties .bio-properties-panel').waitFor();
    await page.evaluate(DRAW);

    await select(page, 'check', /service task/i);
    await group(page, 'Task definition');
    await page.locator('#modeller-properties').getByLabel('Job type').fill('drawn-check');
    await select(page, 'big', /sequence flow/i);
    await group(page, 'Condition');
    const condition = page.locator('#modeller-properties [data-entry-id="conditionExpression"] [contenteditable="true"]');
    await condition.click();
    await page.keyboard.type('amount > 100');
    await select(page, 'small', /sequence flow/i);
    await group(page, 'Condition');
    await page.locator('#modeller-properties [data-entry-id="conditionExpression"] [contenteditable="true"]').click();
    await page.keyboard.type('amount <= 100');
    await select(page, 'wait', /timer/i);
    await group(page, 'Timer');
    await page.locator('#modeller-properties').getByLabel('Type').selectOption({ label: 'Duration' });
    await page.locator('#modeller-properties [data-entry-id="timerEventDefinitionValue"] [contenteditable="true"], #modeller-properties [data-entry-id="timerEventDefinitionValue"] input').first().click();
    await page.keyboard.type('P2D');
    await select(page, 'review', /user task/i);
    await group(page, 'Form');
    await page.locator('#bio-properties-panel-formType').selectOption({ label: 'Custom form key' });
    await page.locator('#modeller-properties [data-entry-id="customFormKey"] input, #modeller-properties [data-entry-id="customFormKey"] [contenteditable="true"]').first().click();
    await page.keyboard.type('building-permit-decide');
    await group(page, 'Assignment');
    await page.locator('#modeller-properties [data-entry-id*="andidateGroups"] input, #modeller-properties [data-entry-id*="andidateGroups"] [contenteditable="true"]').first().click();
    await page.keyboard.type('planning');
    await auditPage(page, 'the modeller with its properties panel');

    await page.getByRole('button', { name: 'Save and deploy a new version' }).click();
    await page.waitForURL(/\/admin\/processes\?deployment=\d+$/);
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Deployed process drawn-permit version 1/);

    // It runs: the job is the panel's job type; amount 500 takes the condition's path to the user task and its form.
    const started = await demo.govflow.engine.startInstance('drawn-permit', { variables: { amount: 500 } });
    const [job] = await eventually('the drawn-check job', async () => {
      const jobs = await demo.govflow.engine.activateJobs({ type: 'drawn-check', worker: 'admin-editors-test', processKeys: ['drawn-permit'] });
      return jobs.length > 0 ? jobs : null;
    });
    await demo.govflow.engine.completeJob(job!.id, { worker: 'admin-editors-test' });
    const task = await eventually('the user task', async () => (await demo.govflow.engine.listTasks({ instanceId: started.id })).find((t) => t.state === 'created' || t.state === 'open') ?? null);
    assert.equal(task.elementId, 'review');
    assert.equal(task.formKey, 'building-permit-decide');
    const small = await demo.govflow.engine.startInstance('drawn-permit', { variables: { amount: 20 } });
    const [job2] = await eventually('the second job', async () => {
      const jobs = await demo.govflow.engine.activateJobs({ type: 'drawn-check', worker: 'admin-editors-test', processKeys: ['drawn-permit'] });
      return jobs.length > 0 ? jobs : null;
    });
    await demo.govflow.engine.completeJob(job2!.id, { worker: 'admin-editors-test' });
    const waiting = await eventually('the timer', async () => (await demo.govflow.engine.getInstanceWithEvents(small.id)).events.find((e) => e.type === 'element.activated' && (e.elementId === 'wait' || e.elementId === 'review')) ?? null);
    assert.equal(waiting.elementId, 'wait', 'amount 20 takes the other condition to the timer');

    // Saved again unchanged (the modeller re-formats the XML): no new version, and the page says so.
    await page.goto(`${demo.base}/admin/modeller/drawn-permit`);
    await page.locator('#modeller-canvas[data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Save and deploy a new version' }).click();
    await page.locator('#no-changes').waitFor();
    assert.match(await page.locator('#no-changes').innerText(), /No changes: the model is the same as version 1/);
    const versions = await demo.govflow.db.query<{ n: number | string }>("select count(*) as n from process_definition where key = 'drawn-permit'");
    assert.equal(Number(versions.rows[0]!.n), 1);
    assert.deepEqual(await problems(), []);
    await context.close();
  });

  it('changes a fee in the decision-table editor, tried in its test panel first; the next case computes the new fee', async () => {
    // A case's fee comes from the deployed decision, as the building permit's does (a business rule task).
    await demo.govflow.engine.deploy([{ name: 'fee-case.bpmn', content: bpmn('fee-case', '<startEvent id="s"/><businessRuleTask id="compute-fee"><extensionElements><zeebe:calledDecision decisionId="building-permit-fee" resultVariable="fee"/></extensionElements></businessRuleTask><endEvent id="e"/>', 's -> compute-fee; compute-fee -> e') }]);
    const feeOfNextCase = async (): Promise<unknown> => {
      const started = await demo.govflow.engine.startInstance('fee-case', { variables: { floorArea: 80, features: [] } });
      return eventually('the fee', async () => {
        const instance = await demo.govflow.engine.getInstance(started.id);
        return instance.state === 'completed' ? { fee: (instance.variables as Record<string, unknown>)['fee'] } : null;
      });
    };
    assert.deepEqual(await feeOfNextCase(), { fee: 250 });

    const context = await demo.newContext({ viewport: { width: 1280, height: 1000 }, axe: true });
    const problems = await watch(context);
    const page = await context.newPage();
    await signInStaffInBrowser(page, demo.base, 'ada');
    await page.goto(`${demo.base}/admin/processes`);
    await page.getByRole('link', { name: 'Open building-permit-fee in the decision-table editor' }).click();
    await page.locator('#decision-editor[data-ready="true"]').waitFor({ timeout: 20_000 });
    await auditPage(page, 'the decision-table editor');

    const evaluate = async (): Promise<{ output: string; rules: string }> => {
      await page.getByLabel('floorArea').fill('80');
      await page.getByLabel('features').fill('[]');
      await page.getByRole('button', { name: 'Evaluate' }).click();
      await page.locator('#evaluation-output').waitFor();
      return { output: await page.locator('#evaluation-output').innerText(), rules: await page.locator('#evaluation-rules').innerText() };
    };
    assert.deepEqual(await evaluate(), { output: '250', rules: 'rule 1 (residential-small)' });
    await page.locator('#decision-editor[data-ready="true"]').waitFor({ timeout: 20_000 });

    // The fee cell of the first rule, edited as a person does: click, select its text, type.
    const cell = page.locator('#decision-editor td.output-cell', { hasText: /^\s*250\s*$/ }).first();
    await cell.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('275');
    await page.locator('#decision-editor th').first().click();
    assert.deepEqual(await evaluate(), { output: '275', rules: 'rule 1 (residential-small)' }, 'the panel evaluates the table being edited');
    await page.locator('#decision-editor[data-ready="true"]').waitFor({ timeout: 20_000 });
    await auditPage(page, 'the decision-table editor with a test result');
    assert.equal(await feeOfNextCase().then((r) => (r as { fee: unknown }).fee), 250, 'trying is not deploying');

    await page.getByRole('button', { name: 'Save and deploy a new version' }).click();
    await page.waitForURL(/\/admin\/processes\?deployment=\d+$/);
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Deployed decision building-permit-fee version 2/);
    assert.deepEqual(await feeOfNextCase(), { fee: 275 }, 'the next case computes the new fee');

    // Saved again unchanged: no version 3.
    await page.goto(`${demo.base}/admin/decision-editor/building-permit-fee`);
    await page.locator('#decision-editor[data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Save and deploy a new version' }).click();
    await page.locator('#no-changes').waitFor();
    assert.match(await page.locator('#no-changes').innerText(), /No changes: the table is the same as version 2/);
    assert.deepEqual(await problems(), []);
    await context.close();
  });
});
