// The pseudo-locale test for the public transparency pages (issue 21, acceptance 1): /performance with a service and
// a department page (by month and by week), /spending, /projects with a project page, /open-data with a dataset page,
// and a not-found page, rendered in the pseudo-language on the transparency plugin with real figures (cases driven
// through the engine, fees paid, spending and contracts imported, a project with milestones and an update). Any
// visible word outside ⟦…⟧ did not go through the i18n layer and is listed. Then the cache: the pages are rendered
// once per snapshot of figures, so a reader in one language must never be handed another language's bytes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { enablePseudoLanguages, LANGUAGE_NAMES } from '../../src/i18n/index.js';
import { projectPending, type Database } from '../../src/store/index.js';
import {
  addMilestone, completeMilestone, createProject, createTransparencyPlugin, createTransparencyProjector, DEMO_PUBLISHER, departmentSlug, importContracts, importSpending, LICENCE, listDatasets, listProjects,
  readBudgetLines, readContracts, recordProjectUpdate, type PublishedService,
} from '../../src/transparency/index.js';
import { freshDatabase } from '../support/databases.js';
import { driveServices, GOOD_CONTRACTS, GOOD_SPENDING, payFees, publishedOf } from '../transparency/support.js';
import { untranslated } from './pseudo-text.js';

let db: Database;
let services: PublishedService[];
let now: () => Date;

before(async () => {
  enablePseudoLanguages(true);
  db = await freshDatabase('pglite');
  const run = await driveServices(db, { days: 20, perDay: 3 });
  now = () => run.clock.now();
  services = publishedOf(run.services);
  const { rows } = await db.query<{ business_key: string }>("select business_key from process_instance where business_key like 'BL-%' order by id limit 8");
  await payFees(db, rows.map((r) => r.business_key), 12_000);
  await importContracts(db, GOOD_CONTRACTS);
  await importSpending(db, GOOD_SPENDING);
  const project = await createProject(db, { title: 'Riverside park renewal', summary: 'New paths and lighting.', department: 'planning', budgetMinor: 100_000_00, budgetLine: 'ROADS-26', place: 'Riverside', latitude: 41.38, longitude: 2.18 }, 'test');
  await addMilestone(db, project, { title: 'Park reopens', plannedOn: '2027-05-01' }, 'test');
  await addMilestone(db, project, { title: 'Design agreed', plannedOn: '2026-01-01' }, 'test');
  const first = (await listProjects(db)).find((p) => p.slug === project)!.milestones.find((m) => m.title === 'Design agreed')!;
  await completeMilestone(db, project, first.id, '2026-01-20', 'test');
  await recordProjectUpdate(db, project, { status: 'in-progress', progress: 30, text: 'Paths laid out.' }, 'test');
  await projectPending(db, createTransparencyProjector(services));
});

after(async () => {
  enablePseudoLanguages(false);
  await db?.close();
});

async function serve(cacheMs: number): Promise<{ server: FastifyInstance; base: string }> {
  const server = Fastify();
  await server.register(createTransparencyPlugin({ db, services: () => services, cacheMs, now, debatesAbout: async (slug) => ({ href: `/debates/projects/${slug}`, count: 2 }) }));
  return { server, base: await server.listen({ host: '127.0.0.1', port: 0 }) };
}

/**
 * Data, not the interface's words: the services' and departments' names (the catalogue's), the projects, budget lines
 * and contracts as published, the datasets' DCAT-AP records (title, description, files: the catalogue machines read,
 * in English), the publisher and licence names, file format names and currency codes. Code elements (hashes, key
 * ids, API addresses) are taken out before.
 */
async function dataOfThePages(base: string): Promise<string[]> {
  const projects = await listProjects(db);
  const datasets = await listDatasets(db, services, base, now());
  const [lines, contracts] = [await readBudgetLines(db), await readContracts(db)];
  return [
    ...services.flatMap((s) => [s.title, s.department]),
    ...projects.flatMap((p) => [p.title, p.summary, p.department, p.place ?? '', p.budgetLine ?? '', ...p.milestones.map((m) => m.title), ...p.updates.map((u) => u.text)]),
    ...lines.flatMap((l) => [l.id, l.description, l.department]), ...contracts.flatMap((c) => [c.id, c.title, c.department, c.supplierName]),
    ...datasets.flatMap((d) => [d.title, d.description, d.department, ...d.distributions.flatMap((f) => [f.title, f.description, f.format])]),
    DEMO_PUBLISHER.name, DEMO_PUBLISHER.email, LICENCE.title, LICENCE.id, 'Turtle', 'JSON-LD', 'RDF/XML', 'JSON', 'CSV', 'EUR', '/api/ledger/tree-head',
    'govflow demo municipality', 'govflow', 'Apache', ...Object.values(LANGUAGE_NAMES),
  ].filter((w) => w.trim() !== '').sort((a, b) => b.length - a.length);
}

const withoutCode = (page: string): string => page.replace(/<code>[\s\S]*?<\/code>/g, ' ');

describe('transparency pages in the pseudo-language', () => {
  it('no visible word outside the i18n layer', async () => {
    const { server, base } = await serve(0);
    try {
      const service = services[0]!;
      const slug = (await listProjects(db))[0]!.slug;
      const dataset = (await listDatasets(db, services, base, now()))[0]!.id;
      const urls: readonly [string, string, number][] = [
        ['performance', '/performance', 200], ['service by month', `/performance/services/${service.id}`, 200], ['service by week', `/performance/services/${service.id}?period=week`, 200],
        ['department', `/performance/departments/${departmentSlug(service.department)}`, 200], ['spending', '/spending', 200], ['projects', '/projects', 200], ['project', `/projects/${slug}`, 200],
        ['open data', '/open-data', 200], ['dataset', `/open-data/datasets/${dataset}`, 200], ['no such service', '/performance/services/no-such-service', 404],
        ['no such project', '/projects/no-such-project', 404], ['no such dataset', '/open-data/datasets/no-such-dataset', 404],
      ];
      const words = await dataOfThePages(base);
      const findings: string[] = [];
      for (const [name, url, status] of urls) {
        const response = await fetch(`${base}${url}`, { headers: { cookie: 'govflow_lang=qps' } });
        const body = await response.text();
        assert.equal(response.status, status, `${name}: ${body.slice(0, 300)}`);
        assert.match(body, /<html lang="en" dir="ltr"/, `${name}: a pseudo-language is English underneath`);
        assert.match(body, /⟦/, `${name} was rendered in the pseudo-language`);
        findings.push(...untranslated(withoutCode(body), words).map((text) => `${name}: "${text}"`));
      }
      assert.deepEqual(findings, [], `visible text that did not go through the i18n layer:\n${findings.join('\n')}`);
    } finally {
      await server.close();
    }
  });
});

describe('the render cache and shared caches keep languages apart', () => {
  it('/performance in Spanish then English: different bodies and ETags, each answered in its language, and Vary names what chooses it', async () => {
    const { server, base } = await serve(60_000);
    try {
      const get = async (headers: Record<string, string>) => {
        const r = await fetch(`${base}/performance`, { headers });
        return { status: r.status, etag: r.headers.get('etag'), vary: r.headers.get('vary') ?? '', language: r.headers.get('content-language'), body: await r.text() };
      };
      const spanish = await get({ 'accept-language': 'es-ES,es;q=0.9' });
      const english = await get({ 'accept-language': 'en-GB' });
      const byCookie = await get({ cookie: 'govflow_lang=ca' });
      for (const r of [spanish, english, byCookie]) {
        assert.equal(r.status, 200);
        for (const header of ['cookie', 'accept-language']) assert.ok(r.vary.toLowerCase().split(/,\s*/).includes(header), `Vary names ${header}: ${r.vary}`);
      }
      assert.equal(spanish.language, 'es');
      assert.match(spanish.body, /<html lang="es"/);
      assert.equal(english.language, 'en');
      assert.match(english.body, /<html lang="en"/);
      assert.match(byCookie.body, /<html lang="ca"/);
      assert.notEqual(spanish.body, english.body, 'English readers are not handed the Spanish page rendered first');
      // The services' titles and departments as the catalogue says them in the reader's language.
      for (const service of services) {
        const said = service.translations?.['es'];
        assert.ok(said?.title && said.department, `${service.id} has a Spanish title and department`);
        assert.ok(spanish.body.includes(said.title) && spanish.body.includes(said.department), `${service.id}: its Spanish title and department on the Spanish page`);
        assert.ok(english.body.includes(service.title) && !english.body.includes(said.title), `${service.id}: English on the English page`);
      }
      assert.notEqual(spanish.etag, english.etag);
      assert.notEqual(byCookie.etag, spanish.etag);
      assert.deepEqual(await get({ 'accept-language': 'es' }), spanish, 'the Spanish page is still made once per snapshot');
      const revalidated = await fetch(`${base}/performance`, { headers: { 'accept-language': 'en', 'if-none-match': spanish.etag! } });
      assert.equal(revalidated.status, 200, 'the Spanish ETag does not validate the English page');
      assert.ok((await revalidated.text()).includes('How our services are performing'));
      const csv = await fetch(`${base}/open-data/performance.csv`, { headers: { 'accept-language': 'es' } });
      assert.equal((await fetch(`${base}/open-data/performance.csv`)).headers.get('etag'), csv.headers.get('etag'), 'the files are the same in every language');
    } finally {
      await server.close();
    }
  });
});
