// Payments with the built-in test provider over real HTTP on loopback: success moves the building permit case
// past payment-received; decline then success; a double callback is one payment; bad amounts are refused.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { createPayments, createTestPaymentProvider, createTestProviderPages, monthlyDueDates, toMinorUnits, type Payments } from '../../src/payments/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { describeEachBackend } from '../support/databases.js';
import { openTask, openTaskIds, useService } from './support.js';

describeEachBackend('payments (test provider)', (backend) => {
  const h = useService(backend, 'building-permit');
  let server: FastifyInstance;
  let base: string;
  let payments: Payments;
  const published: string[] = [];

  before(async () => {
    server = Fastify();
    await server.register(createTestProviderPages({ db: h.db }));
    base = await server.listen({ host: '127.0.0.1', port: 0 });
    payments = createPayments({
      db: h.db, provider: createTestPaymentProvider({ db: h.db, baseUrl: base }),
      // What the composition root wires: the BPMN message, correlated by reference, message id = payment id.
      onPaymentReceived: async (p) => {
        published.push(p.paymentId);
        await h.engine.publishMessage({ name: 'payment-received', correlationKey: p.reference, messageId: p.paymentId, variables: { paymentId: p.paymentId }, actor: p.actor });
      },
    });
  });
  after(async () => {
    await server?.close();
  });

  /** A building permit case waiting for its fee. */
  async function caseAwaitingPayment(reference: string): Promise<number> {
    const { id } = await h.engine.startInstance('building-permit', { businessKey: reference, variables: { applicantName: 'Alex Demo', floorArea: 80, features: [], applicationId: reference, serviceId: 'building-permit' } });
    await h.engine.completeTask((await openTask(h, id, 'check-completeness')).id, { variables: { complete: true } });
    for (const t of ['zoning-review', 'structural-review', 'fire-safety-review']) await h.engine.completeTask((await openTask(h, id, t)).id, {});
    assert.equal((await h.engine.getInstance(id)).variables['fee'], 250);
    return id;
  }

  /** The citizen's browser on the hosted page: GET it, press a button, follow nothing (we read the redirect). */
  async function press(nextUrl: string, action: 'pay' | 'decline'): Promise<string> {
    const pageRes = await fetch(nextUrl);
    assert.equal(pageRes.status, 200);
    const text = await pageRes.text();
    assert.match(text, /Pay €250\.00/);
    assert.match(text, /No money moves/);
    const res = await fetch(nextUrl, { method: 'POST', body: `action=${action}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    assert.equal(res.status, 303);
    return res.headers.get('location')!;
  }

  it('pay: the payment succeeds, the case moves on to the decision, the event log has it', async () => {
    const ref = 'BP-2026-000101';
    const id = await caseAwaitingPayment(ref);
    const { paymentId, nextUrl } = await payments.start({ reference: ref, amountMinor: toMinorUnits(250)!, currency: 'EUR', description: `Building permit fee, ${ref}`, returnUrl: (pid) => `/applications/${ref}/payment/${pid}`, actor: 'citizen:alex' });
    assert.ok(nextUrl.startsWith(`${base}/payments/test/`));
    assert.equal(await press(nextUrl, 'pay'), `/applications/${ref}/payment/${paymentId}`);
    assert.deepEqual(await openTaskIds(h, id), [], 'nothing moves before govflow confirms with the provider');
    const confirmed = await payments.confirm(paymentId, 'citizen:alex');
    assert.equal(confirmed.state, 'succeeded');
    assert.deepEqual(await openTaskIds(h, id), ['decide']);
    const events = await h.db.query<{ type: string }>(`select type from event_log where instance_id is null and data->>'paymentId' = $1 order by id`, [paymentId]);
    assert.deepEqual(events.rows.map((r) => r.type), ['payment.created', 'payment.succeeded']);
    const caseEvents = await h.engine.getEvents(id);
    assert.ok(caseEvents.some((e) => e.type === 'message.correlated' || (e.elementId === 'payment-received' && e.type === 'element.completed')));
  });

  it('a double callback is one payment: confirm twice, one message, one succeeded event', async () => {
    const ref = 'BP-2026-000102';
    const id = await caseAwaitingPayment(ref);
    const { paymentId, nextUrl } = await payments.start({ reference: ref, amountMinor: 25000, currency: 'EUR', description: 'fee', returnUrl: (pid) => `/r/${pid}`, actor: 'citizen:alex' });
    await press(nextUrl, 'pay');
    const before = published.length;
    await Promise.all([payments.confirm(paymentId, 'citizen:alex'), payments.confirm(paymentId, 'citizen:alex')]);
    await payments.confirm(paymentId, 'citizen:alex');
    assert.ok(published.length - before <= 2, 'at most a replayed publish, which the engine drops by message id');
    // Replaying the message by hand changes nothing either.
    await h.engine.publishMessage({ name: 'payment-received', correlationKey: ref, messageId: paymentId });
    assert.deepEqual(await openTaskIds(h, id), ['decide']);
    const events = await h.db.query<{ n: string | number }>(`select count(*) as n from event_log where type = 'payment.succeeded' and data->>'paymentId' = $1`, [paymentId]);
    assert.equal(Number(events.rows[0]!.n), 1);
    // A paid fee cannot be started again.
    await assert.rejects(payments.start({ reference: ref, amountMinor: 25000, currency: 'EUR', description: 'fee', returnUrl: () => '/', actor: 'citizen:alex' }), (e) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_CONFLICT');
  });

  it('decline, then retry and pay: the case waits after the decline and moves after the success', async () => {
    const ref = 'BP-2026-000103';
    const id = await caseAwaitingPayment(ref);
    const first = await payments.start({ reference: ref, amountMinor: 25000, currency: 'EUR', description: 'fee', returnUrl: (pid) => `/r/${pid}`, actor: 'citizen:alex' });
    await press(first.nextUrl, 'decline');
    assert.equal((await payments.confirm(first.paymentId, 'citizen:alex')).state, 'declined');
    assert.ok((await h.engine.getInstance(id)).activeElements.some((e) => e.elementId === 'payment-received'));
    // The declined session cannot be paid afterwards.
    await fetch(first.nextUrl, { method: 'POST', body: 'action=pay', headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    assert.equal((await payments.confirm(first.paymentId, 'citizen:alex')).state, 'declined');
    const second = await payments.start({ reference: ref, amountMinor: 25000, currency: 'EUR', description: 'fee', returnUrl: (pid) => `/r/${pid}`, actor: 'citizen:alex' });
    await press(second.nextUrl, 'pay');
    assert.equal((await payments.confirm(second.paymentId, 'citizen:alex')).state, 'succeeded');
    assert.deepEqual(await openTaskIds(h, id), ['decide']);
    assert.deepEqual((await payments.forReference(ref)).map((p) => p.state).sort(), ['declined', 'succeeded']);
  });

  it('two tabs both paying: the second success is refunded, the case is paid once', async () => {
    const ref = 'BP-2026-000104';
    await caseAwaitingPayment(ref);
    const a = await payments.start({ reference: ref, amountMinor: 25000, currency: 'EUR', description: 'fee', returnUrl: () => '/', actor: 'citizen:alex' });
    const b = await payments.start({ reference: ref, amountMinor: 25000, currency: 'EUR', description: 'fee', returnUrl: () => '/', actor: 'citizen:alex' });
    await press(a.nextUrl, 'pay');
    await press(b.nextUrl, 'pay');
    assert.equal((await payments.confirm(a.paymentId, 'citizen:alex')).state, 'succeeded');
    assert.equal((await payments.confirm(b.paymentId, 'citizen:alex')).state, 'refunded');
  });

  it('unknown payment ids and bad amounts are refused with coded errors', async () => {
    await assert.rejects(payments.confirm('pay-../../etc', 'x'), (e) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_NOT_FOUND');
    await assert.rejects(payments.start({ reference: 'BP-X', amountMinor: 0, currency: 'EUR', description: 'x', returnUrl: () => '/', actor: 'x' }), (e) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_VALIDATION');
    await assert.rejects(payments.start({ reference: 'BP-X', amountMinor: 100, currency: 'euro', description: 'x', returnUrl: () => '/', actor: 'x' }), (e) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_VALIDATION');
    assert.equal((await fetch(`${base}/payments/test/not-a-session`)).status, 404);
    const bad = await fetch(`${base}/payments/test/${'0'.repeat(32)}`, { method: 'POST', body: 'action=steal', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(bad.status, 400);
  });
});

it('toMinorUnits: whole cents of positive amounts only (property)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 10_000_000 }), (cents) => toMinorUnits(cents / 100) === cents));
  fc.assert(fc.property(fc.oneof(fc.double({ max: 0 }), fc.constant(Number.NaN), fc.constant(Infinity), fc.string()), (v) => toMinorUnits(v) === null));
  assert.equal(toMinorUnits(0.001), null);
});

it('monthlyDueDates: the first of each following month, across year ends (property)', () => {
  assert.deepEqual(monthlyDueDates(new Date('2026-11-30T23:00:00Z'), 3), ['2026-12-01', '2027-01-01', '2027-02-01']);
  fc.assert(fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.integer({ min: 1, max: 24 }), (from, n) => {
    const dates = monthlyDueDates(from, n);
    return dates.length === n && dates.every((d) => d.endsWith('-01') && d > from.toISOString().slice(0, 10)) && dates.every((d, i) => i === 0 || d > dates[i - 1]!);
  }));
});
