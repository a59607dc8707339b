import type { Queryable } from '../store/index.js';

/** The answers a department may publish (Decidim's and CONSUL's three). */
export const ANSWERS = ['accepted', 'evaluating', 'rejected'] as const;
export type Answer = (typeof ANSWERS)[number];

/** Where a proposal stands: collecting supports, waiting for its department's answer, or answered. */
export type ProposalState = 'collecting' | 'awaiting-answer' | Answer;

export interface ProposalView {
  readonly id: number;
  readonly citizenId: string;
  readonly author: string;
  readonly topic: string;
  readonly department: string;
  readonly title: string;
  readonly body: string;
  readonly supports: number;
  readonly threshold: number;
  readonly state: ProposalState;
  readonly answerReasons: string | null;
  readonly answeredAt: string | null;
  readonly claimedAt: string | null;
  readonly instanceId: number | null;
  readonly hidden: { readonly at: string; readonly reason: string } | null;
  readonly createdAt: string;
}

/** The public name of a participant: the one they chose, else "Resident N" (their number, which reveals nothing). */
export const DISPLAY_NAME_SQL = (alias: string): string => `coalesce(${alias}.display_name, 'Resident ' || ${alias}.number)`;

/**
 * The answer is the case's: the last task completed with an `answer` variable, read from the engine's exported
 * `process_event` view, so the public page and the workbench cannot disagree.
 */
const ANSWER = `left join lateral (
    select e.data -> 'variables' ->> 'answer' as answer, e.data -> 'variables' ->> 'answerReasons' as reasons, e.occurred_at as at
    from process_event e where e.instance_id = p.instance_id and e.type = 'task.completed' and (e.data -> 'variables') ? 'answer'
    order by e.seq desc limit 1
  ) a on true`;

const SELECT = `select p.id::float8 as id, p.citizen_id, ${DISPLAY_NAME_SQL('who')} as author, p.topic, p.department, p.title, p.body,
    p.supports, p.threshold, p.answer_claimed_at, p.instance_id::float8 as instance_id, p.hidden_at, p.hidden_reason, p.created_at,
    a.answer, a.reasons, a.at as answered_at
  from engagement_proposal p join engagement_participant who on who.citizen_id = p.citizen_id ${ANSWER}`;

interface Row {
  id: number; citizen_id: string; author: string; topic: string; department: string; title: string; body: string; supports: number; threshold: number;
  answer_claimed_at: Date | string | null; instance_id: number | null; hidden_at: Date | string | null; hidden_reason: string | null; created_at: Date | string;
  answer: string | null; reasons: string | null; answered_at: Date | string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const isAnswer = (x: string | null): x is Answer => (ANSWERS as readonly (string | null)[]).includes(x);

const toView = (r: Row): ProposalView => ({
  id: Number(r.id), citizenId: r.citizen_id, author: r.author, topic: r.topic, department: r.department, title: r.title, body: r.body,
  supports: Number(r.supports), threshold: Number(r.threshold), instanceId: r.instance_id === null ? null : Number(r.instance_id),
  state: isAnswer(r.answer) ? r.answer : r.answer_claimed_at !== null ? 'awaiting-answer' : 'collecting',
  answerReasons: isAnswer(r.answer) ? r.reasons : null, answeredAt: isAnswer(r.answer) ? iso(r.answered_at) : null, claimedAt: iso(r.answer_claimed_at),
  hidden: r.hidden_at !== null ? { at: iso(r.hidden_at)!, reason: r.hidden_reason ?? '' } : null, createdAt: iso(r.created_at)!,
});

/** Makes the person a participant (once), which gives them their number. */
export async function ensureParticipant(db: Queryable, citizenId: string): Promise<void> {
  await db.query('insert into engagement_participant (citizen_id) values ($1) on conflict (citizen_id) do nothing', [citizenId]);
}

/** The person's public name, or null before they first took part (a read: it assigns nothing). */
export async function publicNameOf(db: Queryable, citizenId: string): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>(`select ${DISPLAY_NAME_SQL('p')} as name from engagement_participant p where citizen_id = $1`, [citizenId]);
  return rows[0]?.name ?? null;
}

export async function setDisplayName(db: Queryable, citizenId: string, name: string | null): Promise<void> {
  await db.query(`insert into engagement_participant (citizen_id, display_name) values ($1, $2)
    on conflict (citizen_id) do update set display_name = excluded.display_name`, [citizenId, name]);
}

export async function insertProposal(db: Queryable, p: { citizenId: string; topic: string; department: string; title: string; body: string; threshold: number }): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `insert into engagement_proposal (citizen_id, topic, department, title, body, threshold) values ($1, $2, $3, $4, $5, $6) returning id::float8 as id`,
    [p.citizenId, p.topic, p.department, p.title, p.body, p.threshold]);
  return Number(rows[0]!.id);
}

export async function getProposal(db: Queryable, id: number): Promise<ProposalView | null> {
  const { rows } = await db.query<Row>(`${SELECT} where p.id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

/** Newest first; hidden proposals are left out unless asked for (moderators see them). */
export async function listProposals(db: Queryable, q: { limit: number; offset: number; includeHidden?: boolean }): Promise<ProposalView[]> {
  const { rows } = await db.query<Row>(`${SELECT} where ($3 or p.hidden_at is null) order by p.created_at desc, p.id desc limit $1 offset $2`,
    [q.limit, q.offset, q.includeHidden ?? false]);
  return rows.map(toView);
}

export type SupportOutcome = { readonly kind: 'supported' | 'already'; readonly supports: number; readonly claimed: boolean } | { readonly kind: 'missing' | 'hidden' };

/**
 * One support, in the caller's transaction. The proposal row is locked first, so concurrent supports of one proposal
 * run one after another: the primary key of engagement_support refuses a person's second support, the counter moves
 * with the rows, and exactly one transaction sees the threshold reached and claims the answer case.
 */
export async function addSupport(tx: Queryable, proposalId: number, citizenId: string): Promise<SupportOutcome> {
  const { rows } = await tx.query<{ supports: number; threshold: number; claimed: boolean; hidden: boolean }>(
    'select supports, threshold, answer_claimed_at is not null as claimed, hidden_at is not null as hidden from engagement_proposal where id = $1 for update', [proposalId]);
  const p = rows[0];
  if (!p) return { kind: 'missing' };
  if (p.hidden) return { kind: 'hidden' };
  const inserted = await tx.query('insert into engagement_support (proposal_id, citizen_id) values ($1, $2) on conflict do nothing returning 1', [proposalId, citizenId]);
  if (inserted.rows.length === 0) return { kind: 'already', supports: Number(p.supports), claimed: false };
  const supports = Number(p.supports) + 1;
  const claim = !p.claimed && supports >= Number(p.threshold);
  await tx.query(`update engagement_proposal set supports = $2, answer_claimed_at = case when $3 then now() else answer_claimed_at end where id = $1`, [proposalId, supports, claim]);
  return { kind: 'supported', supports, claimed: claim };
}

export async function hasSupported(db: Queryable, proposalId: number, citizenId: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from engagement_support where proposal_id = $1 and citizen_id = $2', [proposalId, citizenId]);
  return rows.length > 0;
}

export async function setProposalInstance(db: Queryable, id: number, instanceId: number): Promise<void> {
  await db.query('update engagement_proposal set instance_id = $2 where id = $1 and instance_id is null', [id, instanceId]);
}

/** Proposals past their threshold whose answer case did not start (a failed start). */
export async function claimedWithoutCase(db: Queryable, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>('select id::float8 as id from engagement_proposal where answer_claimed_at is not null and instance_id is null order by id limit $1', [limit]);
  return rows.map((r) => Number(r.id));
}
