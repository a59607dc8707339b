/**
 * Serves the public project timelines (issue 17): `/projects` (every project with its status and progress, and a map
 * of those that have a place, as SVG with the same facts in a table), `/projects/:slug` (milestones planned and
 * reached, budget and what has been spent from its budget line, the history of updates, a link to its debates) and the open data files
 * `/open-data/projects.csv` and `/open-data/projects.json`. Server-rendered, no script, cached by ETag.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentLanguage, formatNumber, intlLocale, t } from '../i18n/index.js';
import { html, pageNotFound, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import { csvCell } from './csv.js';
import { publicPage, sendCached, type TransparencyOptions } from './pages.js';
import { getProject, listProjects, type Project, type ProjectStatus } from './projects.js';
import { readBudgetLines } from './spending-figures.js';

const TAG: Readonly<Record<ProjectStatus, string>> = {
  planned: 'govuk-tag--grey', 'in-progress': 'govuk-tag--blue', paused: 'govuk-tag--yellow', completed: 'govuk-tag--green', cancelled: 'govuk-tag--red',
};

/** A project's budget in the reader's locale; whole amounts without cents (a budget is planned in round sums). */
const money = (minor: number | null, currency = 'EUR'): string =>
  minor === null ? t('transparency.projects.notSet') : new Intl.NumberFormat(intlLocale(currentLanguage()), { style: 'currency', currency, maximumFractionDigits: minor % 100 === 0 ? 0 : 2 }).format(minor / 100);

/** ICU select keys are identifiers: 'in-progress' is asked for as inProgress. */
const statusKey = (status: ProjectStatus): string => (status === 'in-progress' ? 'inProgress' : status);
const statusWord = (status: ProjectStatus): string => t('transparency.projects.status', { status: statusKey(status) });

/** The status as a tag; the staff pages pass the word in the reader's language. */
export const statusTag = (p: Pick<Project, 'status'>, word: string = statusWord(p.status)): SafeHtml => html`<strong class="govuk-tag ${TAG[p.status]}">${word}</strong>`;

/** A progress bar people and screen readers read the same way: the number is written, the bar only shows it. */
export function progressBar(p: Pick<Project, 'progress' | 'title'>, done = t('transparency.projects.done', { progress: p.progress })): SafeHtml {
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
<title id="projects-map-title">${t('transparency.projects.mapTitle')}</title><desc id="projects-map-desc">${t('transparency.projects.mapDescription', { count: placed.length })}</desc>
<rect width="${W}" height="${H}" fill="#f3f2f1"/>
${placed.map((p, i) => html`<circle cx="${x(p.longitude!).toFixed(1)}" cy="${y(p.latitude!).toFixed(1)}" r="9" fill="#1d70b8" stroke="#0b0c0c"/><text x="${x(p.longitude!).toFixed(1)}" y="${(y(p.latitude!) + 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#ffffff">${i + 1}</text>`)}
</svg>
<figcaption class="govuk-body-s">${placed.map((p, i) => html`${i > 0 ? ' · ' : ''}${i + 1}: ${p.title} (${p.place ?? `${formatNumber(p.latitude!)}, ${formatNumber(p.longitude!)}`})`)}</figcaption>
</figure>`;
}

type DepartmentName = (id: string) => string;

function listPage(projects: readonly Project[], department: DepartmentName): SafeHtml {
  const th = (key: Parameters<typeof t>[0]) => html`<th scope="col" class="govuk-table__header">${t(key)}</th>`;
  return html`<h1 class="govuk-heading-l">${t('transparency.nav.projects')}</h1>
<p class="govuk-body-l">${t('transparency.projects.lead')}</p>
${projectMap(projects)}
${projects.length === 0 ? html`<p class="govuk-body">${t('transparency.projects.none')}</p>` : html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('transparency.projects.count', { count: projects.length })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('transparency.projects.project')}${th('transparency.projects.department')}${th('transparency.projects.statusLabel')}${th('transparency.projects.progress')}${th('transparency.projects.nextMilestone')}</tr></thead>
<tbody class="govuk-table__body">${projects.map((p) => {
    const next = p.milestones.find((m) => m.doneOn === null);
    return html`<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="/projects/${p.slug}">${p.title}</a></td><td class="govuk-table__cell">${department(p.department)}</td><td class="govuk-table__cell">${statusTag(p)}</td><td class="govuk-table__cell">${t('transparency.percent', { n: p.progress })}</td><td class="govuk-table__cell">${next ? t('transparency.projects.nextPlanned', { title: next.title, day: next.plannedOn }) : t('transparency.projects.noNext')}</td></tr>`;
  })}</tbody></table>`}
<p class="govuk-body"><a class="govuk-link" href="/open-data/projects.csv" download>${t('transparency.projects.downloadCsv')}</a> · <a class="govuk-link" href="/open-data/projects.json">JSON</a> · <a class="govuk-link" href="/open-data">${t('transparency.allOpenData')}</a></p>`;
}

/**
 * A milestone is late when its planned date has passed without it being reached, or it was reached after it. Days
 * are shown as ISO dates (2026-04-10), the same in every language, as in the open data files.
 */
const lateness = (m: Project['milestones'][number], today: string): string =>
  m.doneOn === null ? (m.plannedOn < today ? t('transparency.projects.late') : t('transparency.projects.toCome'))
    : m.doneOn > m.plannedOn ? t('transparency.projects.reachedLate', { day: m.doneOn }) : t('transparency.projects.reached', { day: m.doneOn });

type Debates = { readonly href: string; readonly count: number } | null;

function projectPage(p: Project, spent: { spentMinor: number; budgetMinor: number; currency: string } | null, today: string, debates: Debates, department: DepartmentName): SafeHtml {
  const row = (key: Parameters<typeof t>[0], value: SafeHtml | string) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t(key)}</dt><dd class="govuk-summary-list__value">${value}</dd></div>`;
  const th = (key: Parameters<typeof t>[0]) => html`<th scope="col" class="govuk-table__header">${t(key)}</th>`;
  const budgetLine = spent ? html`<br><span class="govuk-body-s">${t('transparency.projects.budgetLine', { line: p.budgetLine ?? '', spent: money(spent.spentMinor, spent.currency), budget: money(spent.budgetMinor, spent.currency) })} (<a class="govuk-link" href="/spending">${t('transparency.projects.spendingLink')}</a>)</span>` : '';
  return html`<span class="govuk-caption-l">${t('transparency.projects.caption', { department: department(p.department) })}</span>
<h1 class="govuk-heading-l">${p.title}</h1>
<p class="govuk-body-l">${p.summary}</p>
<dl class="govuk-summary-list">
${row('transparency.projects.statusLabel', statusTag(p))}
${row('transparency.projects.progress', progressBar(p))}
${row('transparency.projects.budget', html`${money(p.budgetMinor, p.currency)}${budgetLine}`)}
${p.place ? row('transparency.projects.place', p.place) : ''}
${row('transparency.projects.lastChanged', html`<time datetime="${p.updatedAt}">${p.updatedAt.slice(0, 10)}</time>`)}
</dl>
<h2 class="govuk-heading-m">${t('transparency.projects.milestones')}</h2>
${p.milestones.length === 0 ? html`<p class="govuk-body">${t('transparency.projects.noMilestones')}</p>` : html`<table class="govuk-table"><caption class="govuk-visually-hidden">${t('transparency.projects.milestonesCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${th('transparency.projects.milestone')}${th('transparency.projects.planned')}${th('transparency.projects.reachedHeading')}</tr></thead>
<tbody class="govuk-table__body">${p.milestones.map((m) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${m.title}</th><td class="govuk-table__cell">${m.plannedOn}</td><td class="govuk-table__cell">${lateness(m, today)}</td></tr>`)}</tbody></table>`}
<h2 class="govuk-heading-m">${t('transparency.projects.updates')}</h2>
${p.updates.length === 0 ? html`<p class="govuk-body">${t('transparency.projects.noUpdates')}</p>` : html`<ol class="govuk-list" reversed>${p.updates.map((u) => html`<li class="govuk-!-margin-bottom-4"><h3 class="govuk-heading-s govuk-!-margin-bottom-1"><time datetime="${u.at}">${u.at.slice(0, 10)}</time>: ${t('transparency.projects.updateHeading', { status: statusKey(u.status), progress: u.progress })}</h3><p class="govuk-body">${u.text}</p></li>`)}</ol>`}
${debates ? html`<h2 class="govuk-heading-m">${t('transparency.projects.debates')}</h2>
<p class="govuk-body">${t('transparency.projects.debateCount', { count: debates.count })} <a class="govuk-link" href="${debates.href}">${debates.count === 0 ? t('transparency.projects.startDebate') : t('transparency.projects.joinDebates')}<span class="govuk-visually-hidden"> ${t('transparency.projects.about', { title: p.title })}</span></a></p>` : ''}
<p class="govuk-body"><a class="govuk-link" href="/updates/project/${p.slug}">${t('transparency.projects.news')}</a> · <a class="govuk-link" href="/projects">${t('transparency.projects.all')}</a></p>`;
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
    sendCached(request, reply, 'text/html; charset=utf-8', publicPage(title, content, 'projects'));
  // A project names its department by id; readers see the organisation's name for it.
  const departmentName = async (): Promise<DepartmentName> => {
    const names = options.departmentNames ? await options.departmentNames() : new Map<string, string>();
    return (id) => names.get(id) ?? id;
  };
  server.get('/projects', async (request, reply) => render(request, reply, t('transparency.nav.projects'), listPage(await listProjects(options.db), await departmentName())));
  server.get<{ Params: { slug: string } }>('/projects/:slug', { schema: paramsSchema({ slug: PARAM.slug }) }, async (request, reply) => {
    const project = await getProject(options.db, request.params.slug);
    if (!project) throw pageNotFound(t('transparency.projects.notFound', { slug: request.params.slug }));
    const line = project.budgetLine ? (await readBudgetLines(options.db)).find((l) => l.id === project.budgetLine) : undefined;
    const debates = options.debatesAbout ? await options.debatesAbout(project.slug) : null;
    return render(request, reply, project.title, projectPage(project, line ? { spentMinor: line.spentMinor, budgetMinor: line.budgetMinor, currency: line.currency } : null, today(), debates, await departmentName()));
  });
  server.get('/open-data/projects.csv', async (request, reply) => sendCached(request, reply, 'text/csv; charset=utf-8; header=present', projectsCsv(await listProjects(options.db))));
  server.get('/open-data/projects.json', async (request, reply) => sendCached(request, reply, 'application/json', JSON.stringify({ projects: await listProjects(options.db) }, null, 2)));
}
