/**
 * Issue 23, the clerk's side, in real Chromium against a whole server whose business registry (the agency simulator,
 * a real HTTP peer on loopback) is down at first: a renewal stuck on the look-up before its first task is in the
 * licensing department's incident list, and finishes its look-up after a "Retry" once the registry answers; the case
 * page then reads as words (the application as the citizen saw it, the registry's violations, the rules'
 * explanation, the reviewer's findings, the status, the history), fits 320 and 1280 px, and passes axe and
 * html-validate.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { resolveMasterKey } from '../../src/kernel/index.js';
import { exportPrivateKey, generateSigningKey, loadOrCreateClientKey, startAgencySimulator, type RunningSimulator } from '../../src/registries/index.js';
import { withDemoBrowser } from '../support/demo-browser.js';
import { eventually } from '../support/eventually.js';
import { auditPage } from '../support/page-audit.js';
import { signInCitizen, signInStaff, signInStaffInBrowser } from '../support/sign-in.js';

/** Variable names and raw values the case page must never show (it shows labels and formatted values). */
const RAW = /\b(businessCode|applicantName|applicationId|decisionReasons|informationRequested|serviceId|demo-citizen-sam|licence-renewal-route|process\.started|element\.completed|task\.completed)\b/;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function fits(page: Page, what: string): Promise<void> {
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    const { scroll, viewport } = await page.evaluate(() => {
      const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return { scroll: w.document.documentElement.scrollWidth, viewport: w.innerWidth };
    });
    assert.ok(scroll <= viewport, `${what} at ${width} px scrolls sideways (${scroll} > ${viewport})`);
  }
}

describe('the clerk\'s case page and the department\'s incidents (registry down, then up)', () => {
  let sim: RunningSimulator | undefined;
  let registryPort: number;
  const registryKey = generateSigningKey('agency-simulator');
  // govflow is configured for a registry on a port nobody listens on yet: every look-up fails until it starts.
  const demo = withDemoBrowser('case-page', {
    env: async () => {
      registryPort = await freePort();
      return { GOVFLOW_REGISTRY_URL: `http://127.0.0.1:${registryPort}`, GOVFLOW_REGISTRY_PUBLIC_KEY: registryKey.publicKey };
    },
  });
  after(async () => {
    await sim?.stop();
  });

  it('lists a stuck renewal for licensing, retries it once the registry answers, and shows the case in words', async () => {
    const base = demo.base;
    await signInCitizen(base, 'sam'); // the eID sign-in keeps Sam's national identity number in the vault
    const start = (reference: string, businessCode: string) => demo.govflow.engine.startInstance('business-licence-renewal', {
      businessKey: reference, variables: { applicant: 'demo-citizen-sam', applicantName: 'Sam Example', email: 'sam@example.test', applicantEmail: 'sam@example.test', businessCode, applicationId: reference, reference, serviceId: 'business-licence-renewal', serviceName: 'Renew a business licence' },
    });
    const stuck = await start('BL-2026-990001', 'BR-300400');
    await eventually('the failed look-up to become an incident', async () => (await demo.govflow.engine.listIncidents({ instanceId: stuck.id })).length === 1);

    const context = await demo.newContext({ viewport: { width: 1280, height: 900 }, axe: true });
    const page = await context.newPage();
    await signInStaffInBrowser(page, base, 'lin');
    assert.equal(new URL(page.url()).pathname, '/staff', 'staff sign-in lands on the inbox');
    await page.getByRole('link', { name: 'Incidents' }).click();
    const row = page.locator('tr', { hasText: 'BL-2026-990001' });
    assert.match(await row.innerText(), /Renew a business licence[\s\S]*Look up the business registry failed/);
    await auditPage(page, 'the incident list');
    await fits(page, 'the incident list');

    // The case page of a case with no task yet is open to the department whose incident it is, and says it is stuck.
    await row.getByRole('link', { name: 'BL-2026-990001' }).click();
    assert.match(await page.locator('#current-steps').innerText(), /^Stuck: Look up the business registry failed/);
    await page.goto(`${base}/staff/incidents`);

    // Another department does not see it.
    const other = await context.browser()!.newContext();
    const otherPage = await other.newPage();
    await signInStaffInBrowser(otherPage, base, 'ben');
    await otherPage.goto(`${base}/staff/incidents`);
    assert.equal(await otherPage.locator('#no-incidents').count(), 1, 'benefits staff see no licensing incident');
    await other.close();

    // The registry comes up on the configured port; the retry runs the look-up again and the case reaches its review.
    sim = await startAgencySimulator({
      clients: { govflow: (await loadOrCreateClientKey(demo.govflow.db, resolveMasterKey(demo.govflow.config))).publicKey },
      env: { AGENCY_SIM_PORT: String(registryPort), AGENCY_SIM_PRIVATE_KEY: exportPrivateKey(registryKey.privateKey) },
    });
    await page.locator('tr', { hasText: 'BL-2026-990001' }).getByRole('button', { name: /Retry/ }).click();
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /tried again/);
    const review = await eventually('the renewal to reach its review', async () => (await demo.govflow.engine.listTasks({ instanceId: stuck.id, state: 'created' })).find((t) => t.elementId === 'clerk-review'));
    assert.equal((await demo.govflow.engine.listIncidents({ instanceId: stuck.id })).length, 0);
    await page.reload();
    assert.equal(await page.locator('#no-incidents').count(), 1, 'the case left the incident list');

    await page.goto(`${base}/staff/cases/${stuck.id}`);
    const text = (selector: string) => page.locator(selector).innerText();
    assert.match(await text('#current-steps'), /^Waiting for staff: Review the renewal \(licensing\)/);
    assert.match(await text('#application-summary'), /About the business[\s\S]*Your full name\s+Sam Example[\s\S]*Business code\s+BR-300400/);
    assert.match(await text('#business-record'), /Late Night Grill Ltd[\s\S]*Trading after licensed hours[\s\S]*Food hygiene inspection failed/, 'the violations that sent it to review');
    assert.match(await text('#decision-explanations'), /Licence renewal route[\s\S]*Registry status\s+active[\s\S]*Violations\s+2[\s\S]*Rule 3 \(violations\): Any recorded violation sends the renewal to a licensing officer\.[\s\S]*Outcome\s+review/, 'inputs by their labels, the matched rule with its annotation, the output');
    assert.doesNotMatch(await text('main'), RAW, 'no raw variable names or engine events');
    await page.locator('#case-diagram[data-state="rendered"]').waitFor({ timeout: 20_000 });
    await auditPage(page, 'the case page in review');

    // Lin refuses; the reviewer's findings get their own section and the status says how the case ended.
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByLabel('Refuse').check();
    await page.getByLabel('Reasons').fill('Two violations in the last six months, one of food hygiene.');
    await page.getByRole('button', { name: 'Complete task' }).click();
    await eventually('the refusal to close the case', async () => (await demo.govflow.engine.getInstance(stuck.id)).state === 'completed', {
      describe: async () => `${JSON.stringify((await demo.govflow.engine.getInstance(stuck.id)).activeElements)} ${JSON.stringify(await demo.govflow.engine.listIncidents({ instanceId: stuck.id }))} ${(await page.locator('main').innerText()).slice(0, 1500)}`,
    });
    await page.goto(`${base}/staff/cases/${stuck.id}`);
    assert.equal(await text('#current-steps'), 'Closed: refused');
    assert.match(await text('#reviewer-findings'), /Review the renewal[\s\S]*By Lin Licence[\s\S]*Decision\s+Refuse[\s\S]*Reasons\s+Two violations in the last six months/);
    assert.match(await text('#case-history'), /The application was received[\s\S]*Look up the business registry failed[\s\S]*Lin Licence retried “Look up the business registry”[\s\S]*Lin Licence completed the task “Review the renewal”[\s\S]*The case was closed/);
    assert.doesNotMatch(await text('main'), RAW);
    await page.locator('#case-diagram[data-state="rendered"]').waitFor({ timeout: 20_000 });
    await auditPage(page, 'the case page, refused');
    await fits(page, 'the case page');
    assert.ok(review.id > 0);
    await context.close();

    // The approve path: a clean business is renewed by the rules alone; an administrator reads its explanation.
    const clean = await start('BL-2026-990002', 'BR-100200');
    await eventually('the clean renewal to close', async () => (await demo.govflow.engine.getInstance(clean.id)).state === 'completed');
    const ada = await signInStaff(base, 'ada');
    const html = await (await fetch(`${base}/staff/cases/${clean.id}`, { headers: { cookie: ada } })).text();
    assert.match(html, /id="current-steps">Closed: approved</);
    assert.match(html, /Violations<\/dt><dd class="govuk-summary-list__value">0<[\s\S]*Rule 2 \(clean\): An active business with no recorded violations is renewed without review\.[\s\S]*Outcome<\/dt><dd class="govuk-summary-list__value">auto-approve</);
    assert.doesNotMatch(html.replace(/<[^>]*>/g, ' '), RAW);
  });
});
