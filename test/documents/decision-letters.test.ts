// Decision letters from the real catalogue's templates (services/<id>/letter.json): each service's approval and
// refusal, rendered to PDF and read back by pdf.js, say what a letter worth keeping says. The browser journeys
// (test/e2e/services-journeys.test.ts) check the same on letters issued by real cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answersAsShown, composeLetter, loadCatalogue, parseLetterTemplate, type Service } from '../../src/catalogue/index.js';
import { decisionLetters } from '../../src/cli/index.js';
import { DECISION_TYPE_ID, decisionInputFromJob, renderDecisionPdf, type DecisionPayload } from '../../src/documents/index.js';
import type { ActivatedJob } from '../../src/engine/index.js';
import { flowed, pdfText } from '../support/pdf-text.js';

const ISSUED_AT = '2026-12-06T10:00:00.000Z';
const schedule = Array.from({ length: 12 }, (_, i) => ({ instalment: i + 1, dueOn: new Date(Date.UTC(2027, i, 1)).toISOString().slice(0, 10), amount: 225, currency: 'EUR' }));

/** What each service's case holds when its decision is issued (answers, registry records, computed values). */
const CASES: Record<string, { type: string; variables: Record<string, unknown>; object: Record<'approved' | 'refused', RegExp[]> }> = {
  'building-permit': {
    type: 'permit',
    variables: { reference: 'BP-2026-000001', applicantName: 'Alex Demo', siteAddress: '12 Harbour Street, Demo Town', workType: 'extension', floorArea: 150, workDescription: 'A two-storey extension at the back of the house', plannedStart: '2027-04-03', fee: 600 },
    object: {
      approved: [/Site: 12 Harbour Street, Demo Town/, /Works: Extension: A two-storey extension at the back of the house/, /Floor area: 150 square metres/, /Fee paid: EUR 600\.00/],
      refused: [/Site: 12 Harbour Street, Demo Town/, /Floor area: 150 square metres/],
    },
  },
  'business-licence-renewal': {
    type: 'licence',
    variables: { reference: 'BL-2026-000001', applicantName: 'Sam Example', businessCode: 'BR-300400', business: { name: 'Late Night Grill Ltd', address: '77 Quay Road, Demo Town' }, route: 'review' },
    object: {
      approved: [/Business: Late Night Grill Ltd, 77 Quay Road, Demo Town/, /Licence period: 6 December 2026 to 5 December 2027/],
      refused: [/Business: Late Night Grill Ltd/, /Licence period asked for: 12 months/],
    },
  },
  'housing-benefit': {
    type: 'benefit',
    variables: { reference: 'HB-2026-000001', applicantName: 'Kim Sample', monthlyIncome: 2700, monthlyRent: 900, householdSize: 3, eligibility: { eligibility: 'review' }, monthlyAmount: 225, paymentSchedule: schedule },
    object: {
      approved: [/Amount: EUR 225\.00 a month/, /Payment schedule: 12 monthly payments, on the first day of each month/, /First payment: 1 January 2027/, /Last payment: 1 December 2027/],
      refused: [/Monthly income: EUR 2,700\.00/, /Monthly rent: EUR 900\.00/],
    },
  },
};

async function letterPdf(service: Service, outcome: 'approved' | 'refused', reasons: string): Promise<string> {
  const c = CASES[service.id]!;
  // As src/cli/decision-letters.ts hands them over: the variables and the answers as the citizen saw them.
  const letter = composeLetter(service.letter!, service.department, { ...c.variables, shown: answersAsShown(service, c.variables) }, outcome, ISSUED_AT);
  const { validFrom, validUntil, ...rest } = letter;
  const payload: DecisionPayload = {
    type: DECISION_TYPE_ID, issuer: { agency: 'demo-municipality', name: 'Demo Municipality' }, service: service.id, reference: String(c.variables['reference']),
    decisionType: c.type, outcome, reasons: [reasons], subject: { name: String(c.variables['applicantName']) }, issuedAt: ISSUED_AT,
    ...(validFrom ? { validFrom } : {}), ...(validUntil ? { validUntil } : {}), details: {}, verificationCode: 'K7QX-M2PA-9F3D', letter: rest,
  };
  return pdfText(await renderDecisionPdf(payload, 'x.y.z', 'https://demo.example/verify/K7QX-M2PA-9F3D'));
}

describe('decision letters from the catalogue templates', async () => {
  const catalogue = await loadCatalogue('services');
  for (const service of catalogue.services.filter((s) => s.id in CASES)) {
    for (const outcome of ['approved', 'refused'] as const) {
      it(`${service.id}, ${outcome}: service name, applicant, what was decided on, reasons in full, appeal route, who decided, verification`, async () => {
        assert.ok(service.letter, `${service.id} has a letter.json`);
        const reasons = 'First paragraph of the reasons.\r\nSecond paragraph – with “quotes” and €.';
        const text = await letterPdf(service, outcome, reasons);
        const all = flowed(text);
        assert.match(all, new RegExp(`Service: ${service.letter.serviceName}`));
        assert.doesNotMatch(all, new RegExp(`Service: ${service.id}`), 'the service id is no name for people');
        assert.match(all, new RegExp(`Issued to: ${String(CASES[service.id]!.variables['applicantName'])}`));
        assert.match(all, outcome === 'approved' ? /Outcome: Approved/ : /Outcome: Refused/);
        for (const object of CASES[service.id]!.object[outcome]) assert.match(all, object);
        // Each paragraph of the reasons on its own line, typographic characters intact, never '??'.
        assert.match(text, /^First paragraph of the reasons\.$/m);
        assert.match(text, /^Second paragraph – with “quotes” and €\.$/m);
        assert.doesNotMatch(text, /\?/);
        assert.match(all, /How to appeal/);
        assert.match(all, /Last day to appeal: \d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) 20\d\d/);
        assert.match(all, new RegExp(`Write to the ${service.department} department, quoting the reference`));
        assert.match(all, new RegExp(`Who decided [^.]*, ${service.department}, Demo Municipality`));
        assert.match(all, /Verification code: K7QX-M2PA-9F3D/);
      });
    }
  }

  it('an automatic decision says so in "who decided"; a caseworker decision names the role', async () => {
    const service = catalogue.get('business-licence-renewal')!;
    const auto = composeLetter(service.letter!, service.department, { ...CASES[service.id]!.variables, route: 'auto-approve' }, 'approved', ISSUED_AT);
    assert.match(auto.decidedBy.role, /^Automatic decision/);
    const clerk = composeLetter(service.letter!, service.department, CASES[service.id]!.variables, 'refused', ISSUED_AT);
    assert.equal(clerk.decidedBy.role, 'Licensing clerk');
    assert.equal(clerk.validUntil, undefined, 'a refused licence has no period');
  });

  it('a refusal the rules made, in Spanish: the letter\'s reasons are the rule\'s words in Spanish, as issue-decision signs them', async () => {
    const service = catalogue.get('housing-benefit')!;
    const job: ActivatedJob = {
      id: 1, type: 'issue-decision', instanceId: 7, processKey: 'housing-benefit', elementId: 'issue', elementInstance: 'issue#1', retries: 3, headers: {},
      lockExpiresAt: ISSUED_AT, idempotencyKey: 'k',
      variables: { ...CASES[service.id]!.variables, serviceId: service.id, decision: 'refused', decisionType: 'benefit', language: 'es', decisionReasons: 'Your household income is above the limit.' },
    };
    const composed = await decisionLetters(catalogue, async () => [])(job, decisionInputFromJob(job), ISSUED_AT);
    assert.deepEqual(composed?.reasons, [service.letter!.translations!['es']!['decisions.output.income-above-limit.1']]);
    assert.equal(composed?.reasons?.[0], 'Los ingresos de su hogar superan el límite.');
    const english = await decisionLetters(catalogue, async () => [])({ ...job, variables: { ...job.variables, language: 'en' } }, decisionInputFromJob({ ...job, variables: { ...job.variables, language: 'en' } }), ISSUED_AT);
    assert.deepEqual(english?.reasons, ['Your household income is above the limit.']);
  });

  it('a template with wrong fields is refused naming each field', () => {
    const problems: string[] = [];
    parseLetterTemplate({ serviceName: '', headline: { approved: 'Yes' }, applicant: 'x', decidedOn: [{ label: 'Site', value: '{{site}}', outcome: 'maybe' }], terms: {}, appeal: { days: 0, text: 'Appeal' }, decidedBy: [] }, (field) => problems.push(field));
    assert.deepEqual(problems.sort(), ['letter.appeal.days', 'letter.decidedBy', 'letter.decidedOn[0].outcome', 'letter.headline.refused', 'letter.serviceName', 'letter.terms.approved', 'letter.terms.refused'].sort());
  });
});
