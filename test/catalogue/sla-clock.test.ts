/**
 * The one SLA clock (issue 20, acceptance 2): over random pause/resume/SLA-edit sequences the countdown (the whole
 * history read at once), the escalation timer (followed event by event) and the dashboard figure (overdue or not,
 * days left) always agree; working-day calendars across a year boundary and a DST change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SlaTimer, slaClock, workingDays, type ClockEvent, type SlaTerms } from '../../src/catalogue/index.js';

const START = Date.parse('2026-03-20T09:30:00Z');
const HOUR = 3_600_000;
const terms = fc.oneof(
  fc.record({ duration: fc.constantFrom('P5D', 'P10D', 'PT36H', 'P2W'), counting: fc.constant<'calendar'>('calendar') }),
  fc.record({ duration: fc.constantFrom('P3D', 'P10D', 'PT12H', 'P1W'), counting: fc.constant<'working-days'>('working-days'), jurisdiction: fc.constantFrom('FI', 'GB') }),
) as fc.Arbitrary<SlaTerms>;
/** Steps of 1 to 400 hours apart: pauses and resumes alternate (as waiting for the applicant does), edits anywhere. */
const history = fc.tuple(terms, fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.oneof(fc.constant(null), terms)), { maxLength: 8 }), fc.integer({ min: 0, max: 2000 }));

function eventsOf(steps: readonly [number, SlaTerms | null][]): ClockEvent[] {
  const events: ClockEvent[] = [];
  let t = START;
  let paused = false;
  for (const [hours, edit] of steps) {
    t += hours * HOUR;
    const at = new Date(t).toISOString();
    if (edit) events.push({ type: 'sla-changed', at, terms: edit });
    else { events.push({ type: paused ? 'resume' : 'pause', at }); paused = !paused; }
  }
  return events;
}

describe('the SLA clock', () => {
  it('countdown, escalation timer and dashboard figure agree over any pause/resume/SLA-edit sequence', () => {
    fc.assert(fc.property(history, ([initial, steps, laterHours]) => {
      const events = eventsOf(steps);
      const timer = new SlaTimer(new Date(START).toISOString(), initial);
      let escalation: string | null = timer.dueAt();
      for (const e of events) escalation = timer.apply(e);
      const last = events.length > 0 ? Date.parse(events.at(-1)!.at) : START;
      const now = new Date(last + laterHours * HOUR);
      const countdown = slaClock(new Date(START).toISOString(), initial, events, now);
      assert.equal(countdown.dueAt, escalation, 'the countdown and the escalation timer name the same deadline');
      // The dashboard's figure (overdue or not) agrees with the countdown, and while a timer runs it is overdue
      // exactly when the escalation time has passed; paused only without a timer.
      assert.equal(countdown.overdue, timer.overdueAt(now));
      if (escalation !== null) assert.equal(countdown.overdue, now.getTime() > Date.parse(escalation));
      if (escalation === null) assert.equal(countdown.paused, true);
      assert.ok(countdown.days >= 1);
      // Reading the same history later never moves a running deadline, only the days left.
      const later = slaClock(new Date(START).toISOString(), initial, events, new Date(now.getTime() + 5 * HOUR));
      assert.equal(later.dueAt, countdown.dueAt);
    }), { numRuns: 100 });
  });

  it('reads a working-day clock at the very instant of its deadline (counted no time, not forever)', () => {
    // The case CI found: half a working day from a Friday morning in Helsinki, read exactly at the deadline.
    const initial: SlaTerms = { duration: 'PT12H', counting: 'working-days', jurisdiction: 'FI' };
    const due = slaClock(new Date(START).toISOString(), initial, [], new Date(START)).dueAt!;
    const atDeadline = slaClock(new Date(START).toISOString(), initial, [], new Date(due));
    assert.equal(atDeadline.dueAt, due);
    assert.equal(atDeadline.overdue, false);
    assert.equal(atDeadline.days, 1);
    assert.equal(workingDays('FI').count(Date.parse(due), Date.parse(due)), 0);
  });

  it('moves the deadline by exactly the pause in calendar time', () => {
    const initial: SlaTerms = { duration: 'P10D', counting: 'calendar' };
    const events: ClockEvent[] = [{ type: 'pause', at: '2026-03-22T09:30:00Z' }, { type: 'resume', at: '2026-03-25T09:30:00Z' }];
    assert.equal(slaClock('2026-03-20T09:30:00Z', initial, events, new Date('2026-03-26T00:00:00Z')).dueAt, '2026-04-02T09:30:00.000Z');
    const paused = slaClock('2026-03-20T09:30:00Z', initial, events.slice(0, 1), new Date('2026-03-24T00:00:00Z'));
    assert.deepEqual([paused.dueAt, paused.paused, paused.days], [null, true, 8], 'paused: no deadline, 8 days left frozen');
    const edited = slaClock('2026-03-20T09:30:00Z', initial, [...events, { type: 'sla-changed', at: '2026-03-26T00:00:00Z', terms: { duration: 'P5D', counting: 'calendar' } }], new Date('2026-03-27T00:00:00Z'));
    assert.equal(edited.dueAt, '2026-03-28T09:30:00.000Z', 'the new SLA counts from the start, less the pause');
  });

  it('skips Finnish Christmas, New Year and Epiphany across the year boundary', () => {
    const fi = workingDays('FI');
    // Wed 23 Dec 2026 10:00 Helsinki (08:00 UTC) + 3 working days: 24 (Thu), 28 (Mon), 29 (Tue) — 25, 26, 27 are off.
    assert.equal(new Date(fi.advance(Date.parse('2026-12-23T08:00:00Z'), 3)).toISOString(), '2026-12-29T08:00:00.000Z');
    // Wed 30 Dec + 3: 31 (Thu), 2 Jan is a Saturday, 1 Jan a holiday: 4 (Mon), 5 (Tue); 6 Jan Epiphany is off.
    assert.equal(new Date(fi.advance(Date.parse('2026-12-30T08:00:00Z'), 3)).toISOString(), '2027-01-05T08:00:00.000Z');
    assert.equal(new Date(fi.advance(Date.parse('2026-12-30T08:00:00Z'), 4)).toISOString(), '2027-01-07T08:00:00.000Z');
    assert.equal(fi.count(Date.parse('2026-12-23T08:00:00Z'), Date.parse('2027-01-07T08:00:00Z')), 8, 'the 23rd and 7th half each, 24, 28-31 Dec, 4-5 Jan');
    // Going back undoes going forward.
    assert.equal(new Date(fi.advance(Date.parse('2027-01-07T08:00:00Z'), -8)).toISOString(), '2026-12-23T08:00:00.000Z');
  });

  it('keeps the local time of day across a DST change (Helsinki and London, spring and autumn)', () => {
    const fi = workingDays('FI');
    // Fri 27 Mar 2026 09:00 Helsinki is 07:00 UTC (UTC+2); DST starts Sun 29 Mar: Mon 30 Mar 09:00 is 06:00 UTC.
    assert.equal(new Date(fi.advance(Date.parse('2026-03-27T07:00:00Z'), 1)).toISOString(), '2026-03-30T06:00:00.000Z');
    const gb = workingDays('GB');
    // Fri 23 Oct 2026 09:00 London is 08:00 UTC (BST); DST ends Sun 25 Oct: Tue 27 Oct 09:00 is 09:00 UTC.
    assert.equal(new Date(gb.advance(Date.parse('2026-10-23T08:00:00Z'), 2)).toISOString(), '2026-10-27T09:00:00.000Z');
    assert.equal(gb.count(Date.parse('2026-10-23T08:00:00Z'), Date.parse('2026-10-27T09:00:00Z')), 2);
    // Half a working day is half of the local day, whatever its length.
    assert.equal(new Date(fi.advance(Date.parse('2026-03-27T22:00:00Z'), 0.5)).toISOString(), '2026-03-30T09:00:00.000Z');
  });

  it('names a jurisdiction it has no calendar for, and refuses months as working days', () => {
    assert.throws(() => workingDays('XX'), /no holiday calendar for the jurisdiction XX/);
    assert.throws(() => slaClock('2026-01-01T00:00:00Z', { duration: 'P1M', counting: 'working-days', jurisdiction: 'FI' }, [], new Date()), /must be days, hours or minutes/);
  });
});
