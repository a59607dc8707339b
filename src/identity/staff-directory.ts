import type { Queryable } from '../store/index.js';
import type { StaffRole } from './principal.js';

export interface StaffMember {
  readonly id: string;
  readonly name: string;
  /** The event-log actor of this person, `staff:<id>`, which is also what a task's assignee holds. */
  readonly actor: string;
  readonly roles: readonly StaffRole[];
}

/**
 * The active (not disabled) staff of one department, with their roles there, by name: who a manager can hand a
 * task to. Read-only; the organisation itself is managed elsewhere.
 */
export async function listStaffOfDepartment(db: Queryable, department: string, role?: StaffRole): Promise<StaffMember[]> {
  const { rows } = await db.query<{ id: string; name: string; roles: string[] }>(
    `select s.id, s.name, array_agg(m.role order by m.role) as roles
       from identity_staff s join identity_membership m on m.staff_id = s.id
      where m.department_id = $1 and not s.disabled and ($2::text is null or m.role = $2)
      group by s.id, s.name order by s.name, s.id`,
    [department, role ?? null]);
  return rows.map((r) => ({ id: r.id, name: r.name, actor: `staff:${r.id}`, roles: r.roles as StaffRole[] }));
}

/**
 * The active staff of any of `departments`, each once, by name (roles: theirs in any of them): the colleagues a
 * page lists for someone in several departments, read in one query rather than one per department.
 */
export async function listStaffOfDepartments(db: Queryable, departments: readonly string[]): Promise<StaffMember[]> {
  if (departments.length === 0) return [];
  const { rows } = await db.query<{ id: string; name: string; roles: string[] }>(
    `select s.id, s.name, array_agg(distinct m.role order by m.role) as roles
       from identity_staff s join identity_membership m on m.staff_id = s.id
      where m.department_id = any($1::text[]) and not s.disabled
      group by s.id, s.name order by s.name, s.id`,
    [[...departments]]);
  return rows.map((r) => ({ id: r.id, name: r.name, actor: `staff:${r.id}`, roles: r.roles as StaffRole[] }));
}
