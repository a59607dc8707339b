/**
 * readCsvFile's fast path for the usual export: a plain CSV file (no quote anywhere, LF or CRLF line ends, every row
 * as many fields as the header) read for PM4Py's three columns (case, activity, timestamp; no resource, lifecycle or
 * group column to read). The scan is WebAssembly (csv-scan.wat): V8 runs JavaScript in its interpreter until it has
 * optimised the byte loop, and on the 41 MB Road-Traffic-Fines-sized CSV that warm-up and the per-row work were most
 * of `govflow mine`'s ~0.17 s of parsing; WebAssembly is compiled before it runs and looks at sixteen bytes at a time
 * (~0.05 s). Nothing here decides a figure: any row the general reader would refuse or read differently makes the
 * scan give up, and readCsvFile reads the file again with the general reader (csv-bytes.ts), which says what is
 * wrong and where. test/mining/csv-fast.test.ts checks that both give the same log for any file the fast path takes.
 */
import { delimiterOf, linesPerByte, type Columns } from './csv-bytes.js';
import { toEventLog } from './csv-rows.js';
import { CSV_SCAN_WASM } from './csv-scan-wasm.js';
import type { EventLog } from './event-log.js';
import { globalOf, instantiate, MemoryLayout, offerSpare, REGION_SLACK, setGlobals, wasmMemory, type WasmMemory } from './wasm.js';

/** Reads the source's bytes from `position` into `into`; how many it read (0 at the end). */
export type ByteFill = (into: Uint8Array, position: number) => number;

export interface FastCsvOptions {
  readonly delimiter: string | undefined;
  readonly wallClock: boolean;
  /** The columns to read for these header names; undefined when the general reader must have the file. */
  readonly columns: (header: string[]) => Columns | undefined;
  readonly onProgress?: ((read: number, total: number) => void) | undefined;
}

/** Bytes read at a time, straight into the module's memory. */
const CHUNK = 1 << 20;
/** The longest line the fast path takes: a file with a longer one goes to the general reader. */
const CARRY = 1 << 16;
/** Where the input starts in memory: the two name tables' headers sit below it (at 0 and 64). */
const IN = 1024;
const CASE_TABLE = 0;
const ACTIVITY_TABLE = 64;
const MOST_ACTIVITIES = 1 << 16;
const ACTIVITY_POOL = 1 << 22;
const MOST_CASE_BYTES = 1 << 28;
const MONTH_TABLE = 3600 * 4;
const MOST_ACTIVITIES_SQUARED = 1024 * 1024;

interface ScanExports {
  readonly scan: (from: number, end: number) => number;
}

/** Where each region of the module's memory starts, for a file of about `cap` rows at most. */
function layout(cap: number, size: number): { at: Record<string, number>; caseSlots: number; activitySlots: number; caseBytes: number; end: number } {
  const regions = new MemoryLayout((IN + CHUNK + CARRY + REGION_SLACK + 15) & ~15);
  const take = (name: string, bytes: number): void => regions.take(name, bytes);
  const caseSlots = powerOfTwoAtLeast(cap * 2);
  const activities = Math.min(cap, MOST_ACTIVITIES);
  const activitySlots = powerOfTwoAtLeast(activities * 2);
  const caseBytes = Math.min(size, MOST_CASE_BYTES);
  take('rowTs', cap * 8);
  take('rowCase', cap * 4);
  take('rowAct', cap * 4);
  take('caseFirst', cap * 4);
  take('caseSlots', caseSlots * 4);
  take('caseHashes', cap * 4);
  take('caseOffsets', cap * 4);
  take('caseLengths', cap * 4);
  take('casePool', caseBytes);
  take('activitySlots', activitySlots * 4);
  take('activityHashes', activities * 4);
  take('activityOffsets', activities * 4);
  take('activityLengths', activities * 4);
  take('activityPool', ACTIVITY_POOL);
  take('months', MONTH_TABLE);
  take('recent', 256 * 4);
  // For the analyses' passes over the columns read here (wasm.ts's offerSpare): 40 bytes a row and the edge table.
  take('spare', cap * 40 + MOST_ACTIVITIES_SQUARED * 4);
  return { at: regions.at, caseSlots, activitySlots, caseBytes, end: regions.next };
}

function powerOfTwoAtLeast(n: number): number {
  let p = 4096;
  while (p < n) p *= 2;
  return p;
}

/** The header's names and the delimiter, or undefined when the header is not one the fast path reads the same way. */
function header(first: Buffer, n: number, whole: boolean, given: string | undefined): { names: string[]; delimiter: number; end: number } | undefined {
  // The byte order mark is not part of the first column's name.
  const from = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
  let nl = first.subarray(0, n).indexOf(10, from);
  // A file of a header alone may end without a line break.
  if (nl < 0 && whole) nl = n;
  if (nl < 0) return undefined;
  const line = first.toString('utf8', from, nl);
  const delimiter = delimiterOf(line, given);
  if (!(delimiter > 0 && delimiter < 128) || delimiter === 10 || delimiter === 13 || delimiter === 34) return undefined;
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === '' || text.includes('"') || text.includes('\r')) return undefined;
  const names = text.split(String.fromCharCode(delimiter));
  names[0] = (names[0] ?? '').replace(/^\uFEFF/, '');
  return { names, delimiter, end: Math.min(nl + 1, n) };
}

/** The log, or undefined when the general reader must read the file (see the module comment). */
export function readCsvFast(fill: ByteFill, size: number, options: FastCsvOptions): EventLog | undefined {
  const first = Buffer.allocUnsafe(Math.max(16, Math.min(CHUNK, size)));
  // The first chunk whole (a source may hand over less than asked): the header is in it, and the rows to size from.
  let n0 = 0;
  for (let n = 1; n > 0 && n0 < first.length; n0 += n) n = fill(first.subarray(n0), n0);
  const head = header(first, n0, n0 < first.length || n0 === size, options.delimiter);
  if (!head) return undefined;
  const cols = options.columns(head.names);
  if (!cols || cols.resource >= 0 || cols.lifecycle >= 0 || cols.group >= 0) return undefined;
  const perByte = linesPerByte(first.subarray(0, n0));
  const cap = Math.ceil(Math.max(size, n0) * perByte * 1.25) + 1024;
  const plan = layout(cap, Math.max(size, n0));
  if (plan.end > 2 ** 31) return undefined;
  const memory = wasmMemory(plan.end);
  const x = instantiate<ScanExports>(CSV_SCAN_WASM, memory);
  const { at } = plan;
  const words = new Int32Array(memory.buffer);
  // A name table: slots, mask, count, hashes, offsets, lengths, pool, pool used, most keys, pool size, high bytes, slot room.
  words.set([at['caseSlots']!, 4095, 0, at['caseHashes']!, at['caseOffsets']!, at['caseLengths']!, at['casePool']!, 0, cap, plan.caseBytes, 0, plan.caseSlots], CASE_TABLE >> 2);
  const activities = Math.min(cap, MOST_ACTIVITIES);
  words.set([at['activitySlots']!, 4095, 0, at['activityHashes']!, at['activityOffsets']!, at['activityLengths']!, at['activityPool']!, 0, activities, ACTIVITY_POOL, 0, plan.activitySlots], ACTIVITY_TABLE >> 2);
  setGlobals(x, {
    delim: head.delimiter,
    nf: head.names.length,
    cc: cols.case,
    ac: cols.activity,
    tc: cols.timestamp,
    wall: options.wallClock ? 1 : 0,
    rowCase: at['rowCase']!,
    rowAct: at['rowAct']!,
    rowTs: at['rowTs']!,
    caseFirst: at['caseFirst']!,
    months: at['months']!,
    recent: at['recent']!,
    cap,
    caseT: CASE_TABLE,
    actT: ACTIVITY_TABLE,
  });
  const mem = Buffer.from(memory.buffer);
  first.copy(mem, IN, 0, n0);
  options.onProgress?.(n0, size);
  if (!scanAll(x, mem, fill, n0, IN + head.end, size, options.onProgress)) return undefined;
  offerSpare(memory, at['spare']!, plan.end - REGION_SLACK);
  return finish(x, memory, at, words);
}

/** Scans chunk after chunk; false when the scan gave up or a line is longer than {@link CARRY}. */
function scanAll(x: ScanExports, mem: Buffer, fill: ByteFill, n0: number, from: number, size: number, onProgress: FastCsvOptions['onProgress']): boolean {
  let p = from;
  let have = IN + n0;
  let position = n0;
  for (;;) {
    const last = mem.lastIndexOf(10, have - 1);
    if (last >= p) {
      if (x.scan(p, last + 1) !== 0) return false;
      p = last + 1;
    }
    const rest = have - p;
    if (rest > CARRY) return false;
    mem.copyWithin(IN, p, have);
    const n = fill(mem.subarray(IN + rest, IN + rest + CHUNK), position);
    position += n;
    have = IN + rest + n;
    p = IN;
    if (n === 0) {
      // The last line without a line break is a line all the same.
      if (rest > 0) {
        mem[have] = 10;
        if (x.scan(IN, have + 1) !== 0) return false;
      }
      return true;
    }
    onProgress?.(position, size);
  }
}

/** The rows and names the scan left in memory, as an event log; undefined if two case ids or activities decode alike. */
function finish(x: ScanExports, memory: WasmMemory, at: Record<string, number>, words: Int32Array): EventLog | undefined {
  const rows = globalOf(x, 'rows');
  const activityNames = names(memory, words, ACTIVITY_TABLE, true);
  // Bytes that are not UTF-8 decode to U+FFFD: two such names may be one, which the general reader's interner merges.
  if (new Set(activityNames).size !== activityNames.length) return undefined;
  const caseCount = words[(CASE_TABLE + 8) >> 2] as number;
  let caseIds: readonly string[] | undefined;
  if (words[(CASE_TABLE + 40) >> 2] !== 0) {
    caseIds = names(memory, words, CASE_TABLE, true);
    if (new Set(caseIds).size !== caseIds.length) return undefined;
  }
  const buffer = memory.buffer;
  const none = new Int32Array(rows).fill(-1);
  return toEventLog(
    {
      rows,
      caseCount,
      contiguous: globalOf(x, 'contiguous') !== 0,
      ordered: globalOf(x, 'ordered') !== 0,
      caseFirstRow: new Int32Array(buffer, at['caseFirst']!, caseCount),
      rowCase: new Int32Array(buffer, at['rowCase']!, rows),
      rowAct: new Int32Array(buffer, at['rowAct']!, rows),
      rowTs: new Float64Array(buffer, at['rowTs']!, rows),
      rowRes: none,
      // The same -1s: any reordering of a column of equal values leaves it as it is.
      rowGrp: none,
      // LIFECYCLE_COMPLETE is 0: every event complete, as the general reader reads a file without a lifecycle column.
      rowLife: new Uint8Array(rows),
      activityNames,
      resourceNames: [],
      groupNames: [],
      // Decoded when first asked for: `mine --json` prints no case id.
      caseIds: () => caseIds ?? names(memory, words, CASE_TABLE, false),
    },
    { events: 0, traces: 0, reasons: [] },
  );
}

/** The names of a table by id; ASCII ones cut from one decoding of the pool unless `utf8`. */
function names(memory: WasmMemory, words: Int32Array, table: number, utf8: boolean): string[] {
  const t = table >> 2;
  const count = words[t + 2] as number;
  const offsets = new Int32Array(memory.buffer, words[t + 4] as number, count);
  const lengths = new Int32Array(memory.buffer, words[t + 5] as number, count);
  const pool = Buffer.from(memory.buffer, words[t + 6] as number, words[t + 7] as number);
  const out = new Array<string>(count);
  const text = utf8 ? '' : pool.toString('latin1');
  for (let k = 0; k < count; k++) {
    const from = offsets[k] as number;
    const to = from + (lengths[k] as number);
    out[k] = utf8 ? pool.toString('utf8', from, to) : text.slice(from, to);
  }
  return out;
}
