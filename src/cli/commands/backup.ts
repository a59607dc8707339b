import { loadConfig } from '../../kernel/index.js';
import { ledgerHealth } from '../../ledger/index.js';
import { backupDatabase } from '../../store/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  usage: `govflow backup [--out FILE]
  Writes the database to FILE (default govflow-backup-<time>.tar.gz for the embedded database, .pgdump for a
  PostgreSQL server), never over an existing file. The embedded database must not be in use (stop govflow serve);
  a server is dumped while it runs (pg_dump takes a consistent snapshot). Keys are not in the backup: keep
  <data dir>/master.key (or GOVFLOW_MASTER_KEY) and the ledger signing key apart from it. See docs/operations.md.`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { out: { type: 'string' } });
    const config = loadConfig();
    const server = config.databaseUrl !== undefined;
    const out = values.out ?? `govflow-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.${server ? 'pgdump' : 'tar.gz'}`;
    // What the ledger covered when the backup was taken, printed so a restore can be compared with it.
    const { format, bytes, inspected: health } = await backupDatabase({ url: config.databaseUrl, dataDir: config.dataDir }, out, ledgerHealth);
    console.log(`backup written to ${out} (${format}, ${(bytes / 1048576).toFixed(1)} MB); ledger tree size ${health.treeSize}, ${health.unsealed} events not yet sealed`);
    return 0;
  },
};
