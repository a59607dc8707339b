/**
 * When a timer is due (computeTimer, the runtime's pure timer arithmetic) for each kind of timer text: ISO 8601
 * durations, dates and repeating intervals (counted down, or anchored at a start), cron cycles and Camunda 8's
 * zoned cycles, and the error that names a text that is none of them. Worked out by hand from ISO 8601 and the cron
 * rules; the engine's timer-cycles suite checks the same through the database.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeTimer } from '../../src/engine/index.js';

// A Monday, 09:00 UTC (11:00 in Berlin, summer time).
const NOW = new Date('2026-05-04T09:00:00Z');

function refused(type: 'duration' | 'date' | 'cycle', raw: string, why: string): void {
  assert.throws(() => computeTimer(type, raw, NOW, 'tick'), (e: Error & { code?: string; details?: unknown }) => {
    assert.equal(e.code, 'GOVFLOW_ERR_FEEL_EVALUATION');
    assert.equal(e.message, `timer ${type} '${raw}' of tick is not valid ISO 8601 or cron`);
    assert.deepEqual(e.details, [{ where: 'tick', message: `timer ${type} '${raw}' ${why}` }]);
    return true;
  });
}

describe('runtime: timer due times', () => {
  it('a duration counts from now; a date is that instant', () => {
    assert.deepEqual(computeTimer('duration', 'PT90M', NOW, 'tick'), { dueAt: '2026-05-04T10:30:00.000Z' });
    assert.deepEqual(computeTimer('duration', 'P1DT2H', NOW, 'tick'), { dueAt: '2026-05-05T11:00:00.000Z' });
    assert.deepEqual(computeTimer('date', '2026-06-01T12:00:00Z', NOW, 'tick'), { dueAt: '2026-06-01T12:00:00.000Z' });
    refused('duration', 'soon', 'is not valid');
    refused('date', 'tomorrow', 'is not valid');
  });

  it('a repeating interval fires an interval from now and counts its repetitions down; R/ repeats for ever', () => {
    assert.deepEqual(computeTimer('cycle', 'R3/PT10M', NOW, 'tick'), { dueAt: '2026-05-04T09:10:00.000Z', cycle: 'R2/PT10M' });
    assert.deepEqual(computeTimer('cycle', 'R2/PT10M', NOW, 'tick'), { dueAt: '2026-05-04T09:10:00.000Z', cycle: 'R1/PT10M' });
    assert.deepEqual(computeTimer('cycle', 'R1/PT10M', NOW, 'tick'), { dueAt: '2026-05-04T09:10:00.000Z' }, 'the last repetition leaves nothing to run');
    assert.deepEqual(computeTimer('cycle', 'R/PT1H', NOW, 'tick'), { dueAt: '2026-05-04T10:00:00.000Z', cycle: 'R/PT1H' });
    assert.deepEqual(computeTimer('cycle', '  R2/PT1H ', NOW, 'tick'), { dueAt: '2026-05-04T10:00:00.000Z', cycle: 'R1/PT1H' });
    refused('cycle', 'R3/often', 'is not valid');
  });

  it('a repeating interval with a start still ahead fires first at the start; one whose start has passed, an interval from now', () => {
    assert.deepEqual(computeTimer('cycle', 'R2/2026-05-10T00:00:00Z/P1D', NOW, 'tick'), { dueAt: '2026-05-10T00:00:00.000Z', cycle: 'R1/P1D' });
    assert.deepEqual(computeTimer('cycle', 'R2/2026-05-01T00:00:00Z/P1D', NOW, 'tick'), { dueAt: '2026-05-05T09:00:00.000Z', cycle: 'R1/P1D' });
  });

  it('a cron cycle fires at its next match after now and keeps its text', () => {
    // Every day at 09:00:00: now is exactly 09:00, so the next is tomorrow's.
    assert.deepEqual(computeTimer('cycle', ' 0 0 9 * * ? ', NOW, 'tick'), { dueAt: '2026-05-05T09:00:00.000Z', cycle: '0 0 9 * * ?' });
    assert.deepEqual(computeTimer('cycle', '0 30 9 * * ?', NOW, 'tick'), { dueAt: '2026-05-04T09:30:00.000Z', cycle: '0 30 9 * * ?' });
    assert.throws(() => computeTimer('cycle', '0 0 25 * * ?', NOW, 'tick'), (e: Error & { details?: { message: string }[] }) => /^timer cycle '0 0 25 \* \* \?' is not a valid cron expression: .+/.test(e.details?.[0]?.message ?? ''));
  });

  it('a zoned cycle is anchored at its local start and keeps its text while repetitions remain', () => {
    // 08:00 in Berlin (UTC+2 in May) is 06:00Z; the first after now is tomorrow's, the second fire (index 1).
    assert.deepEqual(computeTimer('cycle', 'R/2026-05-01T08:00[Europe/Berlin]/P1D', NOW, 'tick'), { dueAt: '2026-05-05T06:00:00.000Z', cycle: 'R/2026-05-01T08:00[Europe/Berlin]/P1D' });
    assert.deepEqual(computeTimer('cycle', 'R3/2026-05-04T08:00[Europe/Berlin]/P1D', NOW, 'tick'), { dueAt: '2026-05-05T06:00:00.000Z', cycle: 'R3/2026-05-04T08:00[Europe/Berlin]/P1D' });
    assert.deepEqual(computeTimer('cycle', 'R2/2026-05-04T08:00[Europe/Berlin]/P1D', NOW, 'tick'), { dueAt: '2026-05-05T06:00:00.000Z' }, 'the second of two fires is the last');
    assert.equal(computeTimer('cycle', ' R/2026-05-01T08:00[Europe/Berlin]/P1D\n', NOW, 'tick').cycle, 'R/2026-05-01T08:00[Europe/Berlin]/P1D', 'kept without the whitespace around it');
    refused('cycle', 'R1/2026-05-01T08:00[Europe/Berlin]/P1D', 'has no repetitions left');
  });
});
