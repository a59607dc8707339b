/**
 * Who is making a request. Every route and page decides access from this one value; nothing else carries identity.
 *
 * Staff hold roles in departments (a caseworker in planning, a manager of building control); their `roles` and
 * `departments` are the union of those memberships, kept for the common "may this person do X at all" checks,
 * while department-scoped checks use `memberships`.
 */
export const STAFF_ROLES = ['caseworker', 'manager', 'admin', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Every role the authorisation matrix knows; `anonymous` is the absence of a principal. */
export const ROLES = ['citizen', ...STAFF_ROLES, 'agency-system'] as const;
export type Role = (typeof ROLES)[number];

export interface Membership {
  readonly department: string;
  readonly role: StaffRole;
}

export interface CitizenPrincipal {
  readonly kind: 'citizen';
  /** Stable person id (from the national eID's `sub`), e.g. `person-3f2a…` or a demo id. */
  readonly id: string;
  readonly name: string;
  readonly roles: readonly ['citizen'];
  /** Businesses this person may act for (registry codes). */
  readonly businesses: readonly string[];
}

export interface StaffPrincipal {
  readonly kind: 'staff';
  readonly id: string;
  readonly name: string;
  readonly roles: readonly StaffRole[];
  readonly departments: readonly string[];
  readonly memberships: readonly Membership[];
  /**
   * An API key granted staff roles (the CLI's key, an integration): it holds roles but no department memberships,
   * so a caseworker or manager key decides cases in every department, and an admin or auditor key in none.
   */
  readonly apiKey?: true;
}

export interface AgencySystemPrincipal {
  readonly kind: 'agency-system';
  /** The API key's client id, e.g. `tax-office`. */
  readonly id: string;
  readonly name: string;
  readonly roles: readonly ['agency-system'];
  /** Services (catalogue ids) this client may act on. */
  readonly services: readonly string[];
  /** The API key's scopes (jobs, registry, open311, decisions); a key with scopes acts only under their paths. */
  readonly scopes?: readonly string[];
  /** The department a department-scoped key was issued for. */
  readonly department?: string;
}

export type Principal = CitizenPrincipal | StaffPrincipal | AgencySystemPrincipal;

export function hasRole(principal: Principal | null | undefined, roles: readonly Role[]): boolean {
  return !!principal && principal.roles.some((r) => (roles as readonly string[]).includes(r));
}

/** True when the staff member holds `role` (any role when omitted) in `department`. */
export function inDepartment(principal: Principal | null | undefined, department: string, role?: StaffRole): boolean {
  return principal?.kind === 'staff' && principal.memberships.some((m) => m.department === department && (role === undefined || m.role === role));
}

/** The actor string written into the event log: `citizen:<id>`, `staff:<id>` or `system:<id>`. */
export function actorOf(principal: Principal): string {
  return `${principal.kind === 'agency-system' ? 'system' : principal.kind}:${principal.id}`;
}

/**
 * May this caller work on (and read) a case whose user tasks go to `candidateGroups`? Admins and auditors see all;
 * staff see cases with a task for one of their departments (`planning`, or `planning/manager` for its managers);
 * citizens and agency systems are scoped elsewhere (case ownership, services of the API key).
 */
export function inCaseScope(principal: Principal | null | undefined, candidateGroups: readonly string[]): boolean {
  if (!principal || principal.kind !== 'staff') return false;
  if (principal.roles.includes('admin') || principal.roles.includes('auditor')) return true;
  return candidateGroups.some((group) => {
    const [department, qualifier] = group.split('/');
    return principal.memberships.some((m) => m.department === department && (qualifier === undefined || (qualifier === 'manager' && m.role === 'manager')));
  });
}

/** The memberships that decide cases: a caseworker's or a manager's. Admin and auditor memberships never do. */
const DECIDING_ROLES: readonly StaffRole[] = ['caseworker', 'manager'];

/** Whether this caller decides cases at all: a staff member with a caseworker or manager role in some department. */
export function decidesCases(principal: Principal | null | undefined): boolean {
  if (principal?.kind !== 'staff') return false;
  return principal.apiKey ? principal.roles.some((r) => DECIDING_ROLES.includes(r)) : principal.memberships.some((m) => DECIDING_ROLES.includes(m.role));
}

/**
 * May this caller change a case whose user tasks go to `candidateGroups` (claim, complete, annotate, set its
 * variables)? Reads and writes are checked separately (issue 13): unlike {@link inCaseScope}, being an admin or an
 * auditor gives nothing here; only a caseworker or manager role in the case's department does (`<dept>/manager`
 * work needs the manager role). An admin who is also a caseworker of planning decides planning's cases.
 */
export function mayDecide(principal: Principal | null | undefined, candidateGroups: readonly string[]): boolean {
  if (!principal || principal.kind !== 'staff') return false;
  if (principal.apiKey) return principal.roles.some((r) => DECIDING_ROLES.includes(r));
  return candidateGroups.some((group) => {
    const [department, qualifier] = group.split('/');
    return principal.memberships.some((m) => m.department === department && (qualifier === 'manager' ? m.role === 'manager' : qualifier === undefined && DECIDING_ROLES.includes(m.role)));
  });
}

/**
 * The candidate groups a staff member works for: each department they belong to, and `<department>/manager` where
 * they are a manager. Inboxes and case lists are filtered to these.
 */
export function candidateGroupsOf(principal: StaffPrincipal): string[] {
  const groups = new Set<string>();
  for (const m of principal.memberships) {
    groups.add(m.department);
    if (m.role === 'manager') groups.add(`${m.department}/manager`);
  }
  return [...groups];
}
