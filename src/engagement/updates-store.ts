import { createHash } from 'node:crypto';
import type { Queryable } from '../store/index.js';

/** What news can be about: a catalogue service, an organisation department, or a project. */
export type TopicKind = 'service' | 'department' | 'project';
export const TOPIC_KINDS: readonly TopicKind[] = ['service', 'department', 'project'];

/** A news item as published. */
export interface NewsView {
  readonly id: number;
  readonly topicKind: TopicKind;
  readonly topicId: string;
  readonly title: string;
  readonly summary: string;
  readonly body: string;
  readonly authorName: string;
  /** ISO 8601, UTC. */
  readonly publishedAt: string;
}

export interface NewNews {
  readonly topicKind: TopicKind;
  readonly topicId: string;
  readonly title: string;
  readonly summary: string;
  readonly body: string;
  readonly authorId: string;
  readonly authorName: string;
}

interface NewsRow { id: number; topic_kind: TopicKind; topic_id: string; title: string; summary: string; body: string; author_name: string; published_at: Date | string }

const toNews = (r: NewsRow): NewsView => ({
  id: Number(r.id), topicKind: r.topic_kind, topicId: r.topic_id, title: r.title, summary: r.summary, body: r.body,
  authorName: r.author_name, publishedAt: new Date(r.published_at).toISOString(),
});

const NEWS_COLUMNS = 'id::float8 as id, topic_kind, topic_id, title, summary, body, author_name, published_at';

export async function insertNews(tx: Queryable, n: NewNews): Promise<NewsView> {
  const { rows } = await tx.query<NewsRow>(
    `insert into engagement_news (topic_kind, topic_id, title, summary, body, author_id, author_name) values ($1, $2, $3, $4, $5, $6, $7) returning ${NEWS_COLUMNS}`,
    [n.topicKind, n.topicId, n.title, n.summary, n.body, n.authorId, n.authorName]);
  return toNews(rows[0]!);
}

export async function getNews(db: Queryable, id: number): Promise<NewsView | null> {
  const { rows } = await db.query<NewsRow>(`select ${NEWS_COLUMNS} from engagement_news where id = $1`, [id]);
  return rows[0] ? toNews(rows[0]) : null;
}

/** The newest news of some topics (all topics when `topics` is null), newest first. */
export async function listNews(db: Queryable, topics: readonly { kind: TopicKind; id: string }[] | null, limit: number): Promise<NewsView[]> {
  const keys = topics ? topics.map((t) => `${t.kind}:${t.id}`) : null;
  const { rows } = await db.query<NewsRow>(
    `select ${NEWS_COLUMNS} from engagement_news where ($1::text[] is null or topic_kind || ':' || topic_id = any($1)) order by published_at desc, id desc limit $2`,
    [keys, limit]);
  return rows.map(toNews);
}

export const sha256 = (token: string): string => createHash('sha256').update(token).digest('base64url');

export interface SubscriptionRow {
  readonly id: number;
  readonly topicKind: TopicKind;
  readonly topicId: string;
  readonly addressRef: string;
  readonly subject: string;
  readonly status: 'pending' | 'active' | 'ended';
  readonly unsubscribeToken: string;
}

interface RawSubscription { id: number; topic_kind: TopicKind; topic_id: string; address_ref: string; subject: string; status: SubscriptionRow['status']; unsubscribe_token: string }
const toSubscription = (r: RawSubscription): SubscriptionRow => ({
  id: Number(r.id), topicKind: r.topic_kind, topicId: r.topic_id, addressRef: r.address_ref, subject: r.subject, status: r.status, unsubscribeToken: r.unsubscribe_token,
});
const SUBSCRIPTION_COLUMNS = 'id::float8 as id, topic_kind, topic_id, address_ref, subject, status, unsubscribe_token';

export async function insertSubscription(tx: Queryable, s: { topicKind: TopicKind; topicId: string; addressRef: string; subject: string; confirmToken: string; unsubscribeToken: string }): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `insert into engagement_subscription (topic_kind, topic_id, address_ref, subject, confirm_hash, unsubscribe_token)
     values ($1, $2, $3, $4, $5, $6) returning id::float8 as id`,
    [s.topicKind, s.topicId, s.addressRef, s.subject, sha256(s.confirmToken), s.unsubscribeToken]);
  return Number(rows[0]!.id);
}

export async function subscriptionByConfirmToken(db: Queryable, token: string): Promise<SubscriptionRow | null> {
  const { rows } = await db.query<RawSubscription>(`select ${SUBSCRIPTION_COLUMNS} from engagement_subscription where confirm_hash = $1`, [sha256(token)]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

export async function subscriptionByUnsubscribeToken(db: Queryable, token: string): Promise<SubscriptionRow | null> {
  const { rows } = await db.query<RawSubscription>(`select ${SUBSCRIPTION_COLUMNS} from engagement_subscription where unsubscribe_token = $1`, [token]);
  return rows[0] ? toSubscription(rows[0]) : null;
}

/** Pending → active; true when this call confirmed it (false: already active, ended, or unknown). */
export async function confirmSubscription(tx: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await tx.query("update engagement_subscription set status = 'active', confirmed_at = now() where id = $1 and status = 'pending'", [id]);
  return rowCount > 0;
}

/** Ends it (pending or active); returns the vault subject whose record the caller erases, or null when already ended. */
export async function endSubscription(tx: Queryable, id: number): Promise<string | null> {
  const { rows } = await tx.query<{ subject: string }>(
    "update engagement_subscription set status = 'ended', ended_at = now() where id = $1 and status <> 'ended' returning subject", [id]);
  return rows[0]?.subject ?? null;
}

export async function activeSubscriptions(tx: Queryable, topicKind: TopicKind, topicId: string): Promise<SubscriptionRow[]> {
  const { rows } = await tx.query<RawSubscription>(
    `select ${SUBSCRIPTION_COLUMNS} from engagement_subscription where topic_kind = $1 and topic_id = $2 and status = 'active' order by id`, [topicKind, topicId]);
  return rows.map(toSubscription);
}
