/**
 * Serves the public performance pages (`/performance`): server-rendered, no script, each figure as a chart, a table and a
 * sentence, with a CSV under each. Figures change at most once a minute for readers: they are read from the
 * projector's table at most once per `cacheMs`, each page is rendered once per snapshot of figures and language, and answered
 * with an ETag and Cache-Control.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentLanguage, formatNumber, intlLocale, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoText, t, type MessageKey, type MessageValues } from '../i18n/index.js';
import { createLogger } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { escapeHtml, html, htmlErrorHandler, page, pageNotFound, PARAM, paramsSchema, SafeHtml, SECURITY_HEADERS } from '../web/index.js';
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
  /** The organisation's departments, id → name (identity's, passed in by the composition root): a project names its department by id. */
  readonly departmentNames?: () => Promise<ReadonlyMap<string, string>>;
}

/** The transparency pages' menu, in the reader's language (read per page, not once at start). */
export const navigation = () => [
  { key: 'performance', href: '/performance', label: t('transparency.nav.performance') },
  { key: 'spending', href: '/spending', label: t('transparency.nav.spending') },
  { key: 'projects', href: '/projects', label: t('transparency.nav.projects') },
  { key: 'open-data', href: '/open-data', label: t('transparency.nav.openData') },
] as const;

/** A public transparency page in the layout, with the language switcher (these pages are translated). */
export const publicPage = (title: string, content: SafeHtml, current: string): string =>
  page({ title, content, navigation: navigation(), current, wide: true, languageSwitcher: true }).toString();

/**
 * A message whose sentence holds links or code: the translator places `{name}` where the markup goes; the words are
 * escaped and the markup (built by `html`, so already safe) put in afterwards.
 */
export function tMarkup(key: MessageKey, values: MessageValues, markup: Readonly<Record<string, SafeHtml>>): SafeHtml {
  const slots = Object.fromEntries(Object.keys(markup).map((name, i) => [name, `\u0001${i}\u0001`]));
  const text = escapeHtml(t(key, { ...values, ...slots }));
  return new SafeHtml(text.replace(/\u0001(\d+)\u0001/g, (_, i: string) => Object.values(markup)[Number(i)]!.value));
}

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

/**
 * Sends a body with a strong ETag of its bytes; a matching If-None-Match gets 304 and no body. A page's words are in
 * the reader's language, chosen from `?lang` (part of the address, so already part of any cache's key), the
 * govflow_lang cookie and Accept-Language: a shared cache must key on both headers too, or it would hand one reader's
 * Spanish page to the next reader who asked for Estonian. The ETag differs per language as the bytes do, so a
 * revalidation never turns one language's copy into another's. The files (CSV, JSON, RDF) are the same in every
 * language and vary only on Accept.
 */
export function sendCached(request: FastifyRequest, reply: FastifyReply, type: string, content: string | TaggedBody, maxAgeSeconds = 60): FastifyReply {
  const { body, etag } = typeof content === 'string' ? tagged(content) : content;
  const isPage = type.startsWith('text/html');
  if (isPage) reply.headers(PUBLIC_PAGE_HEADERS);
  reply.header('etag', etag).header('cache-control', `public, max-age=${maxAgeSeconds}`).header('vary', isPage ? 'Accept, Cookie, Accept-Language' : 'Accept');
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.type(type).send(body);
}

/**
 * The pages and files made from one snapshot of figures, each made once: every reader of a snapshot gets the same
 * bytes, so rendering (charts, tables) and hashing happen once per snapshot and address, not once per request. The
 * entries go with the snapshot (a WeakMap), so nothing outlives the figures it shows.
 */
const madeFrom = new WeakMap<Figures, Map<string, TaggedBody>>();
/** `language: false` for a file that is the same in every language (CSV, JSON); a page is made once per language. */
function once(f: Figures, key: string, make: () => string, language = true): TaggedBody {
  let made = madeFrom.get(f);
  if (!made) madeFrom.set(f, (made = new Map()));
  if (language) key = `${currentLanguage()} ${key}`;
  let entry = made.get(key);
  if (!entry) made.set(key, (entry = tagged(make())));
  return entry;
}

const fmt = (v: number | null): string => (v === null ? t('transparency.withheld') : formatNumber(v));
const share = (part: number | null, whole: number | null): string => (part === null || whole === null || whole === 0 ? '–' : t('transparency.percent', { n: Math.round((part / whole) * 100) }));
const monthName = (p: string): string => new Date(`${p}T00:00:00Z`).toLocaleDateString(intlLocale(currentLanguage()), { month: 'short', year: 'numeric', timeZone: 'UTC' });
const periodLabel = (g: Granularity, p: string): string => (p === 'total' ? t('transparency.period.all') : g === 'month' ? t('transparency.period.month', { month: monthName(p) }) : t('transparency.period.weekOf', { day: p }));

/** A moment (the figures' computation, a tree head's signature) in the reader's words, in UTC as the ledger keeps it. */
const moment = (iso: string): string => new Intl.DateTimeFormat(intlLocale(currentLanguage()), { dateStyle: 'long', timeStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));

function provenance(f: Figures): SafeHtml {
  const head = f.provenance.treeHead;
  const computed = t('transparency.provenance.computed', { at: moment(f.provenance.computedAt), events: f.provenance.eventsApplied, last: String(f.provenance.lastEventId) });
  const signed = head
    ? tMarkup('transparency.provenance.treeHead', { entries: head.treeSize, at: moment(head.signedAt) }, {
      hash: html`<code>${head.rootHash}</code>`, key: html`<code>${head.keyId}</code>`, link: html`<a class="govuk-link" href="/api/ledger/tree-head">/api/ledger/tree-head</a>`,
    })
    : t('transparency.provenance.noTreeHead');
  return html`<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('transparency.provenance.summary')}</span></summary>
<div class="govuk-details__text"><p class="govuk-body">${computed}
${signed}</p>
<p class="govuk-body">${t('transparency.provenance.threshold', { max: f.threshold - 1 })}</p></div></details>`;
}

function table(f: Figures, unit: UnitFigures): SafeHtml {
  const row = (p: PeriodFigures) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${periodLabel(f.granularity, p.period)}</th>
${[p.counts.received, p.counts.decided, p.counts.approved, p.counts.refused, p.counts.withdrawn].map((v) => html`<td class="govuk-table__cell govuk-table__cell--numeric">${fmt(v)}</td>`)}
<td class="govuk-table__cell govuk-table__cell--numeric">${share(p.counts.withinSla, p.counts.decided)}</td>
<td class="govuk-table__cell govuk-table__cell--numeric">${share(p.counts.automated, p.counts.decided)}</td>
<td class="govuk-table__cell govuk-table__cell--numeric">${p.medianDays === null ? '–' : formatNumber(p.medianDays)}</td><td class="govuk-table__cell govuk-table__cell--numeric">${p.p90Days === null ? '–' : formatNumber(p.p90Days)}</td></tr>`;
  const numeric = (key: MessageKey) => html`<th scope="col" class="govuk-table__header govuk-table__header--numeric">${t(key)}</th>`;
  return html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">${t('transparency.performance.tableCaption', { granularity: f.granularity })}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">${t('transparency.performance.period')}</th>
${numeric('transparency.performance.received')}${numeric('transparency.performance.decided')}
${numeric('transparency.performance.approved')}${numeric('transparency.performance.refused')}
${numeric('transparency.performance.withdrawn')}${numeric('transparency.performance.withinTime')}
${numeric('transparency.performance.straightThrough')}${numeric('transparency.performance.medianDays')}
${numeric('transparency.performance.p90Days')}</tr></thead>
<tbody class="govuk-table__body">${unit.periods.map(row)}${row(unit.total)}</tbody></table>`;
}

/** A service's title or a department's name in the reader's language: the catalogue's translation, else as published. */
export type CatalogueWords = (english: string) => string;

/**
 * The catalogue's words for the figures' titles and departments, read from the published services on each call (a
 * catalogue edit shows on the next snapshot's pages): English title or department → its translation in the reader's
 * language. The figures keep the English names (the CSV and JSON files, and the projector, speak them).
 */
export function catalogueWords(services: () => readonly PublishedService[]): CatalogueWords {
  return (english) => {
    const language = currentLanguage();
    // The pseudo-languages (tests) mark the catalogue's words as the portal's service pages do.
    if (language === 'qps' || language === 'qps-rtl') return `${PSEUDO_OPEN}${pseudoText(english)}${PSEUDO_CLOSE}`;
    for (const s of services()) {
      const said = s.translations?.[language];
      if (!said) continue;
      if (s.title === english && said.title) return said.title;
      if (s.department === english && said.department) return said.department;
    }
    return english;
  };
}

/** The sentence that says what the chart shows, for everyone (and screen readers first). */
export function summary(unit: UnitFigures, words: CatalogueWords = (english) => english): string {
  const c = unit.total.counts;
  const parts = [t('transparency.summary.counts', { title: words(unit.title), received: fmt(c.received), decided: fmt(c.decided) })];
  if (c.approved !== null && c.decided) parts.push(t('transparency.summary.approved', { share: share(c.approved, c.decided) }));
  if (c.withinSla !== null && c.decided) parts.push(t('transparency.summary.withinTime', { share: share(c.withinSla, c.decided) }));
  if (unit.total.medianDays !== null) parts.push(t('transparency.summary.days', { median: unit.total.medianDays, p90: unit.total.p90Days ?? 0 }));
  const { open, medianAgeDays } = unit.backlog;
  parts.push(open === null ? t('transparency.summary.openFew') : medianAgeDays !== null ? t('transparency.summary.openAged', { open: fmt(open), days: medianAgeDays }) : t('transparency.summary.open', { open: fmt(open) }));
  return t('transparency.summary.sentence', { parts: parts.join('; ') });
}

function unitPage(f: Figures, unit: UnitFigures, base: string, words: CatalogueWords): SafeHtml {
  const other: Granularity = f.granularity === 'month' ? 'week' : 'month';
  const categories = unit.periods.map((p) => (f.granularity === 'week' ? p.period : periodLabel(f.granularity, p.period)));
  const chart = barChart(`chart-${f.granularity}`, t('transparency.performance.chartTitle', { granularity: f.granularity }), summary(unit, words), categories, [
    { label: t('transparency.performance.received'), values: unit.periods.map((p) => p.counts.received), colour: '#1d70b8' },
    { label: t('transparency.performance.decided'), values: unit.periods.map((p) => p.counts.decided), colour: '#00703c' },
  ]);
  return html`<span class="govuk-caption-l">${unit.kind === 'service' ? t('transparency.performance.serviceCaption', { department: words(unit.department) }) : t('transparency.performance.departmentCaption')}</span>
<h1 class="govuk-heading-l">${words(unit.title)}</h1>
<p class="govuk-body-l">${summary(unit, words)}</p>
<p class="govuk-body">${t('transparency.performance.showing', { granularity: f.granularity })} <a class="govuk-link" href="${base}?period=${other}">${t('transparency.performance.showBy', { granularity: other })}</a></p>
<figure class="govuk-!-margin-0">${chart}<figcaption class="govuk-body-s">${t('transparency.performance.chartCaption')}</figcaption></figure>
${table(f, unit)}
<p class="govuk-body"><a class="govuk-link" href="${base}/figures.csv?period=${f.granularity}" download>${t('transparency.performance.downloadThese')}</a> · <a class="govuk-link" href="/open-data">${t('transparency.allOpenData')}</a></p>
${provenance(f)}`;
}

function indexPage(f: Figures, words: CatalogueWords): SafeHtml {
  const list = (kind: 'service' | 'department') => f.units.filter((u) => u.kind === kind).map((u) => html`<li><a class="govuk-link" href="/performance/${kind === 'service' ? 'services' : 'departments'}/${u.id}">${words(u.title)}</a>: ${summary(u, words)}</li>`);
  return html`<h1 class="govuk-heading-l">${t('transparency.performance.title')}</h1>
<p class="govuk-body-l">${t('transparency.performance.lead')}</p>
<h2 class="govuk-heading-m">${t('transparency.performance.services')}</h2><ul class="govuk-list govuk-list--spaced">${list('service')}</ul>
<h2 class="govuk-heading-m">${t('transparency.performance.departments')}</h2><ul class="govuk-list govuk-list--spaced">${list('department')}</ul>
<p class="govuk-body"><a class="govuk-link" href="/open-data/performance.csv" download>${t('transparency.performance.downloadAll')}</a> · <a class="govuk-link" href="/open-data">${t('transparency.openDataCatalogue')}</a></p>
${provenance(f)}`;
}

const granularityOf = (query: unknown): Granularity => ((query as { period?: unknown } | undefined)?.period === 'week' ? 'week' : 'month');
const QUERY = { querystring: { type: 'object', properties: { period: { type: 'string', enum: ['week', 'month'] } }, additionalProperties: false } };

export function registerPerformancePages(server: FastifyInstance, figures: () => Promise<ReadonlyMap<Granularity, Figures>>, words: CatalogueWords = (english) => english): void {
  const render = (request: FastifyRequest, reply: FastifyReply, title: string, content: SafeHtml, status = 200): FastifyReply => {
    if (status !== 200) return reply.status(status).type('text/html; charset=utf-8').headers(SECURITY_HEADERS).send(publicPage(title, content, 'performance'));
    return sendCached(request, reply, 'text/html; charset=utf-8', publicPage(title, content, 'performance'));
  };
  const HTML = 'text/html; charset=utf-8';
  const CSV = 'text/csv; charset=utf-8; header=present';
  server.setErrorHandler(htmlErrorHandler({ render: (request, reply, title, content, status) => render(request, reply, title, content, status), log: createLogger({ name: 'transparency' }),
    home: { href: '/performance', get label() { return t('transparency.nav.performance'); } } }));
  server.get('/performance', { schema: QUERY }, async (request, reply) => {
    const f = (await figures()).get('month')!;
    return sendCached(request, reply, HTML, once(f, 'index', () => publicPage(t('transparency.performance.title'), indexPage(f, words), 'performance')));
  });
  for (const [path, kind] of [['services', 'service'], ['departments', 'department']] as const) {
    const find = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const f = (await figures()).get(granularityOf(request.query))!;
      const unit = f.units.find((u) => u.kind === kind && u.id === request.params.id);
      if (!unit) throw pageNotFound(t('transparency.performance.notFound', { id: request.params.id }));
      return { f, unit };
    };
    server.get<{ Params: { id: string } }>(`/performance/${path}/:id`, { schema: { ...paramsSchema({ id: PARAM.slug }), ...QUERY } }, async (request, reply) => {
      const { f, unit } = await find(request);
      return sendCached(request, reply, HTML, once(f, `${kind} ${unit.id}`, () => publicPage(t('transparency.performance.unitTitle', { title: words(unit.title) }), unitPage(f, unit, `/performance/${path}/${unit.id}`, words), 'performance')));
    });
    server.get<{ Params: { id: string } }>(`/performance/${path}/:id/figures.csv`, { schema: { ...paramsSchema({ id: PARAM.slug }), ...QUERY } }, async (request, reply) => {
      const { f, unit } = await find(request);
      reply.header('content-disposition', `attachment; filename="${unit.id}-${f.granularity}.csv"`);
      return sendCached(request, reply, CSV, once(f, `${kind} ${unit.id}.csv`, () => figuresCsv(f, [unit]), false));
    });
  }
  server.get('/open-data/performance.csv', { schema: QUERY }, async (request, reply) => {
    const f = (await figures()).get(granularityOf(request.query))!;
    return sendCached(request, reply, CSV, once(f, 'all.csv', () => figuresCsv(f, f.units), false));
  });
  server.get('/open-data/performance.csv-metadata.json', async (request, reply) =>
    sendCached(request, reply, 'application/csvm+json', JSON.stringify(csvwMetadata('performance.csv', 'Performance of public services'), null, 2)));
  server.get('/open-data/performance.json', { schema: QUERY }, async (request, reply) => {
    const f = (await figures()).get(granularityOf(request.query))!;
    return sendCached(request, reply, 'application/json', once(f, 'all.json', () => JSON.stringify(f), false));
  });
}
