import { createHash, createPublicKey } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GovflowError, type ErrorCode } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { listPeers, type Peer } from './exchange-store.js';
import { formatClientId, formatMemberId, formatServiceId, parseServiceId, type ClientId, type ServiceId } from './identifiers.js';
import { requestHash, responseHash, signClaims, SIGNATURE_HEADER, verifyClaims } from './message-hash.js';
import { logRequest, logResponse, storedResponse } from './message-log.js';
import type { MemberKey } from './member-key.js';

/**
 * The consumer side of PR-REST: a call to another member's service. The peer's address and certificate come from
 * the trusted peers (what X-Road's global configuration is to a security server). With `tls` on (the embedded
 * default) the connection is mutual TLS with this member's certificate, the request carries a JWS over its hash,
 * and the answer must carry our request hash and the provider's JWS over its own hash, or it is not accepted.
 */
export interface ConsumerOptions {
  readonly db: Database;
  readonly masterKey: string | Buffer;
  readonly key: MemberKey;
  readonly self: ClientId;
  readonly tls: boolean;
  readonly retentionDays: number;
  readonly timeoutMs: number;
}

export interface ServiceCall {
  readonly service: ServiceId | string;
  readonly method?: string;
  readonly path?: string;
  readonly body?: unknown;
  readonly userId?: string;
  readonly issue?: string;
  /** Stable across retries (a job's idempotency key): the provider answers one X-Road-Id once. */
  readonly xroadId?: string;
}

export interface ServiceAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly xroadId: string;
  readonly requestHash: string;
  readonly errorType: string | null;
  readonly provider: string;
}

interface Raw { status: number; headers: Record<string, string>; body: Buffer }

const ERRORS: Readonly<Record<string, ErrorCode>> = {
  'Server.ServerProxy.AccessDenied': 'GOVFLOW_ERR_EXCHANGE_REFUSED',
  'Server.ServerProxy.UnknownService': 'GOVFLOW_ERR_EXCHANGE_UNKNOWN',
  'Server.ServerProxy.UnknownMember': 'GOVFLOW_ERR_EXCHANGE_UNKNOWN',
  'Server.ServerProxy.SslAuthenticationFailed': 'GOVFLOW_ERR_EXCHANGE_SIGNATURE',
  'Server.ServerProxy.InvalidSignatureValue': 'GOVFLOW_ERR_EXCHANGE_SIGNATURE',
  'Client.BadRequest': 'GOVFLOW_ERR_EXCHANGE_BAD_REQUEST',
};

/** A UUID-shaped X-Road-Id derived from a stable key (RECOMMENDED to be a UUID, PR-REST §4.3). */
export function xroadIdFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function createConsumer(options: ConsumerOptions): (call: ServiceCall) => Promise<ServiceAnswer> {
  const { db, masterKey, key } = options;
  const clientText = formatClientId(options.self);

  function send(peer: Peer, method: string, target: string, headers: Record<string, string>, body: Buffer): Promise<Raw> {
    const url = new URL(target, peer.baseUrl);
    return new Promise<Raw>((resolve, reject) => {
      const common = { method, headers: { ...headers, 'content-length': String(body.length) }, timeout: options.timeoutMs };
      const req = url.protocol === 'https:'
        ? httpsRequest(url, { ...common, cert: key.certificate, key: key.privateKeyPem, ca: peer.certificate,
          // The peer is whoever holds its registered certificate: pinned by fingerprint, whatever name it answers to.
          checkServerIdentity: (_host, cert) => (cert.fingerprint256 === peer.fingerprint ? undefined : new Error(`the server's certificate is not member ${peer.memberId}'s`)) })
        : httpRequest(url, common);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? ''])) }));
      });
      req.end(body);
    });
  }

  return async (call) => {
    const service = typeof call.service === 'string' ? parseServiceId(call.service) : call.service;
    const serviceText = formatServiceId(service);
    const peer = (await listPeers(db)).find((p) => p.memberId === formatMemberId(service));
    if (!peer) throw new GovflowError('GOVFLOW_ERR_EXCHANGE_UNKNOWN', `no trusted peer for member ${formatMemberId(service)}: add its address and certificate first`, [{ where: 'service', message: 'unknown member' }]);
    const method = (call.method ?? 'POST').toUpperCase();
    const path = call.path ?? '/';
    const target = `/r1/${serviceText}${path === '/' ? '' : path}`;
    const xroadId = call.xroadId ?? crypto.randomUUID();
    const body = call.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(call.body));
    const headers: Record<string, string> = { 'x-road-client': clientText, 'x-road-id': xroadId, accept: 'application/json', ...(body.length ? { 'content-type': 'application/json' } : {}), ...(call.userId ? { 'x-road-userid': call.userId } : {}), ...(call.issue ? { 'x-road-issue': call.issue } : {}) };
    const hash = requestHash(method, target, (n) => headers[n], body);
    const signature = options.tls ? await signClaims(key.privateKey, key.memberId, { kind: 'request', id: xroadId, client: clientText, service: serviceText, hash }) : null;
    if (signature) headers[SIGNATURE_HEADER] = signature;
    const logged = await db.transaction((tx) => logRequest(tx, masterKey, { direction: 'out', xroadId, clientId: clientText, serviceId: serviceText, method, path, issue: call.issue ?? null, userId: call.userId ?? null, requestHash: hash, requestSignature: signature, body }, options.retentionDays));
    // Answered before (the job ran, the process stopped before it completed): the logged answer, not a second call.
    const earlier = logged.fresh ? null : await db.transaction((tx) => storedResponse(tx, masterKey, logged.id));
    let raw: Raw;
    if (earlier) raw = { status: earlier.status, body: earlier.body, headers: { 'x-road-request-hash': hash, ...(earlier.errorType ? { 'x-road-error': earlier.errorType } : {}), ...(earlier.contentType ? { 'content-type': earlier.contentType } : {}) } };
    else {
      try {
        raw = await send(peer, method, target, headers, body);
      } catch (error) {
        throw new GovflowError('GOVFLOW_ERR_EXCHANGE_UNAVAILABLE', `${serviceText} did not answer: ${(error as Error).message}`, [], { cause: error });
      }
      const rHash = responseHash(hash, raw.status, raw.headers['content-type'], raw.body);
      if (options.tls) {
        if (raw.headers['x-road-request-hash'] !== hash) throw new GovflowError('GOVFLOW_ERR_EXCHANGE_SIGNATURE', `the answer of ${serviceText} does not carry our request hash`);
        await verifyClaims(createPublicKey(peer.certificate), raw.headers[SIGNATURE_HEADER], { kind: 'response', id: xroadId, client: clientText, service: serviceText, hash: rHash });
      }
      await db.transaction((tx) => logResponse(tx, masterKey, logged.id, { status: raw.status, errorType: raw.headers['x-road-error'] ?? null, responseHash: rHash, responseSignature: raw.headers[SIGNATURE_HEADER] ?? null, contentType: raw.headers['content-type'] ?? null, body: raw.body }));
    }
    let parsed: unknown = raw.body.toString('utf8');
    try {
      parsed = raw.body.length ? JSON.parse(raw.body.toString('utf8')) : null;
    } catch { /* not JSON: kept as text */ }
    const errorType = raw.headers['x-road-error'] ?? null;
    if (errorType) {
      const message = typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string' ? (parsed as { message: string }).message : errorType;
      throw new GovflowError(ERRORS[errorType] ?? 'GOVFLOW_ERR_EXCHANGE_UNAVAILABLE', `${serviceText}: ${errorType}: ${message}`, [{ where: 'X-Road-Error', message: errorType }]);
    }
    return { status: raw.status, body: parsed, xroadId, requestHash: hash, errorType, provider: peer.memberId };
  };
}
