// Property tests: whatever bytes arrive, the readers either return a log or fail with GOVFLOW_ERR_LOG_PARSE and a
// position — never another exception, never a hang.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isGovflowError } from '../../src/kernel/index.js';
import { parseOcelJson, parseTimestamp, readCsvText, readOcelJson, readOcelXml, readXes, readXesText } from '../../src/mining/index.js';
import { shuffledRows, toOcelJson } from './shuffled-log.js';

const VALID_XES = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <global scope="event"><string key="concept:name" value="UNKNOWN"/></global>
  <trace>
    <string key="concept:name" value="c1"/>
    <date key="deadline" value="2020-01-09T00:00:00+01:00"/>
    <event>
      <string key="concept:name" value="register &amp; check"/>
      <string key="org:resource" value="Ann"/>
      <date key="time:timestamp" value="2020-01-01T10:00:00.000+01:00"/>
      <string key="lifecycle:transition" value="complete"/>
    </event>
    <event>
      <string key="concept:name" value="decide"/>
      <date key="time:timestamp" value="2020-01-02T10:00:00.000+01:00"/>
      <list key="nested"><values><string key="x" value="y"/></values></list>
    </event>
  </trace>
</log>
`;
const VALID_CSV = 'case,activity,timestamp,resource\n1,"a, quoted",2020-01-01 10:00:00,Ann\n1,b,2020-01-02 10:00:00,Bob\n2,a,2020-01-01T00:00:00,\n';
/** The bytes of `text` cut at the given offsets, as a stream of chunks. */
async function* chunked(text: string, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  let from = 0;
  for (const p of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield bytes.subarray(from, Math.min(p, bytes.length));
    from = Math.min(p, bytes.length);
  }
  yield bytes.subarray(from);
}

const VALID_OCEL = JSON.stringify({
  objectTypes: [{ name: 'order', attributes: [] }],
  eventTypes: [{ name: 'create', attributes: [] }],
  objects: [{ id: 'o1', type: 'order', attributes: [], relationships: [] }],
  events: [{ id: 'e1', type: 'create', time: '2020-01-01T00:00:00Z', attributes: [], relationships: [{ objectId: 'o1', qualifier: '' }] }],
});

function codedOrOk(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(isGovflowError(error), `unexpected ${String(error)}`);
    assert.equal(error.code, 'GOVFLOW_ERR_LOG_PARSE');
    const d = error.details[0];
    assert.ok(d && typeof d.line === 'number' && d.line >= 1 && typeof d.column === 'number' && d.column >= 1, JSON.stringify(d));
  }
}

async function codedOrOkAsync(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(isGovflowError(error), `unexpected ${String(error)}`);
    assert.equal(error.code, 'GOVFLOW_ERR_LOG_PARSE');
    assert.ok((error.details[0]?.line ?? 0) >= 1);
  }
}

/** A valid document with a few characters deleted, inserted or replaced. */
const mutated = (valid: string): fc.Arbitrary<string> =>
  fc
    .array(fc.tuple(fc.nat({ max: valid.length }), fc.nat({ max: 3 }), fc.constantFrom('', '<', '>', '"', '&', '/', '\n', 'x', '=', ',', '{', '}', 'é', '\u0000')), {
      minLength: 1,
      maxLength: 4,
    })
    .map((edits) => {
      let s = valid;
      for (const [at, del, ins] of edits) {
        const i = Math.min(at, s.length);
        s = s.slice(0, i) + ins + s.slice(Math.min(s.length, i + del));
      }
      return s;
    });

describe('parser properties', () => {
  it('the valid fixtures parse', async () => {
    assert.equal(readXesText(VALID_XES).activity.length, 2);
    assert.equal((await readCsvText(VALID_CSV)).activity.length, 3);
    assert.equal(parseOcelJson(VALID_OCEL).events.length, 1);
  });

  it('timestamps: ISO 8601 with any offset gives the instant Date gives', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (date, offsetMinutes) => {
        const local = new Date(date.getTime() + offsetMinutes * 60000).toISOString().slice(0, 23);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        assert.equal(parseTimestamp(text), date.getTime(), text);
        assert.equal(parseTimestamp(text), Date.parse(text), text);
      }),
      { numRuns: 1000 },
    );
  });

  it('XES: thousands of distinct names keep their identity (the byte interner grows)', () => {
    const events = Array.from({ length: 5000 }, (_, i) => `<event><string key="concept:name" value="act ${i % 3000}"/><string key="org:resource" value="r${i}"/></event>`);
    const log = readXesText(`<log><trace><string key="concept:name" value="c"/>${events.join('')}</trace></log>`);
    assert.equal(log.activityNames.length, 3000);
    assert.equal(log.resourceNames.length, 5000);
    for (let i = 0; i < 5000; i++) {
      assert.equal(log.activityNames[log.activity[i] ?? -1], `act ${i % 3000}`);
      assert.equal(log.resourceNames[log.resource[i] ?? -1], `r${i}`);
    }
  });

  it('XES: arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => codedOrOk(() => readXesText(s))), { numRuns: 300 });
  });

  it('XES: mutated valid files', () => {
    fc.assert(fc.property(mutated(VALID_XES), (s) => codedOrOk(() => readXesText(s))), { numRuns: 500 });
  });

  it('XES: any chunking gives the same result as one chunk', async () => {
    const whole = readXesText(VALID_XES);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: VALID_XES.length }), { maxLength: 12 }), async (cuts) => {
        const log = await readXes(chunked(VALID_XES, cuts), 'chunked.xes');
        assert.deepEqual(Array.from(log.activity), Array.from(whole.activity));
        assert.deepEqual(Array.from(log.timestamp), Array.from(whole.timestamp));
        assert.deepEqual(log.activityNames, whole.activityNames);
      }),
      { numRuns: 200 },
    );
  });

  it('OCEL JSON is streamed: any chunking gives the same log, and the same error line and column', async () => {
    const text = toOcelJson(shuffledRows(12));
    const whole = parseOcelJson(text);
    // A broken token inside an event and an event whose time is bad: both must be found wherever the chunks split.
    const lines = text.split('\n');
    const at = lines.findIndex((l, i) => i > 100 && l.includes('"type"'));
    const broken = lines.map((l, i) => (i === at ? l.replace('"type"', '"type" "') : l)).join('\n');
    const badTime = text.replace('"time": "2024-01-01T01:', '"time": "soon-01-01T01:');
    const errorOf = async (input: string, cuts: number[]): Promise<unknown> => {
      try {
        await readOcelJson(chunked(input, cuts), 'chunked.jsonocel');
      } catch (error) {
        return (error as { details?: unknown }).details;
      }
      return undefined;
    };
    const brokenWhole = await errorOf(broken, []);
    const badTimeWhole = await errorOf(badTime, []);
    assert.ok(brokenWhole && badTimeWhole, 'both inputs fail');
    // The case a CI-like run found: a cut just inside the string before the broken token, so the error is found in a
    // later chunk than the token starts in; the error must still name the token's own line and column.
    const tokenAt = Buffer.from(broken).indexOf('"type" "');
    for (let cut = tokenAt; cut <= tokenAt + 10; cut++) assert.deepEqual(await errorOf(broken, [cut]), brokenWhole, `cut at byte ${cut}`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: text.length }), { maxLength: 12 }), async (cuts) => {
        assert.deepEqual(await readOcelJson(chunked(text, cuts), 'chunked.jsonocel'), whole);
        assert.deepEqual(await errorOf(broken, cuts), brokenWhole);
        assert.deepEqual(await errorOf(badTime, cuts), badTimeWhole);
      }),
      { numRuns: 100 },
    );
  });

  it('CSV: arbitrary and mutated text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 200 }), (s) => codedOrOkAsync(() => readCsvText(s))), { numRuns: 200 });
    await fc.assert(fc.asyncProperty(mutated(VALID_CSV), (s) => codedOrOkAsync(() => readCsvText(s))), { numRuns: 300 });
  });

  it('OCEL: arbitrary and mutated JSON and XML', async () => {
    fc.assert(fc.property(mutated(VALID_OCEL), (s) => codedOrOk(() => parseOcelJson(s))), { numRuns: 300 });
    fc.assert(fc.property(fc.json(), (s) => codedOrOk(() => parseOcelJson(s))), { numRuns: 200 });
    const xml = '<log><events><event id="e1" type="a" time="2020-01-01T00:00:00"><objects><relationship object-id="o" qualifier=""/></objects></event></events></log>';
    await fc.assert(
      fc.asyncProperty(mutated(xml), (s) =>
        codedOrOkAsync(() =>
          readOcelXml(
            (async function* () {
              yield Buffer.from(s);
            })(),
          ),
        ),
      ),
      { numRuns: 300 },
    );
  });
});
