/** Identity and access: who a caller is (citizens, staff, other agencies' systems) and what they may do. */
export { actorOf, hasRole, inDepartment, ROLES, STAFF_ROLES } from './principal.js';
export type { AgencySystemPrincipal, CitizenPrincipal, Membership, Principal, Role, StaffPrincipal, StaffRole } from './principal.js';
