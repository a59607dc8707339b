/** The admin pages over real HTTP on both backends: who may use them, CSRF, deployments, catalogue and form versions, organisation. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { MAX_BPMN_BYTES } from '../../src/engine/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { bpmn, userTask } from '../engine/bpmn.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { signInCitizen, signInStaff, signInStaffWith } from '../support/sign-in.js';

const sha16 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);
const small = (taskName: string): string => bpmn('admin-test', `<startEvent id="s"/>${userTask('review', '<zeebe:assignmentDefinition candidateGroups="planning"/>').replace('name="review"', `name="${taskName}"`)}<endEvent id="e"/>`, 's -> review; review -> e');

describeEachBackend('admin pages', (backend) => {
  let dataDir: string;
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  let ada: string;
  const get = async (url: string, cookie: string) => {
    const response = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location'), headers: response.headers };
  };
  const csrfOf = async (cookie: string): Promise<string> => /name="csrf" value="([^"]+)"/.exec((await get('/admin', cookie)).text)?.[1] ?? '';
  const post = async (url: string, cookie: string, fields: Record<string, string>, csrf?: string) => {
    const body = new URLSearchParams({ csrf: csrf ?? await csrfOf(cookie), ...fields });
    const response = await fetch(`${base}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  const upload = async (cookie: string, filename: string, content: string | Buffer, csrf?: string) => {
    const form = new FormData();
    form.append('csrf', csrf ?? await csrfOf(cookie));
    form.append('file', new Blob([content]), filename);
    const response = await fetch(`${base}/admin/processes`, { method: 'POST', headers: { cookie }, body: form, redirect: 'manual' });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  /** The text inputs and textareas of a rendered form, unescaped: what a browser would post back unchanged. */
  const fieldsOf = (text: string): Record<string, string> => {
    const unescape = (v: string): string => v.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return {
      ...Object.fromEntries([...text.matchAll(/<input class="govuk-input[^"]*" id="([^"]+)" name="[^"]+" type="text" value="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)])),
      ...Object.fromEntries([...text.matchAll(/<textarea[^>]* id="([^"]+)" name="[^"]+"[^>]*>([\s\S]*?)<\/textarea>/g)].map((m) => [m[1]!, unescape(m[2]!)])),
    };
  };
  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await govflow.db.query<{ n: string | number }>(sql, params)).rows[0]!.n);
  const versionsOf = async (key: string): Promise<number[]> => (await govflow.db.query<{ version: number }>('select version from process_definition where key = $1 order by version', [key])).rows.map((r) => Number(r.version));

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-admin-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow);
    base = running.url;
    ada = await signInStaff(base, 'ada');
  });
  after(async () => {
    await running.stop();
    await govflow.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets only admins in: visitors go to the staff sign-in, other staff and citizens are refused', async () => {
    const visitor = await fetch(`${base}/admin/processes`, { redirect: 'manual' });
    assert.equal(visitor.status, 303);
    assert.equal(visitor.headers.get('location'), '/staff/sign-in?next=%2Fadmin%2Fprocesses');
    for (const cookie of [await signInStaff(base, 'pat'), await signInStaff(base, 'mia'), await signInCitizen(base, 'alex')]) {
      for (const url of ['/admin', '/admin/processes', '/admin/services/building-permit', '/admin/organisation', '/admin/assets/modeller.js']) {
        assert.equal((await get(url, cookie)).status, 403, url);
      }
      const refused = await post('/admin/departments', cookie, { 'department-id': 'sneaky', 'department-name': 'Sneaky', agency: 'demo-municipality' }, 'x');
      assert.equal(refused.status, 403);
    }
    assert.equal(await count("select count(*) as n from identity_department where id = 'sneaky'"), 0);
    const page = await get('/admin', ada);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1 class="govuk-heading-l">Administration<\/h1>/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src|default-src 'none'/);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /script-src/, 'pages without an editor allow no script');
  });

  it('refuses a form without the session\'s CSRF token and writes nothing', async () => {
    const before = await count('select count(*) as n from admin_service_version');
    const refused = await post('/admin/services/building-permit', ada, { title: 'Forged title' }, 'not-the-token');
    assert.equal(refused.status, 403);
    assert.match(refused.text, /Your session has expired/);
    const upload403 = await upload(ada, 'x.bpmn', small('Forged'), 'not-the-token');
    assert.equal(upload403.status, 403);
    assert.equal(await count('select count(*) as n from admin_service_version'), before);
    assert.deepEqual(await versionsOf('admin-test'), []);
  });

  it('deploys an uploaded BPMN file as a new version and lists the version new cases start on', async () => {
    const first = await upload(ada, 'admin-test.bpmn', small('Review'));
    assert.equal(first.status, 303, first.text.slice(0, 500));
    assert.match(first.location ?? '', /^\/admin\/processes\?deployment=\d+$/);
    const second = await upload(ada, 'admin-test.bpmn', small('Review again'));
    assert.equal(second.status, 303);
    assert.deepEqual(await versionsOf('admin-test'), [1, 2]);
    const list = await get(second.location!, ada);
    assert.match(list.text, /Deployed process admin-test version 2/);
    const rows = [...list.text.matchAll(/<tr class="govuk-table__row"><td class="govuk-table__cell">admin-test<\/td><td[^>]*><a[^>]*>Version (\d)[\s\S]*?<\/tr>/g)];
    assert.equal(rows.length, 2);
    const starting = rows.filter((r) => r[0].includes('Start on this version')).map((r) => r[1]);
    assert.deepEqual(starting, ['2']);
    const started = await govflow.engine.startInstance('admin-test');
    assert.equal(started.version, 2, 'the page says what the engine does');
    const xml = await get('/admin/processes/admin-test/1', ada);
    assert.equal(xml.status, 200);
    assert.match(xml.text, /name=&quot;Review&quot;/, 'version 1 is shown, escaped');
    assert.equal((await get('/admin/processes/admin-test/9', ada)).status, 404);
  });

  it('deploys an uploaded DMN file as a new decision version, and refuses a broken one', async () => {
    const dmn = await readFile(path.resolve('examples', 'building-permit-fee.dmn'), 'utf8');
    const decisionVersions = async (): Promise<number[]> => (await govflow.db.query<{ version: number }>("select version from decision_definition where key = 'building-permit-fee' order by version")).rows.map((r) => Number(r.version));
    const before = await decisionVersions();
    const changed = dmn.replace('<decision id="building-permit-fee" name="Building permit fee">', '<decision id="building-permit-fee" name="Building permit fee (2027)">');
    assert.notEqual(changed, dmn);
    const deployed = await upload(ada, 'building-permit-fee.dmn', changed);
    assert.equal(deployed.status, 303, deployed.text.slice(0, 400));
    assert.deepEqual(await decisionVersions(), [...before, before.length + 1]);
    assert.match((await get(deployed.location!, ada)).text, new RegExp(`Deployed decision building-permit-fee version ${before.length + 1}`));
    assert.match((await get(`/admin/decisions/building-permit-fee/${before.length + 1}`, ada)).text, /Building permit fee \(2027\)/);
    const broken = await upload(ada, 'broken.dmn', changed.replace('</definitions>', ''));
    assert.ok(broken.status >= 400 && broken.status < 500);
    assert.match(broken.text, /govuk-error-summary/);
    assert.deepEqual(await decisionVersions(), [...before, before.length + 1]);
  });

  it('refuses an invalid model with the engine\'s problems in an error summary, and deploys nothing', async () => {
    const deploymentsBefore = await count('select count(*) as n from deployment');
    const broken = small('Broken').replace('sourceRef="review" targetRef="e"', 'sourceRef="review" targetRef="nowhere"');
    const refused = await upload(ada, 'broken.bpmn', broken);
    assert.ok(refused.status >= 400 && refused.status < 500, String(refused.status));
    assert.match(refused.text, /govuk-error-summary/);
    assert.match(refused.text, /<li><a href="#file">f2_review_e, line \d+: [^<]*<\/a><\/li>/, 'the summary names the element and its line');
    const notXml = await upload(ada, 'broken.bpmn', '<definitions><process id="p">\n<startEvent id="s">\n</definitions>');
    assert.equal(notXml.status, 400);
    assert.match(notXml.text, /line \d+/, 'a parse error names its line');
    const wrongType = await upload(ada, 'notes.txt', 'hello');
    assert.equal(wrongType.status, 415);
    assert.match(wrongType.text, /must be a \.bpmn or \.dmn file/);
    const empty = await upload(ada, 'empty.bpmn', '');
    assert.equal(empty.status, 400);
    const tooLarge = await upload(ada, 'large.bpmn', Buffer.alloc(MAX_BPMN_BYTES + 1, 0x20));
    assert.equal(tooLarge.status, 413);
    assert.match(tooLarge.text, /must be smaller than 5 MB/);
    const notUtf8 = await upload(ada, 'latin1.bpmn', Buffer.from([0x3c, 0x61, 0xe9, 0xff, 0x3e]));
    assert.equal(notUtf8.status, 415);
    assert.equal(await count('select count(*) as n from deployment'), deploymentsBefore);
  });

  it('saves the modeller\'s XML as a new version of the same process, through the same checks', async () => {
    const modeller = await get('/admin/modeller/building-permit', ada);
    assert.equal(modeller.status, 200);
    assert.match(modeller.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    assert.doesNotMatch(modeller.headers.get('content-security-policy') ?? '', /unsafe-eval|script-src[^;]*unsafe-inline/);
    assert.doesNotMatch(modeller.text, /<script>|<script(?![^>]*src=)/, 'no inline script');
    const original = await readFile(path.resolve('examples', 'building-permit.bpmn'), 'utf8');
    const before = await versionsOf('building-permit');
    const renamed = original.replace(/(<bpmn:userTask id="check-completeness" name=")[^"]*"/, '$1Check the application"');
    assert.notEqual(renamed, original, 'the test edits a real task name');
    const saved = await post('/admin/modeller/building-permit', ada, { xml: renamed });
    assert.equal(saved.status, 303, saved.text.slice(0, 400));
    assert.deepEqual(await versionsOf('building-permit'), [...before, before.length + 1]);
    const otherProcess = await post('/admin/modeller/building-permit', ada, { xml: small('Other') });
    assert.equal(otherProcess.status, 422);
    assert.match(otherProcess.text, /must keep the process with the id building-permit/);
    const broken = await post('/admin/modeller/building-permit', ada, { xml: renamed.replace('</bpmn:process>', '') });
    assert.equal(broken.status, 400);
    assert.match(broken.text, /govuk-error-summary/);
    assert.deepEqual(await versionsOf('building-permit'), [...before, before.length + 1], 'refused saves deploy nothing');
  });

  it('publishes service text only after a second admin approves the draft: preview, review, history, events', async () => {
    const invalid = await post('/admin/services/housing-benefit', ada, { title: '', summary: 'x', description: 'd', whoCanApply: 'a', documentsNeeded: 'b', fee: 'f', expectedTime: 't', department: 'd', 'sla-case-days': 'thirty', 'sla-case-hours': '' });
    assert.equal(invalid.status, 400);
    assert.match(invalid.text, /<p id="title-error" class="govuk-error-message">[\s\S]*Enter the title/);
    assert.match(invalid.text, /<p id="sla-case-days-error" class="govuk-error-message">[\s\S]*The days for the whole case must be a whole number/);
    assert.equal(await count("select count(*) as n from admin_service_version where service_id = 'housing-benefit'"), 0);

    // The SLA is shown as days and hours (the file says P30D), and typed as such.
    const form = await get('/admin/services/housing-benefit', ada);
    assert.match(form.text, /id="sla-case-days" name="sla-case-days" type="text" value="30" inputmode="numeric"/);
    assert.doesNotMatch(form.text, /ISO 8601/);
    const saved = await post('/admin/services/housing-benefit', ada, { ...fieldsOf(form.text), title: 'Claim help with your rent', 'sla-case-days': '25', 'sla-case-hours': '12' });
    assert.equal(saved.status, 303, saved.text.slice(0, 600));
    const startBefore = await (await fetch(`${base}/services/housing-benefit`)).text();
    assert.doesNotMatch(startBefore, /Claim help with your rent/, 'a draft is invisible to citizens');
    assert.doesNotMatch(await (await fetch(`${base}/`)).text(), /Claim help with your rent/);
    const edit = await get('/admin/services/housing-benefit?saved=1', ada);
    assert.match(edit.text, /Saved as draft version 1\. Citizens do not see it/);
    assert.match(edit.text, /value="Claim help with your rent"/, 'the author keeps editing the draft');
    assert.match(edit.text, /id="sla-case-hours" name="sla-case-hours" type="text" value="12" inputmode="numeric"/);
    const preview = await get('/admin/services/housing-benefit/versions/1/preview', ada);
    assert.equal(preview.status, 200);
    assert.match(preview.text, /<h1 class="govuk-heading-xl">Claim help with your rent<\/h1>/, 'the preview is the citizen start page with the draft');
    const review = await get('/admin/services/housing-benefit/versions/1', ada);
    assert.match(review.text, /Waiting for review/);
    assert.match(review.text, /25 days and 12 hours/);
    assert.match(review.text, /another administrator must review it/);
    assert.doesNotMatch(review.text, /Approve and publish/, 'the author is offered no approval');

    // The author's own approval is refused, whatever the page offered.
    const own = await post('/admin/services/housing-benefit/versions/1/review', ada, { decision: 'approved' });
    assert.equal(own.status, 403);
    assert.match(own.text, /another administrator must review it/);
    assert.doesNotMatch(await (await fetch(`${base}/services/housing-benefit`)).text(), /Claim help with your rent/);

    // A second admin, made through the organisation pages, reviews: returns a first draft, approves the next.
    const made = await post('/admin/staff', ada, { username: 'bea', name: 'Bea Second', email: '' });
    assert.equal(made.status, 201);
    assert.equal((await post('/admin/staff/bea/memberships', ada, { action: 'grant', department: 'digital', role: 'admin' })).status, 303);
    const bea = await signInStaffWith(base, 'bea', /<code id="initial-password">([^<]+)<\/code>/.exec(made.text)![1]!, /<code id="totp-secret">([^<]+)<\/code>/.exec(made.text)![1]!, { newPassword: 'bea-chose-this-one' });
    assert.match((await get('/admin/services/housing-benefit/versions/1', bea)).text, /Approve and publish/);
    const returned = await post('/admin/services/housing-benefit/versions/1/review', bea, { decision: 'returned', note: 'Say "housing costs"' });
    assert.equal(returned.status, 303);
    assert.equal((await post('/admin/services/housing-benefit/versions/1/review', bea, { decision: 'approved' })).status, 409, 'a draft is reviewed once');
    const second = await post('/admin/services/housing-benefit', ada, { ...fieldsOf((await get('/admin/services/housing-benefit', ada)).text), title: 'Claim help with your housing costs', 'sla-case-days': '25', 'sla-case-hours': '12' });
    assert.equal(second.status, 303, second.text.slice(0, 600));
    assert.equal((await post('/admin/services/housing-benefit/versions/2/review', ada, { decision: 'approved' })).status, 403);
    assert.equal((await post('/admin/services/housing-benefit/versions/2/review', bea, { decision: 'approved' })).status, 303);
    const start = await (await fetch(`${base}/services/housing-benefit`)).text();
    assert.match(start, /Claim help with your housing costs/, 'approved: citizens see it');
    assert.match(await (await fetch(`${base}/`)).text(), /Claim help with your housing costs/);
    assert.equal((await govflow.db.query<{ c: string }>("select fields->'sla'->>'case' as c from admin_service_version where service_id = 'housing-benefit' and version = 2")).rows[0]!.c, 'P25DT12H', 'stored as an ISO 8601 duration');

    const events = (await govflow.db.query<{ type: string; actor: string; data: unknown }>("select type, actor, data from event_log where type like 'catalogue.service-%' and data->>'service' = 'housing-benefit' order by id")).rows
      .map((r) => ({ type: r.type, actor: r.actor, data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as { version: number; changed?: string[] } }));
    assert.deepEqual(events.map((e) => [e.type, e.actor, e.data.version]), [
      ['catalogue.service-draft-saved', 'staff:ada', 1], ['catalogue.service-draft-returned', 'staff:bea', 1],
      ['catalogue.service-draft-saved', 'staff:ada', 2], ['catalogue.service-draft-approved', 'staff:bea', 2], ['catalogue.service-changed', 'staff:bea', 2],
    ]);
    assert.deepEqual([...events.at(-1)!.data.changed!].sort(), ['sla-case', 'title']);
    const history = await get('/admin/services/housing-benefit', ada);
    assert.match(history.text, /Version 2, .* by staff:ada/);
    assert.match(history.text, /Approved .* by staff:bea/);
    assert.match(history.text, /Returned .* by staff:bea: Say &quot;housing costs&quot;/);
  });

  it('refuses to publish a draft in a language it is incomplete in, naming the language and the places (issue 21)', async () => {
    // The licence renewal is offered in Spanish, Catalan and Estonian; the draft adds a paragraph only in English.
    const form = await get('/admin/services/business-licence-renewal', ada);
    const fields = fieldsOf(form.text);
    const paragraph = 'Renewals asked for after the licence has ended are treated as new applications.';
    const saved = await post('/admin/services/business-licence-renewal', ada, { ...fields, description: `${fields['description']}\n\n${paragraph}` });
    assert.equal(saved.status, 303, saved.text.slice(0, 600));
    const version = /\/versions\/(\d+)/.exec((await get('/admin/services/business-licence-renewal', ada)).text)?.[1] ?? assert.fail('the draft is listed');
    // A second administrator reviews (the author may not): made through the organisation pages.
    const made = await post('/admin/staff', ada, { username: 'cyd', name: 'Cyd Reviewer', email: '' });
    assert.equal(made.status, 201);
    assert.equal((await post('/admin/staff/cyd/memberships', ada, { action: 'grant', department: 'digital', role: 'admin' })).status, 303);
    const cyd = await signInStaffWith(base, 'cyd', /<code id="initial-password">([^<]+)<\/code>/.exec(made.text)![1]!, /<code id="totp-secret">([^<]+)<\/code>/.exec(made.text)![1]!, { newPassword: 'cyd-chose-this-one' });
    const refused = await post(`/admin/services/business-licence-renewal/versions/${version}/review`, cyd, { decision: 'approved' });
    assert.equal(refused.status, 409);
    assert.match(refused.text, /The draft cannot be published in all its languages/);
    for (const language of ['es', 'ca', 'et']) assert.match(refused.text, new RegExp(`translations\\.${language} is not complete in &#39;${language}&#39;: missing description\\.2[;.]`), language);
    // Nothing was published: citizens still read the service without the paragraph, and the draft waits.
    assert.doesNotMatch(await (await fetch(`${base}/services/business-licence-renewal`)).text(), new RegExp(paragraph));
    assert.match((await get(`/admin/services/business-licence-renewal/versions/${version}`, cyd)).text, /Waiting for review/);
    assert.equal(await count("select count(*) as n from event_log where type = 'catalogue.service-draft-approved' and data->>'service' = 'business-licence-renewal'"), 0);
    // Returning it is still possible (the author translates it, or stops offering a language).
    assert.equal((await post(`/admin/services/business-licence-renewal/versions/${version}/review`, cyd, { decision: 'returned', note: 'Translate the new paragraph' })).status, 303);
  });

  it('saves a question page\'s form as a new version; old versions stay retrievable; drafts on the old version are sent back', async () => {
    const file = JSON.parse(await readFile(path.resolve('services', 'business-licence-renewal', 'forms', 'the-business.form'), 'utf8')) as { components: { key?: string; label?: string }[] };
    const editor = await get('/admin/services/business-licence-renewal/forms/the-business', ada);
    assert.equal(editor.status, 200);
    assert.match(editor.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const first = structuredClone(file);
    const labelled = first.components.find((c) => c.key && c.label)!;
    labelled.label = 'Changed question label';
    const v1 = await post('/admin/services/business-licence-renewal/forms/the-business', ada, { schema: JSON.stringify(first) });
    assert.equal(v1.status, 303, v1.text.slice(0, 800));
    const stored1 = await get('/admin/services/business-licence-renewal/forms/the-business/versions/1', ada);
    assert.equal(stored1.status, 200);
    assert.equal(stored1.headers.get('x-govflow-form-version'), sha16(stored1.text), 'the version is the checksum of the stored text, as for files');
    assert.equal(JSON.parse(stored1.text).components.find((c: { key?: string }) => c.key === labelled.key).label, 'Changed question label');

    // A citizen answers the page while version 1 is current: the draft is pinned to it.
    const sam = await signInCitizen(base, 'sam');
    const page1 = await get('/services/business-licence-renewal/apply/the-business', sam);
    assert.match(page1.text, /Changed question label/);
    const answer = await post('/services/business-licence-renewal/apply/the-business', sam, { applicantName: 'Sam Demo', email: 'sam@example.org', businessCode: 'BR-100200' }, /name="csrf" value="([^"]+)"/.exec(page1.text)![1]!);
    assert.equal(answer.status, 303, answer.text.slice(0, 400));
    assert.doesNotMatch((await get('/services/business-licence-renewal/apply/the-business', sam)).text, /The questions on this page have changed/);

    const second = structuredClone(first);
    second.components.find((c) => c.key === labelled.key)!.label = 'Changed again';
    assert.equal((await post('/admin/services/business-licence-renewal/forms/the-business', ada, { schema: JSON.stringify(second) })).status, 303);
    assert.equal((await get('/admin/services/business-licence-renewal/forms/the-business/versions/1', ada)).text, stored1.text, 'version 1 is unchanged');
    const stored2 = await get('/admin/services/business-licence-renewal/forms/the-business/versions/2', ada);
    assert.notEqual(sha16(stored2.text), sha16(stored1.text));
    const versions = (await govflow.db.query<{ n: number }>("select count(*) as n from event_log where type = 'catalogue.service-changed' and data->>'page' = 'the-business'")).rows[0]!;
    assert.equal(Number(versions.n), 2);

    const missingKey = structuredClone(second);
    missingKey.components = missingKey.components.filter((c) => c.key !== labelled.key);
    const refused = await post('/admin/services/business-licence-renewal/forms/the-business', ada, { schema: JSON.stringify(missingKey) });
    assert.equal(refused.status, 400);
    assert.match(refused.text, new RegExp(`The field &#39;${labelled.key}&#39; is missing`));
    const notJson = await post('/admin/services/business-licence-renewal/forms/the-business', ada, { schema: '{"components": [' });
    assert.equal(notJson.status, 400);
    assert.match(notJson.text, /not readable JSON/);
    assert.equal((await get('/admin/services/business-licence-renewal/forms/the-business/versions/3', ada)).status, 404);

    // The draft answered on version 1 is sent back to the page, which now shows version 2.
    const question = await get('/services/business-licence-renewal/apply/the-business', sam);
    assert.match(question.text, /Changed again/);
    assert.match(question.text, /The questions on this page have changed/);
  });

  it('refuses a save made on a page opened before someone else saved (service, form, model): 409, input kept, saved after review', async () => {
    const hiddenBase = (text: string, name: string): string => new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(text)?.[1] ?? assert.fail(`no ${name} field`);

    // The service page, open in two tabs; the first tab saves, then the second.
    const tabA = await get('/admin/services/building-permit', ada);
    const tabB = await get('/admin/services/building-permit', ada);
    const stale = hiddenBase(tabA.text, 'base-version');
    assert.equal(hiddenBase(tabB.text, 'base-version'), stale);
    const first = await post('/admin/services/building-permit', ada, { ...fieldsOf(tabB.text), 'base-version': stale, title: 'Apply for building permission' });
    assert.equal(first.status, 303, first.text.slice(0, 400));
    const saves = await count("select count(*) as n from admin_service_version where service_id = 'building-permit'");
    const late = await post('/admin/services/building-permit', ada, { ...fieldsOf(tabA.text), 'base-version': stale, title: 'My own title' });
    assert.equal(late.status, 409);
    assert.match(late.text, /Someone else saved version \d+ of this service \(staff:ada\) after you opened this page/);
    assert.match(late.text, /<a href="#versions">/, 'the error summary links to the version list');
    assert.match(late.text, /value="My own title"/, 'what the admin typed is kept');
    assert.equal(await count("select count(*) as n from admin_service_version where service_id = 'building-permit'"), saves, 'nothing saved');
    assert.doesNotMatch((await (await fetch(`${base}/services/building-permit`)).text()), /My own title/);
    // Saving again from the returned page (which now carries the current version) is the admin's informed choice.
    const again = await post('/admin/services/building-permit', ada, { ...fieldsOf(late.text), 'base-version': hiddenBase(late.text, 'base-version') });
    assert.equal(again.status, 303, again.text.slice(0, 400));
    assert.equal(await count("select count(*) as n from admin_service_version where service_id = 'building-permit'"), saves + 1);

    // A question page's form.
    const url = '/admin/services/housing-benefit/forms/about-you';
    const formFile = JSON.parse(await readFile(path.resolve('services', 'housing-benefit', 'forms', 'about-you.form'), 'utf8')) as { components: { key?: string; label?: string }[] };
    const formA = await get(url, ada);
    const staleForm = hiddenBase(formA.text, 'base-form-version');
    const edited = structuredClone(formFile);
    edited.components.find((c) => c.key && c.label)!.label = 'Edited in tab B';
    assert.equal((await post(url, ada, { schema: JSON.stringify(edited), 'base-form-version': staleForm })).status, 303);
    const formVersions = await count("select count(*) as n from admin_form_version where service_id = 'housing-benefit' and page_id = 'about-you'");
    const mine = structuredClone(formFile);
    mine.components.find((c) => c.key && c.label)!.label = 'Edited in tab A';
    const lateForm = await post(url, ada, { schema: JSON.stringify(mine), 'base-form-version': staleForm });
    assert.equal(lateForm.status, 409);
    assert.match(lateForm.text, /Someone else saved a new version of this form after you opened this page/);
    assert.match(lateForm.text, /Edited in tab A/);
    assert.notEqual(hiddenBase(lateForm.text, 'base-form-version'), staleForm, 'the returned page carries the current version');
    assert.equal(await count("select count(*) as n from admin_form_version where service_id = 'housing-benefit' and page_id = 'about-you'"), formVersions);

    // A process model.
    const modeller = await get('/admin/modeller/housing-benefit', ada);
    const staleModel = hiddenBase(modeller.text, 'base-version');
    const original = await readFile(path.resolve('examples', 'housing-benefit.bpmn'), 'utf8');
    const renamed = (name: string): string => original.replace(/(<bpmn:userTask id="[^"]+" name=")[^"]*"/, `$1${name}"`);
    assert.notEqual(renamed('B'), original);
    const deployed = await versionsOf('housing-benefit');
    assert.equal((await post('/admin/modeller/housing-benefit', ada, { xml: renamed('Renamed in tab B'), 'base-version': staleModel })).status, 303);
    const lateModel = await post('/admin/modeller/housing-benefit', ada, { xml: renamed('Renamed in tab A'), 'base-version': staleModel });
    assert.equal(lateModel.status, 409);
    assert.match(lateModel.text, /Someone else deployed version \d+ of housing-benefit after you opened this page/);
    assert.match(lateModel.text, /Renamed in tab A/);
    assert.deepEqual(await versionsOf('housing-benefit'), [...deployed, deployed.length + 1], 'only tab B deployed');
  });

  it('manages departments, staff accounts (shown once), memberships and deactivation', async () => {
    const bad = await post('/admin/departments', ada, { 'department-id': 'Not An Id', 'department-name': '', agency: 'demo-municipality' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<p id="department-id-error" class="govuk-error-message">/);
    const made = await post('/admin/departments', ada, { 'department-id': 'parks', 'department-name': 'Parks and Gardens', agency: 'demo-municipality' });
    assert.equal(made.status, 303);
    const twice = await post('/admin/departments', ada, { 'department-id': 'parks', 'department-name': 'Parks again', agency: 'demo-municipality' });
    assert.equal(twice.status, 400);
    assert.match(twice.text, /already exists/);
    assert.match((await get('/admin/organisation', ada)).text, /Parks and Gardens/);

    const created = await post('/admin/staff', ada, { username: 'gus', name: 'Gus Gardener', email: 'gus@example.org' });
    assert.equal(created.status, 201);
    const password = /<code id="initial-password">([^<]+)<\/code>/.exec(created.text)![1]!;
    const secret = /<code id="totp-secret">([^<]+)<\/code>/.exec(created.text)![1]!;
    const row = (await govflow.db.query<{ password_hash: string; totp_secret_sealed: string }>("select password_hash, totp_secret_sealed from identity_staff where id = 'gus'")).rows[0]!;
    assert.match(row.password_hash, /^\$argon2id\$/);
    assert.ok(!row.totp_secret_sealed.includes(secret), 'the secret is sealed at rest');
    assert.equal((await post('/admin/staff', ada, { username: 'gus', name: 'Gus Two', email: '' })).status, 400);

    const granted = await post('/admin/staff/gus/memberships', ada, { action: 'grant', department: 'parks', role: 'caseworker' });
    assert.equal(granted.status, 303);
    const badRole = await post('/admin/staff/gus/memberships', ada, { action: 'grant', department: 'parks', role: 'emperor' });
    assert.equal(badRole.status, 400);
    assert.match(badRole.text, /<p id="role-error"/);
    const roleEvents = (await govflow.db.query<{ data: unknown }>("select data from event_log where type = 'identity.role-changed' and actor = 'staff:ada' and data->>'staff' = 'gus'")).rows.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>);
    assert.deepEqual(roleEvents.map((d) => [d['staff'], d['department'], d['role'], d['granted']]), [['gus', 'parks', 'caseworker', true]]);

    // The new account signs in with what was shown once, and must replace the password it was handed.
    await assert.rejects(signInStaffWith(base, 'gus', password, secret), /asked for a new password/);
    const gus = await signInStaffWith(base, 'gus', password, secret, { newPassword: 'gus-chose-this-one' });
    assert.equal((await get('/staff', gus)).status, 200);

    assert.equal((await post('/admin/staff/ada/status', ada, { action: 'deactivate' })).status, 409, 'an admin cannot lock themselves out');
    assert.equal((await post('/admin/staff/gus/status', ada, { action: 'deactivate' })).status, 303);
    assert.notEqual((await get('/staff', gus)).status, 200, 'the session of a deactivated account ends');
    await assert.rejects(signInStaffWith(base, 'gus', 'gus-chose-this-one', secret), /refused the password of gus: 400/, 'a deactivated account cannot sign in');
    assert.match((await get('/admin/staff/gus', ada)).text, /deactivated: it cannot sign in/);
    assert.equal(await count("select count(*) as n from event_log where type = 'identity.staff-deactivated' and actor = 'staff:ada'"), 1);
  });

  it('resets a staff member\'s password or authenticator: shown once, sessions end, lockout cleared, the old ones stop working', async () => {
    const created = await post('/admin/staff', ada, { username: 'hal', name: 'Hal Helpdesk', email: '' });
    assert.equal(created.status, 201);
    const initialPassword = /<code id="initial-password">([^<]+)<\/code>/.exec(created.text)![1]!;
    const initialSecret = /<code id="totp-secret">([^<]+)<\/code>/.exec(created.text)![1]!;
    assert.equal((await post('/admin/staff/hal/memberships', ada, { action: 'grant', department: 'building-control', role: 'caseworker' })).status, 303);
    const hal = await signInStaffWith(base, 'hal', initialPassword, initialSecret, { newPassword: 'hal-chose-this-one' });
    assert.equal((await get('/staff', hal)).status, 200);

    const unchosen = await post('/admin/staff/hal/credentials', ada, {});
    assert.equal(unchosen.status, 400);
    assert.match(unchosen.text, /<a href="#reset">Choose what to reset<\/a>/);
    assert.equal((await post('/admin/staff/ada/credentials', ada, { reset: 'both' })).status, 409, 'not one\'s own');

    // Hal forgot the password and then locked the account guessing.
    for (let i = 0; i < 6; i++) await signInStaffWith(base, 'hal', `wrong-${i}`, initialSecret).catch(() => undefined);
    await assert.rejects(signInStaffWith(base, 'hal', 'hal-chose-this-one', initialSecret), /refused the password/, 'locked out');
    const reset = await post('/admin/staff/hal/credentials', ada, { reset: 'password' });
    assert.equal(reset.status, 200, reset.text.slice(0, 300));
    const newPassword = /<code id="new-password">([^<]+)<\/code>/.exec(reset.text)![1]!;
    assert.doesNotMatch(reset.text, /new-totp-secret/, 'only what was asked for is replaced');
    assert.notEqual(newPassword, initialPassword);
    assert.notEqual((await get('/staff', hal)).status, 200, 'the old session ended');
    await assert.rejects(signInStaffWith(base, 'hal', 'hal-chose-this-one', initialSecret), /refused the password/);
    const again = await signInStaffWith(base, 'hal', newPassword, initialSecret, { newPassword: 'hal-chose-another' });
    assert.equal((await get('/staff', again)).status, 200, 'the lockout was cleared and the authenticator kept');

    // A lost phone: a new authenticator secret; the old one's codes stop working, the password stays.
    const newAuthenticator = await post('/admin/staff/hal/credentials', ada, { reset: 'authenticator' });
    assert.equal(newAuthenticator.status, 200);
    const newSecret = /<code id="new-totp-secret">([^<]+)<\/code>/.exec(newAuthenticator.text)![1]!;
    assert.doesNotMatch(newAuthenticator.text, /new-password/);
    assert.notEqual((await get('/staff', again)).status, 200);
    await assert.rejects(signInStaffWith(base, 'hal', 'hal-chose-another', initialSecret), /refused the code/);
    assert.equal((await get('/staff', await signInStaffWith(base, 'hal', 'hal-chose-another', newSecret))).status, 200);

    const events = (await govflow.db.query<{ data: unknown }>("select data from event_log where type = 'identity.staff-credentials-reset' and actor = 'staff:ada' order by id")).rows
      .map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>);
    assert.deepEqual(events, [{ staff: 'hal', password: true, authenticator: false }, { staff: 'hal', password: false, authenticator: true }]);
    const log = JSON.stringify(await govflow.db.query('select data from event_log'));
    assert.ok(!log.includes(newPassword) && !log.includes(newSecret), 'no secret in the event log');
  });
});
