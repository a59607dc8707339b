// Decisions explained (issue 20, acceptance 3): for each demo service's approve and refuse path, the decision the
// service's own DMN file takes (evaluated by the engine's production decision service, so the stored explanation has
// the shape the engine writes into `decision.evaluated`) is said in plain words in the signed letter's PDF (the
// issue-decision job's letter composer, rendered and read back by pdf.js) and on the clerk's case page reading.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decisionsApplied, loadCatalogue, type Service } from '../../src/catalogue/index.js';
import { decisionLetters } from '../../src/cli/index.js';
import { DECISION_TYPE_ID, renderDecisionPdf, type DecisionPayload } from '../../src/documents/index.js';
import { createDmnDecisionService, type ActivatedJob, type EventView } from '../../src/engine/index.js';
import { flowed, pdfText } from '../support/pdf-text.js';

const ISSUED_AT = '2026-12-06T10:00:00.000Z';

interface Path {
  readonly service: string;
  readonly outcome: 'approved' | 'refused';
  readonly decisionId: string;
  readonly inputs: Record<string, unknown>;
  readonly variables: Record<string, unknown>;
  /** What the letter and the page must say: the matched rule's annotation and the facts that made it match. */
  readonly says: readonly RegExp[];
}

const violations = [{ date: '2026-02-01', description: 'Open after hours' }, { date: '2026-05-01', description: 'Noise' }];
const PATHS: readonly Path[] = [
  { service: 'building-permit', outcome: 'approved', decisionId: 'building-permit-fee', inputs: { floorArea: 150, features: [] }, variables: { reference: 'BP-2026-000001', applicantName: 'Alex Demo', siteAddress: '12 Harbour Street', workType: 'extension', floorArea: 150, fee: 600 },
    says: [/Building permit fee: A building not open to the public of more than 100 and up to 500 square metres pays the medium residential fee\./, /Floor area \(m²\): 150/, /Open to the public: no/] },
  { service: 'building-permit', outcome: 'refused', decisionId: 'building-permit-fee', inputs: { floorArea: 80, features: ['public-access'] }, variables: { reference: 'BP-2026-000002', applicantName: 'Alex Demo', siteAddress: '12 Harbour Street', workType: 'new-building', floorArea: 80 },
    says: [/A building open to the public of up to 100 square metres pays the small public-access fee\./, /Floor area \(m²\): 80/, /Open to the public: yes/] },
  { service: 'business-licence-renewal', outcome: 'approved', decisionId: 'licence-renewal-route', inputs: { business: { status: 'active', licenceViolations: [] } }, variables: { reference: 'BL-2026-000001', applicantName: 'Sam Example', business: { name: 'Quiet Cafe Ltd', address: '1 Quay Road' }, route: 'auto-approve' },
    says: [/Licence renewal route: An active business with no recorded violations is renewed without review\./, /Registry status: active/, /Violations: 0/] },
  { service: 'business-licence-renewal', outcome: 'refused', decisionId: 'licence-renewal-route', inputs: { business: { status: 'active', licenceViolations: violations } }, variables: { reference: 'BL-2026-000002', applicantName: 'Sam Example', business: { name: 'Late Night Grill Ltd', address: '77 Quay Road' }, route: 'review' },
    says: [/Any recorded violation sends the renewal to a licensing officer\./, /Violations: 2/] },
  { service: 'housing-benefit', outcome: 'approved', decisionId: 'housing-benefit-eligibility', inputs: { monthlyIncome: 1000, householdSize: 1, monthlyRent: 400 }, variables: { reference: 'HB-2026-000001', applicantName: 'Kim Sample', monthlyIncome: 1000, monthlyRent: 400, householdSize: 1, monthlyAmount: 150 },
    says: [/Housing benefit eligibility: Rent of at least 30% of an income under the limit makes the household eligible\./, /Equivalised monthly income: 1,000/, /Rent share of income: 0\.4/] },
  { service: 'housing-benefit', outcome: 'refused', decisionId: 'housing-benefit-eligibility', inputs: { monthlyIncome: 4000, householdSize: 2, monthlyRent: 900 }, variables: { reference: 'HB-2026-000002', applicantName: 'Kim Sample', monthlyIncome: 4000, monthlyRent: 900, householdSize: 2 },
    says: [/A household income above 1,500 a month \(per adult equivalent\) is above the limit for housing benefit\./, /Equivalised monthly income: 2,666\.67;/] },
];

/** The `decision.evaluated` event the engine writes for the service's DMN run on these inputs (execution.ts). */
function evaluatedEvent(service: Service, path: Path): EventView {
  const file = service.decisions.find((d) => d.decisionIds.includes(path.decisionId))!;
  const outcome = createDmnDecisionService().evaluate(file.xml, file.file, path.decisionId, path.inputs, new Date(ISSUED_AT));
  return { id: 1, seq: 1, type: 'decision.evaluated', elementId: 'rules', elementInstance: 'rules-1', actor: null, occurredAt: ISSUED_AT, data: { decisionId: path.decisionId, version: 1, output: outcome.value, explanation: outcome.explanation } };
}

describe('decisions explained in the letter and on the case page', async () => {
  const catalogue = await loadCatalogue('services');
  for (const path of PATHS) {
    it(`${path.service}, ${path.outcome}: the letter says which rules decided and on what facts`, async () => {
      const service = catalogue.get(path.service)!;
      const event = evaluatedEvent(service, path);
      const job = { id: 1, type: 'issue-decision', instanceId: 7, processKey: service.process.key, elementId: 'issue', elementInstance: 'issue-1', retries: 3, headers: {}, variables: path.variables, lockExpiresAt: ISSUED_AT, idempotencyKey: 'k' } satisfies ActivatedJob;
      const seen: number[] = [];
      const letter = await decisionLetters(catalogue, async (id) => { seen.push(id); return [event]; })(job, { service: service.id, reference: String(path.variables['reference']), decisionType: 'other', outcome: path.outcome, reasons: ['As set out.'], subjectName: 'A' }, ISSUED_AT);
      assert.deepEqual(seen, [7], 'the letter reads the events of its own case');
      assert.ok(letter?.rulesApplied && letter.rulesApplied.length === 1, 'one reason per decision table that matched');
      const { validFrom, validUntil, ...rest } = letter;
      const payload: DecisionPayload = {
        type: DECISION_TYPE_ID, issuer: { agency: 'demo-municipality', name: 'Demo Municipality' }, service: service.id, reference: String(path.variables['reference']),
        decisionType: 'other', outcome: path.outcome, reasons: ['As set out.'], subject: { name: 'A' }, issuedAt: ISSUED_AT,
        ...(validFrom ? { validFrom } : {}), ...(validUntil ? { validUntil } : {}), details: {}, verificationCode: 'K7QX-M2PA-9F3D', letter: rest,
      };
      const text = flowed(await pdfText(await renderDecisionPdf(payload, 'x.y.z', 'https://demo.example/verify/K7QX-M2PA-9F3D')));
      assert.match(text, /The rules we applied/);
      for (const says of path.says) assert.match(text, says);
      assert.ok(text.indexOf('The rules we applied') < text.indexOf('How to appeal'), 'the why comes before how to appeal');

      // The case page's reading of the same event: inputs by their labels, the matched rule with its annotation.
      const [applied] = decisionsApplied(service, [event]);
      const trace = applied!.traces.at(-1)!;
      assert.equal(trace.matched.length, 1);
      assert.ok(trace.matched[0]!.annotation && path.says[0]!.test(`${trace.name}: ${trace.matched[0]!.annotation}`));
      assert.ok(trace.inputs.every((i) => !i.label.startsWith('Input:')), 'every input has its label from the DMN file');
    });
  }

  it('a table without annotations still says which rule applied, and a case without decisions says nothing', async () => {
    const service = catalogue.get('housing-benefit')!;
    const bare = { decisions: service.decisions.map((d) => ({ ...d, xml: d.xml.replace(/<description>[^<]*<\/description>/g, '') })) };
    const [applied] = decisionsApplied(bare, [evaluatedEvent(service, PATHS[4]!)]);
    assert.deepEqual(applied!.traces.at(-1)!.matched, [{ index: 5, id: 'rent-high', annotation: null }]);
    assert.deepEqual(decisionsApplied(service, []), []);
  });
});
