// Issue 17 acceptance 2: the spending and contracts CSV imports reject each kind of bad row with its line and
// column and import nothing from a file that has one; public contracts as OCDS 1.1 release packages validate
// against the release package schema (with the release schema) in a JSON Schema (draft 4) validator.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import AjvDraft04 from 'ajv-draft-04';
import formats from 'ajv-formats';
import { GovflowError } from '../../src/kernel/index.js';
import type { Database } from '../../src/store/index.js';
import { importContracts, importSpending, readBudgetLines, readContracts, releasePackage } from '../../src/transparency/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { sharedPath, skipWithoutSharedData } from '../support/shared-data.js';
import { GOOD_CONTRACTS, GOOD_SPENDING, SPENDING_HEADER } from './support.js';

const OCDS = ['../standards/ocds-1.1/release-package-schema.json', '../standards/ocds-1.1/release-schema.json'];

/** Each kind of bad row, with the line and column it must be reported at. */
const BAD_ROWS: { row: string; line: number; column: string; says: RegExp }[] = [
  { row: 'refund,TX-9,ROADS-26,Public works,x,2026,2026-03-01,1.00,EUR,,', line: 3, column: 'record', says: /"refund" is not one of budget, payment/ },
  { row: 'payment,TX-9,ROADS-26,Public works,x,2026,2026-03-01,"1,50",EUR,,', line: 3, column: 'amount', says: /"1,50" is not an amount/ },
  { row: 'payment,TX-9,ROADS-26,Public works,x,2026,2026-02-30,1.00,EUR,,', line: 3, column: 'date', says: /"2026-02-30" is not a date as YYYY-MM-DD/ },
  { row: 'payment,TX-9,ROADS-26,Public works,x,2026,,1.00,EUR,,', line: 3, column: 'date', says: /a payment needs the day it was paid/ },
  { row: 'payment,TX-9,ROADS-26,Public works,x,26,2026-03-01,1.00,EUR,,', line: 3, column: 'financial_year', says: /"26" is not a year/ },
  { row: 'payment,TX-9,ROADS-26,Public works,x,2026,2026-03-01,1.00,euro,,', line: 3, column: 'currency', says: /"euro" is not an ISO 4217/ },
  { row: 'payment,TX-9,ROADS-26,,x,2026,2026-03-01,1.00,EUR,,', line: 3, column: 'department', says: /a value is required/ },
  { row: 'payment,TX-9,PARKS-26,Public works,x,2026,2026-03-01,1.00,EUR,,', line: 3, column: 'budget_line', says: /no budget line "PARKS-26"/ },
  { row: 'payment,TX-9,ROADS-26,Public works,x,2026,2026-03-01,1.00,EUR,,C-404', line: 3, column: 'contract_id', says: /no contract "C-404"/ },
  { row: 'budget,PARKS-26,,Parks,x,2026,,-5.00,EUR,,', line: 3, column: 'amount', says: /a budget cannot be negative/ },
  { row: 'budget,PARKS-26,,Parks,x,2026,2026-01-01,5.00,EUR,,', line: 3, column: 'date', says: /must be empty on a budget row/ },
  { row: 'budget,ROADS-26,,Parks,again,2026,,5.00,EUR,,', line: 3, column: 'id', says: /"ROADS-26" was already used on line 2/ },
];

async function rejection(run: () => Promise<unknown>): Promise<GovflowError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof GovflowError) return error;
    throw error;
  }
  assert.fail('the file was imported');
}

describeEachBackend('transparency: spending and contracts imports', (backend) => {
  let db: Database;
  before(async () => {
    db = await freshDatabase(backend);
  });
  after(async () => db?.close());

  it('rejects each kind of bad row with its line and column, and imports nothing from that file', async () => {
    const base = 'budget,ROADS-26,,Public works,Road maintenance,2026,,150000.00,EUR,,';
    for (const bad of BAD_ROWS) {
      const error = await rejection(() => importSpending(db, `${SPENDING_HEADER}\n${base}\n${bad.row}\n`));
      assert.equal(error.code, 'GOVFLOW_ERR_VALIDATION');
      const detail = error.details.find((d) => d.line === bad.line && d.where === `column ${bad.column}`);
      assert.ok(detail, `${bad.row}: no problem at line ${bad.line}, column ${bad.column} in ${JSON.stringify(error.details)}`);
      assert.match(detail.message, bad.says);
      assert.match(error.message, new RegExp(`line ${bad.line}, column ${bad.column}`));
    }
    // Structural problems: an unknown or missing column, a row of the wrong length, broken quoting.
    const structural: [string, RegExp][] = [
      [SPENDING_HEADER.replace('amount', 'amout'), /line 1, column 8: unknown column "amout"/],
      [SPENDING_HEADER.replace(',currency', ''), /line 1: the required column "currency" is missing/],
      [`${SPENDING_HEADER}\n${base},extra`, /line 2: 12 values, but the header names 11 columns/],
      [`${SPENDING_HEADER}\n${base}\n"payment,TX-9`, /not valid CSV/],
    ];
    for (const [text, says] of structural) assert.match((await rejection(() => importSpending(db, text))).message, says);
    // Several problems in one file are all reported, and the good rows beside them were not imported.
    const many = await rejection(() => importSpending(db, `${SPENDING_HEADER}\n${base}\n${BAD_ROWS[1]!.row}\n${BAD_ROWS[2]!.row.replace('TX-9', 'TX-10')}\n`));
    assert.deepEqual(many.details.map((d) => [d.line, d.where]), [[3, 'column amount'], [4, 'column date']]);
    assert.deepEqual(await readBudgetLines(db), []);
  });

  it('imports a good file in one go, links payments to budget lines, and a corrected file replaces its rows', async () => {
    await importContracts(db, GOOD_CONTRACTS);
    assert.deepEqual(await importSpending(db, GOOD_SPENDING), { rows: 4, budgetLines: 2, payments: 2 });
    const lines = await readBudgetLines(db);
    assert.deepEqual(lines.map((l) => [l.id, l.description, l.budgetMinor, l.spentMinor, l.payments]), [
      ['IT-26', 'Hosting, licences', 8_000_000, 420_000, 1], ['ROADS-26', 'Road maintenance', 15_000_000, 1_250_050, 1],
    ]);
    // A later file may charge to a budget line imported before; the same id replaces the row.
    await importSpending(db, `${SPENDING_HEADER}\npayment,TX-0002,IT-26,Digital services,Hosting (Q1),2026,2026-03-31,4300.00,EUR,Cloudhost BV,\n`);
    assert.equal((await readBudgetLines(db)).find((l) => l.id === 'IT-26')?.spentMinor, 430_000);
    const bad = await rejection(() => importContracts(db, GOOD_CONTRACTS.replace('NL-KVK-12345678', 'KVK12345678').replace('2026-12-31', '2026-01-01')));
    assert.deepEqual(bad.details.map((d) => [d.line, d.where]), [[2, 'column supplier_id'], [2, 'column period_end']]);
  });

  it('publishes the contracts as an OCDS 1.1 release package that validates against the package and release schemas', { skip: skipWithoutSharedData(...OCDS) }, async () => {
    const [packageSchema, releaseSchema] = await Promise.all(OCDS.map(async (f) => JSON.parse(await readFile(sharedPath(f), 'utf8')) as Record<string, unknown>));
    // CommonJS default exports seen from NodeNext ESM.
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
    formats.default(ajv);
    ajv.addSchema(releaseSchema!);
    const validate = ajv.compile(packageSchema!);
    const contracts = await readContracts(db);
    const pkg = releasePackage(contracts, { uri: 'https://example.org/open-data/contracts.json', publisher: { id: 'demo', name: 'Demo Municipality', homepage: 'https://example.org' }, ocidPrefix: 'ocds-demo00', licence: 'https://creativecommons.org/licenses/by/4.0/', publishedDate: '2026-03-31T00:00:00Z' });
    assert.equal(validate(pkg), true, JSON.stringify(validate.errors, null, 1));
    const releases = pkg['releases'] as { ocid: string; tag: string[]; contracts: { value: { amount: number }; status: string }[]; parties: { roles: string[]; identifier?: { scheme: string; id: string } }[] }[];
    assert.deepEqual(releases.map((r) => [r.ocid, r.tag[0], r.contracts[0]!.value.amount, r.contracts[0]!.status]).sort(), [
      ['ocds-demo00-C-2026-001', 'contract', 98000, 'active'], ['ocds-demo00-C-2026-002', 'contractTermination', 4800, 'terminated'],
    ]);
    assert.deepEqual(releases.find((r) => r.ocid.endsWith('001'))!.parties.find((p) => p.roles.includes('supplier'))!.identifier, { scheme: 'NL-KVK', id: '12345678', legalName: 'Roadfix BV' });
    // The validator is not a rubber stamp: a release without its ocid, and a contract with a status outside the codelist, fail.
    const broken = structuredClone(pkg) as { releases: Record<string, unknown>[] };
    delete broken.releases[0]!['ocid'];
    assert.equal(validate(broken), false);
    const badStatus = structuredClone(pkg) as { releases: { contracts: { status: string }[] }[] };
    badStatus.releases[0]!.contracts[0]!.status = 'signed';
    assert.equal(validate(badStatus), false);
  });
});
