/**
 * Serves the public performance pages (`/performance`): server-rendered, no script, each figure as a chart, a table and a
 * sentence, with a CSV under each. Figures change at most once a minute for readers: they are read from the
 * projector's table at most once per `cacheMs`, each page is rendered once per snapshot of figures, and answered
 * with an ETag and Cache-Control.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createLogger } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { html, htmlErrorHandler, page, pageNotFound, PARAM, paramsSchema, SECURITY_HEADERS, type SafeHtml } from '../web/index.js';
import { barChart } from './charts.js';
import { csvwMetadata, figuresCsv } from './csv.js';
import { readFigures, type Figures, type Granularity, type PeriodFigures, type UnitFigures } from './figures.js';
import type { PublishedService } from './projector.js';

export interface TransparencyOptions {
  readonly db: Queryable;
  /** The services published (the composition root maps the catalogue); read on every refresh. */
  readonly services: () => readonly PublishedService[];
  /** Counts from 1 to threshold − 1 are withheld (default 5; GOVFLOW_TRANSPARENCY_THRESHOLD). */
  readonly threshold?: number;
  /** How long figures are reused between reads of the table (default 30 s; 0 in tests). */
  readonly cacheMs?: number;
  readonly now?: () => Date;
  /** The agency publishing (DCAT publisher, CKAN organisation). */
  readonly publisher?: { readonly id: string; readonly name: string; readonly email: string; readonly homepage: string };
  /** The site's public address, for absolute links in the catalogue. */
  readonly publicUrl?: string;
  /** The publisher's registered OCDS ocid prefix (`ocds-` + six characters; GOVFLOW_OCDS_PREFIX). */
  readonly ocidPrefix?: string;
  /**
   * Where people debate a project and how many debates there are (engagement's debates, passed in by the composition
   * root: transparency does not depend on engagement). Absent: the project page has no debates link.
   */
  readonly debatesAbout?: (slug: string) => Promise<{ readonly href: string; readonly count: number }>;
}

export const NAVIGATION = [
  { key: 'performance', href: '/performance', label: 'Performance' },
  { key: 'spending', href: '/spending', label: 'Spending' },
  { key: 'projects', href: '/projects', label: 'Projects' },
  { key: 'open-data', href: '/open-data', label: 'Open data' },
] as const;

/**
 * Reads figures at most once per `cacheMs`; concurrent readers share one read. Once figures exist, an expired
 * snapshot is still answered while one read replaces it in the background (stale-while-revalidate): no reader waits
 * for the table, so the pages' p99 does not carry a read every `cacheMs`. With `cacheMs` 0 every call reads.
 */
export function figuresSource(options: TransparencyOptions): () => Promise<ReadonlyMap<Granularity, Figures>> {
  type Snapshot = ReadonlyMap<Granularity, Figures>;
  const read = (): Promise<Snapshot> => readFigures(options.db, { services: options.services(), threshold: options.threshold ?? 5, ...(options.now ? { now: options.now() } : {}) });
  let first: Promise<Snapshot> | undefined;
  let current: { at: number; value: Snapshot } | undefined;
  let refreshing = false;
  const log = createLogger({ name: 'transparency' });
  // The figures' clock also ages the snapshot, so a test that sets the clock decides when a snapshot expires.
  const now = (): number => options.now?.().getTime() ?? Date.now();
  return () => {
    const ttl = options.cacheMs ?? 30_000;
    if (ttl <= 0) return read();
    if (current) {
      if (now() - current.at >= ttl && !refreshing) {
        refreshing = true;
        read().then((value) => { current = { at: now(), value }; }, (error: unknown) => log.warn({ err: error }, 'performance figures could not be refreshed; the previous ones are still shown'))
          .finally(() => { refreshing = false; });
      }
      return Promise.resolve(current.value);
    }
    first ??= read().then((value) => {
      current = { at: now(), value };
      return value;
    }).finally(() => { first = undefined; });
    return first;
  };
}

/** The web edge's security headers, except `no-store`: these pages are the same for everyone and meant to be cached. */
export const PUBLIC_PAGE_HEADERS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(SECURITY_HEADERS).filter(([name]) => name !== 'cache-control'));

/** A body with its strong ETag (a hash of its bytes), computed once where the body is reused. */
export interface TaggedBody { readonly body: string; readonly etag: string }

export const tagged = (body: string): TaggedBody => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });

/** Sends a body with a strong ETag of its bytes; a matching If-None-Match gets 304 and no body. */
export function sendCached(request: FastifyRequest, reply: FastifyReply, type: string, content: string | TaggedBody, maxAgeSeconds = 60): FastifyReply {
  const { body, etag } = typeof content === 'string' ? tagged(content) : content;
  if (type.startsWith('text/html')) reply.headers(PUBLIC_PAGE_HEADERS);
  reply.header('etag', etag).header('cache-control', `public, max-age=${maxAgeSeconds}`).header('vary', 'accept');
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.type(type).send(body);
}

/**
 * The pages and files made from one snapshot of figures, each made once: every reader of a snapshot gets the same
 * bytes, so rendering (charts, tables) and hashing happen once per snapshot and address, not once per request. The
 * entries go with the snapshot (a WeakMap), so nothing outlives the figures it shows.
 */
const madeFrom = new WeakMap<Figures, Map<string, TaggedBody>>();
function once(f: Figures, key: string, make: () => string): TaggedBody {
  let made = madeFrom.get(f);
  if (!made) madeFrom.set(f, (made = new Map()));
  let entry = made.get(key);
  if (!entry) made.set(key, (entry = tagged(make())));
  return entry;
}

const fmt = (v: number | null): string => (v === null ? 'withheld' : v.toLocaleString('en-GB'));
const share = (part: number | null, whole: number | null): string => (part === null || whole === null || whole === 0 ? '–' : `${Math.round((part / whole) * 100)}%`);
const periodLabel = (g: Granularity, p: string): string => (p === 'total' ? 'All periods' : g === 'month' ? new Date(`${p}T00:00:00Z`).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }) : `Week of ${p}`);

function provenance(f: Figures): SafeHtml {
  const head = f.provenance.treeHead;
  return html`<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">How these figures can be checked</span></summary>
<div class="govuk-details__text"><p class="govuk-body">Computed at ${f.provenance.computedAt} from ${f.provenance.eventsApplied.toLocaleString('en-GB')} events of the case event log (up to event ${f.provenance.lastEventId}).
${head ? html`The ledger's latest signed tree head then had ${head.treeSize.toLocaleString('en-GB')} entries, root hash <code>${head.rootHash}</code>, signed at ${head.signedAt} by key <code>${head.keyId}</code>; check it at <a class="govuk-link" href="/api/ledger/tree-head">/api/ledger/tree-head</a>.` : 'The ledger had not signed a tree head yet.'}</p>
<p class="govuk-body">Counts from 1 to ${f.threshold - 1} are withheld to protect privacy, and so are other counts from which a withheld one could be worked out.</p></div></details>`;
}

function table(f: Figures, unit: UnitFigures): SafeHtml {
  const row = (p: PeriodFigures) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${periodLabel(f.granularity, p.period)}</th>
${[p.counts.received, p.counts.decided, p.counts.approved, p.counts.refused, p.counts.withdrawn].map((v) => html`<td class="govuk-table__cell govuk-table__cell--numeric">${fmt(v)}</td>`)}
<td class="govuk-table__cell govuk-table__cell--numeric">${share(p.counts.withinSla, p.counts.decided)}</td>
<td class="govuk-table__cell govuk-table__cell--numeric">${share(p.counts.automated, p.counts.decided)}</td>
<td class="govuk-table__cell govuk-table__cell--numeric">${p.medianDays ?? '–'}</td><td class="govuk-table__cell govuk-table__cell--numeric">${p.p90Days ?? '–'}</td></tr>`;
  return html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Applications and decisions by ${f.granularity}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Period</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Received</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Decided</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Approved</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Refused</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Withdrawn</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Within time</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Straight-through</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Median days</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">90th percentile days</th></tr></thead>
<tbody class="govuk-table__body">${unit.periods.map(row)}${row(unit.total)}</tbody></table>`;
}

/** The sentence that says what the chart shows, for everyone (and screen readers first). */
export function summary(unit: UnitFigures): string {
  const t = unit.total;
  const parts = [`${unit.title}: ${fmt(t.counts.received)} applications received and ${fmt(t.counts.decided)} decided`];
  if (t.counts.approved !== null && t.counts.decided) parts.push(`${share(t.counts.approved, t.counts.decided)} of decisions approved`);
  if (t.counts.withinSla !== null && t.counts.decided) parts.push(`${share(t.counts.withinSla, t.counts.decided)} decided within the published time`);
  if (t.medianDays !== null) parts.push(`half were decided within ${t.medianDays} days and 90% within ${t.p90Days} days`);
  parts.push(unit.backlog.open === null ? 'a few applications are open now' : `${fmt(unit.backlog.open)} open now${unit.backlog.medianAgeDays !== null ? `, half of them older than ${unit.backlog.medianAgeDays} days` : ''}`);
  return `${parts.join('; ')}.`;
}

function unitPage(f: Figures, unit: UnitFigures, base: string): SafeHtml {
  const other: Granularity = f.granularity === 'month' ? 'week' : 'month';
  const categories = unit.periods.map((p) => periodLabel(f.granularity, p.period).replace('Week of ', ''));
  const chart = barChart(`chart-${f.granularity}`, `Applications received and decided by ${f.granularity}`, summary(unit), categories, [
    { label: 'Received', values: unit.periods.map((p) => p.counts.received), colour: '#1d70b8' },
    { label: 'Decided', values: unit.periods.map((p) => p.counts.decided), colour: '#00703c' },
  ]);
  return html`<span class="govuk-caption-l">${unit.kind === 'service' ? `Service · ${unit.department}` : 'Department'}</span>
<h1 class="govuk-heading-l">${unit.title}</h1>
<p class="govuk-body-l">${summary(unit)}</p>
<p class="govuk-body">Showing figures by ${f.granularity}. <a class="govuk-link" href="${base}?period=${other}">Show by ${other}</a></p>
<figure class="govuk-!-margin-0">${chart}<figcaption class="govuk-body-s">The chart shows the table below; a dash marks a withheld figure.</figcaption></figure>
${table(f, unit)}
<p class="govuk-body"><a class="govuk-link" href="${base}/figures.csv?period=${f.granularity}" download>Download these figures (CSV)</a> · <a class="govuk-link" href="/open-data">All open data</a></p>
${provenance(f)}`;
}

function indexPage(f: Figures): SafeHtml {
  const list = (kind: 'service' | 'department') => f.units.filter((u) => u.kind === kind).map((u) => html`<li><a class="govuk-link" href="/performance/${kind === 'service' ? 'services' : 'departments'}/${u.id}">${u.title}</a>: ${summary(u)}</li>`);
  return html`<h1 class="govuk-heading-l">How our services are performing</h1>
<p class="govuk-body-l">Live figures from the case records of every service: applications received, decisions, how long they take and how many open applications are waiting.</p>
<h2 class="govuk-heading-m">Services</h2><ul class="govuk-list govuk-list--spaced">${list('service')}</ul>
<h2 class="govuk-heading-m">Departments</h2><ul class="govuk-list govuk-list--spaced">${list('department')}</ul>
<p class="govuk-body"><a class="govuk-link" href="/open-data/performance.csv" download>Download all figures (CSV)</a> · <a class="govuk-link" href="/open-data">Open data catalogue</a></p>
${provenance(f)}`;
}

const granularityOf = (query: unknown): Granularity => ((query as { period?: unknown } | undefined)?.period === 'week' ? 'week' : 'month');
const QUERY = { querystring: { type: 'object', properties: { period: { type: 'string', enum: ['week', 'month'] } }, additionalProperties: false } };

export function registerPerformancePages(server: FastifyInstance, figures: () => Promise<ReadonlyMap<Granularity, Figures>>): void {
  const document = (title: string, content: SafeHtml): string => page({ title, content, navigation: NAVIGATION, current: 'performance', wide: true }).toString();
  const render = (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status = 200): FastifyReply => {
    if (status !== 200) return reply.status(status).type('text/html; charset=utf-8').headers(SECURITY_HEADERS).send(document(title, content));
    return sendCached(request, reply, 'text/html; charset=utf-8', document(title, content));
  };
  const HTML = 'text/html; charset=utf-8';
  const CSV = 'text/csv; charset=utf-8; header=present';
  server.setErrorHandler(htmlErrorHandler({ render: (request, reply, title, content, status) => render(request, reply, title, content, status), log: createLogger({ name: 'transparency' }), home: { href: '/performance', label: 'Performance' } }));
  server.get('/performance', { schema: QUERY }, async (request, reply) => {
    const f = (await figures()).get('month')!;
    return sendCached(request, reply, HTML, once(f, 'index', () => document('How our services are performing', indexPage(f))));
  });
  for (const [path, kind] of [['services', 'service'], ['departments', 'department']] as const) {
    const find = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const f = (await figures()).get(granularityOf(request.query))!;
      const unit = f.units.find((u) => u.kind === kind && u.id === request.params.id);
      if (!unit) throw pageNotFound(`There are no published figures for '${request.params.id}'.`);
      return { f, unit };
    };
    server.get<{ Params: { id: string } }>(`/performance/${path}/:id`, { schema: { ...paramsSchema({ id: PARAM.slug }), ...QUERY } }, async (request, reply) => {
      const { f, unit } = await find(request);
      return sendCached(request, reply, HTML, once(f, `${kind} ${unit.id}`, () => document(`${unit.title}: performance`, unitPage(f, unit, `/performance/${path}/${unit.id}`))));
    });
    server.get<{ Params: { id: string } }>(`/performance/${path}/:id/figures.csv`, { schema: { ...paramsSchema({ id: PARAM.slug }), ...QUERY } }, async (request, reply) => {
      const { f, unit } = await find(request);
      reply.header('content-disposition', `attachment; filename="${unit.id}-${f.granularity}.csv"`);
      return sendCached(request, reply, CSV, once(f, `${kind} ${unit.id}.csv`, () => figuresCsv(f, [unit])));
    });
  }
  server.get('/open-data/performance.csv', { schema: QUERY }, async (request, reply) => {
    const f = (await figures()).get(granularityOf(request.query))!;
    return sendCached(request, reply, CSV, once(f, 'all.csv', () => figuresCsv(f, f.units)));
  });
  server.get('/open-data/performance.csv-metadata.json', async (request, reply) =>
    sendCached(request, reply, 'application/csvm+json', JSON.stringify(csvwMetadata('performance.csv', 'Performance of public services'), null, 2)));
  server.get('/open-data/performance.json', { schema: QUERY }, async (request, reply) => {
    const f = (await figures()).get(granularityOf(request.query))!;
    return sendCached(request, reply, 'application/json', once(f, 'all.json', () => JSON.stringify(f)));
  });
}
