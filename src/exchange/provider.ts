import { createPublicKey, randomUUID } from 'node:crypto';
import type { Engine } from '../engine/index.js';
import { GovflowError, type Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { getService, hasAccess, listPeers, type PublishedService } from './exchange-store.js';
import { formatClientId, formatMemberId, formatServiceId, parseClientId, parseServicePath, sameClient, type ClientId, type ServiceId } from './identifiers.js';
import { requestHash, responseHash, signClaims, SIGNATURE_HEADER, verifyClaims, type HeaderLookup } from './message-hash.js';
import { logRequest, logResponse, storedResponse } from './message-log.js';
import type { MemberKey } from './member-key.js';

/**
 * The provider side of PR-REST: `/r1/{serviceId}[/path]` with `X-Road-Client`. What a security server and the
 * provider information system do together: authenticate the client member (its TLS certificate, its JWS), check
 * the access right of the client subsystem to the service, log the message, run the service, and answer with the
 * X-Road response headers (X-Road-Id, X-Road-Client, X-Road-Service, X-Road-Request-Hash) signed.
 * Errors use the protocol's format (§4.6): `{ type, message, detail }`, the `X-Road-Error` header, and only 400
 * (the request does not follow the protocol) or 500 (anything else on the X-Road side).
 */
export interface IncomingRequest {
  readonly method: string;
  /** The request target: path and query, as received. */
  readonly url: string;
  readonly header: HeaderLookup;
  readonly body: Buffer;
  /** SHA-256 fingerprint of the TLS client certificate; null over plain HTTP. */
  readonly peerFingerprint: string | null;
}

export interface OutgoingResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface ProviderOptions {
  readonly db: Database;
  readonly engine: Engine;
  readonly masterKey: string | Buffer;
  readonly key: MemberKey;
  /** This provider's subsystem (the services are registered under it). */
  readonly self: ClientId;
  /** `mtls`: the embedded default (client certificate + JWS required); `security-server`: a real X-Road security server in front did that. */
  readonly trust: 'mtls' | 'security-server';
  readonly retentionDays: number;
  readonly logger?: Logger;
}

class XRoadFault extends Error {
  constructor(readonly type: string, message: string, readonly status: 400 | 500 = 500) {
    super(message);
  }
}

const JSON_TYPE = 'application/json;charset=utf-8';

export function createProvider(options: ProviderOptions): (request: IncomingRequest) => Promise<OutgoingResponse> {
  const { db, engine, masterKey, key, self } = options;

  function fault(type: string, message: string, xroadId: string, extra: Record<string, string> = {}): OutgoingResponse {
    const status = type.startsWith('Client.') ? 400 : 500;
    return { status, headers: { 'content-type': JSON_TYPE, 'x-road-error': type, 'x-road-id': xroadId, ...extra }, body: Buffer.from(JSON.stringify({ type, message, detail: randomUUID() })) };
  }

  async function authenticate(client: ClientId, request: IncomingRequest, claims: { id: string; client: string; service: string; hash: string }): Promise<void> {
    if (options.trust === 'security-server') return;
    const peer = (await listPeers(db)).find((p) => p.memberId === formatMemberId(client));
    if (!peer) throw new XRoadFault('Server.ServerProxy.UnknownMember', `member ${formatMemberId(client)} is not known to this server`);
    if (request.peerFingerprint !== peer.fingerprint) throw new XRoadFault('Server.ServerProxy.SslAuthenticationFailed', `the TLS client certificate is not the certificate of member ${peer.memberId}`);
    try {
      await verifyClaims(createPublicKey(peer.certificate), request.header(SIGNATURE_HEADER), { kind: 'request', ...claims });
    } catch (error) {
      throw new XRoadFault('Server.ServerProxy.InvalidSignatureValue', (error as Error).message);
    }
  }

  async function run(service: PublishedService, path: string, request: IncomingRequest, client: string, xroadId: string): Promise<{ status: number; body: unknown }> {
    const issue = request.header('x-road-issue') ?? null;
    const actor = `exchange:${client}`;
    if (service.kind === 'case-status') {
      if (request.method !== 'GET') throw new XRoadFault('Client.BadRequest', 'this service answers GET /{reference} only', 400);
      const reference = decodeURIComponent(path.slice(1));
      const [found] = await engine.listInstances({ businessKey: reference, limit: 1 });
      return found ? { status: 200, body: { reference, state: found.state, waitingAt: found.activeElements.map((e) => e.elementId) } } : { status: 404, body: { reference, message: 'no such case' } };
    }
    if (request.method !== 'POST' || path !== '/') throw new XRoadFault('Client.BadRequest', 'this service answers POST / only', 400);
    let input: unknown;
    try {
      input = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
    } catch {
      return { status: 400, body: { message: 'the body is not JSON' } };
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return { status: 400, body: { message: 'the body must be a JSON object' } };
    const body = input as Record<string, unknown>;
    if (service.kind === 'start-process') {
      // One case per X-Road-Id: a retry after a lost answer (or a crash between the start and the log) finds it.
      const reference = `${issue ?? 'x-road'}@${xroadId}`.slice(0, 200);
      const [existing] = await engine.listInstances({ processKey: service.target, businessKey: reference, limit: 1 });
      const started = existing ?? await engine.startInstance(service.target, { businessKey: reference, actor, variables: { ...body, exchange: { client, xroadId, issue }, exchangeIssue: issue } });
      return { status: 201, body: { caseId: started.id, reference } };
    }
    const correlationKey = typeof body['correlationKey'] === 'string' ? body['correlationKey'] : issue;
    if (!correlationKey) return { status: 400, body: { message: 'correlationKey (or X-Road-Issue) is required' } };
    const variables = typeof body['variables'] === 'object' && body['variables'] !== null ? body['variables'] : {};
    const outcome = await engine.publishMessage({ name: service.target, correlationKey, variables, messageId: `${client}|${xroadId}`, actor });
    return { status: 200, body: { correlated: outcome.correlatedInstances.length, buffered: outcome.buffered } };
  }

  return async (request) => {
    const xroadId = (request.header('x-road-id') ?? '').trim() || randomUUID();
    let client: ClientId;
    let service: ServiceId;
    let path: string;
    try {
      if (xroadId.length > 200) throw new GovflowError('GOVFLOW_ERR_EXCHANGE_BAD_REQUEST', 'X-Road-Id is longer than 200 characters');
      if (!request.url.startsWith('/r1/')) throw new GovflowError('GOVFLOW_ERR_EXCHANGE_BAD_REQUEST', 'the request must be /r1/{serviceId}[/path] (protocol version r1)');
      client = parseClientId(request.header('x-road-client'));
      const [target = ''] = request.url.slice(4).split('?');
      ({ service, path } = parseServicePath(target, (_m, code) => code === self.subsystem));
    } catch (error) {
      const message = error instanceof GovflowError ? error.message : 'the request cannot be read';
      return fault('Client.BadRequest', `Error parsing the client's REST request: ${message}. The request must follow the X-Road Message Protocol for REST (r1).`, xroadId);
    }
    const clientText = formatClientId(client);
    const serviceText = formatServiceId(service);
    const hash = requestHash(request.method, request.url, request.header, request.body);
    const common = { 'x-road-id': xroadId, 'x-road-client': clientText, 'x-road-service': serviceText, 'x-road-request-hash': hash };
    const logged = await db.transaction((tx) => logRequest(tx, masterKey, {
      direction: 'in', xroadId, clientId: clientText, serviceId: serviceText, method: request.method, path, issue: request.header('x-road-issue') ?? null,
      userId: request.header('x-road-userid') ?? null, requestHash: hash, requestSignature: request.header(SIGNATURE_HEADER) ?? null, body: request.body,
    }, options.retentionDays));
    // Authenticated before anything else is answered, a replayed answer included.
    const refused = await authenticate(client, request, { id: xroadId, client: clientText, service: serviceText, hash }).then(() => null, (error: unknown) => error);
    let answer: OutgoingResponse;
    if (!logged.fresh && refused === null) {
      // The same X-Road-Id from the same client: the first answer again, never a second run of the service.
      const stored = await db.transaction((tx) => storedResponse(tx, masterKey, logged.id));
      if (stored) {
        return { status: stored.status, body: stored.body, headers: { ...common, 'x-road-request-hash': stored.requestHash, ...(stored.contentType ? { 'content-type': stored.contentType } : {}), ...(stored.errorType ? { 'x-road-error': stored.errorType } : {}), ...(stored.responseSignature ? { [SIGNATURE_HEADER]: stored.responseSignature } : {}) } };
      }
    }
    try {
      if (refused !== null) throw refused;
      const own = service.subsystem !== null && sameClient(service, self);
      const published = own ? await getService(db, service.serviceCode) : null;
      if (!published) throw new XRoadFault('Server.ServerProxy.UnknownService', `unknown service ${serviceText}`);
      if (!(await hasAccess(db, published.serviceCode, clientText))) throw new XRoadFault('Server.ServerProxy.AccessDenied', `Request not allowed: ${clientText} has no access to ${serviceText}`);
      const result = await run(published, path, request, clientText, xroadId);
      answer = { status: result.status, headers: { ...common, 'content-type': JSON_TYPE }, body: Buffer.from(JSON.stringify(result.body)) };
    } catch (error) {
      if (error instanceof XRoadFault) answer = fault(error.type, error.message, xroadId, common);
      else {
        options.logger?.warn({ err: error, service: serviceText }, 'exchange service failed');
        answer = fault('Server.ServerProxy.ServiceFailed', `the service failed: ${error instanceof GovflowError ? error.message : 'an internal error'}`, xroadId, common);
      }
    }
    const rHash = responseHash(hash, answer.status, answer.headers['content-type'], answer.body);
    const signature = await signClaims(key.privateKey, key.memberId, { kind: 'response', id: xroadId, client: clientText, service: serviceText, hash: rHash });
    await db.transaction((tx) => logResponse(tx, masterKey, logged.id, { status: answer.status, errorType: answer.headers['x-road-error'] ?? null, responseHash: rHash, responseSignature: signature, contentType: answer.headers['content-type'] ?? null, body: answer.body }));
    return { ...answer, headers: { ...answer.headers, [SIGNATURE_HEADER]: signature } };
  };
}
