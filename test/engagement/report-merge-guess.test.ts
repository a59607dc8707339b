// Problem reports' remaining staff paths (issue 18), on a real server. A citizen who does not know the kind of problem
// files it anyway: the classifier's guess routes the report and its case, marked as a guess until triage confirms it.
// Staff merge duplicate problem reports, through the triage page's action on a real server: a caseworker
// merges within a category; across categories only a manager of both departments (or an administrator) may; the
// duplicate's case is cancelled as a duplicate, the merge is on the event log, the duplicate's page and Open311
// `requests/{id}` name the main report, and the duplicate is no longer offered as a nearby open report.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { getReport, nearbyOpenReports } from '../../src/engagement/index.js';
import { describeEachBackend } from '../support/databases.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';
import { get, postForm, readJson, startOpen311Server, type Open311Server } from './open311-support.js';

type Json = Record<string, unknown>;

describeEachBackend('staff merge duplicate reports; a report without a category', (backend) => {
  let s: Open311Server;
  let site: string;
  before(async () => {
    s = await startOpen311Server(backend, 'merge');
    site = s.base.replace(/\/open311\/v2$/, '');
  });
  after(async () => s?.stop());

  const report = async (serviceCode: string, description: string, lat = '51.50101'): Promise<number> => {
    const answer = await postForm(`${s.base}/requests.json`, [['api_key', s.key], ['service_code', serviceCode], ['lat', lat], ['long', '-0.141563'], ['description', description]]);
    assert.equal(answer.status, 200, answer.text);
    return Number(((readJson(answer) as Json[])[0]!)['service_request_id']);
  };
  // One sign-in per person (the password hash is slow on purpose).
  const sessions = new Map<string, Promise<{ cookie: string; csrf: string }>>();
  const session = (username: string): Promise<{ cookie: string; csrf: string }> => {
    if (!sessions.has(username)) {
      sessions.set(username, (async () => {
        const cookie = await signInStaff(site, username);
        const triage = await (await fetch(`${site}/staff/triage`, { headers: { cookie } })).text();
        return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(triage)![1]! };
      })());
    }
    return sessions.get(username)!;
  };
  const merge = async (username: string, duplicate: number, into: number): Promise<{ status: number; text: string }> => {
    const { cookie, csrf } = await session(username);
    const r = await fetch(`${site}/staff/triage/merges`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, report: String(duplicate), into: String(into) }).toString() });
    return { status: r.status, text: await r.text() };
  };

  it('merges within a category; refuses across departments without a manager of both; the duplicate reads as merged everywhere', async () => {
    const main = await report('graffiti', 'Tag sprayed on the bus shelter');
    const duplicate = await report('graffiti', 'Graffiti on the bus stop shelter again');
    const noise = await report('noise', 'Alarm ringing all night');
    const pothole = await report('pothole', 'Deep hole in the road by the shelter');
    const offered = async (): Promise<number[]> => (await nearbyOpenReports(s.govflow.db, { jurisdictionId: 'demo-municipality', serviceCode: 'graffiti', lat: 51.50101, long: -0.141563, radiusMetres: 150, limit: 5 })).map((r) => r.id);
    assert.deepEqual((await offered()).sort(), [main, duplicate].sort(), 'both offered as possible duplicates before the merge');

    // lin routes licensing's reports but manages no department: graffiti into a pothole (building control) is refused
    const across = await merge('lin', duplicate, pothole);
    assert.equal(across.status, 403, across.text);
    assert.match(across.text, /manager of both departments/);
    assert.equal((await merge('aud', duplicate, main)).status, 403, 'an auditor only reads');
    assert.equal((await merge('lin', duplicate, duplicate)).status, 400, 'not into itself');

    assert.equal((await merge('lin', duplicate, main)).status, 303);
    const again = await merge('lin', duplicate, main);
    assert.equal(again.status, 409, 'once');
    const third = await report('graffiti', 'More paint on the shelter roof');
    assert.equal((await merge('lin', main, third)).status, 409, 'a report others are merged into is not merged itself (no chains)');
    assert.equal((await merge('lin', third, duplicate)).status, 409, 'nor merged into a merged one');

    const [open311] = readJson(await get(`${s.base}/requests/${duplicate}.json`)) as Json[];
    assert.equal(open311!['status'], 'closed');
    assert.match(String(open311!['status_notes']), new RegExp(`merged into request ${main}\\b`));
    assert.equal((readJson(await get(`${s.base}/requests/${main}.json`)) as Json[])[0]!['status'], 'open');
    const page = await (await fetch(`${site}/reports/${duplicate}`)).text();
    assert.match(page, new RegExp(`merged into <a class="govuk-notification-banner__link" href="/reports/${main}">report ${main}</a>`));
    assert.deepEqual((await offered()).sort(), [main, third].sort(), 'the merged one is no longer offered');

    const { rows: merged } = await s.govflow.db.query<{ actor: string; report: string; into: string }>(
      "select actor, data ->> 'report' as report, data ->> 'into' as into from event_log where type = 'engagement.report.merged'");
    assert.equal(merged.length, 1);
    assert.match(merged[0]!.actor, /^staff:/);
    assert.deepEqual([Number(merged[0]!.report), Number(merged[0]!.into)], [duplicate, main]);
    const { rows: cases } = await s.govflow.db.query<{ business_key: string; state: string }>(
      "select business_key, state from process_instance where business_key = any($1) order by business_key", [[`PR-${duplicate}`, `PR-${main}`]]);
    assert.deepEqual(cases.map((c) => [c.business_key, c.state]).sort(), [[`PR-${duplicate}`, 'terminated'], [`PR-${main}`, 'active']].sort());

    // mia manages licensing and building control: noise (licensing) into the pothole (building control) is hers to merge
    assert.equal((await merge('mia', noise, pothole)).status, 303);
  });

  it('a report whose kind the citizen does not know goes where the classifier guesses, marked as a guess until triage confirms it', async () => {
    const cookie = await signInCitizen(site, 'alex');
    const start = await (await fetch(`${site}/report-a-problem`, { headers: { cookie } })).text();
    assert.match(start, /<input class="govuk-radios__input" id="category-unknown" name="category" type="radio" value="unknown"/);
    const details = await fetch(`${site}/report-a-problem/details?category=unknown&address=${encodeURIComponent('Outside 4 Mill Lane')}`, { headers: { cookie } });
    assert.equal(details.status, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await details.text())![1]!;
    const post = (description: string): Promise<Response> => fetch(`${site}/report-a-problem`, {
      method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, category: 'unknown', address: 'Outside 4 Mill Lane', lat: '', long: '', description }).toString(),
    });
    const empty = await post('');
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /Describe the problem<\/a>/);
    const sent = await post('The lamp post outside number 4 has been dark every night this week, the whole lane is pitch black');
    assert.equal(sent.status, 303);
    const id = Number(/^\/reports\/(\d+)$/.exec(sent.headers.get('location') ?? '')![1]);
    const filed = (await getReport(s.govflow.db, null, id))!;
    assert.deepEqual([filed.serviceCode, filed.categoryGuessed], ['street-light', true]);
    const { rows: [variables] } = await s.govflow.db.query<{ department: string; guessed: boolean }>(
      "select variables ->> 'department' as department, (variables ->> 'categoryGuessed')::boolean as guessed from process_instance where business_key = $1", [`PR-${id}`]);
    assert.deepEqual(variables, { department: 'building-control', guessed: true }, 'the case goes to the guessed category\'s department');
    assert.match(await (await fetch(`${site}/reports/${id}`, { headers: { cookie } })).text(), /Street light not working \(our guess from your description: staff will check it\)/);

    const staff = await session('bob');
    const triage = await (await fetch(`${site}/staff/triage`, { headers: { cookie: staff.cookie } })).text();
    assert.match(triage, new RegExp(`id="report-${id}"[\\s\\S]*?Guessed</strong> Street light not working`));
    const confirmed = await fetch(`${site}/staff/triage/corrections`, { method: 'POST', redirect: 'manual', headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: staff.csrf, report: String(id), category: 'street-light' }).toString() });
    assert.equal(confirmed.status, 303);
    assert.equal((await getReport(s.govflow.db, null, id))!.categoryGuessed, false, 'confirmed by triage: no longer a guess');
  });
});
