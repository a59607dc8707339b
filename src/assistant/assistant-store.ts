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

export async function insertConversation(q: Queryable, id: string, citizenId: string | null, language: string): Promise<ConversationRow> {
  const { rows } = await q.query<RawConversation>('insert into assistant_conversation (id, citizen_id, language) values ($1, $2, $3) returning id, number, citizen_id, context, department, enquiry_instance_id, last_at', [id, citizenId, language]);
  return toConversation(rows[0]!);
}

export async function updateConversation(q: Queryable, id: string, context: string | null): Promise<void> {
  await q.query('update assistant_conversation set context = $2, last_at = now() where id = $1', [id, context]);
}

export async function setEnquiry(q: Queryable, id: string, department: string, instanceId: number): Promise<void> {
  await q.query('update assistant_conversation set department = $2, enquiry_instance_id = $3 where id = $1', [id, department, instanceId]);
}

export async function insertMessage(q: Queryable, m: { conversationId: string; role: 'citizen' | 'assistant'; kind: ReplyKind | null; body: string; serviceId: string | null }): Promise<number> {
  const { rows } = await q.query<{ id: string | number }>('insert into assistant_message (conversation_id, role, kind, body, service_id) values ($1, $2, $3, $4, $5) returning id', [m.conversationId, m.role, m.kind, m.body, m.serviceId]);
  return Number(rows[0]!.id);
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
