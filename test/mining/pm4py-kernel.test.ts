// analyzePm4pyFigures computes its passes in WebAssembly where the log allows (src/mining/pm4py-kernel.ts): its
// figures must be exactly those of the JavaScript passes (variants, start and end activities, the directly-follows
// graph, case durations), for any log: few or many activities, repeated and fractional durations (counted or
// selected percentiles), empty cases, events without a timestamp (which the JavaScript passes take).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzePm4pyFigures, caseDurations, directlyFollows, EventLogBuilder, startEndActivities, summarise, variants, type EventLog } from '../../src/mining/index.js';

const DAY = 86_400_000;

/** What analyzePm4pyFigures must give, from the JavaScript passes alone. */
function byJavaScript(log: EventLog): unknown {
  const all = variants(log);
  const durations = summarise(caseDurations(log));
  return {
    cases: log.caseStart.length - 1,
    events: log.activity.length,
    activities: log.activityNames.length,
    variants: all.length,
    topVariants: all.slice(0, 10).map((v) => ({ activities: v.activities, count: v.count })),
    ...startEndActivities(log),
    dfg: directlyFollows(log),
    caseDuration: { meanSeconds: durations.mean, medianSeconds: durations.median, p90Seconds: durations.p90, minSeconds: durations.min, maxSeconds: durations.max },
    skipped: log.skipped,
  };
}

const logs = fc
  .record({
    activities: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1020, max: 1030 })),
    // Whole days repeat (counted percentiles); milliseconds and fractions rarely do (selected ones).
    unit: fc.constantFrom(DAY, 1000, 1, 0.001),
    cases: fc.array(
      fc.array(fc.record({ activity: fc.nat(), step: fc.nat({ max: 40 }), missing: fc.nat({ max: 60 }).map((n) => n === 0) }), { maxLength: 12 }),
      { minLength: 1, maxLength: 80 },
    ),
    repeat: fc.integer({ min: 1, max: 40 }),
    // Some logs have events without a timestamp (the JavaScript passes take those logs).
    gaps: fc.boolean(),
  })
  .map((r) => {
    const builder = new EventLogBuilder();
    for (let a = 0; a < r.activities; a++) builder.activityId(`a${(a * 7919) % 100_003}`);
    let c = 0;
    for (let k = 0; k < r.repeat; k++) {
      for (const events of r.cases) {
        let t = Date.UTC(2020, 0, 1) + c * 3 * DAY;
        for (const e of events) {
          t += e.step * r.unit;
          builder.addEvent(e.activity % r.activities, r.gaps && e.missing ? NaN : t, -1, -1, 0);
        }
        builder.endCase(`c${c++}`);
      }
    }
    return builder.build();
  });

describe('PM4Py figures in WebAssembly', () => {
  it('are exactly the JavaScript passes\' figures, for any log', () => {
    fc.assert(
      fc.property(logs, (log) => {
        assert.deepEqual(analyzePm4pyFigures(log), byJavaScript(log));
      }),
      { numRuns: 300 },
    );
  });
});
