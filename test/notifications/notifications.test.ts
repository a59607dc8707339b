import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createEngine, startWorkerLoop, type Engine } from '../../src/engine/index.js';
import { enqueueNotification, escapeHtml, logOnlyTransport, Notifications, smtpTransport, TemplateStore, type OutgoingMessage } from '../../src/notifications/index.js';
import type { Database } from '../../src/store/index.js';
import { describeEachBackend } from '../support/databases.js';
import { registriesDatabase } from '../registries/support.js';
import { startSmtp } from '../support/smtp-sink.js';

const CASE = { reference: 'BP-2026-000123', applicantName: 'Alex <b>Demo</b> & "Co"', serviceName: 'Building permit', statusUrl: 'https://example.test/applications/BP-2026-000123', agencyName: 'Demo Municipality', date: '2026-03-02' };

describe('templates', () => {
  it('HTML bodies escape every placeholder value; text keeps it; the subject cannot gain a line', () => {
    const store = new TemplateStore();
    fc.assert(fc.property(fc.string(), (name) => {
      const m = store.render('submission-received', { ...CASE, applicantName: name, reference: `R\r\nBcc: x@y.z${name}` });
      assert.ok(m.html.includes(`Dear ${escapeHtml(name)},`));
      assert.ok(m.text.includes(`Dear ${name},`));
      assert.ok(!/[\r\n]/.test(m.subject));
      // Nothing the applicant typed can open a tag in the HTML body.
      assert.ok(!escapeHtml(name).includes('<'));
    }));
  });
  it('a missing placeholder is a coded error naming it; an unknown template names the known ones', () => {
    const store = new TemplateStore();
    assert.throws(() => store.render('decision-made', { ...CASE }), (e: { code?: string; message: string }) => e.code === 'GOVFLOW_ERR_NOTIFICATION_INPUT' && e.message.includes("'decision'"));
    assert.throws(() => store.render('nope', CASE), /submission-received/);
  });
  it('a recipient that is not one plain address is refused before anything is written (property)', async () => {
    const untouchable = { query: () => { throw new Error('written'); }, exec: () => { throw new Error('written'); } };
    await fc.assert(fc.asyncProperty(fc.string().map((s) => `${s}\r\nBcc: x@y.z`), fc.constantFrom('', 'a@b', 'a b@c.d', 'a@b.c, d@e.f', '<a@b.c>'), async (junk, bad) => {
      for (const to of [junk, bad]) {
        await assert.rejects(enqueueNotification(untouchable, { template: 'submission-received', to, values: CASE }), (e: { code?: string }) => e.code === 'GOVFLOW_ERR_NOTIFICATION_INPUT');
      }
    }), { numRuns: 50 });
  });
  it('the newest version is used unless one is pinned', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tpl-'));
    mkdirSync(path.join(dir, 'hello'));
    writeFileSync(path.join(dir, 'hello', 'v1.json'), JSON.stringify({ subject: 'one {{x}}', text: 't', html: 'h' }));
    writeFileSync(path.join(dir, 'hello', 'v2.json'), JSON.stringify({ subject: 'two {{x}}', text: 't', html: 'h' }));
    const store = new TemplateStore(dir);
    assert.equal(store.render('hello', { x: 1 }).subject, 'two 1');
    assert.equal(store.render('hello', { x: 1 }).version, 2);
    assert.equal(store.render('hello', { x: 1 }, 1).subject, 'one 1');
  });
});

describeEachBackend('notification outbox', (backend) => {
  let db: Database;
  let engine: Engine;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    db = await registriesDatabase(backend);
    engine = createEngine(db);
    smtp = await startSmtp();
  });
  after(async () => {
    await smtp?.stop();
    await db?.close();
  });

  it('delivers through a real SMTP server: right subject and bodies, HTML escaped, status sent, template version recorded', async () => {
    const notifications = new Notifications({ db, transport: smtpTransport(smtp.url, 'Demo Municipality <noreply@demo.test>') });
    const before = smtp.received.length;
    const id = await db.transaction((tx) => notifications.enqueue(tx, { template: 'submission-received', to: 'alex@example.test', values: CASE }));
    assert.equal((await notifications.list()).find((r) => r.id === id)?.status, 'queued');
    assert.equal(await notifications.sendDue(), 1);
    const mail = smtp.received.at(-1)!;
    assert.equal(smtp.received.length, before + 1);
    assert.equal(mail.subject, 'We received your application BP-2026-000123');
    assert.ok(mail.text?.includes('Dear Alex <b>Demo</b> & "Co",'));
    assert.ok(String(mail.html).includes('Dear Alex &lt;b&gt;Demo&lt;/b&gt; &amp; &quot;Co&quot;,'));
    assert.ok(!String(mail.html).includes('<b>Demo'));
    assert.equal(mail.headers.get('x-govflow-template'), 'submission-received/v1');
    const row = (await notifications.list()).find((r) => r.id === id)!;
    assert.equal(row.status, 'sent');
    assert.equal(row.attempts, 1);
    assert.equal(row.templateVersion, 1);
    assert.equal(row.providerMessageId, mail.messageId);
    assert.equal(await notifications.sendDue(), 0, 'sent once');
  });

  it('a server refusing: retried with backoff, then failed, with attempts and the last error recorded', async () => {
    smtp.refuse.on = true;
    try {
      const notifications = new Notifications({ db, transport: smtpTransport(smtp.url, 'noreply@demo.test'), maxAttempts: 3, backoffMs: 20 });
      const id = await db.transaction((tx) => notifications.enqueue(tx, { template: 'submission-received', to: 'kim@example.test', values: CASE }));
      for (let i = 0; i < 50 && (await notifications.list()).find((r) => r.id === id)!.status === 'queued'; i++) {
        await notifications.sendDue();
        await new Promise((r) => setTimeout(r, 30));
      }
      const row = (await notifications.list()).find((r) => r.id === id)!;
      assert.equal(row.status, 'failed');
      assert.equal(row.attempts, 3);
      assert.match(row.lastError ?? '', /451|temporarily/);
    } finally {
      smtp.refuse.on = false;
    }
  });

  it('a rolled-back transaction sends nothing; an idempotency key enqueues once', async () => {
    const sent: OutgoingMessage[] = [];
    const notifications = new Notifications({ db, transport: { name: 'capture', send: async (m) => { sent.push(m); return `c-${m.id}`; } } });
    await notifications.sendDue(); // drain anything left by earlier tests
    sent.length = 0;
    await assert.rejects(db.transaction(async (tx) => {
      await enqueueNotification(tx, { template: 'submission-received', to: 'sam@example.test', values: CASE });
      throw new Error('the submission failed after queueing');
    }), /submission failed/);
    const a = await db.transaction((tx) => notifications.enqueue(tx, { template: 'submission-received', to: 'sam@example.test', values: CASE, idempotencyKey: 'submit:42' }));
    const b = await db.transaction((tx) => notifications.enqueue(tx, { template: 'submission-received', to: 'sam@example.test', values: CASE, idempotencyKey: 'submit:42' }));
    assert.equal(a, b);
    await notifications.sendDue();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.to, 'sam@example.test');
    await assert.rejects(db.transaction((tx) => notifications.enqueue(tx, { template: 'submission-received', to: 'not an address', values: CASE })), (e: { code?: string }) => e.code === 'GOVFLOW_ERR_NOTIFICATION_INPUT');
  });

  it('log-only by default: logs template and masked recipient, never the body', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = { info: (obj: Record<string, unknown>) => lines.push(obj), warn() {}, error() {}, debug() {} } as unknown as Parameters<typeof logOnlyTransport>[0];
    const notifications = new Notifications({ db, transport: logOnlyTransport(logger) });
    await notifications.sendDue();
    lines.length = 0;
    const id = await db.transaction((tx) => notifications.enqueue(tx, { template: 'submission-received', to: 'alex@example.test', values: CASE }));
    await notifications.sendDue();
    assert.equal(lines.length, 1);
    const logged = JSON.stringify(lines[0]);
    assert.ok(logged.includes('submission-received'));
    assert.ok(!logged.includes('alex@example.test') && !logged.includes('Alex'), 'no personal data in the log');
    assert.equal((await notifications.list()).find((r) => r.id === id)?.status, 'sent');
  });

  it('notify-applicant job through the real worker loop e-mails the applicant once', async () => {
    await engine.deploy([{ name: 'n.bpmn', content: `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://govflow.test">
  <process id="notify_case" isExecutable="true">
    <startEvent id="s"/>
    <serviceTask id="tell"><extensionElements><zeebe:taskDefinition type="notify-applicant"/><zeebe:taskHeaders><zeebe:header key="template" value="decision-made"/></zeebe:taskHeaders></extensionElements></serviceTask>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="tell"/><sequenceFlow id="f2" sourceRef="tell" targetRef="e"/>
  </process>
</definitions>` }]);
    const notifications = new Notifications({ db, transport: smtpTransport(smtp.url, 'noreply@demo.test'), defaults: { agencyName: 'Demo Municipality' } });
    const before = smtp.received.length;
    const started = await engine.startInstance('notify_case', { variables: { ...CASE, agencyName: undefined, decision: 'approved', applicantId: 'kim' } });
    const viaIdentity = new Notifications({ db, transport: smtpTransport(smtp.url, 'noreply@demo.test'), defaults: { agencyName: 'Demo Municipality' }, getPerson: async (id) => (id === 'kim' ? { name: 'Kim Sample', email: 'kim@example.test' } : null) });
    const loop = startWorkerLoop(engine, { handlers: { 'notify-applicant': viaIdentity.handler() }, timers: false, maxPollMs: 50 });
    try {
      for (let i = 0; i < 100 && (await engine.getInstance(started.id)).state !== 'completed'; i++) await loop.poll();
    } finally {
      await loop.stop();
    }
    assert.equal((await engine.getInstance(started.id)).state, 'completed');
    for (let i = 0; i < 50 && smtp.received.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    await notifications.sendDue();
    const mail = smtp.received.slice(before);
    assert.equal(mail.length, 1);
    assert.equal(mail[0]!.subject, 'A decision was made on BP-2026-000123');
    assert.equal((mail[0]!.to as { text: string }).text, 'kim@example.test');
    assert.ok(mail[0]!.text?.includes('approved'));
    // The message may have reached the server while the send that carried it has not yet recorded it: wait for
    // the row to leave 'queued' (a send in flight holds its row; sendDue skips it).
    let rows = await notifications.list({ instanceId: started.id });
    for (const deadline = Date.now() + 30_000; rows.some((r) => r.status === 'queued') && Date.now() < deadline; rows = await notifications.list({ instanceId: started.id })) {
      await new Promise((r) => setTimeout(r, 20));
      await notifications.sendDue();
    }
    assert.deepEqual(rows.map((r) => [r.template, r.templateVersion, r.status]), [['decision-made', 1, 'sent']]);
    assert.equal(smtp.received.length - before, 1, 'sent once');
  });
});
