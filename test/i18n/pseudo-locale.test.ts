// The pseudo-locale test (issue 21, acceptance 1): every citizen page of a whole application, and every e-mail
// template, rendered in a pseudo-language in which each message of the i18n layer (and each text of a service) is
// accented and bracketed ⟦…⟧. Any visible word left outside the brackets did not go through the layer: the test
// fails listing each, page by page. The decision letters of the three demo services are read back out of their PDFs
// (pdf.js) the same way. The pseudo-RTL locale shows the layout turns right to left with no physical left/right rule
// of our own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answersAsShown, composeLetter, decisionReasonsInWords, decisionsApplied, letterDecisionWords, localiseService } from '../../src/catalogue/index.js';
import { DECISION_TYPE_ID, renderDecisionPdf } from '../../src/documents/index.js';
import { DEMO_CITIZENS } from '../../src/identity/index.js';
import { enablePseudoLanguages, LANGUAGE_NAMES, pseudoText } from '../../src/i18n/index.js';
import { TemplateStore } from '../../src/notifications/index.js';
import { readGovukAsset, SITE_CSS } from '../../src/web/index.js';
import { samplePdf, startTestPortal, type TestPortal } from '../portal/support.js';
import { flowed, pdfText } from '../support/pdf-text.js';
import { untranslated } from './pseudo-text.js';

/** Data, not words of the interface: the citizen's own answers, names, references, the configured site name. */
const sam = DEMO_CITIZENS.find((c) => c.id === 'demo-citizen-sam')!;
// File formats and size units are the same words in every language.
const DATA = [sam.name, 'sam@example.org', 'site-plan.pdf', 'PDF', 'PNG', 'JPEG', 'KB', 'MB', '2 Test Road', 'A new library building.', 'govflow demo municipality', 'govflow', 'Apache', ...Object.values(LANGUAGE_NAMES)];

describe('the pseudo-locale: every citizen page and e-mail goes through the i18n layer', () => {
  let portal: TestPortal;
  const cookies = new Map<string, string>([['govflow_lang', 'qps']]);
  const cookie = (): string => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  /** A form post as a browser sends it: multipart when it carries a file (the site plan), urlencoded otherwise. */
  const request = async (method: string, url: string, fields?: Record<string, string | string[]>, file?: { field: string; bytes: Uint8Array }): Promise<{ status: number; location: string | null; body: string }> => {
    const pairs = Object.entries(fields ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]));
    let body: string | FormData | undefined;
    if (file) {
      body = new FormData();
      for (const [k, v] of pairs) body.append(k, v);
      body.append(file.field, new Blob([file.bytes], { type: 'application/pdf' }), 'site-plan.pdf');
    } else if (fields) body = new URLSearchParams(pairs).toString();
    const response = await fetch(portal.base + url, {
      method, redirect: 'manual',
      headers: { cookie: cookie(), ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    for (const set of response.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  };
  const csrfOf = (body: string): string => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

  before(async () => {
    enablePseudoLanguages(true);
    portal = await startTestPortal('pglite');
  });
  after(async () => {
    enablePseudoLanguages(false);
    await portal.close();
  });

  it('an application from the list of services to withdrawing it: no word outside the layer', async () => {
    const pages = new Map<string, string>();
    const visit = async (name: string, url: string): Promise<string> => {
      const r = await request('GET', url);
      assert.ok(r.status === 200 || r.status === 404, `${name}: ${r.status}`);
      pages.set(name, r.body);
      return r.body;
    };
    await visit('services', '/');
    await visit('start page', '/services/building-permit');
    await visit('not found', '/services/no-such-service');
    const signIn = await visit('sign-in', '/sign-in');
    assert.equal((await request('POST', '/sign-in', { csrf: csrfOf(signIn), citizen: sam.id, next: '/' })).status, 303);
    const first = await visit('first question', '/services/building-permit/apply/about-you');
    const csrf = csrfOf(first);
    const wrong = await request('POST', '/services/building-permit/apply/about-you', { csrf, applicantName: '', email: 'not an address' });
    assert.equal(wrong.status, 400);
    pages.set('question with errors', wrong.body);
    const answers: Record<string, Record<string, string | string[]>> = {
      'about-you': { applicantName: sam.name, email: 'sam@example.org', applicantRole: 'agent' },
      'the-building': { siteAddress: '2 Test Road', workType: 'new-building', floorArea: '600', workDescription: 'A new library building.', 'plannedStart-day': '1', 'plannedStart-month': '2', 'plannedStart-year': '2028', features: ['basement', 'public-access'] },
      declaration: { declaration: 'true' },
    };
    for (const [pageId, fields] of Object.entries(answers)) {
      if (pageId !== 'about-you') await visit(`question ${pageId}`, `/services/building-permit/apply/${pageId}`);
      const file = pageId === 'the-building' ? { field: 'sitePlan', bytes: await samplePdf() } : undefined;
      assert.equal((await request('POST', `/services/building-permit/apply/${pageId}`, { csrf, ...fields }, file)).status, 303, pageId);
    }
    const check = await visit('check your answers', '/services/building-permit/check');
    const sent = await request('POST', '/services/building-permit/submit', { csrf, token: /name="token" value="([^"]+)"/.exec(check)![1]! });
    const reference = /\/applications\/([^/]+)\/confirmation/.exec(sent.location ?? '')![1]!;
    await visit('confirmation', `/applications/${reference}/confirmation`);
    await visit('my applications', '/applications');
    await visit('status', `/applications/${reference}`);
    await visit('withdraw', `/applications/${reference}/withdraw`);

    const findings = [...pages].flatMap(([name, body]) => untranslated(body, [...DATA, reference]).map((text) => `${name}: "${text}"`));
    assert.deepEqual(findings, [], `visible text that did not go through the i18n layer:\n${findings.join('\n')}`);
    for (const [name, body] of pages) assert.match(body, /<html lang="en" dir="ltr"/, `${name}: a pseudo-language is English underneath`);
  });

  it('every e-mail template, in the pseudo-language: no word outside the layer', () => {
    const store = new TemplateStore();
    const findings: string[] = [];
    for (const name of store.names()) {
      const template = store.get(name);
      const values: Record<string, unknown> = { language: 'qps' };
      for (const m of `${template.subject} ${template.text} ${template.html}`.matchAll(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g)) values[m[1]!] = '⟦x⟧';
      const message = store.render(name, values);
      for (const [part, text] of Object.entries({ subject: message.subject, text: message.text, html: message.html })) {
        for (const word of untranslated(part === 'html' ? text : text.replace(/</g, '&lt;'), [])) findings.push(`${name} ${part}: "${word}"`);
      }
    }
    assert.deepEqual(findings, [], `e-mail text that did not go through the i18n layer:\n${findings.join('\n')}`);
  });

  it('the decision letters of the three demo services, in the pseudo-language: no word outside the layer', async () => {
    const cases: Record<string, { type: string; variables: Record<string, unknown>; data: string[] }> = {
      'building-permit': { type: 'permit', data: ['2 Test Road', 'A new library building.'], variables: { siteAddress: '2 Test Road', workType: 'extension', workDescription: 'A new library building.', floorArea: 80, plannedStart: '2028-02-01', fee: 250 } },
      'business-licence-renewal': { type: 'licence', data: ['Example Bakery Ltd', '4 Mill Lane, Demo Town', 'BR-100200'], variables: { business: { name: 'Example Bakery Ltd', address: '4 Mill Lane, Demo Town' }, businessCode: 'BR-100200', route: 'auto-approve' } },
      'housing-benefit': { type: 'benefit', data: [], variables: { monthlyIncome: 1300, monthlyRent: 650, householdSize: 1, monthlyAmount: 325, paymentSchedule: [{ dueOn: '2027-01-01', amount: 325, currency: 'EUR' }, { dueOn: '2027-02-01', amount: 325, currency: 'EUR' }] } },
    };
    // The rules we applied: the fee table of the building permit as the engine's explanation records it.
    const explained = [{ type: 'decision.evaluated' as const, elementId: 'compute-fee', occurredAt: '2026-12-06T10:00:00Z', data: { decisionId: 'building-permit-fee', version: '1', explanation: { trace: [
      { decisionId: 'building-permit-fee', decisionName: 'Building permit fee', inputs: [{ expression: 'floorArea', value: 80 }], matchedRules: [{ index: 1, id: 'residential-small' }], value: 250 },
    ] } } }];
    const findings: string[] = [];
    const code = 'K7QX-M2PA-9F3D';
    for (const [id, c] of Object.entries(cases)) {
      const svc = portal.catalogue.get(id)!;
      const variables = { ...c.variables, applicantName: sam.name, reference: `${svc.referencePrefix}-2026-000042` };
      const rules = id === 'building-permit' ? decisionReasonsInWords(decisionsApplied(svc, explained), 'qps', letterDecisionWords(svc.letter, 'qps')) : [];
      const { validFrom, validUntil, ...letter } = composeLetter(svc.letter!, localiseService(svc, 'qps').department, { ...variables, shown: answersAsShown(localiseService(svc, 'qps'), variables) }, 'approved', '2026-12-06T10:00:00.000Z', rules, 'qps');
      const pdf = await renderDecisionPdf({
        type: DECISION_TYPE_ID, issuer: { agency: 'demo', name: 'govflow demo municipality' }, service: id, reference: variables.reference, decisionType: c.type, outcome: 'approved',
        reasons: ['Reasons typed by the clerk.'], subject: { name: sam.name }, issuedAt: '2026-12-06T10:00:00.000Z', details: {}, verificationCode: code, letter,
        ...(validFrom ? { validFrom } : {}), ...(validUntil ? { validUntil } : {}),
      }, 'x.y.z', `https://demo.example/verify/${code}`, 'qps');
      const text = flowed(await pdfText(pdf));
      if (id === 'building-permit') assert.ok(text.includes(`⟦${pseudoText('Building permit fee')}⟧`), 'the rules we applied are in the letter');
      const data = [...DATA, ...c.data, 'Reasons typed by the clerk.', `https://demo.example/verify/${code}`, code, 'EUR'];
      for (const word of untranslated(text.replace(/</g, '&lt;'), data)) findings.push(`${id} letter: "${word}"`);
    }
    assert.deepEqual(findings, [], `letter text that did not go through the i18n layer:\n${findings.join('\n')}`);
  });

  it('the pseudo-RTL locale turns the page right to left; our own CSS has only logical properties', async () => {
    const page = await request('GET', '/?lang=qps-rtl');
    assert.match(page.body, /<html lang="en" dir="rtl"/);
    const css = (await readGovukAsset('govuk-frontend.min.css'))!.content.toString('utf8');
    assert.ok(css.endsWith(SITE_CSS), 'the site CSS is served after GOV.UK Frontend');
    for (const line of SITE_CSS.split('\n')) assert.doesNotMatch(line, /(margin|padding|border)-(left|right)\b|text-align:\s*(left|right)|float:\s*(left|right)|\b(left|right):/, `a physical property in: ${line}`);
  });
});
