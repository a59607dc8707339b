/**
 * Serves the NGSI-LD API subset at /ngsi-ld/v1 (ETSI GS CIM 009): entities create, read, query by type and q,
 * attribute update and append; entityOperations/upsert in batches; temporal/entities reads; and the receiver of
 * an Orion-LD subscription's notifications. Every error is an NGSI-LD problem detail; a request with any bad
 * entity stores nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isGovflowError } from '../kernel/index.js';
import { MODEL_TYPES, modelTypeOf } from './models.js';
import { checkEntityId, entityIdParams, formatEntity, isDateTime, NgsiLdProblem, parseAttributes, parseBatch, parseEntity, type Representation } from './ngsi-ld.js';
import { queryEntities, readEntity, readSeries, type QTerm } from './observation-store.js';
import type { Sensors } from './sensors.js';

const BASE = '/ngsi-ld/v1';
const BODY_LIMIT = 4 * 1024 * 1024;
const MAX_LIMIT = 1000;
// Bounds PostgreSQL's timestamptz accepts (JavaScript's largest date is beyond them).
const START_OF_TIME = '0001-01-01T00:00:00Z';
const END_OF_TIME = '9999-12-31T23:59:59Z';
const CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld';

/** Who may call: `write` for stores, `read` for reads; the composition root answers with identity's principal. */
export type SensorsAuthorise = (request: FastifyRequest, access: 'read' | 'write') => Promise<boolean>;

type Query = Record<string, string | undefined>;

function optionsOf(query: Query): Set<string> {
  return new Set((query['options'] ?? '').split(',').map((o) => o.trim()).filter((o) => o !== ''));
}

const representationOf = (query: Query): Representation => {
  const options = optionsOf(query);
  return options.has('keyValues') || options.has('simplified') || query['format'] === 'simplified' || query['format'] === 'keyValues' ? 'keyValues' : 'normalized';
};

function intParam(query: Query, name: string, fallback: number, max: number): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > max) throw new NgsiLdProblem('BadRequestData', `'${name}' must be a whole number from 0 to ${max}`, { attribute: name });
  return value;
}

const Q_TERM = /^([^\s=!<>;|()]+)\s*(==|!=|>=|<=|>|<)\s*(.+)$/;

/** The `q` subset govflow evaluates: comparisons joined by `;` (and). Anything else is named as unsupported. */
export function parseQ(q: string): QTerm[] {
  if (q.length > 1000) throw new NgsiLdProblem('BadRequestData', 'q is longer than 1000 characters', { attribute: 'q' });
  return q.split(';').map((part) => {
    const match = Q_TERM.exec(part.trim());
    if (!match) throw new NgsiLdProblem('BadRequestData', `The q term '${part.slice(0, 80)}' is not attribute, operator (== != > >= < <=), value; terms are joined by ;`, { attribute: 'q' });
    const [, attribute, op, raw] = match as unknown as [string, string, QTerm['op'], string];
    let value: QTerm['value'];
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) value = Number(raw);
    else if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (/^"[^"]*"$/.test(raw)) value = raw.slice(1, -1);
    else throw new NgsiLdProblem('BadRequestData', `The value in q term '${part.slice(0, 80)}' must be a number, true, false or a "quoted text"`, { attribute });
    return { attribute, op, value };
  });
}

function sendProblem(reply: FastifyReply, problem: NgsiLdProblem): FastifyReply {
  return reply.status(problem.status).type('application/json').send(problem.toJSON());
}

const ld = (reply: FastifyReply, request: FastifyRequest, body: unknown, status = 200): FastifyReply => {
  // application/ld+json when asked for, with the core context inline; plain JSON (context in a Link header) otherwise.
  const wantsLd = (request.headers.accept ?? '').includes('application/ld+json');
  const withContext = (e: unknown): unknown => (wantsLd && typeof e === 'object' && e !== null ? { ...e, '@context': CORE_CONTEXT } : e);
  if (!wantsLd) reply.header('link', `<${CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`);
  return reply.status(status).type(wantsLd ? 'application/ld+json' : 'application/json').send(Array.isArray(body) ? body.map(withContext) : withContext(body));
};

function timeRange(query: Query): { from: string; to: string } {
  const timerel = query['timerel'];
  const timeAt = query['timeAt'] ?? query['timeat'];
  const endTimeAt = query['endTimeAt'] ?? query['endtimeat'];
  if (timerel === undefined) return { from: START_OF_TIME, to: END_OF_TIME };
  if (!isDateTime(timeAt)) throw new NgsiLdProblem('BadRequestData', 'timeAt must be an ISO 8601 date-time with a time zone', { attribute: 'timeAt' });
  if (timerel === 'before') return { from: START_OF_TIME, to: timeAt };
  if (timerel === 'after') return { from: timeAt, to: END_OF_TIME };
  if (timerel === 'between') {
    if (!isDateTime(endTimeAt)) throw new NgsiLdProblem('BadRequestData', 'timerel=between needs endTimeAt, an ISO 8601 date-time with a time zone', { attribute: 'endTimeAt' });
    return { from: timeAt, to: endTimeAt };
  }
  throw new NgsiLdProblem('BadRequestData', 'timerel must be before, after or between', { attribute: 'timerel' });
}

const attrsParam = (query: Query): string[] | undefined => query['attrs']?.split(',').map((a) => a.trim()).filter((a) => a !== '');

export async function registerNgsiLdRoutes(server: FastifyInstance, sensors: Sensors, authorise: SensorsAuthorise): Promise<void> {
  const guard = async (request: FastifyRequest, access: 'read' | 'write'): Promise<void> => {
    if (!(await authorise(request, access))) {
      throw Object.assign(new NgsiLdProblem('BadRequestData', access === 'write' ? 'Storing readings needs an API key with the sensors scope (Authorization: Bearer …)' : 'Reading sensors needs an API key with the sensors scope or a staff sign-in'), { unauthorised: true });
    }
  };

  await server.register(async (scope) => {
    // Who may call is decided before the body is read: a refused caller learns nothing from a parse error.
    scope.addHook('onRequest', async (request) => {
      if (!request.url.startsWith('/ngsi-ld/')) return;
      // A malformed address is the caller's mistake whoever calls (400 before the access check, as on every route);
      // the database never sees a NUL.
      if (/%00|\u0000/.test(request.url)) throw new NgsiLdProblem('BadRequestData', 'The address contains a NUL character');
      const id = (request.params as { id?: unknown } | undefined)?.id;
      if (id !== undefined) checkEntityId(id);
      await guard(request, request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');
    });
    const parseJson = (_request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void): void => {
      try {
        done(null, JSON.parse(body));
      } catch {
        done(new NgsiLdProblem('InvalidRequest', 'The body is not valid JSON'));
      }
    };
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'application/ld+json'], { parseAs: 'string', bodyLimit: BODY_LIMIT }, parseJson);
    scope.setErrorHandler((error, _request, reply) => {
      if (error instanceof NgsiLdProblem) {
        if ((error as NgsiLdProblem & { unauthorised?: boolean }).unauthorised) {
          return reply.status(401).type('application/json').send({ type: 'https://uri.etsi.org/ngsi-ld/errors/Unauthorized', title: 'Unauthorized', status: 401, detail: error.message });
        }
        return sendProblem(reply, error);
      }
      // The edge's own refusals (a session cookie without its CSRF token, a caller without the right): the caller must act.
      if (isGovflowError(error) && (error.status === 401 || error.status === 403)) {
        const title = error.status === 401 ? 'Unauthorized' : 'Forbidden';
        return reply.status(error.status).type('application/json').send({ type: `https://uri.etsi.org/ngsi-ld/errors/${title}`, title, status: error.status, detail: error.message });
      }
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 415) return sendProblem(reply, new NgsiLdProblem('UnsupportedMediaType', 'Send application/json or application/ld+json'));
      if (status === 413) return sendProblem(reply, new NgsiLdProblem('BadRequestData', `The body is larger than ${BODY_LIMIT} bytes`));
      if (status !== undefined && status < 500) return sendProblem(reply, new NgsiLdProblem('InvalidRequest', (error as Error).message));
      scope.log.error({ err: error }, 'NGSI-LD request failed');
      return reply.status(500).type('application/json').send({ type: 'https://uri.etsi.org/ngsi-ld/errors/InternalError', title: 'Internal Error', status: 500, detail: 'Something went wrong on our side' });
    });
    // The rest of /ngsi-ld/ answers as NGSI-LD does (the server's not-found page is for people).
    scope.route({ method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'], url: '/ngsi-ld/*', handler: async (request, reply) => sendProblem(reply, new NgsiLdProblem('ResourceNotFound', `${request.method} ${request.url.split('?')[0]} is not part of govflow's NGSI-LD API`)) });

    scope.post(`${BASE}/entities`, async (request, reply) => {
      const entity = parseEntity(request.body, representationOf(request.query as Query));
      await sensors.ingest([entity], { mode: 'create' });
      return reply.status(201).header('location', `${BASE}/entities/${encodeURIComponent(entity.id)}`).send();
    });

    scope.get(`${BASE}/entities`, async (request, reply) => {
      const query = request.query as Query;
      const type = query['type'];
      const ids = query['id']?.split(',').map((id) => checkEntityId(id.trim(), 'id'));
      if (type === undefined && query['q'] === undefined && ids === undefined && query['attrs'] === undefined) {
        throw new NgsiLdProblem('BadRequestData', 'A query needs at least one of type, id, q or attrs', { attribute: 'type' });
      }
      const model = type === undefined ? undefined : modelTypeOf(type);
      if (type !== undefined && !model) throw new NgsiLdProblem('BadRequestData', `The type '${type.slice(0, 80)}' is not one govflow stores: use ${MODEL_TYPES.join(', ')}`, { attribute: 'type' });
      const found = await queryEntities(sensors.db, {
        ...(model ? { type: model } : {}), ...(ids ? { ids } : {}), ...(query['q'] !== undefined ? { q: parseQ(query['q']) } : {}),
        limit: intParam(query, 'limit', 20, MAX_LIMIT), offset: intParam(query, 'offset', 0, 1_000_000),
      });
      if (query['count'] === 'true') reply.header('ngsild-results-count', String(found.count));
      const pick = attrsParam(query);
      return ld(reply, request, found.entities.map((e) => formatEntity(e, representationOf(query), pick)));
    });

    scope.get(`${BASE}/entities/:id`, { schema: entityIdParams }, async (request, reply) => {
      const id = checkEntityId((request.params as { id: string }).id);
      const entity = await readEntity(sensors.db, id);
      if (!entity) throw new NgsiLdProblem('ResourceNotFound', `There is no entity '${id}'`, { entityId: id });
      const query = request.query as Query;
      return ld(reply, request, formatEntity(entity, representationOf(query), attrsParam(query)));
    });

    // PATCH updates attributes, POST appends them: both merge into the entity's latest state and add readings.
    const changeAttributes = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const id = checkEntityId((request.params as { id: string }).id);
      const entity = await readEntity(sensors.db, id);
      if (!entity) throw new NgsiLdProblem('ResourceNotFound', `There is no entity '${id}'`, { entityId: id });
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NgsiLdProblem('InvalidRequest', 'The body must be a JSON object of attributes');
      const attrs = parseAttributes(entity.type, id, body as Record<string, unknown>, representationOf(request.query as Query));
      if (Object.keys(attrs).length === 0) throw new NgsiLdProblem('BadRequestData', 'The body names no attribute to change', { entityId: id });
      await sensors.ingest([{ id, type: entity.type, attrs }], { mode: 'merge' });
      return reply.status(204).send();
    };
    scope.patch(`${BASE}/entities/:id/attrs`, { schema: entityIdParams }, changeAttributes);
    scope.post(`${BASE}/entities/:id/attrs`, { schema: entityIdParams }, changeAttributes);

    scope.post(`${BASE}/entityOperations/upsert`, async (request, reply) => {
      const query = request.query as Query;
      const entities = parseBatch(request.body, representationOf(query));
      // Answered once stored (201/204 say so); the rules run right after, as for MQTT.
      const result = await sensors.ingest(entities, { mode: optionsOf(query).has('update') ? 'merge' : 'replace', rules: 'background' });
      return result.created.length > 0 ? reply.status(201).type('application/json').send(result.created) : reply.status(204).send();
    });

    // Orion-LD's notification (a subscription whose endpoint is this address): its `data` are entities to merge.
    scope.post(`${BASE}/notify`, async (request, reply) => {
      const body = request.body as { type?: unknown; data?: unknown } | null;
      if (typeof body !== 'object' || body === null || body.type !== 'Notification' || !Array.isArray(body.data)) {
        throw new NgsiLdProblem('BadRequestData', 'A notification is an object with "type": "Notification" and a "data" array of entities', { attribute: 'data' });
      }
      const entities = parseBatch(body.data, representationOf(request.query as Query));
      const result = await sensors.ingest(entities, { mode: 'merge', rules: 'background' });
      return reply.status(200).type('application/json').send({ stored: result.stored });
    });

    const temporal = async (request: FastifyRequest, id: string): Promise<Record<string, unknown>> => {
      const query = request.query as Query;
      const entity = await readEntity(sensors.db, id);
      if (!entity) throw new NgsiLdProblem('ResourceNotFound', `There is no entity '${id}'`, { entityId: id });
      const range = timeRange(query);
      const points = await readSeries(sensors.db, id, { ...range, ...(attrsParam(query) ? { attrs: attrsParam(query)! } : {}), limit: intParam(query, 'lastN', MAX_LIMIT * 10, MAX_LIMIT * 10) });
      const out: Record<string, unknown> = { id, type: entity.type };
      const simplified = representationOf(query) === 'keyValues' || optionsOf(query).has('temporalValues');
      for (const p of points) {
        const list = (out[p.attribute] ??= simplified ? { type: 'Property', values: [] } : []) as unknown[] | { values: unknown[] };
        if (Array.isArray(list)) list.push({ type: 'Property', value: p.value, observedAt: p.observedAt });
        else list.values.push([p.value, p.observedAt]);
      }
      return out;
    };
    scope.get(`${BASE}/temporal/entities/:id`, { schema: entityIdParams }, async (request, reply) => {
      return ld(reply, request, await temporal(request, checkEntityId((request.params as { id: string }).id)));
    });
    scope.get(`${BASE}/temporal/entities`, async (request, reply) => {
      const query = request.query as Query;
      const model = query['type'] === undefined ? undefined : modelTypeOf(query['type']);
      if (!model) throw new NgsiLdProblem('BadRequestData', `A temporal query needs a type: one of ${MODEL_TYPES.join(', ')}`, { attribute: 'type' });
      const found = await queryEntities(sensors.db, { type: model, ...(query['q'] !== undefined ? { q: parseQ(query['q']) } : {}), limit: intParam(query, 'limit', 20, 100), offset: intParam(query, 'offset', 0, 1_000_000) });
      const out = [];
      for (const e of found.entities) out.push(await temporal(request, e.id));
      return ld(reply, request, out);
    });
  });
}
