/**
 * Issue 23, acceptance 3: every citizen and staff page — the list comes from the routes the server registers, not
 * from this file, so a new page is swept the day it lands — at 320, 375 and 1280 px wide in Chromium has no
 * horizontal scroll (`scrollWidth` ≤ the viewport), passes axe-core (WCAG 2.0–2.2 A/AA) and html-validate.
 * Each page is visited as the first of a citizen, a caseworker, a manager and an administrator who gets it as an
 * HTML page (200); the API, downloads, feeds and assets are not pages. PGlite only: layout does not depend on the
 * database. One browser, one tab per role, each page loaded once and resized; a few screenshots go to docs/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { markupValidator, SCREENSHOTS, WCAG_TAGS } from '../support/page-audit.js';
import { fillRoutes, routeSample, seedAlexPermitCase } from '../support/seeded-case.js';
import { signInCitizen, signInStaff } from '../support/sign-in.js';

const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const WIDTHS = [320, 375, 1280] as const;
/** Pages shown in docs/screenshots (small PNGs), by path pattern and width. */
const SHOTS: readonly { readonly match: RegExp; readonly width: number; readonly name: string }[] = [
  { match: /^\/applications\/[A-Z]+-/, width: 320, name: 'sweep-320-application-status.png' },
  { match: /^\/applications$/, width: 375, name: 'sweep-375-my-applications.png' },
  { match: /^\/my-data$/, width: 375, name: 'sweep-375-my-data.png' },
  { match: /^\/staff\/cases\/\d+$/, width: 1280, name: 'sweep-1280-staff-case.png' },
];

/**
 * Overflows found by this sweep and not fixed yet (issue 23): none now. The tables, tags and long codes that
 * overflowed on twelve pages fit since src/web/site-css.ts, and the editors' panels since src/admin/assets/admin.css.
 * Listed exactly, as "path at width": a new overflow fails the test, and so does a fixed one still listed here.
 */
const KNOWN_OVERFLOWS = new Set<string>([
]);

/** Not pages a person reads: the API, files, feeds, assets, downloads. */
const NOT_A_PAGE = /^\/(api|assets|open311|\.well-known)\b|\.(pdf|json|csv|xml|atom|rss|txt|ico|png|svg|css|js|webmanifest)$|\/(download|photo|feed|metrics|healthz|readyz)\b|^\/(metrics|health)/;

let govflow: Govflow;
let running: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let dataDir: string;
const data: Record<string, string> = {};
const cookies: Record<string, string> = {};

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-sweep-'));
  process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
  process.env['GOVFLOW_REGISTRY'] = 'off';
  govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
  running = await startServer(govflow, { background: false, rateLimits: 'off' });
  Object.assign(data, await seedAlexPermitCase(govflow, { siteAddress: '1 Demo Street, a long address that has to wrap on a narrow screen', workDescription: 'A new kitchen at the back of the house, with a flat green roof and a skylight.' }, 'site-plan-of-the-extension-at-the-back-of-the-house-version-2.pdf'));
  cookies['citizen'] = await signInCitizen(running.url, 'alex');
  for (const staff of ['pat', 'mia', 'ada']) cookies[staff] = await signInStaff(running.url, staff);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
  await running?.stop();
  await govflow?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function tabFor(cookie: string | undefined): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  await context.addInitScript({ content: axe.source });
  if (cookie) {
    await context.addCookies(cookie.split(/;\s*/).filter(Boolean).map((pair) => {
      const at = pair.indexOf('=');
      return { name: pair.slice(0, at), value: pair.slice(at + 1), url: running.url };
    }));
  }
  return { context, page: await context.newPage() };
}

it('every citizen and staff page fits 320, 375 and 1280 px, and passes axe-core and html-validate', async () => {
  const gets = [...new Set(running.routes.filter((r) => (Array.isArray(r.method) ? r.method : [r.method]).includes('GET')).map((r) => r.url))]
    .filter((u) => !u.includes('*') && !NOT_A_PAGE.test(u)).sort();
  const { urls, unfilled } = fillRoutes(gets, (segment, param, before) => routeSample(before, segment, param, data));
  assert.deepEqual(unfilled, [], 'route parameters without a sample value: add one to routeSample in test/support/seeded-case.ts');

  // Who gets each page: the first role for whom it is an HTML page; a page nobody gets (a sample that does not
  // exist) is still swept as the 404 page it shows, under the citizen.
  const roles = ['nobody', 'citizen', 'pat', 'mia', 'ada'] as const;
  const pages: { url: string; role: (typeof roles)[number]; html: string }[] = [];
  for (const url of urls) {
    let chosen: { role: (typeof roles)[number]; html: string } | undefined;
    let fallback: { role: (typeof roles)[number]; html: string } | undefined;
    for (const role of roles) {
      const response = await fetch(`${running.url}${url}`, { headers: cookies[role] ? { cookie: cookies[role] } : {}, redirect: 'manual' });
      const text = await response.text();
      if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) continue;
      if (response.status === 200) { chosen = { role, html: text }; break; }
      if (response.status === 404 && !fallback) fallback = { role, html: text };
    }
    const pick = chosen ?? fallback;
    if (pick) pages.push({ url, ...pick });
  }
  const paths = pages.map((p) => p.url);
  for (const needed of ['/', '/applications', '/my-data', '/staff', '/admin']) assert.ok(paths.some((p) => p === needed || p.startsWith(`${needed}/`)), `${needed} is swept: ${paths.join(' ')}`);
  assert.ok(pages.length >= 25, `${pages.length} pages swept`);

  const tabs = new Map<string, { context: BrowserContext; page: Page }>();
  const problems: string[] = [];
  for (const { url, role, html } of pages) {
    let tab = tabs.get(role);
    if (!tab) { tab = await tabFor(cookies[role]); tabs.set(role, tab); }
    const { page } = tab;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${running.url}${url}`, { waitUntil: 'load' });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const { scroll, inner, wide } = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number }; querySelectorAll: (s: string) => ArrayLike<{ getBoundingClientRect(): { right: number }; tagName: string; id: string; className: string }> } }).document;
        const w = (globalThis as unknown as { innerWidth: number }).innerWidth;
        // The widest elements that stick out, to say what to fix.
        const out = Array.from(d.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > w + 0.5)
          .slice(-3).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${typeof e.className === 'string' && e.className ? `.${e.className.split(' ')[0]}` : ''}`);
        return { scroll: d.documentElement.scrollWidth, inner: w, wide: out };
      });
      const known = `${url.replace(/^\/staff\/cases\/\d+$/, '/staff/cases/:id')} at ${width}`;
      if (scroll > inner && !KNOWN_OVERFLOWS.delete(known)) problems.push(`${url} (${role}) at ${width} px: scrollWidth ${scroll} > ${inner} (${wide.join(', ')})`);
      else if (scroll <= inner && KNOWN_OVERFLOWS.has(known)) problems.push(`${known} fits now: remove it from KNOWN_OVERFLOWS`);
      const shot = SHOTS.find((s) => s.width === width && s.match.test(url));
      if (shot) await page.screenshot({ path: path.join(SCREENSHOTS, shot.name), fullPage: false, scale: 'css' });
      if (width === 375) {
        const violations = await page.evaluate(async (tags) => {
          const result = await (globalThis as unknown as { axe: typeof axe }).axe.run((globalThis as unknown as { document: never }).document, { runOnly: { type: 'tag', values: tags } });
          return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ').slice(0, 200)}`);
        }, WCAG_TAGS);
        for (const v of violations) problems.push(`${url} (${role}) axe ${v}`);
      }
    }
    const report = await markupValidator.validateString(html);
    for (const m of report.results.flatMap((r) => r.messages)) problems.push(`${url} (${role}) html-validate ${m.ruleId}: ${m.message}`);
  }
  for (const { context } of tabs.values()) await context.close();
  assert.deepEqual(problems, [], `${pages.length} pages swept`);
  assert.deepEqual([...KNOWN_OVERFLOWS], [], 'known overflows on pages no longer swept: remove them');
});
