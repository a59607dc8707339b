/** A CLI command: parses its own arguments (with parseCommandArgs), returns the process exit code. */
export interface Command {
  readonly usage: string;
  /** For commands with subcommands (bench, ledger): the help of the one named in `argv`, which owns its options. */
  help?(argv: string[]): Promise<string>;
  run(argv: string[]): Promise<number>;
}
