/**
 * Serves the installable web app (issue 18): the web app manifest, its icons (app-icon.ts), the service worker at
 * the site root and the one small script that registers it, and the generic offline page. What the worker keeps is
 * only the citizen's own status pages they opened (network first, the kept copy when offline), so they stay readable
 * without a connection; it never keeps staff pages or answers to a POST, and forgets everything when someone signs
 * in or out (a shared computer). Every page works without script: the app is an addition, never a requirement.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { t } from '../i18n/index.js';
import { html, type SafeHtml } from './html.js';
import { APP_SECURITY_HEADERS, PARAM, useReaderLanguage } from './http.js';
import { currentSiteName, page } from './layout.js';
import { iconPng, iconSvg } from './app-icon.js';

export const MANIFEST_PATH = '/manifest.webmanifest';
export const APP_SCRIPT_PATH = '/app.js';
export const SERVICE_WORKER_PATH = '/sw.js';
export const OFFLINE_PATH = '/offline';
export const ICON_SIZES = [192, 512] as const;
const THEME_COLOUR = '#0b0c0c';

/**
 * The citizen's status pages the worker keeps: their applications and each one's status page, their problem reports'
 * pages and their complaints. Anything else (staff pages above all) is never kept.
 */
const shapeOf = (param: { readonly pattern: string }): string => param.pattern.replace(/^\^|\$$/g, '');
export const STATUS_PAGES: readonly RegExp[] = [
  new RegExp(`^/applications(?:/${shapeOf(PARAM.reference)})?$`),
  new RegExp(`^/reports/${shapeOf(PARAM.id)}$`),
  new RegExp(`^/complaints(?:/${shapeOf(PARAM.id)})?$`),
];
/** Posting to these (signing in or out, citizen or staff) makes the worker forget every page it kept. */
export const SIGN_IN_OR_OUT = /^\/(?:staff\/)?sign-(?:in|out)(?:\/|$)/;

export const isStatusPage = (pathname: string): boolean => STATUS_PAGES.some((re) => re.test(pathname));

export function webManifest(): Record<string, unknown> {
  const name = currentSiteName();
  return {
    id: '/', name, short_name: name.length <= 12 ? name : 'govflow', description: 'Your applications, reports and complaints, and where each one stands.',
    lang: 'en', start_url: '/applications', scope: '/', display: 'standalone', theme_color: THEME_COLOUR, background_color: '#ffffff',
    icons: [
      ...ICON_SIZES.map((size) => ({ src: `/app-icon-${size}.png`, sizes: `${size}x${size}`, type: 'image/png', purpose: 'any' })),
      { src: '/app-icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    ],
  };
}

/** The registering script: loaded with `defer` from 'self' on the citizen's pages; nothing happens without it. */
export const APP_SCRIPT = `'use strict';
// govflow's installable app: registers the service worker that keeps the citizen's status pages readable offline.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register(${JSON.stringify(SERVICE_WORKER_PATH)}, { scope: '/' })
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function (registration) {
      // A page loaded before the worker controlled it was not seen by it: ask it to keep this one (only a status page is kept).
      if (!navigator.serviceWorker.controller && registration.active) registration.active.postMessage({ keep: location.pathname });
    })
    .catch(function () { /* no worker: every page still works online */ });
}
`;

/** The service worker, served from the site root so its scope is the whole site. */
export function serviceWorkerScript(): string {
  return `'use strict';
// govflow's service worker (issue 18, docs/engagement.md): network first; the citizen's status pages they opened are
// kept and shown when offline, any other page offline gets the offline page. Nothing is kept from staff pages or
// answers to a POST; signing in or out forgets every kept page.
const SHELL = 'govflow-shell-v1';
const STATUS = 'govflow-status-v1';
const OFFLINE = ${JSON.stringify(OFFLINE_PATH)};
const STYLESHEET = '/assets/govuk-frontend.min.css';
const STATUS_PAGES = [${STATUS_PAGES.map((re) => re.toString()).join(', ')}];
const SIGN_IN_OR_OUT = ${SIGN_IN_OR_OUT.toString()};
const isStatusPage = (url) => url.origin === self.location.origin && STATUS_PAGES.some((re) => re.test(url.pathname));
const keyOf = (url) => url.origin + url.pathname;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll([OFFLINE, STYLESHEET])).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== STATUS).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

// Only the page its owner saw: a 200 HTML answer at that very address (a redirect to the sign-in page is not kept).
async function keep(url, response) {
  if (!response.ok || response.redirected || response.type !== 'basic' || !(response.headers.get('content-type') || '').startsWith('text/html')) return;
  const cache = await caches.open(STATUS);
  await cache.put(keyOf(url), response);
}

async function networkFirst(event, url) {
  try {
    const response = await fetch(event.request);
    if (isStatusPage(url)) event.waitUntil(keep(url, response.clone()));
    return response;
  } catch (error) {
    const kept = isStatusPage(url) ? await caches.match(keyOf(url), { cacheName: STATUS }) : undefined;
    return kept || (await caches.match(OFFLINE, { cacheName: SHELL })) || Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== 'GET') {
    // The kept pages belong to whoever was signed in: signing in or out forgets them all.
    if (request.method === 'POST' && SIGN_IN_OR_OUT.test(url.pathname)) event.waitUntil(caches.delete(STATUS));
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(event, url));
  } else if (url.pathname === STYLESHEET) {
    event.respondWith(fetch(request).catch(() => caches.match(STYLESHEET, { cacheName: SHELL }).then((r) => r || Response.error())));
  }
});

self.addEventListener('message', (event) => {
  const path = event.data && event.data.keep;
  if (typeof path !== 'string') return;
  const url = new URL(path, self.location.origin);
  if (!isStatusPage(url)) return;
  event.waitUntil(fetch(url.href, { credentials: 'same-origin' }).then((response) => keep(url, response)).catch(() => undefined));
});
`;
}

const cached = new Map<string, Buffer>();
const iconOf = (size: number): Buffer => {
  const key = String(size);
  if (!cached.has(key)) cached.set(key, iconPng(size));
  return cached.get(key)!;
};

/** A message with one link in it (`\u0000` in its text, where the translator placed it). */
function withLink(message: string, href: string, text: string): SafeHtml {
  const [before = '', after = ''] = message.split('\u0000');
  return html`${before}<a class="govuk-link" href="${href}">${text}</a>${after}`;
}

/** The app's files and the offline page, as one Fastify plugin of the web edge; the page in the reader's language. */
export async function appShellPlugin(server: FastifyInstance): Promise<void> {
  useReaderLanguage(server);
  const files = (type: string, body: string | Buffer, maxAge: number) => ({ type, body, maxAge });
  const send = (reply: FastifyReply, f: ReturnType<typeof files>, extra: Record<string, string> = {}) =>
    reply.type(f.type).headers({ 'x-content-type-options': 'nosniff', 'cache-control': f.maxAge > 0 ? `public, max-age=${f.maxAge}` : 'no-cache', ...extra }).send(f.body);
  server.get(MANIFEST_PATH, async (_request, reply) => send(reply, files('application/manifest+json; charset=utf-8', JSON.stringify(webManifest(), null, 2), 3600), { 'content-security-policy': "default-src 'none'" }));
  // The browser checks the worker for changes on each visit; no-cache keeps that check honest.
  server.get(SERVICE_WORKER_PATH, async (_request, reply) => send(reply, files('text/javascript; charset=utf-8', serviceWorkerScript(), 0), { 'content-security-policy': "default-src 'none'; connect-src 'self'" }));
  server.get(APP_SCRIPT_PATH, async (_request, reply) => send(reply, files('text/javascript; charset=utf-8', APP_SCRIPT, 0), { 'content-security-policy': "default-src 'none'" }));
  server.get('/app-icon.svg', async (_request, reply) => send(reply, files('image/svg+xml', iconSvg(), 86_400), { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" }));
  for (const size of ICON_SIZES) {
    server.get(`/app-icon-${size}.png`, async (_request, reply) => send(reply, files('image/png', iconOf(size), 86_400)));
  }
  server.get(OFFLINE_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').headers(APP_SECURITY_HEADERS).send(page({
    title: t('offline.title'), app: true,
    content: html`<h1 class="govuk-heading-l">${t('offline.title')}</h1>
<p class="govuk-body">${t('offline.needsConnection')}</p>
<p class="govuk-body">${withLink(t('offline.kept', { applications: '\u0000' }), '/applications', t('offline.keptLink'))}</p>
<p class="govuk-body">${t('offline.removed')}</p>`,
  }).value));
}
