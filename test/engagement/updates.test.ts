// Updates to citizens (issue 18, acceptance 6 and 7): a whole server on loopback sending through a real SMTP server
// on loopback. Subscribing is double opt-in (nothing is sent to a pending address), the address lives only in the
// vault, every subscribed e-mail carries RFC 8058's List-Unsubscribe and List-Unsubscribe-Post headers, and the
// one-click POST works without a session and erases the address. Atom and RSS feeds are read back with a real feed
// parser (rss-parser), a report's status change included. In Chromium: the pages work with JavaScript off, pass
// axe-core (WCAG 2.2 A/AA) and html-validate, and a news page carries Open Graph and Twitter-card metadata.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { ParsedMail } from 'mailparser';
import type { Page } from 'playwright-core';
import Parser from 'rss-parser';
import { withDemoBrowser } from '../support/demo-browser.js';
import { eventually } from '../support/eventually.js';
import { auditPage, followLink, SCREENSHOTS } from '../support/page-audit.js';
import { apiKeyFor, signInStaff } from '../support/sign-in.js';
import { startSmtp, type SmtpSink } from '../support/smtp-sink.js';

let smtp: SmtpSink;
let base: string;
/** Mia, a manager of building control, signed in once (each sign-in spends a TOTP step). */
let staff: string;
const TOPIC = '/updates/department/building-control';

// The SMTP sink starts inside the server's set-up: the server must be configured with its address, and two root
// before() hooks are not sure to run one after the other.
const demo = withDemoBrowser('updates', {
  env: async () => {
    smtp = await startSmtp();
    return { GOVFLOW_SMTP_URL: smtp.url, GOVFLOW_MAIL_FROM: 'Demo Municipality <noreply@demo.test>' };
  },
});
before(async () => {
  await demo.started();
  base = demo.base;
  staff = await signInStaff(base, 'mia');
});
after(async () => {
  await smtp?.stop();
});

const cookieOf = (response: Response, previous = ''): string => /govflow_session=[^;]*/.exec(response.headers.get('set-cookie') ?? '')?.[0] ?? previous;
const csrfOf = (page: string): string => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** A page's form as a browser without script fills it: GET (keeping the session it gives), then POST the fields. */
async function submit(path: string, fields: Record<string, string>, cookie = ''): Promise<{ status: number; text: string; location: string; cookie: string }> {
  const shown = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
  const session = cookieOf(shown, cookie);
  const page = await shown.text();
  const action = /<form method="post" action="([^"]+)" novalidate>/.exec(page)?.[1] ?? path;
  const response = await fetch(`${base}${action.replace(/&amp;/g, '&')}`, {
    method: 'POST', redirect: 'manual', headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: csrfOf(page), ...fields }).toString(),
  });
  return { status: response.status, text: await response.text(), location: response.headers.get('location') ?? '', cookie: session };
}

const mailTo = (address: string, subject: RegExp) => eventually(`an e-mail to ${address} about ${subject}`, async () =>
  smtp.received.find((m) => m.to && !Array.isArray(m.to) && m.to.text === address && subject.test(m.subject ?? '')));
const pathIn = (mail: ParsedMail, kind: 'confirm' | 'unsubscribe'): string => new RegExp(`/updates/${kind}/[A-Za-z0-9_-]+`).exec(mail.text ?? '')![0];
/** A header as sent (mailparser folds the List-* headers into one structured `list` value). */
const listHeader = (mail: ParsedMail, name: string): string => {
  const line = mail.headerLines.find((h) => h.key === name)?.line ?? '';
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
};

async function publish(title: string): Promise<number> {
  const published = await submit('/staff/updates', { topic: 'department:building-control', title, summary: `${title}: what changes for you.`, body: 'First paragraph.\n\nSecond paragraph.' }, staff);
  assert.equal(published.status, 303, published.text.slice(0, 300));
  return Number(/published=(\d+)/.exec(published.location)![1]);
}

it('subscriptions: double opt-in through a real SMTP server, the address only in the vault, one-click unsubscribe (RFC 8058)', async () => {
  const address = 'reader@example.test';
  const refused = await submit(`${TOPIC}/subscribe`, { email: 'not an address' });
  assert.equal(refused.status, 400);
  assert.match(refused.text, /Enter an e-mail address in the correct format/);
  const asked = await submit(`${TOPIC}/subscribe`, { email: address });
  assert.equal(asked.status, 200);
  assert.match(asked.text, /Check your e-mail/);

  // Personal data only in the vault: neither engagement's row nor the outbox holds the address.
  const db = demo.govflow.db;
  const { rows: [row] } = await db.query<{ id: number; subject: string; address_ref: string; status: string; whole: string }>(
    "select id::float8 as id, subject, address_ref, status, row_to_json(s)::text as whole from engagement_subscription s order by id desc limit 1");
  assert.match(row!.address_ref, /^vault:pd1_/);
  assert.equal(row!.status, 'pending');
  const { rows: [outbox] } = await db.query<{ all: string }>('select coalesce(string_agg(row_to_json(o)::text, \'\'), \'\') as all from notification_outbox o');
  assert.ok(!row!.whole.includes(address) && !outbox!.all.includes(address), 'the address is stored outside the vault');
  assert.equal(Number((await db.query<{ n: number }>("select count(*)::int as n from privacy_record where subject = $1 and kind = 'email-address'", [row!.subject])).rows[0]!.n), 1);

  const confirmMail = await mailTo(address, /Confirm your e-mail updates about Building control/);
  assert.match(listHeader(confirmMail, 'list-unsubscribe'), /^<http[^>]+\/updates\/unsubscribe\/[A-Za-z0-9_-]+>$/);
  assert.equal(listHeader(confirmMail, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');

  // Pending: a news item is not sent to it.
  const early = await publish('Road closed for repairs');
  assert.equal(Number((await db.query<{ n: number }>('select count(*)::int as n from notification_outbox where idempotency_key like $1', [`news:${early}:%`])).rows[0]!.n), 0);

  // The link in the e-mail, opened in a browser with no session: a button, then subscribed.
  const confirmed = await submit(pathIn(confirmMail, 'confirm'), {});
  assert.equal(confirmed.status, 200);
  assert.match(confirmed.text, /You are subscribed/);

  const news = await publish('New street lights on Mill Lane');
  const update = await mailTo(address, /Building control: New street lights on Mill Lane/);
  assert.match(update.text ?? '', new RegExp(`/updates/news/${news}`));
  const unsubscribeUrl = /^<([^>]+)>$/.exec(listHeader(update, 'list-unsubscribe'))![1]!;
  assert.equal(listHeader(update, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
  assert.ok((update.text ?? '').includes(unsubscribeUrl), 'the same unsubscribe link is in the text');
  // The sender opened the address through the vault, and that use is in the subscriber's access log.
  assert.ok(Number((await db.query<{ n: number }>("select count(*)::int as n from personal_data_access where subject = $1 and actor = 'system:notifications'", [row!.subject])).rows[0]!.n) >= 1);

  // RFC 8058: the mail provider's POST, no cookie, no CSRF token. Any other sessionless post is still refused.
  const path = new URL(unsubscribeUrl).pathname;
  const forged = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=' });
  assert.equal(forged.status, 403);
  const oneClick = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  assert.equal(oneClick.status, 200);
  assert.match(await oneClick.text(), /You are unsubscribed/);
  assert.equal((await db.query<{ status: string }>('select status from engagement_subscription where id = $1', [row!.id])).rows[0]!.status, 'ended');
  assert.equal(Number((await db.query<{ n: number }>('select count(*)::int as n from privacy_record where subject = $1', [row!.subject])).rows[0]!.n), 0, 'the address is erased');

  const later = await publish('Pavement works finished');
  assert.equal(Number((await db.query<{ n: number }>('select count(*)::int as n from notification_outbox where idempotency_key like $1', [`news:${later}:%`])).rows[0]!.n), 0, 'nothing more is queued for it');
  assert.match(await (await fetch(`${base}${path}`)).text(), /You are unsubscribed/);
  assert.equal((await fetch(`${base}/updates/unsubscribe/not-a-token`)).status, 404);
});

it('feeds: Atom and RSS parse with a real feed parser and carry the news and a problem report\'s status change', async () => {
  const news = await publish('Winter gritting starts on Monday');
  // A street-light report (building control's category) over Open311, triaged with a public note.
  const key = await apiKeyFor(demo.govflow.db, { roles: ['agency-system'], services: ['open311'] });
  const posted = await fetch(`${base}/open311/v2/requests.json`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key, service_code: 'street-light', lat: '51.5', long: '-0.14', description: 'Lamp out', 'attribute[fault]': 'out' }).toString(),
  });
  assert.equal(posted.status, 200, await posted.clone().text());
  const [{ service_request_id: reportId }] = await posted.json() as [{ service_request_id: string }];
  const [instance] = await demo.govflow.engine.listInstances({ businessKey: `PR-${reportId}`, limit: 1 });
  const [task] = await demo.govflow.engine.listTasks({ instanceId: instance!.id });
  await demo.govflow.engine.completeTask(task!.id, { variables: { triageOutcome: 'accepted', statusNotes: 'A crew will replace the lamp this week.' }, actor: 'pat' });

  const parser = new Parser();
  for (const format of ['atom', 'rss'] as const) {
    const response = await fetch(`${base}${TOPIC}/${format}.xml`);
    assert.match(response.headers.get('content-type') ?? '', format === 'atom' ? /^application\/atom\+xml/ : /^application\/rss\+xml/);
    const feed = await parser.parseString(await response.text());
    assert.match(feed.title ?? '', /^Building control: updates from Demo Municipality$/, format);
    const item = feed.items.find((i) => i.title === 'Winter gritting starts on Monday');
    assert.ok(item, `${format}: the news item`);
    assert.equal(new URL(item.link!).pathname, `/updates/news/${news}`);
    assert.ok(item.isoDate && Math.abs(Date.parse(item.isoDate) - Date.now()) < 10 * 60_000, `${format}: its date`);
    const status = feed.items.find((i) => i.title === `Report ${reportId} (Street light not working): being looked at`);
    assert.ok(status, `${format}: the report's status change (${feed.items.map((i) => i.title).join(' | ')})`);
    assert.match(`${status.contentSnippet ?? ''}${status.summary ?? ''}${status.content ?? ''}`, /A crew will replace the lamp this week\./);
    assert.equal(new URL(status.link!).pathname, `/reports/${reportId}`);
  }
  // The problem-report service's feed has every category's reports; another department's has none of them.
  const service = await parser.parseString(await (await fetch(`${base}/updates/service/problem-report/rss.xml`)).text());
  assert.ok(service.items.some((i) => i.title?.startsWith(`Report ${reportId} `)));
  const licensing = await parser.parseString(await (await fetch(`${base}/updates/department/licensing/atom.xml`)).text());
  assert.ok(!licensing.items.some((i) => i.title?.startsWith(`Report ${reportId} `)));
  assert.equal((await fetch(`${base}/updates/department/no-such-department/atom.xml`)).status, 404);
  assert.equal((await fetch(`${base}/updates/planet/building-control`)).status, 404);
});

async function newPage(javaScript: boolean): Promise<Page> {
  const context = await demo.newContext({ javaScriptEnabled: javaScript, bypassCSP: true, axe: javaScript });
  return context.newPage();
}

/** Subscribe, confirm from the e-mail and unsubscribe from the GET page's button; `check` runs on every page reached. */
async function subscribeAndLeave(page: Page, address: string, check: (what: string) => Promise<void>): Promise<void> {
  await page.goto(`${base}/updates`);
  await check('news and updates');
  await followLink(page, page.getByRole('link', { name: 'Building control' }).first());
  await check('a department\'s updates');
  await followLink(page, page.getByRole('link', { name: 'Get e-mails about Building control' }));
  await check('subscribe');
  await page.getByRole('button', { name: 'Subscribe' }).click();
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter your e-mail address/);
  await check('subscribe with an error');
  await page.getByLabel('Get e-mails about Building control').fill(address);
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await check('check your e-mail');
  const mail = await mailTo(address, /Confirm your e-mail/);
  await page.goto(`${base}${pathIn(mail, 'confirm')}`);
  await check('confirm the subscription');
  await page.getByRole('button', { name: 'Confirm subscription' }).click();
  await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
  await check('subscribed');
  await page.goto(`${base}${pathIn(mail, 'unsubscribe')}`);
  await check('unsubscribe');
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
  await check('unsubscribed');
}

/** A manager publishes through the staff page; returns the news page's path. */
async function publishInBrowser(page: Page, title: string, check: (what: string) => Promise<void>): Promise<string> {
  // Mia's session from the sign-in above (the browser sign-in itself is tested with the staff pages).
  const at = staff.indexOf('=');
  await page.context().addCookies([{ name: staff.slice(0, at), value: staff.slice(at + 1), url: base }]);
  await page.goto(`${base}/staff/updates`);
  await check('staff: news and updates');
  await page.getByRole('button', { name: 'Publish' }).click();
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Choose what the news is about[\s\S]*Enter the title/);
  await check('staff: news and updates with errors');
  await page.getByLabel('What is it about?').selectOption('department:building-control');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Summary').fill('Bins are emptied a day later during the holidays.');
  await page.getByLabel('The news').fill('From 24 December.\n\nNormal days again from 2 January.');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published.').waitFor();
  await check('staff: published');
  await followLink(page, page.getByRole('link', { name: 'See it as citizens do' }));
  await check('a news item');
  return new URL(page.url()).pathname;
}

it('in Chromium with JavaScript off: a visitor subscribes, confirms and unsubscribes; a manager publishes; the news page shares well', async () => {
  const page = await newPage(false);
  await subscribeAndLeave(page, 'no-script@example.test', async () => {});
  const path = await publishInBrowser(page, 'Bin collections move by a day', async () => {});
  assert.match(await page.locator('main').innerText(), /Bin collections move by a day[\s\S]*From 24 December\.[\s\S]*Normal days again/);
  const meta = async (selector: string): Promise<string | null> => page.locator(selector).getAttribute('content');
  assert.equal(await meta('meta[property="og:title"]'), 'Bin collections move by a day');
  assert.equal(await meta('meta[property="og:type"]'), 'article');
  assert.equal(await meta('meta[property="og:description"]'), 'Bins are emptied a day later during the holidays.');
  assert.equal(new URL((await meta('meta[property="og:url"]'))!).pathname, path);
  assert.equal(await meta('meta[name="twitter:card"]'), 'summary');
  assert.equal(await meta('meta[name="twitter:title"]'), 'Bin collections move by a day');
  assert.equal(await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href'), `${TOPIC}/atom.xml`);
  await page.context().close();
});

it('every new page passes axe-core (WCAG 2.2 A/AA) and html-validate', async () => {
  const page = await newPage(true);
  // The pages shown in docs/engagement.md.
  const shots: Record<string, string> = { 'a department\'s updates': 'updates-department.png', subscribe: 'updates-subscribe.png', 'staff: news and updates': 'updates-staff.png', 'a news item': 'updates-news.png' };
  const check = async (what: string): Promise<void> => {
    await auditPage(page, what);
    if (shots[what]) await page.screenshot({ path: path.join(SCREENSHOTS, shots[what]), fullPage: true });
  };
  await subscribeAndLeave(page, 'audited@example.test', check);
  await publishInBrowser(page, 'Library opening hours', check);
  await page.context().close();
});
