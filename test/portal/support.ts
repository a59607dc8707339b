import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApiServer } from '../../src/api/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue, type Catalogue } from '../../src/catalogue/index.js';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createIdentity } from '../../src/identity/index.js';
import { createPortalPlugin, type OnSubmitted } from '../../src/portal/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

export interface TestPortal {
  readonly base: string;
  readonly db: Database;
  readonly engine: Engine;
  readonly catalogue: Catalogue;
  close(): Promise<void>;
}

/** A real govflow server (API + portal) on a loopback port over a fresh database, with the repository's catalogue. */
export async function startTestPortal(backend: Backend, options: { catalogueDir?: string; deployProcesses?: boolean; onSubmitted?: OnSubmitted } = {}): Promise<TestPortal> {
  const db = await freshDatabase(backend);
  const engine = createEngine(db);
  const catalogue = await loadCatalogue(options.catalogueDir ?? DEFAULT_CATALOGUE_DIR);
  // Citizens' sessions are identity's (the portal has none of its own); demo: the demo citizens exist.
  const identity = createIdentity({ db, masterKey: randomBytes(32), demo: true });
  const portal = createPortalPlugin({ engine, db, catalogue, identity, processingTimeCacheMs: 0, deployProcesses: options.deployProcesses ?? true, ...(options.onSubmitted ? { onSubmitted: options.onSubmitted } : {}) });
  const { server } = await createApiServer({ engine, db, authenticate: identity.authenticate, webSession: identity, plugins: [identity.plugin, portal] });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return {
    base, db, engine, catalogue,
    async close() {
      await server.close();
      await db.close();
    },
  };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** A small but real PDF (made with pdf-lib), as a citizen's site plan. */
export async function samplePdf(text = 'Site plan of 1 Demo Street'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([400, 300]);
  page.drawText(text, { x: 30, y: 150, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

/** One page of a portal application: its fields, and the name of its file field when it has an upload (a sample PDF). */
export interface PortalPage { readonly fields: Record<string, string | string[]>; readonly file?: string }

/** Applies through the portal's pages over HTTP as a signed-in citizen (multipart where a page has a file upload); returns the reference. */
export async function applyThroughPortal(base: string, cookie: string, serviceId: string, pages: Record<string, PortalPage>): Promise<string> {
  const get = async (url: string): Promise<string> => (await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(await get('/applications'))?.[1] ?? '';
  for (const [pageId, { fields, file }] of Object.entries(pages)) {
    let body: string | FormData;
    if (file) {
      const form = new FormData();
      form.append('csrf', csrf);
      for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
      form.append(file, new Blob([await samplePdf()]), 'site-plan.pdf');
      body = form;
    } else {
      const form = new URLSearchParams({ csrf });
      for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
      body = form.toString();
    }
    const r = await fetch(`${base}/services/${serviceId}/apply/${pageId}`, { method: 'POST', redirect: 'manual', body, headers: { cookie, ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } });
    assert.equal(r.status, 303, `${serviceId}/${pageId}: ${(await r.text()).slice(0, 300)}`);
  }
  const token = /name="token" value="([^"]+)"/.exec(await get(`/services/${serviceId}/check`))![1]!;
  const sent = await fetch(`${base}/services/${serviceId}/submit`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ csrf, token }).toString(), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(sent.status, 303);
  return /\/applications\/([A-Z]+-\d{4}-\d{6})\//.exec(sent.headers.get('location') ?? '')![1]!;
}
