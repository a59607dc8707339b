// Issue 17 acceptance 1 and 6: the DCAT-AP 3.0.1 catalogue validates with a real SHACL engine in each
// serialisation; the CKAN-compatible API answers as CKAN 2.10's action API is documented to
// (docs.ckan.org/en/2.10/api: `{help, success, result}`, errors `{success: false, error: {__type, message}}`,
// NotFound → 404 "Not Found Error", ValidationError → 409 "Validation Error"); the pages' caching headers.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import rdf from '@zazuko/env';
import Fastify, { type FastifyInstance } from 'fastify';
import jsonld from 'jsonld';
import { Parser, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { RdfXmlParser } from 'rdfxml-streaming-parser';
import { projectPending, type Database } from '../../src/store/index.js';
import { addMilestone, createProject, createTransparencyPlugin, createTransparencyProjector, importContracts, importSpending, readServiceMoney, type PublishedService } from '../../src/transparency/index.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { sharedPath, skipWithoutSharedData } from '../support/shared-data.js';
import { driveServices, GOOD_CONTRACTS, GOOD_SPENDING, payFees, publishedOf } from './support.js';

const SHAPES = ['shapes.ttl', 'range.ttl', 'mdr-vocabularies.shape.ttl'].map((f) => `../standards/dcat-ap-3.0.1/${f}`);
const RECOMMENDED = '../standards/dcat-ap-3.0.1/shapes_recommended.ttl';

async function parseTurtle(text: string, baseIRI?: string): Promise<Quad[]> {
  return new Parser(baseIRI ? { baseIRI } : {}).parse(text);
}
async function parseRdfXml(text: string): Promise<Quad[]> {
  const quads: Quad[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = new RdfXmlParser();
    parser.on('data', (q: Quad) => quads.push(q)).on('error', reject).on('end', resolve);
    parser.write(text);
    parser.end();
  });
  return quads;
}
async function parseJsonLd(text: string): Promise<Quad[]> {
  const nquads = await jsonld.toRDF(JSON.parse(text) as jsonld.JsonLdDocument, { format: 'application/n-quads' }) as unknown as string;
  return new Parser({ format: 'N-Quads' }).parse(nquads);
}
async function shapesOf(files: readonly string[]) {
  const dataset = rdf.dataset();
  for (const f of files) for (const q of await parseTurtle(await readFile(sharedPath(f), 'utf8'))) dataset.add(q);
  return dataset;
}
const canonical = (quads: readonly Quad[]) => quads.filter((q) => q.subject.termType !== 'BlankNode' && q.object.termType !== 'BlankNode')
  .map((q) => `${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}:${q.object.termType === 'Literal' ? `${q.object.datatype.value}@${q.object.language}` : ''}`).sort();

describe('open data: DCAT-AP catalogue, CKAN API, caching', () => {
  let db: Database;
  let server: FastifyInstance;
  let base: string;
  let services: PublishedService[];
  before(async () => {
    db = await freshDatabase('pglite');
    const run = await driveServices(db, { days: 20, perDay: 3 });
    services = publishedOf(run.services);
    // Spending and contracts as imported, and fees paid on eight licence cases (one refunded): the spending
    // datasets are in the catalogue the SHACL shapes check.
    const { rows } = await db.query<{ business_key: string }>("select business_key from process_instance where business_key like 'BL-%' order by id limit 8");
    await payFees(db, rows.map((r) => r.business_key), 12_000);
    await importContracts(db, GOOD_CONTRACTS);
    await importSpending(db, GOOD_SPENDING);
    // A project with milestones: the project-timelines dataset is in the catalogue the shapes check.
    const project = await createProject(db, { title: 'Riverside park renewal', summary: 'New paths and lighting.', department: 'planning', budgetMinor: 100_000_00, budgetLine: null, place: 'Riverside', latitude: 41.38, longitude: 2.18 }, 'test');
    await addMilestone(db, project, { title: 'Park reopens', plannedOn: '2027-05-01' }, 'test');
    await projectPending(db, createTransparencyProjector(services));
    server = Fastify();
    await server.register(createTransparencyPlugin({ db, services: () => services, cacheMs: 0, now: () => run.clock.now() }));
    base = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server?.close();
    await db?.close();
  });

  describe('DCAT-AP 3.0.1 with a real SHACL engine', { skip: skipWithoutSharedData(...SHAPES, RECOMMENDED) }, () => {
    const serialisations = [
      { name: 'Turtle', path: '/open-data/catalog.ttl', accept: 'text/turtle', type: 'text/turtle', parse: (t: string) => parseTurtle(t) },
      { name: 'JSON-LD', path: '/open-data/catalog.jsonld', accept: 'application/ld+json', type: 'application/ld+json', parse: parseJsonLd },
      { name: 'RDF/XML', path: '/open-data/catalog.rdf', accept: 'application/rdf+xml', type: 'application/rdf+xml', parse: parseRdfXml },
    ];
    const graphs = new Map<string, Quad[]>();
    for (const s of serialisations) {
      it(`${s.name}: same answer by suffix and by Accept, zero violations of shapes.ttl, range.ttl and mdr-vocabularies.shape.ttl`, async () => {
        const bySuffix = await fetch(base + s.path);
        assert.equal(bySuffix.status, 200);
        assert.match(bySuffix.headers.get('content-type') ?? '', new RegExp(`^${s.type.replace('+', '\\+')}`));
        const text = await bySuffix.text();
        const negotiated = await fetch(`${base}/open-data/catalog`, { headers: { accept: `text/html;q=0.1, ${s.accept}` } });
        assert.equal(negotiated.headers.get('content-type'), bySuffix.headers.get('content-type'));
        assert.equal(await negotiated.text(), text);
        const quads = await s.parse(text);
        graphs.set(s.name, quads);
        assert.ok(quads.length > 100, `${quads.length} triples`);
        const validator = new SHACLValidator(await shapesOf(SHAPES), { factory: rdf });
        const data = rdf.dataset();
        for (const q of quads) data.add(q);
        const report = await validator.validate(data);
        const violations = report.results.filter((r) => r.severity?.value === 'http://www.w3.org/ns/shacl#Violation');
        assert.deepEqual(violations.map((v) => `${v.focusNode?.value} ${v.path?.value}: ${v.message.map((m) => m.value).join('; ')}`), []);
        // The shapes do run on this graph: a catalogue without its title is a violation.
        const broken = rdf.dataset();
        for (const q of quads) if (!(q.predicate.value === 'http://purl.org/dc/terms/title' && q.subject.value.endsWith('/open-data/catalog'))) broken.add(q);
        assert.equal((await new SHACLValidator(await shapesOf(SHAPES), { factory: rdf }).validate(broken)).conforms, false);
      });
    }
    it('the three serialisations carry the same graph; recommended-shape findings are listed for docs/open-data.md', async () => {
      const [turtle, json, xml] = ['Turtle', 'JSON-LD', 'RDF/XML'].map((n) => graphs.get(n)!);
      assert.deepEqual(canonical(json!), canonical(turtle!));
      assert.deepEqual(canonical(xml!), canonical(turtle!));
      const data = rdf.dataset();
      for (const q of turtle!) data.add(q);
      const report = await new SHACLValidator(await shapesOf([RECOMMENDED]), { factory: rdf }).validate(data);
      const findings = new Set(report.results.map((r) => `${r.severity?.value.split('#')[1]}: ${r.path?.value ?? ''} ${r.message.map((m) => m.value).join('; ')}`));
      console.log(`shapes_recommended.ttl findings (${report.results.length}):\n${[...findings].join('\n')}`);
    });
    it('refuses a type it cannot serve with 406 and sends browsers to the page', async () => {
      assert.equal((await fetch(`${base}/open-data/catalog`, { headers: { accept: 'image/png' } })).status, 406);
      const page = await fetch(`${base}/open-data/catalog`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      assert.equal(page.status, 303);
      assert.equal(page.headers.get('location'), '/open-data');
    });
  });

  describe('CKAN 2.10 action API (read)', () => {
    const call = async (path: string) => {
      const response = await fetch(base + path);
      return { status: response.status, body: await response.json() as { help: string; success: boolean; result?: unknown; error?: { __type: string; message: string } & Record<string, unknown> } };
    };
    it('package_list: the dataset names', async () => {
      const { status, body } = await call('/api/3/action/package_list');
      assert.equal(status, 200);
      assert.equal(body.success, true);
      assert.match(body.help, /\/api\/3\/action\/help_show\?name=package_list$/);
      assert.deepEqual(body.result, ['performance-all-services', ...services.map((s) => `performance-${s.id}`), 'spending-budget-and-payments', 'fees-and-benefits', 'project-timelines', 'public-contracts'].sort());
      assert.deepEqual((await call('/api/3/action/package_list?limit=1&offset=1')).body.result, [(body.result as string[])[1]]);
      const bad = await call('/api/3/action/package_list?limit=ten');
      assert.equal(bad.status, 409);
      assert.equal(bad.body.error?.__type, 'Validation Error');
    });
    it('package_show: a package dict with resources, by name or id; 404 Not Found Error; 409 without id', async () => {
      const { status, body } = await call('/api/3/action/package_show?id=performance-housing-benefit');
      assert.equal(status, 200);
      const pkg = body.result as Record<string, unknown> & { resources: Record<string, unknown>[]; organization: Record<string, unknown>; tags: { name: string }[] };
      for (const key of ['id', 'name', 'title', 'notes', 'license_id', 'license_title', 'license_url', 'metadata_created', 'metadata_modified', 'owner_org', 'organization', 'resources', 'tags', 'num_resources', 'num_tags', 'state', 'type', 'private', 'extras', 'groups']) assert.ok(key in pkg, key);
      assert.equal(pkg['name'], 'performance-housing-benefit');
      assert.equal(pkg['type'], 'dataset');
      assert.equal(pkg['num_resources'], pkg.resources.length);
      assert.match(String(pkg['id']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(pkg.organization['is_organization'], true);
      assert.equal(pkg.organization['id'], pkg['owner_org']);
      for (const r of pkg.resources) {
        assert.equal(r['package_id'], pkg['id']);
        assert.match(String(r['url']), /^http:\/\/127\.0\.0\.1:\d+\//);
        assert.ok(['CSV', 'JSON', 'HTML'].includes(String(r['format'])));
      }
      assert.match(String(pkg['metadata_modified']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      assert.deepEqual((await call(`/api/3/action/package_show?id=${String(pkg['id'])}`)).body.result, pkg);
      const missing = await call('/api/3/action/package_show?id=no-such-dataset');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.success, false);
      assert.deepEqual({ __type: missing.body.error?.__type, message: missing.body.error?.message }, { __type: 'Not Found Error', message: 'Not found' });
      assert.equal('result' in missing.body, false);
      const noId = await call('/api/3/action/package_show');
      assert.equal(noId.status, 409);
      assert.equal(noId.body.error?.__type, 'Validation Error');
      assert.deepEqual(noId.body.error?.['id'], ['Missing value']);
    });
    it('package_search: count, results, paging with rows/start, q matches words, fq by organisation', async () => {
      const all = (await call('/api/3/action/package_search')).body.result as { count: number; results: { name: string }[]; facets: unknown; search_facets: unknown };
      // One per service, all services together, the three spending datasets and the project timelines.
      assert.equal(all.count, services.length + 5);
      assert.deepEqual(all.facets, {});
      assert.deepEqual(all.search_facets, {});
      const page = (await call('/api/3/action/package_search?rows=1&start=1')).body.result as typeof all;
      assert.equal(page.count, all.count);
      assert.deepEqual(page.results.map((r) => r.name), [all.results[1]!.name]);
      const housing = (await call('/api/3/action/package_search?q=housing%20benefit')).body.result as typeof all;
      assert.deepEqual(housing.results.map((r) => r.name), ['performance-housing-benefit']);
      assert.equal(((await call('/api/3/action/package_search?q=zebra')).body.result as typeof all).count, 0);
      const licensing = (await call('/api/3/action/package_search?fq=organization:licensing')).body.result as typeof all;
      assert.deepEqual(licensing.results.map((r) => r.name), ['performance-business-licence-renewal']);
      const bad = await call('/api/3/action/package_search?rows=-1');
      assert.equal(bad.status, 409);
      assert.deepEqual(bad.body.error?.['rows'], ['Invalid integer']);
    });
    it('organization_list: names, or dicts with all_fields', async () => {
      const names = (await call('/api/3/action/organization_list')).body.result as string[];
      assert.deepEqual(names, ['benefits', 'demo-municipality', 'licensing']);
      const full = (await call('/api/3/action/organization_list?all_fields=true')).body.result as Record<string, unknown>[];
      assert.deepEqual(full.map((o) => o['name']), names);
      for (const o of full) {
        assert.equal(o['type'], 'organization');
        // The agency publishes the all-services dataset, the three spending datasets and the project timelines.
        assert.equal(o['package_count'], o['name'] === 'demo-municipality' ? 5 : 1);
        assert.equal(typeof o['title'], 'string');
      }
    });
  });

  describe('performance pages with the production cache', () => {
    it('one snapshot gives every reader the same bytes; an expired one is answered while the new figures are read', async () => {
      let shown: readonly PublishedService[] = services;
      let clock = new Date('2026-09-30T12:00:00Z');
      const cached = Fastify();
      await cached.register(createTransparencyPlugin({ db, services: () => shown, cacheMs: 30_000, now: () => clock }));
      const at = await cached.listen({ host: '127.0.0.1', port: 0 });
      try {
        const get = async (path: string) => {
          const r = await fetch(`${at}${path}`);
          return { status: r.status, etag: r.headers.get('etag'), body: await r.text() };
        };
        const gone = services[0]!;
        const first = await get('/performance');
        assert.equal(first.status, 200);
        assert.ok(first.body.includes(gone.title), 'the service is on the page');
        const again = await get('/performance');
        assert.deepEqual(again, first, 'the same snapshot: the same bytes and ETag');
        const unit = await get(`/performance/services/${gone.id}`);
        assert.equal(unit.status, 200);
        // The services read on the next refresh no longer include it: the old page until then, the new one after.
        shown = services.filter((s) => s.id !== gone.id);
        assert.equal((await get('/performance')).etag, first.etag, 'within cacheMs the snapshot stays');
        clock = new Date(clock.getTime() + 30_000);
        assert.equal((await get('/performance')).etag, first.etag, 'the expired snapshot is answered at once while the new one is read');
        const fresh = await eventually('the refreshed page', async () => {
          const now = await get('/performance');
          return now.etag !== first.etag ? now : null;
        }, { timeoutMs: 20_000 });
        assert.ok(!fresh.body.includes(gone.title), 'the new snapshot is rendered from the new figures');
        assert.equal((await get(`/performance/services/${gone.id}`)).status, 404);
      } finally {
        await cached.close();
      }
    });
  });

  describe('pages and files', () => {
    it('ETag and Cache-Control; a matching If-None-Match gets 304; no personal data anywhere', async () => {
      for (const path of ['/performance', '/performance/services/housing-benefit', '/performance/departments/licensing?period=week', '/performance/services/housing-benefit/figures.csv', '/open-data', '/open-data/datasets/performance-housing-benefit', '/open-data/performance.json', '/open-data/performance.csv-metadata.json', '/spending', '/open-data/spending.csv', '/open-data/spending.csv-metadata.json', '/open-data/fees-and-benefits.csv', '/open-data/contracts.json', '/open-data/datasets/public-contracts']) {
        const first = await fetch(base + path);
        assert.equal(first.status, 200, path);
        const etag = first.headers.get('etag');
        assert.ok(etag, path);
        assert.match(first.headers.get('cache-control') ?? '', /public, max-age=\d+/);
        const text = await first.text();
        for (const personal of ['Kim Sample', 'Sam Example', '19920718', 'BR-100200', 'HB-2026-', 'BL-2026-']) assert.ok(!text.includes(personal), `${path} contains ${personal}`);
        const again = await fetch(base + path, { headers: { 'if-none-match': etag } });
        assert.equal(again.status, 304, path);
      }
    });
    it('the CSV has the documented columns and the tree-head columns; unknown services are a 404 page', async () => {
      const csv = await (await fetch(`${base}/performance/services/housing-benefit/figures.csv`)).text();
      const [header, ...rows] = csv.trim().split('\r\n');
      assert.match(header!, /^unit_kind,unit_id,unit_title,department,granularity,period_start,received,decided,approved,refused,withdrawn,decided_within_sla,automated,median_days,p90_days,ledger_tree_size,ledger_root_hash,ledger_signed_at$/);
      assert.ok(rows.some((r) => r.includes(',total,')));
      const missing = await fetch(`${base}/performance/services/no-such-service`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /Page not found/);
      assert.equal((await fetch(`${base}/performance/services/NOT_A_SLUG`)).status, 400);
    });
    it('fees and benefits per service and month equal a computation from the raw events; small amounts are withheld', async () => {
      // Written from the events alone: succeeded payments not refunded, by the month paid, for cases of a published
      // service (found by their reference); instalments of completed schedules by the month due.
      const { rows: events } = await db.query<{ type: string; occurred_at: Date; data: Record<string, unknown>; process_key: string | null }>(
        "select type, occurred_at, data, process_key from process_event where type in ('payment.succeeded', 'payment.refunded', 'job.completed') order by id");
      const { rows: instances } = await db.query<{ business_key: string; process_key: string }>('select business_key, process_key from process_instance where business_key is not null');
      const serviceOf = new Map(instances.map((i) => [i.business_key, services.find((s) => s.processKey === i.process_key)?.id]));
      const refunded = new Set(events.filter((e) => e.type === 'payment.refunded').map((e) => e.data['paymentId']));
      const expected = new Map<string, [number, number]>();
      const add = (key: string, amount: number) => expected.set(key, [(expected.get(key)?.[0] ?? 0) + 1, (expected.get(key)?.[1] ?? 0) + amount]);
      const now = new Date('2026-09-30T00:00:00Z');
      for (const e of events) {
        if (e.type === 'payment.succeeded' && !refunded.has(e.data['paymentId'])) {
          const service = serviceOf.get(String(e.data['reference']));
          if (service) add(`fees|${service}|${new Date(e.occurred_at).toISOString().slice(0, 7)}`, Number(e.data['amountMinor']));
        }
        const schedule = (e.data['variables'] as { paymentSchedule?: { dueOn: string; amount: number }[] } | undefined)?.paymentSchedule;
        const service = services.find((s) => s.processKey === e.process_key)?.id;
        if (e.type === 'job.completed' && schedule && service) for (const i of schedule) if (i.dueOn <= '2026-09-30') add(`benefits|${service}|${i.dueOn.slice(0, 7)}`, Math.round(i.amount * 100));
      }
      assert.ok([...expected.keys()].some((k) => k.startsWith('fees|')) && [...expected.keys()].some((k) => k.startsWith('benefits|')), 'the run has both fees and benefits');
      const published = await readServiceMoney(db, services, 1, now);
      const got = new Map(published.flatMap((u) => u.months.map((m): [string, [number, number]] => [`${u.kind}|${u.serviceId}|${m.month}`, [m.cell.count!, m.cell.amountMinor!]])));
      assert.deepEqual([...got].sort(), [...expected].sort());
      // With the default threshold every shown count is 0 or at least 5, and no total gives a withheld month away.
      for (const u of await readServiceMoney(db, services, 5, now)) {
        const cells = [...u.months.map((m) => m.cell), u.total];
        for (const c of cells) assert.ok(c.count === null || c.count === 0 || c.count >= 5, `${u.serviceId}: ${c.count}`);
        assert.notEqual(cells.filter((c) => c.count === null).length, 1, `${u.serviceId}: a single withheld cell can be derived`);
        for (const c of cells) assert.equal(c.amountMinor === null, c.count === null);
      }
      const csv = await (await fetch(`${base}/open-data/fees-and-benefits.csv`)).text();
      const fees = [...expected].find(([k]) => k.startsWith('fees|'))!;
      assert.ok(csv.includes(`fees,${fees[0].split('|')[1]},`) && csv.includes(`,${fees[0].split('|')[2]},${fees[1][0]},${(fees[1][1] / 100).toFixed(2)}\r\n`), csv);
    });
  });
});
