// Acceptance 5 of issue 19: with an OpenAI-compatible chat server on loopback that sometimes lies (a wrong fee, an
// extra number, a dropped number, an invented link, garbage, an error status, silence past the timeout), the citizen
// only ever gets the model's text when it states exactly the grounded numbers and addresses; otherwise the
// grounded answer. No database: the reply logic is pure.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { createPhrasing, KnowledgeIndex, numbersIn, replyTo, type Reply, type ReplyContext } from '../../src/assistant/index.js';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../../src/catalogue/index.js';

type Behaviour = (grounded: string) => { status?: number; content?: string; hang?: boolean };
let behaviour: Behaviour = (g) => ({ content: g });
let server: Server;
let url: string;
let calls = 0;

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => (body += c.toString()));
    request.on('end', () => {
      calls++;
      const messages = (JSON.parse(body) as { messages: { role: string; content: string }[] }).messages;
      const b = behaviour(messages.find((m) => m.role === 'user')!.content);
      if (b.hang) return;
      response.writeHead(b.status ?? 200, { 'content-type': 'application/json' });
      response.end(b.content === undefined ? '{"nonsense": true}' : JSON.stringify({ choices: [{ message: { role: 'assistant', content: b.content } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

it('keeps the grounded answer whenever the model changes a number or a source, and uses a faithful rewrite', async () => {
  const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
  const index = new KnowledgeIndex(catalogue.services);
  const ctx: ReplyContext = { ownCases: null, decisionXml: async (s, id) => s.decisions.find((d) => d.decisionIds.includes(id))?.xml ?? null };
  const questions = ['I am building a 240 m2 extension, what will the permit fee be?', 'How much does a building permit cost?', 'How long does housing benefit take?', 'I live alone, earn 1000 a month and pay 400 rent. Can I get housing benefit?'];
  const replies: Reply[] = await Promise.all(questions.map((q) => replyTo(q, index, ctx)));
  const phrase = createPhrasing(url, { timeoutMs: 300 })!;
  const lies: [string, Behaviour][] = [
    ['a wrong fee', (g) => ({ content: g.replace(/\d+/, (n) => String(Number(n) + 50)) })],
    ['an extra number', (g) => ({ content: `${g} It usually takes 14 days.` })],
    ['a dropped number', (g) => ({ content: g.replace(/\d[\d,]*/, 'some') })],
    ['an invented source', (g) => ({ content: `${g} See https://example.com/cheap-permits for details.` })],
    ['an invented path', (g) => ({ content: `${g} Apply at /services/fast-track.` })],
    ['an error status', () => ({ status: 500, content: 'overloaded' })],
    ['no choices', () => ({})],
    ['silence', () => ({ hang: true })],
  ];
  for (const reply of replies) {
    for (const [what, lie] of lies) {
      behaviour = lie;
      assert.equal(await phrase(reply), reply.answer, `${what}: the grounded answer is kept for "${reply.answer}"`);
    }
    // A faithful rewrite (same numbers, no address) is used.
    behaviour = (g) => ({ content: `In short: ${g.replace(/“[^”]*”/g, 'this service')}` });
    const rewritten = await phrase(reply);
    assert.notEqual(rewritten, reply.answer);
    assert.deepEqual(numbersIn(rewritten).sort(), numbersIn(reply.answer).sort());
  }
  assert.ok(calls >= replies.length * lies.length, 'every reply went to the model');
  assert.equal(createPhrasing(undefined), null, 'without GOVFLOW_ASSISTANT_LLM_URL nothing is called');
});
