/** Identity and access: who a caller is (citizens, staff, other agencies' systems) and what they may do. */
export { actorOf, candidateGroupsOf, hasRole, inCaseScope, inDepartment, ROLES, STAFF_ROLES } from './principal.js';
export type { AgencySystemPrincipal, CitizenPrincipal, Membership, Principal, Role, StaffPrincipal, StaffRole } from './principal.js';
export { createIdentity, DEMO_ISSUER, parseBearer, sessionIdFromCookies, SESSION_COOKIE } from './identity.js';
export type { ApiKeyRequest, Identity, IdentityOptions, PageSession } from './identity.js';
export { DEMO_AGENCIES, DEMO_CITIZENS, DEMO_DEPARTMENTS, DEMO_STAFF } from './demo-organisation.js';
export type { DemoStaff } from './demo-organisation.js';
