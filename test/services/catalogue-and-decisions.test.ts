// The three services load with their SLA, decisions, payment and upload rules; broken fields are named; the DMN
// tables give the hand-worked answers documented in docs/services.md.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isIsoDuration, loadCatalogue, loadService } from '../../src/catalogue/index.js';
import { evaluateDecision, parseDmn } from '../../src/decisions/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { COMPANIES } from '../../simulator/agency-simulator.js';
import { SERVICES_DIR } from './support.js';

const EXAMPLES = path.resolve(SERVICES_DIR, '..', 'examples');
const table = async (file: string) => parseDmn(await readFile(path.join(EXAMPLES, file), 'utf8'));

describe('service catalogue: the three services', () => {
  it('loads building permit, licence renewal and housing benefit with their SLAs, decisions and references', async () => {
    const catalogue = await loadCatalogue(SERVICES_DIR);
    const byId = Object.fromEntries(catalogue.services.map((s) => [s.id, s]));
    assert.deepEqual(Object.keys(byId).sort(), ['building-permit', 'business-licence-renewal', 'complaint', 'enquiry', 'housing-benefit', 'problem-report', 'proposal-answer', 'sensor-alarm']);
    assert.equal(byId['building-permit']!.sla?.case, 'P60D');
    assert.equal(byId['business-licence-renewal']!.sla?.case, 'P5D');
    assert.equal(byId['housing-benefit']!.sla?.case, 'P30D');
    assert.deepEqual(byId['building-permit']!.decisions.flatMap((d) => d.decisionIds), ['building-permit-fee']);
    assert.deepEqual(byId['building-permit']!.payment, { kind: 'decision', decision: 'building-permit-fee', variable: 'fee', currency: 'EUR', waitingAt: 'payment-received', message: 'payment-received' });
    assert.deepEqual([byId['business-licence-renewal']!.referencePrefix, byId['housing-benefit']!.referencePrefix], ['BL', 'HB']);
    assert.deepEqual(byId['building-permit']!.documents['information-request']!['supportingDocument']!.types, ['application/pdf', 'image/png', 'image/jpeg']);
  });

  async function withBrokenService(edit: (json: Record<string, unknown>) => void): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'govflow-svc-'));
    try {
      await cp(path.join(SERVICES_DIR, 'building-permit'), path.join(dir, 'services', 'building-permit'), { recursive: true });
      await cp(EXAMPLES, path.join(dir, 'examples'), { recursive: true });
      const file = path.join(dir, 'services', 'building-permit', 'service.json');
      const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      edit(json);
      await writeFile(file, JSON.stringify(json));
      try {
        await loadService(file, 'services/building-permit/service.json');
        return '';
      } catch (error) {
        assert.ok(isGovflowError(error) && error.code === 'GOVFLOW_ERR_VALIDATION');
        return error.message;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('names file and field for a bad SLA, a missing DMN, a bad payment and bad upload rules', async () => {
    assert.match(await withBrokenService((j) => { j['sla'] = { case: '60 days' }; }), /services\/building-permit\/service\.json: field 'sla\.case' must be an ISO 8601 duration/);
    assert.match(await withBrokenService((j) => { j['sla'] = { case: 'P60D', tasks: { 'no-such-task': 'P1D' } }; }), /field 'sla\.tasks\.no-such-task' names no user task/);
    assert.match(await withBrokenService((j) => { j['sla'] = { case: 'P60D', tasks: { decide: 'P1X' } }; }), /field 'sla\.tasks\.decide' must be an ISO 8601 duration/);
    assert.match(await withBrokenService((j) => { j['decisions'] = []; }), /field 'decisions' has no DMN file defining decision 'building-permit-fee'/);
    assert.match(await withBrokenService((j) => { j['decisions'] = ['../../examples/missing.dmn']; }), /field 'decisions\[0\]' names a file that cannot be read/);
    assert.match(await withBrokenService((j) => { j['payment'] = { amount: -5, currency: 'EUR', waitingAt: 'payment-received', message: 'payment-received' }; }), /field 'payment\.amount' must be a positive amount/);
    assert.match(await withBrokenService((j) => { j['payment'] = { decision: 'nope', currency: 'eur', waitingAt: 'decide', message: 'payment-received' }; }), /'payment\.currency'.*'payment\.waitingAt'.*'payment\.decision'/s);
    assert.match(await withBrokenService((j) => { j['documents'] = { 'no-page': {} }; }), /field 'documents\.no-page' names no page/);
    assert.match(await withBrokenService((j) => { j['documents'] = { 'the-building': { sitePlan: { label: 'Site plan', types: ['exe'], maxBytes: 1e12 } } }; }), /'documents\.the-building\.sitePlan\.types' must be a non-empty list of pdf, png, jpeg.*'documents\.the-building\.sitePlan\.maxBytes'/s);
    assert.equal(await withBrokenService(() => {}), '', 'the unchanged copy loads');
  });

  it('isIsoDuration accepts the durations BPMN timers use and nothing else (property)', () => {
    for (const ok of ['P60D', 'P5D', 'PT12H', 'P1Y2M3W4DT5H6M7S', 'P2W']) assert.ok(isIsoDuration(ok), ok);
    for (const bad of ['P', 'PT', '60D', 'P1.5D', 'P-1D', 'p5d', 'P5D ', '']) assert.ok(!isIsoDuration(bad), bad);
    fc.assert(fc.property(fc.nat(9999), fc.constantFrom('Y', 'M', 'W', 'D'), (n, unit) => isIsoDuration(`P${n}${unit}`)));
    fc.assert(fc.property(fc.string(), (s) => !isIsoDuration(s) || /^P/.test(s)));
  });
});

describe('DMN tables, hand-worked', () => {
  it('building permit fee: floor area bands × open to the public', async () => {
    const fee = await table('building-permit-fee.dmn');
    const cases: [number, string[] | null, number][] = [[1, null, 250], [100, [], 250], [100.5, [], 600], [500, ['basement'], 600], [501, [], 1200], [80, ['public-access'], 400], [300, ['public-access', 'basement'], 900], [5000, ['public-access'], 1800]];
    for (const [floorArea, features, expected] of cases) assert.equal(evaluateDecision(fee, 'building-permit-fee', { floorArea, features }).value, expected, `${floorArea} m² ${JSON.stringify(features)}`);
  });

  it('licence renewal route: active and clean → auto-approve; otherwise review', async () => {
    const route = await table('business-licence-renewal.dmn');
    const r = (business: unknown) => evaluateDecision(route, 'licence-renewal-route', { business }).value;
    assert.equal(r({ status: 'active', licenceViolations: [] }), 'auto-approve');
    assert.equal(r({ status: 'active', licenceViolations: [{ description: 'late filing' }] }), 'review');
    assert.equal(r({ status: 'suspended', licenceViolations: [] }), 'review');
    assert.equal(r({ status: 'active' }), 'auto-approve', 'no violations list = none recorded');
    // The table reads the business registry's own record shape (the agency simulator's demo companies).
    assert.equal(r(COMPANIES['BR-100200']), 'auto-approve');
    assert.equal(r(COMPANIES['BR-300400']), 'review');
  });

  it('housing benefit eligibility: income limit first, then the rent share', async () => {
    const elig = await table('housing-benefit-eligibility.dmn');
    const e = (monthlyIncome: number, householdSize: number, monthlyRent: number) => (evaluateDecision(elig, 'housing-benefit-eligibility', { monthlyIncome, householdSize, monthlyRent }).value as Record<string, unknown>)['eligibility'];
    assert.equal(e(1600, 1, 900), 'not-eligible'); // 1,600 > 1,500
    assert.equal(e(2000, 3, 900), 'eligible'); // 2,000 / 2 = 1,000; 900 / 2,000 = 0.45
    assert.equal(e(1300, 1, 800), 'edge-case'); // 1,300 within [1,200, 1,500]
    assert.equal(e(1000, 1, 200), 'not-eligible'); // share 0.20 < 0.25
    assert.equal(e(1000, 1, 270), 'edge-case'); // share 0.27
    assert.equal(e(1000, 1, 300), 'eligible'); // share 0.30
    assert.equal(e(0, 2, 500), 'eligible'); // no income: share taken as 1
    assert.equal(e(3000, 4, 1000), 'edge-case'); // 3,000 / 2.5 = 1,200: at the limit band
  });
});
