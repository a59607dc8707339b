import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GovflowError, safeEqual } from '../kernel/index.js';
import { sessionExpired } from '../web/index.js';
import type { Principal } from './principal.js';

/**
 * Serves every request of the server (registered once, at the root, before any route): the ONE session decorator
 * and the ONE CSRF hook of govflow. Pages read who is signed in from `request.principal` and the form token from
 * `request.csrfToken`; nothing else reads the session cookie for a page.
 *
 * The CSRF rule, for every route there is or will be — nothing to remember when adding one:
 * - every POST, PUT, PATCH and DELETE outside `/api/` must carry this session's token, as the form field `csrf`
 *   (urlencoded or multipart) or the header `X-CSRF-Token`; no session, no token, an empty or another session's
 *   token: 403 before the handler runs;
 * - under `/api/`, a request authenticated by an API key (`Authorization: Bearer …`) is exempt (a key is not sent by
 *   a browser on its own, so it cannot be forged across sites), and so is one with no live session cookie (it
 *   carries no ambient credential); a state-changing API call made with a session cookie must send the token in
 *   `X-CSRF-Token`.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is signed in on this browser (identity's session); null for a visitor. */
    principal: Principal | null;
    /** The session's CSRF token; '' when there is no session. */
    csrfToken: string;
  }
}

export interface WebSessionOptions {
  /** Identity's page session (one statement: the session row and its principal); `create` only on sign-in pages. */
  readonly pageSession: (request: FastifyRequest, reply: FastifyReply) => Promise<{ principal: Principal | null; csrfToken: string; language?: string }>;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Public static files need no session (and would cost a session read each); the admin's editors are for admins only. */
const STATIC = /^\/(assets|staff\/assets)\//;
const BEARER = /^\s*Bearer\s/i;

// Open311 (src/engagement/) and NGSI-LD (src/sensors/) are machine APIs like /api/: their clients post with a key, not a session.
export const isApiPath = (url: string): boolean => url === '/api' || url.startsWith('/api/') || url.startsWith('/api?') || url.startsWith('/open311/') || url.startsWith('/ngsi-ld/');
export const isStateChanging = (method: string): boolean => STATE_CHANGING.has(method);

function tokenMatches(given: unknown, expected: string): boolean {
  return typeof given === 'string' && given !== '' && expected !== '' && safeEqual(given, expected);
}

const headerToken = (request: FastifyRequest): unknown => request.headers['x-csrf-token'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * An RFC 8058 one-click unsubscribe address: its POST with the body `List-Unsubscribe=One-Click` comes from the
     * recipient's mail provider, with no session, and needs none — the unguessable token in the path is the whole
     * authority, so a forged cross-site post could do nothing its sender could not already do with the link.
     * Any other post to it keeps the CSRF rule.
     */
    oneClickUnsubscribe?: boolean;
  }
}

const isOneClickUnsubscribe = (request: FastifyRequest, body: Record<string, unknown> | null | undefined): boolean =>
  request.routeOptions.config?.oneClickUnsubscribe === true && !!body && typeof body === 'object' && body['List-Unsubscribe'] === 'One-Click';

export const webSessionPlugin = fp<WebSessionOptions>(async (server, options) => {
  server.decorateRequest('principal', null);
  server.decorateRequest('csrfToken', '');
  server.decorateRequest('languagePreference', undefined);

  // Callback hooks: every request passes through both, most need no session read (no cookie, a static file, a
  // GET past the CSRF rule), and an async hook costs a promise and a microtask turn per request even then.
  const useSession = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void, check?: (csrfToken: string) => void): void => {
    options.pageSession(request, reply).then((s) => {
      request.principal = s.principal;
      request.csrfToken = s.csrfToken;
      // The account's language, for the page edge's choice after the switcher and its cookie (web/http.ts).
      if (s.language) request.languagePreference = s.language;
      try {
        check?.(s.csrfToken);
      } catch (error) {
        return done(error as Error);
      }
      done();
    }, done);
  };

  server.addHook('onRequest', (request, reply, done) => {
    // Without a cookie there is no session to read: a visitor (the decorators' defaults).
    if (!request.headers.cookie) return done();
    if (isApiPath(request.url)) {
      // The API authenticates each route itself (API key or session); only a cookie call needs the token, in a header.
      if (BEARER.test(request.headers.authorization ?? '')) return done();
      return useSession(request, reply, done, (csrfToken) => {
        if (isStateChanging(request.method) && csrfToken !== '' && !tokenMatches(headerToken(request), csrfToken)) {
          throw new GovflowError('GOVFLOW_ERR_FORBIDDEN', 'CSRF: a state-changing API call made with a session cookie must send the session\'s token in X-CSRF-Token (or use an API key)');
        }
      });
    }
    if (STATIC.test(request.url) && !isStateChanging(request.method)) return done();
    useSession(request, reply, done);
  });

  // After the body is parsed (multipart included: areas read it in preValidation), before any handler.
  server.addHook('preHandler', (request, _reply, done) => {
    if (!isStateChanging(request.method) || isApiPath(request.url)) return done();
    // Pages are for people in a browser: an API key acts only under /api/, never through a page's form.
    if (BEARER.test(request.headers.authorization ?? '')) return done(sessionExpired());
    const body = request.body as Record<string, unknown> | null | undefined;
    if (isOneClickUnsubscribe(request, body)) return done();
    const given = body && typeof body === 'object' && !Buffer.isBuffer(body) && 'csrf' in body ? body['csrf'] : headerToken(request);
    done(tokenMatches(given, request.csrfToken) ? undefined : sessionExpired());
  });
}, { name: 'govflow-web-session', fastify: '5.x' });
