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

export async function readCsv(chunks: AsyncIterable<Uint8Array>, where: string, options: CsvOptions = {}): Promise<EventLog> {
  const decoder = new TextDecoder('utf-8');
  const lenient = options.lenient ?? false;
  const wallClock = (options.zones ?? 'wall-clock') === 'wall-clock';
  let header: string[] | undefined;
  let delimiter = options.delimiter;
  let cols = { case: -1, activity: -1, timestamp: -1, resource: -1, lifecycle: -1, group: -1 };
  const builder = new EventLogBuilder();
  const caseIndex = new Map<string, number>();
  const caseNames: string[] = [];
  let rowCase: Int32Array = new Int32Array(4096);
  let rowAct: Int32Array = new Int32Array(4096);
  let rowTs: Float64Array = new Float64Array(4096);
  let rowRes: Int32Array = new Int32Array(4096);
  let rowGrp: Int32Array = new Int32Array(4096);
  let rowLife: Uint8Array = new Uint8Array(4096);
  let rows = 0;
  let zoneMode = 0;

  // Parser state that survives chunk boundaries.
  let field = '';
  let fields: string[] = [];
  let fieldCols: number[] = [];
  let inQuotes = false;
  let afterQuote = false;
  let line = 1;
  let col = 1;
  let recordLine = 1;
  let fieldCol = 1;
  let quoteLine = 0;
  let quoteCol = 0;

  const fail = (l: number, c: number, message: string): never => {
    throw new GovflowError('GOVFLOW_ERR_LOG_PARSE', `${where}:${l}:${c}: ${message}`, [{ where, line: l, column: c, message }]);
  };

  const pick = (name: keyof typeof CANDIDATES, given: string | undefined, required: boolean): number => {
    const h = header ?? [];
    if (given !== undefined) {
      const i = h.indexOf(given);
      if (i < 0) fail(1, 1, `no ${name} column '${given}' in the header (columns: ${h.join(', ')})`);
      return i;
    }
    const lower = h.map((x) => x.trim().toLowerCase());
    for (const candidate of CANDIDATES[name]) {
      const i = lower.indexOf(candidate);
      if (i >= 0) return i;
    }
    if (required) fail(1, 1, `no ${name} column in the header (columns: ${h.join(', ')}); name it with --${name}`);
    return -1;
  };

  const grow = (): void => {
    const size = rowCase.length * 2;
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    rowCase = g32(rowCase);
    rowAct = g32(rowAct);
    rowRes = g32(rowRes);
    rowGrp = g32(rowGrp);
    const ts = new Float64Array(size);
    ts.set(rowTs);
    rowTs = ts;
    const lf = new Uint8Array(size);
    lf.set(rowLife);
    rowLife = lf;
  };

  const record = (): void => {
    const values = fields;
    const at = fieldCols;
    fields = [];
    fieldCols = [];
    if (values.length === 1 && values[0] === '') return; // blank line
    if (!header) {
      header = values.map((v, i) => (i === 0 ? v.replace(/^\uFEFF/, '') : v));
      cols = {
        case: pick('case', options.case, true),
        activity: pick('activity', options.activity, true),
        timestamp: pick('timestamp', options.timestamp, true),
        resource: pick('resource', options.resource, false),
        lifecycle: pick('lifecycle', options.lifecycle, false),
        group: pick('group', options.group, false),
      };
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
    let c = caseIndex.get(caseId);
    if (c === undefined) {
      c = caseNames.length;
      caseIndex.set(caseId, c);
      caseNames.push(caseId);
    }
    if (rows === rowCase.length) grow();
    rowCase[rows] = c;
    rowAct[rows] = builder.activityId(activity);
    rowTs[rows] = ts;
    const res = cols.resource >= 0 ? (values[cols.resource] ?? '') : '';
    rowRes[rows] = res === '' ? -1 : builder.resourceId(res);
    const grp = cols.group >= 0 ? (values[cols.group] ?? '') : '';
    rowGrp[rows] = grp === '' ? -1 : builder.groupId(grp);
    rowLife[rows] = cols.lifecycle >= 0 ? lifecycleCode(values[cols.lifecycle] ?? '') : LIFECYCLE_COMPLETE;
    rows++;
  };

  const consume = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] ?? '';
      if (delimiter === undefined) {
        // Guess from the first line: the most frequent of , ; tab outside quotes.
        const nl = text.indexOf('\n');
        const first = nl >= 0 ? text.slice(0, nl) : text;
        const count = (d: string): number => first.split(d).length;
        delimiter = [',', ';', '\t'].sort((a, b) => count(b) - count(a))[0] ?? ',';
      }
      if (inQuotes) {
        if (ch === '"') {
          inQuotes = false;
          afterQuote = true;
        } else field += ch;
        if (ch === '\n') {
          line++;
          col = 1;
        } else col++;
        continue;
      }
      if (afterQuote && ch === '"') {
        field += '"';
        inQuotes = true;
        afterQuote = false;
        col++;
        continue;
      }
      if (ch === delimiter) {
        fields.push(field);
        fieldCols.push(fieldCol);
        field = '';
        afterQuote = false;
        col++;
        fieldCol = col;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        fields.push(field);
        fieldCols.push(fieldCol);
        field = '';
        afterQuote = false;
        record();
        line++;
        col = 1;
        fieldCol = 1;
        recordLine = line;
        continue;
      }
      if (ch === '"') {
        if (field.trim() !== '' || afterQuote) fail(line, col, "a quote inside an unquoted field (quote the whole field and double inner quotes)");
        field = '';
        inQuotes = true;
        quoteLine = line;
        quoteCol = col;
        col++;
        continue;
      }
      if (afterQuote) fail(line, col, `unexpected '${ch}' after a closing quote`);
      field += ch;
      col++;
    }
  };

  for await (const chunk of chunks) consume(decoder.decode(chunk, { stream: true }));
  consume(decoder.decode());
  if (inQuotes) fail(quoteLine, quoteCol, 'a quoted field is not closed before the end of the file');
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    fieldCols.push(fieldCol);
    record();
  }
  if (!header) fail(1, 1, 'the file is empty (no header line)');

  // Group rows by case (first appearance) with a counting sort, in file order; the builder then orders each case by
  // timestamp, stably, as it closes it (PM4Py's format_dataframe order), which costs nothing for a case in order.
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
  return builder.build();
}
