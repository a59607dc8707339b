/**
 * Serves the Open311 GeoReport v2 server at /open311/v2/ (docs/engagement.md): discovery, services, service definitions,
 * requests (GET and POST), one request, tokens, and FixMyStreet's servicerequestupdates (GET and POST), in XML and
 * JSON. An adapter: it translates to and from engagement's own model (categories, reports, the case's steps).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/index.js';
import { isGovflowError, type Logger } from '../kernel/index.js';
import { parseForm } from '../web/index.js';
import type { ProblemCategory } from './categories.js';
import { PROBLEM_REPORT_PROCESS, type Engagement, type Open311KeyCheck } from './engagement.js';
import { createListCache } from './open311-cache.js';
import { render, renderErrors, type Value } from './open311-format.js';
import {
  jurisdictionOf, Open311Failure, open311Failure, pageOf, parseResourcePath, parseServiceRequest, parseUpdate, requestIdOf, requestIdsOf, single, list, statusesOf, windowOf,
  type Format, type Params,
} from './open311-params.js';
import * as store from './report-store.js';

export const OPEN311_PREFIX = '/open311/v2';
const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';
const FORM_BODY_LIMIT = 64 * 1024;

export interface Open311Options {
  readonly engagement: Engagement;
  readonly engine: Engine;
  /** Checks a POST's api_key (an API key with the `open311` scope); without it every POST is refused (403). */
  readonly checkKey?: Open311KeyCheck;
  readonly contact?: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const serviceOf = (c: ProblemCategory): Value => ({
  service_code: c.code, service_name: c.name, description: c.description, metadata: c.attributes.length > 0, type: c.type,
  keywords: c.keywords.join(', '), group: c.group,
});

const definitionOf = (c: ProblemCategory): Value => ({
  service_code: c.code,
  attributes: [...c.attributes].sort((a, b) => a.order - b.order).map((a) => ({
    variable: a.variable, code: a.code, datatype: a.datatype, required: a.required, datatype_description: a.datatypeDescription ?? null,
    order: a.order, description: a.description, values: (a.values ?? []).map((v) => ({ key: v.key, name: v.name })),
  })),
});

function requestOf(engagement: Engagement, r: store.ReportView): Value {
  const category = engagement.categories.find((c) => c.code === r.serviceCode);
  return {
    service_request_id: String(r.id), status: r.status, status_notes: r.statusNotes, service_name: category?.name ?? r.serviceCode,
    service_code: r.serviceCode, description: r.description, agency_responsible: category?.department ?? null, service_notice: null,
    requested_datetime: r.requestedAt, updated_datetime: r.updatedAt, expected_datetime: r.status === 'open' ? engagement.expectedAt(r.requestedAt) : null,
    address: r.address, address_id: r.addressId, zipcode: r.zipcode, lat: r.lat, long: r.long, media_url: r.mediaUrl,
  };
}

function formatOfUrl(url: string): Format {
  return /\.json(\?|$)/.test(url) ? 'json' : 'xml';
}

export function registerOpen311(options: Open311Options): (server: FastifyInstance) => Promise<void> {
  const { engagement, engine } = options;
  const now = options.now ?? ((): Date => new Date());
  const changeset = now().toISOString();
  const { db } = engagement;
  const lists = createListCache({ db, processKey: PROBLEM_REPORT_PROCESS, logger: options.logger, now });

  const send = (reply: FastifyReply, format: Format, root: string, value: Value, status = 200): FastifyReply => {
    const out = render(format, root, value);
    return reply.status(status).header('content-type', out.type).header('access-control-allow-origin', '*').send(out.body);
  };

  const authorise = async (body: Params): Promise<string> => {
    const key = single(body, 'api_key');
    if (key === undefined) throw open311Failure(403, 'api_key is missing: POST needs an API key with the open311 scope');
    const client = options.checkKey && key.length <= 200 ? await options.checkKey(key) : null;
    if (!client) throw open311Failure(403, 'Invalid api_key received -- it is unknown, revoked or lacks the open311 scope');
    return client.clientId;
  };

  async function get(request: FastifyRequest, reply: FastifyReply, tail: string): Promise<FastifyReply> {
    const parsed = parseResourcePath(tail);
    if (!parsed) throw open311Failure(404, `no resource ${OPEN311_PREFIX}/${tail.slice(0, 80)}; resources end in .xml or .json`);
    const { resource, format } = parsed;
    const q = request.query as Params;
    if (resource.kind === 'discovery') {
      return send(reply, format, 'discovery', {
        changeset, contact: options.contact ?? 'Contact the municipality\'s digital services team.',
        key_service: 'Keys for posting are issued by an administrator: npx govflow apikey create --name <client> --scope open311',
        endpoints: [{ specification: SPECIFICATION, url: `${engagement.publicUrl}${OPEN311_PREFIX}`, changeset, type: 'production', formats: ['text/xml', 'application/json'] }],
      });
    }
    const jurisdiction = jurisdictionOf(q, engagement.jurisdictions);
    switch (resource.kind) {
      case 'services':
        return send(reply, format, 'services', engagement.categories.map(serviceOf));
      case 'service': {
        const category = engagement.categories.find((c) => c.code === resource.code);
        if (!category) throw open311Failure(404, `service_code '${resource.code.slice(0, 60)}' was not found`);
        return send(reply, format, 'service_definition', definitionOf(category));
      }
      case 'request': {
        const report = await store.getReport(db, jurisdiction, requestIdOf(resource.id));
        if (!report) throw open311Failure(404, `service_request_id '${resource.id.slice(0, 40)}' was not found`);
        return send(reply, format, 'service_requests', [requestOf(engagement, report)]);
      }
      case 'token': {
        const id = await store.reportIdOfToken(db, jurisdiction, resource.token);
        if (id === null) throw open311Failure(404, `token '${resource.token.slice(0, 40)}' was not found`);
        return send(reply, format, 'service_requests', [{ service_request_id: String(id), token: resource.token }]);
      }
      case 'requests': {
        const page = pageOf(q);
        const ids = requestIdsOf(q);
        const window = ids ? undefined : windowOf(q, now());
        const filter: store.ReportFilter = ids
          ? { jurisdictionId: jurisdiction, ids, ...page }
          : { jurisdictionId: jurisdiction, ...window, ...page, ...optional('serviceCodes', list(q, 'service_code')), ...optional('statuses', statusesOf(q)) };
        // Without end_date the window ends now and moves with the clock; with it, the window is fixed by the query.
        const nowRelative = window !== undefined && single(q, 'end_date') === undefined;
        const key = JSON.stringify([format, filter.jurisdictionId, filter.ids ?? null, filter.serviceCodes ?? null, filter.statuses ?? null,
          nowRelative ? single(q, 'start_date') ?? null : filter.from?.toISOString() ?? null, nowRelative ? null : filter.to?.toISOString() ?? null, filter.limit, filter.offset]);
        const out = await lists.page(key, nowRelative, async () => {
          const reports = await store.listReports(db, filter);
          return render(format, 'service_requests', reports.map((r) => requestOf(engagement, r)));
        });
        return reply.status(200).header('content-type', out.type).header('access-control-allow-origin', '*').send(out.body);
      }
      case 'updates': {
        const updates = await store.listUpdates(db, { jurisdictionId: jurisdiction, ...windowOf(q, now()), ...pageOf(q) });
        return send(reply, format, 'service_request_updates', updates.map((u) => ({
          update_id: u.updateId, service_request_id: String(u.serviceRequestId), status: u.status, updated_datetime: u.updatedAt,
          description: u.description, media_url: u.mediaUrl,
        })));
      }
    }
  }

  async function post(request: FastifyRequest, reply: FastifyReply, tail: string): Promise<FastifyReply> {
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Params;
    const jurisdiction = jurisdictionOf(body, engagement.jurisdictions);
    // The key before the resource: a caller without one learns nothing about what may be posted (as under /api/).
    const clientId = await authorise(body);
    const parsed = parseResourcePath(tail);
    if (!parsed || (parsed.resource.kind !== 'requests' && parsed.resource.kind !== 'updates')) {
      throw open311Failure(404, `no resource accepts POST at ${OPEN311_PREFIX}/${tail.slice(0, 80)}; post to requests.xml, requests.json or servicerequestupdates.xml`);
    }
    if (parsed.resource.kind === 'updates') {
      const u = parseUpdate(body);
      const report = await store.getReport(db, jurisdiction, u.serviceRequestId);
      if (!report) throw open311Failure(404, `service_request_id '${u.serviceRequestId}' was not found`);
      const saved = await db.transaction(async (tx) => {
        const row = await store.insertUpdate(tx, { reportId: report.id, status: u.status, description: u.description, mediaUrl: u.mediaUrl, clientId, externalId: u.externalId, updatedAt: u.updatedAt });
        // Staff see what the reporter added on the case page, as a note in the case's own log.
        if (row.created && report.instanceId !== null) {
          await engine.recordCaseEvent(report.instanceId, { type: 'case.note-added', data: { text: `Update from ${clientId} (${u.status}): ${u.description}`.slice(0, 4000) } }, { actor: `open311:${clientId}`, tx });
        }
        return row;
      });
      return send(reply, parsed.format, 'service_request_updates', [{ update_id: saved.id }]);
    }
    const { request: r, category } = parseServiceRequest(body, engagement.categories);
    const created = await engagement.submitReport({
      jurisdictionId: jurisdiction, serviceCode: r.serviceCode, description: r.description, lat: r.lat, long: r.long, address: r.addressString,
      addressId: r.addressId, zipcode: null, contact: r.contact, mediaUrl: r.mediaUrl, attributes: r.attributes, channel: 'open311', clientId, citizenId: null,
    });
    const notice = `Intake checks each report within 2 working days and sends it to ${category.department}.`;
    const answer: Record<string, Value> = category.type === 'batch' ? { token: created.token } : { service_request_id: String(created.id) };
    return send(reply, parsed.format, 'service_requests', [{ ...answer, service_notice: notice, account_id: r.contact['account_id'] ?? null }]);
  }

  return async (server: FastifyInstance) => {
    await server.register(async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
        done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
      });
      scope.setErrorHandler((error, request, reply) => {
        const format = formatOfUrl(request.url);
        if (error instanceof Open311Failure) return reply.status(error.status).header('content-type', renderErrors(format, error.errors).type).send(renderErrors(format, error.errors).body);
        // The specification's statuses: 404 missing, 403 key, "basically 400 for any other error" (never a 500).
        const known = isGovflowError(error) && error.status < 500;
        const status = known && (error.status === 403 || error.status === 404) ? error.status : 400;
        const fastify = error as { statusCode?: number; message?: string };
        const description = known || (fastify.statusCode !== undefined && fastify.statusCode < 500) ? String(fastify.message ?? 'bad request') : `General service error (reference ${request.id}); please tell us`;
        if (!known && !(fastify.statusCode !== undefined && fastify.statusCode < 500)) options.logger.error({ err: error, reference: request.id, url: request.url }, 'open311 request failed');
        const out = renderErrors(format, [{ code: status, description }]);
        return reply.status(status).header('content-type', out.type).send(out.body);
      });
      scope.setNotFoundHandler((request, reply) => {
        const out = renderErrors(formatOfUrl(request.url), [{ code: 404, description: `no resource ${request.method} ${request.url.split('?')[0]!.slice(0, 120)}` }]);
        return reply.status(404).header('content-type', out.type).send(out.body);
      });
      scope.get('/*', (request, reply) => get(request, reply, (request.params as { '*': string })['*']));
      scope.post('/*', (request, reply) => post(request, reply, (request.params as { '*': string })['*']));
    }, { prefix: OPEN311_PREFIX });
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
