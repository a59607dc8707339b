/**
 * Issue 20, acceptance 4: the managers' process-intelligence page of a service shows the mining module's figures on
 * the same events (each figure read from the page and compared), passes axe and html-validate in Chromium, and a
 * case planted with a repeated step (a step redone after the case closed, three days later) is listed as
 * non-conformant only once the daily conformance check has run for the next day.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../../src/catalogue/index.js';
import { analyzeLog, readEventLogFromDatabase } from '../../src/mining/index.js';
import { runConformanceChecks } from '../../src/workbench/index.js';
import { withDemoBrowser } from '../support/demo-browser.js';
import { eventually } from '../support/eventually.js';
import { auditPage } from '../support/page-audit.js';
import { signInStaff, signInStaffInBrowser } from '../support/sign-in.js';

const DAY_MS = 86_400_000;
// services/sensor-alarm/service.json: "sla": { "case": "P2D" }.
const SLA_SECONDS = 2 * 86_400;

/** The `data-value` of each `data-figure` on the page. */
const figuresOf = (page: string): Map<string, string> => new Map([...page.matchAll(/data-figure="([^"]+)" data-value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
/** The `data-value`s of a table row, by its `data-row` key. */
const rowValues = (page: string, key: string): number[] => {
  const at = page.indexOf(`data-row="${key.replace(/'/g, '&#39;')}"`);
  if (at < 0) return [];
  const row = page.slice(at, page.indexOf('</tr>', at));
  return [...row.matchAll(/data-value="([^"]*)"/g)].map((m) => Number(m[1]));
};

describe('process intelligence in the workbench', () => {
  const demo = withDemoBrowser('intelligence');

  it('shows the mining module\'s figures, passes axe and html-validate, and lists a planted deviation the next day', async () => {
    const { base, govflow: { engine, db } } = demo;
    const ids: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const started = await engine.startInstance('sensor-alarm', { businessKey: `SA-TEST-${i}`, variables: { alarmKey: `bin-${i}|full`, department: 'building-control', summary: `Bin ${i} is full` } });
      ids.push(started.id);
    }
    // Three cases are attended (finished); the fourth is still open.
    for (const id of ids.slice(0, 3)) {
      const [task] = await engine.listTasks({ instanceId: id, state: 'created' });
      await engine.completeTask(task!.id, { actor: 'staff:bob', variables: { outcome: 'collected' } });
    }
    for (const id of ids.slice(0, 3)) await eventually(`case ${id} to finish`, async () => (await engine.getInstance(id)).state === 'completed');

    // Today's check (the worker loop may have made it already, before any case finished).
    const today = new Date();
    const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const services = catalogue.services.filter((s) => s.id === 'sensor-alarm');
    await runConformanceChecks({ db, engine, services, now: today });

    // The planted deviation: case 2's step redone three days after the case closed (a repeat the model does not allow).
    const planted = ids[1]!;
    const { rows: [attend] } = await db.query<{ element_instance: string; data: unknown }>(
      `select element_instance, data from event_log where instance_id = $1 and type = 'element.activated' and element_id = 'attend'`, [planted]);
    const later = new Date(today.getTime() + 3 * DAY_MS);
    for (const type of ['element.activated', 'element.completed']) {
      await db.query(`insert into event_log (instance_id, seq, type, element_id, element_instance, actor, occurred_at, data)
        select $1, coalesce(max(seq), 0) + 1, $2, 'attend', $3, 'staff:bob', $4, $5::jsonb from event_log where instance_id = $1`,
      [planted, type, `${attend!.element_instance}-again`, later, JSON.stringify(attend!.data)]);
    }

    const ada = await signInStaff(base, 'ada');
    const read = async (): Promise<string> => {
      const response = await fetch(`${base}/staff/intelligence/sensor-alarm`, { headers: { cookie: ada } });
      assert.equal(response.status, 200);
      return response.text();
    };
    const sameDay = await read();
    assert.equal(figuresOf(sameDay).get('conformance-day'), today.toISOString().slice(0, 10));
    assert.ok(!sameDay.includes(`data-deviating="${planted}"`), 'the deviation is not listed before the next day\'s check');

    // The next day's check runs (the engine clock a day on) and lists the planted case, and only it.
    const made = await runConformanceChecks({ db, engine, services, now: new Date(today.getTime() + DAY_MS) });
    assert.equal(made.length, 1);
    const nextDay = await read();
    const figures = figuresOf(nextDay);
    assert.equal(figures.get('conformance-day'), new Date(today.getTime() + DAY_MS).toISOString().slice(0, 10));
    assert.deepEqual([...nextDay.matchAll(/data-deviating="(\d+)"/g)].map((m) => Number(m[1])), [planted]);
    assert.equal(figures.get('conformance-cases'), '3', 'the three finished cases are checked, not the open one');
    assert.equal(figures.get('conformance-deviating'), '1');
    assert.ok(Number(figures.get('conformance-fitness')) < 1);

    // The page's figures are the mining module's on the same events.
    const mined = analyzeLog(await readEventLogFromDatabase(db, { processKey: 'sensor-alarm' }), { slaSeconds: SLA_SECONDS });
    assert.equal(mined.cases, 4);
    for (const [key, value] of [['cases', mined.cases], ['events', mined.events], ['activities', mined.activities], ['variants', mined.variants],
      ['duration-median', mined.caseDuration.medianSeconds], ['duration-p90', mined.caseDuration.p90Seconds], ['rework-cases', mined.rework.cases],
      ['sla-checked', mined.sla?.casesChecked], ['sla-breached', mined.sla?.breached]] as const) {
      assert.equal(Number(figures.get(key)), value, `figure ${key}`);
    }
    assert.equal(mined.rework.cases, 1, 'the planted repeat is rework');
    assert.equal(mined.sla?.breached, 1, 'the planted case took three days against an SLA of two');
    assert.ok(mined.dfg.length > 0);
    for (const e of mined.dfg) assert.deepEqual(rowValues(nextDay, `dfg:${e.from}→${e.to}`), [e.count, e.meanSeconds], `edge ${e.from} → ${e.to}`);
    for (const b of mined.bottlenecks) assert.deepEqual(rowValues(nextDay, `bottleneck:${b.from}→${b.to}`), [b.count, b.totalSeconds], `bottleneck ${b.from} → ${b.to}`);
    for (const v of mined.topVariants) assert.deepEqual(rowValues(nextDay, `variant:${v.activities.join('→')}`), [v.count], `variant ${v.activities.join(' → ')}`);
    for (const a of mined.activityStats.filter((x) => x.reworkCases > 0)) assert.deepEqual(rowValues(nextDay, `rework:${a.activity}`), [a.reworkCases]);

    // Caseworkers are refused; the page and its map pass in Chromium for an administrator.
    const bob = await signInStaff(base, 'bob');
    assert.equal((await fetch(`${base}/staff/intelligence/sensor-alarm`, { headers: { cookie: bob } })).status, 403);
    const context = await demo.newContext({ viewport: { width: 1280, height: 900 }, axe: true });
    const page = await context.newPage();
    await signInStaffInBrowser(page, base, 'ada');
    await page.goto(`${base}/staff/intelligence`);
    await auditPage(page, 'the process-intelligence list');
    await page.getByRole('link', { name: services[0]!.title }).click();
    await page.waitForURL(/\/staff\/intelligence\/sensor-alarm$/);
    assert.ok(await page.locator('img.govflow-process-map').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0), 'the process map is drawn');
    await auditPage(page, 'the process-intelligence page');
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      const { scroll, inner } = await page.evaluate(() => {
        const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
        return { scroll: w.document.documentElement.scrollWidth, inner: w.innerWidth };
      });
      assert.ok(scroll <= inner, `the page at ${width} px scrolls sideways (${scroll} > ${inner})`);
    }
    await context.close();
  });
});
