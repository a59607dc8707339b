// Acceptance point 3 of issue 6: a signed decision verifies after key rotation, fails after any byte of it changes,
// and shows as revoked once revoked. Plus the PDF (parses, carries the code and its own proof), the QR code
// (decoded back with jsQR), the issue-decision job under retry, the HTTP routes, and an independent verifier that
// uses node:crypto's Ed25519 directly on the published JWKS (not jose, not our verifier).
import assert from 'node:assert/strict';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import jsQRModule from 'jsqr';
import type { PDFRawStream} from 'pdf-lib';
import { PDFArray, PDFDocument, PDFName, PDFDict } from 'pdf-lib';
import {
  canonicalBytes, extractJwsFromPdf, verifyDecisionJws, createIssueDecisionHandler, type DecisionPayload, type PublicSigningJwk,
} from '../../src/documents/index.js';
import { startWorkerLoop } from '../../src/engine/index.js';
import { describeEachBackend } from '../support/databases.js';
import { flowed, pdfText } from '../support/pdf-text.js';
import { CITIZEN_ALEX, CITIZEN_KIM, STAFF_AUD, STAFF_MIA, STAFF_PAT, principalHeader, useDocuments, type DocumentsHarness } from './support.js';

const ISSUE = {
  service: 'building-permit', reference: 'BP-2026-0001', decisionType: 'permit', outcome: 'approved' as const,
  reasons: ['The plans meet the zoning plan', 'Neighbours were heard'], subjectName: 'Alex Demo',
  validFrom: '2026-03-02', validUntil: '2028-03-02', details: { parcel: 'P-4', storeys: 2 },
};

/** The independent verifier: RFC 7515 signing input, Ed25519 from the JWK via node:crypto, no JOSE library. */
function independentlyVerify(jws: string, jwks: { keys: PublicSigningJwk[] }): { ok: boolean; payload?: unknown } {
  const [h, p, s] = jws.split('.');
  if (!h || !p || s === undefined) return { ok: false };
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
  } catch {
    return { ok: false };
  }
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'EdDSA') return { ok: false };
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  const ok = cryptoVerify(null, Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'));
  return { ok, payload: ok ? JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) : undefined };
}

async function getJson(h: DocumentsHarness, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(h.baseUrl + path, { headers });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

async function postJson(h: DocumentsHarness, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(h.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

// jsqr is CommonJS with `exports.default`: under Node's ESM interop the default import is the module object.
type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQR = (jsQRModule as unknown as { default?: JsQR }).default ?? (jsQRModule as unknown as JsQR);

/** The first image XObject on the page, as RGBA pixels (pdf-lib stores a PNG as Flate RGB/Gray plus an SMask). */
async function pdfImageRgba(pdf: Uint8Array): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const doc = await PDFDocument.load(pdf);
  const xobjects = doc.getPages()[0]!.node.Resources()!.lookup(PDFName.of('XObject'), PDFDict);
  for (const [, ref] of xobjects.entries()) {
    const stream = doc.context.lookup(ref) as PDFRawStream;
    if (stream.dict.lookup(PDFName.of('Subtype')) !== PDFName.of('Image')) continue;
    const width = Number(String(stream.dict.lookup(PDFName.of('Width'))));
    const height = Number(String(stream.dict.lookup(PDFName.of('Height'))));
    const raw = inflateSync(stream.contents);
    const channels = raw.length / (width * height);
    const data = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const r = raw[i * channels]!;
      data[i * 4] = r;
      data[i * 4 + 1] = channels >= 3 ? raw[i * channels + 1]! : r;
      data[i * 4 + 2] = channels >= 3 ? raw[i * channels + 2]! : r;
      data[i * 4 + 3] = 255;
    }
    return { data, width, height };
  }
  throw new Error('no image in the PDF');
}

describeEachBackend('signed decisions', (backend) => {
  const h = useDocuments(backend);

  it('verifies after key rotation; new decisions use the new key; both keys stay in the JWKS', async () => {
    const first = await h.documents.issueDecision(ISSUE, 'staff:pat');
    const before = await h.documents.jwks();
    assert.equal(before.keys.length, 1);
    assert.equal(first.kid, before.keys[0]!.kid);
    const rotated = await h.documents.rotateSigningKey('staff:ada');
    assert.equal(rotated.previousKid, first.kid);
    assert.notEqual(rotated.kid, first.kid);
    const again = await h.documents.verifyJws(first.jws);
    assert.equal(again.valid, true);
    assert.equal(again.kid, first.kid);
    assert.equal(again.status, 'current');
    const second = await h.documents.issueDecision({ ...ISSUE, reference: 'BP-2026-0002' }, 'staff:pat');
    assert.equal(second.kid, rotated.kid);
    assert.notEqual(second.code, first.code);
    // Over HTTP, and checked by the independent verifier against the published JWKS.
    const jwks = await getJson(h, '/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    const keys = jwks.body as unknown as { keys: PublicSigningJwk[] };
    assert.deepEqual(new Set(keys.keys.map((k) => k.kid)), new Set([first.kid, rotated.kid]));
    for (const k of keys.keys) assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']); // no private part
    for (const issued of [first, second]) {
      const independent = independentlyVerify(issued.jws, keys);
      assert.equal(independent.ok, true);
      assert.equal((independent.payload as DecisionPayload).verificationCode, issued.code);
    }
    const byApi = await postJson(h, '/api/verify', { jws: first.jws });
    assert.equal(byApi.status, 200);
    assert.equal(byApi.body['valid'], true);
    assert.equal(byApi.body['kid'], first.kid);
    const { rows } = await h.db.query<{ type: string; actor: string }>(`select type, actor from event_log where type in ('documents.key-rotated', 'decision.issued') order by id`);
    // The first key is created (and logged) by the first issue; the rotation is the second key event.
    assert.deepEqual(rows.map((r) => r.type), ['documents.key-rotated', 'decision.issued', 'documents.key-rotated', 'decision.issued']);
    assert.deepEqual(rows.filter((r) => r.type === 'documents.key-rotated').map((r) => r.actor), ['system:documents', 'staff:ada']);
    // The private key is at rest only as a sealed box.
    const stored = await h.db.query<{ private_key_box: string }>('select private_key_box from signing_key');
    for (const r of stored.rows) assert.match(r.private_key_box, /^gfbox1\./);
  });

  it('fails after any byte of the JWS or of the canonical JSON changes (property)', async () => {
    const issued = await h.documents.issueDecision({ ...ISSUE, reference: 'BP-2026-0003' });
    const jwks = await h.documents.jwks();
    assert.equal((await verifyDecisionJws(issued.jws, jwks)).valid, true);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.= ';
    await fc.assert(fc.asyncProperty(fc.nat({ max: issued.jws.length - 1 }), fc.constantFrom(...alphabet), async (at, replacement) => {
      fc.pre(issued.jws[at] !== replacement);
      const tampered = issued.jws.slice(0, at) + replacement + issued.jws.slice(at + 1);
      assert.equal((await verifyDecisionJws(tampered, jwks)).valid, false, `changed character ${at}`);
      // Plain Ed25519 (decoding base64url leniently) may accept only a different spelling of the very same bytes.
      if (independentlyVerify(tampered, jwks).ok) {
        const decode = (jws: string) => jws.split('.').map((part) => Buffer.from(part, 'base64url').toString('hex'));
        assert.deepEqual(decode(tampered), decode(issued.jws));
      }
    }), { numRuns: 300 });
    const [header, payload, signature] = issued.jws.split('.') as [string, string, string];
    const bytes = Buffer.from(payload, 'base64url');
    await fc.assert(fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
      const changed = Buffer.from(bytes);
      changed[at] = changed[at]! ^ xor;
      const tampered = `${header}.${changed.toString('base64url')}.${signature}`;
      assert.equal((await verifyDecisionJws(tampered, jwks)).valid, false);
      assert.equal(independentlyVerify(tampered, jwks).ok, false);
    }), { numRuns: 300 });
    // Through the API too (one sample): tampered → not valid, never a 5xx.
    const flipped = `${header}.${Buffer.from(bytes.toString('utf8').replace('approved', 'refused!'), 'utf8').toString('base64url')}.${signature}`;
    const res = await postJson(h, '/api/verify', { jws: flipped });
    assert.equal(res.status, 200);
    assert.equal(res.body['valid'], false);
  });

  it('canonical bytes do not depend on key order or spacing (RFC 8785)', async () => {
    const issued = await h.documents.issueDecision({ ...ISSUE, reference: 'BP-2026-0004' });
    const bytes = Buffer.from(issued.jws.split('.')[1]!, 'base64url');
    const parsed = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    await fc.assert(fc.property(fc.integer({ min: 0, max: 8 }), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (indent, random) => {
      const shuffle = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(shuffle);
        if (value === null || typeof value !== 'object') return value;
        const entries = Object.entries(value).map(([k, v]) => [k, shuffle(v)] as const);
        const order = entries.map((e) => ({ e, r: random.next().value })).sort((a, b) => a.r - b.r).map((x) => x.e);
        return Object.fromEntries(order);
      };
      const reserialised = JSON.stringify(shuffle(parsed), null, indent);
      assert.deepEqual(canonicalBytes(JSON.parse(reserialised)), bytes);
    }), { numRuns: 100 });
  });

  it('shows as revoked once revoked: code, JSON API, JWS check and HTTP page', async () => {
    const issued = await h.documents.issueDecision({ ...ISSUE, reference: 'BP-2026-0005' });
    assert.equal((await getJson(h, `/api/verify/${issued.code}`)).body['status'], 'current');
    // Only managers and admins may revoke.
    assert.equal((await postJson(h, `/api/decisions/${issued.code}/revoke`, { reason: 'x' })).status, 401);
    assert.equal((await postJson(h, `/api/decisions/${issued.code}/revoke`, { reason: 'x' }, principalHeader(STAFF_PAT))).status, 403);
    const bad = await postJson(h, `/api/decisions/${issued.code}/revoke`, {}, principalHeader(STAFF_MIA));
    assert.equal(bad.status, 400);
    assert.match(String(bad.body['message']), /reason/);
    const revoked = await postJson(h, `/api/decisions/${issued.code}/revoke`, { reason: 'Issued in error: wrong parcel' }, principalHeader(STAFF_MIA));
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body['status'], 'revoked');
    const status = await getJson(h, `/api/verify/${issued.code.toLowerCase().replace(/-/g, ' ')}`);
    assert.equal(status.body['status'], 'revoked');
    assert.equal(status.body['revokedReason'], 'Issued in error: wrong parcel');
    assert.ok(status.body['revokedAt']);
    const check = await h.documents.verifyJws(issued.jws);
    assert.equal(check.valid, true);
    assert.equal(check.status, 'revoked');
    const again = await postJson(h, `/api/decisions/${issued.code}/revoke`, { reason: 'twice' }, principalHeader(STAFF_MIA));
    assert.equal(again.status, 409);
    const { rows } = await h.db.query<{ actor: string; data: { code: string } }>(`select actor, data from event_log where type = 'documents.decision-revoked'`);
    assert.deepEqual(rows.map((r) => [r.actor, r.data.code]), [['staff:mia', issued.code]]);
    const html = await (await fetch(`${h.baseUrl}/verify/${issued.code}`)).text();
    assert.match(html, /has been revoked/);
    assert.match(html, /wrong parcel/);
    assert.equal((await getJson(h, '/api/verify/2222-3333-4444')).body['status'], 'unknown');
    assert.equal((await postJson(h, '/api/decisions/2222-3333-4444/revoke', { reason: 'x' }, principalHeader(STAFF_MIA))).status, 404);
  });

  it('the PDF parses, shows the code, carries the JWS that verifies, re-downloads identically; the QR decodes to the verify URL', async () => {
    const issued = await h.documents.issueDecision({ ...ISSUE, reference: 'BP-2026-0006' });
    const stored = await h.documents.download(issued.code);
    assert.ok(stored);
    const doc = await PDFDocument.load(stored.pdf);
    assert.equal(doc.getPageCount(), 1);
    assert.equal(doc.getTitle(), 'Permit decision BP-2026-0006');
    // Read back by pdf.js (the letter embeds a Unicode font, so the text is glyph ids, not the characters).
    const text = flowed(await pdfText(stored.pdf));
    for (const shown of [issued.code, 'Reference: BP-2026-0006', 'Outcome: Approved', 'Issued to: Alex Demo', 'The plans meet the zoning plan']) {
      assert.ok(text.includes(shown), `the page shows '${shown}': ${text}`);
    }
    assert.ok(text.includes(`Go to ${issued.verifyUrl}`), 'the page shows the verification URL');
    const attached = await extractJwsFromPdf(stored.pdf);
    assert.equal(attached, issued.jws);
    assert.equal(independentlyVerify(attached, await h.documents.jwks()).ok, true);
    // The QR image inside the PDF decodes to the verification URL.
    const image = await pdfImageRgba(stored.pdf);
    assert.equal(jsQR(image.data, image.width, image.height)?.data, `${h.baseUrl}/verify/${issued.code}`);
    // Downloads: applicant and case staff only; the same bytes every time.
    const url = `${h.baseUrl}/decisions/${issued.code}.pdf`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: principalHeader(CITIZEN_KIM) })).status, 403);
    assert.equal((await fetch(url, { headers: principalHeader(STAFF_AUD) })).status, 403);
    const one = Buffer.from(await (await fetch(url, { headers: principalHeader(CITIZEN_ALEX) })).arrayBuffer());
    const two = Buffer.from(await (await fetch(url, { headers: principalHeader(STAFF_PAT) })).arrayBuffer());
    assert.deepEqual(one, stored.pdf);
    assert.deepEqual(two, one);
    const jwsRes = await fetch(`${h.baseUrl}/decisions/${issued.code}.jws`, { headers: principalHeader(CITIZEN_ALEX) });
    assert.equal(jwsRes.headers.get('content-type'), 'application/jose');
    assert.equal(await jwsRes.text(), issued.jws);
    // POST /api/verify with the PDF itself; and a PDF with one byte of its attachment changed does not verify.
    const byPdf = await postJson(h, '/api/verify', { pdf: stored.pdf.toString('base64') });
    assert.equal(byPdf.body['valid'], true);
    assert.equal(byPdf.body['code'], issued.code);
    const noJws = await PDFDocument.create();
    noJws.addPage();
    const plain = await postJson(h, '/api/verify', { pdf: Buffer.from(await noJws.save()).toString('base64') });
    assert.equal(plain.body['valid'], false);
    const both = await postJson(h, '/api/verify', { jws: issued.jws, pdf: 'AAAA' });
    assert.equal(both.status, 400);
  });

  it('the public verify APIs answer any input with a clear 2xx/4xx, never a 5xx (property)', async () => {
    const issued = await h.documents.issueDecision({ ...ISSUE, reference: 'BP-2026-0007' });
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.constant(issued.jws.slice(0, -2)), fc.constant(`${issued.jws}.x`)), async (jws) => {
      const res = await postJson(h, '/api/verify', { jws });
      assert.ok(res.status === 200 || res.status === 400, `status ${res.status}`);
      if (res.status === 200) assert.equal(res.body['valid'], jws === issued.jws);
    }), { numRuns: 60 });
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (code) => {
      const res = await fetch(`${h.baseUrl}/api/verify/${encodeURIComponent(code)}`);
      assert.ok(res.status < 500, `status ${res.status}`);
      const page = await fetch(`${h.baseUrl}/verify/${encodeURIComponent(code)}`, { redirect: 'manual' });
      assert.ok(page.status < 500, `page status ${page.status}`);
    }), { numRuns: 60 });
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
      assert.equal(await extractJwsFromPdf(bytes), null);
      const res = await postJson(h, '/api/verify', { pdf: Buffer.from(bytes).toString('base64') || 'AA==' });
      assert.equal(res.status, 200);
      assert.equal(res.body['valid'], false);
    }), { numRuns: 40 });
  });

  it('the issue-decision job issues once under retry and returns the code; bad variables fail with a coded message', async () => {
    await h.engine.deploy([{ name: 'permit.bpmn', content: `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://govflow.test">
  <process id="permit_issue" isExecutable="true">
    <startEvent id="s"/>
    <serviceTask id="issue"><extensionElements><zeebe:taskDefinition type="issue-decision"/></extensionElements></serviceTask>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="issue"/><sequenceFlow id="f2" sourceRef="issue" targetRef="e"/>
  </process>
</definitions>` }]);
    const variables = { decision: 'approved', decisionReasons: 'Meets the plan', applicantName: 'Alex Demo', reference: 'BP-2026-0100', serviceId: 'building-permit', decisionType: 'permit' };
    const { id } = await h.engine.startInstance('permit_issue', { variables });
    const handler = createIssueDecisionHandler(h.documents);
    const [job] = await h.engine.activateJobs({ type: 'issue-decision', worker: 'w1' });
    assert.ok(job);
    const firstRun = await handler(job);
    // The worker crashed before completing: the job is failed (retry) and handed out again.
    await h.engine.failJob(job.id, { worker: 'w1', errorMessage: 'worker lost', backoffMs: 0 });
    const [retried] = await h.engine.activateJobs({ type: 'issue-decision', worker: 'w2' });
    assert.ok(retried);
    const secondRun = await handler(retried);
    assert.deepEqual(secondRun, firstRun);
    // Two attempts at once also give one decision.
    const [a, b] = await Promise.all([handler(retried), handler(retried)]);
    assert.deepEqual(a, firstRun);
    assert.deepEqual(b, firstRun);
    await h.engine.completeJob(retried.id, { worker: 'w2', variables: secondRun ?? {} });
    const view = await h.engine.getInstance(id);
    assert.equal(view.variables['decisionCode'], (firstRun as { decisionCode: string }).decisionCode);
    const count = await h.db.query<{ n: string }>(`select count(*)::text as n from signed_decision where instance_id = $1`, [id]);
    assert.equal(count.rows[0]!.n, '1');
    const events = await h.db.query<{ data: Record<string, unknown> }>(`select data from event_log where instance_id = $1 and type = 'decision.issued'`, [id]);
    assert.equal(events.rows.length, 1);
    assert.deepEqual(Object.keys(events.rows[0]!.data).sort(), ['code', 'decisionType', 'kid', 'outcome']); // no personal content
    // Missing or wrong variables: a coded failure naming the variable, nothing written.
    for (const [name, broken] of [['applicantName', { ...variables, applicantName: undefined }], ['decision', { ...variables, decision: 'maybe' }], ['serviceId', { ...variables, serviceId: 42 }]] as const) {
      const started = await h.engine.startInstance('permit_issue', { variables: broken });
      const [bad] = (await h.engine.activateJobs({ type: 'issue-decision', worker: 'w3', maxJobs: 10 })).filter((j) => j.instanceId === started.id);
      await assert.rejects(handler(bad!), (error: { code?: string; message: string }) => error.code === 'GOVFLOW_ERR_DOCUMENT_INPUT' && error.message.includes(`'${name}'`));
      const none = await h.db.query('select 1 from signed_decision where instance_id = $1', [started.id]);
      assert.equal(none.rows.length, 0);
    }
    // And through the real worker loop: a job completes with decisionCode in the case variables.
    const loopCase = await h.engine.startInstance('permit_issue', { variables: { ...variables, reference: 'BP-2026-0101' } });
    const loop = startWorkerLoop(h.engine, { handlers: { 'issue-decision': handler }, timers: false, maxPollMs: 50 });
    try {
      for (let i = 0; i < 50 && (await h.engine.getInstance(loopCase.id)).state !== 'completed'; i++) await loop.poll();
    } finally {
      await loop.stop();
    }
    const done = await h.engine.getInstance(loopCase.id);
    assert.equal(done.state, 'completed');
    assert.equal((await h.documents.status(String(done.variables['decisionCode'])))?.reference, 'BP-2026-0101');
  });
});

describe('verification page content', () => {
  it('the public view withholds the holder of a benefit decision and never shows reasons or details', async () => {
    const { publicView } = await import('../../src/documents/index.js');
    const base = { type: 'govflow-decision/1' as const, issuer: { agency: 'a', name: 'A' }, service: 's', reference: 'r', outcome: 'approved' as const, reasons: ['private reason'], subject: { name: 'Pat Person' }, issuedAt: '2026-01-01T00:00:00.000Z', details: { income: 1 }, verificationCode: 'AAAA-BBBB-CCCC' };
    const permit = publicView({ ...base, decisionType: 'permit' });
    assert.equal(permit['holder'], 'Pat Person');
    const benefit = publicView({ ...base, decisionType: 'benefit' });
    assert.equal(benefit['holder'], undefined);
    for (const view of [permit, benefit]) assert.ok(!JSON.stringify(view).includes('private reason') && !JSON.stringify(view).includes('income'));
  });
});
