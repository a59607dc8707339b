// The Open311 list cache (src/engagement/open311-cache.ts) is never stale: a report posted, or a status changed by
// its case, shows on the very next GET requests page, in both formats — also when the write went through another
// server process on the same PostgreSQL database (each process has its own cache), and when it went through the
// engine rather than the Open311 edge.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { both, postForm, readJson, startOpen311Server, type Open311Server } from './open311-support.js';

type Json = Record<string, unknown>;
const PAGE = '?page_size=5';

describeEachBackend('Open311 GET requests lists are fresh after every write', (backend) => {
  let reader: Open311Server;
  let writer: Open311Server;
  before(async () => {
    reader = await startOpen311Server(backend, 'open311-cache');
    // PGlite serves one process: there the writer is the reader itself (the cache must still see every write).
    writer = backend === 'postgres' ? await startOpen311Server(backend, 'open311-cache-writer', undefined, reader) : reader;
  });
  after(async () => {
    if (writer !== reader) await writer?.stop();
    await reader?.stop();
  });

  const list = async (query = ''): Promise<Json[]> => await both(reader.base, 'requests', `${PAGE}${query}`, 'service_requests') as Json[];
  const submit = async (description: string): Promise<string> => {
    const r = await postForm(`${writer.base}/requests.json`, [['api_key', writer.key], ['service_code', 'pothole'], ['lat', '51.5007'], ['long', '-0.1246'], ['description', description]]);
    assert.equal(r.status, 200, r.text);
    return String((readJson(r) as Json[])[0]!['service_request_id']);
  };
  const completeTask = async (id: string, elementId: string, variables: Json): Promise<void> => {
    const [instance] = await writer.govflow.engine.listInstances({ businessKey: `PR-${id}`, limit: 1 });
    assert.ok(instance, `report ${id} started a case`);
    const [task] = (await writer.govflow.engine.listTasks({ instanceId: instance.id })).filter((t) => t.elementId === elementId && t.state === 'created');
    assert.ok(task, `a ${elementId} task waits on report ${id}`);
    await writer.govflow.engine.completeTask(task.id, { variables, actor: 'test-staff' });
  };
  const find = (page: Json[], id: string): Json | undefined => page.find((r) => r['service_request_id'] === id);

  it('a posted report is on the next page read, however often the page was read before', async () => {
    const first = await submit('A hole by the school gate');
    for (let i = 0; i < 3; i++) assert.equal((await list())[0]!['service_request_id'], first);
    const second = await submit('Another hole, by the library');
    const page = await list();
    assert.deepEqual(page.slice(0, 2).map((r) => r['service_request_id']), [second, first], 'the newest report first, on the next read');
    assert.equal(find(page, second)!['description'], 'Another hole, by the library');
  });

  it('a status change made through the engine is on the next page read: notes, then closed', async () => {
    const id = await submit('Loose paving slab');
    assert.equal(find(await list(), id)!['status_notes'], null);
    await list('&status=open');
    await completeTask(id, 'triage', { triageOutcome: 'accepted', statusNotes: 'Sent to highways.' });
    assert.equal(find(await list(), id)!['status_notes'], 'Sent to highways.');
    await completeTask(id, 'department-task', { statusNotes: 'A crew comes on Tuesday.' });
    await completeTask(id, 'fix', { statusNotes: 'Relaid.' });
    const after = find(await list(), id)!;
    assert.deepEqual([after['status'], after['status_notes']], ['closed', 'Relaid.']);
    assert.equal(find(await list('&status=open'), id), undefined, 'gone from the open list read before');
    assert.ok(find(await list('&status=closed'), id), 'on the closed list');
  });
});
