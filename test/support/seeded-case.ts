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
