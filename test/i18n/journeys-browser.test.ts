// The three demo services' citizen journeys in Chromium in each of the four languages (issue 21, acceptance 2):
// ONE portal server and ONE browser for all twelve. Each journey goes from the service's start page through its
// questions (answered through the labels as read in that language) to "Accept and send", the confirmation and the
// status page; the first of each language also takes the list of services, the switcher (Accept-Language chooses
// the first page, the switcher's cookie keeps the choice), the sign-in page and a question answered wrongly. Every
// page is checked by axe-core (WCAG 2.2 A/AA: `lang` on the page, and on the switcher's links in other languages)
// and html-validate (on the markup as served). The decision letter in each language is test/i18n/letter-names.test.ts
// (this portal-only server decides nothing); the full English journeys to the decision are test/e2e.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { Service } from '../../src/catalogue/index.js';
import { translate, type Language, type MessageKey } from '../../src/i18n/index.js';
import { auditPage } from '../support/page-audit.js';
import { signInCitizenInBrowser } from '../support/sign-in.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, samplePdf, startTestPortal, type TestPortal } from '../portal/support.js';

/** One citizen's tab in one language: follows links and buttons, audits each page as the server sent it. */
class Journey {
  private served: Promise<string> = Promise.resolve('');
  constructor(readonly page: Page, readonly language: Language, readonly portal: TestPortal) {
    page.on('response', (response) => {
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame() && (response.status() < 300 || response.status() >= 400)) this.served = response.text().catch(() => '');
    });
  }

  say(key: MessageKey, values?: Record<string, string>): string {
    return translate(this.language, key, values);
  }

  /** A service's own text at `place` (service-translations.ts) as this reader reads it. */
  text(svc: Service, place: string, english: string): string {
    if (this.language === 'en') return english;
    const translated = svc.translations?.[this.language]?.[place];
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
    await f('forms.income-and-rent.monthlyIncome.label', "Your household's monthly income after tax, in euros").fill('900');
    await f('forms.income-and-rent.monthlyRent.label', 'Your monthly rent, in euros').fill('650');
    await j.press('common.continue');
    assert.equal(await j.heading(), j.text(svc, 'pages.declaration.title', 'Declaration'));
    await j.audit('housing benefit: declaration');
    await f('forms.declaration.declaration.checkboxLabel', 'I confirm that the information I have given is correct').check();
  },
};

describe('the three demo services\' citizen journeys in Chromium in English, Spanish, Catalan and Estonian', () => {
  let portal: TestPortal;
  let browser: Browser;
  before(async () => {
    [portal, browser] = await Promise.all([startTestPortal('pglite'), chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })]);
  });
  after(async () => {
    await browser?.close();
    await portal?.close();
  });

  /** The list of services, the switcher and its cookie, the sign-in page: once per language. */
  async function arrive(j: Journey, citizen: string): Promise<void> {
    const other = j.language === 'en' ? 'es' : 'en';
    await j.page.goto(`${portal.base}/`);
    assert.equal(await j.heading(), j.say('nav.services'));
    await j.audit('services');
    // Accept-Language chose this page's language; the switcher's link to another keeps that one for the next pages.
    await j.follow(j.page.locator(`a[hreflang="${other}"]`));
    assert.equal(await j.page.getAttribute('html', 'lang'), other);
    await j.follow(j.page.locator(`a[hreflang="${j.language}"]`));
    assert.equal(await j.page.getAttribute('html', 'lang'), j.language);
    await j.page.goto(`${portal.base}/sign-in`);
    await j.audit('sign-in');
    await signInCitizenInBrowser(j.page, portal.base, citizen, j.say('nav.signIn'));
    await j.page.goto(`${portal.base}/`);
  }

  /** One language's three journeys, as one citizen in a browser context of its own. */
  async function journeys(language: Language, citizen: string): Promise<void> {
    const context = await browser.newContext({ locale: language });
    await context.addInitScript({ content: axe.source });
    context.setDefaultTimeout(15_000);
    const j = new Journey(await context.newPage(), language, portal);
    try {
      await arrive(j, citizen);
      for (const [index, id] of ['business-licence-renewal', 'building-permit', 'housing-benefit'].entries()) {
        const svc = portal.catalogue.get(id)!;
        const title = j.text(svc, 'title', svc.title);
        // The list of services (audited in arrive) leads to the first; the others' start pages are opened directly.
        if (index === 0) await j.follow(j.page.getByRole('main').getByRole('link', { name: title, exact: true }));
        else await j.page.goto(`${portal.base}/services/${id}`);
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
      }
    } finally {
      await context.close();
    }
  }

  // Two languages at a time, each its own citizen (a citizen has one draft per service), so the server (this process)
  // and the browser's audits can use both cores at once.
  for (const pair of [['en', 'es'], ['ca', 'et']] as const) {
    it(`${pair.join(' and ')}: building permit, business licence renewal and housing benefit from the start page to the status page`, async () => {
      await Promise.all([journeys(pair[0], 'alex'), journeys(pair[1], 'sam')]);
    });
  }
});
