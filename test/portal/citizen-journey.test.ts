// The building-permit citizen journey in a real browser (Debian Chromium driven by playwright-core) against the
// whole server (`startServer`, worker loop included): with the mouse, with JavaScript off and with the keyboard
// alone. Every page and state is checked with html-validate, and with axe-core (WCAG 2.x A/AA) on the mouse and keyboard runs; the
// mouse journey saves the screenshots linked from docs/portal.md. All three answer a request for more information;
// the mouse run then withdraws its application, the other two go on to pay the fee and download the signed decision
// (staff steps are taken through the engine here; test/e2e drives them in the workbench).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type Locator, type Page, type Response } from 'playwright-core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { DEMO_CITIZENS } from '../../src/identity/index.js';
import type { Backend } from '../../src/store/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { markupValidator, WCAG_TAGS } from '../support/page-audit.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, samplePdf } from './support.js';

// Code run inside the page: the project compiles without the DOM library, so the little it uses is declared here.
declare const document: { activeElement: { id: string; textContent: string | null } | null };

const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);
const validator = markupValidator;

type Mode = 'mouse' | 'keyboard' | 'no-js';
/** Each journey signs in as its own demo citizen, so drafts and "My applications" do not mix. */
const journeys: Mode[] = ['mouse', 'no-js', 'keyboard'];

/** The citizen's actions, done with the mouse or with the keyboard alone. */
class Citizen {
  lastDocument: Promise<string> | undefined;
  readonly checked: string[] = [];
  constructor(readonly page: Page, readonly mode: Mode, readonly options: { audit: boolean; screenshots: boolean }) {
    page.on('response', (response: Response) => {
      // The HTML as the server sent it (a redirect has no page): html-validate checks this, not the browser's DOM.
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame() && (response.status() < 300 || response.status() >= 400)) {
        this.lastDocument = response.text().catch(() => '');
      }
    });
  }

  /** Presses Tab until the element has the focus (a keyboard user's only way to get there). */
  async tabTo(target: Locator): Promise<void> {
    for (let i = 0; i < 80; i++) {
      if (await target.evaluate((el) => el === document.activeElement)) return;
      await this.page.keyboard.press('Tab');
    }
    throw new Error(`could not reach ${String(target)} with the Tab key`);
  }

  /** Follows a link or presses a button, and waits until the page it leads to (or the anchor) is there. */
  async follow(link: Locator): Promise<void> {
    // waitForNavigation (deprecated but kept) is the one wait that also covers same-document (#anchor) navigations.
    const navigated = this.page.waitForNavigation({ waitUntil: 'load' });
    if (this.mode === 'keyboard') {
      await this.tabTo(link);
      await this.page.keyboard.press('Enter');
    } else await link.click();
    await navigated;
  }

  async fill(label: string | RegExp, text: string): Promise<void> {
    const field = this.page.getByLabel(label, { exact: typeof label === 'string' });
    if (this.mode === 'keyboard') {
      await this.tabTo(field);
      await this.page.keyboard.press('Control+A');
      await this.page.keyboard.press('Delete');
      await this.page.keyboard.type(text);
    } else await field.fill(text);
  }

  async choose(label: string): Promise<void> {
    const input = this.page.getByLabel(label, { exact: true });
    if (this.mode === 'keyboard') {
      if ((await input.getAttribute('type')) === 'radio') {
        // A radio group is one Tab stop; the arrow keys move the choice within it.
        const name = await input.getAttribute('name');
        await this.tabTo(this.page.locator(`input[name="${name}"]:checked`).or(this.page.locator(`input[name="${name}"]`).first()).first());
        for (let i = 0; i < 10 && !(await input.isChecked()); i++) await this.page.keyboard.press('ArrowDown');
      } else {
        await this.tabTo(input);
        await this.page.keyboard.press('Space');
      }
    } else await input.check();
    assert.equal(await input.isChecked(), true, `${label} is chosen`);
  }

  async select(label: string, option: string): Promise<void> {
    const select = this.page.getByLabel(label, { exact: true });
    if (this.mode === 'keyboard') {
      await this.tabTo(select);
      await this.page.keyboard.type(option.slice(0, 4));
    } else await select.selectOption({ label: option });
  }

  /** Chooses a file in a file input: clicked, or reached with Tab and opened with Space; the chooser gets the file. */
  async upload(label: string, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
    const input = this.page.getByLabel(label, { exact: true });
    const chooser = this.page.waitForEvent('filechooser');
    if (this.mode === 'keyboard') {
      await this.tabTo(input);
      await this.page.keyboard.press('Space');
    } else await input.click();
    await (await chooser).setFiles(file);
  }

  async press(button: string): Promise<void> {
    await this.follow(this.page.getByRole('button', { name: button }));
  }

  async heading(): Promise<string> {
    return (await this.page.locator('h1').first().innerText()).trim();
  }

  /** axe-core (WCAG 2.0–2.2 A/AA) and html-validate on the page as it is now; a screenshot when asked. */
  async audit(name: string, screenshot?: string): Promise<void> {
    this.checked.push(name);
    const source = await this.lastDocument;
    assert.ok(source, `${name}: the document was captured`);
    const report = await validator.validateString(source, `${name}.html`);
    const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`));
    assert.deepEqual(messages, [], `${name}: html-validate`);
    if (this.options.audit) {
      const violations = await this.page.evaluate(async (tags) => {
        const result = await (globalThis as unknown as { axe: typeof axe }).axe.run(document as never, { runOnly: { type: 'tag', values: tags } });
        return { passes: result.passes.length, violations: result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`) };
      }, WCAG_TAGS);
      assert.ok(violations.passes > 0, `${name}: axe-core ran its rules`);
      assert.deepEqual(violations.violations, [], `${name}: axe-core`);
    }
    if (screenshot && this.options.screenshots) await this.page.screenshot({ path: new URL(`${screenshot}.png`, SCREENSHOTS).pathname, fullPage: true });
  }
}

describeEachBackend('the building-permit citizen journey in Chromium', (backend: Backend) => {
  let portal: { base: string; govflow: Govflow; running: Awaited<ReturnType<typeof startServer>>; engine: Govflow['engine']; db: Govflow['db']; dataDir: string };
  let browser: Browser;
  let sitePlan: Buffer;
  const savedRegistry = process.env['GOVFLOW_REGISTRY'];
  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    sitePlan = await samplePdf();
    // The building permit asks no other agency; the registry connector and its simulator are not needed here.
    process.env['GOVFLOW_REGISTRY'] = 'off';
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const dataDir = await mkdtemp(path.join(tmpdir(), `govflow-citizen-journey-${backend}-`));
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl, publicUrl: undefined } });
    const running = await startServer(govflow);
    portal = { base: running.url, govflow, running, engine: govflow.engine, db: govflow.db, dataDir };
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await portal?.running.stop();
    await portal?.govflow.close();
    if (portal) await rm(portal.dataDir, { recursive: true, force: true });
    if (savedRegistry === undefined) delete process.env['GOVFLOW_REGISTRY']; else process.env['GOVFLOW_REGISTRY'] = savedRegistry;
  });

  /** Reloads the page, letting the worker loop run between tries, until the check holds (no fixed sleeps). */
  async function until(page: Page, what: string, check: () => Promise<boolean>): Promise<void> {
    await eventually(what, async () => {
      await page.reload({ waitUntil: 'load' });
      return check();
    }, { between: () => portal.running.worker.poll() });
  }
  const openTask = (instanceId: number, elementId: string) =>
    eventually(`an open ${elementId} task`, async () => (await portal.engine.listTasks({ instanceId, state: 'created' })).find((t) => t.elementId === elementId), {
      between: async () => {
        await portal.running.worker.poll();
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
  const status = async (page: Page): Promise<string> => (await page.locator('#status').innerText()).trim();

  async function journey(mode: Mode, options: { audit: boolean; screenshots: boolean }): Promise<string> {
    const context = await browser.newContext({ javaScriptEnabled: mode !== 'no-js', bypassCSP: true, viewport: { width: 1024, height: 800 }, acceptDownloads: true });
    // axe-core is loaded into every page before it runs (CSP is bypassed for the test's own script only).
    if (options.audit) await context.addInitScript({ content: axe.source });
    const page = await context.newPage();
    const citizen = new Citizen(page, mode, options);
    try {
      await page.goto(`${portal.base}/`);
      assert.equal(await citizen.heading(), 'Services');
      if (mode === 'keyboard') {
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to main content', 'the skip link is the first Tab stop');
      }
      await citizen.audit('home');
      await citizen.follow(page.getByRole('link', { name: 'Apply for a building permit' }));
      assert.equal(await citizen.heading(), 'Apply for a building permit');
      await citizen.audit('start', 'start-page');

      await citizen.follow(page.getByRole('button', { name: 'Start now' }));
      assert.equal(await citizen.heading(), 'Sign in (demo)');
      await citizen.audit('sign-in');
      await citizen.choose(`${DEMO_CITIZENS[journeys.indexOf(mode)]!.name} (demo citizen)`);
      await citizen.press('Sign in');

      assert.equal(await citizen.heading(), 'About you');
      await citizen.audit('about-you');
      await citizen.fill('Full name', 'Alex Demo');
      await citizen.fill('Email address', 'alex@example.org');
      await citizen.choose('Yes, I am the owner');
      await citizen.press('Continue');

      assert.equal(await citizen.heading(), 'About the building work');
      await citizen.audit('the-building');
      await citizen.fill('Address of the site', '1 Demo Street, Demo Town');
      await citizen.select('Type of work', 'Extension');
      await citizen.fill('Floor area in square metres', 'about 120');
      await citizen.fill('Describe the work', 'A two-room extension at the back of the house.');
      await citizen.fill('Day', '3');
      await citizen.fill('Month', '4');
      await citizen.fill('Year', '2027');
      // The site plan: a small real PDF, sent with the page as multipart/form-data.
      assert.equal(await page.locator('form[enctype="multipart/form-data"]').count(), 1);
      // With the mouse the citizen first picks a text file named like a PDF: the type is read from the bytes.
      if (mode === 'mouse') await citizen.upload('Site plan', { name: 'site-plan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a PDF, only text') });
      else await citizen.upload('Site plan', { name: 'site-plan.pdf', mimeType: 'application/pdf', buffer: sitePlan });
      await citizen.press('Continue');

      // The error state: the summary lists the problem and links to the field, which shows the same message.
      assert.equal(await citizen.heading(), 'About the building work');
      assert.match(await page.title(), /^Error: /);
      const summary = page.locator('.govuk-error-summary');
      assert.equal((await summary.locator('h2').innerText()).trim(), 'There is a problem');
      const link = summary.getByRole('link', { name: 'Floor area must be a number' });
      assert.equal(await link.getAttribute('href'), '#floorArea');
      assert.match(await page.locator('#floorArea-error').innerText(), /Floor area must be a number/);
      assert.equal(await page.getByLabel('Address of the site').inputValue(), '1 Demo Street, Demo Town', 'answers are kept');
      if (mode === 'mouse') {
        // The wrong file: its message is in the summary and next to the field; nothing was kept.
        assert.equal(await summary.getByRole('link', { name: 'The selected file must be a PDF, PNG or JPEG' }).getAttribute('href'), '#sitePlan');
        assert.match(await page.locator('#sitePlan-error').innerText(), /The selected file must be a PDF, PNG or JPEG/);
        assert.equal(await page.locator('#sitePlan-current').count(), 0);
      } else {
        // The site plan was fine: it is kept, and the page says so (a browser never refills a file input).
        assert.match(await page.locator('#sitePlan-current').innerText(), /Uploaded: site-plan\.pdf/);
      }
      await citizen.audit('the-building-with-errors', 'question-page-errors');
      await citizen.follow(link);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'floorArea', 'the summary link takes the citizen to the field');
      await citizen.fill('Floor area in square metres', '120');
      if (mode === 'mouse') await citizen.upload('Site plan', { name: 'site-plan.pdf', mimeType: 'application/pdf', buffer: sitePlan });
      await citizen.press('Continue');

      assert.equal(await citizen.heading(), 'Declaration');
      await citizen.audit('declaration');
      await citizen.choose('I confirm that the information I have given is correct');
      await citizen.press('Continue');

      assert.equal(await citizen.heading(), 'Check your answers before sending your application');
      const floorRow = page.locator('.govuk-summary-list__row', { hasText: 'Floor area in square metres' });
      assert.match(await floorRow.innerText(), /120/);
      assert.match(await page.locator('.govuk-summary-list__row', { hasText: 'When do you plan to start?' }).innerText(), /3 April 2027/);
      assert.match(await page.locator('.govuk-summary-list__row', { hasText: 'Site plan' }).innerText(), new RegExp(`site-plan\\.pdf \\(${sitePlan.length} bytes\\)`));
      await citizen.audit('check-answers', 'check-answers');
      // A change link goes back to the question and returns to check answers.
      await citizen.follow(floorRow.getByRole('link', { name: /Change/ }));
      assert.equal(await citizen.heading(), 'About the building work');
      await citizen.fill('Floor area in square metres', '150');
      await citizen.press('Save and return to check your answers');
      assert.equal(await citizen.heading(), 'Check your answers before sending your application');
      assert.match(await page.locator('.govuk-summary-list__row', { hasText: 'Floor area in square metres' }).innerText(), /150/);
      await citizen.press('Accept and send');

      assert.equal(await citizen.heading(), 'Application sent');
      const reference = (await page.locator('#reference').innerText()).trim();
      assert.match(reference, /^BP-\d{4}-\d{6}$/);
      await citizen.audit('confirmation', 'confirmation');

      await citizen.follow(page.getByRole('link', { name: 'Follow the progress of your application' }));
      assert.equal(await citizen.heading(), `Application ${reference}`);
      assert.equal((await page.locator('#status').innerText()).trim(), 'We have received your application');
      assert.equal(await page.locator('#timeline > li').count(), 1);
      await citizen.audit('status-received');

      const [instance] = await portal.engine.listInstances({ businessKey: reference });
      assert.ok(instance, 'the case was started with the reference as business key');
      assert.equal(instance.variables['floorArea'], 150);
      // The site plan went with the case: same bytes, the case's reference (sent again without a file: kept).
      const { rows: files } = await portal.db.query<{ reference: string; filename: string; content: Uint8Array }>('select reference, filename, content from case_upload where id = $1', [instance.variables['sitePlan']]);
      assert.equal(files[0]?.reference, reference);
      assert.equal(files[0]?.filename, 'site-plan.pdf');
      assert.ok(Buffer.from(files[0]!.content).equals(sitePlan), 'the stored bytes are the uploaded PDF');
      // Intake asks for more information; the citizen answers on the status page (an empty answer first).
      const intake = await openTask(instance.id, 'check-completeness');
      await portal.engine.completeTask(intake.id, { variables: { complete: false, informationRequested: 'Please describe the roof of the extension.' }, actor: 'staff:intake-officer' });
      await until(page, 'the request for information', async () => (await status(page)) === 'Answer our question' && (await page.locator('#question').count()) > 0);
      assert.equal((await page.locator('#question').innerText()).trim(), 'Please describe the roof of the extension.');
      await citizen.audit('status-information-needed', 'information-needed');
      await citizen.press('Send information');
      assert.equal(await page.locator('#informationResponse-error').count(), 1);
      await citizen.audit('status-information-needed-with-errors');
      await citizen.fill('Your answer', 'A flat green roof.');
      await citizen.press('Send information');
      assert.match(await page.locator('.govuk-notification-banner--success').innerText(), /Your information was sent/);
      await citizen.audit('status-information-sent');
      // Intake finds the application complete: the reviews start and the citizen sees "In review".
      const again = await openTask(instance.id, 'check-completeness');
      await portal.engine.completeTask(again.id, { variables: { complete: true }, actor: 'staff:intake-officer' });
      await until(page, 'the reviews', async () => (await status(page)) === 'We are reviewing your application');
      assert.deepEqual((await page.locator('#timeline > li h3').allInnerTexts()).map((t) => t.trim()), ['We started reviewing your application', 'You answered our question', 'We asked you a question', 'Application sent']);
      await citizen.audit('status-in-review', 'status');

      await citizen.follow(page.getByRole('link', { name: 'My applications' }));
      assert.equal(await citizen.heading(), 'My applications');
      assert.equal(await page.getByRole('link', { name: reference }).count(), 1);
      await citizen.audit('my-applications', 'my-applications');
      if (mode === 'mouse') {
        await citizen.follow(page.getByRole('link', { name: reference }));
        await citizen.follow(page.getByRole('link', { name: 'Withdraw your application' }));
        assert.match(await citizen.heading(), /^Are you sure you want to withdraw application/);
        await citizen.audit('withdraw', 'withdraw');
        await citizen.fill('Why are you withdrawing your application? (optional)', 'Plans changed.');
        await citizen.press('Withdraw application');
        assert.equal((await page.locator('#status').innerText()).trim(), 'Closed');
        await citizen.audit('status-closed');
      } else {
        // The three reviews (planning, building, fire safety) agree; the fee from the DMN table (150 m², not open to
        // the public: €600) is due and the citizen pays it with the test provider.
        const reviews = { 'zoning-review': 'zoningOutcome', 'structural-review': 'structuralOutcome', 'fire-safety-review': 'fireSafetyOutcome' };
        for (const [review, outcome] of Object.entries(reviews)) {
          const task = await openTask(instance.id, review);
          await portal.engine.completeTask(task.id, { variables: { [outcome]: 'no-objection' }, actor: 'staff:reviewer' });
        }
        await citizen.follow(page.getByRole('link', { name: reference }));
        await until(page, 'the fee', async () => (await page.getByRole('button', { name: 'Pay the fee' }).count()) > 0);
        assert.match(await page.locator('#fee-due').innerText(), /€600\.00/);
        await citizen.audit('status-fee-due');
        await citizen.press('Pay the fee');
        assert.equal(await citizen.heading(), 'Pay €600.00');
        await citizen.audit('test-payment-provider');
        await citizen.press('Pay');
        assert.equal(await citizen.heading(), 'Payment received');
        await citizen.audit('payment-received');
        // The manager approves; the worker loop issues the signed decision; the citizen downloads and checks it.
        const decide = await openTask(instance.id, 'decide');
        await portal.engine.completeTask(decide.id, { variables: { decision: 'approved', decisionReasons: 'The extension meets the zoning plan, the building code and the fire-safety rules.' }, actor: 'staff:manager' });
        await citizen.follow(page.getByRole('link', { name: 'Follow the progress of your application' }));
        const download = page.getByRole('link', { name: 'Download your decision (PDF)' });
        await until(page, 'the signed decision', async () => (await status(page)) === 'Approved' && (await download.count()) > 0);
        assert.match(await page.locator('#decision').innerText(), /approved/);
        await citizen.audit('status-decision-made');
        const downloaded = page.waitForEvent('download');
        if (mode === 'keyboard') {
          await citizen.tabTo(download);
          await page.keyboard.press('Enter');
        } else await download.click();
        const pdf = await readFile((await (await downloaded).path())!);
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the decision downloads as a PDF');
        await citizen.follow(page.getByRole('link', { name: /check that it is genuine/ }));
        assert.equal(await citizen.heading(), 'This decision is genuine');
        await citizen.audit('verify');
      }
      // Someone else's (or a mistyped) reference: the friendly not-found page.
      const missing = await page.goto(`${portal.base}/applications/BP-2000-999999`);
      assert.equal(missing?.status(), 404);
      assert.equal(await citizen.heading(), 'Page not found');
      await citizen.audit('not-found');
      if (mode === 'mouse') {
        assert.deepEqual(citizen.checked, ['home', 'start', 'sign-in', 'about-you', 'the-building', 'the-building-with-errors', 'declaration', 'check-answers', 'confirmation',
          'status-received', 'status-information-needed', 'status-information-needed-with-errors', 'status-information-sent', 'status-in-review', 'my-applications', 'withdraw', 'status-closed', 'not-found']);
      }
      return reference;
    } finally {
      await context.close();
    }
  }

  // The three journeys sign in as different citizens and share nothing else: they run side by side.
  describe('journeys', { concurrency: true }, () => {
    it('with the mouse: every page passes axe-core (WCAG 2.2 A/AA, on PGlite) and html-validate, screenshots saved', async () => {
      await journey('mouse', { audit: backend === 'pglite', screenshots: backend === 'pglite' });
    });

    it('with JavaScript disabled', { skip: backend === 'postgres' ? 'the same pages; run once' : false }, async () => {
      // axe-core needs script in the page; the pages are the server's own HTML either way, and the keyboard run
      // (script on) audits every one of them, this journey's later states included.
      await journey('no-js', { audit: false, screenshots: false });
    });

    it('with the keyboard alone (Tab, Space, Enter)', { skip: backend === 'postgres' ? 'the same pages; run once' : false }, async () => {
      await journey('keyboard', { audit: true, screenshots: false });
    });
  });
});
