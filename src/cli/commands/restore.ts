import { loadConfig } from '../../kernel/index.js';
import { verifyLedger } from '../../ledger/index.js';
import { openDatabaseFromConfig, restoreDatabase } from '../../store/index.js';
import { parseCommandArgs, requiredPositional } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  usage: `govflow restore FILE [--force]
  Restores a backup written by govflow backup into the database of this environment (GOVFLOW_DATABASE_URL, else the
  embedded database in GOVFLOW_DATA_DIR), which must be empty; --force sets an embedded database aside (renamed) or
  replaces a server database's contents. Then migrates it and verifies the whole ledger: exit 1 if it does not verify.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { force: { type: 'boolean' } }, 1);
    const file = requiredPositional(positionals[0], 'the backup file to restore');
    const config = loadConfig();
    const restored = await restoreDatabase({ url: config.databaseUrl, dataDir: config.dataDir }, file, { force: values.force === true });
    if (restored.setAside) console.log(`the previous embedded database was moved to ${restored.setAside}`);
    const db = await openDatabaseFromConfig(config, { poolSize: 2 });
    try {
      const report = await verifyLedger(db);
      if (!report.ok) {
        const bad = report.firstBad;
        const where = [bad?.leafIndex !== undefined ? `entry ${bad.leafIndex}` : undefined, bad?.eventId !== undefined ? `event ${bad.eventId}` : undefined].filter(Boolean).join(', ');
        // Loud and non-zero, like `govflow ledger verify`: the data is in place but must not be served.
        console.error(`govflow restore: THE RESTORED DATABASE DOES NOT VERIFY: the ledger fails at ${where || 'an unknown entry'}: ${bad?.reason ?? 'no reason given'}`);
        console.error('Do not serve from it: restore an earlier backup, and find out how this one was altered.');
        return 1;
      }
      console.log(`restored ${file} (${restored.format}); ledger OK: ${report.treeSize} entries, ${report.treeHeads} signed tree heads, ${report.pending} not yet sealed`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
