/**
 * The CSV event-log reader's engine: records are cut from the bytes themselves (no decoded text, no string per
 * field), names are interned by their bytes, timestamps parsed from their digits. A line without a quote or a lone
 * carriage return takes the fast path, a loop over its bytes; any other line goes through {@link parseQuotedRecord},
 * RFC 4180 quoting with fields that may span lines and chunks. Rows land in typed columns, grown by doubling.
 */
import { ByteInterner } from './byte-interner.js';
import { LIFECYCLE_COMPLETE, LIFECYCLE_OTHER, LIFECYCLE_START } from './event-log.js';
import { lastHadZone, lastOffsetMs, parseTimestamp, parseTimestampBytesInto } from './timestamp.js';

export type Fail = (line: number, column: number, message: string) => never;

/** Column index of each role in a row; -1 for an optional column the file does not have. */
export interface Columns {
  readonly case: number;
  readonly activity: number;
  readonly timestamp: number;
  readonly resource: number;
  readonly lifecycle: number;
  readonly group: number;
}

export interface CsvByteOptions {
  readonly delimiter: string | undefined;
  readonly lenient: boolean;
  readonly wallClock: boolean;
  readonly fail: Fail;
  /** Called with the header's names; returns the columns to read. */
  readonly onHeader: (header: string[]) => Columns;
  /** A skipped row in lenient mode. */
  readonly onSkip: (reason: string) => void;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** UTF-16 code units a UTF-8 byte adds to a column: 0 for continuation bytes, 2 for a four-byte sequence. */
function units(b: number): number {
  return (b & 0xc0) === 0x80 ? 0 : b >= 0xf0 ? 2 : 1;
}

export class CsvByteReader {
  rows = 0;
  readonly cases = new ByteInterner();
  readonly activities = new ByteInterner();
  readonly resources = new ByteInterner();
  readonly groups = new ByteInterner();
  /** True while every case's rows are consecutive, so file order is already case order. */
  contiguous = true;
  /** First row of each case, in order of first appearance (meaningful while contiguous). */
  caseFirstRow = new Int32Array(1024);
  rowCase = new Int32Array(4096);
  rowAct = new Int32Array(4096);
  rowTs = new Float64Array(4096);
  rowRes = new Int32Array(4096);
  rowGrp = new Int32Array(4096);
  rowLife = new Uint8Array(4096);
  headerSeen = false;
  private headerLength = 0;
  private cols: Columns = { case: -1, activity: -1, timestamp: -1, resource: -1, lifecycle: -1, group: -1 };
  private delimiter = -1;
  private zoneMode = 0;
  private line = 1;
  private carry: Buffer | undefined;
  private atFileStart = true;
  /** Per field of the current record: where it starts and ends in `fieldBuf` (the chunk, or the unquoted scratch). */
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  /** Character columns of the fields of a quoted record (fast-path columns are computed only for an error). */
  private fieldCols = new Int32Array(64);
  private scratch = Buffer.alloc(256);
  private scanned: Buffer | undefined;
  private nextQuote = -1;
  private nextCr = -1;

  constructor(private readonly options: CsvByteOptions) {}

  /** Reads every complete record in `chunk` (after what an earlier chunk left unfinished). */
  push(chunk: Buffer): void {
    let buf = chunk;
    const carry = this.carry;
    if (carry !== undefined) {
      this.carry = undefined;
      // The unfinished line joined with the new chunk's first line only, not the whole chunk (a copy of megabytes).
      const nl = chunk.indexOf(LF);
      if (nl < 0) buf = Buffer.concat([carry, chunk]);
      else {
        const joined = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
        const done = this.parse(joined, false);
        buf = done === joined.length ? chunk.subarray(nl + 1) : Buffer.concat([joined.subarray(done), chunk.subarray(nl + 1)]);
      }
    }
    const done = this.parse(buf, false);
    if (done < buf.length) this.carry = Buffer.from(buf.subarray(done));
  }

  /** The end of the input: a last line without a line break is a record; an open quote is an error. */
  end(): void {
    const rest = this.carry ?? Buffer.alloc(0);
    this.carry = undefined;
    this.parse(rest, true);
  }

  /** Room for about this many rows (and cases, at most one per row, reserved for a quarter of them) from the start. */
  sizeFor(rows: number): void {
    if (rows > this.rowCase.length) this.grow(rows);
    this.cases.reserve(rows >> 2);
  }

  private parse(buf: Buffer, final: boolean): number {
    let p = 0;
    if (this.atFileStart) {
      if (buf.length < 3 && !final) return 0;
      this.atFileStart = false;
      // The byte order mark is not part of the first column's name (TextDecoder drops it too).
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
    }
    if (this.delimiter < 0) {
      const nl = buf.indexOf(LF, p);
      if (nl < 0 && !final) return p;
      this.delimiter = this.guessDelimiter(buf.toString('utf8', p, nl < 0 ? buf.length : nl));
    }
    while (p < buf.length) {
      const next = this.fastLines(buf, p, final);
      if (next === -1) return p;
      p = next;
      if (p >= buf.length) break;
      // The line at p has a quote or a lone carriage return: the careful path.
      const after = this.parseQuotedRecord(buf, p, final);
      if (after < 0) return p;
      p = after;
    }
    return p;
  }

  private guessDelimiter(firstLine: string): number {
    return delimiterOf(firstLine, this.options.delimiter);
  }

  /**
   * Reads lines from p while they have no quote and no carriage return except one right before the line feed. Returns
   * where it stopped: the end of the buffer, or the start of a line for the careful path; -1 only if nothing could be
   * read because a line is incomplete (then the caller keeps it for the next chunk).
   */
  private fastLines(buf: Buffer, from: number, final: boolean): number {
    const delim = this.delimiter;
    const top = Math.max(delim, LF);
    const end = buf.length;
    // Where the next quote and carriage return are, kept across calls so a file with many quoted lines stays linear.
    if (this.scanned !== buf) {
      this.scanned = buf;
      this.nextQuote = -1;
      this.nextCr = -1;
    }
    if (this.nextQuote < from) this.nextQuote = nextIndex(buf, QUOTE, from);
    if (this.nextCr < from) this.nextCr = nextIndex(buf, CR, from);
    const quote = this.nextQuote;
    let cr = this.nextCr;
    const starts = this.starts;
    const ends = this.ends;
    const cap = starts.length;
    let p = from;
    while (p < end) {
      let q = p;
      let f = 0;
      let fieldStart = p;
      let b = 0;
      while (q < end) {
        b = buf[q] as number;
        // Most bytes are above both the delimiter and the line feed: one comparison for them.
        if (b <= top) {
          if (b === delim) {
            if (f < cap) {
              starts[f] = fieldStart;
              ends[f] = q;
            }
            f++;
            fieldStart = q + 1;
          } else if (b === LF) break;
        }
        q++;
      }
      if (q === end && !final) return p === from ? -1 : p;
      // q: the line feed (or the end of the input)
      if (quote < q) return p;
      let fieldEnd = q;
      if (cr < q) {
        if (cr !== q - 1) return p;
        fieldEnd = q - 1;
        cr = nextIndex(buf, CR, q);
        this.nextCr = cr;
      }
      if (f < cap) {
        starts[f] = fieldStart;
        ends[f] = fieldEnd;
      }
      f++;
      if (f >= cap) return p;
      this.record(buf, f, p, null);
      this.line++;
      p = q + 1;
      if (q === end) break;
    }
    return p;
  }

  /**
   * One record from p with RFC 4180 quoting (a field may span lines); its unquoted bytes go to the scratch buffer.
   * Returns where the next record starts, or -1 when the input ends inside the record and more may come.
   */
  private parseQuotedRecord(buf: Buffer, from: number, final: boolean): number {
    const delim = this.delimiter;
    const fail = this.options.fail;
    const recordLine = this.line;
    let line = this.line;
    let col = 1;
    let fieldCol = 1;
    let inQuotes = false;
    let afterQuote = false;
    let quoteLine = 0;
    let quoteCol = 0;
    let out = 0;
    let fieldStart = 0;
    let f = 0;
    const endField = (): void => {
      if (f >= this.starts.length) this.growFields();
      this.starts[f] = fieldStart;
      this.ends[f] = out;
      this.fieldCols[f] = fieldCol;
      f++;
      fieldStart = out;
      afterQuote = false;
    };
    const put = (b: number): void => {
      if (out === this.scratch.length) {
        const bigger = Buffer.alloc(this.scratch.length * 2);
        this.scratch.copy(bigger);
        this.scratch = bigger;
      }
      this.scratch[out++] = b;
    };
    for (let i = from; i < buf.length; i++) {
      const b = buf[i] as number;
      if (inQuotes) {
        if (b === QUOTE) {
          inQuotes = false;
          afterQuote = true;
        } else put(b);
        if (b === LF) {
          line++;
          col = 1;
        } else col += units(b);
        continue;
      }
      if (afterQuote && b === QUOTE) {
        put(QUOTE);
        inQuotes = true;
        afterQuote = false;
        col++;
        continue;
      }
      if (b === delim) {
        endField();
        col++;
        fieldCol = col;
        continue;
      }
      if (b === LF || b === CR) {
        if (b === CR && i + 1 === buf.length && !final) return -1; // a line feed may follow in the next chunk
        if (b === CR && buf[i + 1] === LF) i++;
        endField();
        this.line = line;
        this.record(this.scratch, f, 0, this.fieldCols, recordLine);
        this.line = line + 1;
        return i + 1;
      }
      if (b === QUOTE) {
        if (this.scratch.toString('utf8', fieldStart, out).trim() !== '' || afterQuote) fail(line, col, 'a quote inside an unquoted field (quote the whole field and double inner quotes)');
        out = fieldStart;
        inQuotes = true;
        quoteLine = line;
        quoteCol = col;
        col++;
        continue;
      }
      if (afterQuote) fail(line, col, `unexpected '${charAt(buf, i)}' after a closing quote`);
      put(b);
      col += units(b);
    }
    if (!final) return -1;
    if (inQuotes) fail(quoteLine, quoteCol, 'a quoted field is not closed before the end of the file');
    if (out > fieldStart || f > 0) {
      endField();
      this.line = line;
      this.record(this.scratch, f, 0, this.fieldCols, recordLine);
    }
    this.line = line + 1;
    return buf.length;
  }

  private growFields(): void {
    const size = this.starts.length * 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.fieldCols = grow(this.fieldCols);
  }

  /** The character column where field `f` starts: from the quoted path's count, or the line's bytes. */
  private columnOf(buf: Buffer, f: number, lineStart: number, fieldCols: Int32Array | null): number {
    if (f < 0) return 1;
    if (fieldCols) return fieldCols[f] ?? 1;
    return buf.toString('utf8', lineStart, this.starts[f]).length + 1;
  }

  /**
   * One record: the header, a blank line (skipped) or an event. `buf` holds the fields at starts/ends; `fieldCols`
   * is null on the fast path, whose columns are counted from `lineStart` only when an error needs them.
   */
  private record(buf: Buffer, fields: number, lineStart: number, fieldCols: Int32Array | null, recordLine = this.line): void {
    const starts = this.starts;
    const ends = this.ends;
    if (fields === 1 && ends[0] === starts[0]) return; // blank line
    if (!this.headerSeen) {
      const header: string[] = [];
      for (let f = 0; f < fields; f++) header.push(buf.toString('utf8', starts[f], ends[f]));
      header[0] = (header[0] ?? '').replace(/^\uFEFF/, '');
      this.headerNames = header;
      this.cols = this.options.onHeader(header);
      this.headerLength = fields;
      this.headerSeen = true;
      // Room for one field more than the header, so the fast path sees a row that is too long.
      if (this.starts.length < fields + 2) while (this.starts.length < fields + 2) this.growFields();
      return;
    }
    const header = this.headerLength;
    if (fields !== header) return this.bad(buf, lineStart, fieldCols, recordLine, Math.min(fields, header) - 1, `row has ${fields} fields, the header has ${header}`);
    const cols = this.cols;
    const cs = starts[cols.case] as number;
    const ce = ends[cols.case] as number;
    if (ce === cs) return this.bad(buf, lineStart, fieldCols, recordLine, cols.case, `empty case id in column '${this.headerName(cols.case)}'`);
    const as = starts[cols.activity] as number;
    const ae = ends[cols.activity] as number;
    if (ae === as) return this.bad(buf, lineStart, fieldCols, recordLine, cols.activity, `empty activity in column '${this.headerName(cols.activity)}'`);
    const ts0 = starts[cols.timestamp] as number;
    const ts1 = ends[cols.timestamp] as number;
    // The instant goes straight into its column (the row is committed by addRow only if the rest is good).
    if (this.rows === this.rowCase.length) this.grow(this.rows * 2);
    const rowTs = this.rowTs;
    const r = this.rows;
    timestampInto(buf, ts0, ts1, rowTs, r);
    if (Number.isNaN(rowTs[r])) {
      return this.bad(buf, lineStart, fieldCols, recordLine, cols.timestamp, `unparseable timestamp '${buf.toString('utf8', ts0, ts1)}' (expected ISO 8601, e.g. 2024-03-01 09:30:00 or 2024-03-01T09:30:00+01:00)`);
    }
    const mode = lastHadZone ? 1 : 2;
    if (this.zoneMode === 0) this.zoneMode = mode;
    else if (this.zoneMode !== mode) {
      return this.bad(buf, lineStart, fieldCols, recordLine, cols.timestamp, `timestamp '${buf.toString('utf8', ts0, ts1)}' ${mode === 1 ? 'has a time zone but earlier ones have none' : 'has no time zone but earlier ones have one'} (mixed zones)`);
    }
    if (this.options.wallClock) rowTs[r] = (rowTs[r] as number) + lastOffsetMs;
    this.addRow(buf, cs, ce, this.activities.intern(buf, as, ae), this.optionalName(this.resources, buf, cols.resource), this.optionalName(this.groups, buf, cols.group), cols.lifecycle >= 0 ? lifecycleOf(buf, starts[cols.lifecycle] as number, ends[cols.lifecycle] as number) : LIFECYCLE_COMPLETE);
  }

  /** A bad row: an error, or in lenient mode a skipped row with its reason. */
  private bad(buf: Buffer, lineStart: number, fieldCols: Int32Array | null, line: number, f: number, message: string): void {
    const column = this.columnOf(buf, f, lineStart, fieldCols);
    if (!this.options.lenient) this.options.fail(line, column, message);
    this.options.onSkip(`line ${line}, column ${column}: ${message}`);
  }

  private headerName(f: number): string {
    return this.headerNames?.[f] ?? '';
  }

  headerNames: readonly string[] | undefined;

  private optionalName(interner: ByteInterner, buf: Buffer, f: number): number {
    if (f < 0) return -1;
    const s = this.starts[f] as number;
    const e = this.ends[f] as number;
    return s === e ? -1 : interner.intern(buf, s, e);
  }

  /** Commits the row whose timestamp is already at rowTs[rows]. */
  private addRow(buf: Buffer, cs: number, ce: number, activity: number, resource: number, group: number, lifecycle: number): void {
    const cases = this.cases;
    let c: number;
    const len = ce - cs;
    if (this.rows > 0 && cases.isLast(buf, cs, len)) c = this.rowCase[this.rows - 1] as number;
    else {
      const before = cases.size;
      c = cases.internUncached(buf, cs, ce);
      if (c === before) {
        if (c === this.caseFirstRow.length) {
          const next = new Int32Array(c * 2);
          next.set(this.caseFirstRow);
          this.caseFirstRow = next;
        }
        this.caseFirstRow[c] = this.rows;
      } else this.contiguous = false;
    }
    const r = this.rows++;
    this.rowCase[r] = c;
    this.rowAct[r] = activity;
    this.rowRes[r] = resource;
    this.rowGrp[r] = group;
    this.rowLife[r] = lifecycle;
  }

  private grow(size: number): void {
    const g32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
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
}

/** The delimiter's byte: the one given, else the most frequent of , ; tab on the first line (ties: in that order). */
export function delimiterOf(firstLine: string, given: string | undefined): number {
  if (given !== undefined) return given.charCodeAt(0);
  const count = (d: string): number => firstLine.split(d).length;
  return ([',', ';', '\t'].sort((a, b) => count(b) - count(a))[0] ?? ',').charCodeAt(0);
}

/** The index of the next `byte` from `from`, or the buffer's length when there is none. */
function nextIndex(buf: Buffer, byte: number, from: number): number {
  const i = buf.indexOf(byte, from);
  return i < 0 ? buf.length : i;
}

/** One character of the input at byte i, for an error message. */
function charAt(buf: Buffer, i: number): string {
  let j = i + 1;
  while (j < buf.length && ((buf[j] as number) & 0xc0) === 0x80) j++;
  return buf.toString('utf8', i, j);
}

/** A timestamp from its bytes into out[at]; through the string parser (which trims) when the field has spaces or non-ASCII. */
function timestampInto(buf: Buffer, start: number, end: number, out: Float64Array, at: number): void {
  const first = buf[start] ?? 0;
  const last = buf[end - 1] ?? 0;
  if (end > start && first >= 48 && first <= 57 && last > 32 && last < 128) parseTimestampBytesInto(buf, start, end, out, at);
  else out[at] = parseTimestamp(buf.toString('utf8', start, end));
}

/**
 * lifecycleCode over bytes: ASCII letters compared without case, as toLowerCase() does for these two words. Written
 * out byte by byte (no word table to index): it runs once per row.
 */
function lifecycleOf(buf: Buffer, s: number, end: number): number {
  const len = end - s;
  if (len === 8) {
    return lower(buf, s) === 99 && lower(buf, s + 1) === 111 && lower(buf, s + 2) === 109 && lower(buf, s + 3) === 112 && lower(buf, s + 4) === 108 && lower(buf, s + 5) === 101 && lower(buf, s + 6) === 116 && lower(buf, s + 7) === 101
      ? LIFECYCLE_COMPLETE
      : LIFECYCLE_OTHER;
  }
  if (len === 5) return lower(buf, s) === 115 && lower(buf, s + 1) === 116 && lower(buf, s + 2) === 97 && lower(buf, s + 3) === 114 && lower(buf, s + 4) === 116 ? LIFECYCLE_START : LIFECYCLE_OTHER;
  return LIFECYCLE_OTHER;
}

/** A byte with ASCII letters folded to lower case (other bytes change too, but never into a letter of these words). */
function lower(buf: Buffer, i: number): number {
  return (buf[i] as number) | 0x20;
}

/** Lines per byte in the first 256 kB, to size the columns once rather than doubling through the whole file. */
export function linesPerByte(chunk: Buffer): number {
  const sample = chunk.subarray(0, 256 << 10);
  let lines = 0;
  for (let i = sample.indexOf(10); i >= 0; i = sample.indexOf(10, i + 1)) lines++;
  return sample.length > 0 ? lines / sample.length : 0;
}
