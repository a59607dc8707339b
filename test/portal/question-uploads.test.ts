// File upload on question pages (form-js filepicker) over real HTTP, on PGlite and PostgreSQL: the site plan of the
// building permit stored as a draft upload, shown on check-your-answers, kept when the page is sent again without a
// file, replaced, refused when wrong (type by content, too large, empty) with nothing stored, attached to the case
// on submit; the submission e-mail queued through onSubmitted in the real notifications outbox.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { Notifications, logOnlyTransport } from '../../src/notifications/index.js';
import { applicantContact } from '../../src/portal/index.js';
import { describeEachBackend } from '../support/databases.js';
import { samplePdf, startTestPortal, type TestPortal } from './support.js';

type Reply = { status: number; location: string | null; body: string };

class Browser {
  cookie = '';
  constructor(readonly base: string) {}
  async request(method: string, url: string, body?: string | FormData): Promise<Reply> {
    const response = await fetch(this.base + url, {
      method, redirect: 'manual', body: body ?? null,
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  }
  get(url: string): Promise<Reply> {
    return this.request('GET', url);
  }
  post(url: string, fields: Record<string, string>): Promise<Reply> {
    return this.request('POST', url, new URLSearchParams(fields).toString());
  }
  multipart(url: string, fields: Record<string, string | string[]>, files: { field: string; bytes: Uint8Array; name: string }[]): Promise<Reply> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
    for (const f of files) form.append(f.field, new Blob([f.bytes]), f.name);
    return this.request('POST', url, form);
  }
  static hidden(html: string, name: string): string {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    assert.ok(m, `hidden field ${name}`);
    return m[1]!;
  }
  async signIn(citizen: string): Promise<string> {
    const csrf = Browser.hidden((await this.get('/sign-in')).body, 'csrf');
    assert.equal((await this.post('/sign-in', { csrf, citizen, next: '/' })).status, 303);
    return Browser.hidden((await this.get('/sign-in')).body, 'csrf');
  }
}

const BUILDING = { siteAddress: '2 Test Road', workType: 'extension', floorArea: '80', workDescription: 'A small extension at the back.', 'plannedStart-day': '1', 'plannedStart-month': '2', 'plannedStart-year': '2028' };
const PAGE = '/services/building-permit/apply/the-building';
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
// The smallest PNG: signature + IHDR + IEND (file-type knows it by its first bytes).
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da636460f80f00010401005f5c2d3b0000000049454e44ae426082', 'hex');

describeEachBackend('file upload on question pages', (backend) => {
  let portal: TestPortal;
  let outbox: Notifications;
  let pdf: Buffer;
  const submitted: string[] = [];
  const uploads = async (): Promise<{ id: number; reference: string | null; owner: string; upload_key: string; filename: string; media_type: string; size_bytes: number; sha256: string }[]> =>
    (await portal.db.query<{ id: number; reference: string | null; owner: string; upload_key: string; filename: string; media_type: string; size_bytes: number; sha256: string }>('select id::int as id, reference, owner, upload_key, filename, media_type, size_bytes, sha256 from case_upload order by id')).rows;

  before(async () => {
    pdf = await samplePdf();
    portal = await startTestPortal(backend, {
      onSubmitted: async (tx, c) => {
        submitted.push(c.reference);
        const contact = applicantContact(c.answers);
        await outbox.enqueue(tx, { template: 'submission-received', to: contact.email!, instanceId: c.instanceId, idempotencyKey: `submit:${c.reference}`, values: { applicantName: contact.name!, reference: c.reference, serviceName: c.serviceTitle, date: c.submittedAt.slice(0, 10) } });
      },
    });
    outbox = new Notifications({ db: portal.db, transport: logOnlyTransport(), defaults: { agencyName: 'Demo Municipality', publicUrl: 'http://portal.test' } });
  });
  after(async () => {
    await portal?.close();
  });

  it('draws the site plan as a GOV.UK file upload in a multipart form, with the accepted types and the limit in the hint', async () => {
    const alex = new Browser(portal.base);
    await alex.signIn('demo-citizen-alex');
    const page = (await alex.get(PAGE)).body;
    assert.match(page, /<form method="post" action="\/services\/building-permit\/apply\/the-building" enctype="multipart\/form-data" novalidate>/);
    assert.match(page, /<input class="govuk-file-upload" id="sitePlan" name="sitePlan" type="file" accept="\.pdf,\.png,\.jpg,\.jpeg" aria-describedby="sitePlan-hint">/);
    assert.match(page, /<div id="sitePlan-hint" class="govuk-hint">A plan showing where the building is on the site\. PDF, PNG, JPEG, up to 5 MB<\/div>/);
    // Pages without a file upload stay urlencoded.
    assert.doesNotMatch((await alex.get('/services/building-permit/apply/about-you')).body, /multipart/);
  });

  it('stores the file as a draft upload, shows it on check-your-answers, keeps it, replaces it, attaches it to the case', async () => {
    const alex = new Browser(portal.base);
    const csrf = await alex.signIn('demo-citizen-alex');
    assert.equal((await alex.post('/services/building-permit/apply/about-you', { csrf, applicantName: 'Alex Demo', email: 'alex@example.org', applicantRole: 'owner' })).status, 303);
    // Without the file: the required message, next to the field and in the summary.
    const missing = await alex.multipart(PAGE, { csrf, ...BUILDING }, []);
    assert.equal(missing.status, 400);
    assert.match(missing.body, /<a href="#sitePlan">Select a site plan<\/a>/);
    assert.match(missing.body, /<p id="sitePlan-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:<\/span> Select a site plan<\/p>/);

    const sent = await alex.multipart(PAGE, { csrf, ...BUILDING }, [{ field: 'sitePlan', bytes: pdf, name: 'C:\\plans\\site-plan.pdf' }]);
    assert.equal(sent.status, 303, sent.body.slice(0, 300));
    const [stored] = await uploads();
    assert.deepEqual({ ...stored, id: 0 }, { id: 0, reference: null, owner: 'citizen:demo-citizen-alex', upload_key: 'sitePlan', filename: 'site-plan.pdf', media_type: 'application/pdf', size_bytes: pdf.length, sha256: sha(pdf) });
    // The sample PDF is under 1 KB: its size is shown in bytes.
    assert.ok(pdf.length < 1024);
    const kb = `${pdf.length} bytes`;

    // The question page shows the file it holds; sending the page again without a file keeps it.
    const again = await alex.get(`${PAGE}?change=1`);
    assert.match(again.body, new RegExp(`<p class="govuk-body" id="sitePlan-current">Uploaded: <strong>site-plan.pdf</strong> \\(${kb}\\)`));
    assert.match(again.body, /aria-describedby="sitePlan-current sitePlan-hint"/);
    assert.equal((await alex.multipart(`${PAGE}?change=1`, { csrf, ...BUILDING, floorArea: '90' }, [{ field: 'sitePlan', bytes: new Uint8Array(0), name: '' }])).location, '/services/building-permit/check');
    assert.deepEqual((await uploads()).map((u) => u.id), [stored!.id], 'kept, nothing new stored');

    // A form field named like the filepicker cannot point the answer at another upload.
    const forged = await alex.multipart(PAGE, { csrf, ...BUILDING, sitePlan: '999' }, []);
    assert.equal(forged.status, 303);
    const draft = (await portal.db.query<{ answers: Record<string, unknown> }>(`select answers from portal_draft where citizen_id = 'demo-citizen-alex'`)).rows[0]!.answers;
    assert.equal(draft['sitePlan'], stored!.id);

    await alex.post('/services/building-permit/apply/declaration', { csrf, declaration: 'true' });
    const check = await alex.get('/services/building-permit/check');
    const row = /<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Site plan<\/dt>.*?<\/div>/.exec(check.body)?.[0] ?? '';
    assert.match(row, new RegExp(`<dd class="govuk-summary-list__value">site-plan.pdf \\(${kb}\\)</dd>`));
    assert.match(row, /href="\/services\/building-permit\/apply\/the-building\?change=1">Change<span class="govuk-visually-hidden"> site plan<\/span>/);

    // Replaced by a PNG through the change link: the PDF goes, the PNG is the answer.
    assert.equal((await alex.multipart(`${PAGE}?change=1`, { csrf, ...BUILDING }, [{ field: 'sitePlan', bytes: PNG, name: 'plan.png' }])).status, 303);
    const now = await uploads();
    assert.deepEqual(now.map((u) => [u.filename, u.media_type]), [['plan.png', 'image/png']]);

    const checked = await alex.get('/services/building-permit/check');
    const sentCase = await alex.post('/services/building-permit/submit', { csrf: Browser.hidden(checked.body, 'csrf'), token: Browser.hidden(checked.body, 'token') });
    const reference = /(BP-\d{4}-\d{6})/.exec(sentCase.location ?? '')![1]!;
    assert.deepEqual((await uploads()).map((u) => u.reference), [reference], 'the upload belongs to the case');
    const [instance] = await portal.engine.listInstances({ businessKey: reference });
    assert.equal(instance!.variables['sitePlan'], now[0]!.id);
    assert.deepEqual(instance!.variables['applicationDocuments'], [{ id: now[0]!.id, field: 'sitePlan', filename: 'plan.png', mediaType: 'image/png', sizeBytes: PNG.length, sha256: sha(PNG) }]);
    assert.equal(instance!.variables['applicantEmail'], 'alex@example.org');
    assert.equal(instance!.variables['serviceName'], 'Apply for a building permit');
    assert.equal(instance!.variables['reference'], reference);

    // onSubmitted ran once, in the transaction that recorded the case: one e-mail queued, with the reference.
    assert.deepEqual(submitted, [reference]);
    const queued = await outbox.list({ instanceId: instance!.id });
    assert.deepEqual(queued.map((q) => [q.template, q.recipient, q.subject]), [['submission-received', 'alex@example.org', `We received your application ${reference}`]]);
    // Looking at the case again (which re-runs the start path for cases without an instance) queues nothing more.
    await alex.get(`/applications/${reference}`);
    assert.equal((await outbox.list({ instanceId: instance!.id })).length, 1);
  });

  it('refuses a wrong type (by content), an oversized and an empty file: the error next to the field and in the summary, nothing stored', async () => {
    const kim = new Browser(portal.base);
    const csrf = await kim.signIn('demo-citizen-kim');
    assert.equal((await kim.multipart(PAGE, { csrf, ...BUILDING }, [{ field: 'sitePlan', bytes: pdf, name: 'site-plan.pdf' }])).status, 303);
    const before = await uploads();
    const pdfHeader = Buffer.from('%PDF-1.4\n');
    const cases = [
      { name: 'not a PDF, named like one', bytes: Buffer.from('MZ\x90\x00 this is a Windows program'), file: 'plan.pdf', status: 400, message: 'The selected file must be a PDF, PNG or JPEG' },
      { name: 'a text file', bytes: Buffer.from('just some text\n'), file: 'plan.txt', status: 400, message: 'The selected file must be a PDF, PNG or JPEG' },
      { name: 'over the service limit (5 MB)', bytes: Buffer.concat([pdfHeader, Buffer.alloc(5 * 1024 * 1024 + 1 - pdfHeader.length, 0x20)]), file: 'big.pdf', status: 400, message: 'The selected file must be smaller than 5 MB' },
      { name: 'over the platform ceiling (10 MB, cut off while reading)', bytes: Buffer.concat([pdfHeader, Buffer.alloc(11 * 1024 * 1024, 0x20)]), file: 'huge.pdf', status: 400, message: 'The selected file must be smaller than 5 MB' },
      { name: 'empty', bytes: Buffer.alloc(0), file: 'empty.pdf', status: 400, message: 'The selected file is empty' },
    ];
    for (const c of cases) {
      const r = await kim.multipart(PAGE, { csrf, ...BUILDING }, [{ field: 'sitePlan', bytes: c.bytes, name: c.file }]);
      assert.equal(r.status, c.status, c.name);
      assert.match(r.body, new RegExp(`<a href="#sitePlan">${c.message}</a>`), `${c.name}: in the summary`);
      assert.match(r.body, new RegExp(`<p id="sitePlan-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${c.message}</p>`), `${c.name}: next to the field`);
      assert.match(r.body, /class="govuk-file-upload govuk-file-upload--error"/, c.name);
      assert.match(r.body, /Uploaded: <strong>site-plan.pdf<\/strong>/, `${c.name}: the file held before is still the answer`);
      assert.deepEqual(await uploads(), before, `${c.name}: nothing stored`);
    }
    // A good file with another field wrong: the file is kept (a browser never refills a file input), replacing the
    // one before; the page shows it, and sending the fixed page without choosing it again is enough.
    const other = await kim.multipart(PAGE, { csrf, ...BUILDING, floorArea: 'lots' }, [{ field: 'sitePlan', bytes: PNG, name: 'plan.png' }]);
    assert.equal(other.status, 400);
    assert.match(other.body, /<a href="#floorArea">Floor area must be a number<\/a>/);
    assert.doesNotMatch(other.body, /sitePlan-error/);
    assert.match(other.body, /Uploaded: <strong>plan.png<\/strong>/);
    const kept = await uploads();
    assert.deepEqual(kept.filter((u) => u.owner === 'citizen:demo-citizen-kim').map((u) => [u.filename, u.reference]), [['plan.png', null]]);
    assert.equal((await kim.multipart(PAGE, { csrf, ...BUILDING }, [])).status, 303);
    const draft = (await portal.db.query<{ answers: Record<string, unknown> }>(`select answers from portal_draft where citizen_id = 'demo-citizen-kim'`)).rows[0]!.answers;
    assert.equal(draft['sitePlan'], kept.find((u) => u.owner === 'citizen:demo-citizen-kim')!.id);
    // Without the session's CSRF token in the multipart body: refused, nothing stored.
    const forged = await kim.multipart(PAGE, { csrf: 'forged', ...BUILDING }, [{ field: 'sitePlan', bytes: pdf, name: 'other.pdf' }]);
    assert.equal(forged.status, 403);
    assert.deepEqual(await uploads(), kept);
  });

  it('a start that fails queues no e-mail', async () => {
    const failing = await startTestPortal(backend, { deployProcesses: false, onSubmitted: async () => assert.fail('onSubmitted must not run for a case that did not start') });
    try {
      const sam = new Browser(failing.base);
      const csrf = await sam.signIn('demo-citizen-sam');
      await sam.post('/services/building-permit/apply/about-you', { csrf, applicantName: 'Sam Example', email: 'sam@example.org', applicantRole: 'owner' });
      assert.equal((await sam.multipart(PAGE, { csrf, ...BUILDING }, [{ field: 'sitePlan', bytes: pdf, name: 'plan.pdf' }])).status, 303);
      await sam.post('/services/building-permit/apply/declaration', { csrf, declaration: 'true' });
      const check = await sam.get('/services/building-permit/check');
      const r = await sam.post('/services/building-permit/submit', { csrf: Browser.hidden(check.body, 'csrf'), token: Browser.hidden(check.body, 'token') });
      assert.equal(r.status, 404, 'the process is not deployed: the start fails');
      assert.equal((await failing.db.query('select 1 from notification_outbox')).rows.length, 0);
      // The upload went with the recorded submission; the draft (and the answers) stay for the retry.
      assert.equal((await failing.db.query('select 1 from portal_draft')).rows.length, 1);
    } finally {
      await failing.close();
    }
  });
});
