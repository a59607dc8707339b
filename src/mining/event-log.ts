/**
 * The in-memory event log every reader produces and every analysis reads.
 *
 * It is columnar on purpose: a 262,200-event log is four typed arrays and a few dictionaries instead of a quarter of
 * a million objects, which keeps import fast (no per-event allocation) and memory bounded (≈ 17 bytes per event).
 * Events of case `c` are `caseStart[c] … caseStart[c + 1] - 1`, already in the order PM4Py would use: by timestamp,
 * file order among equal timestamps (the builder sorts each case as it closes, see {@link EventLogBuilder.endCase}).
 */

/** Lifecycle codes; the activity of an event is its name whatever the lifecycle, as PM4Py does. */
export const LIFECYCLE_COMPLETE = 0;
export const LIFECYCLE_START = 1;
export const LIFECYCLE_OTHER = 2;

export type AttributeValue = string | number | boolean;

export interface EventLog {
  /** Activity names by id. */
  readonly activityNames: readonly string[];
  /** Resource (org:resource / actor) names by id. */
  readonly resourceNames: readonly string[];
  /** Group (org:group / department) names by id. */
  readonly groupNames: readonly string[];
  /** Case ids by case; a reader may decode them on first access (mining analyses count cases by `caseStart`). */
  readonly caseIds: readonly string[];
  /** Length cases + 1; case c owns events caseStart[c] ..< caseStart[c+1]. */
  readonly caseStart: Int32Array;
  readonly activity: Int32Array;
  /** Epoch milliseconds (fractional for microseconds); NaN when the event has no timestamp. */
  readonly timestamp: Float64Array;
  /** -1 when absent. */
  readonly resource: Int32Array;
  /** -1 when absent. */
  readonly group: Int32Array;
  readonly lifecycle: Uint8Array;
  /** Case-level attributes, column per key: caseAttributes.get(key)[c]. */
  readonly caseAttributes: ReadonlyMap<string, readonly (AttributeValue | undefined)[]>;
  /** Events skipped in lenient mode, with the first few reasons. */
  readonly skipped: { readonly events: number; readonly traces: number; readonly reasons: readonly string[] };
}

// From caseStart, not caseIds: a reader may decode the case ids only when they are asked for.
export function caseCount(log: EventLog): number {
  return log.caseStart.length - 1;
}

export function eventCount(log: EventLog): number {
  return log.caseStart[log.caseStart.length - 1] ?? 0;
}

/** Growable typed-array builder used by every reader: no per-event objects. */
export class EventLogBuilder {
  private readonly activityIds = new Map<string, number>();
  private readonly resourceIds = new Map<string, number>();
  private readonly groupIds = new Map<string, number>();
  readonly activityNames: string[] = [];
  readonly resourceNames: string[] = [];
  readonly groupNames: string[] = [];
  readonly caseIds: string[] = [];
  private caseStarts = new Int32Array(1024);
  private act = new Int32Array(4096);
  private ts = new Float64Array(4096);
  private res = new Int32Array(4096);
  private grp = new Int32Array(4096);
  private life = new Uint8Array(4096);
  private n = 0;
  private readonly caseAttrs = new Map<string, (AttributeValue | undefined)[]>();
  skippedEvents = 0;
  skippedTraces = 0;
  readonly reasons: string[] = [];

  get eventsSoFar(): number {
    return this.n;
  }

  /** Position of the first event of the case being built (for rolling back a bad trace). */
  get openCaseStart(): number {
    return this.caseStarts[this.caseIds.length] ?? 0;
  }

  activityId(name: string): number {
    let id = this.activityIds.get(name);
    if (id === undefined) {
      id = this.activityNames.length;
      this.activityIds.set(name, id);
      this.activityNames.push(name);
    }
    return id;
  }

  resourceId(name: string): number {
    let id = this.resourceIds.get(name);
    if (id === undefined) {
      id = this.resourceNames.length;
      this.resourceIds.set(name, id);
      this.resourceNames.push(name);
    }
    return id;
  }

  groupId(name: string): number {
    let id = this.groupIds.get(name);
    if (id === undefined) {
      id = this.groupNames.length;
      this.groupIds.set(name, id);
      this.groupNames.push(name);
    }
    return id;
  }

  addEvent(activity: number, timestamp: number, resource: number, group: number, lifecycle: number): void {
    if (this.n === this.act.length) this.grow();
    const i = this.n++;
    this.act[i] = activity;
    this.ts[i] = timestamp;
    this.res[i] = resource;
    this.grp[i] = group;
    this.life[i] = lifecycle;
  }

  /** Drops the events added since `position` (a trace that turned out to be bad in lenient mode). */
  truncate(position: number): void {
    this.n = position;
  }

  /**
   * Closes the case whose events were added since the previous endCase, putting its events in PM4Py's order first.
   * Readers add events in file order and keep streaming; only the open case is ever reordered.
   */
  endCase(caseId: string, attributes?: ReadonlyMap<string, AttributeValue>): void {
    const c = this.caseIds.length;
    this.sortOpenCase();
    this.caseIds.push(caseId);
    if (c + 2 > this.caseStarts.length) {
      const next = new Int32Array(this.caseStarts.length * 2);
      next.set(this.caseStarts);
      this.caseStarts = next;
    }
    this.caseStarts[c + 1] = this.n;
    if (attributes) {
      for (const [key, value] of attributes) {
        let column = this.caseAttrs.get(key);
        if (!column) {
          column = [];
          this.caseAttrs.set(key, column);
        }
        column[c] = value;
      }
    }
  }

  /**
   * Stable sort of the open case's events by timestamp (NaN last), as PM4Py's `sort_values([case, timestamp])` does on
   * the imported frame. A case already in order (the usual file) costs one comparison per event and no allocation.
   */
  private sortOpenCase(): void {
    const from = this.openCaseStart;
    if (isOrderedByTime(this.ts, from, this.n)) return;
    sortCaseByTime({ activity: this.act, timestamp: this.ts, resource: this.res, group: this.grp, lifecycle: this.life }, from, this.n);
  }

  skip(reason: string, traces = 0, events = 1): void {
    this.skippedEvents += events;
    this.skippedTraces += traces;
    if (this.reasons.length < 20) this.reasons.push(reason);
  }

  private grow(): void {
    const size = this.act.length * 2;
    const act = new Int32Array(size);
    act.set(this.act);
    this.act = act;
    const ts = new Float64Array(size);
    ts.set(this.ts);
    this.ts = ts;
    const res = new Int32Array(size);
    res.set(this.res);
    this.res = res;
    const grp = new Int32Array(size);
    grp.set(this.grp);
    this.grp = grp;
    const life = new Uint8Array(size);
    life.set(this.life);
    this.life = life;
  }

  build(): EventLog {
    const cases = this.caseIds.length;
    // Columns are sized to the case count so a missing value reads as undefined, never out of range.
    for (const column of this.caseAttrs.values()) column.length = cases;
    return {
      activityNames: this.activityNames,
      resourceNames: this.resourceNames,
      groupNames: this.groupNames,
      caseIds: this.caseIds,
      caseStart: this.caseStarts.slice(0, cases + 1),
      activity: this.act.slice(0, this.n),
      timestamp: this.ts.slice(0, this.n),
      resource: this.res.slice(0, this.n),
      group: this.grp.slice(0, this.n),
      lifecycle: this.life.slice(0, this.n),
      caseAttributes: this.caseAttrs,
      skipped: { events: this.skippedEvents, traces: this.skippedTraces, reasons: this.reasons },
    };
  }
}

/** Events without a timestamp go last, where pandas puts NaT. */
function orderKey(timestamp: number): number {
  return Number.isNaN(timestamp) ? Infinity : timestamp;
}

/** The event columns a reader fills, before they become an {@link EventLog}. */
export interface EventColumns {
  readonly activity: Int32Array;
  readonly timestamp: Float64Array;
  readonly resource: Int32Array;
  readonly group: Int32Array;
  readonly lifecycle: Uint8Array;
}

/** Whether events from ..< to are already in timestamp order (NaN last). */
export function isOrderedByTime(ts: Float64Array, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (!(orderKey(ts[i - 1] ?? NaN) <= orderKey(ts[i] ?? NaN))) return false;
  return true;
}

/**
 * Stable sort of one case's events (`from ..< to`) by timestamp (NaN last), as PM4Py's `sort_values([case,
 * timestamp])` does on the imported frame. A case already in order (the usual file) costs one comparison per event
 * and no allocation.
 */
export function sortCaseByTime(columns: EventColumns, from: number, to: number): void {
  const ts = columns.timestamp;
  if (isOrderedByTime(ts, from, to)) return;
  const order = Array.from({ length: to - from }, (_, k) => from + k);
  // Array.prototype.sort is stable, and the index tie-break states the intent: file order among equal timestamps.
  order.sort((a, b) => orderKey(ts[a] ?? NaN) - orderKey(ts[b] ?? NaN) || a - b);
  permute(columns.activity, order, from);
  permute(columns.timestamp, order, from);
  permute(columns.resource, order, from);
  permute(columns.group, order, from);
  permute(columns.lifecycle, order, from);
}

/** column[from + k] = old column[order[k]] for every k. */
function permute(column: Int32Array | Float64Array | Uint8Array, order: readonly number[], from: number): void {
  const values = order.map((i) => column[i] ?? 0);
  for (let k = 0; k < values.length; k++) column[from + k] = values[k] ?? 0;
}

export function lifecycleCode(value: string): number {
  const v = value.toLowerCase();
  if (v === 'complete') return LIFECYCLE_COMPLETE;
  if (v === 'start') return LIFECYCLE_START;
  return LIFECYCLE_OTHER;
}

/** A new log with only the selected cases, in the given order (used by filters and the DB reader). */
export function selectCases(log: EventLog, cases: readonly number[]): EventLog {
  const builder = new EventLogBuilder();
  for (const name of log.activityNames) builder.activityId(name);
  for (const name of log.resourceNames) builder.resourceId(name);
  for (const name of log.groupNames) builder.groupId(name);
  for (const c of cases) {
    const from = log.caseStart[c] ?? 0;
    const to = log.caseStart[c + 1] ?? 0;
    for (let i = from; i < to; i++) {
      builder.addEvent(log.activity[i] ?? 0, log.timestamp[i] ?? NaN, log.resource[i] ?? -1, log.group[i] ?? -1, log.lifecycle[i] ?? 0);
    }
    const attrs = new Map<string, AttributeValue>();
    for (const [key, column] of log.caseAttributes) {
      const v = column[c];
      if (v !== undefined) attrs.set(key, v);
    }
    builder.endCase(log.caseIds[c] ?? String(c), attrs);
  }
  const built = builder.build();
  return { ...built, skipped: log.skipped };
}
