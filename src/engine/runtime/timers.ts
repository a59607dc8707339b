import { GovflowError } from '../../kernel/index.js';
import { looksLikeCron, nextCronFire, parseCron } from '../model/cron.js';
import { addDuration, parseIsoCycle, parseIsoDate, parseIsoDuration } from '../model/iso-time.js';
import { nextZonedFire, parseZonedCycle } from '../model/zoned-cycle.js';

/**
 * Due time (and the cycle text still to run after it) of a timer from its ISO 8601 or cron text. A cron cycle and
 * a zoned ISO cycle keep their whole text (their fire times are computed from it, anchored); a plain ISO cycle
 * counts its repetitions down in the text, as it always has.
 */
export function computeTimer(type: 'duration' | 'date' | 'cycle', raw: string, now: Date, elementId: string): { dueAt: string; cycle?: string } {
  const fail = (why = 'is not valid') => new GovflowError('GOVFLOW_ERR_FEEL_EVALUATION', `timer ${type} '${raw}' of ${elementId} is not valid ISO 8601 or cron`, [{ where: elementId, message: `timer ${type} '${raw}' ${why}` }]);
  if (type === 'duration') {
    const d = parseIsoDuration(raw);
    if (!d) throw fail();
    return { dueAt: addDuration(now, d).toISOString() };
  }
  if (type === 'date') {
    const d = parseIsoDate(raw);
    if (!d) throw fail();
    return { dueAt: d.toISOString() };
  }
  const zoned = parseZonedCycle(raw);
  if (zoned) {
    const next = nextZonedFire(zoned, now);
    if (!next) throw fail('has no repetitions left');
    const more = zoned.repetitions === undefined || next.index + 1 < zoned.repetitions;
    return { dueAt: next.at.toISOString(), ...(more ? { cycle: raw.trim() } : {}) };
  }
  if (looksLikeCron(raw)) {
    const cron = parseCron(raw);
    if ('problem' in cron) throw fail(`is not a valid cron expression: ${cron.problem}`);
    const next = nextCronFire(cron, now);
    if (!next) throw fail('never fires again');
    return { dueAt: next.toISOString(), cycle: raw.trim() };
  }
  const cycle = parseIsoCycle(raw);
  if (!cycle) throw fail();
  const first = cycle.start && cycle.start.getTime() >= now.getTime() ? cycle.start : addDuration(now, cycle.interval);
  const remaining = cycle.repetitions === undefined ? undefined : cycle.repetitions - 1;
  const interval = raw.trim().split('/').at(-1)!;
  const next = remaining === undefined ? `R/${interval}` : remaining > 0 ? `R${remaining}/${interval}` : undefined;
  return { dueAt: first.toISOString(), ...(next ? { cycle: next } : {}) };
}
