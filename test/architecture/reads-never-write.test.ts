/**
 * Reads never write (issue 14, acceptance 4): every GET route the server registers — portal, workbench, admin,
 * API, documents, payments pages; the list comes from Fastify's onRoute hook, not from this file — is requested as
 * each role (nobody, a citizen, caseworker, manager, admin, auditor, an agency system's and an admin's API key) and
 * the database is compared before and after: the row count and a hash of every table.
 *
 * The only rows a read may add are the ones a read is REQUIRED to write: personal-data access logging, i.e. rows
 * of `personal_data_access` and the `personal-data.accessed` events in `event_log` that record them (docs/privacy.md).
 * Two more allowances, named and narrow. The idle expiry of a signed-in session: `identity_session.last_seen_at`
 * of the caller's own session is touched at most once a minute (src/identity), no other column and no other row.
 * And, until the web edge's CSRF hook (issue 13) gives sign-in forms a signed
 * token without a row: the two sign-in pages, for a visitor without a session, may insert the one anonymous
 * `identity_session` row that holds their form's CSRF token — an insert only, no existing row touched.
 * Nothing else is exempt. The server runs without background work (`background: false`), so only requests write,
 * and without rate limits (`rateLimits: 'off'`): their counters (`rate_limit_counter`) are the edge's count of
 * requests, not data a page writes, and 800 requests from one address would otherwise be refused part-way.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { createParticipation } from '../../src/engagement/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import type { Database } from '../../src/store/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { fillRoutes, routeSample, seedAlexPermitCase } from '../support/seeded-case.js';
import { apiKeyFor, signInCitizen, signInStaff } from '../support/sign-in.js';

/** Rows a read must write (the personal-data access log), left out of the comparison; everything else counts. */
const EXEMPT: Readonly<Record<string, string>> = {
  personal_data_access: 'false',
  event_log: "t.type <> 'personal-data.accessed'",
  // Compared in two parts: the signed-in sessions here, the anonymous ones on their own (see SIGN_IN_PAGES).
  identity_session: 't.principal_id is not null',
};
/** Columns a read may touch: the idle-expiry clock of the caller's session, nothing else. */
const TOUCHED: Readonly<Record<string, readonly string[]>> = { identity_session: ['last_seen_at'] };
const rowHash = (table: string): string => `md5((to_jsonb(t) - array[${(TOUCHED[table] ?? []).map((c) => `'${c}'`).join(', ')}]::text[])::text)`;

async function snapshot(db: Database): Promise<Map<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = current_schema() and c.relkind in ('r', 'p') order by 1`);
  const parts = tables.map(({ name }) => `select '${name}' as name, count(*)::text || ':' || coalesce(md5(string_agg(${rowHash(name)}, ',' order by ${rowHash(name)})), '') as state
    from "${name}" t where ${EXEMPT[name] ?? 'true'}`);
  // The sign-in pages' allowance (below) is judged on the anonymous sessions alone; signed-in ones must never change.
  parts.push(`select 'identity_session (anonymous)', count(*)::text || ':' || coalesce(md5(string_agg(${rowHash('identity_session')}, ',' order by ${rowHash('identity_session')})), '')
    from identity_session t where t.principal_id is null`);
  const { rows } = await db.query<{ name: string; state: string }>(parts.join('\nunion all\n'));
  return new Map(rows.map((r) => [r.name, r.state]));
}

// Pages whose form an anonymous visitor posts get a session (for its CSRF token) like the sign-in pages: the two
// sign-in pages, and the page that subscribes an e-mail address to a topic's updates (issue 18).
const SIGN_IN_PAGES = new Set(['/sign-in', '/staff/sign-in', '/updates/department/licensing/subscribe', '/assistant']);

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([name, state]) => before.get(name) !== state).map(([name, state]) => `${name} ${before.get(name)?.split(':')[0]} → ${state.split(':')[0]} rows`);
}

describeEachBackend('reads never write: every GET route, every role', (backend) => {
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  const data: Record<string, string> = {};
  const who: Record<string, Record<string, string>> = {};

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-reads-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    process.env['GOVFLOW_REGISTRY'] = 'off';
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow, { background: false, rateLimits: 'off' });
    // One real case of the demo citizen Alex, with an upload, at its first task (seeded as `bench web` seeds them).
    Object.assign(data, await seedAlexPermitCase(govflow));
    data['decision'] = '1';
    // A proposal with a comment and an abuse report, and a topic debate (issue 18): their pages, forms and the moderation page.
    const participation = createParticipation({ db: govflow.db, engine: govflow.engine, threshold: 5 });
    data['proposal'] = String(await participation.propose('demo-citizen-alex', { topic: 'streets', title: 'A bench by the pond', body: 'The walk round the pond is long.' }));
    await participation.support(Number(data['proposal']), 'demo-citizen-alex');
    await participation.reportAbuse({ kind: 'proposal', id: Number(data['proposal']), reporterId: 'demo-citizen-sam', reason: 'It is advertising.' });
    data['debate'] = String(await participation.startDebate('demo-citizen-sam', { topic: 'planning', title: 'Taller buildings?', body: 'Should the centre allow them?' }));
    await participation.comment({ debateId: Number(data['debate']), parentId: null, author: { kind: 'citizen', citizenId: 'demo-citizen-alex' }, body: 'Not by the river.' });
    const base = running.url;
    who['nobody'] = {};
    who['citizen'] = { cookie: await signInCitizen(base, 'alex') };
    for (const staff of ['pat', 'mia', 'ada', 'aud']) who[staff] = { cookie: await signInStaff(base, staff) };
    who['agency-key'] = { authorization: `Bearer ${await apiKeyFor(govflow.db, { roles: ['agency-system'], services: ['building-permit'] })}` };
    who['admin-key'] = { authorization: `Bearer ${await apiKeyFor(govflow.db, { roles: ['admin'] })}` };
  });
  after(async () => {
    await running?.stop();
    await govflow?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('no GET of any registered route changes a table row, for any role (access-log rows aside)', async () => {
    const gets = [...new Set(running.routes.filter((r) => (Array.isArray(r.method) ? r.method : [r.method]).includes('GET')).map((r) => r.url))].sort();
    assert.ok(gets.some((u) => u.startsWith('/staff')) && gets.some((u) => u.startsWith('/api/')) && gets.some((u) => u.startsWith('/applications')) && gets.some((u) => u.startsWith('/admin')),
      `portal, workbench, admin and API routes were registered: ${gets.join(' ')}`);
    const { urls, unfilled } = fillRoutes(gets, (segment, param, before) => routeSample(before, segment, param, data), 'govuk-frontend.min.css');
    assert.deepEqual(unfilled, [], 'route parameters without a sample value: add one to routeSample in test/support/seeded-case.ts');
    const writes: string[] = [];
    const statuses = new Map<number, number>();
    // One snapshot per route after all roles have read it (a snapshot hashes every table: per request it was most
    // of this test's time); a route that changed something is named with the roles that read it.
    let state = await snapshot(govflow.db);
    for (const url of urls) {
      const perRole = SIGN_IN_PAGES.has(url);
      for (const [role, headers] of Object.entries(who)) {
        const response = await fetch(`${running.url}${url}`, { headers, redirect: 'manual' });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        assert.ok(response.status < 500, `GET ${url} as ${role}: ${response.status}`);
        if (!perRole) continue;
        // The sign-in pages' allowance is per visitor, so these few routes are compared after each role.
        const next = await snapshot(govflow.db);
        let diff = changed(state, next);
        if (!headers['cookie']) {
          const anonymous = diff.filter((d) => d.startsWith('identity_session'));
          const [was, is] = (/anonymous\) (\d+) → (\d+)/.exec(anonymous.join(' ')) ?? []).slice(1).map(Number);
          // The whole table changed by exactly one new anonymous row: allowed; anything more is reported.
          if (anonymous.length === 1 && is === was! + 1) diff = diff.filter((d) => !d.startsWith('identity_session'));
        }
        if (diff.length > 0) writes.push(`GET ${url} as ${role}: ${diff.join(', ')}`);
        state = next;
      }
      if (perRole) continue;
      const next = await snapshot(govflow.db);
      const diff = changed(state, next);
      if (diff.length > 0) writes.push(`GET ${url} as one of ${Object.keys(who).join(', ')}: ${diff.join(', ')}`);
      state = next;
    }
    assert.deepEqual(writes, []);
    // The requests reached pages, not only refusals: most routes answer 200 to someone.
    assert.ok((statuses.get(200) ?? 0) >= gets.length, `statuses: ${JSON.stringify([...statuses])}`);
  });
});
