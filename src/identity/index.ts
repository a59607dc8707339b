/** Identity and access: who a caller is (citizens, staff, other agencies' systems) and what they may do. */
export { actorOf, candidateGroupsOf, hasRole, inCaseScope, inDepartment, ROLES, STAFF_ROLES } from './principal.js';
export type { AgencySystemPrincipal, CitizenPrincipal, Membership, Principal, Role, StaffPrincipal, StaffRole } from './principal.js';
export { createIdentity } from './identity.js';
export type { ApiKeyRequest, Identity, IdentityOptions } from './identity.js';
export { DEFAULT_NATIONAL_ID_CLAIM, NATIONAL_ID_KIND, parseNationalId } from './oidc-routes.js';
export type { OidcProviderOptions } from './oidc-routes.js';
export type { PageSession } from './sessions.js';
export { parseBearer, sessionIdFromCookies, SESSION_COOKIE } from './tokens.js';
export { normaliseUsername } from './attempts.js';
export { activeDemoAccounts, DEMO_ISSUER, disableDemoAccounts } from './demo-seed.js';
export { createAdministrator, ENROLMENT_VALID_MS, issueEnrolment } from './enrolment.js';
export { DEMO_AGENCIES, DEMO_CITIZENS, DEMO_DEPARTMENTS, DEMO_STAFF } from './demo-organisation.js';
export type { DemoStaff } from './demo-organisation.js';
export { listStaffOfDepartment } from './staff-directory.js';
export type { StaffMember } from './staff-directory.js';
export { createDepartment, createStaff, getStaff, listAgencies, listDepartments, listStaff, ORGANISATION_ID, parseMembership, resetStaffCredentials, setStaffDisabled } from './organisation.js';
export type { DepartmentView, StaffView } from './organisation.js';
