/**
 * The case search page over real HTTP (issue 20, acceptance 1): the composed server with its background projector,
 * real staff sign-in; department scope, bulk claim with one event per case, saved searches without personal data.
 * One backend: the SQL is covered on both by test/workbench/case-search.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { signInStaff } from '../support/sign-in.js';

describeEachBackend('case search page', (backend) => {
  let dataDir: string;
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  const cases: number[] = [];
  const get = async (url: string, cookie: string) => {
    const response = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, text: await response.text() };
  };
  const post = async (url: string, cookie: string, fields: [string, string][]) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec((await get('/staff/search', cookie)).text)?.[1] ?? '';
    const response = await fetch(`${base}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams([['csrf', csrf], ...fields]), redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-search-page-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow);
    base = running.url;
    for (const [n, name] of ['Robin Search', 'Robin Other'].entries()) {
      const reference = `BP-2026-91000${n}`;
      cases.push((await govflow.engine.startInstance('building-permit', { businessKey: reference, variables: { reference, applicantName: name, siteAddress: `${n + 7} Search Street`, serviceId: 'building-permit', floorArea: 120 } })).id);
    }
  });
  after(async () => {
    await running.stop();
    await govflow.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds a case by name in the department, and nothing outside it', async () => {
    const pat = await signInStaff(base, 'pat');
    const found = await eventually('the projector indexed the case', async () => {
      const page = await get(`/staff/search?${new URLSearchParams({ name: 'robin SEARCH' })}`, pat);
      return page.text.includes('BP-2026-910000') ? page : null;
    });
    assert.equal(found.status, 200);
    assert.doesNotMatch(found.text, /BP-2026-910001/, 'only the case whose name has both words');
    assert.match(found.text, /data-state="open">Open</);
    const lin = await signInStaff(base, 'lin');
    const other = await get(`/staff/search?${new URLSearchParams({ name: 'Robin' })}`, lin);
    assert.equal(other.status, 200);
    assert.match(other.text, /id="no-cases"/, 'licensing does not find planning\'s cases');
    const aud = await signInStaff(base, 'aud');
    assert.match((await get(`/staff/search?${new URLSearchParams({ name: 'Robin' })}`, aud)).text, /2 cases/, 'an auditor reads every case');
    const bad = await get('/staff/search?from=2026-02-30&status=lost', pat);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<a href="#from">Started from must be a real date/);
    assert.match(bad.text, /<a href="#status">Select states from the list/);
  });

  it('claims the ticked cases with one event each, and saves a search without the name', async () => {
    const pat = await signInStaff(base, 'pat');
    const claimed = await post('/staff/search/bulk', pat, [['action', 'claim'], ...cases.map((id) => ['case', String(id)] as [string, string])]);
    assert.equal(claimed.status, 200);
    assert.match(claimed.text, /2 cases changed/);
    for (const id of cases) {
      const events = (await govflow.engine.getEvents(id)).filter((e) => e.type === 'task.claimed');
      assert.equal(events.length, 1, `one audit event on case ${id}`);
      assert.equal(events[0]!.actor, 'staff:pat');
    }
    const again = await post('/staff/search/bulk', pat, [['action', 'claim'], ['case', String(cases[0])]]);
    assert.match(again.text, /no unassigned task you can take/);
    assert.equal((await post('/staff/search/bulk', pat, [['action', 'escalate'], ['case', String(cases[0])]])).status, 400, 'escalating needs a reason');
    const lin = await signInStaff(base, 'lin');
    assert.match((await post('/staff/search/bulk', lin, [['action', 'claim'], ['case', String(cases[1])]])).text, /not a case of your departments/);

    const saved = await post('/staff/search/filters', pat, [['filterName', 'Open permits'], ['query', 'name=Robin+Search&status=open&service=building-permit']]);
    assert.equal(saved.status, 303);
    assert.equal(saved.location, '/staff/search?service=building-permit&status=open');
    const page = await get('/staff/search', pat);
    assert.match(page.text, /<a class="govuk-link" href="\/staff\/search\?service=building-permit&amp;status=open">Open permits<\/a>/);
    assert.doesNotMatch(page.text, /Robin/, 'the name searched for was not kept');
    const id = /action="\/staff\/search\/filters\/(\d+)\/delete"/.exec(page.text)?.[1];
    assert.equal((await post(`/staff/search/filters/${id}/delete`, lin, [])).status, 404, 'only its owner deletes a saved search');
    assert.equal((await post(`/staff/search/filters/${id}/delete`, pat, [])).status, 303);
    assert.doesNotMatch((await get('/staff/search', pat)).text, /Open permits/);
  });
}, { backends: ['postgres'] });
