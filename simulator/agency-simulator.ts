/**
 * The agency simulator: another agency's registries (population and business) as a separate process on
 * loopback, so govflow's connector talks real, signed HTTP to a peer it does not own. Demo and tests only.
 *
 * Configuration (environment):
 * - AGENCY_SIM_PORT (default 0: a free port), AGENCY_SIM_HOST (default 127.0.0.1)
 * - AGENCY_SIM_PRIVATE_KEY: the simulator's Ed25519 key (base64url PKCS#8 DER); generated when absent
 * - AGENCY_SIM_CLIENTS: JSON `{ "<keyId>": "<base64url SPKI public key>" }` of callers allowed to ask
 * - AGENCY_SIM_MAX_SKEW_S: how old (or early) a request's `created` may be (default 300)
 * On start it prints one JSON line on stdout: `{ "url", "publicKey", "keyId" }`, which the parent reads.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import {
  PURPOSE_HEADER, REQUEST_SIGNATURE_HEADER, RESPONSE_SIGNATURE_HEADER, exportPublicKey, generateSigningKey, importPrivateKey,
  importPublicKey, parseSignatureHeader, requestSignatureBase, signResponse, type SigningKey,
} from '../src/registries/index.js';

export interface Person { nationalId: string; name: string; birthDate: string; address: string; householdMembers: { nationalId: string; name: string; relation: string }[] }
export interface Company { code: string; name: string; address: string; status: 'active' | 'suspended'; licenceViolations: { date: string; description: string }[]; representatives: { nationalId: string; name: string; role: string }[] }

/** Deterministic demo data; the demo citizens' national IDs are documented in docs/registries.md. */
export const PEOPLE: Record<string, Person> = {
  '19850412-1001': { nationalId: '19850412-1001', name: 'Alex Demo', birthDate: '1985-04-12', address: '12 Harbour Street, Demo Town', householdMembers: [{ nationalId: '20150301-1011', name: 'Robin Demo', relation: 'child' }] },
  '19790203-2002': { nationalId: '19790203-2002', name: 'Sam Example', birthDate: '1979-02-03', address: '4 Mill Lane, Demo Town', householdMembers: [] },
  '19920718-3003': { nationalId: '19920718-3003', name: 'Kim Sample', birthDate: '1992-07-18', address: 'Flat 2, 9 Station Road, Demo Town', householdMembers: [{ nationalId: '19900105-3013', name: 'Jo Sample', relation: 'partner' }, { nationalId: '20200910-3023', name: 'Ari Sample', relation: 'child' }] },
  // The household members' own records: a claim reads them too (issue 13), each logged against that member.
  '20150301-1011': { nationalId: '20150301-1011', name: 'Robin Demo', birthDate: '2015-03-01', address: '12 Harbour Street, Demo Town', householdMembers: [{ nationalId: '19850412-1001', name: 'Alex Demo', relation: 'parent' }] },
  '19900105-3013': { nationalId: '19900105-3013', name: 'Jo Sample', birthDate: '1990-01-05', address: 'Flat 2, 9 Station Road, Demo Town', householdMembers: [{ nationalId: '19920718-3003', name: 'Kim Sample', relation: 'partner' }, { nationalId: '20200910-3023', name: 'Ari Sample', relation: 'child' }] },
  '20200910-3023': { nationalId: '20200910-3023', name: 'Ari Sample', birthDate: '2020-09-10', address: 'Flat 2, 9 Station Road, Demo Town', householdMembers: [{ nationalId: '19920718-3003', name: 'Kim Sample', relation: 'parent' }, { nationalId: '19900105-3013', name: 'Jo Sample', relation: 'parent' }] },
};

export const COMPANIES: Record<string, Company> = {
  'BR-100200': { code: 'BR-100200', name: 'Example Bakery Ltd', address: '4 Mill Lane, Demo Town', status: 'active', licenceViolations: [], representatives: [{ nationalId: '19790203-2002', name: 'Sam Example', role: 'director' }] },
  'BR-300400': { code: 'BR-300400', name: 'Late Night Grill Ltd', address: '77 Quay Road, Demo Town', status: 'active', licenceViolations: [{ date: '2025-11-02', description: 'Trading after licensed hours' }, { date: '2026-01-15', description: 'Food hygiene inspection failed' }], representatives: [{ nationalId: '19790203-2002', name: 'Sam Example', role: 'director' }, { nationalId: '19900105-3013', name: 'Jo Sample', role: 'board member' }] },
};

interface LogEntry { at: string; client: string | null; method: string; path: string; purpose: string | null; requestId: string | null; status: number; refusal?: string }

export interface SimulatorOptions { key: SigningKey; clients: Record<string, KeyObject>; maxSkewS?: number; now?: () => number }

export function createSimulator(options: SimulatorOptions) {
  const maxSkewS = options.maxSkewS ?? 300;
  const now = options.now ?? Date.now;
  const log: LogEntry[] = [];
  // Nonces seen within the skew window: anything older is refused as stale anyway, so the set stays bounded.
  const seen = new Map<string, number>();

  function send(res: ServerResponse, status: number, body: unknown, nonce: string | null): void {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (nonce) headers[RESPONSE_SIGNATURE_HEADER] = signResponse(options.key, { status, nonce, body: text });
    res.writeHead(status, headers).end(text);
  }

  function authenticate(req: IncomingMessage, path: string): { client: string; nonce: string; purpose: string } | { refusal: string } {
    const header = req.headers[REQUEST_SIGNATURE_HEADER];
    const purpose = req.headers[PURPOSE_HEADER];
    if (typeof header !== 'string') return { refusal: 'unsigned request' };
    if (typeof purpose !== 'string' || purpose.trim() === '') return { refusal: 'no purpose declared' };
    let params: Record<string, string>;
    try {
      params = parseSignatureHeader(header);
    } catch {
      return { refusal: 'unreadable signature header' };
    }
    const { keyId, created, nonce, sig } = params;
    if (!keyId || !created || !nonce || !sig) return { refusal: 'signature header lacks keyId, created, nonce or sig' };
    const key = options.clients[keyId];
    if (!key) return { refusal: `unknown client '${keyId}'` };
    if (!/^\d{1,12}$/.test(created) || Math.abs(now() / 1000 - Number(created)) > maxSkewS) return { refusal: 'stale or future-dated request' };
    if (!verify(null, requestSignatureBase({ method: req.method ?? 'GET', path, purpose, created, nonce }), key, Buffer.from(sig, 'base64url'))) {
      return { refusal: 'signature does not verify' };
    }
    const cutoff = now() - maxSkewS * 2000;
    for (const [n, at] of seen) if (at < cutoff) seen.delete(n);
    if (seen.has(`${keyId}:${nonce}`)) return { refusal: 'replayed request (nonce already used)' };
    seen.set(`${keyId}:${nonce}`, now());
    return { client: keyId, nonce, purpose };
  }

  return {
    log,
    handle(req: IncomingMessage, res: ServerResponse): void {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method === 'GET' && path === '/log') return send(res, 200, log, null);
      if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true }, null);
      const entry: LogEntry = { at: new Date(now()).toISOString(), client: null, method: req.method ?? '', path, purpose: null, requestId: null, status: 0 };
      log.push(entry);
      const auth = authenticate(req, path);
      if ('refusal' in auth) {
        entry.status = 401;
        entry.refusal = auth.refusal;
        return send(res, 401, { error: 'unauthorised', message: auth.refusal }, null);
      }
      Object.assign(entry, { client: auth.client, purpose: auth.purpose, requestId: auth.nonce });
      const person = /^\/population\/v1\/persons\/([^/]+)$/.exec(path);
      const company = /^\/business\/v1\/companies\/([^/]+)$/.exec(path);
      const represented = /^\/business\/v1\/representatives\/([^/]+)\/companies$/.exec(path);
      let status = 404;
      let body: unknown = { error: 'not-found', message: 'no such record' };
      if (req.method === 'GET' && person) {
        const found = PEOPLE[decodeURIComponent(person[1]!)];
        if (found) [status, body] = [200, found];
      } else if (req.method === 'GET' && represented) {
        // The businesses a person represents (the registry's link from a person to companies): an empty list, not 404.
        const nationalId = decodeURIComponent(represented[1]!);
        const companies = Object.values(COMPANIES).flatMap((c) => c.representatives.filter((r) => r.nationalId === nationalId).map((r) => ({ code: c.code, name: c.name, role: r.role })));
        [status, body] = [200, { nationalId, companies }];
      } else if (req.method === 'GET' && company) {
        const found = COMPANIES[decodeURIComponent(company[1]!)];
        if (found) [status, body] = [200, found];
      } else {
        body = { error: 'not-found', message: 'no such endpoint' };
      }
      entry.status = status;
      send(res, status, body, auth.nonce);
    },
  };
}

export async function main(): Promise<void> {
  const env = process.env;
  const key: SigningKey = env['AGENCY_SIM_PRIVATE_KEY']
    ? { keyId: 'agency-simulator', privateKey: importPrivateKey(env['AGENCY_SIM_PRIVATE_KEY']) }
    : generateSigningKey('agency-simulator');
  const clients: Record<string, KeyObject> = {};
  for (const [id, pub] of Object.entries(JSON.parse(env['AGENCY_SIM_CLIENTS'] ?? '{}') as Record<string, string>)) clients[id] = importPublicKey(pub);
  const sim = createSimulator({ key, clients, maxSkewS: Number(env['AGENCY_SIM_MAX_SKEW_S'] ?? 300) });
  const server = createServer((req, res) => sim.handle(req, res));
  server.listen(Number(env['AGENCY_SIM_PORT'] ?? 0), env['AGENCY_SIM_HOST'] ?? '127.0.0.1', () => {
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const publicKey = exportPublicKey(createPublicKey(key.privateKey));
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}`, publicKey, keyId: key.keyId })}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (env['AGENCY_SIM_EXIT_WITH_PARENT'] === '1') {
    process.stdin.on('end', stop).on('error', stop).resume();
  }
}


