import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { chosenLanguage, holdReaderLanguage, LANGUAGE_COOKIE, resolveLanguage, runInLanguage } from '../i18n/index.js';
import { htmlErrorHandler, type HtmlErrorOptions } from './page-error.js';
import { SITE_CSS } from './site-css.js';

/**
 * Serves the govuk-frontend assets, and is what every server-rendered page of govflow (portal, workbench, admin,
 * verification) shares at the HTTP edge: security headers, cookie and form parsing.
 */

/** No inline script anywhere: pages that need script (the modeller) load it from 'self' and relax only script-src. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/**
 * The policy of the citizen's pages that carry the installable app (issue 18, app-shell.ts): the edge's, plus the
 * app's own script, manifest and service worker from 'self' (still no inline script, no eval, nothing from elsewhere).
 */
export const APP_CSP = SECURITY_HEADERS['content-security-policy']!.replace("default-src 'none';", "default-src 'none'; script-src 'self'; manifest-src 'self'; worker-src 'self';");
export const APP_SECURITY_HEADERS: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'content-security-policy': APP_CSP };

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** An `application/x-www-form-urlencoded` body; a repeated name (checkboxes) becomes an array. */
export function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(body)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** The govuk-frontend files served under /assets/: the stylesheet, its fonts and images. */
const frontendDir = path.join(path.dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist', 'govuk');
const ASSET_TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.woff': 'font/woff', '.woff2': 'font/woff2', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

/**
 * A govuk-frontend asset by its path under `/assets/` (`govuk-frontend.min.css`, `fonts/x.woff2`,
 * `images/favicon.ico`), or null when there is no such file. Only those three shapes are accepted, so no request
 * can name a file outside the package.
 */
export async function readGovukAsset(file: string): Promise<{ type: string; content: Buffer } | null> {
  const ok = file === 'govuk-frontend.min.css' || /^(fonts|images)\/[a-z0-9-]+\.[a-z0-9]+$/.test(file);
  const type = ASSET_TYPES[path.extname(file)];
  if (!ok || !type) return null;
  const content = await readFile(path.join(frontendDir, file === 'govuk-frontend.min.css' ? file : path.join('assets', file))).catch(() => null);
  if (!content) return null;
  return { type, content: file === 'govuk-frontend.min.css' ? Buffer.concat([content, Buffer.from(SITE_CSS)]) : content };
}

/** A form body as every page handler reads it, urlencoded or multipart alike: repeated names become arrays. */
export type FormBody = Record<string, string | string[]>;

/** The text of one form field ('' when absent or repeated). */
export const formText = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** The request's form body (an empty one for a GET or a body of another type). */
export const formBody = (request: FastifyRequest): FormBody => {
  const b = request.body;
  return b && typeof b === 'object' && !Array.isArray(b) && !Buffer.isBuffer(b) ? b as FormBody : {};
};

/** A file as it arrived in a multipart body. */
export interface IncomingFile {
  readonly field: string;
  readonly filename: string;
  readonly bytes: Buffer;
  /** Longer than the multipart limit: cut off while reading, so certainly too large. */
  readonly truncated: boolean;
}

export interface MultipartLimits {
  readonly fileSize: number;
  readonly files: number;
  readonly fields: number;
  readonly fieldSize: number;
  readonly parts: number;
  readonly headerPairs?: number;
}

const filesOfRequest = new WeakMap<FastifyRequest, IncomingFile[]>();

/** The files a multipart form carried (none for a urlencoded one). */
export const formFiles = (request: FastifyRequest): readonly IncomingFile[] => filesOfRequest.get(request) ?? [];

/**
 * Reads a multipart body into the same shape as a urlencoded one (repeated names become arrays) plus the files.
 * A file longer than the limit is cut off and marked `truncated` (the busboy stream stops at the limit).
 */
export async function readMultipart(request: FastifyRequest): Promise<{ fields: FormBody; files: IncomingFile[] }> {
  const fieldsOut: FormBody = Object.create(null) as FormBody;
  const files: IncomingFile[] = [];
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      files.push({ field: part.fieldname, filename: part.filename ?? '', bytes: Buffer.concat(chunks), truncated: part.file.truncated });
    } else if (typeof part.value === 'string') {
      const prev = fieldsOut[part.fieldname];
      fieldsOut[part.fieldname] = prev === undefined ? part.value : Array.isArray(prev) ? [...prev, part.value] : [prev, part.value];
    }
  }
  return { fields: fieldsOut, files };
}

export interface HtmlPageEdgeOptions {
  /** urlencoded bodies up to this many bytes; larger is a 413 before any handler runs. */
  readonly formBodyLimit: number;
  /**
   * Also accept multipart/form-data (file uploads) within these limits on every route of the area, for an area whose
   * scope holds only upload routes (see {@link acceptMultipartForms}); its text fields become the body.
   */
  readonly multipart?: MultipartLimits;
  /** The signed-in account's language preference, if the area knows one. */
  readonly languagePreference?: (request: FastifyRequest) => unknown;
  /** A page that needs script (a bpmn-js diagram, an editor) relaxes the policy for that reply only. */
  readonly cspFor?: (reply: FastifyReply) => string | undefined;
  /**
   * The area's pages carry the installable app (PageOptions `app`): its manifest, worker and script from 'self' are
   * allowed (APP_CSP; still no inline script). The citizen's areas only: staff pages run no script.
   */
  readonly app?: boolean;
  /** The area's error pages (one handler for all areas, see page-error.ts). */
  readonly errors: HtmlErrorOptions;
}

/**
 * The reader's language for every page of an area: the switcher's `?lang=` (kept in a cookie for the next pages),
 * the cookie, the signed-in account's preference, `Accept-Language`. The request and all it awaits run in it, so
 * templates ask the i18n layer for words without being handed the language.
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in account's language, set by whoever knows who is signed in (identity's session hook). */
    languagePreference?: string;
  }
}

export function useReaderLanguage(server: FastifyInstance, preference: (request: FastifyRequest) => unknown = (request) => request.languagePreference): void {
  server.addHook('onRequest', (request, reply, done) => {
    const query = (request.query as Record<string, unknown> | undefined)?.['lang'];
    const switched = chosenLanguage(query);
    // Not HttpOnly-worthy (it names a language, nothing secret), but kept to the site and first-party requests.
    if (switched) void reply.header('set-cookie', `${LANGUAGE_COOKIE}=${switched}; Path=/; Max-Age=31536000; SameSite=Lax`);
    const cookie = parseCookies(request.headers.cookie)[LANGUAGE_COOKIE];
    const language = resolveLanguage({ query, cookie, preference: preference?.(request), acceptLanguage: request.headers['accept-language'] });
    void reply.header('content-language', language === 'qps' || language === 'qps-rtl' ? 'en' : language);
    // Until the answer has gone out or the connection is gone: while no page holds it, the language storage is off.
    const release = holdReaderLanguage();
    reply.raw.once('close', release);
    runInLanguage(language, () => done(), request.url);
  });
}

/**
 * The HTML edge of one area (portal, workbench, admin, sign-in pages), registered into the area's scope: ONE form
 * parsing path (urlencoded, and on the routes that take uploads multipart read completely *before* the handler and
 * the CSRF hook, so both encodings look the same to them), the security headers on every HTML answer, and the HTML
 * error handler.
 */
export const htmlPageEdge = fp<HtmlPageEdgeOptions>(async (server, options) => {
  await useHtmlPageEdge(server, options);
  server.setErrorHandler(htmlErrorHandler(options.errors));
});

/**
 * The same edge without the error handler, for an area that keeps its own (the operations pages): the one form
 * parsing path and the security headers, in the given scope.
 */
export async function useHtmlPageEdge(server: FastifyInstance, options: Omit<HtmlPageEdgeOptions, 'errors'>): Promise<void> {
  useReaderLanguage(server, options.languagePreference);
  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: options.formBodyLimit }, (_request, body, done) => {
    done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
  });
  if (options.multipart) await acceptMultipartForms(server, options.multipart);
  // A callback hook: it waits for nothing, and an async one costs a promise per response.
  server.addHook('onSend', (_request, reply, payload, done) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.headers(SECURITY_HEADERS);
      if (options.app) reply.header('content-security-policy', APP_CSP);
      const csp = options.cspFor?.(reply);
      if (csp) reply.header('content-security-policy', csp);
    }
    done(null, payload);
  });
}

/**
 * Multipart/form-data bodies for the routes of this scope (file uploads), within these limits: read completely
 * *before* the handler and the CSRF hook, so the text fields become the body as a urlencoded form's would and the
 * files come from {@link formFiles}. Register it in a scope that holds only the routes taking uploads (an area
 * registers them in a child scope): @fastify/multipart adds an async onRequest and onResponse hook to every route
 * of its scope (for files saved to disk, which govflow never does), a promise each per request; a page that takes
 * no upload would pay for them, and a multipart body sent to it is refused with 415 before any handler runs.
 */
export async function acceptMultipartForms(server: FastifyInstance, limits: MultipartLimits): Promise<void> {
  await server.register(multipart, { limits, throwFileSizeLimit: false });
  // A callback hook: an async hook costs each request a promise, even one that is not multipart.
  server.addHook('preValidation', (request, _reply, done) => {
    if (!request.isMultipart()) return done();
    readMultipart(request).then(({ fields, files }) => {
      request.body = fields;
      filesOfRequest.set(request, files);
      done();
    }, (error: unknown) => done(error as Error));
  });
}

/** Shapes of path parameters, declared on every page route: a malformed one is a 400 before any handler runs. */
export const PARAM = {
  /** A database id: plain decimal digits, 1 to 2^53 (no sign, exponent or leading zero). */
  id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' },
  /** A catalogue id (service, question page) or organisation id: lower-case letters, digits and dashes. */
  slug: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
  /** A case reference such as BP-2026-000123. */
  reference: { type: 'string', pattern: '^[A-Z]{1,5}-[0-9]{4}-[0-9]{6,12}$' },
  /** An opaque token id (payments, files): letters, digits, dot, dash, underscore. */
  token: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' },
  /** A BPMN/DMN definition key. */
  key: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,199}$' },
} as const;

/** The `params` schema of a page route from its parameters' shapes. */
export function paramsSchema(shapes: Readonly<Record<string, (typeof PARAM)[keyof typeof PARAM]>>): { params: object } {
  return { params: { type: 'object', properties: shapes, required: Object.keys(shapes), additionalProperties: false } };
}
