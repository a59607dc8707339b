/**
 * The public transparency plugin on the web edge; it serves /performance pages, /spending, /projects, /open-data (catalogue page, dataset pages,
 * the DCAT-AP catalogue in three serialisations) and the CKAN-compatible read API. Everything is public and
 * read-only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDay, t } from '../i18n/index.js';
import { html, pageNotFound, PARAM, paramsSchema, SECURITY_HEADERS, useReaderLanguage } from '../web/index.js';
import { catalogQuads, negotiateRdf, RDF_MEDIA_TYPES, toJsonLd, toRdfXml, toTurtle, type RdfFormat } from './catalog.js';
import { registerCkanApi } from './ckan.js';
import { datasetInWords } from './dataset-words.js';
import { LICENCE, listDatasets, type OpenDataset, type Publisher } from './datasets.js';
import { catalogueWords, figuresSource, publicPage, registerPerformancePages, sendCached, tMarkup, type TransparencyOptions } from './pages.js';
import { registerProjectPages } from './projects-pages.js';
import { registerSpendingPages } from './spending-pages.js';

/** Not a registered prefix: a real publisher registers its own with the OCDS helpdesk (GOVFLOW_OCDS_PREFIX). */
export const DEMO_OCID_PREFIX = 'ocds-demo00';
export const DEMO_PUBLISHER: Publisher = { id: 'demo-municipality', name: 'Demo Municipality', email: 'open-data@example.org', homepage: 'https://example.org' };

export function createTransparencyPlugin(options: TransparencyOptions): (server: FastifyInstance) => Promise<void> {
  const figures = figuresSource(options);
  const publisher = options.publisher ?? DEMO_PUBLISHER;
  return async (server) => {
    const baseOf = (request: FastifyRequest): string => options.publicUrl ?? `${request.protocol}://${request.host}`;
    const datasetsFor = (base: string) => () => listDatasets(options.db, options.services(), base, options.now?.() ?? new Date());
    // The pages are read in the reader's language (switcher, cookie, Accept-Language), like the portal's.
    useReaderLanguage(server);
    registerPerformancePages(server, figures, catalogueWords(options.services));
    registerSpendingPages(server, { ...options, publisher, ocidPrefix: options.ocidPrefix ?? DEMO_OCID_PREFIX }, baseOf);
    registerProjectPages(server, options);
    const renderHtml = (request: FastifyRequest, reply: FastifyReply, title: string, content: ReturnType<typeof html>) =>
      sendCached(request, reply, 'text/html; charset=utf-8', publicPage(title, content, 'open-data'));

    const sendCatalog = async (request: FastifyRequest, reply: FastifyReply, format: RdfFormat) => {
      const base = baseOf(request);
      const datasets = await datasetsFor(base)();
      const modified = datasets.map((d) => d.modified).sort().at(-1) ?? new Date().toISOString();
      const quads = catalogQuads(base, publisher, datasets, modified);
      const body = format === 'turtle' ? await toTurtle(quads) : format === 'jsonld' ? await toJsonLd(quads) : toRdfXml(quads);
      return sendCached(request, reply, `${RDF_MEDIA_TYPES[format]}; charset=utf-8`, body);
    };
    const catalogRoute = (suffix?: string) => async (request: FastifyRequest, reply: FastifyReply) => {
      const format = negotiateRdf(suffix, request.headers.accept);
      if (format === null) {
        return reply.status(406).type('text/plain; charset=utf-8').send('The catalogue is available as text/turtle, application/ld+json and application/rdf+xml (or add .ttl, .jsonld or .rdf).');
      }
      if (format === 'html') return reply.redirect('/open-data', 303);
      return sendCatalog(request, reply, format);
    };
    server.get('/open-data/catalog', catalogRoute());
    server.get('/open-data/catalog.ttl', catalogRoute('ttl'));
    server.get('/open-data/catalog.jsonld', catalogRoute('jsonld'));
    server.get('/open-data/catalog.rdf', catalogRoute('rdf'));

    const datasetList = (datasets: readonly OpenDataset[]) => html`<ul class="govuk-list govuk-list--spaced">${datasets.map((d) => html`<li><a class="govuk-link" href="/open-data/datasets/${d.id}">${d.title}</a></li>`)}</ul>`;
    // The records as people read them on these pages, in their language (dataset-words.ts); the DCAT and CKAN answers above and below keep the records' own words.
    const words = catalogueWords(options.services);
    const inWords = (datasets: readonly OpenDataset[]): OpenDataset[] => {
      const services = options.services();
      return datasets.map((d) => datasetInWords(d, services, words));
    };
    server.get('/open-data', async (request, reply) => {
      const datasets = inWords(await datasetsFor(baseOf(request))());
      const code = (text: string) => html`<code>${text}</code>`;
      return renderHtml(request, reply, t('transparency.nav.openData'), html`<h1 class="govuk-heading-l">${t('transparency.nav.openData')}</h1>
<p class="govuk-body-l">${tMarkup('transparency.openData.lead', { licence: LICENCE.title }, { id: html`<a class="govuk-link" href="${LICENCE.url}">${LICENCE.id}</a>` })}</p>
<h2 class="govuk-heading-m">${t('transparency.openData.datasets')}</h2>${datasetList(datasets)}
<h2 class="govuk-heading-m">${t('transparency.openData.forMachines')}</h2>
<ul class="govuk-list govuk-list--bullet"><li>${tMarkup('transparency.openData.dcat', {}, {
        turtle: html`<a class="govuk-link" href="/open-data/catalog.ttl">Turtle</a>`, jsonld: html`<a class="govuk-link" href="/open-data/catalog.jsonld">JSON-LD</a>`,
        rdfxml: html`<a class="govuk-link" href="/open-data/catalog.rdf">RDF/XML</a>`, address: code('/open-data/catalog'),
      })}</li>
<li>${tMarkup('transparency.openData.ckan', {}, {
        list: html`<a class="govuk-link" href="/api/3/action/package_list"><code>/api/3/action/package_list</code></a>`, show: code('package_show'), search: code('package_search'), organisations: code('organization_list'),
      })}</li></ul>`);
    });
    server.get<{ Params: { id: string } }>('/open-data/datasets/:id', { schema: paramsSchema({ id: PARAM.slug }) }, async (request, reply) => {
      const dataset = inWords(await datasetsFor(baseOf(request))()).find((d) => d.id === request.params.id);
      if (!dataset) throw pageNotFound(t('transparency.openData.notFound', { id: request.params.id }));
      const row = (key: Parameters<typeof t>[0], value: ReturnType<typeof html> | string) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t(key)}</dt><dd class="govuk-summary-list__value">${value}</dd></div>`;
      return renderHtml(request, reply, dataset.title, html`<span class="govuk-caption-l">${t('transparency.openData.datasetCaption', { department: dataset.department })}</span><h1 class="govuk-heading-l">${dataset.title}</h1>
<p class="govuk-body">${dataset.description}</p>
<dl class="govuk-summary-list">
${row('transparency.openData.publisher', html`${publisher.name} (<a class="govuk-link" href="mailto:${publisher.email}">${publisher.email}</a>)`)}
${row('transparency.openData.licence', html`<a class="govuk-link" href="${LICENCE.url}">${LICENCE.title}</a>`)}
${row('transparency.openData.covers', t('transparency.openData.coversRange', { start: formatDay(dataset.temporal.start), end: formatDay(dataset.temporal.end) }))}
${row('transparency.openData.lastChanged', html`<time datetime="${dataset.modified}">${formatDay(dataset.modified)}</time>`)}
</dl>
<h2 class="govuk-heading-m">${t('transparency.openData.files')}</h2>
<ul class="govuk-list govuk-list--spaced">${dataset.distributions.map((d) => html`<li><a class="govuk-link" href="${d.url}">${d.title}</a> (${d.format})<br><span class="govuk-body-s">${d.description}</span></li>`)}</ul>
<p class="govuk-body"><a class="govuk-link" href="${dataset.landingPage}">${t('transparency.openData.seeFigures')}</a></p>`);
    });
    registerCkanApi(server, { datasets: (request) => datasetsFor(baseOf(request))(), publisher, base: baseOf });
    server.addHook('onSend', async (_request, reply, payload) => {
      // Pages sent by sendCached carry their own (cacheable) headers; anything else (error pages) the edge's.
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html') && !reply.hasHeader('etag')) reply.headers(SECURITY_HEADERS);
      return payload;
    });
  };
}
