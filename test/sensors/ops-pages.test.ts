/**
 * Issue 22, acceptance 4: the staff's sensor operations pages in Chromium (one browser): the asset list and map with
 * state and open cases, an asset's SVG time series with its data table and cases, and the collection route with
 * its distance against the unordered list; axe (WCAG 2.2 A/AA) and html-validate on each, and the same pages used
 * with JavaScript off (following links between them). The readings are stored and the rules run through sensors'
 * public API on the server's own database, as the NGSI-LD edge does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser } from 'playwright-core';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { attachRules, createSensors } from '../../src/sensors/index.js';
import { auditPage } from '../support/page-audit.js';
import { signInStaff } from '../support/sign-in.js';

const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
let govflow: Govflow;
let running: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let dataDir: string;
let cookie: string;

// Four containers on a line east of the depot, listed in an order that zig-zags; two lights, one faulty.
const CONTAINERS: readonly [string, number, number][] = [['c1', 2.170, 0.9], ['c2', 2.200, 0.85], ['c3', 2.180, 0.95], ['c4', 2.190, 0.2]];

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-sensors-pages-'));
  process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
  process.env['GOVFLOW_REGISTRY'] = 'off';
  govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined } });
  running = await startServer(govflow, { background: false, rateLimits: 'off' });
  const sensors = createSensors({ db: govflow.db });
  attachRules(sensors, { engine: govflow.engine });
  await sensors.ingestPayload(CONTAINERS.map(([id, lon, level]) => ({
    id: `urn:ngsi-ld:WasteContainer:${id}`, type: 'WasteContainer', location: { type: 'Point', coordinates: [lon, 41.39] },
    fillingLevel: level, dateObserved: '2026-12-01T07:00:00Z',
  })), 'keyValues', { mode: 'replace' });
  for (let h = 0; h < 6; h++) {
    await sensors.ingestPayload({ id: 'urn:ngsi-ld:Streetlight:l1', type: 'Streetlight', location: { type: 'Point', coordinates: [2.175, 41.392] }, status: h === 5 ? 'defectiveLamp' : 'ok', powerConsumption: 100 + h * 3, dateObserved: `2026-12-01T0${h}:00:00Z` }, 'keyValues', { mode: 'merge' });
  }
  cookie = await signInStaff(running.url, 'pat');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
  await running?.stop();
  await govflow?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const cookiesFor = (url: string) => cookie.split(/;\s*/).filter(Boolean).map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url }));

it('the operations pages pass axe and html-validate', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  await context.addInitScript({ content: axe.source });
  await context.addCookies(cookiesFor(running.url));
  const page = await context.newPage();
  for (const url of ['/staff/sensors', '/staff/sensors?type=WasteContainer', `/staff/sensors/assets/${encodeURIComponent('urn:ngsi-ld:Streetlight:l1')}`, '/staff/sensors/route']) {
    const response = await page.goto(`${running.url}${url}`);
    assert.equal(response?.status(), 200, url);
    await auditPage(page, url);
  }
  await context.close();
});

it('work with JavaScript off: the list shows state and cases, an asset its chart, table and case, the route its distances', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  await context.addCookies(cookiesFor(running.url));
  const page = await context.newPage();
  await page.goto(`${running.url}/staff/sensors`);
  const rows = await page.locator('table:has(caption:text("Assets and their state")) tbody tr').allInnerTexts();
  assert.equal(rows.length, 5);
  assert.ok(rows.some((r) => r.includes('urn:ngsi-ld:WasteContainer:c1') && r.includes('fillingLevel 0.9') && /\t1$/.test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => r.includes('urn:ngsi-ld:WasteContainer:c4') && /\t0$/.test(r)), 'a container under 80 % has no case');
  assert.equal(await page.locator('svg.sensors-map circle[fill="#d4351c"]').count(), 4, 'three full containers and the faulty light are red on the map');

  await page.getByRole('link', { name: 'urn:ngsi-ld:Streetlight:l1' }).first().click();
  assert.match(page.url(), /\/staff\/sensors\/assets\/urn%3Angsi-ld%3AStreetlight%3Al1$/);
  assert.equal(await page.locator('svg.sensors-chart polyline').count(), 1);
  const readings = await page.locator('table:has(caption:text("The readings in the chart")) tbody tr').allInnerTexts();
  assert.deepEqual(readings.map((r) => r.split('\t')[1]), ['100', '103', '106', '109', '112', '115']);
  const cases = await page.locator('table:has(caption:text("Cases opened by the sensor rules")) tbody tr').allInnerTexts();
  assert.equal(cases.length, 1);
  assert.match(cases[0]!, /light-fault.*open/);
  assert.ok(await page.getByRole('link', { name: 'light-fault' }).getAttribute('href').then((h) => /^\/staff\/cases\/\d+$/.test(h ?? '')), 'the case links to the workbench');

  await page.goto(`${running.url}/staff/sensors`);
  await page.getByRole('link', { name: "Today's collection route" }).click();
  const stops = await page.locator('table:has(caption:text("Stops in order")) tbody tr').allInnerTexts();
  assert.deepEqual(stops.map((s) => s.split('\t')[1]), ['urn:ngsi-ld:WasteContainer:c1', 'urn:ngsi-ld:WasteContainer:c3', 'urn:ngsi-ld:WasteContainer:c2'], 'west to east from the depot');
  const distances = await page.locator('dl.govuk-summary-list dd').allInnerTexts();
  const [ordered, unordered] = distances.map((d) => Number.parseFloat(d));
  assert.ok(ordered! < unordered!, `the route (${ordered} km) is shorter than the list order (${unordered} km)`);
  await context.close();
});
