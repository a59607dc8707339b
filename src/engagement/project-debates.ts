/**
 * Serves the debates about a project (issue 18: debates per topic, project and proposal): `/debates/projects/:slug`
 * lists them and opens a new one. The project is one of transparency's public project timelines, named by its slug
 * and checked through the project directory the composition root passes (engagement never reads transparency's
 * tables). A signed-in citizen opens one as any debate; staff who may edit the project's department (its managers,
 * communications, administrators) open one for the municipality, recorded on the event log. Comments, official
 * replies, abuse reports and moderation are those of every debate (`/debates/:id`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { t } from '../i18n/index.js';
import { formBody, formText, html, PageError, pageNotFound, PARAM, paramsSchema, renderErrorSummary, type FieldError, redirectToSignIn } from '../web/index.js';
import * as talk from './discussion-store.js';
import { checkText, citizenOf, officialOf, projectNamed, send, textField, tooManyPosts, when, type PagesContext, type ProjectRef } from './participation-kit.js';
import type { Author } from './discussion-store.js';

type Params = { Params: { slug: string } };
const refused = (): PageError => new PageError(403, t('staff.debates.projectRefusedTitle'), t('staff.debates.projectRefusedText'));
const SLUG = { schema: paramsSchema({ slug: PARAM.slug }) };

export function registerProjectDebateRoutes(scope: FastifyInstance, ctx: PagesContext): void {
  const { participation } = ctx;
  const projectOr404 = async (slug: string): Promise<ProjectRef> => {
    const project = await projectNamed(ctx, slug);
    if (!project) throw pageNotFound(t('debates.projects.notFound', { slug }));
    return project;
  };

  /**
   * Who opens the debate: a citizen, or an official allowed for the project's department. A visitor is sent to sign
   * in (null after replying); other staff are refused, an auditor before anything is looked up.
   */
  const openerOf = async (request: FastifyRequest, reply: FastifyReply, slug: string): Promise<{ author: Author; project: ProjectRef } | null> => {
    const citizen = citizenOf(request);
    const staff = officialOf(request);
    if (!citizen && !staff) {
      if (request.principal?.kind === 'staff') throw new PageError(403, t('staff.debates.auditorTitle'), t('staff.debates.auditorText'));
      // Back to the project's debates after signing in (a form post has no page of its own to come back to).
      void redirectToSignIn(reply, 'citizen', request, `/debates/projects/${slug}`);
      return null;
    }
    // Staff who open debates on no department's projects are refused before any project is looked up.
    if (!citizen && !staff!.departments.some((d) => ctx.projects?.mayOpen(staff!, d)) && !staff!.roles.includes('admin')) throw refused();
    const project = await projectOr404(slug);
    if (citizen) return { author: { kind: 'citizen', citizenId: citizen.id }, project };
    if (!ctx.projects!.mayOpen(staff!, project.department)) throw refused();
    const department = staff!.departments.includes(project.department) ? project.department : staff!.departments[0] ?? 'the municipality';
    return { author: { kind: 'staff', staffId: staff!.id, name: staff!.name, department }, project };
  };

  const newForm = (request: FastifyRequest, reply: FastifyReply, project: ProjectRef, body: Record<string, string | string[]>, errors: FieldError[]): FastifyReply => send(request, reply, t('debates.start'), html`<a href="/debates/projects/${project.slug}" class="govuk-back-link">${t('layout.back')}</a>
<span class="govuk-caption-l">${t('debates.projectSubject', { project: project.title })}</span>
<h1 class="govuk-heading-l">${t('debates.projects.startAbout')}</h1>${renderErrorSummary(errors)}
${officialOf(request) ? html`<p class="govuk-body">${t('debates.projects.forMunicipality')}</p>` : html``}
<form method="post" action="/debates/projects/${project.slug}" novalidate><input type="hidden" name="csrf" value="${request.csrfToken}">
${textField({ key: 'title', label: t('debates.new.titleLabel'), value: formText(body, 'title'), errors })}
${textField({ key: 'body', label: t('debates.new.bodyLabel'), hint: t('debates.new.bodyHint'), value: formText(body, 'body'), errors, rows: 8 })}
<button type="submit" class="govuk-button" data-module="govuk-button">${t('debates.new.submit')}</button></form>`, errors.length > 0 ? 400 : 200, errors.length > 0);

  scope.get<Params>('/debates/projects/:slug', SLUG, async (request, reply) => {
    const project = await projectOr404(request.params.slug);
    const debates = await talk.listProjectDebates(participation.db, project.slug, 100);
    return send(request, reply, t('debates.aboutProject', { project: project.title }), html`<a href="/projects/${project.slug}" class="govuk-back-link">${project.title}</a>
<span class="govuk-caption-l">${t('debates.projects.caption')}</span>
<h1 class="govuk-heading-l">${t('debates.aboutProject', { project: project.title })}</h1>
<p class="govuk-body">${t('debates.projects.intro')} <a class="govuk-link" href="/projects/${project.slug}">${t('debates.projects.seeProject')}</a>.</p>
<p class="govuk-body"><a class="govuk-button" data-module="govuk-button" role="button" draggable="false" href="/debates/projects/${project.slug}/new">${t('debates.projects.startAbout')}</a></p>
${debates.length === 0 ? html`<p class="govuk-body">${t('debates.projects.none')}</p>` : html`<ul class="govuk-list govuk-list--spaced">${debates.map((d) => html`<li><a class="govuk-link govuk-!-font-weight-bold" href="/debates/${String(d.id)}">${d.title}</a><br><span class="govuk-body-s">${t('debates.projects.listLine', { author: d.author ?? t('debates.theMunicipality'), when: when(d.createdAt), comments: d.comments })}</span></li>`)}</ul>`}`);
  });

  scope.get<Params>('/debates/projects/:slug/new', SLUG, async (request, reply) => {
    const opener = await openerOf(request, reply, request.params.slug);
    if (!opener) return reply;
    return newForm(request, reply, opener.project, {}, []);
  });

  scope.post<Params>('/debates/projects/:slug', SLUG, async (request, reply) => {
    const opener = await openerOf(request, reply, request.params.slug);
    if (!opener) return reply;
    const body = formBody(request);
    const errors: FieldError[] = [];
    const title = checkText(errors, 'title', 'title', formText(body, 'title'), 3, 150);
    const text = checkText(errors, 'body', 'debate', formText(body, 'body'), 10, 5000);
    if (errors.length > 0) return newForm(request, reply, opener.project, body, errors);
    if (opener.author.kind === 'citizen' && !(await participation.mayPost(opener.author.citizenId))) throw tooManyPosts();
    const id = await participation.startProjectDebate(opener.author, { project: opener.project.slug, title, body: text });
    return reply.redirect(`/debates/${id}`, 303);
  });
}
