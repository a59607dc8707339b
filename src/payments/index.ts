/** Fee payments through a payment-provider interface (with a built-in test provider) and benefit payment schedules. */
export { createPayments, toMinorUnits } from './payments.js';
export type { PaymentReceived, Payments, PaymentView } from './payments.js';
export { createTestPaymentProvider, getTestPaymentSession, settleTestPaymentSession } from './provider.js';
export type { PaymentProvider, PaymentState, TestPaymentSession } from './provider.js';
export { createRecordPaymentScheduleHandler, monthlyDueDates } from './schedule.js';
export type { Instalment, ScheduleJob } from './schedule.js';
export { createTestProviderPages } from './test-provider-pages.js';
