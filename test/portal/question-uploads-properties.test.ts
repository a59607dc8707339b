// Properties (fast-check) of the question-page upload handling: the multipart reader over real HTTP gives back
// exactly the fields and files a client sent; the answer of a filepicker only ever holds ids the server knows; the
// file check never throws and accepts only what the rule allows; and the portal answers any file with 303 or a 400
// page, storing it only when it is accepted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import multipart from '@fastify/multipart';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import { loadCatalogue, DEFAULT_CATALOGUE_DIR, type UploadRule } from '../../src/catalogue/index.js';
import { checkPageFiles, fileAnswerInput, pageFileRules, readMultipart, typesFromAccept, type PageFileRule } from '../../src/portal/index.js';
import { parseFormSchema, type FieldComponent } from '../../src/web/index.js';
import { samplePdf, startTestPortal, type TestPortal } from './support.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da636460f80f00010401005f5c2d3b0000000049454e44ae426082', 'hex');

describe('readMultipart over HTTP', () => {
  let server: FastifyInstance;
  let base: string;
  before(async () => {
    server = Fastify();
    await server.register(multipart, { limits: { fileSize: 64 * 1024, files: 5, fields: 50 }, throwFileSizeLimit: false });
    server.post('/echo', async (request) => {
      const { fields, files } = await readMultipart(request);
      return { fields, files: files.map((f) => ({ field: f.field, filename: f.filename, sha256: sha(f.bytes), length: f.bytes.length, truncated: f.truncated })) };
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await server.close();
  });

  it('gives back every field (repeated names as lists) and every file byte for byte', async () => {
    const name = fc.stringMatching(/^[a-z][a-zA-Z0-9_-]{0,11}$/);
    // Field values as browsers send them: any text without line breaks (which multipart turns into CRLF).
    const value = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\r\n]/.test(s));
    const file = fc.record({ field: name, filename: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,20}$/), bytes: fc.uint8Array({ maxLength: 3000 }) });
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 8 }), fc.array(file, { maxLength: 3 }), async (fields, files) => {
      const form = new FormData();
      for (const [k, v] of fields) form.append(k, v);
      for (const f of files) form.append(f.field, new Blob([f.bytes]), f.filename);
      const response = await fetch(`${base}/echo`, { method: 'POST', body: form });
      assert.equal(response.status, 200);
      const got = await response.json() as { fields: Record<string, string | string[]>; files: { field: string; filename: string; sha256: string; length: number; truncated: boolean }[] };
      const expected: Record<string, string | string[]> = {};
      for (const [k, v] of fields) {
        const prev = expected[k];
        expected[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      assert.deepEqual(got.fields, expected);
      assert.deepEqual(got.files, files.map((f) => ({ field: f.field, filename: f.filename, sha256: sha(f.bytes), length: f.bytes.length, truncated: false })));
    }), { numRuns: 60 });
  });

  it('cuts a file off at the limit and says so', async () => {
    const form = new FormData();
    form.append('f', new Blob([Buffer.alloc(64 * 1024 + 10, 1)]), 'big.bin');
    const got = await (await fetch(`${base}/echo`, { method: 'POST', body: form })).json() as { files: { length: number; truncated: boolean }[] };
    assert.deepEqual(got.files.map((f) => [f.length, f.truncated]), [[64 * 1024, true]]);
  });
});

const field = (key: string, multiple: boolean): FieldComponent => parseFormSchema({ components: [{ type: 'filepicker', key, label: 'Plan', multiple, validate: { required: true } }] }).schema!.components[0] as FieldComponent;
const RULE: UploadRule = { label: 'Plan', types: ['application/pdf', 'image/png'], maxBytes: 2048, required: true };

describe('filepicker answers and file checks', () => {
  it('the answer holds a placeholder for a new file, else the draft ids (unless rejected): never what the form sent', () => {
    const keys = fc.uniqueArray(fc.stringMatching(/^[a-z][a-zA-Z]{0,6}$/), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(keys, fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z]{0,6}$/), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))), fc.array(fc.nat(5)), fc.array(fc.integer({ min: -5, max: 1e6 }), { maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (fileKeys, input, acceptedCounts, draftIds, rejectedFlags) => {
      const rules = new Map<string, PageFileRule>(fileKeys.map((k) => [k, { field: field(k, true), rule: RULE }]));
      const draft: Record<string, unknown> = Object.fromEntries(fileKeys.map((k) => [k, draftIds]));
      const accepted = new Map(fileKeys.map((k, i) => [k, Array.from({ length: acceptedCounts[i] ?? 0 }, () => ({}))]));
      const rejected = new Set(fileKeys.filter((_, i) => rejectedFlags[i]));
      const out = fileAnswerInput(input, rules, draft, accepted, rejected);
      const known = draftIds.filter((id) => Number.isSafeInteger(id) && id > 0).map(String);
      for (const k of fileKeys) {
        const n = accepted.get(k)!.length;
        const expected = n > 0 ? Array.from({ length: n }, () => '1') : !rejected.has(k) && known.length > 0 ? known : undefined;
        assert.deepEqual(out[k], expected, k);
      }
      for (const [k, v] of Object.entries(input)) if (!fileKeys.includes(k)) assert.deepEqual(out[k], v);
    }));
  });

  it('the file check never throws, keeps only files of the page, and accepts only non-empty allowed types within the limit', async () => {
    const pdf = await samplePdf();
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.constant(new Uint8Array(pdf)), fc.constant(new Uint8Array(PNG)),
      fc.uint8Array({ maxLength: 2500 }).map((tail) => new Uint8Array([...pdf.subarray(0, 8), ...tail])));
    const rules = new Map<string, PageFileRule>([['plan', { field: field('plan', false), rule: RULE }], ['extra', { field: field('extra', true), rule: RULE }]]);
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ field: fc.constantFrom('plan', 'extra', 'other'), filename: fc.string({ maxLength: 30 }), bytes, truncated: fc.boolean() }), { maxLength: 4 }), async (files) => {
      const incoming = files.map((f) => ({ ...f, bytes: Buffer.from(f.bytes) }));
      const { accepted, errors } = await checkPageFiles(rules, incoming);
      for (const e of errors) assert.ok(rules.has(e.key) && e.anchor === e.key && e.message.length > 0);
      for (const [key, list] of accepted) {
        assert.ok(rules.has(key));
        assert.ok(!errors.some((e) => e.key === key), 'a field is accepted or in error, not both');
        const sent = incoming.filter((f) => f.field === key && (f.filename !== '' || f.bytes.length > 0));
        assert.equal(list.length, sent.length);
        if (key === 'plan') assert.equal(list.length, 1, 'one file for a single filepicker');
        for (const [i, c] of list.entries()) {
          assert.ok(!sent[i]!.truncated && c.bytes.length > 0 && c.bytes.length <= RULE.maxBytes);
          assert.ok(RULE.types.includes(c.upload.mediaType));
          assert.equal(c.upload.mediaType, (await fileTypeFromBuffer(c.bytes))?.mime, 'the type is the one read from the bytes');
          assert.equal(c.upload.sha256, sha(c.bytes));
        }
      }
    }), { numRuns: 150 });
  });

  it('accept lists map onto the stored types', () => {
    assert.deepEqual(typesFromAccept('.pdf,.PNG'), ['application/pdf', 'image/png']);
    assert.deepEqual(typesFromAccept('image/*'), ['image/png', 'image/jpeg']);
    assert.deepEqual(typesFromAccept('.jpg'), ['image/jpeg']);
    assert.deepEqual(typesFromAccept('.docx'), ['application/pdf', 'image/png', 'image/jpeg'], 'nothing storable named: the three the platform stores');
  });
});

describe('the building page answers any file with 303 or a page naming the problem', () => {
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal('pglite');
  });
  after(async () => {
    await portal?.close();
  });

  it('stores a file only when it is accepted; never a server error', async () => {
    const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
    const service = catalogue.get('building-permit')!;
    const rule = pageFileRules(service, service.pages.find((p) => p.id === 'the-building')!).get('sitePlan')!.rule;
    const start = await fetch(`${portal.base}/sign-in`);
    let cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf0 = /name="csrf" value="([^"]*)"/.exec(await start.text())![1]!;
    const signIn = await fetch(`${portal.base}/sign-in`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrf0, citizen: 'demo-citizen-alex', next: '/' }) });
    cookie = (signIn.headers.get('set-cookie') ?? cookie).split(';')[0]!;
    const csrf = /name="csrf" value="([^"]*)"/.exec(await (await fetch(`${portal.base}/sign-in`, { headers: { cookie } })).text())![1]!;
    const pdf = await samplePdf();
    const count = async (): Promise<number> => Number((await portal.db.query<{ n: number }>('select count(*)::int as n from case_upload')).rows[0]!.n);
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.constant(new Uint8Array(pdf)), fc.constant(new Uint8Array(PNG))), fc.string({ maxLength: 40 }), async (bytes, name) => {
      const before = await count();
      const form = new FormData();
      form.append('csrf', csrf);
      for (const [k, v] of Object.entries({ siteAddress: '2 Test Road', workType: 'extension', floorArea: '80', workDescription: 'A small extension at the back.', 'plannedStart-day': '1', 'plannedStart-month': '2', 'plannedStart-year': '2028' })) form.append(k, v);
      form.append('sitePlan', new Blob([bytes]), name);
      const response = await fetch(`${portal.base}/services/building-permit/apply/the-building`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: form });
      const text = await response.text();
      const type = (await fileTypeFromBuffer(bytes).catch(() => undefined))?.mime;
      const acceptable = bytes.length > 0 && type !== undefined && (rule.types as readonly string[]).includes(type);
      if (bytes.length === 0 && name === '') {
        // No file chosen: the draft's file is kept if there is one, else the field is required.
        assert.equal(response.status, before > 0 ? 303 : 400);
        assert.equal(await count(), before);
        return;
      }
      assert.equal(response.status, acceptable ? 303 : 400, `${bytes.length} bytes of ${type ?? 'unknown type'}`);
      if (!acceptable) assert.match(text, /<p id="sitePlan-error" class="govuk-error-message">/);
      // A new accepted file replaces the one before (one draft upload for the field); a refused one changes nothing.
      assert.equal(await count(), acceptable ? 1 : before);
    }), { numRuns: 25 });
  });
});
