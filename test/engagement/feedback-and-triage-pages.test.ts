// Engagement's feedback, complaint and triage pages in Chromium on one demo server. With JavaScript off: a citizen
// reports loud music filed under the wrong category; a caseworker sees the classifier disagree on /staff/triage and
// corrects it in one click (the report and its case move to the right department); the citizen makes a formal
// complaint (errors first), whose contact goes to the vault and whose answer by the department reaches their page;
// once the report is closed they give GOV.UK satisfaction feedback, counted in engagementFigures. With script on,
// every page passes axe-core (WCAG 2.2 A/AA) and html-validate.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { engagementFigures, getReport } from '../../src/engagement/index.js';
import { withDemoBrowser } from '../support/demo-browser.js';
import { auditPage, followLink, SCREENSHOTS } from '../support/page-audit.js';
import { signInCitizenInBrowser, signInStaffInBrowser } from '../support/sign-in.js';

const demo = withDemoBrowser('feedback-pages');

async function signedIn(who: { citizen: string } | { staff: string }, javaScript: boolean): Promise<Page> {
  const context = await demo.newContext({ javaScriptEnabled: javaScript, bypassCSP: true, axe: javaScript });
  const page = await context.newPage();
  if ('citizen' in who) await signInCitizenInBrowser(page, demo.base, who.citizen);
  else await signInStaffInBrowser(page, demo.base, who.staff);
  return page;
}

it('triage correction, a formal complaint answered, and satisfaction feedback, with JavaScript off; every page audited', async () => {
  const base = demo.base;
  const { engine, db } = demo.govflow;
  const citizen = await signedIn({ citizen: 'alex' }, false);
  const audit = await signedIn({ citizen: 'alex' }, true);
  const check = async (url: string, what: string, page: Page = audit): Promise<void> => {
    await page.goto(url);
    await auditPage(page, what);
  };

  // A noise report filed as graffiti.
  await citizen.goto(`${base}/report-a-problem/details?category=graffiti&address=Flat+2%2C+5+Mill+Lane&lat=&long=`);
  await citizen.getByLabel('Describe the problem').fill('Loud music and shouting from the flat upstairs every night until 3am');
  await citizen.getByRole('button', { name: 'Send report' }).click();
  await citizen.waitForURL(/\/reports\/\d+$/);
  const reportId = Number(/\/reports\/(\d+)$/.exec(citizen.url())![1]);

  // The caseworker sees the disagreement and corrects it in one click.
  const staff = await signedIn({ staff: 'pat' }, false);
  await staff.goto(`${base}/staff/triage`);
  const card = staff.locator(`#report-${reportId}`);
  assert.match(await card.innerText(), /Filed as\s+Graffiti[\s\S]*Differs\s+Noise nuisance/);
  await card.getByRole('button', { name: `Noise nuisance (report ${reportId})` }).click();
  await staff.waitForURL(/corrected=/);
  assert.match(await staff.locator('.govuk-notification-banner').innerText(), new RegExp(`Report ${reportId}: the correction is recorded`));
  assert.match(await staff.locator(`#report-${reportId}`).innerText(), /Filed as\s+Noise nuisance \(licensing\)[\s\S]*Agrees/);
  await staff.screenshot({ path: path.join(SCREENSHOTS, 'engagement-triage.png'), fullPage: true });
  assert.equal((await getReport(db, null, reportId))!.serviceCode, 'noise');
  const [instance] = await engine.listInstances({ businessKey: `PR-${reportId}`, limit: 1 });
  assert.equal((await engine.getInstance(instance!.id)).variables['department'], 'licensing', 'the case follows the correction');
  await staff.goto(`${base}/staff/triage?text=${encodeURIComponent('someone dumped an old fridge in the lane')}`);
  assert.match(await staff.locator('main ol').innerText(), /^Fly-tipping/);
  const staffAudit = await signedIn({ staff: 'pat' }, true);
  await check(`${base}/staff/triage?text=graffiti`, 'triage', staffAudit);
  await check(`${base}/staff/triage?text=${'x'.repeat(2001)}`, 'triage with an error', staffAudit);

  // A formal complaint about a service: errors first, then made; the contact is only a vault reference.
  await check(`${base}/complaints`, 'complaints (none)');
  await citizen.goto(`${base}/complaints/new`);
  await citizen.getByRole('button', { name: 'Send complaint' }).click();
  assert.match(await citizen.locator('.govuk-error-summary').innerText(), /Select whether your complaint is about one of your cases or a service[\s\S]*Enter what went wrong/);
  await audit.goto(`${base}/complaints/new`);
  await audit.getByRole('button', { name: 'Send complaint' }).click();
  await auditPage(audit, 'complaint with errors');
  await citizen.getByLabel('A service in general').check();
  await citizen.getByLabel('If it is about a service: which one').selectOption('business-licence-renewal');
  await citizen.getByLabel('What went wrong?').fill('My renewal took six weeks and nobody answered the phone.');
  await citizen.getByLabel('Email address (optional)').fill('alex.complains@example.org');
  await citizen.getByRole('button', { name: 'Send complaint' }).click();
  await citizen.waitForURL(/\/complaints\/\d+$/);
  const complaintId = Number(/\/complaints\/(\d+)$/.exec(citizen.url())![1]);
  assert.match(await citizen.locator('main').innerText(), /Renew a business licence[\s\S]*Being investigated[\s\S]*We will answer by\s+\d{4}-\d{2}-\d{2}/);
  const { rows } = await db.query<{ contact: string }>('select contact from engagement_complaint where id = $1', [complaintId]);
  assert.match(rows[0]!.contact, /^vault:pd1_/);
  assert.doesNotMatch(JSON.stringify(rows), /alex\.complains/);
  await check(`${base}/complaints/${complaintId}`, 'complaint status');

  // Licensing answers within its deadline: the answer reaches the citizen.
  const [complaintCase] = await engine.listInstances({ businessKey: `CO-${complaintId}`, limit: 1 });
  const [task] = await engine.listTasks({ instanceId: complaintCase!.id });
  assert.deepEqual(task!.candidateGroups, ['licensing']);
  await engine.completeTask(task!.id, { variables: { complaintOutcome: 'upheld', statusNotes: 'We are sorry: the renewal should have taken five days.' }, actor: 'lin' });
  await citizen.goto(`${base}/complaints/${complaintId}`);
  assert.match(await citizen.locator('main').innerText(), /Answered[\s\S]*We are sorry: the renewal should have taken five days\./);
  await citizen.screenshot({ path: path.join(SCREENSHOTS, 'engagement-complaint-answered.png'), fullPage: true });
  await check(`${base}/complaints`, 'complaints (one)');
  await citizen.goto(`${base}/complaints/new`);
  assert.equal(await citizen.locator(`a[href="/complaints/${complaintId}"]`).count(), 0);

  // Feedback is offered once the report is closed, not before.
  assert.equal((await citizen.goto(`${base}/feedback?about=report:${reportId}`))!.status(), 404, 'an open report');
  await engine.cancelInstance(instance!.id, { actor: 'pat', reason: 'fixed by the landlord' });
  await citizen.goto(`${base}/reports/${reportId}`);
  await followLink(citizen, citizen.getByRole('link', { name: /Tell us how satisfied you are/ }));
  await check(citizen.url(), 'feedback');
  await audit.screenshot({ path: path.join(SCREENSHOTS, 'engagement-feedback.png'), fullPage: true });
  await citizen.getByRole('button', { name: 'Send feedback' }).click();
  assert.match(await citizen.locator('.govuk-error-summary').innerText(), /Select how you felt about the service/);
  await citizen.getByLabel('Satisfied', { exact: true }).check();
  await citizen.getByLabel(/How could we improve/).fill('Quicker would be nice.');
  await citizen.getByRole('button', { name: 'Send feedback' }).click();
  assert.match(await citizen.locator('.govuk-panel').innerText(), /Thank you for your feedback/);
  await check(citizen.url(), 'feedback given');

  const figures = await engagementFigures(db, { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });
  assert.deepEqual(figures.satisfaction.byRating, { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 });
  assert.deepEqual({ made: figures.complaints.made, answered: figures.complaints.answered, licensing: figures.complaints.byDepartment['licensing'] }, { made: 1, answered: 1, licensing: 1 });
  for (const page of [citizen, audit, staff, staffAudit]) await page.context().close();
});
