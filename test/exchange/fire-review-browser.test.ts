/**
 * Acceptance 3 of issue 25: the building permit's fire-safety review end to end in Chromium across two govflow
 * instances set up as the demo pair sets them up (src/cli/demo-exchange.ts: the shared directory, the published
 * services, the access rights, the city's building permit asking the fire service). The city runs on PGlite, the
 * fire service on PostgreSQL (PGlite when no test server runs). The citizen applies at the city; the case calls the
 * fire service over X-Road REST with mutual TLS; a fire-safety officer reviews it in the fire service's own
 * workbench; the answer comes back into the city's case; the planning manager decides; the citizen sees it.
 * The city's own intake and reviews, and the fee payment, are done through the engine: other tests cover them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { DEMO_CITY_MEMBER, DEMO_FIRE_MEMBER, FIRE_SERVICE_CATALOGUE, openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { signInCitizenInBrowser, signInStaffInBrowser } from '../support/sign-in.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

interface Instance { govflow: Govflow; running: Awaited<ReturnType<typeof startServer>>; dataDir: string }

async function start(role: 'city' | 'fire-service', directory: string): Promise<Instance> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `govflow-${role}-`));
  const databaseUrl = role === 'fire-service' && pgUrl ? await createServerDatabase() : undefined;
  const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', ...(databaseUrl ? { databaseUrl } : {}) } });
  const running = await startServer(govflow, {
    rateLimits: 'off',
    exchange: { member: role === 'city' ? DEMO_CITY_MEMBER : DEMO_FIRE_MEMBER, pair: { directory, role, everyMs: 100 } },
    ...(role === 'fire-service' ? { servicesDir: FIRE_SERVICE_CATALOGUE } : {}),
  });
  return { govflow, running, dataDir };
}

/** The part of a staff case page about one task: the innermost block holding its heading and a button. */
const taskPanel = (page: Page, task: string): Locator => page.locator('div, section, article, li')
  .filter({ has: page.getByRole('heading', { name: new RegExp(`^${task}`) }) }).filter({ has: page.getByRole('button') }).last();

async function press(page: Page, button: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation(), button.click()]);
}

describe('the fire-safety review across two instances, in Chromium (city on PGlite, fire service on PostgreSQL)', () => {
  let city: Instance;
  let fire: Instance;
  let browser: Browser;
  let directory: string;

  before(async () => {
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    process.env['GOVFLOW_REGISTRY'] = 'off';
    directory = await mkdtemp(path.join(tmpdir(), 'govflow-pair-'));
    // Settled one by one, so that whatever started is stopped in after() even when another part failed to.
    const [c, f, b] = await Promise.allSettled([start('city', directory), start('fire-service', directory), chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })]);
    if (c.status === 'fulfilled') city = c.value;
    if (f.status === 'fulfilled') fire = f.value;
    if (b.status === 'fulfilled') browser = b.value;
    for (const r of [c, f, b]) if (r.status === 'rejected') throw r.reason;
  });

  after(async () => {
    await browser?.close();
    for (const i of [city, fire]) {
      if (!i) continue;
      await i.running.stop();
      await i.govflow.close();
      await rm(i.dataDir, { recursive: true, force: true });
    }
    await rm(directory, { recursive: true, force: true });
  });

  it('citizen applies at the city, the fire service reviews in its own workbench, the answer returns, the manager decides, the citizen sees it', async () => {
    // The pair found each other: the city's building permit now asks the fire service.
    await eventually('the city to ask the fire service in its building permit', async () => {
      // The catalogue's version first, then the pair's (a fresh database has no other).
      const { rows } = await city.govflow.db.query<{ n: string }>("select count(*) as n from process_definition where key = 'building-permit'");
      return Number(rows[0]!.n) >= 2 || null;
    }, { timeoutMs: 20_000 });

    // ---- the citizen applies at the city
    const citizen = await browser.newPage();
    await signInCitizenInBrowser(citizen, city.running.url, 'alex');
    await citizen.goto(new URL('/services/building-permit', city.running.url).href);
    await press(citizen, citizen.getByRole('button', { name: 'Start now' }));
    await citizen.getByLabel('Full name', { exact: true }).fill('Alex Demo');
    await citizen.getByLabel('Email address', { exact: true }).fill('alex@example.org');
    await citizen.getByLabel('Yes, I am the owner', { exact: true }).check();
    await press(citizen, citizen.getByRole('button', { name: 'Continue' }));
    await citizen.getByLabel('Address of the site', { exact: true }).fill('7 Fire Lane, Demo Town');
    await citizen.getByLabel('Type of work', { exact: true }).selectOption({ label: 'Extension' });
    await citizen.getByLabel('Floor area in square metres', { exact: true }).fill('80');
    await citizen.getByLabel('Describe the work', { exact: true }).fill('A one-room extension with a wood stove.');
    await citizen.getByLabel('Day', { exact: true }).fill('3');
    await citizen.getByLabel('Month', { exact: true }).fill('4');
    await citizen.getByLabel('Year', { exact: true }).fill('2027');
    const pdf = await PDFDocument.create();
    pdf.addPage([595, 842]).drawText('Site plan: 7 Fire Lane', { x: 50, y: 780, size: 14 });
    await citizen.getByLabel('Site plan', { exact: true }).setInputFiles({ name: 'site-plan.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await pdf.save()) });
    await press(citizen, citizen.getByRole('button', { name: 'Continue' }));
    await citizen.getByLabel('I confirm that the information I have given is correct', { exact: true }).check();
    await press(citizen, citizen.getByRole('button', { name: 'Continue' }));
    await press(citizen, citizen.getByRole('button', { name: 'Accept and send' }));
    const reference = (await citizen.locator('#reference').innerText()).trim();
    assert.match(reference, /^BP-\d{4}-\d{6}$/);

    // ---- the city's intake and its own two reviews (through the engine)
    const instanceId = await eventually('the case started', async () => (await city.govflow.engine.listInstances({ businessKey: reference, limit: 1 }))[0]?.id ?? null);
    const completeCityTask = async (elementId: string, variables: Record<string, unknown>): Promise<void> => {
      const task = await eventually(`the city task ${elementId}`, async () => (await city.govflow.engine.listTasks({ instanceId })).find((t) => t.elementId === elementId) ?? null);
      await city.govflow.engine.completeTask(task.id, { variables, actor: 'staff:pat' });
    };
    await completeCityTask('check-completeness', { complete: true });
    await completeCityTask('zoning-review', { zoningOutcome: 'no-objection', zoningFindings: 'Fits the local plan.' });
    await completeCityTask('structural-review', { structuralOutcome: 'no-objection', structuralFindings: 'Sound.' });
    assert.equal((await city.govflow.engine.listTasks({ instanceId })).some((t) => t.elementId === 'fire-safety-review'), false, 'no fire-safety task in the city\'s workbench: it went to the fire service');

    // ---- the fire service's officer reviews it in the fire service's workbench
    const fay = await browser.newPage();
    await signInStaffInBrowser(fay, fire.running.url, 'fay');
    const link = fay.getByRole('link', { name: new RegExp(reference) });
    await eventually('the request in the fire service\'s inbox', async () => {
      await fay.goto(new URL('/staff', fire.running.url).href);
      return (await link.count()) > 0 || null;
    }, { timeoutMs: 20_000 });
    await press(fay, link.first());
    assert.match(await fay.content(), /7 Fire Lane, Demo Town/, 'the fire service sees the building work the city sent');
    await press(fay, taskPanel(fay, 'Fire-safety review').getByRole('button', { name: 'Assign to me' }));
    const panel = taskPanel(fay, 'Fire-safety review');
    await panel.getByLabel('No objection, with conditions', { exact: true }).check();
    await panel.getByLabel(/^Findings/).fill('A smoke detector in the new room; the stove flue 50 cm above the roof.');
    await press(fay, panel.getByRole('button', { name: 'Complete task' }));

    // ---- the answer returns into the city's case; the fee is paid; the planning manager decides
    const answered = await eventually('the fire service\'s answer in the city\'s case', async () => {
      const instance = await city.govflow.engine.getInstance(instanceId);
      return instance.variables['fireSafetyOutcome'] !== undefined ? instance.variables : null;
    }, { timeoutMs: 20_000 });
    assert.equal(answered['fireSafetyOutcome'], 'conditions');
    assert.equal(answered['fireSafetyReviewedBy'], 'Regional Fire Service');
    assert.match(String(answered['fireSafetyFindings']), /stove flue 50 cm above the roof/);
    await eventually('the case waiting for the fee', async () => ((await city.govflow.engine.getInstance(instanceId)).activeElements.some((e) => e.elementId === 'payment-received') || null));
    await city.govflow.engine.publishMessage({ name: 'payment-received', correlationKey: reference, messageId: `pay-${reference}`, variables: { paymentId: `pay-${reference}` } });

    const mia = await browser.newPage();
    await signInStaffInBrowser(mia, city.running.url, 'mia');
    await mia.goto(new URL(`/staff/cases/${instanceId}`, city.running.url).href);
    const decide = (): Locator => taskPanel(mia, 'Decide on the application');
    await eventually('the decision task', async () => {
      if ((await decide().count()) > 0) return true;
      await mia.reload();
      return null;
    });
    await press(mia, decide().getByRole('button', { name: 'Assign to me' }));
    await decide().getByLabel('Approve', { exact: true }).check();
    await decide().getByLabel('Reasons', { exact: true }).fill('Approved with the fire service\'s conditions.');
    await press(mia, decide().getByRole('button', { name: 'Complete task' }));

    await eventually('the manager\'s decision in the case', async () => ((await city.govflow.engine.getInstance(instanceId)).variables['decision'] === 'approved' || null), { timeoutMs: 30_000 });

    // ---- the citizen sees the decision, and on "Who has seen my data" that the fire service received the case
    await eventually('the citizen to see the decision', async () => {
      await citizen.goto(new URL(`/applications/${reference}`, city.running.url).href);
      return (await citizen.locator('#status').innerText()).trim() === 'Approved' || null;
    }, { timeoutMs: 60_000 });
    await citizen.goto(new URL('/my-data', city.running.url).href);
    const row = citizen.locator('tr', { hasText: 'Regional Fire Service' });
    assert.match(await row.first().innerText(), /fire-safety review of your building permit application/);
  });
});
