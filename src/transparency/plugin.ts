/**
 * The public transparency plugin on the web edge; it serves /performance pages, /spending, /projects, /open-data (catalogue page, dataset pages,
 * the DCAT-AP catalogue in three serialisations) and the CKAN-compatible read API. Everything is public and
 * read-only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, page, pageNotFound, PARAM, paramsSchema, SECURITY_HEADERS } from '../web/index.js';
import { catalogQuads, negotiateRdf, RDF_MEDIA_TYPES, toJsonLd, toRdfXml, toTurtle, type RdfFormat } from './catalog.js';
import { registerCkanApi } from './ckan.js';
import { LICENCE, listDatasets, type OpenDataset, type Publisher } from './datasets.js';
import { figuresSource, NAVIGATION, registerPerformancePages, sendCached, type TransparencyOptions } from './pages.js';
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
    registerPerformancePages(server, figures);
    registerSpendingPages(server, { ...options, publisher, ocidPrefix: options.ocidPrefix ?? DEMO_OCID_PREFIX }, baseOf);
    registerProjectPages(server, options);
    const renderHtml = (request: FastifyRequest, reply: FastifyReply, title: string, content: ReturnType<typeof html>) =>
      sendCached(request, reply, 'text/html; charset=utf-8', page({ title, content, navigation: NAVIGATION, current: 'open-data', wide: true }).toString());

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
    server.get('/open-data', async (request, reply) => {
      const datasets = await datasetsFor(baseOf(request))();
      return renderHtml(request, reply, 'Open data', html`<h1 class="govuk-heading-l">Open data</h1>
<p class="govuk-body-l">Data we publish for anyone to use under the ${LICENCE.title} licence (<a class="govuk-link" href="${LICENCE.url}">${LICENCE.id}</a>).</p>
<h2 class="govuk-heading-m">Datasets</h2>${datasetList(datasets)}
<h2 class="govuk-heading-m">For machines</h2>
<ul class="govuk-list govuk-list--bullet"><li>The DCAT-AP 3.0.1 catalogue: <a class="govuk-link" href="/open-data/catalog.ttl">Turtle</a>, <a class="govuk-link" href="/open-data/catalog.jsonld">JSON-LD</a>, <a class="govuk-link" href="/open-data/catalog.rdf">RDF/XML</a> (or <code>/open-data/catalog</code> with an Accept header)</li>
<li>A CKAN-compatible API: <a class="govuk-link" href="/api/3/action/package_list"><code>/api/3/action/package_list</code></a>, <code>package_show</code>, <code>package_search</code>, <code>organization_list</code></li></ul>`);
    });
    server.get<{ Params: { id: string } }>('/open-data/datasets/:id', { schema: paramsSchema({ id: PARAM.slug }) }, async (request, reply) => {
      const dataset = (await datasetsFor(baseOf(request))()).find((d) => d.id === request.params.id);
      if (!dataset) throw pageNotFound(`There is no dataset '${request.params.id}'.`);
      return renderHtml(request, reply, dataset.title, html`<span class="govuk-caption-l">Dataset · ${dataset.department}</span><h1 class="govuk-heading-l">${dataset.title}</h1>
<p class="govuk-body">${dataset.description}</p>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Publisher</dt><dd class="govuk-summary-list__value">${publisher.name} (<a class="govuk-link" href="mailto:${publisher.email}">${publisher.email}</a>)</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Licence</dt><dd class="govuk-summary-list__value"><a class="govuk-link" href="${LICENCE.url}">${LICENCE.title}</a></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Covers</dt><dd class="govuk-summary-list__value">${dataset.temporal.start.slice(0, 10)} to ${dataset.temporal.end.slice(0, 10)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Last changed</dt><dd class="govuk-summary-list__value">${dataset.modified}</dd></div>
</dl>
<h2 class="govuk-heading-m">Files</h2>
<ul class="govuk-list govuk-list--spaced">${dataset.distributions.map((d) => html`<li><a class="govuk-link" href="${d.url}">${d.title}</a> (${d.format})<br><span class="govuk-body-s">${d.description}</span></li>`)}</ul>
<p class="govuk-body"><a class="govuk-link" href="${dataset.landingPage}">See the figures</a></p>`);
    });
    registerCkanApi(server, { datasets: (request) => datasetsFor(baseOf(request))(), publisher, base: baseOf });
    server.addHook('onSend', async (_request, reply, payload) => {
      // Pages sent by sendCached carry their own (cacheable) headers; anything else (error pages) the edge's.
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html') && !reply.hasHeader('etag')) reply.headers(SECURITY_HEADERS);
      return payload;
    });
  };
}
