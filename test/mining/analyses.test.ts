// The analyses beyond PM4Py's basic figures, on logs whose answers are known by construction.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeLog, filterLog, readCsvText, readXesFile, summarise } from '../../src/mining/index.js';
import { SHARED_DATA_DIR, skipWithoutSharedData } from '../support/shared-data.js';

const shared = `${SHARED_DATA_DIR}/`;

const CSV = `case,activity,timestamp,resource,lifecycle,department
1,intake,2024-01-01 09:00,ann,start,front
1,intake,2024-01-01 09:30,ann,complete,front
1,review,2024-01-01 11:30,bob,start,legal
1,review,2024-01-01 12:30,bob,complete,legal
1,intake,2024-01-02 09:00,ann,start,front
1,intake,2024-01-02 09:10,ann,complete,front
1,review,2024-01-02 10:10,bob,start,legal
1,review,2024-01-02 10:40,bob,complete,legal
2,intake,2024-01-03 09:00,cid,start,front
2,intake,2024-01-03 10:00,cid,complete,front
2,review,2024-01-03 10:00,bob,start,legal
2,review,2024-01-03 11:00,bob,complete,legal
`;

describe('analyses', () => {
  it('median and p90 by selection equal numpy\'s definition on the sorted values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 80 }), (xs) => {
        // Sorted as a Float64Array sorts (-0 before 0), so that min and max are compared as numbers of one order.
        const sorted = Array.from(Float64Array.from(xs).sort());
        const numpy = (q: number): number => {
          const r = ((sorted.length - 1) * q) / 100;
          const lo = sorted[Math.floor(r)] ?? 0;
          return lo + ((sorted[Math.ceil(r)] ?? 0) - lo) * (r - Math.floor(r));
        };
        const s = summarise(Float64Array.from(xs));
        assert.ok(Math.abs(s.median - numpy(50)) <= 1e-6 * Math.max(1, Math.abs(s.median)));
        assert.ok(Math.abs(s.p90 - numpy(90)) <= 1e-6 * Math.max(1, Math.abs(s.p90)));
        assert.equal(s.min, sorted[0]);
        assert.equal(s.max, sorted[sorted.length - 1]);
      }),
      { numRuns: 2000 },
    );
  });

  it('waiting vs service time from start/complete pairs, rework and ping-pong', async () => {
    const log = await readCsvText(CSV, 'x.csv', { group: 'department' });
    const s = analyzeLog(log);
    const intake = s.activityStats.find((a) => a.activity === 'intake');
    const review = s.activityStats.find((a) => a.activity === 'review');
    // intake: 30, 10 and 60 minutes of work; review: 60, 30, 60.
    assert.equal(intake?.serviceMeanSeconds, ((30 + 10 + 60) * 60) / 3);
    assert.equal(review?.serviceMeanSeconds, ((60 + 30 + 60) * 60) / 3);
    // review waits 2 h, then 1 h, then 0 after intake completes.
    assert.equal(review?.waitingMeanSeconds, ((120 + 60 + 0) * 60) / 3);
    assert.equal(intake?.reworkCases, 1);
    assert.equal(intake?.repetitions, 1);
    assert.deepEqual(s.rework, { cases: 1, share: 0.5 });
    // Case 1 goes ann → bob → ann → bob: two hand-backs between them; front ⇄ legal likewise.
    assert.deepEqual(s.pingPong.resources, [{ a: 'ann', b: 'bob', count: 2, cases: 1 }]);
    assert.deepEqual(s.pingPong.groups, [{ a: 'front', b: 'legal', count: 2, cases: 1 }]);
  });

  it('SLA against a duration', async () => {
    const log = await readCsvText(CSV);
    const s = analyzeLog(log, { slaSeconds: 86400 });
    // Case 1 takes 1 day 1 h 40 min, case 2 takes 2 h.
    assert.equal(s.sla?.breached, 1);
    assert.equal(s.sla?.worst[0]?.caseId, '1');
    assert.equal(s.sla?.worst[0]?.overSeconds, 100 * 60);
  });

  it('filters by time window, variant, activity and performance', async () => {
    const log = await readCsvText(CSV);
    assert.deepEqual(filterLog(log, { timeWindow: { from: Date.UTC(2024, 0, 3) } }).caseIds, ['2']);
    assert.deepEqual(filterLog(log, { timeWindow: { to: Date.UTC(2024, 0, 1, 12), mode: 'intersecting' } }).caseIds, ['1']);
    assert.deepEqual(filterLog(log, { maxDurationSeconds: 3 * 3600 }).caseIds, ['2']);
    assert.deepEqual(filterLog(log, { minDurationSeconds: 3 * 3600 }).caseIds, ['1']);
    assert.deepEqual(filterLog(log, { variants: [['intake', 'intake', 'review', 'review']] }).caseIds, ['2']);
    assert.deepEqual(filterLog(log, { activity: { name: 'review', absent: true } }).caseIds, []);
  });

  it('filtering receipt.xes to PM4Py\'s most frequent variant keeps exactly its cases', { skip: skipWithoutSharedData('expected/pm4py/receipt.json', 'event-logs/receipt.xes') }, async () => {
    const expected = JSON.parse(readFileSync(`${shared}expected/pm4py/receipt.json`, 'utf8')) as { topVariants: { activities: string[]; count: number }[] };
    const log = await readXesFile(`${shared}event-logs/receipt.xes`);
    const top = expected.topVariants[0];
    assert.ok(top);
    const filtered = filterLog(log, { variants: [top.activities] });
    assert.equal(filtered.caseIds.length, top.count);
    const again = analyzeLog(filtered);
    assert.equal(again.variants, 1);
    // The deadline attribute survives filtering, so SLA analysis still works on the subset.
    assert.ok(filtered.caseAttributes.has('deadline'));
    // Attribute filters partition the log.
    const channels = new Set(log.caseAttributes.get('channel')?.filter((v) => v !== undefined));
    let total = 0;
    for (const value of channels) total += filterLog(log, { caseAttribute: { key: 'channel', value } }).caseIds.length;
    assert.equal(total, log.caseIds.length);
  });
});
