/** Case filters: time window, variant, attribute and performance. Each returns a new log of the matching cases. */
import { selectCases, type AttributeValue, type EventLog } from './event-log.js';

export interface LogFilter {
  /** Epoch ms. `contained`: the whole case inside the window (default); `intersecting`: any overlap; `started`: starts inside. */
  readonly timeWindow?: { readonly from?: number; readonly to?: number; readonly mode?: 'contained' | 'intersecting' | 'started' };
  /** Keep cases whose activity sequence equals one of these. */
  readonly variants?: readonly (readonly string[])[];
  /** Keep cases whose case attribute equals the value. */
  readonly caseAttribute?: { readonly key: string; readonly value: AttributeValue };
  /** Keep cases in which this activity occurs (or does not, with `absent`). */
  readonly activity?: { readonly name: string; readonly absent?: boolean };
  /** Keep cases whose duration (last − first timestamp) is within these bounds, in seconds. */
  readonly minDurationSeconds?: number;
  readonly maxDurationSeconds?: number;
}

export function filterLog(log: EventLog, filter: LogFilter): EventLog {
  const keep: number[] = [];
  const variantKeys = filter.variants ? new Set(filter.variants.map((v) => JSON.stringify(v))) : undefined;
  const activityId = filter.activity ? log.activityNames.indexOf(filter.activity.name) : -1;
  const attr = filter.caseAttribute ? log.caseAttributes.get(filter.caseAttribute.key) : undefined;
  for (let c = 0; c < log.caseIds.length; c++) {
    const from = log.caseStart[c] ?? 0;
    const to = log.caseStart[c + 1] ?? 0;
    if (to <= from) continue;
    const first = log.timestamp[from] ?? 0;
    const last = log.timestamp[to - 1] ?? 0;
    const w = filter.timeWindow;
    if (w) {
      const lo = w.from ?? -Infinity;
      const hi = w.to ?? Infinity;
      const mode = w.mode ?? 'contained';
      if (mode === 'contained' && (first < lo || last > hi)) continue;
      if (mode === 'intersecting' && (last < lo || first > hi)) continue;
      if (mode === 'started' && (first < lo || first > hi)) continue;
    }
    const seconds = (last - first) / 1000;
    if (filter.minDurationSeconds !== undefined && seconds < filter.minDurationSeconds) continue;
    if (filter.maxDurationSeconds !== undefined && seconds > filter.maxDurationSeconds) continue;
    if (filter.caseAttribute && attr?.[c] !== filter.caseAttribute.value) continue;
    if (filter.activity) {
      let found = false;
      for (let i = from; i < to && !found; i++) found = log.activity[i] === activityId;
      if (found === (filter.activity.absent ?? false)) continue;
    }
    if (variantKeys) {
      const seq: string[] = [];
      for (let i = from; i < to; i++) seq.push(log.activityNames[log.activity[i] ?? 0] ?? '');
      if (!variantKeys.has(JSON.stringify(seq))) continue;
    }
    keep.push(c);
  }
  return selectCases(log, keep);
}
