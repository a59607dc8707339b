/** A CLI command: parses its own arguments (with parseCommandArgs), returns the process exit code. */
export interface Command {
  readonly usage: string;
  /** Unused: the one-line summary lives in main.ts's command table, so `govflow --help` loads no command. */
  readonly summary?: string;
  /** For commands with subcommands (bench, ledger): the help of the one named in `argv`, which owns its options. */
  help?(argv: string[]): Promise<string>;
  run(argv: string[]): Promise<number>;
}
