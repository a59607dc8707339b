/**
 * Satisfaction feedback and formal complaints in engagement's tables (migration 0022). A complaint's status, like a
 * report's, is never stored: it is read from its case (the engine's exported process_event view).
 */
import type { Queryable } from '../store/index.js';

export const RATINGS = [
  { value: 5, label: 'Very satisfied' },
  { value: 4, label: 'Satisfied' },
  { value: 3, label: 'Neither satisfied or dissatisfied' },
  { value: 2, label: 'Dissatisfied' },
  { value: 1, label: 'Very dissatisfied' },
] as const;

/** Records the citizen's feedback on a subject once; false when they had already given it. */
export async function insertFeedback(db: Queryable, f: { subject: string; rating: number; comment: string; citizenId: string }): Promise<boolean> {
  const { rowCount } = await db.query('insert into engagement_feedback (subject, rating, comment, citizen_id) values ($1, $2, $3, $4) on conflict (subject, citizen_id) do nothing',
    [f.subject, f.rating, f.comment, f.citizenId]);
  return rowCount === 1;
}

export async function hasFeedback(db: Queryable, subject: string, citizenId: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from engagement_feedback where subject = $1 and citizen_id = $2', [subject, citizenId]);
  return rows.length > 0;
}

export interface ComplaintView {
  readonly id: number;
  readonly subjectKind: 'case' | 'service';
  readonly subject: string;
  readonly department: string;
  readonly description: string;
  readonly citizenId: string;
  readonly instanceId: number | null;
  readonly madeAt: string;
  /** received: nobody has answered yet; answered: the department's answer is in `answer`; closed: the case was cancelled. */
  readonly status: 'received' | 'answered' | 'closed';
  readonly answer: string | null;
  readonly outcome: string | null;
}

const SELECT_COMPLAINT = `select c.id::float8 as id, c.subject_kind, c.subject, c.department, c.description, c.citizen_id, c.instance_id::float8 as instance_id,
    to_char(c.made_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as made_at, s.answer, s.outcome, s.terminated
  from engagement_complaint c left join lateral (
    select (array_agg(e.data -> 'variables' ->> 'statusNotes' order by e.seq desc) filter (where e.type = 'task.completed' and e.element_id = 'investigate'))[1] as answer,
           (array_agg(e.data -> 'variables' ->> 'complaintOutcome' order by e.seq desc) filter (where e.type = 'task.completed' and e.element_id = 'investigate'))[1] as outcome,
           coalesce(bool_or(e.type = 'process.terminated'), false) as terminated
    from process_event e where e.instance_id = c.instance_id
  ) s on true`;

interface ComplaintRow {
  id: number; subject_kind: 'case' | 'service'; subject: string; department: string; description: string; citizen_id: string; instance_id: number | null;
  made_at: string; answer: string | null; outcome: string | null; terminated: boolean;
}

const toComplaint = (r: ComplaintRow): ComplaintView => ({
  id: Number(r.id), subjectKind: r.subject_kind, subject: r.subject, department: r.department, description: r.description, citizenId: r.citizen_id,
  instanceId: r.instance_id === null ? null : Number(r.instance_id), madeAt: r.made_at, answer: r.answer, outcome: r.outcome,
  status: r.answer !== null ? 'answered' : r.terminated ? 'closed' : 'received',
});

export async function insertComplaint(db: Queryable, c: { subjectKind: 'case' | 'service'; subject: string; department: string; description: string; contact: string | null; citizenId: string }): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'insert into engagement_complaint (subject_kind, subject, department, description, contact, citizen_id) values ($1, $2, $3, $4, $5, $6) returning id::float8 as id',
    [c.subjectKind, c.subject, c.department, c.description, c.contact, c.citizenId]);
  return Number(rows[0]!.id);
}

export async function setComplaintInstance(db: Queryable, id: number, instanceId: number): Promise<void> {
  await db.query('update engagement_complaint set instance_id = $2 where id = $1', [id, instanceId]);
}

export async function getComplaint(db: Queryable, id: number): Promise<ComplaintView | null> {
  const { rows } = await db.query<ComplaintRow>(`${SELECT_COMPLAINT} where c.id = $1`, [id]);
  return rows[0] ? toComplaint(rows[0]) : null;
}

export async function complaintsOf(db: Queryable, citizenId: string, limit = 50): Promise<ComplaintView[]> {
  const { rows } = await db.query<ComplaintRow>(`${SELECT_COMPLAINT} where c.citizen_id = $1 order by c.id desc limit $2`, [citizenId, limit]);
  return rows.map(toComplaint);
}

export async function complaintsWithoutCase(db: Queryable, limit: number): Promise<{ id: number }[]> {
  const { rows } = await db.query<{ id: number }>('select id::float8 as id from engagement_complaint where instance_id is null order by id limit $1', [limit]);
  return rows.map((r) => ({ id: Number(r.id) }));
}

/** Counts for the public dashboards: no text, no person, only how many and how satisfied. */
export interface EngagementFigures {
  readonly from: string;
  readonly to: string;
  readonly satisfaction: { readonly responses: number; readonly byRating: Readonly<Record<'1' | '2' | '3' | '4' | '5', number>>; readonly average: number | null };
  readonly complaints: { readonly made: number; readonly answered: number; readonly open: number; readonly byDepartment: Readonly<Record<string, number>> };
}

export async function engagementFigures(db: Queryable, window: { from: Date; to: Date }): Promise<EngagementFigures> {
  const { rows: ratings } = await db.query<{ rating: number; n: number }>(
    'select rating, count(*)::int as n from engagement_feedback where given_at >= $1 and given_at < $2 group by rating', [window.from, window.to]);
  const byRating = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const r of ratings) byRating[String(r.rating) as keyof typeof byRating] = Number(r.n);
  const responses = Object.values(byRating).reduce((a, b) => a + b, 0);
  const average = responses === 0 ? null : Math.round((ratings.reduce((a, r) => a + r.rating * Number(r.n), 0) / responses) * 100) / 100;
  const { rows: complaints } = await db.query<{ department: string; made: number; answered: number }>(
    `select x.department, count(*)::int as made, count(*) filter (where x.status = 'answered')::int as answered
     from (select c.department, case when s.answer is not null then 'answered' else 'open' end as status ${SELECT_COMPLAINT.slice(SELECT_COMPLAINT.indexOf('from engagement_complaint'))}
           where c.made_at >= $1 and c.made_at < $2) x
     group by x.department`, [window.from, window.to]);
  const made = complaints.reduce((a, c) => a + Number(c.made), 0);
  const answered = complaints.reduce((a, c) => a + Number(c.answered), 0);
  return {
    from: window.from.toISOString(), to: window.to.toISOString(),
    satisfaction: { responses, byRating, average },
    complaints: { made, answered, open: made - answered, byDepartment: Object.fromEntries(complaints.map((c) => [c.department, Number(c.made)])) },
  };
}
