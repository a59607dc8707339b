// The pseudo-locale test for the citizen and public pages (issue 21, acceptance 1), the public half of the staff
// sweep: every page the composed server registers outside /staff and /admin — the portal, the sign-in pages,
// engagement, transparency, the assistant, the data-usage pages — rendered in the pseudo-language, as a signed-in
// citizen (a page that needs nobody shows the same to them). Any visible word outside ⟦…⟧ did not go through the
// i18n layer and is listed. The pages not moved into the layer yet are named in NOT_YET, and a page listed there
// that has become clean fails until it is taken off. PGlite only: which words a page shows does not depend on the
// database.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { DEMO_CITIZENS, listDepartments } from '../../src/identity/index.js';
import { enablePseudoLanguages, LANGUAGE_NAMES } from '../../src/i18n/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { listProjects } from '../../src/transparency/index.js';
import { fillRoutes, routeSample, seedAlexPermitCase } from '../support/seeded-case.js';
import { signInCitizen } from '../support/sign-in.js';
import { untranslated } from './pseudo-text.js';

/**
 * Citizen and public pages whose words are still English in the code (route patterns). The work left, shrinking: a
 * page comes off this list when its strings move into src/i18n/messages/{en,es,ca,et}.json.
 */
const NOT_YET = new Set<string>([
]);

/** The operations pages are for administrators and auditors (a citizen is refused): staff pages, not public ones. */
const STAFF_AREA = /^\/(staff|admin|operations)(\/|$)/;

/**
 * Not pages a person reads: the machine APIs (Open311, NGSI-LD, /api), files, feeds, downloads and assets, the
 * service worker and the manifest, the health and metrics endpoints. And not govflow's page: the built-in test
 * payment provider's card page (`/payments/test/:id`) stands in for an outside provider's (GOV.UK Pay's), in its own
 * frame and its own words, as that provider's would be.
 */
const NOT_A_PAGE = /^\/(api|assets|open311|ngsi-ld|\.well-known|metrics|health|healthz|readyz)\b|\/assets\/|\.(pdf|json|jsonld|geojson|csv|xml|atom|rss|txt|ico|png|svg|css|js|webmanifest|bpmn|dmn|ics)$|\/(download|photo|feed|documents)\b|^\/sw\.js$|manifest|^\/payments\/test\//;

let govflow: Govflow;
let running: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
const data: Record<string, string> = {};
let cookie = 'govflow_lang=qps';
const PROPOSAL = { title: 'More benches along the river path', body: 'Older residents need somewhere to rest on the walk into town.' };

before(async () => {
  enablePseudoLanguages(true);
  dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-pseudo-public-'));
  process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
  process.env['GOVFLOW_REGISTRY'] = 'off';
  govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
  running = await startServer(govflow, { background: false, rateLimits: 'off' });
  Object.assign(data, await seedAlexPermitCase(govflow));
  cookie = `${await signInCitizen(running.url, 'alex')}; govflow_lang=qps`;
  // A proposal of Alex's, through its form, so that its page (and the pages about it) are shown rather than a 404.
  const form = await (await fetch(`${running.url}/proposals/new`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
  const proposed = await fetch(`${running.url}/proposals`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, topic: 'streets', title: PROPOSAL.title, body: PROPOSAL.body }).toString(),
  });
  data['proposal'] = /\/proposals\/(\d+)$/.exec(proposed.headers.get('location') ?? '')?.[1] ?? '1';
});

after(async () => {
  enablePseudoLanguages(false);
  await running?.stop();
  await govflow?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Data, not words of the interface: the demo people, the seeded case's answers, the configured site name; file and feed formats and size units are the same words in every language. */
const DATA = [
  ...DEMO_CITIZENS.map((c) => c.name), 'Alex Demo', 'alex@example.org', '1 Demo Street', 'A new kitchen at the back of the house.', 'site-plan.pdf',
  // Alex's public name, given (and stored) the first time they took part, is theirs: data like their real name.
  'Resident 1', PROPOSAL.title, PROPOSAL.body,
  // The verification code asked for (routeSample's), repeated on its not-found page: what the visitor typed.
  'ABCD-EFGH-JKLM',
  // The open-data pages name the licence, the RDF serialisations and the publisher (the agency) as they are.
  'Creative Commons Attribution 4.0', 'CC-BY-4.0', 'Turtle', 'JSON-LD', 'RDF/XML', 'HTML', 'Demo Municipality', 'open-data@example.org', 'govflow demo municipality', 'govflow', 'Apache', 'PDF', 'PNG', 'JPEG', 'CSV', 'JSON', 'Atom', 'RSS', 'KB', 'MB', ...Object.values(LANGUAGE_NAMES),
].sort((a, b) => b.length - a.length);

it('every citizen and public page in the pseudo-language: converted pages show no word outside the layer, listed ones still do', async () => {
  const routes = [...new Set(running.routes.filter((r) => (Array.isArray(r.method) ? r.method : [r.method]).includes('GET')).map((r) => r.url))]
    .filter((u) => !STAFF_AREA.test(u) && !u.includes('*') && !NOT_A_PAGE.test(u)).sort();
  assert.deepEqual([...NOT_YET].filter((r) => !routes.includes(r)), [], 'NOT_YET names routes the server no longer has');
  const { urls, unfilled } = fillRoutes(routes, (segment, param, before) => routeSample(before, segment, param, data));
  assert.deepEqual(unfilled, [], 'route parameters without a sample value: add one to routeSample in test/support/seeded-case.ts');

  // A project's title, summary, place, milestones and updates are the department's words about it (content, like a
  // service's), and a department's name is the organisation's (data, as in the staff sweep): not the interface's.
  const projects = [
    ...(await listProjects(govflow.db)).flatMap((p) => [p.title, p.summary, p.place ?? '', ...p.milestones.map((m) => m.title), ...p.updates.map((u) => u.text)]),
    ...(await listDepartments(govflow.db)).map((d) => d.name),
  ].filter((w) => w.trim() !== '');
  const findings: string[] = [];
  const clean: string[] = [];
  let judged = 0;
  for (const [i, url] of urls.entries()) {
    const route = routes[i]!;
    const response = await fetch(`${running.url}${url}`, { headers: { cookie }, redirect: 'manual' });
    const body = await response.text();
    // A redirect (a page needing a step before) or a non-HTML answer is not a page to judge here.
    if (!(response.headers.get('content-type') ?? '').startsWith('text/html') || response.status >= 300 && response.status < 400) continue;
    judged++;
    // What is inside <code> is an address or an identifier (an API's path, a CKAN action), the same in every language.
    const words = untranslated(body.replace(/<code>[\s\S]*?<\/code>/g, ' '), [...DATA, ...projects, data['reference']!]);
    if (NOT_YET.has(route)) {
      // A listed page is judged only when shown (200): its sample may not exist here, and the 404 page is the layout's.
      if (response.status === 200 && words.length === 0) clean.push(route);
      continue;
    }
    for (const text of words) findings.push(`${url} (${response.status}): "${text}"`);
    if (!/<html lang="en" dir="ltr"/.test(body)) findings.push(`${url} (${response.status}): not the layout of the i18n layer (<html lang="en" dir="ltr">)`);
  }
  assert.ok(judged >= 20, `${judged} pages judged`);
  assert.deepEqual(findings, [], `visible text that did not go through the i18n layer (or add the page to NOT_YET):\n${findings.join('\n')}`);
  assert.deepEqual(clean, [], 'pages in NOT_YET that no longer show English of their own: take them off the list');
});
