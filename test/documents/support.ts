/**
 * One fresh database, engine, Documents and a real HTTP server on loopback per suite. Until identity's sign-in
 * helpers exist (/tmp/identity-ready), the caller is given to the server as a Principal in a test header: the
 * documents module receives `authenticate` injected, exactly as the composition root will pass identity's.
 */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { createApiServer } from '../../src/api/index.js';
import { createDocumentsPlugin, documentRoutes, Documents } from '../../src/documents/index.js';
import { createEngine, createManualClock, type Engine, type ManualClock } from '../../src/engine/index.js';
import { hasRole, type Principal } from '../../src/identity/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

export interface DocumentsHarness {
  db: Database;
  engine: Engine;
  clock: ManualClock;
  documents: Documents;
  baseUrl: string;
  masterKey: string;
}

export const PRINCIPAL_HEADER = 'x-test-principal';
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export const STAFF_MIA: Principal = { kind: 'staff', id: 'mia', name: 'Mia Manager', roles: ['manager'], departments: ['planning'], memberships: [{ department: 'planning', role: 'manager' }] };
export const STAFF_PAT: Principal = { kind: 'staff', id: 'pat', name: 'Pat Caseworker', roles: ['caseworker'], departments: ['planning'], memberships: [{ department: 'planning', role: 'caseworker' }] };
export const STAFF_AUD: Principal = { kind: 'staff', id: 'aud', name: 'Aud Auditor', roles: ['auditor'], departments: [], memberships: [] };
export const CITIZEN_ALEX: Principal = { kind: 'citizen', id: 'alex', name: 'Alex Demo', roles: ['citizen'], businesses: [] };
export const CITIZEN_KIM: Principal = { kind: 'citizen', id: 'kim', name: 'Kim Sample', roles: ['citizen'], businesses: [] };

export function principalHeader(p: Principal): Record<string, string> {
  return { [PRINCIPAL_HEADER]: Buffer.from(JSON.stringify(p)).toString('base64url') };
}

async function authenticate(request: FastifyRequest): Promise<Principal | null> {
  const raw = request.headers[PRINCIPAL_HEADER];
  return typeof raw === 'string' ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Principal : null;
}

export function useDocuments(backend: Backend): DocumentsHarness {
  const h = {} as DocumentsHarness;
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    h.db = await freshDatabase(backend);
    h.clock = createManualClock('2026-03-02T09:00:00Z');
    h.engine = createEngine(h.db, { clock: h.clock });
    h.masterKey = randomBytes(32).toString('base64url');
    // The public URL is only known once the server listens; the Documents object reads it lazily via a getter.
    const documentsOptions = { db: h.db, engine: h.engine, masterKey: h.masterKey, publicUrl: 'http://placeholder', issuer: { agency: 'demo-municipality', name: 'Demo Municipality' } };
    h.documents = new Documents(documentsOptions);
    const plugin = createDocumentsPlugin({
      documents: h.documents, authenticate, serveAssets: true,
      // The applicant (here: Alex for every case) and staff with case roles may download.
      canDownload: (principal, _reference) => {
        const p = principal as Principal;
        return p.kind === 'citizen' ? p.id === 'alex' : hasRole(p, ['caseworker', 'manager']);
      },
    });
    const { server } = await createApiServer({
      engine: h.engine, db: h.db, authenticate, plugins: [plugin],
      extraRoutes: documentRoutes(h.documents),
    });
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    h.baseUrl = address;
    (documentsOptions as { publicUrl: string }).publicUrl = address;
    close = () => server.close();
  });
  after(async () => {
    await close?.();
    await h.db?.close();
  });
  return h;
}

