import { t } from '../i18n/index.js';
import { parseIsoDuration } from '../kernel/index.js';

/**
 * SLAs as administrators type them: whole days and hours. Stored (service.json, stored versions) and computed with
 * as ISO 8601 durations, which is what the SLA clock reads; the admin pages never show the ISO text itself.
 */

export interface DaysHours {
  readonly days: number;
  readonly hours: number;
}

/** `{ days: 2, hours: 4 }` → `P2DT4H`; `{ days: 0, hours: 6 }` → `PT6H`; `{ days: 10, hours: 0 }` → `P10D`. */
export function isoFromDaysHours({ days, hours }: DaysHours): string {
  return `P${days > 0 || hours === 0 ? `${days}D` : ''}${hours > 0 ? `T${hours}H` : ''}`;
}

/**
 * The days and hours of a stored duration, or null when it cannot be shown as such (months and years have no fixed
 * length; minutes and seconds are finer than the form). Weeks are 7 days; 24 hours or more carry into days.
 */
export function daysHoursOf(iso: string): DaysHours | null {
  const d = parseIsoDuration(iso);
  if (!d || d.negative || d.years !== 0 || d.months !== 0 || d.minutes !== 0 || d.seconds !== 0) return null;
  if (![d.weeks, d.days, d.hours].every(Number.isSafeInteger)) return null;
  const totalHours = (d.weeks * 7 + d.days) * 24 + d.hours;
  return { days: Math.floor(totalHours / 24), hours: totalHours % 24 };
}

export const MAX_SLA_DAYS = 3650;

/**
 * Reads a days field and an hours field (either may be empty, meaning 0). Both empty: `empty`. Otherwise the
 * duration, or a message in the GOV.UK pattern for the first thing wrong.
 */
export function parseDaysHours(daysText: string, hoursText: string, what: string): { empty: true } | { iso: string } | { error: string } {
  const days = daysText.trim();
  const hours = hoursText.trim();
  if (days === '' && hours === '') return { empty: true };
  if (days !== '' && !/^\d{1,5}$/.test(days)) return { error: t('admin.serviceForm.daysWhole', { what }) };
  if (hours !== '' && !/^\d{1,2}$/.test(hours)) return { error: t('admin.serviceForm.hoursWhole', { what }) };
  const d = days === '' ? 0 : Number(days);
  const h = hours === '' ? 0 : Number(hours);
  if (d > MAX_SLA_DAYS) return { error: t('admin.serviceForm.daysMax', { what, max: String(MAX_SLA_DAYS) }) };
  if (h > 23) return { error: t('admin.serviceForm.hoursRange', { what }) };
  if (d === 0 && h === 0) return { error: t('admin.serviceForm.atLeastAnHour', { what }) };
  return { iso: isoFromDaysHours({ days: d, hours: h }) };
}
