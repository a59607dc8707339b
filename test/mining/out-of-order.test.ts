// Issue 15, acceptance 3: a log whose events are shuffled within each case (timestamps kept) gives exactly PM4Py's
// figures, read as XES, CSV, OCEL JSON and OCEL XML. PM4Py orders a case's events by timestamp, file order among
// equal timestamps; the figures come from the PM4Py peer run live when PM4PY_SRC names its source tree, else from the
// file PM4Py wrote once (expected/shuffled-within-cases.pm4py.json, for this very log: its CSV hash is checked).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeLog, ocelToXmlText, parseOcelJson, readEventLogFile } from '../../src/mining/index.js';
import { assertMatchesPm4py, pm4pyPeer, runPm4pyFigures, type Pm4pyFigures } from './pm4py-figures.js';
import { EXPECTED_FILE, sha256, shuffledRows, toCsv, toOcelJson, toXes, type ShuffledRow } from './shuffled-log.js';

describe('mining parity when the file is out of order', () => {
  const rows = shuffledRows();
  const csv = toCsv(rows);
  const dir = mkdtempSync(path.join(tmpdir(), 'out-of-order-'));
  const files = {
    csv: path.join(dir, 'shuffled.csv'),
    xes: path.join(dir, 'shuffled.xes'),
    jsonocel: path.join(dir, 'shuffled.jsonocel'),
    xmlocel: path.join(dir, 'shuffled.xmlocel'),
  };
  let expected: Pm4pyFigures;
  let source = '';

  before(() => {
    writeFileSync(files.csv, csv);
    writeFileSync(files.xes, toXes(rows));
    const ocelJson = toOcelJson(rows);
    writeFileSync(files.jsonocel, ocelJson);
    writeFileSync(files.xmlocel, ocelToXmlText(parseOcelJson(ocelJson)));
    const src = pm4pyPeer();
    if (src) {
      expected = runPm4pyFigures(src, files.csv);
      source = `PM4Py run live from ${src}`;
    } else {
      const recorded = JSON.parse(readFileSync(EXPECTED_FILE, 'utf8')) as Pm4pyFigures & { _csvSha256: string };
      assert.equal(sha256(csv), recorded._csvSha256, 'the generated log is not the one PM4Py measured: regenerate the expected file (see shuffled-log.ts)');
      expected = recorded;
      source = 'the recorded PM4Py figures';
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the log really is out of order, with ties that only file order can break', () => {
    const perCase = new Map<string, ShuffledRow[]>();
    for (const r of rows) perCase.set(r.caseId, [...(perCase.get(r.caseId) ?? []), r]);
    const lists = [...perCase.values()];
    const outOfOrder = lists.filter((l) => l.some((r, i) => i > 0 && r.time < (l[i - 1]?.time ?? 0))).length;
    const withTies = lists.filter((l) => new Set(l.map((r) => r.time)).size < l.length).length;
    assert.ok(outOfOrder > lists.length * 0.9, `${outOfOrder} of ${lists.length} cases out of order`);
    assert.ok(withTies > lists.length * 0.5, `${withTies} of ${lists.length} cases with equal timestamps`);
    // Taken in file order the variants would differ from PM4Py's: the test can tell sorted from unsorted.
    const fileOrderVariants = new Set(lists.map((l) => l.map((r) => r.activity).join('\u0000'))).size;
    assert.notEqual(fileOrderVariants, expected.variants, source);
  });

  for (const kind of ['csv', 'xes', 'jsonocel', 'xmlocel'] as const) {
    it(`${kind} gives PM4Py's DFG, variants, start/end activities and durations`, async () => {
      const log = await readEventLogFile(files[kind]);
      assertMatchesPm4py(analyzeLog(log), expected, `${kind} vs ${source}`);
    });
  }

  it('equal timestamps keep file order (stable), not activity or insertion-by-time order', async () => {
    // Case by case: the activities in (timestamp, file position) order are exactly the log's trace.
    const log = await readEventLogFile(files.xes);
    const byCase = new Map<string, { activity: string; time: number; at: number }[]>();
    rows.forEach((r, at) => byCase.set(r.caseId, [...(byCase.get(r.caseId) ?? []), { activity: r.activity, time: r.time, at }]));
    for (let c = 0; c < log.caseIds.length; c++) {
      const want = [...(byCase.get(log.caseIds[c] ?? '') ?? [])].sort((a, b) => a.time - b.time || a.at - b.at).map((e) => e.activity);
      const got: string[] = [];
      for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) got.push(log.activityNames[log.activity[i] ?? 0] ?? '');
      assert.deepEqual(got, want, `case ${log.caseIds[c] ?? c}`);
    }
  });
});
