/**
 * Protocol tests written from X-Road's "Message Protocol for REST" (PR-REST 0.9.0, nordic-institute/X-Road
 * doc/Protocols/pr-rest_x-road_message_protocol_for_rest.md): identifiers and their encoding (§4.1, §4.2), the
 * request hash (§4.3), the X-Road headers of a response (§4.3), the error format and its status codes (§4.6), and
 * what a consumer sees when the other side is down or slow. One PGlite database; the two-instance test covers TLS
 * between two servers.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createEngine } from '../../src/engine/index.js';
import { createExchange, formatClientId, formatServiceId, parseClientId, parseServiceId, parseServicePath, requestHash, type Exchange } from '../../src/exchange/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import type { Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

// A part: any text without control characters, not blank, at most 255 characters (what the parser promises to keep).
const part = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f-\u009f]/.test(s));

describe('X-Road identifiers (§4.1, §4.2)', () => {
  it('a client or service id survives formatting and strict parsing, whatever its parts hold ("/" included)', () => {
    fc.assert(fc.property(part, part, part, fc.option(part, { nil: null }), part, (instance, memberClass, memberCode, subsystem, serviceCode) => {
      const client = { instance, memberClass, memberCode, subsystem };
      assert.deepEqual(parseClientId(formatClientId(client)), client);
      const service = { ...client, serviceCode };
      assert.deepEqual(parseServiceId(formatServiceId(service)), service);
    }), { numRuns: 150 });
  });

  it('reads the spec\'s example request and keeps the path and the query apart', () => {
    const { service, path } = parseServicePath('INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar/zyggy');
    assert.deepEqual(service, { instance: 'INSTANCE', memberClass: 'CLASS2', memberCode: 'MEMBER2', subsystem: 'SUBSYSTEM2', serviceCode: 'BARSERVICE' });
    assert.equal(path, '/v1/bar/zyggy');
    assert.equal(parseServiceId('INSTANCE/CLASS/MEMBER/SUBSYSTEM/BAR%2FSERVICE').serviceCode, 'BAR/SERVICE');
    // Without a subsystem (it is OPTIONAL): the provider knows its subsystems, so the fourth part is the service.
    assert.equal(parseServicePath('INSTANCE/CLASS/MEMBER/PETSTORE/v2/pets', () => false).service.serviceCode, 'PETSTORE');
  });

  it('refuses what the spec calls invalid, naming the part', () => {
    const refused = (f: () => unknown, where: RegExp) => assert.throws(f, (e: unknown) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_EXCHANGE_BAD_REQUEST' && where.test(e.message));
    refused(() => parseServiceId('INSTANCE%2FCLASS%2FMEMBER%2FSUBSYSTEM%2FBARSERVICE'), /parts/);
    refused(() => parseClientId(undefined), /X-Road-Client: is missing/);
    refused(() => parseClientId('EE/GOV'), /parts/);
    refused(() => parseClientId('EE//123/SUB'), /member class: is empty/);
    refused(() => parseClientId('EE/GOV/%E0%A4%A/SUB'), /member code: is not valid percent-encoded/);
    refused(() => parseClientId('EE/GOV/1%0A2/SUB'), /control character/);
    refused(() => parseClientId(`EE/GOV/${'x'.repeat(256)}`), /longer than 255/);
    refused(() => parseClientId('EE/GOV/a b'), /percent-encoded/);
    refused(() => parseServicePath('EE/GOV/123/SUB/svc/../admin'), /segment/);
  });
});

describe('the request hash (§4.3)', () => {
  it('is base64(SHA512(SHA512(headers) + SHA512(body))), or base64(SHA512(headers)) without a body', () => {
    const headers = { 'x-road-client': 'EE/GOV/1/A', 'x-road-id': 'id-1' };
    const lookup = (n: string) => headers[n as keyof typeof headers];
    const canonical = 'POST /r1/EE/GOV/2/B/svc\nx-road-client: EE/GOV/1/A\nx-road-id: id-1';
    const sha = (b: Buffer | string) => createHash('sha512').update(b).digest();
    const body = Buffer.from('{"a":1}');
    assert.equal(requestHash('POST', '/r1/EE/GOV/2/B/svc', lookup, body), sha(Buffer.concat([sha(canonical), sha(body)])).toString('base64'));
    assert.equal(requestHash('POST', '/r1/EE/GOV/2/B/svc', lookup, Buffer.alloc(0)), sha(canonical).toString('base64'));
    // 512 bits in base64: 88 characters, as the spec's example values.
    assert.equal(requestHash('GET', '/r1/x', lookup, Buffer.alloc(0)).length, 88);
  });
});

describe('the provider endpoint and the consumer (PGlite)', () => {
  let db: Database;
  let plain: Exchange;
  let mtls: Exchange;
  let silent: Server;
  const self = 'TEST/GOV/city/CASES';

  before(async () => {
    db = await freshDatabase('pglite');
    const engine = createEngine(db);
    plain = await createExchange({ db, engine, masterKey: Buffer.alloc(32, 7), member: self, tls: false, timeoutMs: 1500 });
    mtls = await createExchange({ db, engine, masterKey: Buffer.alloc(32, 7), member: 'TEST/GOV/fire/REVIEWS', tls: true });
    await engine.deploy([{ name: 'noop.bpmn', content: `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t"><bpmn:process id="noop" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:userTask id="wait" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="wait" /></bpmn:process></bpmn:definitions>` }]);
    await plain.publish({ serviceCode: 'open-case', title: 'Open a case', kind: 'start-process', target: 'noop' }, 'staff:ada');
    await plain.publish({ serviceCode: 'status', title: 'Case status', kind: 'case-status', target: '' }, 'staff:ada');
    silent = createServer(() => { /* never answers: the consumer's timeout must end the call */ });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await plain.stop();
    await mtls.stop();
    silent.closeAllConnections();
    silent.close();
    await db.close();
  });

  const send = async (target: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}, base = plain.endpointUrl) => {
    const response = await fetch(`${base}${target}`, { method: init.method ?? 'POST', headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const asError = (r: { headers: Headers; text: string }) => {
    const body = JSON.parse(r.text) as { type: string; message: string; detail: string };
    assert.equal(r.headers.get('x-road-error'), body.type, 'X-Road-Error names the error type');
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(body).sort(), ['detail', 'message', 'type']);
    return body;
  };

  it('answers a request that does not follow the protocol with 400 Client.BadRequest (§4.6 category 3)', async () => {
    for (const [target, headers] of [['/r1/TEST/GOV/city/CASES/open-case', {}], ['/r2/TEST/GOV/city/CASES/open-case', { 'x-road-client': 'TEST/GOV/fire/REVIEWS' }], ['/r1/TEST/GOV', { 'x-road-client': 'TEST/GOV/fire/REVIEWS' }]] as const) {
      const r = await send(target, { headers });
      assert.equal(r.status, 400);
      assert.equal(asError(r).type, 'Client.BadRequest');
    }
  });

  it('refuses an unknown service and a client without access with 500 and the X-Road error type (§4.6 category 4)', async () => {
    const client = { 'x-road-client': 'TEST/GOV/fire/REVIEWS' };
    const unknown = await send('/r1/TEST/GOV/city/CASES/nope', { headers: client, body: '{}' });
    assert.equal(unknown.status, 500);
    assert.equal(asError(unknown).type, 'Server.ServerProxy.UnknownService');
    const denied = await send('/r1/TEST/GOV/city/CASES/open-case', { headers: client, body: '{}' });
    assert.equal(denied.status, 500);
    assert.match(asError(denied).message, /has no access/);
  });

  it('answers with X-Road-Id, X-Road-Client, X-Road-Service and the request hash, and answers one X-Road-Id once', async () => {
    assert.equal(await plain.grant('open-case', 'TEST/GOV/fire/REVIEWS', 'staff:ada'), true);
    const id = randomUUID();
    const headers = { 'x-road-client': 'TEST/GOV/fire/REVIEWS', 'x-road-id': id, 'x-road-issue': 'FS-1', 'x-road-userid': 'EE12345678901', 'content-type': 'application/json' };
    const body = '{"address":"1 Main St"}';
    const first = await send('/r1/TEST/GOV/city/CASES/open-case', { headers, body });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('x-road-id'), id);
    assert.equal(first.headers.get('x-road-client'), 'TEST/GOV/fire/REVIEWS');
    assert.equal(first.headers.get('x-road-service'), 'TEST/GOV/city/CASES/open-case');
    assert.equal(first.headers.get('x-road-request-hash'), requestHash('POST', '/r1/TEST/GOV/city/CASES/open-case', (n) => headers[n as keyof typeof headers], Buffer.from(body)));
    const again = await send('/r1/TEST/GOV/city/CASES/open-case', { headers, body });
    assert.equal(again.text, first.text, 'the same answer, not a second case');
    // Without X-Road-Id the provider makes one (a UUID) and returns it.
    const generated = await send('/r1/TEST/GOV/city/CASES/open-case', { headers: { 'x-road-client': 'TEST/GOV/fire/REVIEWS' }, body: '{}' });
    assert.match(generated.headers.get('x-road-id') ?? '', /^[0-9a-f-]{36}$/);
    // The user id is personal data: the message log keeps it sealed, never in a column or the event log.
    const { rows } = await db.query<{ n: string }>("select count(*) as n from event_log where data::text like '%EE12345678901%'");
    assert.equal(Number(rows[0]!.n), 0);
    const log = await plain.listMessages();
    assert.ok(log.some((m) => m.xroadId === id && m.status === 201 && m.issue === 'FS-1'));
  });

  it('with mutual TLS on, refuses a member it does not know and a caller without that member\'s certificate', async () => {
    const client = { 'x-road-client': 'TEST/GOV/city/CASES' };
    const unknown = await send('/r1/TEST/GOV/fire/REVIEWS/anything', { headers: client, body: '{}' }, mtls.endpointUrl.replace('https:', 'http:')).catch(() => null);
    assert.equal(unknown, null, 'the TLS endpoint does not speak plain HTTP');
    await mtls.addPeer({ memberId: 'TEST/GOV/city', baseUrl: plain.endpointUrl, certificate: plain.certificate }, 'staff:ada');
    // No client certificate at all (Node's fetch sends none): SslAuthenticationFailed, in the protocol's format.
    const { Agent } = await import('undici');
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const response = await fetch(`${mtls.endpointUrl}/r1/TEST/GOV/fire/REVIEWS/anything`, { method: 'POST', headers: client, body: '{}', dispatcher } as RequestInit);
    assert.equal(response.status, 500);
    assert.equal(asError({ headers: response.headers, text: await response.text() }).type, 'Server.ServerProxy.SslAuthenticationFailed');
    await dispatcher.close();
  });

  it('a consumer reports the other side down or slow as a retryable error, and a refusal as a refusal', async () => {
    await plain.addPeer({ memberId: 'TEST/GOV/down', baseUrl: 'http://127.0.0.1:1', certificate: plain.certificate }, 'staff:ada');
    const silentPort = (silent.address() as { port: number }).port;
    await plain.addPeer({ memberId: 'TEST/GOV/slow', baseUrl: `http://127.0.0.1:${silentPort}`, certificate: plain.certificate }, 'staff:ada');
    for (const member of ['down', 'slow']) {
      await assert.rejects(plain.call({ service: `TEST/GOV/${member}/X/svc`, body: {} }), (e: unknown) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_EXCHANGE_UNAVAILABLE' && e.kind === 'retry');
    }
    await plain.addPeer({ memberId: 'TEST/GOV/city', baseUrl: plain.endpointUrl, certificate: plain.certificate }, 'staff:ada');
    await assert.rejects(plain.call({ service: 'TEST/GOV/city/CASES/status', method: 'GET', path: '/FS-1' }), (e: unknown) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_EXCHANGE_REFUSED');
    await plain.grant('status', self, 'staff:ada');
    const status = await plain.call({ service: 'TEST/GOV/city/CASES/status', method: 'GET', path: `/${encodeURIComponent('FS-1@x')}` });
    assert.equal(status.status, 404);
  });
});
