// The server-wide error pages (src/web/error-pages.ts through the API server's htmlErrors): a browser never gets
// raw JSON for a page address — 404, 414 (an address too long for a route, or for Node's request-line limit) —
// while the API and clients that ask for JSON keep their coded JSON errors.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { errorPageDocument } from '../../src/web/index.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { markupValidator } from '../support/page-audit.js';

async function validMarkup(html: string, what: string): Promise<void> {
  const report = await markupValidator.validateString(html);
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), [], `html-validate on ${what}`);
}

/** A raw request: fetch cannot send a request line longer than Node's header limit. */
function rawGet(url: URL, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/html\r\n\r\n`));
    let data = '';
    socket.on('data', (chunk) => { data += chunk.toString('utf8'); });
    socket.on('end', () => resolve(data));
    socket.on('error', (error) => (data ? resolve(data) : reject(error)));
  });
}

describe('HTML error pages for page addresses', () => {
  let server: DemoServer;
  let base: string;
  before(async () => {
    server = await startDemoServer('error-pages');
    base = server.running.url;
  });
  after(async () => {
    await server?.stop();
  });

  it('an unknown page address is a 404 page in the layout, with a way back; the API keeps its JSON', async () => {
    const r = await fetch(`${base}/no-such-page`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(r.headers.get('content-security-policy'), 'the page has the pages\' security headers');
    const text = await r.text();
    assert.match(text, /<h1 class="govuk-heading-l">Page not found<\/h1>/);
    assert.match(text, /href="\/">Go to the list of services/);
    await validMarkup(text, 'the 404 page');
    const bare = await fetch(`${base}/no-such-page`);
    assert.match(bare.headers.get('content-type') ?? '', /^text\/html/, 'a client that states no preference gets the page');
    const api = await fetch(`${base}/api/no-such`, { headers: { accept: 'text/html' } });
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as { code: string }).code, 'GOVFLOW_ERR_NOT_FOUND');
    const program = await fetch(`${base}/no-such-page`, { headers: { accept: 'application/json' } });
    assert.equal(((await program.json()) as { code: string }).code, 'GOVFLOW_ERR_NOT_FOUND', 'a program asking for JSON gets JSON');
  });

  it('an address longer than any page is a 414 page; one beyond the request-line limit too', async () => {
    const r = await fetch(`${base}/applications/${'a'.repeat(9000)}`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 414);
    const text = await r.text();
    assert.match(text, /The web address is too long/);
    await validMarkup(text, 'the 414 page');
    const raw = await rawGet(new URL(base), `/${'b'.repeat(20_000)}`);
    assert.match(raw, /^HTTP\/1\.1 414 /);
    assert.match(raw, /content-type: text\/html/i);
    assert.match(raw, /The web address is too long/);
  });

  it('413 and 5xx pages say what happened in plain words, with a reference for a failure', async () => {
    const large = errorPageDocument(413, 'ref-1');
    assert.match(large, /What you sent is too large/);
    await validMarkup(large, 'the 413 page');
    const failed = errorPageDocument(500, 'ref-2');
    assert.match(failed, /Sorry, there is a problem with the service/);
    assert.match(failed, /quote the reference <strong>ref-2<\/strong>/);
    await validMarkup(failed, 'the 500 page');
  });
});
