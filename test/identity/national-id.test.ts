/**
 * The national ID from the eID goes to the privacy vault (encrypted, blind-indexed), never into a table or log in
 * plain text, and later sign-ins find the person by it. Real OpenID Connect provider on loopback, real Chromium,
 * both backends.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { NATIONAL_ID_KIND, parseNationalId } from '../../src/identity/index.js';
import { createVault } from '../../src/privacy/index.js';
import { findPostgresBin } from '../../src/store/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../portal/support.js';
import { describeEachBackend } from '../support/databases.js';
import { startTestEid, type EidClaims, type TestEid } from '../support/test-eid.js';
import { dumpAllTables, freePort, principalOfSession, signInAtProvider } from './oidc-support.js';
import { startIdentityServer, type IdentityServer } from './support.js';

const RILEY_ID = '49403136526';

describe('parseNationalId', () => {
  it('accepts personal codes and prefixed identifiers, normalised; refuses everything else', () => {
    assert.equal(parseNationalId(' ee38001085718 '), 'EE38001085718');
    assert.equal(parseNationalId('EE/DE/38001085718'), 'EE/DE/38001085718');
    assert.equal(parseNationalId(38001085718), '38001085718');
    for (const bad of ['', ' ', '<script>', "1' or '1'='1", '1--2', '-1', '1-', 'a'.repeat(65), 'ABC\u0000', 'ÄÖ123', null, undefined, {}, [], true]) assert.equal(parseNationalId(bad), null, String(bad));
  });

  it('is idempotent, bounded and only ever returns [A-Z0-9] runs joined by single separators', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9/._:+-]{0,70}$/), fc.integer()), (input) => {
      const parsed = parseNationalId(input);
      if (parsed === null) return;
      assert.match(parsed, /^[A-Z0-9]+([/._:+-][A-Z0-9]+)*$/);
      assert.ok(parsed.length <= 64);
      assert.equal(parseNationalId(parsed), parsed);
      assert.equal(parsed, String(input).trim().toUpperCase());
    }));
  });
});

describeEachBackend('identity: the national ID from the eID, in the vault', (backend) => {
  let eid: TestEid;
  let s: IdentityServer;
  let browser: Browser;
  const logs: string[] = [];
  const masterKey = randomBytes(32);
  // The eID's accounts: Riley, Riley again under a new sub (same national ID), and a malformed ID.
  const people: Record<string, EidClaims> = {
    'eid-riley': { name: 'Riley Tester', email: 'riley@example.org', national_id: RILEY_ID },
    'eid-riley-renewed': { name: 'Riley Tester', email: 'riley@example.org', national_id: ` ${RILEY_ID} ` },
    'eid-mallory': { name: 'Mallory', national_id: '<script>alert(1)</script>' },
    'eid-sam': { name: 'Sam No-ID' },
  };
  const signIn = (login: string) => signInAtProvider(browser, s.base, eid.issuer, '/sign-in/oidc?next=/applications', login);

  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    eid = await startTestEid(() => `${publicUrl}/sign-in/callback`, { people });
    const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } });
    s = await startIdentityServer(backend, { masterKey, logger: pino({ level: 'debug' }, sink), oidc: { issuer: eid.issuer, clientId: eid.clientId, clientSecret: eid.clientSecret, publicUrl } }, port);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await eid?.close();
  });

  /** The reasons of the failed sign-ins recorded so far (audit events). */
  const failures = async () => (await s.db.query<{ reason: string }>("select data->>'reason' as reason from event_log where type = 'identity.sign-in-failed' order by id")).rows.map((r) => r.reason);
  const persons = async () => (await s.db.query<{ id: string; subject: string }>("select id, subject from identity_person where issuer <> 'demo' order by id")).rows;

  it('signs the same person in twice, and again under a new sub, finding them by the blind index', async () => {
    const first = await signIn('eid-riley');
    assert.equal(first.url.pathname, '/applications');
    const who = await principalOfSession(s.db, first.session);
    assert.equal(who?.kind, 'citizen');
    const personId = who!.id!;
    assert.deepEqual((await persons()).map((p) => p.subject), ['eid-riley']);

    const second = await signIn('eid-riley');
    assert.deepEqual(await principalOfSession(s.db, second.session), { kind: 'citizen', id: personId });
    const renewed = await signIn('eid-riley-renewed');
    assert.deepEqual(await principalOfSession(s.db, renewed.session), { kind: 'citizen', id: personId }, 'a new sub with the same national ID is the same person');
    assert.equal((await persons()).length, 1, 'one person');

    const vault = createVault({ db: s.db, masterKey });
    assert.equal(await vault.findPersonByIdentifier(NATIONAL_ID_KIND, RILEY_ID), personId);
    assert.equal(await vault.getIdentifier(personId, NATIONAL_ID_KIND, { actor: 'staff:aud', purpose: 'test' }), RILEY_ID);
  });

  it('keeps the plain national ID out of every table and every log line', async () => {
    const dump = await dumpAllTables(s.db);
    assert.ok(dump.includes('eid-riley'), 'the dump holds the sign-ins (so the search below is meaningful)');
    assert.ok(dump.includes('identity.signed-in'));
    assert.equal(dump.includes(RILEY_ID), false, 'no table holds the national ID');
    if (backend === 'postgres') {
      // And the real thing: a full pg_dump of the database (schema and data).
      const bin = findPostgresBin();
      assert.ok(bin, 'pg_dump is installed where the test server came from');
      const sql = execFileSync(path.join(bin, 'pg_dump'), ['--no-owner', s.dbUrl], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      assert.ok(sql.includes('eid-riley') && sql.includes('privacy_identifier'), 'the dump holds the data');
      assert.equal(sql.includes(RILEY_ID), false, 'pg_dump output holds no national ID');
    }
    assert.ok(logs.some((l) => l.includes('signed in')), 'the log captured the sign-ins');
    assert.equal(logs.join('\n').includes(RILEY_ID), false, 'no log line holds the national ID');
  });

  it('still finds and opens it after the data key is rotated and the rows re-encrypted', async () => {
    const vault = createVault({ db: s.db, masterKey });
    const personId = (await persons())[0]!.id;
    const before = (await s.db.query<{ key_id: number; ciphertext: string }>('select key_id, ciphertext from privacy_identifier where person_id = $1', [personId])).rows[0]!;
    const newKey = await vault.rotateDataKey();
    while (await vault.reencrypt(100) > 0) { /* until every row is under the new key */ }
    const after = (await s.db.query<{ key_id: number; ciphertext: string }>('select key_id, ciphertext from privacy_identifier where person_id = $1', [personId])).rows[0]!;
    assert.equal(Number(after.key_id), newKey);
    assert.notEqual(Number(before.key_id), newKey);
    assert.notEqual(after.ciphertext, before.ciphertext);
    const again = await signIn('eid-riley');
    assert.deepEqual(await principalOfSession(s.db, again.session), { kind: 'citizen', id: personId });
    assert.equal(await vault.getIdentifier(personId, NATIONAL_ID_KIND, { actor: 'staff:aud', purpose: 'test' }), RILEY_ID);
    assert.equal((await persons()).length, 1);
  });

  it('refuses a malformed national ID (nothing stored) and signs in a person whose eID sends none', async () => {
    const bad = await signIn('eid-mallory');
    assert.equal(await principalOfSession(s.db, bad.session).then((p) => p?.kind ?? null), null, 'not signed in');
    assert.match(bad.content, /Sign-in did not work/);
    assert.deepEqual((await failures()).slice(-1), ['oidc-national-id-malformed']);
    assert.equal((await persons()).some((p) => p.subject === 'eid-mallory'), false, 'no person created');
    const none = await signIn('eid-sam');
    assert.equal((await principalOfSession(s.db, none.session))?.kind, 'citizen');
    const sam = (await persons()).find((p) => p.subject === 'eid-sam')!;
    assert.equal((await s.db.query('select 1 from privacy_identifier where person_id = $1', [sam.id])).rows.length, 0);
  });

  it('refuses a sub whose national ID now differs from the one stored, rather than overwrite it', async () => {
    people['eid-riley'] = { name: 'Riley Tester', national_id: '50001010006' };
    try {
      const r = await signIn('eid-riley');
      assert.equal((await principalOfSession(s.db, r.session))?.kind ?? null, null);
      assert.match(r.content, /Sign-in did not work/);
      assert.deepEqual((await failures()).slice(-1), ['oidc-identity-conflict']);
      const vault = createVault({ db: s.db, masterKey });
      const personId = (await persons()).find((p) => p.subject === 'eid-riley')!.id;
      assert.equal(await vault.getIdentifier(personId, NATIONAL_ID_KIND, { actor: 'staff:aud', purpose: 'test' }), RILEY_ID, 'unchanged');
      assert.equal(await vault.findPersonByIdentifier(NATIONAL_ID_KIND, '50001010006'), null);
    } finally {
      people['eid-riley'] = { name: 'Riley Tester', email: 'riley@example.org', national_id: RILEY_ID };
    }
  });
});
