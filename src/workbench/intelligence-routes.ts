import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Service } from '../catalogue/index.js';
import { processDefinitionId } from '../engine/index.js';
import type { StaffPrincipal } from '../identity/index.js';
import { renderProcessMapSvg, type MiningSummary } from '../mining/index.js';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import { latestConformanceCheck, serviceIntelligence, type ConformanceCheck } from './intelligence.js';
import { formatDate, plural, type StaffSession, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the managers' process intelligence (`/staff/intelligence`, issue 20): per service, live from the event log
 * through the mining module, the process map with frequencies and waiting times, variants, bottlenecks, rework, SLA
 * breaches, and the newest daily conformance check with the deviating cases listed (intelligence.ts).
 */

const oversees = (principal: StaffPrincipal): boolean => principal.roles.includes('admin') || principal.roles.includes('auditor');
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** Seconds as a person reads a waiting time: the two largest units. */
export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'none';
  const s = Math.round(seconds);
  if (s < 60) return plural(s, 'second');
  const units: [number, string][] = [[86_400, 'day'], [3600, 'hour'], [60, 'minute']];
  const parts: string[] = [];
  let rest = s;
  for (const [size, word] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(plural(n, word));
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith('0 ')).join(' ') || plural(s, 'second');
}

const row = (cells: readonly (SafeHtml | string | number)[], data?: string): SafeHtml =>
  html`<tr class="govuk-table__row"${data ? html` data-row="${data}"` : ''}>${cells.map((c, i) => (i === 0 ? html`<th scope="row" class="govuk-table__header">${c}</th>` : html`<td class="govuk-table__cell">${c}</td>`))}</tr>`;

function table(caption: string, heads: readonly string[], rows: readonly SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<h2 class="govuk-heading-m">${caption}</h2><p class="govuk-body">${empty}</p>`;
  return html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${caption}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${heads.map((h) => html`<th scope="col" class="govuk-table__header">${h}</th>`)}</tr></thead>
<tbody class="govuk-table__body">${rows}</tbody></table>`;
}

/** A figure with its exact value in `data-value`, so what the page says can be checked against the mining module. */
const figure = (key: string, label: string, value: number, shown: string): SafeHtml =>
  html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${label}</dt><dd class="govuk-summary-list__value" data-figure="${key}" data-value="${String(value)}">${shown}</dd></div>`;

function figures(summary: MiningSummary): SafeHtml {
  const d = summary.caseDuration;
  return html`<dl class="govuk-summary-list">
${figure('cases', 'Cases', summary.cases, String(summary.cases))}
${figure('events', 'Events', summary.events, String(summary.events))}
${figure('activities', 'Activities', summary.activities, String(summary.activities))}
${figure('variants', 'Variants (distinct paths)', summary.variants, String(summary.variants))}
${figure('duration-median', 'Case duration, median', d.medianSeconds, durationText(d.medianSeconds))}
${figure('duration-p90', 'Case duration, 90th percentile', d.p90Seconds, durationText(d.p90Seconds))}
${figure('rework-cases', 'Cases with rework', summary.rework.cases, `${summary.rework.cases} (${percent(summary.rework.share)})`)}
${summary.sla ? html`${figure('sla-checked', 'Cases checked against the SLA', summary.sla.casesChecked, `${summary.sla.casesChecked} (${summary.sla.basis})`)}
${figure('sla-breached', 'SLA breaches', summary.sla.breached, `${summary.sla.breached} (${percent(summary.sla.breachRate)})`)}` : ''}
</dl>`;
}

function conformanceSection(check: ConformanceCheck | null): SafeHtml {
  if (!check) return html`<h2 class="govuk-heading-m" id="conformance">Conformance to the model</h2><p class="govuk-body" data-figure="conformance-day" data-value="">Not checked yet: the check runs once a day.</p>`;
  return html`<h2 class="govuk-heading-m" id="conformance">Conformance to the model</h2>
<p class="govuk-body" data-figure="conformance-day" data-value="${check.day}">Checked for ${check.day} (at ${formatDate(check.checkedAt)}): each finished case replayed on the process version it ran on.</p>
<dl class="govuk-summary-list">
${figure('conformance-cases', 'Finished cases checked', check.casesChecked, String(check.casesChecked))}
${figure('conformance-fitness', 'Fitness (token replay)', check.fitness, check.fitness.toFixed(3))}
${figure('conformance-deviating', 'Cases that deviate from the model', check.deviatingCount, String(check.deviatingCount))}
</dl>
${check.deviating.length > 0 ? html`<p class="govuk-body">The cases that deviate:</p><ul class="govuk-list govuk-list--bullet">${check.deviating.map((c) => html`<li data-deviating="${String(c.instanceId)}"><a class="govuk-link" href="/staff/cases/${String(c.instanceId)}">${c.reference ?? `Case ${c.instanceId}`}</a></li>`)}</ul>` : ''}`;
}

function intelligencePage(service: Service, summary: MiningSummary, check: ConformanceCheck | null): SafeHtml {
  const edges = [...summary.dfg].sort((a, b) => b.count - a.count);
  const rework = summary.activityStats.filter((a) => a.reworkCases > 0);
  return html`<span class="govuk-caption-l">Process intelligence</span>
<h1 class="govuk-heading-l">${service.title}</h1>
<p class="govuk-body">Live from the event log of every version of the process <code>${service.process.key}</code>, as the mining module computes it.</p>
${figures(summary)}
<h2 class="govuk-heading-m">Process map</h2>
<p class="govuk-body">${summary.cases > 0 ? html`<img class="govflow-process-map" src="/staff/intelligence/${service.id}/map.svg" alt="Process map of ${service.title}: the steps and how often one follows another; the table below says the same in words.">` : 'No cases yet.'}</p>
${table('Steps that follow each other', ['From', 'To', 'Times', 'Waiting, mean', 'Waiting, median'], edges.map((e) => row([e.from, e.to, html`<span data-value="${String(e.count)}">${e.count}</span>`, html`<span data-value="${String(e.meanSeconds)}">${durationText(e.meanSeconds)}</span>`, durationText(e.medianSeconds)], `dfg:${e.from}→${e.to}`)), 'No steps yet.')}
${table('Variants (most frequent first)', ['Path', 'Cases'], summary.topVariants.map((v) => row([v.activities.join(' → '), html`<span data-value="${String(v.count)}">${v.count}</span>`], `variant:${v.activities.join('→')}`)), 'No cases yet.')}
${table('Bottlenecks (where cases wait longest in total)', ['From', 'To', 'Times', 'Waiting in total', 'Share of all waiting'], summary.bottlenecks.map((b) => row([b.from, b.to, html`<span data-value="${String(b.count)}">${b.count}</span>`, html`<span data-value="${String(b.totalSeconds)}">${durationText(b.totalSeconds)}</span>`, percent(b.share)], `bottleneck:${b.from}→${b.to}`)), 'No waiting between steps yet.')}
${table('Rework (steps done more than once in a case)', ['Step', 'Cases with rework', 'Repetitions'], rework.map((a) => row([a.activity, html`<span data-value="${String(a.reworkCases)}">${a.reworkCases}</span>`, String(a.repetitions)], `rework:${a.activity}`)), 'No step was done twice in a case.')}
${summary.sla ? table('Cases furthest over the SLA', ['Case', 'Over by'], summary.sla.worst.map((w) => row([html`<a class="govuk-link" href="/staff/cases/${w.caseId}">Case ${w.caseId}</a>`, durationText(w.overSeconds)], `sla:${w.caseId}`)), 'No case went over the SLA.') : html`<p class="govuk-body">This service has no case SLA.</p>`}
${conformanceSection(check)}`;
}

export function registerIntelligenceRoutes(server: FastifyInstance, ctx: WorkbenchContext): void {
  const { db, catalogue, send, staffSession } = ctx;

  /** The departments whose staff handle a service's cases: the candidate groups of its newest process version. */
  async function departmentsOf(service: Service): Promise<string[]> {
    if (!db) return [];
    const definition = await processDefinitionId(db, service.process.key);
    if (definition === null) return [];
    return [...new Set((await ctx.diagramFor(definition)).candidateGroups.map((g) => g.split('/')[0] ?? ''))];
  }
  const manages = async (principal: StaffPrincipal, service: Service): Promise<boolean> =>
    oversees(principal) || (await departmentsOf(service)).some((d) => principal.memberships.some((m) => m.department === d && m.role === 'manager'));
  const refused = (): PageError => new PageError(403, 'You cannot see process intelligence', 'Process intelligence is for the managers of a service\'s departments and for administrators.');

  async function managerOf(request: FastifyRequest<{ Params: { service: string } }>, staff: StaffSession): Promise<Service> {
    if (!db) throw new PageError(503, 'Process intelligence is not available', 'It needs the database.');
    const service = catalogue.get(request.params.service);
    if (!service) throw new PageError(404, 'Page not found', 'There is no such service.');
    if (!await manages(staff.principal, service)) throw refused();
    return service;
  }

  server.get('/staff/intelligence', async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const mine: Service[] = [];
    for (const service of catalogue.services) if (await manages(staff.principal, service)) mine.push(service);
    if (mine.length === 0 && !staff.principal.memberships.some((m) => m.role === 'manager')) throw refused();
    return send(reply, staff, 'Process intelligence', html`<h1 class="govuk-heading-l">Process intelligence</h1>
<p class="govuk-body">How the cases of your services really run: the map of their steps, waiting times, bottlenecks, rework, SLA breaches, and a daily check of each finished case against its process model.</p>
${mine.length === 0 ? html`<p class="govuk-body">None of your departments handles a service yet.</p>` : html`<ul class="govuk-list">${mine.map((s) => html`<li><a class="govuk-link" href="/staff/intelligence/${s.id}">${s.title}</a></li>`)}</ul>`}`, 200, { current: 'intelligence' });
  });

  const params = { schema: paramsSchema({ service: PARAM.slug }) };
  server.get<{ Params: { service: string } }>('/staff/intelligence/:service', params, async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const service = await managerOf(request, staff);
    const [summary, check] = await Promise.all([serviceIntelligence(db!, service), latestConformanceCheck(db!, service.id)]);
    return send(reply, staff, `Process intelligence: ${service.title}`, intelligencePage(service, summary, check), 200, { current: 'intelligence', stylesheets: ['/staff/assets/intelligence.css'] });
  });

  server.get<{ Params: { service: string } }>('/staff/intelligence/:service/map.svg', params, async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const service = await managerOf(request, staff);
    const summary = await serviceIntelligence(db!, service);
    // The mining module draws a map of cases; before the first there is nothing to draw.
    if (summary.cases === 0) throw new PageError(404, 'Page not found', 'This service has no cases to draw yet.');
    return reply.type('image/svg+xml').header('cache-control', 'private, no-store').send(renderProcessMapSvg(summary));
  });
}
