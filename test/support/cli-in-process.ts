import { main } from '../../src/cli/index.js';

/** Runs the CLI in this process (as `govflow …` would) and returns its exit code and what it printed. */
export async function cli(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const errors: string[] = [];
  const out: string[] = [];
  const { error, log } = console;
  console.error = (...parts: unknown[]) => errors.push(parts.map(String).join(' '));
  console.log = (...parts: unknown[]) => out.push(parts.map(String).join(' '));
  try {
    return { code: await main(argv), stderr: errors.join('\n'), stdout: out.join('\n') };
  } finally {
    Object.assign(console, { error, log });
  }
}
