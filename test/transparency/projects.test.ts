// Issue 17, project timelines (Decidim Accountability style): the store on PGlite and PostgreSQL (slugs, milestones,
// updates, one `project.*` event per change in the same transaction); the form checks under generated input; and a
// manager's whole journey over HTTP on the demo server, with JavaScript-free forms: errors first, then a project, a
// milestone planned and reached, an update published, all public on /projects, in the open data and as a news topic;
// a caseworker is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Database } from '../../src/store/index.js';
import {
  addMilestone, checkMilestone, checkNewProject, checkProjectUpdate, completeMilestone, createProject, getProject, listProjects, projectsCsv, recordProjectUpdate,
} from '../../src/transparency/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { signInStaff } from '../support/sign-in.js';

const NEW = { title: 'Riverside park renewal', summary: 'New paths and lighting.', department: 'planning', budgetMinor: 100_000_00, budgetLine: null, place: 'Riverside', latitude: 41.38, longitude: 2.18 };

describeEachBackend('project timelines: the store', (backend) => {
  let db: Database;
  before(async () => {
    db = await freshDatabase(backend);
  });
  after(async () => db?.close());

  it('slugs are unique, milestones and updates are kept in order, every change is one event with its actor', async () => {
    const first = await createProject(db, NEW, 'staff:mia');
    const second = await createProject(db, { ...NEW, title: '2027: Riverside park renewal!' }, 'staff:mia');
    const third = await createProject(db, NEW, 'staff:mia');
    assert.deepEqual([first, second, third], ['riverside-park-renewal', 'project-2027-riverside-park-renewal', 'riverside-park-renewal-2']);
    assert.equal(await addMilestone(db, first, { title: 'Works start', plannedOn: '2027-06-01' }, 'staff:mia'), true);
    assert.equal(await addMilestone(db, first, { title: 'Design agreed', plannedOn: '2027-02-01' }, 'staff:mia'), true);
    assert.equal(await addMilestone(db, 'no-such-project', { title: 'x', plannedOn: '2027-02-01' }, 'staff:mia'), false);
    const planned = (await getProject(db, first))!;
    assert.deepEqual(planned.milestones.map((m) => m.title), ['Design agreed', 'Works start'], 'by planned date');
    assert.equal(await completeMilestone(db, third, planned.milestones[0]!.id, '2027-02-10', 'staff:mia'), false, 'a milestone of another project');
    assert.equal(await completeMilestone(db, first, planned.milestones[0]!.id, '2027-02-10', 'staff:mia'), true);
    assert.equal(await recordProjectUpdate(db, first, { status: 'in-progress', progress: 20, text: 'Design agreed with residents.' }, 'staff:mia'), true);
    assert.equal(await recordProjectUpdate(db, first, { status: 'in-progress', progress: 35, text: 'Works ordered.' }, 'staff:ada'), true);
    const now = (await getProject(db, first))!;
    assert.deepEqual({ status: now.status, progress: now.progress, reached: now.milestones.map((m) => m.doneOn) }, { status: 'in-progress', progress: 35, reached: ['2027-02-10', null] });
    assert.deepEqual(now.updates.map((u) => u.text), ['Works ordered.', 'Design agreed with residents.'], 'newest first');
    const { rows } = await db.query<{ type: string; actor: string; project: string }>("select type, actor, data->>'project' as project from event_log where type like 'project.%' order by id");
    assert.deepEqual(rows.map((r) => `${r.type} ${r.actor} ${r.project}`), [
      'project.created staff:mia riverside-park-renewal', 'project.created staff:mia project-2027-riverside-park-renewal', 'project.created staff:mia riverside-park-renewal-2',
      'project.milestone-planned staff:mia riverside-park-renewal', 'project.milestone-planned staff:mia riverside-park-renewal',
      'project.milestone-reached staff:mia riverside-park-renewal', 'project.updated staff:mia riverside-park-renewal', 'project.updated staff:ada riverside-park-renewal',
    ]);
    const csv = projectsCsv(await listProjects(db)).trim().split('\r\n');
    assert.equal(csv.length, 4);
    assert.ok(csv.some((line) => line.startsWith('riverside-park-renewal,Riverside park renewal,planning,in-progress,35,100000.00,EUR,,Riverside,41.38,2.18,2,1,Works start,2027-06-01,')), csv.join('\n'));
  });
});

describe('project timelines: the form checks', () => {
  const FIELDS = ['title', 'summary', 'department', 'budget', 'budgetLine', 'place', 'latitude', 'longitude', 'status', 'progress', 'text', 'milestone', 'plannedOn'];
  it('any input is either accepted whole or refused with errors naming fields of the form (property)', () => {
    const value = fc.oneof(fc.string(), fc.constantFrom('', ' ', '12.5', '-91', '100', '101', 'planning', 'completed', '2027-02-30', '2027-02-28', '1e3', '0x10'));
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...FIELDS), value), (input) => {
      for (const checked of [checkNewProject(input, ['planning']), checkProjectUpdate(input), checkMilestone(input)]) {
        if (checked.ok) continue;
        assert.ok(checked.errors.length > 0);
        for (const e of checked.errors) assert.ok(FIELDS.includes(e.key) && e.message.length > 10, JSON.stringify(e));
      }
    }), { numRuns: 300 });
  });
  it('says what is wrong in words', () => {
    const refused = checkNewProject({ title: '', latitude: '41.3' }, ['planning']);
    assert.deepEqual(refused.ok ? [] : refused.errors.map((e) => e.message), ['Enter the project name', 'Enter the summary', 'Select the department responsible for the project', 'Enter both latitude and longitude, or neither']);
    const done = checkProjectUpdate({ status: 'completed', progress: '80', text: 'Finished.' });
    assert.deepEqual(done.ok ? [] : done.errors.map((e) => e.message), ['A completed project is 100% done: set progress to 100 or choose another status']);
    assert.equal(checkMilestone({ milestone: 'Opening', plannedOn: '2027-02-29' }).ok, false, 'no 29 February in 2027');
  });
});

describe('project timelines: a manager\'s journey over HTTP', () => {
  let server: DemoServer;
  let base: string;
  before(async () => {
    server = await startDemoServer('projects');
    base = server.running.url;
  });
  after(async () => server?.stop());

  const csrfOf = (page: string): string => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  async function post(cookie: string, formPage: string, action: string, fields: Record<string, string>): Promise<{ status: number; text: string; location: string }> {
    const page = await (await fetch(`${base}${formPage}`, { headers: { cookie } })).text();
    const r = await fetch(`${base}${action}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrfOf(page), ...fields }).toString() });
    return { status: r.status, text: await r.text(), location: r.headers.get('location') ?? '' };
  }

  it('errors first, then a project, a milestone planned and reached and an update, public at once; a caseworker is refused', async () => {
    const demo = await (await fetch(`${base}/projects/riverside-park-renewal`)).text();
    assert.match(demo, /Reached late, on 2026-04-10/, 'the demo municipality has projects');
    const mia = await signInStaff(base, 'mia');
    const empty = await post(mia, '/staff/projects', '/staff/projects', {});
    assert.equal(empty.status, 400);
    assert.match(empty.text, /govuk-error-summary[\s\S]*Enter the project name[\s\S]*Select the department responsible/);
    const made = await post(mia, '/staff/projects', '/staff/projects', { title: 'Mill Lane crossing', summary: 'A safe crossing by the school.', department: 'building-control', budget: '48,000', place: 'Mill Lane', latitude: '41.39', longitude: '2.17' });
    assert.equal(made.status, 303, made.text.slice(0, 300));
    assert.equal(made.location, '/staff/projects/mill-lane-crossing?saved=1');
    const page = '/staff/projects/mill-lane-crossing';
    const badDate = await post(mia, page, `${page}/milestones`, { milestone: 'Crossing open', plannedOn: '2027-02-30' });
    assert.equal(badDate.status, 400);
    assert.match(badDate.text, /Planned date must be a real date/);
    assert.equal((await post(mia, page, `${page}/milestones`, { milestone: 'Crossing open', plannedOn: '2027-02-28' })).status, 303);
    const milestoneId = /action="\/staff\/projects\/mill-lane-crossing\/milestones\/(\d+)\/reached"/.exec(await (await fetch(`${base}${page}`, { headers: { cookie: mia } })).text())![1]!;
    assert.equal((await post(mia, page, `${page}/milestones/${milestoneId}/reached`, {})).status, 303);
    const tooEarly = await post(mia, page, `${page}/updates`, { status: 'completed', progress: '80', text: 'Done.' });
    assert.equal(tooEarly.status, 400);
    assert.equal((await post(mia, page, `${page}/updates`, { status: 'completed', progress: '100', text: 'The crossing is open <b>now</b>.' })).status, 303);

    const shown = await (await fetch(`${base}/projects/mill-lane-crossing`)).text();
    const today = new Date().toISOString().slice(0, 10);
    assert.match(shown, new RegExp(`Completed[\\s\\S]*100% done[\\s\\S]*€48,000[\\s\\S]*Crossing open</th><td class="govuk-table__cell">2027-02-28</td><td class="govuk-table__cell">Reached on ${today}`));
    assert.ok(shown.includes('The crossing is open &lt;b&gt;now&lt;/b&gt;.'), 'an update is text, escaped');
    assert.match(await (await fetch(`${base}/projects`)).text(), /Mill Lane crossing[\s\S]*Completed/);
    assert.match(await (await fetch(`${base}/open-data/projects.csv`)).text(), /\r\nmill-lane-crossing,Mill Lane crossing,building-control,completed,100,48000\.00,EUR,,Mill Lane,41\.39,2\.17,1,1,,,/);
    assert.equal((await fetch(`${base}/updates/project/mill-lane-crossing`)).status, 200, 'a project is a news topic');
    const { rows } = await server.govflow.db.query<{ n: string | number }>("select count(*) as n from event_log where type like 'project.%' and data->>'project' = 'mill-lane-crossing' and actor like 'staff:%'");
    assert.equal(Number(rows[0]!.n), 4, 'created, milestone planned, reached, updated');

    const pat = await signInStaff(base, 'pat');
    const refused = await fetch(`${base}${page}/updates`, { method: 'POST', redirect: 'manual', headers: { cookie: pat, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrfOf(await (await fetch(`${base}/staff`, { headers: { cookie: pat } })).text()), status: 'paused', progress: '0', text: 'x' }).toString() });
    assert.equal(refused.status, 403);
    assert.equal((await getProject(server.govflow.db, 'mill-lane-crossing'))!.status, 'completed', 'nothing changed');
  });
});
