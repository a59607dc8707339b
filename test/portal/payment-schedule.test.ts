// The payment schedule on the citizen's status page is read from a case variable: what the record-payment-schedule
// job writes is shown as it is; anything else that could sit in a variable shows nothing instead of something wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { paymentScheduleOf } from '../../src/portal/index.js';
import { monthlyDueDates } from '../../src/payments/index.js';

describe('payment schedule on the status page', () => {
  it('takes the schedule as the record-payment-schedule job writes it', () => {
    const written = monthlyDueDates(new Date('2026-11-28T10:00:00Z'), 12).map((dueOn, i) => ({ instalment: i + 1, dueOn, amount: 225, currency: 'EUR' }));
    const shown = paymentScheduleOf(written);
    assert.equal(shown.length, 12);
    assert.deepEqual(shown[0], { dueOn: '2026-12-01', amount: 225, currency: 'EUR' });
    assert.deepEqual(shown[11], { dueOn: '2027-11-01', amount: 225, currency: 'EUR' });
  });

  it('shows nothing for a variable of any other shape (property)', () => {
    const wrongItem = fc.oneof(
      fc.anything(),
      fc.record({ dueOn: fc.string(), amount: fc.double(), currency: fc.string() }),
      fc.record({ dueOn: fc.constant('2026-12-01'), amount: fc.constantFrom(Number.NaN, Infinity, '225'), currency: fc.constant('EUR') }),
    );
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.array(wrongItem, { minLength: 1 })), (raw) => {
      const shown = paymentScheduleOf(raw);
      // Either nothing, or only well-formed payments (a generated item may happen to be well formed).
      for (const p of shown) {
        assert.match(p.dueOn, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(Number.isFinite(p.amount));
        assert.match(p.currency, /^[A-Z]{3}$/);
      }
      if (!Array.isArray(raw)) assert.deepEqual(shown, []);
    }));
    assert.deepEqual(paymentScheduleOf([{ dueOn: '2026-12-01', amount: 225, currency: 'EUR' }, { dueOn: 'soon', amount: 225, currency: 'EUR' }]), [], 'one bad entry hides the whole schedule');
  });
});
