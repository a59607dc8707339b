/**
 * Dates and date-times with years beyond Temporal's range. FEEL allows years up to ±999,999,999 (DMN 1.5
 * §10.3.2.3.6, TCK 1115 and 1117); Temporal, which feelin's dates are built on, stops at ±271,821, and JavaScript's
 * Date earlier still. The proleptic Gregorian calendar repeats every 400 years (146,097 days, a whole number of
 * weeks), so such a value is kept as the same month, day and time in a year of 2000–2399 with the same position in
 * the cycle, plus the multiple of 400 years that was taken off. Month, day, weekday, leap days and the wall-clock
 * time are therefore exact; `year` and the ISO text carry the real year. Only construction, properties, `string()`
 * and comparison need these values; arithmetic on them keeps feelin's semantics on the shifted value.
 */
import { FeelDate, FeelDateTime } from 'feelin';

/** Years Temporal holds for every month and zone (its limits fall inside the years ±271,821). */
export const TEMPORAL_SAFE_YEAR = 270_000;
/** The widest year FEEL allows. */
export const FEEL_MAX_YEAR = 999_999_999;

const CYCLE = 400;

/** The year of 2000–2399 in the same place of the 400-year cycle. */
export function cycleYear(year: number): number {
  return 2000 + ((((year - 2000) % CYCLE) + CYCLE) % CYCLE);
}

function yearText(year: number): string {
  return (year < 0 ? '-' : '') + String(Math.abs(year)).padStart(4, '0');
}

/** ISO text of a shifted value: its four-digit cycle year replaced by the real year. */
function withRealYear(iso: string, year: number): string {
  return yearText(year) + iso.slice(4);
}

export class FeelWideDate extends FeelDate {
  /** Years taken off the real year to reach {@link FeelDate.value}'s year (a multiple of 400). */
  readonly shift: number;
  constructor(value: FeelDate['value'], shift: number) {
    super(value);
    this.shift = shift;
    (this as { iso: string }).iso = withRealYear(value.toString(), value.year + shift);
    Object.defineProperty(this, 'shift', { enumerable: false });
  }
  override get year(): number {
    return this.value.year + this.shift;
  }
}

export class FeelWideDateTime extends FeelDateTime {
  readonly shift: number;
  constructor(value: FeelDateTime['value'], zone: string | null, shift: number) {
    super(value, zone);
    this.shift = shift;
    (this as { iso: string }).iso = withRealYear(this.iso, value.year + shift);
    Object.defineProperty(this, 'shift', { enumerable: false });
  }
  override get year(): number {
    return this.value.year + this.shift;
  }
}

/** True when a year is valid FEEL but outside what Temporal holds. */
export function isWideYear(year: number): boolean {
  return Number.isInteger(year) && Math.abs(year) > TEMPORAL_SAFE_YEAR && Math.abs(year) <= FEEL_MAX_YEAR;
}

/** The value of `base` (a date or date-time in its cycle year) moved to `year`. */
export function widen(base: FeelDate | FeelDateTime, year: number): FeelWideDate | FeelWideDateTime {
  const shift = year - base.value.year;
  return base instanceof FeelDateTime ? new FeelWideDateTime(base.value, base.zone, shift) : new FeelWideDate(base.value, shift);
}

function shiftOf(v: FeelDate | FeelDateTime): number {
  return v instanceof FeelWideDate || v instanceof FeelWideDateTime ? v.shift : 0;
}

/**
 * Order of two dates or two date-times when either has a wide year and their real years differ; undefined
 * otherwise (same real year means the same cycle year, so the shifted values compare as the real ones do).
 */
export function wideYearOrder(a: FeelDate | FeelDateTime, b: FeelDate | FeelDateTime): number | undefined {
  if ((shiftOf(a) === 0 && shiftOf(b) === 0) || a.year === b.year) return undefined;
  return a.year < b.year ? -1 : 1;
}

/**
 * Arithmetic with a wide-year operand: the difference of two values in the same real year is computed on the
 * shifted values (undefined: go on); anything else would compute on the cycle year, so it is refused (null).
 */
export function wideArithmetic(op: unknown, a: unknown, b: unknown): null | undefined {
  const wa = a instanceof FeelWideDate || a instanceof FeelWideDateTime;
  const wb = b instanceof FeelWideDate || b instanceof FeelWideDateTime;
  if (!wa && !wb) return undefined;
  if (op === '-' && wa && wb && a.shift === b.shift) return undefined;
  return null;
}
