/**
 * `govflow backup` / `govflow restore` as an operator runs them (the real bin in a child process) on both backends:
 * cases and events written by the engine and sealed by the ledger, backed up, the database wiped, restored; the
 * same cases, the same event log and a ledger that verifies. A backup of altered data is refused loudly.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { createEngine } from '../../src/engine/index.js';
import { generateSigner, latestTreeHead, publishTreeHead, sealPending, verifyLedger } from '../../src/ledger/index.js';
import { openDatabase, type Backend, type Database } from '../../src/store/index.js';
import { createServerDatabase, describeEachBackend, migratedSnapshotDir, pgUrl } from '../support/databases.js';
import { bpmn, userTask } from '../engine/bpmn.js';

const run = promisify(execFile);
const bin = new URL('../../bin/govflow.mjs', import.meta.url).pathname;

async function govflow(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 180_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Snapshot {
  instances: { id: number }[];
  events: unknown[];
  treeSize: number | undefined;
}

async function snapshot(db: Database): Promise<Snapshot> {
  const engine = createEngine(db);
  const instances = (await engine.listInstances({ limit: 1000 })).sort((a, b) => a.id - b.id);
  const { rows } = await db.query('select * from event_log order by id');
  return { instances, events: rows, treeSize: (await latestTreeHead(db))?.treeSize };
}

/** Cases that wait at a task and cases that ran to the end, every event sealed and a signed tree head published. */
async function writeCases(db: Database): Promise<void> {
  const engine = createEngine(db);
  await engine.deploy([
    { name: 'waits.bpmn', content: bpmn('waits', `<startEvent id="s"/>${userTask('review')}<endEvent id="e"/>`, 's -> review; review -> e') },
    { name: 'ends.bpmn', content: bpmn('ends', '<startEvent id="s"/><endEvent id="e"/>', 's -> e') },
  ]);
  for (let i = 0; i < 4; i++) await engine.startInstance('waits', { variables: { applicant: `A-${i}`, amount: i * 10 }, businessKey: `BK-${i}` });
  for (let i = 0; i < 3; i++) await engine.startInstance('ends', { variables: { n: i } });
  await sealPending(db, { waitMs: 10_000 });
  await publishTreeHead(db, generateSigner());
}

describeEachBackend('govflow backup and restore', (backend: Backend) => {
  let dir: string;
  let env: Record<string, string>;
  let url: string | undefined;
  // A new data directory starts from the migrated image (docs/testing.md): what is tested here is the backup, not migrating.
  const open = (): Promise<Database> => openDatabase(url ? { url, poolSize: 2 } : { dataDir: path.join(dir, 'data'), ...(migratedSnapshotDir ? { migratedSnapshotDir } : {}) });

  /** Empties the database the way a lost disk or a dropped database would. */
  async function wipe(): Promise<void> {
    if (!url) {
      await rm(path.join(dir, 'data'), { recursive: true, force: true });
      return;
    }
    const name = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      await admin.query(`drop database ${name} with (force)`);
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'govflow-backup-'));
    url = backend === 'postgres' ? await createServerDatabase() : undefined;
    env = {
      GOVFLOW_DATA_DIR: path.join(dir, 'data'), GOVFLOW_DATABASE_URL: url ?? '', GOVFLOW_LOG_LEVEL: 'silent', GOVFLOW_PORT: '1',
      // pg_dump/pg_restore of the same installation as the test server.
      ...(process.env['GOVFLOW_TEST_PG_BIN'] ? { GOVFLOW_PG_BIN: process.env['GOVFLOW_TEST_PG_BIN'] } : {}),
    };
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('backup, wipe, restore: the same cases, the same event log, and the ledger verifies', async () => {
    let db = await open();
    await writeCases(db);
    const before = await snapshot(db);
    await db.close();
    assert.equal(before.instances.length, 7);
    assert.ok(before.events.length > 7 * 2);
    assert.equal(before.treeSize, before.events.length);

    const file = path.join(dir, backend === 'pglite' ? 'one.tar.gz' : 'one.pgdump');
    const backup = await govflow(['backup', '--out', file], env);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, new RegExp(`tree size ${before.events.length}\\b`));
    assert.ok(existsSync(file));

    await wipe();
    if (!url) assert.equal(existsSync(path.join(dir, 'data')), false);

    const restore = await govflow(['restore', file], env);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, new RegExp(`ledger OK: ${before.events.length} entries`));

    db = await open();
    try {
      assert.deepEqual(await snapshot(db), before);
      const report = await verifyLedger(db);
      assert.equal(report.ok, true);
      assert.equal(report.treeSize, before.events.length);
      // The restored database is live: the engine carries on from where the backup left it.
      const next = await createEngine(db).startInstance('ends', { variables: { n: 99 } });
      assert.ok(next.id > Math.max(...before.instances.map((i) => i.id)));
    } finally {
      await db.close();
    }

    // Restoring over data is refused unless asked for.
    const again = await govflow(['restore', file], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /not empty|exists already/);
    assert.doesNotMatch(again.stderr, /\n\s+at /, 'no stack trace');
  });

  it('a backup whose sealed events were altered is restored but refused loudly: exit 1, the failing entry named', async () => {
    await wipe();
    const db = await open();
    await writeCases(db);
    const { rows } = await db.query<{ id: number }>('select id from event_log order by id limit 1 offset 3');
    await db.query(`update event_log set type = 'test.rewritten' where id = $1`, [rows[0]!.id]);
    await db.close();
    const file = path.join(dir, backend === 'pglite' ? 'altered.tar.gz' : 'altered.pgdump');
    assert.equal((await govflow(['backup', '--out', file], env)).code, 0);
    await wipe();
    const restore = await govflow(['restore', file], env);
    assert.equal(restore.code, 1, restore.stdout);
    assert.match(restore.stderr, new RegExp(`DOES NOT VERIFY.*event ${rows[0]!.id}`));
  });

  it('names a wrong or missing file and a backup of the other backend', async () => {
    const missing = await govflow(['restore', path.join(dir, 'nope.tar.gz')], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the backup .*nope\.tar\.gz/);
    const noFile = await govflow(['restore'], env);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /name the backup file/);
    const other = path.join(dir, backend === 'pglite' ? 'one.tar.gz' : 'one.pgdump');
    const otherEnv = backend === 'pglite' ? env : { ...env, GOVFLOW_DATABASE_URL: '', GOVFLOW_DATA_DIR: path.join(dir, 'elsewhere') };
    // The file of this backend, restored on the other: named, not attempted.
    if (backend === 'postgres') {
      const wrong = await govflow(['restore', other], otherEnv);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /pg_dump of a PostgreSQL server/);
    }
    const flag = await govflow(['backup', '--output', 'x'], env);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option --output/);
  });
});
