/**
 * Runs a load generator script (autocannon) in a `node` process of its own, so the load never shares the measured
 * server's event loop; the script reads its spec from GOVFLOW_BENCH_SPEC and prints one JSON line as its result.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export async function runLoadChild(what: string, script: string, spec: unknown): Promise<string> {
  const autocannonUrl = pathToFileURL(createRequire(import.meta.url).resolve('autocannon')).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, GOVFLOW_BENCH_SPEC: JSON.stringify(spec), GOVFLOW_AUTOCANNON_URL: autocannonUrl }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.trim().split('\n').at(-1);
  if (code !== 0 || !line) throw new Error(`the load generator for ${what} failed (exit ${code}): ${err.slice(-2000)}`);
  return line;
}
