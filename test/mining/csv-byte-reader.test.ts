// Properties of the byte-level CSV reader: whatever the quoting, line endings, byte order mark, blank lines and
// chunking, the log holds exactly the rows that were written (each case's events in timestamp order, file order
// among equal timestamps); a row with a missing field fails with its line; timestamps read from bytes are the
// instants the string parser gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isGovflowError } from '../../src/kernel/index.js';
import { analyzePm4pyFigures, parseTimestamp, readCsv, readCsvText, type EventLog } from '../../src/mining/index.js';

interface Row {
  readonly caseId: string;
  readonly activity: string;
  readonly timestamp: string;
  readonly resource: string;
}

const DAY = 86_400_000;

// Names drawn from characters that need quoting (delimiter, quote, line breaks) and multi-byte ones, as well as plain.
const nameChar = fc.constantFrom('a', 'b', 'Z', ' ', ',', ';', '"', '\n', '\r\n', 'é', '€', '😀', '1');
const name = fc.array(nameChar, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(''));
const plainName = fc.array(fc.constantFrom('a', 'b', 'c', 'X', '1', '2', '-', '_', 'é'), { minLength: 1, maxLength: 5 }).map((cs) => cs.join(''));
const timestamp = fc
  .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 86_399 }), fc.constantFrom('T', ' '), fc.constantFrom('', 'Z'))
  .map(([day, second, sep, zone]) => {
    const iso = new Date(Date.UTC(2019, 11, 20) + day * DAY + second * 1000).toISOString();
    return `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}${zone}`;
  });

const rowsOf = (names: fc.Arbitrary<string>): fc.Arbitrary<Row[]> =>
  fc.array(
    fc.record({
      caseId: fc.constantFrom('c1', 'c2', 'c3', 'case 4', 'é5'),
      activity: names,
      // One zone style per file: a file that mixes them is refused, which another test covers.
      timestamp,
      resource: fc.oneof(names, fc.constant('')),
    }),
    { minLength: 1, maxLength: 25 },
  );

/** A field as a CSV writer would put it: quoted when it holds the delimiter, a quote, a line break or edge spaces. */
function field(value: string, delimiter: string, forceQuotes: boolean): string {
  return forceQuotes || /[",;\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replaceAll('"', '""')}"` : value;
}

interface Layout {
  readonly delimiter: string;
  readonly eol: string;
  readonly bom: boolean;
  readonly blankAfter: readonly number[];
  readonly quoteAll: boolean;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t'),
  eol: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  blankAfter: fc.array(fc.nat({ max: 30 }), { maxLength: 3 }),
  quoteAll: fc.boolean(),
});

function toCsv(rows: readonly Row[], l: Layout, sameZone: (ts: string) => string): string {
  const lines = [['case', 'activity', 'timestamp', 'resource'].join(l.delimiter)];
  rows.forEach((r, i) => {
    lines.push([r.caseId, r.activity, sameZone(r.timestamp), r.resource].map((v) => field(v, l.delimiter, l.quoteAll)).join(l.delimiter));
    if (l.blankAfter.includes(i)) lines.push('');
  });
  return `${l.bom ? '\uFEFF' : ''}${lines.join(l.eol)}${l.eol}`;
}

/** What the log must hold: cases in order of first appearance, each ordered by timestamp, stably. */
function expected(rows: readonly Row[], sameZone: (ts: string) => string): string[][] {
  const byCase = new Map<string, { row: Row; index: number }[]>();
  rows.forEach((row, index) => {
    const list = byCase.get(row.caseId) ?? [];
    list.push({ row, index });
    byCase.set(row.caseId, list);
  });
  const out: string[][] = [];
  for (const list of byCase.values()) {
    list.sort((a, b) => parseTimestamp(sameZone(a.row.timestamp)) - parseTimestamp(sameZone(b.row.timestamp)) || a.index - b.index);
    for (const { row } of list) out.push([row.caseId, row.activity, String(parseTimestamp(sameZone(row.timestamp))), row.resource]);
  }
  return out;
}

function actual(log: EventLog): string[][] {
  const out: string[][] = [];
  for (let c = 0; c < log.caseIds.length; c++) {
    for (let i = log.caseStart[c] ?? 0; i < (log.caseStart[c + 1] ?? 0); i++) {
      const r = log.resource[i] ?? -1;
      out.push([log.caseIds[c] ?? '', log.activityNames[log.activity[i] ?? -1] ?? '', String(log.timestamp[i]), r < 0 ? '' : (log.resourceNames[r] ?? '')]);
    }
  }
  return out;
}

async function* chunked(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const p of [...new Set(cuts)].sort((a, b) => a - b)) {
    const to = Math.min(p, bytes.length);
    // A plain Uint8Array (not a Buffer), as any byte source may hand over.
    yield new Uint8Array(bytes.subarray(from, to));
    from = to;
  }
  yield new Uint8Array(bytes.subarray(from));
}

describe('CSV byte reader', () => {
  it('reads back exactly the rows written, whatever the quoting, line endings, BOM, blank lines and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(rowsOf(name), layout, fc.boolean(), fc.array(fc.nat({ max: 2000 }), { maxLength: 8 }), async (rows, l, zoned, cuts) => {
        // One zone style per file; `exact` keeps instants as written (Z is UTC), so both sides compare instants.
        const sameZone = (ts: string): string => (zoned ? ts.replace(/Z?$/, 'Z') : ts.replace(/Z$/, ''));
        const text = toCsv(rows, l, sameZone);
        const want = expected(rows, sameZone);
        const whole = await readCsvText(text, 'p.csv', { zones: 'exact' });
        assert.deepEqual(actual(whole), want);
        const pieces = await readCsv(chunked(Buffer.from(text), cuts), 'p.csv', { zones: 'exact' });
        assert.deepEqual(actual(pieces), want);
        assert.deepEqual(pieces.activityNames, whole.activityNames);
      }),
      { numRuns: 300 },
    );
  });

  it('plain files (the fast path, no quotes) give the same log as the same rows all quoted', async () => {
    await fc.assert(
      fc.asyncProperty(rowsOf(plainName), fc.constantFrom('\n', '\r\n'), async (rows, eol) => {
        const plain = { delimiter: ',', eol, bom: false, blankAfter: [], quoteAll: false };
        const keep = (ts: string): string => ts.replace(/Z$/, '');
        const fast = await readCsvText(toCsv(rows, plain, keep));
        const careful = await readCsvText(toCsv(rows, { ...plain, quoteAll: true }, keep));
        assert.deepEqual(actual(fast), actual(careful));
        assert.deepEqual(actual(fast), expected(rows, keep));
      }),
      { numRuns: 200 },
    );
  });

  it('a row with a field missing fails with its own line, wherever it is and however the file is cut', async () => {
    await fc.assert(
      fc.asyncProperty(rowsOf(plainName), fc.nat(), fc.constantFrom('\n', '\r\n'), fc.array(fc.nat({ max: 2000 }), { maxLength: 6 }), async (rows, pick, eol, cuts) => {
        const keep = (ts: string): string => ts.replace(/Z$/, '');
        const lines = toCsv(rows, { delimiter: ',', eol, bom: false, blankAfter: [], quoteAll: false }, keep).split(eol);
        const broken = 1 + (pick % rows.length); // a data line (line 1 is the header)
        lines[broken] = (lines[broken] ?? '').split(',').slice(0, 3).join(',');
        try {
          await readCsv(chunked(Buffer.from(lines.join(eol)), cuts), 'broken.csv');
          assert.fail('a short row was accepted');
        } catch (error) {
          assert.ok(isGovflowError(error), String(error));
          assert.equal(error.code, 'GOVFLOW_ERR_LOG_PARSE');
          assert.equal(error.details[0]?.line, broken + 1);
          assert.match(error.message, /row has 3 fields, the header has 4/);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('timestamps read from the bytes are the instants the string parser gives, and the same dates are refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 86_399 }),
        fc.constantFrom('', '.5', '.123456'),
        fc.constantFrom('Z', '+02:00', '-0530'),
        async (year, month, day, second, fraction, zone) => {
          const two = (n: number): string => String(n).padStart(2, '0');
          const hms = `${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}`;
          const text = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${hms}${fraction}${zone}`;
          const want = parseTimestamp(text);
          try {
            const log = await readCsvText(`case,activity,timestamp\nc,a,${text}\n`, 't.csv', { zones: 'exact' });
            assert.equal(log.timestamp[0], want, text);
          } catch (error) {
            assert.ok(Number.isNaN(want), `${text} refused but the string parser reads ${want}`);
            assert.ok(isGovflowError(error) && /unparseable timestamp/.test(error.message), String(error));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("with columns: 'pm4py' the same events and PM4Py figures, without resources, and the same rows refused", async () => {
    await fc.assert(
      fc.asyncProperty(rowsOf(name), layout, fc.option(fc.nat()), async (rows, l, breakAt) => {
        const keep = (ts: string): string => ts.replace(/Z$/, '');
        let text = toCsv(rows, l, keep);
        if (breakAt !== null) text = text.replace(/\d\d:\d\d:\d\d/, (t) => (breakAt % 2 ? `${t}x` : t));
        const outcome = async (columns: 'all' | 'pm4py'): Promise<unknown> => {
          try {
            const log = await readCsvText(text, 'c.csv', { columns });
            return { figures: analyzePm4pyFigures(log), rows: actual(log).map((r) => r.slice(0, 3)), log };
          } catch (error) {
            return { error: (error as Error).message };
          }
        };
        const all = (await outcome('all')) as { log?: EventLog };
        const pm4py = (await outcome('pm4py')) as { log?: EventLog };
        if (pm4py.log) {
          assert.ok(pm4py.log.resource.every((r) => r === -1) && pm4py.log.resourceNames.length === 0);
          assert.ok(pm4py.log.lifecycle.every((x) => x === 0));
        }
        delete all.log;
        delete pm4py.log;
        assert.deepEqual(pm4py, all);
      }),
      { numRuns: 150 },
    );
  });

  it('a case whose rows are not consecutive is still one case, in order of first appearance', async () => {
    const log = await readCsvText('case,activity,timestamp\nb,x,2020-01-02\na,y,2020-01-01\nb,z,2020-01-01\na,w,2020-01-03\n');
    assert.deepEqual(log.caseIds, ['b', 'a']);
    assert.deepEqual(actual(log).map((r) => r[1]), ['z', 'x', 'y', 'w']);
  });
});
