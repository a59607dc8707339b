import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Service } from '../catalogue/index.js';
import { processDefinitionId } from '../engine/index.js';
import type { StaffPrincipal } from '../identity/index.js';
import { renderProcessMapSvg, type MiningSummary } from '../mining/index.js';
import { html, PageError, PARAM, paramsSchema, type SafeHtml } from '../web/index.js';
import { latestConformanceCheck, serviceIntelligence, type ConformanceCheck } from './intelligence.js';
import { formatNumber, t } from '../i18n/index.js';
import { caseLabel, formatDate, formatDay, formatPercent, type StaffSession, type WorkbenchContext } from './workbench-context.js';

/**
 * Serves the managers' process intelligence (`/staff/intelligence`, issue 20): per service, live from the event log
 * through the mining module, the process map with frequencies and waiting times, variants, bottlenecks, rework, SLA
 * breaches, and the newest daily conformance check with the deviating cases listed (intelligence.ts).
 */

const oversees = (principal: StaffPrincipal): boolean => principal.roles.includes('admin') || principal.roles.includes('auditor');
const percent = (share: number): string => formatPercent(share);

/** The mining module's SLA basis ("case duration over 5184000 s") in the reader's words; another basis (a case attribute) as it is. */
function slaBasis(basis: string): string {
  const seconds = /^case duration over (\d+) s$/.exec(basis)?.[1];
  return seconds === undefined ? basis : t('staff.intelligence.slaBasis', { duration: durationText(Number(seconds)) });
}

/** Seconds as a person reads a waiting time: the two largest units. */
export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds)) return t('staff.intelligence.noDuration');
  const s = Math.round(seconds);
  if (s < 60) return t('staff.duration', { unit: 'second', count: s });
  const units: [number, string][] = [[86_400, 'day'], [3600, 'hour'], [60, 'minute']];
  const parts: { n: number; unit: string }[] = [];
  let rest = s;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push({ n, unit });
    if (parts.length === 2) break;
  }
  return parts.filter((p) => p.n !== 0).map((p) => t('staff.duration', { unit: p.unit, count: p.n })).join(' ') || t('staff.duration', { unit: 'second', count: s });
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
${figure('cases', t('staff.intelligence.cases'), summary.cases, formatNumber(summary.cases))}
${figure('events', t('staff.intelligence.events'), summary.events, formatNumber(summary.events))}
${figure('activities', t('staff.intelligence.activities'), summary.activities, formatNumber(summary.activities))}
${figure('variants', t('staff.intelligence.variantCount'), summary.variants, formatNumber(summary.variants))}
${figure('duration-median', t('staff.intelligence.durationMedian'), d.medianSeconds, durationText(d.medianSeconds))}
${figure('duration-p90', t('staff.intelligence.durationP90'), d.p90Seconds, durationText(d.p90Seconds))}
${figure('rework-cases', t('staff.intelligence.reworkCases'), summary.rework.cases, `${formatNumber(summary.rework.cases)} (${percent(summary.rework.share)})`)}
${summary.sla ? html`${figure('sla-checked', t('staff.intelligence.slaChecked'), summary.sla.casesChecked, `${formatNumber(summary.sla.casesChecked)} (${slaBasis(summary.sla.basis)})`)}
${figure('sla-breached', t('staff.intelligence.slaBreached'), summary.sla.breached, `${formatNumber(summary.sla.breached)} (${percent(summary.sla.breachRate)})`)}` : ''}
</dl>`;
}

function conformanceSection(check: ConformanceCheck | null): SafeHtml {
  if (!check) return html`<h2 class="govuk-heading-m" id="conformance">${t('staff.intelligence.conformance')}</h2><p class="govuk-body" data-figure="conformance-day" data-value="">${t('staff.intelligence.notChecked')}</p>`;
  return html`<h2 class="govuk-heading-m" id="conformance">${t('staff.intelligence.conformance')}</h2>
<p class="govuk-body" data-figure="conformance-day" data-value="${check.day}">${t('staff.intelligence.checkedFor', { day: formatDay(check.day), at: formatDate(check.checkedAt) })}</p>
<dl class="govuk-summary-list">
${figure('conformance-cases', t('staff.intelligence.finishedChecked'), check.casesChecked, formatNumber(check.casesChecked))}
${figure('conformance-fitness', t('staff.intelligence.fitness'), check.fitness, formatNumber(Number(check.fitness.toFixed(3))))}
${figure('conformance-deviating', t('staff.intelligence.deviatingCount'), check.deviatingCount, formatNumber(check.deviatingCount))}
</dl>
${check.deviating.length > 0 ? html`<p class="govuk-body">${t('staff.intelligence.deviating')}</p><ul class="govuk-list govuk-list--bullet">${check.deviating.map((c) => html`<li data-deviating="${String(c.instanceId)}"><a class="govuk-link" href="/staff/cases/${String(c.instanceId)}">${c.reference ?? caseLabel(c.instanceId)}</a></li>`)}</ul>` : ''}`;
}

function intelligencePage(service: Service, summary: MiningSummary, check: ConformanceCheck | null): SafeHtml {
  const edges = [...summary.dfg].sort((a, b) => b.count - a.count);
  const rework = summary.activityStats.filter((a) => a.reworkCases > 0);
  return html`<span class="govuk-caption-l">${t('staff.intelligence.title')}</span>
<h1 class="govuk-heading-l">${service.title}</h1>
<p class="govuk-body">${t('staff.intelligence.live')} <code>${service.process.key}</code></p>
${figures(summary)}
<h2 class="govuk-heading-m">${t('staff.intelligence.map')}</h2>
<p class="govuk-body">${summary.cases > 0 ? html`<img class="govflow-process-map" src="/staff/intelligence/${service.id}/map.svg" alt="${t('staff.intelligence.mapAlt', { service: service.title })}">` : t('staff.intelligence.noCases')}</p>
${table(t('staff.intelligence.follows'), [t('staff.intelligence.from'), t('staff.intelligence.to'), t('staff.intelligence.times'), t('staff.intelligence.waitMean'), t('staff.intelligence.waitMedian')], edges.map((e) => row([e.from, e.to, html`<span data-value="${String(e.count)}">${e.count}</span>`, html`<span data-value="${String(e.meanSeconds)}">${durationText(e.meanSeconds)}</span>`, durationText(e.medianSeconds)], `dfg:${e.from}→${e.to}`)), t('staff.intelligence.noSteps'))}
${table(t('staff.intelligence.variants'), [t('staff.intelligence.path'), t('staff.intelligence.cases')], summary.topVariants.map((v) => row([v.activities.join(' → '), html`<span data-value="${String(v.count)}">${v.count}</span>`], `variant:${v.activities.join('→')}`)), t('staff.intelligence.noCases'))}
${table(t('staff.intelligence.bottlenecks'), [t('staff.intelligence.from'), t('staff.intelligence.to'), t('staff.intelligence.times'), t('staff.intelligence.waitTotal'), t('staff.intelligence.waitShare')], summary.bottlenecks.map((b) => row([b.from, b.to, html`<span data-value="${String(b.count)}">${b.count}</span>`, html`<span data-value="${String(b.totalSeconds)}">${durationText(b.totalSeconds)}</span>`, percent(b.share)], `bottleneck:${b.from}→${b.to}`)), t('staff.intelligence.noWaiting'))}
${table(t('staff.intelligence.rework'), [t('staff.intelligence.step'), t('staff.intelligence.reworkCases'), t('staff.intelligence.repetitions')], rework.map((a) => row([a.activity, html`<span data-value="${String(a.reworkCases)}">${a.reworkCases}</span>`, formatNumber(a.repetitions)], `rework:${a.activity}`)), t('staff.intelligence.noRework'))}
${summary.sla ? table(t('staff.intelligence.worst'), [t('staff.common.case'), t('staff.intelligence.overBy')], summary.sla.worst.map((w) => row([html`<a class="govuk-link" href="/staff/cases/${w.caseId}">${caseLabel(Number(w.caseId))}</a>`, durationText(w.overSeconds)], `sla:${w.caseId}`)), t('staff.intelligence.noneOver')) : html`<p class="govuk-body">${t('staff.intelligence.noSla')}</p>`}
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
  const refused = (): PageError => new PageError(403, t('staff.intelligence.refusedTitle'), t('staff.intelligence.refusedText'));

  async function managerOf(request: FastifyRequest<{ Params: { service: string } }>, staff: StaffSession): Promise<Service> {
    if (!db) throw new PageError(503, t('staff.intelligence.unavailableTitle'), t('staff.intelligence.unavailableText'));
    const service = catalogue.get(request.params.service);
    if (!service) throw new PageError(404, t('staff.error.notFound'), t('staff.intelligence.noSuchService'));
    if (!await manages(staff.principal, service)) throw refused();
    return service;
  }

  server.get('/staff/intelligence', async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const mine: Service[] = [];
    for (const service of catalogue.services) if (await manages(staff.principal, service)) mine.push(service);
    if (mine.length === 0 && !staff.principal.memberships.some((m) => m.role === 'manager')) throw refused();
    return send(reply, staff, t('staff.intelligence.title'), html`<h1 class="govuk-heading-l">${t('staff.intelligence.title')}</h1>
<p class="govuk-body">${t('staff.intelligence.intro')}</p>
${mine.length === 0 ? html`<p class="govuk-body">${t('staff.intelligence.noServices')}</p>` : html`<ul class="govuk-list">${mine.map((s) => html`<li><a class="govuk-link" href="/staff/intelligence/${s.id}">${ctx.serviceOf(s.process.key)?.title ?? s.title}</a></li>`)}</ul>`}`, 200, { current: 'intelligence' });
  });

  const params = { schema: paramsSchema({ service: PARAM.slug }) };
  server.get<{ Params: { service: string } }>('/staff/intelligence/:service', params, async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const service = await managerOf(request, staff);
    const [summary, check] = await Promise.all([serviceIntelligence(db!, service), latestConformanceCheck(db!, service.id)]);
    const shown = ctx.serviceOf(service.process.key) ?? service;
    return send(reply, staff, t('staff.intelligence.titleOf', { service: shown.title }), intelligencePage(shown, summary, check), 200, { current: 'intelligence', stylesheets: ['/staff/assets/intelligence.css'] });
  });

  server.get<{ Params: { service: string } }>('/staff/intelligence/:service/map.svg', params, async (request, reply) => {
    const staff = await staffSession(request, reply);
    if (!staff) return reply;
    const service = await managerOf(request, staff);
    const summary = await serviceIntelligence(db!, service);
    // The mining module draws a map of cases; before the first there is nothing to draw.
    if (summary.cases === 0) throw new PageError(404, t('staff.error.notFound'), t('staff.intelligence.nothingToDraw'));
    return reply.type('image/svg+xml').header('cache-control', 'private, no-store').send(renderProcessMapSvg(summary));
  });
}
