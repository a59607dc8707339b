import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  createDepartment, createStaff, getStaff, listAgencies, listDepartments, listStaff, parseMembership, resetStaffCredentials, setStaffDisabled, STAFF_ROLES,
} from '../identity/index.js';
import { GovflowError } from '../kernel/index.js';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import { describedBy, fieldError, groupClass, str, summary, type AdminContext, type AdminSession } from './admin-context.js';

/** Serves the organisation pages: departments, staff accounts, their roles, credential resets and deactivation. */

const STAFF_PARAMS = paramsSchema({ id: PARAM.slug });

/** The pages and helpers of registerOrganisationRoutes's routes, apart so that no function grows past the size limit. */
function organisationPages(ctx: AdminContext) {
  const { send, csrfField } = ctx;
  const { db } = ctx.options;

  async function organisationPage(reply: FastifyReply, admin: AdminSession, errors: readonly { field: string; message: string }[], values: Record<string, string>, status = 200): Promise<FastifyReply> {
    const [departments, staff, agencies] = await Promise.all([listDepartments(db), listStaff(db), listAgencies(db)]);
    const input = (name: string, label: string, hint?: string): SafeHtml => html`<div class="${groupClass(errors, name)}"><label class="govuk-label" for="${name}">${label}</label>${hint ? html`<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ''}${fieldError(errors, name)}<input class="govuk-input govuk-input--width-20${errors.some((e) => e.field === name) ? ' govuk-input--error' : ''}" id="${name}" name="${name}" type="text" value="${values[name] ?? ''}"${describedBy(errors, name, hint ? `${name}-hint` : undefined)}></div>`;
    return send(reply, admin, 'Organisation', html`${summary(errors)}<h1 class="govuk-heading-l">Organisation</h1>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Departments</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Id</th><th scope="col" class="govuk-table__header">Name</th><th scope="col" class="govuk-table__header">Agency</th></tr></thead>
<tbody class="govuk-table__body">${departments.map((d) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${d.id}</td><td class="govuk-table__cell">${d.name}</td><td class="govuk-table__cell">${agencies.find((a) => a.id === d.agencyId)?.name ?? d.agencyId}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">Add a department</h2>
<form method="post" action="/admin/departments" novalidate>
${csrfField(admin)}
${input('department-id', 'Id', 'Lower-case letters, digits and dashes, like building-control. Used in task assignments.')}
${input('department-name', 'Name')}
<div class="${groupClass(errors, 'agency')}"><label class="govuk-label" for="agency">Agency</label>${fieldError(errors, 'agency')}<select class="govuk-select" id="agency" name="agency">${agencies.map((a) => html`<option value="${a.id}"${values['agency'] === a.id ? html` selected` : ''}>${a.name}</option>`)}</select></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Add department</button>
</form>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Staff</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Username</th><th scope="col" class="govuk-table__header">Name</th><th scope="col" class="govuk-table__header">Roles</th><th scope="col" class="govuk-table__header">Status</th></tr></thead>
<tbody class="govuk-table__body">${staff.map((s) => html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/admin/staff/${s.id}">${s.username}</a></td><td class="govuk-table__cell">${s.name}</td><td class="govuk-table__cell">${s.memberships.map((m) => `${m.role} in ${m.department}`).join(', ') || 'None'}</td><td class="govuk-table__cell">${s.disabled ? html`<strong class="govuk-tag govuk-tag--grey">Deactivated</strong>` : html`<strong class="govuk-tag govuk-tag--green">Active</strong>`}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">Add a staff account</h2>
<form method="post" action="/admin/staff" novalidate>
${csrfField(admin)}
${input('username', 'Username', 'Lower-case letters, digits and dashes.')}
${input('name', 'Full name')}
${input('email', 'Email address (optional)')}
<button type="submit" class="govuk-button" data-module="govuk-button">Create account</button>
</form>`, { current: 'organisation', status, hasErrors: errors.length > 0 });
  }

  /** A validation or conflict from the organisation functions as errors next to the named fields. */
  const orgErrors = (error: unknown, fieldName: (where: string) => string): { field: string; message: string }[] | null => {
    if (!(error instanceof GovflowError) || (error.code !== 'GOVFLOW_ERR_VALIDATION' && error.code !== 'GOVFLOW_ERR_CONFLICT')) return null;
    return error.details.map((d) => ({ field: fieldName(d.where ?? ''), message: d.message }));
  };

  async function staffPage(reply: FastifyReply, admin: AdminSession, staffId: string, errors: readonly { field: string; message: string }[] = [], status = 200): Promise<FastifyReply> {
    const staff = await getStaff(db, staffId);
    if (!staff) throw new PageError(404, 'Page not found', 'There is no such staff account.');
    const departments = await listDepartments(db);
    const csrf = csrfField(admin);
    return send(reply, admin, staff.name, html`${summary(errors)}<span class="govuk-caption-l">Staff account ${staff.username}</span>
<h1 class="govuk-heading-l">${staff.name}</h1>
<p class="govuk-body">${staff.disabled ? 'This account is deactivated: it cannot sign in.' : 'This account is active.'}</p>
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Roles</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Department</th><th scope="col" class="govuk-table__header">Role</th><th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th></tr></thead>
<tbody class="govuk-table__body">${staff.memberships.map((m) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${departments.find((d) => d.id === m.department)?.name ?? m.department}</td><td class="govuk-table__cell">${m.role}</td><td class="govuk-table__cell"><form method="post" action="/admin/staff/${staff.id}/memberships" novalidate>${csrf}<input type="hidden" name="action" value="revoke"><input type="hidden" name="department" value="${m.department}"><input type="hidden" name="role" value="${m.role}"><button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button">Remove<span class="govuk-visually-hidden"> ${m.role} in ${m.department}</span></button></form></td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">Give a role</h2>
<form method="post" action="/admin/staff/${staff.id}/memberships" novalidate>
${csrf}<input type="hidden" name="action" value="grant">
<div class="${groupClass(errors, 'department')}"><label class="govuk-label" for="department">Department</label>${fieldError(errors, 'department')}<select class="govuk-select" id="department" name="department">${departments.map((d) => html`<option value="${d.id}">${d.name}</option>`)}</select></div>
<div class="${groupClass(errors, 'role')}"><label class="govuk-label" for="role">Role</label>${fieldError(errors, 'role')}<select class="govuk-select" id="role" name="role">${STAFF_ROLES.map((r) => html`<option value="${r}">${r}</option>`)}</select></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Give role</button>
</form>
<h2 class="govuk-heading-m">Reset sign-in</h2>
<p class="govuk-body">For a forgotten password or a lost authenticator. Every session of the account ends; the new values are shown once.</p>
<form method="post" action="/admin/staff/${staff.id}/credentials" novalidate>
${csrf}
<div class="${groupClass(errors, 'reset')}"><fieldset class="govuk-fieldset"${errors.some((e) => e.field === 'reset') ? html` aria-describedby="reset-error"` : ''}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">What to reset</legend>${fieldError(errors, 'reset')}
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset" name="reset" type="radio" value="password"><label class="govuk-label govuk-radios__label" for="reset">The password</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset-authenticator" name="reset" type="radio" value="authenticator"><label class="govuk-label govuk-radios__label" for="reset-authenticator">The authenticator (TOTP) secret</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reset-both" name="reset" type="radio" value="both"><label class="govuk-label govuk-radios__label" for="reset-both">Both</label></div>
</div></fieldset></div>
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Reset and show the new values</button>
</form>
<h2 class="govuk-heading-m">${staff.disabled ? 'Reactivate' : 'Deactivate'}</h2>
<form method="post" action="/admin/staff/${staff.id}/status" novalidate>
${csrf}<input type="hidden" name="action" value="${staff.disabled ? 'reactivate' : 'deactivate'}">
<button type="submit" class="govuk-button ${staff.disabled ? 'govuk-button--secondary' : 'govuk-button--warning'}" data-module="govuk-button">${staff.disabled ? 'Reactivate the account' : 'Deactivate the account'}</button>
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
      const errors = orgErrors(error, (where) => (where === 'agency' ? 'agency' : `department-${where}`));
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
      const errors = orgErrors(error, (where) => where);
      if (!errors) throw error;
      return organisationPage(reply, admin, errors, { username: str(body, 'username'), name: str(body, 'name'), email: str(body, 'email') }, 400);
    }
    // Shown once, on this response only (not a redirect): nothing stores the password or secret in clear.
    return send(reply, admin, 'Account created', html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Account created</h1><div class="govuk-panel__body">Username <strong>${created.id}</strong></div></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> This is the only time the password and the authenticator secret are shown. Give them to the person in a safe way.</strong></div>
<dl class="govuk-summary-list"><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Initial password</dt><dd class="govuk-summary-list__value"><code id="initial-password">${created.password}</code></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Authenticator secret (TOTP)</dt><dd class="govuk-summary-list__value"><code id="totp-secret">${created.totpSecret}</code></dd></div></dl>
<p class="govuk-body"><a class="govuk-link" href="/admin/staff/${created.id}">Give ${created.id} a role in a department</a></p>`, { current: 'organisation', status: 201 });
  });

  server.get<{ Params: { id: string } }>('/admin/staff/:id', { schema: STAFF_PARAMS }, async (request, reply) => staffPage(reply, adminOf(request), request.params.id));

  server.post<{ Params: { id: string } }>('/admin/staff/:id/memberships', { schema: STAFF_PARAMS }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const staff = await getStaff(db, request.params.id);
    if (!staff) throw new PageError(404, 'Page not found', 'There is no such staff account.');
    const action = str(body, 'action');
    if (action !== 'grant' && action !== 'revoke') throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'action: must be grant or revoke', [{ where: 'action', message: 'must be grant or revoke' }]);
    let membership;
    try {
      membership = await parseMembership(db, body['department'], body['role']);
    } catch (error) {
      const errors = orgErrors(error, (where) => where);
      if (!errors) throw error;
      return staffPage(reply, admin, staff.id, errors, 400);
    }
    if (action === 'revoke' && staff.id === admin.principal.id && membership.role === 'admin' && staff.memberships.filter((m) => m.role === 'admin').length === 1) {
      return staffPage(reply, admin, staff.id, [{ field: 'role', message: 'You cannot remove your own last admin role: ask another administrator' }], 409);
    }
    await identity.setMembership(staff.id, membership, action === 'grant', actor);
    return reply.redirect(`/admin/staff/${staff.id}`, 303);
  });

  server.post<{ Params: { id: string } }>('/admin/staff/:id/credentials', { schema: STAFF_PARAMS }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const staff = await getStaff(db, request.params.id);
    if (!staff) throw new PageError(404, 'Page not found', 'There is no such staff account.');
    const reset = str(body, 'reset');
    if (reset !== 'password' && reset !== 'authenticator' && reset !== 'both') return staffPage(reply, admin, staff.id, [{ field: 'reset', message: 'Choose what to reset' }], 400);
    // Resetting one's own sign-in here would end this session mid-page; and a second administrator is the check.
    if (staff.id === admin.principal.id) throw new PageError(409, 'You cannot reset your own sign-in', 'Ask another administrator to do it.');
    const issued = await resetStaffCredentials(db, masterKey, staff.id, reset, actor);
    if (!issued) throw new PageError(404, 'Page not found', 'There is no such staff account.');
    // Shown once, on this response only (not a redirect), as when the account was created.
    return send(reply, admin, 'Sign-in reset', html`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Sign-in reset</h1><div class="govuk-panel__body">Username <strong>${staff.id}</strong></div></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> This is the only time ${issued.password !== undefined && issued.totpSecret !== undefined ? 'these values are' : 'this value is'} shown. Give ${issued.password !== undefined && issued.totpSecret !== undefined ? 'them' : 'it'} to the person in a safe way. Their sessions have ended.</strong></div>
<dl class="govuk-summary-list">${issued.password !== undefined ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">New password</dt><dd class="govuk-summary-list__value"><code id="new-password">${issued.password}</code></dd></div>` : ''}${issued.totpSecret !== undefined ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">New authenticator secret (TOTP)</dt><dd class="govuk-summary-list__value"><code id="new-totp-secret">${issued.totpSecret}</code></dd></div>` : ''}</dl>
<p class="govuk-body"><a class="govuk-link" href="/admin/staff/${staff.id}">Back to ${staff.name}</a></p>`, { current: 'organisation' });
  });

  server.post<{ Params: { id: string } }>('/admin/staff/:id/status', { schema: STAFF_PARAMS }, async (request, reply) => {
    const { admin, body, actor } = await post(request);
    const staff = await getStaff(db, request.params.id);
    if (!staff) throw new PageError(404, 'Page not found', 'There is no such staff account.');
    const action = str(body, 'action');
    if (action !== 'deactivate' && action !== 'reactivate') throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'action: must be deactivate or reactivate', [{ where: 'action', message: 'must be deactivate or reactivate' }]);
    if (action === 'deactivate' && staff.id === admin.principal.id) throw new PageError(409, 'You cannot deactivate your own account', 'Ask another administrator to do it.');
    await setStaffDisabled(db, staff.id, action === 'deactivate', actor);
    return reply.redirect(`/admin/staff/${staff.id}`, 303);
  });
}
