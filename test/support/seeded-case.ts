// One real building-permit case of the demo citizen Alex, at its first task, with an uploaded site plan (seeded as
// `bench web` seeds them): the sample data of the tests that visit every route (reads-never-write, the page sweep).
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../../src/catalogue/index.js';
import type { Govflow } from '../../src/cli/index.js';
import { seedSubmittedCases } from '../../src/portal/index.js';

const PDF = '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n';

/** Seeds the case; returns the route samples: its reference, instance id, first task id and upload id. */
export async function seedAlexPermitCase(govflow: Govflow, answers: Record<string, unknown> = {}, filename = 'site-plan.pdf'): Promise<Record<string, string>> {
  const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
  const [seeded] = await seedSubmittedCases({
    db: govflow.db, engine: govflow.engine, catalogue, serviceId: 'building-permit', count: 1, citizenOf: () => 'demo-citizen-alex',
    answersOf: () => ({ applicantName: 'Alex Demo', email: 'alex@example.org', phone: '+358 40 1234567', applicantRole: 'owner', siteAddress: '1 Demo Street', workType: 'extension', floorArea: 120, workDescription: 'A new kitchen at the back of the house.', plannedStart: '2027-03-01', features: [], declaration: true, ...answers }),
    files: { sitePlan: { filename, bytes: Buffer.from(PDF) } },
  });
  const [task] = await govflow.engine.listTasks({ instanceId: seeded!.instanceId });
  const upload = (await govflow.db.query<{ id: string }>('select id::text from case_upload order by id limit 1')).rows[0]!.id;
  return { reference: seeded!.reference, instance: String(seeded!.instanceId), task: String(task!.id), upload: String(upload) };
}

/**
 * A sample value for a route parameter, for the tests that visit every route (the page sweep, reads-never-write):
 * `data` holds what `seedAlexPermitCase` returned and whatever else a test seeded (`decision`, `proposal`, `debate`).
 * Keys are `segment/:param`, or `before/segment/:param` where two parameters follow each other (`/updates/:kind/:id`).
 * A new route with a parameter gets its line here, once, for both tests.
 */
export function routeSample(before: string, segment: string, param: string, data: Readonly<Record<string, string>>): string | undefined {
  const byName: Record<string, string | undefined> = {
    'cases/:id': data['instance'], 'process-instances/:id': data['instance'], 'user-tasks/:id': data['task'], 'tasks/:id': data['task'],
    'applications/:ref': data['reference'], 'services/:id': 'building-permit', 'apply/:page': 'about-you', 'process-definitions/:key': 'building-permit',
    'processes/:key': 'building-permit', ':key/:version': '1', 'decisions/:key': 'fire-safety-review', 'decision-editor/:key': 'fire-safety-review', 'modeller/:key': 'building-permit',
    'documents/:uploadId': data['upload'], 'catalogue/:service': 'building-permit', 'forms/:page': 'about-you', 'incidents/:id': '1',
    'decisions/:id': data['decision'] ?? '1', 'verify/:code': 'ABCD-EFGH-JKLM', 'test/:id': 'none', 'deployments/:id': '1', 'jobs/:id': '1',
    'versions/:version': '1', 'staff/:id': 'pat', 'payment/:paymentId': 'none', 'assets/:kind': 'images', ':kind/:file': 'favicon.ico',
    'decisions/:file': 'none.pdf', 'assets/:file': 'case-diagram.css',
    // A link of the right shape that was never issued: the enrolment page says so and writes nothing.
    'enrol/:token': 'A'.repeat(43),
    // transparency (issue 17)
    'departments/:id': 'licensing', 'datasets/:id': 'performance-building-permit', 'projects/:slug': 'riverside-park-renewal',
    // engagement (issue 18): a report number of the right shape (the page and the photo answer 404 and write nothing)
    'reports/:id': '1', 'complaints/:id': '1',
    // proposals and debates (issue 18): the seeded proposal, its discussion, an abuse report form for it
    'proposals/:id': data['proposal'] ?? '1', 'debates/:id': data['debate'] ?? '1', 'report-abuse/:kind': 'proposal', 'report-abuse/:kind/:id': data['proposal'] ?? '1',
    // updates to citizens (issue 18): a department with updates, a news number and links' tokens never issued (404s)
    'updates/:kind': 'department', 'updates/:kind/:id': 'licensing', 'news/:id': '1', 'confirm/:token': 'K7QXM2PA9F3D', 'unsubscribe/:token': 'K7QXM2PA9F3D',
    // the assistant (issue 19): a conversation id of the right shape never issued (404, nothing written)
    'conversations/:id': 'A'.repeat(22),
    // sensors (issue 22): an asset id of the right shape that was never stored (404s)
    'assets/:id': 'urn:ngsi-ld:WasteContainer:none', 'entities/:id': 'urn:ngsi-ld:WasteContainer:none',
    // process intelligence (issue 20): a service whose departments the demo manager manages
    'intelligence/:service': 'building-permit',
    // the training sandbox (issue 20): a sandbox id of the right shape never opened, a record number never written (404s)
    'sandbox/:sandboxId': 'A'.repeat(16), 'records/:id': '1',
  };
  return (segment.startsWith(':') ? byName[`${before}/${segment}/:${param}`] : undefined) ?? byName[`${segment}/:${param}`] ?? byName[`:${param}`];
}

/**
 * Fills each route's parameters with a sample value (`sample(segment before it, parameter name)`); `*` becomes
 * `star`. Returns the addresses and the parameters without a sample, for the test to fail on.
 */
export function fillRoutes(routes: readonly string[], sample: (segment: string, param: string, before: string) => string | undefined, star = 'x'): { urls: string[]; unfilled: string[] } {
  const unfilled: string[] = [];
  const urls = routes.map((url) => {
    const segments = url.split('/');
    return segments.map((s, i) => {
      if (s === '*') return star;
      if (!s.startsWith(':')) return s;
      const value = sample(segments[i - 1] ?? '', s.slice(1), segments[i - 2] ?? '');
      if (value === undefined) unfilled.push(`${url} (${s})`);
      return encodeURIComponent(value ?? 'x');
    }).join('/');
  });
  return { urls, unfilled };
}
