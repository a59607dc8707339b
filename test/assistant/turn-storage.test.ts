// Issue 19, acceptance 7 without weakening privacy: each turn (question, reply, working context) is ONE sealed vault
// record, concurrent replies are stored in shared transactions, and nothing of the texts is stored in the clear.
// PGlite only: the SQL is plain inserts whose PostgreSQL run the HTTP suite (assistant-http.test.ts) covers.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createAssistant, type Assistant } from '../../src/assistant/index.js';
import { DEFAULT_CATALOGUE_DIR, loadCatalogue } from '../../src/catalogue/index.js';
import { createEngine } from '../../src/engine/index.js';
import { createPrivacy, listAccess } from '../../src/privacy/index.js';
import type { Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

let db: Database;
let assistant: Assistant;
const NAME = 'Mirja Kallio-Testinen';

before(async () => {
  db = await freshDatabase('pglite');
  const privacy = createPrivacy({ db, masterKey: 'turn-storage-test-master-key-0123456789' });
  const catalogue = await loadCatalogue(DEFAULT_CATALOGUE_DIR);
  assistant = createAssistant({
    db, engine: createEngine(db), catalogue: () => catalogue.services, deployedDecision: async () => null, ownCases: async () => [], departmentOf: async () => 'intake',
    vault: { sealingStatement: (records, first) => privacy.vault.records.sealingStatement(records, first), staleKey: (e) => privacy.vault.records.staleKey(e), reveal: (tx, v, reader) => privacy.vault.records.revealIn(tx, v, reader), eraseOf: (tx, s) => privacy.vault.records.eraseOf(tx, s) },
  });
});
after(async () => db.close());

it('stores each turn as one sealed record, twelve concurrent replies in fewer transactions, none of it in the clear', async () => {
  const questions = Array.from({ length: 12 }, (_, i) => `My name is ${NAME} (${String(i)}). How much does a building permit cost?`);
  const replies = await Promise.all(questions.map((text) => assistant.send({ citizenId: null }, { text })));
  assert.equal(new Set(replies.map((r) => r.conversationId)).size, 12);
  const follow = await assistant.send({ citizenId: null }, { text: 'and how long does it take?', conversationId: replies[0]!.conversationId });
  assert.equal(follow.kind, 'answer', 'the follow-up used the context sealed with the first turn');
  assert.match(follow.answer, /building permit/i);

  const records = await db.query<{ kind: string; n: number }>("select kind, count(*)::int as n from privacy_record where subject like 'assistant:%' group by kind");
  assert.deepEqual(records.rows, [{ kind: 'assistant-turn', n: 13 }], 'one record per turn, no other kind');
  const commits = await db.query<{ n: number }>("select count(distinct created_at)::int as n from privacy_record where subject like 'assistant:%'");
  assert.ok(commits.rows[0]!.n < 12, `the twelve concurrent turns were stored in ${String(commits.rows[0]!.n)} transactions`);
  const messages = await db.query<{ body: string; n: number }>('select body, count(*)::int as n from assistant_message group by body');
  assert.equal(messages.rows.length, 13);
  assert.ok(messages.rows.every((r) => /^vault:pd1_/.test(r.body) && r.n === 2), 'the question and its reply refer to the same record');
  const plain = await db.query<{ n: number }>('select count(*)::int as n from assistant_message m join assistant_conversation c on c.id = m.conversation_id where m.body like $1 or c.context like $1', [`%Kallio%`]);
  assert.equal(plain.rows[0]!.n, 0);
  const sealed = await db.query<{ n: number }>('select count(*)::int as n from privacy_record where ciphertext like $1', ['%Kallio%']);
  assert.equal(sealed.rows[0]!.n, 0);

  const view = await assistant.conversation({ citizenId: null }, replies[0]!.conversationId);
  assert.deepEqual(view.messages.map((m) => [m.role, m.kind]), [['citizen', null], ['assistant', replies[0]!.kind], ['citizen', null], ['assistant', 'answer']]);
  assert.equal(view.messages[0]!.text, questions[0]);
  assert.equal(view.messages[1]!.text, replies[0]!.answer);
  assert.deepEqual(view.messages[1]!.sources, replies[0]!.sources);
  assert.equal(view.messages[2]!.text, 'and how long does it take?');
});

it('stores a turn under the data key made current by another process, never the one this process knew', async () => {
  await assistant.send({ citizenId: null }, { text: 'Who can claim housing benefit?' });
  // Another process rotates the vault's data key: this one learns it from the rejected insert, then seals again.
  const rotated = await createPrivacy({ db, masterKey: 'turn-storage-test-master-key-0123456789' }).vault.rotateDataKey();
  const r = await assistant.send({ citizenId: null }, { text: 'How long does housing benefit take?' });
  const { rows } = await db.query<{ key_id: number; n: number }>('select key_id, count(*)::int as n from privacy_record where subject = $1 group by key_id', [`assistant:${r.conversationId}`]);
  assert.deepEqual(rows, [{ key_id: rotated, n: 1 }]);
  assert.equal((await assistant.conversation({ citizenId: null }, r.conversationId)).messages[0]!.text, 'How long does housing benefit take?');
});

it('logs a read by anyone but the conversation itself, and still reads turns stored one record per message', async () => {
  const r = await assistant.send({ citizenId: null }, { text: 'What documents do I need for a building permit?' });
  const subject = `assistant:${r.conversationId}`;
  const { rows } = await db.query<{ body: string }>('select body from assistant_message where conversation_id = $1 order by id limit 1', [r.conversationId]);
  // A handover's transcript is such a read: it opens the records as the system, for a purpose, and is logged.
  const privacy = createPrivacy({ db, masterKey: 'turn-storage-test-master-key-0123456789' });
  const opened = await privacy.vault.records.reveal(rows[0]!.body, { actor: 'system:assistant', purpose: 'enquiry handover' }) as unknown as { question: string };
  assert.equal(opened.question, 'What documents do I need for a building permit?');
  const access = await listAccess(db, subject);
  assert.equal(access.total, 1, 'the conversation reading itself (its context, its page) is not logged; this read is');
  // Conversations stored before this change: one record per message and one for the context.
  const old = await db.transaction(async (tx) => privacy.vault.records.sealMany(tx, [{ subject, kind: 'assistant-message', value: { text: 'old question' } }, { subject, kind: 'assistant-message', value: { text: 'old reply', sources: [{ title: 'Old', url: '/services/old' }], actions: [] } }]));
  await db.query("insert into assistant_message (conversation_id, role, kind, body) values ($1, 'citizen', null, $2), ($1, 'assistant', 'answer', $3)", [r.conversationId, old[0], old[1]]);
  const view = await assistant.conversation({ citizenId: null }, r.conversationId);
  assert.deepEqual(view.messages.slice(2).map((m) => [m.role, m.text, m.sources.length]), [['citizen', 'old question', 0], ['assistant', 'old reply', 1]]);
});
