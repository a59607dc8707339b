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

export const ENQUIRY_PROCESS = 'enquiry';

/** The vault as the assistant uses it (privacy's records; compose passes them in). Subject: `assistant:<id>`. */
export interface TextVault {
  seal(tx: Queryable, subject: string, kind: string, value: unknown): Promise<string>;
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

const ID = /^[A-Za-z0-9_-]{22}$/;
const subjectOf = (id: string): string => `assistant:${id}`;

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
    const bodies = await vault.reveal(tx, rows.map((r) => r.body), { actor: 'system:assistant', purpose: 'enquiry handover' }) as unknown as Body[];
    return [...rows.map((r, i) => `${r.role === 'citizen' ? 'Citizen' : 'Assistant'}: ${bodies[i]?.text ?? ''}`), `Citizen: ${last}`].join('\n').slice(-8000);
  }

  return {
    async send(caller, message) {
      const existing = message.conversationId ? await mine(caller, message.conversationId) : null;
      const conversation = existing ?? await store.insertConversation(db, randomBytes(16).toString('base64url'), caller.citizenId, message.language ?? 'en');
      const context: Context = conversation.context ? await vault.reveal(db, conversation.context, { actor: 'system:assistant', purpose: 'conversation', self: subjectOf(conversation.id) }) as unknown as Context : {};
      let r = await reply(message.text, caller, context);
      const failed = r.kind === 'decline';
      // Asked for a person, or a third failure in a row: an enquiry case for a person to answer.
      if (r.kind === 'handover' || (failed && (context.failures ?? 0) >= 2)) {
        try {
          r = await handOver(conversation, r.serviceId ?? context.service ?? null, await transcriptOf(db, conversation, message.text));
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'the enquiry case did not start');
          r = { kind: 'handover', answer: 'I could not pass your question on just now. Please try again in a few minutes.', sources: [], actions: [] };
        }
      }
      const text = options.phrase ? await options.phrase(r) : r.answer;
      const next: Context = { ...(r.serviceId ?? context.service ? { service: r.serviceId ?? context.service } : {}), ...(r.kind === 'clarify' && r.inputs ? { inputs: { ...r.inputs } } : {}), failures: failed ? (context.failures ?? 0) + 1 : 0 };
      const subject = subjectOf(conversation.id);
      const messageId = await db.transaction(async (tx) => {
        await store.insertMessage(tx, { conversationId: conversation.id, role: 'citizen', kind: null, body: await vault.seal(tx, subject, 'assistant-message', { text: message.text }), serviceId: null });
        const id = await store.insertMessage(tx, { conversationId: conversation.id, role: 'assistant', kind: r.kind, body: await vault.seal(tx, subject, 'assistant-message', { text, sources: r.sources, actions: r.actions }), serviceId: r.serviceId ?? null });
        await store.updateConversation(tx, conversation.id, await vault.seal(tx, subject, 'assistant-context', next));
        return id;
      });
      return { conversationId: conversation.id, messageId, kind: r.kind, answer: text, sources: r.sources, actions: r.actions };
    },

    async conversation(caller, id) {
      const c = await mine(caller, id);
      const rows = await store.listMessages(db, c.id);
      const bodies = await vault.reveal(db, rows.map((r) => r.body), { actor: caller.citizenId ? `citizen:${caller.citizenId}` : 'anonymous', purpose: 'the citizen reads their conversation', self: subjectOf(c.id) }) as unknown as Body[];
      const messages: ShownMessage[] = rows.map((r, i) => ({ id: r.id, role: r.role, kind: r.kind, text: bodies[i]?.text ?? '', sources: bodies[i]?.sources ?? [], actions: bodies[i]?.actions ?? [], rating: r.rating }));
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
