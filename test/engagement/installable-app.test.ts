// The installable web app (issue 18: "an installable web app (manifest, icons) whose status pages stay readable
// offline"), in Chromium against one composed demo server: the manifest as Chromium parses it (no errors, the
// fields, every icon loading with its stated size and type), the service worker registering from a citizen's page,
// the citizen's status page they opened readable with the browser offline (another page offline: the offline page),
// nothing but status pages kept, and nothing kept after signing out. Which addresses count as status pages is
// checked without a browser: staff pages and answers to posts never do.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { isStatusPage } from '../../src/web/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { eventually } from '../support/eventually.js';
import { seedAlexPermitCase } from '../support/seeded-case.js';
import { signInCitizenInBrowser } from '../support/sign-in.js';

let server: DemoServer;
let browser: Browser;
let reference: string;

before(async () => {
  server = await startDemoServer('installable-app');
  reference = (await seedAlexPermitCase(server.govflow))['reference']!;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

it('only the citizen\'s status pages are kept: never staff, admin or other pages', () => {
  for (const kept of ['/applications', '/applications/BP-2026-000123', '/reports/12', '/complaints', '/complaints/3']) assert.ok(isStatusPage(kept), kept);
  for (const never of ['/staff', '/staff/cases/1', '/admin', '/applications/BP-2026-000123/withdraw', '/applications/BP-2026-000123/confirmation', '/reports/12/photo', '/complaints/new', '/sign-in', '/', '/my-data']) {
    assert.equal(isStatusPage(never), false, never);
  }
});

/** Width and height from a PNG's IHDR chunk (after the 8-byte signature and the chunk's length and type). */
const pngSize = (bytes: Buffer): [number, number] => [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];

it('is installable, and a status page the citizen opened stays readable offline until they sign out', async () => {
  const base = server.running.url;
  const context = await browser.newContext();
  const page = await context.newPage();
  // Browser-side code as text: this project's TypeScript has no DOM library.
  const inPage = <T>(expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
  await signInCitizenInBrowser(page, base, 'alex');
  const statusUrl = `${base}/applications/${reference}`;
  await page.goto(statusUrl);
  const online = await page.locator('main').innerText();
  assert.match(online, new RegExp(reference));

  // The manifest as Chromium reads it: no parse errors, the fields, and every icon as stated.
  const cdp = await context.newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest') as { url: string; errors: { message: string }[]; data?: string };
  assert.equal(manifest.url, `${base}/manifest.webmanifest`);
  assert.deepEqual(manifest.errors, []);
  const data = JSON.parse(manifest.data!) as { name: string; short_name: string; start_url: string; display: string; theme_color: string; icons: { src: string; sizes: string; type: string }[] };
  assert.equal(data.display, 'standalone');
  assert.equal(data.start_url, '/applications');
  assert.match(data.theme_color, /^#[0-9a-f]{6}$/);
  assert.ok(data.name.length > 0 && data.short_name.length > 0 && data.short_name.length <= 12);
  assert.deepEqual(data.icons.map((i) => `${i.sizes} ${i.type}`), ['192x192 image/png', '512x512 image/png', 'any image/svg+xml']);
  for (const icon of data.icons) {
    const response = await context.request.get(`${base}${icon.src}`);
    assert.equal(response.status(), 200, icon.src);
    assert.equal(response.headers()['content-type'], icon.type);
    const bytes = await response.body();
    if (icon.type === 'image/png') assert.deepEqual(pngSize(bytes), icon.sizes.split('x').map(Number), icon.src);
    else assert.match(bytes.toString('utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  }
  // The icons decode in the browser too (a broken PNG would not).
  const decoded = await inPage<number[]>(`Promise.all(${JSON.stringify(data.icons.map((i) => i.src))}.map((src) => new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img.naturalWidth);
    img.onerror = () => resolve(0);
    img.src = src;
  })))`);
  assert.deepEqual(decoded.slice(0, 2), [192, 512]);
  assert.ok(decoded[2]! > 0, 'the SVG icon decodes');

  // The worker registers, controls the site and keeps the status page the citizen opened.
  const isKept = (): Promise<boolean> => inPage<boolean>(`caches.match(${JSON.stringify(statusUrl)}).then((r) => r !== undefined)`);
  await eventually('the service worker to keep the status page', isKept, { timeoutMs: 20_000 });
  assert.equal(await inPage<string>('navigator.serviceWorker.getRegistration().then((r) => r.active.scriptURL)'), `${base}/sw.js`);
  const installability = await cdp.send('Page.getInstallabilityErrors') as { installabilityErrors: { errorId: string }[] };
  // Playwright's contexts are off the record ("in-incognito"); nothing else may stand in the way of installing.
  assert.deepEqual(installability.installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), []);

  await context.setOffline(true);
  await page.goto(statusUrl);
  assert.equal(await page.locator('main').innerText(), online, 'the status page reads as it did online');
  await page.goto(`${base}/services/building-permit`);
  assert.match(await page.locator('h1').innerText(), /You are offline/);
  const kept = (await inPage<string[]>(`(async () => {
    const out = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) out.push(new URL(request.url).pathname);
    return out;
  })()`)).sort();
  // The list of applications (where signing in led) may be kept too: it is one of the citizen's status pages.
  assert.ok(kept.includes(`/applications/${reference}`));
  assert.deepEqual(kept.filter((p) => !isStatusPage(p)), ['/assets/govuk-frontend.min.css', '/offline'], 'status pages, the offline page and the stylesheet only');
  await context.setOffline(false);

  // Signing out (the header's button) forgets what was kept.
  await page.goto(statusUrl);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${base}/`);
  assert.equal(await isKept(), false, 'the status page is no longer kept');
  const left = await inPage<number>(`(async () => {
    let n = 0;
    for (const name of await caches.keys()) if (name.startsWith('govflow-status')) n += (await (await caches.open(name)).keys()).length;
    return n;
  })()`);
  assert.equal(left, 0, 'the status cache is empty after signing out');
  await context.close();
});
