/**
 * Attack and bad-input tests across every route the composed server registers (issue 6 acceptance 5, issue 5
 * acceptance 4). Nothing here lists routes by hand: JSON routes come from the live OpenAPI document (generated from
 * the route table), HTML routes from Fastify's onRoute hook (startServer's `routes`), and form fields from the
 * `<form>`s the pages really render (parsed with htmlparser2). A new route is therefore attacked without a change here.
 *
 * What "survives" means: no 5xx, no success where there must not be one, no payload reflected as live markup, the
 * event log still there, no pg_sleep delay, and refused forms change nothing (event_log counted before and after).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { isApiPath } from '../../src/identity/index.js';
import { loadConfig } from '../../src/kernel/index.js';
import { apiKeyFor, signInCitizen, signInStaff } from '../support/sign-in.js';

/** The fixed list, one entry per class; every route gets every class at least once. */
const PAYLOADS: readonly { cls: string; value: string }[] = [
  { cls: 'sql-or', value: "' OR 1=1 --" },
  { cls: 'sql-drop', value: "'); drop table event_log; --" },
  { cls: 'sql-sleep', value: '1; select pg_sleep(5)' },
  { cls: 'sql-sleep-quoted', value: "'; select pg_sleep(5); --" },
  { cls: 'xss-script', value: '<script>alert(1)</script>' },
  { cls: 'xss-attr', value: '"><img src=x onerror=alert(1)>' },
  { cls: 'xss-url', value: 'javascript:alert(1)' },
  { cls: 'traversal', value: '../../etc/passwd' },
  { cls: 'traversal-encoded', value: '%2e%2e%2f%2e%2e%2fetc%2fpasswd' },
  { cls: 'long', value: 'A'.repeat(100_000) },
  { cls: 'nul', value: 'a\u0000b' },
  { cls: 'rtl', value: 'abc\u202Egpj.exe' },
  { cls: 'lone-surrogate', value: 'x\uD800y\uDFFFz' },
];

/** Live markup a payload would become if a page echoed it unescaped. */
const DANGEROUS_MARKUP = [/<script>alert\(1\)<\/script>/i, /<img src=x onerror=alert\(1\)>/i, /href="javascript:/i];

/** encodeURIComponent, except that a lone surrogate is sent as its raw (WTF-8) bytes instead of throwing: that is the attack. */
function enc(value: string): string {
  let out = '';
  for (const ch of value) {
    const n = ch.charCodeAt(0);
    out += ch.length === 1 && n >= 0xd800 && n <= 0xdfff
      ? [0xe0 | (n >> 12), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
      : encodeURIComponent(ch);
  }
  return out;
}
const SLOW_MS = 4_000;

/** `admin` calls the API with a bearer key; `admin-web` is the same role signed in through the staff pages (ada). */
type Role = 'anonymous' | 'citizen' | 'caseworker' | 'admin' | 'admin-web';
const ROLES: readonly Role[] = ['anonymous', 'citizen', 'caseworker', 'admin'];

const PARAMS: Record<string, string> = { id: '1', ref: 'BP-2026-000001', page: 'about-you', kind: 'css', file: 'x.css', code: 'ABCDEF', key: 'approval', paymentId: 'x' };
const concrete = (url: string): string => url.replace(/^\/services\/:id/, '/services/building-permit').replace(/:([A-Za-z]+)/g, (_m, name: string) => PARAMS[name] ?? 'x').replace(/\*$/, 'x');

interface JsonSchema { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: unknown[]; const?: unknown; anyOf?: JsonSchema[] }
interface OpenApiOperation { parameters?: { name: string; in: 'path' | 'query'; schema: JsonSchema }[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }

/** A plausible value of a schema's type, so that one field at a time can carry the payload past the others. */
function plausible(schema: JsonSchema | undefined): unknown {
  if (!schema) return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.anyOf && schema.anyOf.length > 0) return plausible(schema.anyOf[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer': case 'number': return 1;
    case 'boolean': return true;
    case 'array': return [];
    case 'object': return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, plausible(v)]));
    default: return 'x';
  }
}

interface HtmlForm { action: string; method: string; enctype: string; fields: Map<string, string> }

/** The `<form>`s of a page and their named controls (hidden ones keep their value: that is where csrf lives). */
function parseForms(html: string, pageUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  let current: HtmlForm | null = null;
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name === 'form') {
        current = { action: attrs['action'] ?? pageUrl, method: (attrs['method'] ?? 'get').toLowerCase(), enctype: attrs['enctype'] ?? 'application/x-www-form-urlencoded', fields: new Map() };
        forms.push(current);
      } else if (current && (name === 'input' || name === 'textarea' || name === 'select') && attrs['name']) {
        if (!current.fields.has(attrs['name'])) current.fields.set(attrs['name'], attrs['value'] ?? '');
      }
    },
    onclosetag(name) { if (name === 'form') current = null; },
  });
  parser.write(html);
  parser.end();
  return forms;
}

describe('attacks and bad input on every registered route', () => {
  let govflow: Govflow;
  let running: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  let base: string;
  const cred = new Map<Role, Record<string, string>>();
  let registered: { method: string; url: string }[] = [];
  let openapi: { paths: Record<string, Record<string, OpenApiOperation>> };

  const eventCount = async (): Promise<number> => Number((await govflow.db.query<{ n: number | string }>('select count(*) as n from event_log')).rows[0]!.n);

  async function csrfOf(cookie: string): Promise<string> {
    const page = await (await fetch(`${base}/staff/sign-in`, { headers: { cookie } })).text();
    return /name="csrf" value="([^"]*)"/.exec(page)?.[1] ?? '';
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'govflow-attacks-'));
    process.env['GOVFLOW_LOG_LEVEL'] ??= 'fatal';
    const config = { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: undefined };
    govflow = await openGovflow({ config });
    running = await startServer(govflow);
    base = running.url.replace('localhost', '127.0.0.1');
    const anon = await fetch(`${base}/staff/sign-in`);
    cred.set('anonymous', { cookie: /govflow_session=[^;]*/.exec(anon.headers.get('set-cookie') ?? '')![0] });
    cred.set('citizen', { cookie: await signInCitizen(base, 'alex') });
    cred.set('caseworker', { cookie: await signInStaff(base, 'pat') });
    cred.set('admin-web', { cookie: await signInStaff(base, 'ada') });
    cred.set('admin', { authorization: `Bearer ${await apiKeyFor(govflow.db, { roles: ['admin'] })}` });
    registered = running.routes.flatMap((r) => [r.method].flat().filter((m) => m !== 'HEAD' && m !== 'OPTIONS').map((m) => ({ method: m, url: r.url })));
    openapi = await (await fetch(`${base}/api/openapi.json`)).json() as typeof openapi;
  });
  after(async () => {
    await running?.stop();
    await govflow?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Sends one request; collects what went wrong instead of failing at the first, so the report lists them all. */
  async function probe(problems: string[], label: string, url: string, init: RequestInit & { headers?: Record<string, string> }, expect: { html?: boolean } = {}): Promise<Response & { text: string }> {
    const started = Date.now();
    const response = await fetch(url, { redirect: 'manual', ...init });
    const text = await response.text();
    const took = Date.now() - started;
    if (response.status >= 500) problems.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
    if (took > SLOW_MS) problems.push(`${label}: took ${took} ms (pg_sleep?)`);
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/html') || expect.html) {
      for (const markup of DANGEROUS_MARKUP) if (markup.test(text)) problems.push(`${label}: reflected unescaped (${markup.source})`);
    }
    if (/at .+\.(ts|js):\d+:\d+/.test(text)) problems.push(`${label}: stack trace in the response`);
    return Object.assign(response, { text });
  }

  function apiOperations(): { method: string; url: string; op: OpenApiOperation }[] {
    return Object.entries(openapi.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => ({ method: m.toUpperCase(), url: p.replace(/\{([^}]+)\}/g, ':$1'), op })));
  }

  /** Builds the request of an API operation with `payload` in one place (`slot`: a query/path parameter or body field). */
  function apiRequest(o: { method: string; url: string; op: OpenApiOperation }, payload: string, slot: number): { url: string; body?: string; target: string } {
    const params = o.op.parameters ?? [];
    const bodySchema = o.op.requestBody?.content['application/json']?.schema;
    const bodyFields = Object.keys(bodySchema?.properties ?? {});
    const slots = [...params.map((p) => `${p.in}:${p.name}`), ...bodyFields.map((f) => `body:${f}`)];
    const target = slots.length > 0 ? slots[slot % slots.length] : undefined;
    let url = o.url;
    const query = new URLSearchParams();
    for (const p of params) {
      const value = target === `${p.in}:${p.name}` ? payload : String(plausible(p.schema) ?? 'x');
      if (p.in === 'path') url = url.replace(`:${p.name}`, enc(value));
      else query.set(p.name, value);
    }
    url = url.replace(/:([A-Za-z]+)/g, (_m, n: string) => PARAMS[n] ?? 'x');
    const qs = query.toString();
    if (!bodySchema) return { url: `${url}${qs ? `?${qs}` : ''}`, target: target ?? 'none' };
    const body = plausible(bodySchema) as Record<string, unknown>;
    if (target?.startsWith('body:')) body[target.slice(5)] = payload;
    return { url: `${url}${qs ? `?${qs}` : ''}`, body: JSON.stringify(body), target: target ?? 'none' };
  }

  it('enumerates the routes from the server (sanity: the generators have something to attack)', () => {
    assert.ok(apiOperations().length >= 20, 'the OpenAPI document lists the API routes');
    assert.ok(registered.some((r) => r.method === 'POST' && !r.url.startsWith('/api/')), 'HTML form routes are registered');
  });

  it('JSON API: every payload class in every parameter and body field, as each role — no 5xx, no delay, log intact', async () => {
    const problems: string[] = [];
    let sent = 0;
    for (const o of apiOperations()) {
      const slots = (o.op.parameters?.length ?? 0) + Object.keys(o.op.requestBody?.content['application/json']?.schema.properties ?? {}).length;
      for (const [i, p] of PAYLOADS.entries()) {
        // Every class in every slot (parameter or body field) as admin, who gets past the access check of most routes
        // so the payload reaches the handler; plus each class once as a rotating role (anonymous, citizen, caseworker).
        for (let slot = 0; slot < Math.max(slots, 1); slot++) {
          const roles = new Set<Role>(['admin', ...(slot === 0 ? [ROLES[i % ROLES.length]!] : [])]);
          for (const role of roles) {
            const req = apiRequest(o, p.value, slot);
            await probe(problems, `${o.method} ${o.url} [${p.cls} in ${req.target}] as ${role}`, `${base}${req.url}`, {
              method: o.method,
              headers: { ...cred.get(role), ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
              ...(req.body !== undefined ? { body: req.body } : {}),
            });
          }
          sent++;
        }
      }
    }
    assert.ok(sent >= apiOperations().length * PAYLOADS.length);
    assert.ok(await eventCount() >= 0, 'event_log is still there');
    assert.deepEqual(problems, []);
  });

  it('HTML pages: every payload class in the query and path of every GET page, never reflected as markup', async () => {
    const problems: string[] = [];
    const pages = registered.filter((r) => r.method === 'GET' && !r.url.startsWith('/api/'));
    for (const r of pages) {
      for (const [i, p] of PAYLOADS.entries()) {
        const role = ROLES[i % ROLES.length]!;
        const withParam = r.url.includes(':') || r.url.endsWith('*')
          ? r.url.replace(/:([A-Za-z]+)|\*$/, enc(p.value)).replace(/:([A-Za-z]+)/g, (_m, n: string) => PARAMS[n] ?? 'x')
          : r.url;
        const qs = new URLSearchParams({ next: p.value, q: p.value, change: p.value, service: p.value }).toString();
        await probe(problems, `GET ${r.url} [${p.cls}] as ${role}`, `${base}${concrete(withParam)}?${qs}`, { headers: cred.get(role) ?? {} });
      }
    }
    assert.deepEqual(problems, []);
  });

  /** The forms a role sees on every GET page (redirects followed), keyed by action + method. */
  async function renderedForms(role: Role): Promise<HtmlForm[]> {
    const seen = new Map<string, HtmlForm>();
    for (const r of registered.filter((x) => x.method === 'GET' && !x.url.startsWith('/api/') && !x.url.startsWith('/assets'))) {
      const response = await fetch(`${base}${concrete(r.url)}`, { headers: cred.get(role) ?? {} });
      if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) { await response.arrayBuffer(); continue; }
      for (const f of parseForms(await response.text(), new URL(response.url).pathname)) {
        if (f.method === 'post' && !/sign-out/.test(f.action)) seen.set(`${f.method} ${f.action}`, f);
      }
    }
    return [...seen.values()];
  }

  it('HTML forms: every payload class in every rendered form field, with a valid CSRF token, as each browser role', async () => {
    const problems: string[] = [];
    let posted = 0;
    const actions = new Set<string>();
    for (const role of ['anonymous', 'citizen', 'caseworker', 'admin-web'] as const) {
      const forms = await renderedForms(role);
      for (const f of forms) actions.add(f.action);
      for (const f of forms) {
        if (f.enctype.startsWith('multipart/')) continue; // uploads: see the upload test
        const names = [...f.fields.keys()].filter((n) => n !== 'csrf');
        for (const [i, p] of PAYLOADS.entries()) {
          // Sign-in replaces the session: a throwaway one keeps the role's session alive for the next forms.
          const cookie = /sign-in/.test(f.action) ? /govflow_session=[^;]*/.exec((await fetch(`${base}/staff/sign-in`)).headers.get('set-cookie') ?? '')![0] : cred.get(role)!['cookie']!;
          const csrf = await csrfOf(cookie);
          const fields = new URLSearchParams();
          for (const n of names) fields.set(n, p.value);
          fields.set('csrf', csrf);
          await probe(problems, `POST ${f.action} [${p.cls}] as ${role}`, `${base}${f.action}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() }, { html: true });
          posted++;
          void i;
        }
      }
    }
    assert.ok(posted > 0, 'some forms were rendered and posted');
    // The forms that matter most were found on the pages (not listed by hand: this only checks discovery worked).
    for (const expected of [/^\/sign-in$/, /^\/staff\/sign-in$/, /\/apply\//]) assert.ok([...actions].some((a) => expected.test(a)), `a form posting to ${expected.source} was rendered (found: ${[...actions].join(', ')})`);
    assert.deepEqual(problems, []);
  });

  it('fast-check: generated strings (unicode, markup and SQL fragments) in form and API fields never break a route', async () => {
    const problems: string[] = [];
    const forms = await renderedForms('citizen');
    const cookie = cred.get('citizen')!['cookie']!;
    const csrf = await csrfOf(cookie);
    const ops = apiOperations();
    const fragment = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...PAYLOADS.map((p) => p.value.slice(0, 200)), "'", '"', '\\', '--', ';', '<', '>', '%00', '\u0000', '\u202E', '\uD800'));
    const text = fc.array(fragment, { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
    await fc.assert(fc.asyncProperty(text, fc.nat(), async (value, pick) => {
      const o = ops[pick % ops.length]!;
      const req = apiRequest(o, value, pick);
      await probe(problems, `${o.method} ${o.url} [generated ${JSON.stringify(value)} in ${req.target}]`, `${base}${req.url}`, {
        method: o.method, headers: { ...cred.get('admin'), ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(req.body !== undefined ? { body: req.body } : {}),
      });
      const f = forms.filter((x) => !x.enctype.startsWith('multipart/') && !/sign-in/.test(x.action))[pick % Math.max(1, forms.length)];
      if (f) {
        const fields = new URLSearchParams();
        for (const n of f.fields.keys()) fields.set(n, n === 'csrf' ? csrf : value);
        await probe(problems, `POST ${f.action} [generated ${JSON.stringify(value)}]`, `${base}${f.action}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() }, { html: true });
      }
      return true;
    }), { numRuns: Number(process.env['GOVFLOW_ATTACK_RUNS'] ?? 40) });
    assert.deepEqual(problems, []);
  });

  it('forged CSRF: every state-changing HTML route refuses a post without, with an empty or with a wrong token, and nothing changes', async () => {
    const problems: string[] = [];
    const posts = registered.filter((r) => r.method === 'POST' && !r.url.startsWith('/api/'));
    // The test payment provider stands in for an outside payment service provider (its page is its own): not ours to protect.
    for (const r of posts.filter((x) => !x.url.startsWith('/payments/test/'))) {
      for (const role of ['anonymous', 'citizen', 'caseworker', 'admin-web'] as const) {
        // 'empty token' sends `csrf=` explicitly: a check that lets an empty string through must not pass unnoticed.
        for (const [how, token] of [['no token', undefined], ['empty token', ''], ['wrong token', 'forged-token-0000'], ['other session token', 'OTHER']] as const) {
          const cookie = cred.get(role)!['cookie']!;
          const csrf = token === 'OTHER' ? await csrfOf(cred.get(role === 'citizen' ? 'caseworker' : 'citizen')!['cookie']!) : token;
          const before = await eventCount();
          const body = new URLSearchParams({ citizen: 'demo-citizen-alex', username: 'pat', password: 'x', code: '000000', ...(csrf !== undefined ? { csrf } : {}) });
          const response = await probe(problems, `POST ${r.url} (${how}) as ${role}`, `${base}${concrete(r.url)}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
          const location = response.headers.get('location') ?? '';
          const refused = response.status >= 400 || /^\/(staff\/)?sign-in(\?|$)/.test(location);
          if (!refused) problems.push(`POST ${r.url} (${how}) as ${role}: accepted with ${response.status}${location ? ` → ${location}` : ''}`);
          const afterCount = await eventCount();
          if (afterCount !== before) problems.push(`POST ${r.url} (${how}) as ${role}: event_log grew ${before} → ${afterCount}`);
          if (response.headers.get('set-cookie')?.includes('govflow_session=') && role !== 'anonymous' && response.status < 400) problems.push(`POST ${r.url} (${how}) as ${role}: session replaced`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('oversized bodies: 413 with a coded error on JSON and form routes; wrong content types: 4xx', async () => {
    const problems: string[] = [];
    const big = JSON.stringify({ xml: 'A'.repeat(6 * 1024 * 1024 + 10) });
    for (const o of apiOperations().filter((x) => x.method !== 'GET' && x.op.requestBody)) {
      const url = `${base}${o.url.replace(/:([A-Za-z]+)/g, (_m, n: string) => PARAMS[n] ?? 'x')}`;
      const r = await probe(problems, `${o.method} ${o.url} (7 MB JSON)`, url, { method: o.method, headers: { ...cred.get('admin'), 'content-type': 'application/json' }, body: big });
      if (r.status !== 413) problems.push(`${o.method} ${o.url} (7 MB JSON): ${r.status}, expected 413`);
      else if (!/"code":"GOVFLOW_ERR_[A-Z_]+"/.test(r.text)) problems.push(`${o.method} ${o.url} (7 MB JSON): 413 without a coded error: ${r.text.slice(0, 120)}`);
      const wrong = await probe(problems, `${o.method} ${o.url} (text/plain)`, url, { method: o.method, headers: { ...cred.get('admin'), 'content-type': 'text/plain' }, body: 'hello' });
      if (wrong.status < 400 || wrong.status >= 500) problems.push(`${o.method} ${o.url} (text/plain): ${wrong.status}, expected 4xx`);
      const broken = await probe(problems, `${o.method} ${o.url} (broken JSON)`, url, { method: o.method, headers: { ...cred.get('admin'), 'content-type': 'application/json' }, body: '{"a":' });
      if (broken.status < 400 || broken.status >= 500) problems.push(`${o.method} ${o.url} (broken JSON): ${broken.status}, expected 4xx`);
    }
    const cookie = cred.get('citizen')!['cookie']!;
    const csrf = await csrfOf(cookie);
    const hugeForm = new URLSearchParams({ csrf, field: 'A'.repeat(7 * 1024 * 1024) }).toString();
    // The admin pages take forms up to 15 MB (a 5 MB model from the modeller, form-encoded); a visitor without the
    // admin role is refused before the body is read (403, checked by the route matrix). Here an administrator sends
    // more than that limit: 413, decided from the declared length.
    const adminCookie = cred.get('admin-web')!['cookie']!;
    const hugeAdminForm = new URLSearchParams({ csrf: await csrfOf(adminCookie), field: 'A'.repeat(16 * 1024 * 1024) }).toString();
    for (const r of registered.filter((x) => x.method === 'POST' && !isApiPath(x.url))) {
      const url = `${base}${concrete(r.url)}`;
      const admin = r.url.startsWith('/admin');
      const res = await probe(problems, `POST ${r.url} (7 MB form)`, url, { method: 'POST', headers: { cookie: admin ? adminCookie : cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: admin ? hugeAdminForm : hugeForm });
      // A browser gets the GOV.UK error page (413, no code: people read it); anything else gets the coded JSON error.
      const readable = (res.headers.get('content-type') ?? '').startsWith('text/html') ? /<title>[^<]+<\/title>/.test(res.text) : /"code":"GOVFLOW_ERR_[A-Z_]+"/.test(res.text);
      if (res.status !== 413) problems.push(`POST ${r.url} (7 MB form): ${res.status}, expected 413`);
      else if (!readable) problems.push(`POST ${r.url} (7 MB form): 413 without an error page or code: ${res.text.slice(0, 120)}`);
      const wrong = await probe(problems, `POST ${r.url} (text/plain)`, url, { method: 'POST', headers: { cookie, 'content-type': 'text/plain' }, body: `csrf=${csrf}` });
      // Refused: a 4xx, or sent back to sign in (pages that need a pending sign-in answer so before reading the body).
      const toSignIn = wrong.status === 303 && /^\/(staff\/)?sign-in(\?|$)/.test(wrong.headers.get('location') ?? '');
      if ((wrong.status < 400 && !toSignIn) || wrong.status >= 500) problems.push(`POST ${r.url} (text/plain): ${wrong.status} ${wrong.headers.get('location') ?? ''}, expected 4xx`);
    }
    assert.deepEqual(problems, []);
  });

  it('uploads: multipart with traversal, NUL/RTL names, wrong type by content, empty or forged token on every HTML POST route — refused, nothing stored', async () => {
    // Positive upload handling (a PDF stored with its hash, type by content, size) is covered in test/services/portal-uploads-payments.test.ts.
    const problems: string[] = [];
    const uploads = async (): Promise<number> => Number((await govflow.db.query<{ n: number | string }>('select count(*) as n from case_upload')).rows[0]!.n);
    const cookie = cred.get('citizen')!['cookie']!;
    const csrf = await csrfOf(cookie);
    const files: readonly { name: string; bytes: Buffer }[] = [
      { name: '../../etc/passwd', bytes: Buffer.from('root:x:0:0') },
      { name: '..%2f..%2fevil.pdf', bytes: Buffer.from('%PDF-1.4 not really') },
      { name: 'a\u0000b.pdf', bytes: Buffer.from('PK\u0003\u0004zip') },
      { name: 'invoice\u202Efdp.exe', bytes: Buffer.from('MZ') },
      { name: '<script>alert(1)</script>.png', bytes: Buffer.alloc(0) },
    ];
    for (const r of registered.filter((x) => x.method === 'POST' && !isApiPath(x.url) && !x.url.startsWith('/payments/test/'))) {
      for (const [i, f] of files.entries()) {
        for (const token of [undefined, 'forged-token', csrf]) {
          const before = await uploads();
          const form = new FormData();
          if (token !== undefined) form.append('csrf', token);
          form.append(i % 2 === 0 ? 'document' : 'file', new Blob([f.bytes]), f.name);
          const res = await probe(problems, `POST ${r.url} multipart ${JSON.stringify(f.name)} token=${token === csrf ? 'valid' : String(token)}`, `${base}${concrete(r.url)}`, { method: 'POST', headers: { cookie }, body: form }, { html: true });
          const location = res.headers.get('location') ?? '';
          if (res.status < 400 && !/^\/(staff\/)?sign-in(\?|$)/.test(location)) problems.push(`POST ${r.url} multipart ${JSON.stringify(f.name)}: accepted ${res.status} ${location}`);
          if (await uploads() !== before) problems.push(`POST ${r.url} multipart ${JSON.stringify(f.name)}: case_upload changed`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('after all of it: event_log still exists and the sealed chain still answers', async () => {
    assert.ok(await eventCount() > 0, 'event_log has rows (the demo seed and the sign-ins)');
    const health = await fetch(`${base}/api/health`);
    assert.ok(health.status === 200 || health.status === 503, `health answers (${health.status})`);
    await health.arrayBuffer();
  });
});
