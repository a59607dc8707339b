/**
 * Issue 13, acceptance 7: key rotation of each kind (signing, vault, master) on a populated database, killed
 * midway (SIGKILL while it is paused after N committed batches, so the point is deterministic) and rerun: every
 * signed decision verifies, every encrypted value decrypts to what it was, the ledger verifies. The rotation runs
 * as `govflow keys rotate …` in a child process, as an operator would run it, against a PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { loadService } from '../../src/catalogue/index.js';
import { Documents } from '../../src/documents/index.js';
import { createEngine } from '../../src/engine/index.js';
import { createIdentity, DEMO_STAFF } from '../../src/identity/index.js';
import { GovflowError, masterKeyRefusal, loadConfig, openSecret } from '../../src/kernel/index.js';
import { loadOrCreateSigner, publishTreeHead, sealPending, verifyLedger } from '../../src/ledger/index.js';
import { createVault } from '../../src/privacy/index.js';
import { loadOrCreateClientKey } from '../../src/registries/index.js';
import { openDatabase, type Backend, type Database } from '../../src/store/index.js';
import { createServerDatabase, describeEachBackend } from '../support/databases.js';

const bin = new URL('../../bin/govflow.mjs', import.meta.url).pathname;
const SERVICES_DIR = path.resolve(import.meta.dirname, '..', '..', 'services');
const PEOPLE = Array.from({ length: 9 }, (_, i) => ({ id: `person-${i}`, nationalId: `19${String(800101 + i)}-${1000 + i}` }));

interface Run { code: number | null; stdout: string; stderr: string; killed: boolean }

/** Runs `govflow keys …`; with `killWhenPaused`, SIGKILLs it as soon as it reports the pause (work committed so far stays). */
function keys(args: string[], env: NodeJS.ProcessEnv, killWhenPaused = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'keys', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killWhenPaused && !killed && /keys: paused after \d+ batches/.test(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

interface Population { codes: string[]; secrets: Map<string, string> }

describeEachBackend('govflow keys rotate (issue 13, acceptance 7)', (backend: Backend) => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let url: string | undefined;
  let masterKey: string;
  const population: Population = { codes: [], secrets: new Map() };

  const open = (): Promise<Database> => openDatabase(url ? { url, poolSize: 3 } : { dataDir: dir });
  async function withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    const db = await open();
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  /** Every secret sealed under the master key, opened with `key`: what must survive a rotation unchanged. */
  async function openedSecrets(db: Database, key: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const take = async (sql: string, context: (id: string) => string): Promise<void> => {
      const { rows } = await db.query<{ id: string; box: string | null }>(sql);
      for (const r of rows) if (r.box) out.set(context(r.id), openSecret(r.box, key, context(r.id)).toString('base64'));
    };
    await take('select kid as id, private_key_box as box from signing_key', (id) => `documents.signing-key:${id}`);
    await take('select key_id as id, private_key_box as box from registry_client_key', (id) => `registry-client-key:${id}`);
    await take('select id, totp_secret_sealed as box from identity_staff', (id) => `totp:${id}`);
    return out;
  }

  /** The three checks of acceptance 7, with the master key in use after the step. */
  async function assertAllIntact(db: Database, key: string): Promise<void> {
    const documents = new Documents({ db, engine: createEngine(db), masterKey: key, publicUrl: 'http://127.0.0.1', issuer: { agency: 'demo', name: 'Demo' } });
    const { rows } = await db.query<{ code: string }>('select code from signed_decision order by code');
    assert.ok(rows.length >= population.codes.length && population.codes.length > 0);
    for (const { code } of rows) {
      const jws = (await documents.download(code))!.jws;
      const check = await documents.verifyJws(jws);
      assert.equal(check.valid, true, `decision ${code} verifies`);
      assert.equal(check.status, 'current');
    }
    const vault = createVault({ db, masterKey: key });
    for (const p of PEOPLE) {
      assert.deepEqual(await vault.identifiersOf(db, p.id), { 'national-id': p.nationalId }, `${p.id}'s identifier decrypts`);
      assert.equal(await vault.findPersonByIdentifier('national-id', p.nationalId), p.id, `${p.id} is found by the blind index`);
      const records = await vault.records.recordsOf(db, p.id);
      assert.ok(records.length >= 1, `${p.id} has sealed records`);
      for (const r of records) assert.equal((r.value as { nationalId: string }).nationalId, p.nationalId, `${p.id}'s ${r.kind} decrypts`);
    }
    assert.deepEqual(await openedSecrets(db, key), population.secrets, 'every sealed secret opens to what it was');
    const ledger = await verifyLedger(db);
    assert.equal(ledger.ok, true, `ledger verifies: ${JSON.stringify(ledger.firstBad)}`);
    // The keys in use still work: a new decision is signed and verifies.
    const fresh = await documents.issueDecision({ service: 'housing-benefit', reference: `HB-after-${randomBytes(3).toString('hex')}`, decisionType: 'benefit', outcome: 'approved', reasons: ['eligible'], subjectName: 'Alex Demo' });
    population.codes.push(fresh.code);
    assert.equal((await documents.verifyJws(fresh.jws)).valid, true);
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'govflow-keys-'));
    url = backend === 'postgres' ? await createServerDatabase() : undefined;
    masterKey = randomBytes(32).toString('base64url');
    await writeFile(path.join(dir, 'master.key'), `${masterKey}\n`, { mode: 0o600 });
    env = {
      ...process.env, GOVFLOW_DATA_DIR: dir, GOVFLOW_MASTER_KEY_FILE: path.join(dir, 'master.key'), GOVFLOW_LEDGER_KEY_FILE: path.join(dir, 'ledger.pem'), GOVFLOW_LOG_LEVEL: 'warn',
    };
    delete env['GOVFLOW_MASTER_KEY'];
    if (url) env['GOVFLOW_DATABASE_URL'] = url;
    else delete env['GOVFLOW_DATABASE_URL'];
    await withDb(async (db) => {
      // A few demo cases: the housing benefit process deployed and started, decisions issued, identifiers in the vault.
      const engine = createEngine(db);
      const service = await loadService(path.join(SERVICES_DIR, 'housing-benefit', 'service.json'));
      await engine.deploy([{ name: path.basename(service.process.bpmnFile!), content: service.process.bpmn! }, ...service.decisions.map((d) => ({ name: path.basename(d.file), content: d.xml }))]);
      const vault = createVault({ db, masterKey });
      const documents = new Documents({ db, engine, masterKey, publicUrl: 'http://127.0.0.1', issuer: { agency: 'demo', name: 'Demo' } });
      for (const [i, p] of PEOPLE.entries()) {
        await db.transaction((tx) => vault.putIdentifier(tx, p.id, 'national-id', p.nationalId));
        // A registry record sealed for the person (what the registry connector keeps): it must survive rotations too.
        await db.transaction((tx) => vault.records.seal(tx, { subject: p.id, kind: 'population-record', value: { nationalId: p.nationalId, name: `Person ${i}` } }));
        const instance = await engine.startInstance('housing-benefit', { businessKey: `HB-${i}`, variables: { applicantName: `Person ${i}`, monthlyIncome: 900 + 100 * i, monthlyRent: 600, applicationId: `HB-${i}`, serviceId: 'housing-benefit' } });
        const issued = await documents.issueDecision({ service: 'housing-benefit', reference: `HB-${i}`, decisionType: 'benefit', outcome: i % 2 ? 'refused' : 'approved', reasons: ['rule 1'], subjectName: `Person ${i}`, instanceId: instance.id, elementInstance: 'issue' });
        population.codes.push(issued.code);
      }
      // A second data key, so the vault holds rows under two keys before any rotation.
      await vault.rotateDataKey();
      for (const p of PEOPLE.slice(0, 3)) {
        await db.transaction((tx) => vault.putIdentifier(tx, p.id, 'national-id', p.nationalId));
        await db.transaction((tx) => vault.records.seal(tx, { subject: p.id, kind: 'household-record', value: { nationalId: p.nationalId } }));
      }
      await createIdentity({ db, masterKey }).seedDemo();
      await loadOrCreateClientKey(db, masterKey);
      await sealPending(db, { waitMs: 10_000 });
      await publishTreeHead(db, await loadOrCreateSigner(env['GOVFLOW_LEDGER_KEY_FILE']!));
      population.secrets = await openedSecrets(db, masterKey);
      assert.ok(population.secrets.size >= DEMO_STAFF.length + 2);
      await assertAllIntact(db, masterKey);
    });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('signing: killed after the decision key rotated, rerun installs the ledger key; old and new signatures verify', async () => {
    const before = await withDb(async (db) => (await db.query<{ kid: string }>('select kid from signing_key where active')).rows[0]!.kid);
    const ledgerKeyBefore = await readFile(env['GOVFLOW_LEDGER_KEY_FILE']!, 'utf8');
    const killed = await keys(['rotate', 'signing'], { ...env, GOVFLOW_KEYS_PAUSE_AFTER_BATCHES: '1' }, true);
    assert.equal(killed.killed, true, killed.stderr);
    await withDb(async (db) => assert.notEqual((await db.query<{ kid: string }>('select kid from signing_key where active')).rows[0]!.kid, before));
    assert.equal(await readFile(env['GOVFLOW_LEDGER_KEY_FILE']!, 'utf8'), ledgerKeyBefore, 'killed before the ledger key moved');

    const rerun = await keys(['rotate', 'signing'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /continuing the signing key rotation/);
    assert.notEqual(await readFile(env['GOVFLOW_LEDGER_KEY_FILE']!, 'utf8'), ledgerKeyBefore);
    await assert.rejects(stat(`${env['GOVFLOW_LEDGER_KEY_FILE']!}.next`));
    await withDb(async (db) => {
      // One rotation: exactly one more decision key than before (the rerun did not rotate again).
      assert.equal((await db.query('select kid from signing_key')).rows.length, 2);
      population.secrets = await openedSecrets(db, masterKey);
      await sealPending(db, { waitMs: 10_000 });
      await assertAllIntact(db, masterKey);
      const heads = await db.query<{ key_id: string }>('select distinct key_id from ledger_tree_head');
      assert.equal(heads.rows.length, 2, 'tree heads signed by the old and the new ledger key both verify');
    });
  });

  it('vault: killed after some batches, rerun re-encrypts the rest and deletes the old data keys', async () => {
    const killed = await keys(['rotate', 'vault', '--batch-size', '2'], { ...env, GOVFLOW_KEYS_PAUSE_AFTER_BATCHES: '2' }, true);
    assert.equal(killed.killed, true, killed.stderr);
    await withDb(async (db) => {
      const { rows } = await db.query<{ key_id: number; n: string }>('select key_id, count(*)::text as n from privacy_identifier group by key_id');
      assert.ok(rows.length >= 2, 'midway: identifiers under the new key and under old ones');
    });
    const rerun = await keys(['rotate', 'vault', '--batch-size', '2'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /continuing the vault key rotation/);
    await withDb(async (db) => {
      assert.equal((await db.query('select key_id from privacy_data_key')).rows.length, 1, 'only the new data key is left');
      assert.equal((await db.query('select distinct key_id from privacy_identifier')).rows.length, 1);
      assert.equal((await db.query('select distinct key_id from privacy_record')).rows.length, 1, 'personal records moved to the new data key too');
      await assertAllIntact(db, masterKey);
    });
  });

  it('master: killed midway, a rerun with another new key is refused, the rerun with the same key finishes', async () => {
    const newKey = randomBytes(32).toString('base64url');
    const newFile = path.join(dir, 'master-2.key');
    await writeFile(newFile, `${newKey}\n`, { mode: 0o600 });
    const killed = await keys(['rotate', 'master', '--new-key-file', newFile, '--batch-size', '2'], { ...env, GOVFLOW_KEYS_PAUSE_AFTER_BATCHES: '3' }, true);
    assert.equal(killed.killed, true, killed.stderr);
    await withDb(async (db) => {
      const { rows } = await db.query<{ id: string; box: string }>('select id, totp_secret_sealed as box from identity_staff');
      const opensWith = (key: string) => rows.filter((r) => { try { openSecret(r.box, key, `totp:${r.id}`); return true; } catch { return false; } }).length;
      assert.ok(opensWith(newKey) < rows.length || opensWith(masterKey) < rows.length, 'midway: not everything has moved');
    });

    const otherFile = path.join(dir, 'master-3.key');
    await writeFile(otherFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    const refused = await keys(['rotate', 'master', '--new-key-file', otherFile], env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /begun with another new key/);

    const rerun = await keys(['rotate', 'master', '--new-key-file', newFile, '--batch-size', '2'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /continuing the master key rotation/);
    await withDb(async (db) => {
      await assertAllIntact(db, newKey);
      const { rows } = await db.query<{ id: string; box: string }>('select id, totp_secret_sealed as box from identity_staff');
      for (const r of rows) assert.throws(() => openSecret(r.box, masterKey, `totp:${r.id}`), GovflowError, 'the old master key opens nothing any more');
    });
    // The operator then points every process at the new key file; a finished rotation run again changes nothing.
    const again = await keys(['rotate', 'master', '--new-key-file', newFile], { ...env, GOVFLOW_MASTER_KEY_FILE: newFile });
    assert.notEqual(again.code, 0, 'the new key is the one in use');
    assert.match(again.stderr, /the new master key is the one in use/);
  });
  // PostgreSQL only: the acceptance names a populated PostgreSQL database, and on PGlite the twelve child processes
  // (each reopening the embedded database) take over four minutes on a shared machine; the code paths are the same.
}, { backends: ['postgres'] });

it('production mode with a PostgreSQL server refuses to start without a shared master key, naming the settings', () => {
  const server = loadConfig({ GOVFLOW_DATABASE_URL: 'postgres://db.example/govflow' });
  assert.match(masterKeyRefusal(server, true)!, /GOVFLOW_MASTER_KEY_FILE/);
  assert.equal(masterKeyRefusal(server, false), null, 'the demo may use its data directory key');
  assert.equal(masterKeyRefusal(loadConfig({}), true), null, 'an embedded database is one process');
  assert.equal(masterKeyRefusal(loadConfig({ GOVFLOW_DATABASE_URL: 'postgres://db.example/govflow', GOVFLOW_MASTER_KEY_FILE: '/run/secrets/govflow-master-key' }), true), null);
});
