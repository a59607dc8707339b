// Acceptance 1: for every log with a PM4Py expected file, our numbers equal PM4Py's (counts exactly, times within 0.1 %).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeLog, readEventLogFile, type MiningSummary } from '../../src/mining/index.js';
import { SHARED_DATA_DIR, skipWithoutSharedData } from '../support/shared-data.js';

const shared = `${SHARED_DATA_DIR}/`;
const logsDir = `${shared}event-logs/`;
const expectedDir = `${shared}expected/pm4py/`;

interface Expected {
  cases: number;
  events: number;
  activities: number;
  variants: number;
  topVariants: { activities: string[]; count: number }[];
  startActivities: Record<string, number>;
  endActivities: Record<string, number>;
  dfg: { from: string; to: string; count: number; meanSeconds: number; medianSeconds: number }[];
  caseDuration: { meanSeconds: number; medianSeconds: number };
}

function close(actual: number, expected: number, what: string): void {
  const tolerance = Math.max(1e-3 * Math.abs(expected), 1e-6);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs PM4Py ${expected}`);
}

const logs = existsSync(logsDir) ? readdirSync(logsDir).filter((f) => /\.xes(\.gz)?$/.test(f)) : [];
const withExpected = logs.filter((f) => existsSync(`${expectedDir}${f.replace(/\.xes(\.gz)?$/, '')}.json`));

describe('PM4Py parity', { skip: skipWithoutSharedData('event-logs/', 'expected/pm4py/') || (withExpected.length === 0 ? `no log in ${logsDir} has an expected file in ${expectedDir}` : false) }, () => {
  it('covers every log that has an expected file', () => {
    assert.ok(withExpected.length >= 4, `found ${withExpected.join(', ')}`);
  });
  for (const file of withExpected) {
    it(`${file} matches PM4Py`, async () => {
      const expected = JSON.parse(readFileSync(`${expectedDir}${file.replace(/\.xes(\.gz)?$/, '')}.json`, 'utf8')) as Expected;
      const summary: MiningSummary = analyzeLog(await readEventLogFile(`${logsDir}${file}`));
      assert.equal(summary.cases, expected.cases, 'cases');
      assert.equal(summary.events, expected.events, 'events');
      assert.equal(summary.activities, expected.activities, 'activities');
      assert.equal(summary.variants, expected.variants, 'variants');
      assert.deepEqual(summary.topVariants, expected.topVariants, 'topVariants');
      assert.deepEqual(summary.startActivities, expected.startActivities, 'startActivities');
      assert.deepEqual(summary.endActivities, expected.endActivities, 'endActivities');
      assert.deepEqual(
        summary.dfg.map((e) => [e.from, e.to, e.count]),
        expected.dfg.map((e) => [e.from, e.to, e.count]),
        'dfg edges and counts',
      );
      expected.dfg.forEach((e, i) => {
        const mine = summary.dfg[i];
        assert.ok(mine);
        close(mine.meanSeconds, e.meanSeconds, `${e.from} → ${e.to} mean`);
        close(mine.medianSeconds, e.medianSeconds, `${e.from} → ${e.to} median`);
      });
      close(summary.caseDuration.meanSeconds, expected.caseDuration.meanSeconds, 'case duration mean');
      close(summary.caseDuration.medianSeconds, expected.caseDuration.medianSeconds, 'case duration median');
    });
  }
});
