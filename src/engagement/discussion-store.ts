import type { Queryable } from '../store/index.js';
import { DISPLAY_NAME_SQL } from './proposals-store.js';

export interface Hidden { readonly at: string; readonly reason: string }

/**
 * A debate about a project (transparency's project timelines) keeps `project:<slug>` as its topic: the slug is
 * checked through the project directory the composition root passes (engagement never reads transparency's tables).
 */
export const PROJECT_TOPIC = 'project:';
export const projectTopic = (slug: string): string => `${PROJECT_TOPIC}${slug}`;

export interface DebateView {
  readonly id: number;
  readonly topic: string;
  /** The project's slug when the debate is about a project, else null. */
  readonly project: string | null;
  readonly proposalId: number | null;
  /** The participant's public name; null when staff opened it for the municipality (or a proposal's own discussion). */
  readonly author: string | null;
  readonly title: string;
  readonly body: string;
  readonly comments: number;
  readonly hidden: Hidden | null;
  readonly createdAt: string;
}

export interface CommentView {
  readonly id: number;
  readonly debateId: number;
  readonly parentId: number | null;
  /** The participant's public name, or the official's name. */
  readonly author: string;
  /** An official reply: written by staff, shown with their department. */
  readonly official: { readonly department: string } | null;
  readonly body: string;
  readonly hidden: Hidden | null;
  readonly createdAt: string;
}

export type ModerationTarget = 'proposal' | 'debate' | 'comment';
export const TARGET_TABLE: Readonly<Record<ModerationTarget, string>> = { proposal: 'engagement_proposal', debate: 'engagement_debate', comment: 'engagement_comment' };

const iso = (d: Date | string): string => new Date(d).toISOString();
const hiddenOf = (at: Date | string | null, reason: string | null): Hidden | null => (at === null ? null : { at: iso(at), reason: reason ?? '' });

interface DebateRow { id: number; topic: string; proposal_id: number | null; author: string | null; title: string; body: string; comments: number; hidden_at: Date | string | null; hidden_reason: string | null; created_at: Date | string }
const SELECT_DEBATE = `select d.id::float8 as id, d.topic, d.proposal_id::float8 as proposal_id, case when who.citizen_id is null then null else ${DISPLAY_NAME_SQL('who')} end as author,
    d.title, d.body, (select count(*)::int from engagement_comment c where c.debate_id = d.id and c.hidden_at is null) as comments, d.hidden_at, d.hidden_reason, d.created_at
  from engagement_debate d left join engagement_participant who on who.citizen_id = d.citizen_id`;
const toDebate = (r: DebateRow): DebateView => ({
  id: Number(r.id), topic: r.topic, project: r.topic.startsWith(PROJECT_TOPIC) ? r.topic.slice(PROJECT_TOPIC.length) : null, proposalId: r.proposal_id === null ? null : Number(r.proposal_id), author: r.author, title: r.title, body: r.body,
  comments: Number(r.comments), hidden: hiddenOf(r.hidden_at, r.hidden_reason), createdAt: iso(r.created_at),
});

export async function insertDebate(db: Queryable, d: { topic: string; proposalId: number | null; citizenId: string | null; title: string; body: string }): Promise<number> {
  const { rows } = await db.query<{ id: number }>('insert into engagement_debate (topic, proposal_id, citizen_id, title, body) values ($1, $2, $3, $4, $5) returning id::float8 as id',
    [d.topic, d.proposalId, d.citizenId, d.title, d.body]);
  return Number(rows[0]!.id);
}

export async function getDebate(db: Queryable, id: number): Promise<DebateView | null> {
  const { rows } = await db.query<DebateRow>(`${SELECT_DEBATE} where d.id = $1`, [id]);
  return rows[0] ? toDebate(rows[0]) : null;
}

export async function debateOfProposal(db: Queryable, proposalId: number): Promise<DebateView | null> {
  const { rows } = await db.query<DebateRow>(`${SELECT_DEBATE} where d.proposal_id = $1`, [proposalId]);
  return rows[0] ? toDebate(rows[0]) : null;
}

/** The topic's debates (not proposals' discussions), newest first, hidden ones left out. */
export async function listDebates(db: Queryable, q: { topic: string | null; limit: number }): Promise<DebateView[]> {
  const { rows } = await db.query<DebateRow>(`${SELECT_DEBATE} where d.proposal_id is null and d.hidden_at is null and ($1::text is null or d.topic = $1) order by d.created_at desc, d.id desc limit $2`,
    [q.topic, q.limit]);
  return rows.map(toDebate);
}

/** The debates about one project, newest first, hidden ones left out. */
export async function listProjectDebates(db: Queryable, slug: string, limit: number): Promise<DebateView[]> {
  const { rows } = await db.query<DebateRow>(`${SELECT_DEBATE} where d.topic = $1 and d.hidden_at is null order by d.created_at desc, d.id desc limit $2`, [projectTopic(slug), limit]);
  return rows.map(toDebate);
}

/** How many debates (not hidden) there are about a project: what its public page links to. */
export async function countProjectDebates(db: Queryable, slug: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from engagement_debate where topic = $1 and hidden_at is null', [projectTopic(slug)]);
  return Number(rows[0]!.n);
}

interface CommentRow { id: number; debate_id: number; parent_id: number | null; author: string; department: string | null; staff: boolean; body: string; hidden_at: Date | string | null; hidden_reason: string | null; created_at: Date | string }
const SELECT_COMMENT = `select c.id::float8 as id, c.debate_id::float8 as debate_id, c.parent_id::float8 as parent_id,
    coalesce(c.staff_name, ${DISPLAY_NAME_SQL('who')}) as author, c.department, c.staff_id is not null as staff, c.body, c.hidden_at, c.hidden_reason, c.created_at
  from engagement_comment c left join engagement_participant who on who.citizen_id = c.citizen_id`;
const toComment = (r: CommentRow): CommentView => ({
  id: Number(r.id), debateId: Number(r.debate_id), parentId: r.parent_id === null ? null : Number(r.parent_id), author: r.author,
  official: r.staff ? { department: r.department ?? '' } : null, body: r.body, hidden: hiddenOf(r.hidden_at, r.hidden_reason), createdAt: iso(r.created_at),
});

/** A debate's comments in the order written (the page builds the threads). */
export async function listComments(db: Queryable, debateId: number): Promise<CommentView[]> {
  const { rows } = await db.query<CommentRow>(`${SELECT_COMMENT} where c.debate_id = $1 order by c.id`, [debateId]);
  return rows.map(toComment);
}

export async function getComment(db: Queryable, id: number): Promise<CommentView | null> {
  const { rows } = await db.query<CommentRow>(`${SELECT_COMMENT} where c.id = $1`, [id]);
  return rows[0] ? toComment(rows[0]) : null;
}

export type Author = { readonly kind: 'citizen'; readonly citizenId: string } | { readonly kind: 'staff'; readonly staffId: string; readonly name: string; readonly department: string };

export async function insertComment(db: Queryable, c: { debateId: number; parentId: number | null; author: Author; body: string }): Promise<number> {
  const a = c.author;
  const { rows } = await db.query<{ id: number }>(
    `insert into engagement_comment (debate_id, parent_id, citizen_id, staff_id, staff_name, department, body) values ($1, $2, $3, $4, $5, $6, $7) returning id::float8 as id`,
    [c.debateId, c.parentId, a.kind === 'citizen' ? a.citizenId : null, a.kind === 'staff' ? a.staffId : null, a.kind === 'staff' ? a.name : null, a.kind === 'staff' ? a.department : null, c.body]);
  return Number(rows[0]!.id);
}

/** How many comments, debates and proposals the person wrote since `since` (the per-person rate limit). */
export async function postsSince(db: Queryable, citizenId: string, since: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select (select count(*) from engagement_comment where citizen_id = $1 and created_at >= $2)
          + (select count(*) from engagement_debate where citizen_id = $1 and created_at >= $2)
          + (select count(*) from engagement_proposal where citizen_id = $1 and created_at >= $2) as n`, [citizenId, since]);
  return Number(rows[0]!.n);
}

export async function insertAbuseReport(db: Queryable, r: { kind: ModerationTarget; id: number; reporterId: string; reason: string }): Promise<boolean> {
  const { rows } = await db.query(`insert into engagement_abuse_report (target_kind, target_id, reporter_id, reason) values ($1, $2, $3, $4)
    on conflict (target_kind, target_id, reporter_id) do nothing returning 1`, [r.kind, r.id, r.reporterId, r.reason]);
  return rows.length > 0;
}

export interface AbuseReportView { readonly id: number; readonly kind: ModerationTarget; readonly targetId: number; readonly reason: string; readonly createdAt: string; readonly count: number }

/** Open abuse reports, one line per reported item (its reports counted, the first reason shown), oldest first. */
export async function openAbuseReports(db: Queryable, limit: number): Promise<AbuseReportView[]> {
  const { rows } = await db.query<{ id: number; target_kind: ModerationTarget; target_id: number; reason: string; created_at: Date | string; n: number }>(
    `select min(id)::float8 as id, target_kind, target_id::float8 as target_id, (array_agg(reason order by id))[1] as reason, min(created_at) as created_at, count(*)::int as n
     from engagement_abuse_report where resolved_at is null group by target_kind, target_id order by min(created_at) limit $1`, [limit]);
  return rows.map((r) => ({ id: Number(r.id), kind: r.target_kind, targetId: Number(r.target_id), reason: r.reason, createdAt: iso(r.created_at), count: Number(r.n) }));
}

/** Hides (reason given) or restores (reason null) an item; resolves its abuse reports. False when there is no such item. */
export async function setHidden(tx: Queryable, kind: ModerationTarget, id: number, reason: string | null): Promise<boolean> {
  const { rows } = await tx.query(`update ${TARGET_TABLE[kind]} set hidden_at = case when $2::text is null then null else now() end, hidden_reason = $2 where id = $1 returning 1`, [id, reason]);
  if (rows.length === 0) return false;
  await tx.query('update engagement_abuse_report set resolved_at = now() where target_kind = $1 and target_id = $2 and resolved_at is null', [kind, id]);
  return true;
}

/** Hidden items, newest first (the moderator's page, where each can be restored). */
export async function hiddenItems(db: Queryable, limit: number): Promise<{ kind: ModerationTarget; id: number; title: string; reason: string; at: string }[]> {
  const { rows } = await db.query<{ kind: ModerationTarget; id: number; title: string; reason: string | null; at: Date | string }>(
    `select * from (
       select 'proposal' as kind, id::float8 as id, title, hidden_reason as reason, hidden_at as at from engagement_proposal where hidden_at is not null
       union all select 'debate', id::float8, title, hidden_reason, hidden_at from engagement_debate where hidden_at is not null
       union all select 'comment', id::float8, left(body, 80), hidden_reason, hidden_at from engagement_comment where hidden_at is not null
     ) x order by at desc limit $1`, [limit]);
  return rows.map((r) => ({ kind: r.kind, id: Number(r.id), title: r.title, reason: r.reason ?? '', at: iso(r.at) }));
}

/** A short text naming the item, for the moderator (title, or the start of a comment). */
export async function describeTarget(db: Queryable, kind: ModerationTarget, id: number): Promise<{ text: string; href: string } | null> {
  if (kind === 'comment') {
    const c = await getComment(db, id);
    return c ? { text: c.body.slice(0, 120), href: `/debates/${c.debateId}#comment-${c.id}` } : null;
  }
  const { rows } = await db.query<{ title: string }>(`select title from ${TARGET_TABLE[kind]} where id = $1`, [id]);
  return rows[0] ? { text: rows[0].title, href: kind === 'proposal' ? `/proposals/${id}` : `/debates/${id}` } : null;
}
