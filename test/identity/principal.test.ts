import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actorOf, candidateGroupsOf, hasRole, inCaseScope, inDepartment, type AgencySystemPrincipal, type CitizenPrincipal, type StaffPrincipal } from '../../src/identity/index.js';

// The access checks every route and page decides with, on their own (no database, no server): the authorisation
// matrix and the department-scope suite test them through HTTP; these pin each rule's edges, which the mutation run
// of `identity` (docs/testing.md) showed were reached but not all decided by those suites.
const staff = (id: string, memberships: StaffPrincipal['memberships']): StaffPrincipal => ({
  kind: 'staff',
  id,
  name: id,
  roles: [...new Set(memberships.map((m) => m.role))],
  departments: [...new Set(memberships.map((m) => m.department))],
  memberships,
});
const citizen: CitizenPrincipal = { kind: 'citizen', id: 'person-1', name: 'Citizen', roles: ['citizen'], businesses: ['12345678'] };
const agency: AgencySystemPrincipal = { kind: 'agency-system', id: 'tax-office', name: 'Tax office', roles: ['agency-system'], services: ['building-permit'] };
const bob = staff('bob', [{ department: 'building-control', role: 'caseworker' }]);
const mia = staff('mia', [{ department: 'building-control', role: 'manager' }, { department: 'licensing', role: 'caseworker' }]);
const adm = staff('adm', [{ department: 'it', role: 'admin' }]);
const aud = staff('aud', [{ department: 'audit', role: 'auditor' }]);

describe('identity: access checks on a principal', () => {
  it('hasRole: any of the roles, never for nobody', () => {
    assert.equal(hasRole(bob, ['caseworker']), true);
    assert.equal(hasRole(mia, ['admin', 'manager']), true);
    assert.equal(hasRole(bob, ['manager', 'admin']), false);
    assert.equal(hasRole(citizen, ['citizen']), true);
    assert.equal(hasRole(citizen, ['caseworker']), false);
    assert.equal(hasRole(null, ['citizen']), false);
    assert.equal(hasRole(undefined, ['citizen', 'caseworker']), false);
    assert.equal(hasRole(bob, []), false);
  });

  it('inDepartment: the department, and the role there when one is asked for', () => {
    assert.equal(inDepartment(bob, 'building-control'), true);
    assert.equal(inDepartment(bob, 'licensing'), false);
    assert.equal(inDepartment(bob, 'building-control', 'caseworker'), true);
    assert.equal(inDepartment(bob, 'building-control', 'manager'), false);
    // mia manages building control but is a caseworker in licensing: the role is per department.
    assert.equal(inDepartment(mia, 'building-control', 'manager'), true);
    assert.equal(inDepartment(mia, 'licensing', 'manager'), false);
    assert.equal(inDepartment(mia, 'licensing', 'caseworker'), true);
    assert.equal(inDepartment(citizen, 'building-control'), false);
    assert.equal(inDepartment(null, 'building-control'), false);
  });

  it('actorOf: citizen:, staff: and system: followed by the id', () => {
    assert.equal(actorOf(citizen), 'citizen:person-1');
    assert.equal(actorOf(bob), 'staff:bob');
    assert.equal(actorOf(agency), 'system:tax-office');
  });

  it("inCaseScope: a task of one of the staff member's departments; managers' groups only for managers", () => {
    assert.equal(inCaseScope(bob, ['building-control']), true);
    assert.equal(inCaseScope(bob, ['licensing']), false);
    assert.equal(inCaseScope(bob, ['licensing', 'building-control']), true, 'any of the groups');
    assert.equal(inCaseScope(bob, []), false);
    assert.equal(inCaseScope(bob, ['building-control/manager']), false, 'a caseworker is not in the managers group');
    assert.equal(inCaseScope(mia, ['building-control/manager']), true);
    assert.equal(inCaseScope(mia, ['licensing/manager']), false, 'a manager elsewhere is not a manager here');
    assert.equal(inCaseScope(mia, ['licensing']), true);
    assert.equal(inCaseScope(bob, ['building-control/other']), false, 'an unknown qualifier admits nobody');
    assert.equal(inCaseScope(mia, ['building-control/other']), false, 'not even a manager of that department');
  });

  it('inCaseScope: admins and auditors see every case; citizens, agency systems and nobody are scoped elsewhere', () => {
    assert.equal(inCaseScope(adm, ['building-control']), true);
    assert.equal(inCaseScope(aud, ['licensing/manager']), true);
    assert.equal(inCaseScope(adm, []), true);
    assert.equal(inCaseScope(citizen, ['building-control']), false);
    assert.equal(inCaseScope(agency, ['building-control']), false);
    assert.equal(inCaseScope(null, ['building-control']), false);
  });

  it('candidateGroupsOf: each department, and <department>/manager where a manager, once each', () => {
    assert.deepEqual(candidateGroupsOf(bob), ['building-control']);
    assert.deepEqual(candidateGroupsOf(mia), ['building-control', 'building-control/manager', 'licensing']);
    const twice = staff('two', [{ department: 'planning', role: 'caseworker' }, { department: 'planning', role: 'manager' }]);
    assert.deepEqual(candidateGroupsOf(twice), ['planning', 'planning/manager']);
    assert.deepEqual(candidateGroupsOf(staff('none', [])), []);
  });
});
