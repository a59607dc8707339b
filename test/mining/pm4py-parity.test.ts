// Acceptance 1: for every log with a PM4Py expected file, our numbers equal PM4Py's (counts exactly, times within 0.1 %).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeLog, readEventLogFile } from '../../src/mining/index.js';
import { SHARED_DATA_DIR, skipWithoutSharedData } from '../support/shared-data.js';
import { assertMatchesPm4py, type Pm4pyFigures } from './pm4py-figures.js';

const shared = `${SHARED_DATA_DIR}/`;
const logsDir = `${shared}event-logs/`;
const expectedDir = `${shared}expected/pm4py/`;

const logs = existsSync(logsDir) ? readdirSync(logsDir).filter((f) => /\.xes(\.gz)?$/.test(f)) : [];
const withExpected = logs.filter((f) => existsSync(`${expectedDir}${f.replace(/\.xes(\.gz)?$/, '')}.json`));

describe('PM4Py parity', { skip: skipWithoutSharedData('event-logs/', 'expected/pm4py/') || (withExpected.length === 0 ? `no log in ${logsDir} has an expected file in ${expectedDir}` : false) }, () => {
  it('covers every log that has an expected file', () => {
    assert.ok(withExpected.length >= 4, `found ${withExpected.join(', ')}`);
  });
  for (const file of withExpected) {
    it(`${file} matches PM4Py`, async () => {
      const expected = JSON.parse(readFileSync(`${expectedDir}${file.replace(/\.xes(\.gz)?$/, '')}.json`, 'utf8')) as Pm4pyFigures;
      assertMatchesPm4py(analyzeLog(await readEventLogFile(`${logsDir}${file}`)), expected);
    });
  }
});
