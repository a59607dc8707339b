/**
 * A streaming CSV event-log reader with column mapping. Rows are decoded chunk by chunk (quotes may span chunks and
 * lines) into typed columns; then, as PM4Py does, events are stably sorted by case, timestamp and file row.
 */
import { GovflowError } from '../kernel/index.js';
import { fileChunks, type ProgressCallback } from './byte-source.js';
import { EventLogBuilder, LIFECYCLE_COMPLETE, lifecycleCode, type EventLog } from './event-log.js';
import { lastHadZone, lastOffsetMs, parseTimestamp, type ZoneMode } from './timestamp.js';

export interface CsvOptions {
  /** Column names; defaults: the PM4Py names (case:concept:name, concept:name, time:timestamp) or case/activity/timestamp. */
  readonly case?: string;
  readonly activity?: string;
  readonly timestamp?: string;
  readonly resource?: string;
  readonly lifecycle?: string;
  readonly group?: string;
  /** Default: guessed from the header line (comma, semicolon or tab). */
  readonly delimiter?: string;
  readonly lenient?: boolean;
  readonly zones?: ZoneMode;
  readonly onProgress?: ProgressCallback;
}

export async function readCsvFile(path: string, options: CsvOptions = {}): Promise<EventLog> {
  return readCsv(fileChunks(path, options.onProgress), path, options);
}

export function readCsvText(text: string, where = 'input.csv', options: CsvOptions = {}): Promise<EventLog> {
  async function* one(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(text, 'utf8');
  }
  return readCsv(one(), where, options);
}

const CANDIDATES = {
  case: ['case:concept:name', 'case', 'case id', 'caseid', 'case_id'],
  activity: ['concept:name', 'activity', 'activity name', 'event'],
  timestamp: ['time:timestamp', 'timestamp', 'time', 'complete timestamp', 'end'],
  resource: ['org:resource', 'resource', 'user', 'actor'],
  lifecycle: ['lifecycle:transition', 'lifecycle'],
  group: ['org:group', 'group', 'department'],
} as const;

type Fail = (line: number, column: number, message: string) => never;
type Columns = Record<keyof typeof CANDIDATES, number>;

/** The header's column for each role: the one named in the options, else the first known name (PM4Py's first). */
function pickColumns(header: readonly string[], options: CsvOptions, fail: Fail): Columns {
  const lower = header.map((x) => x.trim().toLowerCase());
  const pick = (name: keyof typeof CANDIDATES, given: string | undefined, required: boolean): number => {
    if (given !== undefined) {
      const i = header.indexOf(given);
      if (i < 0) fail(1, 1, `no ${name} column '${given}' in the header (columns: ${header.join(', ')})`);
      return i;
    }
    for (const candidate of CANDIDATES[name]) {
      const i = lower.indexOf(candidate);
      if (i >= 0) return i;
    }
    if (required) fail(1, 1, `no ${name} column in the header (columns: ${header.join(', ')}); name it with --${name}`);
    return -1;
  };
  return {
    case: pick('case', options.case, true),
    activity: pick('activity', options.activity, true),
    timestamp: pick('timestamp', options.timestamp, true),
    resource: pick('resource', options.resource, false),
    lifecycle: pick('lifecycle', options.lifecycle, false),
    group: pick('group', options.group, false),
  };
}

/**
 * The rows read so far as typed columns (a case number, interned activity, resource and group ids, a timestamp, a
 * lifecycle code per row), grown by doubling: millions of rows without an object each.
 */
class RowColumns {
  rows = 0;
  readonly caseNames: string[] = [];
  private readonly caseIndex = new Map<string, number>();
  private rowCase: Int32Array = new Int32Array(4096);
  private rowAct: Int32Array = new Int32Array(4096);
  private rowTs: Float64Array = new Float64Array(4096);
  private rowRes: Int32Array = new Int32Array(4096);
  private rowGrp: Int32Array = new Int32Array(4096);
  private rowLife: Uint8Array = new Uint8Array(4096);

  add(caseId: string, activity: number, ts: number, resource: number, group: number, lifecycle: number): void {
    let c = this.caseIndex.get(caseId);
    if (c === undefined) {
      c = this.caseNames.length;
      this.caseIndex.set(caseId, c);
      this.caseNames.push(caseId);
    }
    if (this.rows === this.rowCase.length) this.grow();
    const r = this.rows++;
    this.rowCase[r] = c;
    this.rowAct[r] = activity;
    this.rowTs[r] = ts;
    this.rowRes[r] = resource;
    this.rowGrp[r] = group;
    this.rowLife[r] = lifecycle;
  }

  private grow(): void {
    const size = this.rowCase.length * 2;
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.rowCase = g32(this.rowCase);
    this.rowAct = g32(this.rowAct);
    this.rowRes = g32(this.rowRes);
    this.rowGrp = g32(this.rowGrp);
    const ts = new Float64Array(size);
    ts.set(this.rowTs);
    this.rowTs = ts;
    const lf = new Uint8Array(size);
    lf.set(this.rowLife);
    this.rowLife = lf;
  }

  /**
   * Hands the rows to the builder case by case (first appearance) with a counting sort, in file order; the builder
   * then orders each case by timestamp, stably, as it closes it (PM4Py's format_dataframe order), which costs nothing
   * for a case in order.
   */
  addCasesTo(builder: EventLogBuilder): void {
    const { rows, rowCase, rowAct, rowTs, rowRes, rowGrp, rowLife, caseNames } = this;
    const cases = caseNames.length;
    const start = new Int32Array(cases + 1);
    for (let r = 0; r < rows; r++) start[(rowCase[r] ?? 0) + 1]!++;
    for (let c = 0; c < cases; c++) start[c + 1]! += start[c] ?? 0;
    const order = new Int32Array(rows);
    const fill = start.slice(0, cases);
    for (let r = 0; r < rows; r++) order[fill[rowCase[r] ?? 0]!++] = r;
    for (let c = 0; c < cases; c++) {
      for (let k = start[c] ?? 0; k < (start[c + 1] ?? 0); k++) {
        const r = order[k] ?? 0;
        builder.addEvent(rowAct[r] ?? 0, rowTs[r] ?? 0, rowRes[r] ?? -1, rowGrp[r] ?? -1, rowLife[r] ?? 0);
      }
      builder.endCase(caseNames[c] ?? String(c));
    }
  }
}

/**
 * Splits decoded text into records (RFC 4180 quoting, with line and column of every field for error messages). Its
 * state survives chunk boundaries: a quoted field may span chunks and lines.
 */
class CsvTokenizer {
  private field = '';
  private fields: string[] = [];
  private fieldCols: number[] = [];
  private inQuotes = false;
  private afterQuote = false;
  private line = 1;
  private col = 1;
  private recordLine = 1;
  private fieldCol = 1;
  private quoteLine = 0;
  private quoteCol = 0;

  constructor(
    private delimiter: string | undefined,
    private readonly fail: Fail,
    /** One record: its fields, the column each field starts at, and the line the record starts on. */
    private readonly onRecord: (values: string[], columns: number[], line: number) => void,
  ) {}

  consume(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] ?? '';
      if (this.delimiter === undefined) {
        // Guess from the first line: the most frequent of , ; tab outside quotes.
        const nl = text.indexOf('\n');
        const first = nl >= 0 ? text.slice(0, nl) : text;
        const count = (d: string): number => first.split(d).length;
        this.delimiter = [',', ';', '\t'].sort((a, b) => count(b) - count(a))[0] ?? ',';
      }
      if (this.inQuotes) {
        if (ch === '"') {
          this.inQuotes = false;
          this.afterQuote = true;
        } else this.field += ch;
        if (ch === '\n') {
          this.line++;
          this.col = 1;
        } else this.col++;
        continue;
      }
      if (this.afterQuote && ch === '"') {
        this.field += '"';
        this.inQuotes = true;
        this.afterQuote = false;
        this.col++;
        continue;
      }
      if (ch === this.delimiter) {
        this.endField();
        this.col++;
        this.fieldCol = this.col;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        this.endField();
        this.endRecord();
        this.line++;
        this.col = 1;
        this.fieldCol = 1;
        this.recordLine = this.line;
        continue;
      }
      if (ch === '"') {
        if (this.field.trim() !== '' || this.afterQuote) this.fail(this.line, this.col, 'a quote inside an unquoted field (quote the whole field and double inner quotes)');
        this.field = '';
        this.inQuotes = true;
        this.quoteLine = this.line;
        this.quoteCol = this.col;
        this.col++;
        continue;
      }
      if (this.afterQuote) this.fail(this.line, this.col, `unexpected '${ch}' after a closing quote`);
      this.field += ch;
      this.col++;
    }
  }

  /** The end of the input: an open quote is an error, a last line without a line break is a record. */
  end(): void {
    if (this.inQuotes) this.fail(this.quoteLine, this.quoteCol, 'a quoted field is not closed before the end of the file');
    if (this.field !== '' || this.fields.length > 0) {
      this.endField();
      this.endRecord();
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.fieldCols.push(this.fieldCol);
    this.field = '';
    this.afterQuote = false;
  }

  private endRecord(): void {
    const values = this.fields;
    const columns = this.fieldCols;
    this.fields = [];
    this.fieldCols = [];
    this.onRecord(values, columns, this.recordLine);
  }
}

export async function readCsv(chunks: AsyncIterable<Uint8Array>, where: string, options: CsvOptions = {}): Promise<EventLog> {
  const decoder = new TextDecoder('utf-8');
  const lenient = options.lenient ?? false;
  const wallClock = (options.zones ?? 'wall-clock') === 'wall-clock';
  const fail: Fail = (l, c, message) => {
    throw new GovflowError('GOVFLOW_ERR_LOG_PARSE', `${where}:${l}:${c}: ${message}`, [{ where, line: l, column: c, message }]);
  };
  const builder = new EventLogBuilder();
  const table = new RowColumns();
  let header: string[] | undefined;
  let cols: Columns = { case: -1, activity: -1, timestamp: -1, resource: -1, lifecycle: -1, group: -1 };
  let zoneMode = 0;

  const record = (values: string[], at: number[], recordLine: number): void => {
    if (values.length === 1 && values[0] === '') return; // blank line
    if (!header) {
      header = values.map((v, i) => (i === 0 ? v.replace(/^\uFEFF/, '') : v));
      cols = pickColumns(header, options, fail);
      return;
    }
    const bad = (column: number, message: string): void => {
      if (!lenient) fail(recordLine, at[column] ?? 1, message);
      builder.skip(`line ${recordLine}, column ${at[column] ?? 1}: ${message}`);
    };
    if (values.length !== header.length) {
      bad(Math.min(values.length, header.length) - 1, `row has ${values.length} fields, the header has ${header.length}`);
      return;
    }
    const caseId = values[cols.case] ?? '';
    if (caseId === '') return bad(cols.case, `empty case id in column '${header[cols.case] ?? ''}'`);
    const activity = values[cols.activity] ?? '';
    if (activity === '') return bad(cols.activity, `empty activity in column '${header[cols.activity] ?? ''}'`);
    const rawTs = values[cols.timestamp] ?? '';
    let ts = parseTimestamp(rawTs);
    if (Number.isNaN(ts)) return bad(cols.timestamp, `unparseable timestamp '${rawTs}' (expected ISO 8601, e.g. 2024-03-01 09:30:00 or 2024-03-01T09:30:00+01:00)`);
    const mode = lastHadZone ? 1 : 2;
    if (zoneMode === 0) zoneMode = mode;
    else if (zoneMode !== mode) {
      return bad(cols.timestamp, `timestamp '${rawTs}' ${mode === 1 ? 'has a time zone but earlier ones have none' : 'has no time zone but earlier ones have one'} (mixed zones)`);
    }
    if (wallClock) ts += lastOffsetMs;
    const res = cols.resource >= 0 ? (values[cols.resource] ?? '') : '';
    const grp = cols.group >= 0 ? (values[cols.group] ?? '') : '';
    table.add(caseId, builder.activityId(activity), ts, res === '' ? -1 : builder.resourceId(res), grp === '' ? -1 : builder.groupId(grp),
      cols.lifecycle >= 0 ? lifecycleCode(values[cols.lifecycle] ?? '') : LIFECYCLE_COMPLETE);
  };

  const tokenizer = new CsvTokenizer(options.delimiter, fail, record);
  for await (const chunk of chunks) tokenizer.consume(decoder.decode(chunk, { stream: true }));
  tokenizer.consume(decoder.decode());
  tokenizer.end();
  if (!header) fail(1, 1, 'the file is empty (no header line)');
  table.addCasesTo(builder);
  return builder.build();
}
