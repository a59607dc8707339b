import { citizenStatus, type Service } from '../catalogue/index.js';
import type { EventView, ProcessInstanceView } from '../engine/index.js';
import { feeDue } from './payment-pages.js';
import { t } from '../i18n/index.js';

/**
 * What a citizen reads about their case (issue 23): a status that says what they must do, worked out from where the
 * case really waits (the fee, a question), and a timeline of the things that happened to them — sent, asked, paid,
 * answered, decided — each once, never the engine's steps.
 */

export interface PlainStatus {
  /** The words on the tag: "Pay the fee", "Answer our question", "We are reviewing your application". */
  readonly words: string;
  /** One sentence under it: what happens next, or what to do. */
  readonly explanation: string;
  /** GOV.UK tag colour class. */
  readonly tag: string;
  /** True when the citizen must act; the status page puts the action right under the status. */
  readonly actionNeeded: boolean;
}

/** True while the case waits at the service's information request (the citizen is asked a question). */
export function waitsForAnswer(service: Service, instance: ProcessInstanceView | null): boolean {
  const ir = service.informationRequest;
  return Boolean(ir && instance && instance.state === 'active' && instance.activeElements.some((e) => e.elementId === ir.waitingAt));
}

export function plainStatus(service: Service, instance: ProcessInstanceView | null): PlainStatus {
  if (feeDue(service, instance)) {
    return { words: t('status.payFee'), explanation: t('status.payFeeText'), tag: 'govuk-tag--orange', actionNeeded: true };
  }
  if (waitsForAnswer(service, instance)) {
    return { words: t('status.answer'), explanation: t('status.answerText'), tag: 'govuk-tag--yellow', actionNeeded: true };
  }
  const status = instance ? citizenStatus(service, instance) : 'Received';
  const outcome = instance?.variables['decision'];
  switch (status) {
    case 'Received':
      return { words: t('status.received'), explanation: t('status.receivedText'), tag: 'govuk-tag--blue', actionNeeded: false };
    case 'In review':
      return { words: t('status.reviewing'), explanation: `${t('status.reviewingText')} ${service.expectedTime}`, tag: 'govuk-tag--light-blue', actionNeeded: false };
    case 'Information needed':
      return { words: t('status.preparingQuestion'), explanation: t('status.preparingQuestionText'), tag: 'govuk-tag--yellow', actionNeeded: false };
    case 'Decision made':
      if (outcome === 'approved') return { words: t('status.approved'), explanation: t('status.approvedText'), tag: 'govuk-tag--green', actionNeeded: false };
      if (outcome === 'refused') return { words: t('status.refused'), explanation: t('status.refusedText'), tag: 'govuk-tag--red', actionNeeded: false };
      return { words: t('status.decided'), explanation: t('status.decidedText'), tag: 'govuk-tag--green', actionNeeded: false };
    case 'Closed':
      return { words: t('status.closed'), explanation: t('status.closedText'), tag: 'govuk-tag--grey', actionNeeded: false };
  }
}

export interface ReadableEntry {
  readonly title: string;
  readonly text: string;
  readonly at: string;
}

/**
 * The timeline a person reads, oldest first: sent; review started (once); each question asked and answered; the
 * fee asked for and paid; the decision or the closing. Built from the case's events (the timeline event types
 * only), the service's declared waiting points and the case's outcome.
 */
export function readableTimeline(service: Service, events: readonly EventView[], submittedAt: string, instance: ProcessInstanceView | null): ReadableEntry[] {
  const entries: ReadableEntry[] = [{ title: t('timeline.sent'), text: t('timeline.sentText'), at: submittedAt }];
  const ir = service.informationRequest;
  const payment = service.payment;
  let reviewing = false;
  for (const e of events) {
    if (e.type === 'element.activated' && e.elementId) {
      if (ir && e.elementId === ir.waitingAt) entries.push({ title: t('timeline.asked'), text: t('timeline.askedText'), at: e.occurredAt });
      else if (payment && e.elementId === payment.waitingAt) entries.push({ title: t('timeline.feeAsked'), text: t('timeline.feeAskedText'), at: e.occurredAt });
      else if (!reviewing && service.elementStatuses[e.elementId] === 'In review') {
        reviewing = true;
        entries.push({ title: t('timeline.reviewStarted'), text: t('timeline.reviewStartedText', { department: service.department }), at: e.occurredAt });
      }
    } else if (e.type === 'element.completed' && e.elementId) {
      if (ir && e.elementId === ir.waitingAt) entries.push({ title: t('timeline.answered'), text: t('timeline.answeredText'), at: e.occurredAt });
      else if (payment && e.elementId === payment.waitingAt) entries.push({ title: t('timeline.paid'), text: t('timeline.paidText'), at: e.occurredAt });
    } else if (e.type === 'process.completed') {
      const outcome = instance?.variables['decision'];
      entries.push({ title: t('timeline.decided'), text: outcome === 'approved' ? t('timeline.decidedApproved') : outcome === 'refused' ? t('timeline.decidedRefused') : t('timeline.decidedText'), at: e.occurredAt });
      break;
    } else if (e.type === 'process.terminated') {
      entries.push({ title: t('timeline.closed'), text: t('timeline.closedText'), at: e.occurredAt });
      break;
    }
  }
  return entries;
}
