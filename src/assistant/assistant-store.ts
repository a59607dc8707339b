/**
 * The assistant's tables (migration 0028): conversations and messages. Texts are stored as vault references; this
 * file never sees them in the clear. Figures for managers count kinds and ratings only.
 */
import type { Queryable } from '../store/index.js';
import type { ReplyKind } from './replies.js';

export interface ConversationRow {
  readonly id: string;
  readonly number: number;
  readonly citizenId: string | null;
  readonly context: string | null;
  readonly department: string | null;
  readonly enquiryInstanceId: number | null;
  readonly lastAt: string;
}

export interface MessageRow {
  readonly id: number;
  readonly role: 'citizen' | 'assistant';
  readonly kind: ReplyKind | null;
  readonly body: string;
  readonly rating: 'helpful' | 'not-helpful' | null;
  readonly createdAt: string;
}

interface RawConversation { id: string; number: string | number; citizen_id: string | null; context: string | null; department: string | null; enquiry_instance_id: string | number | null; last_at: string | Date }

const toConversation = (r: RawConversation): ConversationRow => ({
  id: r.id, number: Number(r.number), citizenId: r.citizen_id, context: r.context, department: r.department,
  enquiryInstanceId: r.enquiry_instance_id === null ? null : Number(r.enquiry_instance_id), lastAt: new Date(r.last_at).toISOString(),
});

export async function getConversation(q: Queryable, id: string): Promise<ConversationRow | null> {
  const { rows } = await q.query<RawConversation>('select id, number, citizen_id, context, department, enquiry_instance_id, last_at from assistant_conversation where id = $1', [id]);
  return rows[0] ? toConversation(rows[0]) : null;
}

export async function insertConversation(q: Queryable, id: string, citizenId: string | null, language: string, context: string | null = null): Promise<ConversationRow> {
  const { rows } = await q.query<RawConversation>('insert into assistant_conversation (id, citizen_id, language, context) values ($1, $2, $3, $4) returning id, number, citizen_id, context, department, enquiry_instance_id, last_at', [id, citizenId, language, context]);
  return toConversation(rows[0]!);
}

export async function updateConversation(q: Queryable, id: string, context: string | null): Promise<void> {
  await q.query('update assistant_conversation set context = $2, last_at = now() where id = $1', [id, context]);
}

export async function setEnquiry(q: Queryable, id: string, department: string, instanceId: number): Promise<void> {
  await q.query('update assistant_conversation set department = $2, enquiry_instance_id = $3 where id = $1', [id, department, instanceId]);
}

/** A turn to store: the message and its reply, both referring to the turn's sealed record `body`. */
export interface TurnRow {
  readonly conversationId: string;
  /** Null: the conversation exists already (its context is moved on to this turn's record). */
  readonly start: { readonly citizenId: string | null; readonly language: string } | null;
  readonly kind: ReplyKind;
  readonly body: string;
  readonly serviceId: string | null;
}

/**
 * Stores a batch of turns (each of a different conversation) in ONE statement, atomic on its own: the vault's insert
 * of their sealed records (`sealed`, parameters from $1), the new conversations inserted already pointing at their
 * first turn, the others' context moved on, and each turn's two messages (the citizen's first, so it keeps the lower
 * id). Returns each turn's reply id, in the order given.
 */
export async function storeTurns(q: Queryable, sealed: { readonly sql: string; readonly params: readonly unknown[] }, turns: readonly TurnRow[]): Promise<number[]> {
  const fresh = turns.filter((t) => t.start !== null);
  const old = turns.filter((t) => t.start === null);
  const n = sealed.params.length;
  const $ = (i: number): string => `$${String(n + i)}`;
  const { rows } = await q.query<{ id: string | number; conversation_id: string; role: string }>(
    `with sealed as (${sealed.sql}),
     fresh as (insert into assistant_conversation (id, citizen_id, language, context) select * from unnest(${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[], ${$(4)}::text[])),
     moved as (update assistant_conversation c set context = v.context, last_at = now() from unnest(${$(5)}::text[], ${$(6)}::text[]) as v(id, context) where c.id = v.id)
     insert into assistant_message (conversation_id, role, kind, body, service_id)
     select m.conversation_id, r.role, case when r.role = 'assistant' then m.kind end, m.body, case when r.role = 'assistant' then m.service_id end
     from unnest(${$(7)}::text[], ${$(8)}::text[], ${$(9)}::text[], ${$(10)}::text[]) with ordinality as m(conversation_id, kind, body, service_id, n)
     cross join (values (1, 'citizen'), (2, 'assistant')) as r(o, role) order by m.n, r.o returning id, conversation_id, role`,
    [...sealed.params,
      fresh.map((t) => t.conversationId), fresh.map((t) => t.start!.citizenId), fresh.map((t) => t.start!.language), fresh.map((t) => t.body),
      old.map((t) => t.conversationId), old.map((t) => t.body),
      turns.map((t) => t.conversationId), turns.map((t) => t.kind), turns.map((t) => t.body), turns.map((t) => t.serviceId)]);
  const replies = new Map(rows.filter((r) => r.role === 'assistant').map((r) => [r.conversation_id, Number(r.id)]));
  return turns.map((t) => replies.get(t.conversationId)!);
}

export async function listMessages(q: Queryable, conversationId: string): Promise<MessageRow[]> {
  const { rows } = await q.query<{ id: string | number; role: 'citizen' | 'assistant'; kind: ReplyKind | null; body: string; rating: 'helpful' | 'not-helpful' | null; created_at: string | Date }>(
    'select id, role, kind, body, rating, created_at from assistant_message where conversation_id = $1 order by id', [conversationId]);
  return rows.map((r) => ({ id: Number(r.id), role: r.role, kind: r.kind, body: r.body, rating: r.rating, createdAt: new Date(r.created_at).toISOString() }));
}

/** Rates an assistant message of this conversation; false when there is no such message. */
export async function rateMessage(q: Queryable, conversationId: string, messageId: number, rating: 'helpful' | 'not-helpful'): Promise<boolean> {
  const { rowCount } = await q.query("update assistant_message set rating = $3 where id = $2 and conversation_id = $1 and role = 'assistant'", [conversationId, messageId, rating]);
  return rowCount > 0;
}

export async function conversationsOf(q: Queryable, citizenId: string, limit = 20): Promise<ConversationRow[]> {
  const { rows } = await q.query<RawConversation>('select id, number, citizen_id, context, department, enquiry_instance_id, last_at from assistant_conversation where citizen_id = $1 order by last_at desc limit $2', [citizenId, limit]);
  return rows.map(toConversation);
}

/** Conversations past retention whose enquiry (if any) is not still open: `openEnquiry` says which still are. */
export async function expiredConversations(q: Queryable, before: Date, limit: number): Promise<{ id: string; enquiryInstanceId: number | null }[]> {
  const { rows } = await q.query<{ id: string; enquiry_instance_id: string | number | null }>('select id, enquiry_instance_id from assistant_conversation where last_at < $1 order by last_at limit $2', [before.toISOString(), limit]);
  return rows.map((r) => ({ id: r.id, enquiryInstanceId: r.enquiry_instance_id === null ? null : Number(r.enquiry_instance_id) }));
}

export async function deleteConversation(q: Queryable, id: string): Promise<void> {
  await q.query('delete from assistant_conversation where id = $1', [id]);
}

export interface AssistantFigures {
  readonly conversations: number;
  readonly replies: Readonly<Record<ReplyKind, number>>;
  readonly handovers: number;
  readonly helpful: number;
  readonly notHelpful: number;
}

/** Counts for the managers' page: replies by kind, conversations handed over, ratings. */
export async function assistantFigures(q: Queryable, since: Date): Promise<AssistantFigures> {
  const { rows } = await q.query<{ kind: ReplyKind | null; rating: string | null; n: string | number }>(
    "select kind, rating, count(*) as n from assistant_message where role = 'assistant' and created_at >= $1 group by kind, rating", [since.toISOString()]);
  const conv = await q.query<{ n: string | number; h: string | number }>('select count(*) as n, count(enquiry_instance_id) as h from assistant_conversation where started_at >= $1', [since.toISOString()]);
  const replies: Record<ReplyKind, number> = { answer: 0, status: 0, handover: 0, decline: 0, clarify: 0 };
  let helpful = 0;
  let notHelpful = 0;
  for (const r of rows) {
    if (r.kind) replies[r.kind] += Number(r.n);
    if (r.rating === 'helpful') helpful += Number(r.n);
    if (r.rating === 'not-helpful') notHelpful += Number(r.n);
  }
  return { conversations: Number(conv.rows[0]?.n ?? 0), handovers: Number(conv.rows[0]?.h ?? 0), replies, helpful, notHelpful };
}
