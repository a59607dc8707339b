import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * What every server-rendered page of govflow (portal, workbench, admin, verification) shares at the HTTP edge:
 * security headers, cookie and form parsing, and the govuk-frontend assets.
 */

/** No inline script anywhere: pages that need script (the modeller) load it from 'self' and relax only script-src. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

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
  return content ? { type, content } : null;
}

/**
 * The HTML edge of one page plugin, in its own Fastify scope: HTML forms parsed up to `formBodyLimit` bytes (larger
 * is a 413 before any handler runs), and the security headers on every HTML answer. `cspFor` lets a page that needs
 * script (a bpmn-js diagram, an editor) relax the policy for that reply only.
 */
export function useHtmlPageEdge(server: FastifyInstance, options: { formBodyLimit: number; cspFor?: (reply: FastifyReply) => string | undefined }): void {
  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: options.formBodyLimit }, (_request, body, done) => {
    done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
  });
  server.addHook('onSend', async (_request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.headers(SECURITY_HEADERS);
      const csp = options.cspFor?.(reply);
      if (csp) reply.header('content-security-policy', csp);
    }
    return payload;
  });
}
