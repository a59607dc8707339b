import { readFile } from 'node:fs/promises';
import { DEFAULT_CATALOGUE_DIR, loadCatalogueWithOverrides } from '../../catalogue/index.js';
import { GovflowError, loadConfig } from '../../kernel/index.js';
import { openDatabaseFromConfig, projectorPosition, projectPending, rebuildProjector } from '../../store/index.js';
import { createTransparencyProjector, importContracts, importSpending, TRANSPARENCY_PROJECTOR } from '../../transparency/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { publishedServices } from '../compose.js';

const USAGE = `govflow transparency <command>
  rebuild [--json]   empty the transparency figures and recompute them from the whole event log (safe while
                     servers run: they wait for the rebuild's reset, then follow again)
  catch-up [--json]  apply the events not projected yet
  status [--json]    how many events the figures include
  import-spending FILE [--json]   import budget lines and payments from a CSV file (columns: docs/open-data.md);
                     a file with any bad row is rejected whole, every problem named by line and column
  import-contracts FILE [--json]  import public contracts from a CSV file (published as OCDS 1.1 releases)`;

export const command: Command = {
  usage: USAGE,
  help: () => Promise.resolve(`Usage: ${USAGE}`),
  async run([sub, ...rest]) {
    const asksHelp = sub === '--help' || sub === '-h';
    if (sub === undefined || asksHelp) return (console.log(USAGE), asksHelp ? 0 : 2);
    if (sub === 'import-spending' || sub === 'import-contracts') return importFile(sub, rest);
    if (sub !== 'rebuild' && sub !== 'catch-up' && sub !== 'status') throw new GovflowError('GOVFLOW_ERR_VALIDATION', `unknown transparency command '${sub}': one of rebuild, catch-up, status, import-spending, import-contracts`);
    const { values } = parseCommandArgs(rest, { json: { type: 'boolean' } }, 0);
    const config = loadConfig();
    const db = await openDatabaseFromConfig(config);
    try {
      const catalogue = await loadCatalogueWithOverrides(db, process.env['GOVFLOW_SERVICES_DIR'] ?? DEFAULT_CATALOGUE_DIR);
      const projector = createTransparencyProjector(publishedServices(catalogue));
      const started = Date.now();
      const applied = sub === 'rebuild' ? await rebuildProjector(db, projector) : sub === 'catch-up' ? await projectPending(db, projector) : 0;
      const position = await projectorPosition(db, TRANSPARENCY_PROJECTOR);
      const result = { command: sub, applied, totalApplied: position?.applied ?? 0, lastEventId: position?.lastEventId ?? 0, ms: Date.now() - started };
      console.log(values['json'] === true ? JSON.stringify(result) : `${sub}: ${applied} events applied now; the figures include ${result.totalApplied} events (up to event ${result.lastEventId}) in ${result.ms} ms`);
      return 0;
    } finally {
      await db.close();
    }
  },
};

async function importFile(sub: 'import-spending' | 'import-contracts', rest: readonly string[]): Promise<number> {
  if (rest.includes('--help') || rest.includes('-h')) return (console.log(USAGE), 0);
  const { values, positionals } = parseCommandArgs(rest, { json: { type: 'boolean' } }, 1);
  const file = positionals[0];
  if (file === undefined) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `transparency ${sub} needs the CSV file to import`);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  const db = await openDatabaseFromConfig(loadConfig());
  try {
    const result = sub === 'import-spending' ? await importSpending(db, text) : await importContracts(db, text);
    console.log(values['json'] === true ? JSON.stringify({ command: sub, file, ...result }) : `${sub}: ${result.rows} rows imported from ${file}`);
    return 0;
  } finally {
    await db.close();
  }
}
