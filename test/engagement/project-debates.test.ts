// Debates about a project (issue 18: debates per topic, project and proposal) over real HTTP on the composed server,
// on PGlite and PostgreSQL: the demo project's public page links to its debates; a citizen opens one (field errors
// first, an unknown project is a 404); the project's manager opens one for the municipality (on the event log);
// threaded comments with an official reply naming the project's department; the project page
// and the list of all debates then count and name them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';

const PROJECT = 'riverside-park-renewal';

describeEachBackend('debates about a project over HTTP', (backend) => {
  let dataDir: string;
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let base: string;

  const get = async (url: string, cookie?: string): Promise<{ status: number; text: string; location: string }> => {
    const r = await fetch(`${base}${url}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
    return { status: r.status, text: await r.text(), location: r.headers.get('location') ?? '' };
  };
  /** Posts a form with the session's CSRF token (read from the page the form is on). */
  const post = async (formPage: string, url: string, cookie: string, fields: Record<string, string>): Promise<{ status: number; text: string; location: string }> => {
    const csrf = /name="csrf" value="([^"]+)"/.exec((await get(formPage, cookie)).text)?.[1] ?? '';
    const r = await fetch(`${base}${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, ...fields }).toString(), redirect: 'manual' });
    return { status: r.status, text: await r.text(), location: r.headers.get('location') ?? '' };
  };
  const text = (body: string): string => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-project-debates-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
    const databaseUrl = backend === 'postgres' ? await createServerDatabase() : undefined;
    govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl } });
    running = await startServer(govflow, { rateLimits: 'off', background: false });
    base = running.url;
  });
  after(async () => {
    await running?.stop();
    await govflow?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a citizen and the project\'s manager open debates; comments thread, the official reply is marked; the project page counts them', async () => {
    const before = await get(`/projects/${PROJECT}`);
    assert.equal(before.status, 200);
    assert.match(text(before.text), /Nobody has started a debate about this project yet\. Start a debate/);
    assert.match(before.text, new RegExp(`href="/debates/projects/${PROJECT}"`));

    const alex = await signInCitizen(base, 'alex');
    const newPage = `/debates/projects/${PROJECT}/new`;
    const empty = await post(newPage, `/debates/projects/${PROJECT}`, alex, { title: '', body: 'short' });
    assert.equal(empty.status, 400);
    assert.match(text(empty.text), /Enter a title[\s\S]*What you want to discuss must be 10 characters or more/);
    assert.equal((await post(newPage, '/debates/projects/no-such-project', alex, { title: 'Benches', body: 'Where will the benches go?' })).status, 404);
    const opened = await post(newPage, `/debates/projects/${PROJECT}`, alex, { title: 'Lighting on the north path', body: 'Will the new lamps stay on all night, or dim after midnight?' });
    assert.equal(opened.status, 303);
    const citizenDebate = /^\/debates\/(\d+)$/.exec(opened.location)?.[1];
    assert.ok(citizenDebate, opened.location);

    // The planning department's manager opens one for the municipality (a caseworker's 403: the authorisation matrix).
    const mia = await signInStaff(base, 'mia');
    const official = await post(newPage, `/debates/projects/${PROJECT}`, mia, { title: 'Where should the play area go?', body: 'Two places are possible: by the bridge or by the old mill.' });
    assert.equal(official.status, 303);
    const officialDebate = Number(/^\/debates\/(\d+)$/.exec(official.location)![1]);
    const { rows } = await govflow.db.query<{ actor: string; data: { debate: number; project: string; department: string } }>(
      "select actor, data from event_log where type = 'engagement.debate.opened'");
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.actor, /^staff:/);
    assert.deepEqual({ ...rows[0]!.data, debate: Number(rows[0]!.data.debate) }, { debate: officialDebate, project: PROJECT, department: 'planning', title: 'Where should the play area go?' });

    // A comment, the official reply to it (threaded under it), the debate page showing both.
    const debatePage = `/debates/${citizenDebate}`;
    const comment = await post(debatePage, `/debates/${citizenDebate}/comments`, alex, { comment: 'Dimming would help the bats.' });
    assert.equal(comment.status, 303);
    const commentId = /#comment-(\d+)$/.exec(comment.location)![1]!;
    const reply = await post(debatePage, `/debates/${citizenDebate}/comments`, mia, { parent: commentId, [`reply-${commentId}`]: 'They will dim to 30% from midnight.' });
    assert.equal(reply.status, 303);
    const page = (await get(debatePage)).text;
    assert.match(page, new RegExp(`href="/projects/${PROJECT}">Riverside park renewal</a>`), 'the debate names its project');
    assert.match(page, new RegExp(`href="/debates/projects/${PROJECT}" class="govuk-back-link"`));
    const thread = new RegExp(`id="comment-${commentId}"[\\s\\S]*Dimming would help the bats\\.[\\s\\S]*<ul[^>]*>\\s*<li>[\\s\\S]*Official reply</strong> planning[\\s\\S]*They will dim to 30% from midnight\\.`);
    assert.match(page, thread, 'the official reply sits under the comment, marked with the project\'s department');

    const list = text((await get(`/debates/projects/${PROJECT}`)).text);
    assert.match(list, /Where should the play area go\? started by the municipality[\s\S]*Lighting on the north path started by Resident \d+ .* 2 comments/);
    assert.match(text((await get('/debates')).text), /Lighting on the north path Project: Riverside park renewal/);
    assert.match(text((await get(`/projects/${PROJECT}`)).text), /2 debates about this project\. Read and join the debates/);
    // Other projects have their own (empty) list; a project that does not exist is a 404.
    assert.match(text((await get('/debates/projects/online-business-licences')).text), /There are no debates about this project yet/);
    assert.equal((await get('/debates/projects/no-such-project')).status, 404);
  });
});
