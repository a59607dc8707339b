/**
 * The assistant (issue 19): conversations over the published catalogue, the deployed decisions and the citizen's
 * own cases, kept (texts sealed in the vault) under a retention period, with handover to a person as an enquiry
 * case (examples/enquiry.bpmn) worked in the workbench, whose reply the citizen reads in the conversation.
 */
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/index.js';
import { createLogger, GovflowError, type Logger } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import * as store from './assistant-store.js';
import { KnowledgeIndex, type CatalogueEntry } from './knowledge.js';
import type { Phrase } from './phrasing.js';
import { replyTo, type Action, type OwnCase, type Reply, type ReplyKind, type Source } from './replies.js';
import { createTurnWriter, type TurnSealer } from './turn-writer.js';

export const ENQUIRY_PROCESS = 'enquiry';

/** The vault as the assistant uses it (privacy's records; compose passes them in). Subject: `assistant:<id>`. */
export interface TextVault extends TurnSealer {
  /** Opens the `vault:` references inside `value`; reading another subject's is logged for `reader`. */
  reveal<T>(tx: Queryable, value: T, reader: { actor: string; purpose: string; self?: string }): Promise<T>;
  eraseOf(tx: Queryable, subject: string): Promise<number>;
}

export interface AssistantOptions {
  readonly db: Database;
  readonly engine: Engine;
  /** The published catalogue's services; a new list (an edit published) rebuilds the index. */
  readonly catalogue: () => readonly CatalogueEntry[];
  /** The deployed DMN of a decision (null when not deployed: the catalogue's file is used). */
  readonly deployedDecision: (decisionId: string) => Promise<string | null>;
  /** The citizen's cases as their status pages state them. */
  readonly ownCases: (citizenId: string) => Promise<readonly OwnCase[]>;
  /** The department id that answers enquiries about a service (null: intake). */
  readonly departmentOf: (serviceId: string | null) => Promise<string>;
  readonly vault: TextVault;
  readonly phrase?: Phrase | null;
  /** Days a conversation is kept after its last message (default 30). */
  readonly retentionDays?: number;
  readonly logger?: Logger;
}

export interface Caller { readonly citizenId: string | null }

export interface AssistantReply {
  readonly conversationId: string;
  readonly messageId: number;
  readonly kind: ReplyKind;
  readonly answer: string;
  readonly sources: readonly Source[];
  readonly actions: readonly Action[];
}

export interface ShownMessage {
  readonly id: number;
  readonly role: 'citizen' | 'assistant' | 'staff';
  readonly kind: ReplyKind | null;
  readonly text: string;
  readonly sources: readonly Source[];
  readonly actions: readonly Action[];
  readonly rating: 'helpful' | 'not-helpful' | null;
}

export interface ConversationView {
  readonly id: string;
  readonly messages: readonly ShownMessage[];
  readonly enquiry: { readonly reference: string; readonly department: string; readonly open: boolean } | null;
}

interface Context { service?: string; inputs?: Record<string, unknown>; failures?: number }
interface Body { text: string; sources?: Source[]; actions?: Action[] }
/**
 * One sealed record per turn: the question, the reply and the context the next message starts from. Both message
 * rows and the conversation's context refer to it (one seal per message instead of three). Records written before
 * hold a single message's Body, or the Context alone.
 */
interface Turn { question: string; reply: Body; context: Context }

const isTurn = (v: unknown): v is Turn => typeof v === 'object' && v !== null && 'question' in v && 'reply' in v;
/** A message row's text as revealed: its half of a turn, or an older record's own body. */
const bodyOf = (role: 'citizen' | 'assistant', revealed: unknown): Body | undefined =>
  isTurn(revealed) ? (role === 'citizen' ? { text: revealed.question } : revealed.reply) : revealed as Body | undefined;
const contextOf = (revealed: unknown): Context => (isTurn(revealed) ? revealed.context : revealed as Context);

const ID = /^[A-Za-z0-9_-]{22}$/;
const subjectOf = (id: string): string => `assistant:${id}`;
const newId = (): string => randomBytes(16).toString('base64url');

export interface Assistant {
  send(caller: Caller, message: { text: string; conversationId?: string | undefined; language?: string | undefined }): Promise<AssistantReply>;
  conversation(caller: Caller, id: string): Promise<ConversationView>;
  rate(caller: Caller, conversationId: string, messageId: number, helpful: boolean): Promise<void>;
  conversationsOf(citizenId: string): Promise<readonly { id: string; lastAt: string; enquiry: boolean }[]>;
  eraseExpired(now?: Date): Promise<number>;
  /** The reply alone, stored nowhere (the benchmark's and the tests' view of the embedded default). */
  replyOnly(text: string, caller: Caller): Promise<Reply>;
}

export function createAssistant(options: AssistantOptions): Assistant {
  const { db, engine, vault } = options;
  const log = options.logger ?? createLogger({ name: 'assistant' });
  const writeTurn = createTurnWriter(db, vault);
  let built: { from: readonly CatalogueEntry[]; index: KnowledgeIndex } | null = null;
  const index = (): KnowledgeIndex => {
    const current = options.catalogue();
    if (built?.from !== current) built = { from: current, index: new KnowledgeIndex(current) };
    return built.index;
  };
  const decisionXml = async (service: CatalogueEntry, decisionId: string): Promise<string | null> =>
    (await options.deployedDecision(decisionId)) ?? service.decisions.find((d) => d.decisionIds.includes(decisionId))?.xml ?? null;

  const mine = async (caller: Caller, id: string, tx: Queryable = db): Promise<store.ConversationRow> => {
    const c = ID.test(id) ? await store.getConversation(tx, id) : null;
    // A signed-in citizen's conversation is theirs alone; one begun signed out is read with its id (a capability).
    if (!c || (c.citizenId !== null && c.citizenId !== caller.citizenId)) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', 'there is no conversation with this id');
    return c;
  };

  const reply = async (text: string, caller: Caller, context: Context): Promise<Reply> => replyTo(text, index(), {
    ownCases: caller.citizenId ? () => options.ownCases(caller.citizenId!) : null,
    lastService: context.service, earlierInputs: context.inputs, decisionXml,
  });

  async function handOver(conversation: store.ConversationRow, serviceId: string | null, transcript: string): Promise<Reply> {
    const department = await options.departmentOf(serviceId);
    const reference = `EQ-${String(conversation.number)}`;
    if (conversation.enquiryInstanceId === null) {
      // The transcript is what the caseworker must read to answer, like a complaint's description.
      const instance = await engine.startInstance(ENQUIRY_PROCESS, { businessKey: reference, actor: 'assistant', variables: { conversationId: conversation.id, department, escalateTo: `${department}/manager`, transcript } });
      await store.setEnquiry(db, conversation.id, department, instance.id);
    }
    return { kind: 'handover', answer: `I have passed your question to a member of staff (enquiry ${reference}). They will answer within 5 working days; the answer will appear in this conversation.`, sources: [{ title: 'Ask the assistant', url: `/assistant?c=${conversation.id}` }], actions: [] };
  }

  async function transcriptOf(tx: Queryable, c: store.ConversationRow, last: string): Promise<string> {
    const rows = await store.listMessages(tx, c.id);
    const bodies = await vault.reveal(tx, rows.map((r) => r.body), { actor: 'system:assistant', purpose: 'enquiry handover' }) as unknown[];
    return [...rows.map((r, i) => `${r.role === 'citizen' ? 'Citizen' : 'Assistant'}: ${bodyOf(r.role, bodies[i])?.text ?? ''}`), `Citizen: ${last}`].join('\n').slice(-8000);
  }

  return {
    async send(caller, message) {
      const existing = message.conversationId ? await mine(caller, message.conversationId) : null;
      const context: Context = existing?.context ? contextOf(await vault.reveal(db, existing.context, { actor: 'system:assistant', purpose: 'conversation', self: subjectOf(existing.id) })) : {};
      let r = await reply(message.text, caller, context);
      const failed = r.kind === 'decline';
      let conversation = existing;
      // Asked for a person, or a third failure in a row: an enquiry case for a person to answer.
      if (r.kind === 'handover' || (failed && (context.failures ?? 0) >= 2)) {
        conversation ??= await store.insertConversation(db, newId(), caller.citizenId, message.language ?? 'en');
        try {
          r = await handOver(conversation, r.serviceId ?? context.service ?? null, await transcriptOf(db, conversation, message.text));
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'the enquiry case did not start');
          r = { kind: 'handover', answer: 'I could not pass your question on just now. Please try again in a few minutes.', sources: [], actions: [] };
        }
      }
      const text = options.phrase ? await options.phrase(r) : r.answer;
      const next: Context = { ...(r.serviceId ?? context.service ? { service: r.serviceId ?? context.service } : {}), ...(r.kind === 'clarify' && r.inputs ? { inputs: { ...r.inputs } } : {}), failures: failed ? (context.failures ?? 0) + 1 : 0 };
      const turn: Turn = { question: message.text, reply: { text, sources: [...r.sources], actions: [...r.actions] }, context: next };
      // One sealed record per turn, stored with other replies' turns in one transaction (turn-writer.ts).
      const id = conversation?.id ?? newId();
      const messageId = await writeTurn({ conversationId: id, subject: subjectOf(id), value: turn, start: conversation ? null : { citizenId: caller.citizenId, language: message.language ?? 'en' }, kind: r.kind, serviceId: r.serviceId ?? null });
      return { conversationId: id, messageId, kind: r.kind, answer: text, sources: r.sources, actions: r.actions };
    },

    async conversation(caller, id) {
      const c = await mine(caller, id);
      const rows = await store.listMessages(db, c.id);
      const revealed = await vault.reveal(db, rows.map((r) => r.body), { actor: caller.citizenId ? `citizen:${caller.citizenId}` : 'anonymous', purpose: 'the citizen reads their conversation', self: subjectOf(c.id) }) as unknown[];
      const messages: ShownMessage[] = rows.map((r, i) => {
        const body = bodyOf(r.role, revealed[i]);
        return { id: r.id, role: r.role, kind: r.kind, text: body?.text ?? '', sources: body?.sources ?? [], actions: body?.actions ?? [], rating: r.rating };
      });
      let enquiry: ConversationView['enquiry'] = null;
      if (c.enquiryInstanceId !== null) {
        const instance = await engine.getInstance(c.enquiryInstanceId);
        const answer = instance.variables['reply'];
        if (typeof answer === 'string' && answer !== '') messages.push({ id: 0, role: 'staff', kind: null, text: answer, sources: [], actions: [], rating: null });
        enquiry = { reference: `EQ-${String(c.number)}`, department: c.department ?? 'intake', open: instance.state === 'active' };
      }
      return { id: c.id, messages, enquiry };
    },

    async rate(caller, conversationId, messageId, helpful) {
      const c = await mine(caller, conversationId);
      if (!(await store.rateMessage(db, c.id, messageId, helpful ? 'helpful' : 'not-helpful'))) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', 'there is no reply with this id in the conversation');
    },

    async conversationsOf(citizenId) {
      return (await store.conversationsOf(db, citizenId)).map((c) => ({ id: c.id, lastAt: c.lastAt, enquiry: c.enquiryInstanceId !== null }));
    },

    async eraseExpired(now = new Date()) {
      const before = new Date(now.getTime() - (options.retentionDays ?? 30) * 86_400_000);
      let erased = 0;
      for (const c of await store.expiredConversations(db, before, 100)) {
        // An enquiry still being worked keeps its conversation: the reply must reach the citizen.
        if (c.enquiryInstanceId !== null && (await engine.getInstance(c.enquiryInstanceId)).state === 'active') continue;
        await db.transaction(async (tx) => {
          await vault.eraseOf(tx, subjectOf(c.id));
          await store.deleteConversation(tx, c.id);
        });
        erased++;
      }
      return erased;
    },

    replyOnly: (text, caller) => reply(text, caller, {}),
  };
}
