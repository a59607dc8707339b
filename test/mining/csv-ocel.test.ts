// CSV with column mapping and PM4Py's ordering; OCEL 2.0 in and out.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  analyzeLog,
  eventLogToOcel,
  flattenOcel,
  formatTimestamp,
  ocelToJsonText,
  parseOcelJson,
  readCsvText,
  readOcelFile,
  readXesFile,
  writeOcelFile,
  writeXesFile,
} from '../../src/mining/index.js';
import { SHARED_DATA_DIR, skipWithoutSharedData } from '../support/shared-data.js';

const shared = `${SHARED_DATA_DIR}/`;
const skipCsv = skipWithoutSharedData('event-logs/running-example.xes', 'expected/pm4py/running-example.json');
const skipOcel = skipWithoutSharedData('event-logs/ocel20_example.jsonocel', 'event-logs/ocel20_example.xmlocel', 'event-logs/running-example.xes');
const skipXes = skipWithoutSharedData('event-logs/receipt.xes', 'expected/pm4py/receipt.json');

describe('CSV', { skip: skipCsv }, () => {
  it('shuffled rows of the running example, custom column names: same numbers as PM4Py on the XES', async () => {
    const expected = JSON.parse(readFileSync(`${shared}expected/pm4py/running-example.json`, 'utf8')) as {
      variants: number;
      topVariants: unknown;
      startActivities: unknown;
      endActivities: unknown;
      dfg: { from: string; to: string; count: number }[];
    };
    const log = await readXesFile(`${shared}event-logs/running-example.xes`);
    const rows: string[] = [];
    for (let c = 0; c < log.caseIds.length; c++) {
      for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) {
        const activity = log.activityNames[log.activity[i] ?? 0] ?? '';
        // Wall-clock times without a zone, quoted activity names: what spreadsheets export.
        rows.push(`"${activity}";${log.caseIds[c]};${formatTimestamp(log.timestamp[i] ?? 0).replace('T', ' ').replace('Z', '')};res ${i}`);
      }
    }
    // A deterministic shuffle: the reader must restore case/timestamp order itself.
    rows.sort((a, b) => ((a.length * 7919) % 13) - ((b.length * 7919) % 13) || (a < b ? 1 : -1));
    const csv = `Task;Ticket;When;Who\n${rows.join('\n')}\n`;
    const fromCsv = await readCsvText(csv, 'x.csv', { case: 'Ticket', activity: 'Task', timestamp: 'When', resource: 'Who' });
    const summary = analyzeLog(fromCsv);
    assert.equal(summary.variants, expected.variants);
    assert.deepEqual(summary.topVariants, expected.topVariants);
    assert.deepEqual(summary.startActivities, expected.startActivities);
    assert.deepEqual(summary.endActivities, expected.endActivities);
    assert.deepEqual(summary.dfg.map((e) => [e.from, e.to, e.count]), expected.dfg.map((e) => [e.from, e.to, e.count]));
  });

  it('ties on timestamp keep file order (stable sort by case, timestamp, row)', async () => {
    const log = await readCsvText('case,activity,timestamp\n2,x,2020-01-01 00:00\n1,b,2020-01-01 10:00\n1,a,2020-01-01 09:00\n1,c,2020-01-01 10:00\n');
    const names = Array.from(log.activity, (a) => log.activityNames[a]);
    assert.deepEqual(log.caseIds, ['2', '1']);
    assert.deepEqual(names, ['x', 'a', 'b', 'c']);
  });

  it('timestamps without a zone are UTC', async () => {
    const log = await readCsvText('case,activity,timestamp\n1,a,2020-03-29 01:30:00\n');
    assert.equal(log.timestamp[0], Date.UTC(2020, 2, 29, 1, 30));
  });
});

describe('OCEL 2.0', { skip: skipOcel }, () => {
  it('reads the JSON and XML examples of the standard to the same log', async () => {
    const json = await readOcelFile(`${shared}event-logs/ocel20_example.jsonocel`);
    const xml = await readOcelFile(`${shared}event-logs/ocel20_example.xmlocel`);
    assert.ok(json.events.length > 0);
    assert.equal(xml.events.length, json.events.length);
    assert.equal(xml.objects.length, json.objects.length);
    assert.deepEqual(xml.objectTypes.map((t) => t.name), json.objectTypes.map((t) => t.name));
    assert.deepEqual(
      xml.events.map((e) => [e.id, e.type, e.relationships.map((r) => r.objectId)]),
      json.events.map((e) => [e.id, e.type, e.relationships.map((r) => r.objectId)]),
    );
    const flat = flattenOcel(json, 'Purchase Order');
    assert.ok(flat.caseIds.length > 0);
  });

  it('round-trips through JSON and XML export', async () => {
    const source = await readOcelFile(`${shared}event-logs/ocel20_example.jsonocel`);
    const dir = mkdtempSync(path.join(tmpdir(), 'ocel-'));
    for (const file of ['out.jsonocel', 'out.xmlocel']) {
      await writeOcelFile(source, path.join(dir, file));
      const back = await readOcelFile(path.join(dir, file));
      assert.deepEqual(back.events, source.events, file);
      assert.deepEqual(back.objects.map((o) => [o.id, o.type, o.relationships]), source.objects.map((o) => [o.id, o.type, o.relationships]), file);
    }
  });

  it('exports a classic log as OCEL with one object per case', async () => {
    const log = await readXesFile(`${shared}event-logs/running-example.xes`);
    const ocel = parseOcelJson(ocelToJsonText(eventLogToOcel(log)));
    assert.equal(ocel.objects.length, 6);
    assert.equal(ocel.events.length, 42);
    const again = analyzeLog(flattenOcel(ocel, 'case'));
    assert.equal(again.variants, 6);
  });
});

describe('XES writer', { skip: skipXes }, () => {
  it('receipt.xes written and read back still gives PM4Py\'s numbers', async () => {
    const expected = JSON.parse(readFileSync(`${shared}expected/pm4py/receipt.json`, 'utf8')) as {
      variants: number;
      topVariants: unknown;
      dfg: { from: string; to: string; count: number; meanSeconds: number }[];
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'xes-')), 'receipt.xes');
    await writeXesFile(await readXesFile(`${shared}event-logs/receipt.xes`), file);
    const summary = analyzeLog(await readXesFile(file));
    assert.equal(summary.variants, expected.variants);
    assert.deepEqual(summary.topVariants, expected.topVariants);
    assert.deepEqual(summary.dfg.map((e) => [e.from, e.to, e.count]), expected.dfg.map((e) => [e.from, e.to, e.count]));
    expected.dfg.forEach((e, i) => assert.ok(Math.abs((summary.dfg[i]?.meanSeconds ?? 0) - e.meanSeconds) <= 1e-3 * e.meanSeconds + 1e-6));
  });
});
