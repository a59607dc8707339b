// The citizen's "Report a problem" pages in Chromium: with JavaScript off, a signed-in citizen picks the kind of
// problem and the place, is told what is wrong when something is missing, answers the category's questions, uploads a
// photo and lands on the report's status page; a second report of the same kind nearby is offered the first as a
// possible duplicate; staff's triage note reaches the status page. Every page passes axe-core (WCAG 2.2 A/AA) and
// html-validate (the same pages visited with script on, where axe runs).
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { withDemoBrowser } from '../support/demo-browser.js';
import { auditPage, SCREENSHOTS } from '../support/page-audit.js';
import { signInCitizenInBrowser } from '../support/sign-in.js';

// The smallest PNG (file-type knows it by its first bytes).
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da636460f80f00010401005f5c2d3b0000000049454e44ae426082', 'hex');

const demo = withDemoBrowser('report-page');
let files: string;

before(async () => {
  files = await mkdtemp(path.join(tmpdir(), 'govflow-photo-'));
  await writeFile(path.join(files, 'light.png'), PNG);
  await writeFile(path.join(files, 'not-a-photo.png'), 'just text');
});
after(async () => {
  await rm(files, { recursive: true, force: true });
});

async function citizenPage(javaScript: boolean): Promise<Page> {
  const context = await demo.newContext({ javaScriptEnabled: javaScript, bypassCSP: true, axe: javaScript });
  const page = await context.newPage();
  await signInCitizenInBrowser(page, demo.base, 'alex');
  return page;
}

/** One report through the pages; `check` runs on each page reached (the audit, or nothing). */
async function report(page: Page, check: (what: string) => Promise<void>, place: { lat: string; long: string }, photo: string | null): Promise<string> {
  const base = demo.base;
  await page.goto(`${base}/report-a-problem`);
  await check('report a problem: where and what');
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.equal(await page.locator('.govuk-error-summary').count(), 1, 'nothing chosen: the error summary');
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Select what kind of problem it is/);
  await check('report a problem: errors');
  await page.getByLabel('Street light not working').check();
  await page.getByLabel('Address or place').fill('Outside 12 High Street');
  await page.getByLabel('Latitude').fill(place.lat);
  await page.getByLabel('Longitude').fill(place.long);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/report-a-problem\/details\?/);
  await check('report a problem: details');
  await page.getByLabel('Describe the problem').fill('The lamp has been out for three nights.');
  await page.getByRole('button', { name: 'Send report' }).click();
  assert.match(await page.locator('.govuk-error-summary').innerText(), /What is wrong with the light/, 'the required question of the category');
  await check('report a problem: details with errors');
  await page.getByLabel('Not lit at all').check();
  if (photo) await page.getByLabel('Photo (optional)').setInputFiles(path.join(files, photo));
  await page.getByRole('button', { name: 'Send report' }).click();
  await page.waitForURL(/\/reports\/\d+$/);
  await check('report status');
  return /\/reports\/(\d+)$/.exec(page.url())![1]!;
}

it('with JavaScript off: a citizen reports a broken light with a photo, sees its status, and a neighbour is offered it as a duplicate', async () => {
  const page = await citizenPage(false);
  const nothing = async (): Promise<void> => {};
  // A file that is not a picture is refused by its content, naming the field.
  await page.goto(`${demo.base}/report-a-problem/details?category=street-light&address=Mill+Lane&lat=&long=`);
  await page.getByLabel('Describe the problem').fill('Dark');
  await page.getByLabel('Not lit at all').check();
  await page.getByLabel('Photo (optional)').setInputFiles(path.join(files, 'not-a-photo.png'));
  await page.getByRole('button', { name: 'Send report' }).click();
  assert.match(await page.locator('.govuk-error-summary').innerText(), /JPEG, PNG or WebP/);

  const id = await report(page, nothing, { lat: '51.50101', long: '-0.14156' }, 'light.png');
  assert.match(await page.locator('main').innerText(), /Street light not working[\s\S]*Open[\s\S]*Intake has not looked at it yet/);
  const photo = await page.request.get(`${demo.base}/reports/${id}/photo`);
  assert.equal(photo.headers()['content-type'], 'image/png');
  assert.deepEqual(Buffer.from(await photo.body()), PNG);

  // Forty metres away, the same kind of problem: the first report is offered before the second is written.
  await page.goto(`${demo.base}/report-a-problem/details?category=street-light&address=High+Street&lat=51.50137&long=-0.14156`);
  assert.match(await page.locator('main').innerText(), new RegExp(`Has it already been reported\\?[\\s\\S]*Report ${id}[\\s\\S]*about 40 metres away`));
  await page.goto(`${demo.base}/report-a-problem/details?category=pothole&address=High+Street&lat=51.50137&long=-0.14156`);
  assert.doesNotMatch(await page.locator('main').innerText(), /Has it already been reported/, 'another kind of problem is not a duplicate');

  // Staff triage it: the note reaches the citizen's page.
  const [instance] = await demo.govflow.engine.listInstances({ businessKey: `PR-${id}`, limit: 1 });
  const [task] = await demo.govflow.engine.listTasks({ instanceId: instance!.id });
  assert.deepEqual(task!.candidateGroups, ['intake']);
  await demo.govflow.engine.completeTask(task!.id, { variables: { triageOutcome: 'accepted', statusNotes: 'Sent to building control.' }, actor: 'pat' });
  const [next] = await demo.govflow.engine.listTasks({ instanceId: instance!.id });
  assert.deepEqual(next!.candidateGroups, ['building-control'], 'the category\'s department gets the next task');
  await page.goto(`${demo.base}/reports/${id}`);
  assert.match(await page.locator('main').innerText(), /Sent to building control\./);

  // In Spanish, the category's unanswered question is refused in Spanish, naming the question as the page asked it.
  await page.goto(`${demo.base}/report-a-problem/details?category=street-light&address=Mill+Lane&lat=&long=&lang=es`);
  await page.getByLabel('Describa el problema').fill('La farola está apagada.');
  await page.locator('#description').locator('xpath=ancestor::form').locator('button[type=submit]').click();
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Responda a «¿Qué le pasa a la farola\?»/);
  await page.context().close();
});

it('every page passes axe-core (WCAG 2.2 A/AA) and html-validate', async () => {
  const page = await citizenPage(true);
  // The pages as docs/engagement.md shows them: the category's questions, and the report's status page.
  const shots: Record<string, string> = { 'report a problem: details': 'report-a-problem-details.png', 'report status': 'report-status.png' };
  await report(page, async (what) => {
    await auditPage(page, what);
    if (shots[what]) await page.screenshot({ path: path.join(SCREENSHOTS, shots[what]), fullPage: true });
  }, { lat: '51.4', long: '-0.2' }, null);
  await page.goto(`${demo.base}/report-a-problem/details?category=pothole&address=High+Street&lat=51.4&long=-0.2`);
  await auditPage(page, 'report a problem: details with a multi-value question');
  await page.context().close();
});
