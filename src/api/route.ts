import type { Static, TSchema } from '@sinclair/typebox';
import type { Principal, Role } from '../identity/index.js';
import type { PersonalDataUse } from '../kernel/index.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Who is acting, as written into the event log (`staff:ada`, `system:tax-office`). */
  readonly actor: string | null;
  /** The authenticated caller; null only on public routes. */
  readonly principal: Principal | null;
  /** The request's headers (lower-case names), for the few routes that read one (e.g. `x-govflow-purpose`). */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Who may call a route: `'public'` (anyone, signed in or not) or the roles of which the caller must hold one.
 * Deny by default: there is no "any signed-in user"; department scope and case ownership are checked by the
 * handler on top of this, against `principal`.
 */
export type RouteAccess = 'public' | readonly Role[];

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
  readonly access: RouteAccess;
  /** Declared when the route returns or hands over personal data (src/kernel/personal-data-use.ts). */
  readonly personalData?: PersonalDataUse;
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
  access: RouteAccess;
  personalData?: PersonalDataUse;
  handler: (input: RouteInput<Static<P>, Static<Q>, Static<B>>) => Promise<unknown>;
}): RouteDefinition {
  return { ...definition, status: definition.status ?? 200, handler: definition.handler as RouteDefinition['handler'] };
}
