// The change feed on one database, as two processes would use it: a catalogue edit announced by one feed is
// reloaded by the other; the announcing feed ignores its own message; the other kinds of state need no message.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEFAULT_CATALOGUE_DIR, insertServiceVersion, loadCatalogueWithOverrides } from '../../src/catalogue/index.js';
import { startChangeFeed, type ChangeFeed } from '../../src/operations/index.js';
import type { Database } from '../../src/store/index.js';
import { freshDatabase, describeEachBackend } from '../support/databases.js';
import { eventually } from '../support/eventually.js';

describeEachBackend('change feed', (backend) => {
  let db: Database;
  let first: ChangeFeed;
  let second: ChangeFeed;
  before(async () => {
    db = await freshDatabase(backend);
    first = await startChangeFeed({ db, catalogue: await loadCatalogueWithOverrides(db, DEFAULT_CATALOGUE_DIR) });
    second = await startChangeFeed({ db, catalogue: await loadCatalogueWithOverrides(db, DEFAULT_CATALOGUE_DIR) });
  });
  after(async () => {
    await first.stop();
    await second.stop();
    await db.close();
  });

  it("reloads the other process's catalogue when one announces an edit, and only then", async () => {
    const service = first.catalogue.get('housing-benefit')!;
    const { summary, description, whoCanApply, documentsNeeded, fee, expectedTime, department, sla } = service;
    await db.transaction((tx) => insertServiceVersion(tx, service.id, { title: 'Claim help with your rent', summary, description, whoCanApply, documentsNeeded, fee, expectedTime, department, sla }, 'staff:ada'));
    // Written but not announced: neither process has reloaded (their next resync is a minute away).
    assert.notEqual(second.catalogue.get('housing-benefit')?.title, 'Claim help with your rent');
    await first.catalogue.refresh();
    assert.equal(first.catalogue.get('housing-benefit')?.title, 'Claim help with your rent');
    await eventually('the other catalogue to reload', async () => second.catalogue.get('housing-benefit')?.title === 'Claim help with your rent', { timeoutMs: 10_000 });
    assert.equal(second.applied(), 1);
    assert.equal(first.applied(), 0, 'the announcing process ignores its own message');
  });
});
