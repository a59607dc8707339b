// Acceptance 5: the HTML report of receipt.xes opens in Chromium without console errors, draws the process map,
// and its bottleneck table lists the top waiting-time transitions (ranked from PM4Py's DFG figures).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { analyzeLog, caseDurations, readXesFile, renderHtmlReport } from '../../src/mining/index.js';
import { SHARED_DATA_DIR, skipWithoutSharedData } from '../support/shared-data.js';

const shared = `${SHARED_DATA_DIR}/`;
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const skip = skipWithoutSharedData('event-logs/receipt.xes', 'expected/pm4py/receipt.json') || (!chromiumPath ? 'no Chromium installed' : false);

describe('HTML report in Chromium', { skip }, () => {
  it('receipt.xes: no console errors, map drawn, bottlenecks listed', async () => {
    const log = await readXesFile(`${shared}event-logs/receipt.xes`);
    const summary = analyzeLog(log);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'report-')), 'receipt.html');
    writeFileSync(file, renderHtmlReport({ title: 'receipt.xes', summary, caseDurationsSeconds: [...caseDurations(log)] }));
    const expected = JSON.parse(readFileSync(`${shared}expected/pm4py/receipt.json`, 'utf8')) as { dfg: { from: string; to: string; count: number; meanSeconds: number }[] };
    const top = [...expected.dfg].sort((a, b) => b.count * b.meanSeconds - a.count * a.meanSeconds).slice(0, 5);

    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${file}`);
      const map = page.locator('#process-map');
      const box = await map.boundingBox();
      assert.ok(box && box.width > 400 && box.height > 400, 'the map has a size');
      const shot = await map.screenshot();
      assert.ok(shot.length > 20_000, 'the screenshot has content');
      // Every activity is drawn, and the busiest edges are visible.
      assert.equal(await page.locator('#process-map .node').count(), summary.activities + 2);
      const visibleEdges = await page.locator('#process-map .edge:visible').count();
      assert.ok(visibleEdges > 20, `${visibleEdges} edges visible`);
      // The slider hides rare paths.
      await page.locator('#threshold').fill('500');
      const afterSlider = await page.locator('#process-map .edge:visible').count();
      assert.ok(afterSlider < visibleEdges && afterSlider > 0, `${afterSlider} edges after the slider`);
      const rows = await page.locator('#bottlenecks tbody tr td:nth-child(2)').allTextContents();
      assert.deepEqual(rows.slice(0, 5), top.map((e) => `${e.from} → ${e.to}`));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
