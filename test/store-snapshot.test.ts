import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dumpSchema, listMigrations, openDatabase } from '../src/store/index.js';

// The opt-in migrated image for PGlite test databases (mutation testing). The default path, migrating every new
// database, is what test/store.test.ts and every other suite exercise.
describe('store: PGlite databases started from a migrated image', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'govflow-snapshot-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('the image is made once, saved, and gives the same schema and migration record as migrating', async () => {
    const first = await openDatabase({ url: 'memory://', migratedSnapshotDir: dir });
    const files = await readdir(dir);
    assert.equal(files.length, 1, `one image, no partial file left: ${files.join(', ')}`);
    assert.match(files[0]!, /^pglite-migrated-[0-9a-f]{16}\.tar\.gz$/);
    await first.query("insert into govflow_migration (id, name, checksum) values (9999, 'only-in-first', 'x')");
    await first.close();

    const second = await openDatabase({ url: 'memory://', migratedSnapshotDir: dir });
    try {
      assert.equal(await dumpSchema(second), await readFile(new URL('../src/store/schema.snapshot.sql', import.meta.url), 'utf8'));
      const { rows } = await second.query<{ id: number; checksum: string }>('select id, checksum from govflow_migration order by id');
      assert.deepEqual(rows, (await listMigrations()).map((m) => ({ id: m.id, checksum: m.checksum })), 'each database is its own copy of the image');
    } finally {
      await second.close();
    }
  });

  it('is ignored when migrations are off: that database stays empty', async () => {
    const db = await openDatabase({ url: 'memory://', migrate: false, migratedSnapshotDir: dir });
    try {
      const { rows } = await db.query<{ n: number }>("select count(*)::int as n from information_schema.tables where table_schema = 'public'");
      assert.equal(rows[0]!.n, 0);
    } finally {
      await db.close();
    }
  });
});
