// The i18n layer without a server: catalogues complete and consistent, the reader's language chosen in the
// documented order, services translated and refused when a declared language is incomplete (acceptance 4 at the
// catalogue; the admin's approval calls the same check), e-mails in the case's language.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { IntlMessageFormat } from 'intl-messageformat';
import { composeLetter, decisionTexts, DEFAULT_CATALOGUE_DIR, letterDecisionWords, loadCatalogue, loadService, localiseService, reasonsInWords, translationProblems } from '../../src/catalogue/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { catalogue, formatMoney, fromAcceptLanguage, LANGUAGES, messageKeys, resolveLanguage, runInLanguage, t, translate } from '../../src/i18n/index.js';
import { TemplateStore } from '../../src/notifications/index.js';
import { formatDateTime } from '../../src/web/index.js';

/** The names of a message's arguments (plural and select included), from its parsed form. */
function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: ReturnType<IntlMessageFormat['getAst']>): void => {
    for (const e of elements) {
      if ('value' in e && e.type !== 0 && typeof e.value === 'string') names.add(e.value);
      if ('options' in e) for (const o of Object.values(e.options)) walk(o.value);
    }
  };
  walk(new IntlMessageFormat(message, 'en').getAst());
  return [...names].sort();
}

describe('the i18n layer', () => {
  it('every language has every English message, with the same arguments, and no other', () => {
    const keys = messageKeys();
    for (const language of LANGUAGES) {
      const messages = catalogue(language);
      assert.deepEqual(Object.keys(messages).sort(), [...keys].sort(), `${language}: the same keys as English`);
      for (const key of keys) assert.deepEqual(argumentsOf(messages[key]!), argumentsOf(catalogue('en')[key]!), `${language} ${key}: the same arguments`);
    }
  });

  it('chooses the switcher, then the cookie, then the account, then Accept-Language, then English', () => {
    assert.equal(resolveLanguage({ query: 'ca', cookie: 'es', preference: 'et', acceptLanguage: 'es' }), 'ca');
    assert.equal(resolveLanguage({ query: 'xx', cookie: 'es', preference: 'et', acceptLanguage: 'ca' }), 'es');
    assert.equal(resolveLanguage({ preference: 'et', acceptLanguage: 'ca' }), 'et');
    assert.equal(resolveLanguage({ acceptLanguage: 'fr-FR, ca-ES;q=0.8, es;q=0.9' }), 'es');
    assert.equal(resolveLanguage({ acceptLanguage: 'fr, de;q=0.5' }), 'en');
    assert.equal(fromAcceptLanguage('et;q=0, ca;q=0.1'), 'ca');
    assert.equal(resolveLanguage({ query: 'qps' }), 'en', 'a pseudo-language only when the tests turn them on');
  });

  it('plurals through ICU, money and moments through Intl in the reader\'s language', () => {
    assert.equal(translate('en', 'home.intro', { count: 1 }).includes('this service'), true);
    assert.equal(translate('ca', 'home.intro', { count: 3 }).includes('aquests serveis'), true);
    assert.equal(translate('et', 'answer.files', { count: 2 }), '2 faili');
    assert.equal(formatMoney(1234.5, 'EUR', 'en'), '€1,234.50');
    assert.equal(formatMoney(1234.5, 'EUR', 'ca'), '1.234,50\u00a0€');
    const at = '2026-12-06T08:40:00Z';
    assert.equal(runInLanguage('en', () => formatDateTime(at)), '6 December 2026 at 09:40 CET', 'English as before, in the municipality\'s zone');
    assert.match(runInLanguage('es', () => formatDateTime(at)), /^6 de diciembre de 2026.*09:40/);
    assert.equal(runInLanguage('et', () => t('nav.services')), 'Teenused');
  });

  it('a service offered in a language reads in it; one incomplete in a declared language is refused, naming the places', async () => {
    const services = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const licence = services.get('business-licence-renewal')!;
    assert.deepEqual(licence.languages, ['es', 'ca', 'et']);
    for (const language of ['es', 'ca', 'et'] as const) assert.deepEqual(translationProblems(licence, [language], licence.translations), [], `${language} complete`);
    const spanish = localiseService(licence, 'es');
    assert.equal(spanish.title, 'Renovar una licencia de actividad');
    assert.equal(spanish.pages[0]!.form.components.find((c) => c.type !== 'text' && c.key === 'businessCode')?.type !== 'text' && spanish.pages[0]!.form.components.some((c) => c.type !== 'text' && c.label === 'Código de empresa'), true);
    // An admin's draft adds a paragraph: Spanish lacks it, and the check names it.
    const draft = { ...licence, description: [...licence.description, 'A third paragraph only in English.'] };
    const problems = translationProblems(draft, draft.languages ?? [], draft.translations);
    assert.equal(problems.length, 3);
    assert.match(problems[0]!.message, /missing description\.2$/);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-i18n-'));
    try {
      await cp(path.join(DEFAULT_CATALOGUE_DIR, 'building-permit'), path.join(dir, 'building-permit'), { recursive: true });
      const file = path.join(dir, 'building-permit', 'service.json');
      const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      raw['process'] = { key: 'building-permit' };
      raw['decisions'] = [];
      delete raw['payment'];
      raw['statuses'] = { elements: {}, states: { active: 'Received' } };
      delete raw['sla'];
      raw['languages'] = ['et'];
      raw['translations'] = { et: { title: 'Ehitusloa taotlemine' } };
      await writeFile(file, JSON.stringify(raw));
      await assert.rejects(loadService(file, 'building-permit/service.json'), (error: unknown) => {
        assert.ok(isGovflowError(error));
        assert.match(error.message, /'translations\.et' is not complete in 'et': missing summary, fee, expectedTime, department, description\.0, .*forms\.about-you\.applicantName\.label/);
        assert.doesNotMatch(error.message, /missing title\b/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a decision letter is composed in the case\'s language; a language its letter is incomplete in is refused, naming the places', async () => {
    const services = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const permit = services.get('building-permit')!;
    const variables = { applicantName: 'Jüri Õunapuu', siteAddress: 'Carrer de la Pau 12', workDescription: 'x', shown: { workType: 'Ampliación' }, floorArea: 1500, plannedStart: '2027-04-03', fee: 1250, reference: 'BP-2026-000001' };
    const spanish = composeLetter(permit.letter!, 'Urbanismo', variables, 'approved', '2026-12-06T10:00:00.000Z', [], 'es');
    assert.equal(spanish.headline, permit.letter!.translations!['es']!['headline.approved']);
    assert.deepEqual(spanish.decidedOn.map((l) => `${l.label}: ${l.value}`).slice(2), ['Superficie construida: 1500 metros cuadrados', 'Inicio previsto: 3 de abril de 2027', 'Tasa pagada: 1250,00\u00a0EUR']);
    assert.match(spanish.appeal.text, /a más tardar el 5 de enero de 2027 \(30 días/);
    assert.equal(composeLetter(permit.letter!, 'Building control', variables, 'approved', '2026-12-06T10:00:00.000Z').decidedOn[4]!.value, 'EUR 1,250.00', 'English as issued so far');

    const dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-i18n-letter-'));
    try {
      // The service with its BPMN and DMN files (../../examples), so its decision tables' words are asked for too.
      await cp(path.join(DEFAULT_CATALOGUE_DIR, 'building-permit'), path.join(dir, 'services', 'building-permit'), { recursive: true });
      await cp(path.join(DEFAULT_CATALOGUE_DIR, '..', 'examples'), path.join(dir, 'examples'), { recursive: true });
      const file = path.join(dir, 'services', 'building-permit', 'letter.json');
      const raw = JSON.parse(await readFile(file, 'utf8')) as { translations: Record<string, Record<string, string>> };
      delete raw.translations['ca']!['headline.refused'];
      delete raw.translations['ca']!['decisions.rule.public-large'];
      raw.translations['es']!['appeal.text'] = 'Puede recurrir esta resolución.';
      await writeFile(file, JSON.stringify(raw));
      await assert.rejects(loadService(path.join(dir, 'services', 'building-permit', 'service.json'), 'building-permit/service.json'), (error: unknown) => {
        assert.ok(isGovflowError(error));
        assert.match(error.message, /the letter is not complete in 'ca': missing headline\.refused, decisions\.rule\.public-large/);
        assert.match(error.message, /the letter in 'es' names other values than the English: appeal\.text \(needs \{\{appealBy\|date\}\} \{\{appealDays\}\} \{\{department\}\} \{\{reference\}\}\)/);
        assert.doesNotMatch(error.message, /'et'/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a rule\'s own words passed on as the reasons are said in the case\'s language; a clerk\'s words stay as written', async () => {
    const services = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const benefit = services.get('housing-benefit')!;
    // The sentence the eligibility table's first rule gives as its reason (examples/housing-benefit-eligibility.dmn).
    const ruleSays = 'Your household income is above the limit.';
    const places = decisionTexts(benefit).filter(([, english]) => english === ruleSays).map(([place]) => place);
    assert.deepEqual(places, ['decisions.output.income-above-limit.1'], 'the reason is a place of the letter to translate');
    assert.ok(!decisionTexts(benefit).some(([, english]) => english === 'not-eligible'), 'a code is not words to translate');
    for (const language of ['es', 'ca', 'et'] as const) {
      const said = reasonsInWords(benefit, [ruleSays, 'Escrito por la gestora.'], letterDecisionWords(benefit.letter, language));
      assert.equal(said[0], benefit.letter!.translations![language]!['decisions.output.income-above-limit.1'], language);
      assert.notEqual(said[0], ruleSays, `${language}: translated`);
      assert.equal(said[1], 'Escrito por la gestora.', 'a reason a person wrote is not touched');
    }
    assert.deepEqual(reasonsInWords(benefit, [ruleSays], letterDecisionWords(benefit.letter, 'en')), [ruleSays], 'English as the table says it');
  });

  it('a citizen e-mail goes out in the case\'s language, in English when it has none', () => {
    const store = new TemplateStore();
    const values = { applicantName: 'Jüri Õunapuu', reference: 'BL-2026-000001', serviceName: 'x', date: 'y', statusUrl: 'https://x.example/a', agencyName: 'z', decision: 'approved', informationRequest: 'q', feeAmount: '1 €' };
    for (const name of ['submission-received', 'decision-made', 'information-requested', 'payment-requested']) {
      assert.deepEqual(store.languagesOf(name), ['en', 'es', 'ca', 'et'], `${name}: all four languages`);
      assert.equal(store.render(name, { ...values, language: 'fr' }).subject, store.render(name, values).subject, 'an unknown language is English');
    }
    assert.equal(store.render('submission-received', { ...values, language: 'ca' }).subject, 'Hem rebut la vostra sol·licitud BL-2026-000001');
    assert.match(store.render('submission-received', { ...values, language: 'et' }).text, /^Lugupeetud Jüri Õunapuu/);
  });
});
