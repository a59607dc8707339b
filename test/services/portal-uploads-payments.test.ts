// The citizen side over real HTTP: document upload (type by content, size, empty, path-traversal names, CSRF in
// the multipart body, checksum stored), paying the fee through the test provider (decline, retry, pay, replayed
// return), and the decision download link once the case has a decision code.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { createApiServer } from '../../src/api/index.js';
import { loadCatalogue } from '../../src/catalogue/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { createIdentity } from '../../src/identity/index.js';
import { createPayments, createTestPaymentProvider, createTestProviderPages } from '../../src/payments/index.js';
import { checkUpload, createPortalPlugin, displayFilename } from '../../src/portal/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend, freshDatabase } from '../support/databases.js';
import { SERVICES_DIR } from './support.js';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9]);
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, ...Array<number>(30).fill(0)]);
const RULE = { label: 'Document', types: ['application/pdf', 'image/png', 'image/jpeg'] as const, maxBytes: 5 * 1024 * 1024, required: false };

class Browser {
  cookie = '';
  constructor(readonly base: string) {}
  async request(method: string, url: string, body?: string | FormData): Promise<{ status: number; location: string | null; body: string }> {
    const response = await fetch(this.base + url, {
      method, redirect: 'manual', ...(body !== undefined ? { body } : {}),
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  }
  get(url: string) {
    return this.request('GET', url);
  }
  post(url: string, fields: Record<string, string | string[]>) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return this.request('POST', url, body.toString());
  }
  static hidden(html: string, name: string): string {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    assert.ok(m, `hidden field ${name}`);
    return m[1]!;
  }
}

describeEachBackend('citizen uploads, payment and decision download over HTTP', (backend) => {
  let db: Database;
  let engine: Engine;
  let base: string;
  let close: () => Promise<void>;
  let alex: Browser;
  let reference: string;

  before(async () => {
    db = await freshDatabase(backend);
    engine = createEngine(db);
    const catalogue = await loadCatalogue(SERVICES_DIR);
    const payments = createPayments({
      db, provider: createTestPaymentProvider({ db }),
      onPaymentReceived: async (p) => void (await engine.publishMessage({ name: 'payment-received', correlationKey: p.reference, messageId: p.paymentId, actor: p.actor })),
    });
    const identity = createIdentity({ db, masterKey: randomBytes(32), demo: true });
    const portal = createPortalPlugin({ engine, db, catalogue, identity, processingTimeCacheMs: 0, payments });
    const { server } = await createApiServer({ engine, db, authenticate: identity.authenticate, webSession: identity, plugins: [identity.plugin, portal, createTestProviderPages({ db })] });
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    close = async () => {
      await server.close();
      await db.close();
    };
    alex = new Browser(base);
    const signInCsrf = Browser.hidden((await alex.get('/sign-in')).body, 'csrf');
    assert.equal((await alex.post('/sign-in', { csrf: signInCsrf, citizen: 'demo-citizen-alex', next: '/' })).status, 303);
    // Signing in starts a new session, with a new token.
    const csrf = Browser.hidden((await alex.get('/sign-in')).body, 'csrf');
    const answers: Record<string, Record<string, string | string[]>> = {
      'about-you': { applicantName: 'Alex Demo', email: 'alex@example.org', applicantRole: 'owner' },
      'the-building': { siteAddress: '12 Harbour Street', workType: 'extension', floorArea: '120', workDescription: 'A two-room extension.', 'plannedStart-day': '1', 'plannedStart-month': '6', 'plannedStart-year': '2028' },
      declaration: { declaration: 'true' },
    };
    for (const [pageId, fields] of Object.entries(answers)) {
      let r;
      if (pageId === 'the-building') {
        // This page asks for the site plan (a required file), so it is sent as multipart/form-data, as a browser does.
        const form = new FormData();
        form.append('csrf', csrf);
        for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
        form.append('sitePlan', new Blob([PDF]), 'site-plan.pdf');
        r = await alex.request('POST', `/services/building-permit/apply/${pageId}`, form);
      } else {
        r = await alex.post(`/services/building-permit/apply/${pageId}`, { csrf, ...fields });
      }
      assert.equal(r.status, 303, `${pageId}: ${r.body.slice(0, 300)}`);
    }
    const check = (await alex.get('/services/building-permit/check')).body;
    const sent = await alex.post('/services/building-permit/submit', { csrf: Browser.hidden(check, 'csrf'), token: Browser.hidden(check, 'token') });
    reference = /\/applications\/([A-Z]+-\d{4}-\d{6})\//.exec(sent.location ?? '')![1]!;
  });
  after(async () => {
    await close?.();
  });

  async function upload(file: { bytes: Buffer; name: string } | null, fields: Record<string, string> = {}, key = 'supportingDocument') {
    const status = await alex.get(`/applications/${reference}`);
    const form = new FormData();
    form.append('csrf', fields['csrf'] ?? Browser.hidden(status.body, 'csrf'));
    if (file) form.append(key, new Blob([file.bytes]), file.name);
    return alex.request('POST', `/applications/${reference}/documents`, form);
  }
  const stored = async () => (await db.query<{ filename: string; media_type: string; size_bytes: number; sha256: string; content: Uint8Array }>('select filename, media_type, size_bytes, sha256, content from case_upload where reference = $1 order by id', [reference])).rows;

  it('the status page offers a plain multipart upload form; a PDF is stored with its SHA-256', async () => {
    const page = (await alex.get(`/applications/${reference}`)).body;
    assert.match(page, /<form method="post" action="\/applications\/[A-Z0-9-]+\/documents" enctype="multipart\/form-data"/);
    assert.match(page, /<input class="govuk-file-upload" id="supportingDocument" name="supportingDocument" type="file"/);
    // The site plan sent with the question page belongs to the case from submission on.
    assert.deepEqual((await stored()).map((row) => row.filename), ['site-plan.pdf']);
    const r = await upload({ bytes: PDF, name: 'site plan.pdf' });
    assert.equal(r.status, 303);
    const rows = (await stored()).slice(1);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.sha256, createHash('sha256').update(PDF).digest('hex'));
    assert.equal(rows[0]!.media_type, 'application/pdf');
    assert.equal(rows[0]!.filename, 'site plan.pdf');
    assert.deepEqual(Buffer.from(rows[0]!.content), PDF);
    assert.match((await alex.get(`/applications/${reference}`)).body, /<li>site plan\.pdf \(PDF, 1 KB\)<\/li>/);
  });

  it('refuses a wrong type by content (a ZIP or text named .pdf), an empty file, an oversized file, no file; nothing stored', async () => {
    const before = (await stored()).length;
    const zip = await upload({ bytes: ZIP, name: 'plans.pdf' });
    assert.equal(zip.status, 415);
    assert.match(zip.body, /The selected file must be a PDF, PNG or JPEG/);
    assert.equal((await upload({ bytes: Buffer.from('just text, honest'), name: 'letter.pdf' })).status, 415);
    const empty = await upload({ bytes: Buffer.alloc(0), name: 'empty.pdf' });
    assert.equal(empty.status, 400);
    assert.match(empty.body, /The selected file is empty/);
    const big = await upload({ bytes: Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024)]), name: 'big.pdf' });
    assert.equal(big.status, 413);
    assert.match(big.body, /must be smaller than 5 MB/);
    assert.equal((await upload(null)).status, 400);
    assert.equal((await stored()).length, before);
  });

  it('a path-traversal file name is only a label: stored as its last segment, nothing written to disk', async () => {
    assert.equal((await upload({ bytes: PNG, name: '../../../etc/passwd.png' })).status, 303);
    assert.equal((await upload({ bytes: JPEG, name: '..\\..\\windows\\win.ini' })).status, 303);
    const names = (await stored()).slice(-2).map((r) => r.filename);
    assert.deepEqual(names, ['passwd.png', 'win.ini']);
  });

  it('without the CSRF token in the multipart body nothing is stored; another citizen gets 404', async () => {
    const before = (await stored()).length;
    assert.equal((await upload({ bytes: PDF, name: 'a.pdf' }, { csrf: 'wrong' })).status, 403);
    const kim = new Browser(base);
    const csrf = Browser.hidden((await kim.get('/sign-in')).body, 'csrf');
    await kim.post('/sign-in', { csrf, citizen: 'demo-citizen-kim', next: '/' });
    const kimsCsrf = Browser.hidden((await kim.get('/sign-in')).body, 'csrf');
    const form = new FormData();
    form.append('csrf', kimsCsrf);
    form.append('supportingDocument', new Blob([PDF]), 'a.pdf');
    assert.equal((await kim.request('POST', `/applications/${reference}/documents`, form)).status, 404);
    assert.equal((await stored()).length, before);
  });

  it('any bytes under any name over multipart: a coded 4xx or stored as a label-only name (property)', async () => {
    const magic = fc.constantFrom(Buffer.alloc(0), PDF.subarray(0, 8), PNG.subarray(0, 8), JPEG.subarray(0, 3), Buffer.from('GIF89a'), Buffer.from('MZ'));
    await fc.assert(fc.asyncProperty(magic, fc.uint8Array({ maxLength: 200 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), async (head, tail, name) => {
      const bytes = head.length === 0 && tail.length === 0 ? Buffer.alloc(0) : Buffer.concat([head, Buffer.from(tail)]);
      const before = (await stored()).length;
      const r = await upload({ bytes, name });
      const rows = await stored();
      if (r.status === 303) {
        const last = rows.at(-1)!;
        return rows.length === before + 1 && !/[\\/]/.test(last.filename) && last.sha256 === createHash('sha256').update(bytes).digest('hex');
      }
      return [400, 413, 415].includes(r.status) && rows.length === before;
    }), { numRuns: 15 });
  });

  it('the answer to a request for more information lists the uploaded documents (with their checksums) for staff', async () => {
    const [instance] = await engine.listInstances({ businessKey: reference });
    const [intake] = await engine.listTasks({ instanceId: instance!.id, state: 'created' });
    await engine.completeTask(intake!.id, { variables: { complete: false, informationRequested: 'Send the site plan.' } });
    for (const job of await engine.activateJobs({ type: 'notify-applicant', worker: 'test' })) await engine.completeJob(job.id, { worker: 'test' });
    const page = (await alex.get(`/applications/${reference}`)).body;
    const sent = await alex.post(`/applications/${reference}/information`, { csrf: Browser.hidden(page, 'csrf'), token: Browser.hidden(page, 'token'), informationResponse: 'The site plan is uploaded.' });
    assert.equal(sent.status, 303);
    const docs = (await engine.getInstance(instance!.id)).variables['informationDocuments'] as { filename: string; sha256: string }[];
    const rows = await stored();
    assert.deepEqual(docs.map((d) => [d.filename, d.sha256]), rows.map((r) => [r.filename, r.sha256]));
    assert.equal(docs[0]!.sha256, createHash('sha256').update(PDF).digest('hex'));
  });

  it('pay the fee: decline, retry, pay; a replayed return is one payment; then the decision download link', async () => {
    const [instance] = await engine.listInstances({ businessKey: reference });
    for (const t of await engine.listTasks({ instanceId: instance!.id, state: 'created' })) await engine.completeTask(t.id, { variables: { complete: true } });
    for (const t of await engine.listTasks({ instanceId: instance!.id, state: 'created' })) await engine.completeTask(t.id, {});
    let status = (await alex.get(`/applications/${reference}`)).body;
    // 120 m², no rooms open to the public: €600 (hand-worked from the tariff).
    assert.match(status, /The fee for your application is <strong>€600\.00<\/strong>/);
    const csrf = Browser.hidden(status, 'csrf');
    const go = await alex.post(`/applications/${reference}/pay`, { csrf });
    assert.equal(go.status, 303);
    assert.match(go.location!, /^\/payments\/test\/[0-9a-f]{32}$/);
    assert.match((await alex.get(go.location!)).body, /Pay €600\.00/);
    const declined = await alex.post(go.location!, { action: 'decline', csrf: Browser.hidden((await alex.get(go.location!)).body, 'csrf') });
    const back = await alex.get(declined.location!);
    assert.match(back.body, /Your payment was declined/);
    assert.match(back.body, /Try the payment again/);
    const retry = await alex.post(`/applications/${reference}/pay`, { csrf });
    const paid = await alex.post(retry.location!, { action: 'pay', csrf });
    const confirmation = await alex.get(paid.location!);
    assert.match(confirmation.body, /Payment received/);
    assert.match((await alex.get(paid.location!)).body, /Payment received/, 'the return page can be reloaded');
    const succeeded = await db.query<{ n: string | number }>(`select count(*) as n from payment where reference = $1 and state = 'succeeded'`, [reference]);
    assert.equal(Number(succeeded.rows[0]!.n), 1);
    assert.deepEqual((await engine.listTasks({ instanceId: instance!.id, state: 'created' })).map((t) => t.elementId), ['decide']);
    status = (await alex.get(`/applications/${reference}`)).body;
    assert.doesNotMatch(status, /id="fee-due"/);
    // Paying again is not offered, and posting anyway just returns to the status page.
    assert.equal((await alex.post(`/applications/${reference}/pay`, { csrf })).location, `/applications/${reference}`);
    // The decision: the documents module sets decisionCode; the status page links the PDF and the verify page.
    await engine.setVariables(instance!.id, { decisionCode: 'ABCD-EFGH-JKLM' });
    status = (await alex.get(`/applications/${reference}`)).body;
    assert.match(status, /href="\/decisions\/ABCD-EFGH-JKLM\.pdf"/);
    assert.match(status, /href="\/verify\/ABCD-EFGH-JKLM"/);
  });
});

it('checkUpload: accepts exactly the allowed magic bytes, never throws anything but a coded error (property)', async () => {
  assert.equal((await checkUpload(PDF, 'x.pdf', RULE, 'f')).mediaType, 'application/pdf');
  assert.equal((await checkUpload(PNG, 'x.exe', RULE, 'f')).mediaType, 'image/png');
  assert.equal((await checkUpload(JPEG, 'x', RULE, 'f')).mediaType, 'image/jpeg');
  const prefix = fc.constantFrom(new Uint8Array(0), PDF.subarray(0, 5), PNG.subarray(0, 16), JPEG.subarray(0, 4));
  await fc.assert(fc.asyncProperty(prefix, fc.uint8Array({ maxLength: 600 }), fc.string(), async (p, tail, name) => {
    const bytes = new Uint8Array([...p, ...tail]);
    try {
      const ok = await checkUpload(bytes, name, RULE, 'f');
      const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
      return head.startsWith('%PDF') || head.startsWith('\x89PNG') || head.startsWith('\xff\xd8\xff') ? ok.sha256.length === 64 : false;
    } catch (error) {
      return isGovflowError(error) && ['GOVFLOW_ERR_VALIDATION', 'GOVFLOW_ERR_UPLOAD_TYPE', 'GOVFLOW_ERR_PAYLOAD_TOO_LARGE'].includes(error.code);
    }
  }), { numRuns: 200 });
});

it('displayFilename: never a path separator, control character or leading dot (property)', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (raw) => {
    const name = displayFilename(raw);
    return name.length > 0 && name.length <= 120 && !/[\\/\u0000-\u001f]/.test(name) && !name.startsWith('.');
  }));
});
