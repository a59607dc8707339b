/**
 * The rows a CSV reader cut (csv-bytes.ts, or the fast path of csv-fast.ts) as an event log, in PM4Py's order.
 */
import { sortCaseByTime, type EventColumns, type EventLog } from './event-log.js';

/** Rows in file order, in typed columns, with each case's id by row and names by id. */
export interface ReadRows {
  readonly rows: number;
  readonly caseCount: number;
  /** True while every case's rows are consecutive, so file order is already case order. */
  readonly contiguous: boolean;
  /** True when the reader found each case's rows in timestamp order (with contiguous: nothing to sort). */
  readonly ordered?: boolean;
  /** First row of each case, in order of first appearance (meaningful while contiguous). */
  readonly caseFirstRow: Int32Array;
  readonly rowCase: Int32Array;
  readonly rowAct: Int32Array;
  readonly rowTs: Float64Array;
  readonly rowRes: Int32Array;
  readonly rowGrp: Int32Array;
  readonly rowLife: Uint8Array;
  readonly activityNames: readonly string[];
  readonly resourceNames: readonly string[];
  readonly groupNames: readonly string[];
  /** The case ids by case, called when first asked for. */
  readonly caseIds: () => readonly string[];
}

/**
 * The rows as an event log: case by case in order of first appearance, each case's rows in file order, then each
 * case ordered by timestamp, stably (PM4Py's format_dataframe order), which costs one pass for a case in order.
 * A file whose cases are in blocks (the usual export) is already in case order and is used as it is.
 */
export function toEventLog(reader: ReadRows, skipped: EventLog['skipped']): EventLog {
  const rows = reader.rows;
  const cases = reader.caseCount;
  const caseStart = new Int32Array(cases + 1);
  let columns: EventColumns;
  if (reader.contiguous) {
    caseStart.set(reader.caseFirstRow.subarray(0, cases));
    columns = {
      activity: reader.rowAct.subarray(0, rows),
      timestamp: reader.rowTs.subarray(0, rows),
      resource: reader.rowRes.subarray(0, rows),
      group: reader.rowGrp.subarray(0, rows),
      lifecycle: reader.rowLife.subarray(0, rows),
    };
  } else {
    const { rowCase } = reader;
    for (let r = 0; r < rows; r++) caseStart[(rowCase[r] as number) + 1]!++;
    for (let c = 0; c < cases; c++) caseStart[c + 1]! += caseStart[c] as number;
    const fill = caseStart.slice(0, cases);
    const order = new Int32Array(rows);
    for (let r = 0; r < rows; r++) order[fill[rowCase[r] as number]!++] = r;
    const pick = <T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T => {
      for (let k = 0; k < rows; k++) to[k] = from[order[k] as number] as number;
      return to;
    };
    columns = {
      activity: pick(reader.rowAct, new Int32Array(rows)),
      timestamp: pick(reader.rowTs, new Float64Array(rows)),
      resource: pick(reader.rowRes, new Int32Array(rows)),
      group: pick(reader.rowGrp, new Int32Array(rows)),
      lifecycle: pick(reader.rowLife, new Uint8Array(rows)),
    };
  }
  caseStart[cases] = rows;
  const ts = columns.timestamp;
  for (let c = reader.contiguous && reader.ordered === true ? cases : 0; c < cases; c++) {
    const from = caseStart[c] as number;
    const to = caseStart[c + 1] as number;
    let i = from + 1;
    // In order (NaN makes the comparison false, and the careful sort decides): the usual case, checked inline.
    while (i < to && (ts[i - 1] as number) <= (ts[i] as number)) i++;
    if (i < to) sortCaseByTime(columns, from, to);
  }
  const caseIds = reader.caseIds;
  let decoded: readonly string[] | undefined;
  return {
    activityNames: reader.activityNames,
    resourceNames: reader.resourceNames,
    groupNames: reader.groupNames,
    get caseIds(): readonly string[] {
      decoded ??= caseIds();
      return decoded;
    },
    caseStart,
    ...columns,
    caseAttributes: new Map(),
    skipped,
  };
}
