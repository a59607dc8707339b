import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  createDepartment, createStaff, getStaff, listAgencies, listDepartments, listStaff, parseMembership, resetStaffCredentials, setStaffDisabled, STAFF_ROLES,
} from '../identity/index.js';
import { t, type MessageKey } from '../i18n/index.js';
import { GovflowError } from '../kernel/index.js';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import { describedBy, fieldError, groupClass, str, summary, type AdminContext, type AdminSession } from './admin-context.js';

/** Serves the organisation pages: departments, staff accounts, their roles, credential resets and deactivation. */

const STAFF_PARAMS = paramsSchema({ id: PARAM.slug });

/** A role as the reader says it (the stored role stays the code's word). */
const ROLE_KEYS: Readonly<Record<string, MessageKey>> = { caseworker: 'admin.role.caseworker', manager: 'admin.role.manager', admin: 'admin.role.admin', auditor: 'admin.role.auditor' };
const roleName = (role: string): string => (ROLE_KEYS[role] ? t(ROLE_KEYS[role]) : role);

/** What each form's fields ask for, when identity refuses them (see orgErrors). */
const DEPARTMENT_ERRORS: Readonly<Record<string, MessageKey>> = { 'id': 'admin.org.error.departmentId', 'name': 'admin.org.error.departmentName', 'agency': 'admin.org.error.agency', 'conflict:id': 'admin.org.error.departmentTaken' };
const STAFF_ERRORS: Readonly<Record<string, MessageKey>> = { 'username': 'admin.org.error.username', 'name': 'admin.org.error.fullName', 'email': 'admin.org.error.email', 'conflict:username': 'admin.org.error.usernameTaken' };
const MEMBERSHIP_ERRORS: Readonly<Record<string, MessageKey>> = { department: 'admin.org.error.department' };

/** The pages and helpers of registerOrganisationRoutes's routes, apart so that no function grows past the size limit. */
function organisationPages(ctx: AdminContext) {
  const { send, csrfField } = ctx;
  const { db } = ctx.options;

  async function organisationPage(reply: FastifyReply, admin: AdminSession, errors: readonly { field: string; message: string }[], values: Record<string, string>, status = 200): Promise<FastifyReply> {
    const [departments, staff, agencies] = await Promise.all([listDepartments(db), listStaff(db), listAgencies(db)]);
    const input = (name: string, label: string, hint?: string): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label" for="${name}">${label}</label>${hint ? html`<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ''}${fieldError(errors, name)}<input class="govuk-input govuk-input--width-20${errors.some((e) => e.field === name) ? ' govuk-input--error' : ''}" id="${name}" name="${name}" type="text" value="${values[name] ?? ''}"${describedBy(errors, name, hint ? `${name}-hint` : undefined)}></div>`;
    return send(reply, admin, t('admin.nav.organisation'), html`${summary(errors)}<h1 class="govuk-heading-l">${t('admin.nav.organisation')}</h1>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('admin.org.departments')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.org.id')}</th><th scope="col" class="govuk-table__header">${t('admin.common.name')}</th><th scope="col" class="govuk-table__header">${t('admin.org.agency')}</th></tr></thead>
<tbody class="govuk-table__body">${departments.map((d) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${d.id}</td><td class="govuk-table__cell">${d.name}</td><td class="govuk-table__cell">${agencies.find((a) => a.id === d.agencyId)?.name ?? d.agencyId}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">${t('admin.org.addDepartment')}</h2>
<form method="post" action="/admin/departments" novalidate>
${csrfField(admin)}
${input('department-id', t('admin.org.id'), t('admin.org.departmentIdHint'))}
${input('department-name', t('admin.common.name'))}
<div class="${groupClass(errors, 'agency')}"><label class="govuk-label" for="agency">${t('admin.org.agency')}</label>${fieldError(errors, 'agency')}<select class="govuk-select" id="agency" name="agency">${agencies.map((a) => html`<option value="${a.id}"${values['agency'] === a.id ? html` selected` : ''}>${a.name}</option>`)}</select></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.org.addDepartmentButton')}</button>
</form>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('admin.org.staff')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.org.username')}</th><th scope="col" class="govuk-table__header">${t('admin.common.name')}</th><th scope="col" class="govuk-table__header">${t('admin.org.roles')}</th><th scope="col" class="govuk-table__header">${t('admin.common.status')}</th></tr></thead>
<tbody class="govuk-table__body">${staff.map((s) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/admin/staff/${s.id}">${s.username}</a></td><td class="govuk-table__cell">${s.name}</td><td class="govuk-table__cell">${s.memberships.map((m) => t('admin.org.roleIn', { role: roleName(m.role), department: m.department })).join(', ') || t('admin.common.none')}</td><td class="govuk-table__cell">${s.disabled ? html`<strong class="govuk-tag govuk-tag--grey">${t('admin.org.deactivated')}</strong>` : html`<strong class="govuk-tag govuk-tag--green">${t('admin.org.active')}</strong>`}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">${t('admin.org.addStaff')}</h2>
<form method="post" action="/admin/staff" novalidate>
${csrfField(admin)}
${input('username', t('admin.org.username'), t('admin.org.usernameHint'))}
${input('name', t('admin.org.fullName'))}
${input('email', t('admin.org.email'))}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.org.createAccount')}</button>
</form>`, { current: 'organisation', status, hasErrors: errors.length > 0 });
  }

  /**
   * A validation or conflict from the organisation functions as errors next to the named fields, worded in the
   * reader's language by what the field asks for (`words`: the field, or `conflict:` and the field, to a message with
   * the form's values); a detail the page does not know keeps identity's words.
   */
  const orgErrors = (error: unknown, fieldName: (where: string) => string, words: Readonly<Record<string, MessageKey>> = {}, values: Readonly<Record<string, string>> = {}): { field: string; message: string }[] | null => {
    if (!(error instanceof GovflowError) || (error.code !== 'GOVFLOW_ERR_VALIDATION' && error.code !== 'GOVFLOW_ERR_CONFLICT')) return null;
    return error.details.map((d) => {
      const key = words[`${error.code === 'GOVFLOW_ERR_CONFLICT' ? 'conflict:' : ''}${d.where ?? ''}`];
      return { field: fieldName(d.where ?? ''), message: key ? t(key, values) : d.message };
    });
  };

  async function staffPage(reply: FastifyReply, admin: AdminSession, staffId: string, errors: readonly { field: string; message: string }[] = [], status = 200): Promise<FastifyReply> {
    const staff = await getStaff(db, staffId);
    if (!staff) throw new PageError(404, t('admin.common.notFound'), t('admin.org.noSuchStaff'));
    const departments = await listDepartments(db);
    const csrf = csrfField(admin);
    return send(reply, admin, staff.name, html`${summary(errors)}<span class="govuk-caption-l">${t('admin.staff.caption', { username: staff.username })}</span>
<h1 class="govuk-heading-l">${staff.name}</h1>
<p class="govuk-body">${staff.disabled ? t('admin.staff.isDeactivated') : t('admin.staff.isActive')}</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('admin.org.roles')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('admin.common.department')}</th><th scope="col" class="govuk-table__header">${t('admin.common.role')}</th><th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('admin.staff.action')}</span></th></tr></thead>
<tbody class="govuk-table__body">${staff.memberships.map((m) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${departments.find((d) => d.id === m.department)?.name ?? m.department}</td><td class="govuk-table__cell">${roleName(m.role)}</td><td class="govuk-table__cell"><form method="post" action="/admin/staff/${staff.id}/memberships" novalidate>${csrf}<input type="hidden" name="action" value="revoke"><input type="hidden" name="department" value="${m.department}"><input type="hidden" name="role" value="${m.role}"><button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button">${t('admin.staff.remove')}<span class="govuk-visually-hidden"> ${t('admin.org.roleIn', { role: roleName(m.role), department: m.department })}</span></button></form></td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">${t('admin.staff.giveRole')}</h2>
<form method="post" action="/admin/staff/${staff.id}/memberships" novalidate>
${csrf}<input type="hidden" name="action" value="grant">
<div class="${groupClass(errors, 'department')}"><label class="govuk-label" for="department">${t('admin.common.department')}</label>${fieldError(errors, 'department')}<select class="govuk-select" id="department" name="department">${departments.map((d) => html`<option value="${d.id}">${d.name}</option>`)}</select></div>
<div class="${groupClass(errors, 'role')}"><label class="govuk-label" for="role">${t('admin.common.role')}</label>${fieldError(errors, 'role')}<select class="govuk-select" id="role" name="role">${STAFF_ROLES.map((r) => html`<option value="${r}">${roleName(r)}</option>`)}</select></div>
<button type="submit" class="govuk-button" data-module="govuk-button">${t('admin.staff.giveRoleButton')}</button>
</form>
<h2 class="govuk-heading-m">${t('admin.staff.reset')}</h2>
<p class="govuk-body">${t('admin.staff.resetIntro')}</p>
<form method="post" action="/admin/staff/${staff.id}/credentials" novalidate>
${csrf}
<div class="${groupClass(errors, 'reset')}"><fieldset class="govuk-fieldset"${errors.some((e) => e.field === 'reset') ? html` aria-describedby="reset-error"` : ''}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('admin.staff.whatToReset')}</legend>${fieldError(errors, 'reset')}
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset" name="reset" type="radio" value="password"><label class="govuk-label govuk-radios__label" for="reset">${t('admin.staff.resetPassword')}</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset-authenticator" name="reset" type="radio" value="authenticator"><label class="govuk-label govuk-radios__label" for="reset-authenticator">${t('admin.staff.resetAuthenticator')}</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset-both" name="reset" type="radio" value="both"><label class="govuk-label govuk-radios__label" for="reset-both">${t('admin.staff.resetBoth')}</label></div>
</div></fieldset></div>
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('admin.staff.resetButton')}</button>
</form>
<h2 class="govuk-heading-m">${staff.disabled ? t('admin.staff.reactivate') : t('admin.staff.deactivate')}</h2>
<form method="post" action="/admin/staff/${staff.id}/status" novalidate>
${csrf}<input type="hidden" name="action" value="${staff.disabled ? 'reactivate' : 'deactivate'}">
<button type="submit" class="govuk-button ${staff.disabled ? 'govuk-button--secondary' : 'govuk-button--warning'}" data-module="govuk-button">${staff.disabled ? t('admin.staff.reactivateButton') : t('admin.staff.deactivateButton')}</button>
</form>`, { current: 'organisation', status, hasErrors: errors.length > 0, backLink: '/admin/organisation' });
  }

  return { organisationPage, orgErrors, staffPage };
}

export function registerOrganisationRoutes(server: FastifyInstance, ctx: AdminContext): void {
  const { send, adminOf, post } = ctx;
  const { db, identity, masterKey } = ctx.options;
  const { organisationPage, orgErrors, staffPage } = organisationPages(ctx);

  // ------------------------------------------------------------------ organisation

  server.get('/admin/organisation', async (request, reply) => organisationPage(reply, adminOf(request), [], {}));

  server.post('/admin/departments', async (request, reply) => {
    const { admin, body, actor } = await post(request);
    try {
      await createDepartment(db, { id: str(body, 'department-id'), name: str(body, 'department-name'), agencyId: str(body, 'agency') }, actor);
    } catch (error) {
      const errors = orgErrors(error, (where) => (where === 'agency' ? 'agency' : `department-${where}`), DEPARTMENT_ERRORS, { id: str(body, 'department-id').trim() });
      if (!errors) throw error;
      return organisationPage(reply, admin, errors, { 'department-id': str(body, 'department-id'), 'department-name': str(body, 'department-name'), agency: str(body, 'agency') }, 400);
    }
    return reply.redirect('/admin/organisation', 303);
  });

  server.post('/admin/staff', async (request, reply) => {
    const { admin, body, actor } = await post(request);
    let created: { id: string; password: string; totpSecret: string };
    try {
      created = await createStaff(db, masterKey, { username: str(body, 'username'), name: str(body, 'name'), email: str(body, 'email') }, actor);
    } catch (error) {
      const errors = orgErrors(error, (where) => where, STAFF_ERRORS, { username: str(body, 'username').trim() });
      if (!errors) throw error;
      return organisationPage(reply, admin, errors, { username: str(body, 'username'), name: str(body, 'name'), email: str(body, 'email') }, 400);
    }
    // Shown once, on this response only (not a redirect): nothing stores the password or secret in clear.
    return send(reply, admin, t('admin.created.title'), html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('admin.created.title')}</h1><div class="govuk-panel__body">${t('admin.org.username')} <strong>${created.id}</strong></div></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('admin.created.onlyTime')}</strong></div>
<dl class="govuk-summary-list"><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.created.password')}</dt><dd class="govuk-summary-list__value"><code id="initial-password">${created.password}</code></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.created.secret')}</dt><dd class="govuk-summary-list__value"><code id="totp-secret">${created.totpSecret}</code></dd></div></dl>
<p class="govuk-body"><a class="govuk-link" href="/admin/staff/${created.id}">${t('admin.created.giveRole', { id: created.id })}</a></p>`, { current: 'organisation', status: 201 });
  });

  server.get<{ Params: { id: string } }>('/admin/staff/:id', { schema: STAFF_PARAMS }, async (request, reply) => staffPage(reply, adminOf(request), request.params.id));

  server.post<{ Params: { id: string } }>('/admin/staff/:id/memberships', { schema: STAFF_PARAMS }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const staff = await getStaff(db, request.params.id);
    if (!staff) throw new PageError(404, t('admin.common.notFound'), t('admin.org.noSuchStaff'));
    const action = str(body, 'action');
    if (action !== 'grant' && action !== 'revoke') throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'action: must be grant or revoke', [{ where: 'action', message: 'must be grant or revoke' }]);
    let membership;
    try {
      membership = await parseMembership(db, body['department'], body['role']);
    } catch (error) {
      const errors = orgErrors(error, (where) => where, MEMBERSHIP_ERRORS);
      if (!errors) throw error;
      return staffPage(reply, admin, staff.id, errors, 400);
    }
    if (action === 'revoke' && staff.id === admin.principal.id && membership.role === 'admin' && staff.memberships.filter((m) => m.role === 'admin').length === 1) {
      return staffPage(reply, admin, staff.id, [{ field: 'role', message: t('admin.staff.ownLastAdmin') }], 409);
    }
    await identity.setMembership(staff.id, membership, action === 'grant', actor);
    return reply.redirect(`/admin/staff/${staff.id}`, 303);
  });

  server.post<{ Params: { id: string } }>('/admin/staff/:id/credentials', { schema: STAFF_PARAMS }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const staff = await getStaff(db, request.params.id);
    if (!staff) throw new PageError(404, t('admin.common.notFound'), t('admin.org.noSuchStaff'));
    const reset = str(body, 'reset');
    if (reset !== 'password' && reset !== 'authenticator' && reset !== 'both') return staffPage(reply, admin, staff.id, [{ field: 'reset', message: t('admin.staff.chooseReset') }], 400);
    // Resetting one's own sign-in here would end this session mid-page; and a second administrator is the check.
    if (staff.id === admin.principal.id) throw new PageError(409, t('admin.staff.ownResetTitle'), t('admin.staff.askAnother'));
    const issued = await resetStaffCredentials(db, masterKey, staff.id, reset, actor);
    if (!issued) throw new PageError(404, t('admin.common.notFound'), t('admin.org.noSuchStaff'));
    // Shown once, on this response only (not a redirect), as when the account was created.
    const count = issued.password !== undefined && issued.totpSecret !== undefined ? 2 : 1;
    return send(reply, admin, t('admin.resetDone.title'), html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${t('admin.resetDone.title')}</h1><div class="govuk-panel__body">${t('admin.org.username')} <strong>${staff.id}</strong></div></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span> ${t('admin.resetDone.onlyTime', { count })}</strong></div>
<dl class="govuk-summary-list">${issued.password !== undefined ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.resetDone.password')}</dt><dd class="govuk-summary-list__value"><code id="new-password">${issued.password}</code></dd></div>` : ''}${issued.totpSecret !== undefined ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('admin.resetDone.secret')}</dt><dd class="govuk-summary-list__value"><code id="new-totp-secret">${issued.totpSecret}</code></dd></div>` : ''}</dl>
<p class="govuk-body"><a class="govuk-link" href="/admin/staff/${staff.id}">${t('admin.resetDone.back', { name: staff.name })}</a></p>`, { current: 'organisation' });
  });

  server.post<{ Params: { id: string } }>('/admin/staff/:id/status', { schema: STAFF_PARAMS }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const staff = await getStaff(db, request.params.id);
    if (!staff) throw new PageError(404, t('admin.common.notFound'), t('admin.org.noSuchStaff'));
    const action = str(body, 'action');
    if (action !== 'deactivate' && action !== 'reactivate') throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'action: must be deactivate or reactivate', [{ where: 'action', message: 'must be deactivate or reactivate' }]);
    if (action === 'deactivate' && staff.id === admin.principal.id) throw new PageError(409, t('admin.staff.ownDeactivateTitle'), t('admin.staff.askAnother'));
    await setStaffDisabled(db, staff.id, action === 'deactivate', actor);
    return reply.redirect(`/admin/staff/${staff.id}`, 303);
  });
}
