/**
 * Runs the real CLI (`bin/govflow.mjs`) in a child process, as a user would, and returns its exit code and output
 * whatever the code. GOVFLOW_PORT is 1 so that a command that would serve fails fast instead of binding a port.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = new URL('../../bin/govflow.mjs', import.meta.url).pathname;

export async function runGovflow(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // The timeout is long: a first open of PGlite is slow on a busy machine.
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env, GOVFLOW_PORT: '1' }, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
