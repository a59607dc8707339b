import path from 'node:path';
import { GovflowError, loadConfig } from '../../kernel/index.js';
import { openDatabaseFromConfig } from '../../store/index.js';
import {
  exportCheckpoint,
  getConsistencyProof,
  getInclusionProof,
  latestTreeHead,
  ledgerHealth,
  loadOrCreateSigner,
  publishTreeHead,
  sealPending,
  verifyLedger,
} from '../../ledger/index.js';
import { numberFlag, parseCommandArgs, requiredPositional, type OptionTable } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `govflow ledger <command>
  verify [--json]            recompute every leaf, the tree and every signed tree head from the database;
                             prints the first bad entry and exits 1 if anything does not match
  seal                       seal every committed event now and publish a signed tree head
  head [--json]              the latest signed tree head
  checkpoint                 the latest signed tree head as a checkpoint note (for anchoring elsewhere)
  proof <eventId> [--size N] inclusion proof of one event (JSON)
  consistency <m> <n>        consistency proof between tree sizes m and n (JSON)
  health [--json]            unsealed events and sealing lag
The signing key is GOVFLOW_LEDGER_KEY_FILE, or <data dir>/ledger-signing-key.pem (created on first use).`;

function keyFile(dataDir: string): string {
  return process.env['GOVFLOW_LEDGER_KEY_FILE'] || path.join(dataDir, 'ledger-signing-key.pem');
}

// Each subcommand's options and how many plain arguments it takes, parsed before the database is opened.
const SUBCOMMANDS: Record<string, { options: OptionTable; positionals: number }> = {
  verify: { options: { json: { type: 'boolean' } }, positionals: 0 },
  seal: { options: {}, positionals: 0 },
  head: { options: { json: { type: 'boolean' } }, positionals: 0 },
  checkpoint: { options: {}, positionals: 0 },
  proof: { options: { size: { type: 'string' } }, positionals: 1 },
  consistency: { options: {}, positionals: 2 },
  health: { options: { json: { type: 'boolean' } }, positionals: 0 },
};

const json = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v), 2);

export const command: Command = {
  usage: USAGE,
  help: () => Promise.resolve(`Usage: ${USAGE}`),
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return sub ? 0 : 2;
    }
    const spec = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!spec) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `unknown ledger command '${sub}': one of ${Object.keys(SUBCOMMANDS).join(', ')}`);
    const { values, positionals } = parseCommandArgs(rest, spec.options, spec.positionals);
    const asJson = values['json'] === true;
    const integer = (what: string, text: string | undefined): number => numberFlag(what, requiredPositional(text, what), 0, { min: 0, integer: true });
    const config = loadConfig();
    const db = await openDatabaseFromConfig(config, { poolSize: 2 });
    try {
      switch (sub) {
        case 'verify': {
          const report = await verifyLedger(db);
          if (asJson) console.log(json(report));
          else if (report.ok) {
            console.log(`ledger OK: ${report.treeSize} entries, ${report.treeHeads} signed tree heads, ${report.erased} erased, ${report.pending} not yet sealed (${report.seconds.toFixed(2)} s)`);
          } else {
            const bad = report.firstBad!;
            const where = [bad.leafIndex !== undefined ? `entry ${bad.leafIndex}` : undefined, bad.eventId !== undefined ? `event ${bad.eventId}` : undefined].filter(Boolean).join(', ');
            console.error(`ledger FAILED at ${where}: ${bad.reason}`);
          }
          return report.ok ? 0 : 1;
        }
        case 'seal': {
          const result = await sealPending(db, { waitMs: 5000 });
          const head = await publishTreeHead(db, await loadOrCreateSigner(keyFile(config.dataDir)));
          console.log(`sealed ${result.sealed}; tree size ${head.treeSize}, root ${head.rootHash.toString('hex')}, key ${head.keyId}`);
          return 0;
        }
        case 'head': {
          const head = await latestTreeHead(db);
          if (!head) {
            console.error('no signed tree head yet (run `govflow ledger seal`)');
            return 1;
          }
          console.log(json(head));
          return 0;
        }
        case 'checkpoint': {
          const note = await exportCheckpoint(db);
          if (!note) {
            console.error('no signed tree head yet (run `govflow ledger seal`)');
            return 1;
          }
          process.stdout.write(note);
          return 0;
        }
        case 'proof': {
          const id = integer('the event id', positionals[0]);
          const sizeText = values['size'];
          const size = typeof sizeText === 'string' ? numberFlag('--size', sizeText, 0, { min: 1, integer: true }) : undefined;
          console.log(json(await getInclusionProof(db, id, size === undefined ? {} : { treeSize: size })));
          return 0;
        }
        case 'consistency': {
          console.log(json(await getConsistencyProof(db, integer('tree size m', positionals[0]), integer('tree size n', positionals[1]))));
          return 0;
        }
        case 'health': {
          const health = await ledgerHealth(db);
          if (asJson) console.log(json(health));
          else console.log(`tree size ${health.treeSize}; ${health.unsealed} unsealed; lag ${health.lagSeconds.toFixed(1)} s; ${health.behind ? 'BEHIND' : 'ok'}`);
          return health.behind ? 1 : 0;
        }
        default:
          throw new GovflowError('GOVFLOW_ERR_INTERNAL', `ledger command '${sub}' has options but no handler`);
      }
    } finally {
      await db.close();
    }
  },
};
