import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actorOf, candidateGroupsOf, decidesCases, hasRole, inCaseScope, inDepartment, mayDecide, type AgencySystemPrincipal, type CitizenPrincipal, type StaffPrincipal } from '../../src/identity/index.js';

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

  it('mayDecide: a caseworker or manager of the case’s department; <dept>/manager work only for its managers', () => {
    assert.equal(mayDecide(bob, ['building-control']), true);
    assert.equal(mayDecide(mia, ['building-control']), true, 'a manager decides the department’s plain work too');
    assert.equal(mayDecide(bob, ['licensing']), false, 'another department');
    assert.equal(mayDecide(bob, ['licensing', 'building-control']), true, 'any of the groups');
    assert.equal(mayDecide(bob, []), false);
    assert.equal(mayDecide(bob, ['building-control/manager']), false, 'a caseworker does not decide managers’ work');
    assert.equal(mayDecide(mia, ['building-control/manager']), true);
    assert.equal(mayDecide(mia, ['licensing/manager']), false, 'a caseworker there, a manager elsewhere');
    assert.equal(mayDecide(mia, ['building-control/other']), false, 'an unknown qualifier admits nobody');
  });

  it('mayDecide: admins and auditors decide nothing by that role, even in their own department; nobody else either', () => {
    assert.equal(mayDecide(adm, ['building-control']), false);
    assert.equal(mayDecide(adm, ['it']), false, 'an admin membership of the department does not decide its cases');
    assert.equal(mayDecide(aud, ['audit/manager']), false);
    const adminAndCaseworker = staff('both', [{ department: 'it', role: 'admin' }, { department: 'planning', role: 'caseworker' }]);
    assert.equal(mayDecide(adminAndCaseworker, ['planning']), true, 'an admin who is also a caseworker of planning');
    assert.equal(mayDecide(adminAndCaseworker, ['it']), false);
    assert.equal(mayDecide(citizen, ['building-control']), false);
    assert.equal(mayDecide(agency, ['building-control']), false);
    assert.equal(mayDecide(null, ['building-control']), false);
    assert.equal(mayDecide(undefined, ['building-control']), false);
  });

  it('mayDecide and decidesCases: an API key decides by its roles, whatever the groups', () => {
    const key = (roles: StaffPrincipal['roles']): StaffPrincipal => ({ kind: 'staff', id: 'key', name: 'key', roles, departments: [], memberships: [], apiKey: true });
    assert.equal(mayDecide(key(['caseworker']), ['licensing']), true);
    assert.equal(mayDecide(key(['manager']), ['building-control/manager']), true);
    assert.equal(mayDecide(key(['admin']), ['licensing']), false);
    assert.equal(mayDecide(key(['admin', 'caseworker']), ['licensing']), true, 'one deciding role among others');
    assert.equal(mayDecide(key(['auditor', 'admin']), []), false);
    assert.equal(decidesCases(key(['admin', 'caseworker'])), true, 'one deciding role among others');
    assert.equal(decidesCases(key(['auditor'])), false);
    assert.equal(decidesCases(key([])), false);
  });

  it('decidesCases: a staff member with a caseworker or manager membership anywhere; not admins, auditors or others', () => {
    assert.equal(decidesCases(bob), true);
    assert.equal(decidesCases(mia), true);
    assert.equal(decidesCases(staff('m', [{ department: 'planning', role: 'manager' }])), true);
    assert.equal(decidesCases(adm), false);
    assert.equal(decidesCases(aud), false);
    assert.equal(decidesCases(staff('both', [{ department: 'it', role: 'admin' }, { department: 'planning', role: 'caseworker' }])), true, 'any one deciding membership');
    // Roles alone do not decide without an API key: the memberships do.
    assert.equal(decidesCases({ ...staff('r', [{ department: 'it', role: 'admin' }]), roles: ['caseworker'] }), false);
    assert.equal(decidesCases(citizen), false);
    assert.equal(decidesCases(agency), false);
    assert.equal(decidesCases(null), false);
    assert.equal(decidesCases(undefined), false);
  });
});
