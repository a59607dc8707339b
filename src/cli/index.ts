import { isGovflowError, toGovflowError } from '../kernel/index.js';
/** The composition root, for tests that need the whole server as `govflow serve` runs it (the authorisation matrix). */
export { openGovflow, startServer } from './compose.js';
export type { Govflow } from './compose.js';
/** `bench web`'s flag parser and load generator, for its tests. */
export { generateLoad, parseWebBenchArgs, STATUS_PAGE_GOAL } from './commands/bench-web.js';
export type { LoadSpec, TargetResult, WebBenchOptions, WebBenchResult } from './commands/bench-web.js';

/** A CLI command: parses its own arguments, returns the process exit code. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

// Commands load lazily so `govflow --help` and small commands start fast and one broken module cannot stop the rest.
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  serve: () => import('./commands/serve.js'),
  deploy: () => import('./commands/deploy.js'),
  start: () => import('./commands/start.js'),
  bench: () => import('./commands/bench.js'),
  mine: () => import('./commands/mine.js'),
  tck: () => import('./commands/tck.js'),
  ledger: () => import('./commands/ledger.js'),
  admin: () => import('./commands/admin.js'),
};

async function help(): Promise<string> {
  const lines = ['govflow: public services as BPMN processes, on embedded or server PostgreSQL', '', 'Usage: govflow <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(8)} ${command.summary}`);
  }
  lines.push('', 'Environment: GOVFLOW_DATABASE_URL=postgres://… uses a PostgreSQL server; otherwise an embedded database in ./data.');
  lines.push('Run `govflow <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await help());
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`govflow: unknown command '${name}'\n\n${await help()}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nUsage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    const coded = toGovflowError(error);
    if (isGovflowError(error)) {
      console.error(`govflow ${name}: ${coded.message} [${coded.code}]`);
      for (const d of coded.details) console.error(`  - ${d.where ? `${d.where}: ` : ''}${d.message}${d.line ? ` (line ${d.line}${d.column ? `, column ${d.column}` : ''})` : ''}`);
    } else {
      console.error(`govflow ${name}: ${coded.message} [${coded.code}]`);
      console.error(error);
    }
    return coded.kind === 'user' ? 2 : 1;
  }
}
