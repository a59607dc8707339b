// The analyses beyond PM4Py's basic figures, on logs whose answers are known by construction.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeLog, analyzePm4pyFigures, directlyFollows, EventLogBuilder, filterLog, readCsvText, readXesFile, summarise } from '../../src/mining/index.js';
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

  // summarise counts the distinct values when there are few (dates without times) instead of selecting: both ways
  // must give numpy's figures exactly, and a -0 (whose order against 0 a count cannot keep) or too many distinct values
  // must fall back to selection.
  const numpyOf = (xs: readonly number[], q: number): number => {
    const sorted = Array.from(Float64Array.from(xs).sort());
    const r = ((sorted.length - 1) * q) / 100;
    const lo = sorted[Math.floor(r)] ?? 0;
    const hi = sorted[Math.ceil(r)] ?? 0;
    return Math.floor(r) === Math.ceil(r) ? hi : lo + (hi - lo) * (r - Math.floor(r));
  };
  const sequentialMean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('median and p90 from counted values equal numpy\'s exactly, with few or many distinct values', () => {
    const few = fc.constantFrom(0, -0, 86_400, 172_800, 3_600.5, 1e9, -5, 604_800);
    const many = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e7, max: 1e7 });
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 9, arbitrary: few }, { weight: 1, arbitrary: many }), { minLength: 1, maxLength: 1500 }), (xs) => {
        const s = summarise(Float64Array.from(xs));
        // Numerically equal (selection may give 0 where the sorted array has -0 at the rank: printed alike).
        assert.ok(s.median === numpyOf(xs, 50), `median ${s.median} against ${numpyOf(xs, 50)}`);
        assert.ok(s.p90 === numpyOf(xs, 90), `p90 ${s.p90} against ${numpyOf(xs, 90)}`);
        assert.ok(s.mean === sequentialMean(xs), `mean ${s.mean} against ${sequentialMean(xs)}`);
      }),
      { numRuns: 400 },
    );
    // Mostly distinct values: the count stops early (or grows its table first) and selection decides.
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 1, arbitrary: few }, { weight: 3, arbitrary: many }), { minLength: 500, maxLength: 1500 }), (xs) => {
        const s = summarise(Float64Array.from(xs));
        assert.ok(s.median === numpyOf(xs, 50) && s.p90 === numpyOf(xs, 90) && s.mean === sequentialMean(xs));
      }),
      { numRuns: 100 },
    );
  });

  it('the DFG\'s per-edge mean, median and p90 are numpy\'s, whether its durations are counted or selected', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        (cases, unit, varied) => {
          const builder = new EventLogBuilder();
          const ids = ['a', 'b', 'c', 'd'].map((name) => builder.activityId(name));
          const expected = new Map<string, number[]>();
          let noise = 0;
          cases.forEach((events, c) => {
            let t = 1_700_000_000_000;
            let prev = '';
            for (const [activity, gap] of events) {
              // Varied: nearly every gap distinct (over DISTINCT_LIMIT in a large log, so the selection path runs).
              t += gap * unit * 1000 + (varied ? ++noise * 7 : 0);
              const name = ['a', 'b', 'c', 'd'][activity] ?? 'a';
              if (prev) {
                const key = `${prev}>${name}`;
                const list = expected.get(key) ?? [];
                list.push(gap * unit + (varied ? (noise * 7) / 1000 : 0));
                expected.set(key, list);
              }
              builder.addEvent(ids[activity] ?? 0, t, -1, -1, 0);
              prev = name;
            }
            builder.endCase(`case ${c}`);
          });
          const edges = directlyFollows(builder.build());
          assert.equal(edges.length, expected.size);
          for (const e of edges) {
            const durations = expected.get(`${e.from}>${e.to}`) ?? [];
            assert.equal(e.count, durations.length);
            assert.ok(Math.abs(e.meanSeconds - sequentialMean(durations)) <= 1e-9 * Math.max(1, Math.abs(e.meanSeconds)));
            assert.ok(Math.abs(e.medianSeconds - numpyOf(durations, 50)) <= 1e-9 * Math.max(1, Math.abs(e.medianSeconds)));
            assert.ok(Math.abs(e.p90Seconds - numpyOf(durations, 90)) <= 1e-9 * Math.max(1, Math.abs(e.p90Seconds)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a DFG with more distinct durations than are counted falls back to selection with the same figures', () => {
    // 6,000 events in one case alternating a and b, every gap different: two edges, 5,999 distinct durations.
    const builder = new EventLogBuilder();
    const a = builder.activityId('a');
    const b = builder.activityId('b');
    const gaps: number[][] = [[], []];
    let t = 0;
    for (let i = 0; i < 6000; i++) {
      if (i > 0) {
        t += i * 1000;
        gaps[i % 2 === 1 ? 0 : 1]!.push(i);
      }
      builder.addEvent(i % 2 === 0 ? a : b, t, -1, -1, 0);
    }
    builder.endCase('one');
    const edges = directlyFollows(builder.build());
    assert.deepEqual(
      edges.map((e) => [e.from, e.to, e.count, e.meanSeconds, e.medianSeconds, e.p90Seconds]),
      [
        ['a', 'b', 3000, sequentialMean(gaps[0]!), numpyOf(gaps[0]!, 50), numpyOf(gaps[0]!, 90)],
        ['b', 'a', 2999, sequentialMean(gaps[1]!), numpyOf(gaps[1]!, 50), numpyOf(gaps[1]!, 90)],
      ],
    );
  });

  it('PM4Py\'s figures alone (mine --figures pm4py) are exactly those keys of the whole summary', async () => {
    const log = await readCsvText(CSV, 'x.csv', { group: 'department' });
    const all = analyzeLog(log, { topVariants: 1 });
    const only = analyzePm4pyFigures(log, { topVariants: 1 });
    const keys = ['cases', 'events', 'activities', 'variants', 'topVariants', 'startActivities', 'endActivities', 'dfg', 'caseDuration', 'skipped'] as const;
    assert.deepEqual(Object.keys(only).sort(), [...keys].sort());
    for (const key of keys) assert.deepEqual(only[key], all[key], key);
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
