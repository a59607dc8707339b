import type { Queryable } from '../../store/index.js';
import type { Effect, TaskAttributes } from '../runtime/types.js';

/** The user task writes and reads of a transition that waits for task listeners (see runtime/task-listeners.ts). */

/** Whose a task is (read without a lock): enough to tell whether its element has task listeners. */
export async function taskOwner(tx: Queryable, id: number): Promise<{ instance_id: number; definition_id: number; element_id: string } | undefined> {
  const { rows } = await tx.query<{ instance_id: number; definition_id: number; element_id: string }>('select instance_id, definition_id, element_id from user_task where id = $1', [id]);
  return rows[0];
}

/** A task's attributes as a listener's transition starts from them. */
export async function taskAttributes(tx: Queryable, id: number): Promise<TaskAttributes | undefined> {
  const { rows } = await tx.query<{ assignee: string | null; candidate_groups: string[]; candidate_users: string[]; due_at: Date | null; follow_up_at: Date | null; priority: number }>(
    'select assignee, candidate_groups, candidate_users, due_at, follow_up_at, priority from user_task where id = $1', [id]);
  const r = rows[0];
  if (!r) return undefined;
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return { assignee: r.assignee, candidateGroups: r.candidate_groups, candidateUsers: r.candidate_users, dueAt: iso(r.due_at), followUpAt: iso(r.follow_up_at), priority: r.priority };
}

/** Applies a transition its listeners let through: the changed attributes, and the completion if it is one. */
export async function updateTask(tx: Queryable, instanceId: number, effect: Extract<Effect, { type: 'updateTask' }>, now: Date): Promise<void> {
  const c = effect.changes;
  const completing = effect.completedBy !== undefined;
  await tx.query(
    `update user_task set
       assignee = case when $3 then $4 else assignee end,
       candidate_groups = coalesce($5::text[], candidate_groups), candidate_users = coalesce($6::text[], candidate_users),
       due_at = case when $7 then $8::timestamptz else due_at end, follow_up_at = case when $9 then $10::timestamptz else follow_up_at end,
       priority = coalesce($11::int, priority),
       state = case when $12 then 'completed' else state end, completed_at = case when $12 then $13::timestamptz else completed_at end,
       completed_by = case when $12 then $14 else completed_by end
     where instance_id = $1 and element_instance = $2 and state = 'created'`,
    [instanceId, effect.elementInstance, 'assignee' in c, c.assignee ?? null, c.candidateGroups ?? null, c.candidateUsers ?? null,
      'dueAt' in c, c.dueAt ?? null, 'followUpAt' in c, c.followUpAt ?? null, c.priority ?? null, completing, now, effect.completedBy ?? null],
  );
}
