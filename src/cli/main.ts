/**
 * The CLI's entry point, what bin/govflow.mjs loads. It imports nothing but node built-ins at load time: the
 * command table below holds each command's one-line summary, so `govflow --help` reads no domain module, and
 * only the command asked for is imported (test/cli-startup.test.ts keeps it that way).
 */
import { parseArgs } from 'node:util';
import type { Command } from './command.js';

interface Entry {
  readonly summary: string;
  load(): Promise<{ command: Command }>;
}

// To add a command: a file in commands/ exporting `command`, and one line here.
const COMMANDS: Record<string, Entry> = {
  serve: { summary: 'run the API and the background workers (embedded database in ./data unless GOVFLOW_DATABASE_URL is set)', load: () => import('./commands/serve.js') },
  deploy: { summary: 'deploy BPMN (and DMN, form) files; a changed process becomes a new version', load: () => import('./commands/deploy.js') },
  convert: { summary: 'convert a Camunda 7 BPMN model to govflow\'s dialect (JUEL → FEEL, delegates → job types); prints a report', load: () => import('./commands/convert.js') },
  start: { summary: 'start an instance of a deployed process', load: () => import('./commands/start.js') },
  bench: { summary: 'measure throughput and latency (engine, decisions, mining, ledger, web); prints JSON', load: () => import('./commands/bench.js') },
  mine: { summary: 'process mining on an event log: variants, process map, bottlenecks, conformance, HTML report', load: () => import('./commands/mine.js') },
  tck: { summary: 'run the DMN TCK (compliance levels 2 and 3); writes tck/results.csv, counts test cases', load: () => import('./commands/tck.js') },
  ledger: { summary: 'verify the tamper-evident ledger, show tree heads, proofs and checkpoints', load: () => import('./commands/ledger.js') },
  backup: { summary: 'write a backup of the database to a file (PGlite dump, or pg_dump of the server)', load: () => import('./commands/backup.js') },
  admin: { summary: 'create the first administrator (one-time enrolment link), reissue links, disable the demo accounts', load: () => import('./commands/admin.js') },
  transparency: { summary: 'rebuild or catch up the public performance figures from the event log', load: () => import('./commands/transparency.js') },
  restore: { summary: 'restore a backup into an empty database and verify the ledger', load: () => import('./commands/restore.js') },
  apikey: { summary: 'issue, list, rotate and revoke agency API keys (scoped; the key is printed once)', load: () => import('./commands/apikey.js') },
  keys: { summary: 'rotate the signing keys, the vault\'s data key or the master key (rerun to continue an interrupted one)', load: () => import('./commands/keys.js') },
  simulate: { summary: 'simulate a demo city\'s sensors: readings of the five Smart Data Models to a running govflow over NGSI-LD or MQTT', load: () => import('./commands/simulate.js') },
};

function help(): string {
  return [
    'govflow: public services as BPMN processes, on embedded or server PostgreSQL',
    '',
    'Usage: govflow <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(8)} ${entry.summary}`),
    '',
    'Environment: GOVFLOW_DATABASE_URL=postgres://… uses a PostgreSQL server; otherwise an embedded database in ./data.',
    'Run `govflow <command> --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name.startsWith('-')) {
    // Options before any command: only --help; anything else is named in the error.
    try {
      parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true });
    } catch (error) {
      const flag = /'(-[^' ]+)/.exec(error instanceof Error ? error.message : '')?.[1] ?? argv[0];
      console.error(`govflow: unknown option ${flag}: name a command first\n\n${help()}`);
      return 2;
    }
    console.log(help());
    return name === undefined ? 1 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    console.error(`govflow: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  let command: Command | undefined;
  try {
    ({ command } = await entry.load());
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(command.help ? await command.help(rest) : `${entry.summary}\n\nUsage: ${command.usage}`);
      return 0;
    }
    return await command.run(rest);
  } catch (error) {
    // The kernel is loaded only now: a command that succeeds never needs it here.
    const { isGovflowError, toGovflowError } = await import('../kernel/index.js');
    const coded = toGovflowError(error);
    console.error(`govflow ${name}: ${coded.message} [${coded.code}]`);
    if (isGovflowError(error)) {
      for (const d of coded.details) console.error(`  - ${d.where ? `${d.where}: ` : ''}${d.message}${d.line ? ` (line ${d.line}${d.column ? `, column ${d.column}` : ''})` : ''}`);
      // Commands with subcommands (bench, ledger) have their help per subcommand.
      const sub = rest[0] !== undefined && !rest[0].startsWith('-') && command?.help !== undefined ? ` ${rest[0]}` : '';
      if (coded.code === 'GOVFLOW_ERR_VALIDATION') console.error(`Run \`govflow ${name}${sub} --help\` for its options.`);
    } else {
      console.error(error);
    }
    return coded.kind === 'user' ? 2 : 1;
  }
}
