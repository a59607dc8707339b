/** Serves the HTTP API (its route table, /api/health, /api/openapi.json) and hosts every page plugin, behind the web session plugin. */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type ConnectionError, type FastifyBaseLogger, type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { GovflowError, createLogger, personalData, personalDataOf, toGovflowError, type Logger, type PersonalDataUse } from '../kernel/index.js';
import type { Engine } from '../engine/index.js';
import { actorOf, hasRole, webSessionPlugin, type Principal, type WebSessionOptions } from '../identity/index.js';
import type { Database } from '../store/index.js';
import { buildOpenApiDocument } from './openapi.js';
import { requestLogger } from './request-logger.js';
import type { RouteDefinition } from './route.js';
import { engineRoutes } from './routes/engine-routes.js';
import { miningRoutes } from './routes/mining-routes.js';
import { privacyRoutes, type PrivacyRouteOptions } from './routes/privacy-routes.js';
import type { Privacy } from '../privacy/index.js';
import { ledgerHealth, type LedgerLimits, type WriteGuard } from '../ledger/index.js';
import { ledgerRoutes, type LedgerApi } from './routes/ledger-routes.js';

export interface HtmlErrors {
  isPage(url: string, accept: string | undefined): boolean;
  /** `message`: a user error's own sentence (a 4xx the person can act on), shown on the page. */
  document(status: number, reference: string, message?: string): string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ApiServerOptions {
  /**
   * Error pages for people: a page address (not the API's) that no area answers, or that fails outside every
   * area's own handler, gets this HTML document (in the site's layout) instead of the API's JSON error.
   */
  readonly htmlErrors?: HtmlErrors;
  readonly engine: Engine;
  readonly db: Database;
  readonly logger?: Logger;
  /** More JSON routes from other modules, documented in the OpenAPI document. */
  readonly extraRoutes?: readonly RouteDefinition[];
  /**
   * Called with the root instance before any route is added: hooks that must see every route, API and pages alike
   * (metrics, traces, rate limits). Plugins in `plugins` are encapsulated and cannot do that.
   */
  readonly instruments?: readonly ((server: FastifyInstance) => Promise<void> | void)[];
  /** Fastify plugins of other modules (e.g. the portal's HTML pages), each registered in its own scope. */
  readonly plugins?: readonly ((server: FastifyInstance) => Promise<void>)[];
  readonly version?: string;
  /**
   * Resolves the caller of a request (session cookie, API key). Without it every caller is anonymous and only
   * public routes answer: deny by default.
   */
  readonly authenticate?: (request: FastifyRequest) => Promise<Principal | null>;
  /**
   * Identity's page session: when given, the web session plugin (`request.principal`, `request.csrfToken` and the
   * one CSRF hook of every state-changing route, src/identity/web-session.ts) is registered before any plugin.
   */
  readonly webSession?: WebSessionOptions;
  /** The personal-data access log: reads of case data are logged, and findUsage / my-data are served. */
  readonly privacy?: Privacy & { readonly routeOptions?: PrivacyRouteOptions };
  /** The public address; when it is https, every response carries HSTS. */
  readonly publicUrl?: string;
  /** Which catalogue service a process belongs to: API keys of agency systems act only on their services. */
  readonly serviceOfProcess?: (processKey: string) => string | undefined;
  /** The department whose service a process is (the catalogue's `department`): mining is scoped by it. */
  readonly departmentOfProcess?: (processKey: string) => string | undefined;
  /** The process keys of these services (an API key's scope), for filtering lists. */
  readonly processKeysOf?: (services: readonly string[]) => string[];
  /** Called for every route as it is registered (the authorisation matrix test enumerates pages with it). */
  readonly onRoute?: (route: RegisteredRoute) => void;
  /**
   * The ledger (issue 6): the sealer (publish a head on demand), the limits /api/health judges lag against, and the
   * write guard that, when configured to refuse, pauses mutating requests while sealing is behind.
   */
  readonly ledger?: LedgerApi & { readonly limits?: LedgerLimits; readonly guard?: WriteGuard };
  /**
   * Which proxies may name the client in X-Forwarded-For (GOVFLOW_TRUST_PROXY): `request.ip`, and so the sign-in
   * lockout per client, is the real client behind a TLS proxy only when it is set. Default: none.
   */
  readonly trustProxy?: boolean | number | string;
}

/** A route as registered, for the tests generated from the route table (authorisation matrix, access log). */
export interface RegisteredRoute {
  readonly method: string | string[];
  readonly url: string;
  readonly schema?: { params?: unknown };
  /** Its declared use of personal data (API route table `personalData`, or a page's Fastify `config`). */
  readonly personalData?: PersonalDataUse;
}

/** Requests bigger than this are refused with 413 before they are read (a BPMN file may be 5 MB). */
export const BODY_LIMIT_BYTES = 6 * 1024 * 1024;
/** No page or API address is longer; anything longer is refused with 414 before routing. */
const MAX_URL_LENGTH = 8 * 1024;

/** Turns Ajv's validation errors into the coded shape, naming each field. */
function validationError(error: FastifyError): GovflowError {
  const details = (error.validation ?? []).map((v) => {
    const path = `${error.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`;
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    return { where: missing ? `${path}.${missing}` : path, message: v.message ?? 'is not valid' };
  });
  return new GovflowError('GOVFLOW_ERR_VALIDATION', details.map((d) => `${d.where} ${d.message}`).join('; ') || error.message, details);
}

/**
 * One access line per request, from plain fields. Fastify's default writes two lines per request (on arrival and
 * on completion) with serialised request and reply objects: ≈ 5–8 % of a status page's CPU at level `info`.
 */
class AccessLineLogController extends LogController {
  /**
   * The logger's own child without redaction, for the access line only: its fields are plain strings and numbers, in
   * which no redacted path can occur, yet the wildcard paths would run the redactor on each of them on every request
   * (≈ 5 % of a page's CPU). The same line as the request's logger writes: its one binding, reqId, comes first.
   */
  private readonly access: Logger;

  constructor(log: Logger) {
    super();
    this.access = log.child({}, { redact: [] });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: request.ip };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (this.access.isLevelEnabled('info')) this.access.info({ reqId: request.id, ...line }, 'request');
  }
}

/** Sends the error page for a page address (true), or leaves the reply to the JSON error (false). */
function pageSender(htmlErrors: HtmlErrors | undefined): (request: FastifyRequest, reply: FastifyReply, status: number, message?: string) => boolean {
  return (request, reply, status, message) => {
    if (!htmlErrors || !htmlErrors.isPage(request.url, request.headers.accept)) return false;
    void reply.status(status).headers(htmlErrors.headers).type('text/html; charset=utf-8').send(htmlErrors.document(status, request.id, message));
    return true;
  };
}

/**
 * A request line or headers beyond Node's limit never reach a route: the browser still gets a page (414 when the
 * address itself is what overflowed, 431 for headers), a program the JSON Fastify would send.
 */
function clientErrorHandler(htmlErrors: HtmlErrors | undefined): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
    const overflow = error.code === 'HPE_HEADER_OVERFLOW';
    // Node hands over a Buffer; Fastify's types describe its JSON form.
    const raw: unknown = error.rawPacket;
    const packet = Buffer.isBuffer(raw) ? raw : Buffer.from((raw as { data?: number[] } | undefined)?.data ?? []);
    const firstLine = packet.toString('latin1').split('\r\n', 1)[0] ?? '';
    const status = !overflow ? 400 : firstLine.length > MAX_URL_LENGTH ? 414 : 431;
    const url = /^[A-Z]+ (\S+)/.exec(firstLine)?.[1] ?? '/';
    const page = htmlErrors?.isPage(url, undefined) ? htmlErrors.document(status, randomUUID()) : undefined;
    const body = page ?? JSON.stringify({ code: status === 400 ? 'GOVFLOW_ERR_VALIDATION' : 'GOVFLOW_ERR_PAYLOAD_TOO_LARGE', message: STATUS_CODES[status], details: [] });
    const type = page ? 'text/html; charset=utf-8' : 'application/json';
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${type}\r\nConnection: close\r\n\r\n${body}`);
  };
}

/** The HTTP API: a Fastify server whose routes, validation and OpenAPI document come from one route table. */
export async function createApiServer(options: ApiServerOptions): Promise<{ server: FastifyInstance; routes: RouteDefinition[] }> {
  const log = options.logger ?? createLogger({ name: 'api' });
  const asPage = pageSender(options.htmlErrors);
  const server: FastifyInstance = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // A path parameter longer than find-my-way's default (100) would not match its route at all (414, or a
    // wildcard's 404): let the route's declared shape refuse it with a 400 that names the parameter instead.
    routerOptions: { maxParamLength: 8 * 1024 },
    genReqId: () => randomUUID(),
    // A hop count becomes "trust the nearest n proxies" (proxy-addr's function form; Fastify's types take no number).
    trustProxy: typeof options.trustProxy === 'number' ? ((_address: string, hop: number) => hop < (options.trustProxy as number)) : options.trustProxy ?? false,
    logController: new AccessLineLogController(log),
    childLoggerFactory: requestLogger,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } },
    clientErrorHandler: clientErrorHandler(options.htmlErrors),
  });
  // An address longer than any page's (8 KiB) is refused before routing: 414, a page for people.
  // The hooks that every request passes through and that do not wait for anything are callback hooks: an async
  // hook costs a promise and a microtask turn per request (and the i18n layer's AsyncLocalStorage a hook call each).
  server.addHook('onRequest', (request, reply, done) => {
    if (request.url.length <= MAX_URL_LENGTH) return done();
    if (asPage(request, reply, 414)) return;
    void reply.status(414).send({ code: 'GOVFLOW_ERR_VALIDATION', message: `the address is longer than ${MAX_URL_LENGTH} characters`, details: [] });
  });
  for (const instrument of options.instruments ?? []) await instrument(server);
  const routes = [...engineRoutes(options.engine, options.privacy, options.privacy?.routeOptions, options.serviceOfProcess, options.processKeysOf), ...miningRoutes(options.db, options.departmentOfProcess), ...(options.privacy ? privacyRoutes(options.privacy) : []), ...ledgerRoutes(options.db, options.ledger), ...(options.extraRoutes ?? [])];
  const document = buildOpenApiDocument(routes, { version: options.version ?? '0.1.0' });

  server.setErrorHandler((error: FastifyError, request, reply) => {
    let coded: GovflowError;
    if (error.validation) coded = validationError(error);
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') coded = new GovflowError('GOVFLOW_ERR_PAYLOAD_TOO_LARGE', `the request body is larger than ${BODY_LIMIT_BYTES} bytes`);
    else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (error.statusCode === 400 && !(error instanceof GovflowError))) {
      coded = new GovflowError('GOVFLOW_ERR_VALIDATION', error.message);
    } else if (!(error instanceof GovflowError) && error.statusCode !== undefined && error.statusCode > 400 && error.statusCode < 500) {
      // Fastify's and its plugins' own refusals (415, 413 of a multipart part, …) keep their status.
      if (asPage(request, reply, error.statusCode)) return;
      void reply.status(error.statusCode).send({ code: error.statusCode === 413 ? 'GOVFLOW_ERR_PAYLOAD_TOO_LARGE' : 'GOVFLOW_ERR_VALIDATION', message: error.message, details: [] });
      return;
    } else coded = toGovflowError(error);
    if (coded.kind === 'bug') {
      // Our fault: full detail in the log, a reference for the caller, never a stack trace.
      const reference = request.id;
      log.error({ err: error, reference, url: request.url }, 'request failed');
      if (asPage(request, reply, 500)) return;
      void reply.status(500).send({ code: coded.code, message: `${coded.message} (reference ${reference})`, details: [] });
      return;
    }
    // A user error keeps its own sentence on the page (what to do), as its JSON would.
    if (asPage(request, reply, coded.status, coded.kind === 'user' ? coded.message : undefined)) return;
    void reply.status(coded.status).send(coded.toJSON());
  });
  server.setNotFoundHandler((request, reply) => {
    if (asPage(request, reply, 404)) return;
    void reply.status(404).send({ code: 'GOVFLOW_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}`, details: [] });
  });

  // PostgreSQL text cannot hold U+0000: refuse it at the edge, naming the field, for every route (API and pages),
  // instead of letting the database fail the request later. Integers in a path or query string are plain decimal
  // digits within 2^53 (no `1e3`, no sign, no 20-digit overflow): a 400 naming the field, never a 500 downstream.
  server.addHook('preValidation', (request, _reply, done) => {
    const where = findNul({ params: request.params, querystring: request.query, body: request.body });
    if (where) return done(new GovflowError('GOVFLOW_ERR_VALIDATION', `${where} must not contain the NUL character (U+0000)`, [{ where, message: 'must not contain the NUL character' }]));
    // request.routeOptions builds a new object on each read: read once, and only when there is a value to check.
    const schema = hasKeys(request.params) || hasKeys(request.query) ? request.routeOptions.schema : undefined;
    const bad = schema ? malformedInteger(schema.params, request.params, 'params') ?? malformedInteger(schema.querystring, request.query, 'querystring') : null;
    if (bad) return done(new GovflowError('GOVFLOW_ERR_VALIDATION', `${bad} must be a whole number written in digits, from 0 to ${Number.MAX_SAFE_INTEGER}`, [{ where: bad, message: 'must be a whole number written in digits' }]));
    done();
  });

  // Every response, pages and files included, is never sniffed; JSON API responses hold personal data and are never
  // cached; HSTS once served over https.
  const hsts = options.publicUrl?.startsWith('https:') === true;
  server.addHook('onSend', (request, reply, payload, done) => {
    if (hsts) void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    void reply.header('x-content-type-options', 'nosniff');
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  // X-Road style: while the ledger cannot keep up, writes are refused with a coded retry error (reads still work,
  // and so does publishing a head, which helps it catch up). The guard's reading is refreshed in the background.
  const guard = options.ledger?.guard;
  if (guard) {
    server.addHook('onRequest', (request, _reply, done) => {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS' || request.url.startsWith('/api/ledger/')) return done();
      try {
        guard.check();
      } catch (error) {
        return done(error as Error);
      }
      done();
    });
  }
  server.get('/api/health', async (_request, reply) => {
    await options.db.query('select 1');
    if (!options.ledger) return { status: 'ok', database: options.db.backend };
    const h = await ledgerHealth(options.db, options.ledger.limits);
    const ledger = {
      status: h.behind ? 'behind' : 'ok', sealedUpTo: h.treeSize, lagEvents: h.unsealed, lagSeconds: h.lagSeconds,
      maxLagEvents: h.limits.maxUnsealed, maxLagSeconds: h.limits.maxLagSeconds,
    };
    if (h.behind) void reply.status(503);
    return { status: h.behind ? 'degraded' : 'ok', database: options.db.backend, ledger };
  });
  server.get('/api/openapi.json', async () => document);

  if (options.onRoute) {
    const onRoute = options.onRoute;
    server.addHook('onRoute', (r) => {
      const use = personalDataOf(r.config);
      onRoute({ method: r.method, url: r.url, ...(r.schema ? { schema: r.schema as { params?: unknown } } : {}), ...(use ? { personalData: use } : {}) });
    });
  }
  if (options.webSession) await server.register(webSessionPlugin, options.webSession);
  for (const plugin of options.plugins ?? []) await server.register(plugin);

  const principals = new WeakMap<FastifyRequest, Principal | null>();
  for (const r of routes) {
    server.route({
      method: r.method,
      url: r.url,
      ...(r.personalData ? personalData(r.personalData) : {}),
      schema: {
        ...(r.params ? { params: r.params } : {}),
        ...(r.query ? { querystring: r.query } : {}),
        ...(r.body ? { body: r.body } : {}),
      },
      // Access is decided before the body is validated, so a caller without the role learns nothing from a 400.
      preValidation: async (request) => {
        const principal = options.authenticate ? await options.authenticate(request) : null;
        principals.set(request, principal);
        if (r.access !== 'public') {
          if (!principal) throw new GovflowError('GOVFLOW_ERR_UNAUTHENTICATED', 'sign in or send an API key to use this route');
          if (!hasRole(principal, r.access)) throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', `this route needs one of the roles: ${r.access.join(', ')}`);
        }
      },
      handler: async (request, reply) => {
        const principal = principals.get(request) ?? null;
        const actor = principal ? actorOf(principal) : null;
        const result = await r.handler({ params: request.params, query: request.query ?? {}, body: request.body ?? {}, actor, principal, headers: request.headers });
        void reply.status(r.status);
        return result;
      },
    });
  }
  return { server, routes };
}

/** The path of the first string (or key) holding U+0000 in request input, or null. Depth-limited: input is validated elsewhere. */
function findNul(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (depth > 20 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return null;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return here;
    const found = findNul(inner, here, depth + 1);
    if (found) return found;
  }
  return null;
}

function hasKeys(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const _key in value) return true;
  return false;
}

/** Integer-typed properties of a params/querystring schema whose raw value is not plain decimal digits within 2^53. */
function malformedInteger(schema: unknown, values: unknown, where: string): string | null {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (!properties || values === null || typeof values !== 'object') return null;
  for (const [name, property] of Object.entries(properties)) {
    if (property.type !== 'integer') continue;
    const raw = (values as Record<string, unknown>)[name];
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (value === undefined || typeof value !== 'string') continue;
      if (!/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value))) return `${where}.${name}`;
    }
  }
  return null;
}
