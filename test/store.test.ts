import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { dumpSchema, listMigrations, migrate, type Database } from '../src/store/index.js';
import { describeEachBackend, freshDatabase } from './support/databases.js';

const SNAPSHOT = new URL('../src/store/schema.snapshot.sql', import.meta.url);

describeEachBackend('store', (backend) => {
  let db: Database;
  before(async () => {
    db = await freshDatabase(backend);
  });
  after(async () => db.close());

  it('migrations are numbered without gaps and recorded once each', async () => {
    const files = await listMigrations();
    assert.ok(files.length >= 1);
    files.forEach((m, i) => assert.equal(m.id, i + 1));
    const again = await migrate(db);
    assert.deepEqual(again.applied, [], 'a second run applies nothing');
    const { rows } = await db.query<{ id: number }>('select id from govflow_migration order by id');
    assert.deepEqual(rows.map((r) => r.id), files.map((m) => m.id));
  });

  it('an edited migration is refused', async () => {
    await db.query("update govflow_migration set checksum = 'tampered' where id = 1");
    await assert.rejects(migrate(db), /was edited after it was applied/);
    const { rows } = await db.query<{ checksum: string }>('select checksum from govflow_migration where id = 1');
    const [first] = await listMigrations();
    await db.query('update govflow_migration set checksum = $1 where id = 1', [first!.checksum]);
    assert.equal(rows[0]!.checksum, 'tampered');
  });

  it('the schema equals the checked-in snapshot (run `npm run schema:dump` after adding a migration)', async () => {
    const expected = await readFile(SNAPSHOT, 'utf8');
    assert.equal(await dumpSchema(db), expected);
  });

  it('transactions roll back as a whole', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("insert into deployment (name) values ('rolled back')");
        throw new Error('boom');
      }),
      /boom/,
    );
    const { rows } = await db.query("select 1 from deployment where name = 'rolled back'");
    assert.equal(rows.length, 0);
  });

  it('LISTEN/NOTIFY delivers a payload', async () => {
    let resolveReceived: (payload: string) => void = () => {};
    const received = new Promise<string>((resolve) => {
      resolveReceived = resolve;
    });
    const unlisten = await db.listen('govflow_test', (payload) => resolveReceived(payload));
    await db.query("select pg_notify('govflow_test', 'hello')");
    assert.equal(await received, 'hello');
    await unlisten();
  });
});
