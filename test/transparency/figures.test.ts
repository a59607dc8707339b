// Issue 17 acceptance 3: the published figures against an independent computation from the raw events, the
// projector rebuilt from zero gives the same table, suppression holds, and the projector applies each event once.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { openDatabase, projectPending, projectorPosition, rebuildProjector, type Database } from '../../src/store/index.js';
import { COUNT_MEASURES, createTransparencyProjector, departmentSlug, readFigures, TRANSPARENCY_PROJECTOR, type CountMeasure, type Figures, type PublishedService } from '../../src/transparency/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { DAY, driveServices, publishedOf } from './support.js';

interface RawEvent { instance_id: string | null; type: string; occurred_at: Date | string; data: Record<string, unknown>; process_key: string | null }

/** Written from the events alone, without the projector's code: per case, its service, dates and outcome. */
function expectedCases(events: readonly RawEvent[], services: readonly PublishedService[]) {
  const cases = new Map<string, { service: PublishedService; received: number; decided?: number; outcome?: string; withdrawn?: number; ended?: number; human: boolean }>();
  for (const e of events) {
    if (e.instance_id === null) continue;
    const at = new Date(e.occurred_at).getTime();
    const c = cases.get(e.instance_id);
    if (e.type === 'process.started') {
      const service = services.find((s) => s.processKey === e.process_key);
      if (service) cases.set(e.instance_id, { service, received: at, human: false });
    } else if (!c) continue;
    else if (e.type === 'task.created') c.human = true;
    else if (e.type === 'decision.issued' && c.decided === undefined) { c.decided = at; c.outcome = String(e.data['outcome']); }
    else if ((e.type === 'process.completed' || e.type === 'process.terminated') && c.ended === undefined) {
      c.ended = at;
      if (e.type === 'process.terminated' && c.decided === undefined) c.withdrawn = at;
    }
  }
  return [...cases.values()];
}

function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7) + '-01';
}

/** The Monday (UTC) of the ISO week. */
function weekOf(ms: number): string {
  const d = new Date(ms);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * DAY;
  return new Date(monday).toISOString().slice(0, 10);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
}

describeEachBackend('transparency figures from the demo services', (backend) => {
  let db: Database & { url: string };
  let services: PublishedService[];
  let now: Date;
  before(async () => {
    db = await freshDatabase(backend);
    const run = await driveServices(db, { days: 75, perDay: 4 });
    services = publishedOf(run.services);
    now = run.clock.now();
    assert.ok(run.cases >= 300, `ran ${run.cases} cases`);
  });
  after(async () => db?.close());

  for (const [granularity, periodOf] of [['month', monthOf], ['week', weekOf]] as const) it(`every published ${granularity}ly figure matches a computation from the raw events; small counts are withheld`, async () => {
    await projectPending(db, createTransparencyProjector(services), 500);
    const threshold = 5;
    const monthly = (await readFigures(db, { services, threshold, now })).get(granularity)!;
    const { rows } = await db.query<RawEvent>('select instance_id::text, type, occurred_at, data, process_key from process_event order by tx_id, id');
    const cases = expectedCases(rows, services);
    const kinds = new Set(cases.map((c) => c.withdrawn !== undefined ? 'withdrawn' : c.outcome ?? 'open'));
    assert.deepEqual([...kinds].sort(), ['approved', 'open', 'refused', 'withdrawn']);
    const slaMs = (s: PublishedService) => Number(/^P(\d+)D$/.exec(s.sla ?? '')![1]) * DAY;
    assert.ok(cases.some((c) => c.decided !== undefined && c.decided - c.received > slaMs(c.service)), 'some case breached its SLA');
    let compared = 0;
    let withheld = 0;
    for (const unit of monthly.units) {
      const mine = cases.filter((c) => (unit.kind === 'service' ? c.service.id === unit.id : departmentSlug(c.service.department) === unit.id));
      const expectRow = (inPeriod: (ms: number) => boolean) => {
        const decided = mine.filter((c) => c.decided !== undefined && inPeriod(c.decided));
        return {
          counts: {
            received: mine.filter((c) => inPeriod(c.received)).length, decided: decided.length,
            approved: decided.filter((c) => c.outcome === 'approved').length, refused: decided.filter((c) => c.outcome === 'refused').length,
            withdrawn: mine.filter((c) => c.withdrawn !== undefined && inPeriod(c.withdrawn)).length,
            withinSla: decided.filter((c) => c.decided! - c.received <= slaMs(c.service)).length,
            automated: decided.filter((c) => !c.human).length,
          } as Record<CountMeasure, number>,
          durations: decided.map((c) => c.decided! - c.received),
        };
      };
      const rowsToCheck = [...unit.periods.map((p) => ({ published: p, expected: expectRow((ms) => periodOf(ms) === p.period) })), { published: unit.total, expected: expectRow(() => true) }];
      // Every month with any event is published.
      const months = new Set(mine.flatMap((c) => [c.received, c.decided, c.withdrawn].filter((v): v is number => v !== undefined).map(periodOf)));
      assert.deepEqual(unit.periods.map((p) => p.period).sort(), [...months].sort());
      for (const { published, expected } of rowsToCheck) {
        for (const m of COUNT_MEASURES) {
          const value = published.counts[m];
          if (expected.counts[m] > 0 && expected.counts[m] < threshold) assert.equal(value, null, `${unit.id} ${published.period} ${m} = ${expected.counts[m]} must be withheld`);
          if (value === null) withheld++;
          else {
            assert.equal(value, expected.counts[m], `${unit.id} ${published.period} ${m}`);
            compared++;
          }
        }
        if (published.medianDays !== null) {
          assert.ok(expected.durations.length >= threshold);
          assert.equal(published.medianDays, Math.round(median(expected.durations) / DAY * 10) / 10, `${unit.id} ${published.period} median`);
        } else assert.ok(expected.durations.length < threshold || published.counts.decided === null);
      }
      const open = mine.filter((c) => c.decided === undefined && c.withdrawn === undefined && c.ended === undefined).length;
      if (unit.backlog.open !== null) assert.equal(unit.backlog.open, open);
      else assert.ok(open < threshold || open > 0);
    }
    assert.ok(compared > 50 && withheld > 0, `compared ${compared}, withheld ${withheld}`);
    assertNothingDerivable(monthly);
  });

  it('the projector rebuilt from zero gives an identical table, and a second pass applies nothing', async () => {
    const projector = createTransparencyProjector(services);
    await projectPending(db, projector);
    const table = async () => (await db.query('select * from transparency_case order by instance_id')).rows;
    const before = await table();
    const position = await projectorPosition(db, TRANSPARENCY_PROJECTOR);
    assert.equal(await projectPending(db, projector), 0);
    const rebuilt = await rebuildProjector(db, projector, 97);
    assert.equal(rebuilt, position!.applied);
    assert.deepEqual(await table(), before);
    assert.ok(before.length >= 300);
  });

  it('two processes following the log at once apply every event exactly once (skip locked)', async () => {
    if (backend !== 'postgres') return;
    const second = await openDatabase({ url: db.url, poolSize: 2, migrate: false });
    try {
      const projector = createTransparencyProjector(services);
      const table = async () => (await db.query('select * from transparency_case order by instance_id')).rows;
      const expected = await table();
      await db.query('truncate transparency_case');
      await db.query("update projector_cursor set horizon = '0', horizon_id = 0, applied = 0 where name = $1", [TRANSPARENCY_PROJECTOR]);
      const counts = await Promise.all([db, second].map(async (d) => {
        let n = 0;
        for (let i = 0; i < 100; i++) n += await projectPending(d, projector, 40);
        return n;
      }));
      const position = await projectorPosition(db, TRANSPARENCY_PROJECTOR);
      assert.equal(counts[0]! + counts[1]!, position!.applied);
      assert.deepEqual(await table(), expected);
    } finally {
      await second.close();
    }
  });
});

/** Independently of the suppression code: no additive relation of the published table has exactly one withheld cell. */
function assertNothingDerivable(figures: Figures): void {
  const isNull = (v: number | null | undefined) => v === null;
  for (const unit of figures.units) {
    for (const row of [...unit.periods, unit.total]) {
      const n = [row.counts.approved, row.counts.refused, row.counts.decided].filter(isNull).length;
      assert.notEqual(n, 1, `${unit.id} ${row.period}: approved + refused = decided gives away the withheld one`);
    }
    for (const m of COUNT_MEASURES) {
      const n = [...unit.periods.map((p) => p.counts[m]), unit.total.counts[m]].filter(isNull).length;
      assert.notEqual(n, 1, `${unit.id} ${m}: the months add up to the total`);
    }
  }
  for (const dept of figures.units.filter((u) => u.kind === 'department')) {
    const members = figures.units.filter((u) => u.kind === 'service' && u.department === dept.department);
    for (const row of [...dept.periods, dept.total]) {
      for (const m of COUNT_MEASURES) {
        // A service with no row for the period published nothing there: a zero.
        const cells = [row.counts[m], ...members.map((s) => {
          const r = row.period === 'total' ? s.total : s.periods.find((p) => p.period === row.period);
          return r ? r.counts[m] : 0;
        })];
        assert.notEqual(cells.filter(isNull).length, 1, `${dept.id} ${row.period} ${m}: the services add up to the department`);
      }
    }
    const backlog = [dept.backlog.open, ...members.map((s) => s.backlog.open)];
    assert.notEqual(backlog.filter(isNull).length, 1, `${dept.id}: backlog`);
  }
}
