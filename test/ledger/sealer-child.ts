/** A separate govflow process that only seals, in small rounds, until killed (used by faults.test.ts). */
import { openDatabase } from '../../src/store/index.js';
import { sealRound } from '../../src/ledger/index.js';

const url = process.argv[2];
if (!url) throw new Error('usage: sealer-child.ts <postgres url>');
const db = await openDatabase({ url, poolSize: 2, migrate: false });
for (;;) {
  const result = await sealRound(db, 400);
  process.stdout.write(`sealed ${result.sealed} ${result.treeSize}\n`);
  if (result.sealed === 0) await new Promise((r) => setTimeout(r, 5));
}
