/**
 * Serves the staff side of project timelines at /staff/projects (issue 17): a department's managers, members of the
 * communications department and administrators create projects, plan milestones, mark them reached and publish
 * progress updates. Each change is one transaction with its `project.*` event. Server-rendered, no script.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDay, t } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { formBody, formText, html, htmlPageEdge, page, PageError, PARAM, paramsSchema, renderErrorSummary, type FieldError, type FormBody, type NavigationItem, type SafeHtml, redirectToSignIn } from '../web/index.js';
import { progressBar as citizenProgressBar, statusTag as citizenStatusTag } from './projects-pages.js';
import {
  addMilestone, checkMilestone, checkNewProject, checkProjectUpdate, completeMilestone, createProject, getProject, listProjects,
  PROJECT_STATUSES, recordProjectUpdate, type Project, type ProjectFieldError,
} from './projects.js';

const navigation = (): readonly NavigationItem[] => [{ href: '/staff', label: t('staff.nav.inbox'), key: 'inbox' }, { href: '/staff/projects', label: t('staff.projects.title'), key: 'projects' }];
// An ICU select key is a plain word: 'in-progress' is asked for as inProgress.
const statusWord = (status: string): string => t('staff.projects.status', { status: status.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()) });
const statusTag = (p: Pick<Project, 'status'>): SafeHtml => citizenStatusTag(p, statusWord(p.status));
const progressBar = (p: Pick<Project, 'progress' | 'title'>): SafeHtml => citizenProgressBar(p, t('staff.projects.done', { progress: p.progress }));
/** Members of this department may edit every project (they publish for the whole organisation). */
export const COMMUNICATIONS_DEPARTMENT = 'communications';

type Principal = NonNullable<FastifyRequest['principal']>;
type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

export interface ProjectsStaffOptions {
  readonly db: Database;
  /** The organisation's departments (id and name), for the new-project form. */
  readonly departments: () => Promise<readonly { readonly id: string; readonly name: string }[]>;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** An administrator or a communications member edits any project; a manager those of their department. */
export function mayEditProjectsOf(principal: StaffPrincipal, department: string): boolean {
  if (principal.roles.includes('admin')) return true;
  return principal.memberships.some((m) => m.department === COMMUNICATIONS_DEPARTMENT || (m.department === department && m.role === 'manager'));
}

/** A posted form's fields as text, as the project checks read them. */
const fieldsOf = (body: FormBody): Record<string, string> => Object.fromEntries(Object.keys(body).map((k) => [k, formText(body, k)]));

const fieldErrors = (errors: readonly ProjectFieldError[]): FieldError[] => errors.map((e) => ({ key: e.key, anchor: e.key, message: e.message }));

function input(key: string, label: string, body: FormBody, errors: readonly FieldError[], o: { hint?: string; width?: string; type?: string; textarea?: boolean } = {}): SafeHtml {
  const error = errors.find((e) => e.key === key);
  const described = [o.hint ? `${key}-hint` : '', error ? `${key}-error` : ''].filter(Boolean).join(' ');
  const value = formText(body, key);
  return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<label class="govuk-label govuk-label--s" for="${key}">${label}</label>
${o.hint ? html`<div id="${key}-hint" class="govuk-hint">${o.hint}</div>` : ''}${error ? html`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}${o.textarea
    ? html`<textarea class="govuk-textarea${error ? ' govuk-textarea--error' : ''}" id="${key}" name="${key}" rows="4"${described ? html` aria-describedby="${described}"` : ''}>${value}</textarea>`
    : html`<input class="govuk-input${o.width ? ` ${o.width}` : ''}${error ? ' govuk-input--error' : ''}" id="${key}" name="${key}" type="${o.type ?? 'text'}" value="${value}"${described ? html` aria-describedby="${described}"` : ''}>`}
</div>`;
}

function select(key: string, label: string, options: readonly { value: string; text: string }[], chosen: string, errors: readonly FieldError[]): SafeHtml {
  const error = errors.find((e) => e.key === key);
  return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}"><label class="govuk-label govuk-label--s" for="${key}">${label}</label>
${error ? html`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">${t('form.error')}</span> ${error.message}</p>` : ''}<select class="govuk-select${error ? ' govuk-select--error' : ''}" id="${key}" name="${key}"${error ? html` aria-describedby="${key}-error"` : ''}><option value="">${t('staff.projects.choose')}</option>${options.map((o) => html`<option value="${o.value}"${o.value === chosen ? html` selected` : ''}>${o.text}</option>`)}</select></div>`;
}

export function registerProjectsStaffPages(options: ProjectsStaffOptions): (server: FastifyInstance) => Promise<void> {
  const { db } = options;
  const today = (): string => (options.now?.() ?? new Date()).toISOString().slice(0, 10);
  const send = (reply: FastifyReply, staff: StaffPrincipal | null, csrf: string, title: string, content: SafeHtml, status = 200): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').send(page({
      title, content, navigation: navigation(), current: 'projects', section: { name: t('staff.section'), href: '/staff' }, citizen: staff?.name ?? null, csrfToken: csrf, hasErrors: status === 400, wide: true, languageSwitcher: true,
    }).value);

  /**
   * The staff member who may edit some department's projects, or a redirect to sign in (null after replying); a 403
   * page for anyone else, before any project is looked at (so a refusal says nothing of which projects exist).
   */
  async function staffOf(request: FastifyRequest, reply: FastifyReply): Promise<StaffPrincipal | null> {
    const principal = request.principal;
    if (!principal) {
      await redirectToSignIn(reply, 'staff', request, '/staff/projects');
      return null;
    }
    if (principal.kind !== 'staff') throw new PageError(403, t('staff.projects.forbiddenTitle'), t('staff.error.notStaffText'));
    if ((await editableDepartments(principal)).length === 0) throw new PageError(403, t('staff.projects.forbiddenTitle'), t('staff.projects.forbiddenText'));
    return principal;
  }
  async function editableDepartments(staff: StaffPrincipal) {
    return (await options.departments()).filter((d) => mayEditProjectsOf(staff, d.id));
  }
  async function projectFor(staff: StaffPrincipal, slug: string): Promise<Project> {
    const project = await getProject(db, slug);
    if (!project) throw new PageError(404, t('staff.error.notFound'), t('staff.projects.noSuch', { slug }));
    if (!mayEditProjectsOf(staff, project.department)) throw new PageError(403, t('staff.projects.mayNotThisTitle'), t('staff.projects.mayNotThisText', { department: project.department }));
    return project;
  }

  async function listView(reply: FastifyReply, staff: StaffPrincipal, csrf: string, body: FormBody, errors: FieldError[]): Promise<FastifyReply> {
    const departments = await editableDepartments(staff);
    const projects = (await listProjects(db)).filter((p) => mayEditProjectsOf(staff, p.department));
    return send(reply, staff, csrf, t('staff.projects.title'), html`${renderErrorSummary(errors)}<h1 class="govuk-heading-l">${t('staff.projects.title')}</h1>
${projects.length === 0 ? html`<p class="govuk-body">${t('staff.projects.none')}</p>` : html`<ul class="govuk-list govuk-list--spaced">${projects.map((p) => html`<li><a class="govuk-link" href="/staff/projects/${p.slug}">${p.title}</a> ${statusTag(p)} ${t('staff.projects.percent', { progress: p.progress })} · ${p.department}</li>`)}</ul>`}
<h2 class="govuk-heading-m">${t('staff.projects.start')}</h2>
<form method="post" action="/staff/projects" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
${input('title', t('staff.projects.name'), body, errors, { hint: t('staff.projects.nameHint') })}
${input('summary', t('staff.projects.summary'), body, errors, { hint: t('staff.projects.summaryHint'), textarea: true })}
${select('department', t('staff.projects.department'), departments.map((d) => ({ value: d.id, text: d.name })), formText(body, 'department'), errors)}
${input('budget', t('staff.projects.budget'), body, errors, { width: 'govuk-input--width-10' })}
${input('budgetLine', t('staff.projects.budgetLine'), body, errors, { hint: t('staff.projects.budgetLineHint'), width: 'govuk-input--width-20' })}
${input('place', t('staff.projects.place'), body, errors)}
${input('latitude', t('staff.projects.latitude'), body, errors, { width: 'govuk-input--width-10' })}
${input('longitude', t('staff.projects.longitude'), body, errors, { width: 'govuk-input--width-10' })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.projects.startButton')}</button>
</form>`, errors.length > 0 ? 400 : 200);
  }

  function projectView(reply: FastifyReply, staff: StaffPrincipal, csrf: string, p: Project, body: FormBody, errors: FieldError[], saved: boolean): FastifyReply {
    const action = `/staff/projects/${p.slug}`;
    return send(reply, staff, csrf, p.title, html`${saved ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="saved-title"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="saved-title">${t('common.success')}</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('staff.projects.saved')} <a class="govuk-notification-banner__link" href="/projects/${p.slug}">${t('staff.updates.seeAsCitizens')}</a>.</p></div></div>` : ''}
${renderErrorSummary(errors)}
<span class="govuk-caption-l">${t('staff.projects.caption', { department: p.department })}</span><h1 class="govuk-heading-l">${p.title}</h1>
<p class="govuk-body">${statusTag(p)} ${progressBar(p)}</p>
<h2 class="govuk-heading-m">${t('staff.projects.milestones')}</h2>
${p.milestones.length === 0 ? html`<p class="govuk-body">${t('staff.projects.noneYet')}</p>` : html`<ul class="govuk-list govuk-list--spaced">${p.milestones.map((m) => html`<li>${m.doneOn ? t('staff.projects.milestoneReached', { title: m.title, planned: formatDay(m.plannedOn), reached: formatDay(m.doneOn) }) : html`${t('staff.projects.milestonePlanned', { title: m.title, planned: formatDay(m.plannedOn) })}<form method="post" action="${action}/milestones/${m.id}/reached" class="govuk-!-margin-top-2"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">${t('staff.projects.reachedToday')}<span class="govuk-visually-hidden">: ${m.title}</span></button></form>`}</li>`)}</ul>`}
<form method="post" action="${action}/milestones" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
${input('milestone', t('staff.projects.newMilestone'), body, errors, { width: 'govuk-input--width-30' })}
${input('plannedOn', t('staff.projects.plannedOn'), body, errors, { hint: t('staff.projects.plannedOnHint', { example: '2027-03-31' }), width: 'govuk-input--width-10' })}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('staff.projects.plan')}</button>
</form>
<h2 class="govuk-heading-m">${t('staff.projects.publishUpdate')}</h2>
<form method="post" action="${action}/updates" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
${select('status', t('staff.projects.statusLabel'), PROJECT_STATUSES.map((s) => ({ value: s, text: statusWord(s) })), formText(body, 'status') || p.status, errors)}
${input('progress', t('staff.projects.progress'), { progress: formText(body, 'progress') || String(p.progress) }, errors, { width: 'govuk-input--width-3' })}
${input('text', t('staff.projects.happened'), body, errors, { hint: t('staff.projects.happenedHint'), textarea: true })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('staff.projects.publishButton')}</button>
</form>`, errors.length > 0 ? 400 : 200);
  }

  const SLUG = { schema: paramsSchema({ slug: PARAM.slug }) };
  return async (server) => {
    await server.register(async (scope) => {
      await scope.register(htmlPageEdge, {
        formBodyLimit: 32 * 1024,
        errors: { render: (request, reply, title, content, status) => send(reply, request.principal?.kind === 'staff' ? request.principal : null, request.csrfToken, title, content, status), log: options.logger, home: { href: '/staff', get label() { return t('staff.backToInbox'); } } },
      });
      scope.get('/staff/projects', async (request, reply) => {
        const staff = await staffOf(request, reply);
        return staff ? listView(reply, staff, request.csrfToken, {}, []) : reply;
      });
      scope.post('/staff/projects', async (request, reply) => {
        const staff = await staffOf(request, reply);
        if (!staff) return reply;
        const body = formBody(request);
        const checked = checkNewProject(fieldsOf(body), (await editableDepartments(staff)).map((d) => d.id));
        if (!checked.ok) return listView(reply, staff, request.csrfToken, body, fieldErrors(checked.errors));
        const slug = await createProject(db, checked.value, `staff:${staff.id}`);
        return reply.redirect(`/staff/projects/${slug}?saved=1`, 303);
      });
      scope.get<{ Params: { slug: string } }>('/staff/projects/:slug', SLUG, async (request, reply) => {
        const staff = await staffOf(request, reply);
        if (!staff) return reply;
        const saved = (request.query as Record<string, unknown>)['saved'] === '1';
        return projectView(reply, staff, request.csrfToken, await projectFor(staff, request.params.slug), {}, [], saved);
      });
      const change = (path: string, apply: (p: Project, body: FormBody, actor: string, milestoneId: number) => Promise<ProjectFieldError[]>) =>
        scope.post<{ Params: { slug: string; id?: string } }>(`/staff/projects/:slug${path}`, { schema: paramsSchema({ slug: PARAM.slug, ...(path.includes(':id') ? { id: PARAM.id } : {}) }) }, async (request, reply) => {
          const staff = await staffOf(request, reply);
          if (!staff) return reply;
          const project = await projectFor(staff, request.params.slug);
          const body = formBody(request);
          const errors = await apply(project, body, `staff:${staff.id}`, Number(request.params.id ?? Number.NaN));
          if (errors.length > 0) return projectView(reply, staff, request.csrfToken, project, body, fieldErrors(errors), false);
          return reply.redirect(`/staff/projects/${project.slug}?saved=1`, 303);
        });
      change('/updates', async (p, body, actor) => {
        const checked = checkProjectUpdate(fieldsOf(body));
        if (!checked.ok) return checked.errors;
        await recordProjectUpdate(db, p.slug, checked.value, actor);
        return [];
      });
      change('/milestones', async (p, body, actor) => {
        const checked = checkMilestone(fieldsOf(body));
        if (!checked.ok) return checked.errors;
        await addMilestone(db, p.slug, checked.value, actor);
        return [];
      });
      change('/milestones/:id/reached', async (p, _body, actor, milestoneId) => {
        const milestone = p.milestones.find((m) => m.id === milestoneId);
        if (!milestone) throw new PageError(404, t('staff.error.notFound'), t('staff.projects.noMilestone', { id: milestoneId }));
        // Reached twice is reached once: the first date stands.
        if (milestone.doneOn === null) await completeMilestone(db, p.slug, milestoneId, today(), actor);
        return [];
      });
    });
  };
}
