/**
 * Serves a CKAN-compatible read API over the open-data model, answering as CKAN 2.10's action API does, so that
 * harvesters and clients written for CKAN work unchanged: `{ help, success, result }`, and on failure
 * `{ help, success: false, error: { __type, message } }` with 404 (Not Found Error) or 409 (Validation Error, with
 * the field's messages as CKAN puts them beside `__type`). Organisations are the departments, plus the agency for
 * the dataset that spans them. Read-only: no create/update actions are registered.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { departmentSlug } from './figures.js';
import { ALL_DEPARTMENTS, LICENCE, type OpenDataset, type Publisher } from './datasets.js';

interface Organisation { id: string; name: string; title: string; description: string }

/** A stable UUID-shaped id from a name (CKAN ids are UUIDs; ours are derived so they never change). */
export function stableId(name: string): string {
  const h = createHash('sha256').update(`govflow:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function organisationOf(dataset: OpenDataset, publisher: Publisher): Organisation {
  if (dataset.department === ALL_DEPARTMENTS) return { id: stableId(`org:${publisher.id}`), name: publisher.id, title: publisher.name, description: `${publisher.name}` };
  const name = departmentSlug(dataset.department);
  return { id: stableId(`org:${name}`), name, title: dataset.department, description: `${dataset.department}, ${publisher.name}` };
}

const ckanTime = (iso: string): string => iso.replace(/Z$/, '').replace(/(\.\d{3})?$/, (m) => (m ? `${m}000` : '.000000'));

export function packageDict(dataset: OpenDataset, publisher: Publisher): Record<string, unknown> {
  const org = organisationOf(dataset, publisher);
  const id = stableId(`package:${dataset.id}`);
  return {
    id, name: dataset.id, title: dataset.title, notes: dataset.description, type: 'dataset', state: 'active', private: false,
    license_id: LICENCE.id.toLowerCase(), license_title: LICENCE.title, license_url: LICENCE.url, isopen: true,
    author: publisher.name, author_email: publisher.email, maintainer: dataset.department, maintainer_email: publisher.email,
    url: dataset.landingPage, version: null,
    metadata_created: ckanTime(dataset.issued), metadata_modified: ckanTime(dataset.modified),
    owner_org: org.id, organization: organisationDict(org),
    num_resources: dataset.distributions.length, num_tags: dataset.keywords.length,
    tags: dataset.keywords.map((k) => ({ id: stableId(`tag:${k}`), name: k, display_name: k, state: 'active', vocabulary_id: null })),
    groups: [], relationships_as_object: [], relationships_as_subject: [],
    extras: [{ key: 'temporal_start', value: dataset.temporal.start }, { key: 'temporal_end', value: dataset.temporal.end }],
    resources: dataset.distributions.map((d, position) => ({
      id: stableId(`resource:${d.id}`), package_id: id, name: d.title, description: d.description, format: d.format, mimetype: d.mediaType,
      url: d.url, url_type: null, position, state: 'active', created: ckanTime(dataset.issued), last_modified: ckanTime(dataset.modified),
      metadata_modified: ckanTime(dataset.modified), hash: '', size: null, cache_url: null, mimetype_inner: null, resource_type: null,
      ...(d.schema ? { schema: d.schema } : {}),
    })),
  };
}

function organisationDict(org: Organisation, packageCount?: number): Record<string, unknown> {
  return {
    id: org.id, name: org.name, title: org.title, display_name: org.title, description: org.description, image_url: '', image_display_url: '',
    type: 'organization', is_organization: true, state: 'active', approval_status: 'approved', created: '2026-01-01T00:00:00.000000',
    ...(packageCount !== undefined ? { package_count: packageCount } : {}),
  };
}

export interface CkanOptions {
  /** The datasets, with absolute links under the address the request came to (or the configured public URL). */
  readonly datasets: (request: FastifyRequest) => Promise<readonly OpenDataset[]>;
  readonly publisher: Publisher;
  readonly base: (request: FastifyRequest) => string;
}

type ErrorType = 'Not Found Error' | 'Validation Error';

export function registerCkanApi(server: FastifyInstance, options: CkanOptions): void {
  const help = (reply: FastifyReply, action: string) => `${options.base(reply.request)}/api/3/action/help_show?name=${action}`;
  const ok = (reply: FastifyReply, action: string, result: unknown) => reply.header('cache-control', 'public, max-age=60').send({ help: help(reply, action), success: true, result });
  const fail = (reply: FastifyReply, action: string, status: 404 | 409, type: ErrorType, message: string, fields: Record<string, string[]> = {}) =>
    reply.status(status).send({ help: help(reply, action), success: false, error: { __type: type, message, ...fields } });
  const query = (q: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((q ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out[k] = v; else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
    return out;
  };
  /** CKAN's int validators: a natural number within bounds, or a 409 naming the parameter. */
  const natural = (params: Record<string, string>, name: string, fallback: number, max: number): number | string => {
    const raw = params[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,9}$/.test(raw)) return 'Invalid integer';
    return Math.min(Number(raw), max);
  };

  server.get('/api/3/action/package_list', async (request, reply) => {
    const params = query(request.query);
    const limit = natural(params, 'limit', 1000, 1000);
    const offset = natural(params, 'offset', 0, 1e9);
    if (typeof limit === 'string') return fail(reply, 'package_list', 409, 'Validation Error', `limit: ${limit}`, { limit: [limit] });
    if (typeof offset === 'string') return fail(reply, 'package_list', 409, 'Validation Error', `offset: ${offset}`, { offset: [offset] });
    const names = (await options.datasets(request)).map((d) => d.id).sort();
    return ok(reply, 'package_list', names.slice(offset, offset + limit));
  });

  server.get('/api/3/action/package_show', async (request, reply) => {
    const id = query(request.query)['id'];
    if (!id) return fail(reply, 'package_show', 409, 'Validation Error', 'id: Missing value', { id: ['Missing value'] });
    const dataset = (await options.datasets(request)).find((d) => d.id === id || stableId(`package:${d.id}`) === id);
    if (!dataset) return fail(reply, 'package_show', 404, 'Not Found Error', 'Not found');
    return ok(reply, 'package_show', packageDict(dataset, options.publisher));
  });

  server.get('/api/3/action/package_search', async (request, reply) => {
    const params = query(request.query);
    const rows = natural(params, 'rows', 10, 1000);
    const start = natural(params, 'start', 0, 1e9);
    if (typeof rows === 'string') return fail(reply, 'package_search', 409, 'Validation Error', `rows: ${rows}`, { rows: [rows] });
    if (typeof start === 'string') return fail(reply, 'package_search', 409, 'Validation Error', `start: ${start}`, { start: [start] });
    const q = (params['q'] ?? '').trim();
    // Every word must appear in the name, title, description or a tag (Solr's default AND of the dismax query).
    const words = q === '' || q === '*:*' ? [] : q.toLowerCase().split(/\s+/);
    const fq = params['fq']?.match(/^organization:"?([a-z0-9-]+)"?$/)?.[1];
    const matches = (await options.datasets(request)).filter((d) => {
      const text = [d.id, d.title, d.description, ...d.keywords].join(' ').toLowerCase();
      return words.every((w) => text.includes(w)) && (!fq || organisationOf(d, options.publisher).name === fq);
    }).sort((a, b) => b.modified.localeCompare(a.modified));
    return ok(reply, 'package_search', {
      count: matches.length, sort: 'score desc, metadata_modified desc', facets: {}, search_facets: {},
      results: matches.slice(start, start + rows).map((d) => packageDict(d, options.publisher)),
    });
  });

  server.get('/api/3/action/organization_list', async (request, reply) => {
    const params = query(request.query);
    const datasets = await options.datasets(request);
    const orgs = new Map<string, { org: Organisation; count: number }>();
    for (const d of datasets) {
      const org = organisationOf(d, options.publisher);
      orgs.set(org.name, { org, count: (orgs.get(org.name)?.count ?? 0) + 1 });
    }
    const sorted = [...orgs.values()].sort((a, b) => a.org.name.localeCompare(b.org.name));
    const allFields = params['all_fields'] === 'true' || params['all_fields'] === 'True' || params['all_fields'] === '1';
    return ok(reply, 'organization_list', allFields ? sorted.map((o) => organisationDict(o.org, o.count)) : sorted.map((o) => o.org.name));
  });
}
