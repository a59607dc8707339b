import type { Static, TSchema } from '@sinclair/typebox';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Who is acting: from the authenticated session once identity lands; until then the `x-govflow-user` header. */
  readonly actor: string | null;
}

/**
 * One HTTP route, declared once: the schemas validate requests at the edge (Fastify/Ajv), document the API
 * (OpenAPI 3.1 is generated from this table) and will drive the authorisation matrix.
 */
export interface RouteDefinition {
  readonly method: HttpMethod;
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: TSchema;
  readonly query?: TSchema;
  readonly body?: TSchema;
  readonly response: TSchema;
  readonly status: 200 | 201 | 202;
  readonly handler: (input: RouteInput<unknown, unknown, unknown>) => Promise<unknown>;
}

/** Declares a route with handler input typed from its schemas. */
export function route<P extends TSchema = TSchema, Q extends TSchema = TSchema, B extends TSchema = TSchema>(definition: {
  method: HttpMethod;
  url: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  response: TSchema;
  status?: 200 | 201 | 202;
  handler: (input: RouteInput<Static<P>, Static<Q>, Static<B>>) => Promise<unknown>;
}): RouteDefinition {
  return { ...definition, status: definition.status ?? 200, handler: definition.handler as RouteDefinition['handler'] };
}
