/**
 * Serves the staff's operations pages for sensors: /staff/sensors (assets on a map and in a table, with their state
 * and open cases), /staff/sensors/assets/:id (a reading's time series as a server-rendered SVG chart with its data
 * table, and the asset's cases) and /staff/sensors/route (today's collection route). No script: charts and maps
 * are SVG drawn here, each with a table that says the same.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatNumber, t } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import { html, htmlPageEdge, page, PageError, pageNotFound, type NavigationItem, type SafeHtml, redirectToSignIn } from '../web/index.js';
import { planRoute, type Stop } from './collection-route.js';
import { MODEL_ATTRIBUTES, MODEL_TYPES, modelTypeOf } from './models.js';
import { checkEntityId, entityIdParams, NgsiLdProblem, type SensorEntity } from './ngsi-ld.js';
import { casesOf, lastReadingAt, queryEntities, readEntity, readSeries, type AssetCase, type SeriesPoint } from './observation-store.js';
import type { Sensors } from './sensors.js';

const navigation = (): readonly NavigationItem[] => [{ href: '/staff', label: t('staff.nav.inbox'), key: 'inbox' }, { href: '/staff/sensors', label: t('staff.sensors.title'), key: 'sensors' }];
const MAX_ASSETS = 500;
const FULL = 0.8;

type Principal = NonNullable<FastifyRequest['principal']>;
type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

const fmt = (v: unknown): string => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v) ?? '');

/** A line about the asset's state from the attributes its model checks (e.g. "fillingLevel 0.85 · status ok"). */
function stateOf(entity: SensorEntity): string {
  const names = Object.keys(MODEL_ATTRIBUTES[entity.type]).filter((n) => entity.attrs[n] !== undefined).slice(0, 3);
  return names.length === 0 ? t('staff.sensors.noReadings') : names.map((n) => `${n} ${fmt(entity.attrs[n]!.value)}`).join(' · ');
}

const pointOf = (e: SensorEntity): { lon: number; lat: number } | undefined => {
  const g = e.attrs['location']?.value as { type?: string; coordinates?: unknown } | undefined;
  const c = g?.type === 'Point' ? g.coordinates : Array.isArray(g?.coordinates) ? g.coordinates[0] : undefined;
  return Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number' ? { lon: c[0], lat: c[1] } : undefined;
};

const assetHref = (id: string): string => `/staff/sensors/assets/${encodeURIComponent(id)}`;

/** A map of points in an equirectangular projection of their bounding box (the table beside it links each asset). */
function mapSvg(title: string, points: readonly { id: string; lon: number; lat: number; alarm: boolean; label: string }[], path?: readonly { lon: number; lat: number }[]): SafeHtml {
  if (points.length === 0) return html``;
  const W = 640;
  const H = 400;
  const all = [...points, ...(path ?? [])];
  const lons = all.map((p) => p.lon);
  const lats = all.map((p) => p.lat);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const sx = (lon: number): number => 20 + ((lon - minLon) / (maxLon - minLon || 1)) * (W - 40);
  const sy = (lat: number): number => H - 20 - ((lat - minLat) / (maxLat - minLat || 1)) * (H - 40);
  const line = path && path.length > 1 ? html`<polyline fill="none" stroke="#1d70b8" stroke-width="2" points="${path.map((p) => `${sx(p.lon).toFixed(1)},${sy(p.lat).toFixed(1)}`).join(' ')}"/>` : html``;
  return html`<svg class="sensors-map" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="map-title">
<title id="map-title">${title}</title><rect x="0" y="0" width="${W}" height="${H}" fill="#f3f2f1" stroke="#b1b4b6"/>${line}
${points.map((p) => html`<circle cx="${sx(p.lon).toFixed(1)}" cy="${sy(p.lat).toFixed(1)}" r="7" fill="${p.alarm ? '#d4351c' : '#00703c'}" stroke="#0b0c0c"><title>${p.label}</title></circle>`)}
</svg>`;
}

/** A line chart of numeric readings over time, drawn as SVG; the data table below it is the accessible version. */
function chartSvg(title: string, points: readonly SeriesPoint[]): SafeHtml {
  const numeric = points.filter((p): p is SeriesPoint & { value: number } => typeof p.value === 'number');
  if (numeric.length === 0) return html`<p class="govuk-body">${t('staff.sensors.noNumericPeriod')}</p>`;
  const W = 640;
  const H = 240;
  const times = numeric.map((p) => Date.parse(p.observedAt));
  const values = numeric.map((p) => p.value);
  const [t0, t1, v0, v1] = [Math.min(...times), Math.max(...times), Math.min(...values), Math.max(...values)];
  const sx = (t: number): number => 60 + ((t - t0) / (t1 - t0 || 1)) * (W - 80);
  const sy = (v: number): number => H - 30 - ((v - v0) / (v1 - v0 || 1)) * (H - 50);
  const polyline = numeric.map((p, i) => `${sx(times[i]!).toFixed(1)},${sy(p.value).toFixed(1)}`).join(' ');
  return html`<svg class="sensors-chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="chart-title">
<title id="chart-title">${title}</title>
<line x1="60" y1="${H - 30}" x2="${W - 20}" y2="${H - 30}" stroke="#0b0c0c"/><line x1="60" y1="20" x2="60" y2="${H - 30}" stroke="#0b0c0c"/>
<text x="55" y="${sy(v1).toFixed(1)}" text-anchor="end" font-size="12" fill="#0b0c0c">${fmt(v1)}</text>
<text x="55" y="${sy(v0).toFixed(1)}" text-anchor="end" font-size="12" fill="#0b0c0c">${fmt(v0)}</text>
<text x="60" y="${H - 10}" font-size="12" fill="#0b0c0c">${numeric[0]!.observedAt.slice(0, 16).replace('T', ' ')}</text>
<text x="${W - 20}" y="${H - 10}" text-anchor="end" font-size="12" fill="#0b0c0c">${numeric.at(-1)!.observedAt.slice(0, 16).replace('T', ' ')}</text>
<polyline fill="none" stroke="#1d70b8" stroke-width="2" points="${polyline}"/>
</svg>`;
}

function casesTable(cases: readonly AssetCase[], withAsset: boolean): SafeHtml {
  if (cases.length === 0) return html`<p class="govuk-body">${t('staff.sensors.noCases')}</p>`;
  return html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">${t('staff.sensors.casesCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${withAsset ? html`<th scope="col" class="govuk-table__header">${t('staff.sensors.asset')}</th>` : html``}<th scope="col" class="govuk-table__header">${t('staff.sensors.condition')}</th><th scope="col" class="govuk-table__header">${t('staff.sensors.opened')}</th><th scope="col" class="govuk-table__header">${t('staff.sensors.state')}</th></tr></thead>
<tbody class="govuk-table__body">${cases.map((c) => html`<tr class="govuk-table__row">${withAsset ? html`<td class="govuk-table__cell"><a class="govuk-link" href="${assetHref(c.entityId)}">${c.entityId}</a></td>` : html``}<td class="govuk-table__cell">${c.instanceId !== null ? html`<a class="govuk-link" href="/staff/cases/${String(c.instanceId)}">${c.condition}</a>` : c.condition}</td><td class="govuk-table__cell">${c.openedAt.replace('T', ' ').slice(0, 16)}</td><td class="govuk-table__cell">${c.closedAt === null ? t('staff.sensors.open') : t('staff.sensors.closed', { when: c.closedAt.replace('T', ' ').slice(0, 16) })}</td></tr>`)}</tbody></table>`;
}

async function assetsPage(sensors: Sensors, query: Record<string, string | undefined>): Promise<{ title: string; content: SafeHtml }> {
  const type = query['type'] ? modelTypeOf(query['type']) : undefined;
  const { entities, count } = await queryEntities(sensors.db, { ...(type ? { type } : {}), limit: MAX_ASSETS, offset: 0 });
  const open = await casesOf(sensors.db, { open: true });
  const openBy = new Map<string, number>();
  for (const c of open) openBy.set(c.entityId, (openBy.get(c.entityId) ?? 0) + 1);
  const points = entities.flatMap((e) => { const p = pointOf(e); return p ? [{ id: e.id, ...p, alarm: openBy.has(e.id), label: `${e.type} ${e.id}: ${stateOf(e)}` }] : []; });
  return { title: t('staff.sensors.title'), content: html`<h1 class="govuk-heading-l">${t('staff.sensors.title')}</h1>
<p class="govuk-body">${type ? t('staff.sensors.assetsOfType', { count, type }) : t('staff.sensors.assets', { count })}${count > MAX_ASSETS ? t('staff.sensors.firstShown', { max: MAX_ASSETS }) : ''}. ${t('staff.sensors.openCases', { count: open.length })} <a class="govuk-link" href="/staff/sensors/route">${t('staff.sensors.route')}</a>.</p>
<nav aria-label="${t('staff.sensors.assetTypes')}"><ul class="govuk-list"><li><a class="govuk-link" href="/staff/sensors">${t('staff.sensors.all')}</a></li>${MODEL_TYPES.map((t) => html`<li><a class="govuk-link" href="/staff/sensors?type=${t}"${t === type ? html` aria-current="page"` : html``}>${t}</a></li>`)}</ul></nav>
${mapSvg(t('staff.sensors.map', { count: points.length }), points)}
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('staff.sensors.assetsCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.sensors.asset')}</th><th scope="col" class="govuk-table__header">${t('staff.sensors.type')}</th><th scope="col" class="govuk-table__header">${t('staff.sensors.state')}</th><th scope="col" class="govuk-table__header">${t('staff.sensors.openCasesHeader')}</th></tr></thead>
<tbody class="govuk-table__body">${entities.map((e) => html`<tr class="govuk-table__row"><td class="govuk-table__cell govuk-!-text-break-word"><a class="govuk-link" href="${assetHref(e.id)}">${e.id}</a></td><td class="govuk-table__cell">${e.type}</td><td class="govuk-table__cell">${stateOf(e)}</td><td class="govuk-table__cell">${String(openBy.get(e.id) ?? 0)}</td></tr>`)}</tbody></table>
<h2 class="govuk-heading-m">${t('staff.sensors.openCasesHeader')}</h2>${casesTable(open, true)}` };
}

async function assetPage(sensors: Sensors, rawId: string, query: Record<string, string | undefined>): Promise<{ title: string; content: SafeHtml }> {
  let id: string;
  try {
    id = checkEntityId(rawId);
  } catch (error) {
    if (error instanceof NgsiLdProblem) throw pageNotFound(t('staff.sensors.noSuchAsset'));
    throw error;
  }
  const entity = await readEntity(sensors.db, id);
  if (!entity) throw pageNotFound(t('staff.sensors.noAsset', { id }));
  const numeric = Object.entries(entity.attrs).filter(([, a]) => a.kind === 'Property' && typeof a.value === 'number').map(([n]) => n);
  const attribute = query['attribute'] && numeric.includes(query['attribute']) ? query['attribute'] : numeric[0];
  // The 24 hours up to the asset's latest reading of that attribute (a quiet sensor still shows its last day).
  const latest = attribute ? await lastReadingAt(sensors.db, id, attribute) : undefined;
  const end = latest ? new Date(latest) : new Date();
  const series = attribute ? await readSeries(sensors.db, id, { from: new Date(end.getTime() - 86_400_000).toISOString(), to: end.toISOString(), attrs: [attribute], limit: 2000 }) : [];
  const cases = await casesOf(sensors.db, { entityId: id });
  return { title: t('staff.sensors.assetTitle', { id }), content: html`<span class="govuk-caption-l">${entity.type}</span><h1 class="govuk-heading-l govuk-!-text-break-word">${id}</h1>
<p class="govuk-body">${stateOf(entity)}</p>
<h2 class="govuk-heading-m">${t('staff.sensors.latest')}</h2>
<dl class="govuk-summary-list">${Object.entries(entity.attrs).map(([name, a]) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${name}</dt><dd class="govuk-summary-list__value govuk-!-text-break-word">${fmt(a.value)}${a.observedAt ? ` (${a.observedAt})` : ''}</dd></div>`)}</dl>
<h2 class="govuk-heading-m">${attribute ? t('staff.sensors.readingsOf', { attribute }) : t('staff.sensors.readings')}</h2>
${numeric.length > 1 ? html`<ul class="govuk-list">${numeric.map((n) => html`<li><a class="govuk-link" href="${assetHref(id)}?attribute=${encodeURIComponent(n)}"${n === attribute ? html` aria-current="true"` : html``}>${n}</a></li>`)}</ul>` : html``}
${attribute ? chartSvg(t('staff.sensors.chart', { attribute, end: end.toISOString().slice(0, 16).replace('T', ' ') }), series) : html`<p class="govuk-body">${t('staff.sensors.noNumeric')}</p>`}
${series.length > 0 ? html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--s">${t('staff.sensors.chartReadings')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.sensors.observed')}</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">${attribute ?? ''}</th></tr></thead>
<tbody class="govuk-table__body">${series.map((p) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${p.observedAt.replace('T', ' ').slice(0, 19)}</td><td class="govuk-table__cell govuk-table__cell--numeric">${fmt(p.value)}</td></tr>`)}</tbody></table>` : html``}
<h2 class="govuk-heading-m">${t('staff.sensors.cases')}</h2>${casesTable(cases, false)}` };
}

async function routePage(sensors: Sensors): Promise<{ title: string; content: SafeHtml }> {
  const { entities } = await queryEntities(sensors.db, { type: 'WasteContainer', limit: 5000, offset: 0 });
  const openFull = new Set((await casesOf(sensors.db, { open: true })).filter((c) => c.condition === 'container-full').map((c) => c.entityId));
  const level = (e: SensorEntity): number | undefined => [e.attrs['fillingLevel']?.value, e.attrs['binFillingLevel']?.value].find((v): v is number => typeof v === 'number');
  const stops: (Stop & { level: number | undefined })[] = entities.filter((e) => openFull.has(e.id) || (level(e) ?? 0) >= FULL)
    .flatMap((e) => { const p = pointOf(e); return p ? [{ id: e.id, ...p, level: level(e) }] : []; });
  const all = entities.flatMap((e) => pointOf(e) ?? []);
  // The depot: the south-west corner of the containers' area (a real deployment would name its depot).
  const depot = all.length > 0 ? { lon: Math.min(...all.map((p) => p.lon)), lat: Math.min(...all.map((p) => p.lat)) } : { lon: 0, lat: 0 };
  const plan = planRoute(depot, stops);
  const byId = new Map(stops.map((s) => [s.id, s]));
  return { title: t('staff.sensors.route'), content: html`<h1 class="govuk-heading-l">${t('staff.sensors.route')}</h1>
${stops.length === 0 ? html`<p class="govuk-body">${t('staff.sensors.noStops', { percent: FULL * 100 })}</p>` : html`<p class="govuk-body">${t('staff.sensors.stops', { count: stops.length, lat: depot.lat.toFixed(5), lon: depot.lon.toFixed(5) })}</p>
<dl class="govuk-summary-list"><div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.sensors.thisRoute')}</dt><dd class="govuk-summary-list__value">${t('staff.sensors.km', { km: formatNumber(Math.round(plan.orderedKm * 100) / 100) })}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('staff.sensors.listOrder')}</dt><dd class="govuk-summary-list__value">${t('staff.sensors.km', { km: formatNumber(Math.round(plan.unorderedKm * 100) / 100) })}</dd></div></dl>
${mapSvg(t('staff.sensors.routeMap', { count: stops.length }), plan.ordered.map((s) => ({ ...s, alarm: true, label: s.id })), [depot, ...plan.ordered])}
<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('staff.sensors.stopsCaption')}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('staff.sensors.stop')}</th><th scope="col" class="govuk-table__header">${t('staff.sensors.container')}</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">${t('staff.sensors.filling')}</th></tr></thead>
<tbody class="govuk-table__body">${plan.ordered.map((s, i) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${String(i + 1)}</td><td class="govuk-table__cell govuk-!-text-break-word"><a class="govuk-link" href="${assetHref(s.id)}">${s.id}</a></td><td class="govuk-table__cell govuk-table__cell--numeric">${byId.get(s.id)?.level === undefined ? t('staff.sensors.unknown') : t('staff.sensors.percent', { value: Math.round(byId.get(s.id)!.level! * 100) })}</td></tr>`)}</tbody></table>`}` };
}

export function registerOpsPages(server: FastifyInstance, sensors: Sensors, logger: Logger): Promise<void> {
  const send = (reply: FastifyReply, staff: StaffPrincipal | null, csrf: string, title: string, content: SafeHtml, status = 200): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').send(page({ title, content, navigation: navigation(), current: 'sensors', section: { name: t('staff.section'), href: '/staff' }, citizen: staff?.name ?? null, csrfToken: csrf, wide: true, languageSwitcher: true }).value);
  /** Staff only: a visitor goes to the staff sign-in, anyone else gets a 403. */
  const staffOf = async (request: FastifyRequest, reply: FastifyReply): Promise<StaffPrincipal | null> => {
    const principal = request.principal;
    if (!principal) {
      await redirectToSignIn(reply, 'staff', request, '/staff/sensors');
      return null;
    }
    if (principal.kind !== 'staff') throw new PageError(403, t('staff.sensors.forbidden'), t('staff.error.notStaffText'));
    return principal;
  };
  const show = (build: (request: FastifyRequest) => Promise<{ title: string; content: SafeHtml }>) => async (request: FastifyRequest, reply: FastifyReply) => {
    const staff = await staffOf(request, reply);
    if (!staff) return reply;
    const { title, content } = await build(request);
    return send(reply, staff, request.csrfToken, title, content);
  };
  return server.register(async (scope) => {
    await scope.register(htmlPageEdge, {
      formBodyLimit: 1024,
      errors: { render: (request, reply, title, content, status) => send(reply, request.principal?.kind === 'staff' ? request.principal : null, request.csrfToken, title, content, status), log: logger, home: { href: '/staff', get label() { return t('staff.backToInbox'); } } },
    });
    const query = (request: FastifyRequest): Record<string, string | undefined> => request.query as Record<string, string | undefined>;
    scope.get('/staff/sensors', show((request) => assetsPage(sensors, query(request))));
    scope.get('/staff/sensors/route', show(() => routePage(sensors)));
    scope.get('/staff/sensors/assets/:id', { schema: entityIdParams }, show((request) => assetPage(sensors, (request.params as { id: string }).id, query(request))));
  }) as unknown as Promise<void>;
}
