// Acceptance 4 (bad input), over real HTTP on PGlite and PostgreSQL: a test service with one question page per
// form-js field type. Each wrong answer is refused with a 400 page that shows the GOV.UK message next to the field
// and links to it from the error summary; the right answer is accepted. (A double submit creating one case and a
// stale form version are driven in portal-http.test.ts; uploads in question-uploads.test.ts.)
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { DEFAULT_CATALOGUE_DIR } from '../../src/catalogue/index.js';
import { describeEachBackend } from '../support/databases.js';
import { samplePdf, startTestPortal, type TestPortal } from './support.js';

interface Probe {
  /** What the citizen sends (urlencoded fields, or a file for the filepicker). */
  readonly fields: Record<string, string | string[]>;
  readonly file?: { bytes: Uint8Array; name: string };
  /** The message expected next to the field, and the id the summary links to. */
  readonly message: string;
  readonly anchor: string;
}

interface TypePage {
  readonly id: string;
  readonly component: Record<string, unknown>;
  readonly wrong: readonly Probe[];
  readonly right: Probe['fields'];
  readonly rightFile?: 'pdf';
}

const values = [{ label: 'Red', value: 'red' }, { label: 'Green', value: 'green' }];
const PAGES: readonly TypePage[] = [
  { id: 'textfield', component: { type: 'textfield', key: 'email', label: 'Email address', validate: { required: true, validationType: 'email', maxLength: 40 } },
    wrong: [
      { fields: { email: '' }, message: 'Enter the email address', anchor: 'email' },
      { fields: { email: 'not-an-email' }, message: 'Enter the email address in the correct format, like name@example.com', anchor: 'email' },
      { fields: { email: `${'a'.repeat(40)}@example.org` }, message: 'Email address must be 40 characters or less', anchor: 'email' },
    ], right: { email: 'kim@example.org' } },
  { id: 'textfield-pattern', component: { type: 'textfield', key: 'postcode', label: 'Postcode', validate: { required: true, pattern: '[0-9]{4} ?[A-Z]{2}' }, properties: { patternMessage: 'Enter a postcode, like 1234 AB' } },
    wrong: [{ fields: { postcode: '12345' }, message: 'Enter a postcode, like 1234 AB', anchor: 'postcode' }], right: { postcode: '1234 AB' } },
  { id: 'textarea', component: { type: 'textarea', key: 'story', label: 'Describe the work', validate: { required: true, minLength: 10, maxLength: 50 }, properties: { errorName: 'a description of the work' } },
    wrong: [
      { fields: { story: 'short' }, message: 'The description of the work must be 10 characters or more', anchor: 'story' },
      { fields: { story: 'x'.repeat(51) }, message: 'The description of the work must be 50 characters or less', anchor: 'story' },
    ], right: { story: 'A new roof over the garage.' } },
  { id: 'number', component: { type: 'number', key: 'area', label: 'Floor area', validate: { required: true, min: 1, max: 1000 } },
    wrong: [
      { fields: { area: 'ten' }, message: 'Floor area must be a number', anchor: 'area' },
      { fields: { area: '0' }, message: 'Floor area must be between 1 and 1,000', anchor: 'area' },
      { fields: { area: '1e9' }, message: 'Floor area must be a number', anchor: 'area' },
      { fields: { area: '1001' }, message: 'Floor area must be between 1 and 1,000', anchor: 'area' },
    ], right: { area: '120' } },
  { id: 'checkbox', component: { type: 'checkbox', key: 'agree', label: 'Declaration', validate: { required: true }, properties: { checkboxLabel: 'I agree' } },
    wrong: [
      { fields: {}, message: 'Select to confirm the declaration', anchor: 'agree' },
      { fields: { agree: 'yes' }, message: 'Select to confirm the declaration', anchor: 'agree' },
    ], right: { agree: 'true' } },
  { id: 'checklist', component: { type: 'checklist', key: 'colours', label: 'Colours', validate: { required: true }, values },
    wrong: [
      { fields: {}, message: 'Select the colours', anchor: 'colours' },
      { fields: { colours: ['red', 'purple'] }, message: 'Select the colours', anchor: 'colours' },
    ], right: { colours: ['red', 'green'] } },
  { id: 'radio', component: { type: 'radio', key: 'colour', label: 'Colour', validate: { required: true }, values },
    wrong: [
      { fields: {}, message: 'Select the colour', anchor: 'colour' },
      { fields: { colour: 'purple' }, message: 'Select the colour', anchor: 'colour' },
    ], right: { colour: 'green' } },
  { id: 'select', component: { type: 'select', key: 'shade', label: 'Shade', validate: { required: true }, values },
    wrong: [
      { fields: { shade: '' }, message: 'Select the shade', anchor: 'shade' },
      { fields: { shade: '<script>' }, message: 'Select the shade', anchor: 'shade' },
    ], right: { shade: 'red' } },
  { id: 'date', component: { type: 'datetime', subtype: 'date', key: 'start', label: 'Start date', validate: { required: true } },
    wrong: [
      { fields: {}, message: 'Enter the start date', anchor: 'start-day' },
      { fields: { 'start-day': '31', 'start-month': '2', 'start-year': '2027' }, message: 'Start date must be a real date', anchor: 'start-day' },
      { fields: { 'start-day': '1', 'start-month': '', 'start-year': '2027' }, message: 'Start date must include a month', anchor: 'start-day' },
      { fields: { 'start-day': '1', 'start-month': '2', 'start-year': '27' }, message: 'Start date must be a real date', anchor: 'start-day' },
    ], right: { 'start-day': '1', 'start-month': '2', 'start-year': '2027' } },
  { id: 'time', component: { type: 'datetime', subtype: 'time', key: 'at', label: 'Time of the inspection', validate: { required: true } },
    wrong: [{ fields: { 'at-time': '25:00' }, message: 'Time of the inspection must be a real time, like 14:30', anchor: 'at-time' }], right: { 'at-time': '9:30' } },
  { id: 'datetime', component: { type: 'datetime', subtype: 'datetime', key: 'visit', label: 'Visit', validate: { required: true } },
    wrong: [{ fields: { 'visit-day': '1', 'visit-month': '2', 'visit-year': '2027' }, message: 'Visit must include a date and a time', anchor: 'visit-time' }],
    right: { 'visit-day': '1', 'visit-month': '2', 'visit-year': '2027', 'visit-time': '14:30' } },
  { id: 'filepicker', component: { type: 'filepicker', key: 'plan', label: 'Site plan', accept: '.pdf', validate: { required: true } },
    wrong: [
      { fields: {}, message: 'Select the site plan', anchor: 'plan' },
      { fields: {}, file: { bytes: Buffer.from('plain text, not a PDF'), name: 'plan.pdf' }, message: 'The selected file must be a PDF', anchor: 'plan' },
      { fields: {}, file: { bytes: new Uint8Array(0), name: 'empty.pdf' }, message: 'The selected file is empty', anchor: 'plan' },
      { fields: {}, file: { bytes: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 0x20)]), name: 'big.pdf' }, message: 'The selected file must be smaller than 1 KB', anchor: 'plan' },
    ], right: {}, rightFile: 'pdf' },
];

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describeEachBackend('every field type refuses wrong input with a message next to the field', (backend) => {
  let dir: string;
  let portal: TestPortal;
  let cookie = '';
  let csrf = '';

  before(async () => {
    // A copy of the building permit with one question page per field type (same process; only the pages differ).
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-types-'));
    const svcDir = path.join(dir, 'building-permit');
    await cp(path.join(DEFAULT_CATALOGUE_DIR, 'building-permit'), svcDir, { recursive: true });
    const json = JSON.parse(await readFile(path.join(svcDir, 'service.json'), 'utf8')) as Record<string, unknown> & { process: { bpmn: string }; decisions: string[] };
    json.process.bpmn = path.resolve(DEFAULT_CATALOGUE_DIR, 'building-permit', json.process.bpmn);
    json.decisions = json.decisions.map((d) => path.resolve(DEFAULT_CATALOGUE_DIR, 'building-permit', d));
    json['pages'] = PAGES.map((p) => ({ id: p.id, title: `A ${p.id} question`, form: `forms/${p.id}.form` }));
    // The new pages are in English only: the copy is offered in English only (a translation must be complete).
    delete json['languages'];
    delete json['translations'];
    // The filepicker's rule is the service's: PDF only, at most 1 KB.
    json['documents'] = { filepicker: { plan: { label: 'Site plan', types: ['pdf'], maxBytes: 1024, required: true } } };
    for (const p of PAGES) await writeFile(path.join(svcDir, 'forms', `${p.id}.form`), JSON.stringify({ components: [p.component] }));
    await writeFile(path.join(svcDir, 'service.json'), JSON.stringify(json));
    portal = await startTestPortal(backend, { catalogueDir: dir });
    const start = await fetch(`${portal.base}/sign-in`);
    cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf0 = /name="csrf" value="([^"]*)"/.exec(await start.text())![1]!;
    const signedIn = await fetch(`${portal.base}/sign-in`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrf0, citizen: 'demo-citizen-kim', next: '/' }) });
    cookie = (signedIn.headers.get('set-cookie') ?? cookie).split(';')[0]!;
    csrf = /name="csrf" value="([^"]*)"/.exec(await (await fetch(`${portal.base}/sign-in`, { headers: { cookie } })).text())![1]!;
  });
  after(async () => {
    await portal?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function send(pageId: string, fields: Probe['fields'], file?: Probe['file'], multipart = false): Promise<{ status: number; body: string; location: string | null }> {
    let body: string | FormData;
    if (multipart || file) {
      const form = new FormData();
      form.append('csrf', csrf);
      for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
      if (file) form.append('plan', new Blob([file.bytes]), file.name);
      body = form;
    } else {
      const form = new URLSearchParams({ csrf });
      for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
      body = form.toString();
    }
    const response = await fetch(`${portal.base}/services/building-permit/apply/${pageId}`, {
      method: 'POST', redirect: 'manual', body,
      headers: { cookie, ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  }

  for (const p of PAGES) {
    it(`${p.id}: each wrong answer gets its message next to the field and in the summary; the right one is taken`, async () => {
      for (const probe of p.wrong) {
        const r = await send(p.id, probe.fields, probe.file, p.id === 'filepicker');
        const what = `${p.id} ${JSON.stringify(probe.fields)}${probe.file ? ` + ${probe.file.name}` : ''}`;
        assert.equal(r.status, 400, what);
        assert.match(r.body, /<title>Error: /, `${what}: the title says there is an error`);
        assert.match(r.body, new RegExp(`<ul class="govuk-list govuk-error-summary__list">\\s*<li><a href="#${probe.anchor}">${escapeRe(probe.message)}</a></li>`), `${what}: summary`);
        const key = (p.component['key'] as string);
        assert.match(r.body, new RegExp(`<p id="${key}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${escapeRe(probe.message)}</p>`), `${what}: next to the field`);
        assert.match(r.body, new RegExp(`id="${probe.anchor}"`), `${what}: the summary's link target exists`);
        assert.doesNotMatch(r.body, /<script>/, `${what}: nothing typed comes back unescaped`);
      }
      const pdf = p.rightFile === 'pdf' ? await samplePdf('p') : undefined;
      const ok = await send(p.id, p.right, pdf ? { bytes: pdf, name: 'plan.pdf' } : undefined, p.id === 'filepicker');
      assert.equal(ok.status, 303, `${p.id}: the right answer is accepted: ${ok.body.slice(0, 200)}`);
    });
  }

  it('the service with every type reaches check-your-answers once each page is answered', async () => {
    const check = await fetch(`${portal.base}/services/building-permit/check`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(check.status, 200);
    const text = await check.text();
    for (const shown of ['kim@example.org', '1234 AB', '120', 'Yes', 'Red, Green', 'Green', 'Red', '1 February 2027', '09:30', '1 February 2027 at 14:30', 'plan.pdf']) {
      assert.ok(text.includes(`>${shown}`), `check answers shows ${shown}`);
    }
  });
});
