import type { ServiceKind } from './exchange-store.js';

/**
 * The OpenAPI 3.0 description of a published service (PR-REST §5.1: REST services SHOULD be described with
 * OpenAPI 3). It is built from what the service does, so the description cannot drift from the behaviour.
 */
export function describeService(kind: ServiceKind, serviceCode: string, title: string, target: string): Record<string, unknown> {
  const error = { description: 'An X-Road error (X-Road-Error header; body: type, message, detail)', content: { 'application/json': { schema: { $ref: '#/components/schemas/XRoadError' } } } };
  const components = { schemas: { XRoadError: { type: 'object', required: ['type', 'message', 'detail'], properties: { type: { type: 'string' }, message: { type: 'string' }, detail: { type: 'string' } } } } };
  const info = { title, version: '1.0.0', description: `Published by govflow as ${serviceCode}.` };
  if (kind === 'start-process') {
    return { openapi: '3.0.3', info, components, paths: { '/': { post: {
      summary: `Start a case of ${target}`, operationId: 'startCase',
      description: 'The case starts with the body as its variables; X-Road-Issue becomes its reference. The answer comes later as a call back to the client.',
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } },
      responses: { '201': { description: 'The case started (or had started for this X-Road-Id)', content: { 'application/json': { schema: { type: 'object', required: ['caseId', 'reference'], properties: { caseId: { type: 'integer' }, reference: { type: 'string' } } } } } }, '400': error, '500': error },
    } } } };
  }
  if (kind === 'message') {
    return { openapi: '3.0.3', info, components, paths: { '/': { post: {
      summary: `Deliver the message '${target}' to the waiting case`, operationId: 'deliverMessage',
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { correlationKey: { type: 'string', description: 'defaults to X-Road-Issue' }, variables: { type: 'object', additionalProperties: true } } } } } },
      responses: { '200': { description: 'Delivered (once per X-Road-Id)', content: { 'application/json': { schema: { type: 'object', properties: { correlated: { type: 'integer' }, buffered: { type: 'boolean' } } } } } }, '400': error, '500': error },
    } } } };
  }
  return { openapi: '3.0.3', info, components, paths: { '/{reference}': { get: {
    summary: 'The status of a case by its reference', operationId: 'caseStatus',
    parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { '200': { description: 'The case', content: { 'application/json': { schema: { type: 'object', properties: { reference: { type: 'string' }, state: { type: 'string' }, waitingAt: { type: 'array', items: { type: 'string' } } } } } } }, '404': { description: 'No such case' }, '500': error },
  } } } };
}
