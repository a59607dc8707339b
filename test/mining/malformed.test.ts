// Acceptance 3: malformed logs fail with GOVFLOW_ERR_LOG_PARSE, the line and column, and what is wrong; --lenient
// skips bad events and empty traces and counts them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGovflowError } from '../../src/kernel/index.js';
import { parseOcelJson, readCsvText, readOcelXml, readXesText } from '../../src/mining/index.js';

function expectParseError(fn: () => unknown, line: number, column: number, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.ok(isGovflowError(error), `expected a GovflowError, got ${String(error)}`);
    assert.equal(error.code, 'GOVFLOW_ERR_LOG_PARSE');
    const detail = error.details[0];
    assert.ok(detail);
    assert.deepEqual([detail.line, detail.column], [line, column], `position of: ${detail.message}`);
    assert.match(detail.message, pattern);
    assert.match(error.message, new RegExp(`:${line}:${column}: `));
    return;
  }
  assert.fail('expected a parse error');
}

async function expectParseErrorAsync(fn: () => Promise<unknown>, line: number, column: number, pattern: RegExp): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(isGovflowError(error));
    assert.equal(error.code, 'GOVFLOW_ERR_LOG_PARSE');
    assert.deepEqual([error.details[0]?.line, error.details[0]?.column], [line, column], error.details[0]?.message);
    assert.match(error.details[0]?.message ?? '', pattern);
    return true;
  });
}

const xes = (body: string): string => `<?xml version="1.0"?>\n<log xes.version="1.0">\n${body}</log>\n`;

describe('malformed XES', () => {
  it('broken XML: a mismatched closing tag', () => {
    expectParseError(() => readXesText(xes('<trace>\n  <event>\n    <string key="concept:name" value="a"/>\n  </trace>\n')), 6, 3, /expected <\/event> but found <\/trace>/);
  });
  it('broken XML: a truncated file', () => {
    expectParseError(() => readXesText('<log>\n<trace>\n<event>\n<string key="concept:name" value="a"/>\n'), 5, 1, /truncated/);
  });
  it('broken XML: an unquoted attribute value', () => {
    expectParseError(() => readXesText(xes('<trace>\n  <event><string key=concept:name value="a"/></event></trace>')), 4, 22, /must be quoted/);
  });
  it('not XES at all', () => {
    expectParseError(() => readXesText('{"json": true}'), 1, 1, /not an XML file/);
  });
  it('an unparseable timestamp points at its value', () => {
    const text = xes('<trace>\n  <event>\n    <string key="concept:name" value="a"/>\n    <date key="time:timestamp" value="2020-13-01T00:00:00Z"/>\n  </event>\n</trace>\n');
    expectParseError(() => readXesText(text), 6, 39, /unparseable timestamp '2020-13-01T00:00:00Z'/);
  });
  it('mixed zones', () => {
    const text = xes(
      '<trace>\n  <event><string key="concept:name" value="a"/><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event>\n' +
        '  <event><string key="concept:name" value="b"/><date key="time:timestamp" value="2020-01-02T00:00:00"/></event>\n</trace>\n',
    );
    expectParseError(() => readXesText(text), 5, 82, /mixed zones/);
  });
  it('an empty trace', () => {
    expectParseError(() => readXesText(xes('<trace>\n  <string key="concept:name" value="c1"/>\n</trace>\n')), 5, 1, /trace 'c1' has no events/);
  });
  it('an event without an activity', () => {
    expectParseError(() => readXesText(xes('<trace>\n  <event><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event>\n</trace>\n')), 4, 67, /no concept:name/);
  });
  it('--lenient skips bad events and empty traces and counts them', () => {
    const text = xes(
      '<trace>\n  <event><string key="concept:name" value="a"/><date key="time:timestamp" value="garbage"/></event>\n' +
        '  <event><string key="concept:name" value="b"/><date key="time:timestamp" value="2020-01-02T00:00:00"/></event>\n</trace>\n<trace></trace>\n',
    );
    const log = readXesText(text, 'x.xes', { lenient: true });
    assert.equal(log.caseIds.length, 1);
    assert.equal(log.activity.length, 1);
    assert.equal(log.skipped.events, 1);
    assert.equal(log.skipped.traces, 1);
    assert.match(log.skipped.reasons[0] ?? '', /line 4, column 82: unparseable timestamp 'garbage'/);
    assert.match(log.skipped.reasons[1] ?? '', /line 7, column 8: empty trace/);
  });
});

describe('malformed CSV', () => {
  it('a missing case column lists the columns there are', async () => {
    await expectParseErrorAsync(() => readCsvText('id,act,time\n1,a,2020-01-01\n'), 1, 1, /no case column in the header \(columns: id, act, time\)/);
  });
  it('a mapped column that does not exist', async () => {
    await expectParseErrorAsync(() => readCsvText('id,act,time\n1,a,2020-01-01\n', 'x.csv', { case: 'caseid', activity: 'act', timestamp: 'time' }), 1, 1, /no case column 'caseid'/);
  });
  it('an unparseable timestamp', async () => {
    await expectParseErrorAsync(() => readCsvText('case,activity,timestamp\n1,a,2020-01-01\n1,b,yesterday\n'), 3, 5, /unparseable timestamp 'yesterday'/);
  });
  it('mixed zones', async () => {
    await expectParseErrorAsync(() => readCsvText('case,activity,timestamp\n1,a,2020-01-01T00:00:00Z\n1,b,2020-01-02 10:00\n'), 3, 5, /mixed zones/);
  });
  it('an unclosed quote', async () => {
    await expectParseErrorAsync(() => readCsvText('case,activity,timestamp\n1,"a,2020-01-01\n'), 2, 3, /not closed/);
  });
  it('a row with too few fields', async () => {
    await expectParseErrorAsync(() => readCsvText('case,activity,timestamp\n1,a\n'), 2, 3, /2 fields, the header has 3/);
  });
  it('--lenient skips and counts', async () => {
    const log = await readCsvText('case,activity,timestamp\n1,a,2020-01-01\n1,b,yesterday\n1,c,2020-01-03\n', 'x.csv', { lenient: true });
    assert.equal(log.activity.length, 2);
    assert.equal(log.skipped.events, 1);
  });
});

describe('malformed OCEL', () => {
  it('broken JSON gives the line and column', () => {
    expectParseError(() => parseOcelJson('{\n "events": [\n  {"id": "e1", "type": "x", "time": 5,}\n ]\n}'), 3, 39, /invalid JSON/);
  });
  it('an event with an unparseable time points at the event', () => {
    expectParseError(() => parseOcelJson('{\n "events": [\n  {"id": "e1", "type": "x", "time": "soon"}\n ]\n}'), 3, 10, /event e1: unparseable time 'soon'/);
  });
  it('broken XML', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('<log>\n  <events>\n    <event id="e1" type="a" time="2020-01-01T00:00:00">\n  </events>\n</log>\n');
    }
    await assert.rejects(
      () => readOcelXml(chunks()),
      (error: unknown) => isGovflowError(error) && error.code === 'GOVFLOW_ERR_LOG_PARSE' && error.details[0]?.line === 4,
    );
  });
});
