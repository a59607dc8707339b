// The three demo services' citizen journeys in Chromium in each of the four languages (issue 21, acceptance 2):
// ONE portal server and ONE browser for all twelve. Each journey goes from the service's start page through its
// questions (answered through the labels as read in that language) to "Accept and send", the confirmation and the
// status page; the first of each language also takes the list of services, the switcher (Accept-Language chooses
// the first page, the switcher's cookie keeps the choice), the sign-in page and a question answered wrongly. Every
// page is checked by axe-core (WCAG 2.2 A/AA: `lang` on the page, and on the switcher's links in other languages)
// and html-validate (on the markup as served). The housing benefit claim of each language goes on to the decision:
// it is a case for a caseworker (income near the limit), who decides over HTTP (the API, not the browser: cheap);
// the citizen then reads the decided status page in the browser, and the decision letter PDF (read back by pdf.js)
// and the decision e-mail are in the language the citizen applied in. The server is the whole govflow (the worker
// loop issues the letter and the e-mail); other agencies' registries are answered by the test through the engine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue, type Catalogue, type Service } from '../../src/catalogue/index.js';
import { translate, type Language, type MessageKey } from '../../src/i18n/index.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { eventually } from '../support/eventually.js';
import { auditPage } from '../support/page-audit.js';
import { flowed, pdfText } from '../support/pdf-text.js';
import { signInCitizenInBrowser, signInStaff } from '../support/sign-in.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, samplePdf } from '../portal/support.js';

/** One citizen's tab in one language: follows links and buttons, audits each page as the server sent it. */
class Journey {
  private served: Promise<string> = Promise.resolve('');
  constructor(readonly page: Page, readonly language: Language) {
    page.on('response', (response) => {
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame() && (response.status() < 300 || response.status() >= 400)) this.served = response.text().catch(() => '');
    });
  }

  say(key: MessageKey, values?: Record<string, string>): string {
    return translate(this.language, key, values);
  }

  /** A service's own text at `place` (service-translations.ts, or its letter's) as this reader reads it. */
  text(svc: Service, place: string, english: string, from = svc.translations): string {
    if (this.language === 'en') return english;
    const translated = from?.[this.language]?.[place];
    assert.ok(translated, `${svc.id}: '${place}' is translated into ${this.language}`);
    return translated;
  }

  async follow(target: Locator): Promise<void> {
    const navigated = this.page.waitForNavigation({ waitUntil: 'load' });
    await target.click();
    await navigated;
  }

  async press(key: MessageKey): Promise<void> {
    await this.follow(this.page.getByRole('button', { name: this.say(key), exact: true }));
  }

  async heading(): Promise<string> {
    return (await this.page.locator('h1').first().innerText()).trim();
  }

  /** The page is in the reader's language, then axe-core and html-validate find nothing. */
  async audit(what: string): Promise<void> {
    assert.equal(await this.page.getAttribute('html', 'lang'), this.language, `${what}: lang`);
    await auditPage(this.page, `${this.language} ${what}`, await this.served);
  }

  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true });
  }
}

/** The question pages of each service, answered through their labels in the reader's language. */
const ANSWERS: Record<string, (j: Journey, svc: Service) => Promise<void>> = {
  'building-permit': async (j, svc) => {
    const f = (key: string, english: string): Locator => j.field(j.text(svc, key, english));
    await f('forms.about-you.applicantName.label', 'Full name').fill('Jüri Õunapuu');
    await f('forms.about-you.email.label', 'Email address').fill('juri@example.org');
    await f('forms.about-you.applicantRole.values.owner', 'Yes, I am the owner').check();
    await j.press('common.continue');
    assert.equal(await j.heading(), j.text(svc, 'pages.the-building.title', 'About the building work'));
    await j.audit('building permit: the building');
    await f('forms.the-building.siteAddress.label', 'Address of the site').fill('Carrer de la Pau 12, Barcelona');
    await f('forms.the-building.workType.label', 'Type of work').selectOption({ label: j.text(svc, 'forms.the-building.workType.values.extension', 'Extension') });
    await f('forms.the-building.floorArea.label', 'Floor area in square metres').fill('150');
    await f('forms.the-building.workDescription.label', 'Describe the work').fill('Dues habitacions noves al darrere de la casa.');
    await j.field(j.say('form.day')).fill('3');
    await j.field(j.say('form.month')).fill('4');
    await j.field(j.say('form.year')).fill('2027');
    await f('forms.the-building.sitePlan.label', 'Site plan').setInputFiles({ name: 'site-plan.pdf', mimeType: 'application/pdf', buffer: await samplePdf() });
    await j.press('common.continue');
    assert.equal(await j.heading(), j.text(svc, 'pages.declaration.title', 'Declaration'));
    await j.audit('building permit: declaration');
    await f('forms.declaration.declaration.checkboxLabel', 'I confirm that the information I have given is correct').check();
  },
  'business-licence-renewal': async (j, svc) => {
    const f = (key: string, english: string): Locator => j.field(j.text(svc, key, english));
    await f('forms.the-business.applicantName.label', 'Your full name').fill('Łukasz Żółć');
    await f('forms.the-business.email.label', 'Email address').fill('lukasz@example.org');
    await f('forms.the-business.businessCode.label', 'Business code').fill('BR-100200');
    await j.press('common.continue');
    assert.equal(await j.heading(), j.text(svc, 'pages.declaration.title', 'Declaration'));
    await j.audit('licence renewal: declaration');
    await f('forms.declaration.declaration.checkboxLabel', 'I confirm that I represent this business and that its trading has not changed').check();
  },
  'housing-benefit': async (j, svc) => {
    const f = (key: string, english: string): Locator => j.field(j.text(svc, key, english));
    await f('forms.about-you.applicantName.label', 'Full name').fill('Дмитрий Иванов');
    await f('forms.about-you.email.label', 'Email address').fill('dmitri@example.org');
    await j.press('common.continue');
    assert.equal(await j.heading(), j.text(svc, 'pages.income-and-rent.title', 'Income and rent'));
    await j.audit('housing benefit: income and rent');
    // Close to the income limit (housing-benefit-eligibility.dmn): a caseworker decides.
    await f('forms.income-and-rent.monthlyIncome.label', "Your household's monthly income after tax, in euros").fill('1300');
    await f('forms.income-and-rent.monthlyRent.label', 'Your monthly rent, in euros').fill('650');
    await j.press('common.continue');
    assert.equal(await j.heading(), j.text(svc, 'pages.declaration.title', 'Declaration'));
    await j.audit('housing benefit: declaration');
    await f('forms.declaration.declaration.checkboxLabel', 'I confirm that the information I have given is correct').check();
  },
};

/** What the caseworker writes as the reasons, in the language of the case (a person writes in it). */
const REASONS: Record<Language, string> = {
  en: 'The tenancy agreement confirms the rent.', es: 'El contrato de alquiler confirma el importe.', ca: 'El contracte de lloguer confirma l’import.', et: 'Üürileping kinnitab üüri suurust.',
};

describe('the three demo services\' citizen journeys in Chromium in English, Spanish, Catalan and Estonian', () => {
  let server: DemoServer;
  let base: string;
  let catalogue: Catalogue;
  let browser: Browser;
  let caseworker: string;
  const saved: Record<string, string | undefined> = {};
  before(async () => {
    for (const k of ['GOVFLOW_REGISTRY', 'GOVFLOW_EXCHANGE', 'GOVFLOW_SMTP_URL']) saved[k] = process.env[k];
    process.env['GOVFLOW_REGISTRY'] = 'off';
    process.env['GOVFLOW_EXCHANGE'] = 'off';
    delete process.env['GOVFLOW_SMTP_URL'];
    [server, browser, catalogue] = await Promise.all([startDemoServer('i18n-journeys'), chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }), loadCatalogue(DEFAULT_CATALOGUE_DIR)]);
    base = server.running.url;
    caseworker = await signInStaff(base, 'ben');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });

  /** The list of services, the switcher and its cookie, the sign-in page: once per language. */
  async function arrive(j: Journey, citizen: string): Promise<void> {
    const other = j.language === 'en' ? 'es' : 'en';
    await j.page.goto(`${base}/`);
    assert.equal(await j.heading(), j.say('nav.services'));
    await j.audit('services');
    // Accept-Language chose this page's language; the switcher's link to another keeps that one for the next pages.
    await j.follow(j.page.locator(`a[hreflang="${other}"]`));
    assert.equal(await j.page.getAttribute('html', 'lang'), other);
    await j.follow(j.page.locator(`a[hreflang="${j.language}"]`));
    assert.equal(await j.page.getAttribute('html', 'lang'), j.language);
    await j.page.goto(`${base}/sign-in`);
    await j.audit('sign-in');
    await signInCitizenInBrowser(j.page, base, citizen, j.say('nav.signIn'));
    await j.page.goto(`${base}/`);
  }

  /**
   * The housing benefit claim to its decision: the population registry answers (through the engine), a caseworker
   * approves it over HTTP, and the citizen reads the decision and its letter in the language they applied in.
   */
  async function decide(j: Journey, svc: Service, reference: string): Promise<void> {
    const engine = server.govflow.engine;
    const worker = `test-${j.language}`;
    const instance = await eventually('the case', async () => (await engine.listInstances({ businessKey: reference }))[0]);
    await eventually('the registry lookup', async () => {
      const jobs = await engine.activateJobs({ type: 'registry-lookup', worker, maxJobs: 5, lockMs: 60_000, processKeys: [svc.process.key] });
      const mine = jobs.find((job) => job.instanceId === instance.id);
      for (const other of jobs) if (other !== mine) await engine.failJob(other.id, { worker, retries: other.retries, backoffMs: 0 });
      if (mine) await engine.completeJob(mine.id, { worker, variables: { person: { name: 'Дмитрий Иванов', householdMembers: [] } } });
      return mine !== undefined;
    });
    const task = await eventually('the caseworker review', async () => (await engine.listTasks({ instanceId: instance.id, state: 'created' })).find((t) => t.elementId === 'caseworker-review'));
    const csrf = /name="csrf" value="([^"]*)"/.exec(await (await fetch(`${base}/staff/sign-in`, { headers: { cookie: caseworker } })).text())?.[1] ?? '';
    const completed = await fetch(`${base}/api/tasks/${task.id}/complete`, {
      method: 'POST', headers: { cookie: caseworker, 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ variables: { decision: 'approved', decisionReasons: REASONS[j.language] } }),
    });
    assert.equal(completed.status, 200, `the caseworker decides: ${await completed.text()}`);
    await eventually('the decision', async () => (await engine.getInstance(instance.id)).state === 'completed');

    await j.page.goto(`${base}/applications/${reference}`);
    assert.equal((await j.page.locator('#status').innerText()).trim(), j.say('status.approved'));
    assert.equal((await j.page.locator('#decision-outcome').innerText()).trim(), j.say('decision.outcome', { outcome: j.say('decision.approved') }));
    await j.audit('housing benefit: the decision');
    // The letter, downloaded as the signed-in citizen: its headline, the rules it applied and the reasons, in this language.
    const letter = await j.page.context().request.get(`${base}${await j.page.getByRole('link', { name: j.say('decision.download') }).getAttribute('href')}`);
    assert.equal(letter.status(), 200);
    const text = flowed(await pdfText(await letter.body()));
    const words = svc.letter!.translations;
    const headline = j.text(svc, 'headline.approved', svc.letter!.headline.approved, words);
    assert.ok(text.includes(headline), `${j.language}: the headline "${headline}" in:\n${text}`);
    assert.ok(text.includes(j.say('letter.rulesApplied')), `${j.language}: "The rules we applied" in the letter's language`);
    assert.ok(text.includes(`${j.text(svc, 'decisions.housing-benefit-eligibility.name', 'Housing benefit eligibility', words)}: ${j.text(svc, 'decisions.rule.income-near-limit', 'A household income from 1,200 to 1,500 a month (per adult equivalent) is close to the limit: a caseworker reviews it.', words)}`), `${j.language}: the rule that applied, in the letter's language:\n${text}`);
    assert.ok(text.includes(REASONS[j.language]));
    const { rows: [mail] } = await server.govflow.db.query<{ text_body: string }>(`select text_body from notification_outbox where instance_id = $1 and template = 'decision-made'`, [instance.id]);
    assert.ok(mail?.text_body.includes(j.text(svc, 'serviceName', svc.title, words)) && mail.text_body.includes(j.say('email.decision.approved')), `${j.language}: the decision e-mail:\n${mail?.text_body}`);
  }

  /** One language's three journeys, as one citizen in a browser context of its own. */
  async function journeys(language: Language, citizen: string): Promise<void> {
    const context = await browser.newContext({ locale: language });
    await context.addInitScript({ content: axe.source });
    // A whole govflow server (worker loop, projectors) shares the two cores with the browser: room for a slow page.
    context.setDefaultTimeout(30_000);
    const j = new Journey(await context.newPage(), language);
    try {
      await arrive(j, citizen);
      for (const [index, id] of ['business-licence-renewal', 'building-permit', 'housing-benefit'].entries()) {
        const svc = catalogue.get(id)!;
        const title = j.text(svc, 'title', svc.title);
        // The list of services (audited in arrive) leads to the first; the others' start pages are opened directly.
        if (index === 0) await j.follow(j.page.getByRole('main').getByRole('link', { name: title, exact: true }));
        else await j.page.goto(`${base}/services/${id}`);
        assert.equal(await j.heading(), title);
        await j.audit(`${id}: start page`);
        await j.follow(j.page.getByRole('button', { name: j.say('start.startNow') }));
        assert.equal(await j.heading(), j.text(svc, `pages.${svc.pages[0]!.id}.title`, svc.pages[0]!.title));
        if (index === 0) {
          // A question answered wrongly: GOV.UK's error summary and the title's prefix, in this language.
          await j.press('common.continue');
          assert.match(await j.page.title(), new RegExp(`^${j.say('layout.errorPrefix')}`));
          assert.equal(await j.page.locator('.govuk-error-summary__title').innerText(), j.say('form.problem'));
          await j.audit(`${id}: question with errors`);
        } else await j.audit(`${id}: first question`);
        await ANSWERS[id]!(j, svc);
        await j.press('common.continue');
        assert.equal(await j.heading(), j.say('check.heading'));
        await j.audit(`${id}: check your answers`);
        await j.press('check.acceptAndSend');
        const reference = (await j.page.locator('#reference').innerText()).trim();
        assert.match(reference, new RegExp(`^${svc.referencePrefix}-\\d{4}-\\d{6}$`));
        await j.audit(`${id}: confirmation`);
        await j.follow(j.page.getByRole('main').getByRole('link', { name: j.say('confirmation.follow') }));
        assert.equal(await j.heading(), j.say('status.title', { reference }));
        assert.equal((await j.page.locator('#status').innerText()).trim(), j.say('status.received'));
        await j.audit(`${id}: status page`);
        if (id === 'housing-benefit') await decide(j, svc, reference);
      }
    } finally {
      await context.close();
    }
  }

  // Two languages at a time, each its own citizen (a citizen has one draft per service), so the server (this process)
  // and the browser's audits can use both cores at once.
  for (const pair of [['en', 'es'], ['ca', 'et']] as const) {
    it(`${pair.join(' and ')}: the three services from the start page to the status page, the housing benefit to its decision letter`, async () => {
      await Promise.all([journeys(pair[0], 'alex'), journeys(pair[1], 'sam')]);
    });
  }
});
