import { citizenStatus, type Service } from '../catalogue/index.js';
import type { EventView, ProcessInstanceView } from '../engine/index.js';
import { feeDue } from './payment-pages.js';

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
    return { words: 'Pay the fee', explanation: 'Pay the fee below. We will make a decision after you have paid.', tag: 'govuk-tag--orange', actionNeeded: true };
  }
  if (waitsForAnswer(service, instance)) {
    return { words: 'Answer our question', explanation: 'We need more information from you before we can go on. Answer the question below, and add documents if it asks for them.', tag: 'govuk-tag--yellow', actionNeeded: true };
  }
  const status = instance ? citizenStatus(service, instance) : 'Received';
  const outcome = instance?.variables['decision'];
  switch (status) {
    case 'Received':
      return { words: 'We have received your application', explanation: 'We will start looking at it soon.', tag: 'govuk-tag--blue', actionNeeded: false };
    case 'In review':
      return { words: 'We are reviewing your application', explanation: `You do not need to do anything. ${service.expectedTime}`, tag: 'govuk-tag--light-blue', actionNeeded: false };
    case 'Information needed':
      return { words: 'We are preparing a question for you', explanation: 'We need more information from you. We will tell you here, and by e-mail, what we need.', tag: 'govuk-tag--yellow', actionNeeded: false };
    case 'Decision made':
      if (outcome === 'approved') return { words: 'Approved', explanation: 'Your application was approved. Read and download your decision below.', tag: 'govuk-tag--green', actionNeeded: false };
      if (outcome === 'refused') return { words: 'Refused', explanation: 'Your application was refused. Read why, and how to appeal, in your decision below.', tag: 'govuk-tag--red', actionNeeded: false };
      return { words: 'Decided', explanation: 'We have made a decision on your application.', tag: 'govuk-tag--green', actionNeeded: false };
    case 'Closed':
      return { words: 'Closed', explanation: 'We have stopped working on this application.', tag: 'govuk-tag--grey', actionNeeded: false };
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
  const entries: ReadableEntry[] = [{ title: 'Application sent', text: 'We received your application.', at: submittedAt }];
  const ir = service.informationRequest;
  const payment = service.payment;
  let reviewing = false;
  for (const e of events) {
    if (e.type === 'element.activated' && e.elementId) {
      if (ir && e.elementId === ir.waitingAt) entries.push({ title: 'We asked you a question', text: 'We asked you for more information.', at: e.occurredAt });
      else if (payment && e.elementId === payment.waitingAt) entries.push({ title: 'We asked you to pay the fee', text: 'The reviews were done and the fee was worked out.', at: e.occurredAt });
      else if (!reviewing && service.elementStatuses[e.elementId] === 'In review') {
        reviewing = true;
        entries.push({ title: 'We started reviewing your application', text: `${service.department} is looking at it.`, at: e.occurredAt });
      }
    } else if (e.type === 'element.completed' && e.elementId) {
      if (ir && e.elementId === ir.waitingAt) entries.push({ title: 'You answered our question', text: 'We received the information you sent.', at: e.occurredAt });
      else if (payment && e.elementId === payment.waitingAt) entries.push({ title: 'You paid the fee', text: 'We received your payment.', at: e.occurredAt });
    } else if (e.type === 'process.completed') {
      const outcome = instance?.variables['decision'];
      entries.push({ title: 'We made a decision', text: outcome === 'approved' ? 'Your application was approved.' : outcome === 'refused' ? 'Your application was refused.' : 'A decision was made on your application.', at: e.occurredAt });
      break;
    } else if (e.type === 'process.terminated') {
      entries.push({ title: 'Your application was closed', text: 'We stopped working on it.', at: e.occurredAt });
      break;
    }
  }
  return entries;
}
