/**
 * What the assistant says to one message, worked out without side effects: decline what is out of scope, hidden
 * instructions and other people's data; hand over when asked for a person; list the citizen's own cases; compute a
 * fee or an eligibility with the real decision; otherwise quote the catalogue passage that answers, always with its
 * source. Text from users is only ever matched against patterns, never followed.
 */
import { compute, INPUT_READERS, type Computation } from './computed.js';
import type { CatalogueEntry, KnowledgeIndex, Passage } from './knowledge.js';
import { signInAddress } from '../web/index.js';

export const REPLY_KINDS = ['answer', 'status', 'handover', 'decline', 'clarify'] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];

export interface Source { readonly title: string; readonly url: string }
export interface Action { readonly label: string; readonly href: string }

export interface Reply {
  readonly kind: ReplyKind;
  readonly answer: string;
  readonly sources: readonly Source[];
  readonly actions: readonly Action[];
  /** The service the reply is about (the next question may leave it out). */
  readonly serviceId?: string;
  /** Decision inputs understood so far (kept for the next message when some were missing). */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Numbers the reply states from the catalogue or a decision: a rephrasing may state these and no others. */
  readonly groundedNumbers?: readonly string[];
}

/** One of the signed-in citizen's cases as their status page states it. */
export interface OwnCase {
  readonly reference: string;
  readonly serviceTitle: string;
  readonly status: string;
  readonly nextStep: string;
  /** YYYY-MM-DD, when the service states an expected time. */
  readonly expectedBy: string | null;
}

export interface ReplyContext {
  /** Null when nobody is signed in. */
  readonly ownCases: (() => Promise<readonly OwnCase[]>) | null;
  /** The service earlier messages were about. */
  readonly lastService?: string | undefined;
  readonly earlierInputs?: Readonly<Record<string, unknown>> | undefined;
  /** Deployed DMN text of a decision (the catalogue's file when it is not deployed). */
  readonly decisionXml: (service: CatalogueEntry, decisionId: string) => Promise<string | null>;
}

const INJECTION = /\b(?:ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}\b(?:instructions?|rules?|prompts?|guidelines|previous|above|restrictions?)\b|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bact\s+as\b|\bpretend\b|\bjailbreak\b|\bdeveloper\s+mode\b|\b(?:list|show|give|dump|print|export|reveal|display)\b[^.?!]{0,30}\b(?:every|all|other(?:\s+people'?s)?)\b[^.?!]{0,30}\b(?:applications?|cases?|claims?|users?|citizens?|people|records?|data|permits?)\b|\b(?:select|drop|delete|insert)\s+(?:\*|from|table|into)\b|<\s*script|\badmin(?:istrator)?\s+(?:mode|password|access)\b/i;
const REFERENCE = /\b[A-Z]{2,6}-\d{4}-\d{6}\b/gi;
/** A national identity number, a personal code, a phone-length digit run: never something to look up. */
const IDENTIFIER = /\b\d{6,}(?:[-/ ]?\d{2,})?\b|\b\d{2,6}[-/]\d{3,}\b/;
const OTHER_PERSON = /\b(?:(?:someone|somebody|another\s+person)(?:\s+else)?'s|other\s+people'?s|my\s+(?:neighbou?r|friend|brother|sister|mother|father|mum|dad|son|daughter|boss|colleague|landlord|tenant|wife|husband|partner)|his|her|their|whose)\b[^.?!]{0,30}\b(?:applications?|cases?|claims?|permits?|licen[cs]es?|status|benefit|details|address|data|renewal)\b|\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?'s\s+(?:applications?|cases?|claims?|permits?|licen[cs]es?|status|benefit|details)\b|\b(?:applications?|cases?|claims?|status|permit|details)\s+(?:of|for|belonging\s+to|made\s+by)\s+(?!my\b|me\b|a\b|an\b|the\b)[A-Z][a-z]+/;
const HANDOVER = /\b(?:talk|speak|chat|get\s+through)\s+(?:to|with)\s+(?:a|an|some|the)?\s*(?:real\s+|actual\s+|live\s+)?(?:person|human|someone|somebody|agent|operator|caseworker|officer|member\s+of\s+staff|staff|advisor|adviser|people)\b|\b(?:human|person|agent|operator)\s*,?\s*please\b|\bcall\s+me\s+back\b|\b(?:want|need)\s+(?:a|to\s+reach\s+a)\s+(?:human|person)\b|\bhand\s*(?:me\s+)?over\b|\b(?:connect|put|transfer|pass)\s+me\s+(?:with|to|through\s+to)\s+(?:a|an|some|the)?\s*(?:real\s+|actual\s+|live\s+)?(?:person|human|someone|somebody|agent|operator|caseworker|officer|member\s+of\s+staff)\b|\bhuman\s+being\b/i;
const STATUS = /\b(?:where(?:'s|\s+is|\s+are)|status|progress|track|happen(?:ed|ing)?\s+(?:to|with)|update\s+on|how\s+far\s+along|(?:has|have|is|was)\s+(?:my|our)\b[^.?!]{0,40}\b(?:decided|approved|refused|accepted|processed|been))\b[^.?!]{0,40}\b(?:my|our|mine)\b|\bmy\s+(?:applications?|cases?|claims?|enquir(?:y|ies))\b(?![^.?!]{0,20}\b(?:cost|fee|need|take|document))|\b(?:applications?|cases?|claims?)\s+(?:i|we)\s+(?:sent|made|submitted)\b/i;
/** A question about the money or eligibility a decision computes: only then are its inputs read. */
const COMPUTABLE = /\b(?:fee|fees|cost|costs|price|how\s+much|pay|charge|eligible|eligibility|qualify|entitled|can\s+i\s+(?:get|claim|have|receive)|would\s+i\s+get|will\s+i\s+get|do\s+i\s+get)\b/i;

const SCOPE = 'I can answer questions about our services (what they cost, who can apply, what you need, how long they take), work out a fee or whether you are likely to qualify, tell you about your own applications when you are signed in, or pass your question to a member of staff.';

const decline = (why: string): Reply => ({ kind: 'decline', answer: `${why} ${SCOPE}`, sources: [], actions: [{ label: 'See all services', href: '/' }, { label: 'Ask a person', href: '/assistant?handover=1' }] });

/** Digits as the citizen reads them, without thousands separators ("1,200" → "1200"). */
export function numbersIn(text: string): string[] {
  return (text.match(/\d[\d,.]*\d|\d/g) ?? []).map((n) => n.replace(/,(?=\d{3}\b)/g, '')).map((n) => n.replace(/\.$/, ''));
}

const sourceOf = (service: CatalogueEntry): Source => ({ title: service.title, url: `/services/${service.id}` });
const applyAction = (service: CatalogueEntry): Action => ({ label: `Apply: ${service.title}`, href: `/services/${service.id}` });

function withNumbers(reply: Omit<Reply, 'groundedNumbers'>): Reply {
  return { ...reply, groundedNumbers: numbersIn(reply.answer) };
}

function statusReply(cases: readonly OwnCase[], only: readonly string[]): Reply {
  const shown = only.length > 0 ? cases.filter((c) => only.includes(c.reference.toUpperCase())) : cases;
  const sources: Source[] = [{ title: 'My applications', url: '/applications' }];
  if (shown.length === 0) {
    return { kind: 'status', answer: cases.length === 0 ? 'You have not sent any applications yet.' : 'I can only tell you about your own applications, and none of them has that reference.', sources, actions: [{ label: 'My applications', href: '/applications' }] };
  }
  const lines = shown.map((c) => `${c.reference} (${c.serviceTitle}): ${c.status}. ${c.nextStep}${c.expectedBy ? ` Expected decision by ${c.expectedBy}.` : ''}`);
  return {
    kind: 'status', answer: `${shown.length === 1 ? 'Your application' : `Your ${String(shown.length)} applications`}: ${lines.join(' ')}`,
    sources: [...sources, ...shown.map((c) => ({ title: c.reference, url: `/applications/${c.reference}` }))],
    actions: [{ label: 'My applications', href: '/applications' }],
  };
}

function describeInputs(inputs: Readonly<Record<string, unknown>>, assumed: readonly string[]): string {
  return Object.entries(inputs).map(([k, v]) => `${INPUT_READERS[k]!.label}: ${INPUT_READERS[k]!.show(v)}${assumed.includes(k) ? ` (${INPUT_READERS[k]!.assumed!.words})` : ''}`).join('; ');
}

function resultSentence(service: CatalogueEntry, value: unknown): string | null {
  if (typeof value === 'number') return `The fee for “${service.title}” would be ${String(value)} euros.`;
  if (value && typeof value === 'object' && 'eligibility' in value) {
    const v = value as { eligibility?: unknown; reason?: unknown };
    const reason = typeof v.reason === 'string' ? ` ${v.reason}` : '';
    if (v.eligibility === 'eligible') return `From what you told me you are likely to be eligible.${reason}`;
    if (v.eligibility === 'not-eligible') return `From what you told me you are probably not eligible.${reason}`;
    if (v.eligibility === 'edge-case') return `You are close to the limits, so a caseworker would look at your claim.${reason}`;
  }
  return null;
}

function computedReply(service: CatalogueEntry, c: Exclude<Computation, { kind: 'none' }>): Reply | null {
  if (c.kind === 'missing') {
    const known = Object.keys(c.understood).length > 0 ? ` So far I understood: ${describeInputs(c.understood, [])}.` : '';
    return withNumbers({
      kind: 'clarify', serviceId: service.id, inputs: c.understood, sources: [sourceOf(service)], actions: [],
      answer: `To work this out for “${service.title}” I also need ${c.missing.map((m) => INPUT_READERS[m]!.ask).join(' and ')}.${known}`,
    });
  }
  const said = resultSentence(service, c.value);
  if (!said) return null;
  return withNumbers({
    kind: 'answer', serviceId: service.id, sources: [sourceOf(service)], actions: [applyAction(service)],
    answer: `${said} I worked this out with the decision the service itself uses, from: ${describeInputs(c.inputs, c.assumed)}. The decision on a real application is made when you apply.`,
  });
}

function passageReply(service: CatalogueEntry, passages: readonly Passage[], index: KnowledgeIndex): Reply {
  const chosen = passages.length > 0 ? passages : [index.passage(service.id, 'about')!];
  return withNumbers({ kind: 'answer', serviceId: service.id, answer: chosen.map((p) => p.text).join(' '), sources: [sourceOf(service)], actions: [applyAction(service)] });
}

async function tryComputed(service: CatalogueEntry, text: string, ctx: ReplyContext): Promise<Reply | null> {
  if (service.decisions.length === 0 || !(COMPUTABLE.test(text) || ctx.earlierInputs)) return null;
  for (const file of service.decisions) {
    for (const decisionId of file.decisionIds) {
      const xml = await ctx.decisionXml(service, decisionId);
      if (!xml) continue;
      const c = compute({ serviceId: service.id, decisionId, xml }, text, service.id === ctx.lastService ? ctx.earlierInputs : undefined);
      if (c.kind !== 'none') return computedReply(service, c);
    }
  }
  return null;
}

/** The reply to one message. */
export async function replyTo(text: string, index: KnowledgeIndex, ctx: ReplyContext): Promise<Reply> {
  if (INJECTION.test(text)) return decline('I cannot do that.');
  const references = [...text.matchAll(REFERENCE)].map((m) => m[0].toUpperCase());
  const ownRefs = ctx.ownCases ? (await ctx.ownCases()).map((c) => c.reference.toUpperCase()) : [];
  if (references.some((r) => !ownRefs.includes(r)) || IDENTIFIER.test(text) || OTHER_PERSON.test(text)) {
    return decline(ctx.ownCases ? 'I can only tell you about your own applications, never about anyone else’s.' : 'I can only tell you about your own applications, once you have signed in.');
  }
  if (HANDOVER.test(text)) return { kind: 'handover', answer: '', sources: [], actions: [] };
  // "How can I complain about my case?" is about the complaints service, not the case's status.
  if (references.length > 0 || (STATUS.test(text) && !/\b(?:complain|complaint|appeal)/i.test(text))) {
    if (!ctx.ownCases) return { kind: 'status', answer: 'Sign in to see your applications and where each of them is.', sources: [{ title: 'My applications', url: '/applications' }], actions: [{ label: 'Sign in', href: signInAddress('citizen', '/assistant') }] };
    return statusReply(await ctx.ownCases(), references);
  }
  const found = index.retrieve(text, ctx.lastService);
  const computed = found.service ? await tryComputed(found.service, text, ctx) : null;
  if (computed) return computed;
  // "Fee for a 90 m² cafe?" names no service, but only one service's decision reads a floor area.
  if (!found.service || found.service.decisions.length === 0) {
    const others = (await Promise.all(index.entries().filter((s) => s.decisions.length > 0).map(async (s) => tryComputed(s, text, { ...ctx, earlierInputs: undefined })))).filter((r) => r !== null);
    if (others.length === 1) return others[0]!;
  }
  if (!found.service) return decline('Sorry, I cannot help with that.');
  return passageReply(found.service, found.passages, index);
}
