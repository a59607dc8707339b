// Issue 13, acceptance 2 and 3 (the household member's page): the three demo services' journeys — approve and refuse
// paths — through the whole composed server on PostgreSQL (portal over HTTP, the real registry connector talking
// signed HTTP to the agency simulator process, documents, notifications, worker loop); staff steps are given through
// the engine. Then EVERY text, varchar, json/jsonb and text[] column of EVERY table is read and none holds a
// national ID or a registry person record (household members' names, registry addresses and birth dates) — the
// vault's ciphertext included, which must not contain them either. The citizen's status page, the caseworker's case
// page and the decision PDF still show them (opened at render time). Finally a household member signs in with the
// eID (a real OpenID Connect provider on loopback, Chromium) and finds the read of their record on /my-data.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { COMPANIES, PEOPLE } from '../../simulator/agency-simulator.js';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { flowed, pdfText } from '../support/pdf-text.js';
import { freePort, signInAtProvider } from '../identity/oidc-support.js';
import { applyThroughPortal, CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { createServerDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';
import { startTestEid, type TestEid } from '../support/test-eid.js';

const KIM = '19920718-3003';
const ALEX = '19850412-1001';
const JO = '19900105-3013';
/** What the registry holds about people, which must live only in the vault. */
const NATIONAL_IDS = Object.keys(PEOPLE);
const REGISTRY_ONLY = [
  ...NATIONAL_IDS,
  // Household members' names: nobody typed them; they come from the population registry only.
  ...Object.values(PEOPLE).flatMap((p) => p.householdMembers.map((m) => m.name)).filter((name) => !['Alex Demo', 'Kim Sample'].includes(name)),
  // Home addresses and birth dates; Sam's address is also his bakery's registered address, business data the
  // licence case keeps (a company's record is not personal data), so it is not a needle.
  ...Object.values(PEOPLE).flatMap((p) => [p.address, p.birthDate]).filter((v) => !Object.values(COMPANIES).some((c) => c.address === v)),
];

describe('personal data only in the vault, after the three services\' journeys [postgres]', () => {
  let dataDir: string;
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  let eid: TestEid;
  const saved: Record<string, string | undefined> = {};
  const cases: Record<string, { reference: string; id: number }> = {};

  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    eid = await startTestEid(() => `${publicUrl}/sign-in/callback`, { people: { 'eid-jo': { name: 'Jo Sample', email: 'jo@example.org', national_id: JO } } });
    const env: Record<string, string | undefined> = {
      GOVFLOW_REGISTRY: undefined, GOVFLOW_REGISTRY_URL: undefined, GOVFLOW_SMTP_URL: undefined, GOVFLOW_LOG_LEVEL: process.env['GOVFLOW_LOG_LEVEL'] ?? 'warn',
      GOVFLOW_OIDC_ISSUER: eid.issuer, GOVFLOW_OIDC_CLIENT_ID: eid.clientId, GOVFLOW_OIDC_CLIENT_SECRET: eid.clientSecret,
    };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-at-rest-'));
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port, host: '127.0.0.1', databaseUrl: await createServerDatabase(), publicUrl } });
    running = await startServer(govflow);
    base = running.url;
  });
  after(async () => {
    await running?.stop();
    await govflow?.close();
    await eid?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });

  const until = <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => eventually(what, probe, { between: () => running.worker.poll() });
  const page = async (url: string, cookie: string): Promise<string> => {
    const r = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(r.status, 200, url);
    return r.text();
  };
  async function started(reference: string): Promise<number> {
    return until(`the case ${reference}`, async () => (await govflow.engine.listInstances({ businessKey: reference }))[0]?.id);
  }
  async function decide(id: number, elementId: string, variables: Record<string, unknown>): Promise<void> {
    const task = await until(`the ${elementId} task`, async () => (await govflow.engine.listTasks({ instanceId: id, state: 'created' })).find((t) => t.elementId === elementId));
    await govflow.engine.completeTask(task.id, { variables, actor: 'staff:test' });
  }
  async function decided(id: number, outcome: 'approved' | 'refused'): Promise<void> {
    const done = await until('the decision', async () => { const v = await govflow.engine.getInstance(id); return v.state === 'completed' ? v : undefined; });
    assert.equal(done.variables['decision'], outcome);
    assert.equal(typeof done.variables['decisionCode'], 'string');
  }

  it('runs the journeys: a building permit granted, housing benefit awarded and refused, a licence renewed and refused', async () => {
    const [alex, kim, sam] = [await signInCitizen(base, 'alex'), await signInCitizen(base, 'kim'), await signInCitizen(base, 'sam')];
    const permit = await applyThroughPortal(base, alex, 'building-permit', {
      'about-you': { fields: { applicantName: 'Alex Demo', email: 'alex@example.org', applicantRole: 'owner' } },
      'the-building': { fields: { siteAddress: '1 Demo Street', workType: 'extension', floorArea: '80', workDescription: 'A two-room extension at the back.', 'plannedStart-day': '1', 'plannedStart-month': '6', 'plannedStart-year': '2028' }, file: 'sitePlan' },
      declaration: { fields: { declaration: 'true' } },
    });
    const permitId = await started(permit);
    await decide(permitId, 'check-completeness', { complete: true });
    for (const review of ['zoning-review', 'structural-review', 'fire-safety-review']) await decide(permitId, review, {});
    await until('the fee', async () => (await govflow.engine.getInstance(permitId)).activeElements.some((e) => e.elementId === 'payment-received'));
    await govflow.engine.publishMessage({ name: 'payment-received', correlationKey: permit, messageId: `pay-${permit}` });
    await decide(permitId, 'decide', { decision: 'approved', decisionReasons: 'The plans meet the zoning plan.' });
    await decided(permitId, 'approved');

    // Kim's household (the registry: a partner and a child) makes 2,700 an edge case for a caseworker, who awards it.
    const benefit = (cookie: string, name: string, income: number, rent: number) => applyThroughPortal(base, cookie, 'housing-benefit', {
      'about-you': { fields: { applicantName: name, email: 'claimant@example.org' } },
      'income-and-rent': { fields: { monthlyIncome: String(income), monthlyRent: String(rent) } },
      declaration: { fields: { declaration: 'true' } },
    });
    const award = await benefit(kim, 'Kim Sample', 2700, 900);
    cases['award'] = { reference: award, id: await started(award) };
    await decide(cases['award'].id, 'caseworker-review', { decision: 'approved', decisionReasons: 'Rent is a large share of the household income.' });
    await decided(cases['award'].id, 'approved');
    // Alex's income is far above the limit: refused by the eligibility table.
    const refusal = await benefit(alex, 'Alex Demo', 6000, 500);
    await decided(await started(refusal), 'refused');

    const renew = (code: string) => applyThroughPortal(base, sam, 'business-licence-renewal', {
      'the-business': { fields: { applicantName: 'Sam Example', email: 'sam@example.org', businessCode: code } },
      declaration: { fields: { declaration: 'true' } },
    });
    await decided(await started(await renew('BR-100200')), 'approved');
    const grill = await started(await renew('BR-300400'));
    await decide(grill, 'clerk-review', { decision: 'refused', decisionReasons: 'The hygiene violation is not resolved.' });
    await decided(grill, 'refused');
  });

  it('no table column holds a national ID or a registry person record, outside the vault', async () => {
    assert.ok(cases['award'], 'the journeys ran');
    const { rows: columns } = await govflow.db.query<{ table_name: string; column_name: string }>(
      `select c.table_name, c.column_name from information_schema.columns c
         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
          and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb') or c.udt_name in ('_text', '_varchar'))
        order by 1, 2`);
    assert.ok(columns.length > 50, `every text column of the schema (${columns.length})`);
    const patterns = (needles: readonly string[]) => needles.map((n) => `%${n.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const found: string[] = [];
    const typedNames: string[] = [];
    for (const c of columns) {
      const column = `"${c.table_name}"."${c.column_name}"`;
      const { rows } = await govflow.db.query<{ v: string }>(`select "${c.column_name}"::text as v from "${c.table_name}" where "${c.column_name}"::text like any($1::text[]) limit 20`, [patterns(REGISTRY_ONLY)]);
      for (const r of rows) found.push(`${column}: ${REGISTRY_ONLY.filter((n) => r.v.includes(n)).join(', ')}`);
      // The control: the same scan does see what applicants typed themselves (their name on the form).
      const typed = await govflow.db.query(`select 1 from "${c.table_name}" where "${c.column_name}"::text like any($1::text[]) limit 1`, [patterns(['Kim Sample'])]);
      if (typed.rows.length > 0) typedNames.push(column);
    }
    assert.deepEqual(found, [], 'registry data outside the vault');
    assert.ok(typedNames.includes('"portal_submission"."answers"'), `the scan reads jsonb: the typed name is found in the answers (${typedNames.join(', ')})`);
    // …and the vault does hold the records: the applicants', and each household member's under their own person id.
    const { rows: sealed } = await govflow.db.query<{ kind: string; n: string | number }>('select kind, count(*) as n from privacy_record group by kind');
    assert.ok(sealed.some((r) => r.kind === 'population-record' && Number(r.n) >= 5), `population records sealed: ${JSON.stringify(sealed)}`);
  });

  it('the status page, the caseworker\'s case page and the decision PDF still show them, opened at render time', async () => {
    const { reference, id } = cases['award']!;
    const kim = await signInCitizen(base, 'kim');
    const status = await page(`/applications/${reference}`, kim);
    for (const shown of [KIM, JO, 'Jo Sample', 'Ari Sample', PEOPLE[KIM]!.address]) assert.ok(status.includes(shown), `the status page shows ${shown}`);
    const ben = await signInStaff(base, 'ben');
    const casePage = await page(`/staff/cases/${id}`, ben);
    for (const shown of [KIM, JO, 'Jo Sample', 'Ari Sample', '20200910-3023']) assert.ok(casePage.includes(shown), `the case page shows ${shown}`);
    const code = (await govflow.engine.getInstance(id)).variables['decisionCode'] as string;
    const pdf = await fetch(`${base}/decisions/${code}.pdf`, { headers: { cookie: kim } });
    assert.equal(pdf.status, 200);
    const text = flowed(await pdfText(new Uint8Array(await pdf.arrayBuffer())));
    assert.ok(text.includes(`National identity number: ${KIM}`), 'the decision PDF names the national ID');
    assert.ok(!text.includes(`National identity number: ${ALEX}`));
  });

  it('the household member whose record was read for the claim finds it on their own "Who has seen my data" page', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      // Jo has never used govflow: they sign in with the eID, which carries their national ID.
      const { url, content } = await signInAtProvider(browser, base, eid.issuer, '/sign-in/oidc?next=/my-data', 'eid-jo');
      assert.equal(url.pathname, '/my-data');
      assert.match(content, /Read your details in the population register because someone in your household made a claim/);
      assert.match(content, /housing benefit claim/);
      // The caseworker's case page showed Jo's record: that read is Jo's to see too.
      assert.match(content, /Looked at your details from a register/);
    } finally {
      await browser.close();
    }
  });
});
