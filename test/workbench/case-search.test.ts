/**
 * The case search's read model on PGlite and PostgreSQL (issue 20, acceptance 1): a case in each state — open,
 * waiting for the applicant, waiting for payment, closed, withdrawn — is found by each criterion, within the
 * department scope, and no name or address is stored in plain text.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createEngine, createManualClock, type Engine } from '../../src/engine/index.js';
import { createVault } from '../../src/privacy/index.js';
import { projectPending, type Database } from '../../src/store/index.js';
import { CASE_STATES, COUNT_CAP, createCaseSearchProjector, insertIndexedCases, readCaseQuery, searchCases, type CaseQuery, type CaseState, type SearchTokens } from '../../src/workbench/index.js';
import { bpmn, message, messageRef, userTask } from '../engine/bpmn.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';

// Reviewed by planning, then waits for the applicant's answer, then for the fee, then ends.
const permit = bpmn('search-permit', `<startEvent id="s"/>${userTask('review', '<zeebe:assignmentDefinition candidateGroups="planning"/>')}
<intermediateCatchEvent id="answered">${messageRef('m-answer')}</intermediateCatchEvent><intermediateCatchEvent id="paid">${messageRef('m-paid')}</intermediateCatchEvent><endEvent id="e"/>`,
's -> review; review -> answered; answered -> paid; paid -> e', `${message('m-answer', 'answer', '=reference')}${message('m-paid', 'paid', '=reference')}`);
const benefit = bpmn('search-benefit', `<startEvent id="s"/>${userTask('assess', '<zeebe:assignmentDefinition candidateGroups="benefits"/>')}<endEvent id="e"/>`, 's -> assess; assess -> e');
const services = () => [{ processKey: 'search-permit', waitingForApplicant: ['answered'], waitingForPayment: ['paid'] }];

// One case per state, each with its own name, address and start day.
const CASES: Readonly<Record<CaseState, { name: string; address: string; day: string }>> = {
  open: { name: 'Aino Mäkinen', address: '1 Harbour Road', day: '2026-01-02' },
  'waiting-applicant': { name: 'Bertil Öberg', address: '2 Mill Lane', day: '2026-01-03' },
  'waiting-payment': { name: 'Chiara Rossi', address: '3 Quay Street', day: '2026-01-04' },
  closed: { name: 'Dawit Bekele', address: '4 Elm Close', day: '2026-01-05' },
  withdrawn: { name: 'Eun-ji Park', address: '5 Birch Avenue', day: '2026-01-06' },
};

describeEachBackend('case search', (backend) => {
  let db: Database;
  let engine: Engine;
  let tokens: SearchTokens;
  const ids = new Map<CaseState, number>();
  const planning = ['planning', 'planning/manager'];
  const search = (q: Partial<CaseQuery>, scope: readonly string[] | null = planning) => searchCases(db, { sort: 'started', descending: true, limit: 25, offset: 0, ...q }, scope, tokens);

  before(async () => {
    db = await freshDatabase(backend);
    const clock = createManualClock('2026-01-01T09:00:00Z');
    engine = createEngine(db, { clock });
    const vault = createVault({ db, masterKey: 'case-search-test-master-key-0123456789' });
    tokens = (kind, text) => vault.searchTokens(kind, text);
    await engine.deploy([{ name: 'search-permit.bpmn', content: permit }, { name: 'search-benefit.bpmn', content: benefit }]);
    for (const [state, c] of Object.entries(CASES) as [CaseState, (typeof CASES)[CaseState]][]) {
      clock.set(`${c.day}T09:00:00Z`);
      const reference = `SP-2026-0000${CASE_STATES.indexOf(state) + 1}1`;
      const id = (await engine.startInstance('search-permit', { businessKey: reference, variables: { reference, applicantName: c.name, siteAddress: c.address } })).id;
      ids.set(state, id);
      const [task] = await engine.listTasks({ instanceId: id, state: 'created' });
      await engine.claimTask(task!.id, `staff:clerk-${state}`);
      if (state === 'open') continue;
      if (state === 'withdrawn') { await engine.cancelInstance(id, { reason: 'withdrawn by the applicant' }); continue; }
      await engine.completeTask(task!.id, { actor: `staff:clerk-${state}` });
      if (state === 'waiting-applicant') continue;
      await engine.publishMessage({ name: 'answer', correlationKey: reference });
      if (state === 'waiting-payment') continue;
      await engine.publishMessage({ name: 'paid', correlationKey: reference });
    }
    // Another department's case with the same name: outside planning's scope.
    clock.set('2026-01-02T10:00:00Z');
    await engine.startInstance('search-benefit', { businessKey: 'HB-2026-000001', variables: { applicantName: CASES.open.name, address: CASES.open.address } });
    await projectPending(db, createCaseSearchProjector({ services, tokens }));
  });
  after(async () => {
    await db.close();
  });

  it('finds the case of each state by each criterion, and only it', async () => {
    for (const state of CASE_STATES) {
      const c = CASES[state];
      const id = ids.get(state)!;
      const criteria: Partial<CaseQuery>[] = [
        { reference: `0000${CASE_STATES.indexOf(state) + 1}1` },
        { name: c.name.toUpperCase() },
        { name: c.name.split(' ')[1]!.normalize('NFD').replace(/\p{M}/gu, '') }, // surname alone, accents dropped
        { address: c.address.toLowerCase() },
        { statuses: [state] },
        { from: c.day, to: c.day },
        { assignee: `staff:clerk-${state}` },
      ];
      for (const criterion of criteria) {
        const found = await search({ ...criterion, processKeys: ['search-permit'] });
        assert.deepEqual(found.cases.map((f) => f.instanceId), [id], `${state} by ${JSON.stringify(criterion)}`);
        assert.equal(found.cases[0]!.status, state);
        assert.deepEqual(found.cases[0]!.assignees, state === 'open' ? ['staff:clerk-open'] : [], 'only an open task is held now');
      }
    }
  });

  it('keeps to the department scope, pages and sorts', async () => {
    assert.equal((await search({ name: CASES.open.name })).total, 1, 'planning does not see the benefits case of the same name');
    assert.equal((await search({ name: CASES.open.name }, ['benefits'])).cases[0]?.reference, 'HB-2026-000001');
    assert.equal((await search({ name: CASES.open.name }, null)).total, 2, 'an admin or auditor sees both');
    assert.equal((await search({}, ['intake'])).total, 0);
    const all = await search({ sort: 'started', descending: false, limit: 2 });
    assert.equal(all.total, 5);
    assert.deepEqual(all.cases.map((c) => c.instanceId), [ids.get('open'), ids.get('waiting-applicant')]);
    const second = await search({ sort: 'started', descending: false, limit: 2, offset: 2 });
    assert.deepEqual(second.cases.map((c) => c.instanceId), [ids.get('waiting-payment'), ids.get('closed')]);
    const byReference = await search({ sort: 'reference', descending: true, limit: 1 });
    assert.equal(byReference.cases[0]?.instanceId, ids.get('withdrawn'));
    assert.equal((await search({ name: 'Nobody Known' })).total, 0);
    assert.equal((await search({ name: '!!!' })).total, 0, 'a name without words matches nothing, not everything');
  });

  it('finds a reference by its beginning or its end, whatever the case and punctuation typed', async () => {
    const open = ids.get('open')!;
    for (const reference of ['sp 2026/000011', 'SP2026000011', '000011', '2026-000011']) {
      assert.deepEqual((await search({ reference })).cases.map((c) => c.instanceId), [open], reference);
    }
    assert.equal((await search({ reference: 'sp-2026' })).total, 5, 'the beginning: every planning case of 2026');
    assert.equal((await search({ reference: '6-0000' })).total, 0, 'the middle alone matches nothing');
    assert.equal((await search({ reference: '- /' })).total, 0, 'punctuation alone matches nothing, not everything');
  });

  it('stores and compares no name or address in plain text', async () => {
    const { rows } = await db.query<{ row: string }>('select row_to_json(c)::text as row from workbench_case_index c');
    assert.equal(rows.length, 6);
    const words = Object.values(CASES).flatMap((c) => [...c.name.toLowerCase().split(' '), c.address.toLowerCase(), c.address.split(' ')[1]!.toLowerCase()]);
    for (const { row } of rows) for (const w of words) assert.ok(!row.toLowerCase().includes(w), `"${w}" is not in ${row}`);
  });

  it('reads the search from a query string, naming what it cannot use', () => {
    const services = ['building-permit'];
    assert.deepEqual(readCaseQuery({ from: '2026-02-30' }, services).errors.map((e) => e.key), ['from']);
    assert.deepEqual(readCaseQuery({ from: '2026-03-02', to: '2026-03-01' }, services).errors.map((e) => e.key), ['to']);
    assert.deepEqual(readCaseQuery({ status: ['open', 'lost'], service: 'nope' }, services).errors.map((e) => e.key).sort(), ['service', 'status']);
    const ok = readCaseQuery({ status: ['closed', 'withdrawn'], page: '3', sort: 'reference' }, services);
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.query.statuses, ['closed', 'withdrawn']);
    assert.equal(ok.query.offset, 50);
    assert.equal(ok.query.descending, false);
  });
});

// Counting every match of a broad search costs a read of every matching row: past COUNT_CAP the page says "more".
describeEachBackend('case search count', (backend) => {
  let db: Database;
  const tokens: SearchTokens = (kind, text) => text.toLowerCase().split(/\W+/).filter((w) => w).map((w) => `${kind}:${w.length}`);
  const cases = COUNT_CAP + 30;
  const search = (q: Partial<CaseQuery>) => searchCases(db, { sort: 'started', descending: true, limit: 25, offset: 0, ...q }, ['planning'], tokens);

  before(async () => {
    db = await freshDatabase(backend);
    await insertIndexedCases(db, Array.from({ length: cases }, (_, i) => ({
      instanceId: 1 + i, reference: `CT-2026-${String(i).padStart(6, '0')}`, processKey: 'count-permit', status: i % 2 ? 'closed' as const : 'open' as const,
      startedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000), endedAt: null, groups: ['planning'], assignees: [], handlers: [], applicantName: 'A B', address: '1 C',
    })), tokens);
  });
  after(async () => {
    await db.close();
  });

  it('counts up to the cap, then says there are more', async () => {
    const all = await search({});
    assert.deepEqual([all.total, all.more, all.cases.length], [COUNT_CAP, true, 25]);
    assert.equal(all.cases[0]!.instanceId, cases, 'newest first');
    const open = await search({ statuses: ['open'] });
    assert.deepEqual([open.total, open.more], [cases / 2, false], 'under the cap: exact');
    const last = await search({ offset: cases - 5 });
    assert.deepEqual([last.total, last.more, last.cases.length], [cases, false, 5], 'a page that is not full ends the matches');
    const past = await search({ offset: cases + 100 });
    assert.deepEqual([past.total, past.more, past.cases.length], [cases, false, 0], 'past the end: counted as far as the page');
    const deep = await search({ offset: COUNT_CAP });
    assert.deepEqual([deep.total, deep.more], [COUNT_CAP + 25, true], 'a deep page counts as far as its end');
  });
});
