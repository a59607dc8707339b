/**
 * `govflow bench web --json` (issue 5, acceptance 5): a tiny real run (200 seeded cases, 1 s per target, on the test
 * PostgreSQL server) checks the JSON and that every request was answered 200; the load generator is checked against
 * a loopback peer that answers some requests with a redirect, so only 2xx count as served; the flags are
 * property-tested. Speed is not asserted here: docs/benchmarks.md has the figures.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { caseSearchPaths, generateLoad, parseWebBenchArgs, seedCaseSearch, STATUS_PAGE_GOAL, translationLoss, type WebBenchResult } from '../src/cli/index.js';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../src/catalogue/index.js';
import { createVault } from '../src/privacy/index.js';
import { CASE_STATES, readCaseQuery, searchCases, type SearchTokens } from '../src/workbench/index.js';
import { isApplicant, listUploads, seedSubmittedCases } from '../src/portal/index.js';
import { describeEachBackend, freshDatabase, pgUrl } from './support/databases.js';
import { startTestPortal } from './portal/support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('govflow bench web --json', { skip: pgUrl ? false : 'no PostgreSQL test server' }, () => {
  it('seeds the cases, signs in, loads every target and reports 200s only', { timeout: 240_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, GOVFLOW_LOG_LEVEL: 'warn', GOVFLOW_DATABASE_URL: pgUrl };
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/govflow.mjs'), 'bench', 'web', '--json', '--cases', '200', '--duration', '3', '--warmup', '0.5', '--connections', '4', '--citizen-cases', '6', '--processes', '1'], { cwd: ROOT, env, maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as WebBenchResult;
    assert.equal(result.subject, 'web');
    assert.equal(result.backend, 'postgres');
    assert.equal(result.cases, 200);
    assert.equal(result.processes, 1);
    assert.ok(result.seedSeconds > 0 && result.casesPerSecondSeeded > 0);
    assert.deepEqual(result.targets.map((t) => t.target), ['status-page', 'status-page-ca', 'staff-inbox', 'api-instance', 'baseline']);
    for (const t of result.targets) {
      assert.ok(t.ok > 0, `${t.target} served requests`);
      assert.equal(t.non2xx, 0, `${t.target}: no 3xx/4xx/5xx`);
      assert.equal(t.errors, 0, `${t.target}: no errors`);
      assert.equal(t.timeouts, 0, `${t.target}: no timeouts`);
      assert.ok(t.requestsPerSecond > 0 && t.p50Ms >= 0 && t.p99Ms >= t.p50Ms, `${t.target}: ${JSON.stringify(t)}`);
      assert.equal(t.connections, 4);
    }
    // The citizen's 6 cases are the mix the status page cycles through.
    assert.match(result.targets[0]!.path, /^\/applications\/BP-\d{4}-\d{6} \(\+5 more\)$/);
    // Catalan reads the same pages in the same run; the translation's loss is their ratio (issue 21).
    assert.equal(result.targets[1]!.path, result.targets[0]!.path);
    const translation = result.translation!;
    assert.equal(translation.ratio, Math.round((result.targets[1]!.requestsPerSecond / result.targets[0]!.requestsPerSecond) * 10_000) / 10_000);
    assert.equal(translation.met, translation.lossPercent <= 5);
    assert.equal(result.allResponses2xx, true);
    const goal = result.goals[0]!;
    assert.equal(goal.target, 'status-page');
    assert.equal(goal.requestsPerSecond, STATUS_PAGE_GOAL.requestsPerSecond);
    assert.equal(goal.p99Ms, STATUS_PAGE_GOAL.p99Ms);
    assert.equal(goal.met, result.targets[0]!.requestsPerSecond >= 2000 && result.targets[0]!.p99Ms < 50);
    assert.equal(result.loadavgBefore.length, 3);
    assert.equal(result.loadavgAfter.length, 3);
  });
});

describe('the load generator', () => {
  it('counts only 2xx responses as served: redirects and errors are reported, not counted', { timeout: 60_000 }, async () => {
    const seen = new Map<string, number>();
    const peer = createServer((request, response) => {
      seen.set(request.url ?? '', (seen.get(request.url ?? '') ?? 0) + 1);
      if (request.headers['x-check'] !== 'yes') response.writeHead(401).end();
      else if (request.url === '/moved') response.writeHead(303, { location: '/ok' }).end();
      else if (request.url === '/broken') response.writeHead(500).end('no');
      else response.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
      const result = await generateLoad('baseline', { url, connections: 2, warmupSeconds: 0, durationSeconds: 1, headers: { 'x-check': 'yes' }, paths: ['/ok', '/moved', '/broken'] });
      // Every path of the mix was requested, with the headers given.
      assert.ok((seen.get('/ok') ?? 0) > 0 && (seen.get('/moved') ?? 0) > 0 && (seen.get('/broken') ?? 0) > 0, JSON.stringify([...seen]));
      assert.ok(result.ok > 0);
      assert.ok(result.non2xx > 0);
      // A third of the mix succeeds: the served rate is the 2xx responses only.
      assert.ok(result.ok < (result.ok + result.non2xx) * 0.5, JSON.stringify(result));
      assert.equal(result.requestsPerSecond, Math.round((result.ok / result.seconds) * 10) / 10);
      assert.equal(result.path, '/ok (+2 more)');
    } finally {
      peer.close();
    }
  });
});

describe('the loss from translation (issue 21)', () => {
  it('is Catalan against English on the status page, both from the run; unknown without either', () => {
    const run = (en: number, ca: number) => [{ target: 'status-page' as const, requestsPerSecond: en, p99Ms: 9, serverCpuMsPerRequest: 0.5 }, { target: 'status-page-ca' as const, requestsPerSecond: ca, p99Ms: 11 }];
    assert.deepEqual(translationLoss(run(2000, 1920)), {
      english: { requestsPerSecond: 2000, p99Ms: 9, serverCpuMsPerRequest: 0.5 }, catalan: { requestsPerSecond: 1920, p99Ms: 11, serverCpuMsPerRequest: null }, ratio: 0.96, lossPercent: 4, goalPercent: 5, met: true,
    });
    assert.equal(translationLoss(run(2000, 1880))!.met, false, '6 % lost');
    assert.equal(translationLoss(run(2000, 2100))!.lossPercent, -5, 'faster in Catalan: a negative loss');
    assert.equal(translationLoss(run(2000, 1900).slice(0, 1)), null);
  });
});

describe('bench web flags', () => {
  it('takes every value in range and keeps the defaults otherwise', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 3600 }), fc.boolean(),
      (cases, processes, connections, duration, inline) => {
        const pair = (flag: string, v: number): string[] => (inline ? [`${flag}=${v}`] : [flag, String(v)]);
        const o = parseWebBenchArgs([...pair('--cases', cases), ...pair('--processes', processes), ...pair('--connections', connections), ...pair('--duration', duration), '--json']);
        assert.equal(o.cases, cases);
        assert.equal(o.processes, processes);
        assert.equal(o.connections, connections);
        assert.equal(o.durationSeconds, duration);
        assert.equal(o.json, true);
        assert.equal(o.warmupSeconds, 2);
        assert.ok(o.citizenCases <= cases);
      }));
    assert.equal(parseWebBenchArgs(['--json']).processes, 1);
  });

  it('refuses values out of range or not numbers, naming the flag', () => {
    const flags = ['--cases', '--processes', '--connections', '--duration', '--warmup', '--citizen-cases'] as const;
    const bad = fc.oneof(
      fc.string().filter((s) => !/^\d+(\.\d+)?$/.test(s)),
      fc.constantFrom('0', '-1', '1e3', '0x10', 'NaN', 'Infinity', '99999999999'),
    );
    fc.assert(fc.property(fc.constantFrom(...flags), bad, (flag, value) => {
      if (flag === '--warmup' && value === '0') return; // a warm-up of 0 s is allowed
      assert.throws(() => parseWebBenchArgs([flag, value]), (error: Error) => error.message.startsWith(flag));
    }));
  });

  it('takes a subset of the targets and refuses unknown ones', () => {
    const targets = ['status-page', 'status-page-ca', 'staff-inbox', 'api-instance', 'baseline'];
    fc.assert(fc.property(fc.subarray(targets, { minLength: 1 }), (subset) => {
      assert.deepEqual(parseWebBenchArgs(['--targets', subset.join(',')]).targets, subset);
    }));
    fc.assert(fc.property(fc.string({ minLength: 1 }).filter((s) => !s.includes(',') && !targets.includes(s.trim()) && s.trim() !== ''), (name) => {
      assert.throws(() => parseWebBenchArgs(['--targets', `status-page,${name}`]), /--targets/);
    }));
    assert.throws(() => parseWebBenchArgs(['--fast']), /unknown option --fast/);
    assert.throws(() => parseWebBenchArgs(['--database-url', 'mysql://x']), /--database-url/);
  });
});

describeEachBackend('seedSubmittedCases', (backend) => {
  it('leaves what a submit leaves: pinned submission, attached upload, started case, for any count and applicants', { timeout: 120_000 }, async () => {
    const portal = await startTestPortal(backend);
    try {
      const service = portal.catalogue.get('building-permit')!;
      const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
      await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), async (count, applicants, batchSize) => {
        const tag = Math.random().toString(36).slice(2, 8);
        const citizenOf = (i: number): string => `seed-${tag}-${i % applicants}`;
        const seeded = await seedSubmittedCases({
          db: portal.db, engine: portal.engine, catalogue: portal.catalogue, serviceId: 'building-permit', count, batchSize, citizenOf,
          answersOf: (i) => ({ applicantName: `Applicant ${i}`, email: `a${i}@example.org`, floorArea: 10 + i }),
          files: { sitePlan: { filename: '../plans/site plan.pdf', bytes: pdf } },
        });
        assert.equal(seeded.length, count);
        assert.equal(new Set(seeded.map((c) => c.reference)).size, count);
        for (const [i, c] of seeded.entries()) {
          assert.match(c.reference, /^BP-\d{4}-\d{6,}$/);
          assert.equal(c.citizenId, citizenOf(i));
          assert.equal(await isApplicant(portal.db, citizenOf(i), c.reference), true);
          assert.equal(await isApplicant(portal.db, `${citizenOf(i)}-other`, c.reference), false);
          const instance = await portal.engine.getInstance(c.instanceId);
          assert.equal(instance.businessKey, c.reference);
          assert.equal(instance.state, 'active');
          assert.equal(instance.variables['applicantName'], `Applicant ${i}`);
          assert.equal(instance.variables['reference'], c.reference);
          const { rows } = await portal.db.query<{ answers: Record<string, unknown>; form_versions: Record<string, string>; instance_id: string | number }>(
            'select answers, form_versions, instance_id from portal_submission where reference = $1', [c.reference]);
          assert.equal(Number(rows[0]!.instance_id), c.instanceId);
          assert.deepEqual(rows[0]!.form_versions, Object.fromEntries(service.pages.map((p) => [p.id, p.formVersion])));
          assert.equal(rows[0]!.answers['floorArea'], 10 + i);
          const uploads = await listUploads(portal.db, c.reference);
          assert.equal(uploads.length, 1);
          assert.equal(rows[0]!.answers['sitePlan'], uploads[0]!.id);
          assert.equal(uploads[0]!.mediaType, 'application/pdf');
          assert.equal(uploads[0]!.filename, 'site plan.pdf');
          assert.deepEqual((instance.variables['applicationDocuments'] as { id: number }[]).map((d) => d.id), [uploads[0]!.id]);
        }
      }), { numRuns: backend === 'pglite' ? 4 : 6 });
    } finally {
      await portal.close();
    }
  });

  it('refuses an unknown service, a file the service has no field for and a file of the wrong type, writing nothing', { timeout: 60_000 }, async () => {
    const portal = await startTestPortal(backend);
    try {
      const base = { db: portal.db, engine: portal.engine, catalogue: portal.catalogue, count: 2, citizenOf: () => 'seed-refused', answersOf: () => ({}) };
      await assert.rejects(seedSubmittedCases({ ...base, serviceId: 'no-such-service' }), /no service no-such-service/);
      await assert.rejects(seedSubmittedCases({ ...base, serviceId: 'building-permit', files: { photo: { filename: 'x.pdf', bytes: Buffer.from('%PDF-1.4\n') } } }), /no file field photo/);
      await assert.rejects(seedSubmittedCases({ ...base, serviceId: 'building-permit', files: { sitePlan: { filename: 'x.pdf', bytes: Buffer.from('just text, not a PDF') } } }), /must be a/);
      await assert.rejects(seedSubmittedCases({ ...base, serviceId: 'building-permit', count: -1 }), /count/);
      const { rows } = await portal.db.query<{ n: string | number }>("select count(*) as n from portal_submission where citizen_id = 'seed-refused'");
      assert.equal(Number(rows[0]!.n), 0);
    } finally {
      await portal.close();
    }
  });
});

// The case-search target (issue 20): its bulk cases are searchable as the projector's are, and its searches find them.
describe('the case-search target\'s cases and searches', () => {
  it('seeds every state and service with names only as blind-index tokens; the searches find the cases they were made from', { timeout: 60_000 }, async () => {
    const db = await freshDatabase('pglite');
    try {
      const vault = createVault({ db, masterKey: randomBytes(32) });
      const tokens: SearchTokens = (kind, text) => vault.searchTokens(kind, text);
      const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
      const now = new Date();
      const seed = await seedCaseSearch(db, { total: 400, catalogue, tokens, now });
      assert.equal(seed.indexedCases, 400);
      assert.equal(seed.bulkCases, 400);
      assert.deepEqual(Object.keys(seed.byState).sort(), [...CASE_STATES].sort());
      assert.ok(Object.keys(seed.byService).length >= 7, `seven services: ${Object.keys(seed.byService).join(', ')}`);
      const dump = (await db.query<{ t: string }>('select string_agg(row_to_json(c)::text, \' \') as t from workbench_case_index c')).rows[0]!.t;
      assert.doesNotMatch(dump, /Aino|Tamm|Mill Lane|Harbour/, 'no name or address in plain text');
      // Again with more cases asked for: only the difference is added.
      assert.equal((await seedCaseSearch(db, { total: 450, catalogue, tokens, now })).bulkCases, 50);

      // One search of each kind (the bench cycles through many of each).
      const kinds = new Set<string>();
      const paths = caseSearchPaths({ bulk: 450, now, catalogue, engineReferences: [] }).filter((p) => {
        const raw = Object.fromEntries(new URLSearchParams(p.split('?')[1]));
        const kind = Object.keys(raw).sort().join('+') + (raw['reference'] && raw['reference'].length <= 8 ? ' (part)' : '') + (raw['name'] && !raw['name'].includes(' ') ? ' (word)' : '');
        return kinds.has(kind) ? false : !!kinds.add(kind);
      });
      for (const p of paths) {
        const raw = Object.fromEntries(new URLSearchParams(p.split('?')[1]));
        const { query, serviceIds, errors } = readCaseQuery(raw, catalogue.services.map((s) => s.id));
        assert.deepEqual(errors, [], p);
        const found = await searchCases(db, { ...query, processKeys: serviceIds.map((id) => catalogue.get(id)!.process.key) }, ['planning', 'intake'], tokens);
        // A search made from one case's reference, full name or address finds that case (in the searcher's scope).
        if (raw['reference'] && raw['reference'].length > 8 || raw['name']?.includes(' ') || raw['address']) assert.ok(found.total > 0, `${p} finds its case`);
      }
      for (const kind of ['reference', 'reference (part)', 'name', 'name+status (word)', 'address', 'from+to', 'assignee+status', 'page+sort+status', 'from+service+status+to']) assert.ok(kinds.has(kind), `searches by ${kind}`);
    } finally {
      await db.close();
    }
  });
});
