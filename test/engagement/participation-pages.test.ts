// Proposals, debates and moderation in Chromium (issue 18, acceptances 2, 3, 4, 7). With JavaScript off: a citizen
// picks a public name, writes a proposal and comments whose every text field holds the hostile corpus, reports it;
// a second citizen's support reaches the threshold (2 here) and starts the answer case, which the department answers
// in the workbench; an official reply is marked as such; a manager hides the reported proposal with a reason and
// restores it, both on the event log. Then, with script ON (where injected markup could run), every page is loaded
// and checked inert — no dialog, window.__xss never set, no element or attribute the corpus tried to inject, every
// link http(s), mailto or local — and passes axe-core (WCAG 2.2 A/AA) and html-validate.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { withDemoBrowser } from '../support/demo-browser.js';
import { auditPage, SCREENSHOTS } from '../support/page-audit.js';
import { signInCitizenInBrowser, signInStaffInBrowser } from '../support/sign-in.js';
import { XSS_CORPUS, XSS_TEXT, XSS_TITLES } from './xss-corpus.js';

const demo = withDemoBrowser('participation', { env: () => ({ GOVFLOW_PROPOSAL_THRESHOLD: '2' }) });
const saved: Record<string, string> = {};

/** A signed-in page; with script on, axe is injected and the CSP bypassed, so only our escaping stands in the way. */
async function pageOf(who: { citizen?: string; staff?: string }, javaScript: boolean): Promise<Page> {
  const context = await demo.newContext({ javaScriptEnabled: javaScript, bypassCSP: true, axe: javaScript });
  const page = await context.newPage();
  if (who.citizen) await signInCitizenInBrowser(page, demo.base, who.citizen);
  if (who.staff) await signInStaffInBrowser(page, demo.base, who.staff);
  return page;
}
const url = (p: string): string => `${demo.base}${p}`;
const main = async (page: Page): Promise<string> => page.locator('main').innerText();
// Reasons fit their fields (1000 characters for an abuse report, 4000 for an answer): as much of the corpus as fits.
const fitting = (max: number): string => {
  let out = '';
  for (const item of XSS_CORPUS) if (out.length + item.length + 2 <= max) out += `${item}\n\n`;
  return out.trim();
};

it('with JavaScript off: propose, support to the threshold, answer in the workbench, discuss, report, moderate', async () => {
  const alex = await pageOf({ citizen: 'alex' }, false);
  // The public name: markup is refused, naming the field; a plain name is kept.
  await alex.goto(url('/participation/name'));
  await alex.getByLabel('Public name').fill('<b>Alex</b>');
  await alex.getByRole('button', { name: 'Save' }).click();
  assert.match(await alex.locator('.govuk-error-summary').innerText(), /Public name must be 2 to 40 letters/);
  await alex.getByLabel('Public name').fill('Alex of Mill Lane');
  await alex.getByRole('button', { name: 'Save' }).click();

  await alex.goto(url('/proposals/new'));
  await alex.getByRole('button', { name: 'Publish the proposal' }).click();
  assert.match(await alex.locator('.govuk-error-summary').innerText(), /Select the topic of your proposal[\s\S]*Enter a title[\s\S]*Enter your proposal/);
  await alex.getByLabel('Streets, parks and transport').check();
  await alex.getByLabel('Title').fill(XSS_TITLES[0]!);
  await alex.getByLabel('Your proposal').fill(XSS_TEXT);
  await alex.getByRole('button', { name: 'Publish the proposal' }).click();
  await alex.waitForURL(/\/proposals\/\d+$/);
  const id = /\/proposals\/(\d+)$/.exec(alex.url())![1]!;
  saved['proposal'] = id;
  assert.equal(await alex.locator('h1').innerText(), XSS_TITLES[0], 'the title is shown as the text typed');
  assert.match(await main(alex), /Collecting supports[\s\S]*Proposed by Alex of Mill Lane[\s\S]*0 of 2 supports/);
  assert.doesNotMatch(await main(alex), /Alex Demo/, 'the real name is never shown');
  await alex.getByRole('button', { name: 'Support this proposal' }).click();
  assert.match(await main(alex), /1 of 2 supports[\s\S]*You support this proposal/);
  // Supporting again (a replayed form) counts nothing.
  const again = await alex.request.post(url(`/proposals/${id}/support`), { form: { csrf: await alex.locator('input[name="csrf"]').first().inputValue() }, maxRedirects: 0 });
  assert.equal(again.status(), 303);
  await alex.getByLabel('Add a comment').fill(XSS_TEXT);
  await alex.getByRole('button', { name: 'Post comment' }).last().click();
  assert.match(await main(alex), /Discussion \(1\)/);
  const commentId = (await alex.locator('article[id^="comment-"]').first().getAttribute('id'))!.replace('comment-', '');
  saved['comment'] = commentId;
  await alex.goto(url(`/report-abuse/proposal/${id}`));
  await alex.getByLabel('What is wrong with it?').fill(fitting(1000));
  await alex.getByRole('button', { name: 'Send the report' }).click();
  assert.match(await main(alex), /Thank you for your report/);

  // Sam's support is the second: the answer case starts, due by the SLA.
  const sam = await pageOf({ citizen: 'sam' }, false);
  await sam.goto(url(`/proposals/${id}`));
  assert.match(await main(sam), /Proposed by Resident|Proposed by Alex of Mill Lane/);
  await sam.getByRole('button', { name: 'Support this proposal' }).click();
  assert.match(await main(sam), /Waiting for the official answer[\s\S]*2 of 2 supports[\s\S]*must answer by \d{4}-\d{2}-\d{2}/);
  await sam.getByText('Reply to Alex of Mill Lane').click();
  await sam.getByLabel('Your reply').fill(XSS_CORPUS.slice(0, 12).join('\n'));
  await sam.getByRole('button', { name: 'Post comment' }).first().click();
  assert.match(await main(sam), /Discussion \(2\)/);
  assert.equal(await sam.locator(`#comment-${commentId} article`).count(), 1, 'the reply is threaded under the comment');
  // A topic debate with hostile title and body.
  await sam.goto(url('/debates/new'));
  await sam.getByLabel('Planning and housing').check();
  await sam.getByLabel('Title').fill(XSS_TITLES[1]!);
  await sam.getByLabel('What do you want to discuss?').fill(XSS_TEXT);
  await sam.getByRole('button', { name: 'Start the debate' }).click();
  await sam.waitForURL(/\/debates\/\d+$/);
  saved['debate'] = /\/debates\/(\d+)$/.exec(sam.url())![1]!;
  await sam.getByLabel('Add a comment').fill(XSS_CORPUS.slice(12, 30).join('\n'));
  await sam.getByRole('button', { name: 'Post comment' }).click();
  await sam.goto(url('/debates?topic=planning'));
  assert.match(await main(sam), new RegExp(`${XSS_TITLES[1]!.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*1 comment`));

  // Bob (building control: the streets topic's department) answers in the workbench, and replies officially.
  const [instance] = await demo.govflow.engine.listInstances({ businessKey: `PP-${id}` });
  assert.ok(instance, 'the second support started the answer case');
  const bob = await pageOf({ staff: 'bob' }, false);
  await bob.goto(url(`/staff/cases/${instance.id}`));
  await bob.getByRole('button', { name: 'Assign to me' }).click();
  await bob.getByLabel('Evaluating: we are studying it and will give a final answer').check();
  await bob.getByLabel('Reasons (published with the answer)').fill(`We are counting cars first.\n\n${fitting(3900)}`);
  await bob.getByRole('button', { name: 'Complete task' }).click();
  await bob.goto(url(`/proposals/${id}`));
  assert.match(await main(bob), /Being evaluated on [\s\S]*We are counting cars first\.[\s\S]*must give its final answer by/);
  await bob.getByLabel('Add a comment').fill('The survey starts on **Monday**.');
  await bob.getByRole('button', { name: 'Post official reply' }).last().click();
  assert.match(await main(bob), /Bob Builder\s*Official reply\s*building-control[\s\S]*The survey starts on Monday\./);
  assert.equal(await bob.locator('article strong', { hasText: 'Monday' }).count(), 1, 'the Markdown of the reply is rendered');

  // Mia (a manager) hides the reported proposal with a reason, then restores it; both are on the event log.
  const mia = await pageOf({ staff: 'mia' }, false);
  await mia.goto(url('/staff/moderation'));
  assert.match(await main(mia), /Reported \(1\)[\s\S]*proposal [\d]+, reported 1 time/);
  await mia.getByRole('button', { name: `Hide proposal ${id}` }).click();
  assert.match(await mia.locator('.govuk-error-summary').innerText(), /Enter the reason/);
  await mia.getByLabel('Reason for hiding (shown publicly in its place)').fill('It repeats another proposal word for word.');
  await mia.getByRole('button', { name: `Hide proposal ${id}` }).click();
  assert.match(await main(mia), /Reported \(0\)[\s\S]*Hidden \(1\)[\s\S]*It repeats another proposal/);
  await sam.goto(url(`/proposals/${id}`));
  assert.match(await main(sam), /Hidden proposal[\s\S]*A moderator hid this proposal on [\s\S]*It repeats another proposal word for word\./);
  assert.doesNotMatch(await main(sam), /Support this proposal/);
  await mia.getByLabel('Reason for restoring').fill('The other proposal was withdrawn.');
  await mia.getByRole('button', { name: `Restore proposal ${id}` }).click();
  await sam.goto(url(`/proposals/${id}`));
  assert.equal(await sam.locator('h1').innerText(), XSS_TITLES[0]);
  const { rows } = await demo.govflow.db.query<{ type: string; actor: string; reason: string }>(
    "select type, actor, data ->> 'reason' as reason from event_log where type like 'engagement.moderation.%' order by id");
  assert.deepEqual(rows, [
    { type: 'engagement.moderation.hidden', actor: 'staff:mia', reason: 'It repeats another proposal word for word.' },
    { type: 'engagement.moderation.restored', actor: 'staff:mia', reason: 'The other proposal was withdrawn.' },
  ]);
  // Bob is not a moderator.
  const refused = await bob.request.get(url('/staff/moderation'), { maxRedirects: 0 });
  assert.equal(refused.status(), 403);
  for (const p of [alex, sam, bob, mia]) await p.context().close();
});

/** Nothing the corpus tried to inject exists or ran on this page (script is on here). */
async function assertInert(page: Page, dialogs: string[], what: string): Promise<void> {
  const found = await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { querySelectorAll(s: string): ArrayLike<{ tagName: string; getAttributeNames(): string[]; getAttribute(n: string): string | null }> } | null } }).document;
    const root = doc.querySelector('main');
    const bad: string[] = [];
    for (const el of Array.from(root?.querySelectorAll('*') ?? [])) {
      const tag = el.tagName.toLowerCase();
      if (['script', 'iframe', 'svg', 'img', 'object', 'embed', 'style', 'math', 'meta', 'base', 'link', 'frame', 'video', 'audio'].includes(tag)) bad.push(`<${tag}>`);
      for (const name of el.getAttributeNames()) {
        if (/^on/i.test(name)) bad.push(`${tag}[${name}]`);
        if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(name) && !/^(https?:|mailto:|\/|#)/i.test(el.getAttribute(name) ?? '')) bad.push(`${tag}[${name}=${el.getAttribute(name) ?? ''}]`);
      }
    }
    return { bad, xss: (globalThis as unknown as { __xss?: unknown }).__xss ?? null };
  });
  assert.deepEqual(found, { bad: [], xss: null }, `injected markup on ${what}`);
  assert.deepEqual(dialogs, [], `a dialog opened on ${what}`);
}

it('with script on: every page is inert under the corpus and passes axe-core and html-validate', async () => {
  const visit = async (page: Page, dialogs: string[], address: string, what: string, screenshot?: string): Promise<void> => {
    await page.goto(url(address));
    await page.locator('details.govuk-details').evaluateAll((all) => all.forEach((d) => ((d as unknown as { open: boolean }).open = true)));
    await assertInert(page, dialogs, what);
    await auditPage(page, what);
    if (screenshot) await page.screenshot({ path: path.join(SCREENSHOTS, screenshot) });
  };
  const kim = await pageOf({ citizen: 'kim' }, true);
  const dialogs: string[] = [];
  kim.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await visit(kim, dialogs, '/proposals', 'the proposals list');
  await visit(kim, dialogs, `/proposals/${saved['proposal']!}`, 'a proposal with its answer and discussion', 'proposal-page.png');
  await visit(kim, dialogs, '/proposals/new', 'the new proposal form');
  await kim.getByRole('button', { name: 'Publish the proposal' }).click();
  await assertInert(kim, dialogs, 'the new proposal form with errors');
  await auditPage(kim, 'the new proposal form with errors');
  await visit(kim, dialogs, '/debates', 'the debates list');
  await visit(kim, dialogs, '/debates?topic=planning', 'a topic\'s debates');
  await visit(kim, dialogs, `/debates/${saved['debate']!}`, 'a debate');
  await visit(kim, dialogs, '/debates/new', 'the new debate form');
  await visit(kim, dialogs, '/participation/name', 'the public name form');
  await visit(kim, dialogs, `/report-abuse/comment/${saved['comment']!}`, 'the abuse report form');
  // A second report, so the moderation page shows a hostile reason.
  await kim.getByLabel('What is wrong with it?').fill(fitting(1000));
  await kim.getByRole('button', { name: 'Send the report' }).click();
  await kim.context().close();

  const mia = await pageOf({ staff: 'mia' }, true);
  const staffDialogs: string[] = [];
  mia.on('dialog', (d) => { staffDialogs.push(d.message()); void d.dismiss(); });
  await visit(mia, staffDialogs, '/staff/moderation', 'the moderation page', 'moderation-page.png');
  assert.match(await main(mia), /comment \d+, reported 1 time/);
  await mia.context().close();
});
