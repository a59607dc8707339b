/**
 * Serves the public project timelines (issue 17): `/projects` (every project with its status and progress, and a map
 * of those that have a place, as SVG with the same facts in a table), `/projects/:slug` (milestones planned and
 * reached, budget and what has been spent from its budget line, the history of updates, a link to its debates) and the open data files
 * `/open-data/projects.csv` and `/open-data/projects.json`. Server-rendered, no script, cached by ETag.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, page, pageNotFound, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import { csvCell } from './csv.js';
import { NAVIGATION, sendCached, type TransparencyOptions } from './pages.js';
import { getProject, listProjects, STATUS_WORDS, type Project, type ProjectStatus } from './projects.js';
import { readBudgetLines } from './spending-figures.js';

const TAG: Readonly<Record<ProjectStatus, string>> = {
  planned: 'govuk-tag--grey', 'in-progress': 'govuk-tag--blue', paused: 'govuk-tag--yellow', completed: 'govuk-tag--green', cancelled: 'govuk-tag--red',
};

export const money = (minor: number | null, currency = 'EUR'): string =>
  minor === null ? 'Not set' : new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: minor % 100 === 0 ? 0 : 2 }).format(minor / 100);

/** The status as a tag; the staff pages pass the word in the reader's language. */
export const statusTag = (p: Pick<Project, 'status'>, word: string = STATUS_WORDS[p.status]): SafeHtml => html`<strong class="govuk-tag ${TAG[p.status]}">${word}</strong>`;

/** A progress bar people and screen readers read the same way: the number is written, the bar only shows it. */
export function progressBar(p: Pick<Project, 'progress' | 'title'>, done = `${p.progress}% done`): SafeHtml {
  const width = 200;
  return html`<svg class="gf-progress" width="${width}" height="12" viewBox="0 0 ${width} 12" role="img" aria-label="${done}"><rect width="${width}" height="12" fill="#f3f2f1" stroke="#505a5f"/><rect width="${(width * p.progress) / 100}" height="12" fill="#1d70b8"/></svg> <span class="govuk-body-s">${done}</span>`;
}

/**
 * Where each project with a place is, drawn in the box their coordinates span (an equirectangular sketch, not a tile
 * map). A picture only (role img, no links inside it): the numbered caption and the table below carry the same facts
 * and the links.
 */
function projectMap(projects: readonly Project[]): SafeHtml {
  const placed = projects.filter((p) => p.latitude !== null && p.longitude !== null);
  if (placed.length === 0) return html``;
  const W = 640;
  const H = 320;
  const pad = 40;
  const lats = placed.map((p) => p.latitude!);
  const lons = placed.map((p) => p.longitude!);
  // The box the projects span, at least about two kilometres wide, centred on them (one project sits in the middle).
  const [midLat, midLon] = [(Math.min(...lats) + Math.max(...lats)) / 2, (Math.min(...lons) + Math.max(...lons)) / 2];
  const spanLat = Math.max(Math.max(...lats) - Math.min(...lats), 0.02);
  const spanLon = Math.max(Math.max(...lons) - Math.min(...lons), 0.02);
  const x = (lon: number) => W / 2 + ((lon - midLon) / spanLon) * (W - 2 * pad);
  const y = (lat: number) => H / 2 - ((lat - midLat) / spanLat) * (H - 2 * pad);
  return html`<figure class="govuk-!-margin-0 govuk-!-margin-bottom-6">
<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="projects-map-title projects-map-desc" class="gf-projects-map">
<title id="projects-map-title">Where the projects are</title><desc id="projects-map-desc">${placed.length} projects with a place, as listed in the table below.</desc>
<rect width="${W}" height="${H}" fill="#f3f2f1"/>
${placed.map((p, i) => html`<circle cx="${x(p.longitude!).toFixed(1)}" cy="${y(p.latitude!).toFixed(1)}" r="9" fill="#1d70b8" stroke="#0b0c0c"/><text x="${x(p.longitude!).toFixed(1)}" y="${(y(p.latitude!) + 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#ffffff">${i + 1}</text>`)}
</svg>
<figcaption class="govuk-body-s">${placed.map((p, i) => html`${i > 0 ? ' · ' : ''}${i + 1}: ${p.title} (${p.place ?? `${p.latitude}, ${p.longitude}`})`)}</figcaption>
</figure>`;
}

function listPage(projects: readonly Project[]): SafeHtml {
  return html`<h1 class="govuk-heading-l">Projects</h1>
<p class="govuk-body-l">What we are building and changing, how far each project has come, and what is next.</p>
${projectMap(projects)}
${projects.length === 0 ? html`<p class="govuk-body">There are no projects yet.</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${projects.length} projects</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Project</th><th scope="col" class="govuk-table__header">Department</th><th scope="col" class="govuk-table__header">Status</th><th scope="col" class="govuk-table__header">Progress</th><th scope="col" class="govuk-table__header">Next milestone</th></tr></thead>
<tbody class="govuk-table__body">${projects.map((p) => {
    const next = p.milestones.find((m) => m.doneOn === null);
    return html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/projects/${p.slug}">${p.title}</a></td><td class="govuk-table__cell">${p.department}</td><td class="govuk-table__cell">${statusTag(p)}</td><td class="govuk-table__cell">${p.progress}%</td><td class="govuk-table__cell">${next ? html`${next.title} (planned ${next.plannedOn})` : 'None'}</td></tr>`;
  })}</tbody></table>`}
<p class="govuk-body"><a class="govuk-link" href="/open-data/projects.csv" download>Download the projects (CSV)</a> · <a class="govuk-link" href="/open-data/projects.json">JSON</a> · <a class="govuk-link" href="/open-data">All open data</a></p>`;
}

/** A milestone is late when its planned date has passed without it being reached, or it was reached after it. */
const lateness = (m: Project['milestones'][number], today: string): string =>
  m.doneOn === null ? (m.plannedOn < today ? 'Late' : 'To come') : m.doneOn > m.plannedOn ? `Reached late, on ${m.doneOn}` : `Reached on ${m.doneOn}`;

type Debates = { readonly href: string; readonly count: number } | null;

function projectPage(p: Project, spent: { spentMinor: number; budgetMinor: number; currency: string } | null, today: string, debates: Debates): SafeHtml {
  return html`<span class="govuk-caption-l">Project · ${p.department}</span>
<h1 class="govuk-heading-l">${p.title}</h1>
<p class="govuk-body-l">${p.summary}</p>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Status</dt><dd class="govuk-summary-list__value">${statusTag(p)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Progress</dt><dd class="govuk-summary-list__value">${progressBar(p)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Budget</dt><dd class="govuk-summary-list__value">${money(p.budgetMinor, p.currency)}${spent ? html`<br><span class="govuk-body-s">Budget line ${p.budgetLine}: ${money(spent.spentMinor, spent.currency)} spent of ${money(spent.budgetMinor, spent.currency)} (<a class="govuk-link" href="/spending">spending</a>)</span>` : ''}</dd></div>
${p.place ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Place</dt><dd class="govuk-summary-list__value">${p.place}</dd></div>` : ''}
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Last changed</dt><dd class="govuk-summary-list__value"><time datetime="${p.updatedAt}">${p.updatedAt.slice(0, 10)}</time></dd></div>
</dl>
<h2 class="govuk-heading-m">Milestones</h2>
${p.milestones.length === 0 ? html`<p class="govuk-body">No milestones are planned yet.</p>` : html`<table class="govuk-table"><caption class="govuk-visually-hidden">Milestones, planned and reached</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Milestone</th><th scope="col" class="govuk-table__header">Planned</th><th scope="col" class="govuk-table__header">Reached</th></tr></thead>
<tbody class="govuk-table__body">${p.milestones.map((m) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${m.title}</th><td class="govuk-table__cell">${m.plannedOn}</td><td class="govuk-table__cell">${lateness(m, today)}</td></tr>`)}</tbody></table>`}
<h2 class="govuk-heading-m">Updates</h2>
${p.updates.length === 0 ? html`<p class="govuk-body">No updates yet.</p>` : html`<ol class="govuk-list" reversed>${p.updates.map((u) => html`<li class="govuk-!-margin-bottom-4"><h3 class="govuk-heading-s govuk-!-margin-bottom-1"><time datetime="${u.at}">${u.at.slice(0, 10)}</time>: ${STATUS_WORDS[u.status]}, ${u.progress}% done</h3><p class="govuk-body">${u.text}</p></li>`)}</ol>`}
${debates ? html`<h2 class="govuk-heading-m">Debates</h2>
<p class="govuk-body">${debates.count === 0 ? 'Nobody has started a debate about this project yet.' : `${debates.count} ${debates.count === 1 ? 'debate' : 'debates'} about this project.`} <a class="govuk-link" href="${debates.href}">${debates.count === 0 ? 'Start a debate' : 'Read and join the debates'}<span class="govuk-visually-hidden"> about ${p.title}</span></a></p>` : ''}
<p class="govuk-body"><a class="govuk-link" href="/updates/project/${p.slug}">News about this project</a> · <a class="govuk-link" href="/projects">All projects</a></p>`;
}

export const PROJECT_COLUMNS = ['slug', 'title', 'department', 'status', 'progress', 'budget', 'currency', 'budget_line', 'place', 'latitude', 'longitude', 'milestones', 'milestones_reached', 'next_milestone', 'next_milestone_planned', 'updated_at'] as const;

export function projectsCsv(projects: readonly Project[]): string {
  const lines: string[] = [PROJECT_COLUMNS.join(',')];
  for (const p of projects) {
    const next = p.milestones.find((m) => m.doneOn === null);
    lines.push([p.slug, p.title, p.department, p.status, p.progress, p.budgetMinor === null ? null : (p.budgetMinor / 100).toFixed(2), p.currency, p.budgetLine, p.place, p.latitude, p.longitude,
      p.milestones.length, p.milestones.filter((m) => m.doneOn !== null).length, next?.title ?? null, next?.plannedOn ?? null, p.updatedAt].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function registerProjectPages(server: FastifyInstance, options: TransparencyOptions): void {
  const today = (): string => (options.now?.() ?? new Date()).toISOString().slice(0, 10);
  const render = (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml) =>
    sendCached(request, reply, 'text/html; charset=utf-8', page({ title, content, navigation: NAVIGATION, current: 'projects', wide: true }).toString());
  server.get('/projects', async (request, reply) => render(request, reply, 'Projects', listPage(await listProjects(options.db))));
  server.get<{ Params: { slug: string } }>('/projects/:slug', { schema: paramsSchema({ slug: PARAM.slug }) }, async (request, reply) => {
    const project = await getProject(options.db, request.params.slug);
    if (!project) throw pageNotFound(`There is no project '${request.params.slug}'.`);
    const line = project.budgetLine ? (await readBudgetLines(options.db)).find((l) => l.id === project.budgetLine) : undefined;
    const debates = options.debatesAbout ? await options.debatesAbout(project.slug) : null;
    return render(request, reply, project.title, projectPage(project, line ? { spentMinor: line.spentMinor, budgetMinor: line.budgetMinor, currency: line.currency } : null, today(), debates));
  });
  server.get('/open-data/projects.csv', async (request, reply) => sendCached(request, reply, 'text/csv; charset=utf-8; header=present', projectsCsv(await listProjects(options.db))));
  server.get('/open-data/projects.json', async (request, reply) => sendCached(request, reply, 'application/json', JSON.stringify({ projects: await listProjects(options.db) }, null, 2)));
}
