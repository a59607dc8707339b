/**
 * The ledger over real HTTP (issue 6): public read routes, publishing on demand, proofs checked with the independent
 * RFC 9162 verifier in rfc9162.ts, checkpoints and keys checked with node:crypto directly, /api/health's ledger
 * report and the X-Road style write refusal while sealing is behind. Runs on PGlite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify as edVerify } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { createApiServer } from '../../src/api/index.js';
import { createEngine } from '../../src/engine/index.js';
import { createIdentity } from '../../src/identity/index.js';
import { createSealer, createWriteGuard, generateSigner, verifyInclusion as ledgerVerifyInclusion, type Sealer, type WriteGuard } from '../../src/ledger/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { verifyConsistency, verifyInclusion } from './rfc9162.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

async function insertEvents(db: Database, n: number): Promise<void> {
  await db.query(
    `insert into event_log (type, element_id, actor, occurred_at, data)
     select 'test.http', 'el' || g, 'clerk', now(), jsonb_build_object('n', g) from generate_series(1, $1::int) g`,
    [n],
  );
}

/** Parses a signed-note checkpoint and checks its Ed25519 signature with node:crypto, independently of src/. */
function checkNote(note: string, rawPublicKey: Buffer): { size: number; root: Buffer } {
  const [body, sigLine] = note.split('\n\n');
  assert.ok(body && sigLine);
  const [origin, size, root] = body.split('\n');
  const m = /^\u2014 (\S+) (\S+)\n$/.exec(sigLine);
  assert.ok(m && m[1] === origin);
  const blob = Buffer.from(m[2]!, 'base64');
  const keyHash = createHash('sha256').update(`${origin}\n`).update(Buffer.from([1])).update(rawPublicKey).digest().subarray(0, 4);
  assert.deepEqual(blob.subarray(0, 4), keyHash);
  const key = createPublicKey({ key: Buffer.concat([hex('302a300506032b6570032100'), rawPublicKey]), format: 'der', type: 'spki' });
  assert.ok(edVerify(null, Buffer.from(`${body}\n`), key, blob.subarray(4)), 'checkpoint signature');
  return { size: Number(size), root: Buffer.from(root!, 'base64') };
}

describeEachBackend('ledger over HTTP', (backend) => {
  let db: Database;
  let sealer: Sealer;
  let guard: WriteGuard;
  let base: string;
  let auditor: string;
  let admin: string;
  let caseworker: string;
  let close: () => Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are whatever the API sent
  const call = async (method: string, path: string, authorization?: string): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${base}${path}`, { method, headers: authorization ? { authorization } : {} });
    return { status: response.status, body: await response.json() };
  };

  before(async () => {
    db = await freshDatabase(backend);
    const identity = createIdentity({ db, masterKey: randomBytes(32) });
    auditor = `Bearer ${(await identity.createApiKey({ id: 'test-auditor', roles: ['auditor'] })).key}`;
    caseworker = `Bearer ${(await identity.createApiKey({ id: 'test-caseworker', roles: ['caseworker'] })).key}`;
    admin = `Bearer ${(await identity.createApiKey({ id: 'test-admin', roles: ['admin'] })).key}`;
    // The sealer is not started: the tests decide when sealing happens, so "behind" is deterministic.
    sealer = createSealer(db, { signer: generateSigner() });
    const limits = { maxUnsealed: 20, maxLagSeconds: 3600 };
    guard = createWriteGuard(db, { ...limits, refreshMs: 50, refuseWrites: true });
    const { server } = await createApiServer({
      engine: createEngine(db), db, authenticate: identity.authenticate,
      ledger: { publishNow: () => sealer.publishNow(), limits, guard },
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    close = async () => {
      guard.stop();
      await server.close();
      await db.close();
    };
  });
  after(async () => close());

  it('publishes on demand (admin only: an auditor reads and never writes) and serves heads, keys, checkpoints and proofs that verify independently', async () => {
    assert.equal((await call('GET', '/api/ledger/tree-head')).status, 404);
    await insertEvents(db, 13);
    assert.equal((await call('POST', '/api/ledger/tree-heads')).status, 401);
    assert.equal((await call('POST', '/api/ledger/tree-heads', caseworker)).status, 403);
    assert.equal((await call('POST', '/api/ledger/tree-heads', auditor)).status, 403);
    const first = await call('POST', '/api/ledger/tree-heads', admin);
    assert.equal(first.status, 201);
    const sizeOfFirst = first.body.treeSize as number;
    assert.ok(sizeOfFirst >= 13);
    await insertEvents(db, 6);
    assert.equal((await call('POST', '/api/ledger/tree-heads', admin)).status, 201);

    const head = await call('GET', '/api/ledger/tree-head');
    assert.equal(head.status, 200);
    assert.equal(head.body.treeSize, sizeOfFirst + 6);
    const keys = await call('GET', '/api/ledger/keys');
    const key = keys.body.keys.find((k: { keyId: string }) => k.keyId === head.body.keyId);
    assert.ok(key, 'the head\'s key is published');
    const rawKey = Buffer.from(key.publicKey as string, 'base64');

    const checkpoints = await call('GET', `/api/ledger/checkpoints?since=${sizeOfFirst + 1}`);
    assert.equal(checkpoints.body.checkpoints.length, 1, 'since filters out the smaller head');
    const note = checkNote(checkpoints.body.checkpoints[0] as string, rawKey);
    assert.equal(note.size, head.body.treeSize);
    assert.equal(note.root.toString('hex'), head.body.rootHash);
    assert.equal((await call('GET', '/api/ledger/checkpoints')).body.checkpoints.length, 2);

    const { rows } = await db.query<{ id: string }>('select id::text from event_log order by id');
    for (const { id } of [rows[0]!, rows[5]!, rows.at(-1)!]) {
      const proof = await call('GET', `/api/ledger/proofs/inclusion?eventId=${id}`, auditor);
      assert.equal(proof.status, 200, JSON.stringify(proof.body));
      assert.ok(verifyInclusion(proof.body.leafIndex, proof.body.treeSize, Buffer.from(proof.body.leaf as string), proof.body.path.map(hex), hex(head.body.rootHash)));
    }
    const older = await call('GET', `/api/ledger/proofs/inclusion?eventId=${rows[0]!.id}&treeSize=${sizeOfFirst}`);
    assert.equal(older.status, 200);
    assert.equal(older.body.rootHash, first.body.rootHash);
    const consistency = await call('GET', `/api/ledger/proofs/consistency?first=${sizeOfFirst}&second=${head.body.treeSize}`);
    assert.equal(consistency.status, 200);
    assert.ok(verifyConsistency(sizeOfFirst, head.body.treeSize, hex(first.body.rootHash), hex(head.body.rootHash), consistency.body.path.map(hex)));
    assert.equal((await call('GET', `/api/ledger/proofs/consistency?first=${head.body.treeSize + 1}&second=${head.body.treeSize + 5}`)).status, 404);
    assert.equal((await call('GET', '/api/ledger/proofs/consistency?first=3&second=2')).status, 400);
  });

  it('serves a public inclusion proof of a benefit decision with no citizen id, step name or event type in clear, and it verifies', async () => {
    const { rows } = await db.query<{ id: string }>(
      `insert into event_log (type, element_id, element_instance, actor, occurred_at, data)
       values ('documents.decision-issued', 'decide-housing-benefit', 'decide-housing-benefit#1', 'citizen:person-benefit-probe', now(), '{"outcome": "awarded"}') returning id::text`);
    const head = await call('POST', '/api/ledger/tree-heads', admin);
    assert.equal(head.status, 201);
    const proof = await call('GET', `/api/ledger/proofs/inclusion?eventId=${rows[0]!.id}`);
    assert.equal(proof.status, 200);
    const text = JSON.stringify(proof.body);
    for (const clear of ['person-benefit-probe', 'decide-housing-benefit', 'documents.decision-issued', 'awarded']) assert.ok(!text.includes(clear), `${clear} is not in the public proof`);
    assert.equal(proof.body.leaf, undefined, 'no leaf bytes for the public');
    assert.ok(ledgerVerifyInclusion(hex(proof.body.leafHash), proof.body.leafIndex, proof.body.treeSize, proof.body.path.map(hex), hex(head.body.rootHash)), 'the leaf hash is in the signed tree');
    // Those entitled to the event (an auditor) get the leaf bytes, which hash to the same leaf hash.
    const full = await call('GET', `/api/ledger/proofs/inclusion?eventId=${rows[0]!.id}`, auditor);
    assert.match(full.body.leaf as string, /person-benefit-probe/);
    assert.equal(createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(full.body.leaf as string)])).digest('hex'), proof.body.leafHash);
  });

  it('answers any query string with a 2xx or a coded 4xx naming the field, never a 5xx', async () => {
    const value = fc.oneof(fc.integer({ min: -5, max: 100 }).map(String), fc.constantFrom('', 'abc', '1e3', '9007199254740993', "1' or '1'='1", '<script>', '-0', '0x10', '1.5'), fc.string({ maxLength: 8 }));
    const path = fc.oneof(
      fc.record({ eventId: value, treeSize: fc.option(value) }).map((q) => `/api/ledger/proofs/inclusion?eventId=${encodeURIComponent(q.eventId)}${q.treeSize === null ? '' : `&treeSize=${encodeURIComponent(q.treeSize)}`}`),
      fc.record({ first: value, second: value }).map((q) => `/api/ledger/proofs/consistency?first=${encodeURIComponent(q.first)}&second=${encodeURIComponent(q.second)}`),
      value.map((since) => `/api/ledger/checkpoints?since=${encodeURIComponent(since)}`),
    );
    await fc.assert(fc.asyncProperty(path, async (p) => {
      const r = await call('GET', p);
      assert.ok(r.status < 500, `${p} gave ${r.status}`);
      if (r.status >= 400) {
        assert.match(r.body.code as string, /^GOVFLOW_ERR_/);
        if (r.status === 400) assert.match(r.body.message as string, /(query|querystring)\.(eventId|treeSize|first|second|since)/, p);
      }
    }), { numRuns: 60 });
  });

  it('reports lag on /api/health (503 when behind) and refuses writes with a coded retry error until sealing catches up', async () => {
    await sealer.sealNow();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const ok = await call('GET', '/api/health');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.ledger.status, 'ok');
    assert.equal(ok.body.ledger.lagEvents, 0);
    assert.notEqual((await call('POST', '/api/process-instances')).status, 503);

    await insertEvents(db, 25);
    const behind = await call('GET', '/api/health');
    assert.equal(behind.status, 503);
    assert.equal(behind.body.ledger.status, 'behind');
    assert.equal(behind.body.ledger.lagEvents, 25);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const refused = await call('POST', '/api/process-instances', auditor);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'GOVFLOW_ERR_LEDGER_BEHIND');
    assert.equal((await call('GET', '/api/ledger/checkpoints')).status, 200, 'reads still work');

    await sealer.sealNow();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal((await call('GET', '/api/health')).status, 200);
    assert.equal((await call('POST', '/api/process-instances')).status, 401, 'writes reach the route again');
  });
});
