import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProcessInstanceView } from '../engine/index.js';
import { letterDecisionWords, reasonsInWords, type Service } from '../catalogue/index.js';
import { currentLanguage, formatDay, formatMoney, t, type MessageKey, type MessageValues } from '../i18n/index.js';
import { toMinorUnits, type Payments } from '../payments/index.js';
import { html, PARAM, paramsSchema, type HtmlValue, type SafeHtml } from '../web/index.js';

/**
 * Serves the citizen-side fee payment (`/applications/:ref/pay`, the return page from the provider) and renders the
 * "Pay the fee" and decision sections of the status page (issue 5). Sign-in and CSRF are the web session plugin's;
 * the portal passes in its ownership check and page sender.
 */
export interface CaseActionDeps {
  readonly payments: Payments | undefined;
  /** The signed-in citizen's id, or null after redirecting to sign-in. */
  readonly citizen: (request: FastifyRequest, reply: FastifyReply) => string | null;
  /** The signed-in citizen's own case (404 otherwise) and its engine instance. */
  readonly ownCase: (request: FastifyRequest, reference: string) => Promise<{ reference: string; serviceId: string; instance: ProcessInstanceView | null; service: Service }>;
  readonly send: (request: FastifyRequest, reply: FastifyReply, title: string, content: HtmlValue, extra?: { status?: number; backLink?: string; current?: 'applications' }) => FastifyReply;
}

// Formatters made once: toLocaleString builds a new Intl formatter on every call (on the status page's fee box).
const AMOUNT = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
export const money = (amount: number, currency: string): string => `${currency === 'EUR' ? '€' : `${currency} `}${AMOUNT.format(amount)}`;

/** Money on a page in the reader's language (English as it always read: "€1,234.50"). */
const pageMoney = (amount: number, currency: string): string => (currentLanguage() === 'en' ? money(amount, currency) : formatMoney(amount, currency));

/** A message with one part in bold (`{name}` in it): the translator places it, the page marks it. */
function withStrong(key: MessageKey, name: string, strong: string, values: MessageValues = {}): SafeHtml {
  const [before = '', after = ''] = t(key, { ...values, [name]: '\u0000' }).split('\u0000');
  return html`${before}<strong>${strong}</strong>${after}`;
}

/** The fee the case waits for, if it waits for one now. */
export function feeDue(service: Service, instance: ProcessInstanceView | null): { amount: number; currency: string; amountMinor: number } | null {
  const payment = service.payment;
  if (!payment || !instance || instance.state !== 'active' || !instance.activeElements.some((e) => e.elementId === payment.waitingAt)) return null;
  const amount = payment.kind === 'fixed' ? payment.amount : instance.variables[payment.variable];
  const amountMinor = toMinorUnits(amount);
  return amountMinor === null ? null : { amount: amountMinor / 100, currency: payment.currency, amountMinor };
}

/** The status page's "Pay the fee" and "Download the decision" sections. */
export function caseActions(service: Service, instance: ProcessInstanceView | null, reference: string, csrfToken: string): SafeHtml {
  const due = feeDue(service, instance);
  const decisionCode = instance?.variables['decisionCode'];
  return html`${due ? html`<div class="govuk-inset-text" id="fee-due">
<h2 class="govuk-heading-m">${t('status.payFee')}</h2>
<p class="govuk-body">${withStrong('fee.amount', 'amount', pageMoney(due.amount, due.currency))}</p>
<form method="post" action="/applications/${reference}/pay" novalidate>
<input type="hidden" name="csrf" value="${csrfToken}">
<button type="submit" class="govuk-button" data-module="govuk-button">${t('status.payFee')}</button>
</form>
</div>` : ''}${typeof decisionCode === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(decisionCode) ? decisionSection(decisionCode, instance?.variables['decision'], reasonsInWords(service, decisionReasonsOf(instance?.variables['decisionReasons']), letterDecisionWords(service.letter, currentLanguage())), paymentScheduleOf(instance?.variables['paymentSchedule'])) : ''}${typeof decisionCode === 'string' ? html`<p class="govuk-body"><a class="govuk-link" href="/feedback?about=case:${reference}">${t('decision.feedback')}</a></p>` : ''}`;
}

export interface ScheduledPayment { readonly dueOn: string; readonly amount: number; readonly currency: string }

/**
 * The benefit's payment schedule as the record-payment-schedule job left it on the case; anything else (a hand-set
 * variable of another shape) shows nothing rather than something wrong.
 */
export function paymentScheduleOf(raw: unknown): ScheduledPayment[] {
  if (!Array.isArray(raw)) return [];
  const out: ScheduledPayment[] = [];
  for (const item of raw.slice(0, 120)) {
    if (!item || typeof item !== 'object') return [];
    const { dueOn, amount, currency } = item as Record<string, unknown>;
    if (typeof dueOn !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(dueOn) || typeof amount !== 'number' || !Number.isFinite(amount) || typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) return [];
    out.push({ dueOn, amount, currency });
  }
  return out;
}

const longDate = (isoDay: string): string => (currentLanguage() === 'en' ? LONG_DATE.format(new Date(`${isoDay}T00:00:00Z`)) : formatDay(isoDay));

function paymentScheduleTable(schedule: readonly ScheduledPayment[]): SafeHtml {
  const total = schedule.reduce((sum, p) => sum + Math.round(p.amount * 100), 0) / 100;
  const sameAmount = schedule.every((p) => p.amount === schedule[0]!.amount && p.currency === schedule[0]!.currency);
  const totalText = pageMoney(total, schedule[0]!.currency);
  return html`<h3 class="govuk-heading-s">${t('schedule.heading')}</h3>
<p class="govuk-body" id="payment-schedule-summary">${sameAmount ? t('schedule.summarySame', { count: schedule.length, amount: pageMoney(schedule[0]!.amount, schedule[0]!.currency), total: totalText }) : t('schedule.summary', { count: schedule.length, total: totalText })}</p>
<table class="govuk-table" id="payment-schedule">
<caption class="govuk-table__caption govuk-visually-hidden">${t('schedule.caption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('schedule.date')}</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">${t('schedule.amount')}</th></tr></thead>
<tbody class="govuk-table__body">${schedule.map((p) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${longDate(p.dueOn)}</td><td class="govuk-table__cell govuk-table__cell--numeric">${pageMoney(p.amount, p.currency)}</td></tr>`)}</tbody>
</table>`;
}

/** The reasons staff gave (a text or a list of texts), as the citizen reads them. */
export function decisionReasonsOf(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.filter((r): r is string => typeof r === 'string' && r.trim() !== '').map((r) => r.trim()).slice(0, 50);
}

/**
 * The decision on the status page: outcome, the reasons of a refusal (the citizen must be able to see why; a rule's
 * own words in the reader's language, as the letter says them), the signed PDF (only the applicant and case staff
 * may download it) and the code anyone can check at /verify.
 */
function decisionSection(code: string, outcome: unknown, reasons: readonly string[], schedule: readonly ScheduledPayment[]): SafeHtml {
  const refused = outcome === 'refused';
  return html`<div class="govuk-inset-text" id="decision">
<h2 class="govuk-heading-m">${t('decision.heading')}</h2>
${outcome === 'approved' || refused ? html`<p class="govuk-body" id="decision-outcome">${withStrong('decision.outcome', 'outcome', t(refused ? 'decision.refused' : 'decision.approved'))}</p>` : ''}
${refused && reasons.length > 0 ? html`<h3 class="govuk-heading-s">${t('decision.whyRefused')}</h3>
<ul class="govuk-list govuk-list--bullet" id="decision-reasons">${reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
${outcome === 'approved' && schedule.length > 0 ? paymentScheduleTable(schedule) : ''}
<p class="govuk-body"><a class="govuk-link" href="/decisions/${code}.pdf" download>${t('decision.download')}</a></p>
<p class="govuk-body">${t('decision.codeLabel')} <strong id="verification-code">${code}</strong>. ${t('decision.checkBefore')} <a class="govuk-link" href="/verify/${code}">${t('decision.checkLink', { url: `/verify/${code}` })}</a>.</p>
</div>`;
}

export function registerPaymentPages(server: FastifyInstance, deps: CaseActionDeps): void {
  const { payments } = deps;
  if (!payments) return;

  server.post<{ Params: { ref: string } }>('/applications/:ref/pay', { schema: paramsSchema({ ref: PARAM.reference }) }, async (request, reply) => {
    const citizen = deps.citizen(request, reply);
    if (!citizen) return reply;
    const own = await deps.ownCase(request, request.params.ref);
    const due = feeDue(own.service, own.instance);
    // Nothing to pay (already paid, or not yet computed): back to the status page, which says where things are.
    if (!due) return reply.redirect(`/applications/${own.reference}`, 303);
    const started = await payments.start({
      reference: own.reference, amountMinor: due.amountMinor, currency: due.currency, description: `${own.service.title}: fee for ${own.reference}`,
      returnUrl: (paymentId) => `/applications/${own.reference}/payment/${paymentId}`, actor: `citizen:${citizen}`,
    });
    return reply.redirect(started.nextUrl, 303);
  });

  server.get<{ Params: { ref: string; paymentId: string } }>('/applications/:ref/payment/:paymentId', { schema: paramsSchema({ ref: PARAM.reference, paymentId: PARAM.token }) }, async (request, reply) => {
    const citizen = deps.citizen(request, reply);
    if (!citizen) return reply;
    const own = await deps.ownCase(request, request.params.ref);
    const payment = await payments.get(request.params.paymentId);
    if (!payment || payment.reference !== own.reference) {
      return deps.send(request, reply, t('payment.notFound'), html`<h1 class="govuk-heading-l">${t('payment.notFound')}</h1><p class="govuk-body"><a class="govuk-link" href="/applications/${own.reference}">${t('payment.backToApplication')}</a></p>`, { status: 404 });
    }
    const confirmed = await payments.confirm(payment.id, `citizen:${citizen}`);
    const amount = pageMoney(confirmed.amountMinor / 100, confirmed.currency);
    if (confirmed.state === 'succeeded') {
      return deps.send(request, reply, t('payment.received'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('payment.received')}</h1><div class="govuk-panel__body">${t('payment.youPaid', { amount })}<br>${withStrong('payment.forApplication', 'reference', own.reference)}</div></div>
<p class="govuk-body">${t('payment.yourReference', { id: confirmed.id })}</p>
<p class="govuk-body"><a class="govuk-link" href="/applications/${own.reference}">${t('payment.follow')}</a></p>
</div></div>`, { current: 'applications' });
    }
    if (confirmed.state === 'created') {
      return deps.send(request, reply, t('payment.notFinishedTitle'), html`<h1 class="govuk-heading-l">${t('payment.notFinished')}</h1><p class="govuk-body">${t('payment.notHeard')} <a class="govuk-link" href="/applications/${own.reference}/payment/${confirmed.id}">${t('payment.checkAgain')}</a> ${t('payment.or')} <a class="govuk-link" href="/applications/${own.reference}">${t('payment.goBack')}</a>.</p>`, { current: 'applications' });
    }
    return deps.send(request, reply, t('payment.declined'), html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">${t('payment.declined')}</h1>
<p class="govuk-body">${t('payment.noMoneyTaken')}</p>
${feeDue(own.service, own.instance) ? html`<form method="post" action="/applications/${own.reference}/pay" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}"><button type="submit" class="govuk-button" data-module="govuk-button">${t('payment.tryAgain')}</button></form>` : ''}
<p class="govuk-body"><a class="govuk-link" href="/applications/${own.reference}">${t('payment.backToApplication')}</a></p>
</div></div>`, { status: 200, current: 'applications' });
  });
}
