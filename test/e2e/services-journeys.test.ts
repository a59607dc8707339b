// The three demo services end to end in a real browser (Debian Chromium driven by playwright-core) against the
// real composed server (`openGovflow` + `startServer`: portal, workbench, documents, payments, registries with the
// agency simulator as its own process, notifications, worker loop). Each journey goes from the citizen's first page
// to the signed decision through every staff task, signing in through the real pages. Every page and state the
// browser visits (errors included) is checked with axe-core (WCAG 2.0–2.2 A/AA) and html-validate, and the main
// pages are saved as the screenshots linked from docs/e2e.md.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { PDFDocument } from 'pdf-lib';
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Response } from 'playwright-core';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import type { Backend } from '../../src/store/index.js';
import { COMPANIES, PEOPLE } from '../../simulator/agency-simulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { createServerDatabase, pgUrl } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { markupValidator, WCAG_TAGS } from '../support/page-audit.js';
import { flowed, pdfText } from '../support/pdf-text.js';
import { signInCitizenInBrowser, signInStaffInBrowser } from '../support/sign-in.js';

const SCREENSHOTS = path.resolve('docs', 'screenshots');
const validator = markupValidator;

// Code run inside the page: the project compiles without the DOM library.
declare const document: unknown;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------- the server

interface RunningGovflow {
  readonly url: string;
  readonly govflow: Govflow;
  readonly running: Awaited<ReturnType<typeof startServer>>;
  stop(): Promise<void>;
}

/** The real composition root on loopback: PGlite in a throwaway data directory, or a fresh PostgreSQL database. */
async function startGovflow(backend: Backend): Promise<RunningGovflow> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `govflow-e2e-${backend}-`));
  const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
  const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl, publicUrl: undefined } });
  const running = await startServer(govflow);
  return {
    url: running.url, govflow, running,
    async stop() {
      await running.stop();
      await govflow.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits for a condition that background work (the worker loop's jobs: registry lookups, notifications, signed
 * decisions) brings about: checks, then lets the worker loop run a full poll, and checks again. No fixed sleeps.
 */
function until<T>(server: RunningGovflow, what: string, check: () => Promise<T | null | undefined | false>): Promise<T> {
  return eventually(what, check, { between: () => server.running.worker.poll(), describe: () => whereCasesAre(server) });
}

/** Where every case is (tokens, open incidents): what a failed wait reports, so the blocker is named. */
async function whereCasesAre(server: RunningGovflow): Promise<string> {
  const lines: string[] = [];
  for (const instance of await server.govflow.engine.listInstances({ limit: 50 })) {
    const incidents = await server.govflow.engine.listIncidents({ instanceId: instance.id, state: 'open' });
    lines.push(`  ${instance.businessKey ?? instance.id} ${instance.state} at ${instance.activeElements.map((e) => e.elementId).join(', ') || '-'}`
      + incidents.map((i) => `; incident at ${i.elementId}: ${i.message}`).join(''));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------- a browser tab

/**
 * Page states already audited in this file. The journeys pass through the same states many times (the services list,
 * a start page, the same question page on both backends): a state is the markup as served and the document as drawn
 * with the numbers (references, ids, dates) and CSRF tokens masked, and axe-core and html-validate, which read
 * nothing else, are run on each state once. Any difference in markup (another name, another task shown) is another
 * state and is audited.
 */
const auditedStates = new Set<string>();
const mask = (markup: string): string => markup.replace(/name="csrf" value="[^"]*"/g, 'name="csrf"').replace(/\d+/g, '0');
const stateOf = (served: string, drawn: string): string => createHash('sha256').update(mask(served)).update('\0').update(mask(drawn)).digest('hex');

/** One person's browser tab: follows links and buttons, and audits each page as it was served. */
class Tab {
  private lastDocument: { url: string; status: number; text: Promise<string> } | undefined;

  constructor(readonly page: Page, readonly base: string) {
    page.on('response', (response: Response) => {
      // The HTML as the server sent it (html-validate checks this, not the browser's DOM); a redirect has no page.
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame() && (response.status() < 300 || response.status() >= 400)) {
        this.lastDocument = { url: response.url(), status: response.status(), text: response.text().catch(() => '') };
      }
    });
  }

  static async open(browser: Browser, base: string): Promise<Tab> {
    const context: BrowserContext = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 }, acceptDownloads: true });
    // axe-core is loaded into every page before it runs (CSP is bypassed for the test's own script only).
    await context.addInitScript({ content: axe.source });
    context.setDefaultTimeout(15_000);
    return new Tab(await context.newPage(), base);
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }

  /** On a failure: the page as it was, for the person reading the report (in the system's temporary directory). */
  async dump(name: string): Promise<void> {
    const file = path.join(tmpdir(), `govflow-e2e-${name}`);
    await this.page.screenshot({ path: `${file}.png`, fullPage: true }).catch(() => {});
    await writeFile(`${file}.html`, await this.page.content().catch(() => '')).catch(() => {});
  }

  /** The HTTP status of the page now shown. */
  get status(): number | undefined {
    return this.lastDocument?.status;
  }

  async goto(pathname: string): Promise<void> {
    await this.page.goto(new URL(pathname, this.base).toString());
  }

  /** Clicks a link or button and waits until the page it leads to has loaded. */
  async follow(target: Locator): Promise<void> {
    // waitForNavigation (deprecated but kept) is the one wait that also covers same-document navigations.
    const navigated = this.page.waitForNavigation({ waitUntil: 'load' });
    try {
      await target.click();
    } catch (error) {
      navigated.catch(() => {}); // the click's error is the one to report
      throw error;
    }
    await navigated;
  }

  async press(button: string | RegExp): Promise<void> {
    await this.follow(this.page.getByRole('button', { name: button }));
  }

  /** Follows a link in the page's main content (the header's navigation may have one of the same name). */
  async link(name: string | RegExp): Promise<void> {
    await this.follow(this.page.getByRole('main').getByRole('link', { name }));
  }

  async reload(): Promise<void> {
    await this.page.reload({ waitUntil: 'load' });
  }

  async heading(): Promise<string> {
    return (await this.page.locator('h1').first().innerText()).trim();
  }

  async text(selector = 'main'): Promise<string> {
    return (await this.page.locator(selector).first().innerText()).replace(/\s+/g, ' ');
  }

  /**
   * Waits for the pages' script-driven parts to finish (the workbench's bpmn-js case diagram, the admin's bpmn-js
   * modeller), so the audit and the screenshot see them as a person does; each must have rendered.
   */
  async settled(): Promise<void> {
    const diagram = this.page.locator('#case-diagram');
    if ((await diagram.count()) > 0) {
      await this.page.waitForFunction(() => !['loading', null].includes((document as { getElementById(id: string): { getAttribute(n: string): string | null } | null }).getElementById('case-diagram')?.getAttribute('data-state') ?? null));
      assert.equal(await diagram.getAttribute('data-state'), 'rendered', 'the case diagram is drawn');
    }
    const modeller = this.page.locator('#modeller-canvas');
    if ((await modeller.count()) > 0) await this.page.locator('#modeller-canvas[data-ready="true"]').waitFor();
  }

  /** axe-core (WCAG 2.0–2.2 A/AA) and html-validate on the page as it is now; a screenshot when named. */
  async audit(name: string, screenshot?: string, options: { down?: string } = {}): Promise<void> {
    await this.settled();
    const served = this.lastDocument;
    assert.ok(served, `${name}: the document was captured`);
    assert.equal(served.url.split('#')[0], this.page.url().split('#')[0], `${name}: the captured document is the page shown`);
    const source = await served.text;
    assert.ok(source.length > 0, `${name}: the document has content`);
    const state = stateOf(source, await this.page.content());
    if (auditedStates.has(state)) return this.screenshot(screenshot, options);
    auditedStates.add(state);
    const report = await validator.validateString(source, `${name}.html`);
    const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`));
    assert.deepEqual(messages, [], `${name}: html-validate`);
    const result = await this.page.evaluate(async (tags) => {
      const run = await (globalThis as unknown as { axe: typeof axe }).axe.run(document as never, { runOnly: { type: 'tag', values: tags } });
      return { passes: run.passes.length, violations: run.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`) };
    }, WCAG_TAGS);
    assert.ok(result.passes > 0, `${name}: axe-core ran its rules`);
    assert.deepEqual(result.violations, [], `${name}: axe-core`);
    await this.screenshot(screenshot, options);
  }

  private async screenshot(screenshot: string | undefined, options: { down?: string }): Promise<void> {
    if (!screenshot) return;
    // The whole page, or down to the bottom of one element (a long timeline below it would only make it hard to read).
    const box = options.down ? await this.page.locator(options.down).boundingBox() : null;
    const width = this.page.viewportSize()?.width ?? 1100;
    await this.page.screenshot({ path: path.join(SCREENSHOTS, `${screenshot}.png`), fullPage: true, ...(box ? { clip: { x: 0, y: 0, width, height: Math.ceil(box.y + box.height + 24) } } : {}) });
  }
}

async function dumpAll(label: string, tabs: (Tab | undefined)[]): Promise<void> {
  for (const [i, tab] of tabs.entries()) await tab?.dump(`${label}-${i}`);
}

// ---------------------------------------------------------------------------------------------- citizen steps

/** Services list → start page → "Start now" → sign-in page → sign in → the first question page. */
async function startApplication(tab: Tab, citizen: string, serviceTitle: string, options: { screenshot?: string } = {}): Promise<void> {
  await tab.goto('/');
  assert.equal(await tab.heading(), 'Services');
  await tab.audit('services');
  await tab.link(serviceTitle);
  assert.equal(await tab.heading(), serviceTitle);
  const startPage = tab.page.url();
  await tab.audit('start page', options.screenshot);
  await tab.follow(tab.page.getByRole('button', { name: 'Start now' }));
  assert.match(await tab.heading(), /^Sign in/);
  await tab.audit('citizen sign-in');
  await signInCitizenInBrowser(tab.page, tab.base, citizen);
  await tab.page.goto(startPage);
  await tab.follow(tab.page.getByRole('button', { name: 'Start now' }));
}

async function checkAnswersAndSend(tab: Tab, expectations: Record<string, RegExp>, screenshot?: string): Promise<string> {
  assert.equal(await tab.heading(), 'Check your answers before sending your application');
  for (const [question, answer] of Object.entries(expectations)) {
    assert.match(await tab.page.locator('.govuk-summary-list__row', { hasText: question }).first().innerText(), answer, `check answers shows ${question}`);
  }
  await tab.audit('check answers', screenshot);
  await tab.press('Accept and send');
  assert.equal(await tab.heading(), 'Application sent');
  const reference = (await tab.page.locator('#reference').innerText()).trim();
  await tab.audit('confirmation', screenshot ? 'e2e-citizen-confirmation' : undefined);
  await tab.link('Follow the progress of your application');
  assert.equal(await tab.heading(), `Application ${reference}`);
  return reference;
}

async function citizenStatus(tab: Tab): Promise<string> {
  return (await tab.page.locator('#status').innerText()).trim();
}

/** Reloads the status page until the citizen sees the status (the worker loop runs in between). */
async function waitForStatus(server: RunningGovflow, tab: Tab, status: string | RegExp, extra?: () => Promise<boolean>): Promise<void> {
  await until(server, `the citizen to see "${String(status)}"`, async () => {
    await tab.reload();
    const seen = await citizenStatus(tab);
    return (typeof status === 'string' ? seen === status : status.test(seen)) && (!extra || (await extra()));
  });
}

/** A real one-page PDF (the portal checks the type from the bytes). */
async function sitePlanPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.addPage([595, 842]).drawText('Site plan: 12 Harbour Street, Demo Town', { x: 50, y: 780, size: 14 });
  return Buffer.from(await pdf.save());
}

const decisionLink = (tab: Tab): Locator => tab.page.getByRole('link', { name: 'Download your decision (PDF)' });

/** What the letter must say: the service's name, what was decided on, the reasons and the appeal route. */
interface LetterExpectation {
  readonly service: string;
  readonly object: readonly RegExp[];
  readonly reasons: string;
  readonly appealTo: RegExp;
}

/**
 * Downloads the signed decision from the status page, checks it is a PDF that verifies and reads its text (pdf.js)
 * for what a letter worth keeping says; then follows the /verify link, which names the service.
 */
async function downloadAndVerify(tab: Tab, reference: string, outcome: 'Approved' | 'Refused', letter: LetterExpectation): Promise<void> {
  const [download] = await Promise.all([tab.page.waitForEvent('download'), decisionLink(tab).click()]);
  assert.equal(await download.failure(), null, 'the decision downloads');
  const pdf = await readFile((await download.path())!);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the download is a PDF');
  // The PDF carries its signed JWS: the public verification API checks every byte of what the citizen holds.
  const checked = await (await fetch(new URL('/api/verify', tab.base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pdf: pdf.toString('base64') }) })).json() as
    { valid: boolean; status?: string; payload?: { reference?: string; outcome?: string; letter?: { serviceName?: string } } };
  assert.equal(checked.valid, true, 'the downloaded PDF verifies');
  assert.equal(checked.status, 'current');
  assert.equal(checked.payload?.reference, reference);
  assert.equal(checked.payload?.outcome, outcome.toLowerCase());
  assert.equal(checked.payload?.letter?.serviceName, letter.service, 'the signed JSON names the service');
  const text = flowed(await pdfText(pdf));
  assert.ok(text.includes(`Service: ${letter.service}`), `the letter names the service: ${text}`);
  assert.ok(text.includes(`Outcome: ${outcome}`), 'the letter says the outcome');
  for (const object of letter.object) assert.match(text, object, 'the letter says what was decided on');
  assert.ok(text.includes(flowed(letter.reasons)), 'the letter gives the reasons in full');
  assert.doesNotMatch(text, /\?\?/, 'no character is lost');
  assert.match(text, /How to appeal/);
  assert.match(text, letter.appealTo, 'the letter says where to appeal');
  assert.match(text, /Last day to appeal: \d{1,2} [A-Z][a-z]+ \d{4}/, 'the letter says by when');
  assert.match(text, /Who decided \S/, 'the letter says who decided');
  await tab.link(/check that it is genuine/);
  assert.match(new URL(tab.page.url()).pathname, /^\/verify\/[A-Z0-9-]+$/);
  assert.equal(await tab.heading(), 'This decision is genuine');
  const row = async (key: string): Promise<string> => (await tab.page.locator('.govuk-summary-list__row', { hasText: key }).first().locator('dd').innerText()).trim();
  assert.equal(await row('Reference'), reference);
  assert.equal(await row('Outcome'), outcome);
  assert.equal(await row('Service'), letter.service, '/verify shows the service name, not its id');
  await tab.audit('verify: genuine');
}

const PERMIT_LETTER = { service: 'Building permit', appealTo: /appeal to the Planning Appeals Board/, object: [/Site: 12 Harbour Street, Demo Town/, /Works: Extension: A two-room extension at the back of the house\./, /Floor area: 150 square metres/] };
const LICENCE_LETTER = { service: 'Business licence renewal', appealTo: /ask the Licensing Committee to review it/ };
const BENEFIT_LETTER = { service: 'Housing benefit', appealTo: /mandatory reconsideration/ };

// ---------------------------------------------------------------------------------------------- staff steps

/** Signs a demo staff member in through the real pages (password + TOTP code). */
async function staffTab(browser: Browser, server: RunningGovflow, username: string, options: { auditSignIn?: boolean } = {}): Promise<Tab> {
  const tab = await Tab.open(browser, server.url);
  if (options.auditSignIn) {
    await tab.goto('/staff/sign-in');
    await tab.audit('staff sign-in');
  }
  await signInStaffInBrowser(tab.page, server.url, username);
  return tab;
}

/** From the inbox to the case page of a reference. */
async function openCase(tab: Tab, reference: string, options: { screenshot?: string } = {}): Promise<string> {
  await tab.goto('/staff');
  assert.equal(await tab.heading(), 'Inbox');
  await tab.audit('staff inbox', options.screenshot);
  await tab.link(reference);
  assert.equal(await tab.heading(), reference);
  await tab.audit('staff case page');
  return tab.page.url();
}

/** The part of the case page that is about one task: the innermost element holding its heading and a button. */
function taskPanel(tab: Tab, task: string): Locator {
  return tab.page.locator('div, section, article, li').filter({ has: tab.page.getByRole('heading', { name: new RegExp(`^${escapeRegExp(task)}`) }) })
    .filter({ has: tab.page.getByRole('button') }).last();
}

/** Assigns the task to the signed-in staff member (from the case page), unless it already is. */
async function assignToMe(server: RunningGovflow, tab: Tab, task: string): Promise<Locator> {
  const assign = (): Locator => taskPanel(tab, task).getByRole('button', { name: 'Assign to me' });
  const complete = (): Locator => taskPanel(tab, task).getByRole('button', { name: 'Complete task' });
  await until(server, `the task "${task}" to be open`, async () => {
    if ((await assign().count()) > 0 || (await complete().count()) > 0) return true;
    await tab.reload();
    return false;
  });
  if ((await assign().count()) > 0) {
    await tab.follow(assign());
    await tab.audit(`${task}: assigned`);
  }
  assert.equal(await complete().count(), 1, `${task}: the completion form is shown`);
  return taskPanel(tab, task);
}

async function completeTask(tab: Tab, panel: Locator): Promise<void> {
  await tab.follow(panel.getByRole('button', { name: 'Complete task' }));
  assert.ok((tab.status ?? 500) < 400, `completing the task succeeded (HTTP ${tab.status})`);
  await tab.audit('case page after completing a task');
}

/** A review task (its form from the catalogue): assign, give the outcome and findings, complete. */
async function review(server: RunningGovflow, tab: Tab, task: string, findings: string): Promise<void> {
  const panel = await assignToMe(server, tab, task);
  await panel.getByLabel('No objection', { exact: true }).check();
  await panel.getByLabel('Findings', { exact: true }).fill(findings);
  await completeTask(tab, panel);
}

/** A decision task: assign, approve or refuse with reasons, complete. */
async function decide(server: RunningGovflow, tab: Tab, task: string, decision: 'Approve' | 'Refuse', reasons: string): Promise<void> {
  const panel = await assignToMe(server, tab, task);
  await panel.getByLabel(decision, { exact: true }).check();
  await panel.getByLabel('Reasons', { exact: true }).fill(reasons);
  await completeTask(tab, panel);
}

// ---------------------------------------------------------------------------------------------- housing benefit steps

/** A housing benefit claim from the services list to the confirmation; returns the reference. */
async function claimHousingBenefit(citizen: Tab, username: string, person: (typeof PEOPLE)[string], income: number, rent: number): Promise<string> {
  await startApplication(citizen, username, 'Claim housing benefit');
  assert.equal(await citizen.heading(), 'About you');
  await citizen.audit('about you');
  await citizen.page.getByLabel('Full name', { exact: true }).fill(person.name);
  await citizen.page.getByLabel('Email address', { exact: true }).fill(`${username}@example.org`);
  // No national identity number to type: the registry is asked about the signed-in person (once-only, issue 13).
  assert.equal(await citizen.page.getByLabel('National identity number', { exact: true }).count(), 0);
  await citizen.press('Continue');
  assert.equal(await citizen.heading(), 'Income and rent');
  await citizen.audit('income and rent');
  await citizen.page.getByLabel(/monthly income after tax/).fill(String(income));
  await citizen.page.getByLabel(/monthly rent/).fill(String(rent));
  await citizen.press('Continue');
  assert.equal(await citizen.heading(), 'Declaration');
  await citizen.audit('declaration');
  await citizen.page.getByLabel('I confirm that the information I have given is correct', { exact: true }).check();
  await citizen.press('Continue');
  const reference = await checkAnswersAndSend(citizen, { 'Full name': new RegExp(escapeRegExp(person.name)), 'monthly rent': new RegExp(String(rent)) });
  assert.match(reference, /^HB-\d{4}-\d{6}$/);
  await citizen.audit('status: received');
  return reference;
}

/** The building permit's pages from "About you" (already shown) to the confirmation; returns the reference. */
async function fillPermitApplication(citizen: Tab, screenshot?: string): Promise<string> {
  await citizen.page.getByLabel('Full name', { exact: true }).fill('Alex Demo');
  await citizen.page.getByLabel('Email address', { exact: true }).fill('alex@example.org');
  await citizen.page.getByLabel('Yes, I am the owner', { exact: true }).check();
  await citizen.press('Continue');

  assert.equal(await citizen.heading(), 'About the building work');
  await citizen.audit('about the building work');
  await citizen.page.getByLabel('Address of the site', { exact: true }).fill('12 Harbour Street, Demo Town');
  await citizen.page.getByLabel('Type of work', { exact: true }).selectOption({ label: 'Extension' });
  await citizen.page.getByLabel('Floor area in square metres', { exact: true }).fill('150');
  await citizen.page.getByLabel('Describe the work', { exact: true }).fill('A two-room extension at the back of the house.');
  await citizen.page.getByLabel('Day', { exact: true }).fill('3');
  await citizen.page.getByLabel('Month', { exact: true }).fill('4');
  await citizen.page.getByLabel('Year', { exact: true }).fill('2027');
  await citizen.page.getByLabel('Site plan', { exact: true }).setInputFiles({ name: 'site-plan.pdf', mimeType: 'application/pdf', buffer: await sitePlanPdf() });
  await citizen.press('Continue');

  assert.equal(await citizen.heading(), 'Declaration');
  await citizen.audit('declaration');
  await citizen.page.getByLabel('I confirm that the information I have given is correct', { exact: true }).check();
  await citizen.press('Continue');

  return checkAnswersAndSend(citizen, { 'Floor area in square metres': /150/, 'When do you plan to start?': /3 April 2027/, 'Type of work': /Extension/, 'Site plan': /site-plan\.pdf/ }, screenshot);
}

/** The registry lookup and the eligibility DMN run in the background: the edge case reaches the benefits inbox. */
async function benefitsCase(server: RunningGovflow, ben: Tab, reference: string): Promise<void> {
  await until(server, 'the claim to reach the benefits inbox', async () => {
    await ben.goto('/staff');
    return (await ben.page.getByRole('link', { name: reference }).count()) > 0;
  });
  await openCase(ben, reference);
}

// ---------------------------------------------------------------------------------------------- the journeys

let browser: Browser;
before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
});

describe('building permit, housing benefit award and the admin modeller, end to end in Chromium [pglite]', () => {
  let server: RunningGovflow;
  before(async () => {
    server = await startGovflow('pglite');
  });
  after(async () => {
    await server?.stop();
  });

  it('building permit: citizen applies, intake asks for more information, three reviews, fee paid, manager approves, signed decision', async () => {
    const citizen = await Tab.open(browser, server.url);
    const staff: Tab[] = [];
    try {
      // ---- the citizen applies
      await startApplication(citizen, 'alex', 'Apply for a building permit', { screenshot: 'e2e-citizen-start' });
      assert.equal(await citizen.heading(), 'About you');
      await citizen.audit('about you');
      // An empty page: the error summary lists every required answer.
      await citizen.press('Continue');
      assert.equal(await citizen.heading(), 'About you');
      assert.equal(citizen.status, 400);
      assert.equal((await citizen.page.locator('.govuk-error-summary h2').innerText()).trim(), 'There is a problem');
      assert.ok((await citizen.page.locator('.govuk-error-summary li').count()) >= 3, 'each required answer is listed');
      await citizen.audit('about you, empty: errors');
      const reference = await fillPermitApplication(citizen, 'e2e-citizen-check-answers');
      assert.match(reference, /^BP-\d{4}-\d{6}$/);
      assert.equal(await citizenStatus(citizen), 'We have received your application');
      await citizen.audit('status: received');

      // ---- intake (pat) asks for more information; an empty task form first
      const pat = await staffTab(browser, server, 'pat', { auditSignIn: true });
      staff.push(pat);
      const caseUrl = await openCase(pat, reference, { screenshot: 'e2e-staff-inbox' });
      let panel = await assignToMe(server, pat, 'Check completeness');
      await pat.follow(panel.getByRole('button', { name: 'Complete task' }));
      assert.equal(pat.status, 400, 'an empty completeness form is refused');
      assert.equal(await pat.page.locator('.govuk-error-summary').count(), 1, 'the error summary names the missing answer');
      await pat.audit('check completeness, empty: error');
      await pat.page.goto(caseUrl);
      panel = taskPanel(pat, 'Check completeness');
      await panel.getByLabel('No, ask the applicant for more information', { exact: true }).check();
      await panel.getByLabel('What should the applicant send?', { exact: true }).fill('Please send the height of the extension and describe its roof.');
      await completeTask(pat, panel);

      // ---- the citizen answers on the status page (an empty answer first)
      await waitForStatus(server, citizen, 'Answer our question', async () => (await citizen.page.locator('#question').count()) > 0);
      assert.equal((await citizen.page.locator('#question').innerText()).trim(), 'Please send the height of the extension and describe its roof.');
      await citizen.audit('status: information needed');
      await citizen.press('Send information');
      assert.equal(citizen.status, 400);
      assert.equal(await citizen.page.locator('.govuk-error-summary').count(), 1);
      await citizen.audit('status: information needed, empty answer: error');
      await citizen.page.getByLabel('Your answer', { exact: true }).fill('The extension is 3.5 metres high with a flat green roof.');
      await citizen.press('Send information');
      assert.match(await citizen.text(), /Your information was sent/);
      await citizen.audit('status: information sent');

      // ---- intake finds it complete; zoning (pat), structural (bob) and fire-safety (fay) review in parallel
      await pat.page.goto(caseUrl);
      panel = await assignToMe(server, pat, 'Check completeness');
      await panel.getByLabel(/^Yes/).check();
      await completeTask(pat, panel);
      await review(server, pat, 'Zoning review', 'Within the residential zone; the extension keeps the 3 m boundary distance.');
      await waitForStatus(server, citizen, 'We are reviewing your application');
      await citizen.audit('status: in review');

      const bob = await staffTab(browser, server, 'bob');
      staff.push(bob);
      await openCase(bob, reference);
      await review(server, bob, 'Structural review', 'Load calculations for the flat roof are sound.');
      const fay = await staffTab(browser, server, 'fay');
      staff.push(fay);
      await openCase(fay, reference);
      await review(server, fay, 'Fire-safety review', 'Escape routes unchanged; no public access.');

      // ---- the fee (DMN: 100 < 150 m² ≤ 500, not open to the public → €600) paid with the test provider
      await waitForStatus(server, citizen, 'Pay the fee', async () => (await citizen.page.getByRole('button', { name: 'Pay the fee' }).count()) > 0);
      assert.match(await citizen.text('#fee-due'), /€600\.00/);
      await citizen.audit('status: fee due');
      await citizen.press('Pay the fee');
      assert.equal(await citizen.heading(), 'Pay €600.00');
      await citizen.audit('test payment provider');
      await citizen.press('Pay');
      assert.equal(await citizen.heading(), 'Payment received');
      await citizen.audit('payment received');
      await citizen.link('Follow the progress of your application');

      // ---- the planning manager (mia) approves
      const mia = await staffTab(browser, server, 'mia');
      staff.push(mia);
      await openCase(mia, reference);
      await assignToMe(server, mia, 'Decide on the application');
      // The case page with the diagram (the current position: the decision) and the decision form.
      await mia.audit('decide: assigned', 'e2e-staff-case', { down: '#case-diagram' });
      const approval = 'The extension meets the zoning plan, the building code and the fire-safety rules.';
      await decide(server, mia, 'Decide on the application', 'Approve', approval);

      // ---- the citizen sees the decision, downloads the signed PDF and checks it is genuine
      await waitForStatus(server, citizen, /^(Approved|Refused)$/, async () => (await decisionLink(citizen).count()) > 0);
      await citizen.audit('status: decision made', 'e2e-citizen-decision');
      await downloadAndVerify(citizen, reference, 'Approved', { ...PERMIT_LETTER, object: [...PERMIT_LETTER.object, /Fee paid: EUR 600\.00/], reasons: approval });

      const [instance] = await server.govflow.engine.listInstances({ businessKey: reference });
      assert.equal(instance?.state, 'completed');
      const ended = (await server.govflow.engine.getEvents(instance.id)).filter((e) => e.type === 'element.completed' && e.elementId === 'permit-granted');
      assert.equal(ended.length, 1, 'the case ended at "Permit granted"');
    } catch (error) {
      await dumpAll('permit', [citizen, ...staff]);
      throw error;
    } finally {
      await citizen.close();
      for (const tab of staff) await tab.close();
    }
  });

  it('building permit: the reviews and fee done, the manager refuses with reasons in two paragraphs; the letter says what and why', async () => {
    const citizen = await Tab.open(browser, server.url);
    let mia: Tab | undefined;
    try {
      await startApplication(citizen, 'alex', 'Apply for a building permit');
      const reference = await fillPermitApplication(citizen);
      // The steps before the decision are the approval journey's; here staff take them through the engine.
      const [instance] = await server.govflow.engine.listInstances({ businessKey: reference });
      const complete = async (elementId: string, variables: Record<string, unknown>): Promise<void> => {
        const task = await until(server, `the task ${elementId}`, async () => (await server.govflow.engine.listTasks({ instanceId: instance!.id, limit: 100 })).find((t) => t.elementId === elementId && t.state !== 'completed'));
        await server.govflow.engine.completeTask(task.id, { variables, actor: 'staff:pat' });
      };
      await complete('check-completeness', { complete: true });
      await complete('zoning-review', { zoningOutcome: 'objection', zoningFindings: 'The extension is 1 m from the boundary; the zoning plan asks for 3 m.' });
      await complete('structural-review', { structuralOutcome: 'no-objection', structuralFindings: 'Sound.' });
      await complete('fire-safety-review', { fireSafetyOutcome: 'no-objection', fireSafetyFindings: 'No public access.' });
      await waitForStatus(server, citizen, 'Pay the fee', async () => (await citizen.page.getByRole('button', { name: 'Pay the fee' }).count()) > 0);
      await citizen.press('Pay the fee');
      await citizen.press('Pay');
      assert.equal(await citizen.heading(), 'Payment received');
      await citizen.link('Follow the progress of your application');
      mia = await staffTab(browser, server, 'mia');
      await openCase(mia, reference);
      // Reasons typed in two paragraphs: the letter keeps the break (it once printed '??').
      const reasons = 'The extension is 1 metre from the boundary with 14 Harbour Street.\nThe zoning plan asks for at least 3 metres, so the permit cannot be granted as drawn.';
      await decide(server, mia, 'Decide on the application', 'Refuse', reasons);
      await waitForStatus(server, citizen, /^(Approved|Refused)$/, async () => (await decisionLink(citizen).count()) > 0);
      assert.match(await citizen.text('#decision'), /refused/);
      await downloadAndVerify(citizen, reference, 'Refused', { ...PERMIT_LETTER, reasons, object: [...PERMIT_LETTER.object, /Who decided Building control manager, Planning and Building Control/] });
    } catch (error) {
      await dumpAll('permit-refused', [citizen, mia]);
      throw error;
    } finally {
      await citizen.close();
      await mia?.close();
    }
  });

  it('housing benefit: an edge case from the eligibility DMN, the caseworker approves, the payment schedule is recorded, a signed decision', async () => {
    const citizen = await Tab.open(browser, server.url);
    let ben: Tab | undefined;
    try {
      // Kim's household (population registry): Kim, a partner and a child → 3 people, so an income of 2,700 is
      // 2,700 / (1 + 0.5 × 2) = 1,350 equivalised: between 1,200 and 1,500, an edge case for a caseworker.
      const kim = PEOPLE['19920718-3003']!;
      assert.equal(kim.householdMembers.length, 2);
      const reference = await claimHousingBenefit(citizen, 'kim', kim, 2700, 900);
      ben = await staffTab(browser, server, 'ben');
      await benefitsCase(server, ben, reference);
      const award = 'Rent is a large share of the household income; the household is close to the income limit.';
      await decide(server, ben, 'Review the claim', 'Approve', award);

      await waitForStatus(server, citizen, /^(Approved|Refused)$/, async () => (await decisionLink(citizen).count()) > 0);
      assert.match(await citizen.text('#decision'), /approved/);
      await citizen.audit('status: decision made');
      // The award: 900 − 0.25 × 2,700 = 225 a month, 12 instalments, recorded by the record-payment-schedule job.
      const [instance] = await server.govflow.engine.listInstances({ businessKey: reference });
      const recorded = instance?.variables['paymentSchedule'] as { amount: number }[] | undefined;
      assert.deepEqual(recorded?.map((p) => Number(p.amount)), Array.from({ length: 12 }, () => 225));
      // …and the citizen sees it on the status page.
      assert.equal(await citizen.text('#payment-schedule-summary'), '12 payments of €225.00, €2,700.00 in total.');
      assert.equal(await citizen.page.locator('#payment-schedule tbody tr').count(), 12);
      await downloadAndVerify(citizen, reference, 'Approved', { ...BENEFIT_LETTER, reasons: award,
        object: [/Amount: EUR 225\.00 a month/, /Payment schedule: 12 monthly payments, on the first day of each month/, /First payment: 1 [A-Z][a-z]+ \d{4}/] });
    } catch (error) {
      await dumpAll('benefit', [citizen, ben]);
      throw error;
    } finally {
      await citizen.close();
      await ben?.close();
    }
  });

  it('an administrator opens the deployed building permit in the BPMN modeller', async () => {
    const ada = await staffTab(browser, server, 'ada');
    try {
      await ada.goto('/admin');
      assert.equal(await ada.heading(), 'Administration');
      await ada.audit('admin overview');
      await ada.link('Processes and decisions');
      assert.equal(await ada.heading(), 'Processes and decisions');
      await ada.audit('admin processes');
      await ada.link('Open building-permit in the modeller');
      await ada.audit('admin modeller', 'e2e-admin-modeller');
      // bpmn-js drew the deployed model: the process's top-level elements are on the canvas.
      for (const element of ['Handle the application', 'Escalation: case over 60 days', 'Permit granted', 'Permit refused']) {
        assert.equal(await ada.page.locator('#modeller-canvas .djs-element', { hasText: element }).count() > 0, true, `the modeller shows "${element}"`);
      }
    } catch (error) {
      await dumpAll('admin', [ada]);
      throw error;
    } finally {
      await ada.close();
    }
  });
});

// These journeys run on a real PostgreSQL server (the PostgreSQL test server of scripts/run-tests.mjs).
describe(`business licence renewal and a housing benefit refusal, end to end in Chromium [${pgUrl ? 'postgres' : 'pglite'}]`, () => {
  let server: RunningGovflow;
  before(async () => {
    if (!pgUrl && process.env['GOVFLOW_REQUIRE_PG'] === '1') throw new Error('PostgreSQL test server required but GOVFLOW_TEST_PG_URL is not set');
    server = await startGovflow(pgUrl ? 'postgres' : 'pglite');
  });
  after(async () => {
    await server?.stop();
  });

  async function applyForRenewal(citizen: Tab, businessCode: string): Promise<string> {
    await startApplication(citizen, 'sam', 'Renew a business licence');
    assert.equal(await citizen.heading(), 'About the business');
    await citizen.audit('about the business');
    await citizen.page.getByLabel('Your full name', { exact: true }).fill('Sam Example');
    await citizen.page.getByLabel('Email address', { exact: true }).fill('sam@example.org');
    await citizen.page.getByLabel('Business code', { exact: true }).fill(businessCode);
    await citizen.press('Continue');
    assert.equal(await citizen.heading(), 'Declaration');
    await citizen.audit('declaration');
    await citizen.page.getByLabel('I confirm that I represent this business and that its trading has not changed', { exact: true }).check();
    await citizen.press('Continue');
    const reference = await checkAnswersAndSend(citizen, { 'Business code': new RegExp(businessCode) });
    assert.match(reference, /^BL-\d{4}-\d{6}$/);
    await citizen.audit('status: received');
    return reference;
  }

  it('a business without violations (BR-100200, from the business registry) is renewed automatically', async () => {
    const citizen = await Tab.open(browser, server.url);
    try {
      const reference = await applyForRenewal(citizen, 'BR-100200');
      await waitForStatus(server, citizen, /^(Approved|Refused)$/, async () => (await decisionLink(citizen).count()) > 0);
      await citizen.audit('status: decision made');
      const [instance] = await server.govflow.engine.listInstances({ businessKey: reference });
      // Prefilled from the agency simulator's business registry (another process, signed HTTP), not typed.
      assert.equal((instance?.variables['business'] as { name?: string } | undefined)?.name, COMPANIES['BR-100200']!.name);
      assert.equal(instance?.variables['route'], 'auto-approve');
      assert.equal((await server.govflow.engine.listTasks({ instanceId: instance!.id, limit: 100 })).length, 0, 'no staff task');
      await downloadAndVerify(citizen, reference, 'Approved', { ...LICENCE_LETTER, reasons: 'The business registry records no violations, so the licence is renewed.',
        object: [/Business: Example Bakery Ltd, 4 Mill Lane, Demo Town/, /Licence period: \d{1,2} [A-Z][a-z]+ \d{4} to \d{1,2} [A-Z][a-z]+ \d{4}/, /Who decided Automatic decision/] });
    } catch (error) {
      await dumpAll('licence-auto', [citizen]);
      throw error;
    } finally {
      await citizen.close();
    }
  });

  it('a business with violations (BR-300400) goes to the licensing clerk, who refuses with reasons; the citizen sees them', async () => {
    const citizen = await Tab.open(browser, server.url);
    let lin: Tab | undefined;
    try {
      const reference = await applyForRenewal(citizen, 'BR-300400');
      lin = await staffTab(browser, server, 'lin');
      await until(server, 'the renewal to reach the licensing inbox', async () => {
        await lin!.goto('/staff');
        return (await lin!.page.getByRole('link', { name: reference }).count()) > 0;
      });
      const caseUrl = await openCase(lin, reference);
      const [instance] = await server.govflow.engine.listInstances({ businessKey: reference });
      assert.deepEqual((instance?.variables['business'] as { licenceViolations?: unknown[] } | undefined)?.licenceViolations, COMPANIES['BR-300400']!.licenceViolations, 'the violations come from the business registry');
      assert.equal(instance?.variables['route'], 'review');
      // A refusal without reasons is refused next to the field, and nothing is completed.
      let panel = await assignToMe(server, lin, 'Review the renewal');
      await panel.getByLabel('Refuse', { exact: true }).check();
      await lin.follow(panel.getByRole('button', { name: 'Complete task' }));
      assert.equal(lin.status, 400, 'a refusal without reasons is refused');
      assert.match(await lin.text('.govuk-error-summary'), /Enter the reasons for the refusal/);
      await lin.audit('review the renewal, refusal without reasons: error');
      await lin.page.goto(caseUrl);
      panel = taskPanel(lin, 'Review the renewal');
      const reasons = 'Two licence violations in the last year: trading after licensed hours and a failed food hygiene inspection.';
      await panel.getByLabel('Refuse', { exact: true }).check();
      await panel.getByLabel('Reasons', { exact: true }).fill(reasons);
      await completeTask(lin, panel);

      await waitForStatus(server, citizen, /^(Approved|Refused)$/, async () => (await decisionLink(citizen).count()) > 0);
      assert.match(await citizen.text('#decision'), /refused/);
      assert.equal((await citizen.page.locator('#decision-reasons').innerText()).trim(), reasons, 'the citizen sees the reasons for the refusal');
      await citizen.audit('status: licence refused');
      await downloadAndVerify(citizen, reference, 'Refused', { ...LICENCE_LETTER, reasons, object: [/Business: Late Night Grill Ltd, 77 Quay Road, Demo Town/, /Who decided Licensing clerk, Licensing/] });
    } catch (error) {
      await dumpAll('licence-refused', [citizen, lin]);
      throw error;
    } finally {
      await citizen.close();
      await lin?.close();
    }
  });

  it('housing benefit: the caseworker refuses an edge case with reasons; the citizen sees them and the signed refusal', async () => {
    const citizen = await Tab.open(browser, server.url);
    let ben: Tab | undefined;
    try {
      // Alex and a child → 2 people: 2,000 / 1.5 = 1,333 equivalised, an edge case.
      const alex = PEOPLE['19850412-1001']!;
      assert.equal(alex.householdMembers.length, 1);
      const reference = await claimHousingBenefit(citizen, 'alex', alex, 2000, 520);
      ben = await staffTab(browser, server, 'ben');
      await benefitsCase(server, ben, reference);
      const reasons = 'The rent (520 euros) is about a quarter of the household income, below the 30 % the benefit supports.';
      await decide(server, ben, 'Review the claim', 'Refuse', reasons);

      await waitForStatus(server, citizen, /^(Approved|Refused)$/, async () => (await decisionLink(citizen).count()) > 0);
      assert.match(await citizen.text('#decision'), /refused/);
      assert.equal((await citizen.page.locator('#decision-reasons').innerText()).trim(), reasons, 'the citizen sees the reasons for the refusal');
      await citizen.audit('status: refused');
      await downloadAndVerify(citizen, reference, 'Refused', { ...BENEFIT_LETTER, reasons, object: [/Monthly income: EUR 2,000\.00/, /Monthly rent: EUR 520\.00/, /Who decided Benefits caseworker, Benefits/] });
    } catch (error) {
      await dumpAll('benefit-refused', [citizen, ben]);
      throw error;
    } finally {
      await citizen.close();
      await ben?.close();
    }
  });
});
