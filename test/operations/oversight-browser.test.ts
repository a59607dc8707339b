/**
 * The operators' pages in real Chromium: an admin retries an incident and resends a failed notification, filters
 * the audit events and finds both actions there; an auditor reads the same pages without the buttons. Every page
 * axe-core clean and valid HTML.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { Notifications } from '../../src/notifications/index.js';
import { bpmn, job } from '../engine/bpmn.js';
import { withDemoBrowser } from '../support/demo-browser.js';
import { auditPage, followLink } from '../support/page-audit.js';
import { signInStaffInBrowser } from '../support/sign-in.js';

describe('operations pages in Chromium (audit events, incidents, notifications)', () => {
  const demo = withDemoBrowser('operations-browser');

  const contextFor = async (): Promise<BrowserContext> => {
    const context = await demo.newContext({ viewport: { width: 1200, height: 900 }, axe: true });
    return context;
  };

  /** A message whose delivery failed for good: sent through a transport that always refuses, one attempt allowed. */
  async function failedNotification(): Promise<number> {
    const { db } = demo.govflow;
    const refusing = new Notifications({ db, maxAttempts: 1, transport: { name: 'refusing', send: async () => { throw new Error('550 mailbox unavailable'); } } });
    // The server's own sender (log-only) may deliver a message first; then queue another.
    for (let attempt = 0; attempt < 10; attempt++) {
      const id = await db.transaction((tx) => refusing.enqueue(tx, { template: 'submission-received', to: `applicant${attempt}@example.org`, values: { applicantName: 'Alex', reference: `BP-2026-00077${attempt}`, serviceName: 'Building permit', date: '2026-03-01', agencyName: 'Demo Municipality', statusUrl: 'http://127.0.0.1/applications/x' } }));
      await refusing.sendDue();
      if ((await refusing.list()).find((n) => n.id === id)?.status === 'failed') return id;
    }
    throw new Error('no notification could be made to fail');
  }

  it('lets an admin retry an incident and resend a notification, and shows both in the audit events', async () => {
    const { engine } = demo.govflow;
    await engine.deploy([{ name: 'ops.bpmn', content: bpmn('operations-probe', `<startEvent id="s"/>${job('call-agency', 'operations-probe-job')}<endEvent id="e"/>`, 's -> call-agency; call-agency -> e') }]);
    const instance = await engine.startInstance('operations-probe');
    const [claimed] = await engine.activateJobs({ type: 'operations-probe-job', worker: 'test', maxJobs: 1 });
    await engine.failJob(claimed!.id, { worker: 'test', retries: 0, errorMessage: 'the agency system answered 503' });
    const [incident] = await engine.listIncidents({ instanceId: instance.id });
    assert.ok(incident);
    const notification = await failedNotification();

    const context = await contextFor();
    const page = await context.newPage();
    await signInStaffInBrowser(page, demo.base, 'ada');
    await page.goto(`${demo.base}/operations`);
    assert.equal(await page.locator('h1').innerText(), 'Operations');
    assert.match(await page.locator('main').innerText(), /Open incidents\s+1/);
    await auditPage(page, 'the operations overview');

    await page.getByRole('link', { name: 'Incidents' }).first().click();
    assert.match(await page.locator('table').innerText(), /the agency system answered 503/);
    await auditPage(page, 'the incidents page');
    await page.getByRole('button', { name: `Retry incident ${incident.id}` }).click();
    assert.match(await page.locator('.govuk-notification-banner').innerText(), new RegExp(`Incident ${incident.id} was retried`));
    assert.match(await page.locator('main').innerText(), /There are no open incidents/);
    await auditPage(page, 'the incidents page after a retry');
    const [again] = await engine.activateJobs({ type: 'operations-probe-job', worker: 'test', maxJobs: 1 });
    assert.equal(again?.instanceId, instance.id, 'the job is back for a worker to take');

    await page.goto(`${demo.base}/operations/notifications?status=failed`);
    assert.match(await page.locator('table').innerText(), /550 mailbox unavailable/);
    assert.doesNotMatch(await page.locator('table').innerText(), /applicant\d@example\.org/, 'addresses are masked');
    await auditPage(page, 'the failed notifications');
    await page.getByRole('button', { name: `Resend notification ${notification}` }).click();
    assert.match(await page.locator('.govuk-notification-banner').innerText(), new RegExp(`Notification ${notification} was queued`));
    await auditPage(page, 'the notifications after a resend');
    await followLink(page, page.getByRole('link', { name: 'Pending' }));
    await auditPage(page, 'the pending notifications');

    await page.goto(`${demo.base}/operations/audit`);
    await auditPage(page, 'the audit events');
    await page.getByLabel('Event type').fill('notification.');
    await page.getByLabel('Actor').fill('staff:ada');
    await page.getByRole('button', { name: 'Show events' }).click();
    assert.match(await page.locator('table').innerText(), /notification\.resent\s+staff:ada/);
    await page.getByLabel('Event type').fill('incident.');
    await page.getByRole('button', { name: 'Show events' }).click();
    assert.match(await page.locator('table').innerText(), new RegExp(`incident\\.resolved\\s+staff:ada\\s+${instance.id}`));
    await page.getByLabel('Case number').fill('abc');
    await page.getByLabel('Last day').fill('2026-02-30');
    await page.getByRole('button', { name: 'Show events' }).click();
    assert.match(await page.title(), /^Error: /);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter the case number as a whole number[\s\S]*Enter the last day as a date/);
    await auditPage(page, 'the audit events with wrong filters');
    await context.close();
  });

  it('shows an auditor the same pages without the buttons', async () => {
    const context = await contextFor();
    const page = await context.newPage();
    await signInStaffInBrowser(page, demo.base, 'aud');
    for (const url of ['/operations', '/operations/incidents', '/operations/notifications?status=failed', '/operations/audit?type=identity.']) {
      await page.goto(`${demo.base}${url}`);
      assert.equal(await page.getByRole('button', { name: /Retry|Resend|Send now/ }).count(), 0, url);
      await auditPage(page, `${url} as an auditor`);
    }
    await context.close();
  });
});
