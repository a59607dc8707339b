/**
 * ISO 8601 timestamps parsed straight from bytes (XES/CSV readers) or strings, without Date.parse: it is the hot
 * path of every import, and Date.parse both allocates and accepts formats we would rather reject.
 *
 * Timestamps without a zone are UTC, as PM4Py reads them. Whether the last parsed value carried a zone is left in
 * `lastHadZone` so callers can detect logs that mix zoned and zone-less timestamps.
 */
export let lastHadZone = false;
/** The UTC offset of the last parsed value, in ms (0 without a zone). */
export let lastOffsetMs = 0;

/**
 * How zoned timestamps become instants. `wall-clock` keeps the local time as written and drops the offset, which is
 * what PM4Py 2.7 ends up doing (its DFG times across a DST change differ from the true elapsed time by exactly the
 * offset change; see docs/mining.md) and so is the default for PM4Py-identical numbers; `exact` converts to UTC.
 */
export type ZoneMode = 'wall-clock' | 'exact';

const DIGIT0 = 48;

function digits(get: (i: number) => number, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = get(i) - DIGIT0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Parses `len` characters read through `get` (char codes); NaN when not a timestamp. */
function parseCodes(get: (i: number) => number, start: number, len: number): number {
  const end = start + len;
  if (len < 10) return NaN;
  const year = digits(get, start, 4);
  if (year < 0 || get(start + 4) !== 45 || get(start + 7) !== 45) return NaN;
  const month = digits(get, start + 5, 2);
  const day = digits(get, start + 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 100) return NaN;
  // Date.UTC rolls 31 February over into March; such a date is not a date.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return NaN;
  let p = start + 10;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let fraction = 0;
  lastHadZone = false;
  lastOffsetMs = 0;
  if (p < end) {
    const sep = get(p);
    if (sep !== 84 && sep !== 32 && sep !== 116) return NaN; // T, space, t
    if (p + 6 > end) return NaN;
    hour = digits(get, p + 1, 2);
    if (hour < 0 || hour > 24 || get(p + 3) !== 58) return NaN;
    minute = digits(get, p + 4, 2);
    if (minute < 0 || minute > 59) return NaN;
    p += 6;
    if (p < end && get(p) === 58) {
      second = digits(get, p + 1, 2);
      if (second < 0 || second > 60) return NaN;
      p += 3;
      if (p < end && (get(p) === 46 || get(p) === 44)) {
        p++;
        let scale = 100;
        const fracStart = p;
        while (p < end) {
          const d = get(p) - DIGIT0;
          if (d < 0 || d > 9) break;
          fraction += d * scale;
          scale /= 10;
          p++;
        }
        if (p === fracStart) return NaN;
      }
    }
    if (p < end) {
      const z = get(p);
      if ((z === 90 || z === 122) && p + 1 === end) {
        lastHadZone = true;
      } else if (z === 43 || z === 45) {
        const oh = digits(get, p + 1, 2);
        if (oh < 0) return NaN;
        let om = 0;
        let q = p + 3;
        if (q < end && get(q) === 58) q++;
        if (q < end) {
          om = digits(get, q, 2);
          if (om < 0) return NaN;
          q += 2;
        }
        if (q !== end || oh > 18 || om > 59) return NaN;
        lastHadZone = true;
        const offset = (oh * 60 + om) * 60000;
        lastOffsetMs = z === 43 ? offset : -offset;
        return Date.UTC(year, month - 1, day, hour, minute, second) + fraction - (z === 43 ? offset : -offset);
      } else {
        return NaN;
      }
    }
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900+; those are not in any real log, and rejecting them keeps parsing exact.
  if (year < 100) return NaN;
  return ms + fraction;
}

// The byte twin of `digits`/`parseCodes` for the XES reader. Kept separate on purpose: routing bytes through
// parseCodes' char getter made the bpic2012 import + analyses 15 % slower (0.46 s vs 0.37–0.40 s, 2026-11-28).
function digitsB(buf: Uint8Array, from: number, count: number): number {
  if (count === 2) return digits2(buf, from);
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = (buf[i] ?? 0) - DIGIT0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Two digits without a loop (months, days, hours, minutes, seconds: five per timestamp); -1 if either is not one. */
function digits2(buf: Uint8Array, from: number): number {
  const a = (buf[from] ?? 0) - DIGIT0;
  const b = (buf[from + 1] ?? 0) - DIGIT0;
  return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return MONTH_DAYS[month - 1] ?? 0;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), what Date.UTC computes for the
 * years a log has, in integer arithmetic: events of a case mostly fall on different days, so the day cache misses
 * on most rows of a file sorted by case and Date.UTC with its Date check was half the CSV import.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const TABLE_FROM_YEAR = 1900;
const TABLE_YEARS = 300;
/** Days from 1970-01-01 to the first of each month from 1900 on, filled as months are met (0: not yet, or January 1970, which is simply computed again). */
const monthStarts = new Int32Array(TABLE_YEARS * 12);

/**
 * {@link daysFromCivil} of the first of a month, from a table for the years a log has: the events of a case mostly fall
 * on different days, so the one-day cache above misses on most rows of a file sorted by case, and the calendar
 * arithmetic was about a tenth of a CSV import.
 */
function monthStartDay(year: number, month: number): number {
  const k = (year - TABLE_FROM_YEAR) * 12 + month - 1;
  if (k < 0 || k >= monthStarts.length) return daysFromCivil(year, month, 1);
  let d = monthStarts[k] as number;
  if (d === 0) {
    d = daysFromCivil(year, month, 1);
    monthStarts[k] = d;
  }
  return d;
}

/** The same parser over bytes, written out so the hot path has no closure calls. */
// Consecutive events mostly share their date: the day's epoch is cached by its ten bytes (YYYY-MM-DD as a number).
let cachedDayKey = -1;
// In a typed array, not a `let`: a double in a module variable is a heap number allocated at every write.
const cachedDayMs = new Float64Array(1);

/**
 * Writes the instant (NaN when not a timestamp) to out[at] rather than returning it: a double returned from a call
 * that is not inlined is boxed, an allocation per event.
 */
function parseBytes(buf: Uint8Array, start: number, len: number, out: Float64Array, at: number): void {
  const end = start + len;
  if (len < 10) {
    out[at] = NaN;
    return;
  }
  const year = digitsB(buf, start, 4);
  if (year < 0 || (buf[start + 4] ?? 0) !== 45 || (buf[start + 7] ?? 0) !== 45) { out[at] = NaN; return; }
  const month = digitsB(buf, start + 5, 2);
  const day = digitsB(buf, start + 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 100) { out[at] = NaN; return; }
  const dayKey = year * 10000 + month * 100 + day;
  if (dayKey !== cachedDayKey) {
    // 31 February is not a date (Date.UTC would roll it over into March).
    if (day > daysInMonth(year, month)) { out[at] = NaN; return; }
    cachedDayKey = dayKey;
    cachedDayMs[0] = (monthStartDay(year, month) + day - 1) * 86_400_000;
  }
  const dayMs = cachedDayMs[0] as number;
  let p = start + 10;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let fraction = 0;
  lastHadZone = false;
  lastOffsetMs = 0;
  if (p < end) {
    const sep = (buf[p] ?? 0);
    if (sep !== 84 && sep !== 32 && sep !== 116) { out[at] = NaN; return; } // T, space, t
    if (p + 6 > end) { out[at] = NaN; return; }
    hour = digitsB(buf, p + 1, 2);
    if (hour < 0 || hour > 24 || (buf[p + 3] ?? 0) !== 58) { out[at] = NaN; return; }
    minute = digitsB(buf, p + 4, 2);
    if (minute < 0 || minute > 59) { out[at] = NaN; return; }
    p += 6;
    if (p < end && (buf[p] ?? 0) === 58) {
      second = digitsB(buf, p + 1, 2);
      if (second < 0 || second > 60) { out[at] = NaN; return; }
      p += 3;
      if (p < end && ((buf[p] ?? 0) === 46 || (buf[p] ?? 0) === 44)) {
        p++;
        let scale = 100;
        const fracStart = p;
        while (p < end) {
          const d = (buf[p] ?? 0) - DIGIT0;
          if (d < 0 || d > 9) break;
          fraction += d * scale;
          scale /= 10;
          p++;
        }
        if (p === fracStart) { out[at] = NaN; return; }
      }
    }
    if (p < end) {
      const z = (buf[p] ?? 0);
      if ((z === 90 || z === 122) && p + 1 === end) {
        lastHadZone = true;
      } else if (z === 43 || z === 45) {
        const oh = digitsB(buf, p + 1, 2);
        if (oh < 0) { out[at] = NaN; return; }
        let om = 0;
        let q = p + 3;
        if (q < end && (buf[q] ?? 0) === 58) q++;
        if (q < end) {
          om = digitsB(buf, q, 2);
          if (om < 0) { out[at] = NaN; return; }
          q += 2;
        }
        if (q !== end || oh > 18 || om > 59) { out[at] = NaN; return; }
        lastHadZone = true;
        const offset = (oh * 60 + om) * 60000;
        lastOffsetMs = z === 43 ? offset : -offset;
        out[at] = dayMs + (hour * 3600 + minute * 60 + second) * 1000 + fraction - (z === 43 ? offset : -offset);
        return;
      } else {
        out[at] = NaN;
        return;
      }
    }
  }
  out[at] = dayMs + (hour * 3600 + minute * 60 + second) * 1000 + fraction;
}

const parsed = new Float64Array(1);

export function parseTimestampBytes(buf: Uint8Array, start: number, end: number): number {
  parseBytes(buf, start, end - start, parsed, 0);
  return parsed[0] as number;
}

/** {@link parseTimestampBytes} into out[at], for readers that store the instant in a column anyway. */
export function parseTimestampBytesInto(buf: Uint8Array, start: number, end: number, out: Float64Array, at: number): void {
  parseBytes(buf, start, end - start, out, at);
}
export function parseTimestamp(text: string): number {
  const s = text.trim();
  return parseCodes((i) => s.charCodeAt(i), 0, s.length);
}

/** Writes a timestamp the way XES and OCEL expect it (UTC, milliseconds). */
export function formatTimestamp(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}
