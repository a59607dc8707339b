// The CSV fast path (src/mining/csv-fast.ts, a WebAssembly scan) against the general reader: for any file it gives
// the same log or gives up (and the general reader then reads the file), it never gives a log for a file the general
// reader refuses, and it does take the plain files it is for, however the bytes arrive. The committed module is what
// csv-scan.wat compiles to.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzePm4pyFigures, readCsv, readCsvFast, readCsvFile, readCsvText, type ByteFill, type EventLog } from '../../src/mining/index.js';

const DAY = 86_400_000;
const two = (n: number): string => String(n).padStart(2, '0');

const plainChar = fc.constantFrom('a', 'b', 'c', 'X', '1', '2', '-', '_', ' ', 'é', '😀');
const plainName = fc.array(plainChar, { minLength: 1, maxLength: 9 }).map((cs) => cs.join(''));

/** Timestamps the fast path reads (with one zone style per file). */
const timestamp = fc
  .tuple(fc.integer({ min: -40_000, max: 40_000 }), fc.integer({ min: 0, max: 86_399 }), fc.constantFrom('T', ' ', 't'), fc.constantFrom('', '.5', '.123', '.123456'), fc.boolean())
  .map(([day, second, sep, fraction, dateOnly]) => {
    const iso = new Date(Date.UTC(2019, 11, 20) + day * DAY + second * 1000).toISOString();
    return dateOnly ? iso.slice(0, 10) : `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}${fraction}`;
  });
/** Timestamps to break a file with: some the general reader refuses, some it reads through its string path. */
const oddTimestamp = fc.constantFrom(
  '2020-02-30T10:00:00',
  '2021-02-29',
  '2024-02-29T00:00:00',
  '2020-13-01',
  '0099-01-01',
  '2020-01-01T24:00:00',
  '2020-01-01T23:60:00',
  '2020-01-01T23:59:60',
  '2020-01-01T10:00',
  '2020-01-01T10:0',
  '2020-01-01T10:00:00.',
  '2020-01-01T10:00:00x',
  '2020-01-01T10:00:00+19:00',
  '2020-01-01T10:00:00-03:61',
  '2020-01-01T10:00:00+0230',
  '2020-01-01T10:00:00z',
  ' 2020-01-01',
  '2020-01-01 ',
  '2020-1-01',
  'yesterday',
  '',
);

interface Csv {
  readonly bytes: Buffer;
}

/** A plain file: header case,activity,timestamp,resource, rows of a few cases and activities. */
const plainCsv: fc.Arbitrary<Csv> = fc
  .record({
    delimiter: fc.constantFrom(',', ';', '\t'),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    finalEol: fc.boolean(),
    zone: fc.constantFrom('', 'Z', '+02:00', '-0530', '+01'),
    cases: fc.array(plainName, { minLength: 1, maxLength: 6 }),
    activities: fc.array(plainName, { minLength: 1, maxLength: 6 }),
    rows: fc.array(
      fc.record({ c: fc.nat(), a: fc.nat(), ts: timestamp, resource: fc.oneof(plainName, fc.constant('')), blank: fc.nat({ max: 9 }).map((n) => n === 0) }),
      { maxLength: 40 },
    ),
    // Rows of a case together (the usual export) or spread over the file.
    grouped: fc.boolean(),
  })
  .map((f) => {
    const rows = f.grouped ? [...f.rows].sort((x, y) => (x.c % f.cases.length) - (y.c % f.cases.length)) : f.rows;
    const lines: string[] = [['case', 'activity', 'timestamp', 'resource'].join(f.delimiter)];
    for (const r of rows) {
      lines.push([f.cases[r.c % f.cases.length]!, f.activities[r.a % f.activities.length]!, f.zone && r.ts.length === 10 ? `${r.ts}T00:00:00${f.zone}` : `${r.ts}${f.zone}`, r.resource].join(f.delimiter));
      if (r.blank) lines.push('');
    }
    return { bytes: Buffer.from(`${f.bom ? '\uFEFF' : ''}${lines.join(f.eol)}${f.finalEol ? f.eol : ''}`) };
  });

/**
 * A plain file with a few bytes inserted, replaced or deleted, and maybe an odd timestamp in a row: quotes, line
 * breaks and delimiters where they change the rows, bytes that are not UTF-8 (0xfe and 0xff both decode to U+FFFD,
 * so two case ids may become one), digits and zone letters in timestamps.
 */
const brokenCsv: fc.Arbitrary<Csv> = fc
  .tuple(
    plainCsv,
    fc.oneof(
      fc.constant([]),
      fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'replace', 'delete'), byte: fc.constantFrom(...Buffer.from(',;\t"\r\n :+-.TZ05ab'), 0xfe, 0xff, 0xc3) }), { minLength: 1, maxLength: 2 }),
    ),
    fc.option(fc.tuple(fc.nat(), oddTimestamp), { freq: 3 }),
  )
  .map(([csv, edits, odd]) => {
    let text = csv.bytes.toString('latin1');
    if (odd) {
      const stamps = [...text.matchAll(/\d{4}-\d\d-\d\d[^,;\t\r\n]*/g)];
      const hit = stamps[odd[0] % Math.max(1, stamps.length)];
      if (hit) text = text.slice(0, hit.index) + odd[1] + text.slice(hit.index + hit[0].length);
    }
    const bytes = [...Buffer.from(text, 'latin1')];
    // Not in the header: a broken header name only sends both readers to the same error.
    const body = bytes.indexOf(10) + 1;
    for (const e of edits) {
      const at = body + (e.at % (bytes.length - body + 1));
      if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
      else if (at < bytes.length) bytes.splice(at, 1, ...(e.kind === 'replace' ? [e.byte] : []));
    }
    return { bytes: Buffer.from(bytes) };
  });

const columns = (header: string[]): { case: number; activity: number; timestamp: number; resource: number; lifecycle: number; group: number } | undefined => {
  const at = (name: string): number => header.indexOf(name);
  return at('case') < 0 || at('activity') < 0 || at('timestamp') < 0 ? undefined : { case: at('case'), activity: at('activity'), timestamp: at('timestamp'), resource: -1, lifecycle: -1, group: -1 };
};

/** A source that hands over at most `step` bytes a call, so lines and CRLFs fall across reads. */
const source =
  (bytes: Buffer, step: number): ByteFill =>
  (into, position) => {
    const n = Math.max(0, Math.min(into.length, step, bytes.length - position));
    into.set(bytes.subarray(position, position + n));
    return n;
  };

/** Everything a log holds, names in place of ids. */
function contents(log: EventLog): unknown {
  return {
    caseIds: [...log.caseIds],
    caseStart: [...log.caseStart],
    activities: [...log.activity].map((a) => log.activityNames[a]),
    activityNames: [...log.activityNames],
    timestamps: [...log.timestamp],
    resource: [...log.resource],
    group: [...log.group],
    lifecycle: [...log.lifecycle],
    resourceNames: [...log.resourceNames],
    groupNames: [...log.groupNames],
    skipped: log.skipped,
  };
}

async function general(bytes: Buffer, zones: 'exact' | 'wall-clock'): Promise<EventLog | Error> {
  try {
    // The bytes as they are (decoded by the reader, not by the test: some are not UTF-8).
    return await readCsv(
      (async function* () {
        yield bytes;
      })(),
      'p.csv',
      { columns: 'pm4py', zones },
    );
  } catch (error) {
    return error as Error;
  }
}

describe('CSV fast path', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'csv-fast-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the committed module is what csv-scan.wat compiles to', () => {
    const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('gives the general reader\'s log or gives up, for any file, however the bytes arrive; never a log the general reader refuses', async () => {
    await fc.assert(
      fc.asyncProperty(brokenCsv, fc.integer({ min: 1, max: 64 }), fc.constantFrom('exact' as const, 'wall-clock' as const), async (csv, step, zones) => {
        const want = await general(csv.bytes, zones);
        const fast = readCsvFast(source(csv.bytes, step), csv.bytes.length, { delimiter: undefined, wallClock: zones === 'wall-clock', columns });
        if (want instanceof Error) assert.equal(fast, undefined, `the fast path read a file the general reader refuses (${want.message})`);
        else if (fast) assert.deepEqual(contents(fast), contents(want));
      }),
      { numRuns: 600 },
    );
  });

  it('takes every plain file, with the same log and PM4Py figures as the general reader', async () => {
    await fc.assert(
      fc.asyncProperty(plainCsv, fc.integer({ min: 1, max: 4096 }), async (csv, step) => {
        const want = await general(csv.bytes, 'wall-clock');
        assert.ok(!(want instanceof Error), String(want));
        const fast = readCsvFast(source(csv.bytes, step), csv.bytes.length, { delimiter: undefined, wallClock: true, columns });
        assert.ok(fast, 'a plain file went to the general reader');
        assert.deepEqual(contents(fast), contents(want));
        assert.deepEqual(analyzePm4pyFigures(fast), analyzePm4pyFigures(want));
      }),
      { numRuns: 300 },
    );
  });

  it('readCsvFile gives the same log and errors whichever reader it takes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(plainCsv, brokenCsv), async (csv) => {
        const file = path.join(dir, 'f.csv');
        writeFileSync(file, csv.bytes);
        const want = await general(csv.bytes, 'wall-clock');
        let got: EventLog | Error;
        try {
          got = await readCsvFile(file, { columns: 'pm4py' });
        } catch (error) {
          got = error as Error;
        }
        if (want instanceof Error) assert.equal(got instanceof Error ? got.message.replace(file, 'p.csv') : 'read', want.message);
        else assert.deepEqual(got instanceof Error ? got.message : contents(got), contents(want));
      }),
      { numRuns: 200 },
    );
  });

  it('counts the fields after the last one it reads: a row with one too many or too few there goes to the general reader', async () => {
    const header = 'case,activity,timestamp,resource,amount,note\n';
    const good = 'c1,a,2020-01-01T00:00:00,r1,10.5,ok\nc1,b,2020-01-02T00:00:00,r2,3,a longer note than sixteen bytes\n';
    for (const tail of [',x', '', ',,', ',a longer note than sixteen bytes,and one more field']) {
      for (const bad of [`c2,a,2020-01-03T00:00:00,r1,1${tail}\n`, `c2,a,2020-01-03T00:00:00,r1${tail ? `,1,${tail.slice(1)}` : ''}\n`]) {
        const bytes = Buffer.from(header + good + bad);
        const want = await general(bytes, 'wall-clock');
        const fast = readCsvFast(source(bytes, 1 << 20), bytes.length, { delimiter: undefined, wallClock: true, columns });
        if (want instanceof Error) assert.equal(fast, undefined, `${JSON.stringify(bad)}: ${want.message}`);
        else assert.deepEqual(fast && contents(fast), contents(want), JSON.stringify(bad));
      }
    }
    const ok = Buffer.from(header + good);
    assert.ok(readCsvFast(source(ok, 7), ok.length, { delimiter: undefined, wallClock: true, columns }), 'the good rows are taken');
  });

  it('a file larger than one read, with cases spread over it, and lines across the reads', async () => {
    const lines = ['case:concept:name,concept:name,time:timestamp,org:resource'];
    for (let i = 0; i < 40_000; i++) lines.push(`c${(i * 7919) % 9973},act ${i % 13},2020-${two(1 + (i % 12))}-${two(1 + (i % 28))}T${two(i % 24)}:${two(i % 60)}:00.${i % 1000}Z,r${i % 50}`);
    const bytes = Buffer.from(`${lines.join('\r\n')}\r\n`);
    assert.ok(bytes.length > 1 << 20, 'more than one 1 MB read');
    const pick = (header: string[]): ReturnType<typeof columns> => ({ case: header.indexOf('case:concept:name'), activity: header.indexOf('concept:name'), timestamp: header.indexOf('time:timestamp'), resource: -1, lifecycle: -1, group: -1 });
    const fast = readCsvFast(source(bytes, 300_001), bytes.length, { delimiter: undefined, wallClock: true, columns: pick });
    assert.ok(fast, 'taken');
    assert.deepEqual(contents(fast), contents(await readCsvText(bytes.toString('utf8'), 'big.csv', { columns: 'pm4py' })));
  });
});
