/** Identity and access: who a caller is (citizens, staff, other agencies' systems) and what they may do. */
export { actorOf, candidateGroupsOf, hasRole, inCaseScope, inDepartment, ROLES, STAFF_ROLES } from './principal.js';
export type { AgencySystemPrincipal, CitizenPrincipal, Membership, Principal, Role, StaffPrincipal, StaffRole } from './principal.js';
export { createIdentity, DEFAULT_NATIONAL_ID_CLAIM, DEMO_ISSUER, NATIONAL_ID_KIND, parseBearer, parseNationalId, sessionIdFromCookies, SESSION_COOKIE } from './identity.js';
export type { ApiKeyRequest, Identity, IdentityOptions, OidcProviderOptions, PageSession } from './identity.js';
export { DEMO_AGENCIES, DEMO_CITIZENS, DEMO_DEPARTMENTS, DEMO_STAFF } from './demo-organisation.js';
export type { DemoStaff } from './demo-organisation.js';
export { listStaffOfDepartment } from './staff-directory.js';
export type { StaffMember } from './staff-directory.js';
export { createDepartment, createStaff, getStaff, listAgencies, listDepartments, listStaff, ORGANISATION_ID, parseMembership, resetStaffCredentials, setStaffDisabled } from './organisation.js';
export type { DepartmentView, StaffView } from './organisation.js';
export { isApiPath, isStateChanging, webSessionPlugin } from './web-session.js';
export type { WebSessionOptions } from './web-session.js';
