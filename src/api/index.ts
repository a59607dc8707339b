/** The HTTP API (Fastify): one route table → validation at the edge, handlers, OpenAPI 3.1 at /api/openapi.json. */
export { createApiServer, BODY_LIMIT_BYTES } from './server.js';
export type { ApiServerOptions, RegisteredRoute } from './server.js';
export { buildOpenApiDocument } from './openapi.js';
export { route } from './route.js';
export type { HttpMethod, RouteDefinition, RouteInput } from './route.js';
