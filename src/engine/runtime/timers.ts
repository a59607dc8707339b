import { GovflowError } from '../../kernel/index.js';
import { addDuration, parseIsoCycle, parseIsoDate, parseIsoDuration } from '../model/iso-time.js';

/** Due time (and remaining cycle) of a timer from its ISO 8601 text. */
export function computeTimer(type: 'duration' | 'date' | 'cycle', raw: string, now: Date, elementId: string): { dueAt: string; cycle?: string } {
  const fail = () => new GovflowError('GOVFLOW_ERR_FEEL_EVALUATION', `timer ${type} '${raw}' of ${elementId} is not valid ISO 8601`, [{ where: elementId, message: `timer ${type} '${raw}' is not valid` }]);
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
  const cycle = parseIsoCycle(raw);
  if (!cycle) throw fail();
  const first = cycle.start && cycle.start.getTime() > now.getTime() ? cycle.start : addDuration(now, cycle.interval);
  const remaining = cycle.repetitions === undefined ? undefined : cycle.repetitions - 1;
  const interval = raw.trim().split('/').at(-1)!;
  const next = remaining === undefined ? `R/${interval}` : remaining > 0 ? `R${remaining}/${interval}` : undefined;
  return { dueAt: first.toISOString(), ...(next ? { cycle: next } : {}) };
}

