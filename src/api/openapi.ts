import type { TSchema } from '@sinclair/typebox';
import { ERROR_CATALOGUE } from '../kernel/index.js';
import type { RouteDefinition } from './route.js';
import { ErrorResponse } from './schemas.js';

type JsonObject = Record<string, unknown>;

/** Drops TypeBox's symbol keys and `$id`s so the schema is plain JSON Schema 2020-12 (what OpenAPI 3.1 uses). */
function plain(schema: TSchema): JsonObject {
  return JSON.parse(JSON.stringify(schema, (key, value: unknown) => (key === '$id' ? undefined : value))) as JsonObject;
}

/** `/api/tasks/:id` → `/api/tasks/{id}` */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The OpenAPI 3.1 document, generated from the same route table that validates requests. */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], info: { version: string }): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const r of routes) {
    const parameters: JsonObject[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const object = plain(schema) as { properties?: Record<string, JsonObject>; required?: string[] };
      for (const [name, property] of Object.entries(object.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (object.required ?? []).includes(name), schema: property });
      }
    }
    const statuses = [...new Set(Object.values(ERROR_CATALOGUE).map((e) => e.status))].sort();
    const operation: JsonObject = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(r.body) } } } } : {}),
      responses: {
        [String(r.status)]: { description: 'Success', content: { 'application/json': { schema: plain(r.response) } } },
        ...Object.fromEntries(statuses.map((s) => [String(s), { description: 'Error (see the code)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }])),
      },
    };
    (paths[openApiPath(r.url)] ??= {})[r.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'govflow API',
      version: info.version,
      description: 'Public services as BPMN processes: deployments, instances, user tasks, external workers, incidents, messages, decisions. Errors carry stable codes (docs/errors.md).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: { schemas: { Error: plain(ErrorResponse), ErrorCode: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) } } },
  };
}
